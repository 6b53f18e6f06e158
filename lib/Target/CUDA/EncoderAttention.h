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

namespace mlir::autoglm {
/// Rows and columns of a tensor-core tile (WMMA m16n16k16).
constexpr int64_t kMmaTile = 16;
/// Static shared memory a block may use without opting in to more.
constexpr int64_t kEncoderSharedBytes = 48 * 1024;
/// Padding after each row of the transposed keys (halves) and of the score
/// rows (floats) in shared memory: 32 bytes, so that the 16 rows of a
/// tensor-core tile fall on the banks four at a time instead of all on the
/// same ones (a 128-key row is 512 bytes apart from the next), and the row
/// pitch stays a multiple of 16 bytes as the tensor-core loads want.
constexpr int64_t kKeyRowPadding = 16;
constexpr int64_t kScoreRowPadding = 8;

/// Warps of a tile of 16 query rows (a block holds one or two). The warps
/// split each step of the tile between them (key tiles of the scores, rows
/// of the softmax, value tiles of the output), so a tile takes a quarter of
/// one warp's time, and BERT-base's 96 tiles at batch 1 keep 384 warps at
/// work.
constexpr int64_t kEncoderWarps = 4;

/// Bytes of shared memory a block of the kernel uses for `tiles` tiles of
/// 16 query rows: the transposed keys (f16), the tiles' score rows (f32,
/// reused for the probabilities and the output) and their sums.
inline int64_t encoderAttentionSharedBytes(int64_t keys, int64_t depth,
                                           int64_t tiles = 1) {
  return 2 * depth * (keys + kKeyRowPadding) +
         tiles * (4 * kMmaTile * (keys + kScoreRowPadding) + 4 * kMmaTile);
}

/// Whether the kernel takes `queries` x `keys` attention of head size
/// `depth` (values `valueDepth`): every size a multiple of 16, heads of at
/// most 128, the value rows no longer than the key count (the output tile
/// reuses the score rows), and the shared memory within a block's static
/// 48 KB.
inline bool takesEncoderAttention(int64_t queries, int64_t keys, int64_t depth,
                                  int64_t valueDepth) {
  return queries % kMmaTile == 0 && keys % kMmaTile == 0 &&
         depth % kMmaTile == 0 && valueDepth % kMmaTile == 0 && depth <= 128 &&
         valueDepth <= 128 && valueDepth <= keys &&
         encoderAttentionSharedBytes(keys, depth) <= kEncoderSharedBytes;
}

/// Blocks of two tiles at least this many, else blocks of one: about two a
/// multiprocessor of an H100/H200 (132). Two tiles share one copy of the
/// keys (half the copying, a quarter of the shared memory traffic at
/// BERT's shape), but half as many blocks leave multiprocessors idle when
/// there are few.
constexpr int64_t kMinBlocksOfTwoTiles = 256;

/// Tiles of 16 query rows a block of the kernel takes for `heads` (batch x
/// query heads) of `queries` x `keys` attention of head size `depth`.
inline int64_t encoderAttentionTiles(int64_t heads, int64_t queries,
                                     int64_t keys, int64_t depth) {
  bool two = queries % (2 * kMmaTile) == 0 &&
             heads * queries / (2 * kMmaTile) >= kMinBlocksOfTwoTiles &&
             encoderAttentionSharedBytes(keys, depth, 2) <= kEncoderSharedBytes;
  return two ? 2 : 1;
}
} // namespace mlir::autoglm

#endif // AUTOGLM_TARGET_CUDA_ENCODERATTENTION_H
