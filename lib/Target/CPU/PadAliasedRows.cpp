//===- PadAliasedRows.cpp - --autoglm-pad-aliased-rows --------------------===//
//
// A register tile of a matrix product broadcasts, at each k, one element
// of each of its rows of A: the tall tiles' 8 or 12 rows
// (ContractionTiles.h) read 8 or 12 cache lines, one per row. Rows a
// multiple of 4 KiB apart (rows of 1024, 2048, 3072 ... floats, BERT-base's
// 128 x 3072 feed-forward activation) put all of those lines into one set
// of the 8-way (Zen 4) or 12-way (Xeon) L1 cache, beside the lines of B
// and C that map there, where they evict each other at every k. Where such an
// activation is the result of a fused region and is read only as A by matrix
// products, this pass gives it a buffer with 64 bytes after each row: the
// region writes a view of the first columns of a wider tensor, and
// bufferization carries the view's strides to the readers. On the 2-core Zen 4
// a 128 x 3072 x 768 product took 1.13x the time of a 128 x 3088 x 768 one
// (docs/decisions.md).
//
//===----------------------------------------------------------------------===//

#include "DestinationChain.h"
#include "autoglm/Dialect/AutoGLM.h"
#include "autoglm/Target/CPU/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMPADALIASEDROWS
#include "autoglm/Target/CPU/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {
constexpr int64_t kAliasedRowBytes = 4096, kRowPadBytes = 64;

/// Whether `type` is a static f32 tensor of several rows, its rows (last
/// dimension) a multiple of kAliasedRowBytes long.
bool hasAliasedRows(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor || !tensor.hasStaticShape() || tensor.getRank() < 2 ||
      !tensor.getElementType().isF32())
    return false;
  int64_t row = tensor.getShape().back();
  return row > 0 && row * 4 % kAliasedRowBytes == 0 &&
         tensor.getNumElements() / row >= 2;
}

/// Whether `op` is a reshape that keeps the last dimension as it is.
bool keepsRows(Operation *op) {
  SmallVector<ReassociationIndices> groups;
  if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(op))
    groups = collapse.getReassociationIndices();
  else if (auto expand = dyn_cast<tensor::ExpandShapeOp>(op))
    groups = expand.getReassociationIndices();
  else
    return false;
  return groups.back().size() == 1;
}

/// Whether `value` is read only as A of f32 matrix products, past
/// reshapes that keep its rows.
bool readAsProductLhsOnly(Value value) {
  if (value.use_empty())
    return false;
  for (OpOperand &use : value.getUses()) {
    Operation *user = use.getOwner();
    if (keepsRows(user)) {
      if (!readAsProductLhsOnly(user->getResult(0)))
        return false;
      continue;
    }
    if (!isa<linalg::MatmulOp>(user) || use.getOperandNumber() != 0)
      return false;
  }
  return true;
}

struct PadAliasedRowsPass
    : autoglm::impl::AutoGLMPadAliasedRowsBase<PadAliasedRowsPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<FusedOp> regions;
    getOperation().walk([&](FusedOp op) { regions.push_back(op); });
    for (FusedOp region : regions) {
      Operation *yield = region.getBody().front().getTerminator();
      for (OpResult result : region->getResults()) {
        if (!hasAliasedRows(result.getType()) || !readByProductsOnly(result))
          continue;
        Value yielded = yield->getOperand(result.getResultNumber());
        tensor::EmptyOp empty = yielded.hasOneUse()
                                    ? destinationEmpty(yielded, keepsRows)
                                    : nullptr;
        if (!empty || !hasAliasedRows(empty.getType()))
          continue;
        // The rows padded.
        RankedTensorType narrow = empty.getType();
        SmallVector<int64_t> shape(narrow.getShape());
        shape.back() += kRowPadBytes / 4;
        rewriter.setInsertionPoint(empty);
        rewriter.replaceOp(
            empty, viewOfWiderTensor(rewriter, empty.getLoc(), narrow, shape));
      }
    }
  }

  /// Whether every reader of `result` is a fused region that reads it only
  /// as A of matrix products.
  static bool readByProductsOnly(OpResult result) {
    if (result.use_empty())
      return false;
    for (OpOperand &use : result.getUses()) {
      auto reader = dyn_cast<FusedOp>(use.getOwner());
      if (!reader || !readAsProductLhsOnly(reader.getBody().front().getArgument(
                         use.getOperandNumber())))
        return false;
    }
    return true;
  }
};
} // namespace
