//===- KernelBuilder.h - building the bodies of hand-written kernels -*- C++
//-*-===//
//
// What the passes that write their own kernels as `gpu.launch` bodies share
// (DecodeAttentionKernels.cpp, EncoderAttentionKernels.cpp): index and
// float arithmetic, loops and conditions, launches, shared buffers and
// reductions across a warp's lanes.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_TARGET_CUDA_KERNELBUILDER_H
#define AUTOGLM_TARGET_CUDA_KERNELBUILDER_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include <limits>

namespace mlir::autoglm {
/// Threads of a warp.
constexpr int64_t kWarpSize = 32;

/// On an op at the start of a hand-written kernel: it reads only buffers
/// that the kernel launched before it does not write, and writes no global
/// memory, so --autoglm-cuda-dependent-launch lets it run before the
/// kernel waits for that one. The kernel's builder vouches for it.
inline constexpr char kBeforeWaitAttr[] = "autoglm.before_wait";

/// Marks `op` kBeforeWaitAttr, and every op inside it that touches memory:
/// a loop of one step is inlined before --autoglm-cuda-dependent-launch
/// runs, and its loads must keep the mark.
inline void markBeforeWait(Operation *op) {
  UnitAttr mark = UnitAttr::get(op->getContext());
  op->walk([&](Operation *inner) {
    if (inner == op || !isMemoryEffectFree(inner))
      inner->setAttr(kBeforeWaitAttr, mark);
  });
}

/// Index and float arithmetic at one place, for the kernels' bodies.
struct KernelArith {
  OpBuilder &b;
  Location loc;

  Value idx(int64_t v) const {
    return arith::ConstantIndexOp::create(b, loc, v);
  }
  Value i32(int64_t v) const {
    return arith::ConstantIntOp::create(b, loc, b.getI32Type(), v);
  }
  Value f32(double v) const {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
  }
  Value negInf() const { return f32(-std::numeric_limits<double>::infinity()); }
  Value add(Value x, Value y) const {
    return isa<FloatType>(x.getType())
               ? Value(arith::AddFOp::create(b, loc, x, y))
               : Value(arith::AddIOp::create(b, loc, x, y));
  }
  Value sub(Value x, Value y) const {
    return isa<FloatType>(x.getType())
               ? Value(arith::SubFOp::create(b, loc, x, y))
               : Value(arith::SubIOp::create(b, loc, x, y));
  }
  Value mul(Value x, Value y) const {
    return isa<FloatType>(x.getType())
               ? Value(arith::MulFOp::create(b, loc, x, y))
               : Value(arith::MulIOp::create(b, loc, x, y));
  }
  Value div(Value x, Value y) const {
    return arith::DivUIOp::create(b, loc, x, y);
  }
  Value rem(Value x, Value y) const {
    return arith::RemUIOp::create(b, loc, x, y);
  }
  Value min(Value x, Value y) const {
    return arith::MinSIOp::create(b, loc, x, y);
  }
  Value max(Value x, Value y) const {
    return arith::MaxSIOp::create(b, loc, x, y);
  }
  Value cmp(arith::CmpIPredicate p, Value x, Value y) const {
    return arith::CmpIOp::create(b, loc, p, x, y);
  }
  Value cmpf(arith::CmpFPredicate p, Value x, Value y) const {
    return arith::CmpFOp::create(b, loc, p, x, y);
  }
  Value select(Value c, Value x, Value y) const {
    return arith::SelectOp::create(b, loc, c, x, y);
  }
  Value both(Value x, Value y) const {
    return arith::AndIOp::create(b, loc, x, y);
  }
  Value either(Value x, Value y) const {
    return arith::OrIOp::create(b, loc, x, y);
  }
  Value toF32(Value x) const {
    return x.getType().isF32()
               ? x
               : Value(arith::ExtFOp::create(b, loc, b.getF32Type(), x));
  }
  Value load(Value memref, ValueRange at) const {
    return memref::LoadOp::create(b, loc, memref, at);
  }
  void store(Value v, Value memref, ValueRange at) const {
    memref::StoreOp::create(b, loc, v, memref, at);
  }
  void barrier() const { gpu::BarrierOp::create(b, loc); }
  /// A loop [lo, hi) by `step` whose body `f` gets the induction variable.
  void loop(Value lo, Value hi, Value step, function_ref<void(Value)> f) const {
    auto forOp = scf::ForOp::create(b, loc, lo, hi, step);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(forOp.getBody());
    f(forOp.getInductionVar());
  }
  /// Ops built by `f` run only where `cond` holds.
  void when(Value cond, function_ref<void()> f) const {
    auto ifOp = scf::IfOp::create(b, loc, cond, /*withElse=*/false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&ifOp.getThenRegion().front());
    f();
  }
  /// The results of `then` where `cond` holds, else those of `otherwise`.
  SmallVector<Value>
  ifElse(Value cond, TypeRange types, function_ref<SmallVector<Value>()> then,
         function_ref<SmallVector<Value>()> otherwise) const {
    auto ifOp = scf::IfOp::create(b, loc, types, cond, /*withElse=*/true);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&ifOp.getThenRegion().front());
    scf::YieldOp::create(b, loc, then());
    b.setInsertionPointToStart(&ifOp.getElseRegion().front());
    scf::YieldOp::create(b, loc, otherwise());
    return SmallVector<Value>(ifOp.getResults());
  }
};

/// A buffer type in the block's shared memory.
inline MemRefType sharedType(OpBuilder &b, ArrayRef<int64_t> shape,
                             Type element) {
  auto space =
      gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup);
  return MemRefType::get(shape, element, MemRefLayoutAttrInterface{}, space);
}

/// A launch of `grid` x `threads` at `b`'s insertion point, the insertion
/// point left inside its body.
inline gpu::LaunchOp createLaunch(OpBuilder &b, Location loc,
                                  ArrayRef<int64_t> grid, int64_t threads) {
  auto c = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v).getResult();
  };
  auto launch = gpu::LaunchOp::create(b, loc, c(grid[0]), c(grid[1]), c(1),
                                      c(threads), c(1), c(1));
  b.setInsertionPointToEnd(&launch.getBody().front());
  gpu::TerminatorOp::create(b, loc);
  b.setInsertionPointToStart(&launch.getBody().front());
  return launch;
}

/// `x` combined over the `lanes` neighbouring lanes of a warp by `combine`
/// (a butterfly: every lane of the group ends with the result). Every lane
/// of the warp must get here.
inline Value acrossLanes(const KernelArith &a, Value x, int64_t lanes,
                         function_ref<Value(Value, Value)> combine) {
  for (int64_t offset = lanes / 2; offset > 0; offset /= 2) {
    Value other = gpu::ShuffleOp::create(a.b, a.loc, x, offset, kWarpSize,
                                         gpu::ShuffleMode::XOR)
                      .getShuffleResult();
    x = combine(x, other);
  }
  return x;
}

/// Sums of `values` (the same number in every lane of the warp) over the
/// `lanes` neighbouring lanes, spread over the lanes instead of repeated in
/// each: at each step of the butterfly a lane keeps half of its values and
/// gives its partner the other half, so that n values take n - 1 shuffles
/// rather than n log2(lanes). The lane `lane` (of `lanes`) ends with
/// `result.sums`, the full sums of values `result.first` to `result.first +
/// sums - 1` (one value when there are no more values than lanes; lanes /
/// n neighbouring lanes then hold the same sum). Values past a power of
/// two are padded with zeros. Every lane of the warp must get here.
struct SpreadSums {
  SmallVector<Value> sums;
  Value first;
};
inline SpreadSums spreadSumsAcrossLanes(const KernelArith &a,
                                        ArrayRef<Value> values, int64_t lanes,
                                        Value lane) {
  SmallVector<Value> current(values);
  current.resize(llvm::PowerOf2Ceil(values.size()), a.f32(0));
  int64_t n = current.size();
  for (int64_t offset = lanes / 2; offset > 0; offset /= 2) {
    Value other;
    if (current.size() == 1) {
      other = gpu::ShuffleOp::create(a.b, a.loc, current[0], offset, kWarpSize,
                                     gpu::ShuffleMode::XOR)
                  .getShuffleResult();
      current[0] = a.add(current[0], other);
      continue;
    }
    // The lane with `offset` set keeps the upper half.
    Value upper =
        a.cmp(arith::CmpIPredicate::ne,
              arith::AndIOp::create(a.b, a.loc, lane, a.idx(offset)), a.idx(0));
    int64_t half = current.size() / 2;
    SmallVector<Value> next;
    for (int64_t j = 0; j < half; ++j) {
      Value keep = a.select(upper, current[j + half], current[j]);
      Value give = a.select(upper, current[j], current[j + half]);
      Value got = gpu::ShuffleOp::create(a.b, a.loc, give, offset, kWarpSize,
                                         gpu::ShuffleMode::XOR)
                      .getShuffleResult();
      next.push_back(a.add(keep, got));
    }
    current = std::move(next);
  }
  // Each halving step took the lane's next bit (highest first) as the
  // next bit of the values' index.
  Value first = n >= lanes ? a.mul(lane, a.idx(n / lanes))
                           : a.div(lane, a.idx(lanes / n));
  return {std::move(current), first};
}
} // namespace mlir::autoglm

#endif // AUTOGLM_TARGET_CUDA_KERNELBUILDER_H
