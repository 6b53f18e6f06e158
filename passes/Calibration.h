//===- Calibration.h - int8 calibration points and ranges -------*- C++ -*-===//
//
// Internal to the passes library: what --autoglm-instrument-calibration and
// the int8 mode of --autoglm-assign-precision agree on. A calibration point
// is a float32 value a product reads as its activation (the lhs of a
// matmul whose rhs is a constant weight); it is named after the first
// product that reads it, so both passes, run on the same graph, name it
// alike. The ranges come from `autoglm-run --calibrate`
// (tools/autoglm-run/Calibrate.h), keyed by those names.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_PASSES_CALIBRATION_H
#define AUTOGLM_PASSES_CALIBRATION_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringMap.h"

#include <string>
#include <vector>

namespace mlir::autoglm {
/// A product that int8 quantizes, outside kernel regions: a matmul of an
/// f32 lhs computed at run time by a constant f32 2-D rhs (the weight), or
/// a 2-D convolution of one group of an f32 input computed at run time by
/// a constant f32 weight, with a constant bias or none.
bool isQuantizableProduct(Operation *op);

/// The model output the calibration build gives point `name`, and the key
/// of its range in the calibration file: "calibration:<name>".
std::string calibrationOutputName(StringRef name);

/// Every calibration point of `module` with its name, in program order;
/// a value read by several products appears once.
llvm::MapVector<Value, std::string> findCalibrationPoints(ModuleOp module);

/// The measured distribution of one value over the calibration sets.
struct ActivationRange {
  double min = 0, max = 0, absmax = 0;
  /// Counts of |x| in equal bins over [0, absmax].
  std::vector<uint64_t> histogram;
};

/// The ranges of a calibration file, by calibration point name.
struct CalibrationTable {
  int64_t sets = 0;
  llvm::StringMap<ActivationRange> ranges;
};

/// Reads a file written by `autoglm-run --calibrate`; an error at `loc`
/// naming the file when it cannot be read or is malformed.
FailureOr<CalibrationTable> readCalibrationTable(StringRef path, Location loc);

/// The range `table` holds for calibration point `point`, which `product`
/// reads; an error at `product` naming the point when there is none (the
/// file was made for another model or other options).
FailureOr<const ActivationRange *>
calibratedRange(const CalibrationTable &table, StringRef point,
                Operation *product);

/// The clipping threshold of |x| for `range`: its absmax ("minmax"), the
/// `percentile` of |x| ("percentile", e.g. 99.99), at the upper edge of the
/// histogram bin where that many values lie below, or the threshold of
/// least information loss ("entropy", entropyThreshold).
double calibratedThreshold(const ActivationRange &range, StringRef calibrator,
                           double percentile);

/// The quantization levels of |x| the entropy calibrator compares with: 128,
/// one sign of int8, as TensorRT's.
constexpr int kEntropyCalibrationLevels = 128;

/// The threshold of |x| (an upper edge of `histogram`'s bins over [0,
/// absmax]) whose clipped distribution loses the least information, by
/// Kullback-Leibler divergence, when quantized to `levels` levels.
double entropyThreshold(ArrayRef<uint64_t> histogram, double absmax,
                        int levels);
} // namespace mlir::autoglm

#endif // AUTOGLM_PASSES_CALIBRATION_H

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

namespace mlir::autoglm {
/// What the int8 (or fp8) rewrite chose for one product (the precision
/// report).
struct Int8Choice {
  /// The calibration point the activation was measured as, the range it is
  /// clipped to, its scale ((max - min) / 255) and zero point (of the
  /// uint8 value, or of the int8 one for Int8Kernels::CUDA).
  std::string point;
  double min = 0, max = 0, inputScale = 0;
  int64_t zeroPoint = 0;
  /// The smallest and largest per-output-channel weight scale.
  double minWeightScale = 0, maxWeightScale = 0;
  /// An fp8 product (quantizeProductsFloat8): E4M3 operands, symmetric
  /// (no zero point), one weight scale.
  bool float8 = false;
};

/// The int8 ops one rewrite made: the int8 products with their choices,
/// and the quantize/dequantize ops around them (reported with the product).
struct Int8Rewrites {
  llvm::DenseMap<Operation *, Int8Choice> products;
  llvm::DenseSet<Operation *> helpers;
};

/// Rewrites every quantizable matmul of `module` into
///   dequantize(matmul(quantize(x) : ui8, W_q : i8) : i32)
/// with W_q the weight quantized per output channel (symmetric, scale
/// max|W[:, n]| / 127, at compile time), x quantized per tensor to uint8
/// with a zero point over the calibrated range (which holds 0; the
/// percentile calibrator clips it to +-threshold), and the i32 result,
/// less the zero point's share, scaled back to f32 per channel; and every
/// quantizable convolution into
///   dequantize(conv(i32(quantize(x)) - zp, W_q : i32) : i32) + bias
/// (the dialect's exact integer convolution, whose padding of 0 is the
/// zero point of the uint8 value; the CPU target repacks W_q as int8). A
/// point the table has no range for is an error at the product.
///
/// For Int8Kernels::CUDA the activations are int8 instead, with a zero
/// point in [-128, 127] (the same 256 levels shifted by 128: cuBLASLt's
/// int8 kernels multiply int8 by int8), and only the matmuls whose K and
/// N are multiples of 4 are rewritten (what those kernels take); the
/// convolutions and the other matmuls are left as they are.
enum class Int8Kernels { CPU, CUDA };
LogicalResult quantizeProductsInt8(ModuleOp module,
                                   const CalibrationTable &table,
                                   StringRef calibrator, double percentile,
                                   Int8Kernels kernels, Int8Rewrites &rewrites);

/// Rewrites every quantizable matmul of `module` whose K and N are
/// multiples of 16 into a product of float8 E4M3 values with f32
/// accumulation scaled back by the two scales (QuantizeFloat8.cpp): x per
/// tensor at its calibrated threshold, the weight per tensor at its
/// largest magnitude, shared by the products that read one activation. A
/// point the table has no range for is an error at the product.
LogicalResult quantizeProductsFloat8(ModuleOp module,
                                     const CalibrationTable &table,
                                     StringRef calibrator, double percentile,
                                     Int8Rewrites &rewrites);
} // namespace mlir::autoglm
