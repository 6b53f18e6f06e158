//===- Normalization.cpp - reductions and normalizations to linalg --------===//
//
// reduce: one reduction generic (two for the stable log_sum_exp), then an
//   elementwise finish (mean divides, l2 takes sqrt, log_sum takes log) and
//   an expand_shape for keepdims.
// arg_reduce: one generic with two outputs (best value, its index);
//   select_last_index turns the strict comparison into a non-strict one.
// cumsum: a generic with one extra reduction dim over the axis that sums the
//   elements before (or after, reversed) each position: O(n^2) along the
//   axis, which is short in practice (positions, not features).
// softmax: max, exp(x - max), sum, divide (log-softmax: x - max - log(sum)).
// layer_norm / batch_norm: reduction generics for the statistics, then one
//   elementwise generic; accumulation in the element type.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::lowering;

namespace {
struct ReduceLowering : OpConversionPattern<ReduceOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ReduceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    Value x = adaptor.getInput();
    auto it = cast<RankedTensorType>(x.getType());
    Type et = it.getElementType();
    Type orig = getElementTypeOrSelf(op.getInput().getType());
    bool isUnsigned = isUnsignedLike(orig);
    bool isFloat = isa<FloatType>(et);
    ArrayRef<int64_t> axes = op.getAxes();
    int64_t count = 1;
    for (int64_t a : axes)
      count *= it.getDimSize(a);
    ReduceKind kind = op.getKind();

    using Combine = function_ref<Value(OpBuilder &, Location, Value, Value)>;
    auto reduce = [&](Value v, Value init, Combine f) {
      return buildReduction(b, loc, v, axes, init, f);
    };
    auto sum = [](OpBuilder &nb, Location nloc, Value acc, Value v) {
      return addScalar(nb, nloc, acc, v);
    };
    Value zero = numConst(b, loc, et, 0);
    Value r;
    switch (kind) {
    case ReduceKind::sum:
    case ReduceKind::mean:
    case ReduceKind::log_sum:
      r = reduce(x, zero, sum);
      break;
    case ReduceKind::max:
      r = reduce(x, lowestValue(b, loc, et, isUnsigned),
                 [&](OpBuilder &nb, Location nloc, Value acc, Value v) {
                   return maxScalar(nb, nloc, acc, v, isUnsigned);
                 });
      break;
    case ReduceKind::min:
      r = reduce(x, highestValue(b, loc, et, isUnsigned),
                 [&](OpBuilder &nb, Location nloc, Value acc, Value v) {
                   return minScalar(nb, nloc, acc, v, isUnsigned);
                 });
      break;
    case ReduceKind::prod:
      r = reduce(x, numConst(b, loc, et, 1),
                 [](OpBuilder &nb, Location nloc, Value acc, Value v) {
                   return mulScalar(nb, nloc, acc, v);
                 });
      break;
    case ReduceKind::l1:
      r = reduce(
          x, zero, [&](OpBuilder &nb, Location nloc, Value acc, Value v) {
            Value a = isFloat      ? Value(math::AbsFOp::create(nb, nloc, v))
                      : isUnsigned ? v
                                   : Value(math::AbsIOp::create(nb, nloc, v));
            return addScalar(nb, nloc, acc, a);
          });
      break;
    case ReduceKind::l2:
    case ReduceKind::sum_square:
      r = reduce(x, zero, [](OpBuilder &nb, Location nloc, Value acc, Value v) {
        return addScalar(nb, nloc, acc, mulScalar(nb, nloc, v, v));
      });
      break;
    case ReduceKind::log_sum_exp: {
      // max + log(sum(exp(x - max))): no overflow for large x.
      Value max =
          reduce(x, lowestValue(b, loc, et, false),
                 [](OpBuilder &nb, Location nloc, Value acc, Value v) {
                   return Value(arith::MaximumFOp::create(nb, nloc, acc, v));
                 });
      MLIRContext *ctx = b.getContext();
      unsigned rank = it.getRank();
      AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
      AffineMap red = dropDimsMap(ctx, rank, axes);
      SmallVector<utils::IteratorType> iterators;
      for (unsigned i = 0; i < rank; ++i)
        iterators.push_back(llvm::is_contained(axes, static_cast<int64_t>(i))
                                ? utils::IteratorType::reduction
                                : utils::IteratorType::parallel);
      auto maxType = cast<RankedTensorType>(max.getType());
      Value s = buildGeneric(
          b, loc, {x, max}, filledTensor(b, loc, maxType.getShape(), zero),
          {id, red, red}, iterators,
          [](OpBuilder &nb, Location nloc, ValueRange a) {
            Value e = math::ExpOp::create(
                nb, nloc, arith::SubFOp::create(nb, nloc, a[0], a[1]));
            return SmallVector<Value>{arith::AddFOp::create(nb, nloc, a[2], e)};
          })[0];
      r = buildElementwise(b, loc, maxType, {s, max},
                           [](OpBuilder &nb, Location nloc, ValueRange a) {
                             Value l = math::LogOp::create(nb, nloc, a[0]);
                             return Value(
                                 arith::AddFOp::create(nb, nloc, l, a[1]));
                           });
      break;
    }
    }
    auto rt = cast<RankedTensorType>(r.getType());
    if (kind == ReduceKind::mean || kind == ReduceKind::l2 ||
        kind == ReduceKind::log_sum) {
      r = buildElementwise(
          b, loc, rt, r, [&](OpBuilder &nb, Location nloc, ValueRange a) {
            if (kind == ReduceKind::l2)
              return Value(math::SqrtOp::create(nb, nloc, a[0]));
            if (kind == ReduceKind::log_sum)
              return Value(math::LogOp::create(nb, nloc, a[0]));
            Value n = numConst(nb, nloc, et, static_cast<double>(count));
            if (isFloat)
              return Value(arith::DivFOp::create(nb, nloc, a[0], n));
            return isUnsigned
                       ? Value(arith::DivUIOp::create(nb, nloc, a[0], n))
                       : Value(arith::DivSIOp::create(nb, nloc, a[0], n));
          });
    }
    rewriter.replaceOp(
        op, reshapeTo(b, loc, r, signlessTensor(op.getType()).getShape()));
    return success();
  }
};

struct ArgReduceLowering : OpConversionPattern<ArgReduceOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ArgReduceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    MLIRContext *ctx = b.getContext();
    Value x = adaptor.getInput();
    auto it = cast<RankedTensorType>(x.getType());
    Type et = it.getElementType();
    bool isUnsigned =
        isUnsignedLike(getElementTypeOrSelf(op.getInput().getType()));
    int64_t axis = op.getAxis();
    unsigned rank = it.getRank();
    bool isMax = op.getKind() == ArgReduceKind::argmax;
    bool last = op.getSelectLastIndex();
    SmallVector<int64_t> outShape;
    SmallVector<utils::IteratorType> iterators;
    for (unsigned i = 0; i < rank; ++i) {
      iterators.push_back(i == axis ? utils::IteratorType::reduction
                                    : utils::IteratorType::parallel);
      if (i != axis)
        outShape.push_back(it.getDimSize(i));
    }
    Value initV = filledTensor(b, loc, outShape,
                               isMax ? lowestValue(b, loc, et, isUnsigned)
                                     : highestValue(b, loc, et, isUnsigned));
    Value initI =
        filledTensor(b, loc, outShape, intConst(b, loc, b.getI64Type(), 0));
    AffineMap red = dropDimsMap(ctx, rank, {axis});
    ValueRange results = buildGeneric(
        b, loc, x, {initV, initI},
        {AffineMap::getMultiDimIdentityMap(rank, ctx), red, red}, iterators,
        [&](OpBuilder &nb, Location nloc, ValueRange a) {
          Value v = a[0], best = a[1], bestIdx = a[2];
          Value better;
          if (isa<FloatType>(et)) {
            arith::CmpFPredicate p = isMax ? (last ? arith::CmpFPredicate::OGE
                                                   : arith::CmpFPredicate::OGT)
                                           : (last ? arith::CmpFPredicate::OLE
                                                   : arith::CmpFPredicate::OLT);
            better = arith::CmpFOp::create(nb, nloc, p, v, best);
          } else {
            using P = arith::CmpIPredicate;
            P p = isMax ? (last ? (isUnsigned ? P::uge : P::sge)
                                : (isUnsigned ? P::ugt : P::sgt))
                        : (last ? (isUnsigned ? P::ule : P::sle)
                                : (isUnsigned ? P::ult : P::slt));
            better = arith::CmpIOp::create(nb, nloc, p, v, best);
          }
          Value idx = arith::IndexCastOp::create(
              nb, nloc, nb.getI64Type(),
              linalg::IndexOp::create(nb, nloc, axis));
          return SmallVector<Value>{
              arith::SelectOp::create(nb, nloc, better, v, best),
              arith::SelectOp::create(nb, nloc, better, idx, bestIdx)};
        });
    rewriter.replaceOp(op, reshapeTo(b, loc, results[1],
                                     signlessTensor(op.getType()).getShape()));
    return success();
  }
};

struct CumSumLowering : OpConversionPattern<CumSumOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(CumSumOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    MLIRContext *ctx = b.getContext();
    Value x = adaptor.getInput();
    auto it = cast<RankedTensorType>(x.getType());
    Type et = it.getElementType();
    unsigned rank = it.getRank();
    int64_t axis = op.getAxis();
    bool exclusive = op.getExclusive(), reverse = op.getReverse();
    // Loop dims: the output dims, then j (the summed position) as reduction.
    SmallVector<AffineExpr> inExprs;
    for (unsigned i = 0; i < rank; ++i)
      inExprs.push_back(getAffineDimExpr(i == axis ? rank : i, ctx));
    SmallVector<utils::IteratorType> iterators = parallelIterators(rank);
    iterators.push_back(utils::IteratorType::reduction);
    Value zero = numConst(b, loc, et, 0);
    Value r = buildGeneric(
        b, loc, x, filledTensor(b, loc, it.getShape(), zero),
        {AffineMap::get(rank + 1, 0, inExprs, ctx),
         AffineMap::getMultiDimIdentityMap(rank + 1, ctx).dropResult(rank)},
        iterators, [&](OpBuilder &nb, Location nloc, ValueRange a) {
          Value i = linalg::IndexOp::create(nb, nloc, axis);
          Value j = linalg::IndexOp::create(nb, nloc, rank);
          using P = arith::CmpIPredicate;
          P p = reverse ? (exclusive ? P::ugt : P::uge)
                        : (exclusive ? P::ult : P::ule);
          Value take = arith::CmpIOp::create(nb, nloc, p, j, i);
          Value v = arith::SelectOp::create(nb, nloc, take, a[0], zero);
          return SmallVector<Value>{addScalar(nb, nloc, a[1], v)};
        })[0];
    rewriter.replaceOp(op, r);
    return success();
  }
};

struct SoftmaxLowering : OpConversionPattern<SoftmaxOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(SoftmaxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op,
                       buildSoftmax(rewriter, op.getLoc(), adaptor.getInput(),
                                    op.getAxis(), op.getLog()));
    return success();
  }
};

struct LayerNormLowering : OpConversionPattern<LayerNormOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(LayerNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    MLIRContext *ctx = b.getContext();
    Value x = adaptor.getInput();
    auto it = cast<RankedTensorType>(x.getType());
    Type et = it.getElementType();
    unsigned rank = it.getRank();
    SmallVector<int64_t> axes;
    int64_t count = 1;
    for (int64_t i = op.getAxis(); i < rank; ++i) {
      axes.push_back(i);
      count *= it.getDimSize(i);
    }
    bool rms = op.getRms();
    Value zero = numConst(b, loc, et, 0);
    Value n = numConst(b, loc, et, static_cast<double>(count));
    AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
    AffineMap red = dropDimsMap(ctx, rank, axes);
    SmallVector<utils::IteratorType> iterators;
    for (unsigned i = 0; i < rank; ++i)
      iterators.push_back(i >= op.getAxis() ? utils::IteratorType::reduction
                                            : utils::IteratorType::parallel);
    SmallVector<int64_t> statShape(it.getShape().take_front(op.getAxis()));
    auto statType = RankedTensorType::get(statShape, et);
    auto divN = [&](Value s) {
      return buildElementwise(
          b, loc, statType, s, [&](OpBuilder &nb, Location nloc, ValueRange a) {
            return Value(arith::DivFOp::create(nb, nloc, a[0], n));
          });
    };
    Value mean;
    if (!rms)
      mean = divN(buildReduction(
          b, loc, x, axes, zero,
          [](OpBuilder &nb, Location nloc, Value acc, Value v) {
            return Value(arith::AddFOp::create(nb, nloc, acc, v));
          }));
    // var = mean((x - mean)^2); for RMS, mean(x^2).
    SmallVector<Value> statInputs = {x};
    SmallVector<AffineMap> statMaps = {id};
    if (mean) {
      statInputs.push_back(mean);
      statMaps.push_back(red);
    }
    statMaps.push_back(red);
    Value var = divN(buildGeneric(
        b, loc, statInputs, filledTensor(b, loc, statShape, zero), statMaps,
        iterators, [&](OpBuilder &nb, Location nloc, ValueRange a) {
          Value c =
              mean ? Value(arith::SubFOp::create(nb, nloc, a[0], a[1])) : a[0];
          Value sq = arith::MulFOp::create(nb, nloc, c, c);
          return SmallVector<Value>{
              arith::AddFOp::create(nb, nloc, a.back(), sq)};
        })[0]);
    // y = (x - mean) * rsqrt(var + eps) * scale + bias
    SmallVector<Value> inputs = {x, var};
    SmallVector<AffineMap> maps = {id, red};
    if (mean) {
      inputs.push_back(mean);
      maps.push_back(red);
    }
    inputs.push_back(adaptor.getScale());
    maps.push_back(broadcastMap(
        ctx, cast<RankedTensorType>(adaptor.getScale().getType()).getShape(),
        it.getShape()));
    if (Value bias = adaptor.getBias()) {
      inputs.push_back(bias);
      maps.push_back(
          broadcastMap(ctx, cast<RankedTensorType>(bias.getType()).getShape(),
                       it.getShape()));
    }
    maps.push_back(id);
    double eps = op.getEpsilon().convertToDouble();
    bool hasBias = static_cast<bool>(adaptor.getBias());
    Value r = buildGeneric(
        b, loc, inputs, emptyTensor(b, loc, it.getShape(), et), maps,
        parallelIterators(rank),
        [&](OpBuilder &nb, Location nloc, ValueRange a) {
          unsigned k = 2;
          Value c = a[0];
          if (mean)
            c = arith::SubFOp::create(nb, nloc, c, a[k++]);
          Value inv = math::RsqrtOp::create(
              nb, nloc,
              arith::AddFOp::create(nb, nloc, a[1],
                                    floatConst(nb, nloc, et, eps)));
          Value y = arith::MulFOp::create(
              nb, nloc, arith::MulFOp::create(nb, nloc, c, inv), a[k++]);
          if (hasBias)
            y = arith::AddFOp::create(nb, nloc, y, a[k++]);
          return SmallVector<Value>{y};
        })[0];
    rewriter.replaceOp(op, r);
    return success();
  }
};

struct BatchNormLowering : OpConversionPattern<BatchNormOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(BatchNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    MLIRContext *ctx = b.getContext();
    auto it = cast<RankedTensorType>(adaptor.getInput().getType());
    Type et = it.getElementType();
    unsigned rank = it.getRank();
    AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
    AffineMap channel = AffineMap::get(rank, 0, getAffineDimExpr(1, ctx));
    double eps = op.getEpsilon().convertToDouble();
    Value r = buildGeneric(
        b, loc,
        {adaptor.getInput(), adaptor.getScale(), adaptor.getBias(),
         adaptor.getMean(), adaptor.getVariance()},
        emptyTensor(b, loc, it.getShape(), et),
        {id, channel, channel, channel, channel, id}, parallelIterators(rank),
        [&](OpBuilder &nb, Location nloc, ValueRange a) {
          Value c = arith::SubFOp::create(nb, nloc, a[0], a[3]);
          Value inv = math::RsqrtOp::create(
              nb, nloc,
              arith::AddFOp::create(nb, nloc, a[4],
                                    floatConst(nb, nloc, et, eps)));
          Value y = arith::MulFOp::create(
              nb, nloc, arith::MulFOp::create(nb, nloc, c, inv), a[1]);
          return SmallVector<Value>{arith::AddFOp::create(nb, nloc, y, a[2])};
        })[0];
    rewriter.replaceOp(op, r);
    return success();
  }
};
} // namespace

LogicalResult lowering::checkNormalizationSupported(Operation *op) {
  if (auto r = dyn_cast<ReduceOp>(op)) {
    bool isFloat = isa<FloatType>(getElementTypeOrSelf(r.getInput().getType()));
    ReduceKind k = r.getKind();
    if (!isFloat && (k == ReduceKind::l2 || k == ReduceKind::log_sum ||
                     k == ReduceKind::log_sum_exp))
      return r.emitError("reduce ")
             << stringifyReduceKind(k) << " needs floating-point elements";
  }
  return success();
}

void lowering::populateNormalizationPatterns(TypeConverter &converter,
                                             RewritePatternSet &patterns) {
  patterns.add<ReduceLowering, ArgReduceLowering, CumSumLowering,
               SoftmaxLowering, LayerNormLowering, BatchNormLowering>(
      converter, patterns.getContext());
}
