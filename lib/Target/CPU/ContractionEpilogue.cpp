//===- ContractionEpilogue.cpp - fill and epilogue in the cache blocks ----===//

#include "ContractionEpilogue.h"

#include "mlir/Dialect/Linalg/Utils/Utils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Dominance.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;
using namespace mlir::autoglm;

namespace {

/// True when `op` is an all-parallel op on buffers over the same static
/// iteration space as the product's parallel dims, writing `output` with the
/// identity map and reading it through its output argument only.
bool updatesInPlace(linalg::LinalgOp op, Value output, ArrayRef<int64_t> ranges) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInits() != 1 ||
      op.getDpsInits()[0] != output || op.getNumParallelLoops() != op.getNumLoops() ||
      op.getStaticLoopRanges() != ranges ||
      !op.getMatchingIndexingMap(op.getDpsInitOperand(0)).isIdentity())
    return false;
  return llvm::none_of(op.getDpsInputs(), [&](Value v) { return v == output; });
}

} // namespace

ContractionNeighbours mlir::autoglm::findContractionNeighbours(linalg::LinalgOp contraction) {
  ContractionNeighbours ops;
  if (contraction.getNumDpsInits() != 1)
    return ops;
  Value output = contraction.getDpsInits()[0];
  SmallVector<int64_t> ranges = contraction.getStaticLoopRanges();
  ranges.pop_back(); // the reduction (k) is last
  // Views and other ops without memory effects in between (the reshapes of
  // the operands) neither read nor write the output.
  auto skipPure = [](Operation *op, bool forward) {
    while (op && isMemoryEffectFree(op) && op->getNumRegions() == 0)
      op = forward ? op->getNextNode() : op->getPrevNode();
    return op;
  };
  if (auto fill = dyn_cast_or_null<linalg::FillOp>(skipPure(contraction->getPrevNode(), false)))
    if (updatesInPlace(fill, output, ranges))
      ops.fill = fill;
  // The epilogue moves up to the contraction: what it reads must exist
  // there. A view made after the product (of a residual, say) moves up with
  // it when what the view reads exists there.
  DominanceInfo dominance(contraction->getParentOp());
  auto generic =
      dyn_cast_or_null<linalg::GenericOp>(skipPure(contraction->getNextNode(), true));
  if (!generic || !updatesInPlace(generic, output, ranges))
    return ops;
  SmallVector<Operation *> hoist;
  for (Value v : generic->getOperands()) {
    if (dominance.properlyDominates(v, contraction))
      continue;
    Operation *view = v.getDefiningOp();
    if (!view || !isMemoryEffectFree(view) || view->getNumRegions() != 0 ||
        view->getBlock() != contraction->getBlock() ||
        !llvm::all_of(view->getOperands(), [&](Value x) {
          return dominance.properlyDominates(x, contraction);
        }))
      return ops;
    hoist.push_back(view);
  }
  ops.epilogue = generic;
  ops.hoist = std::move(hoist);
  return ops;
}

void mlir::autoglm::moveIntoCacheBlocks(RewriterBase &rewriter,
                                        const ContractionNeighbours &ops,
                                        scf::ParallelOp blocks,
                                        ArrayRef<int64_t> parallelTiles) {
  int64_t tiled = llvm::count_if(parallelTiles, [](int64_t t) { return t != 0; });
  if (static_cast<int64_t>(blocks.getNumLoops()) != tiled)
    return;
  Block *body = blocks.getBody();
  SmallVector<OpFoldResult> ivs(body->getArguments().begin(), body->getArguments().end());
  SmallVector<OpFoldResult> tileSizes = getAsIndexOpFoldResult(rewriter.getContext(), parallelTiles);

  // Clones `op` onto the block's tile of its operands at the builder's point.
  auto cloneOnTile = [&](linalg::LinalgOp op) {
    SmallVector<OpFoldResult> bounds =
        getAsIndexOpFoldResult(rewriter.getContext(), op.getStaticLoopRanges());
    SmallVector<Value> operands(op->getOperands());
    // Blocks divide the dimensions exactly (see blockSize), so every tile is
    // a full, static one.
    SmallVector<Value> tiles = linalg::makeTiledShapes(
        rewriter, op.getLoc(), op, operands, ivs, tileSizes, bounds,
        /*omitPartialTileCheck=*/true);
    mlir::clone(rewriter, op, TypeRange{}, tiles);
    rewriter.eraseOp(op);
  };
  if (ops.fill) {
    rewriter.setInsertionPointToStart(body);
    cloneOnTile(ops.fill);
  }
  if (ops.epilogue) {
    for (Operation *view : ops.hoist)
      rewriter.moveOpBefore(view, blocks);
    rewriter.setInsertionPoint(body->getTerminator());
    cloneOnTile(ops.epilogue);
  }
}
