//===- AmxContractions.cpp - uint8 x int8 products on AMX tiles -----------===//
//
// --autoglm-amx-contractions: on a CPU with AMX-INT8, the `autoglm.vnni`
// generics of --autoglm-pack-int8-products and
// --autoglm-pack-int8-convolutions packed with 4 bytes per lane and padded
// to whole tiles (their `amx` option),
//
//   C[m, n] += sum_{kk, j} zext(A[m, kk, j]) * sext(Wp[kk, n, j])
//
// (or sext(A) * zext(Wp) for the convolutions), become loops of `amx`
// dialect tile operations. The packed layout is already the one AMX's
// `tdpb[su][su]d` reads for its second operand: a tile row is one kk and
// holds the 4 bytes of K of each of 16 columns, 64 bytes; the first
// operand's tile is 16 rows of A by 64 bytes of K, the accumulator 16 rows
// by 16 int32 columns. So
//
//   scf.parallel (N / 32 column blocks, M / 32 row blocks; the larger
//                 dimension's blocks outside)
//     the block's 2 x 2 accumulator tiles: zero (`tilezero`) where a
//     zero fill has just written C, loaded from a buffer of each row's
//     value where a broadcast of one value per row has (a convolution's
//     start; either op goes), else loaded from C
//     scf.for over K / 64
//       2 tiles of A (16 rows x 64 bytes), 2 of Wp (16 kk x 64 bytes)
//       4 amx.tile_muli
//     the accumulators stored to C
//
// 2 x 2 accumulators, 2 A and 2 B tiles use the 8 tile registers; each
// step loads 4 tiles for 4 products. An odd number of 16-row or 16-column
// tiles ends with a block one tile high or wide.
//
// Every tile has the same shape, 16 rows of 64 bytes, which is why the
// packing passes pad M, K (and a convolution's F) to whole tiles: LLVM
// writes one tile configuration (ldtilecfg) per function, a shape per
// tile register, so tiles of several shapes (a last block of fewer rows,
// a last step of fewer bytes of K) compete for the 8 registers in every
// function they share; a model whose products used 6 shapes failed
// register allocation. The outer loop walks the blocks of the larger of
// M and N: with N larger (BERT's products, ResNet-50's early
// convolutions), one column block's slice of Wp (K x 32 columns, 96 KiB
// for K = 768) stays in L2 while the row blocks pass over it; with M
// larger (ResNet-50's last convolutions, 512 filters of 4608 bytes for 64
// pixels) a row block of A stays while the smaller panel streams.
//
// Other generics (packed with 2 bytes per lane for AVX2, not padded,
// strided views) are left to --autoglm-vnni-contractions.
//
// With the `epilogues` option (--cpu-int8-epilogues), a product grouped
// with the generics that requantize its result
// (--autoglm-group-int8-epilogues, Int8Epilogue.h) runs them on each
// block's rows of C right after its tiles are stored.
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CPU/Passes.h"

#include "AccumulatorStart.h"
#include "Int8Epilogue.h"
#include "VnniProduct.h"

#include "mlir/Dialect/AMX/AMXDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMAMXCONTRACTIONS
#include "autoglm/Target/CPU/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;

namespace {
/// Rows of a tile, and bytes of a tile row (16 int32 columns, or 16 groups
/// of 4 bytes of K).
constexpr int64_t kTileRows = 16;
constexpr int64_t kTileRowBytes = 64;
/// Accumulator tiles of a block along each dimension: 2 x 2 accumulators
/// plus 2 tiles of A and 2 of B are the 8 tile registers.
constexpr int64_t kBlockTiles = 2;

/// Builds the loops of one generic: A as [M, K], Wp as [K/4, 4N], C as
/// [M, N], all bytes of a row contiguous.
class AmxProductBuilder {
public:
  AmxProductBuilder(OpBuilder &b, Location loc, Value a, Value w, Value c,
                    int64_t k4, bool unsignedRows, bool zeroStart,
                    Value startTiles, const autoglm::Int8Epilogue *epilogue)
      : b(b), loc(loc), a(a), w(w), c(c), k4(k4), unsignedRows(unsignedRows),
        zeroStart(zeroStart), startTiles(startTiles), epilogue(epilogue) {}

  /// The block whose first row is `row0` and first column `col0`:
  /// `rowTiles` x `colTiles` accumulator tiles.
  void block(Value row0, int64_t rowTiles, Value col0, int64_t colTiles) {
    Type i8 = b.getIntegerType(8), i32 = b.getI32Type();
    auto accType = amx::TileType::get({kTileRows, kTileRows}, i32);
    auto bytesType = amx::TileType::get({kTileRows, kTileRowBytes}, i8);
    SmallVector<Value> rows, cols, byteCols;
    for (int64_t i = 0; i < rowTiles; ++i)
      rows.push_back(offset(row0, i * kTileRows));
    for (int64_t j = 0; j < colTiles; ++j) {
      cols.push_back(offset(col0, j * kTileRows));
      byteCols.push_back(arith::MulIOp::create(b, loc, cols.back(), index(4)));
    }
    // The accumulators: zero (`tilezero`) where C was just zero-filled,
    // the rows' starts (16 rows of the M x 16 buffer) where C was just
    // written with one value per row, C's values otherwise.
    SmallVector<Value> accs;
    for (int64_t i = 0; i < rowTiles; ++i)
      for (int64_t j = 0; j < colTiles; ++j) {
        if (zeroStart)
          accs.push_back(amx::TileZeroOp::create(b, loc, accType));
        else if (startTiles)
          accs.push_back(amx::TileLoadOp::create(
              b, loc, accType, startTiles, ValueRange{rows[i], index(0)}));
        else
          accs.push_back(amx::TileLoadOp::create(b, loc, accType, c,
                                                 ValueRange{rows[i], cols[j]}));
      }

    auto loop =
        scf::ForOp::create(b, loc, index(0), index(k4), index(kTileRows), accs);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value kk = loop.getInductionVar();
      Value kByte = arith::MulIOp::create(b, loc, kk, index(4));
      SmallVector<Value> lhs, rhs, next;
      for (int64_t i = 0; i < rowTiles; ++i)
        lhs.push_back(amx::TileLoadOp::create(b, loc, bytesType, a,
                                              ValueRange{rows[i], kByte}));
      for (int64_t j = 0; j < colTiles; ++j)
        rhs.push_back(amx::TileLoadOp::create(b, loc, bytesType, w,
                                              ValueRange{kk, byteCols[j]}));
      for (int64_t i = 0; i < rowTiles; ++i)
        for (int64_t j = 0; j < colTiles; ++j)
          // The unsigned operand: A's rows for a product, Wp's columns for
          // a convolution (its weight is A).
          next.push_back(amx::TileMulIOp::create(
              b, loc, accType, lhs[i], rhs[j],
              loop.getRegionIterArgs()[i * colTiles + j],
              /*isZextLhs=*/unsignedRows, /*isZextRhs=*/!unsignedRows));
      scf::YieldOp::create(b, loc, next);
    }
    for (int64_t i = 0; i < rowTiles; ++i)
      for (int64_t j = 0; j < colTiles; ++j)
        amx::TileStoreOp::create(b, loc, c, ValueRange{rows[i], cols[j]},
                                 loop.getResult(i * colTiles + j));
    if (!epilogue)
      return;
    // The requantization, on the block's int32 values just stored (4 KiB,
    // in L1): a tile's values are reachable only through memory. Rows past
    // the product's own (its padding to whole tiles) are left.
    // One loop per tile, one vector per iteration: the chain's constants
    // (GELU's erf approximation has about 20) then stay in registers.
    auto rowType = VectorType::get({kTileRows}, i32);
    for (int64_t i = 0; i < rowTiles; ++i) {
      Value end = offset(rows[i], kTileRows);
      if (epilogue->rows() % kTileRows != 0)
        end = arith::MinSIOp::create(b, loc, end, index(epilogue->rows()));
      for (int64_t j = 0; j < colTiles; ++j) {
        auto rowLoop = scf::ForOp::create(b, loc, rows[i], end, index(1));
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(rowLoop.getBody());
        Value row = rowLoop.getInductionVar();
        Value acc = vector::LoadOp::create(b, loc, rowType, c,
                                           ValueRange{row, cols[j]});
        epilogue->emit(b, loc, acc, row, cols[j]);
      }
    }
  }

  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }

private:
  Value offset(Value base, int64_t delta) {
    if (!delta)
      return base;
    return arith::AddIOp::create(b, loc, base, index(delta));
  }

  OpBuilder &b;
  Location loc;
  Value a, w, c;
  int64_t k4;
  bool unsignedRows;
  /// Whether the accumulators start from zero rather than from C.
  bool zeroStart;
  /// Where they start from otherwise, if not from C: M x 16 int32, each
  /// row's start in all 16 columns (a tile of it is 16 rows' starts).
  Value startTiles;
  /// The generics that finish C, run on each block; or none.
  const autoglm::Int8Epilogue *epilogue;
};

/// Emits `full()` where `isFull` holds and `rest()` elsewhere; only one of
/// them when the other never runs.
void branch(OpBuilder &b, Location loc, Value isFull, bool hasFull,
            bool hasRest, function_ref<void()> full,
            function_ref<void()> rest) {
  if (!hasRest)
    return full();
  if (!hasFull)
    return rest();
  auto ifOp = scf::IfOp::create(b, loc, isFull, /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(ifOp.thenBlock());
  full();
  b.setInsertionPointToStart(ifOp.elseBlock());
  rest();
}

/// Rewrites the marked generic `op` (A: MxK/4x4xi8, Wp: K/4xNx4xi8,
/// C: MxNxi32, identity layouts, M, N and K/4 multiples of 16) into the
/// loops above; with `epilogues`, the generics that finish C run on each
/// block after its K loop.
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
      !cType.getLayout().isIdentity() || wType.getDimSize(2) != 4)
    return failure();
  int64_t m = cType.getDimSize(0), n = cType.getDimSize(1),
          k4 = wType.getDimSize(0);
  if (m % kTileRows != 0 || n % kTileRows != 0 || k4 % kTileRows != 0)
    return failure();

  std::optional<autoglm::Int8Epilogue> epilogue;
  if (epilogues)
    epilogue = autoglm::Int8Epilogue::match(op);
  const autoglm::Int8Epilogue *finish = epilogue ? &*epilogue : nullptr;

  // What has just written all of C, if anything: zero (a fill) or one
  // value per row (a convolution's start). The tiles start there instead
  // of loading C, and the op goes (the kernel writes all of C).
  linalg::FillOp fill = autoglm::zeroFillBefore(op, c);
  linalg::GenericOp rowStart =
      fill ? linalg::GenericOp() : autoglm::rowBroadcastBefore(op, c);

  Location loc = op.getLoc();
  rewriter.setInsertionPoint(epilogue ? epilogue->insertionPoint() : op);
  Value a2 = memref::CollapseShapeOp::create(
      rewriter, loc, a, ArrayRef<ReassociationIndices>{{0}, {1, 2}});
  Value w2 = memref::CollapseShapeOp::create(
      rewriter, loc, w, ArrayRef<ReassociationIndices>{{0}, {1, 2}});
  // A tile has no broadcast: the rows' starts are first spread over 16
  // columns, M x 64 bytes (4 KiB for 64 filters, against 800 KB of C for
  // ResNet-50's first convolutions), from which each block loads its
  // starting tiles.
  Value startTiles;
  if (rowStart) {
    startTiles = memref::AllocOp::create(
        rewriter, loc, MemRefType::get({m, kTileRows}, rewriter.getI32Type()),
        rewriter.getI64IntegerAttr(64));
    MLIRContext *ctx = rewriter.getContext();
    linalg::GenericOp::create(
        rewriter, loc, rowStart.getDpsInputs()[0], startTiles,
        ArrayRef<AffineMap>{
            AffineMap::get(2, 0, {getAffineDimExpr(0, ctx)}, ctx),
            rewriter.getMultiDimIdentityMap(2)},
        {utils::IteratorType::parallel, utils::IteratorType::parallel},
        [](OpBuilder &nested, Location l, ValueRange args) {
          linalg::YieldOp::create(nested, l, args[0]);
        });
  }
  AmxProductBuilder outer(rewriter, loc, a2, w2, c, k4,
                          autoglm::vnniRowsAreUnsigned(op), bool(fill),
                          startTiles, finish);

  int64_t blockRows = kBlockTiles * kTileRows;
  int64_t rowTiles = m / kTileRows, colTiles = n / kTileRows;
  int64_t fullRowBlocks = rowTiles / kBlockTiles,
          restRowTiles = rowTiles % kBlockTiles;
  int64_t fullColBlocks = colTiles / kBlockTiles,
          restColTiles = colTiles % kBlockTiles;
  int64_t rowBlocks = fullRowBlocks + (restRowTiles ? 1 : 0);
  int64_t colBlocks = fullColBlocks + (restColTiles ? 1 : 0);
  // The outer loop walks the blocks of the larger of M and N, so that the
  // operand read again for every outer block is the smaller one: column
  // blocks outside keep a K x 32 slice of Wp in cache while all of A
  // streams past it once per column block, rows outside the reverse.
  bool rowsOuter = m > n;
  SmallVector<Value> ubs = {outer.index(colBlocks), outer.index(rowBlocks)};
  if (rowsOuter)
    std::swap(ubs[0], ubs[1]);
  Value zero = outer.index(0);
  auto loop =
      scf::ParallelOp::create(rewriter, loc, ValueRange{zero, zero}, ubs,
                              ValueRange{outer.index(1), outer.index(1)});
  rewriter.setInsertionPointToStart(loop.getBody());
  // The body uses only what it defines and buffers: constants are made
  // again inside.
  AmxProductBuilder body(rewriter, loc, a2, w2, c, k4,
                         autoglm::vnniRowsAreUnsigned(op), bool(fill),
                         startTiles, finish);
  Value colBlock = loop.getInductionVars()[rowsOuter ? 1 : 0],
        rowBlock = loop.getInductionVars()[rowsOuter ? 0 : 1];
  Value row0 =
      arith::MulIOp::create(rewriter, loc, rowBlock, body.index(blockRows));
  Value col0 =
      arith::MulIOp::create(rewriter, loc, colBlock, body.index(blockRows));
  Value fullRows =
      arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::ult, rowBlock,
                            body.index(fullRowBlocks));
  Value fullCols =
      arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::ult, colBlock,
                            body.index(fullColBlocks));
  auto columns = [&](int64_t blockRowTiles) {
    branch(
        rewriter, loc, fullCols, fullColBlocks > 0, restColTiles > 0,
        [&] { body.block(row0, blockRowTiles, col0, kBlockTiles); },
        [&] { body.block(row0, blockRowTiles, col0, restColTiles); });
  };
  branch(
      rewriter, loc, fullRows, fullRowBlocks > 0, restRowTiles > 0,
      [&] { columns(kBlockTiles); }, [&] { columns(restRowTiles); });
  rewriter.eraseOp(op);
  if (fill)
    rewriter.eraseOp(fill);
  if (rowStart) {
    rewriter.setInsertionPointAfter(loop);
    memref::DeallocOp::create(rewriter, loc, startTiles);
    rewriter.eraseOp(rowStart);
  }
  if (epilogue)
    epilogue->erase(rewriter);
  autoglm::Int8Epilogue::ungroup(rewriter, loop);
  return success();
}

struct AmxContractions
    : autoglm::impl::AutoGLMAmxContractionsBase<AmxContractions> {
  using AutoGLMAmxContractionsBase::AutoGLMAmxContractionsBase;

  void runOnOperation() override {
    SmallVector<linalg::GenericOp> products =
        autoglm::packedInt8Products(getOperation());
    IRRewriter rewriter(&getContext());
    for (linalg::GenericOp op : products)
      // One this pass cannot take stays for --autoglm-vnni-contractions.
      (void)lower(rewriter, op, epilogues);
  }
};
} // namespace
