//===- Interpolation.h - taps and kernels of resampling ops -----*- C++ -*-===//
//
// Internal to lib/Conversion/AutoGLMToLinalg: what resize, grid_sample and
// roi_align share inside their gather generics, and the patterns of the ops
// of SeparateOps.td. A resampled dimension reads a few input positions
// (taps), each with a weight; the element is the sum, over every combination
// of one tap per resampled dimension, of the product of the weights times
// the input there. Weights and sums are f32.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_LIB_CONVERSION_AUTOGLMTOLINALG_INTERPOLATION_H
#define AUTOGLM_LIB_CONVERSION_AUTOGLMTOLINALG_INTERPOLATION_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::autoglm::lowering {
/// One input position of a resampled dimension (an index) and its weight.
struct Tap {
  Value index;
  Value weight;
};

/// f32 arithmetic on scalars inside a generic's body.
struct F32Builder {
  OpBuilder &b;
  Location loc;

  Value c(double value) const;
  Value add(Value x, Value y) const;
  Value sub(Value x, Value y) const;
  Value mul(Value x, Value y) const;
  Value div(Value x, Value y) const;
  Value min(Value x, Value y) const;
  Value max(Value x, Value y) const;
  Value floor(Value x) const;
  Value abs(Value x) const;
  Value lt(Value x, Value y) const;
  Value select(Value cond, Value x, Value y) const;
  /// An index (or integer) as f32.
  Value fromIndex(Value index) const;
  /// `x` truncated toward zero and clamped into [0, size - 1] (NaN too), as
  /// an index.
  Value clampedIndex(Value x, int64_t size) const;
};

/// Keys' cubic convolution kernel with parameter `a` at distance `d`:
/// (a+2)|d|^3 - (a+3)|d|^2 + 1 up to 1, a|d|^3 - 5a|d|^2 + 8a|d| - 4a up to
/// 2, 0 beyond.
Value cubicKernel(const F32Builder &f, Value d, double a);

/// The 4 cubic taps floor(x) - 1 .. floor(x) + 2 of coordinate `x` as
/// (position as f32, weight) pairs, before the caller maps positions to
/// indices.
SmallVector<std::pair<Value, Value>> cubicTaps(const F32Builder &f, Value x,
                                               double a);

/// sum over the combinations of one tap per dimension in `dims` (taps[d]
/// for dimension d) of the weights' product times `input` at those
/// indices, the other dimensions at `base`. `elementType` is the input's
/// (original) element type; the sum is f32.
Value sumOverTaps(OpBuilder &b, Location loc, Value input, Type elementType,
                  ArrayRef<Value> base, ArrayRef<unsigned> dims,
                  ArrayRef<SmallVector<Tap>> taps);

/// autoglm.grid_sample (GridSample.cpp) and autoglm.roi_align (RoiAlign.cpp);
/// declared here, not in Common.h, which every lowering file includes.
void populateGridSamplePatterns(TypeConverter &converter,
                                RewritePatternSet &patterns);
void populateRoiAlignPatterns(TypeConverter &converter,
                              RewritePatternSet &patterns);
} // namespace mlir::autoglm::lowering

#endif // AUTOGLM_LIB_CONVERSION_AUTOGLMTOLINALG_INTERPOLATION_H
