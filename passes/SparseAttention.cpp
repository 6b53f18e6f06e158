//===- SparseAttention.cpp - decode attention as top-k attention ----------===//
//
// --autoglm-sparse-attention (k, sink, window, max-queries): every
// `autoglm.attention` that is decode attention becomes an
// `autoglm.topk_attention` with the same operands, scale and causal limit.
//
// Decode attention is what gains: a few queries against a long key cache
// are bound by reading the keys and values, and the top-k kernel reads
// every key once but only the kept value rows, and computes the softmax
// over the kept scores alone. Prefill and encoders (many queries) compute
// every score anyway and gain nothing, while losing accuracy; a key set no
// longer than the budget would keep every key. Those stay dense, and the
// optimization report says so per ONNX node:
//
//   topk-attention               rewritten
//   kept-dense-many-queries      more than max-queries queries (prefill)
//   kept-dense-short-keys        at most k + sink + window keys
//   kept-dense-dynamic-shape     query or key length unknown at compile time
//
//===----------------------------------------------------------------------===//

#include "autoglm/Passes/Passes.h"
#include "autoglm/Passes/Report.h"

#include "mlir/IR/PatternMatch.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_SPARSEATTENTION
#include "autoglm/Passes/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {
// The pass argument: the optimization report lists rules under it.
constexpr StringLiteral kPass = "autoglm-sparse-attention";

struct SparseAttentionPass
    : autoglm::impl::SparseAttentionBase<SparseAttentionPass> {
  using SparseAttentionBase::SparseAttentionBase;

  /// The report rule for `op`: "topk-attention" when it is rewritten, the
  /// reason it stays dense otherwise.
  StringRef classify(AttentionOp op) const {
    int64_t queries =
        cast<RankedTensorType>(op.getQuery().getType()).getDimSize(2);
    int64_t keys = cast<RankedTensorType>(op.getKey().getType()).getDimSize(2);
    if (ShapedType::isDynamic(queries) || ShapedType::isDynamic(keys))
      return "kept-dense-dynamic-shape";
    if (queries > maxQueries)
      return "kept-dense-many-queries";
    if (keys <= topK + sink + window)
      return "kept-dense-short-keys";
    return "topk-attention";
  }

  LogicalResult initialize(MLIRContext *context) override {
    if (topK >= 1 && sink >= 0 && window >= 0 && maxQueries >= 1)
      return success();
    return emitError(UnknownLoc::get(context))
           << "--autoglm-sparse-attention needs k >= 1, sink >= 0, window "
              ">= 0 and max-queries >= 1 (got k="
           << int64_t(topK) << ", sink=" << int64_t(sink)
           << ", window=" << int64_t(window)
           << ", max-queries=" << int64_t(maxQueries) << ")";
  }

  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<AttentionOp> attentions;
    getOperation().walk([&](AttentionOp op) { attentions.push_back(op); });
    for (AttentionOp op : attentions) {
      StringRef rule = classify(op);
      recordRewrite(op->getContext(), kPass, rule, {op.getLoc()});
      if (rule != "topk-attention")
        continue;
      rewriter.setInsertionPoint(op);
      rewriter.replaceOpWithNewOp<TopKAttentionOp>(
          op, op.getType(), op.getQuery(), op.getKey(), op.getValue(),
          op.getMask(), op.getScaleAttr(), op.getCausalAttr(),
          rewriter.getI64IntegerAttr(topK), rewriter.getI64IntegerAttr(sink),
          rewriter.getI64IntegerAttr(window));
    }
  }
};
} // namespace
