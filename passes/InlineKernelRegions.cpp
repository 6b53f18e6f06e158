//===- InlineKernelRegions.cpp - --autoglm-inline-kernel-regions ----------===//

#include "autoglm/Passes/Passes.h"

#include "autoglm/Dialect/AutoGLM.h"

#include "mlir/IR/PatternMatch.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_INLINEKERNELREGIONS
#include "autoglm/Passes/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {
struct InlineKernelRegionsPass
    : autoglm::impl::InlineKernelRegionsBase<InlineKernelRegionsPass> {
  void runOnOperation() override {
    SmallVector<FusedOp> regions;
    getOperation().walk([&](FusedOp op) { regions.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (FusedOp region : regions)
      inlineFusedOp(rewriter, region);
  }
};
} // namespace
