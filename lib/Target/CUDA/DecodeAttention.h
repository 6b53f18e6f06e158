//===- DecodeAttention.h - decode-attention kernel limits ---*- C++ -*-===//
//
// Shared by the pass that selects decode attention for the CUDA kernels and
// the pass that builds them.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_TARGET_CUDA_DECODEATTENTION_H
#define AUTOGLM_TARGET_CUDA_DECODEATTENTION_H

#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <cstdint>
#include <optional>

namespace mlir::autoglm {
/// The most keys a query keeps (top_k + sink + window) in token mode. The
/// kernels keep each chunk's best T = the power of two above the budget in
/// shared memory, and merge two such lists with one thread per entry: 2 T
/// must not pass 1024 threads.
constexpr int64_t kMaxDecodeAttentionBudget = 511;
/// The most pages a query chooses by rank in page mode, whose lists hold
/// the chosen pages only (sinks and window are kept apart, and an exact row
/// attends to all of its visible keys): the power of two above them, twice,
/// must not pass 1024 threads.
constexpr int64_t kMaxDecodeAttentionPages = 512;

/// The pages a query of page mode chooses by rank: top_k / `pageSize`
/// rounded up, at most the `pages` there are, at least one.
inline int64_t chosenDecodeAttentionPages(int64_t topK, int64_t pageSize,
                                          int64_t pages) {
  return std::max<int64_t>(
      1, std::min<int64_t>(llvm::divideCeil(topK, pageSize), pages));
}

/// Dense attention is decode attention, for the dense decode kernels, with
/// at most this many queries against at least kMinDecodeKeys keys: prefill
/// and encoders (many queries) stay products of their own.
constexpr int64_t kMaxDecodeQueries = 16;
constexpr int64_t kMinDecodeKeys = 64;

/// Threads of a block of the dense decode kernels.
constexpr int64_t kDenseDecodeThreads = 256;
/// Static shared memory a block may use without opting in to more.
constexpr int64_t kDecodeSharedBytes = 48 * 1024;

/// How the dense decode kernel splits the keys: `chunks` blocks of `chunk`
/// keys per query row.
struct DenseDecodePlan {
  int64_t chunk, chunks;
};

/// The split for `rows` query rows (batch x key/value heads x queries) of
/// `group` query heads each over `keys` keys of `depth` (values
/// `valueDepth`), or nothing when a block's shared memory (the group's
/// query heads, the chunk's weights and the group's sums, all f32) cannot
/// hold it. About four blocks per SM of a large GPU read the cache; a chunk
/// holds at least as many keys as a block has threads.
inline std::optional<DenseDecodePlan>
planDenseDecode(int64_t rows, int64_t keys, int64_t group, int64_t depth,
                int64_t valueDepth) {
  constexpr int64_t kTargetBlocks = 512;
  if (valueDepth > kDenseDecodeThreads)
    return std::nullopt;
  int64_t chunk = std::clamp<int64_t>(
      llvm::PowerOf2Ceil(llvm::divideCeil(keys * rows, kTargetBlocks)),
      kDenseDecodeThreads, 4096);
  auto shared = [&](int64_t c) { return 4 * group * (depth + c + valueDepth); };
  while (chunk > kDenseDecodeThreads && shared(chunk) > kDecodeSharedBytes)
    chunk /= 2;
  if (shared(chunk) > kDecodeSharedBytes)
    return std::nullopt;
  return DenseDecodePlan{chunk, int64_t(llvm::divideCeil(keys, chunk))};
}
} // namespace mlir::autoglm

#endif // AUTOGLM_TARGET_CUDA_DECODEATTENTION_H
