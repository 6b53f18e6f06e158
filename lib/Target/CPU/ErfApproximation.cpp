//===- ErfApproximation.cpp - erf on f32 vectors as one rational ----------===//
//
// Upstream's erf approximation picks one of three rational functions by
// |x|: every coefficient a select between three constants, and a
// division. On AVX-512 that is about 70 instructions a vector, and GELU's
// tail cost BERT-base's 768 -> 3072 product 5-8% on top of the product,
// where ONNX Runtime's GELU costs 2%. Here one rational function covers
// [0, 4] (erf is odd, and erf(4) rounds to 1 in f32, so x is clamped
// there): x P(x^2) / Q(x^2), P of degree 6 and Q of degree 5, 11 FMAs, a
// multiplication and a division, no select. The coefficients are a
// weighted least-squares fit of erf on [0, 4] made for AutoGLM
// (docs/decisions.md, "erf as one rational function"); evaluated in f32
// with FMAs its largest absolute error is 3.1e-7 (upstream's 2.5e-7, libm's
// about 6e-8). P and Q have positive coefficients but P's last, so Horner's
// rule adds no cancellation; Q >= 1.
//
//===----------------------------------------------------------------------===//

#include "ErfApproximation.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

using namespace mlir;

namespace {
// P(z) and Q(z), lowest degree first.
constexpr float kP[] = {1.128379226e+00f, 1.846421808e-01f, 5.432957783e-02f,
                        3.837558208e-03f, 3.828986373e-04f, 4.787317721e-06f,
                        -1.369502378e-08f};
constexpr float kQ[] = {1.000000000e+00f, 4.969684184e-01f, 1.138034686e-01f,
                        1.545025501e-02f, 1.309462823e-03f, 6.407477485e-05f};
constexpr float kClamp = 4.0f;

struct ErfAsRational : OpRewritePattern<math::ErfOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(math::ErfOp op,
                                PatternRewriter &rewriter) const override {
    auto type = dyn_cast<VectorType>(op.getType());
    if (!type || !type.getElementType().isF32())
      return failure();
    Location loc = op.getLoc();
    auto splat = [&](float v) -> Value {
      return arith::ConstantOp::create(
          rewriter, loc,
          DenseElementsAttr::get(type, rewriter.getF32FloatAttr(v)));
    };
    auto horner = [&](ArrayRef<float> coefficients, Value z) {
      Value sum = splat(coefficients.back());
      for (float c : llvm::reverse(coefficients.drop_back()))
        sum = math::FmaOp::create(rewriter, loc, sum, z, splat(c));
      return sum;
    };
    // minimumf/maximumf keep a NaN.
    Value x = arith::MaximumFOp::create(
        rewriter, loc,
        arith::MinimumFOp::create(rewriter, loc, op.getOperand(),
                                  splat(kClamp)),
        splat(-kClamp));
    Value z = arith::MulFOp::create(rewriter, loc, x, x);
    Value numerator = arith::MulFOp::create(rewriter, loc, x, horner(kP, z));
    rewriter.replaceOpWithNewOp<arith::DivFOp>(op, numerator, horner(kQ, z));
    return success();
  }
};
} // namespace

void mlir::autoglm::populateErfApproximationPatterns(
    RewritePatternSet &patterns) {
  patterns.add<ErfAsRational>(patterns.getContext(), /*benefit=*/2);
}
