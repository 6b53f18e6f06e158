//===- NodeContext.cpp - what an op converter sees of one ONNX node -------===//

#include "NodeContext.h"
#include "InputProvenance.h"

#include "mlir/IR/Verifier.h"

#include "onnx/onnx_pb.h"

using namespace mlir;

namespace autoglm::importer {
NodeContext::NodeContext(ImportState &state, const onnx::NodeProto &node,
                         Location loc)
    : node(node), loc(loc), state(state), b(state.builder), ctx(state.context) {
}

StringRef NodeContext::opType() const { return node.op_type(); }

//===----------------------------------------------------------------------===//
// Inputs
//===----------------------------------------------------------------------===//

unsigned NodeContext::numInputs() const { return node.input_size(); }

bool NodeContext::hasInput(unsigned i) const {
  return i < numInputs() && !node.input(i).empty();
}

Value NodeContext::input(unsigned i) const {
  if (!hasInput(i))
    return nullptr;
  return state.values.lookup(node.input(i));
}

RankedTensorType NodeContext::inputType(unsigned i) const {
  Value value = input(i);
  return value ? dyn_cast<RankedTensorType>(value.getType()) : nullptr;
}

const KnownInts *NodeContext::known(unsigned i) const {
  if (!hasInput(i))
    return nullptr;
  auto it = state.known.find(node.input(i));
  return it == state.known.end() ? nullptr : &it->second;
}

std::optional<SmallVector<int64_t>> NodeContext::knownValues(unsigned i) const {
  const KnownInts *k = known(i);
  if (!k || !k->isFullyKnown()) {
    lastUnknownInput = static_cast<int>(i);
    return std::nullopt;
  }
  return k->values;
}

FailureOr<int64_t> NodeContext::knownScalar(unsigned i, StringRef what) const {
  std::optional<SmallVector<int64_t>> values = knownValues(i);
  if (!values)
    return notKnown(what);
  if (values->size() != 1)
    return emitError() << what << " must hold one value";
  return values->front();
}

ElementsAttr NodeContext::constantAttr(unsigned i) const {
  Value value = input(i);
  if (!value)
    return nullptr;
  auto constant = value.getDefiningOp<mlir::autoglm::ConstantOp>();
  if (!constant) {
    lastUnknownInput = static_cast<int>(i);
    return nullptr;
  }
  return constant.getValue();
}

std::optional<SmallVector<double>>
NodeContext::constantValues(unsigned i) const {
  auto dense = dyn_cast_or_null<DenseElementsAttr>(constantAttr(i));
  if (!dense)
    return std::nullopt;
  SmallVector<double> values;
  Type element = dense.getElementType();
  if (isa<FloatType>(element)) {
    for (const APFloat &v : dense.getValues<APFloat>())
      values.push_back(v.convertToDouble() /* exact for f16/bf16/f32 */);
    return values;
  }
  if (auto intType = dyn_cast<IntegerType>(element)) {
    for (const APInt &v : dense.getValues<APInt>())
      values.push_back(intType.isUnsigned() || intType.getWidth() == 1
                           ? static_cast<double>(v.getZExtValue())
                           : static_cast<double>(v.getSExtValue()));
    return values;
  }
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

const onnx::AttributeProto *NodeContext::attr(StringRef name) const {
  for (const onnx::AttributeProto &a : node.attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}

int64_t NodeContext::intAttr(StringRef name, int64_t defaultValue) const {
  const onnx::AttributeProto *a = attr(name);
  if (!a)
    return defaultValue;
  if (a->type() == onnx::AttributeProto::FLOAT)
    return static_cast<int64_t>(a->f());
  return a->i();
}

double NodeContext::floatAttr(StringRef name, double defaultValue) const {
  const onnx::AttributeProto *a = attr(name);
  if (!a)
    return defaultValue;
  if (a->type() == onnx::AttributeProto::INT)
    return static_cast<double>(a->i());
  return a->f();
}

std::string NodeContext::stringAttr(StringRef name,
                                    StringRef defaultValue) const {
  const onnx::AttributeProto *a = attr(name);
  return a ? a->s() : defaultValue.str();
}

std::optional<SmallVector<int64_t>>
NodeContext::intsAttr(StringRef name) const {
  const onnx::AttributeProto *a = attr(name);
  if (!a)
    return std::nullopt;
  return SmallVector<int64_t>(a->ints().begin(), a->ints().end());
}

std::optional<SmallVector<double>>
NodeContext::floatsAttr(StringRef name) const {
  const onnx::AttributeProto *a = attr(name);
  if (!a)
    return std::nullopt;
  return SmallVector<double>(a->floats().begin(), a->floats().end());
}

//===----------------------------------------------------------------------===//
// Outputs
//===----------------------------------------------------------------------===//

unsigned NodeContext::numOutputs() const { return node.output_size(); }

bool NodeContext::hasOutput(unsigned i) const {
  return i < numOutputs() && !node.output(i).empty();
}

/// Whether the result type of `op` may be replaced by a more static one
/// without breaking a type-equality constraint of the op.
static bool mayRefineResultOf(Operation *op) {
  return op && !op->hasTrait<OpTrait::SameOperandsAndResultType>() &&
         !op->hasTrait<OpTrait::SameOperandsAndResultShape>() &&
         !op->hasTrait<OpTrait::ConstantLike>() && op->getNumResults() == 1;
}

void NodeContext::setOutput(unsigned i, Value value) {
  if (!hasOutput(i))
    return;
  const std::string &name = node.output(i);
  // value_info may know a dimension that inference leaves dynamic (e.g. a
  // Reshape to a run-time shape); take it when it only refines.
  auto declared = state.declaredTypes.lookup(name);
  auto actual = dyn_cast<RankedTensorType>(value.getType());
  if (declared && actual && declared != actual && value.use_empty() &&
      mayRefineResultOf(value.getDefiningOp()) &&
      mlir::autoglm::areCompatibleTypes(actual, declared)) {
    SmallVector<int64_t> merged(actual.getShape());
    for (auto [dim, declaredDim] : llvm::zip(merged, declared.getShape()))
      if (ShapedType::isDynamic(dim))
        dim = declaredDim;
    value.setType(actual.clone(merged));
  }
  state.values[name] = value;
}

void NodeContext::setOutput(unsigned i, Value value,
                            std::optional<KnownInts> knownInts) {
  setOutput(i, value);
  if (hasOutput(i) && knownInts && knownInts->isAnyKnown())
    state.known[node.output(i)] = std::move(*knownInts);
}

LogicalResult NodeContext::finish(Value result) {
  if (!result)
    return failure();
  setOutput(0, result);
  return success();
}

//===----------------------------------------------------------------------===//
// Diagnostics
//===----------------------------------------------------------------------===//

InFlightDiagnostic NodeContext::emitError() const {
  return mlir::emitError(loc) << opType() << ": ";
}

LogicalResult NodeContext::checkArity(unsigned minInputs, unsigned maxInputs,
                                      unsigned maxOutputs) const {
  if (numInputs() < minInputs || numInputs() > maxInputs) {
    InFlightDiagnostic diag = emitError() << "expects ";
    if (minInputs == maxInputs)
      diag << minInputs;
    else
      diag << "between " << minInputs << " and " << maxInputs;
    return diag << " inputs, got " << numInputs();
  }
  for (unsigned i = 0; i < minInputs; ++i)
    if (!hasInput(i))
      return emitError() << "required input " << i << " is missing";
  for (unsigned i = maxOutputs; i < numOutputs(); ++i)
    if (hasOutput(i))
      return emitError() << "output " << i << " ('" << node.output(i)
                         << "') is not supported; only the first " << maxOutputs
                         << " output(s) are";
  if (numOutputs() == 0 || !hasOutput(0))
    return emitError() << "has no output";
  return success();
}

LogicalResult NodeContext::notKnown(StringRef what) const {
  InFlightDiagnostic diag =
      emitError() << what
                  << " must be known when the model is imported, but it is "
                     "computed at run time; ";
  // A structural parameter fed straight from a graph input (as the ONNX
  // node tests do) is fixed by giving the input's value at compile time.
  if (lastUnknownInput >= 0 && isa_and_nonnull<BlockArgument>(input(
                                   static_cast<unsigned>(lastUnknownInput)))) {
    const std::string &name = node.input(lastUnknownInput);
    return diag << "it comes from graph input '" << name
                << "': give its value with --input-value=" << name
                << ":FILE.pb";
  }
  // Computed from one integer graph input alone (a shape split into its
  // dimensions, then concatenated): fixing that input fixes it too.
  SmallVector<Value> from;
  for (unsigned i = 0; i < numInputs(); ++i)
    if (lastUnknownInput < 0 || static_cast<int>(i) == lastUnknownInput)
      from.push_back(input(i));
  std::string name = integerInputDeciding(from);
  if (!name.empty())
    return diag << "it is computed from graph input '" << name
                << "': give its value with --input-value=" << name
                << ":FILE.pb";
  return diag << "make the input shapes static with --input-shape=NAME:DIMS";
}

FailureOr<int64_t> NodeContext::normalizeAxis(int64_t axis, int64_t rank,
                                              StringRef what) const {
  if (axis < -rank || axis >= rank)
    return emitError() << what << " " << axis << " is out of range for rank "
                       << rank;
  return axis < 0 ? axis + rank : axis;
}

FailureOr<SmallVector<int64_t>>
NodeContext::normalizeAxes(ArrayRef<int64_t> axes, int64_t rank,
                           bool sortAxes) const {
  SmallVector<int64_t> result;
  for (int64_t axis : axes) {
    FailureOr<int64_t> normalized = normalizeAxis(axis, rank, "axis");
    if (failed(normalized))
      return failure();
    if (llvm::is_contained(result, *normalized))
      return emitError() << "axis " << axis << " is repeated";
    result.push_back(*normalized);
  }
  if (sortAxes)
    llvm::sort(result);
  return result;
}

FailureOr<SmallVector<int64_t>> NodeContext::axesAttrOrAll(int64_t rank) const {
  if (std::optional<SmallVector<int64_t>> axes = intsAttr("axes"))
    return normalizeAxes(*axes, rank, /*sortAxes=*/false);
  return llvm::to_vector(llvm::seq<int64_t>(0, rank));
}

//===----------------------------------------------------------------------===//
// Building ops
//===----------------------------------------------------------------------===//

Operation *NodeContext::verified(Operation *op) {
  if (succeeded(mlir::verify(op, /*verifyRecursively=*/false)))
    return op;
  op->erase();
  return nullptr;
}

Value NodeContext::constant(ElementsAttr value) {
  return createTyped<mlir::autoglm::ConstantOp>(value.getType(), value);
}

Value NodeContext::constantI64(ArrayRef<int64_t> values) {
  auto type = RankedTensorType::get({static_cast<int64_t>(values.size())},
                                    b.getI64Type());
  return constant(DenseElementsAttr::get(type, values));
}

Value NodeContext::scalar(Type elementType, double value) {
  auto type = RankedTensorType::get({}, elementType);
  if (auto floatType = dyn_cast<FloatType>(elementType)) {
    APFloat v(value);
    bool lost;
    v.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven,
              &lost);
    return constant(DenseElementsAttr::get(type, v));
  }
  if (elementType.isInteger(1))
    return constant(DenseElementsAttr::get(type, value != 0));
  auto intType = cast<IntegerType>(elementType);
  APInt v(intType.getWidth(),
          static_cast<uint64_t>(static_cast<int64_t>(value)),
          /*isSigned=*/!intType.isUnsigned(), /*implicitTrunc=*/true);
  return constant(DenseElementsAttr::get(type, v));
}

Value NodeContext::constantFromKnown(const KnownInts &knownInts,
                                     Type elementType) {
  return constant(knownToAttr(knownInts, elementType));
}

Value NodeContext::reshape(Value input, ArrayRef<int64_t> shape) {
  auto type = cast<RankedTensorType>(input.getType());
  auto resultType = RankedTensorType::get(shape, type.getElementType());
  if (resultType == type)
    return input;
  return createTyped<mlir::autoglm::ReshapeOp>(resultType, input, Value());
}

Value NodeContext::reshapeTo(Value input, ArrayRef<DimSpec> spec) {
  auto type = cast<RankedTensorType>(input.getType());
  int64_t rank = spec.size();
  SmallVector<int64_t> dims(rank);
  int64_t inferred = -1, knownProduct = 1;
  for (auto [i, s] : llvm::enumerate(spec)) {
    if (s.inputDim >= 0)
      dims[i] = type.getDimSize(s.inputDim);
    else if (s.size >= 0)
      dims[i] = s.size;
    else
      inferred = i, dims[i] = ShapedType::kDynamic;
    if (static_cast<int64_t>(i) != inferred && !ShapedType::isDynamic(dims[i]))
      knownProduct *= dims[i];
  }
  if (inferred >= 0 && type.hasStaticShape()) {
    bool othersStatic = true;
    for (int64_t i = 0; i < rank; ++i)
      othersStatic &= i == inferred || !ShapedType::isDynamic(dims[i]);
    if (othersStatic && knownProduct != 0)
      dims[inferred] = type.getNumElements() / knownProduct;
  }
  if (llvm::none_of(dims, ShapedType::isDynamic))
    return reshape(input, dims);

  auto resultType = RankedTensorType::get(dims, type.getElementType());
  // Run-time shape with ONNX Reshape semantics: 0 copies the input dimension
  // at the same position, -1 takes what the element count leaves.
  SmallVector<int64_t> entries(rank);
  SmallVector<int64_t> runtimeDims; // positions that need the input's shape
  bool hasMinusOne = inferred >= 0;
  for (auto [i, s] : llvm::enumerate(spec)) {
    if (s.inputDim < 0) {
      entries[i] = s.size;
    } else if (!type.isDynamicDim(s.inputDim)) {
      entries[i] = type.getDimSize(s.inputDim);
    } else if (s.inputDim == static_cast<int64_t>(i)) {
      entries[i] = 0;
    } else {
      runtimeDims.push_back(i);
    }
  }
  if (runtimeDims.size() == 1 && !hasMinusOne) {
    entries[runtimeDims.front()] = -1;
    runtimeDims.clear();
  }
  Value shape;
  if (runtimeDims.empty()) {
    shape = constantI64(entries);
  } else {
    // Gather the dynamic sizes from shape_of(input) ++ literal entries.
    Value shapeOf = create<mlir::autoglm::ShapeOfOp>(input);
    Value literals = constantI64(entries);
    if (!shapeOf || !literals)
      return nullptr;
    Value both = create<mlir::autoglm::ConcatOp>(ValueRange{shapeOf, literals},
                                                 b.getI64IntegerAttr(0));
    SmallVector<int64_t> indices;
    for (auto [i, s] : llvm::enumerate(spec))
      indices.push_back(llvm::is_contained(runtimeDims, static_cast<int64_t>(i))
                            ? s.inputDim
                            : type.getRank() + static_cast<int64_t>(i));
    Value indexValues = constantI64(indices);
    if (!both || !indexValues)
      return nullptr;
    shape = create<mlir::autoglm::GatherOp>(both, indexValues,
                                            b.getI64IntegerAttr(0));
  }
  if (!shape)
    return nullptr;
  return createTyped<mlir::autoglm::ReshapeOp>(resultType, input, shape);
}

Value NodeContext::flattenTo2D(Value input, int64_t axis) {
  auto type = cast<RankedTensorType>(input.getType());
  int64_t rank = type.getRank();
  // Each side is one input dimension, a static product, or "the rest".
  auto side = [&](int64_t begin, int64_t end) -> std::optional<DimSpec> {
    if (end - begin == 1)
      return DimSpec::fromInput(begin);
    int64_t product = 1;
    for (int64_t d = begin; d < end; ++d) {
      if (type.isDynamicDim(d))
        return std::nullopt;
      product *= type.getDimSize(d);
    }
    return DimSpec::literal(product);
  };
  std::optional<DimSpec> outer = side(0, axis), inner = side(axis, rank);
  if (!outer && !inner) {
    (void)notKnown("the flattened sizes");
    return nullptr;
  }
  return reshapeTo(input, {outer ? *outer : DimSpec::literal(-1),
                           inner ? *inner : DimSpec::literal(-1)});
}

Value NodeContext::reshapeLike(Value input, Value like) {
  auto type = cast<RankedTensorType>(like.getType());
  auto resultType = type.clone(getElementTypeOrSelf(input.getType()));
  if (type.hasStaticShape())
    return reshape(input, type.getShape());
  Value shape = create<mlir::autoglm::ShapeOfOp>(like);
  return shape ? createTyped<mlir::autoglm::ReshapeOp>(resultType, input, shape)
               : Value();
}

Value NodeContext::transpose(Value input, ArrayRef<int64_t> permutation) {
  bool identity = true;
  for (auto [i, p] : llvm::enumerate(permutation))
    identity &= static_cast<int64_t>(i) == p;
  if (identity)
    return input;
  return create<mlir::autoglm::TransposeOp>(
      input, b.getDenseI64ArrayAttr(permutation));
}

Value NodeContext::castTo(Value input, Type elementType) {
  auto type = cast<RankedTensorType>(input.getType());
  if (type.getElementType() == elementType)
    return input;
  return createTyped<mlir::autoglm::CastOp>(type.clone(elementType), input);
}
} // namespace autoglm::importer
