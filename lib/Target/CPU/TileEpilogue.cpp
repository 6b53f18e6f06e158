//===- TileEpilogue.cpp - a product's tail on its register tiles ----------===//
//
// TileEpilogue.h says why. How: the tail's body is computed on vectors of
// the tile's shape, its C operand being the accumulator and its other
// inputs read at the tile's offsets, and the tile's store writes the
// result. (Upstream's linalg::vectorize of the tail cut to a tile reads a
// row's bias as a broadcast then a transpose, which the contraction's
// lowering unrolls element by element.)
//
//===----------------------------------------------------------------------===//

#include "TileEpilogue.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;

namespace {
/// A register tile's store of its accumulator: a whole static view of C
/// (`vector.transfer_write`), or one element of it (`memref.store`: the
/// columns computed as dot products along K).
struct TileStore {
  Operation *op;
  /// The views from C down to the tile's (the view the store writes last).
  SmallVector<memref::SubViewOp> views;
  /// The K-block loop around the store, if K is cut into blocks.
  scf::ForOp kBlocks;

  Value value() {
    if (auto write = dyn_cast<vector::TransferWriteOp>(op))
      return write.getVector();
    return cast<memref::StoreOp>(op).getValueToStore();
  }
  OpOperand &valueOperand() {
    if (auto write = dyn_cast<vector::TransferWriteOp>(op))
      return write.getValueToStoreMutable();
    return cast<memref::StoreOp>(op).getValueMutable();
  }
  /// The element's indices in the tile's view (zeros for a whole tile).
  OperandRange indices() {
    if (auto write = dyn_cast<vector::TransferWriteOp>(op))
      return write.getIndices();
    return cast<memref::StoreOp>(op).getIndices();
  }
};

/// The tile store `op` into `base`, if it writes the whole of a view of `c`
/// made by unit-stride, rank-preserving subviews, or one element of one.
std::optional<TileStore> tileStore(Operation *op, Value base, Value c,
                                   StringRef kBlocksAttr) {
  auto type = dyn_cast<MemRefType>(base.getType());
  if (!type || !type.hasStaticShape())
    return std::nullopt;
  if (auto write = dyn_cast<vector::TransferWriteOp>(op)) {
    if (write.getBase() != base || write.getMask() ||
        !write.getPermutationMap().isMinorIdentity() ||
        type.getShape() != write.getVectorType().getShape() ||
        !llvm::all_of(write.getIndices(),
                      [](Value i) { return matchPattern(i, m_Zero()); }))
      return std::nullopt;
  } else if (auto store = dyn_cast<memref::StoreOp>(op)) {
    if (store.getMemRef() != base)
      return std::nullopt;
  } else {
    return std::nullopt;
  }
  TileStore store{op, {}, {}};
  for (Value v = base; v != c;) {
    auto view = v.getDefiningOp<memref::SubViewOp>();
    if (!view || view.getSourceType().getRank() != view.getType().getRank() ||
        !llvm::all_of(view.getStaticStrides(),
                      [](int64_t s) { return s == 1; }))
      return std::nullopt;
    store.views.push_back(view);
    v = view.getSource();
  }
  for (auto loop = op->getParentOfType<scf::ForOp>(); loop;
       loop = loop->getParentOfType<scf::ForOp>())
    if (loop->hasAttr(kBlocksAttr)) {
      store.kBlocks = loop;
      break;
    }
  return store;
}

/// The offset in C of the tile (of the element, for an element's store)
/// along each of C's dimensions.
SmallVector<Value> tileOffsets(OpBuilder &b, Location loc, TileStore &store) {
  SmallVector<Value> offsets(store.indices());
  for (memref::SubViewOp view : store.views)
    for (auto [d, ofr] : llvm::enumerate(view.getMixedOffsets())) {
      Value offset = getValueOrCreateConstantIndexOp(b, loc, ofr);
      offsets[d] = arith::AddIOp::create(b, loc, offsets[d], offset);
    }
  return offsets;
}

/// Prefetches, for reading, each 64-byte line of `view` (static shape).
void prefetchLines(OpBuilder &b, Location loc, Value view) {
  auto type = cast<MemRefType>(view.getType());
  ArrayRef<int64_t> shape = type.getShape();
  int64_t rank = shape.size();
  int64_t perLine =
      std::max<int64_t>(1, 512 / std::max(1u, type.getElementTypeBitWidth()));
  int64_t rows = 1;
  for (int64_t d : shape.drop_back())
    rows *= d;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t col = 0; col < shape.back(); col += perLine) {
      SmallVector<Value> indices(rank);
      int64_t rest = r;
      for (int64_t d = rank - 1; d >= 0; --d) {
        int64_t at = col;
        if (d != rank - 1) {
          at = rest % shape[d];
          rest /= shape[d];
        }
        indices[d] = arith::ConstantIndexOp::create(b, loc, at);
      }
      memref::PrefetchOp::create(b, loc, view, indices, /*isWrite=*/false,
                                 /*localityHint=*/3, /*isDataCache=*/true);
    }
}

/// `input` (an operand of the tail indexed by `map`) at the tile whose
/// offsets in C are `offsets`, as a vector of the tile's shape (`type`, the
/// accumulator's) and the input's element type: read
/// whole where it has the tile's columns (broadcast over the rows it
/// lacks), a broadcast element per row where it has the rows only, one
/// broadcast element otherwise. The tile's leading dimensions are units.
/// The view goes at the builder's insertion point, where with `prefetch`
/// the lines of an input read as a whole tile (a residual, from memory)
/// are prefetched too; the reads go before `readAt`, so that they hold no
/// registers during the K loop.
Value inputAtTile(OpBuilder &b, Location loc, Value input, AffineMap map,
                  ArrayRef<Value> offsets, VectorType type, bool prefetch,
                  Operation *readAt) {
  OpBuilder::InsertionGuard guard(b);
  // Of the input's element type (the body converts it where it differs
  // from C's).
  Type element = getElementTypeOrSelf(input.getType());
  ArrayRef<int64_t> shape = type.getShape();
  type = VectorType::get(shape, element);
  auto memref = dyn_cast<MemRefType>(input.getType());
  if (!memref) {
    b.setInsertionPoint(readAt);
    return vector::BroadcastOp::create(b, loc, type, input);
  }
  unsigned rank = shape.size();
  SmallVector<unsigned> dims;
  SmallVector<OpFoldResult> at, sizes;
  for (AffineExpr e : map.getResults()) {
    unsigned d = cast<AffineDimExpr>(e).getPosition();
    dims.push_back(d);
    at.push_back(offsets[d]);
    sizes.push_back(b.getIndexAttr(shape[d]));
  }
  SmallVector<OpFoldResult> strides(dims.size(), b.getIndexAttr(1));
  Value view = dims.empty() ? input
                            : memref::SubViewOp::create(b, loc, input, at,
                                                        sizes, strides)
                                  .getResult();
  bool hasColumns = !dims.empty() && dims.back() == rank - 1;
  bool hasRows = llvm::is_contained(dims, rank - 2);
  if (prefetch && dims.size() == rank)
    prefetchLines(b, loc, view);
  b.setInsertionPoint(readAt);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  SmallVector<Value> zeros(dims.size(), zero);
  if (hasColumns) {
    SmallVector<int64_t> readShape;
    for (unsigned d : dims)
      readShape.push_back(shape[d]);
    Value read = vector::TransferReadOp::create(
        b, loc, VectorType::get(readShape, element), view, zeros,
        /*padding=*/std::nullopt, SmallVector<bool>(dims.size(), true));
    if (readShape == shape)
      return read;
    // Unit dimensions out, then the missing leading ones broadcast.
    SmallVector<int64_t> kept = {shape[rank - 1]};
    if (hasRows)
      kept.insert(kept.begin(), shape[rank - 2]);
    Value squeezed = vector::ShapeCastOp::create(
        b, loc, VectorType::get(kept, element), read);
    return vector::BroadcastOp::create(b, loc, type, squeezed);
  }
  if (hasRows) {
    auto rowType = VectorType::get({shape[rank - 1]}, element);
    auto tileType =
        VectorType::get({shape[rank - 2], shape[rank - 1]}, element);
    Value tile = arith::ConstantOp::create(b, loc, b.getZeroAttr(tileType));
    unsigned rowIndex = llvm::find(dims, rank - 2) - dims.begin();
    for (int64_t r = 0; r < shape[rank - 2]; ++r) {
      SmallVector<Value> indices(zeros);
      indices[rowIndex] = arith::ConstantIndexOp::create(b, loc, r);
      Value row = vector::BroadcastOp::create(
          b, loc, rowType, memref::LoadOp::create(b, loc, view, indices));
      tile = vector::InsertOp::create(b, loc, row, tile, ArrayRef<int64_t>{r});
    }
    return vector::BroadcastOp::create(b, loc, type, tile);
  }
  return vector::BroadcastOp::create(
      b, loc, type, memref::LoadOp::create(b, loc, view, zeros));
}

/// Applies `tail` to `store`'s accumulator before the store.
void fuseIntoStore(RewriterBase &rewriter, linalg::GenericOp tail,
                   TileStore &store) {
  Location loc = tail.getLoc();
  // The inputs' tiles are viewed before the K loop where K is one block (a
  // residual's lines prefetched there, so that they arrive while the loop
  // computes), in the last K block's branch otherwise; read after the loop.
  auto kLoop = store.value().getDefiningOp<scf::ForOp>();
  if (store.kBlocks) {
    rewriter.setInsertionPoint(store.op);
    Value iv = store.kBlocks.getInductionVar();
    Value next =
        arith::AddIOp::create(rewriter, loc, iv, store.kBlocks.getStep());
    Value last = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::sge,
                                       next, store.kBlocks.getUpperBound());
    auto branch = scf::IfOp::create(rewriter, loc, last, /*withElse=*/true);
    rewriter.setInsertionPointToStart(branch.elseBlock());
    rewriter.clone(*store.op);
    rewriter.setInsertionPointToStart(branch.thenBlock());
    Operation *inThen = rewriter.clone(*store.op);
    rewriter.eraseOp(store.op);
    store.op = inThen;
    rewriter.setInsertionPoint(store.op);
    kLoop = {};
  } else {
    rewriter.setInsertionPoint(kLoop ? kLoop.getOperation() : store.op);
  }
  SmallVector<Value> offsets = tileOffsets(rewriter, loc, store);
  Block *body = tail.getBody();
  IRMapping mapping;
  mapping.map(body->getArgument(tail.getNumDpsInputs()), store.value());
  auto type = dyn_cast<VectorType>(store.value().getType());
  if (!type) {
    // One element (a dot product's): the body on scalars.
    rewriter.setInsertionPoint(store.op);
    for (OpOperand *input : tail.getDpsInputOperands()) {
      Value value = input->get();
      if (isa<MemRefType>(value.getType())) {
        SmallVector<Value> at;
        for (AffineExpr e : tail.getMatchingIndexingMap(input).getResults())
          at.push_back(offsets[cast<AffineDimExpr>(e).getPosition()]);
        value = memref::LoadOp::create(rewriter, loc, value, at);
      }
      mapping.map(body->getArgument(input->getOperandNumber()), value);
    }
    for (Operation &op : body->without_terminator())
      rewriter.clone(op, mapping);
    Value result =
        mapping.lookupOrDefault(body->getTerminator()->getOperand(0));
    rewriter.modifyOpInPlace(store.op,
                             [&] { store.valueOperand().assign(result); });
    return;
  }
  for (OpOperand *input : tail.getDpsInputOperands())
    mapping.map(body->getArgument(input->getOperandNumber()),
                inputAtTile(rewriter, loc, input->get(),
                            tail.getMatchingIndexingMap(input), offsets, type,
                            /*prefetch=*/bool(kLoop), store.op));
  // The body on vectors of the tile, C's element being the accumulator.
  rewriter.setInsertionPoint(store.op);
  auto vectorOf = [&](Value scalar) -> Value {
    Value mapped = mapping.lookupOrDefault(scalar);
    if (isa<VectorType>(mapped.getType()))
      return mapped;
    return vector::BroadcastOp::create(
               rewriter, loc,
               VectorType::get(type.getShape(), mapped.getType()), mapped)
        .getResult();
  };
  for (Operation &op : body->without_terminator()) {
    SmallVector<Value> operands =
        llvm::map_to_vector(op.getOperands(), vectorOf);
    SmallVector<Type> results =
        llvm::map_to_vector(op.getResultTypes(), [&](Type t) -> Type {
          return VectorType::get(type.getShape(), t);
        });
    if (op.getNumOperands() == 0) {
      rewriter.clone(op, mapping); // a constant: broadcast where used
      continue;
    }
    OperationState state(op.getLoc(), op.getName(), operands, results,
                         op.getAttrs());
    Operation *vectorOp = rewriter.create(state);
    mapping.map(op.getResults(), vectorOp->getResults());
  }
  Value result = vectorOf(body->getTerminator()->getOperand(0));
  rewriter.modifyOpInPlace(store.op,
                           [&] { store.valueOperand().assign(result); });
}
} // namespace

linalg::GenericOp mlir::autoglm::tailOf(linalg::LinalgOp product) {
  if (!product.hasPureBufferSemantics() || product.getNumDpsInits() != 1)
    return {};
  Value c = product.getDpsInits()[0];
  auto cType = dyn_cast<MemRefType>(c.getType());
  Operation *next = product->getNextNode();
  while (next && isMemoryEffectFree(next))
    next = next->getNextNode();
  auto tail = dyn_cast_or_null<linalg::GenericOp>(next);
  if (!cType || !tail || !tail.hasPureBufferSemantics() ||
      tail.getNumDpsInits() != 1 || tail.getDpsInits()[0] != c ||
      tail.getNumLoops() != unsigned(cType.getRank()) ||
      tail.getNumParallelLoops() != tail.getNumLoops())
    return {};
  OpOperand *init = tail.getDpsInitOperand(0);
  if (!tail.getMatchingIndexingMap(init).isIdentity() ||
      !tail.payloadUsesValueFromOperand(init))
    return {};
  // Inputs indexed by C's dimensions in order (none transposed), and one
  // float value each.
  for (OpOperand *input : tail.getDpsInputOperands()) {
    AffineMap map = tail.getMatchingIndexingMap(input);
    int64_t previous = -1;
    for (AffineExpr e : map.getResults()) {
      auto dim = dyn_cast<AffineDimExpr>(e);
      if (!dim || int64_t(dim.getPosition()) <= previous)
        return {};
      previous = dim.getPosition();
    }
    if (input->get() == c ||
        !isa<FloatType>(getElementTypeOrSelf(input->get().getType())))
      return {};
  }
  // An elementwise body of one result: each op computes lane by lane on
  // vectors of the tile (constants are broadcast where used).
  Block *body = tail.getBody();
  for (Operation &op : body->without_terminator())
    if (!isMemoryEffectFree(&op) || op.getNumRegions() ||
        op.getNumResults() != 1 ||
        (op.getNumOperands() && !OpTrait::hasElementwiseMappableTraits(&op)))
      return {};
  if (body->getTerminator()->getNumOperands() != 1)
    return {};
  return tail;
}

LogicalResult mlir::autoglm::fuseTailIntoTiles(RewriterBase &rewriter,
                                               const ProductTail &product,
                                               StringRef kBlocksAttr) {
  Value c = product.c;
  linalg::GenericOp tail = product.tail;
  Operation *before = product.before;
  // Whether `op` lies between `before` and the tail (in the product's
  // loops): other kernels may write the same buffer value before or read
  // it after.
  Block *block = tail->getBlock();
  auto inProduct = [&](Operation *op) {
    Operation *at = block->findAncestorOpInBlock(*op);
    return at && at->isBeforeInBlock(tail) &&
           (!before || before->isBeforeInBlock(at));
  };
  // Everything that touches C's memory, through its views: tile stores,
  // reads of accumulators and prefetches only.
  SmallVector<TileStore> stores;
  SmallVector<Value> worklist = {c};
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    for (Operation *user : v.getUsers()) {
      if (!inProduct(user) ||
          isa<vector::TransferReadOp, memref::LoadOp, memref::PrefetchOp>(user))
        continue;
      if (auto view = dyn_cast<memref::SubViewOp>(user)) {
        worklist.push_back(view.getResult());
        continue;
      }
      std::optional<TileStore> store = tileStore(user, v, c, kBlocksAttr);
      if (!store)
        return failure();
      stores.push_back(std::move(*store));
    }
  }
  if (stores.empty())
    return failure();
  // The tail's inputs are defined before every store (the tail's cuts go
  // there).
  DominanceInfo dominance(tail->getParentOfType<FunctionOpInterface>());
  for (TileStore &store : stores)
    for (Value input : tail.getDpsInputs())
      if (!dominance.properlyDominates(input, store.op))
        return failure();
  for (TileStore &store : stores)
    fuseIntoStore(rewriter, tail, store);
  rewriter.eraseOp(tail);
  return success();
}
