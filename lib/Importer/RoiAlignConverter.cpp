//===- RoiAlignConverter.cpp - ONNX RoiAlign ------------------------------===//
//
// RoiAlign is autoglm.roi_align. Opset 10 has no
// coordinate_transformation_mode and behaves as output_half_pixel (boxes
// unshifted); from opset 16 the default is half_pixel.
//
//===----------------------------------------------------------------------===//

#include "NodeContext.h"
#include "OpRegistry.h"
#include "VisionConverters.h"

#include "autoglm/Dialect/SeparateOps.h"

using namespace mlir;
using namespace mlir::autoglm;

namespace autoglm::importer {
namespace {
LogicalResult convertRoiAlign(NodeContext &n) {
  if (failed(n.checkArity(3, 3)))
    return failure();
  auto type = n.inputType(0);
  if (type.getRank() != 4 || !isa<FloatType>(type.getElementType()))
    return n.emitError() << "X must be a 4-D floating-point tensor";
  std::string modeName = n.stringAttr("mode", "avg");
  std::optional<PoolKind> kind = symbolizePoolKind(modeName);
  if (!kind)
    return n.emitError() << "unknown mode '" << modeName << "'";
  std::string transform =
      n.stringAttr("coordinate_transformation_mode",
                   n.opset() < 16 ? "output_half_pixel" : "half_pixel");
  if (transform != "half_pixel" && transform != "output_half_pixel")
    return n.emitError() << "unknown coordinate_transformation_mode '"
                         << transform << "'";
  int64_t outH = n.intAttr("output_height", 1);
  int64_t outW = n.intAttr("output_width", 1);
  int64_t ratio = n.intAttr("sampling_ratio", 0);
  if (outH < 1 || outW < 1 || ratio < 0)
    return n.emitError() << "output_height and output_width must be positive "
                            "and sampling_ratio non-negative";
  auto rois = n.inputType(1);
  if (rois.getRank() != 2)
    return n.emitError() << "rois must be a num_rois x 4 tensor";
  auto result = RankedTensorType::get(
      {rois.getDimSize(0), type.getDimSize(1), outH, outW},
      type.getElementType());
  return n.finish(n.createTyped<RoiAlignOp>(
      result, n.input(0), n.input(1), n.input(2),
      PoolKindAttr::get(n.ctx, *kind), n.b.getI64IntegerAttr(ratio),
      n.b.getF64FloatAttr(n.floatAttr("spatial_scale", 1.0)),
      transform == "half_pixel" ? n.b.getUnitAttr() : UnitAttr()));
}
} // namespace

void registerRoiAlignConverter(OpRegistry &r) {
  r.add("RoiAlign", convertRoiAlign);
}
} // namespace autoglm::importer
