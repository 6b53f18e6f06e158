//===- FormKernels.cpp - --autoglm-form-kernels ---------------------------===//
//
// From here on, a kernel is an `autoglm.fused` region: the clusters that
// --autoglm-fuse formed, and here every other op that computes becomes a
// region of its own. The lowering converts each region's body in place and
// code generation turns each region into one loop nest on the CPU (one
// launch on a GPU), so the boundaries the graph passes chose are the ones
// that run.
//
//===----------------------------------------------------------------------===//

#include "autoglm/Passes/Passes.h"

#include "fusion/Rules.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_FORMKERNELS
#include "autoglm/Passes/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {
/// Ops that are not kernels: constants (data, not work), the regions
/// themselves, and reshapes, which only reinterpret a dense row-major
/// buffer and move no data.
bool isKernel(Operation *op) {
  return isa<AutoGLMDialect>(op->getDialect()) &&
         !isa<ConstantOp, FusedOp, YieldOp, ReshapeOp>(op);
}

/// Whether `transpose` keeps the order of its input's dimensions longer
/// than one (it moves only dimensions of one element, as a decoder step's
/// [B, 1, H, D] -> [B, H, 1, D] does): the row-major order of the elements
/// is the same, so it moves no data and is a reshape.
bool movesNoData(TransposeOp transpose) {
  auto input = cast<RankedTensorType>(transpose.getInput().getType());
  if (!input.hasStaticShape())
    return false;
  int64_t last = -1;
  for (int64_t p : transpose.getPermutation()) {
    if (input.getDimSize(p) == 1)
      continue;
    if (p < last)
      return false;
    last = p;
  }
  return true;
}

struct FormKernelsPass : autoglm::impl::FormKernelsBase<FormKernelsPass> {
  void runOnOperation() override {
    // A transpose that moves no data would be a kernel copying its input
    // (a launch on a GPU); as a reshape it is a view.
    for (auto transpose : llvm::make_early_inc_range(
             getOperation().getBody().getOps<TransposeOp>())) {
      if (!movesNoData(transpose))
        continue;
      OpBuilder b(transpose);
      transpose.replaceAllUsesWith(
          ReshapeOp::create(b, transpose.getLoc(), transpose.getType(),
                            transpose.getInput(), Value())
              .getResult());
      transpose.erase();
    }
    SmallVector<Operation *> kernels;
    for (Operation &op : getOperation().getBody().getOps())
      if (isKernel(&op))
        kernels.push_back(&op);
    for (Operation *op : kernels) {
      // The kind names the op, e.g. "matmul" or "transpose".
      StringRef kind = op->getName().stripDialect();
      fusion::buildCluster(kind, {op});
    }
  }
};
} // namespace
