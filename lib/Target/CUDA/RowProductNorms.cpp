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
// Only when every reader of the norm is such a row product (f32, at most 8
// rows, its own constant weight stored N x K), maybe through a reshape, and
// gamma is a constant. The kernel scales the dot product by r before it
// adds an init it accumulates into (a residual, RowProductResiduals.cpp).
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CUDA/Passes.h"

#include "LibraryProducts.h"
#include "PermutedConstant.h"
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

/// An RMSNormalization over the last dimension of a region's input 0,
/// scaled by its input 1, as the lowering writes it:
///
///   autoglm.fused(%x, %gamma) {
///     %s = linalg.generic (reduce the last dimension) ins(%x)
///            outs(linalg.fill 0) { out + in * in }
///     %y = linalg.generic ins(%x, %s, %gamma) {
///            x * rsqrt(s / K + eps) * gamma }
///     autoglm.yield %y
///   }
///
/// Returns epsilon.
std::optional<double> matchRmsNormRegion(FusedOp region) {
  if (region.getInputs().size() != 2 || region.getNumResults() != 1)
    return std::nullopt;
  Block &body = region.getBody().front();
  Value x = body.getArgument(0), gamma = body.getArgument(1);
  auto xType = dyn_cast<RankedTensorType>(x.getType());
  if (!xType || !xType.hasStaticShape() || !xType.getElementType().isF32())
    return std::nullopt;
  int64_t rank = xType.getRank(), k = xType.getShape().back();
  auto normalize = cast<YieldOp>(body.getTerminator())
                       .getValues()
                       .front()
                       .getDefiningOp<linalg::GenericOp>();
  if (!normalize || normalize.getNumReductionLoops() != 0 ||
      normalize.getNumDpsInputs() != 3)
    return std::nullopt;
  // The normalize's inputs: x (identity), the sum (the last dimension
  // dropped), gamma (the last dimension alone), in any order.
  Value sum;
  int64_t xIn = -1, sumIn = -1, gammaIn = -1;
  MLIRContext *ctx = region.getContext();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  AffineMap dropLast = identity.dropResult(rank - 1);
  AffineMap lastOnly =
      AffineMap::get(rank, 0, getAffineDimExpr(rank - 1, ctx), ctx);
  for (OpOperand *in : normalize.getDpsInputOperands()) {
    AffineMap map = normalize.getMatchingIndexingMap(in);
    int64_t index = in->getOperandNumber();
    if (in->get() == x && map == identity)
      xIn = index;
    else if (in->get() == gamma && map == lastOnly)
      gammaIn = index;
    else if (map == dropLast)
      sumIn = index, sum = in->get();
  }
  if (xIn < 0 || gammaIn < 0 || sumIn < 0 ||
      normalize.getMatchingIndexingMap(normalize.getDpsInitOperand(0)) !=
          identity)
    return std::nullopt;

  // The sum: of the squares of x along the last dimension, from zero.
  auto reduce = sum.getDefiningOp<linalg::GenericOp>();
  if (!reduce || reduce.getNumDpsInputs() != 1 ||
      reduce.getDpsInputs()[0] != x || reduce.getNumReductionLoops() != 1 ||
      reduce.getIteratorTypesArray().back() != utils::IteratorType::reduction ||
      reduce.getMatchingIndexingMap(reduce.getDpsInputOperand(0)) != identity ||
      reduce.getMatchingIndexingMap(reduce.getDpsInitOperand(0)) != dropLast)
    return std::nullopt;
  auto fill = reduce.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
  if (!fill || !isZeroConstant(fill.getInputs()[0]))
    return std::nullopt;
  Block &sumBody = reduce.getRegion().front();
  Value accumulated = sumBody.getTerminator()->getOperand(0);
  bool sumOfSquares = false;
  for (auto [acc, square] : commutedOperands<arith::AddFOp>(accumulated))
    for (auto [p, q] : commutedOperands<arith::MulFOp>(square))
      sumOfSquares |= operandIndex(acc, sumBody) == 1 &&
                      operandIndex(p, sumBody) == 0 &&
                      operandIndex(q, sumBody) == 0;
  if (!sumOfSquares)
    return std::nullopt;

  // x * rsqrt(s / K + eps) * gamma, the products in either order.
  Block &scalar = normalize.getRegion().front();
  Value result = scalar.getTerminator()->getOperand(0);
  std::optional<double> epsilon;
  auto matchScale = [&](Value r) {
    auto rsqrt = r.getDefiningOp<math::RsqrtOp>();
    if (!rsqrt)
      return false;
    for (auto [mean, eps] :
         commutedOperands<arith::AddFOp>(rsqrt.getOperand())) {
      FloatAttr epsAttr;
      auto divide = mean.getDefiningOp<arith::DivFOp>();
      if (divide && operandIndex(divide.getLhs(), scalar) == sumIn &&
          isConstantFloat(divide.getRhs(), k) &&
          matchPattern(eps, m_Constant(&epsAttr))) {
        epsilon = epsAttr.getValueAsDouble();
        return true;
      }
    }
    return false;
  };
  for (auto [normalized, g] : commutedOperands<arith::MulFOp>(result)) {
    if (operandIndex(g, scalar) != gammaIn)
      continue;
    for (auto [xs, r] : commutedOperands<arith::MulFOp>(normalized))
      if (operandIndex(xs, scalar) == xIn && matchScale(r))
        return epsilon;
  }
  return std::nullopt;
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
    SmallVector<std::pair<FusedOp, double>> norms;
    getOperation().walk([&](FusedOp region) {
      if (std::optional<double> epsilon = matchRmsNormRegion(region))
        norms.emplace_back(region, *epsilon);
    });
    for (auto [region, epsilon] : norms)
      fold(region, epsilon);
  }

  void fold(FusedOp region, double epsilon) {
    Value norm = region.getResult(0);
    Value x = region.getInputs()[0];
    Attribute gamma;
    if (norm.use_empty() || norm.getType() != x.getType() ||
        !matchPattern(region.getInputs()[1], m_Constant(&gamma)))
      return;
    SmallVector<NormReader> readers;
    for (Operation *user : norm.getUsers()) {
      std::optional<NormReader> reader = matchNormReader(user, norm, x);
      if (!reader)
        return;
      readers.push_back(*reader);
    }
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
                              b.getF32FloatAttr(epsilon));
      reader.weight.erase();
      if (reader.collapse)
        reader.collapse.erase();
    }
    region.erase();
  }
};
} // namespace
