//===- SimplifyTiles.cpp - canonicalization that makes tiles static -------===//

#include "SimplifyTiles.h"

#include "mlir/Dialect/SCF/Transforms/Patterns.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;

LogicalResult mlir::autoglm::simplifyTiles(Operation *root) {
  MLIRContext *ctx = root->getContext();
  RewritePatternSet patterns(ctx);
  for (Dialect *dialect : ctx->getLoadedDialects())
    dialect->getCanonicalizationPatterns(patterns);
  for (RegisteredOperationName op : ctx->getRegisteredOperations())
    op.getCanonicalizationPatterns(patterns, ctx);
  scf::populateSCFForLoopCanonicalizationPatterns(patterns);
  return applyPatternsGreedily(root, std::move(patterns));
}
