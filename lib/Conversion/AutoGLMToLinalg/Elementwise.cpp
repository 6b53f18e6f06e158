//===- Elementwise.cpp - elementwise autoglm ops to linalg.generic --------===//
//
// Every elementwise op becomes one linalg.generic over the result shape whose
// indexing maps implement numpy broadcasting (see broadcastMap); the body is
// the scalar computation below, chosen by the original element type
// (float, signed integer, or unsigned integer / i1).
//
//===----------------------------------------------------------------------===//

#include "Common.h"

#include "autoglm/Conversion/Float8.h"
#include "autoglm/Dialect/SeparateOps.h"

#include <cmath>

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::lowering;

namespace {
/// What a scalar body needs: the builder, the signless element type of the
/// operands and their signedness.
struct Scalar {
  OpBuilder &b;
  Location loc;
  Type type;
  bool isFloat;
  bool isUnsigned;

  Value c(double v) const { return numConst(b, loc, type, v); }
};

Value scalarOf(AddOp, Scalar &s, ValueRange a) {
  return addScalar(s.b, s.loc, a[0], a[1]);
}
Value scalarOf(MulOp, Scalar &s, ValueRange a) {
  return mulScalar(s.b, s.loc, a[0], a[1]);
}
Value scalarOf(SubOp, Scalar &s, ValueRange a) {
  if (s.isFloat)
    return arith::SubFOp::create(s.b, s.loc, a[0], a[1]);
  return arith::SubIOp::create(s.b, s.loc, a[0], a[1]);
}
Value scalarOf(DivOp, Scalar &s, ValueRange a) {
  if (s.isFloat)
    return arith::DivFOp::create(s.b, s.loc, a[0], a[1]);
  if (s.isUnsigned)
    return arith::DivUIOp::create(s.b, s.loc, a[0], a[1]);
  return arith::DivSIOp::create(s.b, s.loc, a[0], a[1]);
}
Value scalarOf(PowOp, Scalar &s, ValueRange a) {
  if (s.isFloat)
    return math::PowFOp::create(s.b, s.loc, a[0], a[1]);
  // Integer power through f64 (exact below 2^53): keeps the lowered IR free
  // of math.ipowi, which would need --convert-math-to-funcs downstream.
  Type f64 = s.b.getF64Type();
  Type orig = s.isUnsigned
                  ? Type(IntegerType::get(s.b.getContext(),
                                          s.type.getIntOrFloatBitWidth(),
                                          IntegerType::Unsigned))
                  : s.type;
  Value x = castScalar(s.b, s.loc, a[0], orig, f64);
  Value y = castScalar(s.b, s.loc, a[1], orig, f64);
  Value p = math::PowFOp::create(s.b, s.loc, x, y);
  return castScalar(s.b, s.loc, p, f64, orig);
}
Value scalarOf(MaxOp, Scalar &s, ValueRange a) {
  return maxScalar(s.b, s.loc, a[0], a[1], s.isUnsigned);
}
Value scalarOf(MinOp, Scalar &s, ValueRange a) {
  return minScalar(s.b, s.loc, a[0], a[1], s.isUnsigned);
}
Value remScalar(Scalar &s, Value x, Value y, bool fmod) {
  OpBuilder &b = s.b;
  Location loc = s.loc;
  if (s.isUnsigned)
    return arith::RemUIOp::create(b, loc, x, y);
  Value r = s.isFloat ? Value(arith::RemFOp::create(b, loc, x, y))
                      : Value(arith::RemSIOp::create(b, loc, x, y));
  if (fmod)
    return r;
  // Python semantics: a nonzero remainder takes the divisor's sign.
  Value zero = s.c(0);
  Value rNeg, yNeg, rNonZero;
  if (s.isFloat) {
    rNeg = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, r, zero);
    yNeg = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, y, zero);
    rNonZero =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::ONE, r, zero);
  } else {
    rNeg = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, r, zero);
    yNeg = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, y, zero);
    rNonZero = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, r, zero);
  }
  Value signsDiffer = arith::XOrIOp::create(b, loc, rNeg, yNeg);
  Value fix = arith::AndIOp::create(b, loc, signsDiffer, rNonZero);
  return arith::SelectOp::create(b, loc, fix, addScalar(b, loc, r, y), r);
}
Value scalarOf(RemOp op, Scalar &s, ValueRange a) {
  return remScalar(s, a[0], a[1], op.getFmod());
}
Value scalarOf(AndOp, Scalar &s, ValueRange a) {
  return arith::AndIOp::create(s.b, s.loc, a[0], a[1]);
}
Value scalarOf(OrOp, Scalar &s, ValueRange a) {
  return arith::OrIOp::create(s.b, s.loc, a[0], a[1]);
}
Value scalarOf(XorOp, Scalar &s, ValueRange a) {
  return arith::XOrIOp::create(s.b, s.loc, a[0], a[1]);
}
Value scalarOf(CmpOp op, Scalar &s, ValueRange a) {
  CmpPredicate p = op.getPredicate();
  if (s.isFloat) {
    // Ordered predicates: false with NaN, except `ne` (unordered).
    arith::CmpFPredicate fp;
    switch (p) {
    case CmpPredicate::eq:
      fp = arith::CmpFPredicate::OEQ;
      break;
    case CmpPredicate::ne:
      fp = arith::CmpFPredicate::UNE;
      break;
    case CmpPredicate::lt:
      fp = arith::CmpFPredicate::OLT;
      break;
    case CmpPredicate::le:
      fp = arith::CmpFPredicate::OLE;
      break;
    case CmpPredicate::gt:
      fp = arith::CmpFPredicate::OGT;
      break;
    case CmpPredicate::ge:
      fp = arith::CmpFPredicate::OGE;
      break;
    }
    return arith::CmpFOp::create(s.b, s.loc, fp, a[0], a[1]);
  }
  bool u = s.isUnsigned;
  arith::CmpIPredicate ip;
  switch (p) {
  case CmpPredicate::eq:
    ip = arith::CmpIPredicate::eq;
    break;
  case CmpPredicate::ne:
    ip = arith::CmpIPredicate::ne;
    break;
  case CmpPredicate::lt:
    ip = u ? arith::CmpIPredicate::ult : arith::CmpIPredicate::slt;
    break;
  case CmpPredicate::le:
    ip = u ? arith::CmpIPredicate::ule : arith::CmpIPredicate::sle;
    break;
  case CmpPredicate::gt:
    ip = u ? arith::CmpIPredicate::ugt : arith::CmpIPredicate::sgt;
    break;
  case CmpPredicate::ge:
    ip = u ? arith::CmpIPredicate::uge : arith::CmpIPredicate::sge;
    break;
  }
  return arith::CmpIOp::create(s.b, s.loc, ip, a[0], a[1]);
}
Value scalarOf(SelectOp, Scalar &s, ValueRange a) {
  return arith::SelectOp::create(s.b, s.loc, a[0], a[1], a[2]);
}

//===--- unary ------------------------------------------------------------===//

Value scalarOf(NegOp, Scalar &s, ValueRange a) {
  if (s.isFloat)
    return arith::NegFOp::create(s.b, s.loc, a[0]);
  return arith::SubIOp::create(s.b, s.loc, s.c(0), a[0]);
}
Value scalarOf(AbsOp, Scalar &s, ValueRange a) {
  if (s.isFloat)
    return math::AbsFOp::create(s.b, s.loc, a[0]);
  if (s.isUnsigned)
    return a[0];
  return math::AbsIOp::create(s.b, s.loc, a[0]);
}
Value scalarOf(SignOp, Scalar &s, ValueRange a) {
  OpBuilder &b = s.b;
  Value x = a[0], zero = s.c(0), one = s.c(1);
  if (s.isFloat) {
    // NaN stays NaN: neither comparison holds, so x itself is returned.
    Value pos =
        arith::CmpFOp::create(b, s.loc, arith::CmpFPredicate::OGT, x, zero);
    Value neg =
        arith::CmpFOp::create(b, s.loc, arith::CmpFPredicate::OLT, x, zero);
    Value isZero =
        arith::CmpFOp::create(b, s.loc, arith::CmpFPredicate::OEQ, x, zero);
    Value r = arith::SelectOp::create(b, s.loc, isZero, zero, x);
    r = arith::SelectOp::create(b, s.loc, neg, s.c(-1), r);
    return arith::SelectOp::create(b, s.loc, pos, one, r);
  }
  if (s.isUnsigned) {
    Value nz =
        arith::CmpIOp::create(b, s.loc, arith::CmpIPredicate::ne, x, zero);
    return arith::SelectOp::create(b, s.loc, nz, one, zero);
  }
  Value pos =
      arith::CmpIOp::create(b, s.loc, arith::CmpIPredicate::sgt, x, zero);
  Value neg =
      arith::CmpIOp::create(b, s.loc, arith::CmpIPredicate::slt, x, zero);
  Value r = arith::SelectOp::create(b, s.loc, neg, s.c(-1), zero);
  return arith::SelectOp::create(b, s.loc, pos, one, r);
}
Value scalarOf(ReluOp, Scalar &s, ValueRange a) {
  return maxScalar(s.b, s.loc, a[0], s.c(0), s.isUnsigned);
}
Value scalarOf(ExpOp, Scalar &s, ValueRange a) {
  return math::ExpOp::create(s.b, s.loc, a[0]);
}
Value scalarOf(LogOp, Scalar &s, ValueRange a) {
  return math::LogOp::create(s.b, s.loc, a[0]);
}
Value scalarOf(SqrtOp, Scalar &s, ValueRange a) {
  return math::SqrtOp::create(s.b, s.loc, a[0]);
}
Value scalarOf(RsqrtOp, Scalar &s, ValueRange a) {
  return math::RsqrtOp::create(s.b, s.loc, a[0]);
}
Value scalarOf(ReciprocalOp, Scalar &s, ValueRange a) {
  return arith::DivFOp::create(s.b, s.loc, s.c(1), a[0]);
}
Value scalarOf(TanhOp, Scalar &s, ValueRange a) {
  return math::TanhOp::create(s.b, s.loc, a[0]);
}
Value scalarOf(ErfOp, Scalar &s, ValueRange a) {
  return math::ErfOp::create(s.b, s.loc, a[0]);
}
Value sigmoid(Scalar &s, Value x) {
  Value e =
      math::ExpOp::create(s.b, s.loc, arith::NegFOp::create(s.b, s.loc, x));
  return arith::DivFOp::create(s.b, s.loc, s.c(1),
                               arith::AddFOp::create(s.b, s.loc, s.c(1), e));
}
Value scalarOf(SigmoidOp, Scalar &s, ValueRange a) { return sigmoid(s, a[0]); }
Value scalarOf(SinOp, Scalar &s, ValueRange a) {
  return math::SinOp::create(s.b, s.loc, a[0]);
}
Value scalarOf(CosOp, Scalar &s, ValueRange a) {
  return math::CosOp::create(s.b, s.loc, a[0]);
}
Value scalarOf(FloorOp, Scalar &s, ValueRange a) {
  return math::FloorOp::create(s.b, s.loc, a[0]);
}
Value scalarOf(CeilOp, Scalar &s, ValueRange a) {
  return math::CeilOp::create(s.b, s.loc, a[0]);
}
Value scalarOf(RoundOp, Scalar &s, ValueRange a) {
  return math::RoundEvenOp::create(s.b, s.loc, a[0]);
}
Value scalarOf(SoftplusOp, Scalar &s, ValueRange a) {
  // log(1 + e^x) = max(x, 0) + log1p(e^-|x|): no overflow for large x.
  OpBuilder &b = s.b;
  Value x = a[0];
  Value absX = math::AbsFOp::create(b, s.loc, x);
  Value e =
      math::ExpOp::create(b, s.loc, arith::NegFOp::create(b, s.loc, absX));
  Value l = math::Log1pOp::create(b, s.loc, e);
  return arith::AddFOp::create(
      b, s.loc, arith::MaximumFOp::create(b, s.loc, x, s.c(0)), l);
}
Value scalarOf(NotOp, Scalar &s, ValueRange a) {
  Value ones = arith::ConstantOp::create(
      s.b, s.loc,
      s.b.getIntegerAttr(s.type,
                         APInt::getAllOnes(s.type.getIntOrFloatBitWidth())));
  return arith::XOrIOp::create(s.b, s.loc, a[0], ones);
}
#define AUTOGLM_MATH_UNARY(OP)                                                 \
  Value scalarOf(OP##Op, Scalar &s, ValueRange a) {                            \
    return math::OP##Op::create(s.b, s.loc, a[0]);                             \
  }
AUTOGLM_MATH_UNARY(Tan)
AUTOGLM_MATH_UNARY(Asin)
AUTOGLM_MATH_UNARY(Acos)
AUTOGLM_MATH_UNARY(Atan)
AUTOGLM_MATH_UNARY(Sinh)
AUTOGLM_MATH_UNARY(Cosh)
AUTOGLM_MATH_UNARY(Asinh)
AUTOGLM_MATH_UNARY(Acosh)
AUTOGLM_MATH_UNARY(Atanh)
#undef AUTOGLM_MATH_UNARY
/// lhs << rhs, or lhs >> rhs (arithmetic for signed types, logical for
/// unsigned ones). A shift by a negative amount or by the width or more
/// (poison in arith) gives what the sign extension alone gives: -1 for a
/// right shift of a negative signed value, 0 otherwise.
Value shiftScalar(Scalar &s, ValueRange a, bool left) {
  OpBuilder &b = s.b;
  Value x = a[0], amount = a[1];
  bool arithmetic = !left && !s.isUnsigned;
  Value shifted;
  if (left)
    shifted = arith::ShLIOp::create(b, s.loc, x, amount);
  else if (arithmetic)
    shifted = arith::ShRSIOp::create(b, s.loc, x, amount);
  else
    shifted = arith::ShRUIOp::create(b, s.loc, x, amount);
  unsigned width = s.type.getIntOrFloatBitWidth();
  Value inRange =
      arith::CmpIOp::create(b, s.loc, arith::CmpIPredicate::ult, amount,
                            s.c(static_cast<double>(width)));
  Value outOfRange =
      arithmetic ? Value(arith::ShRSIOp::create(
                       b, s.loc, x, s.c(static_cast<double>(width - 1))))
                 : s.c(0);
  return arith::SelectOp::create(b, s.loc, inRange, shifted, outOfRange);
}
Value scalarOf(ShiftLeftOp, Scalar &s, ValueRange a) {
  return shiftScalar(s, a, true);
}
Value scalarOf(ShiftRightOp, Scalar &s, ValueRange a) {
  return shiftScalar(s, a, false);
}
Value scalarOf(GeluOp op, Scalar &s, ValueRange a) {
  OpBuilder &b = s.b;
  Location loc = s.loc;
  Value x = a[0];
  Value inner;
  if (op.getApproximation() == GeluApproximation::tanh) {
    // tanh(sqrt(2/pi) * (x + 0.044715 x^3))
    Value x3 =
        arith::MulFOp::create(b, loc, x, arith::MulFOp::create(b, loc, x, x));
    Value t = arith::AddFOp::create(
        b, loc, x, arith::MulFOp::create(b, loc, s.c(0.044715), x3));
    t = arith::MulFOp::create(b, loc, s.c(std::sqrt(2.0 / M_PI)), t);
    inner = math::TanhOp::create(b, loc, t);
  } else {
    inner = math::ErfOp::create(
        b, loc, arith::MulFOp::create(b, loc, x, s.c(M_SQRT1_2)));
  }
  Value half = arith::MulFOp::create(b, loc, s.c(0.5), x);
  return arith::MulFOp::create(b, loc, half,
                               arith::AddFOp::create(b, loc, s.c(1), inner));
}
Value scalarOf(LeakyReluOp op, Scalar &s, ValueRange a) {
  Value x = a[0];
  Value nonNeg =
      arith::CmpFOp::create(s.b, s.loc, arith::CmpFPredicate::OGE, x, s.c(0));
  Value scaled = arith::MulFOp::create(s.b, s.loc,
                                       s.c(op.getAlpha().convertToDouble()), x);
  return arith::SelectOp::create(s.b, s.loc, nonNeg, x, scaled);
}
Value scalarOf(EluOp op, Scalar &s, ValueRange a) {
  Value x = a[0];
  Value nonNeg =
      arith::CmpFOp::create(s.b, s.loc, arith::CmpFPredicate::OGE, x, s.c(0));
  Value em1 = math::ExpM1Op::create(s.b, s.loc, x);
  Value neg = arith::MulFOp::create(s.b, s.loc,
                                    s.c(op.getAlpha().convertToDouble()), em1);
  return arith::SelectOp::create(s.b, s.loc, nonNeg, x, neg);
}
Value scalarOf(HardSigmoidOp op, Scalar &s, ValueRange a) {
  Value t = arith::MulFOp::create(s.b, s.loc,
                                  s.c(op.getAlpha().convertToDouble()), a[0]);
  t = arith::AddFOp::create(s.b, s.loc, t, s.c(op.getBeta().convertToDouble()));
  t = arith::MaximumFOp::create(s.b, s.loc, t, s.c(0));
  return arith::MinimumFOp::create(s.b, s.loc, t, s.c(1));
}
Value scalarOf(ClipOp op, Scalar &s, ValueRange a) {
  Value x = a[0];
  // Integer bounds: the f64 bound rounded inwards.
  if (std::optional<APFloat> lo = op.getMin()) {
    double v = lo->convertToDouble();
    x = maxScalar(s.b, s.loc, x, s.c(s.isFloat ? v : std::ceil(v)),
                  s.isUnsigned);
  }
  if (std::optional<APFloat> hi = op.getMax()) {
    double v = hi->convertToDouble();
    x = minScalar(s.b, s.loc, x, s.c(s.isFloat ? v : std::floor(v)),
                  s.isUnsigned);
  }
  return x;
}

template <typename OpTy>
struct ElementwiseLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;

  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    // The last operand's element type: the operands' for arithmetic and
    // comparisons, the values' (not the i1 condition's) for select.
    Type orig = getElementTypeOrSelf(op->getOperands().back().getType());
    auto resultType = signlessTensor(op->getResult(0).getType());
    Value result = buildElementwise(
        rewriter, op.getLoc(), resultType, adaptor.getOperands(),
        [&](OpBuilder &b, Location loc, ValueRange args) {
          Scalar s{b, loc, signless(orig), isa<FloatType>(orig),
                   isUnsignedLike(orig)};
          return scalarOf(op, s, args);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct CastLowering : OpConversionPattern<CastOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(CastOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type from = getElementTypeOrSelf(op.getInput().getType());
    Type to = getElementTypeOrSelf(op.getType());
    auto resultType = signlessTensor(op.getType());
    // A cast the target converts with an instruction of its own
    // (include/autoglm/Conversion/Float8.h): saturated, then arith.truncf.
    bool native = op->hasAttr(kNativeFloat8CastAttrName) &&
                  isa<Float8E4M3FNType>(to) && isa<FloatType>(from);
    Value result = buildElementwise(
        rewriter, op.getLoc(), resultType, adaptor.getInput(),
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          if (!native)
            return castScalar(b, loc, args[0], from, to);
          Type f32 = b.getF32Type();
          Value x = castScalar(b, loc, args[0], from, f32);
          Value largest = numConst(b, loc, f32, 448.0);
          Value clamped = arith::MinimumFOp::create(
              b, loc,
              arith::MaximumFOp::create(b, loc, x,
                                        arith::NegFOp::create(b, loc, largest)),
              largest);
          Value narrow = arith::TruncFOp::create(b, loc, to, clamped);
          return arith::BitcastOp::create(b, loc, b.getI8Type(), narrow);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct BitCastLowering : OpConversionPattern<BitCastOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(BitCastOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = signlessTensor(op.getType());
    Type to = resultType.getElementType();
    // Signedness is no bits: uiN and iN are one signless type here.
    if (adaptor.getInput().getType() == resultType) {
      rewriter.replaceOp(op, adaptor.getInput());
      return success();
    }
    Value result =
        buildElementwise(rewriter, op.getLoc(), resultType, adaptor.getInput(),
                         [&](OpBuilder &b, Location loc, ValueRange args) {
                           return arith::BitcastOp::create(b, loc, to, args[0]);
                         });
    rewriter.replaceOp(op, result);
    return success();
  }
};
} // namespace

void lowering::populateElementwisePatterns(TypeConverter &converter,
                                           RewritePatternSet &patterns) {
  patterns
      .add<ElementwiseLowering<AddOp>, ElementwiseLowering<SubOp>,
           ElementwiseLowering<MulOp>, ElementwiseLowering<DivOp>,
           ElementwiseLowering<PowOp>, ElementwiseLowering<MaxOp>,
           ElementwiseLowering<MinOp>, ElementwiseLowering<RemOp>,
           ElementwiseLowering<AndOp>, ElementwiseLowering<OrOp>,
           ElementwiseLowering<XorOp>, ElementwiseLowering<CmpOp>,
           ElementwiseLowering<SelectOp>, ElementwiseLowering<NegOp>,
           ElementwiseLowering<AbsOp>, ElementwiseLowering<SignOp>,
           ElementwiseLowering<ReluOp>, ElementwiseLowering<ExpOp>,
           ElementwiseLowering<LogOp>, ElementwiseLowering<SqrtOp>,
           ElementwiseLowering<RsqrtOp>, ElementwiseLowering<ReciprocalOp>,
           ElementwiseLowering<TanhOp>, ElementwiseLowering<ErfOp>,
           ElementwiseLowering<SigmoidOp>, ElementwiseLowering<SinOp>,
           ElementwiseLowering<CosOp>, ElementwiseLowering<FloorOp>,
           ElementwiseLowering<CeilOp>, ElementwiseLowering<RoundOp>,
           ElementwiseLowering<SoftplusOp>, ElementwiseLowering<NotOp>,
           ElementwiseLowering<GeluOp>, ElementwiseLowering<LeakyReluOp>,
           ElementwiseLowering<EluOp>, ElementwiseLowering<HardSigmoidOp>,
           ElementwiseLowering<ClipOp>, ElementwiseLowering<TanOp>,
           ElementwiseLowering<AsinOp>, ElementwiseLowering<AcosOp>,
           ElementwiseLowering<AtanOp>, ElementwiseLowering<SinhOp>,
           ElementwiseLowering<CoshOp>, ElementwiseLowering<AsinhOp>,
           ElementwiseLowering<AcoshOp>, ElementwiseLowering<AtanhOp>,
           ElementwiseLowering<ShiftLeftOp>, ElementwiseLowering<ShiftRightOp>,
           CastLowering, BitCastLowering>(converter, patterns.getContext());
}
