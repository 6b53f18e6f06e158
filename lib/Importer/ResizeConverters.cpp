//===- ResizeConverters.cpp - Resize, Upsample ----------------------------===//
//
// Resize, and the deprecated Upsample as the Resize it amounts to. The output
// shape must be known at import time: from `sizes`, or from `scales` (a
// dimension scaled by other than 1 must be static).
//
//===----------------------------------------------------------------------===//

#include "NodeContext.h"
#include "OpRegistry.h"

#include "onnx/onnx_pb.h"
#include "llvm/Support/Format.h"

#include <cmath>

using namespace mlir;
using namespace mlir::autoglm;

namespace autoglm::importer {
namespace {
/// Builds the resize op once the output shape is known.
/// `scales` are the node's (one per dimension), empty when it gave sizes.
LogicalResult buildResize(NodeContext &n, ArrayRef<int64_t> outShape,
                          ArrayRef<double> scales, StringRef modeName,
                          StringRef transformName, StringRef roundingName) {
  std::optional<ResizeMode> mode = symbolizeResizeMode(modeName);
  if (!mode)
    return n.emitError() << "unknown mode '" << modeName << "'";
  std::optional<CoordinateTransform> transform =
      symbolizeCoordinateTransform(transformName);
  if (!transform)
    return n.emitError() << "unknown coordinate_transformation_mode '"
                         << transformName << "'";
  if (*transform == CoordinateTransform::tf_crop_and_resize)
    return n.emitError()
           << "coordinate_transformation_mode tf_crop_and_resize is "
              "not supported";
  std::optional<NearestRounding> rounding =
      symbolizeNearestRounding(roundingName);
  if (!rounding)
    return n.emitError() << "unknown nearest_mode '" << roundingName << "'";
  auto type = n.inputType(0);
  // autoglm.resize keeps sizes and places its samples by their ratio;
  // ONNX's coordinate transformations divide by the node's scale, which
  // differs when the scaled size is not an integer (4 x 0.6 gives 2 samples
  // 1 / 0.6 apart, not 4 / 2): refused rather than answered wrongly.
  // (A float32 scale such as 1/3 differs from the ratio by its rounding.)
  for (auto [d, scale] : llvm::enumerate(scales)) {
    if (type.isDynamicDim(d))
      continue;
    double ratio = static_cast<double>(outShape[d]) / type.getDimSize(d);
    if (std::abs(scale - ratio) <= 1e-6 * ratio)
      continue;
    std::string shown;
    llvm::raw_string_ostream(shown) << llvm::format("%g", scale);
    return n.emitError() << "scale " << shown << " of dimension " << d
                         << " is not the ratio of the output and input sizes ("
                         << outShape[d] << " / " << type.getDimSize(d)
                         << "), which is not supported; give sizes instead";
  }
  return n.finish(n.createTyped<ResizeOp>(
      type.clone(outShape), n.input(0), ResizeModeAttr::get(n.ctx, *mode),
      CoordinateTransformAttr::get(n.ctx, *transform),
      NearestRoundingAttr::get(n.ctx, *rounding),
      n.b.getF64FloatAttr(n.floatAttr("cubic_coeff_a", -0.75)),
      n.intAttr("exclude_outside", 0) ? n.b.getUnitAttr() : UnitAttr()));
}

/// Output sizes from `scales` (one per dimension): floor(size * scale).
LogicalResult sizesFromScales(NodeContext &n, ArrayRef<double> scales,
                              SmallVectorImpl<int64_t> &out) {
  auto type = n.inputType(0);
  for (auto [d, scale] : llvm::enumerate(scales)) {
    if (scale <= 0)
      return n.emitError() << "scales must be positive";
    if (scale == 1.0) {
      out.push_back(type.getDimSize(d));
      continue;
    }
    if (type.isDynamicDim(d))
      return n.notKnown("the size of dimension " + std::to_string(d) +
                        " (to apply the scale)");
    out.push_back(static_cast<int64_t>(std::floor(type.getDimSize(d) * scale)));
  }
  return success();
}

/// Resize-10: (X, scales) with the coordinates of Upsample (asymmetric);
/// nearest rounds down when upsampling and up when downsampling, as ONNX
/// Runtime does.
LogicalResult convertResize10(NodeContext &n) {
  if (failed(n.checkArity(2, 2)))
    return failure();
  std::optional<SmallVector<double>> scales = n.constantValues(1);
  if (!scales)
    return n.notKnown("scales");
  if (static_cast<int64_t>(scales->size()) != n.inputType(0).getRank())
    return n.emitError() << "scales needs one entry per dimension";
  SmallVector<int64_t> outShape;
  if (failed(sizesFromScales(n, *scales, outShape)))
    return failure();
  std::string mode = n.stringAttr("mode", "nearest");
  bool down = llvm::any_of(*scales, [](double s) { return s < 1.0; });
  bool up = llvm::any_of(*scales, [](double s) { return s > 1.0; });
  if (mode == "nearest" && down && up)
    return n.emitError() << "nearest mode with scales both above and below 1 "
                            "is not supported at opset 10";
  return buildResize(n, outShape, *scales, mode, "asymmetric",
                     down ? "ceil" : "floor");
}

LogicalResult convertResize(NodeContext &n) {
  if (n.opset() < 11)
    return convertResize10(n);
  if (failed(n.checkArity(1, 4)))
    return failure();
  if (n.intAttr("antialias", 0) != 0)
    return n.emitError() << "antialias = 1 is not supported";
  std::string policy = n.stringAttr("keep_aspect_ratio_policy", "stretch");
  if (policy != "stretch")
    return n.emitError() << "keep_aspect_ratio_policy '" << policy
                         << "' is not supported";
  auto type = n.inputType(0);
  int64_t rank = type.getRank();
  FailureOr<SmallVector<int64_t>> axesOrAll = n.axesAttrOrAll(rank);
  if (failed(axesOrAll))
    return failure();
  SmallVector<int64_t> axes = std::move(*axesOrAll);
  SmallVector<int64_t> outShape(type.getShape());
  SmallVector<double> full;
  // An empty tensor stands for an absent input in older exporters.
  auto present = [&](unsigned i) {
    return n.hasInput(i) && n.inputType(i).getNumElements() != 0;
  };
  if (present(3)) {
    std::optional<SmallVector<int64_t>> sizes = n.knownValues(3);
    if (!sizes)
      return n.notKnown("sizes");
    if (sizes->size() != axes.size())
      return n.emitError() << "sizes has " << sizes->size()
                           << " entries; expected " << axes.size();
    for (auto [i, d] : llvm::enumerate(axes))
      outShape[d] = (*sizes)[i];
  } else if (present(2)) {
    std::optional<SmallVector<double>> scales = n.constantValues(2);
    if (!scales)
      return n.notKnown("scales");
    if (scales->size() != axes.size())
      return n.emitError() << "scales has " << scales->size()
                           << " entries; expected " << axes.size();
    full.assign(rank, 1.0);
    for (auto [i, d] : llvm::enumerate(axes))
      full[d] = (*scales)[i];
    outShape.clear();
    if (failed(sizesFromScales(n, full, outShape)))
      return failure();
  } else {
    return n.emitError() << "needs scales or sizes";
  }
  return buildResize(
      n, outShape, full, n.stringAttr("mode", "nearest"),
      n.stringAttr("coordinate_transformation_mode", "half_pixel"),
      n.stringAttr("nearest_mode", "round_prefer_floor"));
}

LogicalResult convertUpsample(NodeContext &n) {
  // Deprecated since opset 10; what it did is Resize with asymmetric
  // coordinates and floor rounding.
  // Upsample-7: the scales are an attribute; from Upsample-9: an input.
  bool scalesAttribute = n.opset() < 9;
  if (failed(scalesAttribute ? n.checkArity(1, 1) : n.checkArity(2, 2)))
    return failure();
  std::optional<SmallVector<double>> scales =
      scalesAttribute ? n.floatsAttr("scales") : n.constantValues(1);
  if (!scales)
    return scalesAttribute
               ? LogicalResult(n.emitError() << "the scales attribute is "
                                                "required")
               : n.notKnown("scales");
  if (static_cast<int64_t>(scales->size()) != n.inputType(0).getRank())
    return n.emitError() << "scales needs one entry per dimension";
  SmallVector<int64_t> outShape;
  if (failed(sizesFromScales(n, *scales, outShape)))
    return failure();
  std::string mode = n.stringAttr("mode", "nearest");
  return buildResize(n, outShape, *scales, mode == "bilinear" ? "linear" : mode,
                     "asymmetric", "floor");
}
} // namespace

void registerResizeConverters(OpRegistry &r) {
  r.add("Resize", convertResize);
  r.add("Upsample", convertUpsample);
}
} // namespace autoglm::importer
