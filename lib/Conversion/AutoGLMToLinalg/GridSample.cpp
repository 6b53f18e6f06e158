//===- GridSample.cpp - grid_sample to linalg.generic ---------------------===//
//
// grid_sample: one gather generic over N x C x grid points. Per spatial
// dimension it reads the point's normalized coordinate from the grid,
// maps it to input coordinates (align_corners: -1 and 1 are the corner
// elements' centers, otherwise their outer edges), applies the padding mode
// to a coordinate outside the input (border clamps it, reflection mirrors
// it at the border, repeatedly), and takes the taps of the mode: the
// nearest index (half to even), 2 linear or 4 cubic taps (A = -0.75).
// Taps outside the input weigh 0 (zeros), read the border element
// (border) or their mirror image (reflection). As ONNX's reference and
// PyTorch's grid_sample compute it.
//
//===----------------------------------------------------------------------===//

#include "Common.h"
#include "Interpolation.h"

#include "autoglm/Dialect/SeparateOps.h"

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::lowering;

namespace {
/// The input's extent along one dimension and where reflection mirrors.
struct SampledDim {
  int64_t size;
  double low, high;
};

/// `x` mirrored at `low` and `high` until it lies between them.
Value reflect(const F32Builder &f, Value x, const SampledDim &dim) {
  double span = dim.high - dim.low;
  if (span <= 0)
    return f.c(dim.low);
  // Distance past the nearer border, in spans: even counts restart from
  // that border, odd ones from the other.
  auto mirrored = [&](Value past, double from, double other, bool down) {
    Value n = f.floor(f.div(past, f.c(span)));
    Value r = f.sub(past, f.mul(n, f.c(span)));
    Value half = f.mul(n, f.c(0.5));
    Value odd = f.lt(f.floor(half), half);
    Value fromNear = down ? f.sub(f.c(from), r) : f.add(f.c(from), r);
    Value fromFar = down ? f.add(f.c(other), r) : f.sub(f.c(other), r);
    return f.select(odd, fromFar, fromNear);
  };
  Value below = f.lt(x, f.c(dim.low)), above = f.lt(f.c(dim.high), x);
  Value up = mirrored(f.sub(f.c(dim.low), x), dim.low, dim.high, false);
  Value down = mirrored(f.sub(x, f.c(dim.high)), dim.high, dim.low, true);
  return f.select(below, up, f.select(above, down, x));
}

struct GridSampleLowering : OpConversionPattern<GridSampleOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(GridSampleOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto rt = signlessTensor(op.getType());
    auto it = cast<RankedTensorType>(adaptor.getInput().getType());
    Type et = op.getType().getElementType();
    Type gridType = getElementTypeOrSelf(op.getGrid().getType());
    unsigned spatial = it.getRank() - 2;
    Value input = adaptor.getInput(), grid = adaptor.getGrid();
    bool align = op.getAlignCorners();
    PadMode padding = op.getPadding();
    ResizeMode mode = op.getMode();
    SmallVector<SampledDim> dims;
    for (unsigned d = 0; d < spatial; ++d) {
      auto size = static_cast<double>(it.getDimSize(2 + d));
      dims.push_back({it.getDimSize(2 + d), align ? 0 : -0.5,
                      align ? size - 1 : size - 0.5});
    }
    SmallVector<unsigned> sampled;
    for (unsigned d = 0; d < spatial; ++d)
      sampled.push_back(2 + d);
    Value r = buildIndexed(
        rewriter, op.getLoc(), rt, {}, {},
        [&](OpBuilder &b, Location l, ArrayRef<Value> idx, ValueRange) {
          F32Builder f{b, l};
          SmallVector<Value> base(idx.take_front(2));
          base.resize(2 + spatial);
          SmallVector<SmallVector<Tap>> taps(2 + spatial);
          for (unsigned d = 0; d < spatial; ++d) {
            const SampledDim &dim = dims[d];
            double size = static_cast<double>(dim.size);
            // The grid holds the innermost dimension's coordinate first.
            SmallVector<Value> at{idx[0]};
            llvm::append_range(at, idx.drop_front(2));
            at.push_back(indexConst(b, l, spatial - 1 - d));
            Value g =
                castScalar(b, l, tensor::ExtractOp::create(b, l, grid, at),
                           gridType, b.getF32Type());
            Value x =
                align ? f.mul(f.add(g, f.c(1)), f.c((size - 1) / 2))
                      : f.div(f.sub(f.mul(f.add(g, f.c(1)), f.c(size)), f.c(1)),
                              f.c(2));
            if (mode == ResizeMode::nearest)
              x = math::RoundEvenOp::create(b, l, x);
            Value outside = arith::OrIOp::create(b, l, f.lt(x, f.c(dim.low)),
                                                 f.lt(f.c(dim.high), x));
            if (padding == PadMode::edge)
              x = f.select(outside, f.max(f.min(x, f.c(size - 1)), f.c(0)), x);
            else if (padding == PadMode::reflect)
              x = reflect(f, x, dim);
            SmallVector<std::pair<Value, Value>> positions;
            if (mode == ResizeMode::nearest) {
              positions.push_back({x, f.c(1)});
            } else if (mode == ResizeMode::linear) {
              Value fl = f.floor(x), t = f.sub(x, fl);
              positions.push_back({fl, f.sub(f.c(1), t)});
              positions.push_back({f.add(fl, f.c(1)), t});
            } else {
              positions = cubicTaps(f, x, -0.75);
            }
            for (auto [p, w] : positions) {
              // Positions are whole numbers except a nearest one mirrored
              // at a half-element border, which truncates.
              if (padding == PadMode::constant) {
                Value off = arith::OrIOp::create(b, l, f.lt(p, f.c(0)),
                                                 f.lt(f.c(size - 1), p));
                w = f.select(off, f.c(0), w);
              } else if (padding == PadMode::reflect) {
                p = reflect(f, p, dim);
              }
              taps[2 + d].push_back({f.clampedIndex(p, dim.size), w});
            }
          }
          return castScalar(b, l,
                            sumOverTaps(b, l, input, et, base, sampled, taps),
                            b.getF32Type(), et);
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};
} // namespace

void lowering::populateGridSamplePatterns(TypeConverter &converter,
                                          RewritePatternSet &patterns) {
  patterns.add<GridSampleLowering>(converter, patterns.getContext());
}
