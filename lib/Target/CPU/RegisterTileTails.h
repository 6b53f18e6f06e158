//===- RegisterTileTails.h - a tail on register tiles ----------*- C++ -*-===//
//
// Internal to lib/Target/CPU (--autoglm-tile-and-vectorize-contractions). A
// kernel region's block ends with its tail (bias, activation, residual) as
// one elementwise generic that updates the product's block in place
// (docs/decisions.md, "Contraction epilogues"). Run after the product, it
// stores every register tile's accumulators, then reads the whole block back
// (from L2: a 64 x 224 block is 56 KB), applies the tail and stores it
// again. Here the tail is cut to each register tile instead and placed right
// after the tile's K loop, where the tile's accumulators are still in
// registers: forwarded there, they take the tail before their only store.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_LIB_TARGET_CPU_REGISTERTILETAILS_H
#define AUTOGLM_LIB_TARGET_CPU_REGISTERTILETAILS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::autoglm {
/// The tail that may run on `product`'s register tiles: the elementwise
/// generic right after it whose only output is, in place and read at the
/// same element, the product's float accumulator (a buffer). Its inputs may
/// be read at any projection of the output's indices (a bias per row or
/// column, a residual, a scalar); its body holds arith and math ops only.
/// Null if there is none.
linalg::GenericOp registerTileTail(linalg::LinalgOp product);

/// Places a tile of `tail` after the K loop of each of `tiles` (every
/// register tile cut from its product, each a K = 1 slice whose parent loop
/// runs over all of K: the caller leaves out products cut into K blocks,
/// whose accumulators are partial sums) and erases `tail`; returns the
/// tiles of the tail. Changes nothing and returns an empty list when one of
/// the tiles cannot take it: its parent is no loop, or its offsets in the
/// tail's output are not known outside its K loop.
SmallVector<linalg::GenericOp>
tileTailOnRegisterTiles(RewriterBase &rewriter, linalg::GenericOp tail,
                        ArrayRef<linalg::LinalgOp> tiles);

/// Store-to-load forwarding for the tails' pieces: a vector written and
/// then read back unchanged from the same view, with only side-effect-free
/// ops and reads between, is used directly; the write goes when the same
/// place is written again next and nothing between may read it (reads of
/// a constant, or of the workspace's other buffers, cannot).
void forwardStoresToTails(RewriterBase &rewriter, Operation *root);

/// A per-row bias of a register tile, read as a broadcast along the rows
/// then transposed, as a broadcast of a column instead (one broadcast a
/// row); added to the patterns that lower the tiles' vectors.
void populateTailBroadcastPatterns(RewritePatternSet &patterns);
} // namespace mlir::autoglm

#endif // AUTOGLM_LIB_TARGET_CPU_REGISTERTILETAILS_H
