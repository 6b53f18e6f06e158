//===- IntegerQdqProducts.cpp - QDQ matmuls as integer products
//------------===//
//
// --autoglm-integer-qdq-products: a model quantized in ONNX's QDQ format
// (ONNX Runtime's quantize_static) computes each product as
//
//   MatMul(DequantizeLinear(QuantizeLinear(x)), DequantizeLinear(W_q))
//
// which imports as a float product of dequantized values. This pass makes
// it the integer product it stands for, in the form the int8 precision
// mode gives its products (passes/QuantizeInt8.cpp), so that the CPU
// target runs it on VNNI where it has it:
//
//   x_u8 = saturate(round(x / s_x) + z_x)           (uint8)
//   acc  = x_u8 . W_q - z_x * colsum(W_q)            (i32, exact)
//   y    = f32(acc) * (s_x * s_w[n])
//
// The activation is always made uint8: int8 storage with zero point z is
// the same values plus 128 with zero point z + 128 (exactly), and uint8 x
// int8 is what vpdpbusd multiplies. Weights with a zero point are made int8
// less it where that fits; otherwise they stay 8-bit with the zero point
// subtracted through the row sums of x (a generic i32 product).
//
//===----------------------------------------------------------------------===//

#include "ConstantEvaluator.h"
#include "autoglm/Dialect/AutoGLM.h"
#include "autoglm/Passes/Passes.h"
#include "autoglm/Passes/Report.h"

#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/StringExtras.h"

#include <cmath>

namespace mlir::autoglm {
#define GEN_PASS_DEF_INTEGERQDQPRODUCTS
#include "autoglm/Passes/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {
/// A quantized activation: the float value and its per-tensor parameters.
struct QuantizedActivation {
  Value x;
  double scale;
  int64_t zeroPoint; // of the uint8 form
};

/// The input of `v = dequantize(quantize(x))` with per-tensor 8-bit
/// parameters, its zero point moved to uint8.
std::optional<QuantizedActivation> matchActivation(Value v) {
  auto dq = v.getDefiningOp<DequantizeOp>();
  auto q = dq ? dq.getInput().getDefiningOp<QuantizeOp>() : QuantizeOp();
  if (!q)
    return std::nullopt;
  auto type =
      dyn_cast<quant::UniformQuantizedType>(getElementTypeOrSelf(q.getType()));
  if (!type || type.getStorageTypeIntegralWidth() != 8 ||
      !type.getExpressedType().isF32() || type.getScale() <= 0)
    return std::nullopt;
  int64_t zeroPoint = type.getZeroPoint() + (type.isSigned() ? 128 : 0);
  return QuantizedActivation{q.getInput(), type.getScale(), zeroPoint};
}

/// A quantized constant weight: its integer values (row-major), and per
/// channel (a matmul's column, a convolution's output) the scale and zero
/// point.
struct QuantizedWeight {
  RankedTensorType type;
  unsigned width; // of the storage: 8, or 32 for a bias
  int64_t k, n;
  std::vector<int64_t> values;
  std::vector<double> scales;
  std::vector<int64_t> zeroPoints;
  bool isSigned;
};

/// The weight of `v = dequantize(quant.scast(constant))`, per tensor or per
/// axis along `axis` (N = 1 of a matmul's [K, N], O = 0 of a convolution's
/// [O, C, k...]); `k` and `n` are the sizes before and from `axis` on
/// folded (a convolution: k = 1).
std::optional<QuantizedWeight> matchWeight(Value v, int64_t axis) {
  auto dq = v.getDefiningOp<DequantizeOp>();
  auto cast = dq ? dq.getInput().getDefiningOp<quant::StorageCastOp>()
                 : quant::StorageCastOp();
  ElementsAttr attr;
  if (!cast || !matchPattern(cast.getInput(), m_Constant(&attr)))
    return std::nullopt;
  std::optional<ConstTensor> raw = ConstTensor::read(attr);
  auto qtype = dyn_cast<quant::QuantizedType>(
      getElementTypeOrSelf(dq.getInput().getType()));
  unsigned width = qtype ? qtype.getStorageTypeIntegralWidth() : 0;
  if (!raw || raw->isFloat() || !qtype ||
      (axis == 1 && raw->type.getRank() != 2) || (width != 8 && width != 32) ||
      !qtype.getExpressedType().isF32())
    return std::nullopt;
  QuantizedWeight w;
  w.k = axis == 1 ? raw->type.getDimSize(0) : 1;
  w.n = raw->type.getDimSize(axis);
  w.type = raw->type;
  w.width = width;
  w.isSigned = qtype.isSigned();
  w.values.resize(raw->size());
  for (int64_t i = 0; i < raw->size(); ++i)
    w.values[i] = width == 32  ? raw->ints[i]
                  : w.isSigned ? int64_t(int8_t(raw->ints[i]))
                               : int64_t(uint8_t(raw->ints[i]));
  if (auto t = dyn_cast<quant::UniformQuantizedType>(qtype)) {
    w.scales.assign(w.n, t.getScale());
    w.zeroPoints.assign(w.n, t.getZeroPoint());
  } else if (auto t = dyn_cast<quant::UniformQuantizedPerAxisType>(qtype)) {
    if (t.getQuantizedDimension() != axis)
      return std::nullopt;
    w.scales.assign(t.getScales().begin(), t.getScales().end());
    w.zeroPoints.assign(t.getZeroPoints().begin(), t.getZeroPoints().end());
  } else {
    return std::nullopt;
  }
  return w;
}

Value constantOf(OpBuilder &b, Location loc, const ConstTensor &t,
                 StringRef name) {
  ElementsAttr attr = t.toAttr(name);
  return ConstantOp::create(b, loc, attr.getType(), attr);
}

std::string blobName(StringRef prefix, Location loc) {
  std::string name = prefix.str();
  for (char c : nodeNames(loc))
    name.push_back(llvm::isAlnum(c) ? c : '_');
  return name;
}

struct IntegerQdqProducts
    : autoglm::impl::IntegerQdqProductsBase<IntegerQdqProducts> {
  void runOnOperation() override {
    SmallVector<Operation *> products;
    getOperation().walk([&](Operation *op) {
      if (isa<MatMulOp, ConvOp>(op))
        products.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    DenseMap<Value, Value> quantized; // one uint8 form per activation
    for (Operation *op : products) {
      if (auto mm = dyn_cast<MatMulOp>(op))
        rewrite(rewriter, mm, quantized);
      else
        rewriteConv(rewriter, cast<ConvOp>(op), quantized);
    }
    // A constant no product took (a Gemm's transposed weight, its int32
    // bias, added in float after it): the float constant it stands for,
    // which every target lowers (the quantized storage type is not).
    SmallVector<DequantizeOp> constants;
    getOperation().walk([&](DequantizeOp dq) { constants.push_back(dq); });
    for (DequantizeOp dq : constants)
      foldConstantDequantize(rewriter, dq);
    // The float emulation is dead where only the products read it.
    SmallVector<Operation *> dead;
    getOperation().walk([&](Operation *op) {
      if (isa<DequantizeOp, QuantizeOp, quant::StorageCastOp>(op))
        dead.push_back(op);
    });
    for (Operation *op : llvm::reverse(dead)) {
      if (!op->use_empty())
        continue;
      // The integer weight behind a storage cast is dead with it.
      Operation *source = isa<quant::StorageCastOp>(op)
                              ? op->getOperand(0).getDefiningOp()
                              : nullptr;
      rewriter.eraseOp(op);
      if (source && isa<ConstantOp>(source) && source->use_empty())
        rewriter.eraseOp(source);
    }
  }

  /// `dq = dequantize(quant.scast(constant))` of 8- or 32-bit storage, per
  /// tensor or per axis, replaced by the float32 constant (v - z) * s.
  static void foldConstantDequantize(IRRewriter &rewriter, DequantizeOp dq) {
    auto cast = dq.getInput().getDefiningOp<quant::StorageCastOp>();
    ElementsAttr attr;
    if (!cast || !matchPattern(cast.getInput(), m_Constant(&attr)))
      return;
    auto qtype = dyn_cast<quant::QuantizedType>(
        getElementTypeOrSelf(dq.getInput().getType()));
    std::optional<ConstTensor> raw = ConstTensor::read(attr);
    auto resultType = dyn_cast<RankedTensorType>(dq.getType());
    unsigned width = qtype ? qtype.getStorageTypeIntegralWidth() : 0;
    if ((width != 8 && width != 32) || !raw || raw->isFloat() || !resultType ||
        !resultType.getElementType().isF32())
      return;
    ConstTensor y = ConstTensor::zeros(resultType);
    for (int64_t i = 0; i < raw->size(); ++i) {
      double scale;
      int64_t zeroPoint;
      if (auto t = dyn_cast<quant::UniformQuantizedType>(qtype)) {
        scale = t.getScale();
        zeroPoint = t.getZeroPoint();
      } else if (auto t = dyn_cast<quant::UniformQuantizedPerAxisType>(qtype)) {
        int64_t axis = t.getQuantizedDimension(), inner = 1;
        for (int64_t d = axis + 1; d < resultType.getRank(); ++d)
          inner *= resultType.getDimSize(d);
        int64_t channel = (i / inner) % resultType.getDimSize(axis);
        scale = t.getScales()[channel];
        zeroPoint = t.getZeroPoints()[channel];
      } else {
        return;
      }
      int64_t v = width == 32        ? raw->ints[i]
                  : qtype.isSigned() ? int64_t(int8_t(raw->ints[i]))
                                     : int64_t(uint8_t(raw->ints[i]));
      y.floats[i] = double(v - zeroPoint) * scale;
    }
    rewriter.setInsertionPoint(dq);
    Value folded = constantOf(rewriter, dq.getLoc(), y, "");
    rewriter.replaceOp(dq, folded);
    // A Gemm's transB transposes the weight: at compile time too, as
    // --autoglm-fold-constants (which ran before) does for float weights,
    // or every run would transpose it.
    foldTransposes(rewriter, folded, y);
  }

  /// Evaluates the transposes of the constant `value` (whose elements are
  /// `elements`), and theirs, into constants.
  static void foldTransposes(IRRewriter &rewriter, Value value,
                             const ConstTensor &elements) {
    for (Operation *user : llvm::make_early_inc_range(value.getUsers())) {
      auto transpose = dyn_cast<TransposeOp>(user);
      SmallVector<ConstTensor> results;
      if (!transpose || evaluate(transpose, {elements}, EvalLimits(),
                                 results) != EvalStatus::Done)
        continue;
      rewriter.setInsertionPoint(transpose);
      Value folded =
          constantOf(rewriter, transpose.getLoc(), results.front(), "");
      rewriter.replaceOp(transpose, folded);
      foldTransposes(rewriter, folded, results.front());
    }
    if (value.use_empty())
      rewriter.eraseOp(value.getDefiningOp());
  }

  /// A scalar f32 constant.
  static Value scalar(OpBuilder &b, Location loc, double value) {
    auto type = RankedTensorType::get({}, b.getF32Type());
    return ConstantOp::create(
        b, loc, type,
        DenseElementsAttr::get(type, APFloat(static_cast<float>(value))));
  }

  /// The uint8 form of activation `key` = dequantize(quantize(x)), made
  /// once, right after `key`, so that every product reading it can use it.
  Value quantizeActivation(IRRewriter &rewriter, Value key,
                           const QuantizedActivation &act,
                           DenseMap<Value, Value> &quantized) {
    if (Value xq = quantized.lookup(key))
      return xq;
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPointAfter(key.getDefiningOp());
    Location loc = key.getLoc();
    // QuantizeLinear: round(x / s) + z, then saturate (not round(x / s
    // + z), which differs at ties).
    Value v =
        DivOp::create(rewriter, loc, act.x, scalar(rewriter, loc, act.scale));
    v = RoundOp::create(rewriter, loc, v);
    v = AddOp::create(rewriter, loc, v,
                      scalar(rewriter, loc, double(act.zeroPoint)));
    v = ClipOp::create(rewriter, loc, v, rewriter.getF64FloatAttr(0),
                       rewriter.getF64FloatAttr(255));
    auto type = cast<RankedTensorType>(v.getType());
    Type u8 = IntegerType::get(rewriter.getContext(), 8, IntegerType::Unsigned);
    Value xq = CastOp::create(rewriter, loc, type.clone(u8), v);
    quantized[key] = xq;
    return xq;
  }

  /// conv(dequantize(quantize(x)), dequantize(W_q), bias) as the exact i32
  /// convolution of (x_u8 - z_x) and (W_q - z_w), rescaled per output
  /// channel, plus the bias (the CPU target runs it on VNNI).
  void rewriteConv(IRRewriter &rewriter, ConvOp conv,
                   DenseMap<Value, Value> &quantized) {
    // Grouped (depthwise) convolutions stay float convolutions of the
    // dequantized values: the CPU target has a vectorized kernel for the
    // float ones and only a loop nest for the integer ones.
    if (conv.getAccumulatorType() || conv.getGroups() != 1)
      return;
    std::optional<QuantizedActivation> act = matchActivation(conv.getInput());
    std::optional<QuantizedWeight> weight = matchWeight(conv.getWeight(), 0);
    if (!act || !weight || weight->width != 8)
      return;
    // The bias: a float constant, or (ONNX Runtime's QDQ) int32 behind a
    // dequantize, with the scales of the product: then it is added to the
    // i32 accumulator, exactly, as ONNX Runtime's QLinearConv does.
    std::optional<ConstTensor> floatBias;
    std::optional<QuantizedWeight> intBias;
    if (Value b = conv.getBias()) {
      ElementsAttr attr;
      if (matchPattern(b, m_Constant(&attr))) {
        floatBias = ConstTensor::read(attr);
        if (!floatBias || !floatBias->isFloat())
          return;
      } else {
        intBias = matchWeight(b, 0);
        if (!intBias || intBias->n != weight->n)
          return;
        for (int64_t o = 0; o < weight->n; ++o) {
          double s = act->scale * weight->scales[o];
          if (intBias->zeroPoints[o] != 0 ||
              std::fabs(intBias->scales[o] - s) > 1e-6 * s)
            return;
        }
      }
    }
    MLIRContext *ctx = &getContext();
    Location loc = conv.getLoc();
    Type f32 = Float32Type::get(ctx), i32 = IntegerType::get(ctx, 32);
    Value xq = quantizeActivation(rewriter, conv.getInput(), *act, quantized);
    rewriter.setInsertionPoint(conv);
    auto xType = cast<RankedTensorType>(xq.getType());
    Value x = CastOp::create(rewriter, loc, xType.clone(i32), xq);
    ConstTensor zx = ConstTensor::zeros(RankedTensorType::get({}, i32));
    zx.ints[0] = act->zeroPoint;
    x = SubOp::create(rewriter, loc, x, constantOf(rewriter, loc, zx, ""));
    int64_t channels = weight->n,
            stride = weight->type.getNumElements() / channels;
    ConstTensor w = ConstTensor::zeros(weight->type.clone(i32));
    for (int64_t i = 0; i < w.size(); ++i)
      w.ints[i] = weight->values[i] - weight->zeroPoints[i / stride];
    // Scales and bias along the output channels: [O, 1, ...].
    SmallVector<int64_t> channelShape(weight->type.getRank() - 1, 1);
    channelShape[0] = channels;
    ConstTensor scales =
        ConstTensor::zeros(RankedTensorType::get(channelShape, f32));
    for (int64_t o = 0; o < channels; ++o)
      scales.floats[o] = act->scale * weight->scales[o];
    Value accBias;
    if (intBias) {
      ConstTensor b =
          ConstTensor::zeros(RankedTensorType::get({channels}, i32));
      b.ints = intBias->values;
      accBias = constantOf(rewriter, loc, b, "");
    }
    Value acc =
        ConvOp::create(rewriter, loc, x,
                       constantOf(rewriter, conv.getWeight().getLoc(), w,
                                  blobName("qdq_", loc)),
                       accBias, conv.getStridesAttr(), conv.getPadsAttr(),
                       conv.getDilationsAttr(), conv.getGroupsAttr());
    auto accType = cast<RankedTensorType>(acc.getType());
    Value y = CastOp::create(rewriter, loc, accType.clone(f32), acc);
    y = MulOp::create(
        rewriter, loc, y,
        constantOf(rewriter, loc, scales, blobName("qdq_scales_", loc)));
    if (floatBias) {
      ConstTensor b = ConstTensor::zeros(scales.type);
      b.floats = floatBias->floats;
      y = AddOp::create(rewriter, loc, y, constantOf(rewriter, loc, b, ""));
    }
    recordRewrite(ctx, "integer-qdq-products", "integer-convolution", {loc});
    rewriter.replaceOp(conv, y);
  }

  void rewrite(IRRewriter &rewriter, MatMulOp mm,
               DenseMap<Value, Value> &quantized) {
    if (mm.getAccumulatorType())
      return;
    std::optional<QuantizedActivation> act = matchActivation(mm.getLhs());
    std::optional<QuantizedWeight> weight = matchWeight(mm.getRhs(), 1);
    if (!act || !weight || weight->width != 8)
      return;
    MLIRContext *ctx = &getContext();
    Location loc = mm.getLoc();
    Type f32 = Float32Type::get(ctx), i32 = IntegerType::get(ctx, 32),
         i8 = IntegerType::get(ctx, 8);
    Type u8 = IntegerType::get(ctx, 8, IntegerType::Unsigned);
    Value xq = quantizeActivation(rewriter, mm.getLhs(), *act, quantized);

    // W less its zero points, as int8 where every value fits.
    int64_t k = weight->k, n = weight->n;
    bool fits = true;
    for (int64_t i = 0; i < k && fits; ++i)
      for (int64_t j = 0; j < n && fits; ++j) {
        int64_t v = weight->values[i * n + j] - weight->zeroPoints[j];
        fits = v >= -128 && v <= 127;
      }
    auto wType =
        RankedTensorType::get({k, n}, fits ? i8 : (weight->isSigned ? i8 : u8));
    ConstTensor wq = ConstTensor::zeros(wType);
    ConstTensor offsets = ConstTensor::zeros(RankedTensorType::get({n}, i32));
    ConstTensor scales = ConstTensor::zeros(RankedTensorType::get({n}, f32));
    bool zeroPoints = false;
    for (int64_t j = 0; j < n; ++j) {
      int64_t zw = fits ? 0 : weight->zeroPoints[j];
      zeroPoints |= zw != 0;
      int64_t columnSum = 0;
      for (int64_t i = 0; i < k; ++i) {
        int64_t v =
            weight->values[i * n + j] - (fits ? weight->zeroPoints[j] : 0);
        wq.ints[i * n + j] = v;
        columnSum += v;
      }
      // (x - zx)(w - zw) summed over k, less the product x . w:
      // -zx * colsum(w) + K * zx * zw, and -rowsum(x) * zw (below).
      offsets.ints[j] = -act->zeroPoint * columnSum + k * act->zeroPoint * zw;
      scales.floats[j] = act->scale * weight->scales[j];
    }

    rewriter.setInsertionPoint(mm);
    Value w =
        constantOf(rewriter, mm.getRhs().getLoc(), wq, blobName("qdq_", loc));
    Value acc = MatMulOp::create(rewriter, loc, xq, w);
    acc = AddOp::create(
        rewriter, loc, acc,
        constantOf(rewriter, loc, offsets, blobName("qdq_zp_", loc)));
    if (zeroPoints) {
      ConstTensor zw = ConstTensor::zeros(RankedTensorType::get({n}, i32));
      for (int64_t j = 0; j < n; ++j)
        zw.ints[j] = weight->zeroPoints[j];
      auto xType = cast<RankedTensorType>(xq.getType());
      Value wide = CastOp::create(rewriter, loc, xType.clone(i32), xq);
      Value rowSum = ReduceOp::create(
          rewriter, loc, ReduceKindAttr::get(ctx, ReduceKind::sum), wide,
          rewriter.getDenseI64ArrayAttr({xType.getRank() - 1}),
          rewriter.getUnitAttr());
      Value term = MulOp::create(rewriter, loc, rowSum,
                                 constantOf(rewriter, loc, zw, ""));
      acc = SubOp::create(rewriter, loc, acc, term);
    }
    auto accType = cast<RankedTensorType>(acc.getType());
    Value y = CastOp::create(rewriter, loc, accType.clone(f32), acc);
    y = MulOp::create(
        rewriter, loc, y,
        constantOf(rewriter, loc, scales, blobName("qdq_scales_", loc)));
    recordRewrite(ctx, "integer-qdq-products", "integer-product", {loc});
    rewriter.replaceOp(mm, y);
  }
};
} // namespace
