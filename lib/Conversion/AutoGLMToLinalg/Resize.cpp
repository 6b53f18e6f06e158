//===- Resize.cpp - resize to linalg.generic ------------------------------===//
//
// resize: nearest, (multi)linear and (multi)cubic, as gather generics
//   computing the ONNX source coordinate of each resized dimension and
//   summing its taps (Interpolation.h). Linear and cubic read the taps
//   floor(x) + i around the coordinate x, weighted by their kernel at the
//   distance; with antialias the kernel is stretched by the inverse scale
//   when downsampling (more taps, weights renormalized), as ONNX's reference
//   does. Indices past the edge read the edge.
//
//===----------------------------------------------------------------------===//

#include "Common.h"
#include "Interpolation.h"

#include <cmath>

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::lowering;

namespace {
/// One resized dimension: its sizes, scale, and roi for tf_crop_and_resize.
struct ResizedDim {
  int64_t in, out;
  double scale;
  double roiBegin = 0, roiEnd = 1;
};

/// The source coordinate (f32) of output position `x` (f32) along `dim`;
/// sets `outside` for tf_crop_and_resize positions outside the input.
Value sourceCoordinate(const F32Builder &f, CoordinateTransform ct,
                       const ResizedDim &dim, Value x, Value &outside) {
  double in = static_cast<double>(dim.in);
  // ONNX's "output_width" is the scaled size before rounding.
  double scaled = dim.scale * in;
  auto halfPixel = [&] {
    return f.sub(f.div(f.add(x, f.c(0.5)), f.c(dim.scale)), f.c(0.5));
  };
  switch (ct) {
  case CoordinateTransform::asymmetric:
    return f.div(x, f.c(dim.scale));
  case CoordinateTransform::align_corners:
    if (scaled == 1)
      return f.c(0);
    return f.mul(x, f.c((in - 1) / (scaled - 1)));
  case CoordinateTransform::pytorch_half_pixel:
    return dim.out == 1 ? f.c(0) : halfPixel();
  case CoordinateTransform::half_pixel:
    return halfPixel();
  case CoordinateTransform::half_pixel_symmetric: {
    // Centers the sampled region when the scaled size is not an integer.
    double offset = in / 2 * (1 - static_cast<double>(dim.out) / scaled);
    return f.add(halfPixel(), f.c(offset));
  }
  case CoordinateTransform::tf_crop_and_resize: {
    double span = (dim.roiEnd - dim.roiBegin) * (in - 1);
    Value src = scaled == 1 ? f.c(span / 2 + dim.roiBegin * (in - 1))
                            : f.add(f.mul(x, f.c(span / (scaled - 1))),
                                    f.c(dim.roiBegin * (in - 1)));
    Value off = arith::OrIOp::create(f.b, f.loc, f.lt(src, f.c(0)),
                                     f.lt(f.c(in - 1), src));
    outside =
        outside ? Value(arith::OrIOp::create(f.b, f.loc, outside, off)) : off;
    return src;
  }
  }
  llvm_unreachable("unknown coordinate transformation");
}

/// The nearest input index of coordinate `src`.
Value nearestIndex(const F32Builder &f, NearestRounding rounding, Value src,
                   int64_t size) {
  Value n;
  switch (rounding) {
  case NearestRounding::round_prefer_floor:
    n = math::CeilOp::create(f.b, f.loc, f.sub(src, f.c(0.5)));
    break;
  case NearestRounding::round_prefer_ceil:
    n = f.floor(f.add(src, f.c(0.5)));
    break;
  case NearestRounding::floor:
    n = f.floor(src);
    break;
  case NearestRounding::ceil:
    n = math::CeilOp::create(f.b, f.loc, src);
    break;
  }
  return f.clampedIndex(n, size);
}

/// The taps of a linear or cubic resize at coordinate `src`. The kernel
/// (triangle or cubic, of radius 1 or 2) is evaluated at (tap - src) * s
/// where s is 1, or the scale when antialiasing a downsample, which widens
/// it to radius / s.
SmallVector<Tap> kernelTaps(const F32Builder &f, ResizeOp op,
                            const ResizedDim &dim, Value src) {
  bool cubic = op.getMode() == ResizeMode::cubic;
  double a = op.getCubicCoeffA().convertToDouble();
  double s = op.getAntialias() ? std::min(dim.scale, 1.0) : 1.0;
  double radius = cubic ? 2 : 1;
  int64_t first = static_cast<int64_t>(std::floor(-radius / s)) + 1;
  int64_t count = 2 - 2 * first;
  Value fl = f.floor(src);
  SmallVector<std::pair<Value, Value>> weighted;
  Value sum;
  auto accumulate = [&](Value w) { sum = sum ? f.add(sum, w) : w; };
  for (int64_t i = first; i < first + count; ++i) {
    Value at = f.add(fl, f.c(static_cast<double>(i)));
    Value d = f.mul(f.sub(at, src), f.c(s));
    Value w =
        cubic ? cubicKernel(f, d, a) : f.max(f.sub(f.c(1), f.abs(d)), f.c(0));
    weighted.push_back({at, w});
  }
  if (op.getAntialias()) {
    sum = {};
    for (auto &tap : weighted)
      accumulate(tap.second);
    for (auto &tap : weighted)
      tap.second = f.div(tap.second, sum);
  }
  if (op.getExcludeOutside()) {
    // Taps past the edge weigh nothing; the others are renormalized.
    sum = {};
    for (auto &tap : weighted) {
      Value off = arith::OrIOp::create(
          f.b, f.loc, f.lt(tap.first, f.c(0)),
          f.lt(f.c(static_cast<double>(dim.in - 1)), tap.first));
      tap.second = f.select(off, f.c(0), tap.second);
      accumulate(tap.second);
    }
    Value empty = arith::CmpFOp::create(f.b, f.loc, arith::CmpFPredicate::OEQ,
                                        sum, f.c(0));
    sum = f.select(empty, f.c(1), sum);
    for (auto &tap : weighted)
      tap.second = f.div(tap.second, sum);
  }
  SmallVector<Tap> taps;
  for (auto &[at, w] : weighted)
    taps.push_back({f.clampedIndex(at, dim.in), w});
  return taps;
}

struct ResizeLowering : OpConversionPattern<ResizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ResizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto rt = signlessTensor(op.getType());
    auto it = cast<RankedTensorType>(adaptor.getInput().getType());
    Type et = op.getType().getElementType();
    unsigned rank = rt.getRank();
    Value input = adaptor.getInput();
    CoordinateTransform ct = op.getCoordinateTransform();
    std::optional<ArrayRef<double>> scales = op.getScales();
    std::optional<ArrayRef<double>> roi = op.getRoi();
    // The dimensions that change: a scale other than 1, another size, or a
    // roi other than the whole input.
    SmallVector<unsigned> resized;
    SmallVector<ResizedDim> dims(rank);
    for (unsigned i = 0; i < rank; ++i) {
      ResizedDim &dim = dims[i];
      dim.in = it.getDimSize(i);
      dim.out = rt.getDimSize(i);
      dim.scale = scales ? (*scales)[i] : static_cast<double>(dim.out) / dim.in;
      if (roi && ct == CoordinateTransform::tf_crop_and_resize) {
        dim.roiBegin = (*roi)[i];
        dim.roiEnd = (*roi)[rank + i];
      }
      if (dim.in != dim.out || dim.scale != 1 || dim.roiBegin != 0 ||
          dim.roiEnd != 1)
        resized.push_back(i);
    }
    Value r = buildIndexed(
        rewriter, op.getLoc(), rt, {}, {},
        [&](OpBuilder &b, Location l, ArrayRef<Value> idx, ValueRange) {
          F32Builder f{b, l};
          SmallVector<Value> base(idx);
          SmallVector<SmallVector<Tap>> taps(rank);
          Value outside;
          for (unsigned i : resized) {
            Value src =
                sourceCoordinate(f, ct, dims[i], f.fromIndex(idx[i]), outside);
            if (op.getMode() == ResizeMode::nearest)
              base[i] =
                  nearestIndex(f, op.getNearestRounding(), src, dims[i].in);
            else
              taps[i] = kernelTaps(f, op, dims[i], src);
          }
          Value v =
              op.getMode() == ResizeMode::nearest
                  ? Value(tensor::ExtractOp::create(b, l, input, base))
                  : castScalar(
                        b, l, sumOverTaps(b, l, input, et, base, resized, taps),
                        b.getF32Type(), et);
          if (outside)
            v = f.select(
                outside,
                floatConst(b, l, et,
                           op.getExtrapolationValue().convertToDouble()),
                v);
          return v;
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};
} // namespace

void lowering::populateResizePatterns(TypeConverter &converter,
                                      RewritePatternSet &patterns) {
  patterns.add<ResizeLowering>(converter, patterns.getContext());
}
