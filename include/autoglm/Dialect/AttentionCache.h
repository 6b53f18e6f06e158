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

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

namespace mlir::autoglm {
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

/// The producers `keys` and `values` passed, erased where nothing reads
/// them any more (keys and values may share them).
void eraseUnusedCacheCopies(const AttentionCacheSource &keys,
                            const AttentionCacheSource &values);
} // namespace mlir::autoglm

#endif // AUTOGLM_DIALECT_ATTENTIONCACHE_H
