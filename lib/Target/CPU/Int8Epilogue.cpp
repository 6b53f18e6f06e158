//===- Int8Epilogue.cpp - int8 requantization in the product -------------===//
//
// The elementwise generics that finish an int8 product, found on buffers
// and emitted on vectors of its int32 result (Int8Epilogue.h). The chain is
// matched twice: before memory planning (--autoglm-group-int8-epilogues,
// on allocations) and after it (the kernel passes, on views of the
// arena). It moves into the product's kernel only where that changes no
// value:
//
// - every op between the product and the chain's last generic is free of
//   memory effects (views, constants) or an allocation, so the kernel can
//   run where that generic was;
// - C and each value between two generics of the chain are read by the
//   chain only, so they need not be written;
// - the last generic's output overlaps none of the buffers the kernel
//   reads (the product's operands, C, the chain's other operands): the
//   planner, left alone, gives it the bytes of the product's activation,
//   which is dead after the product but still read by other blocks of
//   the kernel while this block writes its result. The group makes the
//   planner keep them apart; this check refuses what it did not.
//
//===----------------------------------------------------------------------===//

#include "Int8Epilogue.h"

#include "BufferExtents.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

using namespace mlir;
using namespace mlir::autoglm;

namespace {
/// The loop dimension of each result of an operand's map, in order, -1
/// for a result that is the constant 0 (a per-channel operand of shape
/// [F, 1, 1]); nullopt for anything else. The chain's domain is
/// [1, ..., 1, rows, cols] or, after a convolution, [1, F, OH, OW]: C's
/// row, then its column (one dimension, or the two its pixels were
/// reshaped into), the others unit dimensions of a batch of one.
std::optional<SmallVector<int64_t>> dimsOf(AffineMap map) {
  if (map.getNumSymbols() != 0)
    return std::nullopt;
  SmallVector<int64_t> dims;
  int64_t lastDim = -1;
  for (AffineExpr e : map.getResults()) {
    if (auto constant = dyn_cast<AffineConstantExpr>(e)) {
      if (constant.getValue() != 0)
        return std::nullopt;
      dims.push_back(-1);
      continue;
    }
    auto dim = dyn_cast<AffineDimExpr>(e);
    if (!dim || int64_t(dim.getPosition()) <= lastDim)
      return std::nullopt;
    lastDim = dim.getPosition();
    dims.push_back(lastDim);
  }
  return dims;
}

/// Whether the operand indexed by `dims` in a domain of `loops` loops, the
/// last `columnDims` of them C's column, is read along the column: its
/// last results are those dimensions, in order (the only way it may use
/// them).
std::optional<bool> readsColumns(ArrayRef<int64_t> dims, unsigned loops,
                                 unsigned columnDims) {
  unsigned first = loops - columnDims;
  unsigned used = llvm::count_if(dims, [&](int64_t d) { return d >= first; });
  if (used == 0)
    return false;
  if (used != columnDims || dims.size() < columnDims)
    return std::nullopt;
  for (unsigned i = 0; i < columnDims; ++i)
    if (dims[dims.size() - columnDims + i] != int64_t(first + i))
      return std::nullopt;
  return true;
}

/// Whether `v`'s rows are contiguous (a vector load along its last
/// dimension reads consecutive elements).
bool unitStrideRows(Value v) {
  auto type = dyn_cast<MemRefType>(v.getType());
  return type && type.hasStaticShape() && type.isLastDimUnitStride();
}

/// Whether `g` can run on vectors in the kernel, reading the chain's value
/// as its operand `carried` over the domain `shape` ([1, ..., rows, cols]).
bool isChainGeneric(linalg::GenericOp g, unsigned carried,
                    ArrayRef<int64_t> shape, unsigned columnDims) {
  if (!g.hasPureBufferSemantics() || g.getNumDpsInits() != 1 ||
      g.getNumLoops() != g.getNumParallelLoops() ||
      g.getStaticLoopRanges() != shape)
    return false;
  OpOperand *init = g.getDpsInitOperand(0);
  // A column of two dimensions is read as one: the buffer's are
  // contiguous.
  auto contiguous = [&](Value v) {
    if (columnDims == 1)
      return unitStrideRows(v);
    auto type = dyn_cast<MemRefType>(v.getType());
    return type && type.hasStaticShape() && type.getLayout().isIdentity();
  };
  Block &body = g.getRegion().front();
  // The output is written only: its block argument is not read.
  if (!g.getMatchingIndexingMap(init).isIdentity() ||
      !contiguous(init->get()) || !g.getMatchingBlockArgument(init).use_empty())
    return false;
  for (OpOperand *input : g.getDpsInputOperands()) {
    AffineMap map = g.getMatchingIndexingMap(input);
    std::optional<SmallVector<int64_t>> dims = dimsOf(map);
    if (!dims)
      return false;
    if (input->getOperandNumber() == carried) {
      if (!map.isIdentity())
        return false;
      continue;
    }
    auto type = dyn_cast<MemRefType>(input->get().getType());
    if (!type || !type.hasStaticShape())
      return false;
    // Read along the column as vectors: contiguous.
    std::optional<bool> alongColumns =
        readsColumns(*dims, shape.size(), columnDims);
    if (!alongColumns || (*alongColumns && !contiguous(input->get())))
      return false;
  }
  // Elementwise scalar ops whose outside operands are constants.
  for (Operation &op : body.without_terminator()) {
    if (op.getNumRegions() != 0 || !op.hasTrait<OpTrait::Elementwise>() ||
        !isMemoryEffectFree(&op))
      return false;
    for (Type t : op.getResultTypes())
      if (!t.isIntOrFloat())
        return false;
    for (Value operand : op.getOperands())
      if (operand.getParentBlock() != &body &&
          !operand.getDefiningOp<arith::ConstantOp>())
        return false;
  }
  Value yielded = body.getTerminator()->getOperand(0);
  return yielded.getParentBlock() == &body ||
         yielded.getDefiningOp<arith::ConstantOp>();
}

/// The generic that reads `value` after `writer`, if it is the only reader
/// (and `value` is a buffer of the function's own: not an argument, which
/// the caller reads). In a group (`grouped`), after memory planning, only
/// the group's uses are the value's.
linalg::GenericOp soleReader(Value value, Operation *writer, bool grouped) {
  if (isa<BlockArgument>(value))
    return {};
  linalg::GenericOp reader;
  for (Operation *user : value.getUsers()) {
    if (user == writer || (grouped && user->getBlock() != writer->getBlock()))
      continue;
    auto g = dyn_cast<linalg::GenericOp>(user);
    if (!g || reader || g->getBlock() != writer->getBlock() ||
        !writer->isBeforeInBlock(g))
      return {};
    reader = g;
  }
  return reader;
}
} // namespace

std::optional<Int8Epilogue> Int8Epilogue::match(linalg::GenericOp product) {
  Value c = product.getDpsInits()[0];
  auto cType = dyn_cast<MemRefType>(c.getType());
  if (!cType || cType.getRank() != 2 || !cType.hasStaticShape() ||
      isa<BlockArgument>(c))
    return std::nullopt;
  Block *block = product->getBlock();
  // The op the product is part of in the block that holds C's other uses:
  // itself, or the group of --autoglm-group-int8-epilogues.
  Operation *scope = product;
  if (auto group = dyn_cast<scf::ExecuteRegionOp>(product->getParentOp()))
    if (group->hasAttr(kInt8EpilogueGroupAttr))
      scope = group;
  bool grouped = scope != product;
  // C's reader after the product: the first generic, reading all of C or
  // (a padded product) a subview of its first rows. What comes before the
  // product initializes C.
  linalg::GenericOp first;
  Value firstInput;
  unsigned columnDims = 1;
  int64_t rows = cType.getDimSize(0), cols = cType.getDimSize(1);
  SmallVector<int64_t> shape = {rows, cols};
  // C and its views: through the first rows of a padded product and the
  // unit dimensions of a batch of one.
  SmallVector<std::pair<Operation *, Value>> uses;
  SmallVector<Value> worklist = {c};
  while (!worklist.empty()) {
    Value value = worklist.pop_back_val();
    for (Operation *user : value.getUsers()) {
      if (isa<memref::SubViewOp, memref::ExpandShapeOp>(user))
        worklist.push_back(user->getResult(0));
      else if (user != product)
        uses.push_back({user, value});
    }
  }
  for (auto [user, read] : uses) {
    Operation *top = scope->getBlock()->findAncestorOpInBlock(*user);
    if (!top)
      return std::nullopt;
    // Before the product: C's initialization. In a group, after memory
    // planning, a later use of the same view is another value's (the
    // group was formed where the chain was C's only reader).
    if (top->isBeforeInBlock(scope) || (grouped && top != scope))
      continue;
    auto g = dyn_cast<linalg::GenericOp>(user);
    if (!g || first || g->getBlock() != block || !product->isBeforeInBlock(g))
      return std::nullopt;
    for (Value v = read; v != c; v = v.getDefiningOp()->getOperand(0)) {
      if (auto sub = v.getDefiningOp<memref::SubViewOp>()) {
        if (!sub.hasZeroOffset() || !sub.hasUnitStride() ||
            !sub.getType().hasStaticShape() || sub.getType().getRank() != 2 ||
            sub.getType().getDimSize(1) != cols)
          return std::nullopt;
        rows = sub.getType().getDimSize(0);
        continue;
      }
      // Leading unit dimensions: [[0, ..., r - 2], [r - 1]]; or, after a
      // convolution, the pixels too: [F, P] as [1, F, OH, OW].
      auto expand = v.getDefiningOp<memref::ExpandShapeOp>();
      ArrayRef<int64_t> from = expand.getSrcType().getShape();
      ArrayRef<int64_t> to = expand.getResultType().getShape();
      if (from.size() != 2 || !expand.getResultType().hasStaticShape())
        return std::nullopt;
      SmallVector<ReassociationIndices> groups =
          expand.getReassociationIndices();
      bool pixels = to.size() >= 3 && groups.size() == 2 &&
                    groups[1].size() == 2 && to[to.size() - 3] == from[0] &&
                    to[to.size() - 2] * to.back() == from[1];
      unsigned kept = pixels ? 3 : 2;
      if ((!pixels && to.take_back(2) != from) ||
          llvm::any_of(to.drop_back(kept), [](int64_t d) { return d != 1; }))
        return std::nullopt;
      columnDims = pixels ? 2 : 1;
    }
    shape = llvm::to_vector(cast<MemRefType>(read.getType()).getShape());
    rows = shape[shape.size() - 1 - columnDims];
    first = g;
    firstInput = read;
  }
  if (!first)
    return std::nullopt;

  Int8Epilogue epilogue;
  epilogue.numRows = rows;
  epilogue.columnDims = columnDims;
  linalg::GenericOp g = first;
  Value carried = firstInput;
  while (g) {
    OpOperand *input = nullptr;
    for (OpOperand *operand : g.getDpsInputOperands())
      if (operand->get() == carried && !input)
        input = operand;
    if (!input ||
        !isChainGeneric(g, input->getOperandNumber(), shape, columnDims))
      break;
    // The carried value is read once.
    if (llvm::count(g->getOperands(), carried) != 1)
      break;
    epilogue.chain.push_back(g);
    epilogue.carriedOperand.push_back(input->getOperandNumber());
    carried = g.getDpsInits()[0];
    g = soleReader(carried, g, grouped);
  }
  if (epilogue.chain.empty())
    return std::nullopt;

  // Nothing that reads or writes memory between the product and the
  // chain's end (allocations, before memory planning, may be there).
  Operation *last = epilogue.chain.back();
  for (Operation *op = product->getNextNode(); op != last;
       op = op->getNextNode())
    if (!llvm::is_contained(epilogue.chain, op) && !isMemoryEffectFree(op) &&
        !isa<memref::AllocOp>(op))
      return std::nullopt;
  // The only buffer written does not overlap one that is read.
  Value written = epilogue.chain.back().getDpsInits()[0];
  SmallVector<Value> read(product->getOperands());
  for (linalg::GenericOp op : epilogue.chain)
    llvm::append_range(read, op.getDpsInputs());
  for (Value buffer : read)
    if (mayOverlap(written, buffer))
      return std::nullopt;
  return epilogue;
}

void Int8Epilogue::emit(OpBuilder &b, Location loc, Value acc, Value row,
                        Value col) const {
  int64_t lanes = cast<VectorType>(acc.getType()).getNumElements();
  auto vectorOf = [&](Type t) { return VectorType::get({lanes}, t); };
  // A constant from outside the body, as a splat made here.
  auto splat = [&](Value scalar) -> Value {
    auto constant = scalar.getDefiningOp<arith::ConstantOp>();
    auto attr = cast<TypedAttr>(constant.getValue());
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(vectorOf(attr.getType()), attr));
  };
  linalg::GenericOp front = chain.front();
  unsigned loops = front.getNumLoops();
  int64_t column = loops - columnDims, rowDim = column - 1;
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  // `buffer` indexed by `dims` at (row, col): a buffer read along the
  // column has its column dimensions collapsed into one first.
  auto at = [&](Value buffer, ArrayRef<int64_t> dims,
                bool alongColumns) -> std::pair<Value, SmallVector<Value>> {
    SmallVector<Value> indices;
    for (int64_t d : ArrayRef(dims).drop_back(alongColumns ? columnDims : 0))
      indices.push_back(d == rowDim ? row : zero);
    if (!alongColumns)
      return {buffer, indices};
    indices.push_back(col);
    if (columnDims == 1)
      return {buffer, indices};
    unsigned rank = dims.size();
    SmallVector<ReassociationIndices> groups;
    for (unsigned d = 0; d + columnDims < rank; ++d)
      groups.push_back({int64_t(d)});
    ReassociationIndices tail;
    for (unsigned d = rank - columnDims; d < rank; ++d)
      tail.push_back(d);
    groups.push_back(tail);
    return {memref::CollapseShapeOp::create(b, loc, buffer, groups), indices};
  };
  Value value = acc;
  for (auto [chainOp, carried] : llvm::zip(chain, carriedOperand)) {
    linalg::GenericOp g = chainOp;
    Block &body = g.getRegion().front();
    IRMapping map;
    for (OpOperand *input : g.getDpsInputOperands()) {
      Value arg = g.getMatchingBlockArgument(input);
      if (input->getOperandNumber() == carried) {
        map.map(arg, value);
        continue;
      }
      SmallVector<int64_t> dims = *dimsOf(g.getMatchingIndexingMap(input));
      bool alongColumns = *readsColumns(dims, loops, columnDims);
      auto [buffer, indices] = at(input->get(), dims, alongColumns);
      // Along the columns a vector; else one value for every lane.
      Type type = vectorOf(arg.getType());
      if (alongColumns)
        map.map(arg, vector::LoadOp::create(b, loc, type, buffer, indices));
      else
        map.map(arg, vector::BroadcastOp::create(
                         b, loc, type,
                         memref::LoadOp::create(b, loc, buffer, indices)));
    }
    auto lookup = [&](Value v) -> Value {
      if (v.getParentBlock() == &body)
        return map.lookup(v);
      return splat(v);
    };
    for (Operation &op : body.without_terminator()) {
      for (Value operand : op.getOperands())
        if (!map.contains(operand))
          map.map(operand, lookup(operand));
      Operation *clone = b.clone(op, map);
      for (Value result : clone->getResults())
        result.setType(vectorOf(result.getType()));
    }
    value = lookup(body.getTerminator()->getOperand(0));
  }
  linalg::GenericOp last = chain.back();
  SmallVector<int64_t> outDims = llvm::to_vector(llvm::seq<int64_t>(0, loops));
  auto [out, indices] = at(last.getDpsInits()[0], outDims, true);
  vector::StoreOp::create(b, loc, value, out, indices);
}

void Int8Epilogue::erase(RewriterBase &rewriter) {
  for (linalg::GenericOp g : llvm::reverse(chain))
    rewriter.eraseOp(g);
  chain.clear();
}

bool Int8Epilogue::ungroup(RewriterBase &rewriter, Operation *op) {
  auto group = dyn_cast_or_null<scf::ExecuteRegionOp>(op->getParentOp());
  if (!group || !group->hasAttr(kInt8EpilogueGroupAttr))
    return false;
  ungroup(rewriter, group);
  return true;
}

void Int8Epilogue::ungroup(RewriterBase &rewriter, scf::ExecuteRegionOp group) {
  Block &body = group.getRegion().front();
  rewriter.eraseOp(body.getTerminator());
  rewriter.inlineBlockBefore(&body, group);
  rewriter.eraseOp(group);
}
