//===- DecodeAttention.h - which attention top-k may rewrite ----*- C++ -*-===//
//
// Internal to the passes library: what --autoglm-sparse-attention and
// --autoglm-instrument-attention-mass agree on, so that the measurement
// build of --sparse-attention=auto measures exactly the attention nodes the
// rewrite would consider, under the names the rewrite looks them up by.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_PASSES_DECODEATTENTION_H
#define AUTOGLM_PASSES_DECODEATTENTION_H

#include "autoglm/Dialect/AutoGLM.h"

#include <string>

namespace mlir::autoglm {
/// A top-k budget and the most queries decode attention has.
struct DecodeBudget {
  int64_t topK, sink, window, maxQueries;
};

/// The report rule for `op` under `budget`: "topk-attention" when top-k
/// attention may replace it, otherwise why it stays dense
/// ("kept-dense-dynamic-shape", "kept-dense-many-queries",
/// "kept-dense-short-keys").
StringRef classifyDecodeAttention(AttentionOp op, const DecodeBudget &budget);

/// The name an attention node's mass is measured and looked up under: its
/// ONNX node names (several for a chain that fusion recognised).
std::string attentionNodeName(AttentionOp op);
} // namespace mlir::autoglm

#endif // AUTOGLM_PASSES_DECODEATTENTION_H
