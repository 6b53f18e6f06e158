//===- AttentionCache.cpp - where attention's keys come from --------------===//

#include "autoglm/Dialect/AttentionCache.h"

#include "autoglm/Dialect/AutoGLM.h"

#include "llvm/ADT/SetVector.h"

using namespace mlir;
using namespace mlir::autoglm;

namespace {
/// The op of type T that computes `v`, on its own or alone in a kernel
/// region, and its operands (for a region, the region's inputs); null when
/// `v` is not so computed.
template <typename T>
std::pair<T, SmallVector<Value>> producer(Value v) {
  Operation *def = v.getDefiningOp();
  if (auto op = dyn_cast_or_null<T>(def))
    return {op, SmallVector<Value>(op->getOperands())};
  auto region = dyn_cast_or_null<FusedOp>(def);
  if (!region || region->getNumResults() != 1)
    return {};
  Block &body = region.getBody().front();
  if (!llvm::hasSingleElement(body.without_terminator()))
    return {};
  auto op = dyn_cast<T>(body.front());
  if (!op)
    return {};
  SmallVector<Value> operands;
  for (Value operand : op->getOperands()) {
    auto arg = dyn_cast<BlockArgument>(operand);
    if (!arg || arg.getOwner() != &body)
      return {};
    operands.push_back(region.getInputs()[arg.getArgNumber()]);
  }
  return {op, operands};
}

/// The kernel region holding `op`, or `op` itself.
Operation *kernelOf(Operation *op) {
  return isa<FusedOp>(op->getParentOp()) ? op->getParentOp() : op;
}
} // namespace

AttentionCacheSource mlir::autoglm::traceAttentionCache(Value operand) {
  AttentionCacheSource source;
  source.parts = {operand};
  if (auto [transpose, in] = producer<TransposeOp>(operand);
      transpose &&
      transpose.getPermutation() == ArrayRef<int64_t>{0, 2, 1, 3}) {
    source.parts = {in[0]};
    source.seqMajor = true;
    source.passed.push_back(kernelOf(transpose));
  }
  int64_t axis = source.seqMajor ? 1 : 2;
  if (auto [concat, in] = producer<ConcatOp>(source.parts[0]);
      concat && in.size() == 2 && int64_t(concat.getAxis()) == axis) {
    source.passed.push_back(kernelOf(concat));
    source.parts = in;
    return source;
  }
  // [B, S, H*D] concatenated along S, then split to heads [B, S, H, D].
  auto reshape = source.parts[0].getDefiningOp<ReshapeOp>();
  if (!source.seqMajor || !reshape || reshape.getShape())
    return source;
  auto [concat, in] = producer<ConcatOp>(reshape.getInput());
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
                                           const AttentionCacheSource &values) {
  llvm::SetVector<Operation *> passed;
  passed.insert_range(keys.passed);
  passed.insert_range(values.passed);
  for (Operation *op : passed)
    if (op->use_empty())
      op->erase();
}
