//===- ModelEntry.cpp - the compiled model's C ABI in LLVM IR -------------===//
//
// Adds to the translated module what runtime/include/autoglm/model_abi.h
// describes: `autoglm_model_<name>_entry`, which unpacks the input and output
// pointer arrays and calls the compiled `main`, and the constant descriptor
// `autoglm_model_<name>` with every tensor's name, type and shape.
//
//===----------------------------------------------------------------------===//

#include "ModelEmission.h"

#include "autoglm/Dialect/AutoGLM.h"
#include "autoglm/model_abi.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Module.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Target/TargetMachine.h"

using namespace mlir;
using namespace mlir::autoglm;

namespace {
/// What `--autoglm-externalize-weights` moved out of the binary.
struct ExternalWeights {
  std::string file;
  uint64_t bytes = 0;
  uint64_t fingerprint = 0;
};

/// The arena `--autoglm-plan-memory` planned (0 bytes when it did not run
/// or found nothing to place); reads and removes `autoglm.workspace`,
/// since LLVM IR has no place for it.
uint64_t takeWorkspaceBytes(ModuleOp module) {
  auto helper = AutoGLMDialect::WorkspaceAttrHelper(module.getContext());
  WorkspaceAttr workspace = helper.getAttr(module);
  if (!workspace)
    return 0;
  helper.removeAttr(module);
  return workspace.getBytes();
}

/// Reads and removes the module's `autoglm.weights`.
ExternalWeights takeExternalWeights(ModuleOp module) {
  auto helper = AutoGLMDialect::WeightsAttrHelper(module.getContext());
  WeightsAttr attr = helper.getAttr(module);
  if (!attr)
    return {};
  helper.removeAttr(module);
  return {attr.getFile().str(), attr.getBytes(), attr.getFingerprint()};
}

/// Removes the ONNX names from the arguments and results of the functions:
/// the signature has them, and LLVM IR has no place for them.
void dropONNXNames(ModuleOp module) {
  StringAttr name =
      AutoGLMDialect::OnnxNameAttrHelper(module.getContext()).getName();
  module.walk([&](FunctionOpInterface function) {
    for (unsigned i = 0, e = function.getNumArguments(); i < e; ++i)
      function.removeArgAttr(i, name);
    for (unsigned i = 0, e = function.getNumResults(); i < e; ++i)
      function.removeResultAttr(i, name);
  });
}

class DescriptorBuilder {
public:
  DescriptorBuilder(llvm::Module &module, StringRef prefix)
      : module(module), context(module.getContext()), prefix(prefix.str()) {
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
    // const void *device_image}
    modelDescTy =
        llvm::StructType::create(context,
                                 {i32, i32, ptrTy, i32, i32, ptrTy, ptrTy, i64,
                                  ptrTy, i64, i64, ptrTy, ptrTy},
                                 "autoglm_model_desc");
  }

  llvm::Constant *string(StringRef value, const Twine &name) {
    llvm::Constant *data = llvm::ConstantDataArray::getString(context, value);
    return constantGlobal(data, name);
  }

  llvm::Constant *tensorTable(ArrayRef<TensorSignature> tensors,
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

  llvm::GlobalVariable *modelDescriptor(const ModelSignature &signature,
                                        llvm::Function *entry,
                                        const ExternalWeights &weights,
                                        uint64_t workspaceBytes) {
    llvm::Constant *weightsFile =
        weights.bytes ? string(weights.file, prefix + "_weights_file")
                      : llvm::ConstantPointerNull::get(ptrTy);
    llvm::Constant *init = llvm::ConstantStruct::get(
        modelDescTy, {llvm::ConstantInt::get(i32, AUTOGLM_ABI_VERSION),
                      llvm::ConstantInt::get(i32, AUTOGLM_DEVICE_CPU),
                      string(signature.modelName, prefix + "_model_name"),
                      llvm::ConstantInt::get(i32, signature.inputs.size()),
                      llvm::ConstantInt::get(i32, signature.outputs.size()),
                      tensorTable(signature.inputs, "input"),
                      tensorTable(signature.outputs, "output"),
                      llvm::ConstantInt::get(i64, workspaceBytes), entry,
                      llvm::ConstantInt::get(i64, weights.bytes),
                      llvm::ConstantInt::get(i64, weights.fingerprint),
                      weightsFile, llvm::ConstantPointerNull::get(ptrTy)});
    return new llvm::GlobalVariable(module, modelDescTy, /*isConstant=*/true,
                                    llvm::GlobalValue::ExternalLinkage, init,
                                    prefix);
  }

  llvm::PointerType *ptrTy;
  llvm::Type *i32, *i64;

private:
  llvm::Constant *constantGlobal(llvm::Constant *init, const Twine &name) {
    return new llvm::GlobalVariable(
        module, init->getType(), /*isConstant=*/true,
        llvm::GlobalValue::PrivateLinkage, init, name);
  }

  llvm::Module &module;
  llvm::LLVMContext &context;
  std::string prefix;
  llvm::StructType *tensorDescTy, *modelDescTy;
};

/// `int32_t <prefix>_entry(void *const *in, void *const *out, void *ws,
/// const void *weights, autoglm_exec_context *ctx)` calling
/// `main(in..., out..., [weights], [workspace], [ctx])`: the weights data
/// when the weights are external, the workspace when the memory was
/// planned, the execution context when main takes one.
llvm::Function *buildEntry(llvm::Module &module, llvm::Function *main,
                           const ModelSignature &signature, StringRef prefix,
                           bool passWeights, bool passWorkspace,
                           DescriptorBuilder &types) {
  llvm::LLVMContext &context = module.getContext();
  auto *fnTy = llvm::FunctionType::get(
      types.i32,
      {types.ptrTy, types.ptrTy, types.ptrTy, types.ptrTy, types.ptrTy}, false);
  auto *entry = llvm::Function::Create(fnTy, llvm::GlobalValue::ExternalLinkage,
                                       prefix + "_entry", module);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(context, "entry", entry));
  SmallVector<llvm::Value *> args;
  auto unpack = [&](llvm::Value *array, size_t count) {
    for (size_t i = 0; i < count; ++i) {
      llvm::Value *slot = b.CreateConstInBoundsGEP1_64(types.ptrTy, array, i);
      args.push_back(b.CreateLoad(types.ptrTy, slot));
    }
  };
  unpack(entry->getArg(0), signature.inputs.size());
  unpack(entry->getArg(1), signature.outputs.size());
  if (passWeights)
    args.push_back(entry->getArg(3));
  if (passWorkspace)
    args.push_back(entry->getArg(2));
  if (main->arg_size() > args.size())
    args.push_back(entry->getArg(4));
  b.CreateCall(main, args);
  b.CreateRet(llvm::ConstantInt::get(types.i32, 0));
  return entry;
}

/// LLVM's standard optimization pipeline at `optLevel`, tuned for `machine`.
void optimizeModule(llvm::Module &module, llvm::TargetMachine &machine,
                    unsigned optLevel) {
  llvm::LoopAnalysisManager loops;
  llvm::FunctionAnalysisManager functions;
  llvm::CGSCCAnalysisManager cgscc;
  llvm::ModuleAnalysisManager modules;
  llvm::PipelineTuningOptions tuning;
  tuning.LoopVectorization = optLevel >= 2;
  tuning.SLPVectorization = optLevel >= 2;
  llvm::PassBuilder builder(&machine, tuning);
  builder.registerModuleAnalyses(modules);
  builder.registerCGSCCAnalyses(cgscc);
  builder.registerFunctionAnalyses(functions);
  builder.registerLoopAnalyses(loops);
  builder.crossRegisterProxies(loops, functions, cgscc, modules);
  llvm::OptimizationLevel level = optLevel == 0   ? llvm::OptimizationLevel::O0
                                  : optLevel == 1 ? llvm::OptimizationLevel::O1
                                  : optLevel == 2 ? llvm::OptimizationLevel::O2
                                                  : llvm::OptimizationLevel::O3;
  llvm::ModulePassManager pipeline =
      optLevel == 0 ? builder.buildO0DefaultPipeline(level)
                    : builder.buildPerModuleDefaultPipeline(level);
  pipeline.run(module, modules);
}
} // namespace

std::unique_ptr<llvm::Module> mlir::autoglm::translateToModelLLVMIR(
    ModuleOp module, llvm::LLVMContext &context,
    const ModelSignature &signature, llvm::TargetMachine &machine,
    unsigned optLevel, bool exportGetter) {
  registerBuiltinDialectTranslation(*module.getContext());
  registerLLVMDialectTranslation(*module.getContext());
  ExternalWeights weights = takeExternalWeights(module);
  uint64_t workspaceBytes = takeWorkspaceBytes(module);
  dropONNXNames(module);
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, context, signature.modelName);
  if (!llvmModule) {
    emitError(module.getLoc()) << "translation to LLVM IR failed";
    return nullptr;
  }
  llvmModule->setTargetTriple(machine.getTargetTriple());
  llvmModule->setDataLayout(machine.createDataLayout());

  std::string prefix = "autoglm_model_" + signature.modelName;
  llvm::Function *main = llvmModule->getFunction("main");
  // The pointers, the weights data when they were externalized
  // (--autoglm-externalize-weights), the workspace when memory was planned
  // (--autoglm-plan-memory), then the execution context when the parallel
  // loops were outlined (--autoglm-parallel-loops-to-runtime).
  size_t numArgs = signature.inputs.size() + signature.outputs.size() +
                   (weights.bytes ? 1 : 0) + (workspaceBytes ? 1 : 0);
  if (!main ||
      (main->arg_size() != numArgs && main->arg_size() != numArgs + 1)) {
    emitError(module.getLoc()) << "the lowered module has no `main` taking "
                               << numArgs << " pointers (and a context)";
    return nullptr;
  }
  // The computation itself is private: only the entry and descriptor are
  // the model's interface, and two models may be linked together.
  main->setName(prefix + "_main");
  main->setLinkage(llvm::GlobalValue::InternalLinkage);
  for (llvm::Function &fn : *llvmModule)
    if (!fn.isDeclaration() && &fn != main)
      fn.setLinkage(llvm::GlobalValue::InternalLinkage);
  for (llvm::GlobalVariable &global : llvmModule->globals())
    if (!global.isDeclaration())
      global.setLinkage(llvm::GlobalValue::InternalLinkage);

  DescriptorBuilder descriptors(*llvmModule, prefix);
  llvm::Function *entry =
      buildEntry(*llvmModule, main, signature, prefix, weights.bytes != 0,
                 workspaceBytes != 0, descriptors);
  llvm::GlobalVariable *desc =
      descriptors.modelDescriptor(signature, entry, weights, workspaceBytes);
  if (exportGetter) {
    auto *getterTy = llvm::FunctionType::get(descriptors.ptrTy, false);
    auto *getter =
        llvm::Function::Create(getterTy, llvm::GlobalValue::ExternalLinkage,
                               "autoglm_get_model", *llvmModule);
    llvm::IRBuilder<> b(llvm::BasicBlock::Create(context, "entry", getter));
    b.CreateRet(desc);
  }

  optimizeModule(*llvmModule, machine, optLevel);
  return llvmModule;
}
