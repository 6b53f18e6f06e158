//===- ModelSignature.cpp - the inputs and outputs a model exposes --------===//

#include "autoglm/Target/ModelSignature.h"

#include "autoglm/Dialect/AutoGLM.h"
#include "autoglm/model_abi.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"

using namespace mlir;
using namespace mlir::autoglm;

int64_t TensorSignature::byteSize() const {
  int64_t elements = 1;
  for (int64_t dim : shape)
    elements *= dim;
  switch (dtype) {
#define AUTOGLM_DTYPE_SIZE(name, code, bytes, text)                            \
  case code:                                                                   \
    return elements * bytes;
    AUTOGLM_DTYPES(AUTOGLM_DTYPE_SIZE)
#undef AUTOGLM_DTYPE_SIZE
  }
  return 0;
}

int32_t mlir::autoglm::onnxDataType(Type type) {
  if (type.isF32())
    return AUTOGLM_FLOAT32;
  if (type.isF16())
    return AUTOGLM_FLOAT16;
  if (type.isBF16())
    return AUTOGLM_BFLOAT16;
  if (type.isF64())
    return AUTOGLM_FLOAT64;
  if (isa<Float8E4M3FNType>(type))
    return AUTOGLM_FLOAT8E4M3FN;
  if (isa<Float8E4M3FNUZType>(type))
    return AUTOGLM_FLOAT8E4M3FNUZ;
  if (isa<Float8E5M2Type>(type))
    return AUTOGLM_FLOAT8E5M2;
  if (isa<Float8E5M2FNUZType>(type))
    return AUTOGLM_FLOAT8E5M2FNUZ;
  if (isa<Float4E2M1FNType>(type))
    return AUTOGLM_FLOAT4E2M1;
  if (auto integer = dyn_cast<IntegerType>(type)) {
    bool isUnsigned = integer.isUnsigned();
    switch (integer.getWidth()) {
    case 1:
      return AUTOGLM_BOOL;
    case 2:
      return isUnsigned ? AUTOGLM_UINT2 : AUTOGLM_INT2;
    case 4:
      return isUnsigned ? AUTOGLM_UINT4 : AUTOGLM_INT4;
    case 8:
      return isUnsigned ? AUTOGLM_UINT8 : AUTOGLM_INT8;
    case 16:
      return isUnsigned ? AUTOGLM_UINT16 : AUTOGLM_INT16;
    case 32:
      return isUnsigned ? AUTOGLM_UINT32 : AUTOGLM_INT32;
    case 64:
      return isUnsigned ? AUTOGLM_UINT64 : AUTOGLM_INT64;
    default:
      return 0;
    }
  }
  return 0;
}

static FailureOr<TensorSignature> readTensor(func::FuncOp func, Type type,
                                             DictionaryAttr attrs,
                                             StringRef what, unsigned index) {
  TensorSignature tensor;
  StringAttr onnxName =
      AutoGLMDialect::OnnxNameAttrHelper(func.getContext()).getName();
  auto name = attrs ? attrs.getAs<StringAttr>(onnxName) : StringAttr();
  tensor.name = name ? name.str() : (what + Twine(index)).str();
  auto ranked = dyn_cast<RankedTensorType>(type);
  if (!ranked)
    return func.emitError() << what << " '" << tensor.name
                            << "' is not a ranked tensor (" << type << ")";
  if (!ranked.hasStaticShape())
    return func.emitError()
           << what << " '" << tensor.name << "' has shape " << type
           << "; compiling needs static shapes: "
           << "specialize it with --input-shape=" << tensor.name << ":DxDx...";
  tensor.dtype = onnxDataType(ranked.getElementType());
  if (!tensor.dtype)
    return func.emitError()
           << what << " '" << tensor.name << "' has element type "
           << ranked.getElementType() << ", which the C ABI has no type for";
  tensor.shape.assign(ranked.getShape().begin(), ranked.getShape().end());
  return tensor;
}

FailureOr<ModelSignature>
mlir::autoglm::readModelSignature(func::FuncOp func, StringRef modelName) {
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

FailureOr<ModelSignature>
mlir::autoglm::combineBatchSignatures(ArrayRef<ModelSignature> sizes,
                                      ArrayRef<int64_t> batchSizes,
                                      Location loc) {
  ModelSignature combined = sizes.back();
  combined.batchSizes.assign(batchSizes.begin(), batchSizes.end());
  auto compare = [&](std::vector<TensorSignature> &tensors,
                     const std::vector<TensorSignature> &smaller,
                     StringRef kind) -> LogicalResult {
    if (tensors.size() != smaller.size())
      return emitError(loc)
             << "the model has a different number of " << kind << "s at batch "
             << batchSizes.front() << " than at batch " << batchSizes.back();
    for (auto [tensor, other] : llvm::zip(tensors, smaller)) {
      bool sameRest = tensor.name == other.name &&
                      tensor.dtype == other.dtype &&
                      tensor.shape.size() == other.shape.size() &&
                      (tensor.shape.empty() ||
                       llvm::equal(ArrayRef(tensor.shape).drop_front(),
                                   ArrayRef(other.shape).drop_front()));
      if (!sameRest)
        return emitError(loc)
               << kind << " '" << tensor.name
               << "' differs between batch sizes in more than dimension 0; "
                  "--batch-sizes needs a model whose batch is dimension 0 of "
                  "its inputs and outputs";
      tensor.batched |=
          !tensor.shape.empty() && tensor.shape[0] != other.shape[0];
    }
    return success();
  };
  // One size: the tensors whose dimension 0 is that size are taken to be
  // batched, as nothing else tells.
  if (sizes.size() == 1)
    for (auto *tensors : {&combined.inputs, &combined.outputs})
      for (TensorSignature &tensor : *tensors)
        tensor.batched =
            !tensor.shape.empty() && tensor.shape[0] == batchSizes.front();
  for (const ModelSignature &size : sizes.drop_back())
    if (failed(compare(combined.inputs, size.inputs, "input")) ||
        failed(compare(combined.outputs, size.outputs, "output")))
      return failure();
  if (!llvm::any_of(combined.outputs,
                    [](const TensorSignature &t) { return t.batched; }))
    return emitError(loc)
           << "no output of the model changes with the batch size; "
              "--batch-sizes needs outputs whose dimension 0 is the batch";
  return combined;
}
