//===- Interpolation.cpp - taps and kernels of resampling ops -------------===//

#include "Interpolation.h"

#include "Common.h"

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::lowering;

Value F32Builder::c(double value) const {
  return floatConst(b, loc, b.getF32Type(), value);
}
Value F32Builder::add(Value x, Value y) const {
  return arith::AddFOp::create(b, loc, x, y);
}
Value F32Builder::sub(Value x, Value y) const {
  return arith::SubFOp::create(b, loc, x, y);
}
Value F32Builder::mul(Value x, Value y) const {
  return arith::MulFOp::create(b, loc, x, y);
}
Value F32Builder::div(Value x, Value y) const {
  return arith::DivFOp::create(b, loc, x, y);
}
Value F32Builder::min(Value x, Value y) const {
  return arith::MinimumFOp::create(b, loc, x, y);
}
Value F32Builder::max(Value x, Value y) const {
  return arith::MaximumFOp::create(b, loc, x, y);
}
Value F32Builder::floor(Value x) const {
  return math::FloorOp::create(b, loc, x);
}
Value F32Builder::abs(Value x) const { return math::AbsFOp::create(b, loc, x); }
Value F32Builder::lt(Value x, Value y) const {
  return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, y);
}
Value F32Builder::select(Value cond, Value x, Value y) const {
  return arith::SelectOp::create(b, loc, cond, x, y);
}
Value F32Builder::fromIndex(Value index) const {
  Value i64 =
      index.getType().isIndex()
          ? Value(arith::IndexCastOp::create(b, loc, b.getI64Type(), index))
          : index;
  return arith::SIToFPOp::create(b, loc, b.getF32Type(), i64);
}
Value F32Builder::clampedIndex(Value x, int64_t size) const {
  // minnum/maxnum take the bound for NaN (a NaN coordinate in a grid or a
  // box), so that every index read stays inside the input.
  Value upper =
      arith::MinNumFOp::create(b, loc, x, c(static_cast<double>(size - 1)));
  Value clamped = arith::MaxNumFOp::create(b, loc, upper, c(0));
  Value i64 = arith::FPToSIOp::create(b, loc, b.getI64Type(), clamped);
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), i64);
}

Value lowering::cubicKernel(const F32Builder &f, Value d, double a) {
  Value x = f.abs(d);
  Value x2 = f.mul(x, x), x3 = f.mul(x2, x);
  Value near =
      f.add(f.add(f.mul(f.c(a + 2), x3), f.mul(f.c(-(a + 3)), x2)), f.c(1));
  Value far = f.add(f.add(f.add(f.mul(f.c(a), x3), f.mul(f.c(-5 * a), x2)),
                          f.mul(f.c(8 * a), x)),
                    f.c(-4 * a));
  Value beyond = f.select(f.lt(x, f.c(2)), far, f.c(0));
  return f.select(f.lt(f.c(1), x), beyond, near);
}

SmallVector<std::pair<Value, Value>> lowering::cubicTaps(const F32Builder &f,
                                                         Value x, double a) {
  Value fl = f.floor(x);
  SmallVector<std::pair<Value, Value>> taps;
  for (int k = -1; k <= 2; ++k) {
    Value at = f.add(fl, f.c(k));
    taps.push_back({at, cubicKernel(f, f.sub(at, x), a)});
  }
  return taps;
}

Value lowering::sumOverTaps(OpBuilder &b, Location loc, Value input,
                            Type elementType, ArrayRef<Value> base,
                            ArrayRef<unsigned> dims,
                            ArrayRef<SmallVector<Tap>> taps) {
  F32Builder f{b, loc};
  Value acc = f.c(0);
  SmallVector<size_t> choice(dims.size(), 0);
  while (true) {
    SmallVector<Value> at(base);
    Value w;
    for (auto [k, d] : llvm::enumerate(dims)) {
      const Tap &tap = taps[d][choice[k]];
      at[d] = tap.index;
      w = w ? f.mul(w, tap.weight) : tap.weight;
    }
    Value v = castScalar(b, loc, tensor::ExtractOp::create(b, loc, input, at),
                         elementType, b.getF32Type());
    acc = f.add(acc, w ? f.mul(w, v) : v);
    size_t k = 0;
    while (k < choice.size() && ++choice[k] == taps[dims[k]].size())
      choice[k++] = 0;
    if (k == choice.size())
      break;
  }
  return acc;
}
