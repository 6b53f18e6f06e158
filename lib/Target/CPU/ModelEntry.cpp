//===- ModelEntry.cpp - the compiled model's C ABI in LLVM IR -------------===//
//
// Adds to the translated module what runtime/include/autoglm/model_abi.h
// describes: `autoglm_model_<name>_entry`, which unpacks the input and output
// pointer arrays and calls the compiled `main`, and the constant descriptor
// `autoglm_model_<name>` with every tensor's name, type and shape.
//
//===----------------------------------------------------------------------===//

#include "ModelEmission.h"

#include "../HostEmission.h"

#include "autoglm/Dialect/AutoGLM.h"
#include "autoglm/model_abi.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InlineAsm.h"
#include "llvm/IR/Module.h"
#include "llvm/Linker/Linker.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Target/TargetMachine.h"

using namespace mlir;
using namespace mlir::autoglm;

namespace {
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

/// Whether the module runs AMX tile instructions.
bool usesAmxTiles(const llvm::Module &module) {
  return llvm::any_of(module, [](const llvm::Function &fn) {
    return fn.isIntrinsic() && (fn.getName().starts_with("llvm.x86.tile") ||
                                fn.getName().starts_with("llvm.x86.tdp"));
  });
}

/// At the entry's start: asks Linux once per process for the AMX tile
/// state (arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA), a raw
/// system call so that the model needs nothing from libc), without which
/// the first tile instruction raises SIGILL, and returns
/// AUTOGLM_ENTRY_AMX_REFUSED when it is refused. The permission is the
/// whole process's, threads started before it included; a flag in the
/// model remembers it was granted (racing entries both ask, harmlessly).
void requestAmxPermission(llvm::IRBuilder<> &b, llvm::Function *entry) {
  llvm::Module &module = *entry->getParent();
  llvm::LLVMContext &context = module.getContext();
  llvm::Type *i32 = b.getInt32Ty(), *i64 = b.getInt64Ty();
  auto *granted = new llvm::GlobalVariable(
      module, i32, /*isConstant=*/false, llvm::GlobalValue::InternalLinkage,
      llvm::ConstantInt::get(i32, 0), "autoglm_amx_permission");
  auto *ask = llvm::BasicBlock::Create(context, "amx.ask", entry);
  auto *refused = llvm::BasicBlock::Create(context, "amx.refused", entry);
  auto *run = llvm::BasicBlock::Create(context, "run", entry);
  llvm::LoadInst *known = b.CreateLoad(i32, granted);
  known->setAtomic(llvm::AtomicOrdering::Monotonic);
  b.CreateCondBr(b.CreateICmpNE(known, b.getInt32(0)), run, ask);

  b.SetInsertPoint(ask);
  constexpr uint64_t kSysArchPrctl = 158, kArchReqXcompPerm = 0x1023,
                     kXfeatureXtiledata = 18;
  auto *syscallType = llvm::FunctionType::get(i64, {i64, i64, i64}, false);
  auto *syscall = llvm::InlineAsm::get(
      syscallType, "syscall", "={ax},{ax},{di},{si},~{rcx},~{r11},~{memory}",
      /*hasSideEffects=*/true);
  llvm::Value *result =
      b.CreateCall(syscallType, syscall,
                   {b.getInt64(kSysArchPrctl), b.getInt64(kArchReqXcompPerm),
                    b.getInt64(kXfeatureXtiledata)});
  b.CreateCondBr(b.CreateICmpEQ(result, b.getInt64(0)), run, refused);

  b.SetInsertPoint(refused);
  b.CreateRet(b.getInt32(AUTOGLM_ENTRY_AMX_REFUSED));

  b.SetInsertPoint(run);
  b.CreateStore(b.getInt32(1), granted)
      ->setAtomic(llvm::AtomicOrdering::Monotonic);
}

/// `int32_t <prefix>_entry(void *const *in, void *const *out, void *ws,
/// const void *weights, autoglm_exec_context *ctx)` calling
/// `main(in..., out..., [weights], [workspace], [ctx])`: the weights data
/// when the weights are external, the workspace when the memory was
/// planned, the execution context when main takes one.
llvm::Function *buildEntry(llvm::Module &module, llvm::Function *main,
                           const ModelSignature &signature, StringRef prefix,
                           bool passWeights, bool passWorkspace) {
  llvm::LLVMContext &context = module.getContext();
  llvm::Type *i32 = llvm::Type::getInt32Ty(context);
  llvm::PointerType *ptrTy = llvm::PointerType::getUnqual(context);
  auto *fnTy =
      llvm::FunctionType::get(i32, {ptrTy, ptrTy, ptrTy, ptrTy, ptrTy}, false);
  auto *entry = llvm::Function::Create(fnTy, llvm::GlobalValue::ExternalLinkage,
                                       prefix + "_entry", module);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(context, "entry", entry));
  if (usesAmxTiles(module))
    requestAmxPermission(b, entry);
  SmallVector<llvm::Value *> args;
  auto unpack = [&](llvm::Value *array, size_t count) {
    for (size_t i = 0; i < count; ++i) {
      llvm::Value *slot = b.CreateConstInBoundsGEP1_64(ptrTy, array, i);
      args.push_back(b.CreateLoad(ptrTy, slot));
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
  b.CreateRet(llvm::ConstantInt::get(i32, 0));
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

namespace {
/// One model translated to LLVM IR with its entry function.
struct TranslatedModel {
  std::unique_ptr<llvm::Module> module;
  llvm::Function *entry = nullptr;
  ExternalWeights weights;
  uint64_t workspaceBytes = 0;
};
} // namespace

/// Translates `module` to LLVM IR for `machine` and adds the entry function
/// `<prefix>_entry` calling its `main` (renamed `<prefix>_main`); every
/// other definition becomes internal. Empty after a diagnostic.
static TranslatedModel translateModel(ModuleOp module,
                                      llvm::LLVMContext &context,
                                      const ModelSignature &signature,
                                      llvm::TargetMachine &machine,
                                      StringRef prefix) {
  registerBuiltinDialectTranslation(*module.getContext());
  registerLLVMDialectTranslation(*module.getContext());
  TranslatedModel translated;
  ExternalWeights &weights = translated.weights;
  weights = takeExternalWeights(module);
  uint64_t workspaceBytes = translated.workspaceBytes =
      takeWorkspaceBytes(module);
  dropONNXNames(module);
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, context, signature.modelName);
  if (!llvmModule) {
    emitError(module.getLoc()) << "translation to LLVM IR failed";
    return {};
  }
  llvmModule->setTargetTriple(machine.getTargetTriple());
  llvmModule->setDataLayout(machine.createDataLayout());

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
    return {};
  }
  // The computation itself is private: only the entry and descriptor are
  // the model's interface, and two models may be linked together.
  main->setName(prefix + Twine("_main"));
  main->setLinkage(llvm::GlobalValue::InternalLinkage);
  for (llvm::Function &fn : *llvmModule)
    if (!fn.isDeclaration() && &fn != main)
      fn.setLinkage(llvm::GlobalValue::InternalLinkage);
  for (llvm::GlobalVariable &global : llvmModule->globals())
    if (!global.isDeclaration())
      global.setLinkage(llvm::GlobalValue::InternalLinkage);

  translated.entry = buildEntry(*llvmModule, main, signature, prefix,
                                weights.bytes != 0, workspaceBytes != 0);
  translated.module = std::move(llvmModule);
  return translated;
}

std::unique_ptr<llvm::Module> mlir::autoglm::translateToModelLLVMIR(
    ModuleOp module, llvm::LLVMContext &context,
    const ModelSignature &signature, llvm::TargetMachine &machine,
    unsigned optLevel, bool exportGetter) {
  std::string prefix = "autoglm_model_" + signature.modelName;
  TranslatedModel model =
      translateModel(module, context, signature, machine, prefix);
  if (!model.module)
    return nullptr;
  DescriptorBuilder descriptors(*model.module, prefix);
  llvm::GlobalVariable *desc =
      descriptors.modelDescriptor(signature, AUTOGLM_DEVICE_CPU, model.entry,
                                  model.weights, model.workspaceBytes, nullptr);
  if (exportGetter)
    descriptors.exportGetter(desc);

  optimizeModule(*model.module, machine, optLevel);
  return std::move(model.module);
}

std::unique_ptr<llvm::Module> mlir::autoglm::translateBatchSizesToModelLLVMIR(
    ArrayRef<ModuleOp> modules, ArrayRef<ModelSignature> signatures,
    const ModelSignature &signature, llvm::LLVMContext &context,
    llvm::TargetMachine &machine, unsigned optLevel, bool exportGetter) {
  std::string prefix = "autoglm_model_" + signature.modelName;
  std::unique_ptr<llvm::Module> linked;
  SmallVector<std::string> entryNames;
  SmallVector<uint64_t> workspaces;
  uint64_t workspaceBytes = 0;
  for (size_t i = 0; i < signature.numEntries(); ++i) {
    ModuleOp module = modules[i];
    const ModelSignature &sized = signatures[i];
    std::string sizePrefix = prefix + "_" + signature.entrySuffix(i);
    TranslatedModel model =
        translateModel(module, context, sized, machine, sizePrefix);
    if (!model.module)
      return nullptr;
    if (model.weights.bytes) {
      emitError(module.getLoc())
          << "--batch-sizes keeps the weights embedded (no --weights=external)";
      return nullptr;
    }
    // Constants no code compares by address: LLVM's constant merging then
    // keeps one copy of what the sizes share (the weights image).
    for (llvm::GlobalVariable &global : model.module->globals())
      if (global.isConstant() && global.hasLocalLinkage())
        global.setUnnamedAddr(llvm::GlobalValue::UnnamedAddr::Global);
    entryNames.push_back(model.entry->getName().str());
    workspaces.push_back(model.workspaceBytes);
    workspaceBytes = std::max(workspaceBytes, model.workspaceBytes);
    if (!linked) {
      linked = std::move(model.module);
      continue;
    }
    // Internal symbols of the same name (kernels, constants) are renamed.
    if (llvm::Linker::linkModules(*linked, std::move(model.module))) {
      emitError(module.getLoc())
          << "cannot link the code of entry " << signature.entrySuffix(i)
          << " with the other entries";
      return nullptr;
    }
  }

  DescriptorBuilder descriptors(*linked, prefix);
  SmallVector<DescriptorBuilder::BatchEntry> entries;
  for (size_t i = 0; i < signature.numEntries(); ++i)
    entries.push_back({entryBatchField(signature, signatures[i], i),
                       &signatures[i], linked->getFunction(entryNames[i]),
                       workspaces[i], signature.entrySuffix(i)});
  llvm::Function *largest = entries.back().entry;
  // `<prefix>_entry`, as for a model of one size: the largest size.
  llvm::GlobalAlias::create(llvm::GlobalValue::ExternalLinkage,
                            prefix + "_entry", largest);
  llvm::GlobalVariable *desc = descriptors.modelDescriptor(
      signature, AUTOGLM_DEVICE_CPU, largest, ExternalWeights(), workspaceBytes,
      nullptr, descriptors.batchEntryTable(entries),
      static_cast<int32_t>(entries.size()));
  if (exportGetter)
    descriptors.exportGetter(desc);
  optimizeModule(*linked, machine, optLevel);
  return linked;
}
