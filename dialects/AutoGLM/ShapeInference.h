//===- ShapeInference.h - helpers of the ops' type inference ----*- C++ -*-===//
//
// Internal to the dialect library.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_DIALECTS_SHAPEINFERENCE_H
#define AUTOGLM_DIALECTS_SHAPEINFERENCE_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>

namespace mlir::autoglm {
/// Emits an error at `loc` when one is given (verification and inference run
/// with and without a location) and returns failure.
InFlightDiagnostic emitOptionalError(std::optional<Location> loc);
LogicalResult failInference(std::optional<Location> loc, const Twine &message);

/// Shape of a ranked tensor type.
ArrayRef<int64_t> shapeOf(Type type);

/// numpy broadcasting of several shapes; fails with a message naming the
/// first incompatible dimension.
LogicalResult broadcastShapes(std::optional<Location> loc, ArrayRef<Type> types,
                              SmallVectorImpl<int64_t> &result);

/// Checks a list of dimension indices: each in [0, rank), strictly
/// increasing. `what` names the attribute in the message.
LogicalResult verifyAxes(std::optional<Location> loc, ArrayRef<int64_t> axes,
                         int64_t rank, StringRef what);

/// Checks that `axis` is in [0, rank).
LogicalResult verifyAxis(std::optional<Location> loc, int64_t axis,
                         int64_t rank, StringRef what = "axis");

/// Output size of one spatial dimension of a sliding window (conv, pool).
int64_t windowOutputSize(int64_t input, int64_t kernel, int64_t stride,
                         int64_t dilation, int64_t padBegin, int64_t padEnd,
                         bool ceilMode = false);

/// windowOutputSize for spatial dimension `dim`, or a failure when the
/// dilated kernel does not fit in the padded (non-empty) input, which ONNX
/// leaves undefined.
FailureOr<int64_t> inferWindowOutputSize(std::optional<Location> loc,
                                         int64_t dim, int64_t input,
                                         int64_t kernel, int64_t stride,
                                         int64_t dilation, int64_t padBegin,
                                         int64_t padEnd, bool ceilMode = false);

/// Checks strides/pads/dilations of a window op against `spatialRank`.
LogicalResult verifyWindowAttrs(std::optional<Location> loc,
                                int64_t spatialRank, ArrayRef<int64_t> strides,
                                ArrayRef<int64_t> pads,
                                ArrayRef<int64_t> dilations);
} // namespace mlir::autoglm

/// Defines `OP::inferReturnTypes` for an op whose result has its input's type.
#define AUTOGLM_SAME_TYPE_INFERENCE(OP)                                        \
  ::llvm::LogicalResult OP::inferReturnTypes(                                  \
      ::mlir::MLIRContext *, std::optional<::mlir::Location>, Adaptor adaptor, \
      ::llvm::SmallVectorImpl<::mlir::Type> &inferred) {                       \
    inferred.push_back(adaptor.getInput().getType());                          \
    return ::mlir::success();                                                  \
  }

#endif // AUTOGLM_DIALECTS_SHAPEINFERENCE_H
