//===- CoarsenElementwise.cpp - --autoglm-cuda-coarsen-elementwise --------===//
//
// An elementwise kernel with one iteration per thread moves 2 bytes per
// thread per f16 tensor: a warp's request is 64 bytes, and the memory
// system needs several times more in flight to reach its bandwidth (on
// ResNet-50 at batch 32 the bias + ReLU kernels ran at about 40% of it).
// Here each thread takes 16 bytes' worth of consecutive iterations of the
// innermost loop, its body repeated op by op, and the loads and stores of
// consecutive elements become vector loads and stores that say their
// alignment: one 16-byte access each (ld.global.v4). Left to LLVM, the
// scalar loads are paired by its SLP vectorizer for f16 arithmetic first
// and never merged further, and bare kernel pointers tell it no alignment.
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CUDA/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <functional>

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMCUDACOARSENELEMENTWISE
#include "autoglm/Target/CUDA/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;

namespace {
constexpr int64_t kAccessBytes = 16;
/// More iterations per thread would leave small tensors with too few
/// threads, for no wider access.
constexpr int64_t kMaxIterationsPerThread = 8;
/// Inner loops of fewer iterations than this (a pooling window) are
/// repeated with the body; longer ones are a row's reduction, which
/// --autoglm-cuda-map-to-gpu gives a warp (WarpRows.cpp) from 64 on.
constexpr int64_t kMaxInnerIterations = 64;

/// The inner loops a coarsened body may hold: `scf.for` without results,
/// of a constant trip count.
std::optional<int64_t> innerTripCount(Operation &op) {
  auto loop = dyn_cast<scf::ForOp>(op);
  if (!loop || loop.getNumResults() != 0)
    return std::nullopt;
  std::optional<int64_t> lower = getConstantIntValue(loop.getLowerBound()),
                         upper = getConstantIntValue(loop.getUpperBound()),
                         step = getConstantIntValue(loop.getStep());
  if (!lower || !upper || !step || *step <= 0)
    return std::nullopt;
  return std::max<int64_t>(0, llvm::divideCeil(*upper - *lower, *step));
}

/// True when `loop`'s body is straight-line code, or holds only short
/// loops without results around straight-line code (a pooling window):
/// the bodies this pass may coarsen. A row kernel's reduction loops (64
/// iterations or more) are left as they are for map-to-gpu's warp rows.
bool hasSimpleBody(scf::ParallelOp loop) {
  std::function<bool(Block &, int64_t)> simple = [&](Block &block,
                                                     int64_t trips) {
    return llvm::all_of(block.without_terminator(), [&](Operation &op) {
      if (op.getNumRegions() == 0)
        return true;
      std::optional<int64_t> innerTrips = innerTripCount(op);
      return innerTrips && trips * *innerTrips < kMaxInnerIterations &&
             simple(*cast<scf::ForOp>(op).getBody(), trips * *innerTrips);
    });
  };
  return simple(*loop.getBody(), 1);
}

/// True when `index` takes the same value in every iteration of `loop`'s
/// innermost loop `iv`: it is defined outside the loop, is one of the
/// other induction variables, or is computed inside by pure operations from
/// such values (a subview's offset folded in, `%i + 1`).
bool isInvariantAlong(Value index, Value iv, scf::ParallelOp loop) {
  if (index == iv)
    return false;
  Operation *def = index.getDefiningOp();
  if (!def)
    return true;
  if (!loop->isAncestor(def))
    return true;
  return isPure(def) && llvm::all_of(def->getOperands(), [&](Value operand) {
           return isInvariantAlong(operand, iv, loop);
         });
}

/// Consecutive iterations of `loop`'s innermost loop one thread should
/// take: 1 unless the body is simple (`hasSimpleBody`) with loads, pure
/// ops and stores, each store writing along that loop with unit stride.
int64_t iterationsPerThread(scf::ParallelOp loop) {
  if (loop.getNumResults() != 0)
    return 1;
  unsigned inner = loop.getNumLoops() - 1;
  std::optional<int64_t> lower =
                             getConstantIntValue(loop.getLowerBound()[inner]),
                         upper =
                             getConstantIntValue(loop.getUpperBound()[inner]),
                         step = getConstantIntValue(loop.getStep()[inner]);
  if (!lower || !upper || !step || *step != 1 || *upper <= *lower)
    return 1;
  Value iv = loop.getInductionVars()[inner];
  int64_t count = kMaxIterationsPerThread;
  bool stores = false;
  if (!hasSimpleBody(loop))
    return 1;
  // Every op of the body and of its inner loops (`hasSimpleBody` leaves
  // no other regions).
  WalkResult walk = loop.getBody()->walk([&](Operation *op) {
    if (isa<scf::ForOp>(op) || op->hasTrait<OpTrait::IsTerminator>())
      return WalkResult::advance();
    if (auto store = dyn_cast<memref::StoreOp>(op)) {
      MemRefType type = store.getMemRefType();
      SmallVector<int64_t> strides;
      int64_t offset;
      if (type.getRank() == 0 || store.getIndices().back() != iv ||
          !llvm::all_of(
              store.getIndices().drop_back(),
              [&](Value index) { return isInvariantAlong(index, iv, loop); }) ||
          failed(type.getStridesAndOffset(strides, offset)) ||
          strides.back() != 1)
        return WalkResult::interrupt();
      int64_t bytes = std::max<int64_t>(
          1, llvm::divideCeil(type.getElementTypeBitWidth(), 8));
      count = std::min(count, std::max<int64_t>(1, kAccessBytes / bytes));
      stores = true;
      return WalkResult::advance();
    }
    return isa<memref::LoadOp>(op) || isPure(op) ? WalkResult::advance()
                                                 : WalkResult::interrupt();
  });
  if (walk.wasInterrupted() || !stores)
    return 1;
  // The largest power of two at most `count` that divides the trip count.
  while (count > 1 && (*upper - *lower) % count != 0)
    count /= 2;
  return count;
}

/// True when one thread may read or write the `count` elements of `type`
/// at `indices`, from the innermost index `iv` (a multiple of `count`) on,
/// as one vector at a multiple of its own size: the other indices do not
/// change with `iv` (`isInvariantAlong`), the last stride is 1, and every
/// other stride and the layout's offset are multiples of `count` (each buffer
/// starts at a multiple of 16 bytes: StepTable.cpp checks it). Bytes only: `i1`
/// is no vector element here.
bool isAlignedRun(scf::ParallelOp loop, MemRefType type, ValueRange indices,
                  Value iv, int64_t count) {
  SmallVector<int64_t> strides;
  int64_t offset;
  if (type.getRank() == 0 || indices.back() != iv ||
      type.getElementTypeBitWidth() % 8 != 0 ||
      failed(type.getStridesAndOffset(strides, offset)) ||
      strides.back() != 1 || ShapedType::isDynamic(offset) || offset % count)
    return false;
  for (auto [index, stride] :
       llvm::zip(indices.drop_back(), ArrayRef(strides).drop_back())) {
    if (!isInvariantAlong(index, iv, loop) || ShapedType::isDynamic(stride) ||
        stride % count)
      return false;
  }
  return true;
}

/// Steps `loop`'s innermost loop by `count` and repeats each operation of
/// its body `count` times in place, copy `j` reading the copies `j` of its
/// operands and the induction variable plus `j`; a load or store of
/// consecutive elements becomes one vector access. An inner loop stays one
/// loop, its body repeated the same way. The iterations of a parallel loop
/// are independent, so the reordering is sound.
void coarsen(scf::ParallelOp loop, int64_t count) {
  unsigned inner = loop.getNumLoops() - 1;
  Location loc = loop.getLoc();
  OpBuilder b(loop);
  loop.getStepMutable()[inner].set(
      arith::ConstantIndexOp::create(b, loc, count));
  auto opsOf = [](Block *block) {
    return llvm::map_to_vector(block->without_terminator(),
                               [](Operation &op) { return &op; });
  };
  // Collected before the copies' induction variables are added.
  SmallVector<Operation *> bodyOps = opsOf(loop.getBody());
  b.setInsertionPointToStart(loop.getBody());
  Value iv = loop.getInductionVars()[inner];
  SmallVector<IRMapping> copies(count);
  for (int64_t j = 1; j < count; ++j)
    copies[j].map(
        iv, arith::AddIOp::create(b, loc, iv,
                                  arith::ConstantIndexOp::create(b, loc, j)));
  auto alignment = [&](MemRefType type) {
    return llvm::MaybeAlign(std::min<int64_t>(
        kAccessBytes, count * type.getElementTypeBitWidth() / 8));
  };
  SmallVector<Operation *> replaced;
  SmallVector<std::pair<memref::LoadOp, Value>> firstLanes;
  auto repeatOp = [&](Operation *op) {
    b.setInsertionPointAfter(op);
    auto load = dyn_cast<memref::LoadOp>(op);
    if (load && isAlignedRun(loop, load.getMemRefType(), load.getIndices(), iv,
                             count)) {
      auto type = VectorType::get({count}, load.getType());
      Value vector = vector::LoadOp::create(
          b, loc, type, load.getMemRef(), load.getIndices(),
          /*nontemporal=*/false, alignment(load.getMemRefType()));
      for (int64_t j = 1; j < count; ++j)
        copies[j].map(load.getResult(),
                      vector::ExtractOp::create(b, loc, vector, j));
      // Copy 0 reads the first lane; the original load stays the key of
      // the copies' mappings until every operation is repeated.
      firstLanes.push_back(
          {load, vector::ExtractOp::create(b, loc, vector, 0).getResult()});
      return;
    }
    auto store = dyn_cast<memref::StoreOp>(op);
    if (store && isAlignedRun(loop, store.getMemRefType(), store.getIndices(),
                              iv, count)) {
      SmallVector<Value> elements = {store.getValue()};
      for (int64_t j = 1; j < count; ++j)
        elements.push_back(copies[j].lookupOrDefault(store.getValue()));
      auto type = VectorType::get({count}, store.getValue().getType());
      Value vector = vector::FromElementsOp::create(b, loc, type, elements);
      vector::StoreOp::create(
          b, loc, vector, store.getMemRef(), store.getIndices(),
          /*nontemporal=*/false, alignment(store.getMemRefType()));
      replaced.push_back(store);
      return;
    }
    for (int64_t j = 1; j < count; ++j)
      b.clone(*op, copies[j]);
  };
  std::function<void(ArrayRef<Operation *>)> repeat =
      [&](ArrayRef<Operation *> ops) {
        for (Operation *op : ops) {
          if (auto inner = dyn_cast<scf::ForOp>(op))
            repeat(opsOf(inner.getBody()));
          else
            repeatOp(op);
        }
      };
  repeat(bodyOps);
  for (auto [load, lane] : firstLanes) {
    load.getResult().replaceAllUsesWith(lane);
    load.erase();
  }
  for (Operation *op : replaced)
    op->erase();
}

/// Removes what bufferizing a fused kernel's body leaves behind in it: a
/// one-element buffer allocated to pass a value between two of its ops
/// (each load reads the value last stored), and a store of a value just
/// loaded from the same element with nothing written in between. Both hide
/// the body's real accesses from `iterationsPerThread` (an allocation is
/// not pure) and cost a local-memory round trip or a useless write.
void forwardElementBuffers(Block *body) {
  auto isElementBuffer = [&](memref::AllocOp alloc) {
    MemRefType type = alloc.getType();
    if (!type.hasStaticShape() || type.getNumElements() != 1)
      return false;
    Operation *first = nullptr;
    for (OpOperand &use : alloc->getUses()) {
      Operation *user = use.getOwner();
      auto store = dyn_cast<memref::StoreOp>(user);
      bool access = isa<memref::LoadOp>(user) ||
                    (store && use.get() == store.getMemRef());
      if (!access || user->getBlock() != body)
        return false;
      if (!first || user->isBeforeInBlock(first))
        first = user;
    }
    // Read before written: nothing to forward.
    return first && isa<memref::StoreOp>(first);
  };
  DenseMap<Value, Value> stored;
  for (auto alloc : body->getOps<memref::AllocOp>())
    if (isElementBuffer(alloc))
      stored[alloc] = nullptr;
  for (Operation &op : llvm::make_early_inc_range(*body)) {
    if (auto store = dyn_cast<memref::StoreOp>(op)) {
      auto buffer = stored.find(store.getMemRef());
      if (buffer != stored.end()) {
        buffer->second = store.getValue();
        store.erase();
        continue;
      }
      // A store of the element it was just loaded from.
      auto load = store.getValue().getDefiningOp<memref::LoadOp>();
      if (load && load->getBlock() == body &&
          load.getMemRef() == store.getMemRef() &&
          llvm::equal(load.getIndices(), store.getIndices()) &&
          llvm::all_of(llvm::make_range(std::next(load->getIterator()),
                                        store->getIterator()),
                       [](Operation &between) {
                         return isa<memref::LoadOp>(between) ||
                                isPure(&between);
                       })) {
        store.erase();
        if (load->use_empty())
          load.erase();
      }
      continue;
    }
    if (auto load = dyn_cast<memref::LoadOp>(op)) {
      auto buffer = stored.find(load.getMemRef());
      if (buffer != stored.end()) {
        load.getResult().replaceAllUsesWith(buffer->second);
        load.erase();
      }
    }
  }
  for (auto [buffer, value] : stored)
    buffer.getDefiningOp()->erase();
}

/// The buffer, indices and value type of a load or store, scalar or
/// vector; nothing for other ops.
struct Access {
  Value buffer;
  ValueRange indices;
  Type type;
  bool isStore;
};
std::optional<Access> getAccess(Operation *op) {
  if (auto load = dyn_cast<memref::LoadOp>(op))
    return Access{load.getMemRef(), load.getIndices(), load.getType(), false};
  if (auto store = dyn_cast<memref::StoreOp>(op))
    return Access{store.getMemRef(), store.getIndices(),
                  store.getValue().getType(), true};
  if (auto load = dyn_cast<vector::LoadOp>(op))
    return Access{load.getBase(), load.getIndices(), load.getType(), false};
  if (auto store = dyn_cast<vector::StoreOp>(op))
    return Access{store.getBase(), store.getIndices(),
                  store.getValueToStore().getType(), true};
  return std::nullopt;
}

/// A short reduction loop inside a kernel (a pooling's window) reads and
/// writes its accumulator, the output element, at every iteration: a
/// store to global memory per tap, which LLVM cannot drop because the
/// kernel's other pointers may alias the output. When `loop`'s body stores
/// nothing but that element(s), loaded once before in the body at indices
/// fixed outside the loop and accessed nowhere else in it, the value is
/// carried as an iteration argument instead: loaded before the loop,
/// stored once after it. Returns the new loop, or null.
scf::ForOp keepAccumulatorInRegisters(RewriterBase &rewriter, scf::ForOp loop) {
  Block *body = loop.getBody();
  SmallVector<Operation *> stores;
  WalkResult walk = body->walk([&](Operation *op) {
    std::optional<Access> access = getAccess(op);
    if (access && access->isStore) {
      if (op->getBlock() != body)
        return WalkResult::interrupt();
      stores.push_back(op);
      return WalkResult::advance();
    }
    return access || isa<scf::ForOp, scf::YieldOp>(op) || isPure(op)
               ? WalkResult::advance()
               : WalkResult::interrupt();
  });
  if (walk.wasInterrupted() || stores.size() != 1)
    return nullptr;
  Operation *store = stores.front();
  Access stored = *getAccess(store);
  if (!llvm::all_of(stored.indices, [&](Value index) {
        return loop.isDefinedOutsideOfLoop(index);
      }))
    return nullptr;
  Operation *load = nullptr;
  bool other = false;
  body->walk([&](Operation *op) {
    std::optional<Access> access = getAccess(op);
    if (op == store || !access || access->buffer != stored.buffer)
      return;
    if (!load && op->getBlock() == body &&
        llvm::equal(access->indices, stored.indices) &&
        access->type == stored.type)
      load = op;
    else
      other = true;
  });
  if (other || !load || !load->isBeforeInBlock(store))
    return nullptr;

  rewriter.setInsertionPoint(loop);
  Value initial = rewriter.clone(*load)->getResult(0);
  Value value = store->getOperand(0);
  FailureOr<LoopLikeOpInterface> replaced = loop.replaceWithAdditionalYields(
      rewriter, initial, /*replaceInitOperandUsesInLoop=*/false,
      [&](OpBuilder &, Location, ArrayRef<BlockArgument>) {
        return SmallVector<Value>{value};
      });
  if (failed(replaced))
    return nullptr;
  auto carried = cast<scf::ForOp>(replaced->getOperation());
  rewriter.replaceAllUsesWith(load->getResult(0),
                              carried.getRegionIterArgs().back());
  rewriter.setInsertionPointAfter(carried);
  IRMapping after;
  after.map(value, carried.getResults().back());
  rewriter.clone(*store, after);
  rewriter.eraseOp(store);
  rewriter.eraseOp(load);
  return carried;
}

struct CoarsenElementwisePass
    : autoglm::impl::AutoGLMCUDACoarsenElementwiseBase<CoarsenElementwisePass> {
  void runOnOperation() override {
    // Only the function's own loops: what is inside a launch already has
    // its threads.
    // A fused kernel's body reads and writes through one-element subviews
    // at the loop's indices: folded into the loads and stores, the indices
    // show which loop each access runs along.
    RewritePatternSet patterns(&getContext());
    memref::populateFoldMemRefAliasOpPatterns(patterns);
    affine::AffineApplyOp::getCanonicalizationPatterns(patterns, &getContext());
    FrozenRewritePatternSet folding(std::move(patterns));
    for (auto loop : getOperation().getOps<scf::ParallelOp>()) {
      if (!hasSimpleBody(loop))
        continue;
      (void)applyPatternsGreedily(loop.getRegion(), folding);
      forwardElementBuffers(loop.getBody());
    }

    SmallVector<std::pair<scf::ParallelOp, int64_t>> loops;
    for (auto loop : getOperation().getOps<scf::ParallelOp>()) {
      int64_t count = iterationsPerThread(loop);
      if (count > 1)
        loops.push_back({loop, count});
    }
    for (auto [loop, count] : loops)
      coarsen(loop, count);

    // Short reduction loops (a pooling's window, innermost first) carry
    // their accumulator instead of storing it each iteration. Row
    // reductions are left to map-to-gpu's warps.
    IRRewriter rewriter(&getContext());
    for (auto loop : getOperation().getOps<scf::ParallelOp>()) {
      if (!hasSimpleBody(loop))
        continue;
      SmallVector<scf::ForOp> reductions;
      loop.getBody()->walk(
          [&](scf::ForOp inner) { reductions.push_back(inner); });
      for (scf::ForOp inner : reductions)
        keepAccumulatorInRegisters(rewriter, inner);
    }
  }
};
} // namespace
