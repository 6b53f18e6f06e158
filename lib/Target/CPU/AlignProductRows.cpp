//===- AlignProductRows.cpp - --autoglm-align-product-rows ----------------===//
//
// A register tile of a matrix product loads, at each k, a piece of one row
// of B: three vectors of 16 floats on AVX-512. A convolution's B is the
// activation the layer before wrote, its rows an image's pixels: 196 floats
// (784 bytes) at 14x14, so three rows in four start inside a cache line and
// most of the tile's loads straddle two lines. Where such an activation is
// the result of a fused region and the other regions read it as B of
// products, or elementwise, this pass gives it rows of a whole number of
// cache lines: the region writes a view of the first pixels of each row of
// a wider tensor, and bufferization carries the view's strides to the
// readers. A product of 256 x 1024 by 1024 x 196 took 0.91x the time with
// B's rows 208 floats apart (docs/decisions.md).
//
//===----------------------------------------------------------------------===//

#include "ContractionTiles.h"
#include "DestinationChain.h"
#include "autoglm/Dialect/AutoGLM.h"
#include "autoglm/Target/CPU/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMALIGNPRODUCTROWS
#include "autoglm/Target/CPU/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {
/// The product of `shape[from..]`.
int64_t trailingSize(ArrayRef<int64_t> shape, size_t from) {
  int64_t size = 1;
  for (int64_t d : shape.drop_front(from))
    size *= d;
  return size;
}

/// The dimensions of `type` from which on they form one row of `row`
/// elements (the trailing dimensions whose product is `row`), or none.
std::optional<size_t> rowStart(ShapedType type, int64_t row) {
  for (size_t from = type.getRank(); from-- > 0;)
    if (trailingSize(type.getShape(), from) == row)
      return from;
  return std::nullopt;
}

/// Whether `reshape` keeps rows of `row` elements whole: its last group of
/// dimensions is a row on both sides (`[256, 196]` to `[1, 256, 14, 14]`),
/// and no other group reaches into it.
bool keepsRow(Operation *reshape, int64_t row) {
  SmallVector<ReassociationIndices> groups;
  ShapedType expanded, collapsed;
  if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(reshape)) {
    groups = collapse.getReassociationIndices();
    expanded = collapse.getSrcType();
    collapsed = collapse.getResultType();
  } else if (auto expand = dyn_cast<tensor::ExpandShapeOp>(reshape)) {
    groups = expand.getReassociationIndices();
    expanded = expand.getResultType();
    collapsed = expand.getSrcType();
  } else {
    return false;
  }
  std::optional<size_t> start = rowStart(expanded, row);
  return collapsed.getShape().back() == row && start &&
         static_cast<size_t>(groups.back().front()) == *start;
}

/// How a region reads its block argument `arg`: whether every read keeps
/// rows of `row` elements whole and at least one is B of a `linalg.matmul`
/// (directly, or past a reshape that keeps the rows): the other reads are
/// elementwise generics' inputs, which read a strided view as they read any
/// other.
bool readAsProductRows(Value arg, int64_t row, bool &product) {
  for (OpOperand &use : arg.getUses()) {
    Operation *user = use.getOwner();
    if (isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp>(user)) {
      if (!keepsRow(user, row) ||
          !readAsProductRows(user->getResult(0), row, product))
        return false;
      continue;
    }
    if (isa<linalg::MatmulOp>(user) && use.getOperandNumber() == 1) {
      product = true;
      continue;
    }
    auto generic = dyn_cast<linalg::GenericOp>(user);
    if (!generic || !generic.isDpsInput(&use) ||
        !generic.getMatchingIndexingMap(&use).isIdentity() ||
        generic.getNumLoops() != generic.getNumParallelLoops())
      return false;
  }
  return true;
}

struct AlignProductRowsPass
    : autoglm::impl::AutoGLMAlignProductRowsBase<AlignProductRowsPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<FusedOp> regions;
    getOperation().walk([&](FusedOp op) { regions.push_back(op); });
    for (FusedOp region : regions) {
      // Reshapes nothing reads (a product's result expanded for an
      // epilogue that took the product's own shape instead) would count as
      // second readers of the values on a chain of destinations.
      SmallVector<Operation *> dead;
      region.getBody().walk([&](Operation *op) {
        if (isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(op) &&
            isOpTriviallyDead(op))
          dead.push_back(op);
      });
      for (Operation *op : dead)
        rewriter.eraseOp(op);
      Operation *yield = region.getBody().front().getTerminator();
      for (OpResult result : region->getResults()) {
        int64_t row = productRow(result);
        int64_t padded = lineAlignedRow(row);
        if (!row || padded == row)
          continue;
        Value yielded = yield->getOperand(result.getResultNumber());
        tensor::EmptyOp empty =
            yielded.hasOneUse()
                ? destinationEmpty(yielded,
                                   [&](Operation *reshape) {
                                     return keepsRow(reshape, row);
                                   })
                : nullptr;
        std::optional<size_t> start =
            empty ? rowStart(empty.getType(), row) : std::nullopt;
        if (!start)
          continue;
        // The rows in the first elements of rows `padded` long.
        RankedTensorType narrow = empty.getType();
        SmallVector<int64_t> flat(narrow.getShape().take_front(*start));
        flat.push_back(row);
        SmallVector<int64_t> wide(flat);
        wide.back() = padded;
        rewriter.setInsertionPoint(empty);
        Location loc = empty.getLoc();
        Value view = viewOfWiderTensor(rewriter, loc, narrow.clone(flat), wide);
        if (narrow.getRank() != static_cast<int64_t>(flat.size()))
          view = tensor::ExpandShapeOp::create(
              rewriter, loc, narrow, view,
              trailingDimsJoined(narrow.getRank(), *start));
        rewriter.replaceOp(empty, view);
      }
    }
  }

  /// The length of B's rows where the fused regions that read `result` read
  /// it as B of products (the product of the trailing dimensions that they
  /// collapse into B's columns) and otherwise only elementwise; 0 where
  /// they do not, or read it in no product, or something else reads it.
  static int64_t productRow(OpResult result) {
    auto type = dyn_cast<RankedTensorType>(result.getType());
    if (!type || !type.hasStaticShape() || !type.getElementType().isF32() ||
        type.getRank() < 2 || result.use_empty())
      return 0;
    // The row: what the first product's B collapses the trailing
    // dimensions into.
    int64_t row = 0;
    for (OpOperand &use : result.getUses()) {
      auto reader = dyn_cast<FusedOp>(use.getOwner());
      if (!reader)
        return 0;
      Value arg = reader.getBody().front().getArgument(use.getOperandNumber());
      auto readsAsB = [](Operation *user, Value value) {
        return isa<linalg::MatmulOp>(user) && user->getOperand(1) == value;
      };
      for (Operation *user : arg.getUsers()) {
        if (readsAsB(user, arg))
          row = type.getShape().back();
        if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(user))
          for (Operation *next : collapse->getUsers())
            if (readsAsB(next, collapse.getResult()))
              row = collapse.getResultType().getShape().back();
      }
    }
    if (!row)
      return 0;
    bool product = false;
    for (OpOperand &use : result.getUses()) {
      auto reader = cast<FusedOp>(use.getOwner());
      if (!readAsProductRows(
              reader.getBody().front().getArgument(use.getOperandNumber()), row,
              product))
        return 0;
    }
    return product ? row : 0;
  }
};
} // namespace
