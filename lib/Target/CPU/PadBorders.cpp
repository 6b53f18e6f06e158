//===- PadBorders.cpp - --autoglm-pad-borders -----------------------------===//
//
// A constant tensor.pad as a fill of its border slabs and one copy of the
// source into the interior, so that each element of the padded buffer is
// written once. Bufferization's own lowering of tensor.pad fills the whole
// buffer and then copies the interior over it: the interior is written
// twice, which was ~12% of a 3x3 Winograd convolution's time at 80x80 and
// ~46% of ResNet-50's MaxPool (docs/decisions.md).
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CPU/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMPADBORDERS
#include "autoglm/Target/CPU/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;

namespace {
/// Fills the border of dimensions [from, to) of `dest` with `value`: along
/// each such dimension d, its low and high pads, spanning the interior of
/// the padded dimensions before d (from on) and all of the others. The
/// slabs are disjoint and cover just that border.
Value fillBorders(OpBuilder &b, Location loc, Value dest, Value value,
                  int64_t from, int64_t to, ArrayRef<int64_t> low,
                  ArrayRef<int64_t> inner) {
  ArrayRef<int64_t> shape = cast<RankedTensorType>(dest.getType()).getShape();
  int64_t rank = shape.size();
  SmallVector<int64_t> ones(rank, 1);
  auto attrs = [&](ArrayRef<int64_t> v) {
    return getAsIndexOpFoldResult(b.getContext(), v);
  };
  for (int64_t d = from; d < to; ++d) {
    for (bool isLow : {true, false}) {
      int64_t width = isLow ? low[d] : shape[d] - low[d] - inner[d];
      if (width == 0)
        continue;
      SmallVector<int64_t> offsets, sizes;
      for (int64_t j = 0; j < rank; ++j) {
        if (j >= from && j < d) {
          offsets.push_back(low[j]);
          sizes.push_back(inner[j]);
        } else if (j == d) {
          offsets.push_back(isLow ? 0 : low[d] + inner[d]);
          sizes.push_back(width);
        } else {
          offsets.push_back(0);
          sizes.push_back(shape[j]);
        }
      }
      if (llvm::is_contained(sizes, 0))
        continue;
      Value slab = tensor::ExtractSliceOp::create(b, loc, dest, attrs(offsets),
                                                  attrs(sizes), attrs(ones));
      Value filled = linalg::FillOp::create(b, loc, value, slab).getResult(0);
      dest = tensor::InsertSliceOp::create(b, loc, filled, dest, attrs(offsets),
                                           attrs(sizes), attrs(ones));
    }
  }
  return dest;
}

struct PadAsBorders : OpRewritePattern<tensor::PadOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tensor::PadOp pad,
                                PatternRewriter &rewriter) const override {
    RankedTensorType type = pad.getResultType();
    RankedTensorType sourceType = pad.getSourceType();
    Value value = pad.getConstantPaddingValue();
    if (!value || !type.hasStaticShape() || !sourceType.hasStaticShape() ||
        pad.getNofold())
      return failure();
    ArrayRef<int64_t> low = pad.getStaticLow(), high = pad.getStaticHigh();
    if (ShapedType::isDynamicShape(low) || ShapedType::isDynamicShape(high))
      return failure();
    ArrayRef<int64_t> shape = type.getShape(), inner = sourceType.getShape();
    int64_t rank = type.getRank();
    Location loc = pad.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto attrs = [&](ArrayRef<int64_t> v) {
      return getAsIndexOpFoldResult(ctx, v);
    };
    SmallVector<int64_t> ones(rank, 1);
    Value dest =
        tensor::EmptyOp::create(rewriter, loc, shape, type.getElementType());

    // Planes: the last two dimensions (an image's H and W) one plane at a
    // time, in parallel over the others, so that the plane's side columns
    // (a few elements per row, each on its own cache line) are filled while
    // its interior rows are copied, not in a pass of their own over the
    // whole buffer (MaxPool's input, 64 x 114 x 114, is larger than L2).
    int64_t p = rank - 2;
    int64_t planes = 1;
    for (int64_t j = 0; j < p; ++j)
      planes *= inner[j];
    if (rank < 3 || planes == 1) {
      dest = fillBorders(rewriter, loc, dest, value, 0, rank, low, inner);
      rewriter.replaceOpWithNewOp<tensor::InsertSliceOp>(
          pad, pad.getSource(), dest, attrs(low), attrs(inner), attrs(ones));
      return success();
    }
    // The outer dimensions' pads are whole planes: filled first.
    dest = fillBorders(rewriter, loc, dest, value, 0, p, low, inner);
    auto forall =
        scf::ForallOp::create(rewriter, loc, attrs(inner.take_front(p)),
                              ValueRange{dest}, std::nullopt);
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPointToStart(forall.getBody());
    Value shared = forall.getRegionIterArgs()[0];
    SmallVector<OpFoldResult> planeOffsets, sourceOffsets;
    SmallVector<int64_t> planeShape(p, 1), sourceShape(p, 1);
    for (int64_t j = 0; j < p; ++j) {
      Value i = forall.getInductionVar(j);
      sourceOffsets.push_back(i);
      planeOffsets.push_back(
          low[j] == 0
              ? OpFoldResult(i)
              : affine::makeComposedFoldedAffineApply(
                    rewriter, loc, getAffineDimExpr(0, ctx) + low[j], {i}));
    }
    for (int64_t j = p; j < rank; ++j) {
      planeOffsets.push_back(rewriter.getIndexAttr(0));
      sourceOffsets.push_back(rewriter.getIndexAttr(0));
      planeShape.push_back(shape[j]);
      sourceShape.push_back(inner[j]);
    }
    Value plane = tensor::ExtractSliceOp::create(
        rewriter, loc, shared, planeOffsets, attrs(planeShape), attrs(ones));
    plane = fillBorders(rewriter, loc, plane, value, p, rank, low, inner);
    Value source = tensor::ExtractSliceOp::create(
        rewriter, loc, pad.getSource(), sourceOffsets, attrs(sourceShape),
        attrs(ones));
    SmallVector<int64_t> interior(p, 0);
    interior.append({low[p], low[p + 1]});
    plane = tensor::InsertSliceOp::create(rewriter, loc, source, plane,
                                          attrs(interior), attrs(sourceShape),
                                          attrs(ones));
    rewriter.setInsertionPointToStart(forall.getTerminator().getBody());
    tensor::ParallelInsertSliceOp::create(rewriter, loc, plane, shared,
                                          planeOffsets, attrs(planeShape),
                                          attrs(ones));
    rewriter.replaceOp(pad, forall.getResult(0));
    return success();
  }
};

struct PadBordersPass : autoglm::impl::AutoGLMPadBordersBase<PadBordersPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<PadAsBorders>(&getContext());
    // One rewrite per pad, and no folding, which could fold the slices
    // back into a pad.
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};
} // namespace
