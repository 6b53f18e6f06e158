//===- AmxBf16Kernel.cpp - bf16 products on AMX tiles ---------------------===//
//
// AMX-BF16's `tdpbf16ps` adds to each float32 element of a 16 x 16
// accumulator tile the products of 16 pairs of bf16 values: row m of the
// first tile (16 rows x 32 bf16, along K) by column n of the second, whose
// rows hold pairs of K for 16 columns (the layout packBf16Pairs writes for
// vdpbf16ps). Every tile here is 16 rows of 64 bytes, the shape of the int8
// kernel's tiles (AmxContractions.cpp), because LLVM configures the tile
// registers once per function: tiles of other shapes would compete for
// the 8 registers with them.
//
//===----------------------------------------------------------------------===//

#include "AmxBf16Kernel.h"
#include "Bf16DotKernel.h"

#include "mlir/Dialect/AMX/AMXDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;

namespace {
constexpr int64_t kTileRows = 16;
/// bf16 values in a 64-byte tile row.
constexpr int64_t kTileK = 32;
/// Accumulator tiles of a block along each dimension (4 accumulators,
/// 2 tiles of A and 2 of B: the 8 tile registers).
constexpr int64_t kBlockTiles = 2;

ArrayRef<int64_t> matrixShape(Value buffer) {
  return cast<MemRefType>(buffer.getType()).getShape().take_back(2);
}

class AmxBf16Builder : mlir::autoglm::BlockIndexer {
public:
  AmxBf16Builder(OpBuilder &b, Location loc, Value a, Value pairs, Value c)
      : BlockIndexer{b, loc}, b(b), a(a), pairs(pairs), c(c) {}

  /// `rowTiles` x `colTiles` accumulator tiles from (row0, col0).
  void block(Value row0, int64_t rowTiles, Value col0, int64_t colTiles) {
    Type bf16 = b.getBF16Type(), f32 = b.getF32Type();
    auto accType = amx::TileType::get({kTileRows, kTileRows}, f32);
    auto valueType = amx::TileType::get({kTileRows, kTileK}, bf16);
    SmallVector<Value> rows, cols, pairCols;
    for (int64_t i = 0; i < rowTiles; ++i)
      rows.push_back(add(row0, i * kTileRows));
    for (int64_t j = 0; j < colTiles; ++j) {
      cols.push_back(add(col0, j * kTileRows));
      pairCols.push_back(mul(cols.back(), 2));
    }
    SmallVector<Value> accs;
    for (int64_t i = 0; i < rowTiles; ++i)
      for (int64_t j = 0; j < colTiles; ++j)
        accs.push_back(amx::TileLoadOp::create(b, loc, accType, c,
                                               at(c, rows[i], cols[j])));
    int64_t k = matrixShape(a)[1];
    auto loop = scf::ForOp::create(b, loc, constant(0), constant(k),
                                   constant(kTileK), accs);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value k0 = loop.getInductionVar();
      Value kk = arith::DivUIOp::create(b, loc, k0, constant(2));
      SmallVector<Value> lhs, rhs, next;
      for (int64_t i = 0; i < rowTiles; ++i)
        lhs.push_back(
            amx::TileLoadOp::create(b, loc, valueType, a, at(a, rows[i], k0)));
      for (int64_t j = 0; j < colTiles; ++j)
        rhs.push_back(amx::TileLoadOp::create(b, loc, valueType, pairs,
                                              at(pairs, kk, pairCols[j])));
      for (int64_t i = 0; i < rowTiles; ++i)
        for (int64_t j = 0; j < colTiles; ++j)
          next.push_back(amx::TileMulFOp::create(
              b, loc, accType, lhs[i], rhs[j],
              loop.getRegionIterArgs()[i * colTiles + j]));
      scf::YieldOp::create(b, loc, next);
    }
    for (int64_t i = 0; i < rowTiles; ++i)
      for (int64_t j = 0; j < colTiles; ++j)
        amx::TileStoreOp::create(b, loc, c, at(c, rows[i], cols[j]),
                                 loop.getResult(i * colTiles + j));
  }

  /// Blocks of 2 tiles (and 1 at an odd end) along `tiles` tiles of a
  /// dimension: `emit(start, tilesInBlock)` for each.
  void blocks(int64_t tiles,
              function_ref<void(Value start, int64_t count)> emit) {
    int64_t full = tiles / kBlockTiles;
    if (full) {
      auto loop = scf::ForOp::create(b, loc, constant(0),
                                     constant(full * kBlockTiles * kTileRows),
                                     constant(kBlockTiles * kTileRows));
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      emit(loop.getInductionVar(), kBlockTiles);
    }
    if (tiles % kBlockTiles)
      emit(constant(full * kBlockTiles * kTileRows), tiles % kBlockTiles);
  }

private:
  OpBuilder &b;
  Value a, pairs, c;
};
} // namespace

bool mlir::autoglm::isWholeAmxBf16Block(int64_t rows, int64_t k,
                                        int64_t columns) {
  return rows % kTileRows == 0 && k % kTileK == 0 && columns % kTileRows == 0;
}

void mlir::autoglm::buildAmxBf16Product(OpBuilder &builder, Location loc,
                                        Value a, Value pairs, Value c) {
  OpBuilder::InsertionGuard guard(builder);
  AmxBf16Builder kernel(builder, loc, a, pairs, c);
  int64_t m = matrixShape(c)[0], n = matrixShape(c)[1];
  // Column blocks outside: a column block's pairs (K x 32 columns of the
  // block) stay in L1 while the row blocks pass over them.
  kernel.blocks(n / kTileRows, [&](Value col0, int64_t colTiles) {
    kernel.blocks(m / kTileRows, [&](Value row0, int64_t rowTiles) {
      kernel.block(row0, rowTiles, col0, colTiles);
    });
  });
}
