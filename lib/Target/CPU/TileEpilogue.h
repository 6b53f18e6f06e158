//===- TileEpilogue.h - a product's tail on its register tiles --*- C++ -*-===//
//
// Internal to lib/Target/CPU: a kernel region's cache block ends with the
// product's tail (bias, activation, residual: the all-parallel generic that
// TileKernelRegions.cpp leaves updating the block's C in place). Run after
// the product as a pass of its own over the block, the tail reads every
// element of C back (a 64 x 224 block is 57 KB, more than Zen 4's 32 KB
// L1) and stores it again. --autoglm-tile-and-vectorize-contractions
// instead applies it to each register tile's accumulator in registers,
// right before the tile's one store (in the last K block, where K is cut
// into several), and the tail goes.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_LIB_TARGET_CPU_TILEEPILOGUE_H
#define AUTOGLM_LIB_TARGET_CPU_TILEEPILOGUE_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::autoglm {
/// The tail of `product`, a matrix product on buffers before its tiling:
/// the first op after it that touches memory, if that is an all-parallel
/// `linalg.generic` over C's dimensions that updates C in place (its one
/// init, read through the identity map) with an elementwise body, whose
/// inputs are other buffers indexed by projected permutations (a row's or
/// column's bias, a residual of C's shape, scalars). Null otherwise.
linalg::GenericOp tailOf(linalg::LinalgOp product);

/// A product's tail, C, and the last op before the product that touches
/// memory (null if none in its block): tiling puts the product's loops
/// between it and the tail.
struct ProductTail {
  Value c;
  linalg::GenericOp tail;
  Operation *before;
};

/// Applies `tail` (tailOf's) to each register tile that writes `c`, the
/// product's C, on the tile's accumulator right before its store: the
/// tiles were vectorized and their accumulators hoisted out of their K
/// loops, so each tile ends in one `vector.transfer_write` of a whole tile
/// view of `c` (or, for a column computed as dot products along K, one
/// `memref.store` per element, which takes the tail on its scalar). Where
/// K is cut into blocks (`kBlocksAttr` on the loop), only the last block's
/// store takes the tail. The lines of inputs read as whole tiles (a
/// residual) are prefetched before the tile's K loop. Erases `tail`.
/// Fails, changing nothing, where anything else between `before` and the
/// tail writes `c` (a tile left as loops).
LogicalResult fuseTailIntoTiles(RewriterBase &rewriter,
                                const ProductTail &product,
                                StringRef kBlocksAttr);
} // namespace mlir::autoglm

#endif // AUTOGLM_LIB_TARGET_CPU_TILEEPILOGUE_H
