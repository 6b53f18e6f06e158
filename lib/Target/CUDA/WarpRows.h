//===- WarpRows.h - one warp per iteration of a row kernel ------*- C++ -*-===//
//
// A kernel whose iterations each reduce a long row (a softmax, a LayerNorm,
// a ReduceMean) is slow with one thread per iteration: each thread walks
// its row alone, and its neighbours' loads are a row apart. With one warp
// per iteration, the 32 lanes split each reduction loop and combine their
// partial results with shuffles, and split the loops that write the row.
//
// The split applies to the body of one iteration (`body`, executed by all
// 32 lanes of a warp with the same iteration indices):
// - A reduction loop, `scf.for` whose body loads an accumulator, combines
//   one value into it (add, mul, max, min) and stores it back, runs from
//   `lane` with a step 32 times its own, accumulating in a register; the
//   lanes' partial results are combined by a butterfly of shuffles, and
//   folded into the accumulator: by every lane into its private copy, or by
//   lane 0 alone into device memory.
// - A nested parallel loop that writes device memory and not private
//   memory runs its iterations round-robin over the lanes.
// - A write of device memory that every lane would repeat (the same value:
//   a reduction's accumulator set to its start, a one-row kernel's result)
//   runs on lane 0 alone, between warp barriers.
// - Whatever else the body holds runs on every lane alike: the scalar
//   arithmetic, and the loops that write only the thread's private scratch
//   (every lane then holds the whole scratch).
// A lane's write to device memory is followed by a warp barrier before any
// lane reads it.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_TARGET_CUDA_WARPROWS_H
#define AUTOGLM_TARGET_CUDA_WARPROWS_H

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Block.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Operation.h"
#include "mlir/IR/Value.h"

namespace mlir::autoglm {
/// Appends to `written` the buffers that `op` and the ops inside it write;
/// false when some write does not say which buffer.
bool collectWrittenBuffers(Operation *op, SmallVectorImpl<Value> &written);
/// Appends to `read` the buffers that `op` and the ops inside it read;
/// false when some read does not say which buffer.
bool collectReadBuffers(Operation *op, SmallVectorImpl<Value> &read);
/// True when `a` and `b` (memrefs) cannot share an element: different
/// buffers, or disjoint views of one (the arena's planned intermediates,
/// views at constant byte offsets).
bool provablyDisjoint(Value a, Value b);
/// The iterations of `loop`, when its bounds are constants.
std::optional<int64_t> tripCount(scf::ParallelOp loop);
/// Maps the induction variables of `loop` (constant bounds) to the
/// iteration with linear index `linear`, the innermost dimension varying
/// fastest, with ops built at `b`'s insertion point.
void mapLinearIndexToLoop(OpBuilder &b, Location loc, scf::ParallelOp loop,
                          Value linear, IRMapping &mapping);

/// True when the ops `[begin, end)` (one iteration's body, run alike by the
/// lanes of a warp) can be split over a warp as above, and it pays: some
/// reduction loop of at least `minTripCount` iterations is split.
bool canSplitOverWarp(Block::iterator begin, Block::iterator end,
                      int64_t minTripCount);

/// Splits the ops `[begin, end)` over the lanes of a warp, `lane` being the
/// lane's index (0-31). Only for ops that canSplitOverWarp accepts with the
/// same `minTripCount`.
void splitOverWarp(Block::iterator begin, Block::iterator end, Value lane,
                   int64_t minTripCount);
} // namespace mlir::autoglm

#endif // AUTOGLM_TARGET_CUDA_WARPROWS_H
