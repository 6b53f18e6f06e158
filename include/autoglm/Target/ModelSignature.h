//===- ModelSignature.h - the inputs and outputs of a model -----*- C++ -*-===//

#ifndef AUTOGLM_TARGET_MODELSIGNATURE_H
#define AUTOGLM_TARGET_MODELSIGNATURE_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Support/LLVM.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlir::autoglm {
/// One graph input or output as the compiled model's C ABI describes it.
struct TensorSignature {
  std::string name;  // the ONNX name
  int32_t dtype = 0; // autoglm_dtype (ONNX TensorProto numbering)
  std::vector<int64_t> shape;
  /// Of a batch-polymorphic model: dimension 0 is the batch (it differs
  /// between the sizes).
  bool batched = false;
  int64_t byteSize() const;
};

struct ModelSignature {
  std::string modelName;
  std::vector<TensorSignature> inputs, outputs;
  /// A batch-polymorphic model's sizes, ascending (--batch-sizes); empty for
  /// a model of one fixed size. The tensors are then the largest size's.
  std::vector<int64_t> batchSizes;
};

/// The signature of a batch-polymorphic model from those of its sizes,
/// smallest first: the largest's tensors, those whose dimension 0 differs
/// between sizes marked batched; fails with a diagnostic at `loc` when the
/// sizes disagree in anything else (names, types, ranks, other dimensions)
/// or no output is batched.
FailureOr<ModelSignature> combineBatchSignatures(ArrayRef<ModelSignature> sizes,
                                                 ArrayRef<int64_t> batchSizes,
                                                 Location loc);

/// The ONNX data type number of an element type; 0 when it has none.
int32_t onnxDataType(Type elementType);

/// Reads the signature of `func` (names from `autoglm.onnx_name`
/// argument/result attributes, else arg<i>/result<i>); fails with a diagnostic
/// naming the tensor when a shape is not static or an element type has no C ABI
/// form.
FailureOr<ModelSignature> readModelSignature(func::FuncOp func,
                                             StringRef modelName);

/// The C header that declares a compiled model's descriptor and describes
/// its inputs and outputs.
std::string emitModelHeader(const ModelSignature &signature);
} // namespace mlir::autoglm

#endif // AUTOGLM_TARGET_MODELSIGNATURE_H
