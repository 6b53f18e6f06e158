//===- DecodeAttention.cpp - which attention top-k may rewrite ------------===//

#include "DecodeAttention.h"

#include "autoglm/Passes/Report.h"

using namespace mlir;
using namespace mlir::autoglm;

StringRef mlir::autoglm::classifyDecodeAttention(AttentionOp op,
                                                 const DecodeBudget &budget) {
  int64_t queries =
      cast<RankedTensorType>(op.getQuery().getType()).getDimSize(2);
  int64_t keys = cast<RankedTensorType>(op.getKey().getType()).getDimSize(2);
  if (ShapedType::isDynamic(queries) || ShapedType::isDynamic(keys))
    return "kept-dense-dynamic-shape";
  if (queries > budget.maxQueries)
    return "kept-dense-many-queries";
  if (keys <= budget.topK + budget.sink + budget.window)
    return "kept-dense-short-keys";
  return "topk-attention";
}

std::string mlir::autoglm::attentionNodeName(AttentionOp op) {
  return nodeNames(op.getLoc());
}
