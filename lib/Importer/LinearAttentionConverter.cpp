//===- LinearAttentionConverter.cpp - ONNX LinearAttention ----------------===//
//
// LinearAttention (opset 27): the recurrent state S [B, H_kv, d_k, d_v] of
// linear attention, gated linear attention and (gated) DeltaNet, unrolled
// over the (static) sequence length at import time as the recurrent
// operators are. Per step t:
//   gated:  S <- exp(g_t) * S                        (per head or per key dim)
//   delta:  v_t <- beta_t * (v_t - k_t^T S)
//   always: S <- S + k_t ⊗ v_t;   o_t = (scale * q_t) S
// Each line is one batched op over [B, H_kv]: `k_t^T S` and the read are
// matmuls, the outer product a broadcast multiply. Grouped query heads read
// the state of their KV head: the queries are viewed as [B, H_kv, T, G, d_k]
// so that a step's read is one [G, d_k] x [d_k, d_v] product per KV head,
// and query head h = kv * G + g (ONNX's interleave-repeat order). The
// recurrence runs in float32 (the reference's accumulation type) whatever
// the inputs are; the output returns in the query's type, the state in
// past_state's (or the query's).
//
//===----------------------------------------------------------------------===//

#include "NodeContext.h"
#include "OpRegistry.h"

#include <cmath>

using namespace mlir;
using namespace mlir::autoglm;

namespace autoglm::importer {
namespace {
/// The unrolled steps are ops of the IR: a bound keeps a malformed length
/// from building millions of them.
constexpr int64_t kMaxSteps = 4096;

/// v[..., index, ...] along `axis`, keeping the axis (static shape).
Value step(NodeContext &n, Value v, int64_t axis, int64_t index) {
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> starts(type.getRank(), 0), ends(type.getShape()),
      steps(type.getRank(), 1);
  starts[axis] = index;
  ends[axis] = index + 1;
  return n.create<SliceOp>(v, n.b.getDenseI64ArrayAttr(starts),
                           n.b.getDenseI64ArrayAttr(ends),
                           n.b.getDenseI64ArrayAttr(steps));
}

/// [B, T, heads * width] -> float32 [B, heads, T, width] ([..., width, T]
/// with `widthFirst`: a step's column is then a slice).
Value unpack(NodeContext &n, Value x, int64_t heads, bool widthFirst = false) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t width = type.getDimSize(2) / heads;
  Value split =
      n.reshape(n.castTo(x, n.b.getF32Type()),
                {type.getDimSize(0), type.getDimSize(1), heads, width});
  if (!split)
    return nullptr;
  return widthFirst ? n.transpose(split, {0, 2, 3, 1})
                    : n.transpose(split, {0, 2, 1, 3});
}

LogicalResult convertLinearAttention(NodeContext &n) {
  if (failed(n.checkArity(3, 6, /*maxOutputs=*/2)))
    return failure();
  std::string rule = n.stringAttr("update_rule", "gated_delta");
  bool gated = rule == "gated" || rule == "gated_delta";
  bool delta = rule == "delta" || rule == "gated_delta";
  if (!gated && !delta && rule != "linear")
    return n.emitError() << "update_rule must be 'linear', 'gated', 'delta' "
                            "or 'gated_delta', got '"
                         << rule << "'";
  if (gated != n.hasInput(4))
    return n.emitError() << "update_rule '" << rule << "' "
                         << (gated ? "needs" : "takes no") << " decay input";
  if (delta != n.hasInput(5))
    return n.emitError() << "update_rule '" << rule << "' "
                         << (delta ? "needs" : "takes no") << " beta input";
  int64_t qHeads = n.intAttr("q_num_heads", 0);
  int64_t kvHeads = n.intAttr("kv_num_heads", 0);
  if (qHeads <= 0 || kvHeads <= 0 || qHeads % kvHeads != 0)
    return n.emitError() << "q_num_heads (" << qHeads
                         << ") must be a positive multiple of kv_num_heads ("
                         << kvHeads << ")";

  RankedTensorType qType = n.inputType(0), kType = n.inputType(1),
                   vType = n.inputType(2);
  static const char *const names[] = {"query", "key", "value"};
  for (auto [i, name] : llvm::enumerate(names)) {
    RankedTensorType type = n.inputType(static_cast<unsigned>(i));
    if (!isa<FloatType>(type.getElementType()))
      return n.emitError() << name << " must be floating-point";
    if (type.getRank() != 3)
      return n.emitError() << name << " must be 3-D [batch, sequence, heads * "
                           << "head size], got rank " << type.getRank();
    if (!type.hasStaticShape())
      return n.notKnown("the shapes of query, key and value");
  }
  int64_t batch = qType.getDimSize(0), steps = qType.getDimSize(1);
  if (qType.getDimSize(2) % qHeads || kType.getDimSize(2) % kvHeads ||
      vType.getDimSize(2) % kvHeads)
    return n.emitError() << "the last axis of query must be a multiple of "
                            "q_num_heads and those of key and value of "
                            "kv_num_heads";
  int64_t dk = qType.getDimSize(2) / qHeads, dv = vType.getDimSize(2) / kvHeads;
  if (kType.getShape() != ArrayRef<int64_t>{batch, steps, kvHeads * dk} ||
      vType.getDimSize(0) != batch || vType.getDimSize(1) != steps)
    return n.emitError() << "key must be [" << batch << ", " << steps << ", "
                         << kvHeads * dk << "] and value [" << batch << ", "
                         << steps << ", kv_num_heads * d_v] to match query";
  if (steps < 1 || steps > kMaxSteps)
    return n.emitError() << "a sequence of " << steps
                         << " steps is not supported (1 to " << kMaxSteps
                         << " steps are unrolled)";
  // The per-step gates: decay [B, T, H_kv] or [B, T, H_kv * d_k], beta
  // [B, T, H_kv] or [B, T, 1].
  auto checkGate = [&](unsigned i, StringRef name,
                       ArrayRef<int64_t> widths) -> LogicalResult {
    RankedTensorType type = n.inputType(i);
    if (type.getRank() == 3 && type.getDimSize(0) == batch &&
        type.getDimSize(1) == steps &&
        llvm::is_contained(widths, type.getDimSize(2)))
      return success();
    InFlightDiagnostic diag = n.emitError()
                              << name << " must be [" << batch << ", " << steps
                              << ", W] with W = ";
    llvm::interleave(widths, diag, " or ");
    return diag;
  };
  if ((gated && failed(checkGate(4, "decay", {kvHeads, kvHeads * dk}))) ||
      (delta && failed(checkGate(5, "beta", {kvHeads, 1}))))
    return failure();

  Type f32 = n.b.getF32Type();
  Type stateElement = qType.getElementType();
  Value state;
  if (n.hasInput(3)) {
    RankedTensorType stateType = n.inputType(3);
    if (stateType.getShape() != ArrayRef<int64_t>{batch, kvHeads, dk, dv} ||
        !isa<FloatType>(stateType.getElementType()))
      return n.emitError() << "past_state must be [batch, kv_num_heads, d_k, "
                              "d_v] = ["
                           << batch << ", " << kvHeads << ", " << dk << ", "
                           << dv << "] floating-point";
    stateElement = stateType.getElementType();
    state = n.castTo(n.input(3), f32);
  } else {
    state = n.constant(DenseElementsAttr::get(
        RankedTensorType::get({batch, kvHeads, dk, dv}, f32), 0.0f));
  }

  double scale = n.floatAttr("scale", 0.0);
  if (scale == 0.0)
    scale = 1.0 / std::sqrt(static_cast<double>(dk));
  int64_t group = qHeads / kvHeads;
  // Queries [B, H_kv, T, G, d_k], scaled once.
  Value queries =
      n.reshape(n.castTo(n.input(0), f32), {batch, steps, kvHeads, group, dk});
  queries = queries ? n.transpose(queries, {0, 2, 1, 3, 4}) : Value();
  queries = queries ? n.create<MulOp>(queries, n.scalar(f32, scale)) : Value();
  // Keys as rows [B, H_kv, T, d_k] (for k^T S) and columns [B, H_kv, d_k, T]
  // (for the outer product); values [B, H_kv, T, d_v].
  Value keyRows = delta ? unpack(n, n.input(1), kvHeads) : Value();
  Value keyColumns = unpack(n, n.input(1), kvHeads, /*widthFirst=*/true);
  Value values = unpack(n, n.input(2), kvHeads);
  // exp(decay) as [B, H_kv, 1 or d_k, T]: a step's slice scales S's rows.
  Value decay, beta;
  if (gated) {
    decay = unpack(n, n.input(4), kvHeads, /*widthFirst=*/true);
    decay = decay ? n.create<ExpOp>(decay) : Value();
  }
  // beta as [B, H_kv or 1, T, 1].
  if (delta)
    beta = unpack(n, n.input(5), n.inputType(5).getDimSize(2));
  if (!state || !queries || !keyColumns || !values || (gated && !decay) ||
      (delta && (!keyRows || !beta)))
    return failure();

  SmallVector<Value> outputs;
  for (int64_t t = 0; t < steps; ++t) {
    if (gated) {
      Value g = step(n, decay, 3, t);
      state = g ? n.create<MulOp>(state, g) : Value();
    }
    Value k = step(n, keyColumns, 3, t); // [B, H_kv, d_k, 1]
    Value v = step(n, values, 2, t);     // [B, H_kv, 1, d_v]
    if (delta && state && v) {
      Value kRow = step(n, keyRows, 2, t); // [B, H_kv, 1, d_k]
      Value retrieved = kRow ? n.create<MatMulOp>(kRow, state) : Value();
      Value residual = retrieved ? n.create<SubOp>(v, retrieved) : Value();
      Value rate = step(n, beta, 2, t);
      v = residual && rate ? n.create<MulOp>(residual, rate) : Value();
    }
    Value write = k && v ? n.create<MulOp>(k, v) : Value();
    state = state && write ? n.create<AddOp>(state, write) : Value();
    Value q = step(n, queries, 2, t);
    q = q ? n.reshape(q, {batch, kvHeads, group, dk}) : Value();
    Value read = q && state ? n.create<MatMulOp>(q, state) : Value();
    if (!read)
      return failure();
    outputs.push_back(read);
  }
  // [B, H_kv, T * G, d_v] -> [B, T, H_kv, G, d_v] -> [B, T, H_q * d_v].
  Value output = outputs.size() == 1
                     ? outputs.front()
                     : n.create<ConcatOp>(outputs, n.b.getI64IntegerAttr(2));
  output =
      output ? n.reshape(output, {batch, kvHeads, steps, group, dv}) : Value();
  output = output ? n.transpose(output, {0, 2, 1, 3, 4}) : Value();
  output = output ? n.reshape(output, {batch, steps, qHeads * dv}) : Value();
  output = output ? n.castTo(output, qType.getElementType()) : Value();
  Value present = n.castTo(state, stateElement);
  if (!output || !present)
    return failure();
  n.setOutput(0, output);
  if (n.hasOutput(1))
    n.setOutput(1, present);
  return success();
}
} // namespace

void registerLinearAttentionConverter(OpRegistry &registry) {
  registry.add("LinearAttention", convertLinearAttention);
}
} // namespace autoglm::importer
