//===- Fuse.cpp - --autoglm-fuse ------------------------------------------===//
//
// Runs the fusion rule families of passes/fusion/ (see Rules.h) in an order
// where each sees the previous one's result: GELU and LayerNorm first (so
// that a GELU is an activation the contraction epilogue can take, and a
// LayerNorm's reductions are not clustered apart), attention before the
// epilogues (its mask add must not become a "residual"), the contraction
// epilogues, and elementwise clusters last, over whatever is left.
//
//===----------------------------------------------------------------------===//

#include "autoglm/Passes/Passes.h"

#include "fusion/Rules.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_FUSE
#include "autoglm/Passes/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {
struct FusePass : autoglm::impl::FuseBase<FusePass> {
  using FuseBase::FuseBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    MLIRContext *ctx = &getContext();
    if (patterns) {
      // One family per greedy run, so their order is the order above.
      for (auto populate :
           {fusion::populateGeluPatterns, fusion::populateLayerNormPatterns,
            fusion::populateAttentionPatterns}) {
        RewritePatternSet set(ctx);
        populate(set);
        // Not converging within the iteration limit leaves valid IR.
        (void)applyPatternsGreedily(func, std::move(set));
      }
      fusion::formContractionEpilogues(func);
    }
    if (clusters)
      fusion::formElementwiseClusters(func);
  }
};
} // namespace
