//===- AmxBf16Kernel.h - bf16 products on AMX tiles -------------*- C++ -*-===//
//
// Internal to lib/Target/CPU: the block kernel that
// --autoglm-widen-16bit-products uses for a bf16 product on a CPU with
// AMX-BF16 (its `amx-bf16` option), in place of widened panels and the
// float32 kernel.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_LIB_TARGET_CPU_AMXBF16KERNEL_H
#define AUTOGLM_LIB_TARGET_CPU_AMXBF16KERNEL_H

#include "mlir/IR/Builders.h"

namespace mlir::autoglm {
/// Whether a block of `rows` x `k` by `k` x `columns` is whole AMX tiles:
/// rows and columns multiples of 16, K of 32 (a tile row of 64 bytes).
bool isWholeAmxBf16Block(int64_t rows, int64_t k, int64_t columns);

/// Adds the product of the bf16 block `a` ([1,] M x K, unit inner stride)
/// and `pairs` (packBf16Pairs's layout, [1,] K/2 x 2N) to the f32 block `c`
/// ([1,] M x N) on AMX tiles: 16 x 16 f32 accumulator tiles in blocks of
/// 2 x 2 (one tile high or wide at an odd end), loaded from C, one
/// `amx.tile_mulf` (tdpbf16ps) per accumulator for each 32 values of K,
/// stored back. The block is whole tiles (isWholeAmxBf16Block).
void buildAmxBf16Product(OpBuilder &builder, Location loc, Value a, Value pairs,
                         Value c);
} // namespace mlir::autoglm

#endif // AUTOGLM_LIB_TARGET_CPU_AMXBF16KERNEL_H
