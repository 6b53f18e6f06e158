//===- WeightPanels.h - a streamed weight read panel by panel ---*- C++ -*-===//
//
// Internal to lib/Target/CPU: a product of few rows (a decoder step's,
// at most two register tiles high; ContractionTiles.h, streamsWeight)
// reads each element of its weight from memory once, so its speed is how
// fast B streams from memory. Read
// in place, a register tile's column of B is one short piece of every row,
// rows N apart: a K block of 32 rows read along N is 32 streams at once,
// more than the hardware prefetchers follow. Packed at compile time into
// column panels (PermutedConstant.h, packColumnPanels), one register tile
// wide, each panel's rows are consecutive: a block's product is a loop
// over its panels, each one K x nr product reading one sequential stream.
// On the 2-core AMD EPYC (AVX2) a 768 x 3072 matrix-vector product read
// its weight 2.3x faster so, in a C loop written to measure it
// (docs/decisions.md). Since the panels stream however narrow a block is,
// the blocks are narrow enough for many threads (ContractionTiles.h,
// kStreamBlocks).
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_LIB_TARGET_CPU_WEIGHTPANELS_H
#define AUTOGLM_LIB_TARGET_CPU_WEIGHTPANELS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::autoglm {
/// The panels made so far, per weight constant and block width: the
/// products of one weight share them.
using WeightPanelCache = DenseMap<std::pair<Operation *, int64_t>, Value>;

/// Whether `b`, a product's B on tensors before tiling, is a weight that
/// multiplyByWeightPanels packs: a constant that is not a splat, or the
/// argument of a fused region that only one op reads and whose operand
/// is such a constant.
bool isPackableWeight(Value b);

/// `weight` (a constant that is not a splat, or the argument of a fused
/// region that only one op reads and whose operand is such a constant)
/// rearranged at compile time by `rearrange` (PermutedConstant.h), as a
/// value in `weight`'s scope: a new constant beside the old one, which the
/// region then reads instead (the old one goes when nothing else reads it;
/// a direct use of it is the caller's to replace). Null, changing nothing,
/// when `weight` is not such a constant or `rearrange` gives null.
Value rearrangeWeight(RewriterBase &rewriter, Value weight,
                      function_ref<TypedAttr(Attribute)> rearrange);

/// The leading `type`-shaped part of `source` (offsets 0, unit strides): a
/// product's operand read out of a buffer with longer rows (a weight
/// padded apart by padConstantRows, a convolution's column panel).
Value leadingSlice(OpBuilder &b, Location loc, Value source,
                   RankedTensorType type);

/// Rewrites `block`, one cache block of a product of few rows on tensors
/// (a `linalg.matmul` of f32 whose B is a column block of a constant
/// weight, or of a fused region's argument that is one and that only
/// this block reads), into an `scf.for` over the block's column panels
/// of `panelColumns` columns: each a `linalg.matmul` of the block's rows
/// by a K x panelColumns slice of the weight packed into panels (its last
/// one narrower where the block's width is no multiple), written into the
/// panel's columns of the block's accumulator. A zero fill of the
/// accumulator moves into the loop, onto each panel's columns. The
/// region reads the packed weight instead, and the weight goes when
/// nothing else reads it. With `sliceRows` (a divisor of K, less than K),
/// the panel loop runs once per slice of K of that many rows, in a loop
/// over the slices, each panel's product then of the slice's rows of A and
/// of the panel, accumulating into the block (its zero fill stays before
/// the slices). Fails, changing nothing, when `block` is not such a
/// product.
LogicalResult multiplyByWeightPanels(RewriterBase &rewriter,
                                     linalg::MatmulOp block,
                                     int64_t panelColumns,
                                     WeightPanelCache &cache,
                                     int64_t sliceRows = 0);
} // namespace mlir::autoglm

#endif // AUTOGLM_LIB_TARGET_CPU_WEIGHTPANELS_H
