//===- KernelRoot.h - the op a kernel region is built around ----*- C++ -*-===//
//
// Internal to lib/Target: each target turns a kernel region (`autoglm.fused`,
// lowered to linalg on tensors) into a kernel by tiling its root, the op
// computing its result, and fusing the rest into the tiles; how it cuts a
// product depends on which of its operands is a constant weight.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_LIB_TARGET_KERNELROOT_H
#define AUTOGLM_LIB_TARGET_KERNELROOT_H

#include "autoglm/Dialect/AutoGLM.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

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

/// Whether `value`, an operand of an op in a kernel region, is a constant,
/// past reshapes and slices (a filter padded apart, read through a view of
/// its first columns) and the argument of the region it enters: a MatMul's
/// or Gemm's weight as B, a convolution's as A.
inline bool isConstantWeight(Value value) {
  while (true) {
    if (auto collapse = value.getDefiningOp<tensor::CollapseShapeOp>())
      value = collapse.getSrc();
    else if (auto expand = value.getDefiningOp<tensor::ExpandShapeOp>())
      value = expand.getSrc();
    else if (auto slice = value.getDefiningOp<tensor::ExtractSliceOp>())
      value = slice.getSource();
    else
      break;
  }
  if (auto arg = dyn_cast<BlockArgument>(value))
    if (auto region = dyn_cast<FusedOp>(arg.getOwner()->getParentOp()))
      return isConstantWeight(region->getOperand(arg.getArgNumber()));
  return matchPattern(value, m_Constant());
}
} // namespace mlir::autoglm

#endif // AUTOGLM_LIB_TARGET_KERNELROOT_H
