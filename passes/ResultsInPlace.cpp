//===- ResultsInPlace.cpp - --autoglm-results-in-place --------------------===//
//
// An output that the graph reshapes after computing it (a decoder's new key
// rows, [1, 1, heads x head] from the rotary embedding's [1, heads, 1,
// head]) is a view of an allocation: upstream's buffer-results-to-out-params
// copies it into the out-parameter. The allocation is the out-parameter
// seen through the inverse reshape instead.
//
//===----------------------------------------------------------------------===//

#include "BufferUsers.h"

#include "autoglm/Passes/Passes.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_RESULTSINPLACE
#include "autoglm/Passes/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;

namespace {
/// True when some op that touches `buffer` (or a view of it), other than
/// `copy`, sits after `copy` in `copy`'s block.
bool usedAfter(Value buffer, memref::CopyOp copy) {
  Block *block = copy->getBlock();
  return llvm::any_of(autoglm::usersThroughViews(buffer), [&](Operation *user) {
    if (user == copy)
      return false;
    Operation *inBlock = block->findAncestorOpInBlock(*user);
    return !inBlock || !inBlock->isBeforeInBlock(copy);
  });
}

/// `out` seen as the allocation that `reshapes` (the reshape that the copy
/// reads first, down to the one applied to the allocation) turn into the
/// copied value: each reshape undone, in reverse, by the ops it adds to
/// `made`.
Value undoReshapes(OpBuilder &b, Value out, ArrayRef<Operation *> reshapes,
                   SmallVectorImpl<Operation *> &made) {
  Value value = out;
  for (Operation *op : reshapes) {
    if (auto collapse = dyn_cast<memref::CollapseShapeOp>(op))
      value = memref::ExpandShapeOp::create(
          b, op->getLoc(), collapse.getSrcType().getShape(), value,
          collapse.getReassociationIndices());
    else
      value = memref::CollapseShapeOp::create(
          b, op->getLoc(), value,
          cast<memref::ExpandShapeOp>(op).getReassociationIndices());
    made.push_back(value.getDefiningOp());
  }
  return value;
}

struct ResultsInPlacePass
    : autoglm::impl::ResultsInPlaceBase<ResultsInPlacePass> {
  void runOnOperation() override {
    func::FuncOp function = getOperation();
    if (function.isExternal())
      return;
    Block &body = function.front();
    SmallVector<memref::CopyOp> copies;
    for (auto copy : body.getOps<memref::CopyOp>())
      copies.push_back(copy);
    for (memref::CopyOp copy : copies) {
      auto out = dyn_cast<BlockArgument>(copy.getTarget());
      if (!out || out.getOwner() != &body || !out.hasOneUse())
        continue;
      SmallVector<Operation *> reshapes;
      Value source = copy.getSource();
      while (Operation *op = source.getDefiningOp()) {
        if (!isa<memref::CollapseShapeOp, memref::ExpandShapeOp>(op))
          break;
        reshapes.push_back(op);
        source = op->getOperand(0);
      }
      auto alloc = source.getDefiningOp<memref::AllocOp>();
      if (!alloc || alloc->getBlock() != &body ||
          !alloc.getType().hasStaticShape() ||
          !alloc.getType().getLayout().isIdentity() ||
          !cast<MemRefType>(out.getType()).getLayout().isIdentity() ||
          usedAfter(alloc, copy))
        continue;
      OpBuilder b(alloc);
      SmallVector<Operation *> made;
      Value inPlace = undoReshapes(b, out, reshapes, made);
      if (inPlace.getType() != alloc.getType()) {
        // A layout the reshapes do not give back exactly: leave the copy.
        for (Operation *op : llvm::reverse(made))
          op->erase();
        continue;
      }
      alloc.replaceAllUsesWith(inPlace);
      alloc.erase();
      copy.erase();
      for (Operation *reshape : reshapes)
        if (reshape->use_empty())
          reshape->erase();
    }
  }
};
} // namespace
