//===- SeparateOps.cpp - ops generated into their own unit ----------------===//
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

//===----------------------------------------------------------------------===//
// DecodeAttentionOp
//===----------------------------------------------------------------------===//

SmallVector<int64_t> DecodeAttentionOp::headMajorShape(Value operand) {
  SmallVector<int64_t> shape(cast<ShapedType>(operand.getType()).getShape());
  if (getSeqMajor() && shape.size() == 4)
    std::swap(shape[1], shape[2]);
  return shape;
}

int64_t DecodeAttentionOp::numKeys() {
  int64_t keys = headMajorShape(getKey())[2];
  if (Value more = getNewKey())
    keys += headMajorShape(more)[2];
  return keys;
}

LogicalResult DecodeAttentionOp::verify() {
  auto query = cast<ShapedType>(getQuery().getType());
  auto init = cast<ShapedType>(getInit().getType());
  for (Value operand : getOperands()) {
    auto type = cast<ShapedType>(operand.getType());
    if (operand != getMask() && (!type.hasStaticShape() || type.getRank() != 4))
      return emitOpError("needs 4-D operands of static shape, not ") << type;
  }
  if (bool(getNewKey()) != bool(getNewValue()))
    return emitOpError("needs new_key and new_value together");
  // Key and value in B x Hkv x Sk x D order, Sk counting both parts.
  auto headMajor = [&](Value part, Value more) {
    SmallVector<int64_t> shape = headMajorShape(part);
    auto type = cast<ShapedType>(part.getType());
    if (more) {
      SmallVector<int64_t> extra = headMajorShape(more);
      shape[2] += extra[2];
      extra[2] = shape[2];
      if (extra != shape || cast<ShapedType>(more.getType()).getElementType() !=
                                type.getElementType())
        return RankedTensorType::get({}, type.getElementType());
    }
    return RankedTensorType::get(shape, type.getElementType());
  };
  auto key = headMajor(getKey(), getNewKey());
  auto value = headMajor(getValue(), getNewValue());
  if (key.getRank() != 4 || value.getRank() != 4)
    return emitOpError("needs new_key and new_value with the shapes of key "
                       "and value but for their rows");
  size_t inits = getInits().size();
  if (inits != (getFreshPageAttr() ? 3 : 1))
    return emitOpError("needs one init, or three with fresh_page");
  if (getResultTensors().size() != (isa<RankedTensorType>(init) ? inits : 0))
    return emitOpError("returns a result per init on tensors and none on "
                       "buffers");
  Type element = query.getElementType();
  if (key.getElementType() != element || value.getElementType() != element ||
      init.getElementType() != element)
    return emitOpError("needs one element type for query, key, value and "
                       "init");
  int64_t heads = query.getDimSize(1), kvHeads = key.getDimSize(1);
  if (key.getDimSize(0) != query.getDimSize(0) ||
      value.getShape().take_front(3) != key.getShape().take_front(3) ||
      key.getDimSize(3) != query.getDimSize(3) || kvHeads == 0 ||
      heads % kvHeads != 0)
    return emitOpError("needs query B x Hq x Sq x D, key B x Hkv x Sk x D and "
                       "value B x Hkv x Sk x Dv with Hq a multiple of Hkv");
  SmallVector<int64_t> expected = {query.getDimSize(0), heads,
                                   query.getDimSize(2), value.getDimSize(3)};
  if (init.getShape() != ArrayRef<int64_t>(expected))
    return emitOpError("init must be B x Hq x Sq x Dv");
  if (getTopKAttr().getInt() < 1 || getSinkAttr().getInt() < 0 ||
      getWindowAttr().getInt() < 0)
    return emitOpError("needs top_k >= 1, sink >= 0 and window >= 0");
  if (Value mask = getMask()) {
    auto mt = cast<ShapedType>(mask.getType());
    if (mt.getRank() > 4)
      return emitOpError("needs a mask of rank at most 4");
    int64_t full[] = {query.getDimSize(0), heads, query.getDimSize(2),
                      key.getDimSize(2)};
    for (int64_t d = 0, r = mt.getRank(); d < r; ++d)
      if (mt.getDimSize(d) != 1 && mt.getDimSize(d) != full[4 - r + d])
        return emitOpError("mask ")
               << mt << " does not broadcast to B x Hq x Sq x Sk";
  }
  if (!getPageSizeAttr() && !getPageMin() && !getPageMax() &&
      !getFreshPageAttr())
    return success();
  if (!getPageSizeAttr() || !getPageMin() || !getPageMax())
    return emitOpError("page granularity needs page_size, page_min and "
                       "page_max together");
  int64_t page = getPageSizeAttr().getInt(), keys = key.getDimSize(2);
  if (page < 1 || keys % page != 0)
    return emitOpError("page_size ")
           << page << " must be positive and divide the " << keys << " keys";
  SmallVector<int64_t> bounds = {key.getDimSize(0), kvHeads, keys / page,
                                 key.getDimSize(3)};
  if (IntegerAttr fresh = getFreshPageAttr();
      fresh && (fresh.getInt() < 0 || fresh.getInt() >= keys / page))
    return emitOpError("fresh_page ")
           << fresh.getInt() << " must be one of the " << keys / page
           << " pages";
  auto checkBounds = [&](Value bound, ArrayRef<int64_t> shape,
                         StringRef pages) -> LogicalResult {
    auto type = cast<ShapedType>(bound.getType());
    if (type.getElementType() != element || !type.hasStaticShape() ||
        type.getShape() != shape)
      return emitOpError("page bounds must be B x Hkv x ")
             << pages << " x D of the key's element type, not " << type;
    return success();
  };
  for (Value bound : {getPageMin(), getPageMax()})
    if (failed(checkBounds(bound, bounds, "Sk/page_size")))
      return failure();
  if (IntegerAttr fresh = getFreshPageAttr()) {
    bounds[2] -= fresh.getInt();
    for (Value bound : {getNewPageMin(), getNewPageMax()})
      if (failed(checkBounds(bound, bounds, "(Sk/page_size - fresh_page)")))
        return failure();
  }
  return success();
}
