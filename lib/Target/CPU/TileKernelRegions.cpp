//===- TileKernelRegions.cpp - each fused region as one tiled kernel ------===//
//
// A region of --autoglm-fuse (`autoglm.fused`) reaches the CPU pipeline as
// one unit on tensors: the lowering converts its body in place and keeps
// the region (lib/Conversion/AutoGLMToLinalg/Fused.cpp). Here, still on
// tensors, each region becomes a kernel:
//
// - its root, the op computing the region's result (past reshapes), is
//   tiled into the cache blocks of the matrix product it computes or
//   finishes, with upstream tile-and-fuse
//   (`scf::tileConsumerAndFuseProducersUsingSCF`) into an `scf.forall`; the
//   product's zero fill and the product itself are fused into the block
//   loop, so every block of the output is filled, accumulated and finished
//   (bias, activation, residual) while it is in cache:
//
//     %r = scf.forall (%i, %j) = (0, 0) to (M, N) step (Mc, Nc)
//         shared_outs(%out = %empty) {
//       %c = linalg.fill ... (extract_slice %out)
//       %p = linalg.matmul ins(A[%i, :], B[:, %j]) outs(%c)
//       %e = linalg.generic ins(bias[%j]) outs(%p)        // the tail
//       tensor.parallel_insert_slice %e into %out[%i, %j]
//     } {autoglm.kernel = "contraction"}
//
// - then the region is inlined: on the CPU a kernel is a loop nest of the
//   host function; the `autoglm.kernel` attribute names the kernel loop.
//
// A product outside any region (or in one whose root is something else) is
// tiled the same way with its fill. After bufferization the blocks become
// `scf.parallel` (run on the runtime's threads) and
// --autoglm-tile-and-vectorize-contractions tiles each block's product for
// registers: nothing is searched for after bufferization. Block sizes come
// from ContractionTiles.h and divide the dimensions, so blocks are static.
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CPU/Passes.h"

#include "../KernelRoot.h"
#include "ContractionTiles.h"

#include "autoglm/Dialect/AutoGLM.h"

#include "mlir/Dialect/Linalg/Transforms/TilingInterfaceImpl.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/TilingInterface.h"
#include "mlir/Transforms/RegionUtils.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMTILEKERNELREGIONS
#include "autoglm/Target/CPU/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {
/// The product `root` computes (root itself) or finishes: an all-parallel
/// generic over the product's parallel dimensions that updates it in place
/// (the tail the lowering of a "contraction" region leaves). Null if none.
linalg::LinalgOp productOf(linalg::LinalgOp root) {
  if (isTileableContraction(root, /*onTensors=*/true))
    return root;
  auto generic = dyn_cast<linalg::GenericOp>(root.getOperation());
  if (!generic || !generic.hasPureTensorSemantics() ||
      generic.getNumDpsInits() != 1 ||
      generic.getNumParallelLoops() != generic.getNumLoops() ||
      !generic.getMatchingIndexingMap(generic.getDpsInitOperand(0))
           .isIdentity())
    return {};
  auto product = generic.getDpsInits()[0].getDefiningOp<linalg::LinalgOp>();
  if (!product || !isTileableContraction(product, /*onTensors=*/true) ||
      !product->hasOneUse())
    return {};
  SmallVector<int64_t> ranges = product.getStaticLoopRanges();
  ranges.pop_back(); // k
  if (generic.getStaticLoopRanges() != ranges)
    return {};
  return product;
}

struct TileKernelRegionsPass
    : public autoglm::impl::AutoGLMTileKernelRegionsBase<
          TileKernelRegionsPass> {
  using AutoGLMTileKernelRegionsBase::AutoGLMTileKernelRegionsBase;

  void getDependentDialects(DialectRegistry &registry) const override {
    AutoGLMTileKernelRegionsBase::getDependentDialects(registry);
    linalg::registerTilingInterfaceExternalModels(registry);
  }

  /// Tiles `root` (which computes or finishes `product`) into the cache
  /// blocks of `product`, fusing the product and its fill; the block loop
  /// gets `autoglm.kernel = kind`. Nothing changes when the product fits
  /// in one block or tiling fails.
  void tileIntoBlocks(RewriterBase &rewriter, linalg::LinalgOp root,
                      linalg::LinalgOp product, StringRef kind) {
    unsigned bits = vectorBits ? unsigned(vectorBits) : hostVectorBits();
    unsigned elementBits =
        getElementTypeOrSelf(product.getDpsInits()[0].getType())
            .getIntOrFloatBitWidth();
    SmallVector<int64_t> blocks =
        cacheBlocks(product, chooseTiles(bits, elementBits));
    if (llvm::all_of(blocks, [](int64_t t) { return t == 0; }))
      return;
    if (root == product)
      blocks.push_back(
          0); // k stays whole: the K blocks come after bufferization
    MLIRContext *ctx = rewriter.getContext();
    scf::SCFTilingOptions tiling;
    tiling.setTileSizes(getAsIndexOpFoldResult(ctx, blocks));
    tiling.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
    scf::SCFTileAndFuseOptions options;
    options.setTilingOptions(tiling);
    Operation *productOp = product;
    options.setFusionControlFn(
        [&](tensor::ExtractSliceOp, OpResult producer, bool)
            -> std::optional<scf::SCFTileAndFuseOptions::ControlFnResult> {
          Operation *op = producer.getOwner();
          if (op == productOp || isa<linalg::FillOp>(op))
            return scf::SCFTileAndFuseOptions::ControlFnResult{};
          return std::nullopt;
        });
    rewriter.setInsertionPoint(root);
    FailureOr<scf::SCFTileAndFuseResult> result =
        scf::tileConsumerAndFuseProducersUsingSCF(
            rewriter, cast<TilingInterface>(root.getOperation()), options);
    if (failed(result))
      return;
    for (OpResult r : root->getResults())
      rewriter.replaceAllUsesWith(r, result->replacements.lookup(r));
    if (!result->loops.empty())
      result->loops.front()->setAttr("autoglm.kernel",
                                     rewriter.getStringAttr(kind));
    // What tile-and-fuse replaced: the root, then its producers, if unused.
    SmallVector<Operation *> dead = {root};
    if (productOp != root) {
      dead.push_back(productOp);
    }
    if (Operation *fill =
            product.getDpsInits()[0].getDefiningOp<linalg::FillOp>())
      dead.push_back(fill);
    for (Operation *op : dead)
      if (op->use_empty())
        rewriter.eraseOp(op);
  }

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    IRRewriter rewriter(&getContext());

    // Post-order: a nested region is a kernel of its own, inside its parent's.
    SmallVector<FusedOp> regions;
    func.walk([&](FusedOp op) { regions.push_back(op); });
    for (FusedOp region : regions) {
      Block &body = region.getBody().front();
      // Dead ops left by earlier rewrites (the reshape of a convolution's
      // product that its tail replaced) would count as uses of the product.
      for (Operation &op : llvm::make_early_inc_range(llvm::reverse(body)))
        if (isOpTriviallyDead(&op))
          rewriter.eraseOp(&op);
      if (auto root = dyn_cast_or_null<linalg::LinalgOp>(getKernelRoot(region)))
        if (linalg::LinalgOp product = productOf(root))
          tileIntoBlocks(rewriter, root, product, region.getKind());
      // The region's body becomes part of the host function.
      inlineFusedOp(rewriter, region);
    }

    // Products not finished by a region: blocks with their fill alone.
    SmallVector<linalg::LinalgOp> products;
    func.walk([&](linalg::LinalgOp op) {
      if (isTileableContraction(op, /*onTensors=*/true) &&
          !op->getParentOfType<scf::ForallOp>())
        products.push_back(op);
    });
    for (linalg::LinalgOp product : products)
      tileIntoBlocks(rewriter, product, product, "contraction");
  }
};
} // namespace
