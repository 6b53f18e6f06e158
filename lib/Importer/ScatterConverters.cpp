//===- ScatterConverters.cpp - ScatterElements, ScatterND, OneHot, TensorScatter
//===//
//
// Operators that write values at positions given by an index tensor, as
// decompositions into core ops through a one-hot comparison: an index is
// compared with every position it may address (`cmp eq` against a range),
// the updates are selected where it matches and reduced over the updates
// axis (sum for none/add, prod, max, min), and the data is kept where
// nothing matched. The intermediate has one entry per update and addressed
// position (updates x axis size), which suits the small index tensors of
// inference graphs (cache writes, label encodings); a scatter op with an
// indirect store would lift that cost, at the price of an op that every
// target must lower.
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
enum class ScatterReduction { none, add, mul, max, min };

FailureOr<ScatterReduction> parseReduction(NodeContext &n) {
  std::string name = n.stringAttr("reduction", "none");
  std::optional<ScatterReduction> kind =
      llvm::StringSwitch<std::optional<ScatterReduction>>(name)
          .Case("none", ScatterReduction::none)
          .Case("add", ScatterReduction::add)
          .Case("mul", ScatterReduction::mul)
          .Case("max", ScatterReduction::max)
          .Case("min", ScatterReduction::min)
          .Default(std::nullopt);
  if (!kind)
    return n.emitError() << "unknown reduction '" << name << "'";
  return *kind;
}

/// `values` with a unit dimension inserted at `position`.
Value insertUnitDim(NodeContext &n, Value values, int64_t position) {
  int64_t rank = cast<RankedTensorType>(values.getType()).getRank();
  SmallVector<DimSpec> spec;
  for (int64_t d = 0; d <= rank; ++d) {
    if (d == position)
      spec.push_back(DimSpec::literal(1));
    if (d < rank)
      spec.push_back(DimSpec::fromInput(d));
  }
  return n.reshapeTo(values, spec);
}

/// The neutral element of `reduction` for `element` (the value a position
/// contributes where its index does not match).
double neutralValue(ScatterReduction reduction, Type element) {
  bool isFloat = isa<FloatType>(element);
  int64_t width = element.getIntOrFloatBitWidth();
  bool isUnsigned = element.isUnsignedInteger();
  switch (reduction) {
  case ScatterReduction::mul:
    return 1.0;
  case ScatterReduction::max:
    if (isFloat)
      return -std::numeric_limits<double>::infinity();
    return isUnsigned ? 0.0 : -std::ldexp(1.0, width - 1);
  case ScatterReduction::min:
    if (isFloat)
      return std::numeric_limits<double>::infinity();
    return isUnsigned ? std::ldexp(1.0, width) - 1
                      : std::ldexp(1.0, width - 1) - 1;
  default:
    return 0.0;
  }
}

/// data with updates [U...] written along `axis` at `indices` (i64, already
/// in [0, data.shape[axis]), broadcastable to U). Other dimensions of U may
/// be shorter than data's: positions beyond them keep the data.
Value scatterAlong(NodeContext &n, Value data, Value indices, Value updates,
                   int64_t axis, ScatterReduction reduction) {
  auto dataType = cast<RankedTensorType>(data.getType());
  auto updatesType = cast<RankedTensorType>(updates.getType());
  if (!dataType.hasStaticShape() || !updatesType.hasStaticShape()) {
    (void)n.notKnown("the shapes of data, indices and updates");
    return nullptr;
  }
  int64_t rank = dataType.getRank();
  int64_t size = dataType.getDimSize(axis);
  Type element = dataType.getElementType();

  // mask[..., k, j, ...] = indices[..., k, ...] == j, with j a new dimension
  // right after `axis` over the positions of data's axis.
  SmallVector<int64_t> positionsShape(rank + 1, 1);
  positionsShape[axis + 1] = size;
  SmallVector<int64_t> positions = llvm::to_vector(llvm::seq<int64_t>(0, size));
  Value range = n.constant(DenseElementsAttr::get(
      RankedTensorType::get(positionsShape, n.b.getI64Type()),
      ArrayRef<int64_t>(positions)));
  Value index = insertUnitDim(n, indices, axis + 1);
  Value mask =
      index ? n.create<CmpOp>(CmpPredicateAttr::get(n.ctx, CmpPredicate::eq),
                              index, range)
            : Value();
  Value update = mask ? insertUnitDim(n, updates, axis + 1) : Value();
  Value contribution =
      update ? n.create<SelectOp>(
                   mask, update,
                   n.scalar(element, neutralValue(reduction, element)))
             : Value();
  if (!contribution)
    return nullptr;
  ReduceKind kind = reduction == ScatterReduction::mul   ? ReduceKind::prod
                    : reduction == ScatterReduction::max ? ReduceKind::max
                    : reduction == ScatterReduction::min ? ReduceKind::min
                                                         : ReduceKind::sum;
  auto overUpdates = [&](Value x, ReduceKind k) {
    return n.create<ReduceOp>(ReduceKindAttr::get(n.ctx, k), x,
                              n.b.getDenseI64ArrayAttr({axis}), UnitAttr());
  };
  Value scattered = overUpdates(contribution, kind);
  // Whether any update lands on a position (as 0/1 in i32: reductions of
  // i1 are not a dialect form).
  Value hits = scattered ? n.castTo(mask, n.b.getI32Type()) : Value();
  hits = hits ? overUpdates(hits, ReduceKind::max) : Value();
  if (!hits)
    return nullptr;

  // Positions past the updates' extent in the other dimensions: no hit.
  SmallVector<int64_t> padHigh(rank, 0);
  bool padded = false;
  for (int64_t d = 0; d < rank; ++d)
    if (d != axis) {
      padHigh[d] = dataType.getDimSize(d) - updatesType.getDimSize(d);
      if (padHigh[d] < 0) {
        (void)(n.emitError()
               << "updates are larger than data in dimension " << d);
        return nullptr;
      }
      padded |= padHigh[d] > 0;
    }
  if (padded) {
    SmallVector<int64_t> pads(rank, 0);
    pads.append(padHigh);
    auto pad = [&](Value x) {
      return n.create<PadOp>(x, n.b.getDenseI64ArrayAttr(pads),
                             PadModeAttr::get(n.ctx, PadMode::constant),
                             n.b.getF64FloatAttr(0.0));
    };
    scattered = pad(scattered);
    hits = scattered ? pad(hits) : Value();
    if (!hits)
      return nullptr;
  }
  Value hit = n.create<CmpOp>(CmpPredicateAttr::get(n.ctx, CmpPredicate::ne),
                              hits, n.scalar(n.b.getI32Type(), 0.0));
  Value combined = scattered;
  switch (reduction) {
  case ScatterReduction::none:
    break;
  case ScatterReduction::add:
    combined = n.create<AddOp>(data, scattered);
    break;
  case ScatterReduction::mul:
    combined = n.create<MulOp>(data, scattered);
    break;
  case ScatterReduction::max:
    combined = n.create<MaxOp>(data, scattered);
    break;
  case ScatterReduction::min:
    combined = n.create<MinOp>(data, scattered);
    break;
  }
  return hit && combined ? n.create<SelectOp>(hit, combined, data) : Value();
}

/// `indices` as i64 with negative entries counted from the end of `size`.
Value normalizeIndices(NodeContext &n, Value indices, Value size) {
  Value wide = n.castTo(indices, n.b.getI64Type());
  Value negative =
      wide ? n.create<CmpOp>(CmpPredicateAttr::get(n.ctx, CmpPredicate::lt),
                             wide, n.scalar(n.b.getI64Type(), 0.0))
           : Value();
  Value shifted = negative ? n.create<AddOp>(wide, size) : Value();
  return shifted ? n.create<SelectOp>(negative, shifted, wide) : Value();
}

Value constantI64(NodeContext &n, ArrayRef<int64_t> shape,
                  ArrayRef<int64_t> values) {
  return n.constant(DenseElementsAttr::get(
      RankedTensorType::get(shape, n.b.getI64Type()), values));
}

/// ScatterElements (and Scatter, its name before opset 11).
LogicalResult convertScatterElements(NodeContext &n) {
  if (failed(n.checkArity(3, 3)))
    return failure();
  auto dataType = n.inputType(0), indexType = n.inputType(1),
       updatesType = n.inputType(2);
  int64_t rank = dataType.getRank();
  if (indexType.getRank() != rank ||
      updatesType.getShape() != indexType.getShape())
    return n.emitError() << "indices and updates must have one shape and "
                            "data's rank, got "
                         << indexType << " and " << updatesType << " for data "
                         << dataType;
  FailureOr<int64_t> axis = n.normalizeAxis(n.intAttr("axis", 0), rank);
  FailureOr<ScatterReduction> reduction = parseReduction(n);
  if (failed(axis) || failed(reduction))
    return failure();
  if (dataType.isDynamicDim(*axis))
    return n.notKnown("the size of the scattered axis");
  Value indices = normalizeIndices(
      n, n.input(1), constantI64(n, {}, {dataType.getDimSize(*axis)}));
  return n.finish(indices ? scatterAlong(n, n.input(0), indices, n.input(2),
                                         *axis, *reduction)
                          : Value());
}

/// ScatterND as ScatterElements along the rows of data viewed as
/// [prod(dims indexed), prod(rest)]: each index tuple becomes its row.
LogicalResult convertScatterND(NodeContext &n) {
  if (failed(n.checkArity(3, 3)))
    return failure();
  auto dataType = n.inputType(0), indexType = n.inputType(1),
       updatesType = n.inputType(2);
  if (!dataType.hasStaticShape() || !indexType.hasStaticShape() ||
      !updatesType.hasStaticShape())
    return n.notKnown("the shapes of data, indices and updates");
  FailureOr<ScatterReduction> reduction = parseReduction(n);
  if (failed(reduction))
    return failure();
  int64_t r = dataType.getRank(), q = indexType.getRank();
  int64_t k = q ? indexType.getDimSize(q - 1) : 0;
  if (q < 1 || k < 1 || k > r)
    return n.emitError() << "index tuples of " << k
                         << " entries for data of rank " << r;
  ArrayRef<int64_t> dims = dataType.getShape();
  SmallVector<int64_t> expectedUpdates(indexType.getShape().drop_back());
  llvm::append_range(expectedUpdates, dims.drop_front(k));
  if (updatesType.getShape() != ArrayRef<int64_t>(expectedUpdates))
    return n.emitError() << "updates of shape " << updatesType
                         << " do not match indices " << indexType
                         << " and data " << dataType;
  int64_t rows = 1, inner = 1, count = indexType.getNumElements() / k;
  SmallVector<int64_t> strides(k, 1);
  for (int64_t d = k - 1; d >= 0; --d) {
    strides[d] = rows;
    rows *= dims[d];
  }
  for (int64_t d = k; d < r; ++d)
    inner *= dims[d];

  // row = sum_i normalize(index[..., i]) * stride_i, as a [count, 1] column.
  Value tuples = n.reshape(n.input(1), {count, k});
  Value normalized =
      tuples ? normalizeIndices(n, tuples,
                                constantI64(n, {1, k}, dims.take_front(k)))
             : Value();
  Value scaled =
      normalized ? n.create<MulOp>(normalized, constantI64(n, {1, k}, strides))
                 : Value();
  Value row = scaled ? n.create<ReduceOp>(
                           ReduceKindAttr::get(n.ctx, ReduceKind::sum), scaled,
                           n.b.getDenseI64ArrayAttr({1}), n.b.getUnitAttr())
                     : Value();
  Value data = row ? n.reshape(n.input(0), {rows, inner}) : Value();
  Value updates = data ? n.reshape(n.input(2), {count, inner}) : Value();
  Value result =
      updates ? scatterAlong(n, data, row, updates, 0, *reduction) : Value();
  return n.finish(result ? n.reshape(result, dims) : Value());
}

/// OneHot: values[1] where the index (negative from the end of depth) equals
/// the position along the new axis, values[0] elsewhere.
LogicalResult convertOneHot(NodeContext &n) {
  if (failed(n.checkArity(3, 3)))
    return failure();
  auto indexType = n.inputType(0);
  std::optional<SmallVector<double>> depthValues = n.constantValues(1);
  if (!depthValues)
    return n.notKnown("depth");
  if (depthValues->size() != 1 || depthValues->front() < 1)
    return n.emitError() << "depth must be one positive value";
  int64_t depth = static_cast<int64_t>(depthValues->front());
  int64_t rank = indexType.getRank() + 1;
  FailureOr<int64_t> axis = n.normalizeAxis(n.intAttr("axis", -1), rank);
  if (failed(axis))
    return failure();
  if (n.inputType(2).getNumElements() != 2)
    return n.emitError() << "values must hold two entries [off, on]";

  SmallVector<int64_t> positionsShape(rank, 1);
  positionsShape[*axis] = depth;
  SmallVector<int64_t> positions =
      llvm::to_vector(llvm::seq<int64_t>(0, depth));
  Value indices = normalizeIndices(n, n.input(0), constantI64(n, {}, {depth}));
  Value index = indices ? insertUnitDim(n, indices, *axis) : Value();
  Value match =
      index ? n.create<CmpOp>(CmpPredicateAttr::get(n.ctx, CmpPredicate::eq),
                              index, constantI64(n, positionsShape, positions))
            : Value();
  Value values = match ? n.reshape(n.input(2), {2}) : Value();
  auto pick = [&](int64_t i) {
    return n.create<GatherOp>(values, constantI64(n, {}, {i}),
                              n.b.getI64IntegerAttr(0));
  };
  Value off = values ? pick(0) : Value();
  Value on = off ? pick(1) : Value();
  return n.finish(on ? n.create<SelectOp>(match, on, off) : Value());
}
/// TensorScatter (opset 24): writes `update` into the cache `past_cache`
/// along `axis` at each batch row's own position `write_indices[b]`
/// (`circular`: wrapping around the cache). The positions are run-time
/// values (a decoder's KV-cache write), so each cache position s reads
/// update entry r = s - w[b] (mod S when circular) where 0 <= r < U and
/// keeps the cache elsewhere: a gather_elements of the update and a select,
/// with no one-hot intermediate.
LogicalResult convertTensorScatter(NodeContext &n) {
  if (failed(n.checkArity(2, 3)))
    return failure();
  auto cacheType = n.inputType(0), updateType = n.inputType(1);
  int64_t rank = cacheType.getRank();
  if (updateType.getRank() != rank || rank < 2)
    return n.emitError() << "past_cache and update must have the same rank "
                            "(at least 2)";
  FailureOr<int64_t> axis = n.normalizeAxis(n.intAttr("axis", -2), rank);
  if (failed(axis))
    return failure();
  if (*axis == 0)
    return n.emitError() << "axis must not be the batch axis";
  std::string mode = n.stringAttr("mode", "linear");
  if (mode != "linear" && mode != "circular")
    return n.emitError() << "unknown mode '" << mode
                         << "' (expected linear or circular)";
  if (!cacheType.hasStaticShape() || !updateType.hasStaticShape())
    return n.notKnown("the cache and update shapes");
  int64_t length = cacheType.getDimSize(*axis);
  int64_t written = updateType.getDimSize(*axis);
  for (int64_t d = 0; d < rank; ++d)
    if (d != *axis && cacheType.getDimSize(d) != updateType.getDimSize(d))
      return n.emitError() << "update differs from past_cache in dimension "
                           << d;
  if (written > length)
    return n.emitError() << "update has " << written
                         << " entries along the axis, more than the cache's "
                         << length;

  Type i64 = n.b.getI64Type();
  // w: [B, 1, ..., 1].
  SmallVector<int64_t> ones(rank, 1);
  ones[0] = cacheType.getDimSize(0);
  Value starts;
  if (n.hasInput(2)) {
    if (n.inputType(2).getRank() != 1)
      return n.emitError() << "write_indices must be 1-D [batch]";
    starts = n.castTo(n.input(2), i64);
    starts = starts ? n.reshape(starts, ones) : Value();
  } else {
    starts = n.scalar(i64, 0);
  }
  // s: the cache positions along the axis, [1, .., S, .., 1].
  SmallVector<int64_t> positionShape(rank, 1), positions;
  positionShape[*axis] = length;
  for (int64_t s = 0; s < length; ++s)
    positions.push_back(s);
  Value position = n.constant(DenseElementsAttr::get(
      RankedTensorType::get(positionShape, i64), ArrayRef(positions)));
  Value relative = starts ? n.create<SubOp>(position, starts) : Value();
  if (relative && mode == "circular")
    relative = n.create<RemOp>(relative, n.scalar(i64, length), UnitAttr());
  Value fromUpdate =
      relative
          ? n.create<AndOp>(
                n.create<CmpOp>(CmpPredicateAttr::get(n.ctx, CmpPredicate::ge),
                                relative, n.scalar(i64, 0)),
                n.create<CmpOp>(CmpPredicateAttr::get(n.ctx, CmpPredicate::lt),
                                relative, n.scalar(i64, written)))
          : Value();
  Value index = fromUpdate
                    ? n.create<SelectOp>(fromUpdate, relative, n.scalar(i64, 0))
                    : Value();
  Value fullIndex =
      index ? n.createTyped<ExpandOp>(cacheType.clone(i64), index, Value())
            : Value();
  Value gathered =
      fullIndex ? n.create<GatherElementsOp>(n.input(1), fullIndex,
                                             n.b.getI64IntegerAttr(*axis))
                : Value();
  return n.finish(gathered
                      ? n.create<SelectOp>(fromUpdate, gathered, n.input(0))
                      : Value());
}
} // namespace

void registerScatterConverters(OpRegistry &r) {
  r.add("TensorScatter", convertTensorScatter);
  r.add("Scatter", convertScatterElements);
  r.add("ScatterElements", convertScatterElements);
  r.add("ScatterND", convertScatterND);
  r.add("OneHot", convertOneHot);
}
} // namespace autoglm::importer
