//===- AttentionCache.h - where attention's keys come from -----*- C++ -*-===//
//
// A decoder step attends over `Concat(past, new)` of its KV cache, which an
// exporter's graph also splits to heads and transposes to B x Hkv x Sk x D:
// copies of the whole cache made for attention alone. A target whose
// attention kernels can read the cache where it is (the CUDA decode
// kernels, the CPU's lowering of few-row attention) finds the parts here.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_DIALECT_ATTENTIONCACHE_H
#define AUTOGLM_DIALECT_ATTENTIONCACHE_H

#include "autoglm/Dialect/AutoGLM.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

#include <optional>

namespace mlir::autoglm {
/// The op of type T that computes `v`, on its own or alone in a kernel
/// region, and its operands (for a region, the region's inputs); null when
/// `v` is not so computed.
template <typename T>
std::pair<T, SmallVector<Value>> kernelProducer(Value v) {
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

/// Where attention reads a key (or value) operand B x Hkv x Sk x D from:
/// `parts` (one, or two along the sequence), in B x Sk x Hkv x D order
/// when `seqMajor`, each reshaped to `heads` first when set (the parts of
/// a [B, S, H*D] concatenation). `passed` are the producers looked
/// through (kernel regions or plain ops), each before its own producer.
struct AttentionCacheSource {
  SmallVector<Value> parts;
  bool seqMajor = false;
  RankedTensorType heads;
  SmallVector<Operation *> passed;

  /// The parts, reshaped to heads where needed, built at `b`.
  SmallVector<Value> build(OpBuilder &b, Location loc) const;
};

/// Looks through the transpose to heads ([0, 2, 1, 3]), the reshape to
/// heads and the concatenation of two parts along the sequence that
/// compute `operand`, each on its own or alone in a kernel region. Parts
/// are `operand` alone when nothing is found.
AttentionCacheSource traceAttentionCache(Value operand);

/// Whether keys and values both come from a cache in parts or sequence
/// first, found the same way: what a target reads in place.
bool readsCacheParts(const AttentionCacheSource &keys,
                     const AttentionCacheSource &values);

/// The producers `keys` and `values` passed, and `others`, erased where
/// nothing reads them any more, then so each producer of their operands
/// left unread (keys and values may share them).
void eraseUnusedCacheCopies(const AttentionCacheSource &keys,
                            const AttentionCacheSource &values,
                            ArrayRef<Operation *> others = {});

/// `value`'s rows [start, end) along `axis`, the other axes whole, as one
/// `autoglm.slice` built at `b`.
Value sliceRows(OpBuilder &b, Location loc, Value value, int64_t axis,
                int64_t start, int64_t end);

/// Whether `slice` takes its input's rows [start, end) along `axis`, the
/// other axes whole (as sliceRows builds it).
bool slicesRows(SliceOp slice, int64_t axis, int64_t start, int64_t end);

/// `value`'s rows [start, end) along `axis`, built at `b` from where
/// `value` is computed: through transposes, reshapes that keep the axis
/// whole, and concatenations along it, down to a slice of what none of
/// those compute. Page mode's bounds so slice the page of a step's new keys
/// from the cache and the new rows, keeping no copy of the whole cache
/// alive.
Value sliceAtSource(OpBuilder &b, Location loc, Value value, int64_t axis,
                    int64_t start, int64_t end);

/// Whether `rows` is `value`'s rows [start, end) along `axis` as
/// sliceAtSource builds them, each op on its own or alone in a kernel
/// region: how a target finds that the rows are keys it reads anyway.
bool isSliceAtSource(Value rows, Value value, int64_t axis, int64_t start,
                     int64_t end);

/// Page bounds (B x Hkv x pages x D) that are a caller's bounds `given`
/// with the pages from `freshPage` on replaced by `fresh`:
/// `Concat(Slice(given, pages [0, freshPage)), fresh)` along the pages, as
/// page mode builds them (SparseAttention.cpp), each op on its own or
/// alone in a kernel region (`concat`). A target reads page `p` from
/// `given` below `freshPage` and from `fresh` after, with no copy.
struct PageBoundsParts {
  Value given, fresh;
  int64_t freshPage;
  Operation *concat;
};
std::optional<PageBoundsParts> tracePageBoundsParts(Value bounds);
} // namespace mlir::autoglm

#endif // AUTOGLM_DIALECT_ATTENTIONCACHE_H
