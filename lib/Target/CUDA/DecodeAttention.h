//===- DecodeAttention.h - decode-attention kernel limits ---*- C++ -*-===//
//
// Shared by the pass that selects top-k attention for the CUDA kernels and
// the pass that builds them.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_TARGET_CUDA_DECODEATTENTION_H
#define AUTOGLM_TARGET_CUDA_DECODEATTENTION_H

#include <cstdint>

namespace mlir::autoglm {
/// The most keys a query keeps (top_k + sink + window). The kernels keep
/// each chunk's best T = the power of two above the budget in shared
/// memory, and merge two such lists with one thread per entry: 2 T must
/// not pass 1024 threads.
constexpr int64_t kMaxDecodeAttentionBudget = 511;
} // namespace mlir::autoglm

#endif // AUTOGLM_TARGET_CUDA_DECODEATTENTION_H
