//===- Gelu.cpp - GELU from its erf and tanh forms ------------------------===//
//
// Exporters write GELU as arithmetic:
//
//   erf form:  0.5 * x * (1 + erf(x / sqrt(2)))       (or x * 0.70710678)
//   tanh form: 0.5 * x * (1 + tanh(0.7978845608 * (x + 0.044715 * x^3)))
//
// with the three factors of the product grouped in any order. The rule
// matches the product's factors as a set rather than one tree shape, so
// `(x * a) * 0.5`, `x * (a * 0.5)` and `(0.5 * x) * a` are all recognised.
//
//===----------------------------------------------------------------------===//

#include "Rules.h"

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::fusion;

namespace {
/// The single-use op defining `v`, if it is an `OpTy`.
template <typename OpTy>
OpTy singleUseDef(Value v) {
  auto op = v.getDefiningOp<OpTy>();
  return op && op->hasOneUse() ? op : OpTy();
}

/// For `a * b` (commutative) where one side is a splat near `c`, the other.
Value scaledBy(MulOp mul, double c) {
  if (isSplatNear(mul.getRhs(), c))
    return mul.getLhs();
  if (isSplatNear(mul.getLhs(), c))
    return mul.getRhs();
  return nullptr;
}

/// `x / sqrt(2)` or `x * (1/sqrt(2))`: returns x.
Value matchErfArgument(Value arg, SmallVectorImpl<Operation *> &matched) {
  if (auto div = singleUseDef<DivOp>(arg);
      div && isSplatNear(div.getRhs(), M_SQRT2)) {
    matched.push_back(div);
    return div.getLhs();
  }
  if (auto mul = singleUseDef<MulOp>(arg))
    if (Value x = scaledBy(mul, M_SQRT1_2)) {
      matched.push_back(mul);
      return x;
    }
  return nullptr;
}

/// `x^3` as `pow(x, 3)`, `x * (x * x)` or `(x * x) * x`: returns x.
Value matchCube(Value v, SmallVectorImpl<Operation *> &matched) {
  if (auto pow = singleUseDef<PowOp>(v);
      pow && isSplatNear(pow.getRhs(), 3.0)) {
    matched.push_back(pow);
    return pow.getLhs();
  }
  auto mul = singleUseDef<MulOp>(v);
  if (!mul)
    return nullptr;
  for (auto [square, single] : {std::pair(mul.getLhs(), mul.getRhs()),
                                std::pair(mul.getRhs(), mul.getLhs())}) {
    auto sq = singleUseDef<MulOp>(square);
    if (sq && sq.getLhs() == sq.getRhs() && sq.getLhs() == single) {
      matched.append({sq, mul});
      return single;
    }
  }
  return nullptr;
}

/// `0.7978845608 * (x + 0.044715 * x^3)`: returns x.
Value matchTanhArgument(Value arg, SmallVectorImpl<Operation *> &matched) {
  auto outer = singleUseDef<MulOp>(arg);
  if (!outer)
    return nullptr;
  Value inner = scaledBy(outer, std::sqrt(2.0 / M_PI));
  auto sum = inner ? singleUseDef<AddOp>(inner) : AddOp();
  if (!sum)
    return nullptr;
  for (auto [x, term] : {std::pair(sum.getLhs(), sum.getRhs()),
                         std::pair(sum.getRhs(), sum.getLhs())}) {
    auto scaled = singleUseDef<MulOp>(term);
    Value cube = scaled ? scaledBy(scaled, 0.044715) : Value();
    SmallVector<Operation *> cubeOps;
    if (cube && matchCube(cube, cubeOps) == x) {
      matched.append({outer, sum, scaled});
      matched.append(cubeOps);
      return x;
    }
  }
  return nullptr;
}

struct GeluFromArithmetic : OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MulOp root,
                                PatternRewriter &rewriter) const override {
    if (!isa<FloatType>(getElementTypeOrSelf(root.getType())))
      return failure();
    // The factors of the product, through single-use inner products.
    SmallVector<Value> factors;
    SmallVector<Operation *> products = {root};
    for (Value operand : root->getOperands()) {
      if (auto inner = singleUseDef<MulOp>(operand)) {
        factors.append({inner.getLhs(), inner.getRhs()});
        products.push_back(inner);
      } else {
        factors.push_back(operand);
      }
    }
    if (factors.size() != 3)
      return failure();

    // One factor is 0.5, one is `1 + erf(...)` or `1 + tanh(...)`, the last x.
    for (unsigned half = 0; half < 3; ++half) {
      if (!isSplatNear(factors[half], 0.5))
        continue;
      for (unsigned onePlus = 0; onePlus < 3; ++onePlus) {
        if (onePlus == half)
          continue;
        Value x = factors[3 - half - onePlus];
        auto add = singleUseDef<AddOp>(factors[onePlus]);
        Value fn = add && isSplatNear(add.getRhs(), 1.0)   ? add.getLhs()
                   : add && isSplatNear(add.getLhs(), 1.0) ? add.getRhs()
                                                           : Value();
        if (!fn)
          continue;
        SmallVector<Operation *> matched;
        GeluApproximation approximation;
        if (auto erf = singleUseDef<ErfOp>(fn)) {
          if (matchErfArgument(erf.getInput(), matched) != x)
            continue;
          matched.push_back(erf);
          approximation = GeluApproximation::none;
        } else if (auto tanh = singleUseDef<TanhOp>(fn)) {
          if (matchTanhArgument(tanh.getInput(), matched) != x)
            continue;
          matched.push_back(tanh);
          approximation = GeluApproximation::tanh;
        } else {
          continue;
        }
        // The constants must not broadcast x to a larger shape.
        if (x.getType() != root.getType())
          return failure();
        matched.push_back(add);
        matched.append(products.rbegin(), products.rend());
        report(approximation == GeluApproximation::none ? "gelu-erf"
                                                        : "gelu-tanh",
               matched);
        // Located at every node it replaces (the dead ones go with the root).
        rewriter.replaceOp(
            root, GeluOp::create(
                      rewriter, fusedLoc(matched), x,
                      GeluApproximationAttr::get(getContext(), approximation)));
        return success();
      }
    }
    return failure();
  }
};
} // namespace

void fusion::populateGeluPatterns(RewritePatternSet &patterns) {
  patterns.add<GeluFromArithmetic>(patterns.getContext());
}
