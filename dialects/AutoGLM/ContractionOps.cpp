//===- ContractionOps.cpp - matmul, conv, pooling -------------------------===//

#include "ShapeInference.h"
#include "autoglm/Dialect/AutoGLM.h"

using namespace mlir;
using namespace mlir::autoglm;

/// Two dimensions that must agree: equal, or at least one unknown.
static bool dimsAgree(int64_t a, int64_t b) {
  return a == b || ShapedType::isDynamic(a) || ShapedType::isDynamic(b);
}

static std::string dimString(int64_t d) {
  return ShapedType::isDynamic(d) ? "?" : std::to_string(d);
}

/// The result element type of a contraction of `operand` elements with an
/// optional `accumulator_type`: f32 accumulation of f16/bf16 operands is the
/// one mixed-precision form.
static FailureOr<Type> accumulatedType(std::optional<Location> loc,
                                       Type operand,
                                       std::optional<Type> accumulator) {
  if (!accumulator)
    return operand;
  if (!accumulator->isF32() || !(operand.isF16() || operand.isBF16()))
    return failInference(loc, "accumulator_type must be f32 on f16 or bf16 "
                              "operands");
  return *accumulator;
}

//===----------------------------------------------------------------------===//
// MatMulOp
//===----------------------------------------------------------------------===//

LogicalResult MatMulOp::inferReturnTypes(MLIRContext *context,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  auto lhs = cast<RankedTensorType>(adaptor.getLhs().getType());
  auto rhs = cast<RankedTensorType>(adaptor.getRhs().getType());
  if (lhs.getRank() < 2 || rhs.getRank() < 2)
    return failInference(loc, "operands must have rank 2 or more (got ranks " +
                                  Twine(lhs.getRank()) + " and " +
                                  Twine(rhs.getRank()) + ")");
  Type lhsElement = lhs.getElementType(), rhsElement = rhs.getElementType();
  Type resultElement = lhsElement;
  bool float8 = isa<Float8E4M3FNType, Float8E5M2Type>(lhsElement);
  if (adaptor.getScale() && !float8)
    return failInference(loc, "scale is for float8 operands only");
  if (float8 && (lhsElement != rhsElement || !adaptor.getAccumulatorType() ||
                 !adaptor.getAccumulatorType()->isF32()))
    return failInference(loc, "float8 operands must be of one type and "
                              "accumulate in f32 (accumulator_type = f32)");
  if (float8) {
    resultElement = *adaptor.getAccumulatorType();
  } else if (lhsElement.isInteger(8) && rhsElement.isInteger(8)) {
    resultElement = IntegerType::get(context, 32);
  } else if (lhsElement != rhsElement) {
    return failInference(loc, "operand element types differ, or are not both "
                              "8-bit integers");
  } else if (!isa<FloatType>(lhsElement)) {
    return failInference(loc, "integer operands must be 8-bit");
  }
  if (!float8 &&
      (adaptor.getAccumulatorType() || !isa<IntegerType>(resultElement))) {
    FailureOr<Type> acc =
        accumulatedType(loc, lhsElement, adaptor.getAccumulatorType());
    if (failed(acc))
      return failure();
    resultElement = *acc;
  }
  int64_t k1 = lhs.getShape().back(), k2 = rhs.getShape()[rhs.getRank() - 2];
  if (!dimsAgree(k1, k2))
    return failInference(loc, "contraction dimensions differ: lhs has K = " +
                                  Twine(dimString(k1)) +
                                  ", rhs has K = " + Twine(dimString(k2)));
  SmallVector<int64_t> batch;
  Type lhsBatch =
      RankedTensorType::get(lhs.getShape().drop_back(2), lhsElement);
  Type rhsBatch =
      RankedTensorType::get(rhs.getShape().drop_back(2), rhsElement);
  if (failed(broadcastShapes(loc, {lhsBatch, rhsBatch}, batch)))
    return failure();
  batch.push_back(lhs.getShape()[lhs.getRank() - 2]);
  batch.push_back(rhs.getShape().back());
  inferred.push_back(RankedTensorType::get(batch, resultElement));
  return success();
}

//===----------------------------------------------------------------------===//
// Convolutions
//===----------------------------------------------------------------------===//

/// Checks what conv and conv_transpose share: ranks, window attributes,
/// groups, bias length. `biasChannels` is the output channel count.
static LogicalResult
verifyConvCommon(std::optional<Location> loc, RankedTensorType input,
                 RankedTensorType weight, Value bias, ArrayRef<int64_t> strides,
                 ArrayRef<int64_t> pads, ArrayRef<int64_t> dilations,
                 int64_t groups, int64_t biasChannels, Type resultElement) {
  if (input.getRank() < 3)
    return failInference(loc, "input must be N x C x spatial... (rank >= 3), "
                              "got rank " +
                                  Twine(input.getRank()));
  if (weight.getRank() != input.getRank())
    return failInference(loc, "weight rank " + Twine(weight.getRank()) +
                                  " differs from input rank " +
                                  Twine(input.getRank()));
  if (input.getElementType() != weight.getElementType())
    return failInference(loc, "input and weight element types differ");
  if (groups < 1)
    return failInference(loc, "groups must be positive");
  if (failed(verifyWindowAttrs(loc, input.getRank() - 2, strides, pads,
                               dilations)))
    return failure();
  if (bias) {
    auto biasType = cast<RankedTensorType>(bias.getType());
    if (biasType.getRank() != 1 ||
        !dimsAgree(biasType.getDimSize(0), biasChannels))
      return failInference(loc, "bias must be a vector of " +
                                    Twine(dimString(biasChannels)) +
                                    " output channels");
    if (biasType.getElementType() != resultElement)
      return failInference(loc, "bias element type differs from the result's");
  }
  return success();
}

LogicalResult ConvOp::inferReturnTypes(MLIRContext *,
                                       std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &inferred) {
  auto input = cast<RankedTensorType>(adaptor.getInput().getType());
  auto weight = cast<RankedTensorType>(adaptor.getWeight().getType());
  ArrayRef<int64_t> strides = adaptor.getStrides(), pads = adaptor.getPads(),
                    dilations = adaptor.getDilations();
  int64_t groups = adaptor.getGroups();
  FailureOr<Type> resultElement = accumulatedType(loc, input.getElementType(),
                                                  adaptor.getAccumulatorType());
  if (failed(resultElement) ||
      failed(verifyConvCommon(
          loc, input, weight, adaptor.getBias(), strides, pads, dilations,
          groups, weight.getRank() ? weight.getDimSize(0) : 0, *resultElement)))
    return failure();
  int64_t channels = input.getDimSize(1), perGroup = weight.getDimSize(1);
  if (!ShapedType::isDynamic(channels) && !ShapedType::isDynamic(perGroup) &&
      channels != perGroup * groups)
    return failInference(
        loc, "input has " + Twine(channels) + " channels but weight expects " +
                 Twine(perGroup) + " per group x " + Twine(groups) + " groups");
  int64_t outChannels = weight.getDimSize(0);
  if (!ShapedType::isDynamic(outChannels) && outChannels % groups != 0)
    return failInference(loc, "output channels (" + Twine(outChannels) +
                                  ") are not divisible by groups (" +
                                  Twine(groups) + ")");
  int64_t spatial = input.getRank() - 2;
  SmallVector<int64_t> shape = {input.getDimSize(0), outChannels};
  for (int64_t i = 0; i < spatial; ++i) {
    FailureOr<int64_t> size = inferWindowOutputSize(
        loc, i, input.getDimSize(2 + i), weight.getDimSize(2 + i), strides[i],
        dilations[i], pads[i], pads[spatial + i]);
    if (failed(size))
      return failure();
    shape.push_back(*size);
  }
  inferred.push_back(RankedTensorType::get(shape, *resultElement));
  return success();
}

LogicalResult
ConvTransposeOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                  Adaptor adaptor,
                                  SmallVectorImpl<Type> &inferred) {
  auto input = cast<RankedTensorType>(adaptor.getInput().getType());
  auto weight = cast<RankedTensorType>(adaptor.getWeight().getType());
  ArrayRef<int64_t> strides = adaptor.getStrides(), pads = adaptor.getPads(),
                    dilations = adaptor.getDilations(),
                    outputPadding = adaptor.getOutputPadding();
  int64_t groups = adaptor.getGroups();
  int64_t outChannels = weight.getRank() >= 2 && !weight.isDynamicDim(1)
                            ? weight.getDimSize(1) * groups
                            : ShapedType::kDynamic;
  if (failed(verifyConvCommon(loc, input, weight, adaptor.getBias(), strides,
                              pads, dilations, groups, outChannels,
                              input.getElementType())))
    return failure();
  int64_t spatial = input.getRank() - 2;
  if ((int64_t)outputPadding.size() != spatial)
    return failInference(loc, "expected " + Twine(spatial) +
                                  " output_padding values, got " +
                                  Twine(outputPadding.size()));
  for (int64_t p : outputPadding)
    if (p < 0)
      return failInference(loc, "output_padding must be non-negative");
  if (!dimsAgree(input.getDimSize(1), weight.getDimSize(0)))
    return failInference(loc, "input channels differ from weight dimension 0");
  SmallVector<int64_t> shape = {input.getDimSize(0), outChannels};
  for (int64_t i = 0; i < spatial; ++i) {
    int64_t d = input.getDimSize(2 + i), k = weight.getDimSize(2 + i);
    if (ShapedType::isDynamic(d) || ShapedType::isDynamic(k)) {
      shape.push_back(ShapedType::kDynamic);
      continue;
    }
    // Unlike conv, whose window count bottoms out at zero, the pads here are
    // subtracted from the full output, so large pads would give a negative
    // size, which no tensor type can hold.
    int64_t size = strides[i] * (d - 1) + outputPadding[i] +
                   dilations[i] * (k - 1) + 1 - pads[i] - pads[spatial + i];
    if (size < 0)
      return failInference(loc, "pads of spatial dimension " + Twine(i) +
                                    " exceed its output size (" +
                                    Twine(size + pads[i] + pads[spatial + i]) +
                                    ")");
    shape.push_back(size);
  }
  inferred.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// PoolOp
//===----------------------------------------------------------------------===//

LogicalResult PoolOp::inferReturnTypes(MLIRContext *,
                                       std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &inferred) {
  auto input = cast<RankedTensorType>(adaptor.getInput().getType());
  if (input.getRank() < 3)
    return failInference(loc, "input must be N x C x spatial... (rank >= 3), "
                              "got rank " +
                                  Twine(input.getRank()));
  if (adaptor.getKind() == PoolKind::avg &&
      !isa<FloatType>(input.getElementType()))
    return failInference(loc, "average pooling needs floating-point elements");
  int64_t spatial = input.getRank() - 2;
  ArrayRef<int64_t> kernel = adaptor.getKernel(),
                    strides = adaptor.getStrides(), pads = adaptor.getPads(),
                    dilations = adaptor.getDilations();
  if ((int64_t)kernel.size() != spatial)
    return failInference(loc, "expected " + Twine(spatial) +
                                  " kernel sizes, got " + Twine(kernel.size()));
  for (int64_t k : kernel)
    if (k < 1)
      return failInference(loc, "kernel sizes must be positive");
  if (failed(verifyWindowAttrs(loc, spatial, strides, pads, dilations)))
    return failure();
  SmallVector<int64_t> shape(input.getShape().take_front(2));
  for (int64_t i = 0; i < spatial; ++i) {
    if (pads[i] >= kernel[i] || pads[spatial + i] >= kernel[i])
      return failInference(loc, "padding must be smaller than the kernel");
    FailureOr<int64_t> size = inferWindowOutputSize(
        loc, i, input.getDimSize(2 + i), kernel[i], strides[i], dilations[i],
        pads[i], pads[spatial + i], adaptor.getCeilMode());
    if (failed(size))
      return failure();
    shape.push_back(*size);
  }
  inferred.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}
