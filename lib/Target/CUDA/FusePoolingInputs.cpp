//===- FusePoolingInputs.cpp - --autoglm-cuda-fuse-pooling-inputs ---------===//
//
// A pooling reads windows of its input, and that input is often computed
// only for it: ResNet's stem pads its bias + ReLU result with -inf before
// the max pooling, and its last residual add + ReLU is transposed back to
// NCHW for the global average pooling. Left as they are, the padding is a
// fill and a copy kernel writing a padded tensor, and the producer is a
// kernel writing a tensor that the pooling reads once more: on ResNet-50
// at batch 32 in f16, four kernels moved 326 MB for the stem's 13 MB of
// pooled output.
//
// Here a pooling computes each tap of its window itself, from the tensors
// that its input is computed from:
//
//   1. A pooling region takes in the elementwise region whose one result it
//      alone reads (a bias + ReLU, a residual add), when the pooling reads
//      each element of it at most as many times as its window has taps.
//   2. The pooling's input, when computed in the region by a constant
//      padding, reshapes and elementwise ops (transposes included) that
//      feed nothing else, is no operand any more: the pooling becomes a
//      `linalg.generic` whose body computes the tap at its indices, a
//      padded coordinate yielding the padding value and reading the
//      unpadded tensor at an index clamped into it:
//
//     %p = tensor.pad %x low[0, 1, 1, 0] high[0, 1, 1, 0] (-inf)
//     %m = linalg.pooling_nhwc_max ins(%p, %window) outs(%init)
//   ==>
//     %m = linalg.generic ins(%window) outs(%init) {
//       h = oh * 2 + kh - 1, w = ow * 2 + kw - 1
//       inside = h < H && w < W                        (unsigned)
//       v = tensor.extract %x[n, inside ? h : 0, inside ? w : 0, c]
//       yield max(acc, select(inside, v, -inf))
//     }
//
// --autoglm-cuda-fuse-kernel-regions then makes the region one kernel that
// writes only the pooled result. The elementwise ops are recomputed for
// each tap that reads an element (2.25 times for a 3x3 window of stride
// 2), from reads that mostly hit the cache.
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CUDA/Passes.h"

#include "autoglm/Dialect/AutoGLM.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMCUDAFUSEPOOLINGINPUTS
#include "autoglm/Target/CUDA/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {
/// A pooling's window spans at most this many taps: beyond, a reduction is
/// a row (a softmax, a LayerNorm), which keeps its inputs.
constexpr int64_t kMaxWindowTaps = 64;

bool hasStaticShape(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type && type.hasStaticShape();
}

/// True when `op` computes each element of its one result from elements of
/// its operands at indices that it can be asked for one by one: a constant
/// padding, a reshape, or a linalg op without reductions whose result is
/// indexed by its loops (elementwise ops, transposes, broadcasts, fills).
/// Static shapes only.
bool isPerElement(Operation *op) {
  if (op->getNumResults() != 1 || !hasStaticShape(op->getResult(0)))
    return false;
  if (auto pad = dyn_cast<tensor::PadOp>(op))
    return pad.getConstantPaddingValue() && hasStaticShape(pad.getSource()) &&
           !ShapedType::isDynamicShape(pad.getStaticLow()) &&
           !ShapedType::isDynamicShape(pad.getStaticHigh());
  if (isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(op))
    return hasStaticShape(op->getOperand(0));
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  if (!linalgOp || !linalgOp.hasPureTensorSemantics() ||
      linalgOp.getNumParallelLoops() != linalgOp.getNumLoops() ||
      linalgOp.getNumDpsInits() != 1 ||
      !linalgOp.getMatchingIndexingMap(linalgOp.getDpsInitOperand(0))
           .isIdentity())
    return false;
  return llvm::all_of(linalgOp.getBlock()->without_terminator(),
                      [](Operation &inner) {
                        return inner.getNumRegions() == 0 && isPure(&inner);
                      });
}

/// The operands whose elements `op` (per element) reads.
SmallVector<Value> readOperands(Operation *op) {
  if (auto pad = dyn_cast<tensor::PadOp>(op))
    return {pad.getSource()};
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  if (!linalgOp)
    return {op->getOperand(0)};
  SmallVector<Value> read;
  for (OpOperand &operand : linalgOp->getOpOperands())
    if (!linalgOp.getMatchingBlockArgument(&operand).use_empty())
      read.push_back(operand.get());
  return read;
}

/// Collects into `chain` the ops of `block` that compute `value` element by
/// element and feed nothing else, back to the values that stay (the
/// region's arguments, or what is not computed per element): the ops a
/// pooling of `value` can compute at each tap instead.
void collectChain(Value value, Block &block,
                  llvm::SetVector<Operation *> &chain) {
  Operation *def = value.getDefiningOp();
  if (!def || def->getBlock() != &block || !value.hasOneUse() ||
      !isPerElement(def) || !chain.insert(def))
    return;
  for (Value operand : readOperands(def))
    collectChain(operand, block, chain);
}

/// The values that `chain`, computing `value`, reads without computing
/// them (tensors only).
SmallVector<Value> chainLeaves(Value value,
                               const llvm::SetVector<Operation *> &chain) {
  SmallVector<Value> leaves;
  SmallVector<Value> work = {value};
  while (!work.empty()) {
    Value next = work.pop_back_val();
    Operation *def = next.getDefiningOp();
    if (def && chain.contains(def)) {
      llvm::append_range(work, readOperands(def));
      continue;
    }
    if (isa<RankedTensorType>(next.getType()) &&
        !llvm::is_contained(leaves, next))
      leaves.push_back(next);
  }
  return leaves;
}

/// True when `op` pools: one result, reductions spanning at most
/// kMaxWindowTaps iterations (a window per output element), static loop
/// ranges.
bool isPooling(linalg::LinalgOp op) {
  if (!op.hasPureTensorSemantics() || op->getNumResults() != 1 ||
      op.getNumReductionLoops() == 0 || op.hasDynamicShape())
    return false;
  int64_t taps = 1;
  for (auto [range, iterator] :
       llvm::zip(op.getStaticLoopRanges(), op.getIteratorTypesArray()))
    if (iterator == utils::IteratorType::reduction)
      taps *= range;
  return taps <= kMaxWindowTaps;
}

/// True when `pooling` reads each element of its input `operand` at most
/// as many times as its window has taps: it writes no more elements than
/// the input has. A product's operand, read once per column of the other,
/// is not pooled.
bool poolsOperand(linalg::LinalgOp pooling, OpOperand &operand) {
  auto input = dyn_cast<RankedTensorType>(operand.get().getType());
  if (!input || !input.hasStaticShape())
    return false;
  int64_t outputs = 1;
  for (auto [range, iterator] : llvm::zip(pooling.getStaticLoopRanges(),
                                          pooling.getIteratorTypesArray()))
    if (iterator == utils::IteratorType::parallel)
      outputs *= range;
  return outputs <= input.getNumElements();
}

/// The input operands of `pooling` that a chain computes in its region.
SmallVector<OpOperand *> chainedInputs(linalg::LinalgOp pooling) {
  SmallVector<OpOperand *> inputs;
  Block *block = pooling->getBlock();
  for (OpOperand *input : pooling.getDpsInputOperands()) {
    Operation *def = input->get().getDefiningOp();
    if (def && def->getBlock() == block && input->get().hasOneUse() &&
        isPerElement(def) && poolsOperand(pooling, *input))
      inputs.push_back(input);
  }
  return inputs;
}

/// True when every op of `region` computes its one result element by
/// element (constants and empty tensors aside).
bool isPerElementRegion(FusedOp region) {
  if (region->getNumResults() != 1)
    return false;
  Block &body = region.getBody().front();
  llvm::SetVector<Operation *> chain;
  Value result = cast<YieldOp>(body.getTerminator()).getValues()[0];
  collectChain(result, body, chain);
  return llvm::all_of(body.without_terminator(), [&](Operation &op) {
    return chain.contains(&op) || isa<tensor::EmptyOp>(op) ||
           op.hasTrait<OpTrait::ConstantLike>();
  });
}

/// Step 1: moves `producer`'s ops into `consumer`, whose argument
/// `argument` stands for `producer`'s one result (which nothing else
/// uses); `producer` is erased.
void takeIn(RewriterBase &rewriter, FusedOp consumer, BlockArgument argument,
            FusedOp producer) {
  Block &body = consumer.getBody().front();
  Block &producerBody = producer.getBody().front();
  unsigned index = argument.getArgNumber();
  rewriter.modifyOpInPlace(consumer, [&] {
    IRMapping mapping;
    for (auto [arg, input] :
         llvm::zip(producerBody.getArguments(), producer.getInputs())) {
      auto existing = llvm::find(consumer.getInputs(), input);
      if (existing != consumer.getInputs().end()) {
        mapping.map(arg, body.getArgument(std::distance(
                             consumer.getInputs().begin(), existing)));
        continue;
      }
      consumer->insertOperands(consumer->getNumOperands(), input);
      mapping.map(arg, body.addArgument(input.getType(), input.getLoc()));
    }
    rewriter.setInsertionPointToStart(&body);
    for (Operation &op : producerBody.without_terminator())
      rewriter.clone(op, mapping);
    Value produced = mapping.lookupOrDefault(
        cast<YieldOp>(producerBody.getTerminator()).getValues()[0]);
    rewriter.replaceAllUsesWith(argument, produced);
    body.eraseArgument(index);
    consumer->eraseOperand(index);
  });
  rewriter.eraseOp(producer);
}

/// Step 1 for `region`: takes in one producer region of a pooling's input;
/// false when there is none to take.
bool takeInOneProducer(RewriterBase &rewriter, FusedOp region) {
  Block &body = region.getBody().front();
  for (auto pooling : body.getOps<linalg::LinalgOp>()) {
    if (!isPooling(pooling))
      continue;
    for (OpOperand *input : pooling.getDpsInputOperands()) {
      if (!poolsOperand(pooling, *input))
        continue;
      llvm::SetVector<Operation *> chain;
      collectChain(input->get(), body, chain);
      for (Value leaf : chainLeaves(input->get(), chain)) {
        auto argument = dyn_cast<BlockArgument>(leaf);
        if (!argument || argument.getOwner() != &body || !argument.hasOneUse())
          continue;
        Value received = region.getInputs()[argument.getArgNumber()];
        auto producer = received.getDefiningOp<FusedOp>();
        if (!producer || !received.hasOneUse() ||
            producer->getBlock() != region->getBlock() ||
            !isPerElementRegion(producer))
          continue;
        takeIn(rewriter, region, argument, producer);
        return true;
      }
    }
  }
  return false;
}

/// The results of `map` at `indices`: an index itself, a constant, or an
/// `affine.apply`.
SmallVector<Value> applyMap(OpBuilder &b, Location loc, AffineMap map,
                            ValueRange indices) {
  SmallVector<Value> results;
  for (AffineExpr expr : map.getResults()) {
    if (auto dim = dyn_cast<AffineDimExpr>(expr))
      results.push_back(indices[dim.getPosition()]);
    else if (auto constant = dyn_cast<AffineConstantExpr>(expr))
      results.push_back(
          arith::ConstantIndexOp::create(b, loc, constant.getValue()));
    else
      results.push_back(affine::AffineApplyOp::create(
          b, loc, AffineMap::get(map.getNumDims(), 0, expr), indices));
  }
  return results;
}

/// The element of `value` at `indices`, computed by the ops of `chain` that
/// compute `value`, from elements of what they read: what step 2 puts in
/// the pooling's body.
Value computeElement(OpBuilder &b, Location loc, Value value,
                     ValueRange indices,
                     const llvm::SetVector<Operation *> &chain) {
  if (!isa<RankedTensorType>(value.getType()))
    return value; // A scalar operand (a fill's value).
  Operation *def = value.getDefiningOp();
  if (!def || !chain.contains(def))
    return tensor::ExtractOp::create(b, loc, value, indices);
  MLIRContext *context = b.getContext();

  if (auto pad = dyn_cast<tensor::PadOp>(def)) {
    // Source coordinate `index - low`; outside the source (unsigned
    // comparison: a negative coordinate wraps around) the tap is the
    // padding value, and the source is read at 0 instead, in bounds.
    ArrayRef<int64_t> sizes = pad.getSourceType().getShape();
    SmallVector<Value> inner;
    Value inside;
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    for (auto [d, index] : llvm::enumerate(indices)) {
      int64_t low = pad.getStaticLow()[d], high = pad.getStaticHigh()[d];
      if (low == 0 && high == 0) {
        inner.push_back(index);
        continue;
      }
      Value coordinate = arith::SubIOp::create(
          b, loc, index, arith::ConstantIndexOp::create(b, loc, low));
      Value within = arith::CmpIOp::create(
          b, loc, arith::CmpIPredicate::ult, coordinate,
          arith::ConstantIndexOp::create(b, loc, sizes[d]));
      inner.push_back(
          arith::SelectOp::create(b, loc, within, coordinate, zero));
      inside = inside
                   ? arith::AndIOp::create(b, loc, inside, within).getResult()
                   : within;
    }
    Value element = computeElement(b, loc, pad.getSource(), inner, chain);
    if (!inside)
      return element;
    Value padding = pad.getConstantPaddingValue();
    if (Operation *constant = padding.getDefiningOp();
        constant && pad->isAncestor(constant))
      padding = b.clone(*constant)->getResult(0);
    return arith::SelectOp::create(b, loc, inside, element, padding);
  }

  if (auto expand = dyn_cast<tensor::ExpandShapeOp>(def)) {
    // Each source index is its group of result indices, linearized (a
    // dimension of size 1 adds nothing: its index is 0).
    ArrayRef<int64_t> sizes = expand.getResultType().getShape();
    SmallVector<AffineExpr> exprs;
    for (ReassociationIndices group : expand.getReassociationIndices()) {
      AffineExpr linear = getAffineConstantExpr(0, context);
      for (int64_t d : group)
        if (sizes[d] != 1)
          linear = linear * sizes[d] + getAffineDimExpr(d, context);
      exprs.push_back(linear);
    }
    AffineMap map = AffineMap::get(indices.size(), 0, exprs, context);
    return computeElement(b, loc, expand.getSrc(),
                          applyMap(b, loc, map, indices), chain);
  }

  if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(def)) {
    // Each result index spread over its group of source indices.
    ArrayRef<int64_t> sizes = collapse.getSrcType().getShape();
    SmallVector<AffineExpr> exprs;
    for (auto [position, group] :
         llvm::enumerate(collapse.getReassociationIndices())) {
      // Innermost first: source index = (index / stride) mod size, where
      // stride is the product of the sizes after it; the outermost needs
      // no modulo.
      AffineExpr index = getAffineDimExpr(position, context);
      SmallVector<AffineExpr> groupExprs(group.size());
      int64_t stride = 1;
      for (size_t j = group.size(); j-- > 0;) {
        groupExprs[j] = j == 0 ? index.floorDiv(stride)
                               : index.floorDiv(stride) % sizes[group[j]];
        stride *= sizes[group[j]];
      }
      exprs.append(groupExprs);
    }
    AffineMap map = AffineMap::get(indices.size(), 0, exprs, context);
    return computeElement(b, loc, collapse.getSrc(),
                          applyMap(b, loc, map, indices), chain);
  }

  // A linalg op without reductions: its body at these loop indices, each
  // operand it reads computed at its own indices.
  auto linalgOp = cast<linalg::LinalgOp>(def);
  IRMapping mapping;
  for (OpOperand &operand : linalgOp->getOpOperands()) {
    BlockArgument arg = linalgOp.getMatchingBlockArgument(&operand);
    if (arg.use_empty())
      continue;
    SmallVector<Value> at =
        applyMap(b, loc, linalgOp.getMatchingIndexingMap(&operand), indices);
    mapping.map(arg, computeElement(b, loc, operand.get(), at, chain));
  }
  Block *body = linalgOp.getBlock();
  for (Operation &op : body->without_terminator()) {
    if (auto index = dyn_cast<linalg::IndexOp>(op))
      mapping.map(index.getResult(), indices[index.getDim()]);
    else
      b.clone(op, mapping);
  }
  return mapping.lookupOrDefault(body->getTerminator()->getOperand(0));
}

/// Step 2: `pooling` as a `linalg.generic` whose body computes its
/// `chained` inputs tap by tap (computeElement) instead of reading them.
/// A loop that only those inputs indexed is sized by an empty tensor of
/// its range (as a pooling's window is). The chains, now unused, are
/// erased.
void computeTapsInBody(RewriterBase &rewriter, linalg::LinalgOp pooling,
                       ArrayRef<OpOperand *> chained) {
  Block &block = *pooling->getBlock();
  Location loc = pooling.getLoc();
  llvm::SetVector<Operation *> chain;
  for (OpOperand *input : chained)
    collectChain(input->get(), block, chain);

  SmallVector<AffineMap> maps;
  SmallVector<Value> inputs;
  llvm::SmallBitVector covered(pooling.getNumLoops());
  auto cover = [&](AffineMap map) {
    for (AffineExpr expr : map.getResults())
      if (auto dim = dyn_cast<AffineDimExpr>(expr))
        covered.set(dim.getPosition());
  };
  for (OpOperand *input : pooling.getDpsInputOperands()) {
    if (llvm::is_contained(chained, input))
      continue;
    inputs.push_back(input->get());
    maps.push_back(pooling.getMatchingIndexingMap(input));
    cover(maps.back());
  }
  SmallVector<AffineMap> initMaps;
  for (OpOperand &init : pooling.getDpsInitsMutable()) {
    initMaps.push_back(pooling.getMatchingIndexingMap(&init));
    cover(initMaps.back());
  }
  rewriter.setInsertionPoint(pooling);
  SmallVector<int64_t> ranges = pooling.getStaticLoopRanges();
  SmallVector<int64_t> uncovered;
  SmallVector<AffineExpr> uncoveredDims;
  for (unsigned d = 0; d < ranges.size(); ++d)
    if (!covered.test(d)) {
      uncovered.push_back(ranges[d]);
      uncoveredDims.push_back(rewriter.getAffineDimExpr(d));
    }
  if (!uncovered.empty()) {
    Type element = getElementTypeOrSelf(pooling->getResult(0).getType());
    inputs.push_back(
        tensor::EmptyOp::create(rewriter, loc, uncovered, element));
    maps.push_back(
        AffineMap::get(ranges.size(), 0, uncoveredDims, rewriter.getContext()));
  }
  size_t keptInputs = inputs.size() - (uncovered.empty() ? 0 : 1);
  maps.append(initMaps);

  Block *oldBody = pooling.getBlock();
  auto generic = linalg::GenericOp::create(
      rewriter, loc, pooling->getResultTypes(), inputs, pooling.getDpsInits(),
      maps, pooling.getIteratorTypesArray(),
      [&](OpBuilder &b, Location at, ValueRange args) {
        SmallVector<Value> loops;
        for (unsigned d = 0; d < pooling.getNumLoops(); ++d)
          loops.push_back(linalg::IndexOp::create(b, at, d));
        IRMapping mapping;
        size_t kept = 0;
        for (OpOperand *input : pooling.getDpsInputOperands()) {
          BlockArgument arg = pooling.getMatchingBlockArgument(input);
          if (!llvm::is_contained(chained, input)) {
            mapping.map(arg, args[kept++]);
            continue;
          }
          if (arg.use_empty())
            continue;
          SmallVector<Value> indices =
              applyMap(b, at, pooling.getMatchingIndexingMap(input), loops);
          mapping.map(arg, computeElement(b, at, input->get(), indices, chain));
        }
        for (auto [init, arg] : llvm::zip(
                 pooling.getRegionOutputArgs(),
                 args.drop_front(keptInputs + (uncovered.empty() ? 0 : 1))))
          mapping.map(init, arg);
        for (Operation &op : oldBody->without_terminator()) {
          if (auto index = dyn_cast<linalg::IndexOp>(op))
            mapping.map(index.getResult(), loops[index.getDim()]);
          else
            b.clone(op, mapping);
        }
        linalg::YieldOp::create(
            b, at,
            llvm::map_to_vector(
                oldBody->getTerminator()->getOperands(),
                [&](Value v) { return mapping.lookupOrDefault(v); }));
      });
  rewriter.replaceOp(pooling, generic->getResults());
  // The chains, now unused, users first.
  SmallVector<Operation *> left(chain.begin(), chain.end());
  while (!left.empty()) {
    auto unused =
        llvm::find_if(left, [](Operation *op) { return op->use_empty(); });
    if (unused == left.end())
      break;
    rewriter.eraseOp(*unused);
    left.erase(unused);
  }
}

struct FusePoolingInputsPass
    : autoglm::impl::AutoGLMCUDAFusePoolingInputsBase<FusePoolingInputsPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<FusedOp> regions;
    getOperation().walk([&](FusedOp region) { regions.push_back(region); });
    // A producer region comes before its consumer; it is erased only when
    // its consumer takes it in, after it was visited.
    for (FusedOp region : regions)
      while (takeInOneProducer(rewriter, region)) {
      }
    // Then each region's poolings compute their taps.
    SmallVector<linalg::LinalgOp> poolings;
    getOperation().walk([&](FusedOp region) {
      for (auto op : region.getBody().front().getOps<linalg::LinalgOp>())
        if (isPooling(op))
          poolings.push_back(op);
    });
    for (linalg::LinalgOp pooling : poolings) {
      SmallVector<OpOperand *> chained = chainedInputs(pooling);
      if (!chained.empty())
        computeTapsInBody(rewriter, pooling, chained);
    }
  }
};
} // namespace
