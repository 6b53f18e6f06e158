//===- NormalizationOps.cpp - reductions and normalizations ---------------===//

#include "ShapeInference.h"
#include "autoglm/Dialect/AutoGLM.h"

using namespace mlir;
using namespace mlir::autoglm;

/// The shape left after reducing `axes` (sorted) of `shape`.
static SmallVector<int64_t>
reducedShape(ArrayRef<int64_t> shape, ArrayRef<int64_t> axes, bool keepdims) {
  SmallVector<int64_t> result;
  for (auto [i, dim] : llvm::enumerate(shape)) {
    if (!llvm::is_contained(axes, (int64_t)i))
      result.push_back(dim);
    else if (keepdims)
      result.push_back(1);
  }
  return result;
}

LogicalResult ReduceOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  auto input = cast<RankedTensorType>(adaptor.getInput().getType());
  ArrayRef<int64_t> axes = adaptor.getAxes();
  if (axes.empty())
    return failInference(loc, "axes must name at least one dimension");
  if (failed(verifyAxes(loc, axes, input.getRank(), "axes")))
    return failure();
  inferred.push_back(RankedTensorType::get(
      reducedShape(input.getShape(), axes, adaptor.getKeepdims()),
      input.getElementType()));
  return success();
}

/// The value a reduction of `kind` gives over no elements of `element`; null
/// where there is none to give (an integer mean, log of an empty sum of
/// integers).
static TypedAttr emptyReduction(ReduceKind kind, Type element) {
  auto floatType = dyn_cast<FloatType>(element);
  if (floatType) {
    const llvm::fltSemantics &semantics = floatType.getFloatSemantics();
    auto make = [&](APFloat value) { return FloatAttr::get(element, value); };
    switch (kind) {
    case ReduceKind::sum:
    case ReduceKind::l1:
    case ReduceKind::l2:
    case ReduceKind::sum_square:
      return make(APFloat::getZero(semantics));
    case ReduceKind::prod:
      return make(APFloat::getOne(semantics));
    case ReduceKind::mean:
      return make(APFloat::getNaN(semantics));
    case ReduceKind::max:
    case ReduceKind::log_sum:
    case ReduceKind::log_sum_exp:
      return make(APFloat::getInf(semantics, /*Negative=*/true));
    case ReduceKind::min:
      return make(APFloat::getInf(semantics));
    }
    return nullptr;
  }
  auto intType = dyn_cast<IntegerType>(element);
  if (!intType)
    return nullptr;
  unsigned width = intType.getWidth();
  bool isUnsigned = intType.isUnsigned() || width == 1;
  switch (kind) {
  case ReduceKind::sum:
  case ReduceKind::l1:
  case ReduceKind::l2:
  case ReduceKind::sum_square:
    return IntegerAttr::get(element, APInt::getZero(width));
  case ReduceKind::prod:
    return IntegerAttr::get(element, APInt(width, 1));
  case ReduceKind::max:
    return IntegerAttr::get(element, isUnsigned
                                         ? APInt::getMinValue(width)
                                         : APInt::getSignedMinValue(width));
  case ReduceKind::min:
    return IntegerAttr::get(element, isUnsigned
                                         ? APInt::getMaxValue(width)
                                         : APInt::getSignedMaxValue(width));
  default:
    return nullptr;
  }
}

OpFoldResult ReduceOp::fold(FoldAdaptor) {
  auto input = cast<RankedTensorType>(getInput().getType());
  auto result = cast<RankedTensorType>(getType());
  if (!input.hasStaticShape() || input.getNumElements() != 0 ||
      !result.hasStaticShape())
    return nullptr;
  TypedAttr value = emptyReduction(getKind(), result.getElementType());
  return value ? DenseElementsAttr::get(result, value) : nullptr;
}

LogicalResult ArgReduceOp::inferReturnTypes(MLIRContext *context,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  auto input = cast<RankedTensorType>(adaptor.getInput().getType());
  int64_t axis = adaptor.getAxis();
  if (failed(verifyAxis(loc, axis, input.getRank())))
    return failure();
  inferred.push_back(RankedTensorType::get(
      reducedShape(input.getShape(), {axis}, adaptor.getKeepdims()),
      IntegerType::get(context, 64)));
  return success();
}

AUTOGLM_SAME_TYPE_INFERENCE(CumSumOp)
AUTOGLM_SAME_TYPE_INFERENCE(SoftmaxOp)
AUTOGLM_SAME_TYPE_INFERENCE(LayerNormOp)
AUTOGLM_SAME_TYPE_INFERENCE(BatchNormOp)

LogicalResult CumSumOp::verify() {
  return verifyAxis(getLoc(), getAxis(), getType().getRank());
}

LogicalResult SoftmaxOp::verify() {
  return verifyAxis(getLoc(), getAxis(), getType().getRank());
}

LogicalResult LayerNormOp::verify() {
  auto input = cast<RankedTensorType>(getInput().getType());
  int64_t axis = getAxis();
  if (failed(verifyAxis(getLoc(), axis, input.getRank())))
    return failure();
  if (getEpsilon().convertToDouble() < 0)
    return emitOpError("epsilon must be non-negative");
  // scale and bias broadcast to the normalized (trailing) shape.
  ArrayRef<int64_t> normalized = input.getShape().drop_front(axis);
  for (Value param : {getScale(), getBias()}) {
    if (!param)
      continue;
    auto type = cast<RankedTensorType>(param.getType());
    if (type.getElementType() != input.getElementType())
      return emitOpError("scale and bias must have the input's element type");
    if (type.getRank() > (int64_t)normalized.size())
      return emitOpError("scale/bias rank ")
             << type.getRank() << " exceeds the " << normalized.size()
             << " normalized dimensions";
    ArrayRef<int64_t> tail = normalized.take_back(type.getRank());
    for (auto [p, n] : llvm::zip(type.getShape(), tail))
      if (p != 1 && p != n && !ShapedType::isDynamic(p) &&
          !ShapedType::isDynamic(n))
        return emitOpError("scale/bias shape does not broadcast to the "
                           "normalized dimensions");
  }
  return success();
}

LogicalResult BatchNormOp::verify() {
  auto input = cast<RankedTensorType>(getInput().getType());
  if (input.getRank() < 2)
    return emitOpError("input must have a channel dimension (rank >= 2)");
  int64_t channels = input.getDimSize(1);
  for (Value param : {getScale(), getBias(), getMean(), getVariance()}) {
    auto type = cast<RankedTensorType>(param.getType());
    if (type.getRank() != 1)
      return emitOpError("scale, bias, mean and variance must be vectors");
    if (!ShapedType::isDynamic(channels) && !type.isDynamicDim(0) &&
        type.getDimSize(0) != channels)
      return emitOpError("per-channel vectors have ")
             << type.getDimSize(0) << " entries, input has " << channels
             << " channels";
    if (type.getElementType() != input.getElementType())
      return emitOpError(
          "per-channel vectors must have the input's element type");
  }
  return success();
}
