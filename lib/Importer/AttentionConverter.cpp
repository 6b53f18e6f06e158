//===- AttentionConverter.cpp - ONNX Attention (opset 23) -----------------===//

#include "NodeContext.h"
#include "OpRegistry.h"

#include "onnx/onnx_pb.h"

#include <cmath>
#include <limits>

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

/// The additive or boolean mask of ONNX Attention whose key axis is shorter
/// than the keys: ONNX pads it at the end with "masked" (-inf or false), it
/// does not broadcast it.
Value padMaskKeys(NodeContext &n, Value mask, int64_t keys) {
  auto type = cast<RankedTensorType>(mask.getType());
  int64_t maskKeys = type.getShape().back();
  if (ShapedType::isDynamic(maskKeys) || maskKeys == keys)
    return mask;
  if (ShapedType::isDynamic(keys) || !type.hasStaticShape()) {
    (void)n.notKnown(
        "the key length and the attention mask's shape (to pad the "
        "mask)");
    return Value();
  }
  if (maskKeys > keys) {
    n.emitError() << "the attention mask has " << maskKeys
                  << " keys, more than the " << keys << " keys";
    return Value();
  }
  SmallVector<int64_t> shape(type.getShape());
  shape.back() = keys - maskKeys;
  auto padType = RankedTensorType::get(shape, type.getElementType());
  Attribute masked;
  if (type.getElementType().isInteger(1))
    masked = n.b.getBoolAttr(false);
  else
    masked = n.b.getFloatAttr(
        type.getElementType(),
        APFloat::getInf(
            cast<FloatType>(type.getElementType()).getFloatSemantics(),
            /*Negative=*/true));
  Value pad = n.constant(DenseElementsAttr::get(padType, masked));
  return n.create<ConcatOp>(ValueRange{mask, pad},
                            n.b.getI64IntegerAttr(type.getRank() - 1));
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
    int64_t qHeads = n.intAttr("q_num_heads", 0),
            kvHeads = n.intAttr("kv_num_heads", 0);
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
    v = k ? n.create<ConcatOp>(ValueRange{n.input(5), v},
                               n.b.getI64IntegerAttr(2))
          : Value();
    if (!k || !v)
      return failure();
  }
  // present_key / present_value are 4-D even for 3-D inputs, as k and v are.
  n.setOutput(1, k);
  n.setOutput(2, v);

  // ONNX's causal limit is aligned to the past: query i sees keys
  // j <= i + past_length, which is the op's `i + Sk - Sq` only with a past
  // (Sk = past + Sq) or with Sq == Sk. The sliding window (opset 25) is
  // relative to the same position. Where the op's `causal` cannot express
  // the limits, they become a constant [Sq, Sk] boolean mask.
  int64_t queries = cast<RankedTensorType>(q.getType()).getDimSize(2);
  int64_t keys = cast<RankedTensorType>(k.getType()).getDimSize(2);
  bool causal = n.intAttr("is_causal", 0) != 0;
  int64_t leftWindow = n.intAttr("left_window_size", -1);
  int64_t rightWindow = n.intAttr("right_window_size", -1);
  if (leftWindow < -1 || rightWindow < -1)
    return n.emitError()
           << "left_window_size and right_window_size must be -1 or "
              "non-negative";
  bool window = leftWindow >= 0 || rightWindow >= 0;
  bool causalAsOp =
      causal && !window &&
      (n.hasInput(4) || (!ShapedType::isDynamic(queries) && queries == keys));
  Value mask = n.hasInput(3) ? padMaskKeys(n, n.input(3), keys) : Value();
  if (n.hasInput(3) && !mask)
    return failure();
  if ((causal || window) && !causalAsOp) {
    int64_t past = n.hasInput(4) ? n.inputType(4).getDimSize(2) : 0;
    if (ShapedType::isDynamic(queries) || ShapedType::isDynamic(keys) ||
        ShapedType::isDynamic(past))
      return n.notKnown("the query, key and past lengths (for is_causal or the "
                        "attention window)");
    SmallVector<bool> allowed;
    allowed.reserve(queries * keys);
    for (int64_t i = 0; i < queries; ++i) {
      for (int64_t j = 0; j < keys; ++j) {
        // diff: how far key j lies before query i's position.
        int64_t diff = i + past - j;
        allowed.push_back((!causal || diff >= 0) &&
                          (leftWindow < 0 || diff <= leftWindow) &&
                          (rightWindow < 0 || -diff <= rightWindow));
      }
    }
    auto limitsType = RankedTensorType::get({queries, keys}, n.b.getI1Type());
    Value limits =
        n.constant(DenseElementsAttr::get(limitsType, ArrayRef(allowed)));
    if (!mask) {
      mask = limits;
    } else if (cast<RankedTensorType>(mask.getType())
                   .getElementType()
                   .isInteger(1)) {
      mask = n.create<AndOp>(mask, limits);
    } else {
      Type elementType =
          cast<RankedTensorType>(mask.getType()).getElementType();
      Value negInf =
          n.scalar(elementType, -std::numeric_limits<double>::infinity());
      mask = n.create<SelectOp>(limits, mask, negInf);
    }
    if (!mask)
      return failure();
  }

  int64_t headSize = cast<RankedTensorType>(q.getType()).getDimSize(3);
  double scale;
  if (n.hasAttr("scale")) {
    scale = n.floatAttr("scale", 1.0);
  } else {
    if (ShapedType::isDynamic(headSize))
      return n.notKnown("the head size (for the default scale)");
    scale = 1.0 / std::sqrt(static_cast<double>(headSize));
  }
  Value y = n.create<AttentionOp>(q, k, v, mask, n.b.getF64FloatAttr(scale),
                                  causalAsOp ? n.b.getUnitAttr() : UnitAttr());
  if (y && rank == 3) {
    // [B, H, S, Dv] -> [B, S, H * Dv]
    Value merged = n.transpose(y, {0, 2, 1, 3});
    auto type = merged ? cast<RankedTensorType>(merged.getType()) : nullptr;
    if (!type)
      return failure();
    int64_t heads = type.getDimSize(2), valueSize = type.getDimSize(3);
    DimSpec last =
        ShapedType::isDynamic(heads) || ShapedType::isDynamic(valueSize)
            ? DimSpec::literal(-1)
            : DimSpec::literal(heads * valueSize);
    y = n.reshapeTo(merged,
                    {DimSpec::fromInput(0), DimSpec::fromInput(1), last});
  }
  return n.finish(y);
}
} // namespace

void registerAttentionConverter(OpRegistry &r) {
  r.add("Attention", convertAttention);
}
} // namespace autoglm::importer
