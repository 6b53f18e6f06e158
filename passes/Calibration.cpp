//===- Calibration.cpp - int8 calibration points and ranges ---------------===//

#include "Calibration.h"

#include "autoglm/Dialect/AutoGLM.h"
#include "autoglm/Passes/Report.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Matchers.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cmath>

using namespace mlir;
using namespace mlir::autoglm;

static bool isF32Tensor(Value v) {
  auto tensor = dyn_cast<RankedTensorType>(v.getType());
  return tensor && tensor.getElementType().isF32();
}

bool mlir::autoglm::isQuantizableProduct(Operation *op) {
  if (op->getParentOfType<FusedOp>() || op->getNumOperands() < 2 ||
      !isF32Tensor(op->getOperand(0)) || !isF32Tensor(op->getOperand(1)) ||
      matchPattern(op->getOperand(0), m_Constant()) ||
      !matchPattern(op->getOperand(1), m_Constant()))
    return false;
  auto weightType = cast<RankedTensorType>(op->getOperand(1).getType());
  if (!weightType.hasStaticShape())
    return false;
  if (auto mm = dyn_cast<MatMulOp>(op))
    return !mm.getAccumulatorType() && weightType.getRank() == 2;
  // Convolutions of one group (depthwise and grouped ones stay float32:
  // the CPU target has no int8 kernel for them) with a constant bias.
  if (auto conv = dyn_cast<ConvOp>(op)) {
    Value bias = conv.getBias();
    return !conv.getAccumulatorType() && conv.getGroups() == 1 &&
           weightType.getRank() == 4 &&
           (!bias || (isF32Tensor(bias) && matchPattern(bias, m_Constant())));
  }
  return false;
}

std::string mlir::autoglm::calibrationOutputName(StringRef name) {
  return "calibration:" + name.str();
}

llvm::MapVector<Value, std::string>
mlir::autoglm::findCalibrationPoints(ModuleOp module) {
  llvm::MapVector<Value, std::string> points;
  llvm::StringMap<unsigned> used;
  module.walk([&](Operation *op) {
    if (!isQuantizableProduct(op))
      return;
    Value activation = op->getOperand(0);
    if (points.count(activation))
      return;
    // Node names are unique in ONNX, but one node may hold several
    // products (Einsum, an unrolled LSTM): a suffix keeps names unique.
    std::string name = nodeNames(op->getLoc());
    if (name.empty())
      name = "product";
    unsigned n = used[name]++;
    if (n)
      name += "#" + std::to_string(n);
    points.insert({activation, name});
  });
  return points;
}

FailureOr<CalibrationTable> mlir::autoglm::readCalibrationTable(StringRef path,
                                                                Location loc) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer)
    return emitError(loc) << "cannot read the calibration file '" << path
                          << "': " << buffer.getError().message();
  auto malformed = [&](const Twine &why) {
    return emitError(loc) << "malformed calibration file '" << path
                          << "': " << why;
  };
  llvm::Expected<llvm::json::Value> json =
      llvm::json::parse((*buffer)->getBuffer());
  if (!json)
    return malformed(llvm::toString(json.takeError()));
  const llvm::json::Object *root = json->getAsObject();
  if (!root || root->getString("format") != "autoglm-calibration-1")
    return malformed("not an autoglm-calibration-1 file (written by "
                     "autoglm-opt --calibration-cache)");
  CalibrationTable table;
  table.sets = root->getInteger("sets").value_or(0);
  const llvm::json::Object *tensors = root->getObject("tensors");
  if (!tensors)
    return malformed("no 'tensors'");
  for (const auto &[name, value] : *tensors) {
    const llvm::json::Object *entry = value.getAsObject();
    std::optional<double> min = entry ? entry->getNumber("min") : std::nullopt,
                          max = entry ? entry->getNumber("max") : std::nullopt,
                          absmax =
                              entry ? entry->getNumber("absmax") : std::nullopt;
    const llvm::json::Array *histogram =
        entry ? entry->getArray("histogram") : nullptr;
    if (!min || !max || !absmax || !histogram || *absmax < 0)
      return malformed("entry '" + name.str() +
                       "' needs min, max, absmax and histogram");
    ActivationRange range{*min, *max, *absmax, {}};
    for (const llvm::json::Value &count : *histogram) {
      std::optional<int64_t> n = count.getAsInteger();
      if (!n || *n < 0)
        return malformed("entry '" + name.str() +
                         "' has a histogram count that is not a count");
      range.histogram.push_back(static_cast<uint64_t>(*n));
    }
    table.ranges[name.str()] = std::move(range);
  }
  return table;
}

/// The entropy calibrator (TensorRT's): for each candidate threshold, P is
/// the histogram below it with everything above added to its last bin
/// (what clipping gives), and Q the same bins without that mass, merged
/// into `levels` equal groups and spread back evenly over each group's
/// non-empty bins (what quantization keeps). The threshold of least
/// KL(P || Q) wins. A bin P has mass in and Q none (the clipped mass in
/// an otherwise empty last bin) counts as Q = kEmptyBin rather than
/// infinity, as in TensorRT's reference, so that a few far outliers are
/// clipped. Candidates are `levels` bins and up; thresholds are upper bin
/// edges.
double mlir::autoglm::entropyThreshold(ArrayRef<uint64_t> histogram,
                                       double absmax, int levels) {
  constexpr double kEmptyBin = 1e-4;
  size_t bins = histogram.size();
  if (bins <= size_t(levels) || absmax <= 0)
    return absmax;
  double bestDivergence = INFINITY;
  size_t best = bins;
  std::vector<double> p, q;
  for (size_t i = levels; i <= bins; ++i) {
    p.assign(histogram.begin(), histogram.begin() + i);
    double kept = 0, clipped = 0;
    for (double x : p)
      kept += x;
    for (size_t b = i; b < bins; ++b)
      clipped += histogram[b];
    if (kept == 0)
      continue;
    q.assign(i, 0);
    for (int g = 0; g < levels; ++g) {
      size_t begin = g * i / levels, end = (g + 1) * i / levels;
      double sum = 0;
      size_t nonEmpty = 0;
      for (size_t b = begin; b < end; ++b) {
        sum += p[b];
        nonEmpty += p[b] > 0;
      }
      for (size_t b = begin; b < end; ++b)
        if (p[b] > 0)
          q[b] = sum / double(nonEmpty) / kept;
    }
    p[i - 1] += clipped;
    double total = kept + clipped, divergence = 0;
    for (size_t b = 0; b < i; ++b) {
      if (p[b] == 0)
        continue;
      double pb = p[b] / total, qb = q[b] > 0 ? q[b] : kEmptyBin;
      divergence += pb * std::log(pb / qb);
    }
    // The smallest threshold among equals: only a strict improvement moves
    // it up.
    if (divergence < bestDivergence - 1e-12) {
      bestDivergence = divergence;
      best = i;
    }
  }
  return absmax * double(best) / double(bins);
}

FailureOr<const ActivationRange *>
mlir::autoglm::calibratedRange(const CalibrationTable &table, StringRef point,
                               Operation *product) {
  auto range = table.ranges.find(calibrationOutputName(point));
  if (range == table.ranges.end())
    return product->emitError()
           << "the calibration file has no range for the input of this "
              "product ('"
           << calibrationOutputName(point)
           << "'); it was made for another model or other options: "
              "remove it and calibrate again";
  return &range->second;
}

double mlir::autoglm::calibratedThreshold(const ActivationRange &range,
                                          StringRef calibrator,
                                          double percentile) {
  if (calibrator == "entropy")
    return entropyThreshold(range.histogram, range.absmax,
                            kEntropyCalibrationLevels);
  if (calibrator != "percentile" || range.histogram.empty())
    return range.absmax;
  uint64_t total = 0;
  for (uint64_t count : range.histogram)
    total += count;
  if (total == 0)
    return range.absmax;
  // The smallest bin edge with at least `percentile`% of the values below.
  double wanted = total * (percentile / 100.0), below = 0;
  size_t bins = range.histogram.size();
  for (size_t b = 0; b < bins; ++b) {
    below += range.histogram[b];
    if (below >= wanted)
      return range.absmax * double(b + 1) / double(bins);
  }
  return range.absmax;
}
