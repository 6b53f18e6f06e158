//===- AttentionConverter.cpp - ONNX Attention (opset 23) -----------------===//

#include "NodeContext.h"
#include "OpRegistry.h"

#include "onnx/onnx_pb.h"

#include <cmath>

using namespace mlir;
using namespace mlir::autoglm;

namespace autoglm::importer {
namespace {

/// [B, S, H * D] -> [B, H, S, D].
Value splitHeads(NodeContext &n, Value x, int64_t heads) {
  Value split = n.reshapeTo(x, {DimSpec::fromInput(0), DimSpec::fromInput(1),
                                DimSpec::literal(heads), DimSpec::literal(-1)});
  return split ? n.transpose(split, {0, 2, 1, 3}) : Value();
}

LogicalResult convertAttention(NodeContext &n) {
  if (failed(n.checkArity(3, 7, 3)))
    return failure();
  if (n.hasInput(6))
    return n.emitError() << "nonpad_kv_seqlen is not supported";
  if (n.floatAttr("softcap", 0.0) != 0.0)
    return n.emitError() << "softcap is not supported";
  if (n.hasInput(4) != n.hasInput(5))
    return n.emitError() << "past_key and past_value must be given together";

  Value q = n.input(0), k = n.input(1), v = n.input(2);
  int64_t rank = n.inputType(0).getRank();
  if ((rank != 3 && rank != 4) || n.inputType(1).getRank() != rank ||
      n.inputType(2).getRank() != rank)
    return n.emitError() << "Q, K and V must all be 3-D or all 4-D";
  if (rank == 3) {
    // Packed heads: the head counts come from the attributes.
    int64_t qHeads = n.intAttr("q_num_heads", 0), kvHeads = n.intAttr("kv_num_heads", 0);
    if (qHeads <= 0 || kvHeads <= 0)
      return n.emitError() << "3-D inputs need q_num_heads and kv_num_heads";
    q = splitHeads(n, q, qHeads);
    k = splitHeads(n, k, kvHeads);
    v = splitHeads(n, v, kvHeads);
    if (!q || !k || !v)
      return failure();
  }
  if (n.hasInput(4)) {
    // The cache grows along the sequence axis.
    k = n.create<ConcatOp>(ValueRange{n.input(4), k}, n.b.getI64IntegerAttr(2));
    v = k ? n.create<ConcatOp>(ValueRange{n.input(5), v}, n.b.getI64IntegerAttr(2))
          : Value();
    if (!k || !v)
      return failure();
  }
  // present_key / present_value are 4-D even for 3-D inputs, as k and v are.
  n.setOutput(1, k);
  n.setOutput(2, v);

  int64_t headSize = cast<RankedTensorType>(q.getType()).getDimSize(3);
  double scale;
  if (n.hasAttr("scale")) {
    scale = n.floatAttr("scale", 1.0);
  } else {
    if (ShapedType::isDynamic(headSize))
      return n.notKnown("the head size (for the default scale)");
    scale = 1.0 / std::sqrt(static_cast<double>(headSize));
  }
  Value y = n.create<AttentionOp>(q, k, v, n.input(3), n.b.getF64FloatAttr(scale),
                                  n.intAttr("is_causal", 0) ? n.b.getUnitAttr()
                                                            : UnitAttr());
  if (y && rank == 3) {
    // [B, H, S, Dv] -> [B, S, H * Dv]
    Value merged = n.transpose(y, {0, 2, 1, 3});
    auto type = merged ? cast<RankedTensorType>(merged.getType()) : nullptr;
    if (!type)
      return failure();
    int64_t heads = type.getDimSize(2), valueSize = type.getDimSize(3);
    DimSpec last = ShapedType::isDynamic(heads) || ShapedType::isDynamic(valueSize)
                       ? DimSpec::literal(-1)
                       : DimSpec::literal(heads * valueSize);
    y = n.reshapeTo(merged, {DimSpec::fromInput(0), DimSpec::fromInput(1), last});
  }
  return n.finish(y);
}

} // namespace

void registerAttentionConverter(OpRegistry &r) { r.add("Attention", convertAttention); }

} // namespace autoglm::importer
