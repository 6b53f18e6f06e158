//===- SeparateOps.cpp - grid_sample, roi_align, bitcast ------------------===//
//
// The generated definitions of the ops of SeparateOps.td, their verifiers
// and type inference.
//
//===----------------------------------------------------------------------===//

#include "autoglm/Dialect/SeparateOps.h"

#include "ShapeInference.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace mlir::autoglm;

#define GET_OP_CLASSES
#include "autoglm/Dialect/AutoGLMSeparateOps.cpp.inc"

//===----------------------------------------------------------------------===//
// GridSampleOp
//===----------------------------------------------------------------------===//

LogicalResult GridSampleOp::inferReturnTypes(MLIRContext *,
                                             std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &inferred) {
  auto input = cast<RankedTensorType>(adaptor.getInput().getType());
  auto grid = cast<RankedTensorType>(adaptor.getGrid().getType());
  int64_t spatial = input.getRank() - 2;
  if (spatial < 1)
    return failInference(loc, "input must be N x C x spatial dimensions");
  if (grid.getRank() < 3)
    return failInference(loc, "grid must be N x points... x coordinates");
  int64_t coords = grid.getDimSize(grid.getRank() - 1);
  if (!ShapedType::isDynamic(coords) && coords != spatial)
    return failInference(loc, "grid points have " + Twine(coords) +
                                  " coordinates; the input has " +
                                  Twine(spatial) + " spatial dimensions");
  int64_t n = input.getDimSize(0), gn = grid.getDimSize(0);
  if (!ShapedType::isDynamic(n) && !ShapedType::isDynamic(gn) && n != gn)
    return failInference(loc, "input and grid have different batch sizes");
  SmallVector<int64_t> shape{ShapedType::isDynamic(n) ? gn : n,
                             input.getDimSize(1)};
  llvm::append_range(shape, grid.getShape().drop_front().drop_back());
  inferred.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult GridSampleOp::verify() {
  if (getPadding() == PadMode::wrap)
    return emitOpError("padding must be constant (zeros), edge (border) or "
                       "reflect (reflection)");
  return success();
}

//===----------------------------------------------------------------------===//
// RoiAlignOp
//===----------------------------------------------------------------------===//

LogicalResult RoiAlignOp::verify() {
  auto input = cast<RankedTensorType>(getInput().getType());
  auto rois = cast<RankedTensorType>(getRois().getType());
  auto indices = cast<RankedTensorType>(getBatchIndices().getType());
  auto result = cast<RankedTensorType>(getType());
  if (input.getRank() != 4 || result.getRank() != 4)
    return emitOpError("input and result must be 4-D");
  if (rois.getRank() != 2 || rois.getDimSize(1) != 4)
    return emitOpError("rois must be R x 4");
  if (indices.getRank() != 1)
    return emitOpError("batch_indices must be 1-D");
  if (result.getElementType() != input.getElementType())
    return emitOpError("result element type differs from the input's");
  auto expected =
      RankedTensorType::get({rois.getDimSize(0), input.getDimSize(1),
                             result.getDimSize(2), result.getDimSize(3)},
                            result.getElementType());
  auto expectedIndices =
      RankedTensorType::get({rois.getDimSize(0)}, indices.getElementType());
  if (!areCompatibleTypes(TypeRange{expectedIndices}, TypeRange{indices}) ||
      !areCompatibleTypes(TypeRange{expected}, TypeRange{result}))
    return emitOpError("result must be R x C x OH x OW with one batch index "
                       "per box");
  if (getSamplingRatio() < 0)
    return emitOpError("sampling_ratio must be non-negative");
  return success();
}

//===----------------------------------------------------------------------===//
// BitCastOp
//===----------------------------------------------------------------------===//

LogicalResult BitCastOp::verify() {
  Type from = getElementTypeOrSelf(getInput().getType());
  Type to = getElementTypeOrSelf(getType());
  if (from.isInteger(1) || to.isInteger(1) ||
      from.getIntOrFloatBitWidth() != to.getIntOrFloatBitWidth())
    return emitOpError("needs element types of one width (not i1), not ")
           << from << " and " << to;
  return success();
}
