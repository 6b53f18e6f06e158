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
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;

namespace {
/// A register tile's store of its accumulator: a whole static view of C.
struct TileStore {
  vector::TransferWriteOp write;
  /// The views from C down to the tile's (the view the store writes last).
  SmallVector<memref::SubViewOp> views;
  /// The K-block loop around the store, if K is cut into blocks.
  scf::ForOp kBlocks;
};

/// The tile store `write`, if it writes the whole of a view of `c` made by
/// unit-stride, rank-preserving subviews.
std::optional<TileStore> tileStore(vector::TransferWriteOp write, Value c,
                                   StringRef kBlocksAttr) {
  auto type = dyn_cast<MemRefType>(write.getBase().getType());
  if (!type || !type.hasStaticShape() || write.getMask() ||
      !write.getPermutationMap().isMinorIdentity() ||
      type.getShape() != write.getVectorType().getShape() ||
      !llvm::all_of(write.getIndices(),
                    [](Value i) { return matchPattern(i, m_Zero()); }))
    return std::nullopt;
  TileStore store{write, {}, {}};
  for (Value v = write.getBase(); v != c;) {
    auto view = v.getDefiningOp<memref::SubViewOp>();
    if (!view || view.getSourceType().getRank() != view.getType().getRank() ||
        !llvm::all_of(view.getStaticStrides(),
                      [](int64_t s) { return s == 1; }))
      return std::nullopt;
    store.views.push_back(view);
    v = view.getSource();
  }
  for (auto loop = write->getParentOfType<scf::ForOp>(); loop;
       loop = loop->getParentOfType<scf::ForOp>())
    if (loop->hasAttr(kBlocksAttr)) {
      store.kBlocks = loop;
      break;
    }
  return store;
}

/// The tile's offset in C along each of C's dimensions.
SmallVector<Value> tileOffsets(OpBuilder &b, Location loc,
                               TileStore &store) {
  unsigned rank = store.write.getVectorType().getRank();
  SmallVector<Value> offsets(rank);
  for (memref::SubViewOp view : store.views)
    for (auto [d, ofr] : llvm::enumerate(view.getMixedOffsets())) {
      Value offset = getValueOrCreateConstantIndexOp(b, loc, ofr);
      offsets[d] = offsets[d] ? arith::AddIOp::create(b, loc, offsets[d], offset)
                                    .getResult()
                              : offset;
    }
  for (Value &offset : offsets)
    if (!offset)
      offset = arith::ConstantIndexOp::create(b, loc, 0);
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
  Value view =
      dims.empty() ? input
                   : memref::SubViewOp::create(b, loc, input, at, sizes, strides)
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
    auto tileType = VectorType::get({shape[rank - 2], shape[rank - 1]}, element);
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
  vector::TransferWriteOp write = store.write;
  // The inputs' tiles are viewed before the K loop where K is one block (a
  // residual's lines prefetched there, so that they arrive while the loop
  // computes), in the last K block's branch otherwise; read after the loop.
  auto kLoop = write.getVector().getDefiningOp<scf::ForOp>();
  if (store.kBlocks) {
    rewriter.setInsertionPoint(write);
    Value iv = store.kBlocks.getInductionVar();
    Value next =
        arith::AddIOp::create(rewriter, loc, iv, store.kBlocks.getStep());
    Value last =
        arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::sge, next,
                              store.kBlocks.getUpperBound());
    auto branch = scf::IfOp::create(rewriter, loc, last, /*withElse=*/true);
    rewriter.setInsertionPointToStart(branch.elseBlock());
    rewriter.clone(*write);
    rewriter.setInsertionPointToStart(branch.thenBlock());
    auto inThen = cast<vector::TransferWriteOp>(rewriter.clone(*write));
    rewriter.eraseOp(write);
    write = inThen;
    rewriter.setInsertionPoint(write);
    kLoop = {};
  } else {
    rewriter.setInsertionPoint(kLoop ? kLoop.getOperation()
                                     : write.getOperation());
  }
  VectorType type = write.getVectorType();
  SmallVector<Value> offsets = tileOffsets(rewriter, loc, store);
  Block *body = tail.getBody();
  IRMapping mapping;
  for (OpOperand *input : tail.getDpsInputOperands())
    mapping.map(body->getArgument(input->getOperandNumber()),
                inputAtTile(rewriter, loc, input->get(),
                            tail.getMatchingIndexingMap(input), offsets, type,
                            /*prefetch=*/bool(kLoop), write));
  // The body on vectors of the tile, C's element being the accumulator.
  rewriter.setInsertionPoint(write);
  mapping.map(body->getArgument(tail.getNumDpsInputs()), write.getVector());
  auto vectorOf = [&](Value scalar) -> Value {
    Value mapped = mapping.lookupOrDefault(scalar);
    if (isa<VectorType>(mapped.getType()))
      return mapped;
    return vector::BroadcastOp::create(
               rewriter, loc, VectorType::get(type.getShape(), mapped.getType()),
               mapped)
        .getResult();
  };
  for (Operation &op : body->without_terminator()) {
    SmallVector<Value> operands = llvm::map_to_vector(op.getOperands(), vectorOf);
    SmallVector<Type> results = llvm::map_to_vector(
        op.getResultTypes(),
        [&](Type t) -> Type { return VectorType::get(type.getShape(), t); });
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
  rewriter.modifyOpInPlace(
      write, [&] { write.getValueToStoreMutable().assign(result); });
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
                                               Value c, linalg::GenericOp tail,
                                               StringRef kBlocksAttr) {
  // Everything that touches C's memory, through its views: tile stores,
  // reads of accumulators and prefetches only.
  SmallVector<TileStore> stores;
  SmallVector<Value> worklist = {c};
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    for (Operation *user : v.getUsers()) {
      if (user == tail.getOperation() ||
          isa<vector::TransferReadOp, memref::PrefetchOp>(user))
        continue;
      if (auto view = dyn_cast<memref::SubViewOp>(user)) {
        worklist.push_back(view.getResult());
        continue;
      }
      auto write = dyn_cast<vector::TransferWriteOp>(user);
      std::optional<TileStore> store =
          write && write.getBase() == v ? tileStore(write, c, kBlocksAttr)
                                        : std::nullopt;
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
      if (!dominance.properlyDominates(input, store.write))
        return failure();
  for (TileStore &store : stores)
    fuseIntoStore(rewriter, tail, store);
  rewriter.eraseOp(tail);
  return success();
}
