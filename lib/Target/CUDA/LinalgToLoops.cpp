//===- LinalgToLoops.cpp - --autoglm-cuda-linalg-to-loops -----------------===//
//
// One scf.parallel per computation, over all of its parallel dimensions:
// the unit --autoglm-cuda-map-to-gpu turns into a grid of threads. Linalg's
// own lowering makes scf.parallel only of the parallel loops before the
// first reduction, so the loops are interchanged first.
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CUDA/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMCUDALINALGTOLOOPS
#include "autoglm/Target/CUDA/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;

namespace {
/// True when `type` is laid out densely, row-major: a copy of it is one
/// contiguous range of bytes.
bool isContiguous(MemRefType type) {
  return memref::isStaticShapeAndContiguousRowMajor(type);
}

/// The parallel dimensions of `op`, then its reductions, each group in
/// order: the interchange that puts every parallel loop outermost.
SmallVector<unsigned> parallelDimsFirst(linalg::GenericOp op) {
  SmallVector<unsigned> parallel, reduction;
  for (auto [i, type] : llvm::enumerate(op.getIteratorTypesArray()))
    (linalg::isParallelIterator(type) ? parallel : reduction).push_back(i);
  parallel.append(reduction);
  return parallel;
}

struct LinalgToLoopsPass
    : autoglm::impl::AutoGLMCUDALinalgToLoopsBase<LinalgToLoopsPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    // Strided copies and copies inside kernels as linalg.copy first:
    // lowered below with the rest.
    getOperation().walk([&](memref::CopyOp copy) {
      auto source = cast<MemRefType>(copy.getSource().getType());
      auto target = cast<MemRefType>(copy.getTarget().getType());
      if (copy->getParentOp() == getOperation() && isContiguous(source) &&
          isContiguous(target))
        return;
      rewriter.setInsertionPoint(copy);
      rewriter.replaceOpWithNewOp<linalg::CopyOp>(copy, copy.getSource(),
                                                  copy.getTarget());
    });

    SmallVector<linalg::LinalgOp> ops;
    getOperation().walk([&](linalg::LinalgOp op) { ops.push_back(op); });
    for (linalg::LinalgOp op : ops) {
      if (!op.hasPureBufferSemantics()) {
        op.emitOpError("is still on tensors after bufferization");
        return signalPassFailure();
      }
      rewriter.setInsertionPoint(op);
      auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
      if (!generic) {
        FailureOr<linalg::GenericOp> generalized =
            linalg::generalizeNamedOp(rewriter, op);
        if (failed(generalized)) {
          op.emitOpError("has no generic form to lower for the GPU");
          return signalPassFailure();
        }
        generic = *generalized;
      }
      SmallVector<unsigned> order = parallelDimsFirst(generic);
      FailureOr<linalg::GenericOp> interchanged =
          llvm::is_sorted(order)
              ? generic
              : linalg::interchangeGenericOp(rewriter, generic, order);
      if (failed(interchanged) ||
          failed(linalg::linalgOpToParallelLoops(rewriter, *interchanged))) {
        generic.emitOpError("cannot be lowered to parallel loops");
        return signalPassFailure();
      }
      rewriter.eraseOp(*interchanged);
    }
  }
};
} // namespace
