//===- BatchLoopInPlace.cpp - --autoglm-cpu-batch-loop-in-place -----------===//
//
// A loop over a batch's images (--autoglm-cpu-batch-loop) writes each
// image's results that later ops read into their slots of whole-batch
// tensors (`tensor.insert_slice`). The kernel that computes such a result
// writes into a destination of its own (a `tensor.empty` at the start of
// its chain of destinations), and the insert copies it into the slot:
// ResNet-50's first stage at batch 8 copied 4.8 MB an image so. This pass
// makes the slot itself the destination: the `tensor.empty` becomes an
// `extract_slice` of the loop's carried tensor at the slot, reshaped as the
// chain reshapes it, so that one-shot bufferization computes the result in
// place. Upstream's empty-tensor elimination does the same where no
// reshape lies between the empty tensor and the insert; here the products'
// results ([C, H*W]) are expanded into images ([1, C, H, W]) on the way.
// The copy that bufferization still emits then copies the slot onto
// itself, which --autoglm-memref-copy-to-linalg erases.
//
//===----------------------------------------------------------------------===//

#include "DestinationChain.h"
#include "autoglm/Dialect/AutoGLM.h"
#include "autoglm/Target/CPU/Passes.h"

#include "mlir/IR/Dominance.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMCPUBATCHLOOPINPLACE
#include "autoglm/Target/CPU/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {
/// `value` reshaped back through `reshape` (its result's type to its
/// source's).
Value unreshape(OpBuilder &b, Location loc, Value value, Operation *reshape) {
  if (auto expand = dyn_cast<tensor::ExpandShapeOp>(reshape))
    return tensor::CollapseShapeOp::create(b, loc, expand.getSrcType(), value,
                                           expand.getReassociationIndices());
  auto collapse = cast<tensor::CollapseShapeOp>(reshape);
  return tensor::ExpandShapeOp::create(b, loc, collapse.getSrcType(), value,
                                       collapse.getReassociationIndices());
}

struct BatchLoopInPlacePass
    : autoglm::impl::AutoGLMCPUBatchLoopInPlaceBase<BatchLoopInPlacePass> {
  void runOnOperation() override {
    DominanceInfo dominance(getOperation());
    IRRewriter rewriter(&getContext());
    auto marker = AutoGLMDialect::BatchLoopAttrHelper(&getContext());
    getOperation().walk([&](scf::ForOp loop) {
      if (!marker.isAttrPresent(loop))
        return;
      auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
      for (auto [slots, yielded] :
           llvm::zip(loop.getRegionIterArgs(), yield.getOperands())) {
        auto insert = yielded.getDefiningOp<tensor::InsertSliceOp>();
        if (!insert || insert.getDest() != slots ||
            insert.getSourceType().getRank() != insert.getDestType().getRank())
          continue;
        SmallVector<Operation *> reshapes;
        tensor::EmptyOp empty = destinationEmpty(
            insert.getSource(), [](Operation *) { return true; }, &reshapes);
        Type emptyType = reshapes.empty()
                             ? Type(insert.getSourceType())
                             : reshapes.back()->getOperand(0).getType();
        // The slot's position must be known where the empty tensor is.
        SmallVector<Value> position(insert.getOffsets());
        llvm::append_range(position, insert.getSizes());
        llvm::append_range(position, insert.getStrides());
        if (!empty || empty.getType() != emptyType ||
            llvm::any_of(position, [&](Value v) {
              return !dominance.properlyDominates(v, empty);
            }))
          continue;
        rewriter.setInsertionPoint(empty);
        Location loc = empty.getLoc();
        Value slot = tensor::ExtractSliceOp::create(
            rewriter, loc, insert.getSourceType(), slots,
            insert.getMixedOffsets(), insert.getMixedSizes(),
            insert.getMixedStrides());
        for (Operation *reshape : reshapes)
          slot = unreshape(rewriter, loc, slot, reshape);
        rewriter.replaceOp(empty, slot);
      }
    });
  }
};
} // namespace
