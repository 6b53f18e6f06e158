//===- Compile.cpp - the phases run, and what the user asked for written --===//

#include "autoglm/Compiler/Compile.h"

#include "autoglm/Dialect/AutoGLM.h"
#include "autoglm/Passes/Report.h"

#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVM.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/NVVMToLLVM/NVVMToLLVM.h"
#include "mlir/Conversion/UBToLLVM/UBToLLVM.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Transforms/FuncBufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/Extensions/InlinerExtension.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"

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
      .Case("ptx", EmitKind::PTX)
      .Default(std::nullopt);
}

void mlir::autoglm::registerCompilerDialects(DialectRegistry &registry) {
  registry.insert<AutoGLMDialect, affine::AffineDialect, arith::ArithDialect,
                  bufferization::BufferizationDialect, cf::ControlFlowDialect,
                  func::FuncDialect, gpu::GPUDialect, linalg::LinalgDialect,
                  LLVM::LLVMDialect, NVVM::NVVMDialect, math::MathDialect,
                  memref::MemRefDialect, quant::QuantDialect, scf::SCFDialect,
                  tensor::TensorDialect>();
  arith::registerBufferizableOpInterfaceExternalModels(registry);
  bufferization::func_ext::registerBufferizableOpInterfaceExternalModels(
      registry);
  linalg::registerBufferizableOpInterfaceExternalModels(registry);
  scf::registerBufferizableOpInterfaceExternalModels(registry);
  tensor::registerBufferizableOpInterfaceExternalModels(registry);
  func::registerInlinerExtension(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  // The CUDA target: the dialect conversions convert-gpu-to-nvvm looks up
  // through their interfaces, and NVVM serialization of gpu.modules to PTX.
  arith::registerConvertArithToLLVMInterface(registry);
  cf::registerConvertControlFlowToLLVMInterface(registry);
  registerConvertFuncToLLVMInterface(registry);
  registerConvertMathToLLVMInterface(registry);
  registerConvertMemRefToLLVMInterface(registry);
  registerConvertNVVMToLLVMInterface(registry);
  ub::registerConvertUBToLLVMInterface(registry);
  NVVM::registerNVVMTargetInterfaceExternalModels(registry);
  registerGPUDialectTranslation(registry);
  registerNVVMDialectTranslation(registry);
}

/// Writes `text` to `path` ("-": standard output).
static LogicalResult writeText(StringRef path, StringRef text, Location loc) {
  std::string error;
  std::unique_ptr<llvm::ToolOutputFile> file = openOutputFile(path, &error);
  if (!file)
    return emitError(loc) << error;
  file->os() << text;
  file->keep();
  return success();
}

/// Writes the IR of `module` to `path`.
static LogicalResult writeIR(ModuleOp module, StringRef path) {
  std::string text;
  llvm::raw_string_ostream os(text);
  module.print(os);
  os << "\n";
  return writeText(path, text, module.getLoc());
}

/// Runs the passes `build` adds as the phase `phase`: with MLIR's
/// pass-manager options from the command line, timed under `timing`.
static LogicalResult
runPhase(ModuleOp module, Phase phase,
         function_ref<void(OpPassManager &)> build, TimingScope &timing,
         std::unique_ptr<PassInstrumentation> instrumentation = {}) {
  PassManager pm(module.getContext());
  if (failed(applyPassManagerCLOptions(pm)))
    return failure();
  TimingScope phaseTiming = timing.nest(getPhaseName(phase));
  pm.enableTiming(phaseTiming);
  if (instrumentation)
    pm.addInstrumentation(std::move(instrumentation));
  build(pm);
  return pm.run(module);
}

/// Checks what compiling needs before any phase runs.
static LogicalResult checkModule(ModuleOp module,
                                 const CompileOptions &options) {
  if (!module.lookupSymbol<func::FuncOp>("main"))
    return emitError(module.getLoc())
           << "the module has no `func.func @main` to compile";
  StringRef name = options.modelName;
  if (name.empty() || llvm::isDigit(name.front()) ||
      !llvm::all_of(name, [](char c) { return llvm::isAlnum(c) || c == '_'; }))
    return emitError(module.getLoc())
           << "--model-name='" << name << "' is not a C identifier";
  return success();
}

/// The weights file of --weights=external: the one asked for, or the output
/// path with the extension .weights.
static FailureOr<std::string> weightsFilePath(const CompileOptions &options,
                                              Location loc) {
  if (!options.externalWeights)
    return std::string();
  if (!options.weightsPath.empty())
    return options.weightsPath;
  if (options.outputPath == "-")
    return emitError(loc) << "--weights=external writing to standard output "
                             "needs --weights-file";
  SmallString<128> path(options.outputPath);
  llvm::sys::path::replace_extension(path, "weights");
  return path.str().str();
}

static ArtifactKind artifactKind(EmitKind emit) {
  switch (emit) {
  case EmitKind::LLVM:
    return ArtifactKind::LLVMIR;
  case EmitKind::StaticLibrary:
    return ArtifactKind::StaticLibrary;
  case EmitKind::SharedLibrary:
    return ArtifactKind::SharedLibrary;
  case EmitKind::PTX:
    return ArtifactKind::DeviceAssembly;
  default:
    return ArtifactKind::Object;
  }
}

LogicalResult mlir::autoglm::compileModule(ModuleOp module,
                                           const CompileOptions &options,
                                           TimingScope &timing) {
  Location loc = module.getLoc();
  if (failed(checkModule(module, options)))
    return failure();
  // The target first: a bad --target or --cpu is reported before any work.
  std::unique_ptr<Target> target =
      createTarget(options.target, options.host, options.device, loc);
  if (!target)
    return failure();
  auto stopsAfter = [&](Phase phase) { return options.stopAfter == phase; };
  if (stopsAfter(Phase::Import))
    return writeIR(module, options.outputPath);

  std::unique_ptr<PassInstrumentation> report;
  if (options.printOptimizationReport)
    report =
        std::make_unique<OptimizationReport>(module.getContext(), llvm::errs());
  auto graph = [&](OpPassManager &pm) {
    buildGraphPipeline(pm, options.disabledPasses);
  };
  if (failed(runPhase(module, Phase::Graph, graph, timing, std::move(report))))
    return failure();
  if (stopsAfter(Phase::Graph))
    return writeIR(module, options.outputPath);

  // The model's interface is fixed once the graph is: names, types, shapes.
  // Emission needs it; reading it now reports a dynamic shape before any
  // code is generated.
  FailureOr<ModelSignature> signature = ModelSignature();
  if (!options.stopAfter) {
    auto main = module.lookupSymbol<func::FuncOp>("main");
    signature = readModelSignature(main, options.modelName);
    if (failed(signature))
      return failure();
    if (options.emit == EmitKind::Header)
      return writeText(options.outputPath, emitModelHeader(*signature), loc);
  }

  if (failed(runPhase(module, Phase::Kernels, buildKernelPipeline, timing)))
    return failure();
  if (stopsAfter(Phase::Kernels))
    return writeIR(module, options.outputPath);
  if (failed(runPhase(module, Phase::Lowering, buildLoweringPipeline, timing)))
    return failure();
  if (stopsAfter(Phase::Lowering))
    return writeIR(module, options.outputPath);

  FailureOr<std::string> weightsFile = weightsFilePath(options, loc);
  if (failed(weightsFile))
    return failure();
  CodegenOptions codegen;
  codegen.weightsFile = *weightsFile;
  codegen.planMemory =
      !llvm::is_contained(options.disabledPasses, "plan-memory");
  codegen.memoryReport = options.memoryReport;
  codegen.memoryBudget = options.memoryBudget;
  codegen.memoryTimeline = options.memoryTimeline;
  // The weights file is only kept when the whole compilation succeeds.
  llvm::FileRemover removeWeights(codegen.weightsFile,
                                  !codegen.weightsFile.empty());
  auto codegenPipeline = [&](OpPassManager &pm) {
    target->buildCodegenPipeline(pm, codegen);
  };
  if (failed(runPhase(module, Phase::Codegen, codegenPipeline, timing)))
    return failure();
  if (stopsAfter(Phase::Codegen)) {
    if (failed(writeIR(module, options.outputPath)))
      return failure();
    removeWeights.releaseFile();
    return success();
  }

  TimingScope emission = timing.nest("emission");
  if (failed(target->emit(module, *signature, artifactKind(options.emit),
                          options.outputPath, emission)))
    return failure();
  removeWeights.releaseFile();
  return success();
}
