//===- ContractionEpilogue.h - work on a product's cache blocks -*- C++ -*-===//
//
// Internal to lib/Target/CPU: TileAndVectorizeContractions.cpp tiles a matmul
// into cache blocks; these helpers move the zero fill before it and the
// elementwise epilogue after it (the tail of an autoglm.fused "contraction",
// lowered to one generic that updates the product in place) into the same
// blocks, so each block of the output is filled, accumulated and finished
// while it is in cache: one pass over the output instead of three.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_LIB_TARGET_CPU_CONTRACTIONEPILOGUE_H
#define AUTOGLM_LIB_TARGET_CPU_CONTRACTIONEPILOGUE_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::autoglm {

/// The ops right before and after a matmul on buffers that only touch its
/// output: `linalg.fill` of the output, and an all-parallel generic that
/// updates the output in place (identity map, not reading it otherwise).
/// Either may be null.
struct ContractionNeighbours {
  linalg::FillOp fill;
  linalg::GenericOp epilogue;
};
ContractionNeighbours findContractionNeighbours(linalg::LinalgOp contraction);

/// Moves the neighbours into the cache-block loop `blocks` of their matmul,
/// whose parallel dimensions ([b,] m, n) are tiled by `parallelTiles` (0: not
/// tiled); the fill before the block's accumulation, the epilogue after it.
void moveIntoCacheBlocks(RewriterBase &rewriter, const ContractionNeighbours &ops,
                         scf::ParallelOp blocks, ArrayRef<int64_t> parallelTiles);

} // namespace mlir::autoglm

#endif // AUTOGLM_LIB_TARGET_CPU_CONTRACTIONEPILOGUE_H
