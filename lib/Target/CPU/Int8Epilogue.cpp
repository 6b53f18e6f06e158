//===- Int8Epilogue.cpp - int8 requantization in the product -------------===//
//
// The elementwise generics that finish an int8 product, found on buffers
// and emitted on vectors of its int32 result (Int8Epilogue.h). After
// bufferization the product's int32 result C, the requantization's float
// result and its 8-bit cast are buffers of the planned arena; the chain is
// moved into the product's kernel only where that changes no value:
//
// - every op between the product and the chain's last generic is free of
//   memory effects (views, constants), so the kernel can run where that
//   generic was;
// - C and each value between two generics of the chain are read by the
//   chain only (the memory planner gives a later value of the arena its
//   own view), so they need not be written;
// - the last generic's output overlaps none of the buffers the kernel
//   reads (the product's operands, C, the chain's other operands): the
//   planner may give it the bytes of the product's activation, which is
//   dead after the product but still read by other blocks of the kernel
//   while this block writes its result.
//
//===----------------------------------------------------------------------===//

#include "Int8Epilogue.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

#include <limits>

using namespace mlir;
using namespace mlir::autoglm;

namespace {
/// The bytes a buffer may occupy: [begin, end) of the allocation `root`
/// (a function argument, an allocation or a global).
struct Extent {
  Value root;
  int64_t begin, end;
};

std::optional<Extent> extentOf(Value v) {
  if (auto view = v.getDefiningOp<memref::ViewOp>()) {
    MemRefType type = view.getType();
    std::optional<int64_t> shift = getConstantIntValue(view.getByteShift());
    std::optional<Extent> source = extentOf(view.getSource());
    if (!type.hasStaticShape() || !shift || !source)
      return std::nullopt;
    int64_t bytes = type.getNumElements() *
                    llvm::divideCeil(type.getElementTypeBitWidth(), 8);
    int64_t begin = source->begin + *shift;
    return Extent{source->root, begin, begin + bytes};
  }
  // Subviews and reshapes: anywhere in their source.
  if (auto view = v.getDefiningOp<ViewLikeOpInterface>())
    return extentOf(view.getViewSource());
  bool root = v.getDefiningOp<memref::AllocOp>() ||
              v.getDefiningOp<memref::AllocaOp>() ||
              v.getDefiningOp<memref::GetGlobalOp>();
  if (auto arg = dyn_cast<BlockArgument>(v))
    root = isa<func::FuncOp>(arg.getOwner()->getParentOp());
  if (!root)
    return std::nullopt;
  return Extent{v, 0, std::numeric_limits<int64_t>::max()};
}

/// Whether the allocations are the same (two reads of one global are).
bool sameRoot(Value a, Value b) {
  if (a == b)
    return true;
  auto ga = a.getDefiningOp<memref::GetGlobalOp>();
  auto gb = b.getDefiningOp<memref::GetGlobalOp>();
  return ga && gb && ga.getName() == gb.getName();
}

/// Whether the buffers `a` and `b` may share bytes (true when unknown).
bool mayOverlap(Value a, Value b) {
  std::optional<Extent> ea = extentOf(a), eb = extentOf(b);
  if (!ea || !eb)
    return true;
  if (!sameRoot(ea->root, eb->root))
    return false;
  return ea->begin < eb->end && eb->begin < ea->end;
}

/// How the chain reads an operand other than the value it carries: the
/// loop dimensions (d0 the row, d1 the column) its map keeps, in order.
enum class Access { RowColumn, Column, Row, Scalar };

std::optional<Access> accessOf(AffineMap map) {
  if (map.getNumDims() != 2 || map.getNumSymbols() != 0)
    return std::nullopt;
  SmallVector<unsigned> dims;
  for (AffineExpr e : map.getResults()) {
    auto dim = dyn_cast<AffineDimExpr>(e);
    if (!dim)
      return std::nullopt;
    dims.push_back(dim.getPosition());
  }
  if (dims == SmallVector<unsigned>{0, 1})
    return Access::RowColumn;
  if (dims == SmallVector<unsigned>{1})
    return Access::Column;
  if (dims == SmallVector<unsigned>{0})
    return Access::Row;
  if (dims.empty())
    return Access::Scalar;
  return std::nullopt;
}

/// Whether `v`'s rows are contiguous (a vector load along its last
/// dimension reads consecutive elements).
bool unitStrideRows(Value v) {
  auto type = dyn_cast<MemRefType>(v.getType());
  return type && type.hasStaticShape() && type.isLastDimUnitStride();
}

/// Whether `g` can run on vectors in the kernel, reading the chain's value
/// as its operand `carried` over the domain rows x cols.
bool isChainGeneric(linalg::GenericOp g, unsigned carried, int64_t rows,
                    int64_t cols) {
  if (!g.hasPureBufferSemantics() || g.getNumDpsInits() != 1 ||
      g.getNumLoops() != 2 || g.getNumParallelLoops() != 2 ||
      g.getStaticLoopRanges() != SmallVector<int64_t>{rows, cols})
    return false;
  OpOperand *init = g.getDpsInitOperand(0);
  Block &body = g.getRegion().front();
  // The output is written only: its block argument is not read.
  if (!g.getMatchingIndexingMap(init).isIdentity() ||
      !unitStrideRows(init->get()) ||
      !g.getMatchingBlockArgument(init).use_empty())
    return false;
  for (OpOperand *input : g.getDpsInputOperands()) {
    std::optional<Access> access =
        accessOf(g.getMatchingIndexingMap(input));
    if (!access)
      return false;
    if (input->getOperandNumber() == carried) {
      if (*access != Access::RowColumn)
        return false;
      continue;
    }
    auto type = dyn_cast<MemRefType>(input->get().getType());
    if (!type || !type.hasStaticShape())
      return false;
    if ((*access == Access::RowColumn || *access == Access::Column) &&
        !unitStrideRows(input->get()))
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
/// the caller reads).
linalg::GenericOp soleReader(Value value, Operation *writer) {
  if (isa<BlockArgument>(value))
    return {};
  linalg::GenericOp reader;
  for (Operation *user : value.getUsers()) {
    if (user == writer)
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
  // C's reader after the product: the first generic, reading all of C or
  // (a padded product) a subview of its first rows. What comes before the
  // product initializes C.
  linalg::GenericOp first;
  Value firstInput;
  int64_t rows = cType.getDimSize(0), cols = cType.getDimSize(1);
  for (Operation *user : c.getUsers()) {
    if (user == product)
      continue;
    Value read = c;
    if (auto sub = dyn_cast<memref::SubViewOp>(user)) {
      if (!sub->hasOneUse())
        return std::nullopt;
      read = sub;
      user = *sub->getUsers().begin();
    }
    Operation *top = scope->getBlock()->findAncestorOpInBlock(*user);
    if (!top)
      return std::nullopt;
    if (top->isBeforeInBlock(scope))
      continue;
    auto g = dyn_cast<linalg::GenericOp>(user);
    if (!g || first || g->getBlock() != block || !product->isBeforeInBlock(g))
      return std::nullopt;
    if (auto sub = read.getDefiningOp<memref::SubViewOp>()) {
      if (!sub.hasZeroOffset() || !sub.hasUnitStride() ||
          !sub.getType().hasStaticShape() ||
          sub.getType().getDimSize(1) != cols)
        return std::nullopt;
      rows = sub.getType().getDimSize(0);
    }
    first = g;
    firstInput = read;
  }
  if (!first)
    return std::nullopt;

  Int8Epilogue epilogue;
  epilogue.numRows = rows;
  linalg::GenericOp g = first;
  Value carried = firstInput;
  while (g) {
    OpOperand *input = nullptr;
    for (OpOperand *operand : g.getDpsInputOperands())
      if (operand->get() == carried && !input)
        input = operand;
    if (!input || !isChainGeneric(g, input->getOperandNumber(), rows, cols))
      break;
    // The carried value is read once.
    if (llvm::count(g->getOperands(), carried) != 1)
      break;
    epilogue.chain.push_back(g);
    epilogue.carriedOperand.push_back(input->getOperandNumber());
    carried = g.getDpsInits()[0];
    g = soleReader(carried, g);
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
      Value buffer = input->get();
      Type type = vectorOf(arg.getType());
      switch (*accessOf(g.getMatchingIndexingMap(input))) {
      case Access::RowColumn:
        map.map(arg, vector::LoadOp::create(b, loc, type, buffer,
                                            ValueRange{row, col}));
        break;
      case Access::Column:
        map.map(arg,
                vector::LoadOp::create(b, loc, type, buffer, ValueRange{col}));
        break;
      case Access::Row:
        map.map(arg, vector::BroadcastOp::create(
                         b, loc, type,
                         memref::LoadOp::create(b, loc, buffer, row)));
        break;
      case Access::Scalar:
        map.map(arg, vector::BroadcastOp::create(
                         b, loc, type,
                         memref::LoadOp::create(b, loc, buffer, ValueRange{})));
        break;
      }
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
  vector::StoreOp::create(b, loc, value, last.getDpsInits()[0],
                          ValueRange{row, col});
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
