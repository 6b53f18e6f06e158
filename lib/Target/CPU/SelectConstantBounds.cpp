//===- SelectConstantBounds.cpp - --autoglm-select-constant-bounds --------===//
//
// ReLU, ReLU6 and Clip are arith.maximumf / arith.minimumf against a
// constant. Their IEEE semantics (a NaN operand gives NaN, -0 < +0) cost
// x86 three instructions a vector: max, an unordered compare and a blend.
// Against a constant that is not NaN, only x can be NaN, and
//
//   maximumf(x, c) = x < c ? c : x      minimumf(x, c) = x > c ? c : x
//
// give NaN for a NaN x as the ops do; this select is exactly what
// `maxps c, x` (`minps c, x`) computes, one instruction. The only
// difference is the sign of a zero result when x and c are zeros of
// opposite signs (maximumf(-0, +0) is +0, the select's -0): equal values.
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMSELECTCONSTANTBOUNDS
#include "autoglm/Target/CPU/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;

namespace {
/// Whether `value` is a constant (a scalar or a splat) that is not NaN.
bool isConstantNumber(Value value) {
  FloatAttr scalar;
  if (matchPattern(value, m_Constant(&scalar)))
    return !scalar.getValue().isNaN();
  DenseElementsAttr splat;
  if (matchPattern(value, m_Constant(&splat)) && splat.isSplat() &&
      isa<FloatType>(splat.getElementType()))
    return !splat.getSplatValue<APFloat>().isNaN();
  return false;
}

/// `Op(x, c)` with a constant `c` as `cmpf(predicate, x, c) ? c : x`.
template <typename Op, arith::CmpFPredicate predicate>
struct BoundToSelect : OpRewritePattern<Op> {
  using OpRewritePattern<Op>::OpRewritePattern;

  LogicalResult matchAndRewrite(Op op,
                                PatternRewriter &rewriter) const override {
    Value x = op.getLhs(), bound = op.getRhs();
    if (!isConstantNumber(bound))
      std::swap(x, bound);
    if (!isConstantNumber(bound))
      return failure();
    Value beyond =
        arith::CmpFOp::create(rewriter, op.getLoc(), predicate, x, bound);
    rewriter.replaceOpWithNewOp<arith::SelectOp>(op, beyond, bound, x);
    return success();
  }
};

struct SelectConstantBoundsPass
    : autoglm::impl::AutoGLMSelectConstantBoundsBase<SelectConstantBoundsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<BoundToSelect<arith::MaximumFOp, arith::CmpFPredicate::OLT>,
                 BoundToSelect<arith::MinimumFOp, arith::CmpFPredicate::OGT>>(
        &getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
