//===- QuantizeInt8.cpp - static int8 quantization of products ------------===//
//
// The int8 mode of --autoglm-assign-precision (Calibration.h). Everything
// is expressed with ops the dialect already has, so that fusion places the
// quantization (mul, round, clip, cast to i8) in the producer's kernel or
// an elementwise cluster and the dequantization (cast to f32, mul by the
// per-channel scales) in the product's epilogue, and every target lowers
// it: the product itself is an `autoglm.matmul` of i8 operands with i32
// accumulation (what ONNX MatMulInteger imports as).
//
//===----------------------------------------------------------------------===//

#include "Calibration.h"
#include "ConstantEvaluator.h"
#include "autoglm/Dialect/AutoGLM.h"
#include "autoglm/Passes/Report.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/StringExtras.h"

#include <cmath>

using namespace mlir;
using namespace mlir::autoglm;

namespace {
/// The largest magnitude of a symmetric int8 value; -128 is left out so
/// that the range is symmetric.
constexpr double kInt8Max = 127.0;

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
  SmallVector<MatMulOp> products;
  module.walk([&](MatMulOp mm) {
    if (isQuantizableMatMul(mm))
      products.push_back(mm);
  });
  IRRewriter rewriter(module.getContext());
  // One quantized activation per value, however many products read it.
  DenseMap<Value, Value> quantized;
  DenseMap<Value, double> inputScales;
  for (MatMulOp mm : products) {
    Location loc = mm.getLoc();
    Value x = mm.getLhs();
    const std::string &point = points.lookup(x);
    auto range = table.ranges.find(calibrationOutputName(point));
    if (range == table.ranges.end())
      return mm.emitError()
             << "the calibration file has no range for the input of this "
                "product ('"
             << calibrationOutputName(point) << "'); it was made for another model or other options: "
                "remove it and calibrate again";
    double threshold =
        calibratedThreshold(range->second, calibrator, percentile);
    // A value that is always zero (or not finite) gains nothing from int8.
    if (!(threshold > 0) || !std::isfinite(threshold))
      continue;

    Attribute weightAttr;
    matchPattern(mm.getRhs(), m_Constant(&weightAttr));
    std::optional<ConstTensor> weight =
        ConstTensor::read(cast<ElementsAttr>(weightAttr));
    if (!weight)
      continue;
    int64_t k = weight->type.getDimSize(0), n = weight->type.getDimSize(1);
    double inputScale = threshold / kInt8Max;

    rewriter.setInsertionPoint(mm);
    Value xq = quantized.lookup(x);
    if (!xq) {
      // Right after the value, so that every product reading it can.
      OpBuilder::InsertionGuard guard(rewriter);
      if (Operation *def = x.getDefiningOp())
        rewriter.setInsertionPointAfter(def);
      else
        rewriter.setInsertionPointToStart(cast<BlockArgument>(x).getOwner());
      auto type = cast<RankedTensorType>(x.getType());
      Operation *scaled = MulOp::create(rewriter, loc, x,
                                        scalarConstant(rewriter, loc,
                                                       1.0 / inputScale));
      Operation *rounded =
          RoundOp::create(rewriter, loc, scaled->getResult(0));
      Operation *clipped = ClipOp::create(
          rewriter, loc, rounded->getResult(0),
          rewriter.getF64FloatAttr(-kInt8Max), rewriter.getF64FloatAttr(kInt8Max));
      auto toInt8 = CastOp::create(rewriter, loc,
                                   type.clone(rewriter.getIntegerType(8)),
                                   clipped->getResult(0));
      for (Operation *op : {scaled, rounded, clipped, toInt8.getOperation()})
        rewrites.helpers.insert(op);
      xq = toInt8;
      quantized[x] = xq;
    }

    // Symmetric per output channel (column n of the K x N weight).
    ConstTensor wq = ConstTensor::zeros(
        weight->type.clone(rewriter.getIntegerType(8)));
    auto scalesType = RankedTensorType::get({n}, rewriter.getF32Type());
    ConstTensor scales = ConstTensor::zeros(scalesType);
    Int8Choice choice{point, threshold, inputScale, INFINITY, 0};
    for (int64_t j = 0; j < n; ++j) {
      double absmax = 0;
      for (int64_t i = 0; i < k; ++i)
        absmax = std::max(absmax, std::fabs(weight->floats[i * n + j]));
      double weightScale = absmax > 0 ? absmax / kInt8Max : 1.0;
      for (int64_t i = 0; i < k; ++i)
        wq.ints[i * n + j] = static_cast<int64_t>(std::clamp(
            std::nearbyint(weight->floats[i * n + j] / weightScale), -kInt8Max,
            kInt8Max));
      scales.floats[j] = inputScale * weightScale;
      choice.minWeightScale = std::min(choice.minWeightScale, weightScale);
      choice.maxWeightScale = std::max(choice.maxWeightScale, weightScale);
    }
    ElementsAttr wqAttr = wq.toAttr(blobName("int8_", loc));
    Value wqValue = ConstantOp::create(rewriter, mm.getRhs().getLoc(),
                                       wqAttr.getType(), wqAttr);
    auto product = MatMulOp::create(rewriter, loc, xq, wqValue);
    auto widened = CastOp::create(
        rewriter, loc,
        cast<RankedTensorType>(product.getType()).clone(rewriter.getF32Type()),
        product.getResult());
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
