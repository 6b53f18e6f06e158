//===- FuseKernelRegions.cpp - --autoglm-cuda-fuse-kernel-regions ---------===//
//
// A kernel region (`autoglm.fused`) becomes one GPU kernel: its root, the
// op computing the region's result (past reshapes), is tiled with upstream
// tile-and-fuse (`scf::tileConsumerAndFuseProducersUsingSCF`) into an
// `scf.forall` with one iteration per element of its parallel dimensions,
// and every op of the region that feeds it is fused into the loop body:
//
//     %r = scf.forall (%i, %j) in (M, N) shared_outs(%out = %empty) {
//       %c = linalg.fill ... (1x1)
//       %p = linalg.matmul ins(A[%i, :], B[:, %j]) outs(%c)   // 1x1xK
//       %e = linalg.generic ins(bias[%j]) outs(%p)            // the tail
//       tensor.parallel_insert_slice %e into %out[%i, %j]
//     }
//
// Reduction dimensions stay whole, so one iteration computes one output
// element (a row's softmax or LayerNorm: each thread its own row, every
// intermediate in its own private memory). After bufferization the loop is
// one `scf.parallel`, which --autoglm-cuda-map-to-gpu turns into one launch.
// Then the region is inlined. A region whose root cannot be tiled (several
// results, no parallel dimension, an op without the tiling interface) is
// inlined as it is: its ops become kernels one by one.
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CUDA/Passes.h"

#include "../KernelRoot.h"

#include "autoglm/Dialect/AutoGLM.h"

#include "mlir/Dialect/Linalg/Transforms/TilingInterfaceImpl.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/TilingInterface.h"
#include "mlir/Transforms/CSE.h"
#include "mlir/Transforms/RegionUtils.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMCUDAFUSEKERNELREGIONS
#include "autoglm/Target/CUDA/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {
/// True when `op`, or an op of `body` it depends on, reduces (a row's
/// maximum, sum or variance).
bool dependsOnReduction(Operation *op, Block &body) {
  SmallVector<Operation *> work = {op};
  DenseSet<Operation *> seen;
  while (!work.empty()) {
    Operation *next = work.pop_back_val();
    if (!seen.insert(next).second)
      continue;
    if (auto linalgOp = dyn_cast<linalg::LinalgOp>(next);
        linalgOp && linalgOp.getNumReductionLoops() > 0)
      return true;
    for (Value operand : next->getOperands())
      if (Operation *def = operand.getDefiningOp();
          def && def->getBlock() == &body)
        work.push_back(def);
  }
  return false;
}

/// One iteration computes at most this many elements of the root: beyond,
/// the region's ops stay separate kernels rather than give each thread a
/// long row in private memory.
constexpr int64_t kMaxElementsPerIteration = 4096;

struct FuseKernelRegionsPass
    : autoglm::impl::AutoGLMCUDAFuseKernelRegionsBase<FuseKernelRegionsPass> {
  void getDependentDialects(DialectRegistry &registry) const override {
    AutoGLMCUDAFuseKernelRegionsBase::getDependentDialects(registry);
    linalg::registerTilingInterfaceExternalModels(registry);
  }

  /// Tiles `root` by one along its parallel dimensions, fusing the ops of
  /// `body` that feed it; false when it cannot be. A dimension along which
  /// the root broadcasts a reduction the region computes (a row's maximum,
  /// sum or variance) stays whole: one iteration then computes it once for
  /// all of the dimension, instead of once per element.
  static bool fuseIntoOneLoop(RewriterBase &rewriter, TilingInterface root,
                              Block &body) {
    if (root->getNumResults() != 1 ||
        !isa<RankedTensorType>(root->getResult(0).getType()))
      return false;
    SmallVector<utils::IteratorType> iterators = root.getLoopIteratorTypes();
    SmallVector<int64_t> sizes;
    for (utils::IteratorType type : iterators)
      sizes.push_back(type == utils::IteratorType::parallel ? 1 : 0);
    if (auto linalgRoot = dyn_cast<linalg::LinalgOp>(root.getOperation()))
      for (OpOperand *input : linalgRoot.getDpsInputOperands()) {
        Operation *producer = input->get().getDefiningOp();
        if (!producer || producer->getBlock() != &body ||
            !dependsOnReduction(producer, body))
          continue;
        AffineMap map = linalgRoot.getMatchingIndexingMap(input);
        for (unsigned d = 0; d < sizes.size(); ++d)
          if (!map.isFunctionOfDim(d))
            sizes[d] = 0;
      }
    if (llvm::all_of(sizes, [](int64_t size) { return size == 0; }))
      return false;
    if (auto linalgRoot = dyn_cast<linalg::LinalgOp>(root.getOperation())) {
      int64_t perIteration = 1;
      SmallVector<int64_t> ranges = linalgRoot.getStaticLoopRanges();
      for (auto [size, range, type] : llvm::zip(sizes, ranges, iterators))
        if (size == 0 && type == utils::IteratorType::parallel)
          perIteration *= ShapedType::isDynamic(range)
                              ? kMaxElementsPerIteration + 1
                              : range;
      if (perIteration > kMaxElementsPerIteration)
        return false;
    }
    scf::SCFTilingOptions tiling;
    tiling.setTileSizes(getAsIndexOpFoldResult(rewriter.getContext(), sizes));
    tiling.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
    scf::SCFTileAndFuseOptions options;
    options.setTilingOptions(tiling);
    options.setFusionControlFn(
        [&](tensor::ExtractSliceOp, OpResult producer, bool)
            -> std::optional<scf::SCFTileAndFuseOptions::ControlFnResult> {
          if (producer.getOwner()->getBlock() == &body)
            return scf::SCFTileAndFuseOptions::ControlFnResult{};
          return std::nullopt;
        });
    rewriter.setInsertionPoint(root);
    FailureOr<scf::SCFTileAndFuseResult> result =
        scf::tileConsumerAndFuseProducersUsingSCF(rewriter, root, options);
    if (failed(result))
      return false;
    for (OpResult r : root->getResults())
      rewriter.replaceAllUsesWith(r, result->replacements.lookup(r));
    // A producer with two consumers in the region is fused once for each
    // (a LayerNorm's row mean, for the variance and for the normalization):
    // computed once per iteration. Only inside the loop: outside it, equal
    // tensor.empty ops merged would make bufferization copy.
    DominanceInfo dominance;
    for (LoopLikeOpInterface loop : result->loops)
      eliminateCommonSubExpressions(rewriter, dominance, loop);
    return true;
  }

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    IRRewriter rewriter(&getContext());
    SmallVector<FusedOp> regions;
    func.walk([&](FusedOp op) { regions.push_back(op); });
    for (FusedOp region : regions) {
      Block &body = region.getBody().front();
      if (auto root = dyn_cast_or_null<TilingInterface>(getKernelRoot(region));
          root && root->getBlock() == &body &&
          fuseIntoOneLoop(rewriter, root, body))
        // What tile-and-fuse replaced, and the slices of it left in the
        // loop, now unused.
        (void)runRegionDCE(rewriter, region->getRegions());
      inlineFusedOp(rewriter, region);
    }
  }
};
} // namespace
