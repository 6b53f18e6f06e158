//===- Compile.cpp - from the autoglm dialect to what the user asked for --===//

#include "autoglm/Compiler/Compile.h"

#include "Linker.h"

#include "autoglm/Passes/Passes.h"
#include "autoglm/Passes/Report.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Transforms/FuncBufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/Extensions/InlinerExtension.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Target/TargetMachine.h"

using namespace mlir;
using namespace mlir::autoglm;

std::optional<EmitKind> mlir::autoglm::parseEmitKind(StringRef name) {
  return llvm::StringSwitch<std::optional<EmitKind>>(name)
      .Case("mlir", EmitKind::MLIR)
      .Case("llvm", EmitKind::LLVM)
      .Case("obj", EmitKind::Object)
      .Case("header", EmitKind::Header)
      .Case("lib", EmitKind::StaticLibrary)
      .Case("so", EmitKind::SharedLibrary)
      .Default(std::nullopt);
}

void mlir::autoglm::registerCompilerDialects(DialectRegistry &registry) {
  registry.insert<AutoGLMDialect, affine::AffineDialect, arith::ArithDialect,
                  bufferization::BufferizationDialect, cf::ControlFlowDialect,
                  func::FuncDialect, linalg::LinalgDialect, LLVM::LLVMDialect,
                  math::MathDialect, memref::MemRefDialect, quant::QuantDialect,
                  scf::SCFDialect, tensor::TensorDialect>();
  arith::registerBufferizableOpInterfaceExternalModels(registry);
  bufferization::func_ext::registerBufferizableOpInterfaceExternalModels(registry);
  linalg::registerBufferizableOpInterfaceExternalModels(registry);
  scf::registerBufferizableOpInterfaceExternalModels(registry);
  tensor::registerBufferizableOpInterfaceExternalModels(registry);
  func::registerInlinerExtension(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
}

ArrayRef<StringRef> mlir::autoglm::optionalGraphPasses() {
  static const StringRef names[] = {"fold-constants", "fuse", "plan-memory"};
  return names;
}

void mlir::autoglm::buildDefaultGraphPipeline(OpPassManager &pm,
                                              ArrayRef<std::string> disabled) {
  auto enabled = [&](StringRef name) { return !llvm::is_contained(disabled, name); };
  pm.addPass(createInferShapes());
  // Right after the shapes are known: evaluates what is constant, folds
  // batch norms into weights, makes shape computations static.
  if (enabled("fold-constants"))
    pm.addPass(createFoldConstants());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // Last: fusion sees the graph the other passes simplified, and its regions
  // are what the lowering turns into loop nests.
  if (enabled("fuse"))
    pm.addNestedPass<func::FuncOp>(createFuse());
}

/// Lowers the autoglm dialect to linalg on tensors. The conversion pass is
/// looked up by name so this library does not depend on how it is built.
static LogicalResult addLowering(OpPassManager &pm, Location loc) {
  std::string error;
  llvm::raw_string_ostream errorStream(error);
  if (failed(parsePassPipeline("autoglm-lower-to-linalg", pm, errorStream)))
    return emitError(loc) << "the autoglm lowering is not available: " << error;
  return success();
}

namespace {
/// An output file that is only kept when compilation succeeds.
struct Output {
  static std::unique_ptr<llvm::ToolOutputFile> open(StringRef path, Location loc) {
    std::string error;
    auto file = openOutputFile(path, &error);
    if (!file)
      emitError(loc) << error;
    return file;
  }
};
} // namespace

/// Writes `text` to `path`.
static LogicalResult writeText(StringRef path, StringRef text, Location loc) {
  auto file = Output::open(path, loc);
  if (!file)
    return failure();
  file->os() << text;
  file->keep();
  return success();
}

/// Emits the object for `llvmModule` into `path`, or into a temporary file
/// that `finish` packs into a library.
static LogicalResult emitBinary(llvm::Module &llvmModule, llvm::TargetMachine &machine,
                                const CompileOptions &options, Location loc) {
  if (options.emit == EmitKind::Object) {
    auto file = Output::open(options.outputPath, loc);
    if (!file || failed(emitObjectFile(llvmModule, machine, file->os(), loc)))
      return failure();
    file->keep();
    return success();
  }
  if (options.outputPath == "-")
    return emitError(loc) << "--emit=lib and --emit=so need an output file (-o)";
  SmallString<128> objectPath;
  if (llvm::sys::fs::createTemporaryFile("autoglm", "o", objectPath))
    return emitError(loc) << "cannot create a temporary object file";
  llvm::FileRemover removeObject(objectPath);
  {
    std::string error;
    auto file = openOutputFile(objectPath, &error);
    if (!file)
      return emitError(loc) << error;
    if (failed(emitObjectFile(llvmModule, machine, file->os(), loc)))
      return failure();
    file->keep();
  }
  if (options.emit == EmitKind::StaticLibrary)
    return createStaticLibrary(objectPath, options.outputPath, loc);
  return createSharedLibrary(objectPath, options.outputPath, options.cpu.triple, loc);
}

LogicalResult mlir::autoglm::compileModule(ModuleOp module,
                                           const CompileOptions &options) {
  Location loc = module.getLoc();
  MLIRContext *context = module.getContext();
  auto main = module.lookupSymbol<func::FuncOp>("main");
  if (!main)
    return emitError(loc) << "the module has no `func.func @main` to compile";
  if (options.modelName.empty() ||
      !llvm::all_of(options.modelName, [](char c) { return llvm::isAlnum(c) || c == '_'; }) ||
      llvm::isDigit(options.modelName.front()))
    return emitError(loc) << "--model-name='" << options.modelName
                          << "' is not a C identifier";

  PassManager graph(context);
  buildDefaultGraphPipeline(graph, options.disabledPasses);
  if (options.printOptimizationReport)
    graph.addInstrumentation(std::make_unique<OptimizationReport>(context, llvm::errs()));
  if (failed(graph.run(module)))
    return failure();
  if (options.emit == EmitKind::MLIR) {
    std::string text;
    llvm::raw_string_ostream os(text);
    module.print(os);
    os << "\n";
    return writeText(options.outputPath, text, loc);
  }

  FailureOr<ModelSignature> signature = readModelSignature(main, options.modelName);
  if (failed(signature))
    return failure();
  if (options.emit == EmitKind::Header)
    return writeText(options.outputPath, emitModelHeader(*signature), loc);

  std::unique_ptr<llvm::TargetMachine> machine = createCPUTargetMachine(options.cpu, loc);
  if (!machine)
    return failure();
  // The weights file is only kept when the whole compilation succeeds.
  CPULoweringOptions loweringOptions;
  if (options.externalWeights) {
    loweringOptions.weightsFile = options.weightsPath;
    if (loweringOptions.weightsFile.empty()) {
      if (options.outputPath == "-")
        return emitError(loc) << "--weights=external writing to standard "
                                 "output needs --weights-file";
      SmallString<128> path(options.outputPath);
      llvm::sys::path::replace_extension(path, "weights");
      loweringOptions.weightsFile = path.str().str();
    }
  }
  loweringOptions.planMemory =
      !llvm::is_contained(options.disabledPasses, "plan-memory");
  loweringOptions.memoryReport = options.memoryReport;
  loweringOptions.memoryBudget = options.memoryBudget;
  loweringOptions.memoryTimeline = options.memoryTimeline;
  llvm::FileRemover removeWeights(loweringOptions.weightsFile,
                                  options.externalWeights);
  PassManager lowering(context);
  if (failed(addLowering(lowering, loc)))
    return failure();
  buildCPULoweringPipeline(lowering, loweringOptions);
  if (failed(lowering.run(module)))
    return failure();

  llvm::LLVMContext llvmContext;
  CPUTargetOptions cpu = options.cpu;
  cpu.exportGetter = options.emit == EmitKind::SharedLibrary;
  std::unique_ptr<llvm::Module> llvmModule =
      translateToModelLLVMIR(module, llvmContext, *signature, *machine, cpu);
  if (!llvmModule)
    return failure();
  if (options.emit == EmitKind::LLVM) {
    std::string text;
    llvm::raw_string_ostream os(text);
    llvmModule->print(os, nullptr);
    if (failed(writeText(options.outputPath, text, loc)))
      return failure();
    removeWeights.releaseFile();
    return success();
  }
  if (failed(emitBinary(*llvmModule, *machine, options, loc)))
    return failure();
  removeWeights.releaseFile();
  return success();
}
