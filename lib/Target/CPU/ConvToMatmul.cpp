//===- ConvToMatmul.cpp - NCHW convolutions as matrix products ------------===//
//
// A 2-D convolution in NCHW/FCHW layout is, per image, the product
//   out[F, OH*OW] = W[F, C*KH*KW] x col[C*KH*KW, OH*OW]
// where `col` gathers the input window of every output pixel (im2col). The
// gather costs one pass over a buffer KH*KW times the input's size; in
// exchange the convolution runs on the tiled and vectorized matrix product
// (TileAndVectorizeContractions.cpp) instead of a seven-deep loop nest. A
// 1x1 unit-stride kernel needs no gather: the input already is `col`.
//
// A 1x1 convolution of a 1x1 map (a squeeze-excitation's two layers) is a
// matrix-vector product per image, whose product above would have one
// column: each output a dot product along a weight row, a chain of
// dependent FMAs and a horizontal sum. It is computed transposed instead,
//   out[N, F] = in[N, C] x W^T[C, F]
// (the same bytes as [N, F, 1, 1]), with the weight transposed at compile
// time: a product of few rows whose weight streams from column panels
// (WeightPanels.h), F outputs a vector, as a MatMul's.
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CPU/Passes.h"

#include "ContractionTiles.h"
#include "ConvEpilogue.h"
#include "WeightPanels.h"

#include "../PermutedConstant.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMCONVTOMATMUL
#include "autoglm/Target/CPU/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;

namespace {
/// The f32 filter `filter` (F x C x KH x KW, `k` = C*KH*KW) as the
/// product's A, [F, K], read from a copy whose rows have kWeightRowPadBytes
/// of zeros after them, where it is a constant whose rows lie a multiple of
/// kAliasedWeightRowBytes apart (ContractionTiles.h); null, changing
/// nothing, otherwise. A register tile broadcasts one element of each of
/// its rows (8 on AVX-512) a step, and its K loop prefetches the next
/// tile's rows (TileAndVectorizeContractions.cpp, prefetchWeightRows): rows
/// 4 KiB apart put those 16 lines into one set of the L1 cache (12 ways on
/// the Intel Xeon, 8 on AMD's Zen), where they evict each other, and rows
/// 1 KiB apart into four. On the Xeon 1x1 convolutions of 256 to 2048 input
/// channels took 0.94-0.98x the time so (docs/decisions.md).
Value paddedFilter(RewriterBase &rewriter, Location loc, Value filter,
                   int64_t f, int64_t k) {
  if (f < 2 || k * 4 % autoglm::kAliasedWeightRowBytes != 0)
    return {};
  Value padded = autoglm::rearrangeWeight(rewriter, filter, [](Attribute w) {
    return autoglm::padConstantRows(w, autoglm::kWeightRowPadBytes / 4,
                                    "padded_filter");
  });
  if (!padded)
    return {};
  return autoglm::leadingSlice(
      rewriter, loc, padded,
      RankedTensorType::get({f, k}, rewriter.getF32Type()));
}

/// Rewrites one convolution; failure (and no change) where it does not apply.
LogicalResult convToMatmul(RewriterBase &rewriter,
                           linalg::Conv2DNchwFchwOp conv) {
  if (!conv.hasPureTensorSemantics())
    return failure();
  auto inType = cast<RankedTensorType>(conv.getInputs()[0].getType());
  auto wType = cast<RankedTensorType>(conv.getInputs()[1].getType());
  auto outType = cast<RankedTensorType>(conv.getOutputs()[0].getType());
  // Floats only: integer convolutions keep their exact loop nest. The
  // operands are of one type, the result of it or, for 16-bit operands
  // (--precision=fp16/bf16), f32: the product then accumulates in f32 on
  // the 16-bit product kernel (Widen16BitProducts.cpp).
  Type et = inType.getElementType(), acc = outType.getElementType();
  if (!inType.hasStaticShape() || !wType.hasStaticShape() ||
      !outType.hasStaticShape() || !isa<FloatType>(acc) ||
      wType.getElementType() != et ||
      (et != acc && !(acc.isF32() && (et.isF16() || et.isBF16()))))
    return failure();

  Location loc = conv.getLoc();
  MLIRContext *ctx = rewriter.getContext();
  int64_t n = inType.getDimSize(0), c = inType.getDimSize(1);
  int64_t f = wType.getDimSize(0), kh = wType.getDimSize(2),
          kw = wType.getDimSize(3);
  int64_t oh = outType.getDimSize(2), ow = outType.getDimSize(3);
  SmallVector<int64_t> strides(conv.getStrides().getValues<int64_t>());
  SmallVector<int64_t> dilations(conv.getDilations().getValues<int64_t>());
  int64_t k = c * kh * kw, p = oh * ow;
  Value input = conv.getInputs()[0];
  rewriter.setInsertionPoint(conv);

  // col[n, c, kh, kw, oh, ow] = in[n, c, oh*sh + kh*dh, ow*sw + kw*dw], with
  // `ow` innermost so the copy is contiguous (unit stride) on both sides.
  Value col;
  if (kh == 1 && kw == 1 && strides[0] == 1 && strides[1] == 1 &&
      inType.getDimSize(2) == oh && inType.getDimSize(3) == ow) {
    col = input;
  } else {
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    AffineMap inMap =
        AffineMap::get(6, 0,
                       {d(0), d(1), d(4) * strides[0] + d(2) * dilations[0],
                        d(5) * strides[1] + d(3) * dilations[1]},
                       ctx);
    Value empty = tensor::EmptyOp::create(
        rewriter, loc, ArrayRef<int64_t>{n, c, kh, kw, oh, ow}, et);
    col =
        linalg::GenericOp::create(
            rewriter, loc, empty.getType(), ValueRange{input},
            ValueRange{empty},
            ArrayRef<AffineMap>{inMap,
                                AffineMap::getMultiDimIdentityMap(6, ctx)},
            SmallVector<utils::IteratorType>(6, utils::IteratorType::parallel),
            [](OpBuilder &b, Location nested, ValueRange args) {
              linalg::YieldOp::create(b, nested, args[0]);
            })
            .getResult(0);
  }

  auto collapse = [&](Value v, ArrayRef<int64_t> shape,
                      ArrayRef<ReassociationIndices> groups) -> Value {
    return tensor::CollapseShapeOp::create(
        rewriter, loc,
        RankedTensorType::get(shape, getElementTypeOrSelf(v.getType())), v,
        groups);
  };
  int64_t colRank = cast<RankedTensorType>(col.getType()).getRank();
  // col is [N, C, H, W] (1x1) or [N, C, KH, KW, OH, OW]: K is all but the
  // batch and the two spatial dims, P the two spatial dims.
  ReassociationIndices colK, colP = {colRank - 2, colRank - 1};
  for (int64_t i = 1; i < colRank - 2; ++i)
    colK.push_back(i);
  Value init = conv.getOutputs()[0];
  // The product's accumulator: a zero fill is made in the product's shape
  // (rather than as a view of the 4-D one) so that the matmul tiling sees
  // "fill, matmul" on one buffer and fills it block by block.
  auto initAs = [&](ArrayRef<int64_t> shape,
                    ArrayRef<ReassociationIndices> groups) {
    auto fill = init.getDefiningOp<linalg::FillOp>();
    if (fill && fill.getOutputs()[0].getDefiningOp<tensor::EmptyOp>()) {
      Value empty = tensor::EmptyOp::create(rewriter, loc, shape, acc);
      return linalg::FillOp::create(rewriter, loc, fill.getInputs()[0], empty)
          .getResult(0);
    }
    return collapse(init, shape, groups);
  };
  Value product;

  Value result;
  Value transposed;
  if (kh == 1 && kw == 1 && oh == 1 && ow == 1 && inType.getDimSize(2) == 1 &&
      inType.getDimSize(3) == 1 && et.isF32() && acc.isF32())
    transposed = autoglm::rearrangeWeight(
        rewriter, conv.getInputs()[1], [](Attribute w) {
          return autoglm::permuteConstant(w, {1, 0, 2, 3}, "transposed_filter");
        });
  // The filter as the product's A, [F, C*KH*KW] (not where it went
  // transposed: the region's argument has its new type by now).
  Value weight;
  if (!transposed && et.isF32() && acc.isF32())
    weight = paddedFilter(rewriter, loc, conv.getInputs()[1], f, k);
  if (!transposed && !weight)
    weight = collapse(conv.getInputs()[1], {f, k}, {{0}, {1, 2, 3}});
  if (transposed) {
    // One pixel an image: the images are the product's rows.
    Value rows = collapse(input, {n, c}, {{0}, {1, 2, 3}});
    Value weightT = collapse(transposed, {c, f}, {{0}, {1, 2, 3}});
    Value init2 = initAs({n, f}, {{0}, {1, 2, 3}});
    product =
        linalg::MatmulOp::create(rewriter, loc, TypeRange{init2.getType()},
                                 ValueRange{rows, weightT}, ValueRange{init2})
            .getResult(0);
    result = tensor::ExpandShapeOp::create(
        rewriter, loc, outType, product,
        ArrayRef<ReassociationIndices>{{0}, {1, 2, 3}});
  } else if (n == 1) {
    // One image: a plain matrix product; the batch dim folds away.
    ReassociationIndices colK1 = {0};
    colK1.append(colK.begin(), colK.end());
    Value col2 = collapse(col, {k, p}, {colK1, colP});
    Value init2 = initAs({f, p}, {{0, 1}, {2, 3}});
    Value mm =
        linalg::MatmulOp::create(rewriter, loc, TypeRange{init2.getType()},
                                 ValueRange{weight, col2}, ValueRange{init2})
            .getResult(0);
    product = mm;
    result = tensor::ExpandShapeOp::create(
        rewriter, loc, outType, mm,
        ArrayRef<ReassociationIndices>{{0, 1}, {2, 3}});
  } else {
    // Several images: the (small) weight matrix is broadcast along the batch.
    Value col3 = collapse(col, {n, k, p}, {{0}, colK, colP});
    Value init3 = initAs({n, f, p}, {{0}, {1}, {2, 3}});
    Value wEmpty =
        tensor::EmptyOp::create(rewriter, loc, ArrayRef<int64_t>{n, f, k}, et);
    Value wBatch = linalg::BroadcastOp::create(rewriter, loc, weight, wEmpty,
                                               ArrayRef<int64_t>{0})
                       .getResult()[0];
    Value mm = linalg::BatchMatmulOp::create(
                   rewriter, loc, TypeRange{init3.getType()},
                   ValueRange{wBatch, col3}, ValueRange{init3})
                   .getResult(0);
    product = mm;
    result = tensor::ExpandShapeOp::create(
        rewriter, loc, outType, mm,
        ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}});
  }
  auto oldFill = init.getDefiningOp<linalg::FillOp>();
  auto oldFilter = conv.getInputs()[1].getDefiningOp<arith::ConstantOp>();
  rewriter.replaceOp(conv, result);
  // A fill replaced by one in the product's shape would still run (nothing
  // between here and bufferization removes dead ops), and a filter
  // rearranged into a new constant would be stored twice.
  if (oldFill && oldFill->use_empty())
    rewriter.eraseOp(oldFill);
  if (oldFilter && oldFilter->use_empty())
    rewriter.eraseOp(oldFilter);
  // The tail of a fused convolution works on the product, in its blocks.
  autoglm::moveTailOntoProduct(
      rewriter, result, product,
      transposed ? autoglm::ProductShape::ImagesByChannels
      : n == 1   ? autoglm::ProductShape::ChannelsByPixels
                 : autoglm::ProductShape::Batched);
  return success();
}

struct ConvToMatmulPass
    : public autoglm::impl::AutoGLMConvToMatmulBase<ConvToMatmulPass> {
  void runOnOperation() override {
    SmallVector<linalg::Conv2DNchwFchwOp> convs;
    getOperation().walk(
        [&](linalg::Conv2DNchwFchwOp conv) { convs.push_back(conv); });
    IRRewriter rewriter(&getContext());
    for (linalg::Conv2DNchwFchwOp conv : convs)
      (void)convToMatmul(rewriter, conv);
  }
};
} // namespace
