//===- Attention.cpp - scaled dot-product attention -----------------------===//
//
//   s = MatMul(Q, Kt)            Q: B x H x Sq x D, Kt: B x H x D x Sk
//   s = s * c  |  s / c          (optional, c a constant scalar)
//   s = s + mask                 (optional, broadcasting to s)
//   p = Softmax(s, axis = -1)
//   y = MatMul(p, V)             V: B x H x Sk x Dv
//
// becomes autoglm.attention(Q, K, V, mask) with K = transpose(Kt) (folded
// into Kt's own transpose, which multi-head exports always have). Every
// intermediate must have this chain as its only user, and the batch and
// head dimensions must agree exactly: attention does not broadcast them.
//
// After --precision=fp16/bf16 the chain is mixed: both products take f16
// (bf16) operands with `accumulator_type = f32`, the scores and softmax
// are f32, and `p` is cast to the narrow type before the second product.
// That is the narrow attention op exactly (its lowering keeps the scores
// and softmax in f32 and casts the probabilities likewise); its result is
// cast to f32 for the product's users, or replaces the cast to the narrow
// type that usually follows. A float mask is clamped to the narrow type's
// range and cast: a masked key (-3.4e38) stays a huge finite penalty, as
// in f32, rather than -inf.
//
//===----------------------------------------------------------------------===//

#include "Rules.h"

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::fusion;

namespace {
RankedTensorType rank4(Value v) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  return t && t.getRank() == 4 && t.hasStaticShape() ? t : RankedTensorType();
}

/// A product of f16 or bf16 operands accumulated (and returned) in f32:
/// what --precision=fp16/bf16 makes of a product.
bool isMixedProduct(MatMulOp product) {
  std::optional<Type> acc = product.getAccumulatorType();
  Type operand = getElementTypeOrSelf(product.getLhs().getType());
  return acc && acc->isF32() && (operand.isF16() || operand.isBF16()) &&
         getElementTypeOrSelf(product.getType()).isF32();
}

/// The f32 additive `mask` in `narrow`: clamped to the narrow type's range
/// (so -inf and -1e9 stay masked rather than overflow) and cast. Made once
/// per mask, right after it, for every attention it feeds: BERT's layers
/// share one.
Value narrowMask(PatternRewriter &rewriter, Value mask, FloatType narrow) {
  double lowest =
      APFloat::getLargest(narrow.getFloatSemantics(), true).convertToDouble();
  auto type = RankedTensorType::get(
      cast<RankedTensorType>(mask.getType()).getShape(), narrow);
  for (Operation *user : mask.getUsers()) {
    auto clip = dyn_cast<ClipOp>(user);
    if (!clip || clip.getMaxAttr() || !clip.getMinAttr() ||
        clip.getMinAttr().getValueAsDouble() != lowest)
      continue;
    for (Operation *clipUser : clip->getUsers())
      if (auto cast = dyn_cast<CastOp>(clipUser);
          cast && cast.getType() == type)
        return cast;
  }
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPointAfterValue(mask);
  Value clamped = ClipOp::create(rewriter, mask.getLoc(), mask.getType(), mask,
                                 rewriter.getF64FloatAttr(lowest), FloatAttr());
  return CastOp::create(rewriter, mask.getLoc(), type, clamped);
}

struct AttentionFromMatMuls : OpRewritePattern<MatMulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MatMulOp av,
                                PatternRewriter &rewriter) const override {
    // The mixed-precision form casts the probabilities to the narrow type.
    Value probs = av.getLhs();
    auto probsCast = probs.getDefiningOp<CastOp>();
    if (probsCast) {
      if (!probsCast->hasOneUse() || !isMixedProduct(av))
        return failure();
      probs = probsCast.getInput();
    }
    auto softmax = probs.getDefiningOp<SoftmaxOp>();
    if (!softmax || !softmax->hasOneUse() || softmax.getLog())
      return failure();
    auto scoresType = cast<RankedTensorType>(softmax.getType());
    if (static_cast<int64_t>(softmax.getAxis()) != scoresType.getRank() - 1)
      return failure();
    SmallVector<Operation *> matched;

    // Walk back from the softmax input: an optional mask add, an optional
    // scale, then Q·Kt.
    Value s = softmax.getInput(), mask;
    double scale = 1.0;
    auto singleUseDef = [](Value v) {
      return v.hasOneUse() ? v.getDefiningOp() : nullptr;
    };
    Operation *def = singleUseDef(s);
    if (auto add = dyn_cast_or_null<AddOp>(def)) {
      // The scores side comes from the product (or its scaling); prefer the
      // left-hand side when both could.
      auto isScoresSide = [](Value v) {
        return isa_and_nonnull<MatMulOp, MulOp, DivOp>(v.getDefiningOp());
      };
      bool lhsIsScores =
          isScoresSide(add.getLhs()) || !isScoresSide(add.getRhs());
      s = lhsIsScores ? add.getLhs() : add.getRhs();
      mask = lhsIsScores ? add.getRhs() : add.getLhs();
      if (add.getType() != s.getType())
        return failure(); // the mask would broadcast the scores
      matched.push_back(add);
      def = singleUseDef(s);
    }
    if (auto mul = dyn_cast_or_null<MulOp>(def)) {
      std::optional<double> c = splatFloat(mul.getRhs());
      Value scores = mul.getLhs();
      if (!c) {
        c = splatFloat(mul.getLhs());
        scores = mul.getRhs();
      }
      if (!c || mul.getType() != scores.getType())
        return failure();
      scale = *c;
      matched.push_back(mul);
      def = singleUseDef(scores);
    } else if (auto div = dyn_cast_or_null<DivOp>(def)) {
      std::optional<double> c = splatFloat(div.getRhs());
      if (!c || *c == 0.0 || div.getType() != div.getLhs().getType())
        return failure();
      scale = 1.0 / *c;
      matched.push_back(div);
      def = singleUseDef(div.getLhs());
    }
    auto qk = dyn_cast_or_null<MatMulOp>(def);
    if (!qk || bool(probsCast) != isMixedProduct(qk))
      return failure();

    // Shapes: Q [B,H,Sq,D], Kt [B,H,D,Sk], V [B,H,Sk,Dv], all of one type.
    Value q = qk.getLhs(), kt = qk.getRhs(), v = av.getRhs();
    RankedTensorType qt = rank4(q), ktt = rank4(kt), vt = rank4(v);
    if (!qt || !ktt || !vt || qt.getElementType() != ktt.getElementType() ||
        qt.getElementType() != vt.getElementType() ||
        !isa<FloatType>(qt.getElementType()))
      return failure();
    ArrayRef<int64_t> qs = qt.getShape(), ks = ktt.getShape(),
                      vs = vt.getShape();
    if (qs[0] != ks[0] || qs[0] != vs[0] || qs[1] != ks[1] || qs[1] != vs[1] ||
        qs[3] != ks[2] || ks[3] != vs[2])
      return failure();
    Type narrow = qt.getElementType();
    Type maskType = mask ? getElementTypeOrSelf(mask.getType()) : Type();
    if (maskType && isa<FloatType>(maskType) && maskType != narrow &&
        !(probsCast && maskType == scoresType.getElementType()))
      return failure();
    if (probsCast && probsCast.getType().getElementType() != narrow)
      return failure();

    SmallVector<Operation *> all = {qk};
    all.append(matched.rbegin(), matched.rend());
    all.push_back(softmax);
    if (probsCast)
      all.push_back(probsCast);
    all.push_back(av);
    Location loc = fusedLoc(all);

    if (maskType && isa<FloatType>(maskType) && maskType != narrow)
      mask = narrowMask(rewriter, mask, cast<FloatType>(narrow));

    // K itself: Kt's transpose composed with the swap of the last two dims.
    Value k;
    if (auto t = kt.getDefiningOp<TransposeOp>()) {
      ArrayRef<int64_t> p = t.getPermutation();
      k = TransposeOp::create(rewriter, t.getLoc(), t.getInput(),
                              ArrayRef<int64_t>{p[0], p[1], p[3], p[2]});
    } else {
      k = TransposeOp::create(rewriter, kt.getLoc(), kt,
                              ArrayRef<int64_t>{0, 1, 3, 2});
    }
    auto attention = AttentionOp::create(rewriter, loc, q, k, v, mask,
                                         rewriter.getF64FloatAttr(scale));
    report("attention", all);
    if (!probsCast) {
      rewriter.replaceOp(av, attention.getResult());
      return success();
    }
    // The product's f32 result, or the cast back to the narrow type that
    // follows it: the attention's result itself.
    auto narrowed =
        av->hasOneUse() ? dyn_cast<CastOp>(*av->user_begin()) : CastOp();
    if (narrowed && narrowed.getType() == attention.getType()) {
      rewriter.replaceOp(narrowed, attention.getResult());
      rewriter.eraseOp(av);
      return success();
    }
    rewriter.replaceOpWithNewOp<CastOp>(av, av.getType(),
                                        attention.getResult());
    return success();
  }
};
} // namespace

void fusion::populateAttentionPatterns(RewritePatternSet &patterns) {
  patterns.add<AttentionFromMatMuls>(patterns.getContext());
}
