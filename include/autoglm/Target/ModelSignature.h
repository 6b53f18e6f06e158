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
  int64_t byteSize() const;
};

struct ModelSignature {
  std::string modelName;
  std::vector<TensorSignature> inputs, outputs;
};

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
