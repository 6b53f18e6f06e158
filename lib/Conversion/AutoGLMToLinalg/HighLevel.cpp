//===- HighLevel.cpp - attention, sparse attention, (de)quantize ----------===//
//
// attention: scores = Q K^T (linalg.batch_matmul over the B*Hkv key/value
//   heads, the G query heads of each group and their queries as its rows,
//   with K transposed once), then scale + mask + causal limit in one
//   elementwise generic, the stable softmax (a fully masked row gives
//   probabilities 0, as in ONNX, not NaN), and P V as a second
//   batch_matmul.
// sparse_attention: the same with the scores outside each query's top_k
//   (ranked by buildRanks, ties to the lower key index, so exactly top_k
//   keys survive) set to -inf before the softmax; when top_k >= Sk it is
//   plain attention.
// quantize / dequantize: arithmetic on the storage type:
//   q = clamp(round_half_even(x / scale) + zero_point, qmin, qmax),
//   x = (q - zero_point) * scale, per tensor or per axis (constant tables).
// fused: its body is converted in place, then fused; the region stays
// (Fused.cpp).
//
//===----------------------------------------------------------------------===//

#include "Common.h"

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::lowering;

namespace {
/// Query rows per key/value head (grouped query heads times queries) up to
/// which attention computes its scores as K q^T, reading K in place.
constexpr int64_t kFewAttentionRows = 8;

/// Softmax over the last axis of the 4-D scores, except that a row whose
/// keys are all masked (-inf) gets probability 0 everywhere, as ONNX
/// Attention specifies, instead of exp(-inf - -inf) / 0 = NaN.
Value buildAttentionSoftmax(OpBuilder &b, Location loc, Value x) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(x.getType());
  Type et = type.getElementType();
  Value max =
      buildReduction(b, loc, x, {3}, lowestValue(b, loc, et, false),
                     [](OpBuilder &nb, Location l, Value acc, Value v) {
                       return Value(arith::MaximumFOp::create(nb, l, acc, v));
                     });
  AffineMap id = AffineMap::getMultiDimIdentityMap(4, ctx);
  AffineMap row = dropDimsMap(ctx, 4, {3});
  // shifted = x - (max == -inf ? 0 : max): a masked row stays -inf, exp 0.
  Value shifted = buildGeneric(
      b, loc, {x, max}, emptyTensor(b, loc, type.getShape(), et), {id, row, id},
      parallelIterators(4), [&](OpBuilder &nb, Location l, ValueRange a) {
        Value masked =
            arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OEQ, a[1],
                                  lowestValue(nb, l, et, false));
        Value m = arith::SelectOp::create(nb, l, masked,
                                          floatConst(nb, l, et, 0.0), a[1]);
        return SmallVector<Value>{arith::SubFOp::create(nb, l, a[0], m)};
      })[0];
  Value sum =
      buildReduction(b, loc, shifted, {3}, floatConst(b, loc, et, 0.0),
                     [](OpBuilder &nb, Location l, Value acc, Value v) {
                       Value e = math::ExpOp::create(nb, l, v);
                       return Value(arith::AddFOp::create(nb, l, acc, e));
                     });
  // A masked row sums to 0: divide by 1 instead, giving 0 / 1.
  return buildGeneric(
      b, loc, {shifted, sum}, emptyTensor(b, loc, type.getShape(), et),
      {id, row, id}, parallelIterators(4),
      [&](OpBuilder &nb, Location l, ValueRange a) {
        Value empty = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OEQ,
                                            a[1], floatConst(nb, l, et, 0.0));
        Value sum = arith::SelectOp::create(nb, l, empty,
                                            floatConst(nb, l, et, 1.0), a[1]);
        return SmallVector<Value>{arith::DivFOp::create(
            nb, l, math::ExpOp::create(nb, l, a[0]), sum)};
      })[0];
}

/// `x` (a float tensor of `from` elements) converted to `to` elements.
Value convertTensor(OpBuilder &b, Location loc, Value x, Type from, Type to) {
  if (from == to)
    return x;
  auto type = cast<RankedTensorType>(x.getType());
  AffineMap id =
      AffineMap::getMultiDimIdentityMap(type.getRank(), b.getContext());
  return buildGeneric(b, loc, {x}, emptyTensor(b, loc, type.getShape(), to),
                      {id, id}, parallelIterators(type.getRank()),
                      [&](OpBuilder &nb, Location l, ValueRange a) {
                        return SmallVector<Value>{
                            castScalar(nb, l, a[0], from, to)};
                      })[0];
}

template <typename OpTy>
Value lowerAttention(OpTy op, typename OpTy::Adaptor adaptor, OpBuilder &b,
                     std::optional<int64_t> topK) {
  Location loc = op.getLoc();
  MLIRContext *ctx = b.getContext();
  Value q = adaptor.getQuery(), k = adaptor.getKey(), v = adaptor.getValue();
  auto qt = cast<RankedTensorType>(q.getType());
  auto kt = cast<RankedTensorType>(k.getType());
  auto rt = signlessTensor(op.getType());
  // f16 and bf16 attention keeps its scores and softmax in f32 (the
  // products accumulate in f32) and casts the probabilities to the narrow
  // type for the second product: what --precision=fp16 makes of the
  // unfused chain, and what tensor-core attention kernels compute.
  Type narrow = rt.getElementType();
  Type et = narrow.isF16() || narrow.isBF16() ? b.getF32Type() : narrow;
  int64_t batch = qt.getDimSize(0), hq = qt.getDimSize(1),
          sq = qt.getDimSize(2), hkv = kt.getDimSize(1), sk = kt.getDimSize(2);
  int64_t group = hq / hkv;
  Value zero = floatConst(b, loc, et, 0.0);

  // Both products are batched matmuls over the B*Hkv key/value heads, whose
  // rows are the G query heads of the group times their Sq queries
  // ([B, Hkv*G, Sq, x] is [B*Hkv, G*Sq, x] in place): the CPU target tiles
  // and vectorizes them, and a decoder step's few rows take its
  // matrix-vector kernel. A generic over the grouped maps stays a naive
  // loop nest, and the softmax's division fused into its second product
  // recomputed each probability once per value element (a 32-head decode
  // step over 8192 keys took 364 ms). K is transposed once.
  int64_t kvHeads = batch * hkv, rows = group * sq;
  auto batchMatmul = [&](Value lhs, Value rhs, int64_t k, int64_t n) {
    Value init = filledTensor(b, loc, {kvHeads, rows, n}, zero);
    Value product = linalg::BatchMatmulOp::create(
                        b, loc, TypeRange{init.getType()},
                        ValueRange{reshapeTo(b, loc, lhs, {kvHeads, rows, k}),
                                   reshapeTo(b, loc, rhs, {kvHeads, k, n})},
                        ValueRange{init})
                        .getResult(0);
    return reshapeTo(b, loc, product, {batch, hq, sq, n});
  };
  int64_t depth = qt.getDimSize(3);
  int64_t valueDepth = rt.getDimSize(3);

  // scores[b, h, i, j] = sum_d q[b, h, i, d] * k[b, h / G, j, d]
  SmallVector<int64_t> scoreShape = {batch, hq, sq, sk};
  Value scores;
  if (rows <= kFewAttentionRows && narrow == et) {
    // A decoder step: scores^T = K q^T, K read in place as the product's
    // rows (a dot product of the few query rows per key); transposing K
    // would copy the whole cache each step. Only the small scores^T is
    // transposed back. Float32 only: the CPU's tiling of a 16-bit product
    // this narrow (N <= 8, B a transpose) builds IR that does not verify
    // (an operand that does not dominate its use; the ONNX fp16/bf16
    // attention node tests).
    Value qT = linalg::TransposeOp::create(
                   b, loc, reshapeTo(b, loc, q, {kvHeads, rows, depth}),
                   emptyTensor(b, loc, {kvHeads, depth, rows}, narrow),
                   ArrayRef<int64_t>{0, 2, 1})
                   .getResult()[0];
    Value init = filledTensor(b, loc, {kvHeads, sk, rows}, zero);
    Value scoresT =
        linalg::BatchMatmulOp::create(
            b, loc, TypeRange{init.getType()},
            ValueRange{reshapeTo(b, loc, k, {kvHeads, sk, depth}), qT},
            ValueRange{init})
            .getResult(0);
    Value rowsFirst =
        linalg::TransposeOp::create(
            b, loc, scoresT, emptyTensor(b, loc, {kvHeads, rows, sk}, et),
            ArrayRef<int64_t>{0, 2, 1})
            .getResult()[0];
    scores = reshapeTo(b, loc, rowsFirst, {batch, hq, sq, sk});
  } else {
    Value kT =
        linalg::TransposeOp::create(
            b, loc, k, emptyTensor(b, loc, {batch, hkv, depth, sk}, narrow),
            ArrayRef<int64_t>{0, 1, 3, 2})
            .getResult()[0];
    scores = batchMatmul(q, kT, depth, sk);
  }

  // scale, mask, causal limit
  SmallVector<Value> inputs = {scores};
  SmallVector<AffineMap> maps = {AffineMap::getMultiDimIdentityMap(4, ctx)};
  Value mask = adaptor.getMask();
  Type maskElem;
  if (mask) {
    auto mt = cast<RankedTensorType>(mask.getType());
    maskElem = mt.getElementType();
    inputs.push_back(mask);
    maps.push_back(broadcastMap(ctx, mt.getShape(), scoreShape));
  }
  maps.push_back(AffineMap::getMultiDimIdentityMap(4, ctx));
  double scale = op.getScale().convertToDouble();
  bool causal = op.getCausal();
  Value biased = buildGeneric(
      b, loc, inputs, emptyTensor(b, loc, scoreShape, et), maps,
      parallelIterators(4), [&](OpBuilder &nb, Location l, ValueRange a) {
        Value s =
            arith::MulFOp::create(nb, l, a[0], floatConst(nb, l, et, scale));
        Value negInf = lowestValue(nb, l, et, false);
        if (mask) {
          if (maskElem.isInteger(1))
            s = arith::SelectOp::create(nb, l, a[1], s, negInf);
          else
            s = arith::AddFOp::create(nb, l, s,
                                      castScalar(nb, l, a[1], maskElem, et));
        }
        if (causal) {
          // query i sees keys j <= i + Sk - Sq
          Value i = linalg::IndexOp::create(nb, l, 2);
          Value j = linalg::IndexOp::create(nb, l, 3);
          Value limit =
              arith::AddIOp::create(nb, l, i, indexConst(nb, l, sk - sq));
          Value hidden =
              arith::CmpIOp::create(nb, l, arith::CmpIPredicate::sgt, j, limit);
          s = arith::SelectOp::create(nb, l, hidden, negInf, s);
        }
        return SmallVector<Value>{s};
      })[0];

  if (topK && *topK < sk) {
    Value ranks = buildRanks(b, loc, biased, 3, /*smallest=*/false, false);
    AffineMap id = AffineMap::getMultiDimIdentityMap(4, ctx);
    biased = buildGeneric(
        b, loc, {biased, ranks}, emptyTensor(b, loc, scoreShape, et),
        {id, id, id}, parallelIterators(4),
        [&](OpBuilder &nb, Location l, ValueRange a) {
          Value keep =
              arith::CmpIOp::create(nb, l, arith::CmpIPredicate::slt, a[1],
                                    intConst(nb, l, nb.getI64Type(), *topK));
          return SmallVector<Value>{arith::SelectOp::create(
              nb, l, keep, a[0], lowestValue(nb, l, et, false))};
        })[0];
  }
  Value probs =
      convertTensor(b, loc, buildAttentionSoftmax(b, loc, biased), et, narrow);

  // out[b, h, i, e] = sum_j p[b, h, i, j] * v[b, h / G, j, e]
  Value out = batchMatmul(probs, v, sk, valueDepth);
  return convertTensor(b, loc, out, et, narrow);
}

struct AttentionLowering : OpConversionPattern<AttentionOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(AttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, lowerAttention(op, adaptor, rewriter, std::nullopt));
    return success();
  }
};

struct SparseAttentionLowering : OpConversionPattern<SparseAttentionOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(SparseAttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, lowerAttention(op, adaptor, rewriter, op.getTopK()));
    return success();
  }
};

/// Scale and zero point of a quantized type, as scalars (per tensor) or as
/// values read from constant tables along the quantized axis (per axis).
struct QuantParams {
  Value scaleTable, zeroPointTable; // per axis: tensor<D x float>
  double scale = 1.0;
  int64_t zeroPoint = 0;
  int64_t axis = -1;
};

QuantParams quantParams(OpBuilder &b, Location loc, quant::QuantizedType qt,
                        Type floatType) {
  QuantParams p;
  if (auto u = dyn_cast<quant::UniformQuantizedType>(qt)) {
    p.scale = u.getScale();
    p.zeroPoint = u.getZeroPoint();
    return p;
  }
  auto pa = cast<quant::UniformQuantizedPerAxisType>(qt);
  p.axis = pa.getQuantizedDimension();
  auto ft = cast<FloatType>(floatType);
  SmallVector<APFloat> scales, zps;
  for (auto [s, z] : llvm::zip(pa.getScales(), pa.getZeroPoints())) {
    bool lost;
    APFloat sv(s), zv(static_cast<double>(z));
    sv.convert(ft.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
    zv.convert(ft.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
    scales.push_back(sv);
    zps.push_back(zv);
  }
  auto tt =
      RankedTensorType::get({static_cast<int64_t>(scales.size())}, floatType);
  p.scaleTable =
      arith::ConstantOp::create(b, loc, DenseElementsAttr::get(tt, scales));
  p.zeroPointTable =
      arith::ConstantOp::create(b, loc, DenseElementsAttr::get(tt, zps));
  return p;
}

/// A generic over `resultType` reading `x` (same shape) and, per axis, the
/// scale and zero-point tables; `body(x, scale, zeroPoint)`.
Value quantGeneric(
    OpBuilder &b, Location loc, RankedTensorType resultType, Value x,
    const QuantParams &p, Type floatType,
    function_ref<Value(OpBuilder &, Location, Value, Value, Value)> body) {
  MLIRContext *ctx = b.getContext();
  unsigned rank = resultType.getRank();
  AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
  SmallVector<Value> inputs = {x};
  SmallVector<AffineMap> maps = {id};
  if (p.axis >= 0) {
    AffineMap axisMap = AffineMap::get(rank, 0, getAffineDimExpr(p.axis, ctx));
    inputs.append({p.scaleTable, p.zeroPointTable});
    maps.append({axisMap, axisMap});
  }
  maps.push_back(id);
  return buildGeneric(
      b, loc, inputs,
      emptyTensor(b, loc, resultType.getShape(), resultType.getElementType()),
      maps, parallelIterators(rank),
      [&](OpBuilder &nb, Location l, ValueRange a) {
        Value scale =
            p.axis >= 0 ? a[1] : floatConst(nb, l, floatType, p.scale);
        Value zp = p.axis >= 0 ? a[2]
                               : floatConst(nb, l, floatType,
                                            static_cast<double>(p.zeroPoint));
        return SmallVector<Value>{body(nb, l, a[0], scale, zp)};
      })[0];
}

struct QuantizeLowering : OpConversionPattern<QuantizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(QuantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto qt = cast<quant::QuantizedType>(getElementTypeOrSelf(op.getType()));
    Type ft = getElementTypeOrSelf(op.getInput().getType());
    QuantParams p = quantParams(rewriter, loc, qt, ft);
    double qmin = static_cast<double>(qt.getStorageTypeMin());
    double qmax = static_cast<double>(qt.getStorageTypeMax());
    Value r = quantGeneric(
        rewriter, loc, signlessTensor(op.getType()), adaptor.getInput(), p, ft,
        [&](OpBuilder &b, Location l, Value x, Value scale, Value zp) {
          Value y = math::RoundEvenOp::create(
              b, l, arith::DivFOp::create(b, l, x, scale));
          y = arith::AddFOp::create(b, l, y, zp);
          y = arith::MaximumFOp::create(b, l, y, floatConst(b, l, ft, qmin));
          y = arith::MinimumFOp::create(b, l, y, floatConst(b, l, ft, qmax));
          return castScalar(b, l, y, ft, qt);
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};

struct DequantizeLowering : OpConversionPattern<DequantizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(DequantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto qt = cast<quant::QuantizedType>(
        getElementTypeOrSelf(op.getInput().getType()));
    Type ft = getElementTypeOrSelf(op.getType());
    QuantParams p = quantParams(rewriter, loc, qt, ft);
    Value r = quantGeneric(
        rewriter, loc, signlessTensor(op.getType()), adaptor.getInput(), p, ft,
        [&](OpBuilder &b, Location l, Value q, Value scale, Value zp) {
          Value x = castScalar(b, l, q, qt, ft);
          return Value(arith::MulFOp::create(
              b, l, arith::SubFOp::create(b, l, x, zp), scale));
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};
} // namespace

LogicalResult lowering::checkHighLevelSupported(Operation *op) {
  auto check = [&](Type t) -> LogicalResult {
    auto q = dyn_cast<quant::QuantizedType>(getElementTypeOrSelf(t));
    if (q &&
        !isa<quant::UniformQuantizedType, quant::UniformQuantizedPerAxisType>(
            q))
      return op->emitError(
          "quantize/dequantize lowering supports uniform quantized "
          "types (per tensor or per axis)");
    return success();
  };
  if (auto q = dyn_cast<QuantizeOp>(op))
    return check(q.getType());
  if (auto d = dyn_cast<DequantizeOp>(op))
    return check(d.getInput().getType());
  return success();
}

void lowering::populateHighLevelPatterns(TypeConverter &converter,
                                         RewritePatternSet &patterns) {
  patterns.add<AttentionLowering, SparseAttentionLowering, QuantizeLowering,
               DequantizeLowering>(converter, patterns.getContext());
}
