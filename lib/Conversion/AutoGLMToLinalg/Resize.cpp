//===- Resize.cpp - resize to linalg.generic ------------------------------===//
//
// resize: nearest and (multi)linear, as gather generics computing the ONNX
//   source coordinate. Cubic and tf_crop_and_resize are reported before the
//   conversion starts.
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
            if (!linear) {
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
              Value wd = upper
                             ? weight[d]
                             : Value(arith::SubFOp::create(
                                   b, l, floatConst(b, l, f32, 1), weight[d]));
              w = arith::MulFOp::create(b, l, w, wd);
            }
            Value v = castScalar(
                b, l, tensor::ExtractOp::create(b, l, input, at), et, f32);
            acc = arith::AddFOp::create(b, l, acc,
                                        arith::MulFOp::create(b, l, w, v));
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
    if (r.getMode() == ResizeMode::cubic)
      return r.emitError(
          "resize lowering supports nearest and linear modes (got cubic)");
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
