//===- KernelRoot.h - the op a kernel region is built around ----*- C++ -*-===//
//
// Internal to lib/Target: each target turns a kernel region (`autoglm.fused`,
// lowered to linalg on tensors) into a kernel by tiling its root, the op
// computing its result, and fusing the rest into the tiles.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_LIB_TARGET_KERNELROOT_H
#define AUTOGLM_LIB_TARGET_KERNELROOT_H

#include "autoglm/Dialect/AutoGLM.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mlir::autoglm {
/// The op of `region`'s body computing its one result, past reshapes (which
/// move no data); null when the region has several results or yields one of
/// its arguments.
inline Operation *getKernelRoot(FusedOp region) {
  auto yield = cast<YieldOp>(region.getBody().front().getTerminator());
  if (yield.getValues().size() != 1)
    return nullptr;
  Operation *op = yield.getValues()[0].getDefiningOp();
  while (op && isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(op))
    op = op->getOperand(0).getDefiningOp();
  return op;
}
} // namespace mlir::autoglm

#endif // AUTOGLM_LIB_TARGET_KERNELROOT_H
