//===- Bf16DotKernel.h - bf16 products on vdpbf16ps -------------*- C++ -*-===//
//
// Internal to lib/Target/CPU: the block kernel that
// --autoglm-widen-16bit-products uses for a bf16 product on a CPU with
// AVX512_BF16, in place of widened panels and the float32 kernel.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_LIB_TARGET_CPU_BF16DOTKERNEL_H
#define AUTOGLM_LIB_TARGET_CPU_BF16DOTKERNEL_H

#include "mlir/IR/Builders.h"

namespace mlir::autoglm {
/// Index arithmetic of the bf16 kernels (this one and AmxBf16Kernel.cpp)
/// on the blocks they read and write: buffers of `[1,] rows x columns`.
struct BlockIndexer {
  OpBuilder &builder;
  Location loc;

  Value constant(int64_t v) const;
  /// `base + delta`; `base` itself when `delta` is 0.
  Value add(Value base, int64_t delta) const;
  Value mul(Value base, int64_t factor) const;
  /// The indices of (row, column) in `buffer`, with the leading 0 of a
  /// batched block.
  SmallVector<Value> at(Value buffer, Value row, Value column) const;
};

/// Writes the bf16 block `b` ([1,] K x N, unit inner stride) into `pairs`
/// ([1,] K/2 x 2N, a buffer of the block's own) with the rows of each pair
/// interleaved: `pairs[kk, 2n + j] = b[2kk + j, n]`, so that 16 columns of
/// two consecutive rows are one 64-byte load. K is even, N a multiple of 16.
void packBf16Pairs(OpBuilder &builder, Location loc, Value b, Value pairs);

/// Adds the product of the bf16 block `a` ([1,] M x K, unit inner stride)
/// and `pairs` (as packBf16Pairs wrote it) to the f32 block `c` ([1,] M x
/// N): register tiles of mr rows x nr columns (mr the largest of 8, 4, 2, 1
/// dividing M, nr of 32 and 16 dividing N), columns outer, each tile's
/// accumulators loaded from C, one `vdpbf16ps` per row and 16 columns for
/// each pair of K, and stored back.
void buildBf16DotProduct(OpBuilder &builder, Location loc, Value a, Value pairs,
                         Value c);
} // namespace mlir::autoglm

#endif // AUTOGLM_LIB_TARGET_CPU_BF16DOTKERNEL_H
