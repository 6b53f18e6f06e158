//===- RoiAlign.cpp - roi_align to linalg.generic -------------------------===//
//
// roi_align: one generic over boxes x channels x bins. Each element reads its
// box and batch index, and loops (scf.for, whose trip counts come from the
// box when sampling_ratio is 0) over the bin's sampling grid; each sample is
// the bilinear interpolation of its 4 neighbours, a sample more than one
// element outside the input counting as 0. avg sums the samples and divides
// by their number; max takes, per sample, the largest of the 4 weighted
// neighbours and the largest over samples, as ONNX's reference and ONNX
// Runtime do.
//
//===----------------------------------------------------------------------===//

#include "Common.h"
#include "Interpolation.h"

#include "autoglm/Dialect/SeparateOps.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

#include <limits>

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::lowering;

namespace {
/// The 4 bilinear neighbours of a sample at (y, x) as (index y, index x,
/// weight), weights 0 for a sample outside [-1, size] (RoiAlign's rule).
SmallVector<std::tuple<Value, Value, Value>>
sampleNeighbours(const F32Builder &f, Value y, Value x, int64_t height,
                 int64_t width) {
  OpBuilder &b = f.b;
  Location l = f.loc;
  auto axis = [&](Value v, int64_t size) {
    // Clamped to [0, size - 1]; at or past the last element, both
    // neighbours are the last element.
    Value c = f.max(v, f.c(0));
    Value last = f.c(static_cast<double>(size - 1));
    Value atEnd = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGE,
                                        f.floor(c), last);
    Value lo = f.select(atEnd, last, f.floor(c));
    Value hi = f.select(atEnd, last, f.add(lo, f.c(1)));
    Value frac = f.select(atEnd, f.c(0), f.sub(c, lo));
    return std::make_tuple(f.clampedIndex(lo, size), f.clampedIndex(hi, size),
                           frac);
  };
  auto [yLo, yHi, ly] = axis(y, height);
  auto [xLo, xHi, lx] = axis(x, width);
  Value outside = arith::OrIOp::create(
      b, l,
      arith::OrIOp::create(b, l, f.lt(y, f.c(-1)),
                           f.lt(f.c(static_cast<double>(height)), y)),
      arith::OrIOp::create(b, l, f.lt(x, f.c(-1)),
                           f.lt(f.c(static_cast<double>(width)), x)));
  Value hy = f.sub(f.c(1), ly), hx = f.sub(f.c(1), lx);
  auto weight = [&](Value wy, Value wx) {
    return f.select(outside, f.c(0), f.mul(wy, wx));
  };
  return {{yLo, xLo, weight(hy, hx)},
          {yLo, xHi, weight(hy, lx)},
          {yHi, xLo, weight(ly, hx)},
          {yHi, xHi, weight(ly, lx)}};
}

struct RoiAlignLowering : OpConversionPattern<RoiAlignOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(RoiAlignOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto rt = signlessTensor(op.getType());
    auto it = cast<RankedTensorType>(adaptor.getInput().getType());
    Type et = op.getType().getElementType();
    Type roiType = getElementTypeOrSelf(op.getRois().getType());
    Type indexType = getElementTypeOrSelf(op.getBatchIndices().getType());
    int64_t height = it.getDimSize(2), width = it.getDimSize(3);
    int64_t binsY = rt.getDimSize(2), binsX = rt.getDimSize(3);
    Value input = adaptor.getInput(), rois = adaptor.getRois(),
          batchIndices = adaptor.getBatchIndices();
    bool isMax = op.getKind() == PoolKind::max;
    int64_t ratio = op.getSamplingRatio();
    double scale = op.getSpatialScale().convertToDouble();
    double shift = op.getHalfPixel() ? 0.5 : 0.0;
    Value r = buildIndexed(
        rewriter, op.getLoc(), rt, {}, {},
        [&](OpBuilder &b, Location l, ArrayRef<Value> idx, ValueRange) {
          F32Builder f{b, l};
          auto corner = [&](int64_t k) {
            Value v = tensor::ExtractOp::create(
                b, l, rois, ValueRange{idx[0], indexConst(b, l, k)});
            return f.sub(
                f.mul(castScalar(b, l, v, roiType, b.getF32Type()), f.c(scale)),
                f.c(shift));
          };
          Value x0 = corner(0), y0 = corner(1);
          Value boxW = f.sub(corner(2), x0), boxH = f.sub(corner(3), y0);
          if (!op.getHalfPixel()) {
            boxW = f.max(boxW, f.c(1));
            boxH = f.max(boxH, f.c(1));
          }
          Value binH = f.div(boxH, f.c(static_cast<double>(binsY)));
          Value binW = f.div(boxW, f.c(static_cast<double>(binsX)));
          // Samples per bin along each axis: the ratio, or ceil(bin size).
          auto samples = [&](Value bin) -> Value {
            if (ratio > 0)
              return indexConst(b, l, ratio);
            Value n = math::CeilOp::create(b, l, bin);
            Value i64 = arith::FPToSIOp::create(b, l, b.getI64Type(), n);
            return arith::IndexCastOp::create(b, l, b.getIndexType(), i64);
          };
          Value countY = samples(binH), countX = samples(binW);
          // A batch index outside the input reads its nearest image
          // rather than memory past it.
          Value image = arith::IndexCastOp::create(
              b, l, b.getIndexType(),
              castScalar(b, l,
                         tensor::ExtractOp::create(b, l, batchIndices,
                                                   ValueRange{idx[0]}),
                         indexType, b.getI64Type()));
          image = arith::MaxSIOp::create(
              b, l,
              arith::MinSIOp::create(b, l, image,
                                     indexConst(b, l, it.getDimSize(0) - 1)),
              indexConst(b, l, 0));
          // Bin origin and sample step along each axis.
          Value originY = f.add(y0, f.mul(f.fromIndex(idx[2]), binH));
          Value originX = f.add(x0, f.mul(f.fromIndex(idx[3]), binW));
          Value stepY = f.div(binH, f.fromIndex(countY));
          Value stepX = f.div(binW, f.fromIndex(countX));
          Value init =
              isMax ? f.c(-std::numeric_limits<double>::infinity()) : f.c(0);
          Value zero = indexConst(b, l, 0), one = indexConst(b, l, 1);
          auto outer = scf::ForOp::create(
              b, l, zero, countY, one, ValueRange{init},
              [&](OpBuilder &ob, Location ol, Value iy, ValueRange outerAcc) {
                auto inner = scf::ForOp::create(
                    ob, ol, zero, countX, one, outerAcc,
                    [&](OpBuilder &ib, Location il, Value ix, ValueRange acc) {
                      F32Builder g{ib, il};
                      Value y =
                          g.add(originY,
                                g.mul(g.add(g.fromIndex(iy), g.c(0.5)), stepY));
                      Value x =
                          g.add(originX,
                                g.mul(g.add(g.fromIndex(ix), g.c(0.5)), stepX));
                      Value sum = acc[0];
                      Value best;
                      for (auto [yi, xi, w] :
                           sampleNeighbours(g, y, x, height, width)) {
                        Value v =
                            castScalar(ib, il,
                                       tensor::ExtractOp::create(
                                           ib, il, input,
                                           ValueRange{image, idx[1], yi, xi}),
                                       et, ib.getF32Type());
                        Value term = g.mul(w, v);
                        if (isMax)
                          best = best ? g.max(best, term) : term;
                        else
                          sum = g.add(sum, term);
                      }
                      scf::YieldOp::create(ib, il,
                                           isMax ? g.max(acc[0], best) : sum);
                    });
                scf::YieldOp::create(ob, ol, inner.getResults());
              });
          Value result = outer.getResult(0);
          Value count =
              f.fromIndex(arith::MulIOp::create(b, l, countY, countX));
          if (isMax)
            result = f.select(f.lt(count, f.c(1)), f.c(0), result);
          else
            result = f.div(result, f.max(count, f.c(1)));
          return castScalar(b, l, result, b.getF32Type(), et);
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};
} // namespace

void lowering::populateRoiAlignPatterns(TypeConverter &converter,
                                        RewritePatternSet &patterns) {
  patterns.add<RoiAlignLowering>(converter, patterns.getContext());
}
