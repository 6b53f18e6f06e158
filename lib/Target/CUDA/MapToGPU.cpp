//===- MapToGPU.cpp - --autoglm-cuda-map-to-gpu ---------------------------===//
//
// The host keeps only buffer bookkeeping; every computation runs in a
// kernel. A parallel loop nest is flattened onto one grid dimension (the
// grid's x dimension takes up to 2^31 - 1 blocks, enough for any tensor
// that fits on a GPU) rather than mapped dimension by dimension, so that
// a loop of any rank fills whole blocks and neighbouring threads touch
// neighbouring elements.
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CUDA/Passes.h"

#include "WarpRows.h"

#include "autoglm/Dialect/AutoGLM.h"

#include "mlir/Dialect/GPU/Utils/GPUUtils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMCUDAMAPTOGPU
#include "autoglm/Target/CUDA/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {
/// Operations that stay on the host: they name buffers or sizes, move whole
/// contiguous buffers, or call a library (which launches its own kernels),
/// and compute nothing themselves.
bool staysOnHost(Operation *op) {
  if (isa<memref::AllocOp, memref::AllocaOp, memref::DeallocOp,
          memref::GetGlobalOp, memref::CopyOp, arith::ConstantOp, gpu::LaunchOp,
          autoglm::GemmOp, autoglm::DnnConvOp>(op) ||
      op->hasTrait<OpTrait::IsTerminator>())
    return true;
  // Views (memref.view, subview, reshapes, casts, transposes) only compute
  // an address.
  return (isa<ViewLikeOpInterface>(op) || isa<memref::TransposeOp>(op)) &&
         isPure(op);
}

/// The buffer a memref views (through subviews, reshapes, casts, views).
Value rootOf(Value value) {
  while (auto view = value.getDefiningOp<ViewLikeOpInterface>())
    value = view.getViewSource();
  return value;
}

/// True when `op` may write memory that `root` (a buffer) is part of, or
/// writes somewhere it does not say.
bool mayWrite(Operation *op, Value root) {
  SmallVector<Value> written;
  return !collectWrittenBuffers(op, written) ||
         llvm::any_of(written, [&](Value w) { return rootOf(w) == root; });
}

/// Scalars read on the host for a computation (a Range's start and delta,
/// the arithmetic on them) are device data: each is recomputed inside the
/// operations that use it, right before its use, so that no kernel has to
/// hand a scalar to another. Only when every use is inside a later
/// computation, and, for a load, nothing in between writes its buffer.
void sinkScalarsIntoUsers(Block &block) {
  SmallVector<Operation *> candidates;
  for (Operation &op : llvm::reverse(block))
    candidates.push_back(&op);
  for (Operation *op : candidates) {
    auto load = dyn_cast<memref::LoadOp>(op);
    bool pure = isPure(op) && op->getNumRegions() == 0 &&
                !op->hasTrait<OpTrait::ConstantLike>() &&
                !isa<ViewLikeOpInterface>(op);
    if ((!load && !pure) || op->use_empty())
      continue;
    Operation *last = nullptr;
    bool sinkable = llvm::all_of(op->getUsers(), [&](Operation *user) {
      Operation *top = block.findAncestorOpInBlock(*user);
      if (!top || top == user)
        return false;
      if (!last || last->isBeforeInBlock(top))
        last = top;
      return true;
    });
    if (!sinkable)
      continue;
    if (load) {
      Value root = rootOf(load.getMemRef());
      for (Operation *between = op->getNextNode();
           between != last->getNextNode(); between = between->getNextNode())
        if (mayWrite(between, root)) {
          sinkable = false;
          break;
        }
      if (!sinkable)
        continue;
    }
    for (OpOperand &use : llvm::make_early_inc_range(op->getUses())) {
      OpBuilder b(use.getOwner());
      Operation *clone = b.clone(*op);
      use.set(clone->getResult(cast<OpResult>(use.get()).getResultNumber()));
    }
    op->erase();
  }
}

/// A buffer allocated inside a loop (the scratch of ops fused into one
/// kernel) becomes the thread's private memory: an alloca in the kernel,
/// not a device-side malloc from the small default heap.
LogicalResult allocateScratchPrivately(func::FuncOp function) {
  SmallVector<memref::AllocOp> allocs;
  function.walk([&](memref::AllocOp alloc) {
    if (alloc->getParentOp() != function)
      allocs.push_back(alloc);
  });
  for (memref::AllocOp alloc : allocs) {
    if (!alloc.getType().hasStaticShape())
      return alloc.emitError("a kernel's scratch buffer needs a static shape");
    OpBuilder b(alloc);
    auto alloca = memref::AllocaOp::create(b, alloc.getLoc(), alloc.getType(),
                                           alloc.getAlignmentAttr());
    for (Operation *user : llvm::make_early_inc_range(alloc->getUsers()))
      if (isa<memref::DeallocOp>(user))
        user->erase();
    alloc.replaceAllUsesWith(alloca.getResult());
    alloc.erase();
  }
  return success();
}

constexpr int64_t kWarpSize = 32;
/// A reduction loop shorter than this stays whole in each thread: split
/// over a warp, most lanes would idle.
constexpr int64_t kMinSplitTrips = 64;

/// A one-row kernel's warp also takes the elementwise loop after its
/// reduction (a one-row RMSNormalization's normalize after its sum of
/// squares) up to this many iterations, each lane running 1/32 of them:
/// a launch of its own costs more than that (about 2 us on an H200).
constexpr int64_t kMaxJoinedIterations = 2048;

/// Independent parallel loops share a launch when each has at most this
/// many iterations (4 blocks): above it the launch is a small part of the
/// loop's time, and a shared kernel takes the larger body's registers.
constexpr int64_t kMaxSharedLaunchIterations = 1024;

/// Warps (iterations) per block when each iteration has its own warp: up
/// to 8, fewer when the grid would otherwise have too few blocks to give
/// each of an H100/H200's 132 multiprocessors two.
int64_t warpsPerBlock(int64_t iterations) {
  int64_t warps = 8;
  while (warps > 1 && (iterations + warps - 1) / warps < 2 * 132)
    warps /= 2;
  return warps;
}

struct MapToGPUPass : autoglm::impl::AutoGLMCUDAMapToGPUBase<MapToGPUPass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp function = getOperation();
    if (function.isExternal())
      return;
    if (failed(allocateScratchPrivately(function)))
      return signalPassFailure();
    sinkScalarsIntoUsers(function.getBody().front());
    // Runs of consecutive device operations; a parallel loop is a run of
    // its own.
    SmallVector<SmallVector<Operation *>> runs;
    bool extend = false;
    for (Operation &op : function.getBody().front()) {
      if (staysOnHost(&op)) {
        extend = false;
        continue;
      }
      bool parallel = isa<scf::ParallelOp>(op);
      if (!extend || parallel)
        runs.emplace_back();
      runs.back().push_back(&op);
      extend = !parallel;
    }
    joinRowLoops(runs);
    groupIndependentLoops(runs);
    for (ArrayRef<Operation *> run : runs) {
      // A run is sequential ops (maybe with the loop joinRowLoops added),
      // one parallel loop, or independent loops (groupIndependentLoops).
      auto loop = dyn_cast<scf::ParallelOp>(run.front());
      LogicalResult mapped = success();
      if (!loop || loop.getNumResults() != 0)
        mapped = mapSequential(run);
      else if (run.size() == 1)
        mapped = mapParallelLoop(loop);
      else
        mapped = mapIndependentLoops(run);
      if (failed(mapped))
        return signalPassFailure();
    }
    // Launches built before this pass (the decode-attention kernels) have
    // lost their constants to the host since, to the canonicalizer and
    // CSE: back in, so that the kernels' parameters stay buffers.
    function.walk([](gpu::LaunchOp launch) { sinkConstants(launch); });
  }

private:
  /// A run that one warp computes (it reduces a row: a one-row
  /// normalization's statistic) takes the short parallel loop right after
  /// it (what normalizes the row by that statistic) into its kernel, the
  /// loop's iterations round-robin over the lanes: one launch, not two.
  /// Only pure host ops (constants, views) may lie between them; they move
  /// before the run.
  static void joinRowLoops(SmallVectorImpl<SmallVector<Operation *>> &runs) {
    for (size_t i = 0; i + 1 < runs.size(); ++i) {
      SmallVector<Operation *> &run = runs[i];
      auto loop = dyn_cast<scf::ParallelOp>(runs[i + 1].front());
      if (isa<scf::ParallelOp>(run.front()) || !loop ||
          loop.getNumResults() != 0 ||
          !canSplitOverWarp(run.front()->getIterator(),
                            std::next(run.back()->getIterator()),
                            kMinSplitTrips))
        continue;
      std::optional<int64_t> trips = tripCount(loop);
      if (!trips || *trips > kMaxJoinedIterations)
        continue;
      if (!hoistPureHostOps(opsBetween(run.back(), loop), run.front()))
        continue;
      if (!canSplitOverWarp(run.front()->getIterator(),
                            std::next(loop->getIterator()), kMinSplitTrips))
        continue;
      run.push_back(loop);
      runs.erase(runs.begin() + i + 1);
    }
  }

  /// Moves `ops` (pure host ops: constants, views) before `before`; false,
  /// moving nothing, when one of them is not such an op.
  static bool hoistPureHostOps(ArrayRef<Operation *> ops, Operation *before) {
    if (!llvm::all_of(ops, [](Operation *op) {
          return staysOnHost(op) && isPure(op) && op->getNumRegions() == 0;
        }))
      return false;
    for (Operation *op : ops)
      op->moveBefore(before);
    return true;
  }

  /// The ops strictly between `first` and `last`, in order.
  static SmallVector<Operation *> opsBetween(Operation *first,
                                             Operation *last) {
    SmallVector<Operation *> between;
    for (Operation *op = first->getNextNode(); op != last;
         op = op->getNextNode())
      between.push_back(op);
    return between;
  }

  /// A parallel loop that may share a launch with others: constant bounds,
  /// few iterations, no results, one thread per iteration (not a warp per
  /// row).
  static bool sharesLaunch(scf::ParallelOp loop) {
    Block *body = loop.getBody();
    std::optional<int64_t> trips = tripCount(loop);
    return loop.getNumResults() == 0 && trips &&
           *trips <= kMaxSharedLaunchIterations &&
           !canSplitOverWarp(body->begin(),
                             body->getTerminator()->getIterator(),
                             kMinSplitTrips);
  }

  /// True when `a` and `b` may run in either order, or at once: neither
  /// writes what the other reads or writes.
  static bool independent(Operation *a, Operation *b) {
    SmallVector<Value> readA, writtenA, readB, writtenB;
    if (!collectReadBuffers(a, readA) || !collectWrittenBuffers(a, writtenA) ||
        !collectReadBuffers(b, readB) || !collectWrittenBuffers(b, writtenB))
      return false;
    auto disjoint = [](ArrayRef<Value> xs, ArrayRef<Value> ys) {
      return llvm::all_of(xs, [&](Value x) {
        return llvm::all_of(ys,
                            [&](Value y) { return provablyDisjoint(x, y); });
      });
    };
    return disjoint(writtenA, readB) && disjoint(writtenA, writtenB) &&
           disjoint(readA, writtenB);
  }

  /// Parallel loops in a row that do not depend on each other (a decoder
  /// layer's rotary embeddings of Q and of K, which read the same tables
  /// and write different tensors) share one launch, each its own blocks:
  /// at small sizes a launch costs more than the work (about 2 us on an
  /// H200). Only pure host ops may lie between them; they move before the
  /// first.
  static void
  groupIndependentLoops(SmallVectorImpl<SmallVector<Operation *>> &runs) {
    for (size_t i = 0; i + 1 < runs.size();) {
      SmallVector<Operation *> &group = runs[i];
      auto first = dyn_cast<scf::ParallelOp>(group.front());
      auto next = dyn_cast<scf::ParallelOp>(runs[i + 1].front());
      if (!first || !next || runs[i + 1].size() != 1 ||
          !llvm::all_of(group,
                        [](Operation *op) {
                          return sharesLaunch(cast<scf::ParallelOp>(op));
                        }) ||
          !sharesLaunch(next) ||
          !llvm::all_of(group,
                        [&](Operation *op) { return independent(op, next); }) ||
          !hoistPureHostOps(opsBetween(group.back(), next), group.front())) {
        ++i;
        continue;
      }
      group.push_back(next);
      runs.erase(runs.begin() + i + 1);
    }
  }

  /// A launch at `loc` of `blocks` x `threads`, inserted before `before`,
  /// with the insertion point left inside its body.
  gpu::LaunchOp createLaunch(OpBuilder &b, Location loc, int64_t blocks,
                             int64_t threads) {
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    Value gridX = arith::ConstantIndexOp::create(b, loc, blocks);
    Value blockX = arith::ConstantIndexOp::create(b, loc, threads);
    auto launch =
        gpu::LaunchOp::create(b, loc, gridX, one, one, blockX, one, one);
    b.setInsertionPointToEnd(&launch.getBody().front());
    gpu::TerminatorOp::create(b, loc);
    b.setInsertionPointToStart(&launch.getBody().front());
    return launch;
  }

  /// Clones into `launch` the constants its body uses from outside, so the
  /// kernel's parameters are buffers only.
  static void sinkConstants(gpu::LaunchOp launch) {
    (void)sinkOperationsIntoLaunchOp(launch, [](Operation *op) {
      return op->hasTrait<OpTrait::ConstantLike>();
    });
  }

  LogicalResult mapParallelLoop(scf::ParallelOp loop) {
    Location loc = loop.getLoc();
    std::optional<int64_t> trips = tripCount(loop);
    if (!trips)
      return loop.emitError("a GPU kernel needs static loop bounds");
    int64_t total = *trips;
    if (total == 0) {
      loop.erase();
      return success();
    }
    // An iteration that reduces a long row gets a warp of its own.
    Block *body = loop.getBody();
    bool warpPerIteration = canSplitOverWarp(
        body->begin(), body->getTerminator()->getIterator(), kMinSplitTrips);
    int64_t iterationsPerBlock = std::min<int64_t>(blockSize, total);
    if (warpPerIteration)
      iterationsPerBlock = warpsPerBlock(total);
    int64_t threads =
        warpPerIteration ? iterationsPerBlock * kWarpSize : iterationsPerBlock;
    int64_t blocks = (total + iterationsPerBlock - 1) / iterationsPerBlock;
    if (blocks > std::numeric_limits<int32_t>::max())
      return loop.emitError("the loop has too many iterations for one grid");

    OpBuilder b(loop);
    gpu::LaunchOp launch = createLaunch(b, loc, blocks, threads);
    // linear = blockIdx.x * iterationsPerBlock + the thread's (or its
    // warp's) index in the block; beyond the end, nothing. With a warp per
    // iteration the check is the same for all lanes of a warp.
    Value within = launch.getThreadIds().x, lane;
    if (warpPerIteration) {
      Value warp = arith::ConstantIndexOp::create(b, loc, kWarpSize);
      lane = arith::RemUIOp::create(b, loc, within, warp);
      within = arith::DivUIOp::create(b, loc, within, warp);
    }
    Value linear = arith::AddIOp::create(
        b, loc,
        arith::MulIOp::create(
            b, loc, launch.getBlockIds().x,
            arith::ConstantIndexOp::create(b, loc, iterationsPerBlock)),
        within);
    Value inBounds =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, linear,
                              arith::ConstantIndexOp::create(b, loc, total));
    auto guard = scf::IfOp::create(b, loc, inBounds, /*withElse=*/false);
    b.setInsertionPointToStart(&guard.getThenRegion().front());
    IRMapping mapping;
    mapLinearIndexToLoop(b, loc, loop, linear, mapping);
    Operation *firstCloned = nullptr;
    for (Operation &op : body->without_terminator()) {
      Operation *clone = b.clone(op, mapping);
      if (!firstCloned)
        firstCloned = clone;
    }
    if (warpPerIteration && firstCloned)
      splitOverWarp(
          firstCloned->getIterator(),
          guard.getThenRegion().front().getTerminator()->getIterator(), lane,
          kMinSplitTrips);
    loop.erase();
    sinkConstants(launch);
    return success();
  }

  /// Independent parallel loops (groupIndependentLoops) as one launch of
  /// `blockSize`-thread blocks: loop i takes the blocks from its start on,
  /// each loop starting at a new block, so that a block runs one body.
  LogicalResult mapIndependentLoops(ArrayRef<Operation *> loops) {
    Location loc = loops.front()->getLoc();
    SmallVector<int64_t> firstBlock, trips;
    int64_t blocks = 0;
    for (Operation *op : loops) {
      firstBlock.push_back(blocks);
      trips.push_back(*tripCount(cast<scf::ParallelOp>(op)));
      blocks += llvm::divideCeil(trips.back(), blockSize);
    }
    if (blocks > std::numeric_limits<int32_t>::max())
      return loops.front()->emitError(
          "the loops have too many iterations for one grid");
    OpBuilder b(loops.front());
    gpu::LaunchOp launch = createLaunch(b, loc, blocks, blockSize);
    Value block = launch.getBlockIds().x;
    for (auto [op, first, count] : llvm::zip(loops, firstBlock, trips)) {
      auto loop = cast<scf::ParallelOp>(op);
      // The iteration of this thread in loop i: (block - first) * size +
      // thread, when block >= first and it is below the trip count.
      Value fromFirst = arith::SubIOp::create(
          b, loc, block, arith::ConstantIndexOp::create(b, loc, first));
      Value linear = arith::AddIOp::create(
          b, loc,
          arith::MulIOp::create(
              b, loc, fromFirst,
              arith::ConstantIndexOp::create(b, loc, blockSize)),
          launch.getThreadIds().x);
      Value started =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, block,
                                arith::ConstantIndexOp::create(b, loc, first));
      Value inLoop = arith::AndIOp::create(
          b, loc, started,
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, linear,
                                arith::ConstantIndexOp::create(b, loc, count)));
      auto guard = scf::IfOp::create(b, loc, inLoop, /*withElse=*/false);
      OpBuilder inside = OpBuilder::atBlockTerminator(guard.thenBlock());
      IRMapping mapping;
      mapLinearIndexToLoop(inside, loc, loop, linear, mapping);
      for (Operation &bodyOp : loop.getBody()->without_terminator())
        inside.clone(bodyOp, mapping);
      loop.erase();
    }
    sinkConstants(launch);
    return success();
  }

  LogicalResult mapSequential(ArrayRef<Operation *> run) {
    // Whatever the run computes must stay inside it.
    for (Operation *op : run)
      for (Value result : op->getResults())
        for (Operation *user : result.getUsers())
          if (!llvm::is_contained(
                  run, user->getBlock()->findAncestorOpInBlock(*user)))
            return op->emitError("computes a value the host needs; the GPU "
                                 "target cannot run it");
    Location loc = run.front()->getLoc();
    // A reduction of a whole tensor to a scalar gets a warp.
    bool warp =
        canSplitOverWarp(run.front()->getIterator(),
                         std::next(run.back()->getIterator()), kMinSplitTrips);
    OpBuilder b(run.front());
    gpu::LaunchOp launch = createLaunch(b, loc, 1, warp ? kWarpSize : 1);
    Operation *terminator = launch.getBody().front().getTerminator();
    for (Operation *op : run)
      op->moveBefore(terminator);
    if (warp)
      splitOverWarp(run.front()->getIterator(), terminator->getIterator(),
                    launch.getThreadIds().x, kMinSplitTrips);
    sinkConstants(launch);
    return success();
  }
};
} // namespace
