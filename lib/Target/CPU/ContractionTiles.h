//===- ContractionTiles.h - tile sizes of the CPU matmul -------*- C++ -*-===//
//
// Internal to lib/Target/CPU: the cache blocks and register tiles of a
// matrix product. TileKernelRegions.cpp tiles a kernel region into cache
// blocks on tensors; TileAndVectorizeContractions.cpp tiles each block's
// product for registers after bufferization. Both choose sizes here, so a
// block that the first made is one block (no further M/N blocking) to the
// second.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_LIB_TARGET_CPU_CONTRACTIONTILES_H
#define AUTOGLM_LIB_TARGET_CPU_CONTRACTIONTILES_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "llvm/TargetParser/Host.h"

#include <tuple>

namespace mlir::autoglm {
/// The host's vector register width in bits (pass options override it,
/// e.g. for cross compilation or tests).
inline unsigned hostVectorBits() {
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  if (features.lookup("avx512f"))
    return 512;
  if (features.lookup("avx"))
    return 256;
  return 128;
}

/// The row blocks of a product that expands a short K (expandsShortK):
/// two 8-row register tiles on AVX-512; on AVX2 what its blocks are where
/// no multiple of its 6-row tiles fits (cacheBlocks).
constexpr int64_t kExpandingRowBlock = 16;

/// Tile sizes of one matmul: a register tile `mr x nr` (the accumulator
/// lives in registers during the whole K loop) and cache blocks.
struct ContractionTiles {
  int64_t mr, nr;
  int64_t lanes;     // of one vector register
  int64_t registers; // vector registers of the target
  int64_t mc = 64, nc = 256, kc = 256;
  /// Row blocks are multiples of this (0: of mr).
  int64_t mcMultiple = 0;
  /// Row blocks of a product that expands a short K (expandsShortK; 0:
  /// mc, as for every other product), multiples of mr, for such products
  /// of at least `expandingMinColumns` columns.
  int64_t mcExpanding = kExpandingRowBlock;
  int64_t expandingMinColumns = 0;
  /// Products of at most mr rows (fewRows): K blocks of `kcFewRows` rows
  /// and column blocks up to `ncFewRows` wide.
  int64_t kcFewRows = 32, ncFewRows = 2048;
  /// A tall product's K slices (chooseTallTiles; 0: none): its block runs
  /// all of its column panels on one slice of K before the next.
  int64_t kSlice = 0;
  /// The threads the model will run on, which share the cache blocks
  /// (cacheBlocks); the compiler's `--cpu-threads`.
  int64_t threads = 2;
};

/// A constant weight whose rows (the product's A or B) lie a multiple of
/// kAliasedWeightRowBytes apart is stored with kWeightRowPadBytes of zeros
/// after each row and read through a view of its first columns: a register
/// tile reads a few of its rows at a time, and rows 1 KiB apart fall into 4
/// of the L1 cache's 64 sets, 4 KiB apart into one (B:
/// TileKernelRegions.cpp, padWeightRows; A, a convolution's filter:
/// ConvToMatmul.cpp, paddedFilter; docs/decisions.md).
constexpr int64_t kAliasedWeightRowBytes = 1024, kWeightRowPadBytes = 64;

/// The length an f32 activation's rows of `row` elements take where a
/// product reads them as B (--autoglm-align-product-rows, and a Winograd
/// convolution's output transform): a whole number of 64-byte cache lines,
/// so that a register tile's loads of a row do not straddle two, where
/// that makes the rows at most a quarter longer (a 14x14 image's 196
/// floats take 208; a 7x7 image's 49 would take 64, and measured no faster
/// so); else `row` (docs/decisions.md).
inline int64_t lineAlignedRow(int64_t row) {
  constexpr int64_t kLineFloats = 16;
  int64_t padded = llvm::alignTo(row, kLineFloats);
  return row >= kLineFloats && 4 * (padded - row) <= row ? padded : row;
}

/// The reassociation that keeps each of the first `from` dimensions of a
/// shape of rank `rank` as it is and joins the rest into one: a row of
/// lineAlignedRow's viewed as the dimensions it is made of (196 pixels as
/// 14 x 14, or as a Winograd output's 7 x 2 x 7 x 2).
inline SmallVector<ReassociationIndices> trailingDimsJoined(int64_t rank,
                                                            int64_t from) {
  SmallVector<ReassociationIndices> groups;
  for (int64_t d = 0; d < from; ++d)
    groups.push_back({d});
  groups.emplace_back();
  for (int64_t d = from; d < rank; ++d)
    groups.back().push_back(d);
  return groups;
}

/// Whether a product of `rows` rows is one register tile high: a decoder
/// step's matrix-vector products (M = 1, or the batch at batch 8). Each
/// element of B is then used once, so the product is a stream of B from
/// memory, and its cache blocks are chosen for the stream instead of for
/// reuse: a register tile walking all of a K block reads one 128-byte piece
/// of each of B's rows, rows N apart (a page apart for N >= 1024), which the
/// hardware prefetchers do not follow; K blocks of 32 rows instead put the
/// column loop inside, so that each K block reads 32 rows along their
/// length, 32 sequential streams (GPT-2's step 0.7x the time,
/// docs/decisions.md).
inline bool fewRows(int64_t rows, const ContractionTiles &tiles) {
  return rows <= tiles.mr;
}

/// Whether a product of `rows` rows by a constant weight streams the
/// weight from column panels (WeightPanels.h): at most two register tiles
/// high (a decoder step's products at batch 1 and 8), so that each panel
/// is read from memory once and again from cache at most once.
inline bool streamsWeight(int64_t rows, const ContractionTiles &tiles) {
  return rows <= 2 * tiles.mr;
}

/// The K slice of a tall product's block of `rows` rows by `k` of
/// `elementBytes` each: tiles.kSlice where its A has more than
/// `aboveBytes` (--autoglm-tile-kernel-regions' `k-slice-above-bytes`,
/// 1 MiB: half of the Xeon's 2 MiB L2), else 0 (K whole). BERT-base's
/// feed-forward output product at one thread, 128 rows by K = 3072 (1.5
/// MiB), took 1.15x ONNX Runtime's time at 1024 rows with K whole;
/// MiniLM's, 128 by 1536 (768 KiB), was 2% slower in slices.
inline int64_t kSliceOf(const ContractionTiles &tiles, int64_t rows, int64_t k,
                        int64_t elementBytes, int64_t aboveBytes) {
  return rows * k * elementBytes > aboveBytes ? tiles.kSlice : 0;
}

/// The first of `candidates` that divides `size`, or 1: a register tile's
/// rows or columns that need no remainder loop.
inline int64_t largestDivisor(int64_t size, ArrayRef<int64_t> candidates) {
  for (int64_t c : candidates)
    if (size % c == 0)
      return c;
  return 1;
}

inline ContractionTiles chooseTiles(unsigned vectorBits, unsigned elementBits) {
  int64_t lanes = std::max<int64_t>(1, vectorBits / elementBits);
  ContractionTiles tiles;
  // nr is two vector registers. With 32 registers (AVX-512) 8 rows take 16
  // accumulators, leaving room for B's two vectors and A's broadcast; with
  // 16 (AVX2, SSE, most of NEON's uses) 6 rows take 12.
  tiles.nr = 2 * lanes;
  tiles.lanes = lanes;
  tiles.mr = vectorBits >= 512 ? 8 : 6;
  tiles.registers = vectorBits >= 512 ? 32 : 16;
  // Row blocks are multiples of mr where they can be; 6 divides no power
  // of two, so on AVX2 a product of 128 or 1024 rows (BERT-base's tokens at
  // batch 1 and 8) had no row block at all, and every column tile read
  // all of A's rows of its K block (1 MiB at 1024 rows) from beyond L2.
  // Multiples of 8 instead: 64 = 10 x 6 + 4, the last tile's rows peeled.
  if (tiles.mr == 6)
    tiles.mcMultiple = 8;
  // A product that expands a short K (expandsShortK) in row blocks of two
  // whole 6-row tiles, not 16 (6 + 6 + 4: a quarter of the rows on a
  // 4-row tile, and B's column tiles copied again for each 16 rows);
  // where no multiple of 6 up to 12 divides M (256, 512 rows: ResNet-50's
  // expansions) a model built for one thread keeps the rows one block,
  // which measured faster still (cacheBlocks).
  // Where N is short (196, 49: a 14x14 or 7x7 image) C's rows are short
  // too, the writes they spread over many streams are few, and the
  // product takes the row blocks of every other (docs/decisions.md,
  // "On AVX2, expanding products in row blocks of 12").
  if (tiles.mr == 6) {
    tiles.mcExpanding = 12;
    tiles.expandingMinColumns = 256;
  }
  return tiles;
}

/// Marks a product (on tensors, by --autoglm-tile-kernel-regions; kept by
/// its tiles and by bufferization) whose blocks and register tiles are
/// chooseTallTiles', so that --autoglm-tile-and-vectorize-contractions
/// tiles each block as it was cut.
constexpr llvm::StringLiteral kTallTiles = "autoglm.tall_tiles";

/// The register tile of a tall f32 product (chooseTallTiles) of `columns`
/// columns (the product's N, or one of its blocks' or weight panels': a
/// block or panel of a product with 48-wide tiles is a multiple of 48, and
/// one of a product with 32-wide tiles never is) into `tiles`. AVX-512:
/// 8 x 48 where the columns are a multiple of 48, 12 x 32 otherwise (and
/// for 0, unknown columns). Both hold 24 accumulators in the 32 registers;
/// a k of 8 x 48 loads 3 vectors of B and broadcasts 8 elements of A for
/// its 24 FMAs, one of 12 x 32 2 and 12, and 8 rows divide the row blocks
/// of 64 and 128 where 12 leave a tile of 4 or 8. BERT-base at batch 1
/// took 0.97x the time of 12 x 32 tiles at one thread (batch 8 0.99x,
/// and 0.99x at two threads; batch 1 at two within the spread), MiniLM
/// 0.98x (docs/decisions.md, "Tall products take 8 x 48 register tiles
/// on AVX-512"). AVX2 and narrower: chooseTiles' 6 x 16.
inline void setTallRegisterTile(ContractionTiles &tiles, unsigned vectorBits,
                                int64_t columns) {
  if (vectorBits < 512)
    return;
  bool wide = columns > 0 && columns % (3 * tiles.lanes) == 0;
  tiles.mr = wide ? 8 : 12;
  tiles.nr = (wide ? 3 : 2) * tiles.lanes;
}

/// The tiles of a tall f32 product with weights: a MatMul's or Gemm's
/// (BERT's projections and feed-forward products, M = 128 tokens a
/// sequence), whose weight is read from column panels packed at compile
/// time (WeightPanels.h) where it is a constant. Row blocks of up to 128
/// rows (at most half of `rows`, the product's M when given), multiples of
/// 8, the last tile's rows peeled; column blocks of 384, or half of
/// `columns` (the product's N, when given) if less. For one thread
/// (`threads`, the compiler's `--cpu-threads`), rows are not halved.
/// - AVX-512: setTallRegisterTile's register tiles (8 x 48 where N is a
///   multiple of 48, else 12 x 32); K blocks of 128, so that a column
///   panel of B (128 x 32 floats, 16 KiB; 24 KiB at 48) stays in L1 beside
///   the rows of A that the tiles read, where 256 x 32 (32 KiB) with A's
///   block did not. BERT-base 0.84x-0.89x the time of 8 x 32 tiles in
///   64 x 256 x 256 blocks with 12 x 32 tiles (docs/decisions.md).
/// - AVX2: the 6 x 16 tiles of chooseTiles (16 registers hold no more);
///   K blocks of 768, K whole for BERT's and MiniLM's 384- and 768-wide
///   inputs: a panel is one sequential stream whatever its length, and each
///   K block costs every register tile a load and a store of its
///   accumulators, which on N = 3072 are rows 12 KiB apart, all in one L1
///   set. A block of 64 rows of A by 768 (192 KiB) stays in L2. BERT-base
///   at batch 1 0.93x, MiniLM 0.97x, the time of the same tiles reading B
///   in place in 64 x 256 x 256 blocks (docs/decisions.md).
inline ContractionTiles chooseTallTiles(unsigned vectorBits, int64_t rows = 0,
                                        int64_t columns = 0,
                                        int64_t threads = 2) {
  ContractionTiles tiles = chooseTiles(vectorBits, 32);
  setTallRegisterTile(tiles, vectorBits, columns);
  tiles.mc = 128;
  tiles.mcMultiple = 8;
  // Their rows are blocked per thread (below), whatever their K.
  tiles.mcExpanding = 0;
  tiles.kc = vectorBits >= 512 ? 128 : 768;
  tiles.nc = 384;
  // AVX-512: K in slices of 768 (six K blocks) where a block's rows of A
  // are too many for L2 (kSliceOf), so that its rows over a slice
  // (384 KiB at 128 rows) stay there while each of its panels reads them
  // (docs/decisions.md). AVX2's K blocks are already 768.
  if (vectorBits >= 512)
    tiles.kSlice = 768;
  // At least two row blocks (batch 1's 128 rows in two of 64): with two
  // threads, each then reads the rows of A that the row-wise kernel before
  // it (LayerNorm, GELU) wrote on the same core, and writes the rows of C
  // that the one after it reads there. Column blocks alone (all 128 rows a
  // block) cost BERT-base and MiniLM 0.99x and 1.1x main's time at two
  // threads, against 0.88x and 0.98x with row blocks of 64; at one thread
  // 128 rows a block was faster (0.84x against 0.89x: 64 = 5 x 12 + 4),
  // so a model built for one thread keeps them (docs/decisions.md, "A
  // model built for one thread keeps a sequence's rows in one block").
  if (rows && threads != 1)
    tiles.mc = std::min(tiles.mc,
                        std::max<int64_t>(tiles.mcMultiple, rows / 2 / 8 * 8));
  // At most half of N too: two column blocks at least, for the products
  // whose rows stay one block (M = 100 has no row block of a multiple of 8).
  if (columns)
    tiles.nc = std::min(tiles.nc,
                        std::max(tiles.nr, columns / 2 / tiles.nr * tiles.nr));
  return tiles;
}

/// A cache-block size for a dimension of `size`: the largest multiple of
/// `multiple` between `lower` and `target` that divides `size`, so every
/// block has the same static shape; 0 (no blocking) for a dimension that
/// fits in one block or has no such divisor.
inline int64_t blockSize(int64_t size, int64_t target, int64_t multiple,
                         int64_t lower) {
  if (size <= target)
    return 0;
  for (int64_t t = target / multiple * multiple; t >= std::max(lower, multiple);
       t -= multiple)
    if (size % t == 0)
      return t;
  return 0;
}

/// Matmuls the CPU tiling handles: plain (no transposed or broadcast maps)
/// row major `linalg.matmul` / `linalg.batch_matmul` of static shape, all
/// of one float type or all i32, on buffers (`onTensors` false) or on
/// tensors.
inline bool isTileableContraction(linalg::LinalgOp op, bool onTensors) {
  if (!isa<linalg::MatmulOp, linalg::BatchMatmulOp>(op) ||
      (onTensors ? !op.hasPureTensorSemantics()
                 : !op.hasPureBufferSemantics()) ||
      op.hasDynamicShape())
    return false;
  // i32: the products of 8-bit operands (int8 precision), widened to i32
  // before the product by the lowering.
  Type et = getElementTypeOrSelf(op.getDpsInits()[0].getType());
  if (!et.isF32() && !et.isF64() && !et.isInteger(32))
    return false;
  for (Value operand : op->getOperands())
    if (getElementTypeOrSelf(operand.getType()) != et)
      return false;
  SmallVector<AffineMap> defaults =
      isa<linalg::MatmulOp>(op)
          ? linalg::MatmulOp::getDefaultIndexingMaps(op->getContext())
          : linalg::BatchMatmulOp::getDefaultIndexingMaps(op->getContext());
  return op.getIndexingMapsArray() == defaults;
}

/// Whether `op` (a tileable contraction on tensors) takes chooseTallTiles:
/// float32 on AVX2 or AVX-512, at least 96 rows, columns a multiple of a
/// register tile's two vectors (no narrow remainders, whose wide
/// three-vector tiles need 8-row tiles on AVX-512).
inline bool wantsTallTiles(linalg::LinalgOp op, unsigned vectorBits) {
  // All operands float32 (not the 16-bit products, which
  // --autoglm-widen-16bit-products blocks with its own tiles).
  if (vectorBits < 256 || !isTileableContraction(op, /*onTensors=*/true) ||
      !getElementTypeOrSelf(op.getDpsInits()[0].getType()).isF32())
    return false;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  unsigned m = ranges.size() - 3, n = m + 1;
  return ranges[m] >= 96 && ranges[n] % (vectorBits / 16) == 0;
}

/// Marks a product (on tensors, by --autoglm-tile-kernel-regions; kept by
/// its tiles and by bufferization) whose register tiles are three vectors
/// wide (wantsWideTiles), so that --autoglm-tile-and-vectorize-contractions
/// tiles each block as it was cut.
constexpr llvm::StringLiteral kWideTiles = "autoglm.wide_tiles";

/// Whether `op`, a product on tensors with `tiles` (chooseTiles'), takes
/// register tiles of mr x 3 vectors (setWideRegisterTile) in the blocks
/// cut for chooseTiles' two-vector ones: on AVX-512, an f32 product of
/// more rows than a streamed weight's (streamsWeight; a convolution's,
/// attention's; the tall products by a weight take chooseTallTiles'
/// instead). An 8 x 48 tile loads three vectors of B and broadcasts eight
/// elements of A for its 24 FMAs, where 8 x 32 loads two and broadcasts
/// eight for 16 (a block's last columns, fewer than 48, keep the narrower
/// tiles). ResNet-50 at batch 1 on one thread took 0.95x the time, the DB
/// detector 0.95x; the blocks cut for 48-wide tiles instead (no multiple
/// of 48 divides 56 x 56 pixels) measured the same. A product of few rows
/// streams its weight from panels (WeightPanels.h) one tile wide: the
/// GPT-2 step took 1.07x the time with 48-wide panels (docs/decisions.md,
/// "Products take register tiles three vectors wide on AVX-512").
inline bool wantsWideTiles(linalg::LinalgOp op, const ContractionTiles &tiles) {
  if (tiles.registers < 32 || tiles.lanes != 16 ||
      !isTileableContraction(op, /*onTensors=*/true) ||
      !getElementTypeOrSelf(op.getDpsInits()[0].getType()).isF32())
    return false;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  return !streamsWeight(ranges[ranges.size() - 3], tiles);
}

/// wantsWideTiles' register tile: mr rows by three vectors.
inline void setWideRegisterTile(ContractionTiles &tiles) {
  tiles.nr = 3 * tiles.lanes;
}

/// Products of 16-bit float operands (both f16 or both bf16) into a float32
/// accumulator, what --precision=fp16|bf16 makes: plain row major
/// `linalg.matmul` / `linalg.batch_matmul` of static shape, on buffers
/// (`onTensors` false) or on tensors. --autoglm-tile-kernel-regions cuts
/// them into cache blocks like the tileable ones, and
/// --autoglm-widen-16bit-products turns each block into an f32 product of
/// widened panels.
inline bool is16BitProduct(linalg::LinalgOp op, bool onTensors) {
  if (!isa<linalg::MatmulOp, linalg::BatchMatmulOp>(op) ||
      (onTensors ? !op.hasPureTensorSemantics()
                 : !op.hasPureBufferSemantics()) ||
      op.hasDynamicShape() || op.getNumDpsInputs() != 2)
    return false;
  Type a = getElementTypeOrSelf(op.getDpsInputs()[0].getType());
  Type b = getElementTypeOrSelf(op.getDpsInputs()[1].getType());
  if (a != b || !(a.isF16() || a.isBF16()) ||
      !getElementTypeOrSelf(op.getDpsInits()[0].getType()).isF32())
    return false;
  SmallVector<AffineMap> defaults =
      isa<linalg::MatmulOp>(op)
          ? linalg::MatmulOp::getDefaultIndexingMaps(op->getContext())
          : linalg::BatchMatmulOp::getDefaultIndexingMaps(op->getContext());
  return op.getIndexingMapsArray() == defaults;
}

/// Block counts from which an odd count is kept: the last block's
/// imbalance (1 in 2 * 8 + 1 blocks at most) costs less than smaller blocks.
/// With more threads, the share of the threads' time that `count` blocks
/// leave busy (blockBalance) must be at least what 17 blocks on 2 threads
/// leave: 17 / 18.
constexpr int64_t kEvenBlocksBelow = 16;
/// Register tiles of rows below which a row block of a two-thread split
/// gives way to column blocks (cacheBlocks): such blocks reuse little of B,
/// which each of them reads whole.
constexpr int64_t kMinRowTiles = 4;
/// Multiply-adds from which a product's blocks are made even (about 20 us
/// on one core: several times the cost of waking the other thread).
constexpr int64_t kEvenBlocksMinWork = int64_t(1) << 20;

/// Column blocks a product that streams its weight from panels is cut
/// into, about: the threads of a large machine each get one or more.
constexpr int64_t kStreamBlocks = 32;
/// Multiply-adds a block keeps at least where blocks are cut smaller for
/// more than two threads (about 3 us on one core: a chunk of the runtime's
/// loop costs well under that).
constexpr int64_t kMinBlockWork = int64_t(1) << 18;

/// The share of `threads` threads' time that `count` equal blocks keep
/// busy, dealt in rounds of one block per thread.
inline double blockBalance(int64_t count, int64_t threads) {
  return double(count) / double(threads * llvm::divideCeil(count, threads));
}

/// Whether a product of `rows` rows over `k` writes much more than it
/// reads: K at most 256 and at least four rows of C per row of B (a
/// bottleneck's expanding 1x1 convolution, 64 -> 256 channels at 56x56;
/// MobileNetV2's expansions, 6x). Each element of C then takes few
/// multiply-adds, and the product's speed is how fast C's lines are
/// fetched for writing: a block of 64 rows walked column tile by column
/// tile writes 128 bytes of each of 64 rows in turn, more streams than
/// the hardware prefetchers follow. Blocks of `mcExpanding` rows (16; 12
/// on AVX2, where chooseTiles also exempts products of few columns)
/// write their rows along their length instead; B's panel, which such a
/// product reads from L2 again for each block, is small (K x 32 floats).
/// ResNet-50's first bottleneck block took 0.82x the time so
/// (docs/decisions.md).
inline bool expandsShortK(int64_t rows, int64_t k) {
  return k <= 256 && rows >= 4 * k;
}

/// The cache-block sizes of the parallel dimensions ([b,] m, n) of a
/// tileable contraction (0: not blocked): one image at a time of a batch,
/// rows and columns by blockSize. With `weightPanels`, the product
/// streams its weight from panels (streamsWeight) and is cut as a
/// product of few rows is.
inline SmallVector<int64_t> cacheBlocks(linalg::LinalgOp op,
                                        const ContractionTiles &tiles,
                                        bool weightPanels = false) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  unsigned m = ranges.size() - 3, n = m + 1;
  SmallVector<int64_t> blocks(ranges.size() - 1, 0);
  if (ranges.size() == 4 && ranges[0] > 1)
    blocks[0] = 1;
  int64_t mMultiple = tiles.mcMultiple ? tiles.mcMultiple : tiles.mr;
  bool expanding = tiles.mcExpanding &&
                   expandsShortK(ranges[m], ranges[m + 2]) &&
                   ranges[n] >= tiles.expandingMinColumns;
  if (expanding) {
    blocks[m] = blockSize(ranges[m], tiles.mcExpanding, tiles.mr, tiles.mr);
    // AVX2 (chooseTiles): where no multiple of 6 up to 12 divides M, one
    // thread keeps the rows whole; for more, blocks of 16 rows, multiples
    // of mcMultiple (whole rows measured slower at two threads: 512 x 128
    // by 128 x 784 0.62 -> 0.77 of ONNX Runtime's time).
    if (blocks[m] || tiles.threads == 1 || !tiles.mcMultiple)
      mMultiple = tiles.mr;
    else
      blocks[m] =
          blockSize(ranges[m], kExpandingRowBlock, mMultiple, mMultiple);
  } else {
    blocks[m] = blockSize(ranges[m], tiles.mc, mMultiple, mMultiple);
  }
  blocks[n] = blockSize(ranges[n], tiles.nc, tiles.nr, tiles.nr);
  // A product of few rows (fewRows) reuses no panel of B: its column
  // blocks only split the stream of B between threads, and the wider they
  // are, the longer each row's sequential run. Two blocks at least where N
  // would be blocked at all (both threads of a 2-core machine busy, evenly:
  // N = 768, 2304, 3072 in 2 blocks, not 3, 9, 12 of 256), a divisor of N
  // that is a multiple of nr, else any divisor from nc up (GPT-2's LM head,
  // N = 50257 = 29 x 1733, otherwise one block on one thread). Not the
  // 16-bit products, whose blocks --autoglm-widen-16bit-products widens
  // to float32 panels (not measured with wide blocks).
  if (ranges.size() == 3 && (fewRows(ranges[m], tiles) || weightPanels) &&
      ranges[n] > tiles.nc && isTileableContraction(op, /*onTensors=*/true)) {
    // From column panels, B streams in order however narrow the block:
    // about kStreamBlocks blocks of at least two panels, so that as many
    // threads share the stream (two blocks left 14 of a 16-core Xeon's
    // cores idle: the GPT-2 step 3.1x ONNX Runtime's time at 16 threads,
    // 1.0x at one).
    if (weightPanels) {
      int64_t target = std::max(2 * tiles.nr, ranges[n] / kStreamBlocks);
      int64_t narrow = blockSize(ranges[n], target, tiles.nr, tiles.nr);
      // An N that no multiple of nr divides (a classifier's 1000 classes)
      // otherwise took two blocks, two threads: for more than four threads,
      // blocks of a multiple of 8 columns, each block's panels packed for
      // its width with a narrower last one (packColumnPanels; MobileNetV2
      // at 16 threads 0.94 of the time with 25 blocks of 40). They stream
      // less well (1.6x the work), which few threads do not make up for.
      if (!narrow && tiles.threads > 4)
        narrow = blockSize(ranges[n], target, 8, tiles.nr);
      if (narrow) {
        blocks[n] = narrow;
        return blocks;
      }
    }
    int64_t target = std::min(tiles.ncFewRows, ranges[n] / 2);
    blocks[n] = blockSize(ranges[n], target, tiles.nr, tiles.nr);
    if (!blocks[n])
      blocks[n] = blockSize(ranges[n], target, 1, tiles.nc);
    return blocks;
  }
  // The blocks are what the threads share (one parallel iteration each),
  // dealt in contiguous halves on two threads: an odd count of few blocks
  // leaves a thread idle for a block's time (3 blocks: 2 against 1), and one
  // block runs on one thread alone (MobileNetV2's 1x1 products of 32 or 64
  // rows by 784 or 196 columns, which no multiple of nr divides). Such a
  // product takes the largest row block, a multiple of the row blocks'
  // multiple (mr, or 8 on AVX2), that makes the count even, where each
  // block still reuses B's panel for at least kMinRowTiles register tiles
  // (else even column blocks).
  // Not a product too small to be worth a second thread (the runtime's
  // hand-off costs microseconds), which stays as it is.
  auto countOf = [&](int64_t mBlock, int64_t nBlock) {
    int64_t total = ranges.size() == 4 ? ranges[0] : 1;
    return total * (mBlock ? ranges[m] / mBlock : 1) *
           (nBlock ? ranges[n] / nBlock : 1);
  };
  auto count = [&](int64_t mBlock) { return countOf(mBlock, blocks[n]); };
  int64_t work = 1;
  for (int64_t range : ranges)
    work *= range;
  int64_t threads = std::max<int64_t>(1, tiles.threads);
  constexpr double kBalanced = 17.0 / 18.0;
  if (work < kEvenBlocksMinWork || threads == 1 ||
      count(blocks[m]) % threads == 0 ||
      (threads == 2 ? count(blocks[m]) >= kEvenBlocksBelow
                    : blockBalance(count(blocks[m]), threads) >= kBalanced))
    return blocks;
  // More than two threads: no block smaller than kMinBlockWork (two
  // threads keep their blocks as they were measured).
  auto bigEnough = [&](int64_t mBlock) {
    return threads == 2 || work / count(mBlock) >= kMinBlockWork;
  };
  // The widest column block that makes the count even, a multiple of 8
  // columns and at least four register tiles wide, each block ending in a
  // narrower register tile (392 = 12 x 32 + 8), where N is not blocked yet.
  auto evenColumnBlocks = [&] {
    if (blocks[n] != 0)
      return false;
    for (int64_t t = ranges[n] / 2; t >= 4 * tiles.nr; --t)
      if (ranges[n] % t == 0 && t % 8 == 0) {
        blocks[n] = t;
        if (count(blocks[m]) % threads == 0 && bigEnough(blocks[m]))
          return true;
        blocks[n] = 0;
      }
    return false;
  };
  for (int64_t t = (blocks[m] ? blocks[m] : ranges[m]) - mMultiple;
       t >= tiles.mr; t -= mMultiple)
    if (ranges[m] % t == 0 && count(t) % threads == 0 && bigEnough(t)) {
      // Two row blocks of fewer than kMinRowTiles register tiles each (32
      // or 48 rows) read all of B on both threads, B much larger than
      // their rows of A, and B is what the layer before wrote, half of it
      // on the other core. Two column blocks read half of B each
      // (MobileNetV2's 1x1 projections to 32 channels at 28x28: 32 x 392
      // blocks, not 16 x 784; docs/decisions.md).
      if (threads == 2 && t < kMinRowTiles * tiles.mr && evenColumnBlocks())
        return blocks;
      blocks[m] = t;
      return blocks;
    }
  // Many threads rarely divide a block count (MobileNetV2's 1x1 products of
  // 320 rows: no multiple of 8 rows gives a multiple of 16 blocks): the
  // row block that keeps the threads busiest, the largest of equals.
  if (threads > 2) {
    int64_t best = blocks[m];
    for (int64_t t = (blocks[m] ? blocks[m] : ranges[m]) - mMultiple;
         t >= tiles.mr; t -= mMultiple)
      if (ranges[m] % t == 0 && bigEnough(t) &&
          blockBalance(count(t), threads) >
              blockBalance(count(best), threads) + 1e-9)
        best = t;
    // More than four threads and still short of kBalanced: rows and columns
    // together, columns in blocks at least two register tiles wide that
    // divide N, whatever their last register tile (MobileNetV2's 1x1
    // projections to 32 channels at 28x28, 4 blocks of 8 rows, ran on 4 of
    // 16 threads: 4 x 4 blocks of 196 columns instead), where that keeps
    // more of the threads busy.
    double start = blockBalance(count(best), threads);
    if (threads > 4 && start < kBalanced) {
      // Ordered by the share of the threads kept busy, then the fewest
      // blocks, then the widest columns.
      auto rank = [&](int64_t mBlock, int64_t nBlock) {
        int64_t c = countOf(mBlock, nBlock);
        return std::make_tuple(blockBalance(c, threads), -c,
                               nBlock ? nBlock : ranges[n]);
      };
      int64_t bestM = best, bestN = blocks[n];
      // Columns no wider than they were blocked (8 rows by 1568 columns,
      // ResNet-50's first 1x1 convolution, read B eight times over), and
      // no more columns left to narrower register tiles than N leaves
      // (the DB detector's 128 x 1600 product in blocks of 100, each
      // ending in 4 such columns, took longer than in 40 blocks).
      SmallVector<int64_t> rowBlocks = {0}, columnBlocks = {blocks[n]};
      for (int64_t t = mMultiple; t < ranges[m]; t += mMultiple)
        if (ranges[m] % t == 0)
          rowBlocks.push_back(t);
      for (int64_t t = 2 * tiles.nr; t < (blocks[n] ? blocks[n] : ranges[n]);
           ++t)
        if (ranges[n] % t == 0 &&
            ranges[n] / t * (t % tiles.nr) <= ranges[n] % tiles.nr)
          columnBlocks.push_back(t);
      for (int64_t mBlock : rowBlocks)
        for (int64_t nBlock : columnBlocks)
          if (work / countOf(mBlock, nBlock) >= kMinBlockWork &&
              blockBalance(countOf(mBlock, nBlock), threads) > start + 1e-9 &&
              rank(mBlock, nBlock) > rank(bestM, bestN)) {
            bestM = mBlock;
            bestN = nBlock;
          }
      best = bestM;
      blocks[n] = bestN;
    }
    if (best != blocks[m]) {
      blocks[m] = best;
      return blocks;
    }
  }
  // No such row block (MobileNetV3's 1x1 products of 40 rows by 784
  // columns: 5 row tiles, and no multiple of nr divides 784): even column
  // blocks.
  evenColumnBlocks();
  return blocks;
}
/// Whether the grid of cache blocks (`blocks`, from cacheBlocks, both rows
/// and columns blocked) of a product whose A is a weight (a convolution's:
/// B the activations the layer before wrote) runs column blocks
/// outermost, so that its parallel loop, dealt to the threads in
/// contiguous halves, gives each thread half of the columns (all of A,
/// half of B) rather than half of the rows (half of A, all of B): on two
/// threads, where B is the larger operand (N > M, as K x N against M x K).
/// ResNet-50's first 1x1 convolutions at 56x56 (64 -> 256 channels, 256 ->
/// 128) read 0.8-3.2 MB of activations per thread for 64-128 KB of
/// weights; dealt by columns their loops took 0.78-0.91 of the time
/// (docs/decisions.md).
inline bool columnBlocksOutermost(ArrayRef<int64_t> ranges,
                                  ArrayRef<int64_t> blocks, int64_t threads) {
  // Not a batch's (b, m, n) grid, whose images the threads share.
  if (threads != 2 || ranges.size() != 3)
    return false;
  return blocks[0] != 0 && blocks[1] != 0 && ranges[1] > ranges[0];
}
} // namespace mlir::autoglm

#endif // AUTOGLM_LIB_TARGET_CPU_CONTRACTIONTILES_H
