//===- ResizeConverters.cpp - Resize, Upsample ----------------------------===//
//
// Resize, and the deprecated Upsample as the Resize it amounts to. The output
// shape must be known at import time: from `sizes` (possibly keeping the
// aspect ratio), or from `scales` (a dimension scaled by other than 1 must be
// static). A scale that is not the ratio of the sizes, tf_crop_and_resize's
// roi and antialias are attributes of autoglm.resize.
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
/// What autoglm.resize takes beyond the output shape and the modes.
struct ResizeOptions {
  /// One per dimension: the node's scales (given, or kept by
  /// keep_aspect_ratio_policy); empty when it gave sizes to stretch to.
  SmallVector<double> scales;
  /// tf_crop_and_resize: begins then ends, one per dimension.
  SmallVector<double> roi;
  double extrapolationValue = 0;
  bool antialias = false;
};

/// Builds the resize op once the output shape is known.
LogicalResult buildResize(NodeContext &n, ArrayRef<int64_t> outShape,
                          const ResizeOptions &options, StringRef modeName,
                          StringRef transformName, StringRef roundingName) {
  std::optional<ResizeMode> mode = symbolizeResizeMode(modeName);
  if (!mode)
    return n.emitError() << "unknown mode '" << modeName << "'";
  std::optional<CoordinateTransform> transform =
      symbolizeCoordinateTransform(transformName);
  if (!transform)
    return n.emitError() << "unknown coordinate_transformation_mode '"
                         << transformName << "'";
  std::optional<NearestRounding> rounding =
      symbolizeNearestRounding(roundingName);
  if (!rounding)
    return n.emitError() << "unknown nearest_mode '" << roundingName << "'";
  auto type = n.inputType(0);
  // The scales go on the op only where one is not the ratio of the output
  // and input sizes (4 x 0.6 gives 2 samples 1 / 0.6 apart, not 4 / 2).
  bool ratios = true;
  for (auto [d, scale] : llvm::enumerate(options.scales)) {
    // (A dynamic dimension has scale 1: sizesFromScales checked it.)
    if (type.isDynamicDim(d))
      continue;
    double ratio = static_cast<double>(outShape[d]) / type.getDimSize(d);
    ratios &= std::abs(scale - ratio) <= 1e-6 * ratio;
  }
  bool crop = *transform == CoordinateTransform::tf_crop_and_resize;
  auto f64Array = [&](ArrayRef<double> values) {
    return values.empty() ? DenseF64ArrayAttr()
                          : n.b.getDenseF64ArrayAttr(values);
  };
  return n.finish(n.createTyped<ResizeOp>(
      type.clone(outShape), n.input(0), ResizeModeAttr::get(n.ctx, *mode),
      CoordinateTransformAttr::get(n.ctx, *transform),
      NearestRoundingAttr::get(n.ctx, *rounding),
      n.b.getF64FloatAttr(n.floatAttr("cubic_coeff_a", -0.75)),
      n.intAttr("exclude_outside", 0) ? n.b.getUnitAttr() : UnitAttr(),
      ratios ? DenseF64ArrayAttr() : f64Array(options.scales),
      crop ? f64Array(options.roi) : DenseF64ArrayAttr(),
      n.b.getF64FloatAttr(options.extrapolationValue),
      options.antialias && *mode != ResizeMode::nearest ? n.b.getUnitAttr()
                                                        : UnitAttr()));
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
  ResizeOptions options;
  options.scales = *scales;
  return buildResize(n, outShape, options, mode, "asymmetric",
                     down ? "ceil" : "floor");
}

LogicalResult convertResize(NodeContext &n) {
  if (n.opset() < 11)
    return convertResize10(n);
  if (failed(n.checkArity(1, 4)))
    return failure();
  auto type = n.inputType(0);
  int64_t rank = type.getRank();
  FailureOr<SmallVector<int64_t>> axesOrAll = n.axesAttrOrAll(rank);
  if (failed(axesOrAll))
    return failure();
  SmallVector<int64_t> axes = std::move(*axesOrAll);
  SmallVector<int64_t> outShape(type.getShape());
  ResizeOptions options;
  options.antialias = n.intAttr("antialias", 0) != 0;
  options.extrapolationValue = n.floatAttr("extrapolation_value", 0.0);
  // An empty tensor stands for an absent input in older exporters.
  auto present = [&](unsigned i) {
    return n.hasInput(i) && n.inputType(i).getNumElements() != 0;
  };
  std::string transform =
      n.stringAttr("coordinate_transformation_mode", "half_pixel");
  if (transform == "tf_crop_and_resize") {
    // roi: the begins of the resized axes, then their ends, in [0, 1].
    options.roi.assign(rank, 0.0);
    options.roi.append(rank, 1.0);
    if (present(1)) {
      std::optional<SmallVector<double>> roi = n.constantValues(1);
      if (!roi)
        return n.notKnown("roi");
      if (roi->size() != 2 * axes.size())
        return n.emitError() << "roi has " << roi->size() << " entries; "
                             << "expected " << 2 * axes.size();
      for (auto [i, d] : llvm::enumerate(axes)) {
        options.roi[d] = (*roi)[i];
        options.roi[rank + d] = (*roi)[axes.size() + i];
      }
    }
  }
  std::string policy = n.stringAttr("keep_aspect_ratio_policy", "stretch");
  if (policy != "stretch" && policy != "not_larger" && policy != "not_smaller")
    return n.emitError() << "unknown keep_aspect_ratio_policy '" << policy
                         << "'";
  if (present(3)) {
    std::optional<SmallVector<int64_t>> sizes = n.knownValues(3);
    if (!sizes)
      return n.notKnown("sizes");
    if (sizes->size() != axes.size())
      return n.emitError() << "sizes has " << sizes->size()
                           << " entries; expected " << axes.size();
    for (auto [i, d] : llvm::enumerate(axes))
      outShape[d] = (*sizes)[i];
    if (policy != "stretch") {
      // One scale for every resized axis, the smallest (not_larger) or the
      // largest (not_smaller) of the size ratios; sizes rounded half up.
      double scale = 0;
      for (auto [i, d] : llvm::enumerate(axes)) {
        if (type.isDynamicDim(d))
          return n.notKnown("the size of dimension " + std::to_string(d) +
                            " (to keep the aspect ratio)");
        double ratio = static_cast<double>((*sizes)[i]) / type.getDimSize(d);
        scale = i == 0                   ? ratio
                : policy == "not_larger" ? std::min(scale, ratio)
                                         : std::max(scale, ratio);
      }
      options.scales.assign(rank, 1.0);
      for (int64_t d : axes) {
        options.scales[d] = scale;
        outShape[d] = static_cast<int64_t>(scale * type.getDimSize(d) + 0.5);
      }
    }
  } else if (present(2)) {
    std::optional<SmallVector<double>> scales = n.constantValues(2);
    if (!scales)
      return n.notKnown("scales");
    if (scales->size() != axes.size())
      return n.emitError() << "scales has " << scales->size()
                           << " entries; expected " << axes.size();
    options.scales.assign(rank, 1.0);
    for (auto [i, d] : llvm::enumerate(axes))
      options.scales[d] = (*scales)[i];
    outShape.clear();
    if (failed(sizesFromScales(n, options.scales, outShape)))
      return failure();
  } else {
    return n.emitError() << "needs scales or sizes";
  }
  return buildResize(n, outShape, options, n.stringAttr("mode", "nearest"),
                     transform,
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
  ResizeOptions options;
  options.scales = *scales;
  return buildResize(n, outShape, options, mode == "bilinear" ? "linear" : mode,
                     "asymmetric", "floor");
}
} // namespace

void registerResizeConverters(OpRegistry &r) {
  r.add("Resize", convertResize);
  r.add("Upsample", convertUpsample);
}
} // namespace autoglm::importer
