//===- Bf16DotKernel.cpp - bf16 products on vdpbf16ps ---------------------===//
//
// AVX512_BF16's `vdpbf16ps acc, a, b` adds to each of 16 float32 lanes the
// products of a pair of bf16 values of `a` and of `b`:
//
//   acc[j] += a[2j + 1] * b[2j + 1];  acc[j] += a[2j] * b[2j]
//
// each product exact in float32 (8-bit significands) and each addition
// rounded to nearest even, with denormal inputs and results taken as zero.
// Two multiply-adds per lane per instruction, against one for a float32
// FMA. A row of A holds the pair (A[m, 2kk], A[m, 2kk + 1]) in one 32-bit
// word, broadcast to the 16 lanes; B's pairs come from its block packed
// with the two rows of a pair interleaved.
//
//===----------------------------------------------------------------------===//

#include "Bf16DotKernel.h"

#include "ContractionTiles.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace {
constexpr int64_t kLanes = 16;

/// Index arithmetic and the leading 0 of a batched ([1, rows, columns])
/// block's indices.

ArrayRef<int64_t> matrixShape(Value buffer) {
  return cast<MemRefType>(buffer.getType()).getShape().take_back(2);
}
} // namespace

void mlir::autoglm::packBf16Pairs(OpBuilder &builder, Location loc, Value b,
                                  Value pairs) {
  BlockIndexer ix{builder, loc};
  int64_t k = matrixShape(b)[0], n = matrixShape(b)[1];
  Type bf16 = builder.getBF16Type();
  auto half = VectorType::get({kLanes}, bf16);
  // (even[0], odd[0], even[1], odd[1], ...)
  SmallVector<int64_t> interleave;
  for (int64_t i = 0; i < kLanes; ++i)
    interleave.append({i, kLanes + i});
  auto rows = scf::ForOp::create(builder, loc, ix.constant(0),
                                 ix.constant(k / 2), ix.constant(1));
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToStart(rows.getBody());
  Value kk = rows.getInductionVar();
  auto columns = scf::ForOp::create(builder, loc, ix.constant(0),
                                    ix.constant(n), ix.constant(kLanes));
  builder.setInsertionPointToStart(columns.getBody());
  Value col = columns.getInductionVar();
  Value even = ix.mul(kk, 2);
  Value odd = ix.add(even, 1);
  Value evenRow =
      vector::LoadOp::create(builder, loc, half, b, ix.at(b, even, col));
  Value oddRow =
      vector::LoadOp::create(builder, loc, half, b, ix.at(b, odd, col));
  Value pair =
      vector::ShuffleOp::create(builder, loc, evenRow, oddRow, interleave);
  vector::StoreOp::create(builder, loc, pair, pairs,
                          ix.at(pairs, kk, ix.mul(col, 2)));
}

void mlir::autoglm::buildBf16DotProduct(OpBuilder &builder, Location loc,
                                        Value a, Value pairs, Value c) {
  BlockIndexer ix{builder, loc};
  int64_t m = matrixShape(c)[0], n = matrixShape(c)[1], k = matrixShape(a)[1];
  int64_t mr = autoglm::largestDivisor(m, {8, 4, 2, 1});
  int64_t nr = autoglm::largestDivisor(n, {32, 16});
  int64_t cols = nr / kLanes;
  Type f32 = builder.getF32Type(), bf16 = builder.getBF16Type(),
       i32 = builder.getI32Type();
  auto accType = VectorType::get({kLanes}, f32);
  auto pairType = VectorType::get({2 * kLanes}, bf16);

  OpBuilder::InsertionGuard guard(builder);
  // Column panels outside, row tiles inside: a tile's columns of the pairs
  // stay in L1 while every row tile passes over them.
  auto colLoop = scf::ForOp::create(builder, loc, ix.constant(0),
                                    ix.constant(n), ix.constant(nr));
  builder.setInsertionPointToStart(colLoop.getBody());
  auto rowLoop = scf::ForOp::create(builder, loc, ix.constant(0),
                                    ix.constant(m), ix.constant(mr));
  builder.setInsertionPointToStart(rowLoop.getBody());
  Value row0 = rowLoop.getInductionVar(), col0 = colLoop.getInductionVar();
  SmallVector<Value> rows, colsAt;
  for (int64_t r = 0; r < mr; ++r)
    rows.push_back(ix.add(row0, r));
  for (int64_t j = 0; j < cols; ++j)
    colsAt.push_back(ix.add(col0, j * kLanes));
  SmallVector<Value> accs;
  for (int64_t r = 0; r < mr; ++r)
    for (int64_t j = 0; j < cols; ++j)
      accs.push_back(vector::LoadOp::create(builder, loc, accType, c,
                                            ix.at(c, rows[r], colsAt[j])));
  auto kLoop = scf::ForOp::create(builder, loc, ix.constant(0),
                                  ix.constant(k / 2), ix.constant(1), accs);
  builder.setInsertionPointToStart(kLoop.getBody());
  Value kk = kLoop.getInductionVar();
  Value k0 = ix.mul(kk, 2);
  SmallVector<Value> bs;
  for (int64_t j = 0; j < cols; ++j)
    bs.push_back(vector::LoadOp::create(
        builder, loc, pairType, pairs, ix.at(pairs, kk, ix.mul(colsAt[j], 2))));
  StringAttr intrinsic =
      builder.getStringAttr("llvm.x86.avx512bf16.dpbf16ps.512");
  SmallVector<Value> next;
  for (int64_t r = 0; r < mr; ++r) {
    Value pair = vector::LoadOp::create(
        builder, loc, VectorType::get({2}, bf16), a, ix.at(a, rows[r], k0));
    Value word = vector::BitCastOp::create(builder, loc,
                                           VectorType::get({1}, i32), pair);
    Value scalar = vector::ExtractOp::create(builder, loc, word, 0);
    Value splat = vector::BroadcastOp::create(
        builder, loc, VectorType::get({kLanes}, i32), scalar);
    Value lhs = vector::BitCastOp::create(builder, loc, pairType, splat);
    for (int64_t j = 0; j < cols; ++j) {
      Value acc = kLoop.getRegionIterArgs()[r * cols + j];
      next.push_back(LLVM::CallIntrinsicOp::create(builder, loc, Type(accType),
                                                   intrinsic,
                                                   ValueRange{acc, lhs, bs[j]})
                         .getResult(0));
    }
  }
  scf::YieldOp::create(builder, loc, next);
  builder.setInsertionPointAfter(kLoop);
  for (int64_t r = 0; r < mr; ++r)
    for (int64_t j = 0; j < cols; ++j)
      vector::StoreOp::create(builder, loc, kLoop.getResult(r * cols + j), c,
                              ix.at(c, rows[r], colsAt[j]));
}

Value mlir::autoglm::BlockIndexer::constant(int64_t v) const {
  return arith::ConstantIndexOp::create(builder, loc, v).getResult();
}

Value mlir::autoglm::BlockIndexer::add(Value base, int64_t delta) const {
  if (!delta)
    return base;
  return arith::AddIOp::create(builder, loc, base, constant(delta));
}

Value mlir::autoglm::BlockIndexer::mul(Value base, int64_t factor) const {
  return arith::MulIOp::create(builder, loc, base, constant(factor));
}

SmallVector<Value> mlir::autoglm::BlockIndexer::at(Value buffer, Value row,
                                                   Value column) const {
  SmallVector<Value> indices;
  if (cast<MemRefType>(buffer.getType()).getRank() == 3)
    indices.push_back(constant(0));
  indices.append({row, column});
  return indices;
}
