//===- VnniContractions.cpp - uint8 x int8 products on vpdpbusd/vpmaddwd --===//
//
// --autoglm-vnni-contractions: the `autoglm.vnni` generics of
// --autoglm-pack-int8-products, on buffers,
//
//   C[m, n] += sum_{kk, j} zext(A[m, kk, j]) * sext(Wp[kk, n, j])
//
// (or sext(A) * zext(Wp), the convolutions of
// --autoglm-pack-int8-convolutions: weight rows times uint8 columns)
//
// become register-blocked loops around AVX-512 VNNI's `vpdpbusd`:
//
//   scf.parallel (N / nr, M / mr)        on the runtime's threads
//     mr x nr/16 accumulators <16 x i32>: zero where a zero fill has
//     just written C, the row's value where a broadcast of one value per
//     row has (a convolution's start; either op goes), else read from C
//     scf.for kk < K/4
//       nr/16 loads of 64 bytes of Wp[kk, n0.., 0..3]
//       per row: A[m, 4kk..4kk+3] as one i32, broadcast to 16 lanes
//       mr * nr/16 vpdpbusd
//     the accumulators written back to C
//
// nr is the largest of 64, 32, 16 dividing N and mr the largest of 4, 2, 1
// dividing M (8, 4, 2, 1 when nr is 16 or 32), so that there are no
// partial tiles and at most 16 of the 32 vector registers hold
// accumulators.
//
// Generics packed with 2 bytes per lane (Wp: K/2xNx2xi8, for AVX2, which
// has neither VNNI nor 512-bit vectors) become the same loops around
// `vpmaddwd` on 256 bits: the broadcast operand is first widened to 16
// bits once, into a buffer of its own (M x K x i16, sign- or
// zero-extended as the generic says; up to 2 MiB of it, else it is
// widened in the loop); then per step of 2 K values, 16
// bytes of Wp per 8 columns widened to 16 bits, one 32-bit word (a pair
// of 16-bit values) of each row broadcast from the widened buffer, then
// vpmaddwd (two 16-bit products summed into each 32-bit lane) and an add
// per accumulator. Exact, unlike `vpmaddubsw`: |255 x -128| fits 16 bits
// signed once widened, and the pair is summed in 32 bits (vpmaddubsw
// sums the pair in 16 bits and saturates). nr is the largest of 16, 8
// dividing N and mr of 4, 2, 1 (8 too with 8 columns): 8 of the 16
// registers hold accumulators, the rest the columns, the broadcast and
// vpmaddwd's results.
//
// Widening the rows once, rather than in the loop, matters because every
// row pair is broadcast once per column tile (N / nr times): in the loop
// that cost 4 instructions (load, widen, move, broadcast) per row and
// step, as many as the products of a 16-column tile, where a broadcast of
// the widened word is one load-and-broadcast. What is left is vpmaddwd's
// own bound: the development machine's EPYC has one vector-integer
// multiply pipe, and bench/precision_peak.py measures 16 G multiply-adds
// per second per core on vpmaddwd against 20 G on float32 FMAs
// (docs/precision.md).
//
// With the `epilogues` option (--cpu-int8-epilogues), a product grouped
// with the generics that requantize its result
// (--autoglm-group-int8-epilogues, Int8Epilogue.h) runs them on each
// register tile's accumulators after the K loop instead of storing C.
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CPU/Passes.h"

#include "AccumulatorStart.h"
#include "ContractionTiles.h"
#include "Int8Epilogue.h"
#include "VnniProduct.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMVNNICONTRACTIONS
#include "autoglm/Target/CPU/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;

namespace {
/// The most bytes of 16-bit rows widened before the loops (AVX2): every
/// column tile reads them all, so they should stay in L2/L3. Above it (the
/// weights of ResNet-50's last convolutions, 4.5 MiB widened, read by 7
/// column tiles) the rows are widened in the loop as they are read.
constexpr int64_t kMaxWidenedRowBytes = 2 << 20;

/// `v` zero-extended (`isUnsigned`) or sign-extended to `type`.
Value extend(OpBuilder &b, Location loc, Type type, Value v, bool isUnsigned) {
  if (isUnsigned)
    return arith::ExtUIOp::create(b, loc, type, v);
  return arith::ExtSIOp::create(b, loc, type, v);
}

/// Rewrites the marked generic `op` (A: MxK/GxGxi8, Wp: K/GxNxGxi8,
/// C: MxNxi32, all identity-strided buffers, G = 4 or 2) into the loops
/// above; with `epilogues`, the generics that finish C run on the
/// accumulators after the K loop instead of C being stored.
LogicalResult lower(IRRewriter &rewriter, linalg::GenericOp op,
                    bool epilogues) {
  Value a = op.getDpsInputs()[0], w = op.getDpsInputs()[1],
        c = op.getDpsInits()[0];
  auto aType = dyn_cast<MemRefType>(a.getType());
  auto wType = dyn_cast<MemRefType>(w.getType());
  auto cType = dyn_cast<MemRefType>(c.getType());
  if (!aType || !wType || !cType || !aType.hasStaticShape() ||
      !wType.hasStaticShape() || !cType.hasStaticShape() ||
      !aType.getLayout().isIdentity() || !wType.getLayout().isIdentity() ||
      !cType.getLayout().isIdentity())
    return failure();
  int64_t m = cType.getDimSize(0), n = cType.getDimSize(1),
          k4 = wType.getDimSize(0), group = wType.getDimSize(2);
  if (group != 4 && group != 2)
    return failure();
  // vpdpbusd (4 bytes a lane, 16 lanes) or vpmaddwd (2, 8 lanes).
  bool pairs = group == 2;
  int64_t lanes = autoglm::packedProductLanes(group);
  int64_t nr = pairs ? autoglm::largestDivisor(n, {16, 8})
                     : autoglm::largestDivisor(n, {64, 32, 16});
  if (n % lanes != 0 || nr % lanes != 0)
    return failure();
  int64_t cols = nr / lanes;
  // Each step of K loads `cols` vectors and broadcasts `mr` words for
  // mr * cols products: with few column vectors, 8 rows keep the loads
  // below the products (16 accumulators at most of 32 registers with
  // AVX-512, 8 of 16 with AVX2, where each vpmaddwd also needs a register
  // for its result before the add: 4 x 24 spilled).
  int64_t mr = cols <= (pairs ? 1 : 2)
                   ? autoglm::largestDivisor(m, {8, 4, 2, 1})
                   : autoglm::largestDivisor(m, {4, 2, 1});
  // The unsigned operand of vpdpbusd: the broadcast rows, or the loaded
  // columns.
  bool unsignedRows = autoglm::vnniRowsAreUnsigned(op);
  // The requantization after the product, on each register tile of
  // accumulators (not on C's padding: only --autoglm-amx-contractions
  // takes padded products).
  std::optional<autoglm::Int8Epilogue> epilogue;
  if (epilogues)
    epilogue = autoglm::Int8Epilogue::match(op);
  if (epilogue && epilogue->rows() != m)
    epilogue.reset();
  // What has just written all of C, if anything: zero (a fill) or one
  // value per row (a convolution's start). The accumulators start there in
  // registers instead of reading C back, and the op goes (the tiles cover
  // all of C).
  linalg::FillOp fill = autoglm::zeroFillBefore(op, c);
  linalg::GenericOp rowStart =
      fill ? linalg::GenericOp() : autoglm::rowBroadcastBefore(op, c);

  Location loc = op.getLoc();
  rewriter.setInsertionPoint(epilogue ? epilogue->insertionPoint() : op);
  Type i8 = rewriter.getIntegerType(8), i16 = rewriter.getI16Type(),
       i32 = rewriter.getI32Type();
  auto accType = VectorType::get({lanes}, i32);
  auto bytesType = VectorType::get({group * lanes}, i8);
  // The operands of the instruction: 64 bytes (vpdpbusd) or 16 words
  // (vpmaddwd).
  auto operandType = pairs ? VectorType::get({group * lanes}, i16) : bytesType;
  // Widens the bytes of `v` to 16 bits, zero- or sign-extended.
  auto widen = [&](Value v, bool isUnsigned) -> Value {
    auto type = VectorType::get(cast<VectorType>(v.getType()).getShape(), i16);
    return extend(rewriter, loc, type, v, isUnsigned);
  };
  // A as [M, K] and Wp as [K/G, G N]: the loads below read along one row.
  Value a2 = memref::CollapseShapeOp::create(
      rewriter, loc, a, ArrayRef<ReassociationIndices>{{0}, {1, 2}});
  Value w2 = memref::CollapseShapeOp::create(
      rewriter, loc, w, ArrayRef<ReassociationIndices>{{0}, {1, 2}});
  auto index = [&](int64_t v) {
    return arith::ConstantIndexOp::create(rewriter, loc, v).getResult();
  };
  Value zero = index(0);
  // AVX2: the broadcast operand widened to 16 bits once, before the loops
  // (an elementwise generic, vectorized and run on the threads like any
  // other), and freed after them; unless the widened rows would not stay
  // in cache while every column tile reads them all again (a large
  // convolution weight with few output pixels), where widening in the
  // loop costs less than streaming twice the bytes from memory.
  bool widenRowsFirst = pairs && m * k4 * group * 2 <= kMaxWidenedRowBytes;
  Value rowSource = a2;
  if (widenRowsFirst) {
    auto wideType = MemRefType::get({m, k4 * group}, i16);
    rowSource = memref::AllocOp::create(rewriter, loc, wideType,
                                        rewriter.getI64IntegerAttr(64));
    AffineMap identity = rewriter.getMultiDimIdentityMap(2);
    linalg::GenericOp::create(
        rewriter, loc, ValueRange{a2}, ValueRange{rowSource},
        ArrayRef<AffineMap>{identity, identity},
        {utils::IteratorType::parallel, utils::IteratorType::parallel},
        [&](OpBuilder &b, Location l, ValueRange args) {
          linalg::YieldOp::create(b, l,
                                  extend(b, l, i16, args[0], unsignedRows));
        });
  }
  // The column tiles are the outer loop: a tile's K x nr slice of the
  // weight (12 KiB for K = 768, 48 KiB for 3072) stays in L1 or L2 while
  // every row tile passes over it, where rows outside would stream the
  // whole weight (2.4 MB for BERT's 768 x 3072) from L3 or memory once per
  // row tile. Measured on a 128 x 768 x 3072 product with AVX2's 4 x 24
  // tiles: 0.7 of the time (and their spill went); BERT-base at int8 on
  // AVX-512 VNNI (a 2-core AMD EPYC, Zen 4; L2 1 MiB): 0.72 of the time at
  // one thread, 0.8 at two (docs/precision.md). The runtime splits the
  // outer loop between its threads, so each reads its own columns of the
  // weight.
  SmallVector<Value> ubs = {index(n), index(m)}, steps = {index(nr), index(mr)};
  auto loop = scf::ParallelOp::create(rewriter, loc, ValueRange{zero, zero},
                                      ubs, steps);
  if (widenRowsFirst) {
    rewriter.setInsertionPointAfter(loop);
    memref::DeallocOp::create(rewriter, loc, rowSource);
  }
  rewriter.setInsertionPointToStart(loop.getBody());
  // The body uses only what it defines and buffers: constants are made
  // again inside.
  zero = index(0);
  Value col0 = loop.getInductionVars()[0], row0 = loop.getInductionVars()[1];
  auto offset = [&](Value base, int64_t delta) -> Value {
    if (!delta)
      return base;
    return arith::AddIOp::create(rewriter, loc, base, index(delta));
  };
  SmallVector<Value> rows, colsAt;
  for (int64_t r = 0; r < mr; ++r)
    rows.push_back(offset(row0, r));
  for (int64_t j = 0; j < cols; ++j)
    colsAt.push_back(offset(col0, j * lanes));
  SmallVector<Value> accs;
  Value zeros;
  if (fill)
    zeros =
        arith::ConstantOp::create(rewriter, loc, rewriter.getZeroAttr(accType));
  for (int64_t r = 0; r < mr; ++r) {
    // The row's start broadcast to every lane (vpbroadcastd from memory).
    Value rowValue;
    if (rowStart)
      rowValue = vector::BroadcastOp::create(
          rewriter, loc, accType,
          memref::LoadOp::create(rewriter, loc, rowStart.getDpsInputs()[0],
                                 ValueRange{rows[r]}));
    for (int64_t j = 0; j < cols; ++j) {
      if (fill)
        accs.push_back(zeros);
      else if (rowStart)
        accs.push_back(rowValue);
      else
        accs.push_back(vector::LoadOp::create(rewriter, loc, accType, c,
                                              ValueRange{rows[r], colsAt[j]}));
    }
  }
  auto kLoop =
      scf::ForOp::create(rewriter, loc, zero, index(k4), index(1), accs);
  rewriter.setInsertionPointToStart(kLoop.getBody());
  Value kk = kLoop.getInductionVar();
  Value groupIndex = index(group);
  Value k = arith::MulIOp::create(rewriter, loc, kk, groupIndex);
  SmallVector<Value> bs;
  for (int64_t j = 0; j < cols; ++j) {
    Value byteCol = arith::MulIOp::create(rewriter, loc, colsAt[j], groupIndex);
    Value b = vector::LoadOp::create(rewriter, loc, bytesType, w2,
                                     ValueRange{kk, byteCol});
    bs.push_back(pairs ? widen(b, !unsignedRows) : b);
  }
  SmallVector<Value> next;
  StringAttr intrinsic = rewriter.getStringAttr(
      pairs ? "llvm.x86.avx2.pmadd.wd" : "llvm.x86.avx512.vpdpbusd.512");
  for (int64_t r = 0; r < mr; ++r) {
    // The row's `group` values at k (bytes, or for vpmaddwd 16-bit values,
    // widened here unless they were before the loops), as one 32-bit word
    // broadcast to every lane.
    Value values = vector::LoadOp::create(
        rewriter, loc, VectorType::get({group}, widenRowsFirst ? i16 : i8),
        rowSource, ValueRange{rows[r], k});
    if (pairs && !widenRowsFirst)
      values = widen(values, unsignedRows);
    Value word = vector::BitCastOp::create(rewriter, loc,
                                           VectorType::get({1}, i32), values);
    Value scalar = vector::ExtractOp::create(rewriter, loc, word, 0);
    Value splat = vector::BroadcastOp::create(rewriter, loc, accType, scalar);
    Value lhs = vector::BitCastOp::create(rewriter, loc, operandType, splat);
    for (int64_t j = 0; j < cols; ++j) {
      Value acc = kLoop.getRegionIterArgs()[r * cols + j];
      if (pairs) {
        // Both operands are signed 16-bit values: the order is free.
        Value sums =
            LLVM::CallIntrinsicOp::create(rewriter, loc, Type(accType),
                                          intrinsic, ValueRange{lhs, bs[j]})
                .getResult(0);
        next.push_back(arith::AddIOp::create(rewriter, loc, acc, sums));
        continue;
      }
      next.push_back(LLVM::CallIntrinsicOp::create(
                         rewriter, loc, Type(accType), intrinsic,
                         unsignedRows ? ValueRange{acc, lhs, bs[j]}
                                      : ValueRange{acc, bs[j], lhs})
                         .getResult(0));
    }
  }
  scf::YieldOp::create(rewriter, loc, next);
  rewriter.setInsertionPointAfter(kLoop);
  for (int64_t r = 0; r < mr; ++r)
    for (int64_t j = 0; j < cols; ++j) {
      Value acc = kLoop.getResult(r * cols + j);
      if (epilogue)
        epilogue->emit(rewriter, loc, acc, rows[r], colsAt[j]);
      else
        vector::StoreOp::create(rewriter, loc, acc, c,
                                ValueRange{rows[r], colsAt[j]});
    }
  Operation *kernel = loop;
  rewriter.eraseOp(op);
  if (fill)
    rewriter.eraseOp(fill);
  if (rowStart)
    rewriter.eraseOp(rowStart);
  if (epilogue)
    epilogue->erase(rewriter);
  autoglm::Int8Epilogue::ungroup(rewriter, kernel);
  return success();
}

struct VnniContractions
    : autoglm::impl::AutoGLMVnniContractionsBase<VnniContractions> {
  using AutoGLMVnniContractionsBase::AutoGLMVnniContractionsBase;

  void runOnOperation() override {
    SmallVector<linalg::GenericOp> products =
        autoglm::packedInt8Products(getOperation());
    IRRewriter rewriter(&getContext());
    for (linalg::GenericOp op : products)
      // One this pass cannot take (a strided view) stays a generic: slower,
      // and as correct.
      (void)lower(rewriter, op, epilogues);
    // Groups of products neither kernel took.
    SmallVector<scf::ExecuteRegionOp> groups;
    getOperation().walk([&](scf::ExecuteRegionOp group) {
      if (group->hasAttr(autoglm::kInt8EpilogueGroupAttr))
        groups.push_back(group);
    });
    for (scf::ExecuteRegionOp group : groups)
      autoglm::Int8Epilogue::ungroup(rewriter, group);
  }
};
} // namespace
