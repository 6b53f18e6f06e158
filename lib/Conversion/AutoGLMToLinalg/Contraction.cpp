//===- Contraction.cpp - matmul, conv, conv_transpose, pool to linalg -----===//
//
// matmul: linalg.matmul (rank 2, or batched lhs times a 2-D rhs, folded into
//   the rows) or linalg.batch_matmul after materializing broadcast batch dims;
//   8-bit integers are widened to i32 first (signed or unsigned).
// conv: tensor.pad for the padding, then linalg.conv_{1d_ncw_fcw,
//   2d_nchw_fchw,3d_ncdhw_fcdhw} (groups = 1),
//   linalg.depthwise_conv_2d_nchw_chw (groups = channels = outputs), otherwise
//   a grouped-convolution generic; the bias is one more generic.
// conv_transpose: the input is dilated by the stride (insert_slice with
//   strides into zeros) and padded by dilation * (K - 1) - pad, then
//   convolved with the flipped, transposed weight (per group).
// pool: padding with the max identity (or zeros for avg, plus the ceil_mode
//   overhang), linalg.pooling_nchw_{max,sum} for 2-D (a window generic
//   otherwise); average pooling divides by a compile-time table of window
//   counts (with or without the padding, never counting the ceil overhang).
//
//===----------------------------------------------------------------------===//

#include "Common.h"

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::lowering;

namespace {
int64_t product(ArrayRef<int64_t> xs) {
  int64_t p = 1;
  for (int64_t x : xs)
    p *= x;
  return p;
}

//===--- matmul -----------------------------------------------------------===//

struct MatMulLowering : OpConversionPattern<MatMulOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(MatMulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    auto resultType = signlessTensor(op.getType());
    Type acc = resultType.getElementType();
    Value lhs = adaptor.getLhs(), rhs = adaptor.getRhs();
    if (!isa<FloatType>(acc)) {
      // ONNX MatMulInteger: accumulate 8-bit operands in i32, each widened
      // by its own signedness (uint8 activations times int8 weights).
      auto widen = [&](Value v, Value original) {
        auto t = cast<RankedTensorType>(v.getType());
        Type origIn = getElementTypeOrSelf(original.getType());
        return buildElementwise(
            b, loc, RankedTensorType::get(t.getShape(), acc), v,
            [&](OpBuilder &nb, Location nloc, ValueRange a) {
              return castScalar(nb, nloc, a[0], origIn,
                                op.getType().getElementType());
            });
      };
      lhs = widen(lhs, op.getLhs());
      rhs = widen(rhs, op.getRhs());
    }
    ArrayRef<int64_t> shape = resultType.getShape();
    int64_t rank = shape.size();
    int64_t m = shape[rank - 2], n = shape[rank - 1];
    auto lt = cast<RankedTensorType>(lhs.getType());
    auto rt = cast<RankedTensorType>(rhs.getType());
    int64_t k = lt.getShape().back();
    Value zero = numConst(b, loc, acc, 0);

    if (rt.getRank() == 2) {
      // [..., M, K] x [K, N]: the batch dims fold into the rows.
      int64_t rows = product(lt.getShape().drop_back());
      Value lhs2 = reshapeTo(b, loc, lhs, {rows, k});
      Value init = filledTensor(b, loc, {rows, n}, zero);
      Value mm =
          linalg::MatmulOp::create(b, loc, TypeRange{init.getType()},
                                   ValueRange{lhs2, rhs}, ValueRange{init})
              .getResult(0);
      rewriter.replaceOp(op, reshapeTo(b, loc, mm, shape));
      return success();
    }

    SmallVector<int64_t> batch(shape.drop_back(2));
    int64_t batchSize = product(batch);
    auto materialize = [&](Value v, int64_t rows, int64_t cols) {
      SmallVector<int64_t> target(batch);
      target.append({rows, cols});
      auto t = cast<RankedTensorType>(v.getType());
      if (t.getShape() != ArrayRef<int64_t>(target))
        v = buildElementwise(
            b, loc, RankedTensorType::get(target, t.getElementType()), v,
            [](OpBuilder &, Location, ValueRange a) { return a[0]; });
      return reshapeTo(b, loc, v, {batchSize, rows, cols});
    };
    Value lhs3 = materialize(lhs, m, k);
    Value rhs3 = materialize(rhs, k, n);
    Value init = filledTensor(b, loc, {batchSize, m, n}, zero);
    Value mm =
        linalg::BatchMatmulOp::create(b, loc, TypeRange{init.getType()},
                                      ValueRange{lhs3, rhs3}, ValueRange{init})
            .getResult(0);
    rewriter.replaceOp(op, reshapeTo(b, loc, mm, shape));
    return success();
  }
};

//===--- conv -------------------------------------------------------------===//

/// result[n, o, ...] += bias[o]
Value addChannelBias(OpBuilder &b, Location loc, Value x, Value bias) {
  auto t = cast<RankedTensorType>(x.getType());
  MLIRContext *ctx = b.getContext();
  unsigned rank = t.getRank();
  AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
  AffineMap channel = AffineMap::get(rank, 0, getAffineDimExpr(1, ctx));
  return buildGeneric(
      b, loc, {x, bias}, emptyTensor(b, loc, t.getShape(), t.getElementType()),
      {id, channel, id}, parallelIterators(rank),
      [](OpBuilder &nb, Location nloc, ValueRange a) {
        // i32 for the integer convolutions (ONNX QLinearConv's bias).
        if (isa<IntegerType>(a[0].getType()))
          return SmallVector<Value>{
              arith::AddIOp::create(nb, nloc, a[0], a[1])};
        return SmallVector<Value>{arith::AddFOp::create(nb, nloc, a[0], a[1])};
      })[0];
}

/// Convolution of an already padded input, with `groups`, as a named op
/// where one fits and as a generic otherwise.
Value convolve(OpBuilder &b, Location loc, Value input, Value weight,
               RankedTensorType resultType, ArrayRef<int64_t> strides,
               ArrayRef<int64_t> dilations, int64_t groups) {
  MLIRContext *ctx = b.getContext();
  Type et = resultType.getElementType();
  Value init =
      filledTensor(b, loc, resultType.getShape(), numConst(b, loc, et, 0));
  auto it = cast<RankedTensorType>(input.getType());
  auto wt = cast<RankedTensorType>(weight.getType());
  int64_t nsp = it.getRank() - 2;
  int64_t channels = it.getDimSize(1), outputs = wt.getDimSize(0);
  SmallVector<Type, 1> types = {init.getType()};
  DenseIntElementsAttr s = i64Tensor(b, strides), d = i64Tensor(b, dilations);
  if (groups == 1 && nsp == 1)
    return linalg::Conv1DNcwFcwOp::create(
               b, loc, types, ValueRange{input, weight}, ValueRange{init}, s, d)
        .getResult(0);
  if (groups == 1 && nsp == 2)
    return linalg::Conv2DNchwFchwOp::create(
               b, loc, types, ValueRange{input, weight}, ValueRange{init}, s, d)
        .getResult(0);
  if (groups == 1 && nsp == 3)
    return linalg::Conv3DNcdhwFcdhwOp::create(
               b, loc, types, ValueRange{input, weight}, ValueRange{init}, s, d)
        .getResult(0);
  if (nsp == 2 && groups == channels && outputs == channels) {
    Value w3 = reshapeTo(b, loc, weight,
                         {channels, wt.getDimSize(2), wt.getDimSize(3)});
    return linalg::DepthwiseConv2DNchwChwOp::create(
               b, loc, types, ValueRange{input, w3}, ValueRange{init}, s, d)
        .getResult(0);
  }
  // Grouped convolution. Loop dims: n, g, o' (outputs per group), the output
  // spatial dims (parallel), then c' (channels per group) and the kernel
  // dims (reduction). The result is [N, G, O/G, ...], collapsed to [N, O, ...].
  int64_t cg = channels / groups, og = outputs / groups;
  unsigned numLoops = 3 + 2 * nsp + 1;
  auto dim = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  AffineExpr n = dim(0), g = dim(1), o = dim(2), c = dim(3 + nsp);
  SmallVector<AffineExpr> inExprs = {n, g * cg + c}, wExprs = {g * og + o, c},
                          outExprs = {n, g, o};
  for (int64_t i = 0; i < nsp; ++i) {
    AffineExpr sp = dim(3 + i), kk = dim(4 + nsp + i);
    inExprs.push_back(sp * strides[i] + kk * dilations[i]);
    wExprs.push_back(kk);
    outExprs.push_back(sp);
  }
  SmallVector<utils::IteratorType> iterators = parallelIterators(3 + nsp);
  iterators.append(1 + nsp, utils::IteratorType::reduction);
  SmallVector<int64_t> groupedShape = {resultType.getDimSize(0), groups, og};
  for (int64_t i = 0; i < nsp; ++i)
    groupedShape.push_back(resultType.getDimSize(2 + i));
  Value groupedInit = reshapeTo(b, loc, init, groupedShape);
  Value r = buildGeneric(
      b, loc, {input, weight}, groupedInit,
      {AffineMap::get(numLoops, 0, inExprs, ctx),
       AffineMap::get(numLoops, 0, wExprs, ctx),
       AffineMap::get(numLoops, 0, outExprs, ctx)},
      iterators, [](OpBuilder &nb, Location nloc, ValueRange a) {
        // Mixed precision (f16/bf16 operands, f32 accumulator): widen the
        // operands, as linalg's named convolutions do.
        Type acc = a[2].getType();
        if (isa<IntegerType>(acc)) // i32, the integer convolutions
          return SmallVector<Value>{arith::AddIOp::create(
              nb, nloc, a[2], arith::MulIOp::create(nb, nloc, a[0], a[1]))};
        auto widen = [&](Value v) -> Value {
          return v.getType() == acc ? v
                                    : arith::ExtFOp::create(nb, nloc, acc, v);
        };
        Value p = arith::MulFOp::create(nb, nloc, widen(a[0]), widen(a[1]));
        return SmallVector<Value>{arith::AddFOp::create(nb, nloc, a[2], p)};
      })[0];
  return reshapeTo(b, loc, r, resultType.getShape());
}

struct ConvLowering : OpConversionPattern<ConvOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ConvOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    auto resultType = signlessTensor(op.getType());
    // The input's element type: narrower than the result's when the
    // convolution accumulates f16/bf16 in f32.
    Type et = getElementTypeOrSelf(adaptor.getInput().getType());
    int64_t nsp = resultType.getRank() - 2;
    ArrayRef<int64_t> pads = op.getPads();
    SmallVector<int64_t> low = {0, 0}, high = {0, 0};
    low.append(pads.begin(), pads.begin() + nsp);
    high.append(pads.begin() + nsp, pads.end());
    Value input = padConstant(b, loc, adaptor.getInput(), low, high,
                              numConst(b, loc, et, 0));
    Value r = convolve(b, loc, input, adaptor.getWeight(), resultType,
                       op.getStrides(), op.getDilations(), op.getGroups());
    if (Value bias = adaptor.getBias())
      r = addChannelBias(b, loc, r, bias);
    rewriter.replaceOp(op, r);
    return success();
  }
};

struct ConvTransposeLowering : OpConversionPattern<ConvTransposeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ConvTransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    auto resultType = signlessTensor(op.getType());
    Type et = resultType.getElementType();
    auto it = cast<RankedTensorType>(adaptor.getInput().getType());
    auto wt = cast<RankedTensorType>(adaptor.getWeight().getType());
    int64_t nsp = it.getRank() - 2;
    ArrayRef<int64_t> strides = op.getStrides(), pads = op.getPads(),
                      dil = op.getDilations(), outPad = op.getOutputPadding();
    // Dilate the input by the stride and pad it so that a stride-1
    // convolution with the flipped kernel computes the transposed one.
    SmallVector<int64_t> bufShape = {it.getDimSize(0), it.getDimSize(1)};
    SmallVector<OpFoldResult> offsets(2, b.getIndexAttr(0)), sizes,
        steps(2, b.getIndexAttr(1));
    SmallVector<OpFoldResult> cropOffsets(2, b.getIndexAttr(0));
    for (int64_t i = 0; i < nsp; ++i) {
      int64_t span = dil[i] * (wt.getDimSize(2 + i) - 1);
      int64_t lo = span - pads[i];
      int64_t hi = span - pads[nsp + i] + (outPad.empty() ? 0 : outPad[i]);
      bufShape.push_back((it.getDimSize(2 + i) - 1) * strides[i] + 1 +
                         std::max<int64_t>(lo, 0) + std::max<int64_t>(hi, 0));
      offsets.push_back(b.getIndexAttr(std::max<int64_t>(lo, 0)));
      steps.push_back(b.getIndexAttr(strides[i]));
      cropOffsets.push_back(b.getIndexAttr(std::max<int64_t>(-lo, 0)));
    }
    for (int64_t d : it.getShape())
      sizes.push_back(b.getIndexAttr(d));
    Value buf = filledTensor(b, loc, bufShape, numConst(b, loc, et, 0));
    Value dilated = tensor::InsertSliceOp::create(b, loc, adaptor.getInput(),
                                                  buf, offsets, sizes, steps);
    // W is [C, O/G, K...]; the grouped forward convolution takes
    // W'[g * O/G + o, c, k...] = W[g * C/G + c, o, K-1-k...], [O, C/G, K...].
    int64_t groups = op.getGroups();
    int64_t outPerGroup = wt.getDimSize(1),
            inPerGroup = wt.getDimSize(0) / groups;
    SmallVector<int64_t> flippedShape = {outPerGroup * groups, inPerGroup};
    flippedShape.append(wt.getShape().begin() + 2, wt.getShape().end());
    Value weight = adaptor.getWeight();
    Value flipped = buildIndexed(
        b, loc, RankedTensorType::get(flippedShape, et), {}, {},
        [&](OpBuilder &nb, Location nloc, ArrayRef<Value> idx, ValueRange) {
          Value perGroup = indexConst(nb, nloc, outPerGroup);
          Value group = arith::DivUIOp::create(nb, nloc, idx[0], perGroup);
          Value channel = arith::AddIOp::create(
              nb, nloc,
              arith::MulIOp::create(nb, nloc, group,
                                    indexConst(nb, nloc, inPerGroup)),
              idx[1]);
          SmallVector<Value> src = {
              channel, arith::RemUIOp::create(nb, nloc, idx[0], perGroup)};
          for (int64_t i = 0; i < nsp; ++i)
            src.push_back(arith::SubIOp::create(
                nb, nloc, indexConst(nb, nloc, wt.getDimSize(2 + i) - 1),
                idx[2 + i]));
          return Value(tensor::ExtractOp::create(nb, nloc, weight, src));
        });
    SmallVector<int64_t> fullShape = {resultType.getDimSize(0),
                                      resultType.getDimSize(1)};
    for (int64_t i = 0; i < nsp; ++i)
      fullShape.push_back(bufShape[2 + i] -
                          dil[i] * (wt.getDimSize(2 + i) - 1));
    SmallVector<int64_t> ones(nsp, 1);
    Value full =
        convolve(b, loc, dilated, flipped, RankedTensorType::get(fullShape, et),
                 ones, dil, groups);
    SmallVector<OpFoldResult> outSizes,
        unit(resultType.getRank(), b.getIndexAttr(1));
    for (int64_t d : resultType.getShape())
      outSizes.push_back(b.getIndexAttr(d));
    Value r = tensor::ExtractSliceOp::create(b, loc, resultType, full,
                                             cropOffsets, outSizes, unit);
    if (Value bias = adaptor.getBias())
      r = addChannelBias(b, loc, r, bias);
    rewriter.replaceOp(op, r);
    return success();
  }
};

//===--- pool -------------------------------------------------------------===//

struct PoolLowering : OpConversionPattern<PoolOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(PoolOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    MLIRContext *ctx = b.getContext();
    auto resultType = signlessTensor(op.getType());
    auto it = cast<RankedTensorType>(adaptor.getInput().getType());
    Type orig = getElementTypeOrSelf(op.getInput().getType());
    bool isUnsigned = isUnsignedLike(orig);
    Type et = resultType.getElementType();
    int64_t rank = it.getRank(), nsp = rank - 2;
    ArrayRef<int64_t> kernel = op.getKernel(), strides = op.getStrides(),
                      pads = op.getPads(), dil = op.getDilations();
    bool isMax = op.getKind() == PoolKind::max;

    // The end padding also covers windows that ceil_mode lets hang over.
    SmallVector<int64_t> low = {0, 0}, high = {0, 0};
    for (int64_t i = 0; i < nsp; ++i) {
      int64_t out = resultType.getDimSize(2 + i);
      int64_t need = (out - 1) * strides[i] + dil[i] * (kernel[i] - 1) + 1 -
                     it.getDimSize(2 + i) - pads[i];
      low.push_back(pads[i]);
      high.push_back(std::max(pads[nsp + i], need));
    }
    Value identity =
        isMax ? lowestValue(b, loc, et, isUnsigned) : numConst(b, loc, et, 0);
    Value input = padConstant(b, loc, adaptor.getInput(), low, high, identity);
    Value init = filledTensor(b, loc, resultType.getShape(), identity);
    Value window = emptyTensor(b, loc, kernel, et);
    SmallVector<Type, 1> types = {init.getType()};
    Value pooled;
    if (nsp == 2 && isMax && !isUnsigned) {
      pooled = linalg::PoolingNchwMaxOp::create(
                   b, loc, types, ValueRange{input, window}, ValueRange{init},
                   i64Tensor(b, strides), i64Tensor(b, dil))
                   .getResult(0);
    } else if (nsp == 2 && !isMax) {
      pooled = linalg::PoolingNchwSumOp::create(
                   b, loc, types, ValueRange{input, window}, ValueRange{init},
                   i64Tensor(b, strides), i64Tensor(b, dil))
                   .getResult(0);
    } else {
      // Loop dims: n, c, output spatial dims, then the window dims.
      unsigned numLoops = 2 + 2 * nsp;
      SmallVector<AffineExpr> inExprs = {getAffineDimExpr(0, ctx),
                                         getAffineDimExpr(1, ctx)};
      SmallVector<AffineExpr> winExprs, outExprs(inExprs);
      for (int64_t i = 0; i < nsp; ++i) {
        AffineExpr o = getAffineDimExpr(2 + i, ctx),
                   k = getAffineDimExpr(2 + nsp + i, ctx);
        inExprs.push_back(o * strides[i] + k * dil[i]);
        winExprs.push_back(k);
        outExprs.push_back(o);
      }
      SmallVector<utils::IteratorType> iterators = parallelIterators(2 + nsp);
      iterators.append(nsp, utils::IteratorType::reduction);
      pooled = buildGeneric(
          b, loc, {input, window}, init,
          {AffineMap::get(numLoops, 0, inExprs, ctx),
           AffineMap::get(numLoops, 0, winExprs, ctx),
           AffineMap::get(numLoops, 0, outExprs, ctx)},
          iterators, [&](OpBuilder &nb, Location nloc, ValueRange a) {
            Value r = isMax ? maxScalar(nb, nloc, a[2], a[0], isUnsigned)
                            : addScalar(nb, nloc, a[2], a[0]);
            return SmallVector<Value>{r};
          })[0];
    }
    if (isMax) {
      rewriter.replaceOp(op, pooled);
      return success();
    }

    // Average: divide by the number of counted positions of each window.
    SmallVector<int64_t> outSpatial(resultType.getShape().drop_front(2));
    SmallVector<SmallVector<int64_t>> perDim(nsp);
    for (int64_t i = 0; i < nsp; ++i) {
      int64_t size = it.getDimSize(2 + i);
      int64_t lo = op.getCountIncludePad() ? -pads[i] : 0;
      int64_t hi = op.getCountIncludePad() ? size + pads[nsp + i] : size;
      for (int64_t o = 0; o < outSpatial[i]; ++o) {
        int64_t count = 0;
        for (int64_t k = 0; k < kernel[i]; ++k) {
          int64_t p = o * strides[i] - pads[i] + k * dil[i];
          count += (p >= lo && p < hi);
        }
        perDim[i].push_back(std::max<int64_t>(count, 1));
      }
    }
    SmallVector<APFloat> counts;
    auto ft = cast<FloatType>(et);
    int64_t total = product(outSpatial);
    for (int64_t linear = 0; linear < total; ++linear) {
      int64_t rest = linear, count = 1;
      for (int64_t i = nsp - 1; i >= 0; --i) {
        count *= perDim[i][rest % outSpatial[i]];
        rest /= outSpatial[i];
      }
      APFloat v(static_cast<double>(count));
      bool lost;
      v.convert(ft.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
      counts.push_back(v);
    }
    Value table = arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(RankedTensorType::get(outSpatial, et), counts));
    AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
    Value avg = buildGeneric(
        b, loc, {pooled, table}, emptyTensor(b, loc, resultType.getShape(), et),
        {id, dropDimsMap(ctx, rank, {0, 1}), id}, parallelIterators(rank),
        [](OpBuilder &nb, Location nloc, ValueRange a) {
          return SmallVector<Value>{
              arith::DivFOp::create(nb, nloc, a[0], a[1])};
        })[0];
    rewriter.replaceOp(op, avg);
    return success();
  }
};
} // namespace

LogicalResult lowering::checkContractionSupported(Operation *op) {
  if (auto mm = dyn_cast<MatMulOp>(op)) {
    Type et = getElementTypeOrSelf(mm.getType());
    if (!isa<FloatType>(et) && !et.isInteger(32))
      return mm.emitError(
          "matmul lowering supports float or 8-bit integer operands");
    return success();
  }
  return success();
}

void lowering::populateContractionPatterns(TypeConverter &converter,
                                           RewritePatternSet &patterns) {
  patterns
      .add<MatMulLowering, ConvLowering, ConvTransposeLowering, PoolLowering>(
          converter, patterns.getContext());
}
