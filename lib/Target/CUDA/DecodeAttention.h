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
/// attends to all of its visible pages): the power of two above them,
/// twice, must not pass the kDenseDecodeThreads threads of the kernel that
/// merges the lists and attends.
constexpr int64_t kMaxDecodeAttentionPages = 128;

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

/// Key rows (and value rows) a thread of the decode kernels loads before it
/// uses them: a thread that waits for each load in turn keeps too few
/// bytes in flight to read the cache at the memory's bandwidth.
constexpr int64_t kDecodeKeysInFlight = 4;
/// Threads of a block of the dense decode kernels.
constexpr int64_t kDenseDecodeThreads = 256;
/// Static shared memory a block may use without opting in to more.
constexpr int64_t kDecodeSharedBytes = 48 * 1024;
/// The most f32 values of query heads and value sums a thread of the dense
/// partial kernel keeps in registers; a larger group is split over blocks.
constexpr int64_t kDenseDecodeRegisterValues = 128;

/// How the dense decode kernel reads rows of `depth` elements: `width`
/// elements at a time (16 bytes where the rows are contiguous and the width
/// divides the depth, so that every access is aligned), `vectors` accesses
/// per row, `accesses` of them per lane when `lanes` neighbouring threads
/// share a row.
struct DenseRowReads {
  int64_t width, vectors, accesses = 1;

  DenseRowReads(int64_t depth, int64_t elementBits, bool contiguous) {
    width = contiguous ? 128 / elementBits : 1;
    while (width > 1 && depth % width)
      width /= 2;
    vectors = depth / width;
  }
  /// The elements a lane holds.
  int64_t elements() const { return width * accesses; }
};

/// How the dense decode kernels split the work: `chunks` blocks per query
/// row and per `headsPerBlock` query heads of the group, taking the row's
/// keys in turns by runs of step() keys;
/// `lanes` neighbouring threads read a key row and its value row, `key` and
/// `value` say how.
struct DenseDecodePlan {
  int64_t chunks, headsPerBlock, lanes;
  DenseRowReads key, value;
  /// Key rows (and value rows) a slot loads before it uses them.
  int64_t keysInFlight = kDecodeKeysInFlight;

  int64_t headBlocks(int64_t group) const { return group / headsPerBlock; }
  /// Key rows a block reads at once: a slot of `lanes` threads per row.
  int64_t slots() const { return kDenseDecodeThreads / lanes; }
  /// Consecutive keys a block reads in one step: keysInFlight rows per
  /// slot. The blocks of a row take turns by steps.
  int64_t step() const { return keysInFlight * slots(); }
};

/// The split for `rows` query rows (batch x key/value heads x queries) of
/// `group` query heads each over `keys` keys, reading key rows as `key`
/// and value rows as `value` (of `valueDepth` elements), or nothing when
/// one query head per block already needs more registers or shared memory
/// than a block has. A block keeps its query heads and value sums in
/// registers, so a large group is split over several blocks (reading the
/// rows once per block); about 512 blocks in all read the cache.
inline std::optional<DenseDecodePlan>
planDenseDecode(int64_t rows, int64_t keys, int64_t group, DenseRowReads key,
                DenseRowReads value, int64_t valueDepth) {
  constexpr int64_t kTargetBlocks = 512;
  constexpr int64_t kWarps = kDenseDecodeThreads / 32;
  int64_t lanes = std::min<int64_t>(
      32, llvm::PowerOf2Ceil(std::max(key.vectors, value.vectors)));
  key.accesses = llvm::divideCeil(key.vectors, lanes);
  value.accesses = llvm::divideCeil(value.vectors, lanes);
  // Each warp's pieces meet in shared memory: maximum, sum and value sums.
  auto fits = [&](int64_t heads) {
    return heads * (key.elements() + value.elements()) <=
               kDenseDecodeRegisterValues &&
           4 * kWarps * heads * (valueDepth + 2) <= kDecodeSharedBytes;
  };
  int64_t heads = group;
  while (heads > 1 && (group % heads || !fits(heads)))
    --heads;
  if (!fits(heads))
    return std::nullopt;
  // Keys per block: about kTargetBlocks blocks in all, 256 to 4096 keys
  // each.
  int64_t blocks = rows * (group / heads);
  int64_t keysPerBlock = std::clamp<int64_t>(
      llvm::PowerOf2Ceil(llvm::divideCeil(keys * blocks, kTargetBlocks)),
      kDenseDecodeThreads, 4096);
  return DenseDecodePlan{int64_t(llvm::divideCeil(keys, keysPerBlock)), heads,
                         lanes, key, value};
}
} // namespace mlir::autoglm

#endif // AUTOGLM_TARGET_CUDA_DECODEATTENTION_H
