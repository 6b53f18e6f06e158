//===- ModelSignature.cpp - the inputs and outputs a model exposes --------===//

#include "autoglm/Target/ModelSignature.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"

using namespace mlir;
using namespace mlir::autoglm;

int64_t TensorSignature::byteSize() const {
  int64_t elements = 1;
  for (int64_t dim : shape)
    elements *= dim;
  switch (dtype) {
  case 9: case 2: case 3: return elements;          // bool, u8, i8
  case 4: case 5: case 10: case 16: return elements * 2;
  case 1: case 6: case 12: return elements * 4;
  default: return elements * 8;                     // i64, f64, u64
  }
}

int32_t mlir::autoglm::onnxDataType(Type type) {
  if (type.isF32()) return 1;
  if (type.isF16()) return 10;
  if (type.isBF16()) return 16;
  if (type.isF64()) return 11;
  if (auto integer = dyn_cast<IntegerType>(type)) {
    bool isUnsigned = integer.isUnsigned();
    switch (integer.getWidth()) {
    case 1: return 9;
    case 8: return isUnsigned ? 2 : 3;
    case 16: return isUnsigned ? 4 : 5;
    case 32: return isUnsigned ? 12 : 6;
    case 64: return isUnsigned ? 13 : 7;
    default: return 0;
    }
  }
  return 0;
}

static FailureOr<TensorSignature> readTensor(func::FuncOp func, Type type,
                                             DictionaryAttr attrs, StringRef what,
                                             unsigned index) {
  TensorSignature tensor;
  auto name = attrs ? attrs.getAs<StringAttr>("onnx.name") : StringAttr();
  tensor.name = name ? name.str() : (what + Twine(index)).str();
  auto ranked = dyn_cast<RankedTensorType>(type);
  if (!ranked)
    return func.emitError() << what << " '" << tensor.name
                            << "' is not a ranked tensor (" << type << ")";
  if (!ranked.hasStaticShape())
    return func.emitError() << what << " '" << tensor.name << "' has shape "
                            << type << "; compiling needs static shapes: "
                            << "specialize it with --input-shape="
                            << tensor.name << ":DxDx...";
  tensor.dtype = onnxDataType(ranked.getElementType());
  if (!tensor.dtype)
    return func.emitError() << what << " '" << tensor.name << "' has element type "
                            << ranked.getElementType()
                            << ", which the C ABI has no type for";
  tensor.shape.assign(ranked.getShape().begin(), ranked.getShape().end());
  return tensor;
}

FailureOr<ModelSignature> mlir::autoglm::readModelSignature(func::FuncOp func,
                                                            StringRef modelName) {
  ModelSignature signature;
  signature.modelName = modelName.str();
  for (auto [i, type] : llvm::enumerate(func.getArgumentTypes())) {
    FailureOr<TensorSignature> tensor =
        readTensor(func, type, func.getArgAttrDict(i), "input", i);
    if (failed(tensor))
      return failure();
    signature.inputs.push_back(std::move(*tensor));
  }
  for (auto [i, type] : llvm::enumerate(func.getResultTypes())) {
    FailureOr<TensorSignature> tensor =
        readTensor(func, type, func.getResultAttrDict(i), "output", i);
    if (failed(tensor))
      return failure();
    signature.outputs.push_back(std::move(*tensor));
  }
  return signature;
}
