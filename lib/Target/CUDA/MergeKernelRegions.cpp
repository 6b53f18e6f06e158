//===- MergeKernelRegions.cpp - --autoglm-cuda-merge-kernel-regions -------===//
//
// Once the matrix products have left their regions, what is between two
// products is often a chain of small regions, each a kernel that reads and
// writes the whole tensor: a bias add, the cast to f16 for the next
// product, the transpose that splits attention heads. A region whose ops
// are all elementwise or data movement (no reduction), and whose one
// result feeds only one other region (directly or through reshapes), is
// merged into that region when that region does not reduce either and
// reads each element once (no gather or broadcast of it):
//
//     %a = autoglm.fused(%x, %bias) { add }
//     %b = autoglm.fused(%a) { truncf }
//     %e = tensor.expand_shape %b
//     %c = autoglm.fused(%e) { transpose }
//   ==>
//     %c = autoglm.fused(%x, %bias) { add; truncf; expand_shape; transpose }
//
// and the reshapes inside are moved to the region's inputs where linalg's
// reshape-by-expansion folding can, so that --autoglm-cuda-fuse-kernel-
// regions fuses the whole chain into the consumer's loop: one kernel.
//
// A region that reduces (a softmax, a LayerNorm) is never a consumer:
// merged into a row-reducing kernel, an elementwise producer is recomputed
// into a private row per thread, and with a warp per row every lane
// computes the whole row (on the H200 that made BERT-base 2x slower). It
// is a producer only of a region of elementwise ops that each read the
// previous one with the identity map (a softmax's cast to f16 for the
// next product): fused, that region's loops are the reduction's rows, and
// the cast happens as the row is written.
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CUDA/Passes.h"

#include "autoglm/Dialect/AutoGLM.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMCUDAMERGEKERNELREGIONS
#include "autoglm/Target/CUDA/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {
bool isReshape(Operation *op) {
  return isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(op);
}

/// True when every op of `region` computes element by element or moves
/// data: linalg ops without reductions, and what they need.
bool isElementwiseOrMovement(FusedOp region) {
  return llvm::all_of(region.getBody().front(), [](Operation &op) {
    if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op))
      return linalgOp.getNumReductionLoops() == 0;
    return isa<tensor::EmptyOp, YieldOp>(op) || isReshape(&op) ||
           op.hasTrait<OpTrait::ConstantLike>();
  });
}

/// True when `region` is a chain of elementwise linalg ops, each reading
/// the previous one, and its other inputs, with the identity map.
bool isIdentityElementwise(FusedOp region) {
  return llvm::all_of(region.getBody().front(), [](Operation &op) {
    if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op))
      return linalgOp.getNumReductionLoops() == 0 &&
             llvm::all_of(linalgOp.getIndexingMapsArray(),
                          [](AffineMap map) { return map.isIdentity(); });
    return isa<tensor::EmptyOp, YieldOp>(op) ||
           op.hasTrait<OpTrait::ConstantLike>();
  });
}

/// True when `consumer` reads each element of its input `received` once:
/// every linalg op that uses it (past reshapes) indexes it with a
/// permutation of its loops. A gather (im2col) or a broadcast would
/// recompute the merged producer for every read.
bool readsOncePerElement(FusedOp consumer, Value received) {
  Block &body = consumer.getBody().front();
  SmallVector<Value> values;
  for (auto [arg, input] : llvm::zip(body.getArguments(), consumer.getInputs()))
    if (input == received)
      values.push_back(arg);
  while (!values.empty()) {
    Value value = values.pop_back_val();
    for (OpOperand &use : value.getUses()) {
      Operation *user = use.getOwner();
      if (isReshape(user)) {
        values.push_back(user->getResult(0));
        continue;
      }
      auto linalgOp = dyn_cast<linalg::LinalgOp>(user);
      if (!linalgOp || !linalgOp.getMatchingIndexingMap(&use).isPermutation())
        return false;
    }
  }
  return true;
}

/// The region that `producer`'s one result feeds, alone and through
/// reshapes of one use each (collected in `reshapes`, in order), with the
/// value it receives; null when there is no such region.
FusedOp soleConsumer(FusedOp producer, SmallVectorImpl<Operation *> &reshapes,
                     Value &received) {
  if (producer->getNumResults() != 1)
    return nullptr;
  Value value = producer->getResult(0);
  while (value.hasOneUse()) {
    Operation *user = *value.getUsers().begin();
    if (auto consumer = dyn_cast<FusedOp>(user)) {
      if (consumer->getBlock() != producer->getBlock())
        return nullptr;
      received = value;
      return consumer;
    }
    if (!isReshape(user))
      return nullptr;
    reshapes.push_back(user);
    value = user->getResult(0);
  }
  return nullptr;
}

/// Replaces `consumer` by one region computing `producer`, `reshapes` and
/// `consumer` in turn; `received` is the consumer's input that the chain
/// computes. Returns the new region.
FusedOp merge(RewriterBase &rewriter, FusedOp producer,
              ArrayRef<Operation *> reshapes, FusedOp consumer,
              Value received) {
  SmallVector<Value> inputs(producer.getInputs());
  for (Value input : consumer.getInputs())
    if (input != received && !llvm::is_contained(inputs, input))
      inputs.push_back(input);
  rewriter.setInsertionPoint(consumer);
  auto merged = FusedOp::create(
      rewriter, rewriter.getFusedLoc({producer.getLoc(), consumer.getLoc()}),
      consumer->getResultTypes(), consumer.getKindAttr(), inputs);
  Block *body = rewriter.createBlock(&merged.getBody());
  IRMapping outer;
  for (Value input : inputs)
    outer.map(input, body->addArgument(input.getType(), input.getLoc()));

  IRMapping mapping;
  Block &producerBody = producer.getBody().front();
  for (auto [arg, input] :
       llvm::zip(producerBody.getArguments(), producer.getInputs()))
    mapping.map(arg, outer.lookup(input));
  for (Operation &op : producerBody.without_terminator())
    rewriter.clone(op, mapping);
  Value chain = mapping.lookup(
      cast<YieldOp>(producerBody.getTerminator()).getValues()[0]);
  for (Operation *reshape : reshapes) {
    IRMapping one;
    one.map(reshape->getOperand(0), chain);
    chain = rewriter.clone(*reshape, one)->getResult(0);
  }

  Block &consumerBody = consumer.getBody().front();
  for (auto [arg, input] :
       llvm::zip(consumerBody.getArguments(), consumer.getInputs()))
    mapping.map(arg, input == received ? chain : outer.lookup(input));
  for (Operation &op : consumerBody)
    rewriter.clone(op, mapping);

  rewriter.replaceOp(consumer, merged->getResults());
  for (Operation *reshape : llvm::reverse(reshapes))
    rewriter.eraseOp(reshape);
  rewriter.eraseOp(producer);
  return merged;
}

struct MergeKernelRegionsPass
    : autoglm::impl::AutoGLMCUDAMergeKernelRegionsBase<MergeKernelRegionsPass> {
  void runOnOperation() override {
    func::FuncOp function = getOperation();
    IRRewriter rewriter(&getContext());
    // Producers in order: a merged region is visited again as a producer
    // when it comes up, so chains merge whole.
    SmallVector<FusedOp> regions;
    function.walk([&](FusedOp op) { regions.push_back(op); });
    llvm::SmallPtrSet<Operation *, 32> erased;
    SmallVector<FusedOp> merged;
    for (size_t i = 0; i < regions.size(); ++i) {
      FusedOp producer = regions[i];
      if (erased.contains(producer))
        continue;
      SmallVector<Operation *> reshapes;
      Value received;
      FusedOp consumer = soleConsumer(producer, reshapes, received);
      if (!consumer || !isElementwiseOrMovement(consumer) ||
          !readsOncePerElement(consumer, received))
        continue;
      if (!isElementwiseOrMovement(producer) &&
          (!reshapes.empty() || !isIdentityElementwise(consumer)))
        continue;
      erased.insert(producer);
      erased.insert(consumer);
      FusedOp result = merge(rewriter, producer, reshapes, consumer, received);
      // The new region may sit where an erased one was.
      erased.erase(result);
      regions.push_back(result);
      merged.push_back(result);
    }

    // Reshapes inside a merged region move to its inputs, where linalg can
    // expand the loops of the ops they sit between. Elementwise ops that
    // feed only the next one become one op: tiled, the producer would
    // otherwise be a tile of its own, which in a row kernel is a private
    // row that every lane of a warp computes whole.
    RewritePatternSet patterns(&getContext());
    linalg::populateFoldReshapeOpsByExpansionPatterns(
        patterns, [](OpOperand *) { return true; });
    linalg::populateElementwiseOpsFusionPatterns(
        patterns, [](OpOperand *fused) {
          Operation *producer = fused->get().getDefiningOp();
          return producer && producer->hasOneUse();
        });
    FrozenRewritePatternSet frozen(std::move(patterns));
    for (FusedOp region : merged)
      if (!erased.contains(region))
        (void)applyPatternsGreedily(region.getBody(), frozen);
  }
};
} // namespace
