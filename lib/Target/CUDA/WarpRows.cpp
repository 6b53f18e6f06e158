//===- WarpRows.cpp - one warp per iteration of a row kernel --------------===//

#include "WarpRows.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::autoglm;

namespace {
constexpr int64_t kWarpSize = 32;
/// How many rounds of a lane's loop run unrolled: enough loads in flight to
/// cover a row's latency, few enough to keep the kernel small.
constexpr int64_t kUnrollRounds = 8;

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
std::optional<int64_t> tripCount(OpFoldResult lb, OpFoldResult ub,
                                 OpFoldResult step) {
  std::optional<int64_t> l = getConstantIntValue(lb),
                         u = getConstantIntValue(ub),
                         s = getConstantIntValue(step);
  if (!l || !u || !s || *s <= 0)
    return std::nullopt;
  return *u > *l ? (*u - *l + *s - 1) / *s : 0;
}

std::optional<int64_t> tripCount(scf::ParallelOp loop) {
  int64_t total = 1;
  for (auto [lb, ub, step] :
       llvm::zip(loop.getLowerBound(), loop.getUpperBound(), loop.getStep())) {
    std::optional<int64_t> trips = tripCount(lb, ub, step);
    if (!trips)
      return std::nullopt;
    total *= *trips;
  }
  return total;
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
    // Nothing else in the body may touch the accumulator's buffer, and
    // the contribution must not read it.
    Value accumulator = bufferOf(store.getMemRef());
    bool touched = false;
    body->walk([&](Operation *inner) {
      if (inner == load || inner == store)
        return;
      for (Value operand : inner->getOperands())
        if (isa<BaseMemRefType>(operand.getType()) &&
            bufferOf(operand) == accumulator)
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
    std::optional<int64_t> trips =
        tripCount(reduction->loop.getLowerBound(),
                  reduction->loop.getUpperBound(), reduction->loop.getStep());
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
  // A store every lane would repeat.
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

/// A loop over `trips` iterations shared by the lanes, lane `l` running
/// iterations `l`, `l + 32`, ...: a loop of trips / 32 rounds, then, where
/// 32 does not divide `trips`, one more round for the lanes it leaves. Each
/// round is `buildBody` at the iteration's index, carrying `inits`.
struct LaneLoop {
  scf::ForOp loop;
  /// What the rounds carry out, after the last one.
  SmallVector<Value> results;
};
LaneLoop
createLaneLoop(OpBuilder &b, Location loc, int64_t trips, Value lane,
               ValueRange inits,
               function_ref<SmallVector<Value>(OpBuilder &, Value, ValueRange)>
                   buildBody) {
  auto iterationOf = [&](OpBuilder &at, Location l, Value round) -> Value {
    return arith::AddIOp::create(
        at, l,
        arith::MulIOp::create(at, l, round,
                              arith::ConstantIndexOp::create(at, l, kWarpSize)),
        lane);
  };
  auto loop = scf::ForOp::create(
      b, loc, arith::ConstantIndexOp::create(b, loc, 0),
      arith::ConstantIndexOp::create(b, loc, trips / kWarpSize),
      arith::ConstantIndexOp::create(b, loc, 1), inits,
      [&](OpBuilder &inside, Location at, Value round, ValueRange carried) {
        scf::YieldOp::create(
            inside, at,
            buildBody(inside, iterationOf(inside, at, round), carried));
      });
  LaneLoop result{loop, SmallVector<Value>(loop.getResults())};
  if (trips % kWarpSize == 0)
    return result;
  Value iteration = iterationOf(
      b, loc, arith::ConstantIndexOp::create(b, loc, trips / kWarpSize));
  Value inBounds =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, iteration,
                            arith::ConstantIndexOp::create(b, loc, trips));
  ValueRange carried = loop.getResults();
  auto last = scf::IfOp::create(
      b, loc, inBounds,
      [&](OpBuilder &then, Location at) {
        scf::YieldOp::create(then, at, buildBody(then, iteration, carried));
      },
      [&](OpBuilder &otherwise, Location at) {
        scf::YieldOp::create(otherwise, at, carried);
      });
  result.results = SmallVector<Value>(last.getResults());
  return result;
}

/// Unrolls a lane's loop, so that the loads of several rounds are in flight
/// at once instead of one after the other. The loop may be gone after it
/// (a loop unrolled whole): its results must have their uses by then.
void unrollLaneLoop(scf::ForOp loop) {
  int64_t rounds = *getConstantIntValue(loop.getUpperBound());
  if (rounds > 1)
    (void)loopUnrollByFactor(loop, std::min(rounds, kUnrollRounds));
}

void splitReduction(ReductionLoop reduction, Value lane) {
  scf::ForOp loop = reduction.loop;
  Location loc = loop.getLoc();
  OpBuilder b(loop);
  Type type = reduction.store.getValueToStore().getType();
  Value identity = arith::getIdentityValue(reduction.kind, type, b, loc);
  int64_t trips =
      *tripCount(loop.getLowerBound(), loop.getUpperBound(), loop.getStep());
  LaneLoop split = createLaneLoop(
      b, loc, trips, lane, ValueRange{identity},
      [&](OpBuilder &inside, Value iteration, ValueRange partial) {
        // The original loop's induction variable: lower + iteration * step.
        IRMapping mapping;
        mapping.map(
            loop.getInductionVar(),
            arith::AddIOp::create(
                inside, loc, loop.getLowerBound(),
                arith::MulIOp::create(inside, loc, iteration, loop.getStep())));
        for (Operation &op : loop.getBody()->without_terminator())
          if (&op != reduction.load && &op != reduction.store &&
              &op != reduction.combine)
            inside.clone(op, mapping);
        return SmallVector<Value>{arith::getReductionOp(
            reduction.kind, inside, loc, partial.front(),
            mapping.lookupOrDefault(reduction.contribution))};
      });

  // Butterfly: after it every lane holds the whole warp's combination.
  Value total = split.results.front();
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
  unrollLaneLoop(split.loop);
  loop.erase();
}

void splitIterations(scf::ParallelOp loop, Value lane) {
  Location loc = loop.getLoc();
  OpBuilder b(loop);
  // Reads before, by other lanes, of what the loop overwrites.
  syncWarp(b, loc);
  LaneLoop split = createLaneLoop(
      b, loc, *tripCount(loop), lane, ValueRange{},
      [&](OpBuilder &inside, Value iteration, ValueRange) {
        // Neighbouring lanes touch neighbouring elements.
        IRMapping mapping;
        mapLinearIndexToLoop(inside, loc, loop, iteration, mapping);
        for (Operation &op : loop.getBody()->without_terminator())
          inside.clone(op, mapping);
        return SmallVector<Value>{};
      });
  unrollLaneLoop(split.loop);
  syncWarp(b, loc);
  loop.erase();
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
    case Split::Alike:
    case Split::None:
      break;
    }
  }
}
} // namespace

bool mlir::autoglm::collectWrittenBuffers(Operation *op,
                                          SmallVectorImpl<Value> &written) {
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
      if (!isa<MemoryEffects::Write>(effect.getEffect()))
        continue;
      Value value = effect.getValue();
      if (!value || !isa<BaseMemRefType>(value.getType()))
        return WalkResult::interrupt();
      written.push_back(value);
    }
    return WalkResult::advance();
  });
  return !walk.wasInterrupted();
}

void mlir::autoglm::mapLinearIndexToLoop(OpBuilder &b, Location loc,
                                         scf::ParallelOp loop, Value linear,
                                         IRMapping &mapping) {
  Value rest = linear;
  for (int64_t d = loop.getNumLoops() - 1; d >= 0; --d) {
    int64_t lower = *getConstantIntValue(loop.getLowerBound()[d]);
    int64_t step = *getConstantIntValue(loop.getStep()[d]);
    int64_t extent = *tripCount(loop.getLowerBound()[d],
                                loop.getUpperBound()[d], loop.getStep()[d]);
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
