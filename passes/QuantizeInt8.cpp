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
// accumulation (what ONNX MatMulInteger imports as).
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
/// Activations are uint8 with a zero point: [0, 255].
constexpr double kUint8Max = 255.0;

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

LogicalResult mlir::autoglm::quantizeMatMulsInt8(ModuleOp module,
                                                 const CalibrationTable &table,
                                                 StringRef calibrator,
                                                 double percentile,
                                                 Int8Rewrites &rewrites) {
  llvm::MapVector<Value, std::string> points = findCalibrationPoints(module);
  // Each product with its point's name, taken before any rewrite: a
  // product that reads another product's result reads the rewritten
  // (dequantized) value once that one is quantized.
  SmallVector<std::pair<MatMulOp, std::string>> products;
  module.walk([&](MatMulOp mm) {
    if (isQuantizableMatMul(mm) && !isKeptInFloat32(mm))
      products.push_back({mm, points.lookup(mm.getLhs())});
  });
  IRRewriter rewriter(module.getContext());
  // One quantized activation per value, however many products read it.
  struct Quantized {
    Value value;
    double scale;
    int64_t zeroPoint;
  };
  DenseMap<Value, Quantized> quantized;
  for (auto &[mm, point] : products) {
    Location loc = mm.getLoc();
    Value x = mm.getLhs();
    auto range = table.ranges.find(calibrationOutputName(point));
    if (range == table.ranges.end())
      return mm.emitError()
             << "the calibration file has no range for the input of this "
                "product ('"
             << calibrationOutputName(point)
             << "'); it was made for another model or other options: "
                "remove it and calibrate again";
    // The clipping range, which holds 0 (exactly representable: the zero
    // point) and, for the percentile calibrator, no |x| beyond the
    // threshold.
    double threshold =
        calibratedThreshold(range->second, calibrator, percentile);
    double lo = std::max(std::min(range->second.min, 0.0), -threshold);
    double hi = std::min(std::max(range->second.max, 0.0), threshold);
    // A value that is always zero (or not finite) gains nothing from int8.
    if (!(hi - lo > 0) || !std::isfinite(hi - lo))
      continue;

    Attribute weightAttr;
    matchPattern(mm.getRhs(), m_Constant(&weightAttr));
    std::optional<ConstTensor> weight =
        ConstTensor::read(cast<ElementsAttr>(weightAttr));
    if (!weight)
      continue;
    int64_t k = weight->type.getDimSize(0), n = weight->type.getDimSize(1);

    rewriter.setInsertionPoint(mm);
    auto it = quantized.find(x);
    if (it == quantized.end()) {
      double scale = (hi - lo) / kUint8Max;
      int64_t zeroPoint = static_cast<int64_t>(
          std::clamp(std::nearbyint(-lo / scale), 0.0, kUint8Max));
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
      Operation *clipped = ClipOp::create(rewriter, loc, rounded->getResult(0),
                                          rewriter.getF64FloatAttr(0),
                                          rewriter.getF64FloatAttr(kUint8Max));
      auto toUint8 =
          CastOp::create(rewriter, loc,
                         type.clone(IntegerType::get(rewriter.getContext(), 8,
                                                     IntegerType::Unsigned)),
                         clipped->getResult(0));
      for (Operation *op :
           {scaled, shifted, rounded, clipped, toUint8.getOperation()})
        rewrites.helpers.insert(op);
      it = quantized.insert({x, {toUint8, scale, zeroPoint}}).first;
    }
    const Quantized &xq = it->second;

    // Symmetric per output channel (column n of the K x N weight). The
    // product of uint8 (x / s + zp) and int8 w / s_w[n] sums
    // x w / (s s_w[n]) + zp * sum_k w_q[k, n]: the second term, a constant
    // per column, is subtracted in i32 (exactly), and the difference scaled
    // by s * s_w[n].
    ConstTensor wq =
        ConstTensor::zeros(weight->type.clone(rewriter.getIntegerType(8)));
    auto columns = [&](Type element) {
      return RankedTensorType::get({n}, element);
    };
    ConstTensor scales = ConstTensor::zeros(columns(rewriter.getF32Type()));
    ConstTensor offsets =
        ConstTensor::zeros(columns(rewriter.getIntegerType(32)));
    Int8Choice choice{point, lo, hi, xq.scale, xq.zeroPoint, INFINITY, 0};
    for (int64_t j = 0; j < n; ++j) {
      double absmax = 0;
      for (int64_t i = 0; i < k; ++i)
        absmax = std::max(absmax, std::fabs(weight->floats[i * n + j]));
      double weightScale = absmax > 0 ? absmax / kInt8Max : 1.0;
      int64_t columnSum = 0;
      for (int64_t i = 0; i < k; ++i) {
        int64_t q = static_cast<int64_t>(
            std::clamp(std::nearbyint(weight->floats[i * n + j] / weightScale),
                       -kInt8Max, kInt8Max));
        wq.ints[i * n + j] = q;
        columnSum += q;
      }
      scales.floats[j] = xq.scale * weightScale;
      offsets.ints[j] = -xq.zeroPoint * columnSum;
      choice.minWeightScale = std::min(choice.minWeightScale, weightScale);
      choice.maxWeightScale = std::max(choice.maxWeightScale, weightScale);
    }
    ElementsAttr wqAttr = wq.toAttr(blobName("int8_", loc));
    Value wqValue = ConstantOp::create(rewriter, mm.getRhs().getLoc(),
                                       wqAttr.getType(), wqAttr);
    auto product = MatMulOp::create(rewriter, loc, xq.value, wqValue);
    Value accumulated = product.getResult();
    if (xq.zeroPoint != 0) {
      ElementsAttr offsetsAttr = offsets.toAttr(blobName("int8_zp_", loc));
      Value offsetsValue =
          ConstantOp::create(rewriter, loc, offsetsAttr.getType(), offsetsAttr);
      auto corrected = AddOp::create(rewriter, loc, accumulated, offsetsValue);
      rewrites.helpers.insert(corrected);
      accumulated = corrected;
    }
    auto widened = CastOp::create(
        rewriter, loc,
        cast<RankedTensorType>(product.getType()).clone(rewriter.getF32Type()),
        accumulated);
    ElementsAttr scalesAttr = scales.toAttr(blobName("int8_scales_", loc));
    Value scalesValue =
        ConstantOp::create(rewriter, loc, scalesAttr.getType(), scalesAttr);
    auto dequantized = MulOp::create(rewriter, loc, widened, scalesValue);
    rewrites.products[product] = choice;
    rewrites.helpers.insert(widened);
    rewrites.helpers.insert(dequantized);
    recordRewrite(mm->getContext(), "assign-precision", "int8-product", {loc});
    Operation *oldWeight = mm.getRhs().getDefiningOp();
    rewriter.replaceOp(mm, dequantized.getResult());
    // The f32 weight is dead unless another op reads it.
    if (oldWeight && oldWeight->use_empty())
      rewriter.eraseOp(oldWeight);
  }
  return success();
}
