//===- MemRefCopyToLinalg.cpp - --autoglm-memref-copy-to-linalg -----------===//
//
// memref.copy as linalg.copy: a loop nest in the compiled model rather than
// a call into MLIR's C runner library (Passes.td says when that happens).
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CPU/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMMEMREFCOPYTOLINALG
#include "autoglm/Target/CPU/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;

namespace {
/// The view that `value` reshapes (past memref.expand_shape and
/// memref.collapse_shape), or `value` itself.
Value reshapedView(Value value) {
  while (Operation *def = value.getDefiningOp()) {
    if (!isa<memref::ExpandShapeOp, memref::CollapseShapeOp>(def))
      break;
    value = def->getOperand(0);
  }
  return value;
}

/// Whether `a` and `b`, a copy's source and target (of one shape), are the
/// same memory: reshapes of one view, or of two subviews with the same
/// source, offsets, sizes and strides. A reshape keeps its view's elements
/// in order, so equal shapes at both ends mean equal addresses.
bool sameMemory(Value a, Value b) {
  a = reshapedView(a);
  b = reshapedView(b);
  if (a == b)
    return true;
  auto viewA = a.getDefiningOp<memref::SubViewOp>();
  auto viewB = b.getDefiningOp<memref::SubViewOp>();
  return viewA && viewB && viewA.getSource() == viewB.getSource() &&
         viewA.getType() == viewB.getType() &&
         viewA.getMixedOffsets() == viewB.getMixedOffsets() &&
         viewA.getMixedSizes() == viewB.getMixedSizes() &&
         viewA.getMixedStrides() == viewB.getMixedStrides();
}

struct MemRefCopyToLinalgPass
    : autoglm::impl::AutoGLMMemRefCopyToLinalgBase<MemRefCopyToLinalgPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    getOperation().walk([&](memref::CopyOp copy) {
      if (sameMemory(copy.getSource(), copy.getTarget())) {
        rewriter.eraseOp(copy);
        return;
      }
      rewriter.setInsertionPoint(copy);
      rewriter.replaceOpWithNewOp<linalg::CopyOp>(copy, copy.getSource(),
                                                  copy.getTarget());
    });
  }
};
} // namespace
