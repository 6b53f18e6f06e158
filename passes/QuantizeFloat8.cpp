//===- QuantizeFloat8.cpp - static fp8 (E4M3) quantization of products ----===//
//
// The fp8 mode of --autoglm-assign-precision (Calibration.h). A matmul of an
// activation by a constant weight becomes a product of float8 E4M3 values
// with f32 accumulation, scaled back by the product of the two scales:
//
//   y = matmul(x, W)
//     ==>
//   y = autoglm.matmul(cast(x * (1 / s_x)) : f8E4M3FN, W_q : f8E4M3FN)
//         {accumulator_type = f32, scale = s_x * s_w}
//
// s_x is the calibrated threshold of |x| over 448 (E4M3's largest finite
// value), and the cast saturates, so that values beyond the threshold clip;
// W_q is W / s_w rounded to E4M3 at compile time, s_w = max|W| / 448. Both
// scales are per tensor: cuBLASLt's fp8 kernels take one scale per operand
// (here folded into alpha), and E4M3 keeps its three mantissa bits of
// relative precision over its whole range, so a weight channel of small
// values loses no levels to a per-tensor scale as int8's would. Products
// that read one activation share one weight scale, the largest, so that
// --autoglm-merge-sibling-matmuls can still make query, key and value one
// product. Only K and N that are multiples of 16 are quantized: what the
// fp8 kernels read (16-byte aligned rows of 8-bit values).
//
//===----------------------------------------------------------------------===//

#include "Calibration.h"
#include "ConstantEvaluator.h"
#include "PrecisionToggles.h"
#include "autoglm/Dialect/AutoGLM.h"
#include "autoglm/Passes/Report.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringExtras.h"

#include <cmath>

using namespace mlir;
using namespace mlir::autoglm;

namespace {
/// E4M3's largest finite magnitude.
constexpr double kFloat8Max = 448.0;
/// What cuBLASLt's fp8 kernels need of K and N.
constexpr int64_t kFloat8Multiple = 16;

std::optional<ConstTensor> constantWeight(MatMulOp mm) {
  Attribute attr;
  if (!matchPattern(mm.getRhs(), m_Constant(&attr)))
    return std::nullopt;
  return ConstTensor::read(cast<ElementsAttr>(attr));
}

double absMax(const ConstTensor &t) {
  double m = 0;
  for (double v : t.floats)
    m = std::max(m, std::fabs(v));
  return m;
}

std::string blobName(Location loc) {
  std::string name = "fp8_";
  for (char c : nodeNames(loc))
    name.push_back(llvm::isAlnum(c) ? c : '_');
  return name;
}
} // namespace

LogicalResult mlir::autoglm::quantizeProductsFloat8(
    ModuleOp module, const CalibrationTable &table, StringRef calibrator,
    double percentile, Int8Rewrites &rewrites) {
  llvm::MapVector<Value, std::string> points = findCalibrationPoints(module);
  // The products by the activation they read, in program order.
  llvm::MapVector<Value, SmallVector<MatMulOp>> readers;
  module.walk([&](MatMulOp mm) {
    if (!isQuantizableProduct(mm) || isKeptInFloat32(mm))
      return;
    ArrayRef<int64_t> weight =
        cast<RankedTensorType>(mm.getRhs().getType()).getShape();
    if (weight[0] % kFloat8Multiple == 0 && weight[1] % kFloat8Multiple == 0)
      readers[mm.getLhs()].push_back(mm);
  });
  IRRewriter rewriter(module.getContext());
  Type f8 = rewriter.getType<Float8E4M3FNType>();
  TypeAttr f32 = TypeAttr::get(rewriter.getF32Type());
  for (auto &[x, products] : readers) {
    std::string point = points.lookup(x);
    FailureOr<const ActivationRange *> range =
        calibratedRange(table, point, products.front());
    if (failed(range))
      return failure();
    double threshold = calibratedThreshold(**range, calibrator, percentile);
    // A value that is always zero (or not finite) gains nothing.
    if (!(threshold > 0) || !std::isfinite(threshold))
      continue;
    SmallVector<ConstTensor> weights;
    double weightMax = 0;
    for (MatMulOp mm : products) {
      std::optional<ConstTensor> w = constantWeight(mm);
      if (!w)
        break;
      weightMax = std::max(weightMax, absMax(*w));
      weights.push_back(std::move(*w));
    }
    if (weights.size() != products.size() || !(weightMax > 0) ||
        !std::isfinite(weightMax))
      continue;
    double inputScale = threshold / kFloat8Max;
    double weightScale = weightMax / kFloat8Max;

    // x / s_x in E4M3 (the cast rounds to nearest even and saturates),
    // right after x so that every product reading it can.
    Location loc = products.front().getLoc();
    {
      OpBuilder::InsertionGuard guard(rewriter);
      if (Operation *def = x.getDefiningOp())
        rewriter.setInsertionPointAfter(def);
      else
        rewriter.setInsertionPointToStart(cast<BlockArgument>(x).getOwner());
      auto scalarType = RankedTensorType::get({}, rewriter.getF32Type());
      Value reciprocal = ConstantOp::create(
          rewriter, loc, scalarType,
          DenseElementsAttr::get(scalarType,
                                 static_cast<float>(1.0 / inputScale)));
      auto scaled = MulOp::create(rewriter, loc, x, reciprocal);
      auto quantized = CastOp::create(
          rewriter, loc, cast<RankedTensorType>(x.getType()).clone(f8),
          scaled.getResult());
      rewrites.helpers.insert(scaled);
      rewrites.helpers.insert(quantized);
      x = quantized;
    }
    for (auto [mm, weight] : llvm::zip_equal(products, weights)) {
      ConstTensor wq = ConstTensor::zeros(weight.type.clone(f8));
      for (int64_t i = 0; i < weight.size(); ++i)
        wq.floats[i] = weight.floats[i] / weightScale; // |.| <= 448
      rewriter.setInsertionPoint(mm);
      ElementsAttr wqAttr = wq.toAttr(blobName(mm.getLoc()));
      Value wqValue = ConstantOp::create(rewriter, mm.getRhs().getLoc(),
                                         wqAttr.getType(), wqAttr);
      auto product =
          MatMulOp::create(rewriter, mm.getLoc(), x, wqValue, f32,
                           rewriter.getF32FloatAttr(inputScale * weightScale));
      rewrites.products[product] =
          Int8Choice{point, -threshold,  threshold,   inputScale,
                     0,     weightScale, weightScale, /*float8=*/true};
      Operation *oldWeight = mm.getRhs().getDefiningOp();
      recordRewrite(module.getContext(), "assign-precision", "fp8-product",
                    {mm.getLoc()});
      rewriter.replaceOp(mm, product.getResult());
      if (oldWeight && oldWeight->use_empty())
        rewriter.eraseOp(oldWeight);
    }
  }
  return success();
}
