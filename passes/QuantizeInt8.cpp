//===- QuantizeInt8.cpp - static int8 quantization of products ------------===//
//
// The int8 mode of --autoglm-assign-precision (Calibration.h). Weights are
// int8, symmetric per output channel; activations uint8 with a zero point
// per tensor, so that a one-sided range (after ReLU or GELU) keeps all 256
// levels, and uint8 x int8 is what x86's VNNI (vpdpbusd) multiplies. Everything
// is expressed with ops the dialect already has, so that fusion places the
// quantization (mul, round, clip, cast to i8) in the producer's kernel or
// an elementwise cluster and the dequantization (cast to f32, mul by the
// per-channel scales) in the product's epilogue, and every target lowers
// it: the product itself is an `autoglm.matmul` of 8-bit operands with i32
// accumulation (what ONNX MatMulInteger imports as), and a convolution the
// exact i32 `autoglm.conv` of the shifted uint8 input (what ConvInteger and
// QLinearConv import as), which the CPU target runs on VNNI from the uint8
// value (lib/Target/CPU/PackInt8Convolutions.cpp). For CUDA the activations
// are int8 instead and only matmuls are rewritten (Calibration.h).
//
//===----------------------------------------------------------------------===//

#include "Calibration.h"
#include "ConstantEvaluator.h"
#include "PrecisionToggles.h"
#include "autoglm/Dialect/AutoGLM.h"
#include "autoglm/Passes/Report.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/StringExtras.h"

#include <cmath>

using namespace mlir;
using namespace mlir::autoglm;

namespace {
/// The largest magnitude of a symmetric int8 weight; -128 is left out so
/// that the range is symmetric.
constexpr double kInt8Max = 127.0;
/// Activations are uint8 with a zero point: [0, 255] (for CUDA, int8:
/// the same levels less 128).
constexpr double kUint8Max = 255.0;
constexpr int64_t kInt8Shift = 128;

/// A blob name for a constant derived from node `loc`'s weight.
std::string blobName(StringRef prefix, Location loc) {
  std::string name = prefix.str();
  for (char c : nodeNames(loc))
    name.push_back(llvm::isAlnum(c) ? c : '_');
  return name;
}

Value scalarConstant(OpBuilder &b, Location loc, double value) {
  auto type = RankedTensorType::get({}, b.getF32Type());
  return ConstantOp::create(
      b, loc, type,
      DenseElementsAttr::get(type, b.getF32FloatAttr(value).getValue()));
}
} // namespace

namespace {
/// One activation quantized to uint8: the value, its scale and zero point.
struct Quantized {
  Value value;
  double scale;
  int64_t zeroPoint;
};

/// The weight of a product quantized per output channel: int8 values
/// (symmetric, scale max|w| / 127) in the weight's layout, each channel's
/// scale and the sum of its int8 values. `channelOf(i)` gives the channel
/// of element i (a matmul's column, a convolution's output).
struct QuantizedWeight {
  ConstTensor values;
  std::vector<double> scales;
  std::vector<int64_t> sums;
};

template <typename ChannelOf>
QuantizedWeight quantizeWeight(const ConstTensor &weight, int64_t channels,
                               ChannelOf channelOf, Type i8) {
  RankedTensorType type = weight.type;
  QuantizedWeight q{ConstTensor::zeros(cast<RankedTensorType>(type.clone(i8))),
                    std::vector<double>(channels, 0),
                    std::vector<int64_t>(channels, 0)};
  std::vector<double> absmax(channels, 0);
  for (int64_t i = 0; i < weight.size(); ++i)
    absmax[channelOf(i)] =
        std::max(absmax[channelOf(i)], std::fabs(weight.floats[i]));
  for (int64_t c = 0; c < channels; ++c)
    q.scales[c] = absmax[c] > 0 ? absmax[c] / kInt8Max : 1.0;
  for (int64_t i = 0; i < weight.size(); ++i) {
    int64_t c = channelOf(i);
    int64_t v = static_cast<int64_t>(std::clamp(
        std::nearbyint(weight.floats[i] / q.scales[c]), -kInt8Max, kInt8Max));
    q.values.ints[i] = v;
    q.sums[c] += v;
  }
  return q;
}
} // namespace

LogicalResult mlir::autoglm::quantizeProductsInt8(
    ModuleOp module, const CalibrationTable &table, StringRef calibrator,
    double percentile, Int8Kernels kernels, Int8Rewrites &rewrites) {
  bool forCUDA = kernels == Int8Kernels::CUDA;
  // cuBLASLt's int8 kernels (on the usual column-major layouts) need the
  // dimensions they read by 4-byte words, K and N, to be multiples of 4.
  auto takenByKernels = [&](Operation *op) {
    if (!forCUDA)
      return true;
    auto mm = dyn_cast<MatMulOp>(op);
    if (!mm)
      return false;
    ArrayRef<int64_t> weight =
        cast<RankedTensorType>(mm.getRhs().getType()).getShape();
    return weight[0] % 4 == 0 && weight[1] % 4 == 0;
  };
  llvm::MapVector<Value, std::string> points = findCalibrationPoints(module);
  // Each product with its point's name, taken before any rewrite: a
  // product that reads another product's result reads the rewritten
  // (dequantized) value once that one is quantized.
  SmallVector<std::pair<Operation *, std::string>> products;
  module.walk([&](Operation *op) {
    if (isQuantizableProduct(op) && !isKeptInFloat32(op) && takenByKernels(op))
      products.push_back({op, points.lookup(op->getOperand(0))});
  });
  IRRewriter rewriter(module.getContext());
  Type i8 = rewriter.getIntegerType(8), i32 = rewriter.getI32Type(),
       f32 = rewriter.getF32Type();
  // One quantized activation per value, however many products read it.
  DenseMap<Value, Quantized> quantized;
  for (auto &[op, point] : products) {
    Location loc = op->getLoc();
    Value x = op->getOperand(0);
    FailureOr<const ActivationRange *> range =
        calibratedRange(table, point, op);
    if (failed(range))
      return failure();
    // The clipping range, which holds 0 (exactly representable: the zero
    // point) and, for the percentile calibrator, no |x| beyond the
    // threshold.
    double threshold = calibratedThreshold(**range, calibrator, percentile);
    double lo = std::max(std::min((*range)->min, 0.0), -threshold);
    double hi = std::min(std::max((*range)->max, 0.0), threshold);
    // A value that is always zero (or not finite) gains nothing from int8.
    if (!(hi - lo > 0) || !std::isfinite(hi - lo))
      continue;

    Attribute weightAttr;
    matchPattern(op->getOperand(1), m_Constant(&weightAttr));
    std::optional<ConstTensor> weight =
        ConstTensor::read(cast<ElementsAttr>(weightAttr));
    if (!weight)
      continue;

    rewriter.setInsertionPoint(op);
    auto it = quantized.find(x);
    if (it == quantized.end()) {
      double scale = (hi - lo) / kUint8Max;
      int64_t zeroPoint = static_cast<int64_t>(
          std::clamp(std::nearbyint(-lo / scale), 0.0, kUint8Max));
      // int8 levels are the uint8 ones less 128, exactly.
      int64_t shift = forCUDA ? kInt8Shift : 0;
      zeroPoint -= shift;
      // Right after the value, so that every product reading it can.
      OpBuilder::InsertionGuard guard(rewriter);
      if (Operation *def = x.getDefiningOp())
        rewriter.setInsertionPointAfter(def);
      else
        rewriter.setInsertionPointToStart(cast<BlockArgument>(x).getOwner());
      auto type = cast<RankedTensorType>(x.getType());
      Operation *scaled = MulOp::create(
          rewriter, loc, x, scalarConstant(rewriter, loc, 1.0 / scale));
      Operation *shifted =
          AddOp::create(rewriter, loc, scaled->getResult(0),
                        scalarConstant(rewriter, loc, double(zeroPoint)));
      Operation *rounded =
          RoundOp::create(rewriter, loc, shifted->getResult(0));
      Operation *clipped =
          ClipOp::create(rewriter, loc, rounded->getResult(0),
                         rewriter.getF64FloatAttr(double(-shift)),
                         rewriter.getF64FloatAttr(kUint8Max - double(shift)));
      auto to8Bits = CastOp::create(
          rewriter, loc,
          type.clone(forCUDA ? i8
                             : IntegerType::get(rewriter.getContext(), 8,
                                                IntegerType::Unsigned)),
          clipped->getResult(0));
      for (Operation *helper :
           {scaled, shifted, rounded, clipped, to8Bits.getOperation()})
        rewrites.helpers.insert(helper);
      it = quantized.insert({x, {to8Bits, scale, zeroPoint}}).first;
    }
    const Quantized &xq = it->second;
    Int8Choice choice{point, lo, hi, xq.scale, xq.zeroPoint, INFINITY, 0};
    Operation *oldWeight = op->getOperand(1).getDefiningOp();
    // The int32 `accumulated` of `product` widened to f32 and multiplied by
    // `scales` (x's scale times each weight scale); the choice recorded.
    auto dequantize = [&](Operation *product, Value accumulated,
                          ArrayRef<double> weightScales,
                          const ConstTensor &scales) -> Value {
      for (double s : weightScales) {
        choice.minWeightScale = std::min(choice.minWeightScale, s);
        choice.maxWeightScale = std::max(choice.maxWeightScale, s);
      }
      auto widened = CastOp::create(
          rewriter, loc,
          cast<RankedTensorType>(product->getResult(0).getType()).clone(f32),
          accumulated);
      ElementsAttr scalesAttr = scales.toAttr(blobName("int8_scales_", loc));
      Value scalesValue =
          ConstantOp::create(rewriter, loc, scalesAttr.getType(), scalesAttr);
      auto dequantized = MulOp::create(rewriter, loc, widened, scalesValue);
      rewrites.products[product] = choice;
      rewrites.helpers.insert(widened);
      rewrites.helpers.insert(dequantized);
      return dequantized.getResult();
    };

    if (auto mm = dyn_cast<MatMulOp>(op)) {
      // Symmetric per output channel (column n of the K x N weight). The
      // product of uint8 (or int8) x / s + zp and int8 w / s_w[n] sums
      // x w / (s s_w[n]) + zp * sum_k w_q[k, n]: the second term, a
      // constant per column, is subtracted in i32 (exactly), and the
      // difference scaled by s * s_w[n].
      int64_t n = weight->type.getDimSize(1);
      QuantizedWeight wq =
          quantizeWeight(*weight, n, [n](int64_t i) { return i % n; }, i8);
      auto columns = [&](Type element) {
        return RankedTensorType::get({n}, element);
      };
      ConstTensor scales = ConstTensor::zeros(columns(f32));
      ConstTensor offsets = ConstTensor::zeros(columns(i32));
      for (int64_t j = 0; j < n; ++j) {
        scales.floats[j] = xq.scale * wq.scales[j];
        offsets.ints[j] = -xq.zeroPoint * wq.sums[j];
      }
      ElementsAttr wqAttr = wq.values.toAttr(blobName("int8_", loc));
      Value wqValue = ConstantOp::create(rewriter, mm.getRhs().getLoc(),
                                         wqAttr.getType(), wqAttr);
      auto product = MatMulOp::create(rewriter, loc, xq.value, wqValue);
      Value accumulated = product.getResult();
      if (xq.zeroPoint != 0) {
        ElementsAttr offsetsAttr = offsets.toAttr(blobName("int8_zp_", loc));
        Value offsetsValue = ConstantOp::create(
            rewriter, loc, offsetsAttr.getType(), offsetsAttr);
        auto corrected =
            AddOp::create(rewriter, loc, accumulated, offsetsValue);
        rewrites.helpers.insert(corrected);
        accumulated = corrected;
      }
      rewriter.replaceOp(mm,
                         dequantize(product, accumulated, wq.scales, scales));
    } else {
      // A convolution, per output channel f of the F x C x k... weight:
      // the exact i32 convolution of (x_u8 - zp), whose padding is 0 as
      // the float input's is (the CPU target runs it on VNNI from the
      // uint8 value, padded with zp), scaled by s * s_w[f], then the float
      // bias.
      auto conv = cast<ConvOp>(op);
      int64_t f = weight->type.getDimSize(0);
      int64_t perChannel = weight->size() / f;
      QuantizedWeight wq = quantizeWeight(
          *weight, f, [perChannel](int64_t i) { return i / perChannel; }, i8);
      // The dialect's integer convolutions take i32 weights; the CPU
      // target packs them back into int8.
      ConstTensor wide =
          ConstTensor::zeros(cast<RankedTensorType>(weight->type.clone(i32)));
      wide.ints = wq.values.ints;
      SmallVector<int64_t> channelShape(weight->type.getRank() - 1, 1);
      channelShape[0] = f;
      ConstTensor scales =
          ConstTensor::zeros(RankedTensorType::get(channelShape, f32));
      for (int64_t c = 0; c < f; ++c)
        scales.floats[c] = xq.scale * wq.scales[c];
      auto xType = cast<RankedTensorType>(xq.value.getType());
      Operation *x32 =
          CastOp::create(rewriter, loc, xType.clone(i32), xq.value);
      rewrites.helpers.insert(x32);
      Value input = x32->getResult(0);
      if (xq.zeroPoint != 0) {
        auto zpType = RankedTensorType::get({}, i32);
        Value zp = ConstantOp::create(
            rewriter, loc, zpType,
            DenseElementsAttr::get(
                zpType, rewriter.getI32IntegerAttr(int32_t(xq.zeroPoint))));
        Operation *shifted = SubOp::create(rewriter, loc, input, zp);
        rewrites.helpers.insert(shifted);
        input = shifted->getResult(0);
      }
      ElementsAttr wAttr = wide.toAttr(blobName("int8_", loc));
      Value wValue = ConstantOp::create(rewriter, conv.getWeight().getLoc(),
                                        wAttr.getType(), wAttr);
      auto product = ConvOp::create(
          rewriter, loc, input, wValue, Value(), conv.getStridesAttr(),
          conv.getPadsAttr(), conv.getDilationsAttr(), conv.getGroupsAttr());
      Value result = dequantize(product, product, wq.scales, scales);
      if (Value bias = conv.getBias()) {
        // The float bias (a constant: isQuantizableProduct) along the
        // output channels: [F, 1, ...].
        Attribute biasAttr;
        matchPattern(bias, m_Constant(&biasAttr));
        std::optional<ConstTensor> values =
            ConstTensor::read(cast<ElementsAttr>(biasAttr));
        ConstTensor shaped =
            ConstTensor::zeros(RankedTensorType::get(channelShape, f32));
        shaped.floats = values->floats;
        ElementsAttr shapedAttr = shaped.toAttr(blobName("int8_bias_", loc));
        Value biasValue =
            ConstantOp::create(rewriter, loc, shapedAttr.getType(), shapedAttr);
        Operation *biased = AddOp::create(rewriter, loc, result, biasValue);
        rewrites.helpers.insert(biased);
        result = biased->getResult(0);
      }
      rewriter.replaceOp(conv, result);
    }
    recordRewrite(module.getContext(), "assign-precision", "int8-product",
                  {loc});
    // The f32 weight is dead unless another op reads it.
    if (oldWeight && oldWeight->use_empty())
      rewriter.eraseOp(oldWeight);
  }
  return success();
}
