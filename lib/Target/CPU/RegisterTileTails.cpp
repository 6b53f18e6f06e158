//===- RegisterTileTails.cpp - a product's tail on its register tiles -----===//

#include "RegisterTileTails.h"

#include "BufferExtents.h"
#include "VectorTransfers.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/TilingInterface.h"

using namespace mlir;
using namespace mlir::autoglm;

linalg::GenericOp autoglm::registerTileTail(linalg::LinalgOp product) {
  if (!product.hasPureBufferSemantics() || product.getNumDpsInits() != 1)
    return {};
  Value acc = product.getDpsInits()[0];
  auto accType = dyn_cast<MemRefType>(acc.getType());
  if (!accType || !isa<FloatType>(accType.getElementType()))
    return {};
  auto tail = dyn_cast_or_null<linalg::GenericOp>(product->getNextNode());
  if (!tail || !tail.hasPureBufferSemantics() || tail.getNumDpsInits() != 1 ||
      tail.getDpsInits()[0] != acc ||
      tail.getNumLoops() != static_cast<unsigned>(accType.getRank()) ||
      tail.getNumParallelLoops() != tail.getNumLoops() ||
      !tail.getMatchingIndexingMap(tail.getDpsInitOperand(0)).isIdentity())
    return {};
  for (OpOperand *input : tail.getDpsInputOperands()) {
    if (input->get() == acc)
      return {};
    if (isa<ShapedType>(input->get().getType()) &&
        !tail.getMatchingIndexingMap(input).isProjectedPermutation())
      return {};
  }
  for (Operation &op : tail.getBody()->without_terminator())
    if (!isa<arith::ArithDialect, math::MathDialect>(op.getDialect()))
      return {};
  return tail;
}

namespace {
/// Where one register tile's piece of the tail goes: after `kLoop`, at the
/// tile's offsets in the tail's output (the offsets of each view between
/// the tile's accumulator and the tail's, innermost first), `sizes` big.
struct TailPlacement {
  scf::ForOp kLoop;
  SmallVector<SmallVector<OpFoldResult>> offsetsPerView;
  SmallVector<int64_t> sizes;
};

/// Whether `value` is defined outside `loop` (so it may be used after it).
bool definedOutside(Value value, Operation *loop) {
  Operation *owner = value.getDefiningOp();
  if (!owner)
    owner = cast<BlockArgument>(value).getOwner()->getParentOp();
  return !loop->isAncestor(owner);
}

std::optional<TailPlacement> placementOf(linalg::LinalgOp tile, Value acc) {
  auto kLoop = dyn_cast<scf::ForOp>(tile->getParentOp());
  Value view = tile.getDpsInits()[0];
  auto type = dyn_cast<MemRefType>(view.getType());
  if (!kLoop || !type || !type.hasStaticShape())
    return std::nullopt;
  TailPlacement placement{kLoop, {}, llvm::to_vector(type.getShape())};
  while (view != acc) {
    auto subview = view.getDefiningOp<memref::SubViewOp>();
    if (!subview ||
        subview.getSourceType().getRank() != subview.getType().getRank() ||
        !llvm::all_of(subview.getStaticStrides(),
                      [](int64_t stride) { return stride == 1; }))
      return std::nullopt;
    for (OpFoldResult offset : subview.getMixedOffsets())
      if (auto value = dyn_cast<Value>(offset);
          value && !definedOutside(value, kLoop))
        return std::nullopt;
    placement.offsetsPerView.push_back(subview.getMixedOffsets());
    view = subview.getSource();
  }
  return placement;
}
} // namespace

SmallVector<linalg::GenericOp>
autoglm::tileTailOnRegisterTiles(RewriterBase &rewriter, linalg::GenericOp tail,
                                 ArrayRef<linalg::LinalgOp> tiles) {
  if (tiles.empty())
    return {};
  Value acc = tail.getDpsInits()[0];
  SmallVector<TailPlacement> placements;
  for (linalg::LinalgOp tile : tiles) {
    std::optional<TailPlacement> placement = placementOf(tile, acc);
    if (!placement)
      return {};
    placements.push_back(std::move(*placement));
  }
  SmallVector<linalg::GenericOp> tailTiles;
  auto tileable = cast<TilingInterface>(tail.getOperation());
  for (TailPlacement &placement : placements) {
    rewriter.setInsertionPointAfter(placement.kLoop);
    Location loc = tail.getLoc();
    SmallVector<OpFoldResult> offsets(placement.sizes.size(),
                                      rewriter.getIndexAttr(0));
    AffineExpr d0, d1;
    bindDims(rewriter.getContext(), d0, d1);
    for (ArrayRef<OpFoldResult> viewOffsets : placement.offsetsPerView)
      for (auto [sum, offset] : llvm::zip(offsets, viewOffsets))
        sum = affine::makeComposedFoldedAffineApply(rewriter, loc, d0 + d1,
                                                    {sum, offset});
    FailureOr<TilingResult> tiled = tileable.getTiledImplementation(
        rewriter, offsets,
        getAsIndexOpFoldResult(rewriter.getContext(), placement.sizes));
    if (failed(tiled) || tiled->tiledOps.size() != 1 ||
        !isa<linalg::GenericOp>(tiled->tiledOps.front())) {
      for (linalg::GenericOp made : tailTiles)
        rewriter.eraseOp(made);
      return {};
    }
    tailTiles.push_back(cast<linalg::GenericOp>(tiled->tiledOps.front()));
  }
  rewriter.eraseOp(tail);
  return tailTiles;
}

namespace {
/// Whether `root` is an argument of a model's entry (a public function):
/// one of its inputs, outputs or its workspace, which the runtime's
/// contract keeps apart from each other (docs/runtime.md, "Ownership").
bool isEntryArgument(Value root) {
  auto arg = dyn_cast<BlockArgument>(root);
  auto func =
      arg ? dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp()) : nullptr;
  return func && func.isPublic() && arg.getOwner() == &func.getBody().front();
}

/// Whether `a` and `b` provably share no byte: apart by their extents
/// (BufferExtents.h) on one buffer, one of them a constant (a global,
/// never written), two allocations, or two arguments of the model's entry.
/// Arguments of any other function are not taken to be apart (a caller may
/// pass one buffer twice): a store is dropped only on proof.
bool provablyDisjoint(Value a, Value b) {
  std::optional<BufferExtent> ea = bufferExtent(a), eb = bufferExtent(b);
  if (!ea || !eb)
    return false;
  auto allocation = [](Value root) {
    return root.getDefiningOp<memref::AllocOp>() ||
           root.getDefiningOp<memref::AllocaOp>();
  };
  bool comparable = sameBufferRoot(ea->root, eb->root) ||
                    ea->root.getDefiningOp<memref::GetGlobalOp>() ||
                    eb->root.getDefiningOp<memref::GetGlobalOp>() ||
                    (allocation(ea->root) && allocation(eb->root)) ||
                    (isEntryArgument(ea->root) && isEntryArgument(eb->root));
  return comparable && !mayOverlap(a, b);
}

/// Whether `other` (a read or a later write) touches exactly what `write`
/// wrote: the same view, indices, vector type and map, in bounds, unmasked.
template <typename Transfer>
bool sameTransfer(vector::TransferWriteOp write, Transfer other) {
  return other.getBase() == write.getBase() && !other.getMask() &&
         !write.getMask() && !other.hasOutOfBoundsDim() &&
         !write.hasOutOfBoundsDim() &&
         other.getVectorType() == write.getVectorType() &&
         other.getPermutationMap() == write.getPermutationMap() &&
         autoglm::sameIndices(other.getIndices(), write.getIndices());
}
} // namespace

void autoglm::forwardStoresToTails(RewriterBase &rewriter, Operation *root) {
  SmallVector<vector::TransferWriteOp> writes;
  root->walk([&](vector::TransferWriteOp write) { writes.push_back(write); });
  for (vector::TransferWriteOp write : writes) {
    if (!isa<MemRefType>(write.getBase().getType()))
      continue;
    bool readsBetween = false;
    for (Operation *op = write->getNextNode(); op;) {
      Operation *next = op->getNextNode();
      if (auto read = dyn_cast<vector::TransferReadOp>(op);
          read && sameTransfer(write, read)) {
        rewriter.replaceOp(read, write.getVector());
      } else if (auto later = dyn_cast<vector::TransferWriteOp>(op)) {
        if (sameTransfer(write, later) && !readsBetween)
          rewriter.eraseOp(write);
        break;
      } else if (!isMemoryEffectFree(op)) {
        auto effects = dyn_cast<MemoryEffectOpInterface>(op);
        if (!effects || op->getNumRegions() != 0 ||
            !effects.onlyHasEffect<MemoryEffects::Read>())
          break;
        auto base = isa<vector::TransferReadOp, vector::LoadOp>(op)
                        ? op->getOperand(0)
                        : Value();
        if (!base || !provablyDisjoint(base, write.getBase()))
          readsBetween = true;
      }
      op = next;
    }
  }
}

namespace {
/// transpose(broadcast(x : vector<N>) : vector<M x N>) with the two
/// dimensions swapped is each of x's lanes broadcast along a row: a bias
/// per row of a register tile. As a broadcast of x as a column it lowers to
/// one broadcast a row, where the transpose's lowering moves every element
/// on its own.
struct TransposedBroadcastToColumn : OpRewritePattern<vector::TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(vector::TransposeOp transpose,
                                PatternRewriter &rewriter) const override {
    auto broadcast = transpose.getVector().getDefiningOp<vector::BroadcastOp>();
    if (!broadcast || transpose.getResultVectorType().getRank() != 2 ||
        transpose.getPermutation() != ArrayRef<int64_t>{1, 0})
      return failure();
    auto source = dyn_cast<VectorType>(broadcast.getSourceType());
    VectorType result = transpose.getResultVectorType();
    if (!source || source.getRank() != 1 || source.isScalable() ||
        source.getDimSize(0) != result.getDimSize(0))
      return failure();
    Value column = vector::ShapeCastOp::create(
        rewriter, transpose.getLoc(),
        VectorType::get({source.getDimSize(0), 1}, source.getElementType()),
        broadcast.getSource());
    rewriter.replaceOpWithNewOp<vector::BroadcastOp>(transpose, result, column);
    return success();
  }
};
} // namespace

void autoglm::populateTailBroadcastPatterns(RewritePatternSet &patterns) {
  patterns.add<TransposedBroadcastToColumn>(patterns.getContext(),
                                            /*benefit=*/2);
}
