//===- ConstantEvaluator.h - evaluate autoglm ops on constants -*- C++ -*-===//
//
// Internal to the passes library: the evaluator behind
// --autoglm-fold-constants. Values are held as double (every float type up
// to f64 is exact in it) or int64_t (integers sign- or zero-extended by their
// signedness, ui64 as its bit pattern); each op's result is rounded to its
// element type once, when it becomes an attribute, so f16/bf16/f32 results
// are those of the type's correctly rounded arithmetic.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_PASSES_CONSTANTEVALUATOR_H
#define AUTOGLM_PASSES_CONSTANTEVALUATOR_H

#include "mlir/IR/BuiltinAttributeInterfaces.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"

#include <optional>
#include <vector>

namespace mlir::autoglm {
/// A constant tensor of static shape being evaluated.
struct ConstTensor {
  RankedTensorType type;
  /// Elements of a float tensor; empty otherwise.
  std::vector<double> floats;
  /// Elements of an integer tensor (i1 as 0/1); empty otherwise.
  std::vector<int64_t> ints;

  bool isFloat() const { return isa<FloatType>(type.getElementType()); }
  int64_t size() const { return type.getNumElements(); }
  /// An empty tensor of `type` with room for its elements.
  static ConstTensor zeros(RankedTensorType type);

  /// Reads a dense or dense_resource attribute; nullopt for what it cannot
  /// hold (dynamic shapes, quantized or complex elements, elided blobs).
  static std::optional<ConstTensor> read(ElementsAttr attr);
  /// The attribute of the values rounded to the element type; large tensors
  /// become dense_resource blobs named after `blobName`, as the importer's.
  ElementsAttr toAttr(StringRef blobName) const;

  /// Element `i` as a double (integers by their signedness).
  double asDouble(int64_t i) const;
};

/// The limits of one evaluation: results larger than `maxElements` are not
/// materialized unless no larger than the largest constant operand (data
/// movement and elementwise ops on weights do not grow the model), and
/// contractions stop at `maxMacs` multiply-adds.
struct EvalLimits {
  int64_t maxElements = 1 << 20;
  int64_t maxMacs = int64_t(1) << 26;
};

/// Why an op was not evaluated.
enum class EvalStatus {
  Done,
  /// The evaluator has no rule for this op (or these types/attributes).
  Unsupported,
  /// The result would exceed EvalLimits.
  TooLarge,
  /// Evaluating would be undefined (integer division by zero, a float out of
  /// an integer's range, an index out of bounds): left to run time.
  Undefined,
};

/// Evaluates `op` on the constant `operands` (one per operand, in order)
/// into `results` (one per result).
EvalStatus evaluate(Operation *op, ArrayRef<ConstTensor> operands,
                    const EvalLimits &limits,
                    SmallVectorImpl<ConstTensor> &results);

/// Rounds `value` to the float type `type` (f16, bf16, f32, f64).
double roundToFloatType(double value, Type type);
} // namespace mlir::autoglm

#endif // AUTOGLM_PASSES_CONSTANTEVALUATOR_H
