//===- DataMovement.cpp - shape and layout ops to tensor / linalg ---------===//
//
// constant, shape_of: arith.constant (uiN payloads re-typed to iN, resources
//   kept as resources). fill: linalg.fill. range, trilu: index generics.
// reshape: collapse_shape / expand_shape. transpose: linalg.transpose.
// concat / split / slice (positive steps): tensor.insert_slice /
//   extract_slice; negative steps: a gather generic.
// gather / gather_elements: generics that tensor.extract at the (negative-
//   index-corrected) position. pad: tensor.pad for constant mode (negative
//   pads crop first), a gather generic for reflect / edge / wrap.
// expand: broadcasting copy; tile: a generic reading `i mod size`.
// resize: nearest and (multi)linear, as gather generics computing the ONNX
//   source coordinate. topk: ranks by counting (buildRanks), then a generic
//   that picks the element of each rank; O(n^2) along the axis.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <cmath>

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::lowering;

namespace {

/// `attr` with its element type made signless (ui8 payloads are i8 bits).
ElementsAttr signlessAttr(ElementsAttr attr) {
  auto type = cast<RankedTensorType>(attr.getType());
  RankedTensorType newType = signlessTensor(type);
  if (newType == type)
    return attr;
  if (auto dense = dyn_cast<DenseElementsAttr>(attr))
    return dense.bitcast(newType.getElementType());
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr))
    return DenseResourceElementsAttr::get(newType, resource.getRawHandle());
  return {};
}

struct ConstantLowering : OpConversionPattern<ConstantOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ConstantOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ElementsAttr value = signlessAttr(op.getValue());
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, cast<TypedAttr>(value));
    return success();
  }
};

struct ShapeOfLowering : OpConversionPattern<ShapeOfOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ShapeOfOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto t = cast<RankedTensorType>(op.getInput().getType());
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(
        op, DenseIntElementsAttr::get(cast<RankedTensorType>(op.getType()), t.getShape()));
    return success();
  }
};

struct FillLowering : OpConversionPattern<FillOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(FillOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto rt = signlessTensor(op.getType());
    Type et = rt.getElementType();
    TypedAttr value = cast<TypedAttr>(op.getValue());
    if (auto i = dyn_cast<IntegerAttr>(value))
      value = IntegerAttr::get(et, i.getValue());
    else if (auto f = dyn_cast<FloatAttr>(value); f && f.getType() != et)
      value = FloatAttr::get(et, f.getValueAsDouble());
    Value scalar = arith::ConstantOp::create(rewriter, op.getLoc(), value);
    rewriter.replaceOp(op, filledTensor(rewriter, op.getLoc(), rt.getShape(), scalar));
    return success();
  }
};

struct RangeLowering : OpConversionPattern<RangeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(RangeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto rt = signlessTensor(op.getType());
    Type et = rt.getElementType();
    Value start = tensor::ExtractOp::create(rewriter, loc, adaptor.getStart(), ValueRange{});
    Value delta = tensor::ExtractOp::create(rewriter, loc, adaptor.getDelta(), ValueRange{});
    Value r = buildIndexed(rewriter, loc, rt, {}, {},
                           [&](OpBuilder &b, Location l, ArrayRef<Value> idx, ValueRange) {
                             Value i = arith::IndexCastOp::create(b, l, b.getI64Type(), idx[0]);
                             Value v = castScalar(b, l, i, b.getI64Type(), et);
                             return addScalar(b, l, start, mulScalar(b, l, v, delta));
                           });
    rewriter.replaceOp(op, r);
    return success();
  }
};

struct TriluLowering : OpConversionPattern<TriluOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(TriluOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto rt = signlessTensor(op.getType());
    unsigned rank = rt.getRank();
    int64_t diagonal = op.getDiagonal();
    bool upper = op.getUpper();
    Value r = buildIndexed(
        rewriter, loc, rt, adaptor.getInput(),
        {AffineMap::getMultiDimIdentityMap(rank, rewriter.getContext())},
        [&](OpBuilder &b, Location l, ArrayRef<Value> idx, ValueRange a) {
          // keep where j - i >= diagonal (upper) or j - i <= diagonal (lower)
          Value i = arith::IndexCastOp::create(b, l, b.getI64Type(), idx[rank - 2]);
          Value j = arith::IndexCastOp::create(b, l, b.getI64Type(), idx[rank - 1]);
          Value d = arith::SubIOp::create(b, l, j, i);
          Value keep = arith::CmpIOp::create(
              b, l, upper ? arith::CmpIPredicate::sge : arith::CmpIPredicate::sle, d,
              intConst(b, l, b.getI64Type(), diagonal));
          return Value(arith::SelectOp::create(b, l, keep, a[0],
                                               numConst(b, l, rt.getElementType(), 0)));
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};

struct ReshapeLowering : OpConversionPattern<ReshapeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ReshapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, reshapeTo(rewriter, op.getLoc(), adaptor.getInput(),
                                     signlessTensor(op.getType()).getShape()));
    return success();
  }
};

struct TransposeLowering : OpConversionPattern<TransposeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(TransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto rt = signlessTensor(op.getType());
    Value init = emptyTensor(rewriter, op.getLoc(), rt.getShape(), rt.getElementType());
    rewriter.replaceOp(op, linalg::TransposeOp::create(rewriter, op.getLoc(),
                                                       adaptor.getInput(), init,
                                                       op.getPermutation())
                               .getResult()[0]);
    return success();
  }
};

SmallVector<OpFoldResult> indexAttrs(OpBuilder &b, ArrayRef<int64_t> xs) {
  SmallVector<OpFoldResult> r;
  for (int64_t x : xs)
    r.push_back(b.getIndexAttr(x));
  return r;
}

struct ConcatLowering : OpConversionPattern<ConcatOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ConcatOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto rt = signlessTensor(op.getType());
    int64_t axis = op.getAxis();
    Value r = emptyTensor(rewriter, loc, rt.getShape(), rt.getElementType());
    SmallVector<int64_t> offsets(rt.getRank(), 0), ones(rt.getRank(), 1);
    for (Value in : adaptor.getInputs()) {
      auto t = cast<RankedTensorType>(in.getType());
      r = tensor::InsertSliceOp::create(rewriter, loc, in, r, indexAttrs(rewriter, offsets),
                                        indexAttrs(rewriter, t.getShape()),
                                        indexAttrs(rewriter, ones));
      offsets[axis] += t.getDimSize(axis);
    }
    rewriter.replaceOp(op, r);
    return success();
  }
};

struct SplitLowering : OpConversionPattern<SplitOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(SplitOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    int64_t axis = op.getAxis();
    auto it = cast<RankedTensorType>(adaptor.getInput().getType());
    SmallVector<int64_t> offsets(it.getRank(), 0), ones(it.getRank(), 1);
    SmallVector<Value> results;
    for (Value res : op.getResults()) {
      auto t = signlessTensor(res.getType());
      results.push_back(tensor::ExtractSliceOp::create(
          rewriter, loc, t, adaptor.getInput(), indexAttrs(rewriter, offsets),
          indexAttrs(rewriter, t.getShape()), indexAttrs(rewriter, ones)));
      offsets[axis] += t.getDimSize(axis);
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

struct SliceLowering : OpConversionPattern<SliceOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(SliceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto rt = signlessTensor(op.getType());
    ArrayRef<int64_t> starts = op.getStarts(), steps = op.getSteps();
    Value input = adaptor.getInput();
    if (llvm::all_of(steps, [](int64_t s) { return s > 0; })) {
      rewriter.replaceOpWithNewOp<tensor::ExtractSliceOp>(
          op, rt, input, indexAttrs(rewriter, starts), indexAttrs(rewriter, rt.getShape()),
          indexAttrs(rewriter, steps));
      return success();
    }
    // Backward steps: read input[start + i * step] directly.
    Value r = buildIndexed(rewriter, loc, rt, {}, {},
                           [&](OpBuilder &b, Location l, ArrayRef<Value> idx, ValueRange) {
                             SmallVector<Value> src;
                             for (auto [i, x] : llvm::enumerate(idx)) {
                               Value off = arith::MulIOp::create(b, l, x, indexConst(b, l, steps[i]));
                               src.push_back(arith::AddIOp::create(b, l, off, indexConst(b, l, starts[i])));
                             }
                             return Value(tensor::ExtractOp::create(b, l, input, src));
                           });
    rewriter.replaceOp(op, r);
    return success();
  }
};

/// An index read from an i32/i64 element: made `index`, negatives counted
/// from the end of a dimension of `size`.
Value normalizeIndex(OpBuilder &b, Location loc, Value i, int64_t size) {
  Value idx = arith::IndexCastOp::create(b, loc, b.getIndexType(), i);
  Value zero = indexConst(b, loc, 0);
  Value neg = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, idx, zero);
  Value wrapped = arith::AddIOp::create(b, loc, idx, indexConst(b, loc, size));
  return arith::SelectOp::create(b, loc, neg, wrapped, idx);
}

struct GatherLowering : OpConversionPattern<GatherOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(GatherOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    MLIRContext *ctx = rewriter.getContext();
    auto rt = signlessTensor(op.getType());
    auto dt = cast<RankedTensorType>(adaptor.getData().getType());
    auto idxT = cast<RankedTensorType>(adaptor.getIndices().getType());
    int64_t axis = op.getAxis(), ir = idxT.getRank();
    unsigned rank = rt.getRank();
    SmallVector<AffineExpr> idxExprs;
    for (int64_t i = 0; i < ir; ++i)
      idxExprs.push_back(getAffineDimExpr(axis + i, ctx));
    Value data = adaptor.getData();
    Value r = buildIndexed(
        rewriter, op.getLoc(), rt, adaptor.getIndices(),
        {AffineMap::get(rank, 0, idxExprs, ctx)},
        [&](OpBuilder &b, Location l, ArrayRef<Value> idx, ValueRange a) {
          SmallVector<Value> src(idx.take_front(axis));
          src.push_back(normalizeIndex(b, l, a[0], dt.getDimSize(axis)));
          src.append(idx.begin() + axis + ir, idx.end());
          return Value(tensor::ExtractOp::create(b, l, data, src));
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};

struct GatherElementsLowering : OpConversionPattern<GatherElementsOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(GatherElementsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto rt = signlessTensor(op.getType());
    auto dt = cast<RankedTensorType>(adaptor.getData().getType());
    int64_t axis = op.getAxis();
    Value data = adaptor.getData();
    Value r = buildIndexed(
        rewriter, op.getLoc(), rt, adaptor.getIndices(),
        {AffineMap::getMultiDimIdentityMap(rt.getRank(), rewriter.getContext())},
        [&](OpBuilder &b, Location l, ArrayRef<Value> idx, ValueRange a) {
          SmallVector<Value> src(idx);
          src[axis] = normalizeIndex(b, l, a[0], dt.getDimSize(axis));
          return Value(tensor::ExtractOp::create(b, l, data, src));
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};

struct PadLowering : OpConversionPattern<PadOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(PadOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    auto rt = signlessTensor(op.getType());
    Type et = rt.getElementType();
    Value input = adaptor.getInput();
    auto it = cast<RankedTensorType>(input.getType());
    int64_t rank = it.getRank();
    ArrayRef<int64_t> pads = op.getPads();
    if (op.getMode() == PadMode::constant) {
      // Crop the negative pads, then pad the positive ones.
      SmallVector<int64_t> offsets, sizes, low, high, ones(rank, 1);
      for (int64_t i = 0; i < rank; ++i) {
        int64_t lo = pads[i], hi = pads[rank + i];
        offsets.push_back(std::max<int64_t>(-lo, 0));
        sizes.push_back(it.getDimSize(i) - std::max<int64_t>(-lo, 0) -
                        std::max<int64_t>(-hi, 0));
        low.push_back(std::max<int64_t>(lo, 0));
        high.push_back(std::max<int64_t>(hi, 0));
      }
      if (ArrayRef<int64_t>(sizes) != it.getShape())
        input = tensor::ExtractSliceOp::create(b, loc, RankedTensorType::get(sizes, et), input,
                                               indexAttrs(b, offsets), indexAttrs(b, sizes),
                                               indexAttrs(b, ones));
      double v = op.getValue().convertToDouble();
      rewriter.replaceOp(op, padConstant(b, loc, input, low, high, numConst(b, loc, et, v)));
      return success();
    }
    // reflect / edge / wrap: each output position reads a mapped input one.
    PadMode mode = op.getMode();
    Value r = buildIndexed(
        b, loc, rt, {}, {}, [&](OpBuilder &nb, Location l, ArrayRef<Value> idx, ValueRange) {
          SmallVector<Value> src;
          for (int64_t i = 0; i < rank; ++i) {
            int64_t size = it.getDimSize(i);
            Value p = arith::SubIOp::create(nb, l, idx[i], indexConst(nb, l, pads[i]));
            Value zero = indexConst(nb, l, 0), last = indexConst(nb, l, size - 1);
            Value s;
            if (mode == PadMode::edge) {
              s = arith::MaxSIOp::create(nb, l, arith::MinSIOp::create(nb, l, p, last), zero);
            } else if (mode == PadMode::wrap) {
              Value n = indexConst(nb, l, size);
              s = arith::RemSIOp::create(
                  nb, l, arith::AddIOp::create(nb, l, arith::RemSIOp::create(nb, l, p, n), n), n);
            } else {
              // reflect (edge not repeated), periodic with period 2 (size - 1)
              int64_t period = std::max<int64_t>(2 * (size - 1), 1);
              Value per = indexConst(nb, l, period);
              Value m = arith::RemSIOp::create(
                  nb, l, arith::AddIOp::create(nb, l, arith::RemSIOp::create(nb, l, p, per), per),
                  per);
              Value mirrored = arith::SubIOp::create(nb, l, per, m);
              s = arith::MinSIOp::create(nb, l, m, mirrored);
              if (size == 1)
                s = zero;
            }
            src.push_back(s);
          }
          return Value(tensor::ExtractOp::create(nb, l, input, src));
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};

struct ExpandLowering : OpConversionPattern<ExpandOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ExpandOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, buildElementwise(rewriter, op.getLoc(), signlessTensor(op.getType()),
                                            adaptor.getInput(),
                                            [](OpBuilder &, Location, ValueRange a) {
                                              return a[0];
                                            }));
    return success();
  }
};

struct TileLowering : OpConversionPattern<TileOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(TileOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    MLIRContext *ctx = rewriter.getContext();
    auto rt = signlessTensor(op.getType());
    auto it = cast<RankedTensorType>(adaptor.getInput().getType());
    unsigned rank = rt.getRank();
    SmallVector<AffineExpr> exprs;
    for (unsigned i = 0; i < rank; ++i)
      exprs.push_back(getAffineDimExpr(i, ctx) % it.getDimSize(i));
    Value r = buildGeneric(rewriter, op.getLoc(), adaptor.getInput(),
                           emptyTensor(rewriter, op.getLoc(), rt.getShape(), rt.getElementType()),
                           {AffineMap::get(rank, 0, exprs, ctx),
                            AffineMap::getMultiDimIdentityMap(rank, ctx)},
                           parallelIterators(rank),
                           [](OpBuilder &, Location, ValueRange a) {
                             return SmallVector<Value>{a[0]};
                           })[0];
    rewriter.replaceOp(op, r);
    return success();
  }
};

struct ResizeLowering : OpConversionPattern<ResizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ResizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto rt = signlessTensor(op.getType());
    auto it = cast<RankedTensorType>(adaptor.getInput().getType());
    Type et = rt.getElementType();
    Type f32 = rewriter.getF32Type();
    unsigned rank = rt.getRank();
    Value input = adaptor.getInput();
    CoordinateTransform ct = op.getCoordinateTransform();
    NearestRounding rounding = op.getNearestRounding();
    bool linear = op.getMode() == ResizeMode::linear;
    Value r = buildIndexed(
        rewriter, op.getLoc(), rt, {}, {},
        [&](OpBuilder &b, Location l, ArrayRef<Value> idx, ValueRange) {
          // Per resized dim: the source coordinate (f32) and, for linear,
          // the two neighbours and the weight of the upper one.
          SmallVector<Value> lo(idx), hi(idx), weight(rank);
          SmallVector<unsigned> resized;
          for (unsigned i = 0; i < rank; ++i) {
            int64_t in = it.getDimSize(i), out = rt.getDimSize(i);
            if (in == out)
              continue;
            resized.push_back(i);
            double scale = static_cast<double>(out) / static_cast<double>(in);
            Value x = castScalar(b, l, arith::IndexCastOp::create(b, l, b.getI64Type(), idx[i]),
                                 b.getI64Type(), f32);
            auto fc = [&](double v) { return floatConst(b, l, f32, v); };
            Value src;
            switch (ct) {
            case CoordinateTransform::asymmetric:
              src = arith::DivFOp::create(b, l, x, fc(scale));
              break;
            case CoordinateTransform::align_corners:
              src = out == 1 ? fc(0)
                             : Value(arith::MulFOp::create(
                                   b, l, x, fc(static_cast<double>(in - 1) / (out - 1))));
              break;
            case CoordinateTransform::pytorch_half_pixel:
              if (out == 1) {
                src = fc(0);
                break;
              }
              [[fallthrough]];
            default: // half_pixel, half_pixel_symmetric (equal for integral sizes)
              src = arith::SubFOp::create(
                  b, l, arith::DivFOp::create(b, l, arith::AddFOp::create(b, l, x, fc(0.5)),
                                              fc(scale)),
                  fc(0.5));
              break;
            }
            auto clampIndex = [&](Value f) {
              Value c = arith::MaximumFOp::create(
                  b, l, arith::MinimumFOp::create(b, l, f, fc(in - 1)), fc(0));
              Value i64 = arith::FPToSIOp::create(b, l, b.getI64Type(), c);
              return Value(arith::IndexCastOp::create(b, l, b.getIndexType(), i64));
            };
            if (!linear) {
              Value n;
              switch (rounding) {
              case NearestRounding::round_prefer_floor:
                n = math::CeilOp::create(b, l, arith::SubFOp::create(b, l, src, fc(0.5)));
                break;
              case NearestRounding::round_prefer_ceil:
                n = math::FloorOp::create(b, l, arith::AddFOp::create(b, l, src, fc(0.5)));
                break;
              case NearestRounding::floor:
                n = math::FloorOp::create(b, l, src);
                break;
              case NearestRounding::ceil:
                n = math::CeilOp::create(b, l, src);
                break;
              }
              lo[i] = clampIndex(n);
              continue;
            }
            Value c = arith::MaximumFOp::create(
                b, l, arith::MinimumFOp::create(b, l, src, fc(in - 1)), fc(0));
            Value f = math::FloorOp::create(b, l, c);
            weight[i] = arith::SubFOp::create(b, l, c, f);
            lo[i] = clampIndex(f);
            hi[i] = clampIndex(arith::AddFOp::create(b, l, f, fc(1)));
          }
          if (!linear)
            return Value(tensor::ExtractOp::create(b, l, input, lo));
          // Sum over the 2^k corners of the resized dims.
          Value acc = floatConst(b, l, f32, 0);
          for (unsigned mask = 0; mask < (1u << resized.size()); ++mask) {
            SmallVector<Value> at(lo);
            Value w = floatConst(b, l, f32, 1);
            for (auto [bit, d] : llvm::enumerate(resized)) {
              bool upper = mask & (1u << bit);
              at[d] = upper ? hi[d] : lo[d];
              Value wd = upper ? weight[d]
                               : Value(arith::SubFOp::create(b, l, floatConst(b, l, f32, 1),
                                                             weight[d]));
              w = arith::MulFOp::create(b, l, w, wd);
            }
            Value v = castScalar(b, l, tensor::ExtractOp::create(b, l, input, at), et, f32);
            acc = arith::AddFOp::create(b, l, acc, arith::MulFOp::create(b, l, w, v));
          }
          return castScalar(b, l, acc, f32, et);
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};

struct TopKLowering : OpConversionPattern<TopKOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(TopKOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    MLIRContext *ctx = b.getContext();
    Value x = adaptor.getInput();
    auto it = cast<RankedTensorType>(x.getType());
    Type et = it.getElementType();
    bool isUnsigned = isUnsignedLike(getElementTypeOrSelf(op.getInput().getType()));
    int64_t axis = op.getAxis();
    unsigned rank = it.getRank();
    Value ranks = buildRanks(b, loc, x, axis, op.getSmallest(), isUnsigned);
    // values[..., r, ...] = the x whose rank is r (exactly one per lane).
    auto vt = signlessTensor(op.getValues().getType());
    SmallVector<AffineExpr> exprs;
    for (unsigned i = 0; i < rank; ++i)
      exprs.push_back(getAffineDimExpr(i == axis ? rank : i, ctx));
    AffineMap in = AffineMap::get(rank + 1, 0, exprs, ctx);
    AffineMap out = AffineMap::getMultiDimIdentityMap(rank + 1, ctx).dropResult(rank);
    SmallVector<utils::IteratorType> iterators = parallelIterators(rank);
    iterators.push_back(utils::IteratorType::reduction);
    Type i64 = b.getI64Type();
    ValueRange results = buildGeneric(
        b, loc, {x, ranks},
        {filledTensor(b, loc, vt.getShape(), numConst(b, loc, et, 0)),
         filledTensor(b, loc, vt.getShape(), intConst(b, loc, i64, 0))},
        {in, in, out, out}, iterators, [&](OpBuilder &nb, Location l, ValueRange a) {
          Value r = arith::IndexCastOp::create(nb, l, i64, linalg::IndexOp::create(nb, l, axis));
          Value j = arith::IndexCastOp::create(nb, l, i64, linalg::IndexOp::create(nb, l, rank));
          Value hit = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq, a[1], r);
          return SmallVector<Value>{arith::SelectOp::create(nb, l, hit, a[0], a[2]),
                                    arith::SelectOp::create(nb, l, hit, j, a[3])};
        });
    rewriter.replaceOp(op, results);
    return success();
  }
};

} // namespace

LogicalResult lowering::checkDataMovementSupported(Operation *op) {
  if (auto c = dyn_cast<ConstantOp>(op)) {
    ElementsAttr v = c.getValue();
    if (!isa<DenseElementsAttr, DenseResourceElementsAttr>(v))
      return c.emitError("constant lowering supports dense and dense_resource values");
    return success();
  }
  if (auto r = dyn_cast<ResizeOp>(op)) {
    if (r.getMode() == ResizeMode::cubic)
      return r.emitError("resize lowering supports nearest and linear modes (got cubic)");
    if (r.getCoordinateTransform() == CoordinateTransform::tf_crop_and_resize)
      return r.emitError("resize lowering does not support tf_crop_and_resize");
    return success();
  }
  return success();
}

void lowering::populateDataMovementPatterns(TypeConverter &converter,
                                            RewritePatternSet &patterns) {
  patterns.add<ConstantLowering, ShapeOfLowering, FillLowering, RangeLowering,
               TriluLowering, ReshapeLowering, TransposeLowering, ConcatLowering,
               SplitLowering, SliceLowering, GatherLowering, GatherElementsLowering,
               PadLowering, ExpandLowering, TileLowering, ResizeLowering, TopKLowering>(
      converter, patterns.getContext());
}
