//===- AttentionConverter.cpp - ONNX Attention and FlexAttention ----------===//

#include "NodeContext.h"
#include "OpRegistry.h"
#include "TensorConversion.h"

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

/// The limits that nonpad_kv_seqlen (opset 24, the external KV cache) puts
/// on each batch row: key j exists iff j < nonpad[b], and the causal limit
/// and the window are aligned to the end of the valid keys (query i sits at
/// position i + nonpad[b] - Sq). nonpad is a run-time input, so the limits
/// are a [B, 1, Sq, Sk] boolean computed by comparing constant index
/// tables with it.
Value nonpadLimits(NodeContext &n, int64_t queries, int64_t keys, bool causal,
                   int64_t leftWindow, int64_t rightWindow) {
  auto lengthsType = n.inputType(6);
  if (lengthsType.getRank() != 1 || !lengthsType.getElementType().isInteger()) {
    n.emitError() << "nonpad_kv_seqlen must be a 1-D integer tensor [batch]";
    return Value();
  }
  Type i64 = n.b.getI64Type();
  Value lengths = n.castTo(n.input(6), i64);
  lengths = lengths ? n.reshapeTo(lengths,
                                  {DimSpec::fromInput(0), DimSpec::literal(1),
                                   DimSpec::literal(1), DimSpec::literal(1)})
                    : Value();
  if (!lengths)
    return Value();
  // table(c)[i, j] = j - i + Sq + c, so that
  //   causal:       j <= i + nonpad - Sq      <=> table(0) <= nonpad
  //   left window:  i + nonpad - Sq - j <= L  <=> table(L) >= nonpad
  //   right window: j - (i + nonpad - Sq) <= R <=> table(-R) <= nonpad
  auto table = [&](int64_t c) {
    SmallVector<int64_t> values;
    values.reserve(queries * keys);
    for (int64_t i = 0; i < queries; ++i)
      for (int64_t j = 0; j < keys; ++j)
        values.push_back(j - i + queries + c);
    auto type = RankedTensorType::get({1, 1, queries, keys}, i64);
    return n.constant(DenseElementsAttr::get(type, ArrayRef(values)));
  };
  auto compare = [&](CmpPredicate predicate, Value lhs) {
    return n.create<CmpOp>(CmpPredicateAttr::get(n.ctx, predicate), lhs,
                           lengths);
  };
  SmallVector<int64_t> keyIndex;
  for (int64_t j = 0; j < keys; ++j)
    keyIndex.push_back(j);
  Value limits = compare(
      CmpPredicate::lt,
      n.constant(DenseElementsAttr::get(
          RankedTensorType::get({1, 1, 1, keys}, i64), ArrayRef(keyIndex))));
  auto also = [&](Value allowed) {
    limits = limits && allowed ? n.create<AndOp>(limits, allowed) : Value();
  };
  if (causal)
    also(compare(CmpPredicate::le, table(0)));
  if (leftWindow >= 0)
    also(compare(CmpPredicate::ge, table(leftWindow)));
  if (rightWindow >= 0)
    also(compare(CmpPredicate::le, table(-rightWindow)));
  return limits;
}

/// Adds the boolean `allowed` to the attention mask (none, boolean or
/// additive): positions it does not allow are masked.
Value restrictMask(NodeContext &n, Value mask, Value allowed) {
  if (!mask)
    return allowed;
  Type elementType = cast<RankedTensorType>(mask.getType()).getElementType();
  if (elementType.isInteger(1))
    return n.create<AndOp>(mask, allowed);
  Value negInf =
      n.scalar(elementType, -std::numeric_limits<double>::infinity());
  return n.create<SelectOp>(allowed, mask, negInf);
}

/// `lhs` [B, Hq, M, K] times `rhs` [B, Hkv, K, N] where each group of
/// Hq / Hkv consecutive query heads shares one key/value head: the query
/// heads are viewed as [B, Hkv, G, M, K] so the product broadcasts rhs
/// over the group instead of repeating it.
Value groupedMatMul(NodeContext &n, Value lhs, Value rhs) {
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  int64_t qHeads = lhsType.getDimSize(1);
  int64_t kvHeads = cast<RankedTensorType>(rhs.getType()).getDimSize(1);
  if (qHeads == kvHeads && !ShapedType::isDynamic(qHeads))
    return n.create<MatMulOp>(lhs, rhs);
  if (ShapedType::isDynamic(qHeads) || ShapedType::isDynamic(kvHeads)) {
    (void)n.notKnown("the query and key/value head counts");
    return Value();
  }
  if (kvHeads == 0 || qHeads % kvHeads != 0) {
    n.emitError() << "the " << qHeads
                  << " query heads are not a multiple of the " << kvHeads
                  << " key/value heads";
    return Value();
  }
  Value grouped =
      n.reshapeTo(lhs, {DimSpec::fromInput(0), DimSpec::literal(kvHeads),
                        DimSpec::literal(qHeads / kvHeads),
                        DimSpec::fromInput(2), DimSpec::fromInput(3)});
  Value rhsGrouped = n.reshapeTo(
      rhs, {DimSpec::fromInput(0), DimSpec::fromInput(1), DimSpec::literal(1),
            DimSpec::fromInput(2), DimSpec::fromInput(3)});
  Value product =
      grouped && rhsGrouped ? n.create<MatMulOp>(grouped, rhsGrouped) : Value();
  return product ? n.reshapeTo(product,
                               {DimSpec::fromInput(0), DimSpec::literal(qHeads),
                                DimSpec::fromInput(3), DimSpec::fromInput(4)})
                 : Value();
}

/// Attention spelled out step by step, as the ONNX function body computes
/// it, for what `autoglm.attention` does not express: softcap (applied to
/// the scaled scores before the mask) and the qk_matmul_output output. The
/// scores are `(Q * sqrt(scale)) (K * sqrt(scale))^T`; a row whose mask
/// hides every key gives zeros. Returns Y [B, Hq, Sq, Dv]; binds output 3.
Value explicitAttention(NodeContext &n, Value q, Value k, Value v, Value mask,
                        double scale, double softcap, int64_t mode) {
  auto qType = cast<RankedTensorType>(q.getType());
  Type elementType = qType.getElementType();
  Value rootScale = n.scalar(elementType, std::sqrt(scale));
  Value keysT = n.transpose(n.create<MulOp>(k, rootScale), {0, 1, 3, 2});
  Value scores =
      keysT ? groupedMatMul(n, n.create<MulOp>(q, rootScale), keysT) : Value();
  if (scores && softcap > 0) {
    Value cap = n.scalar(elementType, softcap);
    Value squashed = n.create<TanhOp>(n.create<DivOp>(scores, cap));
    scores = squashed ? n.create<MulOp>(squashed, cap) : Value();
  }
  if (!scores)
    return Value();
  Value qkOutput = scores;

  Value bias;
  if (mask) {
    bias = cast<RankedTensorType>(mask.getType()).getElementType().isInteger(1)
               ? n.create<SelectOp>(
                     mask, n.scalar(elementType, 0),
                     n.scalar(elementType,
                              -std::numeric_limits<double>::infinity()))
               : n.castTo(mask, elementType);
    scores = bias ? n.create<AddOp>(scores, bias) : Value();
    if (!scores)
      return Value();
  }
  if (mode == 2)
    qkOutput = scores;

  // softmax_precision: the softmax runs in that type (e.g. float for
  // float16 inputs), the probabilities return to the inputs' type.
  Type softmaxType = elementType;
  if (n.hasAttr("softmax_precision")) {
    softmaxType = convertElementType(
        static_cast<int32_t>(n.intAttr("softmax_precision", 1)), n.ctx);
    if (!softmaxType || !isa<FloatType>(softmaxType)) {
      n.emitError() << "softmax_precision must be a floating-point type";
      return Value();
    }
  }
  Value probabilities = n.create<SoftmaxOp>(
      n.castTo(scores, softmaxType), n.b.getI64IntegerAttr(3), UnitAttr());
  if (probabilities && bias) {
    // Rows that the mask hides entirely: softmax of -inf everywhere is NaN;
    // ONNX gives zeros, decided on the mask, not on the scores.
    int64_t last = cast<RankedTensorType>(bias.getType()).getRank() - 1;
    Value rowMax =
        n.create<ReduceOp>(ReduceKindAttr::get(n.ctx, ReduceKind::max), bias,
                           n.b.getDenseI64ArrayAttr({last}), n.b.getUnitAttr());
    Value hidden =
        rowMax ? n.create<CmpOp>(
                     CmpPredicateAttr::get(n.ctx, CmpPredicate::eq), rowMax,
                     n.scalar(elementType,
                              -std::numeric_limits<double>::infinity()))
               : Value();
    probabilities = hidden
                        ? n.create<SelectOp>(hidden, n.scalar(softmaxType, 0),
                                             probabilities)
                        : Value();
  }
  probabilities =
      probabilities ? n.castTo(probabilities, elementType) : Value();
  if (!probabilities)
    return Value();
  if (mode == 3)
    qkOutput = probabilities;
  n.setOutput(3, qkOutput);
  return groupedMatMul(n, probabilities, v);
}

LogicalResult convertAttention(NodeContext &n) {
  if (failed(n.checkArity(3, 7, 4)))
    return failure();
  bool nonpad = n.hasInput(6);
  if (nonpad && n.hasInput(4))
    return n.emitError()
           << "nonpad_kv_seqlen cannot be combined with past_key/past_value";
  double softcap = n.floatAttr("softcap", 0.0);
  if (softcap < 0)
    return n.emitError() << "softcap must be non-negative, got " << softcap;
  int64_t mode = n.intAttr("qk_matmul_output_mode", 0);
  if (mode < 0 || mode > 3)
    return n.emitError() << "qk_matmul_output_mode must be 0, 1, 2 or 3, got "
                         << mode;
  // softcap and the qk_matmul_output output have no place in
  // autoglm.attention: such nodes are decomposed.
  bool explicitSteps = softcap > 0 || n.hasOutput(3);
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
  // the limits, they become a constant [Sq, Sk] boolean mask (a run-time
  // one with nonpad_kv_seqlen).
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
      causal && !window && !nonpad && !explicitSteps &&
      (n.hasInput(4) || (!ShapedType::isDynamic(queries) && queries == keys));
  Value mask = n.hasInput(3) ? padMaskKeys(n, n.input(3), keys) : Value();
  if (n.hasInput(3) && !mask)
    return failure();
  if ((causal || window || nonpad) && !causalAsOp) {
    int64_t past = n.hasInput(4) ? n.inputType(4).getDimSize(2) : 0;
    if (ShapedType::isDynamic(queries) || ShapedType::isDynamic(keys) ||
        ShapedType::isDynamic(past))
      return n.notKnown("the query, key and past lengths (for is_causal, the "
                        "attention window or nonpad_kv_seqlen)");
    Value limits;
    if (nonpad) {
      limits = nonpadLimits(n, queries, keys, causal, leftWindow, rightWindow);
    } else {
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
      limits =
          n.constant(DenseElementsAttr::get(limitsType, ArrayRef(allowed)));
    }
    mask = limits ? restrictMask(n, mask, limits) : Value();
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
  Value y;
  if (explicitSteps) {
    if (scale < 0)
      return n.emitError() << "with softcap or qk_matmul_output the scale "
                              "must be non-negative, got "
                           << scale;
    y = explicitAttention(n, q, k, v, mask, scale, softcap, mode);
  } else {
    y = n.create<AttentionOp>(q, k, v, mask, n.b.getF64FloatAttr(scale),
                              causalAsOp ? n.b.getUnitAttr() : UnitAttr());
  }
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

/// FlexAttention (domain ai.onnx.preview, version 1): rank-4 attention
/// [B, H, L, E] with grouped KV heads, the scores `(Q·√scale)(K·√scale)ᵀ`
/// taken to the softmax type (`softmax_precision`; float32 for 16-bit
/// inputs, else the inputs' type), the softmax, the product with V in that
/// type and the result in V's type. When the softmax runs in the inputs'
/// type this is exactly one `autoglm.attention`. The `score_mod` and
/// `prob_mod` subgraphs are refused by the importer before this converter
/// runs (subgraph attributes are not imported).
LogicalResult convertFlexAttention(NodeContext &n) {
  if (failed(n.checkArity(3, 3)))
    return failure();
  // The score and probability modifiers are subgraphs applied inside the
  // attention; imported without them the result would be silently wrong.
  if (n.hasAttr("score_mod") || n.hasAttr("prob_mod"))
    return n.emitError() << "subgraph attributes are not supported "
                            "(score_mod, prob_mod)";
  RankedTensorType qType = n.inputType(0), kType = n.inputType(1),
                   vType = n.inputType(2);
  if (qType.getRank() != 4 || kType.getRank() != 4 || vType.getRank() != 4)
    return n.emitError() << "Q, K and V must be 4-D [batch, heads, sequence, "
                            "head size]";
  Type element = qType.getElementType();
  if (!isa<FloatType>(element) || kType.getElementType() != element ||
      vType.getElementType() != element)
    return n.emitError() << "Q, K and V must have one floating-point type";
  auto differ = [](int64_t a, int64_t b) {
    return !ShapedType::isDynamic(a) && !ShapedType::isDynamic(b) && a != b;
  };
  if (differ(kType.getDimSize(1), vType.getDimSize(1)) ||
      differ(kType.getDimSize(2), vType.getDimSize(2)))
    return n.emitError() << "K and V must have the same heads and sequence "
                            "length";
  if (differ(qType.getDimSize(3), kType.getDimSize(3)))
    return n.emitError() << "Q and K must have the same head size";
  double scale;
  if (n.hasAttr("scale")) {
    scale = n.floatAttr("scale", 1.0);
  } else {
    if (qType.isDynamicDim(3))
      return n.notKnown("the head size (for the default scale)");
    scale = 1.0 / std::sqrt(static_cast<double>(qType.getDimSize(3)));
  }
  Type softmaxType =
      element.getIntOrFloatBitWidth() < 32 ? Type(n.b.getF32Type()) : element;
  if (n.hasAttr("softmax_precision")) {
    softmaxType = convertElementType(
        static_cast<int32_t>(n.intAttr("softmax_precision", 1)), n.ctx);
    if (!softmaxType || !isa<FloatType>(softmaxType))
      return n.emitError() << "softmax_precision must be a floating-point "
                              "type";
  }
  Value q = n.input(0), k = n.input(1), v = n.input(2);
  if (softmaxType == element) {
    if (differ(qType.getDimSize(1), kType.getDimSize(1)) &&
        qType.getDimSize(1) % kType.getDimSize(1) != 0)
      return n.emitError() << "the " << qType.getDimSize(1)
                           << " query heads are not a multiple of the "
                           << kType.getDimSize(1) << " key/value heads";
    return n.finish(n.create<AttentionOp>(
        q, k, v, Value(), n.b.getF64FloatAttr(scale), UnitAttr()));
  }
  if (scale < 0)
    return n.emitError() << "with a softmax in another type than the inputs' "
                            "the scale must be non-negative, got "
                         << scale;
  Value rootScale = n.scalar(element, std::sqrt(scale));
  Value keysT = n.transpose(n.create<MulOp>(k, rootScale), {0, 1, 3, 2});
  Value scores =
      keysT ? groupedMatMul(n, n.create<MulOp>(q, rootScale), keysT) : Value();
  Value probabilities =
      scores ? n.create<SoftmaxOp>(n.castTo(scores, softmaxType),
                                   n.b.getI64IntegerAttr(3), UnitAttr())
             : Value();
  Value y = probabilities
                ? groupedMatMul(n, probabilities, n.castTo(v, softmaxType))
                : Value();
  return n.finish(y ? n.castTo(y, element) : Value());
}
} // namespace

void registerAttentionConverter(OpRegistry &r) {
  r.add("Attention", convertAttention);
  r.add("ai.onnx.preview", "FlexAttention", convertFlexAttention);
}
} // namespace autoglm::importer
