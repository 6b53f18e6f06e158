//===- Widen16BitProducts.cpp - f16/bf16 products on the f32 kernel -------===//
//
// --precision=fp16|bf16 makes every product a `linalg.matmul` /
// `linalg.batch_matmul` of 16-bit operands into a float32 accumulator. The
// register-tiled kernel of --autoglm-tile-and-vectorize-contractions takes
// products of one element type only (widening inside the vector contraction
// fails in the LLVM translation of the batched ones), so such a product
// would run as linalg's plain loop nest, about 20 times slower than float32.
//
// Here, on buffers and before that kernel, each 16-bit product is cut into
// the kernel's cache blocks, and every block widens its operands into
// float32 panels before an f32 product of the panels:
//
//   scf.parallel (M/Mc, N/Nc)                  (when not one block already)
//     %a = memref.alloc : Mc x Kc x f32        the block's panels, once per
//     %b = memref.alloc : Kc x Nc x f32        block (a thread's own)
//     scf.for (K/Kc)
//       %a = extf A[i.., k..]                  (vectorized by
//       %b = extf B[k.., j..]                   --autoglm-vectorize-rows)
//       linalg.matmul ins(%a, %b) outs(C[i.., j..])   -> the f32 kernel
//     memref.dealloc %a, %b
//
// Memory reads stay 16-bit (the weights are read in half the bytes of
// float32); the widened panels (64 KiB for A and 256 KiB for B where the
// block sizes divide the dimensions, never above 2 MiB) are written and
// read again in L2. Each panel element is widened N/Nc (A) or
// M/Mc (B) times, a few conversions per Kc FMAs. The products of the panels
// are the float32 kernel's: the same roundings as before except that a
// product and its addition are one FMA.
//
// With `bf16-dot` (a target CPU with AVX512_BF16), a bf16 product whose
// blocks have an even Kc and a multiple of 16 columns runs on `vdpbf16ps`
// instead (Bf16DotKernel.h): no A panel (the kernel reads A's bf16 pairs),
// and B's block packed into a bf16 panel of interleaved row pairs. With
// `amx-bf16` (a target CPU with AMX-BF16), a bf16 product whose blocks are
// whole AMX tiles packs B's block the same way and runs on AMX tiles
// (AmxBf16Kernel.h).
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CPU/Passes.h"

#include "AmxBf16Kernel.h"
#include "Bf16DotKernel.h"
#include "ContractionTiles.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMWIDEN16BITPRODUCTS
#include "autoglm/Target/CPU/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {
/// Panels above this many bytes (a dimension with no block size dividing
/// it) are not made: the product keeps its loop nest rather than allocate
/// a panel far larger than L2.
constexpr int64_t kMaxPanelBytes = 2 << 20;

/// `op` tiled with `sizes` (0: untiled) into `loopType` loops; `op` itself
/// when every size is 0. The tiled op replaces `op`, which is erased.
FailureOr<linalg::LinalgOp> tile(RewriterBase &rewriter, linalg::LinalgOp op,
                                 ArrayRef<int64_t> sizes,
                                 linalg::LinalgTilingLoopType loopType) {
  if (llvm::all_of(sizes, [](int64_t s) { return s == 0; }))
    return op;
  rewriter.setInsertionPoint(op);
  FailureOr<linalg::TiledLinalgOp> tiled = linalg::tileLinalgOp(
      rewriter, op,
      linalg::LinalgTilingOptions().setTileSizes(sizes).setLoopType(loopType));
  if (failed(tiled))
    return failure();
  rewriter.eraseOp(op);
  return tiled->op;
}

/// `source` (a 16-bit view of the block's shape) widened into `panel`.
void widenInto(RewriterBase &rewriter, Location loc, Value source,
               Value panel) {
  auto type = cast<MemRefType>(panel.getType());
  MLIRContext *ctx = rewriter.getContext();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(type.getRank(), ctx);
  linalg::GenericOp::create(
      rewriter, loc, ValueRange{source}, ValueRange{panel},
      ArrayRef<AffineMap>{identity, identity},
      SmallVector<utils::IteratorType>(type.getRank(),
                                       utils::IteratorType::parallel),
      [&](OpBuilder &b, Location loc, ValueRange args) {
        Value wide = arith::ExtFOp::create(b, loc, b.getF32Type(), args[0]);
        linalg::YieldOp::create(b, loc, wide);
      });
}

/// Rewrites the 16-bit product `op` as above (with `bf16Dot`, a bf16 one
/// on vdpbf16ps where its blocks allow).
LogicalResult widen(RewriterBase &rewriter, linalg::LinalgOp op,
                    const ContractionTiles &tiles, bool bf16Dot, bool amxBf16) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  // Loop dims: [b,] m, n, k.
  unsigned m = ranges.size() - 3, n = m + 1, k = m + 2;
  bool batched = ranges.size() == 4;

  // The cache blocks of --autoglm-tile-and-vectorize-contractions, so that
  // the f32 product of the panels is one block there.
  SmallVector<int64_t> blocks(ranges.size(), 0);
  if (batched && ranges[0] > 1)
    blocks[0] = 1;
  blocks[m] = blockSize(ranges[m], tiles.mc, tiles.mr, tiles.mr);
  blocks[n] = blockSize(ranges[n], tiles.nc, tiles.nr, tiles.nr);
  int64_t kBlock = blockSize(ranges[k], tiles.kc, 1, tiles.kc / 4);
  SmallVector<int64_t> block(ranges);
  for (unsigned d = 0; d < ranges.size(); ++d)
    if (blocks[d])
      block[d] = blocks[d];
  if (kBlock)
    block[k] = kBlock;
  int64_t panelBytes = 4 * block[k] * std::max(block[m], block[n]);
  if (panelBytes > kMaxPanelBytes)
    return success(); // stays a loop nest: slower, still correct
  bool isBf16 = getElementTypeOrSelf(op.getDpsInputs()[0].getType()).isBF16();
  // AMX reads 16 x 16 tiles of C and 32 values of K a row.
  bool amx = amxBf16 && isBf16 &&
             autoglm::isWholeAmxBf16Block(block[m], block[k], block[n]);
  // vdpbf16ps reads pairs of K and 16 columns at a time (and AMX the same
  // pairs).
  bool dot =
      (bf16Dot || amx) && isBf16 && block[k] % 2 == 0 && block[n] % 16 == 0;

  // Rows and columns in parallel; each parallel iteration gets its panels.
  // (Tiling erases `op`: its location is taken first.)
  Location loc = op.getLoc();
  FailureOr<linalg::LinalgOp> rowsAndColumns =
      tile(rewriter, op, blocks, linalg::LinalgTilingLoopType::ParallelLoops);
  if (failed(rowsAndColumns))
    return failure();
  Type f32 = rewriter.getF32Type();
  SmallVector<int64_t> aShape, bShape;
  if (batched) {
    aShape.push_back(1);
    bShape.push_back(1);
  }
  aShape.append({block[m], block[k]});
  if (dot)
    bShape.append({block[k] / 2, 2 * block[n]}); // pairs of B's rows
  else
    bShape.append({block[k], block[n]});
  rewriter.setInsertionPoint(*rowsAndColumns);
  IntegerAttr alignment = rewriter.getI64IntegerAttr(64);
  SmallVector<Value> panels;
  if (!dot) // vdpbf16ps reads A's bf16 pairs where they are
    panels.push_back(memref::AllocOp::create(
        rewriter, loc, MemRefType::get(aShape, f32), alignment));
  panels.push_back(memref::AllocOp::create(
      rewriter, loc,
      MemRefType::get(bShape, dot ? rewriter.getBF16Type() : f32), alignment));
  rewriter.setInsertionPointAfter(*rowsAndColumns);
  for (Value panel : panels)
    memref::DeallocOp::create(rewriter, loc, panel);

  // K in blocks, each widening its panels before the f32 product.
  SmallVector<int64_t> kSizes(ranges.size(), 0);
  kSizes[k] = kBlock;
  FailureOr<linalg::LinalgOp> kTile = tile(rewriter, *rowsAndColumns, kSizes,
                                           linalg::LinalgTilingLoopType::Loops);
  if (failed(kTile))
    return failure();
  linalg::LinalgOp product = *kTile;
  rewriter.setInsertionPoint(product);
  // A batched block has batch 1 (blocks[0]): its views are [1, rows, ...].
  Value a = product.getDpsInputs()[0], b = product.getDpsInputs()[1];
  Value c = product.getDpsInits()[0];
  if (dot) {
    packBf16Pairs(rewriter, loc, b, panels.back());
    if (amx)
      buildAmxBf16Product(rewriter, loc, a, panels.back(), c);
    else
      buildBf16DotProduct(rewriter, loc, a, panels.back(), c);
    rewriter.eraseOp(product);
    return success();
  }
  Value aPanel = panels[0], bPanel = panels[1];
  widenInto(rewriter, loc, a, aPanel);
  widenInto(rewriter, loc, b, bPanel);
  if (batched)
    rewriter.replaceOpWithNewOp<linalg::BatchMatmulOp>(
        product, ValueRange{aPanel, bPanel}, ValueRange{c});
  else
    rewriter.replaceOpWithNewOp<linalg::MatmulOp>(
        product, ValueRange{aPanel, bPanel}, ValueRange{c});
  return success();
}

struct Widen16BitProductsPass
    : public autoglm::impl::AutoGLMWiden16BitProductsBase<
          Widen16BitProductsPass> {
  using AutoGLMWiden16BitProductsBase::AutoGLMWiden16BitProductsBase;

  void runOnOperation() override {
    unsigned bits = vectorBits ? unsigned(vectorBits) : hostVectorBits();
    ContractionTiles tiles = chooseTiles(bits, /*elementBits=*/32);
    SmallVector<linalg::LinalgOp> products;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (is16BitProduct(op, /*onTensors=*/false))
        products.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : products)
      if (failed(widen(rewriter, op, tiles, bf16Dot, amxBf16)))
        return signalPassFailure();
  }
};
} // namespace
