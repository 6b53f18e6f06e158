//===- ContractionEpilogue.cpp - fill and epilogue in the cache blocks ----===//

#include "ContractionEpilogue.h"

#include "mlir/Dialect/Linalg/Utils/Utils.h"
#include "mlir/IR/Builders.h"

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
  if (auto fill = dyn_cast_or_null<linalg::FillOp>(contraction->getPrevNode()))
    if (updatesInPlace(fill, output, ranges))
      ops.fill = fill;
  if (auto generic = dyn_cast_or_null<linalg::GenericOp>(contraction->getNextNode()))
    if (updatesInPlace(generic, output, ranges))
      ops.epilogue = generic;
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
    rewriter.setInsertionPoint(body->getTerminator());
    cloneOnTile(ops.epilogue);
  }
}
