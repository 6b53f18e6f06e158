//===- Calibration.cpp - int8 calibration points and ranges ---------------===//

#include "Calibration.h"

#include "autoglm/Dialect/AutoGLM.h"
#include "autoglm/Passes/Report.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Matchers.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace mlir;
using namespace mlir::autoglm;

static bool isF32Tensor(Value v) {
  auto tensor = dyn_cast<RankedTensorType>(v.getType());
  return tensor && tensor.getElementType().isF32();
}

bool mlir::autoglm::isQuantizableMatMul(Operation *op) {
  auto mm = dyn_cast<MatMulOp>(op);
  if (!mm || mm->getParentOfType<FusedOp>() || mm.getAccumulatorType())
    return false;
  Attribute weight;
  auto rhsType = dyn_cast<RankedTensorType>(mm.getRhs().getType());
  return isF32Tensor(mm.getLhs()) && isF32Tensor(mm.getRhs()) &&
         rhsType.getRank() == 2 && rhsType.hasStaticShape() &&
         !matchPattern(mm.getLhs(), m_Constant()) &&
         matchPattern(mm.getRhs(), m_Constant(&weight));
}

std::string mlir::autoglm::calibrationOutputName(StringRef name) {
  return "calibration:" + name.str();
}

llvm::MapVector<Value, std::string>
mlir::autoglm::findCalibrationPoints(ModuleOp module) {
  llvm::MapVector<Value, std::string> points;
  llvm::StringMap<unsigned> used;
  module.walk([&](Operation *op) {
    if (!isQuantizableMatMul(op))
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

double mlir::autoglm::calibratedThreshold(const ActivationRange &range,
                                          StringRef calibrator,
                                          double percentile) {
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
