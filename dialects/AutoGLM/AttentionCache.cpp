//===- AttentionCache.cpp - where attention's keys come from --------------===//

#include "autoglm/Dialect/AttentionCache.h"

#include "autoglm/Dialect/AutoGLM.h"

#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/SetVector.h"

using namespace mlir;
using namespace mlir::autoglm;

namespace {
/// The kernel region holding `op`, or `op` itself.
Operation *kernelOf(Operation *op) {
  return isa<FusedOp>(op->getParentOp()) ? op->getParentOp() : op;
}
} // namespace

AttentionCacheSource mlir::autoglm::traceAttentionCache(Value operand) {
  AttentionCacheSource source;
  source.parts = {operand};
  if (auto [transpose, in] = kernelProducer<TransposeOp>(operand);
      transpose &&
      transpose.getPermutation() == ArrayRef<int64_t>{0, 2, 1, 3}) {
    source.parts = {in[0]};
    source.seqMajor = true;
    source.passed.push_back(kernelOf(transpose));
  }
  int64_t axis = source.seqMajor ? 1 : 2;
  if (auto [concat, in] = kernelProducer<ConcatOp>(source.parts[0]);
      concat && in.size() == 2 && int64_t(concat.getAxis()) == axis) {
    source.passed.push_back(kernelOf(concat));
    source.parts = in;
    return source;
  }
  // [B, S, H*D] concatenated along S, then split to heads [B, S, H, D].
  auto reshape = source.parts[0].getDefiningOp<ReshapeOp>();
  if (!source.seqMajor || !reshape || reshape.getShape())
    return source;
  auto [concat, in] = kernelProducer<ConcatOp>(reshape.getInput());
  auto whole = cast<RankedTensorType>(reshape.getInput().getType());
  auto heads = cast<RankedTensorType>(reshape.getType());
  if (!concat || in.size() != 2 || concat.getAxis() != 1 ||
      whole.getRank() != 3 || !whole.hasStaticShape() ||
      heads.getShape().take_front(2) != whole.getShape().take_front(2))
    return source;
  source.passed.append({reshape, kernelOf(concat)});
  source.parts = in;
  source.heads = heads;
  return source;
}

SmallVector<Value> AttentionCacheSource::build(OpBuilder &b,
                                               Location loc) const {
  if (!heads)
    return parts;
  SmallVector<Value> built;
  for (Value part : parts) {
    SmallVector<int64_t> shape(heads.getShape());
    shape[1] = cast<RankedTensorType>(part.getType()).getDimSize(1);
    built.push_back(ReshapeOp::create(
        b, loc, RankedTensorType::get(shape, heads.getElementType()), part,
        Value()));
  }
  return built;
}

bool mlir::autoglm::readsCacheParts(const AttentionCacheSource &keys,
                                    const AttentionCacheSource &values) {
  return (keys.seqMajor || keys.parts.size() == 2) &&
         keys.seqMajor == values.seqMajor &&
         keys.parts.size() == values.parts.size();
}

void mlir::autoglm::eraseUnusedCacheCopies(const AttentionCacheSource &keys,
                                           const AttentionCacheSource &values,
                                           ArrayRef<Operation *> others) {
  // One worklist for all, so that none is visited after it went; a set, so
  // that an op read twice by ones that go is visited once.
  llvm::SetVector<Operation *> worklist;
  worklist.insert_range(keys.passed);
  worklist.insert_range(values.passed);
  worklist.insert_range(others);
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val();
    if (!isOpTriviallyDead(op))
      continue;
    for (Value operand : op->getOperands())
      if (Operation *def = operand.getDefiningOp())
        worklist.insert(def);
    op->erase();
  }
}

namespace {
/// The axis of `reshape`'s input that is `axis` of its result (the same
/// extent, as many elements before it), when the reshape keeps it whole.
std::optional<int64_t> reshapedAxis(ReshapeOp reshape, int64_t axis) {
  auto input = cast<RankedTensorType>(reshape.getInput().getType());
  auto type = cast<RankedTensorType>(reshape.getType());
  if (reshape.getShape() || !input.hasStaticShape() || !type.hasStaticShape())
    return std::nullopt;
  int64_t before = 1;
  for (int64_t d = 0; d < axis; ++d)
    before *= type.getDimSize(d);
  for (int64_t d = 0, n = 1; d < input.getRank() && n <= before;
       n *= input.getDimSize(d), ++d)
    if (n == before && input.getDimSize(d) == type.getDimSize(axis))
      return d;
  return std::nullopt;
}

/// A part of a concatenation and its rows [from, to) along the axis.
struct PartRows {
  Value part;
  int64_t from, to;
};

/// The parts of `inputs` (concatenated along `axis`) that rows [start, end)
/// of the concatenation cover, and the rows of each.
SmallVector<PartRows> partsCovering(ValueRange inputs, int64_t axis,
                                    int64_t start, int64_t end) {
  SmallVector<PartRows> covered;
  int64_t at = 0;
  for (Value part : inputs) {
    int64_t rows = cast<RankedTensorType>(part.getType()).getDimSize(axis);
    int64_t from = std::max(start, at), to = std::min(end, at + rows);
    if (from < to)
      covered.push_back({part, from - at, to - at});
    at += rows;
  }
  return covered;
}
} // namespace

namespace {
/// The starts, ends and steps of rows [start, end) along `axis` of a
/// tensor of `shape`, the other axes whole.
struct RowsSlice {
  SmallVector<int64_t> starts, ends, steps;
  RowsSlice(ArrayRef<int64_t> shape, int64_t axis, int64_t start, int64_t end)
      : starts(shape.size(), 0), ends(shape), steps(shape.size(), 1) {
    starts[axis] = start;
    ends[axis] = end;
  }
};
} // namespace

Value mlir::autoglm::sliceRows(OpBuilder &b, Location loc, Value value,
                               int64_t axis, int64_t start, int64_t end) {
  RowsSlice rows(cast<RankedTensorType>(value.getType()).getShape(), axis,
                 start, end);
  return SliceOp::create(b, loc, value, rows.starts, rows.ends, rows.steps)
      .getResult();
}

bool mlir::autoglm::slicesRows(SliceOp slice, int64_t axis, int64_t start,
                               int64_t end) {
  RowsSlice rows(cast<RankedTensorType>(slice.getInput().getType()).getShape(),
                 axis, start, end);
  return slice.getStarts() == ArrayRef<int64_t>(rows.starts) &&
         slice.getEnds() == ArrayRef<int64_t>(rows.ends) &&
         slice.getSteps() == ArrayRef<int64_t>(rows.steps);
}

Value mlir::autoglm::sliceAtSource(OpBuilder &b, Location loc, Value value,
                                   int64_t axis, int64_t start, int64_t end) {
  auto type = cast<RankedTensorType>(value.getType());
  if (start == 0 && end == type.getDimSize(axis))
    return value;
  SmallVector<int64_t> shape(type.getShape());
  shape[axis] = end - start;
  auto sliced = RankedTensorType::get(shape, type.getElementType());
  Operation *def = value.getDefiningOp();
  if (auto transpose = dyn_cast_or_null<TransposeOp>(def)) {
    ArrayRef<int64_t> permutation = transpose.getPermutation();
    Value part = sliceAtSource(b, loc, transpose.getInput(), permutation[axis],
                               start, end);
    return TransposeOp::create(b, loc, part, permutation);
  }
  if (auto reshape = dyn_cast_or_null<ReshapeOp>(def))
    if (std::optional<int64_t> d = reshapedAxis(reshape, axis))
      return ReshapeOp::create(
          b, loc, sliced,
          sliceAtSource(b, loc, reshape.getInput(), *d, start, end), Value());
  if (auto concat = dyn_cast_or_null<ConcatOp>(def);
      concat && int64_t(concat.getAxis()) == axis) {
    SmallVector<Value> parts;
    for (PartRows p : partsCovering(concat.getInputs(), axis, start, end))
      parts.push_back(sliceAtSource(b, loc, p.part, axis, p.from, p.to));
    if (parts.size() == 1)
      return parts[0];
    return ConcatOp::create(b, loc, sliced, parts, axis).getResult();
  }
  return sliceRows(b, loc, value, axis, start, end);
}

bool mlir::autoglm::isSliceAtSource(Value rows, Value value, int64_t axis,
                                    int64_t start, int64_t end) {
  auto type = cast<RankedTensorType>(value.getType());
  if (start == 0 && end == type.getDimSize(axis))
    return rows == value;
  if (auto [transpose, in] = kernelProducer<TransposeOp>(value); transpose) {
    auto [rowsTranspose, rowsIn] = kernelProducer<TransposeOp>(rows);
    ArrayRef<int64_t> permutation = transpose.getPermutation();
    return rowsTranspose && rowsTranspose.getPermutation() == permutation &&
           isSliceAtSource(rowsIn[0], in[0], permutation[axis], start, end);
  }
  if (auto [reshape, in] = kernelProducer<ReshapeOp>(value); reshape)
    if (std::optional<int64_t> d = reshapedAxis(reshape, axis)) {
      auto [rowsReshape, rowsIn] = kernelProducer<ReshapeOp>(rows);
      return rowsReshape && !rowsReshape.getShape() &&
             isSliceAtSource(rowsIn[0], in[0], *d, start, end);
    }
  if (auto [concat, in] = kernelProducer<ConcatOp>(value);
      concat && int64_t(concat.getAxis()) == axis) {
    SmallVector<PartRows> parts = partsCovering(in, axis, start, end);
    if (parts.size() == 1)
      return isSliceAtSource(rows, parts[0].part, axis, parts[0].from,
                             parts[0].to);
    auto [rowsConcat, rowsIn] = kernelProducer<ConcatOp>(rows);
    if (!rowsConcat || int64_t(rowsConcat.getAxis()) != axis ||
        rowsIn.size() != parts.size())
      return false;
    return llvm::all_of(llvm::zip(rowsIn, parts), [&](auto pair) {
      auto [piece, p] = pair;
      return isSliceAtSource(piece, p.part, axis, p.from, p.to);
    });
  }
  auto [slice, in] = kernelProducer<SliceOp>(rows);
  return slice && in[0] == value && slicesRows(slice, axis, start, end);
}

std::optional<PageBoundsParts>
mlir::autoglm::tracePageBoundsParts(Value bounds) {
  auto [concat, parts] = kernelProducer<ConcatOp>(bounds);
  if (!concat || concat.getAxis() != 2 || parts.size() != 2)
    return std::nullopt;
  auto [slice, sliced] = kernelProducer<SliceOp>(parts[0]);
  int64_t freshPage = cast<RankedTensorType>(parts[0].getType()).getDimSize(2);
  if (!slice || sliced[0].getType() != bounds.getType() ||
      !slicesRows(slice, 2, 0, freshPage))
    return std::nullopt;
  return PageBoundsParts{sliced[0], parts[1], freshPage,
                         bounds.getDefiningOp()};
}
