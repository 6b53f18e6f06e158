//===- NodeContext.h - what a converter sees of an ONNX node ----*- C++ -*-===//
//
// Internal to the importer. `ImportState` is the state of one graph import
// (builder, ONNX value name -> MLIR value, known integer values); a
// `NodeContext` wraps it for one node: typed access to inputs, attributes
// and outputs, diagnostics at the node's location, and op creation with type
// inference that reports failures as diagnostics instead of aborting.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_LIB_IMPORTER_NODECONTEXT_H
#define AUTOGLM_LIB_IMPORTER_NODECONTEXT_H

#include "KnownInts.h"

#include "autoglm/Dialect/AutoGLM.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/StringMap.h"

#include <optional>
#include <string>

namespace onnx {
class AttributeProto;
class NodeProto;
} // namespace onnx

namespace autoglm::importer {
class TensorConverter;

/// The default-domain opsets whose semantics the converters know: 7 (the
/// first with numpy broadcasting) up to the newest that the `onnx` 1.23 wheel
/// defines. Converters read the operator version of the model's opset
/// (`NodeContext::opset()`), e.g. Split's sizes as an attribute before 13.
constexpr int64_t kMinSupportedOpset = 7;
constexpr int64_t kMaxSupportedOpset = 28;

struct ImportState {
  ImportState(mlir::MLIRContext *context, TensorConverter &tensors,
              int64_t opset)
      : context(context), builder(context), tensors(tensors), opset(opset) {}

  mlir::MLIRContext *context;
  mlir::OpBuilder builder;
  TensorConverter &tensors;
  int64_t opset;
  /// ImportOptions::runtimeControlFlow.
  bool runtimeControlFlow = true;
  /// ONNX value name -> the MLIR value holding it.
  llvm::StringMap<mlir::Value> values;
  /// ONNX value name -> its integer values where known at import time.
  llvm::StringMap<KnownInts> known;
  /// ONNX value name -> the type value_info / graph outputs declare.
  llvm::StringMap<mlir::RankedTensorType> declaredTypes;
};

/// One entry of a target shape for `NodeContext::reshapeTo`.
struct DimSpec {
  /// Copy dimension `inputDim` of the reshaped tensor.
  static DimSpec fromInput(int64_t inputDim) { return {inputDim, 0}; }
  /// A literal size; -1 means "whatever the element count leaves".
  static DimSpec literal(int64_t size) { return {-1, size}; }
  int64_t inputDim;
  int64_t size;
};

class NodeContext {
public:
  NodeContext(ImportState &state, const onnx::NodeProto &node,
              mlir::Location loc);

  const onnx::NodeProto &node;
  mlir::Location loc;
  ImportState &state;
  mlir::OpBuilder &b;
  mlir::MLIRContext *ctx;

  llvm::StringRef opType() const;
  int64_t opset() const { return state.opset; }

  //===--------------------------------------------------------------------===//
  // Inputs
  //===--------------------------------------------------------------------===//

  unsigned numInputs() const;
  /// Input `i` exists and is not the empty name (ONNX's "absent optional").
  bool hasInput(unsigned i) const;
  /// The value of input `i`; null when absent.
  mlir::Value input(unsigned i) const;
  mlir::RankedTensorType inputType(unsigned i) const;
  /// The integer values of input `i` where known (possibly partially).
  const KnownInts *known(unsigned i) const;
  /// Input `i`'s values when every entry is known.
  std::optional<llvm::SmallVector<int64_t>> knownValues(unsigned i) const;
  /// Input `i` as one integer known at import time (a scalar or a 1-element
  /// tensor); fails with a diagnostic naming it `what` otherwise.
  mlir::FailureOr<int64_t> knownScalar(unsigned i, llvm::StringRef what) const;
  /// The attribute of the constant defining input `i`, if any.
  mlir::ElementsAttr constantAttr(unsigned i) const;
  /// Input `i`'s values as doubles when it is a constant (any numeric type).
  std::optional<llvm::SmallVector<double>> constantValues(unsigned i) const;

  //===--------------------------------------------------------------------===//
  // Attributes
  //===--------------------------------------------------------------------===//

  const onnx::AttributeProto *attr(llvm::StringRef name) const;
  bool hasAttr(llvm::StringRef name) const { return attr(name) != nullptr; }
  int64_t intAttr(llvm::StringRef name, int64_t defaultValue) const;
  double floatAttr(llvm::StringRef name, double defaultValue) const;
  std::string stringAttr(llvm::StringRef name,
                         llvm::StringRef defaultValue) const;
  std::optional<llvm::SmallVector<int64_t>>
  intsAttr(llvm::StringRef name) const;
  std::optional<llvm::SmallVector<double>>
  floatsAttr(llvm::StringRef name) const;

  //===--------------------------------------------------------------------===//
  // Outputs
  //===--------------------------------------------------------------------===//

  unsigned numOutputs() const;
  bool hasOutput(unsigned i) const;
  /// Binds output `i` to `value`, refining its type by value_info.
  void setOutput(unsigned i, mlir::Value value);
  /// ... and records its integer values where (some are) known.
  void setOutput(unsigned i, mlir::Value value, std::optional<KnownInts> known);
  /// Binds output 0 to `result`; failure when it is null (an op failed).
  mlir::LogicalResult finish(mlir::Value result);

  //===--------------------------------------------------------------------===//
  // Diagnostics (at the node's location, prefixed with the op type)
  //===--------------------------------------------------------------------===//

  mlir::InFlightDiagnostic emitError() const;
  /// Checks the number of inputs / outputs against the operator's arity.
  mlir::LogicalResult checkArity(unsigned minInputs, unsigned maxInputs,
                                 unsigned maxOutputs = 1) const;
  /// The error for a structural parameter only known at run time. When the
  /// input whose values were last asked for and not known is a graph input,
  /// the message suggests specializing it with --input-value.
  mlir::LogicalResult notKnown(llvm::StringRef what) const;
  /// Normalizes a possibly negative axis into [0, rank).
  mlir::FailureOr<int64_t> normalizeAxis(int64_t axis, int64_t rank,
                                         llvm::StringRef what = "axis") const;
  /// Normalizes, sorts and checks a list of axes.
  mlir::FailureOr<llvm::SmallVector<int64_t>>
  normalizeAxes(llvm::ArrayRef<int64_t> axes, int64_t rank,
                bool sortAxes = true) const;
  /// The node's `axes` attribute normalized and checked, in its order, or
  /// every axis of a tensor of `rank` when the node has none.
  mlir::FailureOr<llvm::SmallVector<int64_t>> axesAttrOrAll(int64_t rank) const;

  //===--------------------------------------------------------------------===//
  // Building ops
  //===--------------------------------------------------------------------===//

  /// Creates an op whose result types are inferred; null on failure (the
  /// dialect's inference / verifier has reported it at the node's location).
  template <typename OpTy, typename... Args>
  mlir::Operation *createInferred(unsigned numResults, Args &&...args) {
    mlir::OperationState opState(loc, OpTy::getOperationName());
    llvm::SmallVector<mlir::Type> placeholders(numResults, b.getNoneType());
    OpTy::build(b, opState, mlir::TypeRange(placeholders),
                std::forward<Args>(args)...);
    opState.types.clear();
    if (mlir::failed(OpTy::inferReturnTypes(
            ctx, loc, opState.operands, opState.attributes.getDictionary(ctx),
            opState.getRawProperties(), opState.regions, opState.types)))
      return nullptr;
    return verified(b.create(opState));
  }
  /// Single-result shorthand for `createInferred`.
  template <typename OpTy, typename... Args>
  mlir::Value create(Args &&...args) {
    mlir::Operation *op = createInferred<OpTy>(1, std::forward<Args>(args)...);
    return op ? op->getResult(0) : mlir::Value();
  }
  /// Creates a single-result op with an explicit result type; null when the
  /// op's verifier rejects it.
  template <typename OpTy, typename... Args>
  mlir::Value createTyped(mlir::Type resultType, Args &&...args) {
    mlir::OperationState opState(loc, OpTy::getOperationName());
    OpTy::build(b, opState, mlir::TypeRange(resultType),
                std::forward<Args>(args)...);
    mlir::Operation *op = verified(b.create(opState));
    return op ? op->getResult(0) : mlir::Value();
  }

  /// An `autoglm.constant`.
  mlir::Value constant(mlir::ElementsAttr value);
  /// A 1-D i64 constant (shapes, sizes).
  mlir::Value constantI64(llvm::ArrayRef<int64_t> values);
  /// A 0-d constant of `elementType` (broadcasts against anything).
  mlir::Value scalar(mlir::Type elementType, double value);
  /// A constant from known integers, recording them for `name` users.
  mlir::Value constantFromKnown(const KnownInts &known, mlir::Type elementType);

  /// Reshape to a static shape.
  mlir::Value reshape(mlir::Value input, llvm::ArrayRef<int64_t> shape);
  /// Reshape to a shape given per dimension as a literal or as a dimension of
  /// `input`; builds a run-time shape operand only where dimensions are
  /// dynamic.
  mlir::Value reshapeTo(mlir::Value input, llvm::ArrayRef<DimSpec> spec);
  /// Flatten's 2-D view [prod(dims before axis), prod(dims from axis)] of
  /// `input`; null (with a diagnostic) when neither side is static.
  mlir::Value flattenTo2D(mlir::Value input, int64_t axis);
  /// `input` reshaped back to the shape of `like` (static, or its run-time
  /// shape).
  mlir::Value reshapeLike(mlir::Value input, mlir::Value like);
  /// Transpose by `permutation`.
  mlir::Value transpose(mlir::Value input, llvm::ArrayRef<int64_t> permutation);
  /// Elementwise cast to `elementType` (identity when already that type).
  mlir::Value castTo(mlir::Value input, mlir::Type elementType);

private:
  /// The input whose values `knownValues` / `constantAttr` last failed to
  /// find (for `notKnown`'s hint); -1 when none.
  mutable int lastUnknownInput = -1;

  /// Verifies a freshly built op; erases it and returns null when invalid.
  mlir::Operation *verified(mlir::Operation *op);
};
} // namespace autoglm::importer

#endif // AUTOGLM_LIB_IMPORTER_NODECONTEXT_H
