//===- WarpRows.cpp - one warp per iteration of a row kernel --------------===//

#include "WarpRows.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::autoglm;

namespace {
constexpr int64_t kWarpSize = 32;
/// How many rounds of a lane's loop each of its steps runs: enough loads in
/// flight to cover a row's latency, few enough to keep the kernel small.
constexpr int64_t kRoundsPerStep = 8;

/// The buffer that `value` (a memref) views.
Value bufferOf(Value value) {
  return memref::skipViewLikeOps(cast<TypedValue<BaseMemRefType>>(value));
}

/// True when `buffer` is a thread's private memory (the scratch of ops
/// fused into one kernel, an alloca by now): each lane has its own.
bool isPrivate(Value buffer) {
  return isa_and_nonnull<memref::AllocaOp>(bufferOf(buffer).getDefiningOp());
}

/// The trip count of a loop with constant bounds.
std::optional<int64_t> rangeTripCount(OpFoldResult lb, OpFoldResult ub,
                                      OpFoldResult step) {
  std::optional<int64_t> l = getConstantIntValue(lb),
                         u = getConstantIntValue(ub),
                         s = getConstantIntValue(step);
  if (!l || !u || !s || *s <= 0)
    return std::nullopt;
  return *u > *l ? (*u - *l + *s - 1) / *s : 0;
}

/// The combining kind of `op` when it is an associative and commutative
/// combination that shuffles can split.
std::optional<arith::AtomicRMWKind> combiningKind(Operation *op) {
  using K = arith::AtomicRMWKind;
  return llvm::TypeSwitch<Operation *, std::optional<K>>(op)
      .Case([](arith::AddFOp) { return K::addf; })
      .Case([](arith::MulFOp) { return K::mulf; })
      .Case([](arith::MaximumFOp) { return K::maximumf; })
      .Case([](arith::MinimumFOp) { return K::minimumf; })
      .Case([](arith::MaxNumFOp) { return K::maxnumf; })
      .Case([](arith::MinNumFOp) { return K::minnumf; })
      .Case([](arith::AddIOp) { return K::addi; })
      .Case([](arith::MaxSIOp) { return K::maxs; })
      .Case([](arith::MinSIOp) { return K::mins; })
      .Default([](Operation *) { return std::nullopt; });
}

/// A reduction loop: `scf.for` whose body loads an accumulator, combines a
/// value that does not depend on it, and stores the result back to the
/// same place, which nothing else in the body touches.
struct ReductionLoop {
  scf::ForOp loop;
  memref::LoadOp load;
  memref::StoreOp store;
  Operation *combine;
  arith::AtomicRMWKind kind;
  /// The combined value, computed from the loop's induction variable.
  Value contribution;
};

std::optional<ReductionLoop> matchReductionLoop(Operation *op) {
  auto loop = dyn_cast<scf::ForOp>(op);
  if (!loop || loop.getNumResults() != 0)
    return std::nullopt;
  Block *body = loop.getBody();
  memref::StoreOp store;
  for (Operation &inner : *body)
    if (auto s = dyn_cast<memref::StoreOp>(inner)) {
      if (store)
        return std::nullopt;
      store = s;
    }
  if (!store)
    return std::nullopt;
  Operation *combine = store.getValueToStore().getDefiningOp();
  if (!combine || combine->getBlock() != body ||
      combine->getNumOperands() != 2 || !combine->getResult(0).hasOneUse())
    return std::nullopt;
  std::optional<arith::AtomicRMWKind> kind = combiningKind(combine);
  Type type = store.getValueToStore().getType();
  // A shuffle moves 32 bits.
  if (!kind || !(type.isF32() || type.isInteger(32)))
    return std::nullopt;
  for (unsigned i = 0; i < 2; ++i) {
    auto load = combine->getOperand(i).getDefiningOp<memref::LoadOp>();
    if (!load || load->getBlock() != body || !load->hasOneUse() ||
        load.getMemRef() != store.getMemRef() ||
        load.getIndices() != store.getIndices())
      continue;
    if (llvm::any_of(store.getIndices(), [&](Value index) {
          return !loop.isDefinedOutsideOfLoop(index);
        }))
      return std::nullopt;
    Value contribution = combine->getOperand(1 - i);
    // Nothing else in the body may touch the accumulator, and the
    // contribution must not read it. Other views of its buffer may be read
    // where they are disjoint from it (one arena holds a one-row kernel's
    // input and its statistic).
    bool touched = false;
    body->walk([&](Operation *inner) {
      if (inner == load || inner == store)
        return;
      for (Value operand : inner->getOperands())
        if (isa<BaseMemRefType>(operand.getType()) &&
            !provablyDisjoint(operand, store.getMemRef()))
          touched = true;
    });
    if (touched || contribution == load.getResult())
      return std::nullopt;
    return ReductionLoop{loop, load, store, combine, *kind, contribution};
  }
  return std::nullopt;
}

/// How the lanes run one op of a body that they all run alike.
enum class Split {
  /// Every lane runs it whole: it writes nothing, or only private memory.
  Alike,
  /// A reduction loop: split over the lanes, combined by shuffles.
  Reduction,
  /// A parallel loop writing only device memory: iterations round-robin.
  Iterations,
  /// A loop or branch that the lanes run alike, holding ops to classify.
  Recurse,
  /// A write of device memory outside any loop the lanes split (a
  /// reduction's accumulator set to its start): lane 0 alone writes, the
  /// value being the same on every lane, between warp barriers.
  LaneZero,
  /// Cannot be split.
  None,
};

Split classify(Operation *op, int64_t minTripCount) {
  SmallVector<Value> written;
  if (!collectWrittenBuffers(op, written))
    return Split::None;
  bool writesDevice =
      llvm::any_of(written, [](Value w) { return !isPrivate(w); });
  if (std::optional<ReductionLoop> reduction = matchReductionLoop(op)) {
    std::optional<int64_t> trips = rangeTripCount(
        reduction->loop.getLowerBound(), reduction->loop.getUpperBound(),
        reduction->loop.getStep());
    if (trips && *trips >= minTripCount)
      return Split::Reduction;
  }
  if (!writesDevice)
    return op->getNumRegions() == 0 ? Split::Alike : Split::Recurse;
  if (auto loop = dyn_cast<scf::ParallelOp>(op)) {
    bool writesPrivate = llvm::any_of(written, isPrivate);
    std::optional<int64_t> trips = tripCount(loop);
    if (!trips || loop.getNumResults() != 0)
      return Split::None;
    if (*trips > 1 && !writesPrivate)
      return Split::Iterations;
    return Split::Recurse;
  }
  if (isa<scf::ForOp, scf::IfOp>(op))
    return Split::Recurse;
  // A store every lane would repeat: lane 0's alone.
  if (op->getNumRegions() == 0)
    return Split::LaneZero;
  return Split::None;
}

/// Whether the ops can be split, and how many reduction loops are.
bool check(Block::iterator begin, Block::iterator end, int64_t minTripCount,
           int64_t &reductions) {
  for (Operation &op : llvm::make_range(begin, end)) {
    switch (classify(&op, minTripCount)) {
    case Split::None:
      return false;
    case Split::Reduction:
      ++reductions;
      break;
    case Split::Recurse:
      for (Region &region : op.getRegions())
        for (Block &block : region)
          if (!check(block.begin(), block.end(), minTripCount, reductions))
            return false;
      break;
    case Split::Alike:
    case Split::Iterations:
    case Split::LaneZero:
      break;
    }
  }
  return true;
}

/// Every lane of the warp waits here until all of them arrive; their
/// writes before are then visible to all.
void syncWarp(OpBuilder &b, Location loc) {
  Value all = arith::ConstantIntOp::create(b, loc, -1, 32);
  NVVM::SyncWarpOp::create(b, loc, all);
}

/// Builds `iterations.size()` rounds of a lane's loop, one per iteration
/// index, carrying `carried` through them; returns what they carry out.
using BuildRounds = function_ref<SmallVector<Value>(
    OpBuilder &, ArrayRef<Value> iterations, ValueRange carried)>;

/// `trips` iterations shared by the lanes, lane `l` running iterations `l`,
/// `l + 32`, ...: a loop whose steps each build kRoundsPerStep rounds (so
/// that each lane has the loads of several rounds in flight at once,
/// instead of one after the other), the rounds left over, then, where 32
/// does not divide `trips`, one more round for the lanes it leaves.
/// Returns what the rounds carry out after the last one.
SmallVector<Value> distributeOverLanes(OpBuilder &b, Location loc,
                                       int64_t trips, Value lane,
                                       ValueRange inits, BuildRounds build) {
  auto constant = [](OpBuilder &at, Location l, int64_t value) -> Value {
    return arith::ConstantIndexOp::create(at, l, value);
  };
  // The iteration indices of `count` rounds from `first`.
  auto iterationsOf = [&](OpBuilder &at, Location l, Value first,
                          int64_t count) {
    SmallVector<Value> iterations;
    for (int64_t r = 0; r < count; ++r) {
      Value round = arith::AddIOp::create(at, l, first, constant(at, l, r));
      iterations.push_back(arith::AddIOp::create(
          at, l,
          arith::MulIOp::create(at, l, round, constant(at, l, kWarpSize)),
          lane));
    }
    return iterations;
  };
  int64_t rounds = trips / kWarpSize;
  int64_t steps = rounds / kRoundsPerStep;
  SmallVector<Value> carried(inits);
  if (steps > 0) {
    auto loop = scf::ForOp::create(
        b, loc, constant(b, loc, 0), constant(b, loc, steps * kRoundsPerStep),
        constant(b, loc, kRoundsPerStep), carried,
        [&](OpBuilder &inside, Location at, Value first, ValueRange args) {
          scf::YieldOp::create(
              inside, at,
              build(inside, iterationsOf(inside, at, first, kRoundsPerStep),
                    args));
        });
    carried = SmallVector<Value>(loop.getResults());
  }
  if (int64_t left = rounds % kRoundsPerStep)
    carried = build(
        b, iterationsOf(b, loc, constant(b, loc, steps * kRoundsPerStep), left),
        carried);
  if (trips % kWarpSize == 0)
    return carried;
  Value last = iterationsOf(b, loc, constant(b, loc, rounds), 1).front();
  Value inBounds = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                         last, constant(b, loc, trips));
  auto guard = scf::IfOp::create(
      b, loc, inBounds,
      [&](OpBuilder &then, Location at) {
        scf::YieldOp::create(then, at, build(then, {last}, carried));
      },
      [&](OpBuilder &otherwise, Location at) {
        scf::YieldOp::create(otherwise, at, carried);
      });
  return SmallVector<Value>(guard.getResults());
}

void splitReduction(ReductionLoop reduction, Value lane) {
  scf::ForOp loop = reduction.loop;
  Location loc = loop.getLoc();
  OpBuilder b(loop);
  Type type = reduction.store.getValueToStore().getType();
  Value identity = arith::getIdentityValue(reduction.kind, type, b, loc);
  int64_t trips = *rangeTripCount(loop.getLowerBound(), loop.getUpperBound(),
                                  loop.getStep());
  SmallVector<Value> partial = distributeOverLanes(
      b, loc, trips, lane, ValueRange{identity},
      [&](OpBuilder &inside, ArrayRef<Value> iterations, ValueRange carried) {
        Value partial = carried.front();
        for (Value iteration : iterations) {
          // The original loop's induction variable: lower + iteration *
          // step.
          IRMapping mapping;
          mapping.map(loop.getInductionVar(),
                      arith::AddIOp::create(
                          inside, loc, loop.getLowerBound(),
                          arith::MulIOp::create(inside, loc, iteration,
                                                loop.getStep())));
          for (Operation &op : loop.getBody()->without_terminator())
            if (&op != reduction.load && &op != reduction.store &&
                &op != reduction.combine)
              inside.clone(op, mapping);
          partial = arith::getReductionOp(
              reduction.kind, inside, loc, partial,
              mapping.lookupOrDefault(reduction.contribution));
        }
        return SmallVector<Value>{partial};
      });

  // Butterfly: after it every lane holds the whole warp's combination.
  Value total = partial.front();
  for (int32_t offset = kWarpSize / 2; offset > 0; offset /= 2) {
    Value other = gpu::ShuffleOp::create(b, loc, total, offset, kWarpSize,
                                         gpu::ShuffleMode::XOR)
                      .getShuffleResult();
    total = arith::getReductionOp(reduction.kind, b, loc, total, other);
  }
  // Fold it into the accumulator: each lane into its own private copy, or
  // lane 0 alone into device memory.
  auto fold = [&](OpBuilder &at) {
    Value old = memref::LoadOp::create(at, loc, reduction.store.getMemRef(),
                                       reduction.store.getIndices());
    Value updated = arith::getReductionOp(reduction.kind, at, loc, old, total);
    memref::StoreOp::create(at, loc, updated, reduction.store.getMemRef(),
                            reduction.store.getIndices());
  };
  if (isPrivate(reduction.store.getMemRef())) {
    fold(b);
  } else {
    Value first =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, lane,
                              arith::ConstantIndexOp::create(b, loc, 0));
    auto ifFirst = scf::IfOp::create(b, loc, first, /*withElseRegion=*/false);
    OpBuilder inside = ifFirst.getThenBodyBuilder();
    fold(inside);
    syncWarp(b, loc);
  }
  loop.erase();
}

/// The bytes of its buffer that `value` (a memref) may touch: a view of an
/// arena at a constant offset, of a static size, or anywhere in the buffer
/// it views otherwise.
struct Footprint {
  Value buffer;
  std::optional<std::pair<int64_t, int64_t>> bytes;
};
Footprint footprintOf(Value value) {
  // Subviews and reshapes stay within what they view.
  while (Operation *def = value.getDefiningOp()) {
    if (!isa<memref::SubViewOp, memref::ExpandShapeOp, memref::CollapseShapeOp,
             memref::CastOp>(def))
      break;
    value = def->getOperand(0);
  }
  auto view = value.getDefiningOp<memref::ViewOp>();
  if (!view)
    return {bufferOf(value), std::nullopt};
  std::optional<int64_t> offset = getConstantIntValue(view.getByteShift());
  MemRefType type = view.getType();
  if (!offset || !type.hasStaticShape() ||
      !type.getElementType().isIntOrFloat())
    return {bufferOf(view.getSource()), std::nullopt};
  int64_t size = type.getNumElements() *
                 llvm::divideCeil(type.getElementTypeBitWidth(), 8);
  return {bufferOf(view.getSource()), std::make_pair(*offset, *offset + size)};
}

/// True when the stores of `body` may wait until several rounds of it have
/// loaded and computed: its stores are its only writes, at its top level,
/// and nothing it loads can be what it stores.
bool canStoreLast(Block *body) {
  SmallVector<Value> stored;
  for (Operation &op : body->without_terminator()) {
    if (auto store = dyn_cast<memref::StoreOp>(op)) {
      stored.push_back(store.getMemRef());
      continue;
    }
    SmallVector<Value> written;
    if (!collectWrittenBuffers(&op, written) || !written.empty())
      return false;
  }
  WalkResult walk = body->walk([&](memref::LoadOp load) {
    return llvm::all_of(
               stored,
               [&](Value s) { return provablyDisjoint(load.getMemRef(), s); })
               ? WalkResult::advance()
               : WalkResult::interrupt();
  });
  return !walk.wasInterrupted();
}

void splitIterations(scf::ParallelOp loop, Value lane) {
  Location loc = loop.getLoc();
  OpBuilder b(loop);
  Block *body = loop.getBody();
  bool storeLast = canStoreLast(body);
  // Reads before, by other lanes, of what the loop overwrites.
  syncWarp(b, loc);
  distributeOverLanes(
      b, loc, *tripCount(loop), lane, ValueRange{},
      [&](OpBuilder &inside, ArrayRef<Value> iterations, ValueRange) {
        // Neighbouring lanes touch neighbouring elements.
        SmallVector<IRMapping> mappings(iterations.size());
        for (auto [iteration, mapping] : llvm::zip(iterations, mappings)) {
          mapLinearIndexToLoop(inside, loc, loop, iteration, mapping);
          for (Operation &op : body->without_terminator())
            if (!storeLast || !isa<memref::StoreOp>(op))
              inside.clone(op, mapping);
        }
        // The rounds' stores after all of their loads: a store between
        // them would hold the next round's loads back until it issues.
        if (storeLast)
          for (IRMapping &mapping : mappings)
            for (Operation &op : body->without_terminator())
              if (isa<memref::StoreOp>(op))
                inside.clone(op, mapping);
        return SmallVector<Value>{};
      });
  syncWarp(b, loc);
  loop.erase();
}

/// Runs `op` (a write of device memory, the same on every lane) on lane 0
/// alone: after every lane's reads before it (which may read what it
/// overwrites), and visible to all lanes after it.
void writeOnLaneZero(Operation *op, Value lane) {
  Location loc = op->getLoc();
  OpBuilder b(op);
  syncWarp(b, loc);
  Value first =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, lane,
                            arith::ConstantIndexOp::create(b, loc, 0));
  auto onFirst = scf::IfOp::create(b, loc, first, /*withElse=*/false);
  op->moveBefore(onFirst.thenBlock()->getTerminator());
  b.setInsertionPointAfter(onFirst);
  syncWarp(b, loc);
}

void split(Block::iterator begin, Block::iterator end, Value lane,
           int64_t minTripCount) {
  SmallVector<Operation *> ops;
  for (Operation &op : llvm::make_range(begin, end))
    ops.push_back(&op);
  for (Operation *op : ops) {
    switch (classify(op, minTripCount)) {
    case Split::Reduction:
      splitReduction(*matchReductionLoop(op), lane);
      break;
    case Split::Iterations:
      splitIterations(cast<scf::ParallelOp>(op), lane);
      break;
    case Split::Recurse:
      for (Region &region : op->getRegions())
        for (Block &block : region)
          split(block.begin(), block.end(), lane, minTripCount);
      break;
    case Split::LaneZero:
      writeOnLaneZero(op, lane);
      break;
    case Split::Alike:
    case Split::None:
      break;
    }
  }
}
} // namespace

namespace {
/// The buffers that `op` and the ops inside it have an effect of kind
/// `Effect` on; false when some such effect does not say which buffer.
template <typename Effect>
bool collectBuffers(Operation *op, SmallVectorImpl<Value> &buffers) {
  WalkResult walk = op->walk([&](Operation *inner) {
    auto effects = dyn_cast<MemoryEffectOpInterface>(inner);
    if (!effects)
      return inner->hasTrait<OpTrait::HasRecursiveMemoryEffects>() ||
                     inner->getNumRegions() == 0
                 ? WalkResult::advance()
                 : WalkResult::interrupt();
    SmallVector<MemoryEffects::EffectInstance> instances;
    effects.getEffects(instances);
    for (const MemoryEffects::EffectInstance &effect : instances) {
      if (!isa<Effect>(effect.getEffect()))
        continue;
      Value value = effect.getValue();
      if (!value || !isa<BaseMemRefType>(value.getType()))
        return WalkResult::interrupt();
      buffers.push_back(value);
    }
    return WalkResult::advance();
  });
  return !walk.wasInterrupted();
}
} // namespace

bool mlir::autoglm::collectWrittenBuffers(Operation *op,
                                          SmallVectorImpl<Value> &written) {
  return collectBuffers<MemoryEffects::Write>(op, written);
}

bool mlir::autoglm::collectReadBuffers(Operation *op,
                                       SmallVectorImpl<Value> &read) {
  return collectBuffers<MemoryEffects::Read>(op, read);
}

bool mlir::autoglm::provablyDisjoint(Value a, Value b) {
  Footprint x = footprintOf(a), y = footprintOf(b);
  if (x.buffer != y.buffer)
    return true;
  return x.bytes && y.bytes &&
         (x.bytes->second <= y.bytes->first ||
          y.bytes->second <= x.bytes->first);
}

void mlir::autoglm::mapLinearIndexToLoop(OpBuilder &b, Location loc,
                                         scf::ParallelOp loop, Value linear,
                                         IRMapping &mapping) {
  Value rest = linear;
  for (int64_t d = loop.getNumLoops() - 1; d >= 0; --d) {
    int64_t lower = *getConstantIntValue(loop.getLowerBound()[d]);
    int64_t step = *getConstantIntValue(loop.getStep()[d]);
    int64_t extent = *rangeTripCount(
        loop.getLowerBound()[d], loop.getUpperBound()[d], loop.getStep()[d]);
    Value index = d == 0 ? rest
                         : arith::RemUIOp::create(
                               b, loc, rest,
                               arith::ConstantIndexOp::create(b, loc, extent));
    if (d != 0)
      rest = arith::DivUIOp::create(
          b, loc, rest, arith::ConstantIndexOp::create(b, loc, extent));
    Value iv = arith::AddIOp::create(
        b, loc,
        arith::MulIOp::create(b, loc, index,
                              arith::ConstantIndexOp::create(b, loc, step)),
        arith::ConstantIndexOp::create(b, loc, lower));
    mapping.map(loop.getInductionVars()[d], iv);
  }
}

bool mlir::autoglm::canSplitOverWarp(Block::iterator begin, Block::iterator end,
                                     int64_t minTripCount) {
  int64_t reductions = 0;
  return check(begin, end, minTripCount, reductions) && reductions > 0;
}

void mlir::autoglm::splitOverWarp(Block::iterator begin, Block::iterator end,
                                  Value lane, int64_t minTripCount) {
  split(begin, end, lane, minTripCount);
}

std::optional<int64_t> mlir::autoglm::tripCount(scf::ParallelOp loop) {
  int64_t total = 1;
  for (auto [lb, ub, step] :
       llvm::zip(loop.getLowerBound(), loop.getUpperBound(), loop.getStep())) {
    std::optional<int64_t> trips = rangeTripCount(lb, ub, step);
    if (!trips)
      return std::nullopt;
    total *= *trips;
  }
  return total;
}
