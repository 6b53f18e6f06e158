//===- GatherConverters.cpp - Gather, GatherElements, Expand, Tile, Trilu -===//
//
// Operators whose every output element is one input element picked by its
// index: Gather and GatherElements (by an index tensor), Expand and Tile (by
// broadcasting and repetition), and Trilu (kept or zeroed by its row and
// column). Gathers and expansions of known integers (e.g. position ids) are
// evaluated at import time.
//
//===----------------------------------------------------------------------===//

#include "NodeContext.h"
#include "OpRegistry.h"

#include "onnx/onnx_pb.h"

using namespace mlir;
using namespace mlir::autoglm;

namespace autoglm::importer {
namespace {
//===----------------------------------------------------------------------===//
// Gather, GatherElements
//===----------------------------------------------------------------------===//

/// Gather over known values: result = data[..., indices, ...] along `axis`.
std::optional<KnownInts> gatherKnown(const KnownInts &data,
                                     const KnownInts &indices, int64_t axis) {
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
  FailureOr<int64_t> axis =
      n.normalizeAxis(n.intAttr("axis", 0), type.getRank());
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
  Value result =
      n.create<GatherOp>(n.input(0), n.input(1), n.b.getI64IntegerAttr(*axis));
  if (!result)
    return failure();
  n.setOutput(0, result, std::move(known));
  return success();
}

/// Compress: the entries along `axis` (of the flattened input without one)
/// whose condition is true. The result's size depends on the condition's
/// values, so the condition must be known at compile time (a constant or an
/// input fixed with --input-value); it becomes a gather of those positions.
LogicalResult convertCompress(NodeContext &n) {
  if (failed(n.checkArity(2, 2)))
    return failure();
  auto conditionType = n.inputType(1);
  if (conditionType.getRank() != 1)
    return n.emitError() << "condition must be 1-D";
  std::optional<SmallVector<double>> condition = n.constantValues(1);
  if (!condition)
    return n.notKnown("condition (it decides the result's shape)");
  Value data = n.input(0);
  auto type = n.inputType(0);
  int64_t axis = 0;
  if (n.hasAttr("axis")) {
    FailureOr<int64_t> normalized =
        n.normalizeAxis(n.intAttr("axis", 0), type.getRank());
    if (failed(normalized))
      return failure();
    axis = *normalized;
  } else {
    if (!type.hasStaticShape())
      return n.notKnown("the input shape (to flatten it)");
    data = n.reshape(data, {type.getNumElements()});
    if (!data)
      return failure();
  }
  int64_t dim = cast<RankedTensorType>(data.getType()).getDimSize(axis);
  if (ShapedType::isDynamic(dim))
    return n.notKnown("the size of the compressed axis");
  if (static_cast<int64_t>(condition->size()) > dim)
    return n.emitError() << "condition has " << condition->size()
                         << " entries, more than the " << dim
                         << " along the axis";
  SmallVector<int64_t> kept;
  for (auto [i, keep] : llvm::enumerate(*condition))
    if (keep != 0)
      kept.push_back(i);
  if (kept.empty())
    return n.emitError() << "condition selects nothing: the result would be "
                            "empty, which compiled models cannot return";
  Value indices = n.constantI64(kept);
  return n.finish(
      n.create<GatherOp>(data, indices, n.b.getI64IntegerAttr(axis)));
}

LogicalResult convertGatherElements(NodeContext &n) {
  if (failed(n.checkArity(2, 2)))
    return failure();
  FailureOr<int64_t> axis =
      n.normalizeAxis(n.intAttr("axis", 0), n.inputType(0).getRank());
  if (failed(axis))
    return failure();
  return n.finish(n.create<GatherElementsOp>(n.input(0), n.input(1),
                                             n.b.getI64IntegerAttr(*axis)));
}

/// A constant i64 tensor of `shape`.
Value constantI64Tensor(NodeContext &n, ArrayRef<int64_t> shape,
                        ArrayRef<int64_t> values) {
  return n.constant(DenseElementsAttr::get(
      RankedTensorType::get(shape, n.b.getI64Type()), values));
}

/// GatherND as a gather of rows: data viewed as [B * prod(D), prod(rest)]
/// (B the batch dimensions, D the k indexed ones), each index tuple turned
/// into its row (negative entries from the end, plus the batch's offset),
/// the gathered rows reshaped to [b..., q..., rest...].
LogicalResult convertGatherND(NodeContext &n) {
  if (failed(n.checkArity(2, 2)))
    return failure();
  auto dataType = n.inputType(0), indexType = n.inputType(1);
  if (!dataType.hasStaticShape() || !indexType.hasStaticShape())
    return n.notKnown("the shapes of data and indices");
  int64_t batchDims = n.intAttr("batch_dims", 0);
  int64_t r = dataType.getRank(), q = indexType.getRank();
  if (q < 1 || batchDims < 0 || batchDims >= std::min(r, q))
    return n.emitError() << "batch_dims " << batchDims
                         << " is out of range for data rank " << r
                         << " and indices rank " << q;
  int64_t k = indexType.getDimSize(q - 1);
  if (k < 1 || batchDims + k > r)
    return n.emitError() << "index tuples of " << k << " entries for data of "
                         << "rank " << r << " with " << batchDims
                         << " batch dimensions";
  ArrayRef<int64_t> dims = dataType.getShape();
  for (int64_t d = 0; d < batchDims; ++d)
    if (dims[d] != indexType.getDimSize(d))
      return n.emitError() << "batch dimension " << d << " differs between "
                           << "data and indices";
  int64_t batch = 1, indexed = 1, rest = 1;
  for (int64_t d = 0; d < batchDims; ++d)
    batch *= dims[d];
  SmallVector<int64_t> bounds, strides(k);
  for (int64_t j = 0; j < k; ++j)
    bounds.push_back(dims[batchDims + j]);
  for (int64_t j = k - 1; j >= 0; --j) {
    strides[j] = indexed;
    indexed *= bounds[j];
  }
  if (batch > (int64_t(1) << 24))
    return n.emitError() << batch << " batch entries are too many";
  SmallVector<int64_t> restDims(dims.drop_front(batchDims + k));
  for (int64_t d : restDims)
    rest *= d;

  Type i64 = n.b.getI64Type();
  Value indices = n.castTo(n.input(1), i64);
  Value boundsValue = n.constantI64(bounds);
  Value negative =
      indices ? n.create<CmpOp>(CmpPredicateAttr::get(n.ctx, CmpPredicate::lt),
                                indices, n.scalar(i64, 0))
              : Value();
  Value wrapped =
      boundsValue && indices ? n.create<AddOp>(indices, boundsValue) : Value();
  Value normalized = negative && wrapped
                         ? n.create<SelectOp>(negative, wrapped, indices)
                         : Value();
  Value scaled = normalized
                     ? n.create<MulOp>(normalized, n.constantI64(strides))
                     : Value();
  Value rows = scaled ? n.create<ReduceOp>(
                            ReduceKindAttr::get(n.ctx, ReduceKind::sum), scaled,
                            n.b.getDenseI64ArrayAttr({q - 1}), UnitAttr())
                      : Value();
  if (!rows)
    return failure();
  if (batchDims > 0) {
    // Row offset of each batch entry, shaped [b..., 1, ...].
    SmallVector<int64_t> offsetShape(q - 1, 1), offsets;
    for (int64_t d = 0; d < batchDims; ++d)
      offsetShape[d] = dims[d];
    for (int64_t b = 0; b < batch; ++b)
      offsets.push_back(b * indexed);
    Value offset = constantI64Tensor(n, offsetShape, offsets);
    rows = offset ? n.create<AddOp>(rows, offset) : Value();
  }
  Value table = n.reshape(n.input(0), {batch * indexed, rest});
  Value gathered =
      rows && table ? n.create<GatherOp>(table, rows, n.b.getI64IntegerAttr(0))
                    : Value();
  SmallVector<int64_t> outShape(indexType.getShape().drop_back());
  llvm::append_range(outShape, restDims);
  return n.finish(gathered ? n.reshape(gathered, outShape) : Value());
}

/// ReverseSequence: out[t, b] = in[len[b] - 1 - t, b] for t < len[b], else
/// in[t, b] (along time_axis and batch_axis): a gather_elements along the
/// time axis with those indices.
LogicalResult convertReverseSequence(NodeContext &n) {
  if (failed(n.checkArity(2, 2)))
    return failure();
  auto type = n.inputType(0);
  int64_t rank = type.getRank();
  if (rank < 2 || !type.hasStaticShape())
    return type.hasStaticShape()
               ? LogicalResult(n.emitError() << "expects an input of rank >= 2")
               : n.notKnown("the input shape");
  int64_t timeAxis = n.intAttr("time_axis", 0),
          batchAxis = n.intAttr("batch_axis", 1);
  if (!((timeAxis == 0 && batchAxis == 1) || (timeAxis == 1 && batchAxis == 0)))
    return n.emitError() << "time_axis and batch_axis must be 0 and 1";
  int64_t steps = type.getDimSize(timeAxis), batch = type.getDimSize(batchAxis);
  if (steps > (int64_t(1) << 24))
    return n.emitError() << "a time axis of " << steps << " is too large";
  Type i64 = n.b.getI64Type();
  SmallVector<int64_t> timeShape(rank, 1), batchShape(rank, 1), iota;
  timeShape[timeAxis] = steps;
  batchShape[batchAxis] = batch;
  for (int64_t t = 0; t < steps; ++t)
    iota.push_back(t);
  Value time = constantI64Tensor(n, timeShape, iota);
  Value lengths = n.castTo(n.input(1), i64);
  lengths = lengths ? n.reshape(lengths, batchShape) : Value();
  if (!time || !lengths)
    return failure();
  Value inside = n.create<CmpOp>(CmpPredicateAttr::get(n.ctx, CmpPredicate::lt),
                                 time, lengths);
  Value last = n.create<SubOp>(lengths, n.scalar(i64, 1));
  Value mirrored = last ? n.create<SubOp>(last, time) : Value();
  Value index =
      inside && mirrored ? n.create<SelectOp>(inside, mirrored, time) : Value();
  Value full = index ? n.createTyped<ExpandOp>(type.clone(i64), index, Value())
                     : Value();
  return n.finish(full ? n.create<GatherElementsOp>(
                             n.input(0), full, n.b.getI64IntegerAttr(timeAxis))
                       : Value());
}

//===----------------------------------------------------------------------===//
// Expand, Tile, Trilu
//===----------------------------------------------------------------------===//

LogicalResult convertExpand(NodeContext &n) {
  if (failed(n.checkArity(2, 2)))
    return failure();
  auto type = n.inputType(0);
  auto shapeType = n.inputType(1);
  if (shapeType.getRank() != 1 || shapeType.isDynamicDim(0))
    return n.emitError()
           << "the shape input must be a 1-D tensor of static length";
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
    int64_t target =
        d - (rank - targetRank) >= 0
            ? (k ? k->values[d - (rank - targetRank)] : KnownInts::kUnknown)
            : 1;
    if (target == KnownInts::kUnknown)
      dims[d] =
          (in != 1 && !ShapedType::isDynamic(in)) ? in : ShapedType::kDynamic;
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
  if (const KnownInts *data = n.known(0);
      data && resultType.hasStaticShape() &&
      resultType.getNumElements() <= KnownInts::kMaxElements) {
    KnownInts target;
    target.shape.assign(dims.begin(), dims.end());
    target.values.assign(resultType.getNumElements(), 0);
    std::optional<KnownInts> expanded = broadcastKnown(
        {data, &target},
        [](ArrayRef<int64_t> v) -> std::optional<int64_t> { return v[0]; });
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
  return n.finish(
      n.create<TileOp>(n.input(0), n.b.getDenseI64ArrayAttr(*repeats)));
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
                                    n.intAttr("upper", 1) ? n.b.getUnitAttr()
                                                          : UnitAttr()));
}
} // namespace

void registerGatherConverters(OpRegistry &r) {
  r.add("Compress", convertCompress);
  r.add("Gather", convertGather);
  r.add("GatherElements", convertGatherElements);
  r.add("GatherND", convertGatherND);
  r.add("ReverseSequence", convertReverseSequence);
  r.add("Expand", convertExpand);
  r.add("Tile", convertTile);
  r.add("Trilu", convertTrilu);
}
} // namespace autoglm::importer
