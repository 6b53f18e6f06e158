//===- SliceConcatConverters.cpp - Concat, Split, Slice, Pad --------------===//
//
// Operators that join, cut or extend tensors along their axes: Concat, Split,
// Slice and Pad. Where the ONNX operator takes a structural parameter as a
// tensor input (Split's sizes, Slice's starts, Pad's pads), it has to be known
// at import time unless the dialect op takes it at run time; Slice alone also
// takes run-time starts and ends (as a gather of a range). Known integer
// vectors (shape arithmetic) are concatenated and sliced at import time.
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
//===----------------------------------------------------------------------===//
// Concat, Split
//===----------------------------------------------------------------------===//

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
                           << " and " << getElementTypeOrSelf(v.getType())
                           << ")";
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
  if (failed(n.checkArity(1, splitInput ? 2 : 1,
                          std::numeric_limits<unsigned>::max())))
    return failure();
  auto type = n.inputType(0);
  FailureOr<int64_t> axis =
      n.normalizeAxis(n.intAttr("axis", 0), type.getRank());
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
    int64_t parts =
        n.hasAttr("num_outputs") ? n.intAttr("num_outputs", 1) : n.numOutputs();
    if (parts <= 0)
      return n.emitError() << "num_outputs must be positive";
    if (ShapedType::isDynamic(dim))
      return n.notKnown("the size of the split dimension");
    // Opset 18: the last part may be smaller; before that, equal parts only.
    int64_t part = (dim + parts - 1) / parts;
    if (n.opset() < 18 && dim % parts != 0)
      return n.emitError() << "dimension of size " << dim
                           << " does not split into " << parts
                           << " equal parts";
    for (int64_t i = 0; i < parts; ++i)
      sizes.push_back(std::max<int64_t>(0, std::min(part, dim - i * part)));
  }
  if (static_cast<int64_t>(sizes.size()) != n.numOutputs())
    return n.emitError() << sizes.size() << " split sizes for "
                         << n.numOutputs() << " outputs";
  // The parts of a known tensor (a shape split into its dimensions, as
  // exported AffineGrid does) are known too, so that what they decide (an
  // If's condition, a Reshape's shape) folds at import time.
  const KnownInts *k = n.known(0);
  if (k && k->rank() == type.getRank() && type.hasStaticShape() &&
      llvm::all_of(sizes, [](int64_t size) { return size >= 0; }) &&
      llvm::sum_of(sizes) == type.getDimSize(*axis)) {
    bool allKnown = true;
    SmallVector<KnownInts> parts;
    int64_t offset = 0;
    for (int64_t size : sizes) {
      SmallVector<SmallVector<int64_t>> positions;
      for (int64_t d = 0; d < type.getRank(); ++d)
        positions.push_back(
            d == *axis ? llvm::to_vector(llvm::seq(offset, offset + size))
                       : llvm::to_vector(llvm::seq<int64_t>(0, k->shape[d])));
      offset += size;
      parts.push_back(selectKnown(
          *k, llvm::to_vector(llvm::seq<int64_t>(0, type.getRank())),
          positions));
      allKnown &= parts.back().isFullyKnown();
    }
    if (allKnown) {
      for (auto [i, part] : llvm::enumerate(parts)) {
        Value constant = n.constantFromKnown(part, type.getElementType());
        if (!constant)
          return failure();
        n.setOutput(i, constant, part);
      }
      return success();
    }
  }
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
// Slice
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
    result = indices ? n.create<GatherOp>(result, indices,
                                          n.b.getI64IntegerAttr(axis))
                     : Value();
    if (!result)
      return failure();
  }
  return n.finish(result);
}

/// Slice-1 (opsets 7 to 9): starts, ends and axes are attributes, with no
/// steps.
static LogicalResult readSliceAttributes(NodeContext &n,
                                         SmallVectorImpl<int64_t> &starts,
                                         SmallVectorImpl<int64_t> &ends,
                                         SmallVectorImpl<int64_t> &axes,
                                         SmallVectorImpl<int64_t> &steps) {
  if (failed(n.checkArity(1, 1)))
    return failure();
  std::optional<SmallVector<int64_t>> s = n.intsAttr("starts"),
                                      e = n.intsAttr("ends");
  if (!s || !e)
    return n.emitError() << "the starts and ends attributes are required";
  if (s->size() != e->size())
    return n.emitError() << "starts and ends differ in length";
  starts.assign(*s);
  ends.assign(*e);
  if (std::optional<SmallVector<int64_t>> a = n.intsAttr("axes")) {
    if (a->size() != s->size())
      return n.emitError() << "starts, ends and axes differ in length";
    axes.assign(*a);
  } else {
    for (int64_t d = 0, e = s->size(); d < e; ++d)
      axes.push_back(d);
  }
  steps.assign(s->size(), 1);
  return success();
}

/// Slice-10 on: starts, ends, axes and steps are inputs; starts and ends
/// may be known at run time only (nullopt).
static LogicalResult
readSliceInputs(NodeContext &n, std::optional<SmallVector<int64_t>> &starts,
                std::optional<SmallVector<int64_t>> &ends,
                SmallVectorImpl<int64_t> &axes,
                SmallVectorImpl<int64_t> &steps) {
  if (failed(n.checkArity(3, 5)))
    return failure();
  starts = n.knownValues(1);
  ends = n.knownValues(2);
  if (n.inputType(1).getRank() != 1 || n.inputType(2).getRank() != 1 ||
      n.inputType(1).isDynamicDim(0))
    return n.emitError() << "starts and ends must be vectors of known length";
  int64_t count = n.inputType(1).getDimSize(0);
  if (n.inputType(2).getDimSize(0) != count)
    return n.emitError() << "starts and ends differ in length";
  if (n.hasInput(3)) {
    std::optional<SmallVector<int64_t>> values = n.knownValues(3);
    if (!values)
      return n.notKnown("axes");
    axes.assign(*values);
  } else {
    for (int64_t d = 0; d < count; ++d)
      axes.push_back(d);
  }
  if (n.hasInput(4)) {
    std::optional<SmallVector<int64_t>> values = n.knownValues(4);
    if (!values)
      return n.notKnown("steps");
    steps.assign(*values);
  } else {
    steps.assign(count, 1);
  }
  return success();
}

LogicalResult convertSlice(NodeContext &n) {
  std::optional<SmallVector<int64_t>> starts, ends;
  SmallVector<int64_t> axes, steps;
  if (n.opset() < 10) {
    starts.emplace();
    ends.emplace();
    if (failed(readSliceAttributes(n, *starts, *ends, axes, steps)))
      return failure();
  } else if (failed(readSliceInputs(n, starts, ends, axes, steps))) {
    return failure();
  }
  auto type = n.inputType(0);
  int64_t rank = type.getRank();
  int64_t count =
      n.opset() < 10 ? starts->size() : n.inputType(1).getDimSize(0);
  if (static_cast<int64_t>(axes.size()) != count ||
      static_cast<int64_t>(steps.size()) != count)
    return n.emitError() << "starts, ends, axes and steps differ in length";
  FailureOr<SmallVector<int64_t>> normalizedAxes =
      n.normalizeAxes(axes, rank, false);
  if (failed(normalizedAxes))
    return failure();
  if (!starts || !ends) {
    // Bounds fed straight by graph inputs make the result's length a run-time
    // value the compiled model cannot have; computed bounds (from a symbolic
    // dimension) fold once --input-shape fixes it.
    for (unsigned i : {1u, 2u})
      if (isa<BlockArgument>(n.input(i)) && !n.knownValues(i))
        return n.notKnown("starts and ends (the result's size depends on "
                          "them)");
    return convertRuntimeSlice(n, *normalizedAxes, steps);
  }

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

  // Slices of known tensors (shape arithmetic, such as PyTorch's pads
  // reversed pairwise) are evaluated here.
  const KnownInts *k = n.known(0);
  std::optional<KnownInts> known;
  if (k && k->rank() == rank && type.hasStaticShape()) {
    SmallVector<SmallVector<int64_t>> positions(rank);
    for (int64_t d = 0; d < rank; ++d)
      for (int64_t j = outStarts[d];
           outSteps[d] > 0 ? j < outEnds[d] : j > outEnds[d]; j += outSteps[d])
        positions[d].push_back(j);
    known = selectKnown(*k, llvm::to_vector(llvm::seq<int64_t>(0, rank)),
                        positions);
  }
  if (known && known->isFullyKnown()) {
    Value constant = n.constantFromKnown(*known, type.getElementType());
    if (!constant)
      return failure();
    n.setOutput(0, constant, *known);
    return success();
  }
  Value result = n.create<SliceOp>(
      n.input(0), n.b.getDenseI64ArrayAttr(outStarts),
      n.b.getDenseI64ArrayAttr(outEnds), n.b.getDenseI64ArrayAttr(outSteps));
  if (!result)
    return failure();
  n.setOutput(0, result, std::move(known));
  return success();
}

//===----------------------------------------------------------------------===//
// Pad
//===----------------------------------------------------------------------===//

LogicalResult convertPad(NodeContext &n) {
  // Before opset 11, pads and the value are attributes.
  bool attributes = n.opset() < 11;
  if (failed(attributes ? n.checkArity(1, 1) : n.checkArity(2, 4)))
    return failure();
  int64_t rank = n.inputType(0).getRank();
  std::optional<SmallVector<int64_t>> pads =
      attributes ? n.intsAttr("pads") : n.knownValues(1);
  if (!pads)
    return attributes ? LogicalResult(n.emitError()
                                      << "the pads attribute is required")
                      : n.notKnown("pads");
  SmallVector<int64_t> axes;
  if (n.hasInput(3)) {
    std::optional<SmallVector<int64_t>> values = n.knownValues(3);
    if (!values)
      return n.notKnown("axes");
    FailureOr<SmallVector<int64_t>> normalized =
        n.normalizeAxes(*values, rank, false);
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
  double value = attributes ? n.floatAttr("value", 0.0) : 0.0;
  if (!attributes && n.hasInput(2)) {
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
//===----------------------------------------------------------------------===//
// CenterCropPad
//===----------------------------------------------------------------------===//

/// CenterCropPad (opset 18): each listed axis is cropped or zero-padded to
/// its target size, centred (an odd difference puts the extra entry at the
/// end): a slice, then a pad.
LogicalResult convertCenterCropPad(NodeContext &n) {
  if (failed(n.checkArity(2, 2)))
    return failure();
  auto type = n.inputType(0);
  int64_t rank = type.getRank();
  std::optional<SmallVector<int64_t>> shape = n.knownValues(1);
  if (!shape)
    return n.notKnown("shape");
  FailureOr<SmallVector<int64_t>> axesOrAll = n.axesAttrOrAll(rank);
  if (failed(axesOrAll))
    return failure();
  SmallVector<int64_t> axes = std::move(*axesOrAll);
  if (shape->size() != axes.size())
    return n.emitError() << "shape has " << shape->size()
                         << " entries; expected one per axis (" << axes.size()
                         << ")";
  SmallVector<int64_t> starts(rank, 0), ends(type.getShape()), steps(rank, 1);
  SmallVector<int64_t> pads(2 * rank, 0);
  bool crop = false, pad = false;
  for (auto [i, d] : llvm::enumerate(axes)) {
    int64_t target = (*shape)[i], dim = type.getDimSize(d);
    if (target < 0)
      return n.emitError() << "shape entry " << i << " is negative (" << target
                           << ")";
    if (ShapedType::isDynamic(dim))
      return n.notKnown("the size of the cropped or padded axes");
    if (target < dim) {
      starts[d] = (dim - target) / 2;
      ends[d] = starts[d] + target;
      crop = true;
    } else if (target > dim) {
      pads[d] = (target - dim) / 2;
      pads[d + rank] = target - dim - pads[d];
      pad = true;
    }
  }
  Value result = n.input(0);
  if (crop)
    result = n.create<SliceOp>(result, n.b.getDenseI64ArrayAttr(starts),
                               n.b.getDenseI64ArrayAttr(ends),
                               n.b.getDenseI64ArrayAttr(steps));
  if (pad && result)
    result = n.create<PadOp>(result, n.b.getDenseI64ArrayAttr(pads),
                             PadModeAttr::get(n.ctx, PadMode::constant),
                             n.b.getF64FloatAttr(0.0));
  return n.finish(result);
}
} // namespace

void registerSliceConcatConverters(OpRegistry &r) {
  r.add("Concat", convertConcat);
  r.add("Split", convertSplit);
  r.add("Slice", convertSlice);
  r.add("Pad", convertPad);
  r.add("CenterCropPad", convertCenterCropPad);
}
} // namespace autoglm::importer
