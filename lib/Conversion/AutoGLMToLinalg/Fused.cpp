//===- Fused.cpp - autoglm.fused as one kernel region on linalg ----------===//
//
// A cluster of --autoglm-fuse keeps its region through the conversion: the
// ops of its body are converted in place like any other, so afterwards the
// body holds the cluster's linalg ops and nothing else. There, and only
// there, upstream linalg fusion runs:
//
// - elementwise producer-consumer fusion merges the cluster's generics into
//   one (an elementwise chain, or elementwise ops feeding a reduction);
// - reshapes from the lowering (a batched matmul folded into rows) are moved
//   out of the way by collapsing the elementwise loop nest instead;
// - in a "contraction" cluster, the remaining elementwise generic (the whole
//   tail: bias, activation, residual) takes the contraction's result as its
//   output operand, so it updates the product in place: no second buffer,
//   one read-modify-write pass that bufferization keeps in the same memory.
//
// Restricting the fusion to one cluster keeps the graph pass in charge of
// what is fused (and of reporting it); fusing the whole function would also
// merge ops the pass deliberately kept apart (values with several users).
// The region stays: one region is one kernel, which the target's code
// generation tiles and emits as a unit (on the CPU,
// lib/Target/CPU/TileKernelRegions.cpp, which also inlines it).
//
//===----------------------------------------------------------------------===//

#include "Common.h"
#include "Float8.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::lowering;

namespace {
/// True when the converter changes no type in `op` (uiN, quantized) other
/// than float8 ones (stored as their bits, i8): the body can then be
/// converted in place, the float8 values at the region's boundary by
/// populateFusedPatterns.
bool keepsTypes(FusedOp op, const TypeConverter &converter) {
  WalkResult result = op.walk([&](Operation *inner) {
    auto legal = [&](Type t) {
      return converter.isLegal(t) ||
             float8Format(getElementTypeOrSelf(t)).has_value();
    };
    if (!llvm::all_of(inner->getOperandTypes(), legal) ||
        !llvm::all_of(inner->getResultTypes(), legal))
      return WalkResult::interrupt();
    for (Region &region : inner->getRegions())
      for (Block &block : region)
        if (!llvm::all_of(block.getArgumentTypes(), legal))
          return WalkResult::interrupt();
    return WalkResult::advance();
  });
  return !result.wasInterrupted();
}

/// A contraction: a linalg op with a reduction (matmul, batch_matmul,
/// convolutions, the grouped-convolution generic).
bool isContraction(Operation *op) {
  auto linalgOp = dyn_cast_or_null<linalg::LinalgOp>(op);
  return linalgOp && linalgOp.getNumReductionLoops() > 0 &&
         linalgOp->getNumResults() == 1;
}

/// Rewrites the elementwise `tail` so that it writes into the contraction
/// result it reads (`operand`), which has no other use.
void updateInPlace(RewriterBase &rewriter, linalg::GenericOp tail,
                   OpOperand &operand) {
  Value product = operand.get();
  unsigned removed = operand.getOperandNumber();
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  for (OpOperand *input : tail.getDpsInputOperands()) {
    if (input->getOperandNumber() == removed)
      continue;
    inputs.push_back(input->get());
    maps.push_back(tail.getMatchingIndexingMap(input));
  }
  maps.push_back(tail.getIndexingMapMatchingResult(tail->getResult(0)));
  rewriter.setInsertionPoint(tail);
  auto updated = linalg::GenericOp::create(
      rewriter, tail.getLoc(), tail->getResultTypes(), inputs,
      ValueRange{product}, maps, tail.getIteratorTypesArray(),
      [&](OpBuilder &b, Location, ValueRange args) {
        Block &old = tail.getRegion().front();
        IRMapping mapping;
        unsigned next = 0;
        for (unsigned i = 0, e = tail.getNumDpsInputs(); i < e; ++i)
          mapping.map(old.getArgument(i),
                      i == removed ? args.back() : args[next++]);
        mapping.map(old.getArgument(tail.getNumDpsInputs()), args.back());
        for (Operation &op : old)
          b.clone(op, mapping);
      });
  rewriter.replaceOp(tail, updated->getResults());
}

/// In a contraction cluster: the elementwise generic reading the product
/// (with the identity map, the product's only use) updates it in place.
void fuseEpilogueInPlace(RewriterBase &rewriter, FusedOp cluster) {
  SmallVector<std::pair<linalg::GenericOp, OpOperand *>> candidates;
  cluster.getBody().walk([&](linalg::GenericOp generic) {
    if (generic.getNumDpsInits() != 1 ||
        generic.getNumParallelLoops() != generic.getNumLoops() ||
        !generic.getMatchingIndexingMap(generic.getDpsInitOperand(0))
             .isIdentity() ||
        generic.getRegionOutputArgs()[0].use_empty() == false)
      return;
    for (OpOperand *input : generic.getDpsInputOperands()) {
      Operation *producer = input->get().getDefiningOp();
      if (isContraction(producer) && input->get().hasOneUse() &&
          input->get().getType() == generic->getResult(0).getType() &&
          generic.getMatchingIndexingMap(input).isIdentity()) {
        candidates.push_back({generic, input});
        return;
      }
    }
  });
  for (auto [generic, operand] : candidates)
    updateInPlace(rewriter, generic, *operand);
}
} // namespace

namespace {
/// A cluster whose inputs or results are float8 (--precision=fp8's
/// quantized activations and weights): the same cluster over their bits.
struct FusedLowering : OpConversionPattern<FusedOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(FusedOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    SmallVector<Type> results;
    if (failed(getTypeConverter()->convertTypes(op.getResultTypes(), results)))
      return failure();
    auto converted = FusedOp::create(rewriter, op.getLoc(), results,
                                     op.getKindAttr(), adaptor.getInputs());
    converted->setAttrs(op->getAttrs());
    rewriter.inlineRegionBefore(op.getBody(), converted.getBody(),
                                converted.getBody().end());
    if (failed(rewriter.convertRegionTypes(&converted.getBody(),
                                           *getTypeConverter())))
      return failure();
    rewriter.replaceOp(op, converted->getResults());
    return success();
  }
};

struct YieldLowering : OpConversionPattern<YieldOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(YieldOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<YieldOp>(op, adaptor.getValues());
    return success();
  }
};
} // namespace

void lowering::populateFusedPatterns(TypeConverter &converter,
                                     RewritePatternSet &patterns) {
  patterns.add<FusedLowering, YieldLowering>(converter, patterns.getContext());
}

bool lowering::isLegalCluster(Operation *op, const TypeConverter &converter) {
  if (!converter.isLegal(op))
    return false;
  for (Region &region : op->getRegions())
    for (Block &block : region)
      if (!converter.isLegal(block.getArgumentTypes()))
        return false;
  return true;
}

void lowering::inlineClustersWithConvertedTypes(
    ModuleOp module, const TypeConverter &converter) {
  SmallVector<FusedOp> fused;
  module.walk([&](FusedOp op) {
    if (!keepsTypes(op, converter))
      fused.push_back(op);
  });
  IRRewriter rewriter(module.getContext());
  for (FusedOp op : fused)
    inlineFusedOp(rewriter, op);
}

void lowering::fuseInClusters(ModuleOp module) {
  SmallVector<FusedOp> clusters;
  // Post-order: a nested cluster is fused before its parent.
  module.walk([&](FusedOp op) { clusters.push_back(op); });
  MLIRContext *ctx = module.getContext();
  IRRewriter rewriter(ctx);
  for (FusedOp cluster : clusters) {
    RewritePatternSet patterns(ctx);
    auto always = [](OpOperand *) { return true; };
    linalg::populateElementwiseOpsFusionPatterns(patterns, always);
    linalg::populateFoldReshapeOpsByCollapsingPatterns(patterns, always);
    (void)applyPatternsGreedily(cluster.getBody(), std::move(patterns));
    if (cluster.getKind() == "contraction")
      fuseEpilogueInPlace(rewriter, cluster);
  }
}
