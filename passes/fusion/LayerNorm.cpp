//===- LayerNorm.cpp - LayerNorm from its decomposed ONNX form ------------===//
//
// Exporters (and ONNX before opset 17) write layer normalization as
//
//   m = ReduceMean(x, trailing axes); d = x - m
//   v = ReduceMean(d^2 or d*d, same axes); s = Sqrt(v + eps)
//   n = d / s   (or d * Reciprocal(s), d * Rsqrt(v + eps))
//   y = n * gamma + beta           (gamma and beta optional)
//
// The rule starts at the normalization `n` and takes the affine tail while
// it keeps the shape and only touches the normalized dimensions. `eps` must
// be a constant: a run-time epsilon has no place in the op's attribute.
//
//===----------------------------------------------------------------------===//

#include "Rules.h"

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::fusion;

namespace {
/// A `reduce mean` with keepdims over trailing axes `axis .. rank-1`.
std::optional<int64_t> trailingMeanAxis(ReduceOp reduce) {
  if (!reduce || reduce.getKind() != ReduceKind::mean || !reduce.getKeepdims())
    return std::nullopt;
  auto type = cast<RankedTensorType>(reduce.getInput().getType());
  ArrayRef<int64_t> axes = reduce.getAxes();
  int64_t axis = type.getRank() - static_cast<int64_t>(axes.size());
  for (auto [i, a] : llvm::enumerate(axes))
    if (a != axis + static_cast<int64_t>(i))
      return std::nullopt;
  return axis;
}

/// True when `param` (gamma or beta) broadcasts over the normalized
/// dimensions only, so that the normalized op computes the same thing.
bool isNormalizedShapeParameter(Value param, RankedTensorType xType,
                                int64_t axis) {
  auto t = dyn_cast<RankedTensorType>(param.getType());
  return t && t.getElementType() == xType.getElementType() &&
         t.getRank() <= xType.getRank() - axis;
}

struct LayerNormFromArithmetic : RewritePattern {
  LayerNormFromArithmetic(MLIRContext *ctx)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, ctx) {}

  /// `n` as `d / sqrt(v + eps)`, `d * rsqrt(v + eps)` or
  /// `d * reciprocal(sqrt(v + eps))`: d and `v + eps`, the ops in `matched`.
  static std::pair<Value, Value>
  matchNormalize(Operation *n, SmallVectorImpl<Operation *> &matched) {
    auto singleUse = [](Value v) {
      return v.hasOneUse() ? v.getDefiningOp() : nullptr;
    };
    if (auto div = dyn_cast<DivOp>(n)) {
      if (auto sqrt = dyn_cast_or_null<SqrtOp>(singleUse(div.getRhs()))) {
        matched.append({sqrt, div});
        return {div.getLhs(), sqrt.getInput()};
      }
      return {};
    }
    auto mul = dyn_cast<MulOp>(n);
    if (!mul)
      return {};
    for (auto [d, inv] : {std::pair(mul.getLhs(), mul.getRhs()),
                          std::pair(mul.getRhs(), mul.getLhs())}) {
      Operation *def = singleUse(inv);
      if (auto rsqrt = dyn_cast_or_null<RsqrtOp>(def)) {
        matched.append({rsqrt, mul});
        return {d, rsqrt.getInput()};
      }
      if (auto recip = dyn_cast_or_null<ReciprocalOp>(def))
        if (auto sqrt = dyn_cast_or_null<SqrtOp>(singleUse(recip.getInput()))) {
          matched.append({sqrt, recip, mul});
          return {d, sqrt.getInput()};
        }
    }
    return {};
  }

  LogicalResult matchAndRewrite(Operation *n,
                                PatternRewriter &rewriter) const override {
    if (!isa<DivOp, MulOp>(n) ||
        !isa<FloatType>(getElementTypeOrSelf(n->getResult(0))))
      return failure();
    SmallVector<Operation *> tail;
    auto [d, varEps] = matchNormalize(n, tail);
    if (!d)
      return failure();

    // v + eps, with a constant eps.
    auto addEps = varEps.getDefiningOp<AddOp>();
    if (!addEps || !addEps->hasOneUse())
      return failure();
    Value var = addEps.getLhs(), eps = addEps.getRhs();
    if (!splatFloat(eps))
      std::swap(var, eps);
    std::optional<double> epsilon = splatFloat(eps);
    if (!epsilon)
      return failure();

    // v = mean(d^2) and d = x - mean(x), over the same trailing axes.
    auto varMean = var.getDefiningOp<ReduceOp>();
    std::optional<int64_t> axis = trailingMeanAxis(varMean);
    if (!axis || !varMean->hasOneUse())
      return failure();
    Operation *square = varMean.getInput().getDefiningOp();
    if (!square || !square->hasOneUse() ||
        !((isa<PowOp>(square) && square->getOperand(0) == d &&
           isSplatNear(square->getOperand(1), 2.0)) ||
          (isa<MulOp>(square) && square->getOperand(0) == d &&
           square->getOperand(1) == d)))
      return failure();
    auto centered = d.getDefiningOp<SubOp>();
    if (!centered || !llvm::all_of(d.getUsers(), [&](Operation *u) {
          return u == square || u == n;
        }))
      return failure();
    Value x = centered.getLhs();
    auto mean = centered.getRhs().getDefiningOp<ReduceOp>();
    if (!mean || mean.getInput() != x || !mean->hasOneUse() ||
        trailingMeanAxis(mean) != axis)
      return failure();
    auto xType = cast<RankedTensorType>(x.getType());
    if (n->getResult(0).getType() != xType || d.getType() != xType)
      return failure();

    // The affine tail: * gamma, then + beta, each keeping x's shape.
    SmallVector<Operation *> matched = {mean, centered, square, varMean,
                                        addEps};
    matched.append(tail);
    Value result = n->getResult(0), gamma, beta;
    auto affine = [&](auto opTag, Value &param) {
      using OpTy = decltype(opTag);
      if (!result.hasOneUse())
        return;
      auto op = dyn_cast<OpTy>(*result.getUsers().begin());
      Value other = op ? otherOperand(op, result) : Value();
      if (!other || op.getType() != xType ||
          !isNormalizedShapeParameter(other, xType, *axis))
        return;
      param = other;
      matched.push_back(op);
      result = op.getResult();
    };
    affine(MulOp(), gamma);
    if (gamma)
      affine(AddOp(), beta);

    Location loc = fusedLoc(matched);
    if (!gamma) {
      // The op always scales; without gamma, by ones.
      auto normalized = RankedTensorType::get(
          xType.getShape().drop_front(*axis), xType.getElementType());
      auto ones = DenseElementsAttr::get(
          normalized, rewriter.getFloatAttr(xType.getElementType(), 1.0));
      gamma = ConstantOp::create(rewriter, loc, normalized, ones);
    }
    Operation *root = matched.back();
    rewriter.setInsertionPoint(root);
    auto ln = LayerNormOp::create(rewriter, loc, x, gamma, beta,
                                  rewriter.getI64IntegerAttr(*axis),
                                  rewriter.getF64FloatAttr(*epsilon));
    report("layer-norm", matched);
    rewriter.replaceOp(root, ln.getResult());
    return success();
  }
};
} // namespace

void fusion::populateLayerNormPatterns(RewritePatternSet &patterns) {
  patterns.add<LayerNormFromArithmetic>(patterns.getContext());
}
