//===- ModelDescriptor.cpp - the model descriptor as LLVM constants -------===//
//
// `autoglm_model_<name>` of runtime/include/autoglm/model_abi.h, with every
// tensor's name, type and shape, for any target: the CPU's points to its
// entry function, a device's to its device image.
//
//===----------------------------------------------------------------------===//

#include "HostEmission.h"

#include "autoglm/Dialect/AutoGLM.h"
#include "autoglm/model_abi.h"

#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Module.h"

using namespace mlir;
using namespace mlir::autoglm;

uint64_t mlir::autoglm::takeWorkspaceBytes(ModuleOp module) {
  auto helper = AutoGLMDialect::WorkspaceAttrHelper(module.getContext());
  WorkspaceAttr workspace = helper.getAttr(module);
  if (!workspace)
    return 0;
  helper.removeAttr(module);
  return workspace.getBytes();
}

ExternalWeights mlir::autoglm::takeExternalWeights(ModuleOp module) {
  auto helper = AutoGLMDialect::WeightsAttrHelper(module.getContext());
  WeightsAttr attr = helper.getAttr(module);
  if (!attr)
    return {};
  helper.removeAttr(module);
  return {attr.getFile().str(), attr.getBytes(), attr.getFingerprint()};
}

DescriptorBuilder::DescriptorBuilder(llvm::Module &module, StringRef prefix)
    : context(module.getContext()), module(module), prefix(prefix.str()) {
  ptrTy = llvm::PointerType::getUnqual(context);
  i32 = llvm::Type::getInt32Ty(context);
  i64 = llvm::Type::getInt64Ty(context);
  // autoglm_tensor_desc {const char *name; int32_t dtype; int32_t rank;
  // const int64_t *shape;}
  tensorDescTy = llvm::StructType::create(context, {ptrTy, i32, i32, ptrTy},
                                          "autoglm_tensor_desc");
  // autoglm_model_desc {uint32_t abi; int32_t device; const char *name;
  // int32_t nin, nout; const desc *in, *out; uint64_t workspace; entry;
  // uint64_t weights_bytes, weights_fingerprint; const char *weights_file;
  // const void *device_image; int32_t num_batch_entries;
  // const autoglm_batch_entry *batch_entries; int32_t num_seq_lengths;
  // const int64_t *seq_lengths; const uint32_t *input_seq_dims,
  // *output_seq_dims; int32_t pad_mask_input; int32_t num_index_checks;
  // const autoglm_index_check *index_checks}
  modelDescTy = llvm::StructType::create(
      context,
      {i32,   i32,   ptrTy, i32,   i32, ptrTy, ptrTy, i64,   ptrTy, i64, i64,
       ptrTy, ptrTy, i32,   ptrTy, i32, ptrTy, ptrTy, ptrTy, i32,   i32, ptrTy},
      "autoglm_model_desc");
  // autoglm_index_check {int32_t input; int64_t limit; const char *node}
  indexCheckTy = llvm::StructType::create(context, {i32, i64, ptrTy},
                                          "autoglm_index_check");
  // autoglm_batch_entry {int64_t batch; const desc *in, *out;
  // uint64_t workspace; entry}
  batchEntryTy = llvm::StructType::create(
      context, {i64, ptrTy, ptrTy, i64, ptrTy}, "autoglm_batch_entry");
}

llvm::Constant *DescriptorBuilder::constantGlobal(llvm::Constant *init,
                                                  const Twine &name) {
  return new llvm::GlobalVariable(module, init->getType(), /*isConstant=*/true,
                                  llvm::GlobalValue::PrivateLinkage, init,
                                  name);
}

llvm::Constant *DescriptorBuilder::string(StringRef value, const Twine &name) {
  return constantGlobal(llvm::ConstantDataArray::getString(context, value),
                        name);
}

llvm::Constant *
DescriptorBuilder::tensorTable(ArrayRef<TensorSignature> tensors,
                               StringRef kind) {
  SmallVector<llvm::Constant *> entries;
  for (auto [i, tensor] : llvm::enumerate(tensors)) {
    std::string base = prefix + "_" + kind.str() + std::to_string(i);
    SmallVector<uint64_t> dims(tensor.shape.begin(), tensor.shape.end());
    llvm::Constant *shape =
        dims.empty()
            ? llvm::ConstantPointerNull::get(ptrTy)
            : constantGlobal(llvm::ConstantDataArray::get(context, dims),
                             base + "_shape");
    entries.push_back(llvm::ConstantStruct::get(
        tensorDescTy,
        {string(tensor.name, base + "_name"),
         llvm::ConstantInt::get(i32, tensor.dtype),
         llvm::ConstantInt::get(i32, tensor.shape.size()), shape}));
  }
  if (entries.empty())
    return llvm::ConstantPointerNull::get(ptrTy);
  auto *arrayTy = llvm::ArrayType::get(tensorDescTy, entries.size());
  return constantGlobal(llvm::ConstantArray::get(arrayTy, entries),
                        prefix + "_" + kind.str() + "s");
}

llvm::GlobalVariable *DescriptorBuilder::modelDescriptor(
    const ModelSignature &signature, int32_t device, llvm::Function *entry,
    const ExternalWeights &weights, uint64_t workspaceBytes,
    llvm::Constant *deviceImage, llvm::Constant *batchEntries,
    int32_t numBatchEntries) {
  auto orNull = [&](llvm::Constant *value) -> llvm::Constant * {
    return value ? value : llvm::ConstantPointerNull::get(ptrTy);
  };
  llvm::Constant *weightsFile =
      weights.bytes ? string(weights.file, prefix + "_weights_file") : nullptr;
  // Sequence-length buckets: the lengths, each tensor's sequence
  // dimensions, the pad mask input.
  llvm::Constant *seqLengths = nullptr, *inputSeqDims = nullptr,
                 *outputSeqDims = nullptr;
  int32_t padMaskInput = -1;
  if (!signature.seqLengths.empty()) {
    SmallVector<uint64_t> lengths(signature.seqLengths.begin(),
                                  signature.seqLengths.end());
    seqLengths = constantGlobal(llvm::ConstantDataArray::get(context, lengths),
                                prefix + "_seq_lengths");
    auto dimsTable = [&](ArrayRef<TensorSignature> tensors,
                         StringRef kind) -> llvm::Constant * {
      if (tensors.empty())
        return nullptr;
      SmallVector<uint32_t> masks;
      for (const TensorSignature &tensor : tensors)
        masks.push_back(tensor.seqDims);
      return constantGlobal(llvm::ConstantDataArray::get(context, masks),
                            llvm::Twine(prefix) + "_" + kind + "_seq_dims");
    };
    inputSeqDims = dimsTable(signature.inputs, "input");
    outputSeqDims = dimsTable(signature.outputs, "output");
    for (auto [i, input] : llvm::enumerate(signature.inputs))
      if (input.name == signature.padMask)
        padMaskInput = static_cast<int32_t>(i);
  }
  // The inputs a Gather indexes a table with, checked before each run.
  llvm::Constant *indexChecks = nullptr;
  if (!signature.indexChecks.empty()) {
    SmallVector<llvm::Constant *> rows;
    for (auto [i, check] : llvm::enumerate(signature.indexChecks))
      rows.push_back(llvm::ConstantStruct::get(
          indexCheckTy,
          {llvm::ConstantInt::get(i32, check.input),
           llvm::ConstantInt::get(i64, check.limit),
           string(check.node, prefix + "_index_check_node" + Twine(i))}));
    auto *arrayTy = llvm::ArrayType::get(indexCheckTy, rows.size());
    indexChecks = constantGlobal(llvm::ConstantArray::get(arrayTy, rows),
                                 prefix + "_index_checks");
  }
  llvm::Constant *init = llvm::ConstantStruct::get(
      modelDescTy, {llvm::ConstantInt::get(i32, AUTOGLM_ABI_VERSION),
                    llvm::ConstantInt::get(i32, device),
                    string(signature.modelName, prefix + "_model_name"),
                    llvm::ConstantInt::get(i32, signature.inputs.size()),
                    llvm::ConstantInt::get(i32, signature.outputs.size()),
                    tensorTable(signature.inputs, "input"),
                    tensorTable(signature.outputs, "output"),
                    llvm::ConstantInt::get(i64, workspaceBytes),
                    orNull(entry),
                    llvm::ConstantInt::get(i64, weights.bytes),
                    llvm::ConstantInt::get(i64, weights.fingerprint),
                    orNull(weightsFile),
                    orNull(deviceImage),
                    llvm::ConstantInt::get(i32, numBatchEntries),
                    orNull(batchEntries),
                    llvm::ConstantInt::get(i32, signature.seqLengths.size()),
                    orNull(seqLengths),
                    orNull(inputSeqDims),
                    orNull(outputSeqDims),
                    llvm::ConstantInt::get(i32, padMaskInput),
                    llvm::ConstantInt::get(i32, signature.indexChecks.size()),
                    orNull(indexChecks)});
  return new llvm::GlobalVariable(module, modelDescTy, /*isConstant=*/true,
                                  llvm::GlobalValue::ExternalLinkage, init,
                                  prefix);
}

llvm::Constant *
DescriptorBuilder::batchEntryTable(ArrayRef<BatchEntry> entries) {
  SmallVector<llvm::Constant *> rows;
  for (const BatchEntry &entry : entries) {
    std::string size = entry.suffix + "_";
    rows.push_back(llvm::ConstantStruct::get(
        batchEntryTy, {llvm::ConstantInt::get(i64, entry.batch),
                       tensorTable(entry.signature->inputs, size + "input"),
                       tensorTable(entry.signature->outputs, size + "output"),
                       llvm::ConstantInt::get(i64, entry.workspaceBytes),
                       entry.entry ? static_cast<llvm::Constant *>(entry.entry)
                                   : llvm::ConstantPointerNull::get(ptrTy)}));
  }
  auto *arrayTy = llvm::ArrayType::get(batchEntryTy, rows.size());
  return constantGlobal(llvm::ConstantArray::get(arrayTy, rows),
                        prefix + "_batch_entries");
}

int64_t mlir::autoglm::entryBatchField(const ModelSignature &signature,
                                       const ModelSignature &entry,
                                       size_t index) {
  if (!signature.batchSizes.empty())
    return signature.entryBatch(index);
  for (const TensorSignature &input : entry.inputs)
    if (!input.shape.empty())
      return input.shape[0];
  return 1;
}

void DescriptorBuilder::exportGetter(llvm::GlobalVariable *descriptor) {
  auto *getterTy = llvm::FunctionType::get(ptrTy, false);
  auto *getter =
      llvm::Function::Create(getterTy, llvm::GlobalValue::ExternalLinkage,
                             "autoglm_get_model", module);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(context, "entry", getter));
  b.CreateRet(descriptor);
}
