//===- ConvEpilogue.cpp - a convolution's tail on its matrix product ------===//

#include "ConvEpilogue.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;
using namespace mlir::autoglm;

namespace {
/// How one operand of the 4-D tail is read in the product's iteration space
/// ([f, p] or [n, f, p], p = oh * OW + ow): its new map and the collapse of
/// its dimensions that makes it so (empty: none needed).
struct OperandOnProduct {
  AffineMap map;
  SmallVector<ReassociationIndices> collapse;
};

/// Translates the operand map `map` of the 4-D tail (dims n, c, oh, ow).
/// Supported results: n (kept, or merged with a following c when the
/// product has no batch), c, and oh immediately followed by ow (merged into
/// p, or, where the product has no p, into the result before them, both of
/// size 1). Anything else (a lone spatial index, a constant index) fails.
std::optional<OperandOnProduct> translate(AffineMap map, ProductShape shape,
                                          MLIRContext *ctx) {
  bool batched = shape != ProductShape::ChannelsByPixels;
  unsigned productDims = shape == ProductShape::Batched ? 3 : 2;
  auto dim = [&](unsigned d) { return getAffineDimExpr(d, ctx); };
  AffineExpr n = dim(0), f = dim(batched ? 1 : 0), p = dim(batched ? 2 : 1);
  SmallVector<AffineExpr> results;
  SmallVector<ReassociationIndices> groups;
  ArrayRef<AffineExpr> exprs = map.getResults();
  bool collapses = false;
  for (unsigned i = 0; i < exprs.size(); ++i) {
    auto d = dyn_cast<AffineDimExpr>(exprs[i]);
    if (!d)
      return std::nullopt;
    auto next = [&](unsigned want) {
      if (i + 1 >= exprs.size())
        return false;
      auto e = dyn_cast<AffineDimExpr>(exprs[i + 1]);
      return e && e.getPosition() == want;
    };
    switch (d.getPosition()) {
    case 0:
      if (batched) {
        results.push_back(n);
        groups.push_back({static_cast<int64_t>(i)});
      } else if (next(1)) {
        results.push_back(f);
        groups.push_back(
            {static_cast<int64_t>(i), static_cast<int64_t>(i + 1)});
        collapses = true;
        ++i;
      } else {
        return std::nullopt;
      }
      break;
    case 1:
      results.push_back(f);
      groups.push_back({static_cast<int64_t>(i)});
      break;
    case 2:
      if (!next(3))
        return std::nullopt;
      if (shape == ProductShape::ImagesByChannels) {
        if (groups.empty())
          return std::nullopt;
        groups.back().append(
            {static_cast<int64_t>(i), static_cast<int64_t>(i + 1)});
      } else {
        results.push_back(p);
        groups.push_back(
            {static_cast<int64_t>(i), static_cast<int64_t>(i + 1)});
      }
      collapses = true;
      ++i;
      break;
    default:
      return std::nullopt;
    }
  }
  OperandOnProduct on;
  on.map = AffineMap::get(productDims, 0, results, ctx);
  if (collapses)
    on.collapse = std::move(groups);
  return on;
}
} // namespace

void mlir::autoglm::moveTailOntoProduct(RewriterBase &rewriter, Value output,
                                        Value product, ProductShape shape) {
  if (!output.hasOneUse())
    return;
  auto tail = dyn_cast<linalg::GenericOp>(*output.getUsers().begin());
  if (!tail || !tail.hasPureTensorSemantics() || tail.getNumDpsInits() != 1 ||
      tail.getNumParallelLoops() != tail.getNumLoops() ||
      tail.getNumLoops() != 4 ||
      !tail.getMatchingIndexingMap(tail.getDpsInitOperand(0)).isIdentity())
    return;
  // The tail updates the output in place, or reads it whole as one input and
  // writes a new tensor without reading that (a convolution's bias alone,
  // as the lowering of an autoglm.fused "conv" leaves it): either way it
  // becomes an update of the product in place. `reads` is the input that
  // the output was, if any.
  Block &body = tail.getRegion().front();
  OpOperand *init = tail.getDpsInitOperand(0);
  OpOperand *reads = nullptr;
  if (init->get() != output) {
    for (OpOperand *input : tail.getDpsInputOperands())
      if (input->get() == output) {
        if (reads || !tail.getMatchingIndexingMap(input).isIdentity())
          return;
        reads = input;
      }
    if (!reads || init->get().getType() != output.getType() ||
        !init->get().getDefiningOp<tensor::EmptyOp>() ||
        !tail.getMatchingBlockArgument(init).use_empty())
      return;
  } else if (llvm::is_contained(tail.getDpsInputs(), output)) {
    return;
  }
  MLIRContext *ctx = rewriter.getContext();
  SmallVector<OperandOnProduct> inputs;
  for (OpOperand *input : tail.getDpsInputOperands()) {
    if (input == reads)
      continue;
    std::optional<OperandOnProduct> on =
        translate(tail.getMatchingIndexingMap(input), shape, ctx);
    if (!on)
      return;
    inputs.push_back(std::move(*on));
  }

  rewriter.setInsertionPoint(tail);
  Location loc = tail.getLoc();
  SmallVector<Value> operands;
  SmallVector<AffineMap> maps;
  SmallVector<BlockArgument> oldArgs;
  auto on = inputs.begin();
  for (OpOperand *input : tail.getDpsInputOperands()) {
    if (input == reads)
      continue;
    Value v = input->get();
    if (!on->collapse.empty())
      v = tensor::CollapseShapeOp::create(rewriter, loc, v, on->collapse);
    operands.push_back(v);
    maps.push_back(on->map);
    oldArgs.push_back(tail.getMatchingBlockArgument(input));
    ++on;
  }
  oldArgs.push_back(tail.getMatchingBlockArgument(reads ? reads : init));
  auto productType = cast<RankedTensorType>(product.getType());
  maps.push_back(AffineMap::getMultiDimIdentityMap(productType.getRank(), ctx));
  auto onProduct = linalg::GenericOp::create(
      rewriter, loc, TypeRange{productType}, operands, ValueRange{product},
      maps,
      SmallVector<utils::IteratorType>(productType.getRank(),
                                       utils::IteratorType::parallel),
      [&](OpBuilder &b, Location, ValueRange args) {
        IRMapping mapping;
        mapping.map(oldArgs, args);
        for (Operation &op : body)
          b.clone(op, mapping);
      });
  auto expand = output.getDefiningOp<tensor::ExpandShapeOp>();
  Value finished = tensor::ExpandShapeOp::create(
      rewriter, loc, output.getType(), onProduct.getResult(0),
      expand.getReassociationIndices());
  rewriter.replaceOp(tail, finished);
}
