//===- ElementwiseOps.cpp - broadcasting elementwise ops ------------------===//

#include "ShapeInference.h"
#include "autoglm/Dialect/AutoGLM.h"

#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::autoglm;

//===----------------------------------------------------------------------===//
// Type inference
//===----------------------------------------------------------------------===//

static LogicalResult inferBroadcast(std::optional<Location> loc,
                                    ArrayRef<Type> operandTypes,
                                    Type elementType,
                                    SmallVectorImpl<Type> &inferred) {
  SmallVector<int64_t> shape;
  if (failed(broadcastShapes(loc, operandTypes, shape)))
    return failure();
  inferred.push_back(RankedTensorType::get(shape, elementType));
  return success();
}

#define AUTOGLM_BINARY_INFERENCE(OP)                                           \
  LogicalResult OP::inferReturnTypes(                                          \
      MLIRContext *, std::optional<Location> loc, Adaptor adaptor,             \
      SmallVectorImpl<Type> &inferred) {                                       \
    Type lhs = adaptor.getLhs().getType(), rhs = adaptor.getRhs().getType();   \
    return inferBroadcast(loc, {lhs, rhs}, getElementTypeOrSelf(lhs),          \
                          inferred);                                           \
  }
AUTOGLM_BINARY_INFERENCE(AddOp)
AUTOGLM_BINARY_INFERENCE(SubOp)
AUTOGLM_BINARY_INFERENCE(MulOp)
AUTOGLM_BINARY_INFERENCE(DivOp)
AUTOGLM_BINARY_INFERENCE(PowOp)
AUTOGLM_BINARY_INFERENCE(MaxOp)
AUTOGLM_BINARY_INFERENCE(MinOp)
AUTOGLM_BINARY_INFERENCE(RemOp)
AUTOGLM_BINARY_INFERENCE(AndOp)
AUTOGLM_BINARY_INFERENCE(OrOp)
AUTOGLM_BINARY_INFERENCE(XorOp)
AUTOGLM_BINARY_INFERENCE(ShiftLeftOp)
AUTOGLM_BINARY_INFERENCE(ShiftRightOp)
#undef AUTOGLM_BINARY_INFERENCE

LogicalResult CmpOp::inferReturnTypes(MLIRContext *context,
                                      std::optional<Location> loc,
                                      Adaptor adaptor,
                                      SmallVectorImpl<Type> &inferred) {
  return inferBroadcast(
      loc, {adaptor.getLhs().getType(), adaptor.getRhs().getType()},
      IntegerType::get(context, 1), inferred);
}

LogicalResult SelectOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  Type trueType = adaptor.getTrueValue().getType();
  return inferBroadcast(loc,
                        {adaptor.getCondition().getType(), trueType,
                         adaptor.getFalseValue().getType()},
                        getElementTypeOrSelf(trueType), inferred);
}

AUTOGLM_SAME_TYPE_INFERENCE(NegOp)
AUTOGLM_SAME_TYPE_INFERENCE(AbsOp)
AUTOGLM_SAME_TYPE_INFERENCE(SignOp)
AUTOGLM_SAME_TYPE_INFERENCE(ReluOp)
AUTOGLM_SAME_TYPE_INFERENCE(ExpOp)
AUTOGLM_SAME_TYPE_INFERENCE(LogOp)
AUTOGLM_SAME_TYPE_INFERENCE(SqrtOp)
AUTOGLM_SAME_TYPE_INFERENCE(RsqrtOp)
AUTOGLM_SAME_TYPE_INFERENCE(ReciprocalOp)
AUTOGLM_SAME_TYPE_INFERENCE(TanhOp)
AUTOGLM_SAME_TYPE_INFERENCE(ErfOp)
AUTOGLM_SAME_TYPE_INFERENCE(SigmoidOp)
AUTOGLM_SAME_TYPE_INFERENCE(SinOp)
AUTOGLM_SAME_TYPE_INFERENCE(CosOp)
AUTOGLM_SAME_TYPE_INFERENCE(FloorOp)
AUTOGLM_SAME_TYPE_INFERENCE(CeilOp)
AUTOGLM_SAME_TYPE_INFERENCE(RoundOp)
AUTOGLM_SAME_TYPE_INFERENCE(SoftplusOp)
AUTOGLM_SAME_TYPE_INFERENCE(NotOp)
AUTOGLM_SAME_TYPE_INFERENCE(TanOp)
AUTOGLM_SAME_TYPE_INFERENCE(AsinOp)
AUTOGLM_SAME_TYPE_INFERENCE(AcosOp)
AUTOGLM_SAME_TYPE_INFERENCE(AtanOp)
AUTOGLM_SAME_TYPE_INFERENCE(SinhOp)
AUTOGLM_SAME_TYPE_INFERENCE(CoshOp)
AUTOGLM_SAME_TYPE_INFERENCE(AsinhOp)
AUTOGLM_SAME_TYPE_INFERENCE(AcoshOp)
AUTOGLM_SAME_TYPE_INFERENCE(AtanhOp)
AUTOGLM_SAME_TYPE_INFERENCE(GeluOp)
AUTOGLM_SAME_TYPE_INFERENCE(LeakyReluOp)
AUTOGLM_SAME_TYPE_INFERENCE(EluOp)
AUTOGLM_SAME_TYPE_INFERENCE(HardSigmoidOp)
AUTOGLM_SAME_TYPE_INFERENCE(ClipOp)

//===----------------------------------------------------------------------===//
// Verifiers
//===----------------------------------------------------------------------===//

LogicalResult SelectOp::verify() {
  if (getElementTypeOrSelf(getTrueValue().getType()) !=
      getElementTypeOrSelf(getFalseValue().getType()))
    return emitOpError("true and false values must have the same element type");
  return success();
}

LogicalResult ClipOp::verify() {
  std::optional<APFloat> lo =
      getMinAttr() ? std::optional(getMinAttr().getValue()) : std::nullopt;
  std::optional<APFloat> hi =
      getMaxAttr() ? std::optional(getMaxAttr().getValue()) : std::nullopt;
  if (lo && hi && hi->compare(*lo) == APFloat::cmpLessThan)
    return emitOpError("min (") << lo->convertToDouble() << ") exceeds max ("
                                << hi->convertToDouble() << ")";
  return success();
}

//===----------------------------------------------------------------------===//
// Folders: algebraic identities only; evaluating constant operands is the
// job of --autoglm-fold-constants, which has a size cap.
//===----------------------------------------------------------------------===//

/// True when `attr` is a splat constant equal to `value`.
static bool isSplatOf(Attribute attr, double value) {
  auto splat = dyn_cast_if_present<SplatElementsAttr>(attr);
  if (!splat)
    return false;
  Type type = splat.getElementType();
  if (isa<FloatType>(type))
    return splat.getSplatValue<APFloat>().isExactlyValue(value);
  if (type.isInteger() && !type.isInteger(1))
    return splat.getSplatValue<APInt>().getSExtValue() == (int64_t)value;
  return false;
}

/// `x op c` where the identity constant `c` does not change `x` or its type.
static OpFoldResult foldRightIdentity(Value lhs, Attribute rhs, Type resultType,
                                      double identity) {
  if (lhs.getType() == resultType && isSplatOf(rhs, identity))
    return lhs;
  return {};
}

OpFoldResult AddOp::fold(FoldAdaptor adaptor) {
  // The float identity of + is -0.0: x + 0.0 turns x = -0.0 into +0.0, so
  // only x + (-0.0) folds. For integers -0.0 reads as 0.
  if (OpFoldResult r =
          foldRightIdentity(getLhs(), adaptor.getRhs(), getType(), -0.0))
    return r;
  return foldRightIdentity(getRhs(), adaptor.getLhs(), getType(), -0.0);
}

OpFoldResult SubOp::fold(FoldAdaptor adaptor) {
  // x - 0.0 is x for every x, -0.0 included (unlike x + 0.0).
  return foldRightIdentity(getLhs(), adaptor.getRhs(), getType(), 0);
}

OpFoldResult MulOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult r =
          foldRightIdentity(getLhs(), adaptor.getRhs(), getType(), 1))
    return r;
  return foldRightIdentity(getRhs(), adaptor.getLhs(), getType(), 1);
}

OpFoldResult DivOp::fold(FoldAdaptor adaptor) {
  return foldRightIdentity(getLhs(), adaptor.getRhs(), getType(), 1);
}

OpFoldResult CastOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType())
    return getInput();
  return {};
}
