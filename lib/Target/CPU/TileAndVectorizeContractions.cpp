//===- TileAndVectorizeContractions.cpp - register-blocked matmuls --------===//
//
// `convert-linalg-to-loops` turns a matrix product into a naive i-j-k loop
// nest that LLVM cannot block for caches or registers. This pass gives
// `linalg.matmul` and `linalg.batch_matmul` on buffers the structure of a
// BLAS micro-kernel, built from upstream transformations:
//
//   scf.parallel (M/Mc, N/Nc)        cache blocks, run on the runtime's threads
//     scf.for (K/Kc)                 a K block: B's block stays in L2
//       scf.for (Mc/mr)              register tiles, partial ones peeled off
//         scf.for (Nc/nr)
//           C tile -> vector          (hoisted out of the K loop)
//           scf.for (Kc)              per k: mr broadcasts of A, nr/lanes
//             ...                     loads of B, mr*nr/lanes FMAs
//           vector -> C tile
//
// A product of a kernel region arrives as one cache block of its region's
// block loop (--autoglm-tile-kernel-regions tiled it on tensors, with its
// fill and tail): its M and N fit one block, so only K is blocked here.
//
// A product whose accumulator a zero fill has just written (a kernel
// region's block: fill, product, tail) starts its register tiles from zero
// in registers instead, in its first K block, and the fill goes: the fill
// was a separate pass that wrote the block to memory before the product
// read it back (memsets of 6% of ResNet-50's time at batch 8, where the
// block's lines are not yet in cache; docs/decisions.md).
//
// A product's tail (the elementwise generic after it that updates its
// accumulator in place: bias, activation, residual) runs on each register
// tile after its K loop, where K is one block (RegisterTileTails.h).
//
// Peeling keeps every register tile static, so each one vectorizes into a
// `vector.contract` without masks; the contraction is lowered to outer
// products, i.e. broadcasts and `vector.fma`. There is no packing: measured
// against ONNX Runtime (docs/decisions.md), the unpacked kernel reaches most
// of its speed at the sizes of the models we compile.
//
// Products of 49 columns (7x7 outputs) would leave a partial tile of 17
// columns, an odd vector: on AVX-512 their tiles are three vectors wide
// instead (three one-vector accumulators, vectorized here row by row), and
// on any target a remaining column of one (on AVX-512 also two or four:
// 98 = 3 x 32 + 2, 196 = 6 x 32 + 4, two columns to an accumulator) is
// computed as dot products along K, not narrow FMAs (docs/decisions.md).
//
// Depthwise convolutions and poolings are not contractions over a shared
// operand; their loop nest is only reordered so that the output row is
// innermost, which LLVM's loop vectorizer turns into vector FMAs with a
// broadcast weight (or vector maxima and sums).
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CPU/Passes.h"

#include "SimplifyTiles.h"
#include "VectorTransfers.h"

#include "AccumulatorStart.h"
#include "BufferExtents.h"
#include "ContractionTiles.h"
#include "RegisterTileTails.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/TilingInterfaceImpl.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Transforms/Patterns.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/CSE.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/LoopInvariantCodeMotionUtils.h"

#include <numeric>

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMTILEANDVECTORIZECONTRACTIONS
#include "autoglm/Target/CPU/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;

namespace {
using autoglm::blockSize;
using autoglm::ContractionTiles;

bool isCandidate(linalg::LinalgOp op) {
  return autoglm::isTileableContraction(op, /*onTensors=*/false);
}

/// Marks a product (and every tile cut from it: tiling copies attributes)
/// whose accumulator starts at zero: the index of its fill in the pass's
/// list.
constexpr llvm::StringLiteral kZeroStart = "autoglm.zero_start";
/// Marks the K-block loop of a product cut into K blocks: a tile of a
/// zero-start product starts from zero in the loop's first iteration only.
constexpr llvm::StringLiteral kKBlocks = "autoglm.k_blocks";
/// Marks a product of few rows (ContractionTiles.h) and its tiles: their
/// K loops prefetch nothing (a row 16 ahead is in the next K block, read
/// after the whole column sweep; the rows of the current one stream).
constexpr llvm::StringLiteral kFewRows = "autoglm.few_rows";
/// Marks a product (and its tiles) whose tail runs on its register tiles
/// (RegisterTileTails.h): the index of the tail in the pass's list.
constexpr llvm::StringLiteral kTail = "autoglm.register_tile_tail";
/// Marks a tall product cut into K blocks (and its tiles) for
/// prefetchNextKBlock: [rows of B a K block, rows of B a register tile
/// prefetches, rows of A a block, rows of A a register tile].
constexpr llvm::StringLiteral kNextKBlock = "autoglm.next_k_block";

/// Whether a block of `columns` columns of `op` takes register tiles three
/// vectors wide (tileRegisters): where its last two-vector tile would be
/// wider than a vector (N = 49 at 7x7: 32 + 17), three-vector tiles leave a
/// remainder narrower than one (49 = 48 + 1), and the registers hold mr x 3
/// accumulators (AVX-512: 24 of 32). They are later split into three
/// one-vector products in one K loop (vectorizeWideTile): each k's
/// broadcasts of A then feed 3 FMAs. Float only: vectorizeWideTile builds
/// FMAs (an i32 tile would be one odd vector again).
bool wideTiles(linalg::LinalgOp op, const ContractionTiles &tiles,
               int64_t columns) {
  int64_t wide = 3 * tiles.lanes;
  return isa<FloatType>(getElementTypeOrSelf(op.getDpsInits()[0].getType())) &&
         tiles.mr * 3 + 4 <= tiles.registers &&
         columns % tiles.nr > tiles.lanes && columns >= wide &&
         columns % wide <= tiles.lanes;
}

/// Tiles `block`, a static block of `blockRanges`, into register tiles
/// (k one by one, so the tile's accumulator is the only loop-carried
/// state), peels the partial tiles and erases `block`; a block that is one
/// register tile stays as it is.
LogicalResult tileRegisters(RewriterBase &rewriter, linalg::LinalgOp block,
                            ArrayRef<int64_t> blockRanges,
                            const ContractionTiles &tiles) {
  unsigned m = blockRanges.size() - 3, n = m + 1, k = m + 2;
  bool batched = blockRanges.size() == 4;
  // A block whose last two-vector tile would be wider than a vector but
  // not a whole tile (N = 212: 6 x 32 + 20), and that three-vector tiles do
  // not fit either, splits there (`linalg::splitOp` erases `block`): its
  // leading columns keep the two-vector tiles, and the rest gets one-vector
  // tiles (16 + 4) below, instead of the whole block (13 x 16 + 4; each k's
  // broadcasts of A then feed one FMA each, not two: 1.4x the time measured
  // on a chain of 1x1 convolutions over 4 x 53 pixels).
  int64_t rest = blockRanges[n] % tiles.nr;
  if (blockRanges[n] > tiles.nr && rest > tiles.lanes &&
      !wideTiles(block, tiles, blockRanges[n])) {
    rewriter.setInsertionPoint(block);
    auto [head, tail] =
        linalg::splitOp(rewriter, cast<TilingInterface>(block.getOperation()),
                        n, rewriter.getIndexAttr(blockRanges[n] - rest));
    if (!head || !tail)
      return failure();
    SmallVector<int64_t> headRanges(blockRanges), tailRanges(blockRanges);
    headRanges[n] -= rest;
    tailRanges[n] = rest;
    if (failed(tileRegisters(rewriter,
                             cast<linalg::LinalgOp>(head.getOperation()),
                             headRanges, tiles)))
      return failure();
    return tileRegisters(rewriter, cast<linalg::LinalgOp>(tail.getOperation()),
                         tailRanges, tiles);
  }
  SmallVector<int64_t> inner(blockRanges.size(), 0);
  if (batched && blockRanges[0] > 1)
    inner[0] = 1;
  inner[m] = blockRanges[m] > tiles.mr ? tiles.mr : 0;
  inner[n] = blockRanges[n] > tiles.nr ? tiles.nr : 0;
  // A column tile wider than a vector but not a whole number of them
  // vectorizes into odd-width vectors that LLVM lowers lane by lane (N = 49
  // at 7x7 as 32 + 17: 80x slower than N = 64; a 5x5 image's 25 columns in
  // one tile: 25x ONNX Runtime's time): such a block takes one-vector tiles
  // (25 = 16 + 9, and the rest split off above), or three-vector ones
  // (wideTiles: 49 = 48 + 1).
  int64_t columns = blockRanges[n];
  if (wideTiles(block, tiles, columns))
    inner[n] = 3 * tiles.lanes;
  else if (columns < tiles.nr && columns % tiles.lanes == 0)
    inner[n] = 0; // whole vectors, narrower than nr (32 of a 48-wide tile)
  else if (columns % tiles.nr > tiles.lanes)
    inner[n] = tiles.lanes;
  inner[k] = blockRanges[k] > 1 ? 1 : 0;
  // Already one register tile (tileLinalgOp would return `block` itself).
  if (llvm::all_of(inner, [](int64_t t) { return t == 0; }))
    return success();
  // Column panels outside, row tiles inside (the order of GotoBLAS's
  // micro-kernel loops): the K x nr panel of B that a column tile reads
  // stays in L1 while every row tile of the block passes over it; A's block
  // rows are reread from L2 instead. B's rows are N apart (a page apart for
  // N >= 1024), so its panel is the operand to keep close.
  SmallVector<unsigned> order;
  if (batched)
    order.push_back(0);
  order.append({n, m, k});
  rewriter.setInsertionPoint(block);
  FailureOr<linalg::TiledLinalgOp> tiled = linalg::tileLinalgOp(
      rewriter, block,
      linalg::LinalgTilingOptions().setTileSizes(inner).setInterchange(order));
  if (failed(tiled))
    return failure();
  rewriter.eraseOp(block);

  // Peel the partial row and column tiles off (the inner loop, rows, first:
  // peeling the columns then copies both row loops), so that every tile is
  // static.
  auto loopOf = [&](unsigned dim) -> scf::ForOp {
    unsigned index = 0;
    for (unsigned d : order) {
      if (d == dim)
        break;
      index += inner[d] != 0;
    }
    return inner[dim] ? cast<scf::ForOp>(tiled->loops[index]) : scf::ForOp();
  };
  scf::ForOp rows = loopOf(m), cols = loopOf(n);
  scf::ForOp partial;
  if (rows && blockRanges[m] % inner[m] != 0)
    (void)scf::peelForLoopAndSimplifyBounds(rewriter, rows, partial);
  if (cols && blockRanges[n] % inner[n] != 0)
    (void)scf::peelForLoopAndSimplifyBounds(rewriter, cols, partial);
  return success();
}

/// The static distance in elements between the rows of `type`; none
/// where it is dynamic or `type` has no rows.
std::optional<int64_t> rowStride(MemRefType type) {
  if (type.getRank() < 2)
    return std::nullopt;
  auto [strides, offset] = type.getStridesAndOffset();
  int64_t stride = strides[strides.size() - 2];
  if (ShapedType::isDynamic(stride))
    return std::nullopt;
  return stride;
}

/// The static distance in elements between the rows of `b`, a product's
/// B on buffers, where it is f32; none otherwise.
std::optional<int64_t> f32RowStride(Value b) {
  auto type = dyn_cast<MemRefType>(b.getType());
  if (!type || !type.getElementType().isF32())
    return std::nullopt;
  return rowStride(type);
}

/// Whether the rows of `type` lie no whole number of 64-byte lines apart.
bool rowsStraddleLines(MemRefType type) {
  std::optional<int64_t> stride = rowStride(type);
  unsigned bits = type.getElementTypeBitWidth();
  return stride && bits % 8 == 0 && *stride * (bits / 8) % 64 != 0;
}

/// Whether `b`, a product's f32 B on buffers, has rows whose length is no
/// multiple of a 64-byte cache line (a register tile's piece of a row then
/// spans two lines at most offsets).
bool straddlesLines(Value b) {
  auto type = dyn_cast<MemRefType>(b.getType());
  return type && type.getElementType().isF32() && rowsStraddleLines(type);
}

/// The columns, from a row piece's first, at which prefetches touch each
/// 64-byte line of a piece `width` elements wide (`perLine` to a line):
/// one a line, and, where the rows straddle lines (rowsStraddleLines), the
/// piece's last element too. A piece then starts inside a line at most
/// rows and spans one line more (32 floats of a row of 196, ResNet-50's
/// 14 x 14 images: three lines, of which the columns 0 and 16 reached
/// two).
SmallVector<int64_t> pieceLineColumns(int64_t width, int64_t perLine,
                                      bool straddles) {
  SmallVector<int64_t> columns;
  for (int64_t column = 0; column < width; column += perLine)
    columns.push_back(column);
  if (straddles && width > 1 && columns.back() != width - 1)
    columns.push_back(width - 1);
  return columns;
}

/// The L1 data caches of the x86 cores this runs on (Zen 2-4: 32 KiB in 8
/// ways; Intel since Ice Lake: 48 KiB in 12): 64 sets of 64-byte lines,
/// at least 8 ways each.
constexpr int64_t kL1Sets = 64, kL1Ways = 8;

/// Whether the `kRows` rows of a register tile's column of `b` (a
/// product's f32 B on buffers, rows a whole number of 64-byte lines long)
/// cannot all stay in L1: row r's piece is line r * stride, lines kL1Sets
/// apart share a set, so the pieces fall into kL1Sets / gcd(stride in
/// lines, kL1Sets) sets only, kL1Ways lines each. Rows 4 KiB apart (a
/// 1024 x 1024 matrix) share one set: 8 of a K block's 256 rows stay, and
/// every row tile reads the others from L2 again (the 1024^3 product took
/// 2.1x ONNX Runtime's time; docs/decisions.md).
bool crowdsL1Sets(Value b, int64_t kRows) {
  std::optional<int64_t> rowStride = f32RowStride(b);
  if (!rowStride || *rowStride * 4 % 64 != 0)
    return false;
  int64_t sets = kL1Sets / std::gcd<int64_t>(*rowStride * 4 / 64, kL1Sets);
  return kRows > sets * kL1Ways;
}

/// The most bytes of a column tile's stack buffer (packColumnTiles): K
/// blocks are 128 rows (8 KiB); a K that no block size divides stays whole,
/// and a buffer of all of it could outgrow a thread's stack.
constexpr int64_t kMaxColumnTileBytes = 64 * 1024;

/// Whether `buffer` is a view of a global: a model's weights.
bool viewsGlobal(Value buffer) {
  std::optional<autoglm::BufferExtent> extent = autoglm::bufferExtent(buffer);
  return extent && extent->root.getDefiningOp<memref::GetGlobalOp>();
}

/// Whether `block`, a static block of `ranges` (m, n, k) of a product
/// whose column tiles of B do not stay in L1 as they are, their rows
/// straddling cache lines (straddlesLines) or crowding a few L1 sets
/// (crowdsL1Sets), copies each column tile's piece of B into a buffer
/// before its row tiles read it (packColumnTiles) on AVX2: an f32 MatMul of
/// more than two row tiles (the copy is read again by each), not of few
/// rows and not a tall product (whose weight is read from packed panels
/// already), whose piece fits kMaxColumnTileBytes; or one image of a
/// batched product whose A is no weight (attention's scores) and whose
/// rows crowd L1's sets (a convolution's filter over a batch of images
/// measured slower with the copies, docs/decisions.md).
bool packsColumnTiles(linalg::LinalgOp block, ArrayRef<int64_t> ranges,
                      const ContractionTiles &tiles) {
  bool batched = isa<linalg::BatchMatmulOp>(block) && ranges.size() == 4 &&
                 ranges[0] == 1 && !viewsGlobal(block.getDpsInputs()[0]);
  if (!(isa<linalg::MatmulOp>(block) && ranges.size() == 3) && !batched)
    return false;
  ranges = ranges.take_back(3);
  Value b = block.getDpsInputs()[1];
  return tiles.nr * 4 == 64 &&
         ranges[2] * tiles.nr * 4 <= kMaxColumnTileBytes &&
         ranges[0] > 2 * tiles.mr && ranges[1] >= tiles.nr &&
         !block->hasAttr(kFewRows) && !block->hasAttr(autoglm::kTallTiles) &&
         ((!batched && straddlesLines(b)) || crowdsL1Sets(b, ranges[2]));
}

/// Whether `tile`'s B is (a view of) a buffer on the stack: a column tile
/// that packColumnTiles copied, already in L1.
bool readsStackBuffer(linalg::LinalgOp tile) {
  Value b = tile.getDpsInputs()[1];
  while (auto view = b.getDefiningOp<memref::SubViewOp>())
    b = view.getSource();
  return b.getDefiningOp<memref::AllocaOp>() != nullptr;
}

/// Rewrites `block` (packsColumnTiles) into its column tiles, each first
/// copying its K x nr piece of B, row by row as vectors, into a buffer on
/// the stack (one for all, 64-byte aligned; --autoglm-parallel-loops-to-
/// runtime moves it to its function's entry block), then
/// multiplying the block's rows by the buffer into its columns of C; a last
/// tile narrower than nr takes the buffer's first columns. Every row tile
/// then reads one cache line of B a k, from L1, instead of two lines of
/// rows 196 bytes apart (ResNet-50's 7 x 7 images) or lines that the other
/// rows evict from their few sets: what ONNX Runtime's MLAS does with a B
/// that is not a constant. Returns the products (each a
/// block of its own for tileRegisters) and erases `block`.
SmallVector<linalg::LinalgOp> packColumnTiles(RewriterBase &rewriter,
                                              linalg::LinalgOp block,
                                              ArrayRef<int64_t> ranges,
                                              const ContractionTiles &tiles) {
  Location loc = block.getLoc();
  int64_t rows = ranges[ranges.size() - 3], columns = ranges[ranges.size() - 2],
          depth = ranges.back();
  int64_t nr = tiles.nr, whole = columns / nr, rest = columns % nr;
  Value a = block.getDpsInputs()[0], b = block.getDpsInputs()[1];
  Value c = block.getDpsInits()[0];
  Type f32 = rewriter.getF32Type();
  rewriter.setInsertionPoint(block);
  // One image of a batched product: its matrices, without the batch.
  if (ranges.size() == 4) {
    auto matrix = [&](Value batch, int64_t height, int64_t width) -> Value {
      auto type = cast<MemRefType>(batch.getType());
      SmallVector<OpFoldResult> offsets(3, rewriter.getIndexAttr(0)),
          strides(3, rewriter.getIndexAttr(1));
      SmallVector<OpFoldResult> sizes = {rewriter.getIndexAttr(1),
                                         rewriter.getIndexAttr(height),
                                         rewriter.getIndexAttr(width)};
      auto reduced = memref::SubViewOp::inferRankReducedResultType(
          {height, width}, type, offsets, sizes, strides);
      return memref::SubViewOp::create(rewriter, loc, cast<MemRefType>(reduced),
                                       batch, offsets, sizes, strides);
    };
    a = matrix(a, rows, depth);
    b = matrix(b, depth, columns);
    c = matrix(c, rows, columns);
  }
  Value buffer =
      memref::AllocaOp::create(rewriter, loc, MemRefType::get({depth, nr}, f32),
                               rewriter.getI64IntegerAttr(64));
  SmallVector<linalg::LinalgOp> pieces;
  auto index = [&](OpBuilder &builder, int64_t value) -> Value {
    return arith::ConstantIndexOp::create(builder, loc, value);
  };
  auto columnTile = [&](OpBuilder &builder, OpFoldResult column,
                        int64_t width) {
    SmallVector<OpFoldResult> unit(2, builder.getIndexAttr(1));
    OpFoldResult zero = builder.getIndexAttr(0);
    Value from = memref::SubViewOp::create(
        builder, loc, b, {zero, column},
        {builder.getIndexAttr(depth), builder.getIndexAttr(width)}, unit);
    Value to =
        width == nr
            ? buffer
            : memref::SubViewOp::create(
                  builder, loc, buffer, {zero, zero},
                  {builder.getIndexAttr(depth), builder.getIndexAttr(width)},
                  unit)
                  .getResult();
    auto row = VectorType::get({width}, f32);
    scf::ForOp::create(builder, loc, index(builder, 0), index(builder, depth),
                       index(builder, 1), ValueRange{},
                       [&](OpBuilder &body, Location, Value k, ValueRange) {
                         Value first = index(body, 0);
                         Value v = vector::TransferReadOp::create(
                             body, loc, row, from, ValueRange{k, first},
                             /*padding=*/std::nullopt, ArrayRef<bool>{true});
                         vector::TransferWriteOp::create(body, loc, v, to,
                                                         ValueRange{k, first},
                                                         ArrayRef<bool>{true});
                         scf::YieldOp::create(body, loc);
                       });
    Value out = memref::SubViewOp::create(
        builder, loc, c, {zero, column},
        {builder.getIndexAttr(rows), builder.getIndexAttr(width)}, unit);
    auto product = linalg::MatmulOp::create(builder, loc, TypeRange{},
                                            ValueRange{a, to}, ValueRange{out});
    product->setDiscardableAttrs(block->getDiscardableAttrDictionary());
    pieces.push_back(product);
  };
  if (whole > 0)
    scf::ForOp::create(rewriter, loc, index(rewriter, 0),
                       index(rewriter, whole * nr), index(rewriter, nr),
                       ValueRange{},
                       [&](OpBuilder &body, Location, Value j, ValueRange) {
                         columnTile(body, j, nr);
                         scf::YieldOp::create(body, loc);
                       });
  if (rest)
    columnTile(rewriter, rewriter.getIndexAttr(whole * nr), rest);
  rewriter.eraseOp(block);
  return pieces;
}

/// Tiles `op` for caches and registers, peels the partial register tiles and
/// erases `op`. The register tiles are left as small linalg ops.
LogicalResult tileContraction(RewriterBase &rewriter, linalg::LinalgOp op,
                              const ContractionTiles &tiles) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  // Loop dims: [b,] m, n, k.
  unsigned m = ranges.size() - 3, n = m + 1, k = m + 2;
  bool batched = ranges.size() == 4;

  // Cache blocks: rows and columns in parallel, K sequential inside.
  SmallVector<int64_t> outer(ranges.size(), 0);
  if (batched && ranges[0] > 1)
    outer[0] = 1;
  int64_t mMultiple = tiles.mcMultiple ? tiles.mcMultiple : tiles.mr;
  outer[m] = blockSize(ranges[m], tiles.mc, mMultiple, mMultiple);
  outer[n] = blockSize(ranges[n], tiles.nc, tiles.nr, tiles.nr);
  outer[k] = blockSize(ranges[k], tiles.kc, 1, tiles.kc / 4);
  // On AVX2 a register tile's 16 floats of a row of B are one cache line
  // where B's rows are a multiple of 64 bytes long, else two (N = 49, a
  // 7 x 7 image: rows 196 bytes apart): a K block of 256 rows is then 512
  // lines, all of the 32 KiB L1, and the column tile that every row tile
  // reads again does not stay there. K blocks of half as many rows keep it
  // (ResNet-50's 7 x 7 convolutions 0.85-0.9x the time, docs/decisions.md).
  if (tiles.nr * 4 == 64 && straddlesLines(op.getDpsInputs()[1]))
    outer[k] = blockSize(ranges[k], tiles.kc / 2, 1, tiles.kc / 8);
  // Few rows (ContractionTiles.h, fewRows): short K blocks with the column
  // tiles inside, so each K block streams its rows of B along N; the
  // column blocks were cut for threads by --autoglm-tile-kernel-regions
  // and stay whole here (B has no panel to keep in cache).
  // One column tile (a panel of a streamed weight, WeightPanels.h) reads
  // B in the same order whatever K's blocks: K stays whole, and the
  // accumulator in registers.
  if (autoglm::fewRows(ranges[m], tiles)) {
    op->setAttr(kFewRows, rewriter.getUnitAttr());
    outer[n] = 0;
    outer[k] = ranges[n] <= tiles.nr ? 0
                                     : blockSize(ranges[k], tiles.kcFewRows, 1,
                                                 tiles.kcFewRows / 4);
  } else if (ranges[m] <= 2 * tiles.mr) {
    // Two row tiles (mr < M <= 2 mr: a decoder step's products at batch 8
    // on AVX2, whose tiles are 6 rows), each static at a fixed place in C:
    // inside a K-block loop LLVM forwards each tile's stores of C to the
    // next K block's loads, so both tiles' accumulators (16 vectors at 6 + 2
    // rows) stay live across the loop and spill inside the tiles' K loops
    // (GPT-2's step at batch 8 took 1.56x ONNX Runtime's time on a Zen 3).
    // K whole instead: each tile keeps its own accumulators over all of K.
    outer[k] = 0;
  }
  // A tall product's register tiles bring in the next K block of B while
  // they run (prefetchNextKBlock).
  if (op->hasAttr(autoglm::kTallTiles) && outer[k]) {
    int64_t blockRows = outer[m] ? outer[m] : ranges[m];
    int64_t rowTiles = (blockRows + tiles.mr - 1) / tiles.mr;
    op->setAttr(kNextKBlock,
                rewriter.getDenseI64ArrayAttr(
                    {outer[k], (outer[k] + rowTiles - 1) / rowTiles, blockRows,
                     tiles.mr}));
  }
  linalg::LinalgOp block = op;
  rewriter.setInsertionPoint(op);
  if (llvm::any_of(outer, [](int64_t t) { return t != 0; })) {
    FailureOr<linalg::TiledLinalgOp> tiled = linalg::tileLinalgOp(
        rewriter, op,
        linalg::LinalgTilingOptions().setTileSizes(outer).setLoopType(
            linalg::LinalgTilingLoopType::ParallelLoops));
    if (failed(tiled))
      return failure();
    block = tiled->op;
    // The only sequential loop of the cache blocks is K's.
    for (Operation *loop : tiled->loops)
      if (isa<scf::ForOp>(loop))
        loop->setAttr(kKBlocks, rewriter.getUnitAttr());
  }

  // Register tiles of the (static) block.
  SmallVector<int64_t> blockRanges(ranges);
  for (unsigned d = 0; d < ranges.size(); ++d)
    if (outer[d])
      blockRanges[d] = outer[d];
  bool cacheBlocked = block != op;
  if (packsColumnTiles(block, blockRanges, tiles)) {
    for (linalg::LinalgOp piece :
         packColumnTiles(rewriter, block, blockRanges, tiles))
      if (failed(tileRegisters(rewriter, piece, piece.getStaticLoopRanges(),
                               tiles)))
        return failure();
  } else if (failed(tileRegisters(rewriter, block, blockRanges, tiles))) {
    return failure();
  }
  if (cacheBlocked)
    rewriter.eraseOp(op);
  return success();
}

/// Orders the loops of a sliding-window op (a depthwise convolution or a
/// pooling) as (n, c, oh, kh, kw, ow): the innermost loop then walks along
/// the output row with one weight or window tap, which LLVM vectorizes (the
/// named ops' order ends in kw, a loop of 3 or 7 around scalar code; a
/// stride-2 window reads its input row by interleaved vector loads). The
/// ops' second operand (the weight, or the pooling's window) is read at
/// (..., kh, kw).
LogicalResult reorderWindowLoops(RewriterBase &rewriter, linalg::LinalgOp op) {
  if (!op.hasPureBufferSemantics())
    return failure();
  rewriter.setInsertionPoint(op);
  FailureOr<linalg::GenericOp> generic =
      linalg::generalizeNamedOp(rewriter, op);
  if (failed(generic))
    return failure();
  SmallVector<AffineMap> maps = generic->getIndexingMapsArray();
  auto dimOf = [](AffineExpr e) {
    return cast<AffineDimExpr>(e).getPosition();
  };
  AffineMap out = maps.back(), taps = maps[1];
  unsigned rank = taps.getNumResults();
  SmallVector<unsigned> order = {
      dimOf(out.getResult(0)),         dimOf(out.getResult(1)),
      dimOf(out.getResult(2)),         dimOf(taps.getResult(rank - 2)),
      dimOf(taps.getResult(rank - 1)), dimOf(out.getResult(3))};
  return linalg::interchangeGenericOp(rewriter, *generic, order);
}

/// Vectorizes a register tile (K = 1) whose columns are several vectors
/// but not a power of two of them (three on AVX-512: tileContraction's 48
/// of 49 columns) as one-vector accumulators over column views of C, row by
/// row: A's element broadcast once, then one FMA per vector of B. Returns
/// false, leaving the tile, for any other tile. (linalg::vectorize would
/// make a `vector<8x48xf32>`, which LLVM lowers lane by lane, 25x slower
/// measured; three one-vector tiles vectorized apart keep all 8
/// broadcasts live across the three, 33 registers, and spill.)
bool vectorizeWideTile(RewriterBase &rewriter, linalg::LinalgOp tile,
                       int64_t lanes) {
  SmallVector<int64_t> ranges = tile.getStaticLoopRanges();
  unsigned rank = ranges.size();
  int64_t rows = ranges[rank - 3], columns = ranges[rank - 2];
  Type element = getElementTypeOrSelf(tile.getDpsInits()[0].getType());
  if (!isa<FloatType>(element) || columns <= lanes || columns % lanes ||
      llvm::isPowerOf2_64(columns / lanes) || ranges.back() != 1)
    return false;
  for (unsigned d = 0; d + 3 < rank; ++d)
    if (ranges[d] != 1)
      return false;
  Location loc = tile.getLoc();
  rewriter.setInsertionPoint(tile);
  Value a = tile.getDpsInputs()[0], b = tile.getDpsInputs()[1],
        c = tile.getDpsInits()[0];
  unsigned memRank = cast<MemRefType>(c.getType()).getRank();
  auto index = [&](int64_t v) {
    return arith::ConstantIndexOp::create(rewriter, loc, v).getResult();
  };
  Value zero = index(0);
  Value padding =
      arith::ConstantOp::create(rewriter, loc, rewriter.getZeroAttr(element));
  // The accumulators have C's rank (leading unit dims of a batched tile),
  // as linalg::vectorize's would: prefetchTileForWrite expects that.
  SmallVector<int64_t> accShape(memRank, 1);
  accShape[memRank - 2] = rows;
  accShape[memRank - 1] = lanes;
  auto accType = VectorType::get(accShape, element);
  SmallVector<bool> accInBounds(memRank, true);
  auto rowType = VectorType::get({lanes}, element);
  SmallVector<Value> views, accs, bs;
  SmallVector<Value> zeros(memRank, zero);
  for (int64_t j = 0; j < columns; j += lanes) {
    SmallVector<OpFoldResult> offsets(memRank, rewriter.getIndexAttr(0));
    SmallVector<OpFoldResult> strides(memRank, rewriter.getIndexAttr(1));
    SmallVector<OpFoldResult> sizes;
    for (int64_t d : cast<MemRefType>(c.getType()).getShape())
      sizes.push_back(rewriter.getIndexAttr(d));
    offsets.back() = rewriter.getIndexAttr(j);
    sizes.back() = rewriter.getIndexAttr(lanes);
    Value view =
        memref::SubViewOp::create(rewriter, loc, c, offsets, sizes, strides);
    views.push_back(view);
    accs.push_back(vector::TransferReadOp::create(rewriter, loc, accType, view,
                                                  zeros, padding, accInBounds));
    SmallVector<Value> at(zeros);
    at.back() = index(j);
    bs.push_back(vector::TransferReadOp::create(rewriter, loc, rowType, b, at,
                                                padding, ArrayRef<bool>{true}));
  }
  for (int64_t i = 0; i < rows; ++i) {
    SmallVector<Value> at(zeros);
    at[memRank - 2] = index(i);
    Value broadcast = vector::BroadcastOp::create(
        rewriter, loc, rowType, memref::LoadOp::create(rewriter, loc, a, at));
    SmallVector<int64_t> position(memRank - 1, 0);
    position.back() = i;
    for (auto [acc, row] : llvm::zip(accs, bs)) {
      Value sum = vector::FMAOp::create(
          rewriter, loc, broadcast, row,
          vector::ExtractOp::create(rewriter, loc, acc, position));
      acc = vector::InsertOp::create(rewriter, loc, sum, acc, position);
    }
  }
  for (auto [acc, view] : llvm::zip(accs, views))
    vector::TransferWriteOp::create(rewriter, loc, acc, view, zeros,
                                    accInBounds);
  return true;
}

/// Whether the accumulators `writes` write disjoint column ranges of one
/// view (splitColumns' one-vector tiles): views of one source at the same
/// static offsets but the last, those at least a tile's width apart.
bool disjointColumns(ArrayRef<vector::TransferWriteOp> writes) {
  SmallVector<memref::SubViewOp> views;
  for (vector::TransferWriteOp w : writes) {
    auto view = w.getBase().getDefiningOp<memref::SubViewOp>();
    if (!view || view.getStaticSizes().empty() ||
        ShapedType::isDynamic(view.getStaticSizes().back()) ||
        llvm::any_of(view.getStaticOffsets(), ShapedType::isDynamic))
      return false;
    if (!views.empty() && (view.getSource() != views.front().getSource() ||
                           view.getStaticOffsets().drop_back() !=
                               views.front().getStaticOffsets().drop_back()))
      return false;
    views.push_back(view);
  }
  for (unsigned i = 0; i < views.size(); ++i)
    for (unsigned j = i + 1; j < views.size(); ++j) {
      int64_t a = views[i].getStaticOffsets().back();
      int64_t b = views[j].getStaticOffsets().back();
      int64_t width = a < b ? views[i].getStaticSizes().back()
                            : views[j].getStaticSizes().back();
      if (std::abs(a - b) < width)
        return false;
    }
  return true;
}

/// Keeps a register tile's accumulators in registers across its K loop:
/// the loop's `vector.transfer_read`s of C move before it, the matching
/// `vector.transfer_write`s after it, and the vectors become loop-carried
/// values. Upstream's hoistRedundantVectorTransfers gives up on transfers
/// on views (every C tile is a subview) since it cannot rule out aliasing;
/// here the loop is one K loop of a tile, whose only writes are its
/// accumulators' (one, or splitColumns' disjoint columns) and whose reads
/// are of the product's inputs, which bufferization never places in the
/// output's buffer. Returns the hoisted reads (none if the accumulators
/// stay in memory).
SmallVector<vector::TransferReadOp> hoistAccumulators(RewriterBase &rewriter,
                                                      scf::ForOp loop) {
  SmallVector<vector::TransferWriteOp> writes;
  for (Operation &op : loop.getBody()->without_terminator()) {
    if (auto w = dyn_cast<vector::TransferWriteOp>(op)) {
      writes.push_back(w);
      continue;
    }
    // Nothing else may write memory (loads, prefetches and views are fine).
    if (!isMemoryEffectFree(&op) &&
        !isa<vector::TransferReadOp, vector::LoadOp, memref::LoadOp,
             memref::PrefetchOp>(op))
      return {};
  }
  if (writes.empty() || (writes.size() > 1 && !disjointColumns(writes)))
    return {};
  auto definedOutside = [&](Value v) { return loop.isDefinedOutsideOfLoop(v); };
  SmallVector<vector::TransferReadOp> reads;
  for (vector::TransferWriteOp write : writes) {
    if (!write.getBase().getParentRegion()->isProperAncestor(
            &loop.getBodyRegion()) ||
        !definedOutside(write.getBase()) ||
        !llvm::all_of(write.getIndices(), definedOutside))
      return {};
    vector::TransferReadOp read;
    for (auto r : loop.getBody()->getOps<vector::TransferReadOp>())
      if (r.getBase() == write.getBase() &&
          autoglm::sameIndices(r.getIndices(), write.getIndices()) &&
          r.getVectorType() == write.getVectorType() &&
          r.getPermutationMap() == write.getPermutationMap() && !r.getMask() &&
          !write.getMask())
        read = r;
    if (!read)
      return {};
    reads.push_back(read);
  }
  SmallVector<Value> inits;
  for (vector::TransferReadOp read : reads) {
    rewriter.moveOpBefore(read, loop);
    inits.push_back(read.getResult());
  }
  FailureOr<LoopLikeOpInterface> newLoop =
      cast<LoopLikeOpInterface>(loop.getOperation())
          .replaceWithAdditionalYields(
              rewriter, inits,
              /*replaceInitOperandUsesInLoop=*/true,
              [&](OpBuilder &, Location, ArrayRef<BlockArgument>) {
                SmallVector<Value> yields;
                for (vector::TransferWriteOp write : writes)
                  yields.push_back(write.getVector());
                return yields;
              });
  if (failed(newLoop))
    return {};
  ValueRange results =
      (*newLoop)->getResults().take_back(static_cast<unsigned>(writes.size()));
  Operation *after = *newLoop;
  for (unsigned i = 0; i < writes.size(); ++i) {
    vector::TransferWriteOp write = writes[i];
    rewriter.moveOpAfter(write, after);
    after = write;
    rewriter.modifyOpInPlace(
        write, [&] { write.getValueToStoreMutable().assign(results[i]); });
  }
  return reads;
}

/// Prefetches every 64-byte line of the static tile of `shape` at `indices`
/// of `memref` (its leading dimensions are the tile's rows).
void prefetchTileLines(OpBuilder &b, Location loc, Value memref,
                       ValueRange indices, ArrayRef<int64_t> shape,
                       bool isWrite) {
  auto type = cast<MemRefType>(memref.getType());
  int64_t rank = shape.size();
  int64_t perLine = std::max<int64_t>(
      1, 512 / std::max<unsigned>(1, type.getElementTypeBitWidth()));
  int64_t rows = 1;
  for (int64_t d : shape.drop_back())
    rows *= d;
  SmallVector<int64_t> columns =
      pieceLineColumns(shape.back(), perLine, rowsStraddleLines(type));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c : columns) {
      // The tile's row r (over its leading dims) and column c.
      SmallVector<Value> at(indices);
      int64_t rest = r;
      for (int64_t d = rank - 1; d >= 0; --d) {
        int64_t offset = c;
        if (d != rank - 1) {
          offset = rest % shape[d];
          rest /= shape[d];
        }
        if (offset)
          at[d] = arith::AddIOp::create(
              b, loc, at[d], arith::ConstantIndexOp::create(b, loc, offset));
      }
      memref::PrefetchOp::create(b, loc, memref, at, isWrite,
                                 /*localityHint=*/3, /*isDataCache=*/true);
    }
}

/// Prefetches for writing every 64-byte line of the tile that `read` reads
/// (a register tile of C). Where C starts from zero, this comes before the
/// tile's K loop: the lines arrive while the loop computes, where the fill
/// used to fetch them all at once and the tile's store would otherwise wait
/// for them at the loop's end. Measured on ResNet-50 at batch 8
/// (docs/benchmarks.md): without it, its 1x1 convolutions of K = 64 ran
/// slower than with the fill.
void prefetchTileForWrite(OpBuilder &b, vector::TransferReadOp read) {
  auto type = dyn_cast<MemRefType>(read.getBase().getType());
  ArrayRef<int64_t> shape = read.getVectorType().getShape();
  if (!type || type.getRank() != int64_t(shape.size()) ||
      !read.getPermutationMap().isMinorIdentity())
    return;
  prefetchTileLines(b, read.getLoc(), read.getBase(), read.getIndices(), shape,
                    /*isWrite=*/true);
}

/// A zero-start tile's accumulator, hoisted out of its K loop as `read`:
/// zero instead, in the first iteration of its product's K-block loop (or
/// always, when K is one block), where C holds nothing yet; the read of
/// what earlier K blocks accumulated otherwise. Its lines are prefetched
/// for writing where it starts from zero.
void startFromZero(RewriterBase &rewriter, vector::TransferReadOp read) {
  Location loc = read.getLoc();
  rewriter.setInsertionPoint(read);
  Value zero = arith::ConstantOp::create(
      rewriter, loc, rewriter.getZeroAttr(read.getVectorType()));
  scf::ForOp kBlocks = read->getParentOfType<scf::ForOp>();
  while (kBlocks && !kBlocks->hasAttr(kKBlocks))
    kBlocks = kBlocks->getParentOfType<scf::ForOp>();
  if (!kBlocks) {
    prefetchTileForWrite(rewriter, read);
    rewriter.replaceOp(read, zero);
    return;
  }
  Value first =
      arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq,
                            kBlocks.getInductionVar(), kBlocks.getLowerBound());
  auto choice = scf::IfOp::create(
      rewriter, loc, first,
      [&](OpBuilder &b, Location l) {
        prefetchTileForWrite(b, read);
        scf::YieldOp::create(b, l, zero);
      },
      [&](OpBuilder &b, Location l) {
        scf::YieldOp::create(b, l, b.clone(*read)->getResults());
      });
  rewriter.replaceOp(read, choice.getResults());
}

/// Prefetches, beside the register tile `tile` (a K = 1 slice of the
/// product), B's panel row `distance` rows further down, one prefetch per
/// cache line of the tile's nr columns. A row of B is the only operand of
/// the K loop that the hardware prefetchers miss: consecutive k are N
/// elements apart, a new page each for N >= 1024, where A's rows and C stay
/// in a few streams.
///
/// The row is not clamped to the K block: past its end the prefetch reads
/// ahead into the next block's rows, and past the end of B it touches
/// nothing (a prefetch is a hint; x86's `prefetcht0` and AArch64's `prfm`
/// do not fault, and the address is plain arithmetic, no `inbounds` GEP).
/// A clamp (`min(k + distance, K - 1)`) cost six instructions in a loop of
/// about thirty (2 loads, 8 broadcasts, 16 FMAs on AVX-512): unclamped, the
/// address is the B load's pointer plus a constant.
///
/// With `columnsAhead` (a product of few rows, whose K blocks are short
/// and whose column tiles walk B's rows along N), the same row instead,
/// `columnsAhead` columns further along (the block's last column at its
/// end): the lines the column tile after next will read.
///
/// `locality` is `memref.prefetch`'s hint: 3 keeps the line in every
/// cache level (x86 `prefetcht0`), 2 from L2 outward (`prefetcht1`).
void prefetchPanelRow(RewriterBase &rewriter, linalg::LinalgOp tile,
                      int64_t distance, int64_t columnsAhead = 0,
                      unsigned locality = 3) {
  auto view = tile.getDpsInputs()[1].getDefiningOp<memref::SubViewOp>();
  if (!view || !view.getSource().getType().hasStaticShape())
    return;
  MemRefType source = view.getSource().getType();
  int64_t rank = source.getRank();
  SmallVector<OpFoldResult> offsets = view.getMixedOffsets();
  ArrayRef<int64_t> sizes = view.getStaticSizes();
  unsigned kDim = rank - 2, nDim = rank - 1;
  if (sizes[kDim] != 1 || ShapedType::isDynamic(sizes[nDim]))
    return;
  Location loc = tile.getLoc();
  rewriter.setInsertionPoint(tile);
  auto index = [&](int64_t v) {
    return arith::ConstantIndexOp::create(rewriter, loc, v).getResult();
  };
  auto value = [&](OpFoldResult ofr) {
    if (auto v = dyn_cast<Value>(ofr))
      return v;
    return index(*getConstantIntValue(ofr));
  };
  Value ahead = value(offsets[kDim]);
  if (!columnsAhead)
    ahead = arith::AddIOp::create(rewriter, loc, ahead, index(distance));
  int64_t elementBytes =
      std::max<int64_t>(1, source.getElementTypeBitWidth() / 8);
  int64_t perLine = std::max<int64_t>(1, 64 / elementBytes);
  // Prefetches along the row (columnsAhead) reach the lines of the tiles
  // ahead, one a line; they leave this piece's alone.
  SmallVector<int64_t> columns = pieceLineColumns(
      sizes[nDim], perLine, !columnsAhead && rowsStraddleLines(source));
  for (int64_t column : columns) {
    SmallVector<Value> indices;
    for (int64_t d = 0; d < rank; ++d)
      indices.push_back(d == kDim ? ahead : value(offsets[d]));
    if (columnsAhead)
      indices[nDim] = arith::MinSIOp::create(
          rewriter, loc,
          arith::AddIOp::create(rewriter, loc, indices[nDim],
                                index(column + columnsAhead)),
          index(source.getDimSize(nDim) - 1));
    else if (column)
      indices[nDim] =
          arith::AddIOp::create(rewriter, loc, indices[nDim], index(column));
    memref::PrefetchOp::create(rewriter, loc, view.getSource(), indices,
                               /*isWrite=*/false, locality,
                               /*isDataCache=*/true);
  }
}

/// Prefetches into L2, beside the register tile `tile` (a K = 1 slice of a
/// tall product cut into K blocks, whose kNextKBlock is `nextKBlock`), its
/// share of B's next K block: the block's row tile r brings in rows
/// [r s, r s + s) of that block, s = ceil(K block / row tiles), the row's
/// lines at each of its first s steps (later steps repeat the last row, a
/// line already on its way). Every row tile of a K block reads the block's rows
/// of B; the first one read them from memory, 16 KiB of a column panel in
/// about 1,500 cycles, more than one core's line fill buffers keep in
/// flight, and stalled on them (twelve of BERT-base's feed-forward
/// products, their weights read from memory, took 1.07x the time of the
/// same with one weight that stays in cache; prefetched 16 rows ahead, or
/// a whole block ahead by every tile, just as long; docs/decisions.md).
/// Spread over the block's tiles, the next block arrives at the pace the
/// product reads it. Past the K loop's last block the rows are the next
/// column panel's first ones (panels are stored one after the other,
/// WeightPanels.h), the same panel's next slice of K where the product is
/// one slice (read only after the block's other panels), or past B (a
/// prefetch never faults, as prefetchPanelRow's).
void prefetchNextKBlock(RewriterBase &rewriter, linalg::LinalgOp tile,
                        scf::ForOp kLoop, ArrayRef<int64_t> nextKBlock) {
  auto bView = tile.getDpsInputs()[1].getDefiningOp<memref::SubViewOp>();
  auto aView = tile.getDpsInputs()[0].getDefiningOp<memref::SubViewOp>();
  if (!bView || !aView || nextKBlock.size() != 4 ||
      !bView.getSource().getType().hasStaticShape())
    return;
  int64_t kBlock = nextKBlock[0], share = nextKBlock[1],
          blockRows = nextKBlock[2], mr = nextKBlock[3];
  MemRefType source = bView.getSource().getType();
  int64_t rank = source.getRank();
  unsigned kDim = rank - 2, nDim = rank - 1;
  int64_t width = bView.getStaticSizes()[nDim];
  if (ShapedType::isDynamic(width))
    return;
  Location loc = tile.getLoc();
  rewriter.setInsertionPoint(tile);
  auto index = [&](int64_t v) {
    return arith::ConstantIndexOp::create(rewriter, loc, v).getResult();
  };
  SmallVector<Value> indices =
      getValueOrCreateConstantIndexOp(rewriter, loc, bView.getMixedOffsets());
  SmallVector<Value> aOffsets =
      getValueOrCreateConstantIndexOp(rewriter, loc, aView.getMixedOffsets());
  // The tile's index in its block, from its first row (the block's rows
  // start at a multiple of blockRows, whether A's view is of the block or
  // of the whole matrix).
  Value row = aOffsets[aOffsets.size() - 2];
  Value tileIndex = arith::DivUIOp::create(
      rewriter, loc,
      arith::RemUIOp::create(rewriter, loc, row, index(blockRows)), index(mr));
  Value step = arith::SubIOp::create(rewriter, loc, kLoop.getInductionVar(),
                                     kLoop.getLowerBound());
  // B's row this step reads, less the step: the block's first row.
  Value ahead = arith::SubIOp::create(rewriter, loc, indices[kDim], step);
  ahead = arith::AddIOp::create(
      rewriter, loc, ahead,
      arith::AddIOp::create(
          rewriter, loc, index(kBlock),
          arith::MulIOp::create(rewriter, loc, tileIndex, index(share))));
  indices[kDim] = arith::AddIOp::create(
      rewriter, loc, ahead,
      arith::MinUIOp::create(rewriter, loc, step, index(share - 1)));
  int64_t elementBytes =
      std::max<int64_t>(1, source.getElementTypeBitWidth() / 8);
  int64_t perLine = std::max<int64_t>(1, 64 / elementBytes);
  Value first = indices[nDim];
  for (int64_t column = 0; column < width; column += perLine) {
    indices[nDim] =
        column ? arith::AddIOp::create(rewriter, loc, first, index(column))
                     .getResult()
               : first;
    memref::PrefetchOp::create(rewriter, loc, bView.getSource(), indices,
                               /*isWrite=*/false, /*localityHint=*/2,
                               /*isDataCache=*/true);
  }
}

/// Prefetches, beside the register tile `tile` (a K = 1 slice of the
/// product) whose A is a weight (a convolution's, F x C*KH*KW, read in
/// place), the line of the next row tile's A at this step's column, on that
/// tile's row `k mod mr`: over its K loop a tile brings in the next one's
/// rows, a whole K loop before they are read. A model reads each weight
/// once a run, from beyond L2, mr rows at a time, rows K apart: mr short
/// streams that the hardware prefetchers barely start on (chains of
/// MobileNetV2's 1x1 convolutions, their weights not in cache, took
/// 1.06-1.15x ONNX Runtime's time where one of them alone took 0.90-0.94x;
/// docs/benchmarks.md). A line 16 columns ahead on the tile's own rows
/// was on its way 16 steps before it was read, too late for a line from
/// memory on the Xeon (ResNet-50 0.96x, MobileNetV2 and V3 0.95x the time
/// with the next tile's rows; docs/decisions.md). Where the tile is a
/// block's last, the rows are the next block's, or past the weight (a
/// prefetch never faults, as prefetchPanelRow's).
void prefetchWeightRows(RewriterBase &rewriter, linalg::LinalgOp tile) {
  auto view = tile.getDpsInputs()[0].getDefiningOp<memref::SubViewOp>();
  if (!view || !viewsGlobal(view.getSource()) ||
      !view.getSourceType().hasStaticShape())
    return;
  MemRefType source = view.getSourceType();
  int64_t rank = source.getRank();
  ArrayRef<int64_t> sizes = view.getStaticSizes();
  unsigned mDim = rank - 2, kDim = rank - 1;
  if (sizes[kDim] != 1 || ShapedType::isDynamic(sizes[mDim]) || sizes[mDim] < 2)
    return;
  Location loc = tile.getLoc();
  rewriter.setInsertionPoint(tile);
  auto index = [&](int64_t v) {
    return arith::ConstantIndexOp::create(rewriter, loc, v).getResult();
  };
  SmallVector<Value> indices =
      getValueOrCreateConstantIndexOp(rewriter, loc, view.getMixedOffsets());
  Value k = indices[kDim];
  Value nextTile =
      arith::AddIOp::create(rewriter, loc, indices[mDim], index(sizes[mDim]));
  indices[mDim] = arith::AddIOp::create(
      rewriter, loc, nextTile,
      arith::RemUIOp::create(rewriter, loc, k, index(sizes[mDim])));
  memref::PrefetchOp::create(rewriter, loc, view.getSource(), indices,
                             /*isWrite=*/false, /*localityHint=*/3,
                             /*isDataCache=*/true);
}

/// The K loop that a tail piece follows (tileTailOnRegisterTiles puts the
/// piece and its views right after it).
scf::ForOp kLoopBefore(Operation *tail) {
  for (Operation *op = tail->getPrevNode(); op; op = op->getPrevNode())
    if (auto loop = dyn_cast<scf::ForOp>(op))
      return loop;
  return {};
}

/// `value` where `point` is: itself where it is defined before `point` (or
/// outside its block), else a clone of its defining op, pure and defined
/// from such values, placed at `b`'s insertion point; null if there is none.
Value availableBefore(OpBuilder &b, Value value, Operation *point,
                      IRMapping &clones) {
  if (Value clone = clones.lookupOrNull(value))
    return clone;
  Operation *def = value.getDefiningOp();
  if (!def || def->getBlock() != point->getBlock() ||
      def->isBeforeInBlock(point))
    return value;
  if (!isPure(def) || def->getNumRegions() != 0)
    return {};
  for (Value operand : def->getOperands())
    if (!availableBefore(b, operand, point, clones))
      return {};
  return b.clone(*def, clones)
      ->getResult(cast<OpResult>(value).getResultNumber());
}

/// Prefetches, before `kLoop` (a register tile's K loop), the lines that
/// the tail piece `tail` right after it reads from its operands of the
/// tile's own shape (a residual), so that they arrive while the loop
/// computes. They are the tail's only loads from memory, rows a whole image
/// row apart, written by an earlier layer; without the prefetch each tile
/// waited for them after its K loop (ResNet-50's 1x1 convolution of 64 to
/// 256 channels at 56x56 with its residual Add: 1.16x the time of the
/// convolution alone, 1.07x with it; docs/benchmarks.md).
void prefetchTailOperands(RewriterBase &rewriter, linalg::GenericOp tail,
                          scf::ForOp kLoop) {
  Location loc = tail.getLoc();
  rewriter.setInsertionPoint(kLoop);
  for (OpOperand *input : tail.getDpsInputOperands()) {
    auto type = dyn_cast<MemRefType>(input->get().getType());
    if (!type || !type.hasStaticShape() ||
        !tail.getMatchingIndexingMap(input).isIdentity())
      continue;
    IRMapping clones;
    Value view = availableBefore(rewriter, input->get(), kLoop, clones);
    if (!view)
      continue;
    SmallVector<Value> zeros(type.getRank(),
                             arith::ConstantIndexOp::create(rewriter, loc, 0));
    prefetchTileLines(rewriter, loc, view, zeros, type.getShape(),
                      /*isWrite=*/false);
  }
}

/// Rows of B ahead that a register tile reading a weight packed into
/// column panels (WeightPanels.h: a whole panel of a row-major
/// [panels][K][nr] buffer) prefetches, or 0 when `tile` reads no such
/// panel. The panels' rows are consecutive, so a product of few rows reads
/// B as one sequential stream, panel after panel. The hardware prefetchers
/// follow a stream only within a 4 KiB page; a prefetch `streamBytes`
/// ahead (into the next panel near a panel's end: the address is linear)
/// keeps the next pages' lines on their way when the loads reach them.
int64_t panelStreamRows(linalg::LinalgOp tile, int64_t streamBytes) {
  auto row = tile.getDpsInputs()[1].getDefiningOp<memref::SubViewOp>();
  auto panel =
      row ? row.getSource().getDefiningOp<memref::SubViewOp>() : nullptr;
  if (!panel || !streamBytes)
    return 0;
  MemRefType panels = panel.getSource().getType();
  if (panels.getRank() != 3 || !panels.hasStaticShape() ||
      !panels.areTrailingDimsContiguous(3))
    return 0;
  int64_t k = panels.getDimSize(1), nr = panels.getDimSize(2);
  if (panel.getStaticSizes() != ArrayRef<int64_t>{1, k, nr} ||
      row.getStaticSizes().back() != nr)
    return 0;
  int64_t rowBytes =
      nr * std::max<int64_t>(1, panels.getElementTypeBitWidth() / 8);
  return llvm::divideCeil(streamBytes, rowBytes);
}

/// The view `operand` of a register tile in the K loop `loop`, if it is a
/// `memref.subview` of a source defined outside the loop whose offsets are
/// defined outside it too, but for `kDim` (-1: none), which is the loop's
/// induction variable.
memref::SubViewOp viewAlongK(Value operand, scf::ForOp loop, int64_t kDim) {
  auto view = operand.getDefiningOp<memref::SubViewOp>();
  if (!view || !loop.isDefinedOutsideOfLoop(view.getSource()) ||
      !view.hasUnitStride())
    return {};
  SmallVector<OpFoldResult> offsets = view.getMixedOffsets();
  for (int64_t d = 0; d < int64_t(offsets.size()); ++d) {
    auto v = dyn_cast<Value>(offsets[d]);
    if (d == kDim ? v != loop.getInductionVar()
                  : v && !loop.isDefinedOutsideOfLoop(v))
      return {};
  }
  return view;
}

/// Whether a register tile of `columns` columns and `rows` rows is cheaper
/// as dot products along K, each column gathered lane by lane, than as one
/// narrow vector per row and k. Per `lanes` values of k the narrow tile
/// takes rows * lanes FMAs whatever its width; the dot products take, per
/// column, `lanes` scalar loads and as many lane inserts to gather B's
/// column, then one vector load per row of A and rows * columns FMAs.
/// AVX-512 (16 lanes, 8 rows): 48 against 128 for one column, 88 for two,
/// 128 (even) for three, 168 for four, which is why four columns gathered
/// so measured slower (docs/decisions.md); AVX2 (8 lanes, 6 rows): one
/// column only. One column is always taken (measured on 7x7 outputs; a
/// tile of fewer rows is a rare peeled remainder).
bool dotProductsPay(int64_t columns, int64_t rows, int64_t lanes) {
  return columns == 1 || columns * (2 * lanes + rows) + rows < rows * lanes;
}

/// Computes a register tile of a few columns (N mod lanes = 1, 2 or 4: 49
/// = 48 + 1, 98 = 3 x 32 + 2, 196 = 6 x 32 + 4) as `rows` x `columns` dot
/// products along K instead of `rows` narrow FMAs per k, the sums reduced
/// after the K loop and added to C (or to zero, in the first K block of a
/// zero-start product). The scalar column was a fifth of the time of a
/// 1x1 convolution at 7x7 for 1/49 of its work.
///
/// Two or four columns of 16 lanes (AVX-512, `paired`): each accumulator
/// holds two columns over 8 values of k. Per 8 k, B's 8 rows of the
/// columns are read as whole vector<2>s or vector<4>s and shuffled into
/// [column 0 | column 1] (and [column 2 | column 3]); each of A's rows is
/// read as 8 values repeated twice and feeds one FMA per pair (8 x 1 or
/// 8 x 2 accumulators; 8 x 4 single columns would fill the 32 registers).
/// Four columns: about 16 loads of B, 14 shuffles, 16 loads of A and 32
/// FMAs per 16 k where the narrow tile does 128 FMAs. Each accumulator's
/// halves are reduced apart.
///
/// Otherwise, where dotProductsPay: per `lanes` values of k, one vector of
/// each of A's rows (contiguous in k), each of B's columns gathered once by
/// scalar loads, one FMA per row and column.
///
/// Replaces the tile's whole K loop; returns false, changing nothing, where
/// the loop or the views are not of that form.
bool vectorizeColumnAlongK(RewriterBase &rewriter, linalg::LinalgOp tile,
                           int64_t lanes, bool zeroStart) {
  SmallVector<int64_t> ranges = tile.getStaticLoopRanges();
  unsigned rank = ranges.size();
  Type element = getElementTypeOrSelf(tile.getDpsInits()[0].getType());
  int64_t rows = ranges[rank - 3], columns = ranges[rank - 2];
  // Two or four columns (AVX-512): two per accumulator, half the lanes of
  // k each.
  bool paired =
      (columns == 4 || columns == 2) && lanes == 16 && rows * columns / 2 <= 16;
  if (!isa<FloatType>(element) || ranges.back() != 1 ||
      !(paired || dotProductsPay(columns, rows, lanes)))
    return false;
  int64_t kStep = paired ? lanes / 2 : lanes;
  for (unsigned d = 0; d + 3 < rank; ++d)
    if (ranges[d] != 1)
      return false;
  auto loop = dyn_cast<scf::ForOp>(tile->getParentOp());
  if (!loop)
    return false;
  std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound());
  std::optional<int64_t> ub = getConstantIntValue(loop.getUpperBound());
  std::optional<int64_t> step = getConstantIntValue(loop.getStep());
  if (!lb || !ub || step != 1 || *ub - *lb < kStep || (*ub - *lb) % kStep)
    return false;
  // The loop holds the tile, views, prefetches and index arithmetic only.
  for (Operation &op : loop.getBody()->without_terminator())
    if (&op != tile.getOperation() && !isa<memref::PrefetchOp>(op) &&
        !isMemoryEffectFree(&op))
      return false;
  unsigned memRank =
      cast<MemRefType>(tile.getDpsInits()[0].getType()).getRank();
  memref::SubViewOp a = viewAlongK(tile.getDpsInputs()[0], loop, memRank - 1);
  memref::SubViewOp b = viewAlongK(tile.getDpsInputs()[1], loop, memRank - 2);
  memref::SubViewOp c = viewAlongK(tile.getDpsInits()[0], loop, -1);
  if (!a || !b || !c)
    return false;
  auto aSource = cast<MemRefType>(a.getSource().getType());
  SmallVector<int64_t> aStrides;
  int64_t aOffset;
  if (failed(aSource.getStridesAndOffset(aStrides, aOffset)) ||
      aStrides.back() != 1)
    return false;

  Location loc = tile.getLoc();
  rewriter.setInsertionPoint(loop);
  auto index = [&](int64_t v) {
    return arith::ConstantIndexOp::create(rewriter, loc, v).getResult();
  };
  auto valueOf = [&](OpFoldResult ofr) -> Value {
    if (auto v = dyn_cast<Value>(ofr))
      return v;
    return index(*getConstantIntValue(ofr));
  };
  SmallVector<Value> aOffsets;
  for (OpFoldResult ofr : a.getMixedOffsets())
    aOffsets.push_back(dyn_cast<Value>(ofr) == loop.getInductionVar()
                           ? Value()
                           : valueOf(ofr));
  // B's offsets but K's, made where they are used (a gather of B's
  // columns may run before the loop of row tiles).
  SmallVector<OpFoldResult> bOffsets = b.getMixedOffsets();
  auto vecType = VectorType::get({lanes}, element);
  Value zeroVec =
      arith::ConstantOp::create(rewriter, loc, rewriter.getZeroAttr(vecType));
  Value padding =
      arith::ConstantOp::create(rewriter, loc, rewriter.getZeroAttr(element));
  // One accumulator per row and column, row-major (i * columns + j).
  int64_t accsPerRow = paired ? columns / 2 : columns;
  SmallVector<Value> inits(rows * accsPerRow, zeroVec);
  auto plus = [](OpBuilder &nb, Location l, Value v, int64_t n) -> Value {
    return n ? arith::AddIOp::create(nb, l, v,
                                     arith::ConstantIndexOp::create(nb, l, n))
             : v;
  };
  // B's columns at k .. k + kStep - 1 as the FMAs take them: `accsPerRow`
  // vectors of `lanes`.
  auto gatherB = [&](OpBuilder &nb, Location l, Value k) {
    // B's row k + `t` from column `c` on.
    auto bAt = [&](int64_t t, int64_t c) {
      SmallVector<Value> at;
      for (OpFoldResult ofr : bOffsets)
        at.push_back(getValueOrCreateConstantIndexOp(nb, l, ofr));
      at[memRank - 2] = plus(nb, l, k, t);
      at[memRank - 1] = plus(nb, l, at[memRank - 1], c);
      return at;
    };
    SmallVector<Value> bvs;
    if (paired) {
      // B's rows k..k+7 of the 4 columns, one vector<4> each, into one
      // vector<32> (element 4t + j is B[k + t][j]), then per pair p
      // [column 2p at k..k+7, column 2p+1 at k..k+7].
      auto row4 = VectorType::get({columns}, element);
      SmallVector<Value> parts;
      for (int64_t t = 0; t < kStep; ++t)
        parts.push_back(vector::TransferReadOp::create(
            nb, l, row4, b.getSource(), bAt(t, 0), padding,
            ArrayRef<bool>{true}));
      while (parts.size() > 1) {
        SmallVector<Value> joined;
        for (size_t q = 0; q < parts.size(); q += 2) {
          int64_t w = cast<VectorType>(parts[q].getType()).getDimSize(0);
          SmallVector<int64_t> mask;
          for (int64_t e = 0; e < 2 * w; ++e)
            mask.push_back(e);
          joined.push_back(
              vector::ShuffleOp::create(nb, l, parts[q], parts[q + 1], mask));
        }
        parts = joined;
      }
      for (int64_t pr = 0; pr < columns / 2; ++pr) {
        SmallVector<int64_t> mask;
        for (int64_t h = 0; h < 2; ++h)
          for (int64_t t = 0; t < kStep; ++t)
            mask.push_back(columns * t + 2 * pr + h);
        bvs.push_back(
            vector::ShuffleOp::create(nb, l, parts[0], parts[0], mask));
      }
      return bvs;
    }
    for (int64_t c = 0; c < columns; ++c) {
      SmallVector<Value> column;
      for (int64_t j = 0; j < lanes; ++j)
        column.push_back(
            memref::LoadOp::create(nb, l, b.getSource(), bAt(j, c)));
      bvs.push_back(vector::FromElementsOp::create(nb, l, vecType, column));
    }
    return bvs;
  };
  // Where the tile is one of a loop of row tiles that all read the same
  // columns of B (a product's last, narrow column tile), B's columns are
  // gathered once before that loop into a stack buffer in the FMAs' form,
  // one vector load each per step of k: gathered in every row tile, the
  // scalar loads and lane inserts took about as long as the dot products
  // (a product of 49 columns took 1.2x the time of one of 48).
  auto rowLoop = dyn_cast<scf::ForOp>(loop->getParentOp());
  auto outside = [&](OpFoldResult ofr) {
    auto v = dyn_cast<Value>(ofr);
    return !v || v == loop.getInductionVar() ||
           rowLoop.isDefinedOutsideOfLoop(v);
  };
  Value gathered;
  int64_t steps = (*ub - *lb) / kStep;
  if (rowLoop && rowLoop.isDefinedOutsideOfLoop(b.getSource()) &&
      llvm::all_of(bOffsets, outside) &&
      steps * accsPerRow * lanes * element.getIntOrFloatBitWidth() / 8 <=
          kMaxColumnTileBytes) {
    // The buffer outside every loop of the kernel, so that it is one
    // stack slot however many times the loops run.
    Operation *scope = rowLoop;
    while (isa_and_nonnull<scf::ForOp>(scope->getParentOp()))
      scope = scope->getParentOp();
    rewriter.setInsertionPoint(scope);
    gathered = memref::AllocaOp::create(
        rewriter, loc, MemRefType::get({steps, accsPerRow, lanes}, element),
        rewriter.getI64IntegerAttr(64));
    rewriter.setInsertionPoint(rowLoop);
    scf::ForOp::create(
        rewriter, loc, index(0), index(steps), index(1), ValueRange{},
        [&](OpBuilder &nb, Location l, Value s, ValueRange) {
          Value k = arith::AddIOp::create(
              nb, l, arith::ConstantIndexOp::create(nb, l, *lb),
              arith::MulIOp::create(
                  nb, l, s, arith::ConstantIndexOp::create(nb, l, kStep)));
          SmallVector<Value> bvs = gatherB(nb, l, k);
          for (int64_t v = 0; v < accsPerRow; ++v)
            vector::StoreOp::create(
                nb, l, bvs[v], gathered,
                ValueRange{s, arith::ConstantIndexOp::create(nb, l, v),
                           arith::ConstantIndexOp::create(nb, l, 0)});
          scf::YieldOp::create(nb, l);
        });
    rewriter.setInsertionPoint(loop);
  }
  auto dots = scf::ForOp::create(
      rewriter, loc, loop.getLowerBound(), loop.getUpperBound(), index(kStep),
      inits, [&](OpBuilder &nb, Location l, Value k, ValueRange accs) {
        // A's row `i` from k on.
        auto aAt = [&](int64_t i) {
          SmallVector<Value> at(aOffsets);
          at[memRank - 1] = k;
          at[memRank - 2] = plus(nb, l, at[memRank - 2], i);
          return at;
        };
        SmallVector<Value> bvs;
        if (gathered) {
          Value s = arith::DivUIOp::create(
              nb, l, arith::SubIOp::create(nb, l, k, loop.getLowerBound()),
              arith::ConstantIndexOp::create(nb, l, kStep));
          for (int64_t v = 0; v < accsPerRow; ++v)
            bvs.push_back(vector::LoadOp::create(
                nb, l, vecType, gathered,
                ValueRange{s, arith::ConstantIndexOp::create(nb, l, v),
                           arith::ConstantIndexOp::create(nb, l, 0)}));
        } else {
          bvs = gatherB(nb, l, k);
        }
        SmallVector<Value> next;
        if (paired) {
          auto half = VectorType::get({kStep}, element);
          SmallVector<int64_t> twice;
          for (int64_t h = 0; h < 2; ++h)
            for (int64_t t = 0; t < kStep; ++t)
              twice.push_back(t);
          for (int64_t i = 0; i < rows; ++i) {
            Value a8 = vector::TransferReadOp::create(
                nb, l, half, a.getSource(), aAt(i), padding,
                ArrayRef<bool>{true});
            Value av = vector::ShuffleOp::create(nb, l, a8, a8, twice);
            for (int64_t pr = 0; pr < columns / 2; ++pr)
              next.push_back(vector::FMAOp::create(
                  nb, l, av, bvs[pr], accs[i * (columns / 2) + pr]));
          }
          scf::YieldOp::create(nb, l, next);
          return;
        }
        for (int64_t i = 0; i < rows; ++i) {
          Value av = vector::TransferReadOp::create(
              nb, l, vecType, a.getSource(), aAt(i), padding,
              ArrayRef<bool>{true});
          for (int64_t c = 0; c < columns; ++c)
            next.push_back(vector::FMAOp::create(nb, l, av, bvs[c],
                                                 accs[i * columns + c]));
        }
        scf::YieldOp::create(nb, l, next);
      });

  // C's start: zero in the first K block of a zero-start product (its fill
  // is then gone), what C holds otherwise.
  rewriter.setInsertionPointAfter(dots);
  rewriter.moveOpBefore(c, dots);
  Value first;
  if (zeroStart) {
    scf::ForOp kBlocks = loop->getParentOfType<scf::ForOp>();
    while (kBlocks && !kBlocks->hasAttr(kKBlocks))
      kBlocks = kBlocks->getParentOfType<scf::ForOp>();
    first = kBlocks
                ? arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq,
                                        kBlocks.getInductionVar(),
                                        kBlocks.getLowerBound())
                      .getResult()
                : arith::ConstantIntOp::create(rewriter, loc, 1, 1).getResult();
  }
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < columns; ++j) {
      SmallVector<Value> at(memRank, index(0));
      at[memRank - 2] = index(i);
      at[memRank - 1] = index(j);
      Value acc = dots.getResult(i * accsPerRow + (paired ? j / 2 : j));
      if (paired)
        acc = vector::ExtractStridedSliceOp::create(
            rewriter, loc, acc, ArrayRef<int64_t>{(j % 2) * kStep},
            ArrayRef<int64_t>{kStep}, ArrayRef<int64_t>{1});
      Value sum = vector::ReductionOp::create(rewriter, loc,
                                              vector::CombiningKind::ADD, acc);
      Value start = memref::LoadOp::create(rewriter, loc, c, at);
      if (first)
        start = arith::SelectOp::create(rewriter, loc, first, padding, start);
      memref::StoreOp::create(rewriter, loc,
                              arith::AddFOp::create(rewriter, loc, start, sum),
                              c, at);
    }
  rewriter.eraseOp(loop);
  return true;
}

/// Moves each of `tails` (marked by index on its product) onto its
/// product's register tiles, where all of them hold whole K (no loop over
/// K blocks of more than one step lies between a tile and its tail);
/// returns the pieces of the tails, to be vectorized with the tiles.
SmallVector<linalg::GenericOp> tileTails(RewriterBase &rewriter,
                                         func::FuncOp func,
                                         ArrayRef<linalg::GenericOp> tails) {
  if (tails.empty())
    return {};
  SmallVector<SmallVector<linalg::LinalgOp>> tilesOfTail(tails.size());
  SmallVector<bool> wholeK(tails.size(), true);
  func.walk([&](linalg::LinalgOp op) {
    auto id = op->getAttrOfType<IntegerAttr>(kTail);
    if (!id)
      return;
    int64_t index = id.getInt();
    if (!isCandidate(op) || op.getStaticLoopRanges().back() != 1)
      wholeK[index] = false;
    for (Operation *loop = op->getParentOp();
         loop && loop != tails[index]->getParentOp();
         loop = loop->getParentOp())
      if (loop->hasAttr(kKBlocks)) {
        std::optional<APInt> steps =
            cast<scf::ForOp>(loop).getStaticTripCount();
        if (!steps || *steps != 1)
          wholeK[index] = false;
      }
    tilesOfTail[index].push_back(op);
  });
  SmallVector<linalg::GenericOp> pieces;
  for (auto [tail, tiles, whole] : llvm::zip(tails, tilesOfTail, wholeK))
    if (whole)
      llvm::append_range(
          pieces, autoglm::tileTailOnRegisterTiles(rewriter, tail, tiles));
  return pieces;
}

struct TileAndVectorizeContractionsPass
    : public autoglm::impl::AutoGLMTileAndVectorizeContractionsBase<
          TileAndVectorizeContractionsPass> {
  using AutoGLMTileAndVectorizeContractionsBase::
      AutoGLMTileAndVectorizeContractionsBase;

  void getDependentDialects(DialectRegistry &registry) const override {
    AutoGLMTileAndVectorizeContractionsBase::getDependentDialects(registry);
    // linalg::splitOp works through TilingInterface (tileContraction).
    linalg::registerTilingInterfaceExternalModels(registry);
  }

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    MLIRContext *ctx = &getContext();
    IRRewriter rewriter(ctx);
    unsigned bits =
        vectorBits ? unsigned(vectorBits) : autoglm::hostVectorBits();

    SmallVector<linalg::LinalgOp> contractions;
    SmallVector<linalg::LinalgOp> windows;
    func.walk([&](Operation *op) {
      if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
          linalgOp && isCandidate(linalgOp))
        contractions.push_back(linalgOp);
      else if (isa<linalg::DepthwiseConv2DNchwChwOp, linalg::PoolingNchwMaxOp,
                   linalg::PoolingNchwSumOp>(op))
        windows.push_back(cast<linalg::LinalgOp>(op));
    });
    for (linalg::LinalgOp op : windows)
      (void)reorderWindowLoops(rewriter, op);
    if (contractions.empty())
      return;

    // Products that start from zero: their fill, marked on the product.
    SmallVector<linalg::FillOp> fills;
    for (linalg::LinalgOp op : contractions)
      if (linalg::FillOp fill =
              autoglm::zeroFillBefore(op, op.getDpsInits()[0])) {
        op->setAttr(kZeroStart, rewriter.getI64IntegerAttr(fills.size()));
        fills.push_back(fill);
      }
    // Products whose tail may run on their register tiles.
    SmallVector<linalg::GenericOp> tails;
    for (linalg::LinalgOp op : contractions)
      if (linalg::GenericOp tail = autoglm::registerTileTail(op)) {
        op->setAttr(kTail, rewriter.getI64IntegerAttr(tails.size()));
        tails.push_back(tail);
      }
    for (linalg::LinalgOp op : contractions) {
      unsigned elementBits = getElementTypeOrSelf(op.getDpsInits()[0].getType())
                                 .getIntOrFloatBitWidth();
      // Blocks of a tall product keep the tiles they were cut for: its
      // blocks' and panels' columns give its register tile's width.
      autoglm::ContractionTiles tiles =
          op->hasAttr(autoglm::kTallTiles)
              ? autoglm::chooseTallTiles(bits)
              : autoglm::chooseTiles(bits, elementBits);
      if (op->hasAttr(autoglm::kTallTiles))
        autoglm::setTallRegisterTile(tiles, bits,
                                     op.getStaticLoopRanges().end()[-2]);
      else if (op->hasAttr(autoglm::kWideTiles))
        autoglm::setWideRegisterTile(tiles);
      if (failed(tileContraction(rewriter, op, tiles)))
        return signalPassFailure();
    }
    if (failed(autoglm::simplifyTiles(func)))
      return signalPassFailure();
    SmallVector<linalg::GenericOp> tailTiles = tileTails(rewriter, func, tails);

    // Every register tile is now a static matmul with K = 1. A fill goes
    // only if every tile of its product starts from zero in registers.
    SmallVector<linalg::LinalgOp> tilesToVectorize;
    llvm::SetVector<scf::ForOp> kLoops;
    SmallVector<int64_t> tilesLeft(fills.size(), 0);
    DenseMap<Operation *, int64_t> zeroStartLoops;
    auto zeroStartOf = [](Operation *op) -> std::optional<int64_t> {
      if (auto id = op->getAttrOfType<IntegerAttr>(kZeroStart))
        return id.getInt();
      return std::nullopt;
    };
    func.walk([&](linalg::LinalgOp op) {
      if (std::optional<int64_t> id = zeroStartOf(op))
        ++tilesLeft[*id];
      if (isCandidate(op) && op.getStaticLoopRanges().back() == 1)
        tilesToVectorize.push_back(op);
    });
    for (linalg::LinalgOp op : tilesToVectorize) {
      unsigned bitsOfC = getElementTypeOrSelf(op.getDpsInits()[0].getType())
                             .getIntOrFloatBitWidth();
      std::optional<int64_t> zeroStart = zeroStartOf(op);
      if (vectorizeColumnAlongK(rewriter, op,
                                std::max<unsigned>(1, bits / bitsOfC),
                                zeroStart.has_value())) {
        if (zeroStart)
          --tilesLeft[*zeroStart];
        continue;
      }
      // A K loop of at most twice the distance (a 1x1 convolution of 16 to
      // 32 input channels: MobileNets' bottlenecks) would prefetch at most
      // half its rows ahead, none of the first ones: it prefetches along
      // the row instead, the lines of the column tile after next, as a
      // product of few rows does.
      auto kLoop = dyn_cast<scf::ForOp>(op->getParentOp());
      std::optional<APInt> kSteps =
          kLoop ? kLoop.getStaticTripCount() : std::nullopt;
      bool alongRow =
          op->hasAttr(kFewRows) ||
          (kSteps && kSteps->getZExtValue() <= 2 * prefetchDistance);
      // A product of few rows reads its weight's column panels once, one
      // stream: prefetched far ahead into L2, not along a row that is one
      // panel wide (GPT-2's step: its weights at 12.0 GB/s with the old
      // prefetch, 15.3 so, on one core of the Xeon). A tall product's
      // panel serves all of its row tiles from L1 (the stream's prefetch
      // left BERT-base at 1.01x the time); where it has K blocks, its row
      // tiles share out the next K block's prefetch instead
      // (prefetchNextKBlock; both in docs/decisions.md).
      int64_t streamRows = kLoop && !op->hasAttr(autoglm::kTallTiles)
                               ? panelStreamRows(op, prefetchStream)
                               : 0;
      auto nextKBlock = op->getAttrOfType<DenseI64ArrayAttr>(kNextKBlock);
      if (nextKBlock && kLoop)
        prefetchNextKBlock(rewriter, op, kLoop, nextKBlock.asArrayRef());
      else if (streamRows)
        prefetchPanelRow(rewriter, op, streamRows, /*columnsAhead=*/0,
                         /*locality=*/2);
      else if (readsStackBuffer(op))
        ; // a column tile copied into L1 (packColumnTiles)
      else if (prefetchDistance && kLoop && !alongRow)
        prefetchPanelRow(rewriter, op, prefetchDistance);
      else if (prefetchColumns && kLoop && alongRow)
        prefetchPanelRow(rewriter, op, /*distance=*/0, prefetchColumns);
      if (kLoop && prefetchWeightRowsAhead)
        prefetchWeightRows(rewriter, op);
      unsigned elementBits = getElementTypeOrSelf(op.getDpsInits()[0].getType())
                                 .getIntOrFloatBitWidth();
      bool wide = vectorizeWideTile(rewriter, op,
                                    std::max<unsigned>(1, bits / elementBits));
      rewriter.setInsertionPoint(op);
      if (!wide &&
          failed(linalg::vectorize(rewriter, op, /*inputVectorSizes=*/{},
                                   /*inputScalableVecDims=*/{},
                                   /*vectorizeNDExtract=*/false,
                                   /*flatten1DDepthwiseConv=*/false,
                                   /*assumeDynamicDimsMatchVecSizes=*/false,
                                   /*createNamedContraction=*/true)))
        continue; // stays a loop nest: slower, still correct
      if (auto loop = dyn_cast<scf::ForOp>(op->getParentOp())) {
        kLoops.insert(loop);
        if (std::optional<int64_t> id = zeroStartOf(op))
          zeroStartLoops[loop] = *id;
      }
      rewriter.eraseOp(op);
    }
    for (linalg::GenericOp tailTile : tailTiles) {
      if (scf::ForOp kLoop = kLoopBefore(tailTile))
        prefetchTailOperands(rewriter, tailTile, kLoop);
      rewriter.setInsertionPoint(tailTile);
      if (succeeded(linalg::vectorize(rewriter, tailTile)))
        rewriter.eraseOp(tailTile);
    }

    // The accumulator's read and write move out of the K loop once the
    // tile's view of C is hoisted (it does not depend on k); a zero-start
    // tile's read becomes zero in its first K block.
    func.walk([](LoopLikeOpInterface loop) { moveLoopInvariantCode(loop); });
    for (scf::ForOp loop : kLoops) {
      auto id = zeroStartLoops.find(loop);
      SmallVector<vector::TransferReadOp> reads =
          hoistAccumulators(rewriter, loop);
      if (id == zeroStartLoops.end())
        continue;
      for (vector::TransferReadOp read : reads)
        startFromZero(rewriter, read);
      if (!reads.empty())
        --tilesLeft[id->second];
    }
    for (auto [fill, left] : llvm::zip(fills, tilesLeft))
      if (left == 0)
        rewriter.eraseOp(fill);
    // A tail's piece reads the tile that the K loop has just written: once
    // their views are one (CSE), the accumulators go to the tail in
    // registers and only the tail's result is stored.
    if (!tailTiles.empty()) {
      DominanceInfo dominance(func);
      eliminateCommonSubExpressions(rewriter, dominance, func);
      // The tails' transfers are in bounds (static tiles): marked so first.
      RewritePatternSet inBounds(ctx);
      vector::TransferReadOp::getCanonicalizationPatterns(inBounds, ctx);
      vector::TransferWriteOp::getCanonicalizationPatterns(inBounds, ctx);
      if (failed(applyPatternsGreedily(func, std::move(inBounds))))
        return signalPassFailure();
      autoglm::forwardStoresToTails(rewriter, func);
      // A bias per row as a broadcast column, before the transposes that
      // the reads' permutation maps become are lowered element by element.
      RewritePatternSet columns(ctx);
      vector::populateVectorTransferPermutationMapLoweringPatterns(columns);
      autoglm::populateTailBroadcastPatterns(columns);
      if (failed(applyPatternsGreedily(func, std::move(columns))))
        return signalPassFailure();
    }
    func.walk([](Operation *op) {
      op->removeAttr(kZeroStart);
      op->removeAttr(kKBlocks);
      op->removeAttr(kFewRows);
      op->removeAttr(kTail);
      op->removeAttr(kNextKBlock);
      op->removeAttr(autoglm::kTallTiles);
      op->removeAttr(autoglm::kWideTiles);
    });

    // vector.contract -> outer products -> broadcast + vector.fma; transfers
    // down to rank 1 (unit dims dropped), which vector-to-scf and
    // vector-to-llvm finish.
    RewritePatternSet patterns(ctx);
    vector::populateVectorContractLoweringPatterns(
        patterns, vector::VectorContractLowering::OuterProduct);
    vector::populateVectorOuterProductLoweringPatterns(patterns);
    vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
    vector::populateVectorTransposeLoweringPatterns(
        patterns, vector::VectorTransposeLowering::EltWise);
    vector::populateVectorBroadcastLoweringPatterns(patterns);
    vector::populateVectorShapeCastLoweringPatterns(patterns);
    vector::populateVectorMultiReductionLoweringPatterns(
        patterns, vector::VectorMultiReductionLowering::InnerParallel);
    vector::populateVectorTransferDropUnitDimsPatterns(patterns);
    vector::populateVectorTransferLoweringPatterns(patterns,
                                                   /*maxTransferRank=*/1);
    vector::TransferReadOp::getCanonicalizationPatterns(patterns, ctx);
    vector::TransferWriteOp::getCanonicalizationPatterns(patterns, ctx);
    vector::ExtractOp::getCanonicalizationPatterns(patterns, ctx);
    vector::BroadcastOp::getCanonicalizationPatterns(patterns, ctx);
    if (failed(applyPatternsGreedily(func, std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
