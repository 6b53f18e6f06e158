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

/// The inputs of `func` that a Gather or GatherElements takes as its
/// indices, directly or through reshapes (which keep the values): each
/// value must lie in [-n, n) for the table's n rows along the axis. ONNX
/// leaves other values undefined and ONNX Runtime refuses them; the runtime
/// refuses them too, naming the node, before the run. Indices the model
/// computes are kept inside the table by the lowering instead.
static std::vector<IndexCheck> readIndexChecks(func::FuncOp func) {
  std::vector<IndexCheck> checks;
  auto add = [&](Operation *op, Value indices, Value data, int64_t axis) {
    while (auto reshape = indices.getDefiningOp<ReshapeOp>())
      indices = reshape.getInput();
    auto argument = dyn_cast<BlockArgument>(indices);
    auto table = dyn_cast<RankedTensorType>(data.getType());
    if (!argument || argument.getOwner()->getParentOp() != func || !table ||
        axis < 0 || axis >= table.getRank() || table.isDynamicDim(axis))
      return;
    checks.push_back({static_cast<int32_t>(argument.getArgNumber()),
                      table.getDimSize(axis), getNodeName(op->getLoc()).str()});
  };
  func.walk([&](Operation *op) {
    if (auto gather = dyn_cast<GatherOp>(op))
      add(op, gather.getIndices(), gather.getData(), gather.getAxis());
    else if (auto gather = dyn_cast<GatherElementsOp>(op))
      add(op, gather.getIndices(), gather.getData(), gather.getAxis());
  });
  return checks;
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
  signature.indexChecks = readIndexChecks(func);
  return signature;
}

size_t ModelSignature::numEntries() const {
  if (batchSizes.empty() && seqLengths.empty())
    return 0;
  return std::max<size_t>(batchSizes.size(), 1) *
         std::max<size_t>(seqLengths.size(), 1);
}

int64_t ModelSignature::entryBatch(size_t index) const {
  if (batchSizes.empty())
    return 0;
  return batchSizes[index / std::max<size_t>(seqLengths.size(), 1)];
}

int64_t ModelSignature::entryLength(size_t index) const {
  return seqLengths.empty() ? 0 : seqLengths[index % seqLengths.size()];
}

std::string ModelSignature::entrySuffix(size_t index) const {
  std::string suffix;
  if (!batchSizes.empty())
    suffix = "b" + std::to_string(entryBatch(index));
  if (!seqLengths.empty())
    suffix +=
        (suffix.empty() ? "s" : "_s") + std::to_string(entryLength(index));
  return suffix;
}

/// What one entry is called in diagnostics: "batch 4, length 64".
static std::string describeEntry(const ModelSignature &shell, size_t index) {
  std::string text;
  if (!shell.batchSizes.empty())
    text = "batch " + std::to_string(shell.entryBatch(index));
  if (!shell.seqLengths.empty())
    text += (text.empty() ? "length " : ", length ") +
            std::to_string(shell.entryLength(index));
  return text;
}

FailureOr<ModelSignature>
mlir::autoglm::combineEntrySignatures(ArrayRef<ModelSignature> entries,
                                      const ModelSignature &shell,
                                      Location loc) {
  size_t last = entries.size() - 1;
  ModelSignature combined = entries.back();
  combined.batchSizes = shell.batchSizes;
  combined.seqLengths = shell.seqLengths;
  combined.padMask = shell.padMask;
  // Every entry against the largest: a dimension may differ only as the
  // batch (dimension 0, between batch sizes) or as the sequence length
  // (between lengths, equal to the length).
  auto compare = [&](std::vector<TensorSignature> &tensors, size_t index,
                     const std::vector<TensorSignature> &other,
                     StringRef kind) -> LogicalResult {
    if (tensors.size() != other.size())
      return emitError(loc) << "the model has a different number of " << kind
                            << "s at " << describeEntry(shell, index)
                            << " than at " << describeEntry(shell, last);
    bool otherBatch = shell.entryBatch(index) != shell.entryBatch(last);
    bool otherLength = shell.entryLength(index) != shell.entryLength(last);
    for (auto [tensor, that] : llvm::zip(tensors, other)) {
      bool same = tensor.name == that.name && tensor.dtype == that.dtype &&
                  tensor.shape.size() == that.shape.size();
      for (size_t d = 0; same && d < tensor.shape.size(); ++d) {
        if (tensor.shape[d] == that.shape[d])
          continue;
        if (d == 0 && otherBatch && !otherLength)
          tensor.batched = true;
        else if (otherLength && !otherBatch && d < 32 &&
                 that.shape[d] == shell.entryLength(index) &&
                 tensor.shape[d] == shell.entryLength(last))
          tensor.seqDims |= uint32_t(1) << d;
        else if (!(otherBatch && otherLength))
          same = false;
      }
      if (!same)
        return emitError(loc)
               << kind << " '" << tensor.name << "' differs between "
               << describeEntry(shell, index) << " and "
               << describeEntry(shell, last)
               << " in more than its batch (dimension 0) and sequence "
                  "length (a dimension equal to the length); batch sizes and "
                  "sequence lengths need a model whose other dimensions do "
                  "not change with them";
    }
    return success();
  };
  // One batch size: the tensors whose dimension 0 is that size are taken to
  // be batched, as nothing else tells.
  if (shell.batchSizes.size() == 1)
    for (auto *tensors : {&combined.inputs, &combined.outputs})
      for (TensorSignature &tensor : *tensors)
        tensor.batched = !tensor.shape.empty() &&
                         tensor.shape[0] == shell.batchSizes.front();
  for (size_t i = 0; i < last; ++i)
    if (failed(compare(combined.inputs, i, entries[i].inputs, "input")) ||
        failed(compare(combined.outputs, i, entries[i].outputs, "output")))
      return failure();
  // Entries of another batch and length, compared with neither alone above,
  // must fit the dimensions found: each sequence dimension is the length.
  for (size_t i = 0; i < last; ++i)
    for (auto [mine, theirs] :
         {std::pair(&combined.inputs, &entries[i].inputs),
          std::pair(&combined.outputs, &entries[i].outputs)})
      for (auto [tensor, that] : llvm::zip(*mine, *theirs))
        for (size_t d = 0; d < tensor.shape.size(); ++d) {
          bool seq = d < 32 && (tensor.seqDims >> d) & 1;
          int64_t expected = seq                        ? shell.entryLength(i)
                             : d == 0 && tensor.batched ? shell.entryBatch(i)
                                                        : tensor.shape[d];
          if (that.shape[d] != expected)
            return emitError(loc)
                   << "'" << tensor.name << "' has dimension " << d << " of "
                   << that.shape[d] << " at " << describeEntry(shell, i)
                   << ", not " << expected
                   << " as its other entries imply; batch sizes and "
                      "sequence lengths need a model whose dimensions are "
                      "the batch, the length or fixed";
        }
  if (!shell.batchSizes.empty() &&
      !llvm::any_of(combined.outputs,
                    [](const TensorSignature &t) { return t.batched; }))
    return emitError(loc)
           << "no output of the model changes with the batch size; "
              "--batch-sizes needs outputs whose dimension 0 is the batch";
  if (!shell.padMask.empty()) {
    auto mask = llvm::find_if(combined.inputs, [&](const TensorSignature &t) {
      return t.name == shell.padMask;
    });
    if (mask == combined.inputs.end())
      return emitError(loc) << "--pad-mask='" << shell.padMask
                            << "' names no input of the model";
    if (!mask->seqDims)
      return emitError(loc)
             << "--pad-mask='" << shell.padMask
             << "' names an input without a sequence dimension; give it one "
                "with --input-shape="
             << shell.padMask << ":...x{LENGTHS}";
  }
  return combined;
}
