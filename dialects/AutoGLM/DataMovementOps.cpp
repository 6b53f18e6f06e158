//===- DataMovementOps.cpp - shape and layout ops -------------------------===//

#include "ShapeInference.h"
#include "autoglm/Dialect/AutoGLM.h"

#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;
using namespace mlir::autoglm;

static int64_t numElementsOrDynamic(RankedTensorType type) {
  return type.hasStaticShape() ? type.getNumElements() : ShapedType::kDynamic;
}

//===----------------------------------------------------------------------===//
// ConstantOp
//===----------------------------------------------------------------------===//

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

//===----------------------------------------------------------------------===//
// ReshapeOp
//===----------------------------------------------------------------------===//

LogicalResult ReshapeOp::verify() {
  auto input = cast<RankedTensorType>(getInput().getType());
  auto result = cast<RankedTensorType>(getType());
  if (input.getElementType() != result.getElementType())
    return emitOpError("result element type differs from the input's");
  if (Value shape = getShape()) {
    auto shapeType = cast<RankedTensorType>(shape.getType());
    if (!shapeType.isDynamicDim(0) &&
        shapeType.getDimSize(0) != result.getRank())
      return emitOpError("shape operand has ")
             << shapeType.getDimSize(0) << " entries but the result has rank "
             << result.getRank();
    return success();
  }
  int64_t in = numElementsOrDynamic(input), out = numElementsOrDynamic(result);
  if (!ShapedType::isDynamic(in) && !ShapedType::isDynamic(out) && in != out)
    return emitOpError("cannot reshape ")
           << in << " elements into " << out << " elements";
  // Only one unknown size can be derived from the element count. This holds
  // for dynamic inputs too, and must: --autoglm-infer-shapes may make the
  // input static later, which must not make a valid reshape invalid.
  if (result.getNumDynamicDims() > 1)
    return emitOpError("needs a shape operand to reshape into more than one "
                       "dynamic dimension");
  return success();
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (getShape())
    return {};
  if (getInput().getType() == getType())
    return getInput();
  // reshape(reshape(x)) == reshape(x) with the outer result type.
  if (auto inner = getInput().getDefiningOp<ReshapeOp>();
      inner && !inner.getShape()) {
    // A dynamic intermediate type may hide that the pair is wrong
    // (12 -> ? -> 6 elements): fold only into a reshape the verifier accepts.
    auto source = cast<RankedTensorType>(inner.getInput().getType());
    auto result = cast<RankedTensorType>(getType());
    if (source.hasStaticShape() && result.hasStaticShape() &&
        source.getNumElements() != result.getNumElements())
      return {};
    getInputMutable().assign(inner.getInput());
    return getResult();
  }
  if (auto dense = dyn_cast_if_present<DenseElementsAttr>(adaptor.getInput()))
    if (getType().hasStaticShape())
      return dense.reshape(getType());
  return {};
}

//===----------------------------------------------------------------------===//
// TransposeOp
//===----------------------------------------------------------------------===//

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  auto input = cast<RankedTensorType>(adaptor.getInput().getType());
  ArrayRef<int64_t> perm = adaptor.getPermutation();
  if ((int64_t)perm.size() != input.getRank())
    return failInference(loc, "permutation has " + Twine(perm.size()) +
                                  " entries for an input of rank " +
                                  Twine(input.getRank()));
  SmallVector<bool> seen(perm.size(), false);
  SmallVector<int64_t> shape;
  for (int64_t p : perm) {
    if (p < 0 || p >= input.getRank() || seen[p])
      return failInference(loc, "permutation must hold each dimension in [0, " +
                                    Twine(input.getRank()) + ") exactly once");
    seen[p] = true;
    shape.push_back(input.getDimSize(p));
  }
  inferred.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

OpFoldResult TransposeOp::fold(FoldAdaptor) {
  // The declared result may be more static than the input (both agree with
  // inference); only a value of exactly the result type can replace it.
  if (getInput().getType() != getType())
    return {};
  for (auto [i, p] : llvm::enumerate(getPermutation()))
    if ((int64_t)i != p)
      return {};
  return getInput();
}

//===----------------------------------------------------------------------===//
// ConcatOp / SplitOp
//===----------------------------------------------------------------------===//

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  if (adaptor.getInputs().empty())
    return failInference(loc, "needs at least one input");
  auto first = cast<RankedTensorType>(adaptor.getInputs().front().getType());
  int64_t rank = first.getRank(), axis = adaptor.getAxis();
  if (failed(verifyAxis(loc, axis, rank)))
    return failure();
  SmallVector<int64_t> shape(first.getShape());
  shape[axis] = 0;
  for (Value input : adaptor.getInputs()) {
    auto type = cast<RankedTensorType>(input.getType());
    if (type.getRank() != rank)
      return failInference(loc, "all inputs must have rank " + Twine(rank));
    for (int64_t d = 0; d < rank; ++d) {
      int64_t dim = type.getDimSize(d);
      if (d == axis) {
        shape[d] = ShapedType::isDynamic(shape[d]) || ShapedType::isDynamic(dim)
                       ? ShapedType::kDynamic
                       : shape[d] + dim;
      } else if (ShapedType::isDynamic(shape[d])) {
        shape[d] = dim;
      } else if (!ShapedType::isDynamic(dim) && dim != shape[d]) {
        return failInference(loc, "inputs differ in dimension " + Twine(d) +
                                      " (" + Twine(shape[d]) + " vs " +
                                      Twine(dim) + ")");
      }
    }
  }
  inferred.push_back(RankedTensorType::get(shape, first.getElementType()));
  return success();
}

OpFoldResult ConcatOp::fold(FoldAdaptor) {
  if (getInputs().size() == 1 && getInputs().front().getType() == getType())
    return getInputs().front();
  return {};
}

LogicalResult SplitOp::inferReturnTypes(MLIRContext *,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &inferred) {
  auto input = cast<RankedTensorType>(adaptor.getInput().getType());
  int64_t axis = adaptor.getAxis();
  if (failed(verifyAxis(loc, axis, input.getRank())))
    return failure();
  ArrayRef<int64_t> sizes = adaptor.getSizes();
  if (sizes.empty())
    return failInference(loc, "sizes must name at least one piece");
  int64_t total = 0;
  for (int64_t size : sizes) {
    if (size < 0)
      return failInference(loc, "sizes must be non-negative");
    total += size;
  }
  int64_t dim = input.getDimSize(axis);
  if (!ShapedType::isDynamic(dim) && total != dim)
    return failInference(loc, "sizes add up to " + Twine(total) +
                                  " but dimension " + Twine(axis) + " is " +
                                  Twine(dim));
  for (int64_t size : sizes) {
    SmallVector<int64_t> shape(input.getShape());
    shape[axis] = size;
    inferred.push_back(RankedTensorType::get(shape, input.getElementType()));
  }
  return success();
}

LogicalResult SplitOp::verify() {
  if (getResults().size() != getSizes().size())
    return emitOpError("has ") << getResults().size() << " results but "
                               << getSizes().size() << " sizes";
  return success();
}

//===----------------------------------------------------------------------===//
// SliceOp
//===----------------------------------------------------------------------===//

LogicalResult SliceOp::inferReturnTypes(MLIRContext *,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &inferred) {
  auto input = cast<RankedTensorType>(adaptor.getInput().getType());
  ArrayRef<int64_t> starts = adaptor.getStarts(), ends = adaptor.getEnds(),
                    steps = adaptor.getSteps();
  int64_t rank = input.getRank();
  if ((int64_t)starts.size() != rank || (int64_t)ends.size() != rank ||
      (int64_t)steps.size() != rank)
    return failInference(loc, "starts, ends and steps need one entry per "
                              "dimension (" +
                                  Twine(rank) + ")");
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t dim = input.getDimSize(d), start = starts[d], end = ends[d],
            step = steps[d];
    if (step == 0)
      return failInference(loc, "steps must be non-zero");
    // Bounds of a dimension of unknown size keep ONNX's run-time meaning
    // (negative counts from the end, clamped to the size).
    if (ShapedType::isDynamic(dim)) {
      shape.push_back(ShapedType::kDynamic);
      continue;
    }
    if (start < 0 || end < -1 || start > dim || end > dim)
      return failInference(loc, "slice bounds [" + Twine(start) + ", " +
                                    Twine(end) + ") are outside dimension " +
                                    Twine(d) + " of size " + Twine(dim));
    int64_t size = step > 0 ? (end - start + step - 1) / step
                            : (start - end + (-step) - 1) / (-step);
    shape.push_back(std::max<int64_t>(size, 0));
  }
  inferred.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult SliceOp::verify() {
  // A negative step starts from an element that must exist.
  auto input = cast<RankedTensorType>(getInput().getType());
  // verify() runs before the result types are checked against inference
  // (InferTypeOpInterface verifies with the regions), so the attribute
  // lengths that inference checks and reports are not known to be right yet.
  if ((int64_t)getStarts().size() != input.getRank() ||
      (int64_t)getSteps().size() != input.getRank())
    return success();
  for (auto [d, step] : llvm::enumerate(getSteps())) {
    int64_t dim = input.getDimSize(d);
    if (step < 0 && !ShapedType::isDynamic(dim) && getStarts()[d] >= dim &&
        dim > 0)
      return emitOpError("a backward slice of dimension ")
             << d << " must start inside it";
  }
  return success();
}

OpFoldResult SliceOp::fold(FoldAdaptor) {
  if (getInput().getType() != getType() || !getType().hasStaticShape())
    return {};
  for (auto [d, step] : llvm::enumerate(getSteps()))
    if (step != 1 || getStarts()[d] != 0)
      return {};
  return getInput();
}

//===----------------------------------------------------------------------===//
// GatherOp / GatherElementsOp
//===----------------------------------------------------------------------===//

LogicalResult GatherOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  auto data = cast<RankedTensorType>(adaptor.getData().getType());
  auto indices = cast<RankedTensorType>(adaptor.getIndices().getType());
  int64_t axis = adaptor.getAxis();
  if (failed(verifyAxis(loc, axis, data.getRank())))
    return failure();
  SmallVector<int64_t> shape(data.getShape().take_front(axis));
  llvm::append_range(shape, indices.getShape());
  llvm::append_range(shape, data.getShape().drop_front(axis + 1));
  inferred.push_back(RankedTensorType::get(shape, data.getElementType()));
  return success();
}

LogicalResult
GatherElementsOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                   Adaptor adaptor,
                                   SmallVectorImpl<Type> &inferred) {
  auto data = cast<RankedTensorType>(adaptor.getData().getType());
  auto indices = cast<RankedTensorType>(adaptor.getIndices().getType());
  if (data.getRank() != indices.getRank())
    return failInference(loc, "data and indices must have the same rank");
  if (failed(verifyAxis(loc, adaptor.getAxis(), data.getRank())))
    return failure();
  inferred.push_back(
      RankedTensorType::get(indices.getShape(), data.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// PadOp / TileOp / ExpandOp
//===----------------------------------------------------------------------===//

LogicalResult PadOp::inferReturnTypes(MLIRContext *,
                                      std::optional<Location> loc,
                                      Adaptor adaptor,
                                      SmallVectorImpl<Type> &inferred) {
  auto input = cast<RankedTensorType>(adaptor.getInput().getType());
  ArrayRef<int64_t> pads = adaptor.getPads();
  int64_t rank = input.getRank();
  if ((int64_t)pads.size() != 2 * rank)
    return failInference(loc, "expected " + Twine(2 * rank) +
                                  " pads (begins then ends), got " +
                                  Twine(pads.size()));
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t dim = input.getDimSize(d);
    if (ShapedType::isDynamic(dim)) {
      shape.push_back(dim);
      continue;
    }
    int64_t size = dim + pads[d] + pads[rank + d];
    if (size < 0)
      return failInference(loc, "negative pads crop dimension " + Twine(d) +
                                    " below zero");
    shape.push_back(size);
  }
  inferred.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult PadOp::verify() {
  if (getMode() != PadMode::constant)
    for (int64_t p : getPads())
      if (p < 0)
        return emitOpError("negative pads are only allowed in constant mode");
  return success();
}

LogicalResult TileOp::inferReturnTypes(MLIRContext *,
                                       std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &inferred) {
  auto input = cast<RankedTensorType>(adaptor.getInput().getType());
  ArrayRef<int64_t> repeats = adaptor.getRepeats();
  if ((int64_t)repeats.size() != input.getRank())
    return failInference(loc, "expected " + Twine(input.getRank()) +
                                  " repeats, got " + Twine(repeats.size()));
  SmallVector<int64_t> shape;
  for (auto [dim, r] : llvm::zip(input.getShape(), repeats)) {
    if (r < 0)
      return failInference(loc, "repeats must be non-negative");
    shape.push_back(ShapedType::isDynamic(dim) ? dim : dim * r);
  }
  inferred.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult ExpandOp::verify() {
  auto input = cast<RankedTensorType>(getInput().getType());
  auto result = cast<RankedTensorType>(getType());
  if (input.getElementType() != result.getElementType())
    return emitOpError("result element type differs from the input's");
  if (result.getRank() < input.getRank())
    return emitOpError("result rank ")
           << result.getRank() << " is below the input rank "
           << input.getRank();
  SmallVector<int64_t> shape;
  if (failed(broadcastShapes(getLoc(), {input, result}, shape)))
    return failure();
  // Without a run-time shape the result must be exactly the broadcast shape.
  if (!getShape() &&
      !areCompatibleTypes(RankedTensorType::get(shape, result.getElementType()),
                          result))
    return emitOpError("result shape is not the broadcast of the input");
  return success();
}

//===----------------------------------------------------------------------===//
// ResizeOp / TopKOp / TriluOp
//===----------------------------------------------------------------------===//

LogicalResult ResizeOp::verify() {
  auto input = cast<RankedTensorType>(getInput().getType());
  auto result = cast<RankedTensorType>(getType());
  if (input.getRank() != result.getRank())
    return emitOpError("result rank differs from input rank");
  if (input.getElementType() != result.getElementType())
    return emitOpError("result element type differs from the input's");
  return success();
}

LogicalResult TopKOp::inferReturnTypes(MLIRContext *context,
                                       std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &inferred) {
  auto input = cast<RankedTensorType>(adaptor.getInput().getType());
  int64_t axis = adaptor.getAxis(), k = adaptor.getK();
  if (failed(verifyAxis(loc, axis, input.getRank())))
    return failure();
  int64_t dim = input.getDimSize(axis);
  if (k < 0 || (!ShapedType::isDynamic(dim) && k > dim))
    return failInference(
        loc, "k = " + Twine(k) + " is outside [0, " +
                 (ShapedType::isDynamic(dim) ? Twine("?") : Twine(dim)) + "]");
  SmallVector<int64_t> shape(input.getShape());
  shape[axis] = k;
  inferred.push_back(RankedTensorType::get(shape, input.getElementType()));
  inferred.push_back(
      RankedTensorType::get(shape, IntegerType::get(context, 64)));
  return success();
}

AUTOGLM_SAME_TYPE_INFERENCE(TriluOp)

LogicalResult TriluOp::verify() {
  if (getType().getRank() < 2)
    return emitOpError("input must have rank 2 or more");
  return success();
}

//===----------------------------------------------------------------------===//
// ShapeOfOp / FillOp / RangeOp
//===----------------------------------------------------------------------===//

LogicalResult ShapeOfOp::inferReturnTypes(MLIRContext *context,
                                          std::optional<Location>,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &inferred) {
  auto input = cast<RankedTensorType>(adaptor.getInput().getType());
  inferred.push_back(
      RankedTensorType::get({input.getRank()}, IntegerType::get(context, 64)));
  return success();
}

OpFoldResult ShapeOfOp::fold(FoldAdaptor) {
  auto input = cast<RankedTensorType>(getInput().getType());
  // The declared result may be tensor<?xi64>; a constant needs a static type.
  if (!input.hasStaticShape() || !getType().hasStaticShape())
    return {};
  return DenseIntElementsAttr::get(getType(), input.getShape());
}

LogicalResult FillOp::verify() {
  auto result = cast<RankedTensorType>(getType());
  if (cast<TypedAttr>(getValue()).getType() != result.getElementType())
    return emitOpError("value type ")
           << cast<TypedAttr>(getValue()).getType()
           << " differs from the result element type "
           << result.getElementType();
  if (Value shape = getShape()) {
    auto shapeType = cast<RankedTensorType>(shape.getType());
    if (!shapeType.isDynamicDim(0) &&
        shapeType.getDimSize(0) != result.getRank())
      return emitOpError("shape operand has ")
             << shapeType.getDimSize(0) << " entries but the result has rank "
             << result.getRank();
  } else if (!result.hasStaticShape()) {
    return emitOpError("a dynamic result shape needs a shape operand");
  }
  return success();
}

OpFoldResult FillOp::fold(FoldAdaptor) {
  if (getShape() || !getType().hasStaticShape())
    return {};
  return SplatElementsAttr::get(getType(), getValue());
}

LogicalResult RangeOp::verify() {
  auto result = cast<RankedTensorType>(getType());
  if (result.getElementType() != getElementTypeOrSelf(getStart().getType()))
    return emitOpError("result element type differs from the operands'");
  return success();
}
