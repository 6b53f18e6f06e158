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

/// A whole contiguous copy in the function's body is a copy step of the
/// CUDA graph (the driver's device copy). A step costs about as much as a
/// launch (some 2 us on an H200) whatever its size, so a run of small ones
/// (at most this many bytes each: 1024 threads of 16 bytes) are loops
/// instead, which share one launch (--autoglm-cuda-map-to-gpu): a decoder
/// step's 60 outputs of new key and value rows are one launch rather than
/// 60 copies. A lone copy stays a step: as a loop it would cost as much.
constexpr int64_t kMaxLoopCopyBytes = 16 * 1024;

/// True when `op` is a copy of one contiguous buffer into another in
/// `function`'s body.
bool isWholeCopy(Operation *op, Operation *function) {
  auto copy = dyn_cast<memref::CopyOp>(op);
  return copy && copy->getParentOp() == function &&
         isContiguous(cast<MemRefType>(copy.getSource().getType())) &&
         isContiguous(cast<MemRefType>(copy.getTarget().getType()));
}

/// True when `op` is such a copy of at most kMaxLoopCopyBytes.
bool isSmallWholeCopy(Operation *op, Operation *function) {
  if (!isWholeCopy(op, function))
    return false;
  auto type = cast<MemRefType>(cast<memref::CopyOp>(op).getSource().getType());
  return type.getNumElements() *
             static_cast<int64_t>(type.getElementTypeBitWidth()) <=
         kMaxLoopCopyBytes * 8;
}

/// The whole copies of `function`'s body that stay copy steps: all but
/// the runs of two or more small ones (views and constants may lie
/// between the copies of a run; they only compute addresses).
DenseSet<Operation *> copySteps(Operation *function) {
  DenseSet<Operation *> steps;
  SmallVector<Operation *> run;
  auto endRun = [&] {
    if (run.size() == 1)
      steps.insert(run.front());
    run.clear();
  };
  for (Block &block : function->getRegion(0)) {
    for (Operation &op : block) {
      if (isSmallWholeCopy(&op, function)) {
        run.push_back(&op);
        continue;
      }
      if ((isa<ViewLikeOpInterface>(op) || isa<arith::ConstantOp>(op)) &&
          isPure(&op))
        continue;
      endRun();
      if (isWholeCopy(&op, function))
        steps.insert(&op);
    }
    endRun();
  }
  return steps;
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
    // Strided copies, runs of small ones and copies inside kernels as
    // linalg.copy first: lowered below with the rest.
    DenseSet<Operation *> steps = copySteps(getOperation());
    getOperation().walk([&](memref::CopyOp copy) {
      if (steps.contains(copy))
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
