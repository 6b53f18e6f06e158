//===- RowProductNorms.cpp - --autoglm-cuda-row-product-norms -------------===//
//
// A decoder layer normalizes its residual stream before each block, and
// only products read the result: RMSNormalization(x) * gamma feeds the Q/K/V
// projection, and the gate and up projections. At one token the norm is a
// kernel of its own, whose time is its launch (about 2 us on the H200).
// Since
//
//   sum_k (x_k * r * gamma_k) * W[n, k]  =  r * sum_k x_k * (gamma_k W[n, k])
//   with r = 1 / sqrt(mean_k(x_k^2) + epsilon)
//
// the product reads x itself against its weight scaled by gamma at compile
// time, and the row-product kernel (RowProducts.cpp), which loads each
// element of x anyway, sums its squares beside the dot product and scales
// the dot product by r: no kernel, no pass over memory for the norm.
//
//   %y = autoglm.fused(%x, %gamma) { sum of squares; x * rsqrt(s / K + eps)
//                                    * gamma }
//   %p = linalg.matmul ins(%y, %wT) outs(%zero)
//     ==>
//   %p = linalg.matmul {autoglm.rms_normalized_rows = eps}
//          ins(%x, %wT_times_gamma) outs(%zero)
//
// The norm may also be the decomposition exporters write (ReduceMean of
// x * x or Pow(x, 2), Add, Sqrt, Div or Reciprocal, Mul): a region for
// the mean and one for the normalize, both of which go.
//
// Only when every reader of the norm is such a row product (f32, at most 8
// rows, its own constant weight stored N x K), maybe through a reshape, and
// gamma is a constant. The kernel scales the dot product by r before it
// adds an init it accumulates into (a residual, RowProductResiduals.cpp).
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CUDA/Passes.h"

#include "../PermutedConstant.h"
#include "LibraryProducts.h"
#include "RowProducts.h"

#include "autoglm/Dialect/AutoGLM.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMCUDAROWPRODUCTNORMS
#include "autoglm/Target/CUDA/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {
/// The operand of a linalg.generic that `v`, a value of its scalar body
/// `scalar`, stands for: the operand's index, or -1.
int64_t operandIndex(Value v, Block &scalar) {
  auto arg = dyn_cast<BlockArgument>(v);
  return arg && arg.getOwner() == &scalar ? arg.getArgNumber() : -1;
}

/// The operands of the op that defines `v`, when it is a binary op of kind
/// OpTy, as (lhs, rhs) and (rhs, lhs): a commutative op matches either way.
template <typename OpTy>
SmallVector<std::pair<Value, Value>> commutedOperands(Value v) {
  auto op = v.getDefiningOp<OpTy>();
  if (!op)
    return {};
  return {{op->getOperand(0), op->getOperand(1)},
          {op->getOperand(1), op->getOperand(0)}};
}

bool isConstantFloat(Value v, double expected) {
  FloatAttr attr;
  return matchPattern(v, m_Constant(&attr)) &&
         std::abs(attr.getValueAsDouble() - expected) <=
             1e-6 * std::abs(expected);
}

/// In `scalar`, the body of a normalize, the expression `y` when it is
///   x * r * g   or   x / sqrt(m + eps) * g,   r = rsqrt(m + eps) or
///   1 / sqrt(m + eps),   m = stat / K (`divisor`) or stat,
/// with x, stat and gamma the body's operands `xIn`, `statIn`, `gammaIn`
/// (-1: none), g gamma, a constant or absent, the products in either
/// order: the forms of our RMSNormalization lowering and of exporters'
/// decompositions. Returns epsilon and g's constant (1 when absent; none
/// when g is gamma).
struct NormalizeExpr {
  double epsilon;
  std::optional<double> scale;
};
std::optional<NormalizeExpr> matchNormalize(Value y, Block &scalar, int64_t xIn,
                                            int64_t statIn, int64_t gammaIn,
                                            std::optional<int64_t> divisor) {
  auto isOperand = [&](Value v, int64_t index) {
    return index >= 0 && operandIndex(v, scalar) == index;
  };
  auto constant = [](Value v) -> std::optional<double> {
    FloatAttr attr;
    if (matchPattern(v, m_Constant(&attr)))
      return attr.getValueAsDouble();
    return std::nullopt;
  };
  // m + eps: epsilon.
  auto shifted = [&](Value a) -> std::optional<double> {
    for (auto [m, e] : commutedOperands<arith::AddFOp>(a)) {
      std::optional<double> eps = constant(e);
      auto divide = m.getDefiningOp<arith::DivFOp>();
      if (eps && (divisor ? divide && isOperand(divide.getLhs(), statIn) &&
                                isConstantFloat(divide.getRhs(), *divisor)
                          : isOperand(m, statIn)))
        return eps;
    }
    return std::nullopt;
  };
  auto root = [&](Value v) -> std::optional<double> {
    auto sqrt = v.getDefiningOp<math::SqrtOp>();
    return sqrt ? shifted(sqrt.getOperand()) : std::nullopt;
  };
  // x * r or x / sqrt(m + eps): epsilon.
  auto normalized = [&](Value v) -> std::optional<double> {
    for (auto [xs, r] : commutedOperands<arith::MulFOp>(v)) {
      if (!isOperand(xs, xIn))
        continue;
      if (auto rsqrt = r.getDefiningOp<math::RsqrtOp>())
        return shifted(rsqrt.getOperand());
      if (auto divide = r.getDefiningOp<arith::DivFOp>();
          divide && constant(divide.getLhs()) == 1.0)
        return root(divide.getRhs());
    }
    auto divide = v.getDefiningOp<arith::DivFOp>();
    if (divide && isOperand(divide.getLhs(), xIn))
      return root(divide.getRhs());
    return std::nullopt;
  };
  for (auto [n, g] : commutedOperands<arith::MulFOp>(y)) {
    std::optional<double> eps = normalized(n);
    if (!eps)
      continue;
    if (isOperand(g, gammaIn))
      return NormalizeExpr{*eps, std::nullopt};
    if (std::optional<double> c = constant(g))
      return NormalizeExpr{*eps, c};
  }
  if (gammaIn < 0)
    if (std::optional<double> eps = normalized(y))
      return NormalizeExpr{*eps, 1.0};
  return std::nullopt;
}

/// True when `reduce` sums the squares of `x`, its only input, along the
/// last dimension, from zero: out + in * in (or in ** 2).
bool sumsSquaresOf(linalg::GenericOp reduce, Value x) {
  auto type = dyn_cast<RankedTensorType>(x.getType());
  if (!reduce || !type || reduce.getNumDpsInputs() != 1 ||
      reduce.getDpsInputs()[0] != x || reduce.getNumReductionLoops() != 1 ||
      reduce.getIteratorTypesArray().back() != utils::IteratorType::reduction)
    return false;
  AffineMap identity =
      AffineMap::getMultiDimIdentityMap(type.getRank(), reduce.getContext());
  if (reduce.getMatchingIndexingMap(reduce.getDpsInputOperand(0)) != identity ||
      reduce.getMatchingIndexingMap(reduce.getDpsInitOperand(0)) !=
          identity.dropResult(type.getRank() - 1))
    return false;
  auto fill = reduce.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
  if (!fill || !isZeroConstant(fill.getInputs()[0]))
    return false;
  Block &body = reduce.getRegion().front();
  for (auto [acc, square] :
       commutedOperands<arith::AddFOp>(body.getTerminator()->getOperand(0))) {
    if (operandIndex(acc, body) != 1)
      continue;
    for (auto [p, q] : commutedOperands<arith::MulFOp>(square))
      if (operandIndex(p, body) == 0 && operandIndex(q, body) == 0)
        return true;
    auto power = square.getDefiningOp<math::PowFOp>();
    if (power && operandIndex(power.getLhs(), body) == 0 &&
        isConstantFloat(power.getRhs(), 2.0))
      return true;
  }
  return false;
}

/// An RMS normalization over the last dimension of an f32 tensor x:
/// y = x * rsqrt(mean(x^2) + eps) * gamma.
struct RmsNorm {
  FusedOp region; // computes y
  FusedOp meanOf; // computes mean(x^2) for `region`, or null
  Value x;        // outside the regions
  double epsilon;
  Attribute gamma; // a constant of K elements, or null for `scale`
  double scale;
};

/// The linalg.generic whose result `region` yields, when it is
/// elementwise and writes its init by the identity map.
linalg::GenericOp yieldedNormalize(FusedOp region) {
  Block &body = region.getBody().front();
  auto normalize = cast<YieldOp>(body.getTerminator())
                       .getValues()
                       .front()
                       .getDefiningOp<linalg::GenericOp>();
  if (!normalize || normalize.getNumReductionLoops() != 0 ||
      normalize.getNumDpsInits() != 1 ||
      !normalize.getMatchingIndexingMap(normalize.getDpsInitOperand(0))
           .isIdentity())
    return nullptr;
  return normalize;
}

/// Matches `region` as a whole RMS normalization (our lowering of
/// RMSNormalization: the sum of squares and the normalize in one region),
/// or as the normalize of a decomposition whose mean another region
/// computes (ReduceMean of x * x or Pow(x, 2), then Add, Sqrt, Div or
/// Reciprocal and Mul: two regions after fusion).
std::optional<RmsNorm> matchRmsNorm(FusedOp region) {
  if (region.getNumResults() != 1)
    return std::nullopt;
  Block &body = region.getBody().front();
  linalg::GenericOp normalize = yieldedNormalize(region);
  if (!normalize)
    return std::nullopt;
  auto yType = cast<RankedTensorType>(normalize->getResult(0).getType());
  if (!yType.hasStaticShape() || !yType.getElementType().isF32())
    return std::nullopt;
  int64_t rank = yType.getRank(), k = yType.getShape().back();
  MLIRContext *ctx = region.getContext();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  AffineMap dropLast = identity.dropResult(rank - 1);
  AffineMap lastZero = identity.replace(getAffineDimExpr(rank - 1, ctx),
                                        getAffineConstantExpr(0, ctx), rank, 0);
  AffineMap lastOnly =
      AffineMap::get(rank, 0, getAffineDimExpr(rank - 1, ctx), ctx);
  // The normalize's operands: x (identity), the statistic (the sum, the
  // last dimension dropped; or the mean of another region, kept as 1),
  // gamma (the last dimension alone), each a region input but the sum.
  int64_t xIn = -1, statIn = -1, gammaIn = -1;
  BlockArgument xArg, gammaArg;
  Value stat;
  for (OpOperand *in : normalize.getDpsInputOperands()) {
    AffineMap map = normalize.getMatchingIndexingMap(in);
    auto arg = dyn_cast<BlockArgument>(in->get());
    bool regionInput = arg && arg.getOwner() == &body;
    int64_t index = in->getOperandNumber();
    if (map == identity && regionInput && xIn < 0)
      xIn = index, xArg = arg;
    else if (map == lastOnly && regionInput && gammaIn < 0)
      gammaIn = index, gammaArg = arg;
    else if ((map == dropLast || map == lastZero) && statIn < 0)
      statIn = index, stat = in->get();
    else
      return std::nullopt;
  }
  if (xIn < 0 || statIn < 0)
    return std::nullopt;
  RmsNorm norm;
  norm.region = region;
  norm.x = region.getInputs()[xArg.getArgNumber()];
  std::optional<int64_t> divisor;
  if (auto sum = stat.getDefiningOp<linalg::GenericOp>()) {
    // Our lowering: the sum of squares in this region, divided here.
    if (!sumsSquaresOf(sum, xArg))
      return std::nullopt;
    divisor = k;
  } else {
    // A decomposition: the mean of x^2 from a region of its own that
    // nothing else reads: the sum, divided by K, viewed with the last
    // dimension kept.
    auto arg = dyn_cast<BlockArgument>(stat);
    if (!arg || arg.getOwner() != &body)
      return std::nullopt;
    norm.meanOf =
        region.getInputs()[arg.getArgNumber()].getDefiningOp<FusedOp>();
    if (!norm.meanOf || !norm.meanOf->hasOneUse() ||
        norm.meanOf.getInputs().size() != 1 ||
        norm.meanOf.getInputs()[0] != norm.x)
      return std::nullopt;
    Block &meanBody = norm.meanOf.getBody().front();
    Value mean = cast<YieldOp>(meanBody.getTerminator()).getValues().front();
    if (auto expand = mean.getDefiningOp<tensor::ExpandShapeOp>())
      mean = expand.getSrc();
    auto divide = mean.getDefiningOp<linalg::GenericOp>();
    if (!divide || divide.getNumDpsInputs() != 1 ||
        divide.getNumReductionLoops() != 0 ||
        !llvm::all_of(divide.getIndexingMapsArray(),
                      [](AffineMap map) { return map.isIdentity(); }) ||
        !sumsSquaresOf(
            divide.getDpsInputs()[0].getDefiningOp<linalg::GenericOp>(),
            meanBody.getArgument(0)))
      return std::nullopt;
    Block &divideBody = divide.getRegion().front();
    auto quotient = divideBody.getTerminator()
                        ->getOperand(0)
                        .getDefiningOp<arith::DivFOp>();
    if (!quotient || operandIndex(quotient.getLhs(), divideBody) != 0 ||
        !isConstantFloat(quotient.getRhs(), k))
      return std::nullopt;
  }
  Block &scalar = normalize.getRegion().front();
  std::optional<NormalizeExpr> expr =
      matchNormalize(scalar.getTerminator()->getOperand(0), scalar, xIn, statIn,
                     gammaIn, divisor);
  if (!expr)
    return std::nullopt;
  norm.epsilon = expr->epsilon;
  norm.scale = expr->scale.value_or(1.0);
  if (!expr->scale && !matchPattern(region.getInputs()[gammaArg.getArgNumber()],
                                    m_Constant(&norm.gamma)))
    return std::nullopt;
  return norm;
}

/// An f32 row product that reads `norm` (maybe through one collapse_shape)
/// as its input, and whose weight, stored N x K, is a constant that it
/// alone reads. It starts from zero, or accumulates into a tensor that is
/// not `x`'s buffer (its kernel writes that in place while it reads x).
struct NormReader {
  linalg::MatmulOp product;
  tensor::CollapseShapeOp collapse; // null when the product reads the norm
  arith::ConstantOp weight;
};
std::optional<NormReader> matchNormReader(Operation *user, Value norm,
                                          Value x) {
  NormReader reader;
  if ((reader.collapse = dyn_cast<tensor::CollapseShapeOp>(user))) {
    if (!reader.collapse->hasOneUse())
      return std::nullopt;
    user = *reader.collapse->getUsers().begin();
  }
  reader.product = dyn_cast<linalg::MatmulOp>(user);
  linalg::MatmulOp product = reader.product;
  if (!product || !product.hasPureTensorSemantics() ||
      !readsTransposedB(product) || !takesRowProduct(product) ||
      product.getDpsInputs()[0] !=
          (reader.collapse ? Value(reader.collapse.getResult()) : norm) ||
      !cast<ShapedType>(product.getDpsInputs()[1].getType())
           .getElementType()
           .isF32() ||
      product->hasAttr(kRmsNormalizedRowsAttr))
    return std::nullopt;
  Value init = product.getDpsInits()[0];
  auto fill = init.getDefiningOp<linalg::FillOp>();
  bool fromZero = fill && isZeroConstant(fill.getInputs()[0]);
  reader.weight = product.getDpsInputs()[1].getDefiningOp<arith::ConstantOp>();
  if ((!fromZero && reshapeRoot(init) == reshapeRoot(x)) || !reader.weight ||
      !reader.weight->hasOneUse())
    return std::nullopt;
  return reader;
}

struct RowProductNorms
    : autoglm::impl::AutoGLMCUDARowProductNormsBase<RowProductNorms> {
  void runOnOperation() override {
    SmallVector<RmsNorm> norms;
    getOperation().walk([&](FusedOp region) {
      if (std::optional<RmsNorm> norm = matchRmsNorm(region))
        norms.push_back(*norm);
    });
    for (RmsNorm &norm : norms)
      fold(norm);
  }

  void fold(RmsNorm &norm) {
    Value y = norm.region.getResult(0), x = norm.x;
    if (y.use_empty() || y.getType() != x.getType())
      return;
    SmallVector<NormReader> readers;
    for (Operation *user : y.getUsers()) {
      std::optional<NormReader> reader = matchNormReader(user, y, x);
      if (!reader)
        return;
      readers.push_back(*reader);
    }
    // gamma, or the constant that stands for it, along K.
    int64_t k = cast<RankedTensorType>(x.getType()).getShape().back();
    Attribute gamma = norm.gamma;
    if (!gamma)
      gamma = DenseElementsAttr::get(
          RankedTensorType::get({k}, Float32Type::get(&getContext())),
          static_cast<float>(norm.scale));
    SmallVector<TypedAttr> scaled;
    for (NormReader &reader : readers) {
      TypedAttr weight = scaleConstantColumns(reader.weight.getValue(), gamma,
                                              "scaled_by_norm");
      if (!weight)
        return;
      scaled.push_back(weight);
    }
    for (auto [reader, weight] : llvm::zip(readers, scaled)) {
      OpBuilder b(reader.product);
      Value input = x;
      if (reader.collapse)
        input = tensor::CollapseShapeOp::create(
            b, reader.collapse.getLoc(), x,
            reader.collapse.getReassociationIndices());
      Value w = arith::ConstantOp::create(b, reader.weight.getLoc(), weight);
      reader.product->setOperand(0, input);
      reader.product->setOperand(1, w);
      reader.product->setAttr(kRmsNormalizedRowsAttr,
                              b.getF32FloatAttr(norm.epsilon));
      reader.weight.erase();
      if (reader.collapse)
        reader.collapse.erase();
    }
    norm.region.erase();
    if (norm.meanOf)
      norm.meanOf.erase();
  }
};
} // namespace
