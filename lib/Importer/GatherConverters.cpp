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
  r.add("Gather", convertGather);
  r.add("GatherElements", convertGatherElements);
  r.add("Expand", convertExpand);
  r.add("Tile", convertTile);
  r.add("Trilu", convertTrilu);
}
} // namespace autoglm::importer
