//===- ShapeConverters.cpp - Constant, Shape, Size, ConstantOfShape, Range ===//
//
// The sources of shape arithmetic. Their results are recorded as known
// integers whenever they can be computed at import time.
//
//===----------------------------------------------------------------------===//

#include "InputProvenance.h"
#include "NodeContext.h"
#include "OpRegistry.h"
#include "TensorConversion.h"

#include "onnx/onnx_pb.h"

#include <cmath>

using namespace mlir;
using namespace mlir::autoglm;

namespace autoglm::importer {
namespace {
LogicalResult finishConstant(NodeContext &n, ElementsAttr value) {
  if (!value)
    return failure();
  Value result = n.constant(value);
  if (!result)
    return failure();
  if (std::optional<KnownInts> known = knownFromAttr(value))
    n.setOutput(0, result, *known);
  else
    n.setOutput(0, result);
  return success();
}

LogicalResult convertConstant(NodeContext &n) {
  if (failed(n.checkArity(0, 0)))
    return failure();
  if (n.node.attribute_size() != 1)
    return n.emitError() << "expects exactly one value attribute";
  const onnx::AttributeProto &attr = n.node.attribute(0);
  const std::string &name = attr.name();
  auto vectorType = [&](int64_t size, Type element) {
    return RankedTensorType::get({size}, element);
  };
  if (name == "value") {
    onnx::TensorProto tensor = attr.t(); // converted tensors may be consumed
    if (tensor.name().empty())
      tensor.set_name(n.node.output(0));
    return finishConstant(n, n.state.tensors.convert(tensor, n.loc));
  }
  if (name == "value_float")
    return finishConstant(
        n, DenseElementsAttr::get(RankedTensorType::get({}, n.b.getF32Type()),
                                  attr.f()));
  if (name == "value_floats")
    return finishConstant(
        n, DenseElementsAttr::get(
               vectorType(attr.floats_size(), n.b.getF32Type()),
               ArrayRef<float>(attr.floats().data(), attr.floats_size())));
  if (name == "value_int")
    return finishConstant(
        n, DenseElementsAttr::get(RankedTensorType::get({}, n.b.getI64Type()),
                                  static_cast<int64_t>(attr.i())));
  if (name == "value_ints")
    return finishConstant(
        n, DenseElementsAttr::get(
               vectorType(attr.ints_size(), n.b.getI64Type()),
               ArrayRef<int64_t>(attr.ints().data(), attr.ints_size())));
  if (name == "value_string" || name == "value_strings")
    return n.emitError() << "string constants are not supported";
  if (name == "sparse_value")
    return n.emitError() << "sparse constants are not supported";
  return n.emitError() << "unknown attribute '" << name << "'";
}

LogicalResult convertShape(NodeContext &n) {
  if (failed(n.checkArity(1, 1)))
    return failure();
  auto type = n.inputType(0);
  int64_t rank = type.getRank();
  // Opset 15: start/end select a range of dimensions (clamped).
  auto clampIndex = [&](int64_t i) {
    if (i < 0)
      i += rank;
    return std::clamp<int64_t>(i, 0, rank);
  };
  int64_t start = clampIndex(n.intAttr("start", 0));
  int64_t end = clampIndex(n.intAttr("end", rank));
  end = std::max(start, end);
  KnownInts known;
  for (int64_t d = start; d < end; ++d)
    known.values.push_back(type.isDynamicDim(d) ? KnownInts::kUnknown
                                                : type.getDimSize(d));
  known.shape = {known.numElements()};
  if (known.isFullyKnown()) {
    Value constant = n.constantFromKnown(known, n.b.getI64Type());
    if (!constant)
      return failure();
    n.setOutput(0, constant, known);
    return success();
  }
  Value shape = n.create<ShapeOfOp>(n.input(0));
  if (shape && (start != 0 || end != rank))
    shape = n.create<SliceOp>(shape, n.b.getDenseI64ArrayAttr({start}),
                              n.b.getDenseI64ArrayAttr({end}),
                              n.b.getDenseI64ArrayAttr({1}));
  if (!shape)
    return failure();
  n.setOutput(0, shape, known);
  return success();
}

LogicalResult convertSize(NodeContext &n) {
  if (failed(n.checkArity(1, 1)))
    return failure();
  auto type = n.inputType(0);
  if (type.hasStaticShape()) {
    KnownInts known = KnownInts::scalar(type.getNumElements());
    Value constant = n.constantFromKnown(known, n.b.getI64Type());
    if (!constant)
      return failure();
    n.setOutput(0, constant, known);
    return success();
  }
  Value shape = n.create<ShapeOfOp>(n.input(0));
  return n.finish(shape ? n.create<ReduceOp>(
                              ReduceKindAttr::get(n.ctx, ReduceKind::prod),
                              shape, n.b.getDenseI64ArrayAttr({0}), UnitAttr())
                        : Value());
}

LogicalResult convertConstantOfShape(NodeContext &n) {
  if (failed(n.checkArity(1, 1)))
    return failure();
  auto shapeType = n.inputType(0);
  if (shapeType.getRank() != 1 || shapeType.isDynamicDim(0))
    return n.emitError()
           << "the shape input must be a 1-D tensor of static length";
  // The fill value: a one-element tensor attribute, float 0 by default.
  TypedAttr value = n.b.getF32FloatAttr(0.0f);
  if (const onnx::AttributeProto *attr = n.attr("value")) {
    onnx::TensorProto tensor = attr->t();
    auto elements = dyn_cast_or_null<DenseElementsAttr>(
        n.state.tensors.convert(tensor, n.loc));
    if (!elements)
      return failure();
    if (elements.getNumElements() != 1)
      return n.emitError() << "value must hold exactly one element";
    value = cast<TypedAttr>(*elements.getValues<Attribute>().begin());
  }
  Type element = value.getType();
  const KnownInts *k = n.known(0);
  SmallVector<int64_t> dims;
  for (int64_t i = 0; i < shapeType.getDimSize(0); ++i) {
    int64_t v = k ? k->values[i] : KnownInts::kUnknown;
    if (v != KnownInts::kUnknown && v < 0)
      return n.emitError() << "negative dimension " << v;
    dims.push_back(v == KnownInts::kUnknown ? ShapedType::kDynamic : v);
  }
  auto resultType = RankedTensorType::get(dims, element);
  if (!resultType.hasStaticShape()) {
    // A shape computed from the values of one integer graph input (exported
    // AffineGrid splits its `size` input into dimensions) is never static
    // later on: say which input to fix here, where its name is known,
    // rather than leave the lowering to reject the fill. (A shape that is
    // the graph input itself stays a run-time fill.)
    if (!isa<BlockArgument>(n.input(0)) &&
        !integerInputDeciding(n.input(0)).empty())
      return n.notKnown("the shape");
    return n.finish(n.createTyped<FillOp>(resultType, n.input(0), value));
  }
  // Small integer fills (masks, shape vectors) are known values.
  if (auto intValue = dyn_cast<IntegerAttr>(value);
      intValue && resultType.getNumElements() <= KnownInts::kMaxElements) {
    KnownInts known;
    known.shape = dims;
    known.values.assign(resultType.getNumElements(),
                        element.isInteger(1)
                            ? intValue.getValue().getZExtValue()
                            : intValue.getValue().getSExtValue());
    Value constant = n.constantFromKnown(known, element);
    if (!constant)
      return failure();
    n.setOutput(0, constant, known);
    return success();
  }
  return n.finish(n.createTyped<FillOp>(resultType, Value(), value));
}

LogicalResult convertRange(NodeContext &n) {
  if (failed(n.checkArity(3, 3)))
    return failure();
  Type element = n.inputType(0).getElementType();
  // Scalars, or one-element vectors as ONNX Runtime also takes them (the
  // pieces of a Split in exported functions, e.g. AffineGrid's).
  SmallVector<Value> bounds;
  for (unsigned i = 0; i < 3; ++i) {
    RankedTensorType type = n.inputType(i);
    if (type.getRank() > 1 || (type.getRank() == 1 && type.getDimSize(0) != 1))
      return n.emitError() << "start, limit and delta must be scalars";
    if (type.getElementType() != element)
      return n.emitError() << "start, limit and delta differ in element type";
    bounds.push_back(n.reshape(n.input(i), {}));
    if (!bounds.back())
      return failure();
  }
  std::optional<SmallVector<int64_t>> start = n.knownValues(0),
                                      limit = n.knownValues(1),
                                      delta = n.knownValues(2);
  if (start && limit && delta) {
    if ((*delta)[0] == 0)
      return n.emitError() << "delta must be non-zero";
    int64_t s = (*start)[0], l = (*limit)[0], d = (*delta)[0];
    int64_t count = std::max<int64_t>(0, (l - s + d + (d > 0 ? -1 : 1)) / d);
    if (count <= KnownInts::kMaxElements) {
      KnownInts known;
      known.shape = {count};
      for (int64_t i = 0; i < count; ++i)
        known.values.push_back(s + i * d);
      Value constant = n.constantFromKnown(known, element);
      if (!constant)
        return failure();
      n.setOutput(0, constant, known);
      return success();
    }
  }
  // The length is static when all three are constants; a short float range
  // of constants is a constant itself.
  int64_t length = ShapedType::kDynamic;
  std::optional<SmallVector<double>> fs = n.constantValues(0),
                                     fl = n.constantValues(1),
                                     fd = n.constantValues(2);
  if (fs && fl && fd && (*fd)[0] != 0)
    length = std::max<int64_t>(
        0, static_cast<int64_t>(std::ceil(((*fl)[0] - (*fs)[0]) / (*fd)[0])));
  if (auto floatType = dyn_cast<FloatType>(element);
      floatType && !ShapedType::isDynamic(length) &&
      length <= KnownInts::kMaxElements) {
    SmallVector<APFloat> values;
    for (int64_t i = 0; i < length; ++i) {
      APFloat v((*fs)[0] + static_cast<double>(i) * (*fd)[0]);
      bool lost;
      v.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven,
                &lost);
      values.push_back(v);
    }
    return n.finish(n.constant(DenseElementsAttr::get(
        RankedTensorType::get({length}, element), values)));
  }
  return n.finish(
      n.createTyped<RangeOp>(RankedTensorType::get({length}, element),
                             bounds[0], bounds[1], bounds[2]));
}
/// EyeLike: ones on the k-th diagonal of a static 2-D shape, a constant.
LogicalResult convertEyeLike(NodeContext &n) {
  if (failed(n.checkArity(1, 1)))
    return failure();
  auto type = n.inputType(0);
  if (type.getRank() != 2)
    return n.emitError() << "expects a 2-D input";
  if (!type.hasStaticShape())
    return n.notKnown("the input shape");
  Type element = type.getElementType();
  if (n.hasAttr("dtype")) {
    int64_t code = n.intAttr("dtype", 0);
    element = convertElementType(code, n.ctx);
    if (!element)
      return n.emitError() << "unsupported dtype " << onnxTypeName(code);
  }
  int64_t rows = type.getDimSize(0), cols = type.getDimSize(1);
  if (rows * cols > (int64_t(1) << 24))
    return n.emitError() << "a " << rows << "x" << cols
                         << " identity is too large to build as a constant";
  int64_t k = n.intAttr("k", 0);
  auto resultType = RankedTensorType::get({rows, cols}, element);
  SmallVector<Attribute> values;
  Attribute zero = n.b.getZeroAttr(element), one;
  if (auto floatType = dyn_cast<FloatType>(element))
    one = n.b.getFloatAttr(floatType, 1.0);
  else
    one = n.b.getIntegerAttr(element, 1);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      values.push_back(j - i == k ? one : zero);
  return finishConstant(n, DenseElementsAttr::get(resultType, values));
}
} // namespace

void registerShapeConverters(OpRegistry &r) {
  r.add("EyeLike", convertEyeLike);
  r.add("Constant", convertConstant);
  r.add("Shape", convertShape);
  r.add("Size", convertSize);
  r.add("ConstantOfShape", convertConstantOfShape);
  r.add("Range", convertRange);
}
} // namespace autoglm::importer
