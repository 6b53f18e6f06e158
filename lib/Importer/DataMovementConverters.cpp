//===- DataMovementConverters.cpp - reshapes, slicing, gathers, padding ---===//
//
// Shape-changing operators. Where the ONNX operator takes a structural
// parameter as a tensor input (Reshape's shape, Slice's starts, ...), it has
// to be known at import time unless the dialect op takes it at run time.
// Integer values known at import time flow through these ops.
//
//===----------------------------------------------------------------------===//

#include "NodeContext.h"
#include "OpRegistry.h"

#include "onnx/onnx_pb.h"

#include <limits>

using namespace mlir;
using namespace mlir::autoglm;

namespace autoglm::importer {
namespace {

/// Binds output 0 to `result` and, when input 0 is known, records its
/// values under `shape` (for ops that only re-shape their input).
LogicalResult finishReshaped(NodeContext &n, Value result) {
  if (!result)
    return failure();
  const KnownInts *k = n.known(0);
  auto type = dyn_cast<RankedTensorType>(result.getType());
  if (k && type && type.hasStaticShape() && type.getNumElements() == k->numElements()) {
    KnownInts reshaped = *k;
    reshaped.shape.assign(type.getShape().begin(), type.getShape().end());
    if (reshaped.isFullyKnown()) {
      Value constant = n.constantFromKnown(reshaped, type.getElementType());
      if (!constant)
        return failure();
      result = constant;
    }
    n.setOutput(0, result, reshaped);
    return success();
  }
  n.setOutput(0, result);
  return success();
}

/// The axes of Squeeze / Unsqueeze / ReduceX-style operators: an input from
/// opset `inputSince` on, an attribute before.
FailureOr<std::optional<SmallVector<int64_t>>> readAxes(NodeContext &n, unsigned input,
                                                        int64_t inputSince) {
  if (n.opset() >= inputSince) {
    if (!n.hasInput(input))
      return std::optional<SmallVector<int64_t>>();
    std::optional<SmallVector<int64_t>> values = n.knownValues(input);
    if (!values) {
      (void)n.notKnown("axes");
      return failure();
    }
    return values;
  }
  return n.intsAttr("axes");
}

//===----------------------------------------------------------------------===//
// Reshape, Flatten, Squeeze, Unsqueeze
//===----------------------------------------------------------------------===//

LogicalResult convertReshape(NodeContext &n) {
  if (failed(n.checkArity(2, 2)))
    return failure();
  Value data = n.input(0);
  auto inType = n.inputType(0);
  auto shapeType = n.inputType(1);
  if (shapeType.getRank() != 1 || shapeType.isDynamicDim(0))
    return n.emitError() << "the shape input must be a 1-D tensor of static length";
  bool allowZero = n.intAttr("allowzero", 0) != 0;
  int64_t rank = shapeType.getDimSize(0);
  const KnownInts *k = n.known(1);
  SmallVector<int64_t> dims(rank, ShapedType::kDynamic);
  int64_t inferIndex = -1, product = 1;
  bool productKnown = true;
  for (int64_t i = 0; i < rank; ++i) {
    int64_t v = k ? k->values[i] : KnownInts::kUnknown;
    if (v == KnownInts::kUnknown) {
      productKnown = false;
      continue;
    }
    if (v == 0 && !allowZero) {
      if (i >= inType.getRank())
        return n.emitError() << "shape entry " << i
                             << " is 0 (copy) but the input has rank " << inType.getRank();
      dims[i] = inType.getDimSize(i);
    } else if (v == -1) {
      if (inferIndex >= 0)
        return n.emitError() << "the shape has more than one -1";
      inferIndex = i;
      continue;
    } else if (v < -1) {
      return n.emitError() << "invalid shape entry " << v;
    } else {
      dims[i] = v;
    }
    if (ShapedType::isDynamic(dims[i]))
      productKnown = false;
    else
      product *= dims[i];
  }
  if (inferIndex >= 0 && productKnown && inType.hasStaticShape()) {
    if (product == 0 || inType.getNumElements() % product != 0)
      return n.emitError() << "cannot reshape " << inType.getNumElements()
                           << " elements into the requested shape";
    dims[inferIndex] = inType.getNumElements() / product;
  }
  auto resultType = RankedTensorType::get(dims, inType.getElementType());
  if (resultType.hasStaticShape())
    return finishReshaped(n, n.reshape(data, dims));
  if (allowZero && (!k || llvm::any_of(k->values, [](int64_t v) {
                      return v == 0 || v == KnownInts::kUnknown;
                    })))
    return n.notKnown("the shape (allowzero = 1 with a run-time shape)");
  Value shape = k && k->isFullyKnown() ? n.constantI64(k->values) : n.input(1);
  if (!shape)
    return failure();
  return finishReshaped(n, n.createTyped<ReshapeOp>(resultType, data, shape));
}

LogicalResult convertFlatten(NodeContext &n) {
  if (failed(n.checkArity(1, 1)))
    return failure();
  auto type = n.inputType(0);
  int64_t rank = type.getRank();
  int64_t axis = n.intAttr("axis", 1);
  if (axis < -rank || axis > rank)
    return n.emitError() << "axis " << axis << " is out of range for rank " << rank;
  if (axis < 0)
    axis += rank;
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
  if (!outer && !inner)
    return n.notKnown("the flattened sizes");
  return finishReshaped(n, n.reshapeTo(n.input(0), {outer ? *outer : DimSpec::literal(-1),
                                                    inner ? *inner : DimSpec::literal(-1)}));
}

LogicalResult convertSqueeze(NodeContext &n) {
  bool axesInput = n.opset() >= 13;
  if (failed(n.checkArity(1, axesInput ? 2 : 1)))
    return failure();
  auto type = n.inputType(0);
  auto axes = readAxes(n, 1, 13);
  if (failed(axes))
    return failure();
  SmallVector<int64_t> squeezed;
  if (*axes) {
    FailureOr<SmallVector<int64_t>> normalized = n.normalizeAxes(**axes, type.getRank());
    if (failed(normalized))
      return failure();
    squeezed = *normalized;
    for (int64_t d : squeezed)
      if (!type.isDynamicDim(d) && type.getDimSize(d) != 1)
        return n.emitError() << "cannot squeeze dimension " << d << " of size "
                             << type.getDimSize(d);
  } else {
    for (int64_t d = 0; d < type.getRank(); ++d) {
      if (type.isDynamicDim(d))
        return n.notKnown("whether dimension " + std::to_string(d) + " has size 1");
      if (type.getDimSize(d) == 1)
        squeezed.push_back(d);
    }
  }
  SmallVector<DimSpec> spec;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (!llvm::is_contained(squeezed, d))
      spec.push_back(DimSpec::fromInput(d));
  return finishReshaped(n, n.reshapeTo(n.input(0), spec));
}

LogicalResult convertUnsqueeze(NodeContext &n) {
  bool axesInput = n.opset() >= 13;
  if (failed(n.checkArity(axesInput ? 2 : 1, axesInput ? 2 : 1)))
    return failure();
  auto type = n.inputType(0);
  auto axes = readAxes(n, 1, 13);
  if (failed(axes))
    return failure();
  if (!*axes)
    return n.emitError() << "axes are required";
  int64_t outRank = type.getRank() + (*axes)->size();
  FailureOr<SmallVector<int64_t>> inserted = n.normalizeAxes(**axes, outRank);
  if (failed(inserted))
    return failure();
  SmallVector<DimSpec> spec;
  int64_t next = 0;
  for (int64_t d = 0; d < outRank; ++d)
    spec.push_back(llvm::is_contained(*inserted, d) ? DimSpec::literal(1)
                                                    : DimSpec::fromInput(next++));
  return finishReshaped(n, n.reshapeTo(n.input(0), spec));
}

//===----------------------------------------------------------------------===//
// Transpose, Concat, Split
//===----------------------------------------------------------------------===//

LogicalResult convertTranspose(NodeContext &n) {
  if (failed(n.checkArity(1, 1)))
    return failure();
  int64_t rank = n.inputType(0).getRank();
  SmallVector<int64_t> perm;
  if (std::optional<SmallVector<int64_t>> attr = n.intsAttr("perm")) {
    perm = *attr;
  } else {
    for (int64_t d = rank - 1; d >= 0; --d)
      perm.push_back(d);
  }
  if (static_cast<int64_t>(perm.size()) != rank)
    return n.emitError() << "perm has " << perm.size() << " entries for rank " << rank;
  if (rank == 0) {
    n.setOutput(0, n.input(0));
    return success();
  }
  // transpose() folds the identity permutation away; keep the op explicit
  // only when it moves something.
  return n.finish(n.transpose(n.input(0), perm));
}

LogicalResult convertConcat(NodeContext &n) {
  if (failed(n.checkArity(1, std::numeric_limits<unsigned>::max())))
    return failure();
  SmallVector<Value> inputs;
  for (unsigned i = 0; i < n.numInputs(); ++i) {
    if (!n.hasInput(i))
      return n.emitError() << "input " << i << " is missing";
    inputs.push_back(n.input(i));
  }
  int64_t rank = n.inputType(0).getRank();
  FailureOr<int64_t> axis = n.normalizeAxis(n.intAttr("axis", 0), rank);
  if (failed(axis))
    return failure();
  Type element = n.inputType(0).getElementType();
  for (Value v : inputs)
    if (getElementTypeOrSelf(v.getType()) != element)
      return n.emitError() << "inputs have different element types (" << element
                           << " and " << getElementTypeOrSelf(v.getType()) << ")";
  // Shape vectors are concatenated at import time when known.
  std::optional<KnownInts> known;
  if (rank == 1 && isa<IntegerType>(element)) {
    KnownInts joined;
    bool anyKnown = false;
    for (unsigned i = 0; i < n.numInputs(); ++i) {
      const KnownInts *k = n.known(i);
      auto type = n.inputType(i);
      if (!k && type.isDynamicDim(0)) {
        joined.values.clear();
        anyKnown = false;
        break;
      }
      if (k) {
        anyKnown = true;
        llvm::append_range(joined.values, k->values);
      } else {
        joined.values.append(type.getDimSize(0), KnownInts::kUnknown);
      }
    }
    if (anyKnown) {
      joined.shape = {joined.numElements()};
      known = joined;
    }
  }
  if (known && known->isFullyKnown()) {
    Value constant = n.constantFromKnown(*known, element);
    if (!constant)
      return failure();
    n.setOutput(0, constant, *known);
    return success();
  }
  Value result = n.create<ConcatOp>(inputs, n.b.getI64IntegerAttr(*axis));
  if (!result)
    return failure();
  n.setOutput(0, result, std::move(known));
  return success();
}

LogicalResult convertSplit(NodeContext &n) {
  bool splitInput = n.opset() >= 13;
  if (failed(n.checkArity(1, splitInput ? 2 : 1, std::numeric_limits<unsigned>::max())))
    return failure();
  auto type = n.inputType(0);
  FailureOr<int64_t> axis = n.normalizeAxis(n.intAttr("axis", 0), type.getRank());
  if (failed(axis))
    return failure();
  int64_t dim = type.getDimSize(*axis);
  SmallVector<int64_t> sizes;
  if (splitInput && n.hasInput(1)) {
    std::optional<SmallVector<int64_t>> values = n.knownValues(1);
    if (!values)
      return n.notKnown("split");
    sizes = *values;
  } else if (!splitInput && n.hasAttr("split")) {
    sizes = *n.intsAttr("split");
  } else {
    int64_t parts = n.hasAttr("num_outputs") ? n.intAttr("num_outputs", 1) : n.numOutputs();
    if (parts <= 0)
      return n.emitError() << "num_outputs must be positive";
    if (ShapedType::isDynamic(dim))
      return n.notKnown("the size of the split dimension");
    // Opset 18: the last part may be smaller; before that, equal parts only.
    int64_t part = (dim + parts - 1) / parts;
    if (n.opset() < 18 && dim % parts != 0)
      return n.emitError() << "dimension of size " << dim << " does not split into "
                           << parts << " equal parts";
    for (int64_t i = 0; i < parts; ++i)
      sizes.push_back(std::max<int64_t>(0, std::min(part, dim - i * part)));
  }
  if (static_cast<int64_t>(sizes.size()) != n.numOutputs())
    return n.emitError() << sizes.size() << " split sizes for " << n.numOutputs()
                         << " outputs";
  Operation *op = n.createInferred<SplitOp>(sizes.size(), n.input(0),
                                            n.b.getI64IntegerAttr(*axis),
                                            n.b.getDenseI64ArrayAttr(sizes));
  if (!op)
    return failure();
  for (unsigned i = 0; i < op->getNumResults(); ++i)
    n.setOutput(i, op->getResult(i));
  return success();
}

//===----------------------------------------------------------------------===//
// Slice, Gather, GatherElements
//===----------------------------------------------------------------------===//

/// Entry `i` of the 1-D integer input `operand` of `n` as a 0-d i64 tensor
/// (a constant where the importer knows it).
static Value scalarEntry(NodeContext &n, unsigned operand, int64_t i) {
  if (const KnownInts *known = n.known(operand))
    if (i < known->numElements() && known->values[i] != KnownInts::kUnknown)
      return n.scalar(n.b.getI64Type(), known->values[i]);
  Value vector = n.castTo(n.input(operand), n.b.getI64Type());
  Value entry = n.create<SliceOp>(vector, n.b.getDenseI64ArrayAttr({i}),
                                  n.b.getDenseI64ArrayAttr({i + 1}),
                                  n.b.getDenseI64ArrayAttr({1}));
  return entry ? n.reshape(entry, {}) : Value();
}

/// A Slice whose starts or ends are only known at run time (e.g. `x[:, :S]`
/// with S taken from a symbolic input dimension): each sliced axis becomes
/// `gather(x, range(start, end, step), axis)` with ONNX's bound rules
/// (negative counts from the end, clamped to the size) computed in the graph.
static LogicalResult convertRuntimeSlice(NodeContext &n, ArrayRef<int64_t> axes,
                                         ArrayRef<int64_t> steps) {
  Type i64 = n.b.getI64Type();
  Value result = n.input(0);
  for (auto [i, axis] : llvm::enumerate(axes)) {
    if (steps[i] <= 0)
      return n.notKnown("starts/ends (a backward slice needs them)");
    // The size of the sliced dimension, as a 0-d i64.
    Value size;
    int64_t dim = cast<RankedTensorType>(result.getType()).getDimSize(axis);
    if (!ShapedType::isDynamic(dim)) {
      size = n.scalar(i64, dim);
    } else {
      Value shape = n.create<ShapeOfOp>(result);
      size = shape ? n.create<SliceOp>(shape, n.b.getDenseI64ArrayAttr({axis}),
                                       n.b.getDenseI64ArrayAttr({axis + 1}),
                                       n.b.getDenseI64ArrayAttr({1}))
                   : Value();
      size = size ? n.reshape(size, {}) : Value();
    }
    Value zero = n.scalar(i64, 0), start = scalarEntry(n, 1, i),
          end = scalarEntry(n, 2, i);
    if (!size || !zero || !start || !end)
      return failure();
    auto resolve = [&](Value bound) -> Value {
      Value negative = n.create<CmpOp>(CmpPredicate::lt, bound, zero);
      Value fromEnd = n.create<AddOp>(bound, size);
      Value absolute = negative && fromEnd
                           ? n.create<SelectOp>(negative, fromEnd, bound)
                           : Value();
      Value low = absolute ? n.create<MaxOp>(absolute, zero) : Value();
      return low ? n.create<MinOp>(low, size) : Value();
    };
    Value first = resolve(start), last = resolve(end);
    Value limit = first && last ? n.create<MaxOp>(last, first) : Value();
    if (!limit)
      return failure();
    auto indexType = RankedTensorType::get({ShapedType::kDynamic}, i64);
    Value indices = n.createTyped<RangeOp>(indexType, first, limit,
                                           n.scalar(i64, steps[i]));
    result = indices ? n.create<GatherOp>(result, indices, n.b.getI64IntegerAttr(axis))
                     : Value();
    if (!result)
      return failure();
  }
  return n.finish(result);
}

LogicalResult convertSlice(NodeContext &n) {
  if (failed(n.checkArity(3, 5)))
    return failure();
  auto type = n.inputType(0);
  int64_t rank = type.getRank();
  std::optional<SmallVector<int64_t>> starts = n.knownValues(1), ends = n.knownValues(2);
  if (n.inputType(1).getRank() != 1 || n.inputType(2).getRank() != 1 ||
      n.inputType(1).isDynamicDim(0))
    return n.emitError() << "starts and ends must be vectors of known length";
  int64_t count = n.inputType(1).getDimSize(0);
  SmallVector<int64_t> axes, steps;
  if (n.hasInput(3)) {
    std::optional<SmallVector<int64_t>> values = n.knownValues(3);
    if (!values)
      return n.notKnown("axes");
    axes = *values;
  } else {
    for (int64_t d = 0; d < count; ++d)
      axes.push_back(d);
  }
  if (n.hasInput(4)) {
    std::optional<SmallVector<int64_t>> values = n.knownValues(4);
    if (!values)
      return n.notKnown("steps");
    steps = *values;
  } else {
    steps.assign(count, 1);
  }
  if (n.inputType(2).getDimSize(0) != count ||
      static_cast<int64_t>(axes.size()) != count ||
      static_cast<int64_t>(steps.size()) != count)
    return n.emitError() << "starts, ends, axes and steps differ in length";
  FailureOr<SmallVector<int64_t>> normalizedAxes = n.normalizeAxes(axes, rank, false);
  if (failed(normalizedAxes))
    return failure();
  if (!starts || !ends)
    return convertRuntimeSlice(n, *normalizedAxes, steps);

  SmallVector<int64_t> outStarts(rank, 0), outEnds(rank), outSteps(rank, 1);
  for (int64_t d = 0; d < rank; ++d)
    outEnds[d] = type.isDynamicDim(d) ? std::numeric_limits<int64_t>::max()
                                      : type.getDimSize(d);
  for (auto [i, d] : llvm::enumerate(*normalizedAxes)) {
    int64_t start = (*starts)[i], end = (*ends)[i], step = steps[i];
    if (step == 0)
      return n.emitError() << "steps must be non-zero";
    int64_t dim = type.getDimSize(d);
    if (ShapedType::isDynamic(dim)) {
      // The dialect resolves bounds of a dimension of unknown size at run
      // time, with ONNX's rules.
      outStarts[d] = start;
      outEnds[d] = end;
      outSteps[d] = step;
      continue;
    }
    // ONNX: negative bounds count from the end, then clamp.
    if (start < 0)
      start += dim;
    if (end < 0)
      end += dim;
    if (step > 0) {
      start = std::clamp<int64_t>(start, 0, dim);
      end = std::clamp<int64_t>(end, 0, dim);
    } else {
      start = std::clamp<int64_t>(start, 0, std::max<int64_t>(dim - 1, 0));
      end = std::clamp<int64_t>(end, -1, dim - 1);
    }
    outStarts[d] = start;
    outEnds[d] = end;
    outSteps[d] = step;
  }

  // Slices of known vectors (shape arithmetic) are evaluated here.
  const KnownInts *k = n.known(0);
  std::optional<KnownInts> known;
  if (k && rank == 1 && !type.isDynamicDim(0)) {
    KnownInts part;
    for (int64_t j = outStarts[0];
         outSteps[0] > 0 ? j < outEnds[0] : j > outEnds[0]; j += outSteps[0])
      part.values.push_back(k->values[j]);
    part.shape = {part.numElements()};
    known = part;
  }
  if (known && known->isFullyKnown()) {
    Value constant = n.constantFromKnown(*known, type.getElementType());
    if (!constant)
      return failure();
    n.setOutput(0, constant, *known);
    return success();
  }
  Value result = n.create<SliceOp>(n.input(0), n.b.getDenseI64ArrayAttr(outStarts),
                                   n.b.getDenseI64ArrayAttr(outEnds),
                                   n.b.getDenseI64ArrayAttr(outSteps));
  if (!result)
    return failure();
  n.setOutput(0, result, std::move(known));
  return success();
}

/// Gather over known values: result = data[..., indices, ...] along `axis`.
std::optional<KnownInts> gatherKnown(const KnownInts &data, const KnownInts &indices,
                                     int64_t axis) {
  if (!indices.isFullyKnown())
    return std::nullopt;
  int64_t outer = 1, inner = 1, dim = data.shape[axis];
  for (int64_t d = 0; d < axis; ++d)
    outer *= data.shape[d];
  for (int64_t d = axis + 1; d < data.rank(); ++d)
    inner *= data.shape[d];
  KnownInts result;
  result.shape.assign(data.shape.begin(), data.shape.begin() + axis);
  llvm::append_range(result.shape, indices.shape);
  result.shape.append(data.shape.begin() + axis + 1, data.shape.end());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t index : indices.values) {
      if (index < 0)
        index += dim;
      if (index < 0 || index >= dim)
        return std::nullopt;
      for (int64_t i = 0; i < inner; ++i)
        result.values.push_back(data.values[(o * dim + index) * inner + i]);
    }
  return result;
}

LogicalResult convertGather(NodeContext &n) {
  if (failed(n.checkArity(2, 2)))
    return failure();
  auto type = n.inputType(0);
  FailureOr<int64_t> axis = n.normalizeAxis(n.intAttr("axis", 0), type.getRank());
  if (failed(axis))
    return failure();
  std::optional<KnownInts> known;
  if (const KnownInts *data = n.known(0))
    if (const KnownInts *indices = n.known(1))
      known = gatherKnown(*data, *indices, *axis);
  if (known && known->isFullyKnown()) {
    Value constant = n.constantFromKnown(*known, type.getElementType());
    if (!constant)
      return failure();
    n.setOutput(0, constant, *known);
    return success();
  }
  Value result = n.create<GatherOp>(n.input(0), n.input(1), n.b.getI64IntegerAttr(*axis));
  if (!result)
    return failure();
  n.setOutput(0, result, std::move(known));
  return success();
}

LogicalResult convertGatherElements(NodeContext &n) {
  if (failed(n.checkArity(2, 2)))
    return failure();
  FailureOr<int64_t> axis = n.normalizeAxis(n.intAttr("axis", 0), n.inputType(0).getRank());
  if (failed(axis))
    return failure();
  return n.finish(n.create<GatherElementsOp>(n.input(0), n.input(1),
                                             n.b.getI64IntegerAttr(*axis)));
}

//===----------------------------------------------------------------------===//
// Pad, Expand, Tile, Trilu
//===----------------------------------------------------------------------===//

LogicalResult convertPad(NodeContext &n) {
  if (failed(n.checkArity(2, 4)))
    return failure();
  int64_t rank = n.inputType(0).getRank();
  std::optional<SmallVector<int64_t>> pads = n.knownValues(1);
  if (!pads)
    return n.notKnown("pads");
  SmallVector<int64_t> axes;
  if (n.hasInput(3)) {
    std::optional<SmallVector<int64_t>> values = n.knownValues(3);
    if (!values)
      return n.notKnown("axes");
    FailureOr<SmallVector<int64_t>> normalized = n.normalizeAxes(*values, rank, false);
    if (failed(normalized))
      return failure();
    axes = *normalized;
  } else {
    for (int64_t d = 0; d < rank; ++d)
      axes.push_back(d);
  }
  int64_t count = axes.size();
  if (static_cast<int64_t>(pads->size()) != 2 * count)
    return n.emitError() << "pads has " << pads->size() << " entries; expected "
                         << 2 * count;
  SmallVector<int64_t> full(2 * rank, 0);
  for (auto [i, d] : llvm::enumerate(axes)) {
    full[d] = (*pads)[i];
    full[d + rank] = (*pads)[i + count];
  }
  double value = 0.0;
  if (n.hasInput(2)) {
    std::optional<SmallVector<double>> values = n.constantValues(2);
    if (!values)
      return n.notKnown("constant_value");
    if (values->size() != 1)
      return n.emitError() << "constant_value must hold one value";
    value = values->front();
  }
  std::string modeName = n.stringAttr("mode", "constant");
  std::optional<PadMode> mode = symbolizePadMode(modeName);
  if (!mode)
    return n.emitError() << "unknown mode '" << modeName << "'";
  return n.finish(n.create<PadOp>(n.input(0), n.b.getDenseI64ArrayAttr(full),
                                  PadModeAttr::get(n.ctx, *mode),
                                  n.b.getF64FloatAttr(value)));
}

LogicalResult convertExpand(NodeContext &n) {
  if (failed(n.checkArity(2, 2)))
    return failure();
  auto type = n.inputType(0);
  auto shapeType = n.inputType(1);
  if (shapeType.getRank() != 1 || shapeType.isDynamicDim(0))
    return n.emitError() << "the shape input must be a 1-D tensor of static length";
  int64_t targetRank = shapeType.getDimSize(0);
  const KnownInts *k = n.known(1);
  // Broadcast input and target; an unknown target entry gives `?` unless
  // the input's dimension is not 1 (then it wins).
  int64_t rank = std::max<int64_t>(type.getRank(), targetRank);
  SmallVector<int64_t> dims(rank);
  for (int64_t d = 0; d < rank; ++d) {
    int64_t in = d - (rank - type.getRank()) >= 0
                     ? type.getDimSize(d - (rank - type.getRank()))
                     : 1;
    int64_t target = d - (rank - targetRank) >= 0
                         ? (k ? k->values[d - (rank - targetRank)] : KnownInts::kUnknown)
                         : 1;
    if (target == KnownInts::kUnknown)
      dims[d] = (in != 1 && !ShapedType::isDynamic(in)) ? in : ShapedType::kDynamic;
    else if (target == 1)
      dims[d] = in;
    else if (in == 1 || ShapedType::isDynamic(in) || in == target)
      dims[d] = target;
    else
      return n.emitError() << "cannot expand dimension of size " << in << " to "
                           << target;
  }
  auto resultType = RankedTensorType::get(dims, type.getElementType());
  Value result;
  if (resultType.hasStaticShape() && type.hasStaticShape())
    result = n.createTyped<ExpandOp>(resultType, n.input(0), Value());
  else
    result = n.createTyped<ExpandOp>(resultType, n.input(0), n.input(1));
  if (!result)
    return failure();
  // Expanded known values (e.g. position ids) stay known.
  if (const KnownInts *data = n.known(0); data && resultType.hasStaticShape() &&
                                          resultType.getNumElements() <= KnownInts::kMaxElements) {
    KnownInts target;
    target.shape.assign(dims.begin(), dims.end());
    target.values.assign(resultType.getNumElements(), 0);
    std::optional<KnownInts> expanded = broadcastKnown(
        {data, &target}, [](ArrayRef<int64_t> v) -> std::optional<int64_t> { return v[0]; });
    if (expanded && expanded->isFullyKnown()) {
      Value constant = n.constantFromKnown(*expanded, type.getElementType());
      if (!constant)
        return failure();
      n.setOutput(0, constant, *expanded);
      return success();
    }
  }
  n.setOutput(0, result);
  return success();
}

LogicalResult convertTile(NodeContext &n) {
  if (failed(n.checkArity(2, 2)))
    return failure();
  std::optional<SmallVector<int64_t>> repeats = n.knownValues(1);
  if (!repeats)
    return n.notKnown("repeats");
  return n.finish(n.create<TileOp>(n.input(0), n.b.getDenseI64ArrayAttr(*repeats)));
}

LogicalResult convertTrilu(NodeContext &n) {
  if (failed(n.checkArity(1, 2)))
    return failure();
  int64_t diagonal = 0;
  if (n.hasInput(1)) {
    FailureOr<int64_t> k = n.knownScalar(1, "k");
    if (failed(k))
      return failure();
    diagonal = *k;
  }
  return n.finish(n.create<TriluOp>(n.input(0), n.b.getI64IntegerAttr(diagonal),
                                    n.intAttr("upper", 1) ? n.b.getUnitAttr() : UnitAttr()));
}

//===----------------------------------------------------------------------===//
// Resize, Upsample
//===----------------------------------------------------------------------===//

/// Builds the resize op once the output shape is known.
LogicalResult buildResize(NodeContext &n, ArrayRef<int64_t> outShape, StringRef modeName,
                          StringRef transformName, StringRef roundingName) {
  std::optional<ResizeMode> mode = symbolizeResizeMode(modeName);
  if (!mode)
    return n.emitError() << "unknown mode '" << modeName << "'";
  std::optional<CoordinateTransform> transform = symbolizeCoordinateTransform(transformName);
  if (!transform)
    return n.emitError() << "unknown coordinate_transformation_mode '" << transformName << "'";
  if (*transform == CoordinateTransform::tf_crop_and_resize)
    return n.emitError() << "coordinate_transformation_mode tf_crop_and_resize is "
                            "not supported";
  std::optional<NearestRounding> rounding = symbolizeNearestRounding(roundingName);
  if (!rounding)
    return n.emitError() << "unknown nearest_mode '" << roundingName << "'";
  auto type = n.inputType(0);
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

LogicalResult convertResize(NodeContext &n) {
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
  SmallVector<int64_t> axes;
  if (std::optional<SmallVector<int64_t>> attr = n.intsAttr("axes")) {
    FailureOr<SmallVector<int64_t>> normalized = n.normalizeAxes(*attr, rank, false);
    if (failed(normalized))
      return failure();
    axes = *normalized;
  } else {
    for (int64_t d = 0; d < rank; ++d)
      axes.push_back(d);
  }
  SmallVector<int64_t> outShape(type.getShape());
  // An empty tensor stands for an absent input in older exporters.
  auto present = [&](unsigned i) {
    return n.hasInput(i) && n.inputType(i).getNumElements() != 0;
  };
  if (present(3)) {
    std::optional<SmallVector<int64_t>> sizes = n.knownValues(3);
    if (!sizes)
      return n.notKnown("sizes");
    if (sizes->size() != axes.size())
      return n.emitError() << "sizes has " << sizes->size() << " entries; expected "
                           << axes.size();
    for (auto [i, d] : llvm::enumerate(axes))
      outShape[d] = (*sizes)[i];
  } else if (present(2)) {
    std::optional<SmallVector<double>> scales = n.constantValues(2);
    if (!scales)
      return n.notKnown("scales");
    if (scales->size() != axes.size())
      return n.emitError() << "scales has " << scales->size() << " entries; expected "
                           << axes.size();
    SmallVector<double> full(rank, 1.0);
    for (auto [i, d] : llvm::enumerate(axes))
      full[d] = (*scales)[i];
    outShape.clear();
    if (failed(sizesFromScales(n, full, outShape)))
      return failure();
  } else {
    return n.emitError() << "needs scales or sizes";
  }
  return buildResize(n, outShape, n.stringAttr("mode", "nearest"),
                     n.stringAttr("coordinate_transformation_mode", "half_pixel"),
                     n.stringAttr("nearest_mode", "round_prefer_floor"));
}

LogicalResult convertUpsample(NodeContext &n) {
  // Deprecated since opset 10; what it did is Resize with asymmetric
  // coordinates and floor rounding.
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
  return buildResize(n, outShape, mode == "bilinear" ? "linear" : mode, "asymmetric",
                     "floor");
}

//===----------------------------------------------------------------------===//
// DepthToSpace, SpaceToDepth
//===----------------------------------------------------------------------===//

LogicalResult convertDepthToSpace(NodeContext &n, bool toSpace) {
  if (failed(n.checkArity(1, 1)))
    return failure();
  auto type = n.inputType(0);
  int64_t b = n.intAttr("blocksize", 0);
  if (type.getRank() != 4 || b <= 0)
    return n.emitError() << "expects a 4-D input and a positive blocksize";
  int64_t c = type.getDimSize(1), h = type.getDimSize(2), w = type.getDimSize(3);
  if (ShapedType::isDynamic(c) || ShapedType::isDynamic(h) || ShapedType::isDynamic(w))
    return n.notKnown("the channel and spatial sizes");
  // SpaceToDepth has a mode too since opset 28.
  std::string mode = n.stringAttr("mode", "DCR");
  if (mode != "DCR" && mode != "CRD")
    return n.emitError() << "unknown mode '" << mode << "'";
  bool crd = mode == "CRD";
  DimSpec batch = DimSpec::fromInput(0);
  auto lit = DimSpec::literal;
  Value x = n.input(0), result;
  if (toSpace) {
    if (c % (b * b) != 0)
      return n.emitError() << c << " channels are not divisible by blocksize^2";
    Value blocks = crd ? n.reshapeTo(x, {batch, lit(c / (b * b)), lit(b), lit(b), lit(h), lit(w)})
                       : n.reshapeTo(x, {batch, lit(b), lit(b), lit(c / (b * b)), lit(h), lit(w)});
    Value moved = blocks ? n.transpose(blocks, crd ? ArrayRef<int64_t>{0, 1, 4, 2, 5, 3}
                                                   : ArrayRef<int64_t>{0, 3, 4, 1, 5, 2})
                         : Value();
    result = moved ? n.reshapeTo(moved, {DimSpec::fromInput(0), lit(c / (b * b)),
                                         lit(h * b), lit(w * b)})
                   : Value();
  } else {
    if (h % b != 0 || w % b != 0)
      return n.emitError() << "spatial sizes are not divisible by blocksize";
    Value blocks = n.reshapeTo(x, {batch, lit(c), lit(h / b), lit(b), lit(w / b), lit(b)});
    // [B, C, H/b, b, W/b, b] -> DCR: [B, b, b, C, H/b, W/b], CRD: [B, C, b, b, H/b, W/b]
    Value moved = blocks ? n.transpose(blocks, crd ? ArrayRef<int64_t>{0, 1, 3, 5, 2, 4}
                                                   : ArrayRef<int64_t>{0, 3, 5, 1, 2, 4})
                         : Value();
    result = moved ? n.reshapeTo(moved, {DimSpec::fromInput(0), lit(c * b * b),
                                         lit(h / b), lit(w / b)})
                   : Value();
  }
  return n.finish(result);
}

} // namespace

void registerDataMovementConverters(OpRegistry &r) {
  r.add("Reshape", convertReshape);
  r.add("Flatten", convertFlatten);
  r.add("Squeeze", convertSqueeze);
  r.add("Unsqueeze", convertUnsqueeze);
  r.add("Transpose", convertTranspose);
  r.add("Concat", convertConcat);
  r.add("Split", convertSplit);
  r.add("Slice", convertSlice);
  r.add("Gather", convertGather);
  r.add("GatherElements", convertGatherElements);
  r.add("Pad", convertPad);
  r.add("Expand", convertExpand);
  r.add("Tile", convertTile);
  r.add("Trilu", convertTrilu);
  r.add("Resize", convertResize);
  r.add("Upsample", convertUpsample);
  r.add("DepthToSpace", [](NodeContext &n) { return convertDepthToSpace(n, true); });
  r.add("SpaceToDepth", [](NodeContext &n) { return convertDepthToSpace(n, false); });
}

} // namespace autoglm::importer
