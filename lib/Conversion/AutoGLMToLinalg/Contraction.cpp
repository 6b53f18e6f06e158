//===- Contraction.cpp - matmul, conv, conv_transpose, pool to linalg -----===//
//
// matmul: linalg.matmul (rank 2, or batched lhs times a 2-D rhs, folded into
//   the rows) or linalg.batch_matmul after materializing broadcast batch dims;
//   8-bit integers are widened to i32 first (signed or unsigned), float8
//   operands to f32, the left one times the op's scale (Conversion/Float8.h).
// conv: tensor.pad for the padding, then linalg.conv_{1d_ncw_fcw,
//   2d_nchw_fchw,3d_ncdhw_fcdhw} (groups = 1),
//   linalg.depthwise_conv_2d_nchw_chw (groups = channels = outputs), otherwise
//   a grouped-convolution generic; the bias is one more generic.
// conv_transpose: a matrix product per image and group of the transposed
//   weight [O/G * K..., C/G] with the input [C/G, H*W] (every input pixel
//   times every kernel tap), then an overlap-add (col2im): one strided
//   slice of the bias-initialized output per kernel tap, cropped by the
//   padding. Dilating the input by the stride and convolving instead would
//   multiply (stride^2 - 1) zeros for every input pixel.
// pool: padding with the max identity (or zeros for avg, plus the ceil_mode
//   overhang), linalg.pooling_nchw_{max,sum} for 2-D (a window generic
//   otherwise); average pooling divides by a compile-time table of window
//   counts (with or without the padding, never counting the ceil overhang).
//
//===----------------------------------------------------------------------===//

#include "Common.h"
#include "Float8.h"

#include "autoglm/Conversion/Float8.h"

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
    // --precision=fp8: the operands' bits widened to f32, the left one
    // times the scale (include/autoglm/Conversion/Float8.h), after
    // any fold of the rows, so that the widening is what the product reads.
    Type float8 = op.getLhs().getType().getElementType();
    auto widenFloat8 = [&](Value bits, double scale) -> Value {
      if (!float8Format(float8))
        return bits;
      auto t = cast<RankedTensorType>(bits.getType());
      Value wide = buildElementwise(
          b, loc, RankedTensorType::get(t.getShape(), acc), bits,
          [&](OpBuilder &nb, Location nloc, ValueRange a) {
            Value v = castScalar(nb, nloc, a[0], float8, acc);
            return scale == 1.0
                       ? v
                       : mulScalar(nb, nloc, v, numConst(nb, nloc, acc, scale));
          });
      wide.getDefiningOp()->setAttr(
          kFloat8WideningAttrName,
          b.getDictionaryAttr(
              {b.getNamedAttr("type", TypeAttr::get(float8)),
               b.getNamedAttr("scale", b.getF32FloatAttr(scale))}));
      return wide;
    };
    double scale = op.getScale() ? op.getScale()->convertToDouble() : 1.0;
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
      Value lhs2 = widenFloat8(reshapeTo(b, loc, lhs, {rows, k}), scale);
      Value init = filledTensor(b, loc, {rows, n}, zero);
      Value mm = linalg::MatmulOp::create(
                     b, loc, TypeRange{init.getType()},
                     ValueRange{lhs2, widenFloat8(rhs, 1.0)}, ValueRange{init})
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
    Value lhs3 = widenFloat8(materialize(lhs, m, k), scale);
    Value rhs3 = widenFloat8(materialize(rhs, k, n), 1.0);
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
    MLIRContext *ctx = b.getContext();
    auto resultType = signlessTensor(op.getType());
    Type et = resultType.getElementType();
    auto it = cast<RankedTensorType>(adaptor.getInput().getType());
    auto wt = cast<RankedTensorType>(adaptor.getWeight().getType());
    int64_t nsp = it.getRank() - 2;
    ArrayRef<int64_t> strides = op.getStrides(), pads = op.getPads(),
                      dil = op.getDilations();
    int64_t n = it.getDimSize(0), groups = op.getGroups();
    int64_t cg = it.getDimSize(1) / groups, og = wt.getDimSize(1);
    int64_t outputs = groups * og;
    ArrayRef<int64_t> inSpatial = it.getShape().drop_front(2),
                      kernel = wt.getShape().drop_front(2);
    int64_t spatial = product(inSpatial), taps = product(kernel);
    Value zero = numConst(b, loc, et, 0);

    // 1. The product: every input pixel times every kernel tap,
    //    col[n, g, o, k..., s...] = sum_c W[g, c, o, k...] * X[n, g, c, s...],
    //    a matrix product per image and group with the weight transposed,
    //    A = W^T [O/G * K, C/G] and B = X [C/G, H*W].
    Value w3 = reshapeTo(b, loc, adaptor.getWeight(), {groups, cg, og * taps});
    Value wT = linalg::TransposeOp::create(
                   b, loc, w3, emptyTensor(b, loc, {groups, og * taps, cg}, et),
                   ArrayRef<int64_t>{0, 2, 1})
                   .getResult()[0];
    Value x = reshapeTo(b, loc, adaptor.getInput(), {n * groups, cg, spatial});
    Value col;
    if (n * groups == 1) {
      Value init = filledTensor(b, loc, {og * taps, spatial}, zero);
      col = linalg::MatmulOp::create(
                b, loc, TypeRange{init.getType()},
                ValueRange{reshapeTo(b, loc, wT, {og * taps, cg}),
                           reshapeTo(b, loc, x, {cg, spatial})},
                ValueRange{init})
                .getResult(0);
    } else {
      Value a = wT;
      if (n > 1) // the weight broadcast along the batch, as for Conv
        a = reshapeTo(b, loc,
                      linalg::BroadcastOp::create(
                          b, loc, wT,
                          emptyTensor(b, loc, {n, groups, og * taps, cg}, et),
                          ArrayRef<int64_t>{0})
                          .getResult()[0],
                      {n * groups, og * taps, cg});
      Value init = filledTensor(b, loc, {n * groups, og * taps, spatial}, zero);
      col = linalg::BatchMatmulOp::create(b, loc, TypeRange{init.getType()},
                                          ValueRange{a, x}, ValueRange{init})
                .getResult(0);
    }
    SmallVector<int64_t> colShape = {n, groups, og};
    colShape.append(kernel.begin(), kernel.end());
    colShape.append(inSpatial.begin(), inSpatial.end());
    col = reshapeTo(b, loc, col, colShape);
    colShape.erase(colShape.begin() + 1);
    colShape[1] = outputs;
    col = reshapeTo(b, loc, col, colShape); // [N, O, K..., S...]

    // 2. Overlap-add (col2im): tap k of input pixel s lands on output pixel
    //    s * stride + k * dilation - pad_begin. The sums go into an uncropped
    //    buffer starting with the bias (each output pixel gets it once), one
    //    strided slice per tap; the padding is cropped afterwards.
    SmallVector<int64_t> fullShape = {n, outputs};
    for (int64_t i = 0; i < nsp; ++i)
      fullShape.push_back(std::max((inSpatial[i] - 1) * strides[i] +
                                       dil[i] * (kernel[i] - 1) + 1,
                                   pads[i] + resultType.getDimSize(2 + i)));
    Value full;
    if (Value bias = adaptor.getBias()) {
      unsigned rank = fullShape.size();
      AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
      full = buildGeneric(
          b, loc, {bias}, emptyTensor(b, loc, fullShape, et),
          {AffineMap::get(rank, 0, getAffineDimExpr(1, ctx)), id},
          parallelIterators(rank), [](OpBuilder &, Location, ValueRange a) {
            return SmallVector<Value>{a[0]};
          })[0];
    } else {
      full = filledTensor(b, loc, fullShape, zero);
    }
    SmallVector<int64_t> sliceShape = {n, outputs};
    sliceShape.append(inSpatial.begin(), inSpatial.end());
    auto sliceType = RankedTensorType::get(sliceShape, et);
    unsigned sliceRank = sliceShape.size();
    AffineMap id = AffineMap::getMultiDimIdentityMap(sliceRank, ctx);
    SmallVector<OpFoldResult> sliceSizes, outSteps(2, b.getIndexAttr(1));
    for (int64_t d : sliceShape)
      sliceSizes.push_back(b.getIndexAttr(d));
    for (int64_t i = 0; i < nsp; ++i)
      outSteps.push_back(b.getIndexAttr(strides[i]));
    SmallVector<OpFoldResult> colSizes(sliceSizes.begin(),
                                       sliceSizes.begin() + 2);
    colSizes.append(nsp, b.getIndexAttr(1));
    colSizes.append(sliceSizes.begin() + 2, sliceSizes.end());
    SmallVector<OpFoldResult> colSteps(colShape.size(), b.getIndexAttr(1));
    for (int64_t tap = 0; tap < taps; ++tap) {
      SmallVector<int64_t> k(nsp);
      for (int64_t i = nsp - 1, rest = tap; i >= 0; --i) {
        k[i] = rest % kernel[i];
        rest /= kernel[i];
      }
      SmallVector<OpFoldResult> colOffsets(colShape.size(), b.getIndexAttr(0)),
          outOffsets(2, b.getIndexAttr(0));
      for (int64_t i = 0; i < nsp; ++i) {
        colOffsets[2 + i] = b.getIndexAttr(k[i]);
        outOffsets.push_back(b.getIndexAttr(k[i] * dil[i]));
      }
      Value contribution = tensor::ExtractSliceOp::create(
          b, loc, sliceType, col, colOffsets, colSizes, colSteps);
      Value target = tensor::ExtractSliceOp::create(
          b, loc, sliceType, full, outOffsets, sliceSizes, outSteps);
      Value sum =
          buildGeneric(b, loc, {contribution}, target, {id, id},
                       parallelIterators(sliceRank),
                       [](OpBuilder &nb, Location nloc, ValueRange a) {
                         return SmallVector<Value>{
                             arith::AddFOp::create(nb, nloc, a[1], a[0])};
                       })[0];
      full = tensor::InsertSliceOp::create(b, loc, sum, full, outOffsets,
                                           sliceSizes, outSteps);
    }
    SmallVector<OpFoldResult> cropOffsets(2, b.getIndexAttr(0)), outSizes,
        unit(resultType.getRank(), b.getIndexAttr(1));
    for (int64_t i = 0; i < nsp; ++i)
      cropOffsets.push_back(b.getIndexAttr(pads[i]));
    for (int64_t d : resultType.getShape())
      outSizes.push_back(b.getIndexAttr(d));
    Value r = tensor::ExtractSliceOp::create(b, loc, resultType, full,
                                             cropOffsets, outSizes, unit);
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
