//===- EncoderAttention.h - the tensor-core attention kernel's limits -*- C++
//-*-===//
//
// Shared by the pass that selects dense attention for the CUDA kernels
// (SelectDecodeAttention.cpp) and the pass that builds the tensor-core
// encoder-attention kernel (EncoderAttentionKernels.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_TARGET_CUDA_ENCODERATTENTION_H
#define AUTOGLM_TARGET_CUDA_ENCODERATTENTION_H

#include <cstdint>
#include <optional>

namespace mlir::autoglm {
/// Rows and columns of a tensor-core tile (WMMA m16n16k16).
constexpr int64_t kMmaTile = 16;
/// Static shared memory a block may use without opting in to more.
constexpr int64_t kEncoderSharedBytes = 48 * 1024;
/// Halves of padding after each row of the transposed keys in shared
/// memory: rows 16 bytes apart in the banks, still 16-byte multiples as the
/// tensor-core loads want.
constexpr int64_t kKeyRowPadding = 8;

/// Blocks below which the kernel takes one warp a block rather than two:
/// about two per streaming multiprocessor of an H100/H200 (132). Fewer
/// blocks leave multiprocessors idle, and a block's time is mostly its
/// warps' own latency, so halving the warps per block doubles the
/// multiprocessors at work for the price of a second copy of the keys.
constexpr int64_t kMinEncoderBlocks = 256;

/// How the kernel covers an attention: blocks of `warps` warps, each warp
/// 16 query rows.
struct EncoderAttentionPlan {
  int64_t warps;
  /// Bytes of shared memory: the transposed keys (f16), each warp's score
  /// rows (f32, reused for the probabilities and the output) and row sums.
  int64_t sharedBytes;
};

/// The plan for `heads` (batch x query heads) of `queries` x `keys`
/// attention of head size `depth` (values `valueDepth`), or nothing when the
/// kernel does not take it: every size a multiple of 16, heads of at most
/// 128, the value rows no longer than the key count (the output tile reuses
/// the score rows), and shared memory for at least one warp.
inline std::optional<EncoderAttentionPlan>
planEncoderAttention(int64_t heads, int64_t queries, int64_t keys,
                     int64_t depth, int64_t valueDepth) {
  if (queries % kMmaTile || keys % kMmaTile || depth % kMmaTile ||
      valueDepth % kMmaTile || depth > 128 || valueDepth > 128 ||
      valueDepth > keys)
    return std::nullopt;
  for (int64_t warps : {2, 1}) {
    if ((queries / kMmaTile) % warps ||
        (warps > 1 && heads * queries / (warps * kMmaTile) < kMinEncoderBlocks))
      continue;
    int64_t rows = warps * kMmaTile;
    int64_t bytes =
        2 * depth * (keys + kKeyRowPadding) + 4 * rows * keys + 4 * rows;
    if (bytes <= kEncoderSharedBytes)
      return EncoderAttentionPlan{warps, bytes};
  }
  return std::nullopt;
}
} // namespace mlir::autoglm

#endif // AUTOGLM_TARGET_CUDA_ENCODERATTENTION_H
