//===- HighLevelOps.cpp - attention, fused regions, quantization ----------===//

#include "ShapeInference.h"
#include "autoglm/Dialect/AutoGLM.h"

#include "mlir/IR/PatternMatch.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"

using namespace mlir;
using namespace mlir::autoglm;

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

/// Shapes of query/key/value: B x Hq x Sq x D, B x Hkv x Sk x D,
/// B x Hkv x Sk x Dv. The result is B x Hq x Sq x Dv.
static LogicalResult inferAttention(std::optional<Location> loc, Type queryType,
                                    Type keyType, Type valueType,
                                    SmallVectorImpl<Type> &inferred) {
  auto q = cast<RankedTensorType>(queryType);
  auto k = cast<RankedTensorType>(keyType);
  auto v = cast<RankedTensorType>(valueType);
  if (q.getRank() != 4 || k.getRank() != 4 || v.getRank() != 4)
    return failInference(loc, "query, key and value must be 4-D "
                              "(batch x heads x sequence x head size)");
  if (q.getElementType() != k.getElementType() ||
      q.getElementType() != v.getElementType())
    return failInference(loc, "query, key and value element types differ");
  auto agree = [](int64_t a, int64_t b) {
    return a == b || ShapedType::isDynamic(a) || ShapedType::isDynamic(b);
  };
  if (!agree(q.getDimSize(0), k.getDimSize(0)) ||
      !agree(q.getDimSize(0), v.getDimSize(0)))
    return failInference(loc, "batch sizes of query, key and value differ");
  if (!agree(k.getDimSize(1), v.getDimSize(1)) ||
      !agree(k.getDimSize(2), v.getDimSize(2)))
    return failInference(loc,
                         "key and value differ in heads or sequence length");
  if (!agree(q.getDimSize(3), k.getDimSize(3)))
    return failInference(loc, "query and key head sizes differ");
  int64_t hq = q.getDimSize(1), hkv = k.getDimSize(1);
  if (!ShapedType::isDynamic(hq) && !ShapedType::isDynamic(hkv) &&
      (hkv == 0 || hq % hkv != 0))
    return failInference(loc, "query heads (" + Twine(hq) +
                                  ") must be a multiple of key/value heads (" +
                                  Twine(hkv) + ")");
  inferred.push_back(RankedTensorType::get(
      {q.getDimSize(0), hq, q.getDimSize(2), v.getDimSize(3)},
      q.getElementType()));
  return success();
}

/// The mask broadcasts to B x Hq x Sq x Sk and is boolean or of the query's
/// element type.
static LogicalResult verifyAttentionMask(Operation *op, Value query, Value key,
                                         Value mask) {
  if (!mask)
    return success();
  auto q = cast<RankedTensorType>(query.getType());
  auto k = cast<RankedTensorType>(key.getType());
  auto m = cast<RankedTensorType>(mask.getType());
  // verify() runs before the result type is checked against inference
  // (InferTypeOpInterface verifies with the regions); the ranks are reported
  // there.
  if (q.getRank() != 4 || k.getRank() != 4)
    return success();
  if (!m.getElementType().isInteger(1) &&
      m.getElementType() != q.getElementType())
    return op->emitOpError(
        "mask must be boolean or of the query's element type");
  // The mask broadcasts *to* the scores: aligned from the right, each of its
  // dimensions is 1 or the scores' size. Mere broadcast compatibility is not
  // enough, a mask must not widen the scores (e.g. Sq = 1 against a mask
  // with 4 query rows).
  int64_t scores[] = {q.getDimSize(0), q.getDimSize(1), q.getDimSize(2),
                      k.getDimSize(2)};
  bool fits = m.getRank() <= 4;
  for (auto [maskDim, scoreDim] :
       llvm::zip(llvm::reverse(m.getShape()), llvm::reverse(scores)))
    fits &= maskDim == 1 || maskDim == scoreDim ||
            ShapedType::isDynamic(maskDim) || ShapedType::isDynamic(scoreDim);
  if (!fits)
    return op->emitOpError("mask does not broadcast to the attention scores");
  return success();
}

LogicalResult AttentionOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  return inferAttention(loc, adaptor.getQuery().getType(),
                        adaptor.getKey().getType(),
                        adaptor.getValue().getType(), inferred);
}

LogicalResult AttentionOp::verify() {
  return verifyAttentionMask(*this, getQuery(), getKey(), getMask());
}

LogicalResult
SparseAttentionOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                    Adaptor adaptor,
                                    SmallVectorImpl<Type> &inferred) {
  return inferAttention(loc, adaptor.getQuery().getType(),
                        adaptor.getKey().getType(),
                        adaptor.getValue().getType(), inferred);
}

LogicalResult SparseAttentionOp::verify() {
  if (getTopK() < 1)
    return emitOpError("top_k must be positive, got ") << getTopK();
  return verifyAttentionMask(*this, getQuery(), getKey(), getMask());
}

LogicalResult
TopKAttentionOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                  Adaptor adaptor,
                                  SmallVectorImpl<Type> &inferred) {
  return inferAttention(loc, adaptor.getQuery().getType(),
                        adaptor.getKey().getType(),
                        adaptor.getValue().getType(), inferred);
}

LogicalResult TopKAttentionOp::verify() {
  // I64Attr's getters are unsigned: read the signed values.
  int64_t topK = getTopKAttr().getInt(), sink = getSinkAttr().getInt(),
          window = getWindowAttr().getInt();
  if (topK < 1)
    return emitOpError("top_k must be positive, got ") << topK;
  if (sink < 0)
    return emitOpError("sink must not be negative, got ") << sink;
  if (window < 0)
    return emitOpError("window must not be negative, got ") << window;
  if (failed(verifyAttentionMask(*this, getQuery(), getKey(), getMask())))
    return failure();
  return verifyPages();
}

/// Page granularity: a page size with both bounds, of shape
/// B x Hkv x Sk/page_size x D and the key's element type.
LogicalResult TopKAttentionOp::verifyPages() {
  bool bounds = getPageMin() && getPageMax();
  if (!getPageSizeAttr() && !getPageMin() && !getPageMax())
    return success();
  if (!getPageSizeAttr() || !bounds)
    return emitOpError("page granularity needs page_size, page_min and "
                       "page_max together");
  int64_t page = getPageSizeAttr().getInt();
  if (page < 1)
    return emitOpError("page_size must be positive, got ") << page;
  auto key = cast<ShapedType>(getKey().getType());
  if (!key.hasRank() || key.getRank() != 4)
    return emitOpError("page granularity needs a 4-D key");
  int64_t keys = key.getDimSize(2);
  if (!ShapedType::isDynamic(keys) && keys % page != 0)
    return emitOpError("page_size ")
           << page << " does not divide the " << keys << " keys";
  SmallVector<int64_t> expected = {
      key.getDimSize(0), key.getDimSize(1),
      ShapedType::isDynamic(keys) ? ShapedType::kDynamic : keys / page,
      key.getDimSize(3)};
  for (Value bound : {getPageMin(), getPageMax()}) {
    auto type = cast<ShapedType>(bound.getType());
    if (type.getElementType() != key.getElementType() || !type.hasRank() ||
        failed(verifyCompatibleShape(type.getShape(), expected)))
      return emitOpError("page bounds must be ")
             << RankedTensorType::get(expected, key.getElementType())
             << " (batch, key/value heads, pages, head size), got "
             << bound.getType();
  }
  return success();
}

//===----------------------------------------------------------------------===//
// FusedOp
//===----------------------------------------------------------------------===//

LogicalResult FusedOp::verifyRegions() {
  Block &body = getBody().front();
  if (body.getNumArguments() != getInputs().size())
    return emitOpError("body has ")
           << body.getNumArguments() << " arguments for " << getInputs().size()
           << " inputs";
  for (auto [i, pair] :
       llvm::enumerate(llvm::zip(body.getArguments(), getInputs())))
    if (std::get<0>(pair).getType() != std::get<1>(pair).getType())
      return emitOpError("body argument ")
             << i << " has type " << std::get<0>(pair).getType()
             << " but input " << i << " has type "
             << std::get<1>(pair).getType();
  auto yield = cast<YieldOp>(body.getTerminator());
  if (yield.getValues().getTypes() != getResultTypes())
    return emitOpError("yields types that differ from the results");
  return success();
}

void mlir::autoglm::inlineFusedOp(RewriterBase &rewriter, FusedOp op) {
  Block &body = op.getBody().front();
  auto yield = cast<YieldOp>(body.getTerminator());
  SmallVector<Value> results;
  for (Value value : yield.getValues()) {
    auto argument = dyn_cast<BlockArgument>(value);
    results.push_back(argument && argument.getOwner() == &body
                          ? op.getInputs()[argument.getArgNumber()]
                          : value);
  }
  rewriter.eraseOp(yield);
  rewriter.inlineBlockBefore(&body, op, op.getInputs());
  rewriter.replaceOp(op, results);
}

//===----------------------------------------------------------------------===//
// Quantization
//===----------------------------------------------------------------------===//

/// The uniform quantized element type of `type`, if any.
static quant::QuantizedType getQuantizedElement(Type type) {
  return dyn_cast<quant::QuantizedType>(getElementTypeOrSelf(type));
}

static LogicalResult verifyQuantizedPair(Operation *op, Type floatType,
                                         Type quantizedType) {
  quant::QuantizedType element = getQuantizedElement(quantizedType);
  if (!element ||
      !isa<quant::UniformQuantizedType, quant::UniformQuantizedPerAxisType>(
          element))
    return op->emitOpError("expects a !quant.uniform element type, got ")
           << getElementTypeOrSelf(quantizedType);
  if (element.getExpressedType() != getElementTypeOrSelf(floatType))
    return op->emitOpError("quantized type expresses ")
           << element.getExpressedType() << " but the float side is "
           << getElementTypeOrSelf(floatType);
  if (auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(element)) {
    auto shaped = cast<RankedTensorType>(quantizedType);
    int32_t axis = perAxis.getQuantizedDimension();
    if (axis >= shaped.getRank())
      return op->emitOpError("quantized dimension ")
             << axis << " is out of range for rank " << shaped.getRank();
    int64_t dim = shaped.getDimSize(axis);
    if (!ShapedType::isDynamic(dim) &&
        dim != (int64_t)perAxis.getScales().size())
      return op->emitOpError("per-axis type has ")
             << perAxis.getScales().size() << " scales for dimension " << axis
             << " of size " << dim;
  }
  return success();
}

LogicalResult QuantizeOp::verify() {
  return verifyQuantizedPair(*this, getInput().getType(), getType());
}

LogicalResult DequantizeOp::verify() {
  return verifyQuantizedPair(*this, getType(), getInput().getType());
}
