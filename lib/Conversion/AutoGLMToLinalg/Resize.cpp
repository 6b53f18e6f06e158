//===- Resize.cpp - resize to linalg.generic ------------------------------===//
//
// resize: nearest, (multi)linear and (multi)cubic, as gather generics
//   computing the ONNX source coordinate and summing the taps of each
//   resized dimension. tf_crop_and_resize is reported before the conversion
//   starts.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

#include <cmath>

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::lowering;

namespace {
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
    ResizeMode mode = op.getMode();
    double cubicA = op.getCubicCoeffA().convertToDouble();
    bool excludeOutside = op.getExcludeOutside();
    Value r = buildIndexed(
        rewriter, op.getLoc(), rt, {}, {},
        [&](OpBuilder &b, Location l, ArrayRef<Value> idx, ValueRange) {
          // Per resized dim: the source coordinate (f32) and, for linear
          // and cubic, the neighbours it reads (taps) and their weights.
          SmallVector<Value> lo(idx);
          SmallVector<SmallVector<std::pair<Value, Value>>> taps(rank);
          SmallVector<unsigned> resized;
          for (unsigned i = 0; i < rank; ++i) {
            int64_t in = it.getDimSize(i), out = rt.getDimSize(i);
            if (in == out)
              continue;
            resized.push_back(i);
            double scale = static_cast<double>(out) / static_cast<double>(in);
            Value x = castScalar(
                b, l, arith::IndexCastOp::create(b, l, b.getI64Type(), idx[i]),
                b.getI64Type(), f32);
            auto fc = [&](double v) { return floatConst(b, l, f32, v); };
            Value src;
            switch (ct) {
            case CoordinateTransform::asymmetric:
              src = arith::DivFOp::create(b, l, x, fc(scale));
              break;
            case CoordinateTransform::align_corners:
              src = out == 1
                        ? fc(0)
                        : Value(arith::MulFOp::create(
                              b, l, x,
                              fc(static_cast<double>(in - 1) / (out - 1))));
              break;
            case CoordinateTransform::pytorch_half_pixel:
              if (out == 1) {
                src = fc(0);
                break;
              }
              [[fallthrough]];
            default: // half_pixel, half_pixel_symmetric (equal for integral
                     // sizes)
              src = arith::SubFOp::create(
                  b, l,
                  arith::DivFOp::create(
                      b, l, arith::AddFOp::create(b, l, x, fc(0.5)), fc(scale)),
                  fc(0.5));
              break;
            }
            auto clampIndex = [&](Value f) {
              Value c = arith::MaximumFOp::create(
                  b, l, arith::MinimumFOp::create(b, l, f, fc(in - 1)), fc(0));
              Value i64 = arith::FPToSIOp::create(b, l, b.getI64Type(), c);
              return Value(
                  arith::IndexCastOp::create(b, l, b.getIndexType(), i64));
            };
            if (mode == ResizeMode::nearest) {
              Value n;
              switch (rounding) {
              case NearestRounding::round_prefer_floor:
                n = math::CeilOp::create(
                    b, l, arith::SubFOp::create(b, l, src, fc(0.5)));
                break;
              case NearestRounding::round_prefer_ceil:
                n = math::FloorOp::create(
                    b, l, arith::AddFOp::create(b, l, src, fc(0.5)));
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
            if (mode == ResizeMode::linear) {
              Value c = arith::MaximumFOp::create(
                  b, l, arith::MinimumFOp::create(b, l, src, fc(in - 1)),
                  fc(0));
              Value f = math::FloorOp::create(b, l, c);
              Value t = arith::SubFOp::create(b, l, c, f);
              taps[i] = {
                  {clampIndex(f), arith::SubFOp::create(b, l, fc(1), t)},
                  {clampIndex(arith::AddFOp::create(b, l, f, fc(1))), t}};
              continue;
            }
            // Cubic: the four neighbours floor(src) - 1 .. floor(src) + 2 at
            // distances t + 1, t, 1 - t, 2 - t, weighted by ONNX's cubic
            // kernel with parameter A; a neighbour past the edge reads the
            // edge (ONNX pads by repeating it) or, with exclude_outside,
            // weighs nothing and the others are renormalized.
            Value f = math::FloorOp::create(b, l, src);
            Value t = arith::SubFOp::create(b, l, src, f);
            auto mul = [&](Value x, Value y) {
              return Value(arith::MulFOp::create(b, l, x, y));
            };
            auto add = [&](Value x, Value y) {
              return Value(arith::AddFOp::create(b, l, x, y));
            };
            auto kernel = [&](Value d, bool near) {
              // near (|d| <= 1): (A+2)d^3 - (A+3)d^2 + 1;
              // far (1 < |d| < 2): A d^3 - 5A d^2 + 8A d - 4A.
              Value d2 = mul(d, d), d3 = mul(d2, d);
              if (near)
                return add(
                    add(mul(fc(cubicA + 2), d3), mul(fc(-(cubicA + 3)), d2)),
                    fc(1));
              return add(add(add(mul(fc(cubicA), d3), mul(fc(-5 * cubicA), d2)),
                             mul(fc(8 * cubicA), d)),
                         fc(-4 * cubicA));
            };
            Value one = fc(1);
            Value distances[4] = {add(t, one), t,
                                  arith::SubFOp::create(b, l, one, t),
                                  arith::SubFOp::create(b, l, fc(2), t)};
            Value weights[4], sum = fc(0);
            for (int k = 0; k < 4; ++k) {
              weights[k] = kernel(distances[k], k == 1 || k == 2);
              Value at = add(f, fc(k - 1));
              if (excludeOutside) {
                Value inside = arith::AndIOp::create(
                    b, l,
                    arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGE, at,
                                          fc(0)),
                    arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLE, at,
                                          fc(in - 1)));
                weights[k] =
                    arith::SelectOp::create(b, l, inside, weights[k], fc(0));
                sum = add(sum, weights[k]);
              }
              taps[i].push_back({clampIndex(at), weights[k]});
            }
            if (excludeOutside)
              for (auto &tap : taps[i])
                tap.second = arith::DivFOp::create(b, l, tap.second, sum);
          }
          if (mode == ResizeMode::nearest)
            return Value(tensor::ExtractOp::create(b, l, input, lo));
          // Sum over every combination of the resized dims' taps.
          Value acc = floatConst(b, l, f32, 0);
          SmallVector<size_t> choice(resized.size(), 0);
          while (true) {
            SmallVector<Value> at(lo);
            Value w = floatConst(b, l, f32, 1);
            for (auto [k, d] : llvm::enumerate(resized)) {
              at[d] = taps[d][choice[k]].first;
              w = arith::MulFOp::create(b, l, w, taps[d][choice[k]].second);
            }
            Value v = castScalar(
                b, l, tensor::ExtractOp::create(b, l, input, at), et, f32);
            acc = arith::AddFOp::create(b, l, acc,
                                        arith::MulFOp::create(b, l, w, v));
            size_t k = 0;
            while (k < choice.size() && ++choice[k] == taps[resized[k]].size())
              choice[k++] = 0;
            if (k == choice.size())
              break;
          }
          return castScalar(b, l, acc, f32, et);
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};
} // namespace

LogicalResult lowering::checkResizeSupported(Operation *op) {
  if (auto r = dyn_cast<ResizeOp>(op)) {
    if (r.getCoordinateTransform() == CoordinateTransform::tf_crop_and_resize)
      return r.emitError("resize lowering does not support tf_crop_and_resize");
    return success();
  }
  return success();
}

void lowering::populateResizePatterns(TypeConverter &converter,
                                      RewritePatternSet &patterns) {
  patterns.add<ResizeLowering>(converter, patterns.getContext());
}
