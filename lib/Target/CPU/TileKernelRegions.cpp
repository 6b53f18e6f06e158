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
// A convolution's product whose B is its im2col is cut differently
// (reusePanels): blocks of whole output rows spanning all of M, dealt to a
// few parallel slots that run their blocks in an scf.for (of several
// images: the slots split the images, each running its images' blocks in
// turn), each block copying its input rows into its slot's column panel
// (one strided slice per kernel tap) before multiplying; the whole-image
// im2col is gone.
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
#include "../PermutedConstant.h"
#include "ContractionTiles.h"
#include "WeightPanels.h"

#include "autoglm/Dialect/AutoGLM.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/Transforms/TilingInterfaceImpl.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/IR/Matchers.h"
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
/// Products cut into cache blocks here: those of the f32 kernel, and the
/// 16-bit products that --autoglm-widen-16bit-products runs on it per block.
bool isBlockedProduct(linalg::LinalgOp op) {
  return isTileableContraction(op, /*onTensors=*/true) ||
         is16BitProduct(op, /*onTensors=*/true);
}

/// The product `root` computes (root itself) or finishes: an all-parallel
/// generic over the product's parallel dimensions that updates it in place
/// (the tail the lowering of a "contraction" region leaves). Null if none.
linalg::LinalgOp productOf(linalg::LinalgOp root) {
  if (isBlockedProduct(root))
    return root;
  auto generic = dyn_cast<linalg::GenericOp>(root.getOperation());
  if (!generic || !generic.hasPureTensorSemantics() ||
      generic.getNumDpsInits() != 1 ||
      generic.getNumParallelLoops() != generic.getNumLoops() ||
      !generic.getMatchingIndexingMap(generic.getDpsInitOperand(0))
           .isIdentity())
    return {};
  auto product = generic.getDpsInits()[0].getDefiningOp<linalg::LinalgOp>();
  if (!product || !isBlockedProduct(product) || !product->hasOneUse())
    return {};
  SmallVector<int64_t> ranges = product.getStaticLoopRanges();
  ranges.pop_back(); // k
  if (generic.getStaticLoopRanges() != ranges)
    return {};
  return product;
}

/// The im2col of a convolution's product (ConvToMatmul.cpp): B is
/// `collapse_shape(col)`, col `[N, C, KH, KW, OH, OW]` an all-parallel copy
/// generic of the padded input with the window map
/// `(n, c, kh, kw, i, j) -> (n, c, sh*i + dh*kh, sw*j + dw*kw)`; N is 1 for
/// a `linalg.matmul`, the batch of a `linalg.batch_matmul`.
struct Im2col {
  linalg::GenericOp op;
  tensor::CollapseShapeOp collapse;
  int64_t sh, sw, dh, dw;
};

std::optional<Im2col> im2colOf(linalg::LinalgOp product) {
  if (!isa<linalg::MatmulOp, linalg::BatchMatmulOp>(product))
    return std::nullopt;
  bool batched = isa<linalg::BatchMatmulOp>(product);
  auto collapse =
      product.getDpsInputs()[1].getDefiningOp<tensor::CollapseShapeOp>();
  auto col = collapse ? collapse.getSrc().getDefiningOp<linalg::GenericOp>()
                      : linalg::GenericOp();
  if (!col || !collapse->hasOneUse() || !col->hasOneUse() ||
      !col.hasPureTensorSemantics() || col.getNumDpsInputs() != 1 ||
      col.getNumDpsInits() != 1 || col.getNumLoops() != 6 ||
      col.getNumParallelLoops() != 6 ||
      !col.getMatchingIndexingMap(col.getDpsInitOperand(0)).isIdentity())
    return std::nullopt;
  auto yield = cast<linalg::YieldOp>(col.getBody()->getTerminator());
  if (yield.getValues().size() != 1 ||
      yield.getValues()[0] != col.getBody()->getArgument(0))
    return std::nullopt;
  AffineMap map = col.getMatchingIndexingMap(col.getDpsInputOperand(0));
  if (map.getNumResults() != 4)
    return std::nullopt;
  // The strides and dilations: the map at unit vectors.
  auto at = [&](unsigned dim) {
    SmallVector<int64_t> point(6, 0);
    point[dim] = 1;
    return map.compose(point);
  };
  Im2col info{col, collapse, at(4)[2], at(5)[3], at(2)[2], at(3)[3]};
  MLIRContext *ctx = col.getContext();
  auto d = [&](unsigned k) { return getAffineDimExpr(k, ctx); };
  // Equal as linear functions (the terms of a sum may come in any order).
  auto same = [&](AffineExpr a, AffineExpr b) {
    auto diff = dyn_cast<AffineConstantExpr>(simplifyAffineExpr(a - b, 6, 0));
    return diff && diff.getValue() == 0;
  };
  if (!same(map.getResult(0), d(0)) || !same(map.getResult(1), d(1)) ||
      !same(map.getResult(2), d(4) * info.sh + d(2) * info.dh) ||
      !same(map.getResult(3), d(5) * info.sw + d(3) * info.dw) ||
      (!batched &&
       cast<RankedTensorType>(col->getResult(0).getType()).getDimSize(0) != 1))
    return std::nullopt;
  return info;
}

/// A convolution's zero padding of H and W that its per-block panels can
/// read as edges instead: `padded` is a `tensor.pad` of a static input with
/// a constant zero on the last two dimensions only, and the im2col is its
/// only user.
struct ZeroPad {
  tensor::PadOp op;
  int64_t top, left, h, w;
};

std::optional<ZeroPad> zeroPadOf(Value padded) {
  auto pad = padded.getDefiningOp<tensor::PadOp>();
  if (!pad || !pad->hasOneUse() || !pad.getSourceType().hasStaticShape())
    return std::nullopt;
  Value value = pad.getConstantPaddingValue();
  if (!value ||
      !(matchPattern(value, m_PosZeroFloat()) || matchPattern(value, m_Zero())))
    return std::nullopt;
  ArrayRef<int64_t> low = pad.getStaticLow(), high = pad.getStaticHigh();
  if (low.size() != 4 || llvm::any_of(low, ShapedType::isDynamic) ||
      llvm::any_of(high, ShapedType::isDynamic) || low[0] || low[1] ||
      high[0] || high[1])
    return std::nullopt;
  ArrayRef<int64_t> shape = pad.getSourceType().getShape();
  return ZeroPad{pad, low[2], low[3], shape[2], shape[3]};
}

/// How a convolution's product is cut when its im2col is computed per
/// block: blocks of `rows` whole output rows (all of M), run by `slots`
/// parallel iterations, every slot with one column panel that its blocks
/// reuse. One image: a slot runs `perSlot` consecutive blocks of it.
/// Several: a slot runs `images` consecutive images, all of each image's
/// blocks (`perSlot` is then the blocks of one image).
struct PanelPlan {
  int64_t rows = 0, slots = 0, perSlot = 0, images = 1;
  /// Several images: the groups of `perSlot` blocks an image's blocks are
  /// dealt to, each a slot of its own (1: a slot runs its images whole).
  int64_t groups = 1;
};

/// Rows of a block's panel: the block's `rows` output rows of `ow` pixels,
/// and as few more (never read) as make a row of the product's B,
/// `panelRows * ow` elements of `elementBits`, a whole number of 64-byte
/// cache lines. The register tiles read B's rows 32 or 64 bytes at a time
/// from its first column on; with ResNet-50's 14x14 outputs in blocks of 7
/// rows (98 columns, 392 bytes a row) most of those reads straddled two
/// lines. A 3x3 256 -> 256 convolution at 14x14 alone took 0.95 of the
/// time with whole-line rows (docs/decisions.md). At most a quarter more
/// rows; none where the rows already fill whole lines.
int64_t panelRows(int64_t rows, int64_t ow, unsigned elementBits) {
  constexpr int64_t kLineBits = 64 * 8;
  for (int64_t padded = rows; padded <= rows + rows / 4; ++padded)
    if (padded * ow * elementBits % kLineBits == 0)
      return padded;
  return rows;
}

/// Slots of a convolution's block loop with its im2col per block: each
/// slot is a parallel iteration with its own panel (2 and 4 keep both
/// threads of a 2-core machine busy; more slots would mean more panels,
/// each reused by fewer blocks). More threads get a slot each at most.
constexpr int64_t kPanelSlots = 4;

/// Rows per block: as many whole rows of OW pixels as keep the panel
/// (K x rows*OW) within 1.5 MiB (of a 2 MiB L2) and near the product's
/// usual block width, dividing OH. Slots: at most `maxSlots`, a divisor of
/// the block count leaving at least two blocks per slot (a panel used once
/// gains nothing) where one exists above 1, else a slot per block, and blocks
/// at least a register tile wide (ResNet-50's `layer4`, 7x7 outputs, would have
/// blocks of 7 columns, each streaming the whole 9 MB weight: its small
/// whole-image im2col stays instead). Several images: a block may be a whole
/// image, and the slots split the images (a divisor of the batch, at most
/// `maxSlots`), so that only `slots` panels exist however large the batch (the
/// images' whole im2col, 58 MB at batch 8 for ResNet-50's `layer1`, is what
/// this replaces); built for more than kPanelSlots threads and fewer images
/// than `maxSlots`, a slot per image and group of its blocks (`groups`).
/// No plan (rows 0) otherwise, nor for one image of fewer
/// blocks than `maxSlots` where that is more than kPanelSlots (many
/// threads: the whole image's im2col, the product cut for all of them).
PanelPlan planPanels(const Im2col &col, const ContractionTiles &tiles,
                     unsigned elementBits, int64_t maxSlots) {
  int64_t nc = tiles.nc;
  ArrayRef<int64_t> shape =
      cast<RankedTensorType>(col.op->getResult(0).getType()).getShape();
  int64_t n = shape[0], k = shape[1] * shape[2] * shape[3], oh = shape[4],
          ow = shape[5];
  int64_t budget = (3 << 19) * 8 / elementBits; // elements
  PanelPlan plan;
  for (int64_t r = 1; r < oh || (n > 1 && r == oh); ++r)
    if (oh % r == 0 &&
        (r == 1 || (r * ow <= std::max(nc, ow) && r * ow * k <= budget)))
      plan.rows = r;
  if (!plan.rows || plan.rows * ow * k > 2 * budget ||
      (n == 1 && plan.rows * ow < tiles.nr))
    return {};
  int64_t blocks = oh / plan.rows;
  // Built for more threads than kPanelSlots, an image of fewer blocks than
  // threads keeps its whole-image im2col, and its product is cut for all
  // the threads: in slots of at least two blocks each, ResNet-50's stride-2
  // 3x3 convolution to 28x28 (4 blocks of 7 rows) ran on 2 of 16 threads.
  // At 2 threads the panels stay (0.958 against 0.975 of ONNX Runtime's
  // time without them for such convolutions; docs/decisions.md).
  if (n == 1 && maxSlots > kPanelSlots && blocks < maxSlots)
    return {};
  if (n > 1) {
    for (int64_t s = std::min(maxSlots, n); s >= 1; --s)
      if (n % s == 0) {
        plan.slots = s;
        break;
      }
    // Images of one block each, fewer than the threads: the batch's whole
    // im2col, and the product cut for all the threads (ResNet-50's stride-2
    // convolutions to 14x14 and 7x7 at batch 8 ran on 8 of 16 threads, a
    // slot an image).
    if (maxSlots > kPanelSlots && plan.slots < maxSlots && blocks == 1)
      return {};
    plan.images = n / plan.slots;
    plan.perSlot = blocks;
    // Built for more threads than kPanelSlots and than images: a slot per
    // image and group of its blocks, as many groups as fit the threads
    // (ResNet-50's stem at batch 8 on 16 threads ran on 8).
    if (maxSlots > kPanelSlots && plan.images == 1)
      for (int64_t g = std::min(blocks, maxSlots / plan.slots); g >= 2; --g)
        if (blocks % g == 0) {
          plan.groups = g;
          plan.slots *= g;
          plan.perSlot = blocks / g;
          break;
        }
    return plan;
  }
  for (int64_t s = std::min(maxSlots, blocks / 2); s >= 1; --s)
    if (blocks % s == 0) {
      plan.slots = s;
      break;
    }
  // One slot runs its blocks in turn on the calling thread, each block's
  // panel copies and product separate parallel loops, the product split
  // only by its row blocks (ResNet-50's `layer3`, 14x14 outputs in 2 blocks
  // of 7 rows: 4 loops and barriers per convolution, each thread reading
  // the whole panel): a slot per block then, each panel used once, one
  // loop whose threads each copy and multiply their own columns.
  if (plan.slots == 1)
    for (int64_t s = std::min(maxSlots, blocks); s >= 2; --s)
      if (blocks % s == 0) {
        plan.slots = s;
        break;
      }
  if (!plan.slots)
    return {};
  plan.perSlot = blocks / plan.slots;
  return plan;
}

struct TileKernelRegionsPass
    : public autoglm::impl::AutoGLMTileKernelRegionsBase<
          TileKernelRegionsPass> {
  using AutoGLMTileKernelRegionsBase::AutoGLMTileKernelRegionsBase;

  void getDependentDialects(DialectRegistry &registry) const override {
    AutoGLMTileKernelRegionsBase::getDependentDialects(registry);
    linalg::registerTilingInterfaceExternalModels(registry);
  }

  /// The weights packed into panels so far (WeightPanels.h).
  WeightPanelCache weightPanels;

  /// The register tiles of `product`'s element type on the target.
  ContractionTiles tilesOf(linalg::LinalgOp product) const {
    unsigned bits = vectorBits ? unsigned(vectorBits) : hostVectorBits();
    return chooseTiles(bits,
                       getElementTypeOrSelf(product.getDpsInits()[0].getType())
                           .getIntOrFloatBitWidth());
  }

  /// Whether `product` is an f32 MatMul of few enough rows to stream its
  /// constant weight (ContractionTiles.h, streamsWeight), whose blocks
  /// multiply by panels of it (multiplyByWeightPanels) once tiled.
  bool streamsWeightPanels(linalg::LinalgOp product) const {
    auto matmul = dyn_cast<linalg::MatmulOp>(product.getOperation());
    return matmul &&
           getElementTypeOrSelf(matmul.getDpsInits()[0].getType()).isF32() &&
           streamsWeight(product.getStaticLoopRanges()[0], tilesOf(product)) &&
           isPackableWeight(matmul.getDpsInputs()[1]);
  }

  /// Whether `product`, of a region of `kind`, is a tall f32 product
  /// (chooseTallTiles) whose B is a constant weight packed into column
  /// panels (multiplyByWeightPanels) once tiled.
  bool tallWeightPanels(linalg::LinalgOp product, StringRef kind) const {
    unsigned bits = vectorBits ? unsigned(vectorBits) : hostVectorBits();
    return kind == "contraction" && isa<linalg::MatmulOp>(product) &&
           !streamsWeightPanels(product) && wantsTallTiles(product, bits) &&
           isPackableWeight(product.getDpsInputs()[1]);
  }

  /// Whether `op` is in a batch loop whose images run in lanes, a thread
  /// each (autoglm.batch_lanes).
  static bool runsInLane(Operation *op) {
    auto helper = AutoGLMDialect::BatchLanesAttrHelper(op->getContext());
    for (auto loop = op->getParentOfType<scf::ForOp>(); loop;
         loop = loop->getParentOfType<scf::ForOp>())
      if (helper.isAttrPresent(loop))
        return true;
    return false;
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
    // A kernel in a batch loop's lanes runs on its lane's thread alone.
    int64_t threads = runsInLane(root) ? 1 : this->threads;
    ContractionTiles tiles = chooseTiles(bits, elementBits);
    tiles.threads = threads;
    bool panels = streamsWeightPanels(product);
    bool tallPanels = false;
    // A convolution's im2col per block of whole output rows, into a panel
    // per slot (reusePanels below): here the slots, each all of M.
    std::optional<Im2col> col = im2colOf(product);
    // MatMul's and Gemm's tall products: their own blocks and register
    // tiles (ContractionTiles.h, chooseTallTiles), marked for the register
    // tiling.
    if (kind == "contraction" && !col && !panels &&
        isConstantWeight(product.getDpsInputs()[1]) &&
        wantsTallTiles(product, bits)) {
      SmallVector<int64_t> ranges = product.getStaticLoopRanges();
      tiles = chooseTallTiles(bits, ranges[ranges.size() - 3],
                              ranges[ranges.size() - 2], threads);
      tiles.threads = threads;
      if (kSlice >= 0)
        tiles.kSlice = kSlice;
      product->setAttr(kTallTiles, rewriter.getUnitAttr());
      tallPanels = tallWeightPanels(product, kind);
    } else if (wideTiles && !panels && wantsWideTiles(product, tiles)) {
      // Other f32 products of more rows than a weight stream's (a
      // convolution's, attention's): blocks cut as for two-vector tiles,
      // marked for register tiles three vectors wide.
      product->setAttr(kWideTiles, rewriter.getUnitAttr());
    }
    SmallVector<int64_t> blocks = cacheBlocks(product, tiles, panels);
    PanelPlan plan = col ? planPanels(*col, tiles, elementBits,
                                      std::max<int64_t>(kPanelSlots, threads))
                         : PanelPlan();
    // A slot's columns: its blocks of whole output rows.
    int64_t slotColumns =
        plan.rows ? plan.rows * plan.perSlot *
                        cast<RankedTensorType>(col->op->getResult(0).getType())
                            .getDimSize(5)
                  : 0;
    if (plan.rows && isa<linalg::BatchMatmulOp>(product))
      blocks = {plan.images, 0, plan.groups > 1 ? slotColumns : 0};
    else if (plan.rows)
      blocks = {0, slotColumns};
    if (llvm::all_of(blocks, [](int64_t t) { return t == 0; }))
      return;
    if (root == product)
      blocks.push_back(
          0); // k stays whole: the K blocks come after bufferization
    MLIRContext *ctx = rewriter.getContext();
    scf::SCFTilingOptions tiling;
    tiling.setTileSizes(getAsIndexOpFoldResult(ctx, blocks));
    tiling.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
    // A weight times activations (a convolution's product; not its slots,
    // whose panels are dealt as planned).
    if (!plan.rows && isConstantWeight(product.getDpsInputs()[0]) &&
        columnBlocksOutermost(product.getStaticLoopRanges(), blocks, threads)) {
      SmallVector<int64_t> order =
          llvm::to_vector(llvm::seq<int64_t>(0, blocks.size()));
      std::swap(order[0], order[1]);
      tiling.setInterchange(order);
    }
    scf::SCFTileAndFuseOptions options;
    options.setTilingOptions(tiling);
    Operation *productOp = product;
    options.setFusionControlFn(
        [&](tensor::ExtractSliceOp, OpResult producer, bool)
            -> std::optional<scf::SCFTileAndFuseOptions::ControlFnResult> {
          Operation *op = producer.getOwner();
          if (op == productOp || isa<linalg::FillOp, linalg::BroadcastOp>(op))
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
    if (panels || tallPanels)
      for (Operation *op : result->tiledAndFusedOps)
        if (auto block = dyn_cast<linalg::MatmulOp>(op)) {
          auto a = cast<RankedTensorType>(block.getDpsInputs()[0].getType());
          int64_t slice =
              tallPanels
                  ? kSliceOf(tiles, a.getDimSize(0), a.getDimSize(1),
                             a.getElementTypeBitWidth() / 8, kSliceAboveBytes)
                  : 0;
          (void)multiplyByWeightPanels(rewriter, block, tiles.nr, weightPanels,
                                       slice);
          break;
        }
    if (plan.rows)
      reusePanels(rewriter, *result, *col, plan, root == product, kind);
  }

  /// The weight of a convolution of several images is broadcast along the
  /// batch for its `linalg.batch_matmul` (ConvToMatmul.cpp); fused into the
  /// blocks, each block broadcasts one image's worth, which is the weight
  /// itself: a view (expand_shape) instead of a copy. Unfused, the broadcast
  /// wrote the weight once per image on every run.
  static void viewUnitBroadcasts(RewriterBase &rewriter, Operation *scope) {
    SmallVector<linalg::BroadcastOp> broadcasts;
    scope->walk([&](linalg::BroadcastOp op) { broadcasts.push_back(op); });
    for (linalg::BroadcastOp op : broadcasts) {
      auto type = dyn_cast<RankedTensorType>(op.getInit().getType());
      if (!type || !op.hasPureTensorSemantics() ||
          op.getDimensions() != ArrayRef<int64_t>{0} || type.getDimSize(0) != 1)
        continue;
      rewriter.setInsertionPoint(op);
      SmallVector<ReassociationIndices> groups = {{0, 1}};
      for (int64_t i = 2; i < type.getRank(); ++i)
        groups.push_back({i});
      rewriter.replaceOpWithNewOp<tensor::ExpandShapeOp>(op, type,
                                                         op.getInput(), groups);
    }
    // The whole broadcast, its blocks now views, would still run (as would
    // the blocks' slices of it that tiling left unused).
    SmallVector<linalg::BroadcastOp> wholes;
    scope->walk([&](linalg::BroadcastOp op) { wholes.push_back(op); });
    for (linalg::BroadcastOp op : wholes) {
      for (Operation *user : llvm::make_early_inc_range(op->getUsers()))
        if (isOpTriviallyDead(user))
          rewriter.eraseOp(user);
      if (op.hasPureTensorSemantics() && op->use_empty())
        rewriter.eraseOp(op);
    }
  }

  /// Within each slot of a convolution's block loop (`outer`, one slot of
  /// `plan.perSlot` blocks per iteration), the blocks run one after the
  /// other (a second tile-and-fuse, an scf.for) and each computes its own
  /// im2col, one strided copy of the input per kernel tap (of the unpadded
  /// input with the taps outside the image zeroed, copyTapInside, where the
  /// padding is a zero tensor.pad), into the slot's panel `[C, KH, KW, rows,
  /// OW]`, which the block's product then reads as its B `[C*KH*KW, rows*OW]`.
  /// The panel is written while the previous block's is still in L2 at the same
  /// address: the whole-image im2col went out to memory and back
  /// (docs/decisions.md). The panels are one buffer `[slots, C, KH, KW, rows,
  /// OW]` outside the loop (a shared output of the slot loop, never zeroed:
  /// each block writes all of its panel), which the arena plans: nothing is
  /// allocated inside a kernel. Where a step fails, what is left is the slot
  /// loop with the whole-image im2col: slower, still right.
  void reusePanels(RewriterBase &rewriter, scf::SCFTileAndFuseResult &outer,
                   Im2col col, const PanelPlan &plan, bool rootIsProduct,
                   StringRef kind) {
    MLIRContext *ctx = rewriter.getContext();
    auto colType = cast<RankedTensorType>(col.op->getResult(0).getType());
    ArrayRef<int64_t> shape = colType.getShape();
    int64_t c = shape[1], kh = shape[2], kw = shape[3], oh = shape[4],
            ow = shape[5];
    int64_t width = plan.rows * ow;
    // Several images: each slot runs its images one after the other, each
    // image's blocks in an inner loop (none when a block is the image).
    bool batched = shape[0] > 1;
    auto slotLoop = dyn_cast<scf::ForallOp>(outer.loops.front().getOperation());
    if (!slotLoop || outer.tiledAndFusedOps.empty())
      return;
    auto tiledRoot = cast<TilingInterface>(outer.tiledAndFusedOps.front());

    // The slot's blocks, one after the other, each with its product and fill.
    SmallVector<int64_t> inner = {0, width};
    if (batched)
      inner = {1, 0, plan.rows == oh ? 0 : width};
    if (rootIsProduct)
      inner.push_back(0);
    scf::SCFTilingOptions tiling;
    tiling.setTileSizes(getAsIndexOpFoldResult(ctx, inner));
    tiling.setLoopType(scf::SCFTilingOptions::LoopType::ForOp);
    scf::SCFTileAndFuseOptions options;
    options.setTilingOptions(tiling);
    options.setFusionControlFn(
        [&](tensor::ExtractSliceOp, OpResult producer, bool)
            -> std::optional<scf::SCFTileAndFuseOptions::ControlFnResult> {
          if (isa<linalg::MatmulOp, linalg::BatchMatmulOp, linalg::FillOp,
                  linalg::BroadcastOp>(producer.getOwner()))
            return scf::SCFTileAndFuseOptions::ControlFnResult{};
          return std::nullopt;
        });
    rewriter.setInsertionPoint(tiledRoot);
    FailureOr<scf::SCFTileAndFuseResult> blocks =
        scf::tileConsumerAndFuseProducersUsingSCF(rewriter, tiledRoot, options);
    if (failed(blocks) || blocks->loops.empty())
      return;
    for (OpResult r : tiledRoot->getResults())
      rewriter.replaceAllUsesWith(r, blocks->replacements.lookup(r));
    linalg::LinalgOp block;
    for (Operation *op : blocks->tiledAndFusedOps)
      if (isa<linalg::MatmulOp, linalg::BatchMatmulOp>(op))
        block = cast<linalg::LinalgOp>(op);
    // The block loop (one image: the only loop), and the image loop (several).
    SmallVector<scf::ForOp> loops;
    for (LoopLikeOpInterface loop : blocks->loops)
      if (auto forOp = dyn_cast<scf::ForOp>(loop.getOperation()))
        loops.push_back(forOp);
    if (!block || loops.empty() || loops.size() != blocks->loops.size())
      return;
    eraseDeadOps(rewriter, slotLoop.getBody());

    // The panels: a zero fill outside (a producer to fuse), its slot's slice
    // fused into the slot loop and yielded, which makes the whole buffer a
    // shared output; both fills go below.
    Location loc = block.getLoc();
    Type et = colType.getElementType();
    int64_t rowsP = panelRows(plan.rows, ow, et.getIntOrFloatBitWidth());
    rewriter.setInsertionPoint(slotLoop);
    auto panelsFill = linalg::FillOp::create(
        rewriter, loc,
        arith::ConstantOp::create(rewriter, loc, rewriter.getZeroAttr(et))
            .getResult(),
        tensor::EmptyOp::create(
            rewriter, loc, ArrayRef<int64_t>{plan.slots, c, kh, kw, rowsP, ow},
            et)
            .getResult());
    Value panels = panelsFill.getResult(0);
    rewriter.setInsertionPointToStart(slotLoop.getBody());
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    OpFoldResult zero = rewriter.getIndexAttr(0),
                 one = rewriter.getIndexAttr(1);
    // Several images in groups of blocks: the slot loop runs over (image,
    // the group's first column).
    bool grouped = batched && plan.groups > 1;
    if (grouped && slotLoop.getInductionVars().size() != 2)
      return;
    // Where the slot loop's iteration starts: its first image and its
    // first column of an image (one image: the loop's offset is a column;
    // several: an image, and with groups a column besides).
    auto slotStart = [&]() -> std::pair<OpFoldResult, OpFoldResult> {
      SmallVector<Value> offsets = slotLoop.getInductionVars();
      if (!batched)
        return {zero, offsets[0]};
      return {offsets[0], grouped ? OpFoldResult(offsets[1]) : zero};
    };
    auto [firstImage, firstColumn] = slotStart();
    OpFoldResult slot = affine::makeComposedFoldedAffineApply(
        rewriter, loc,
        d(0).floorDiv(plan.images) * plan.groups +
            d(1).floorDiv(width * plan.perSlot),
        {firstImage, firstColumn});
    auto slotPanel = tensor::ExtractSliceOp::create(
        rewriter, loc, panels, {slot, zero, zero, zero, zero, zero},
        getAsIndexOpFoldResult(ctx, {1, c, kh, kw, rowsP, ow}),
        SmallVector<OpFoldResult>(6, one));
    SmallVector<LoopLikeOpInterface> slotLoops = {slotLoop};
    std::optional<scf::SCFFuseProducerOfSliceResult> fused =
        scf::tileAndFuseProducerOfSlice(rewriter, slotPanel, slotLoops);
    if (!fused || failed(scf::yieldReplacementForFusedProducer(
                      rewriter, slotPanel, *fused, slotLoops)))
      return;
    slotLoop = cast<scf::ForallOp>(slotLoops.front().getOperation());
    slotLoop->setAttr("autoglm.kernel", rewriter.getStringAttr(kind));
    std::tie(firstImage, firstColumn) = slotStart();
    // The loop's shared output is the fill's init. Every element of a
    // slot's panel is written by each of its blocks before the block's
    // product reads it (the taps' copies, and the zeros of the padding), so
    // the slot's zero fill, a memset of up to 1.5 MiB per slot on every run,
    // is left out, and so is the fill of all panels once unused (below).
    Value panelInit = fused->tiledAndFusedProducer;
    if (auto slotFill = panelInit.getDefiningOp<linalg::FillOp>()) {
      panelInit = slotFill.getDpsInits()[0];
      rewriter.replaceAllUsesWith(slotFill.getResult(0), panelInit);
      rewriter.eraseOp(slotFill);
    }

    // The loops carry the panel, outermost first (each inner loop starts
    // from its parent's); the slot writes back what it ends with.
    Value carriedIn = panelInit;
    for (scf::ForOp &loop : loops) {
      FailureOr<LoopLikeOpInterface> carried =
          cast<LoopLikeOpInterface>(loop.getOperation())
              .replaceWithAdditionalYields(
                  rewriter, ValueRange{carriedIn},
                  /*replaceInitOperandUsesInLoop=*/false,
                  [](OpBuilder &, Location, ArrayRef<BlockArgument> args) {
                    return SmallVector<Value>{args.front()};
                  });
      if (failed(carried))
        return;
      loop = cast<scf::ForOp>(carried->getOperation());
      carriedIn = loop.getRegionIterArgs().back();
    }
    for (auto [parent, child] : llvm::zip(loops, llvm::drop_begin(loops)))
      parent.getBody()->getTerminator()->setOperand(
          parent.getNumRegionIterArgs() - 1, child.getResults().back());
    for (Operation &op : slotLoop.getTerminator().getYieldingOps())
      if (auto insert = dyn_cast<tensor::ParallelInsertSliceOp>(&op))
        if (insert.getSource() == panelInit)
          insert.getSourceMutable().assign(loops.front().getResults().back());
    scf::ForOp blockLoop = loops.back();

    // Each block: its rows of the padded input, tap by tap, into the panel.
    rewriter.setInsertionPoint(block);
    OpFoldResult image = zero;
    if (batched)
      image = affine::makeComposedFoldedAffineApply(
          rewriter, loc, d(0) + d(1),
          {firstImage, getAsOpFoldResult(loops.front().getInductionVar())});
    // The block's first output row (a block that is a whole image: 0).
    Value row =
        batched && loops.size() == 1
            ? arith::ConstantIndexOp::create(rewriter, loc, 0).getResult()
            : affine::makeComposedAffineApply(
                  rewriter, loc, (d(0) + d(1)).floorDiv(ow),
                  {firstColumn,
                   getAsOpFoldResult(blockLoop.getInductionVar())});
    // One loop over the kernel taps, not KH*KW copies unrolled in the IR:
    // LLVM compiled each copy as its own vectorized loop nest, and the 49
    // copies of the 7x7 stride-2 stem took it 9 to 13 s of CPU in every
    // model that has the stem (docs/decisions.md). At run time a tap's copy
    // is C*rows rows of OW pixels either way; the loop adds one iteration
    // per tap.
    Value input = col.op.getDpsInputs()[0];
    std::optional<ZeroPad> pad = zeroPadOf(input);
    auto tapType = RankedTensorType::get({1, c, plan.rows, ow}, et);
    auto copyTap = [&](OpBuilder &b, Value panel, OpFoldResult y,
                       OpFoldResult x) -> Value {
      if (pad)
        return copyTapInside(b, loc, panel, *pad, col, image, row, y, x,
                             plan.rows, ow);
      OpFoldResult top = affine::makeComposedFoldedAffineApply(
          b, loc, d(0) * col.sh + d(1) * col.dh, {row, y});
      OpFoldResult left =
          affine::makeComposedFoldedAffineApply(b, loc, d(0) * col.dw, {x});
      Value tap = tensor::ExtractSliceOp::create(
          b, loc, tapType, input, {image, zero, top, left},
          getAsIndexOpFoldResult(ctx, tapType.getShape()),
          {one, one, b.getIndexAttr(col.sh), b.getIndexAttr(col.sw)});
      return tensor::InsertSliceOp::create(
          b, loc, tap, panel, {zero, zero, y, x, zero, zero},
          getAsIndexOpFoldResult(ctx, {1, c, 1, 1, plan.rows, ow}),
          SmallVector<OpFoldResult>(6, one));
    };
    Value panel = blockLoop.getRegionIterArgs().back();
    if (kh * kw == 1) {
      panel = copyTap(rewriter, panel, zero, zero);
    } else {
      auto taps = scf::ForOp::create(
          rewriter, loc, arith::ConstantIndexOp::create(rewriter, loc, 0),
          arith::ConstantIndexOp::create(rewriter, loc, kh * kw),
          arith::ConstantIndexOp::create(rewriter, loc, 1), ValueRange{panel},
          [&](OpBuilder &b, Location, Value tap, ValueRange carried) {
            OpFoldResult y = affine::makeComposedFoldedAffineApply(
                b, loc, d(0).floorDiv(kw), {tap});
            OpFoldResult x =
                affine::makeComposedFoldedAffineApply(b, loc, d(0) % kw, {tap});
            scf::YieldOp::create(b, loc, copyTap(b, carried.front(), y, x));
          });
      panel = taps.getResult(0);
    }
    // B: the panel's rows of the block's pixels, the padding rows left out
    // (a view whose rows are rowsP * OW apart).
    SmallVector<ReassociationIndices> bGroups = {{0, 1, 2, 3}, {4, 5}};
    if (batched)
      bGroups = {{0}, {1, 2, 3}, {4, 5}};
    Value b = tensor::CollapseShapeOp::create(rewriter, loc, panel, bGroups);
    if (rowsP != plan.rows)
      b = leadingSlice(
          rewriter, loc, b,
          cast<RankedTensorType>(block.getDpsInputs()[1].getType()));
    block.getDpsInputOperand(1)->set(b);
    // The block's zero fill right before its product, after the taps'
    // copies: --autoglm-tile-and-vectorize-contractions then starts the
    // product's register tiles from zero instead of running the fill.
    if (auto fill = block.getDpsInits()[0].getDefiningOp<linalg::FillOp>())
      rewriter.moveOpBefore(fill, block);
    blockLoop.getBody()->getTerminator()->setOperand(
        blockLoop.getNumRegionIterArgs() - 1, panel);

    // The whole-image im2col and its slices are now unused.
    for (scf::ForOp loop : llvm::reverse(loops))
      eraseDeadOps(rewriter, loop.getBody());
    eraseDeadOps(rewriter, slotLoop.getBody());
    if (col.collapse->use_empty())
      rewriter.eraseOp(col.collapse);
    if (col.op->use_empty())
      rewriter.eraseOp(col.op);
    if (pad && pad->op->use_empty())
      rewriter.eraseOp(pad->op);
    if (panelsFill->use_empty())
      rewriter.eraseOp(panelsFill);
  }

  /// One kernel tap's copy into a block's panel read from the unpadded
  /// input (`pad.op`'s source) instead of a padded copy of it, which a
  /// `tensor.pad` fills and copies on every run: the block's output rows
  /// `[rlo, rhi)` and columns `[jlo, jhi)` whose tap lies inside the image
  /// are copied and the rest of the tap's panel rows is zeroed (the panel is
  /// not zeroed beforehand, and holds the previous block's rows).
  static Value copyTapInside(OpBuilder &b, Location loc, Value panel,
                             ZeroPad pad, const Im2col &col, OpFoldResult image,
                             Value row, OpFoldResult y, OpFoldResult x,
                             int64_t rows, int64_t ow) {
    MLIRContext *ctx = b.getContext();
    AffineExpr d0 = getAffineDimExpr(0, ctx), d1 = getAffineDimExpr(1, ctx);
    auto cst = [&](int64_t v) { return getAffineConstantExpr(v, ctx); };
    auto apply = [&](AffineExpr e, ArrayRef<OpFoldResult> operands) {
      return affine::makeComposedFoldedAffineApply(b, loc, e, operands);
    };
    // clamp(e, lo, hi) = min(hi, max(lo, e)), e over `operands`.
    auto clamp = [&](AffineExpr e, OpFoldResult lo, int64_t hi,
                     ArrayRef<OpFoldResult> operands) {
      SmallVector<OpFoldResult> withLo(operands);
      withLo.push_back(lo);
      OpFoldResult atLeast = affine::makeComposedFoldedAffineMax(
          b, loc,
          AffineMap::get(withLo.size(), 0,
                         {getAffineDimExpr(operands.size(), ctx), e}, ctx),
          withLo);
      return affine::makeComposedFoldedAffineMin(
          b, loc, AffineMap::get(1, 0, {cst(hi), d0}, ctx), {atLeast});
    };
    OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
    // Output row r of the block reads input row (row + r)*sh + y*dh - top:
    // inside for rlo <= r < rhi. Output column j reads j*sw + x*dw - left.
    SmallVector<OpFoldResult> rowAndY = {row, y}, xOnly = {x};
    OpFoldResult rlo =
        clamp((cst(pad.top) - d0 * col.sh - d1 * col.dh).ceilDiv(col.sh), zero,
              rows, rowAndY);
    OpFoldResult rhi =
        clamp((cst(pad.h - 1 + pad.top) - d0 * col.sh - d1 * col.dh)
                      .floorDiv(col.sh) +
                  1,
              rlo, rows, rowAndY);
    OpFoldResult jlo =
        clamp((cst(pad.left) - d0 * col.dw).ceilDiv(col.sw), zero, ow, xOnly);
    OpFoldResult jhi =
        clamp((cst(pad.w - 1 + pad.left) - d0 * col.dw).floorDiv(col.sw) + 1,
              jlo, ow, xOnly);
    OpFoldResult inRows = apply(d1 - d0, {rlo, rhi}),
                 inCols = apply(d1 - d0, {jlo, jhi});
    // The first input row and column read; clamped into the image, which
    // only matters when nothing is read (an empty slice must still start
    // inside its source).
    AffineExpr d2 = getAffineDimExpr(2, ctx);
    OpFoldResult top = clamp((d0 + d1) * col.sh + d2 * col.dh - cst(pad.top),
                             zero, pad.h - 1, {row, rlo, y});
    OpFoldResult left = clamp(d0 * col.sw + d1 * col.dw - cst(pad.left), zero,
                              pad.w - 1, {jlo, x});
    OpFoldResult channels =
        b.getIndexAttr(pad.op.getSourceType().getDimSize(1));
    // A slice known to be empty is left out: its static offset may be the
    // panel's end, which a slice's verifier rejects.
    if (!isZeroInteger(inRows) && !isZeroInteger(inCols)) {
      Value tap = tensor::ExtractSliceOp::create(
          b, loc, pad.op.getSource(), {image, zero, top, left},
          {one, channels, inRows, inCols},
          {one, one, b.getIndexAttr(col.sh), b.getIndexAttr(col.sw)});
      panel = tensor::InsertSliceOp::create(
          b, loc, tap, panel, {zero, zero, y, x, rlo, jlo},
          {one, channels, one, one, inRows, inCols},
          SmallVector<OpFoldResult>(6, one));
    }
    // Zeros where the tap lies outside the image: the rows above and below
    // (whole rows), then the columns left and right of the rows inside.
    // Filled in place in the panel: a fill of a tensor.empty would allocate
    // a buffer per tap in the kernel.
    Value z = arith::ConstantOp::create(
        b, loc, b.getZeroAttr(getElementTypeOrSelf(panel.getType())));
    auto zeros = [&](Value into, OpFoldResult r, OpFoldResult j,
                     OpFoldResult nr, OpFoldResult nc) -> Value {
      if (isZeroInteger(nr) || isZeroInteger(nc))
        return into;
      SmallVector<OpFoldResult> offsets = {zero, zero, y, x, r, j};
      SmallVector<OpFoldResult> sizes = {one, channels, one, one, nr, nc};
      SmallVector<OpFoldResult> strides(6, one);
      Value region =
          tensor::ExtractSliceOp::create(b, loc, into, offsets, sizes, strides);
      Value filled = linalg::FillOp::create(b, loc, z, region).getResult(0);
      return tensor::InsertSliceOp::create(b, loc, filled, into, offsets, sizes,
                                           strides)
          .getResult();
    };
    OpFoldResult width = b.getIndexAttr(ow);
    OpFoldResult below = apply(cst(rows) - d0, {rhi});
    OpFoldResult right = apply(cst(ow) - d0, {jhi});
    panel = zeros(panel, zero, zero, rlo, width);
    panel = zeros(panel, rhi, zero, below, width);
    panel = zeros(panel, rlo, zero, inRows, jlo);
    panel = zeros(panel, rlo, jhi, inRows, right);
    return panel;
  }

  /// A product's constant f32 weight B (K x N) whose rows lie a multiple of
  /// kAliasedWeightRowBytes apart becomes a view of the first N columns of a
  /// copy whose rows have kWeightRowPadBytes of zeros after them
  /// (ContractionTiles.h; `padded` keeps one copy per constant). The register
  /// tiles read a few consecutive rows of B at a time; rows 12 KiB apart
  /// (BERT's 768 x 3072 weight) map to the same sets of the L1 cache, and on
  /// the AMD EPYC (Zen, AVX2) the product of 128 rows took 1.85x the time of
  /// the same product with 16 more columns (docs/decisions.md).
  static void padWeightRows(RewriterBase &rewriter, FusedOp region,
                            linalg::LinalgOp product,
                            DenseMap<Operation *, Value> &padded) {
    auto matmul = dyn_cast<linalg::MatmulOp>(product.getOperation());
    auto arg = matmul ? dyn_cast<BlockArgument>(matmul.getDpsInputs()[1])
                      : BlockArgument();
    if (!arg || arg.getOwner()->getParentOp() != region.getOperation())
      return;
    Value weight = region->getOperand(arg.getArgNumber());
    auto constant = weight.getDefiningOp<arith::ConstantOp>();
    auto type = dyn_cast<RankedTensorType>(weight.getType());
    if (!constant || !type || type.getRank() != 2 ||
        !type.getElementType().isF32() || type.getDimSize(0) < 2 ||
        type.getDimSize(1) * 4 % kAliasedWeightRowBytes != 0)
      return;
    Value &view = padded[constant];
    if (!view) {
      TypedAttr wide = padConstantRows(constant.getValue(),
                                       kWeightRowPadBytes / 4, "padded_rows");
      if (!wide)
        return;
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPointAfter(constant);
      Location loc = constant.getLoc();
      view = leadingSlice(rewriter, loc,
                          arith::ConstantOp::create(rewriter, loc, wide), type);
    }
    rewriter.modifyOpInPlace(
        region, [&] { region->setOperand(arg.getArgNumber(), view); });
    if (constant->use_empty()) {
      padded.erase(constant);
      rewriter.eraseOp(constant);
    }
  }

  /// Erases the side-effect-free ops of `block` whose results are unused,
  /// last first (so that an op feeding only dead ops goes too).
  static void eraseDeadOps(RewriterBase &rewriter, Block *block) {
    for (Operation &op : llvm::make_early_inc_range(llvm::reverse(*block)))
      if (isOpTriviallyDead(&op))
        rewriter.eraseOp(&op);
  }

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    IRRewriter rewriter(&getContext());
    weightPanels.clear();

    // Post-order: a nested region is a kernel of its own, inside its parent's.
    SmallVector<FusedOp> regions;
    func.walk([&](FusedOp op) { regions.push_back(op); });
    DenseMap<Operation *, Value> paddedWeights;
    for (FusedOp region : regions) {
      Block &body = region.getBody().front();
      // Dead ops left by earlier rewrites (the reshape of a convolution's
      // product that its tail replaced) would count as uses of the product.
      for (Operation &op : llvm::make_early_inc_range(llvm::reverse(body)))
        if (isOpTriviallyDead(&op))
          rewriter.eraseOp(&op);
      if (auto root = dyn_cast_or_null<linalg::LinalgOp>(getKernelRoot(region)))
        if (linalg::LinalgOp product = productOf(root)) {
          // Panels are read in order: no rows share L1 sets.
          if (!streamsWeightPanels(product) &&
              !tallWeightPanels(product, region.getKind()))
            padWeightRows(rewriter, region, product, paddedWeights);
          tileIntoBlocks(rewriter, root, product, region.getKind());
        }
      // The region's body becomes part of the host function.
      inlineFusedOp(rewriter, region);
    }

    // Products not finished by a region: blocks with their fill alone.
    SmallVector<linalg::LinalgOp> products;
    func.walk([&](linalg::LinalgOp op) {
      if (isBlockedProduct(op) && !op->getParentOfType<scf::ForallOp>())
        products.push_back(op);
    });
    for (linalg::LinalgOp product : products)
      tileIntoBlocks(rewriter, product, product, "contraction");
    viewUnitBroadcasts(rewriter, func);
  }
};
} // namespace
