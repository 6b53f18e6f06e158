//===- ShapeInference.cpp - helpers shared by the ops' type inference -----===//

#include "ShapeInference.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

using namespace mlir;
using namespace mlir::autoglm;

InFlightDiagnostic
mlir::autoglm::emitOptionalError(std::optional<Location> loc) {
  if (loc)
    return emitError(*loc);
  return InFlightDiagnostic();
}

LogicalResult mlir::autoglm::failInference(std::optional<Location> loc,
                                           const Twine &message) {
  if (loc)
    return emitError(*loc) << message;
  return failure();
}

ArrayRef<int64_t> mlir::autoglm::shapeOf(Type type) {
  return cast<RankedTensorType>(type).getShape();
}

LogicalResult mlir::autoglm::broadcastShapes(std::optional<Location> loc,
                                             ArrayRef<Type> types,
                                             SmallVectorImpl<int64_t> &result) {
  result.clear();
  for (Type type : types) {
    ArrayRef<int64_t> shape = shapeOf(type);
    if (shape.size() > result.size())
      result.insert(result.begin(), shape.size() - result.size(), 1);
    size_t offset = result.size() - shape.size();
    for (auto [i, dim] : llvm::enumerate(shape)) {
      int64_t &out = result[offset + i];
      if (out == dim || dim == 1)
        continue;
      if (out == 1) {
        out = dim;
        continue;
      }
      if (ShapedType::isDynamic(out) || ShapedType::isDynamic(dim)) {
        // One side is unknown, the other is a static size other than 1: the
        // result must be that size (or the program is wrong at run time).
        out = ShapedType::isDynamic(out) ? dim : out;
        continue;
      }
      return failInference(loc, "operand shapes are not broadcast-compatible: "
                                "dimension " +
                                    Twine(offset + i) + " is " + Twine(out) +
                                    " in one operand and " + Twine(dim) +
                                    " in another");
    }
  }
  return success();
}

LogicalResult mlir::autoglm::verifyAxes(std::optional<Location> loc,
                                        ArrayRef<int64_t> axes, int64_t rank,
                                        StringRef what) {
  for (auto [i, axis] : llvm::enumerate(axes)) {
    if (axis < 0 || axis >= rank)
      return failInference(loc, Twine(what) + " entry " + Twine(axis) +
                                    " is out of range for rank " + Twine(rank));
    if (i > 0 && axes[i - 1] >= axis)
      return failInference(loc, Twine(what) + " must be strictly increasing");
  }
  return success();
}

LogicalResult mlir::autoglm::verifyAxis(std::optional<Location> loc,
                                        int64_t axis, int64_t rank,
                                        StringRef what) {
  if (axis < 0 || axis >= rank)
    return failInference(loc, Twine(what) + " " + Twine(axis) +
                                  " is out of range for rank " + Twine(rank));
  return success();
}

int64_t mlir::autoglm::windowOutputSize(int64_t input, int64_t kernel,
                                        int64_t stride, int64_t dilation,
                                        int64_t padBegin, int64_t padEnd,
                                        bool ceilMode) {
  if (ShapedType::isDynamic(input) || ShapedType::isDynamic(kernel))
    return ShapedType::kDynamic;
  int64_t span = input + padBegin + padEnd - dilation * (kernel - 1) - 1;
  if (span < 0)
    return 0;
  int64_t out = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1;
  // ONNX: with ceil mode the last window must start inside the input or the
  // begin padding.
  if (ceilMode && (out - 1) * stride >= input + padBegin)
    --out;
  return out;
}

FailureOr<int64_t> mlir::autoglm::inferWindowOutputSize(
    std::optional<Location> loc, int64_t dim, int64_t input, int64_t kernel,
    int64_t stride, int64_t dilation, int64_t padBegin, int64_t padEnd,
    bool ceilMode) {
  if (!ShapedType::isDynamic(input) && !ShapedType::isDynamic(kernel)) {
    int64_t padded = input + padBegin + padEnd;
    int64_t window = dilation * (kernel - 1) + 1;
    if (padded > 0 && window > padded)
      return failInference(loc, "the kernel spans " + Twine(window) +
                                    " elements in spatial dimension " +
                                    Twine(dim) + ", more than the " +
                                    Twine(padded) + " of the padded input");
  }
  return windowOutputSize(input, kernel, stride, dilation, padBegin, padEnd,
                          ceilMode);
}

LogicalResult mlir::autoglm::verifyWindowAttrs(std::optional<Location> loc,
                                               int64_t spatialRank,
                                               ArrayRef<int64_t> strides,
                                               ArrayRef<int64_t> pads,
                                               ArrayRef<int64_t> dilations) {
  if ((int64_t)strides.size() != spatialRank)
    return failInference(loc, "expected " + Twine(spatialRank) +
                                  " strides, got " + Twine(strides.size()));
  if ((int64_t)dilations.size() != spatialRank)
    return failInference(loc, "expected " + Twine(spatialRank) +
                                  " dilations, got " + Twine(dilations.size()));
  if ((int64_t)pads.size() != 2 * spatialRank)
    return failInference(loc, "expected " + Twine(2 * spatialRank) +
                                  " pads (begins then ends), got " +
                                  Twine(pads.size()));
  for (int64_t s : strides)
    if (s < 1)
      return failInference(loc, "strides must be positive");
  for (int64_t d : dilations)
    if (d < 1)
      return failInference(loc, "dilations must be positive");
  for (int64_t p : pads)
    if (p < 0)
      return failInference(loc, "pads must be non-negative");
  return success();
}
