//===- Compile.cpp - the phases run, and what the user asked for written --===//

#include "autoglm/Compiler/Compile.h"

#include "autoglm/Dialect/AutoGLM.h"
#include "autoglm/Dialect/BufferizableOpInterfaceImpl.h"
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
#include "mlir/Dialect/MemRef/Transforms/AllocationOpInterfaceImpl.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Signals.h"
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
                  tensor::TensorDialect, vector::VectorDialect>();
  arith::registerBufferizableOpInterfaceExternalModels(registry);
  bufferization::func_ext::registerBufferizableOpInterfaceExternalModels(
      registry);
  linalg::registerBufferizableOpInterfaceExternalModels(registry);
  scf::registerBufferizableOpInterfaceExternalModels(registry);
  tensor::registerBufferizableOpInterfaceExternalModels(registry);
  autoglm::registerBufferizableOpInterfaceExternalModels(registry);
  // Vector transfers on tensors (the autoglm.topk_attention kernel).
  vector::registerBufferizableOpInterfaceExternalModels(registry);
  // memref.alloc as an allocation: buffer-results-to-out-params recognizes
  // a returned buffer by this interface and then computes the result in
  // the caller's output instead of copying it there at the end (GPT-2's
  // present keys and values, read again by the attention after the Concat
  // that writes them).
  memref::registerAllocationOpInterfaceExternalModels(registry);
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

/// Writes `text` to `path` ("-": standard output), a temporary file of
/// PendingOutputs: not through a ToolOutputFile, whose end would unregister
/// the file from removal on signals.
static LogicalResult writeText(StringRef path, StringRef text, Location loc) {
  std::error_code error;
  llvm::raw_fd_ostream os(path, error, llvm::sys::fs::OF_Text);
  if (!error) {
    os << text;
    os.close();
    if (os.has_error()) {
      error = os.error();
      os.clear_error();
    }
  }
  if (error)
    return emitError(loc) << "cannot write '" << path
                          << "': " << error.message();
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

/// The phases the progress line counts: the pipeline's and emission.
static constexpr unsigned kProgressSteps = 6;

namespace {
/// Moves the progress line along the top-level passes of one phase.
class PhaseProgress : public PassInstrumentation {
public:
  PhaseProgress(ProgressLine &line, Phase phase, size_t passes)
      : line(line), index(static_cast<unsigned>(phase)), passes(passes) {}

  void runBeforePass(Pass *pass, Operation *op) override {
    // Nested passes run on several threads; the top-level ones in order.
    if (op->getParentOp())
      return;
    // A pass's command-line name; none for the adaptors running nested
    // pipelines.
    line.show(index, kProgressSteps, getPhaseName(static_cast<Phase>(index)),
              passes ? static_cast<double>(started) / passes : 0.0,
              pass->getArgument());
    ++started;
  }

private:
  ProgressLine &line;
  unsigned index;
  size_t passes, started = 0;
};

/// Forwards to an instrumentation the caller owns (the pass manager owns
/// the ones it is given, and the report must outlive it).
class ForwardInstrumentation : public PassInstrumentation {
public:
  explicit ForwardInstrumentation(PassInstrumentation &target)
      : target(target) {}
  void runBeforePass(Pass *pass, Operation *op) override {
    target.runBeforePass(pass, op);
  }
  void runAfterPass(Pass *pass, Operation *op) override {
    target.runAfterPass(pass, op);
  }
  void runAfterPassFailed(Pass *pass, Operation *op) override {
    target.runAfterPassFailed(pass, op);
  }

private:
  PassInstrumentation &target;
};

/// Bytes of constant data in memref.globals (the weights after
/// bufferization), largest first, with the ONNX nodes they came from.
struct ConstantData {
  int64_t bytes;
  std::string node;
  std::string type;
};

/// The weights once bufferization made them memref.globals, measured when
/// the memory pipeline every target runs starts (before the weights file
/// takes them out of the module).
class WeightsProbe : public PassInstrumentation {
public:
  explicit WeightsProbe(std::vector<ConstantData> &constants)
      : constants(constants) {}
  void runAfterPass(Pass *pass, Operation *op) override {
    if (taken || pass->getArgument() != "buffer-results-to-out-params")
      return;
    auto module = dyn_cast<ModuleOp>(op);
    if (!module)
      return;
    taken = true;
    for (auto global : module.getOps<memref::GlobalOp>()) {
      auto value = dyn_cast_or_null<ElementsAttr>(
          global.getInitialValue().value_or(Attribute()));
      if (!global.getConstant() || !value)
        continue;
      Type element = value.getShapedType().getElementType();
      int64_t bytes = value.getNumElements() *
                      std::max<int64_t>(1, element.getIntOrFloatBitWidth() / 8);
      std::string type;
      llvm::raw_string_ostream os(type);
      os << global.getType();
      constants.push_back(
          {bytes, getNodeName(global.getLoc()).str(), std::move(type)});
    }
    llvm::sort(constants, [](const ConstantData &a, const ConstantData &b) {
      return std::tie(b.bytes, a.node, a.type) <
             std::tie(a.bytes, b.node, b.type);
    });
  }

private:
  std::vector<ConstantData> &constants;
  bool taken = false;
};
} // namespace

/// Runs the passes `build` adds as the phase `phase`: with MLIR's
/// pass-manager options from the command line, timed under `timing`.
static LogicalResult runPhase(
    ModuleOp module, Phase phase, function_ref<void(OpPassManager &)> build,
    TimingScope &timing, CompileState &state,
    SmallVector<std::unique_ptr<PassInstrumentation>> instrumentations = {}) {
  PassManager pm(module.getContext());
  if (failed(applyPassManagerCLOptions(pm)))
    return failure();
  TimingScope phaseTiming = timing.nest(getPhaseName(phase));
  pm.enableTiming(phaseTiming);
  for (std::unique_ptr<PassInstrumentation> &instrumentation : instrumentations)
    pm.addInstrumentation(std::move(instrumentation));
  build(pm);
  if (state.progress.isEnabled())
    pm.addInstrumentation(
        std::make_unique<PhaseProgress>(state.progress, phase, pm.size()));
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
  if (!options.reportPath.empty() && !options.memoryReport.empty() &&
      llvm::sys::path::extension(options.memoryReport) != ".json")
    return emitError(module.getLoc())
           << "--report includes the memory plan as JSON: give "
              "--memory-report a .json file, or leave it out";
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

/// The kernel regions after the kernel phase, by kind; over
/// `--kernel-budget`, an error naming how many of each kind there are.
static LogicalResult countKernels(ModuleOp module,
                                  const CompileOptions &options,
                                  CompileReport &report) {
  auto main = module.lookupSymbol<func::FuncOp>("main");
  report.kernels = 0;
  report.kernelsByKind.clear();
  main.walk([&](FusedOp kernel) {
    ++report.kernels;
    ++report.kernelsByKind[kernel.getKind().str()];
  });
  if (options.kernelBudget <= 0 || report.kernels <= options.kernelBudget)
    return success();
  std::vector<std::pair<std::string, int64_t>> kinds(
      report.kernelsByKind.begin(), report.kernelsByKind.end());
  llvm::sort(kinds, [](const auto &a, const auto &b) {
    return std::tie(b.second, a.first) < std::tie(a.second, b.first);
  });
  InFlightDiagnostic diag = emitError(module.getLoc())
                            << "the model has " << report.kernels
                            << " kernels, more than the kernel budget of "
                            << options.kernelBudget << " (--kernel-budget)";
  std::string list;
  for (const auto &[kind, count] : kinds)
    list += (list.empty() ? "" : ", ") + std::to_string(count) + " " + kind;
  diag.attachNote() << "kernels by kind: " << list;
  return failure();
}

/// Over `--weights-budget`: an error naming the largest weights.
static LogicalResult checkWeights(ModuleOp module,
                                  const CompileOptions &options,
                                  ArrayRef<ConstantData> constants,
                                  int64_t bytes) {
  if (options.weightsBudget <= 0 || bytes <= options.weightsBudget)
    return success();
  InFlightDiagnostic diag = emitError(module.getLoc())
                            << "the weights take " << bytes
                            << " bytes, more than the weights budget of "
                            << options.weightsBudget
                            << " bytes (--weights-budget)";
  for (const ConstantData &constant : constants.take_front(3))
    diag.attachNote() << constant.bytes << " bytes for node '" << constant.node
                      << "' (" << constant.type << ")";
  return failure();
}

/// Runs the phases on `module` up to code generation for `target`, writing
/// `output` when the options ask for an earlier phase's IR or the header
/// (then `*written` is set); otherwise leaves the module ready for emission
/// and its signature in `modelSignature`.
static LogicalResult runPhases(ModuleOp module, const CompileOptions &options,
                               const Target &target, StringRef output,
                               TimingScope &timing, CompileState &state,
                               ModelSignature &modelSignature, bool *written) {
  Location loc = module.getLoc();
  auto stopsAfter = [&](Phase phase) { return options.stopAfter == phase; };
  *written = true;
  if (stopsAfter(Phase::Import))
    return writeIR(module, output);

  bool reporting = !options.reportPath.empty();
  std::optional<OptimizationReport> graphReport;
  if (options.printOptimizationReport || reporting)
    graphReport.emplace(module.getContext(), options.printOptimizationReport
                                                 ? llvm::errs()
                                                 : llvm::nulls());
  // The precision report is an output too.
  std::string precisionReport, precisionPicture;
  if (!options.precisionReport.empty()) {
    FailureOr<std::string> temp =
        state.outputs.create(options.precisionReport, loc);
    if (failed(temp))
      return failure();
    precisionReport = *temp;
    // Drawn next to it: FILE.json -> FILE.svg.
    SmallString<256> svg(options.precisionReport);
    llvm::sys::path::replace_extension(svg, "svg");
    temp = state.outputs.create(svg, loc);
    if (failed(temp))
      return failure();
    precisionPicture = *temp;
  }
  AssignPrecisionOptions precision;
  precision.precision = resolvePrecision(options.precision, options.target);
  precision.report = precisionReport;
  precision.picture = precisionPicture;
  precision.calibrator = options.calibrator;
  precision.percentile = options.calibrationPercentile;
  precision.toggles = options.precisionToggles;
  // On the GPU, activations between kernels are memory traffic that f16
  // halves (ResNet-50 at batch 32: 2.3 ms of its 5.4 in elementwise
  // kernels). Not with --precision=auto: its accuracy budget measures the
  // products' precision alone.
  precision.int8Kernels = options.target == "cuda" ? "cuda" : "cpu";
  precision.narrowActivations =
      options.target == "cuda" &&
      (options.precision == "fp16" || options.precision == "bf16" ||
       options.precision == "fp8");
  // int8 and fp8: the activation ranges, measured on the float32 model
  // first.
  std::vector<llvm::sys::fs::TempFile> calibrationFiles;
  llvm::scope_exit discardCalibrationFiles([&] {
    for (llvm::sys::fs::TempFile &file : calibrationFiles)
      llvm::consumeError(file.discard());
  });
  if (precision.precision == "int8" || precision.precision == "fp8") {
    FailureOr<std::string> ranges =
        calibrate(module, options, timing, calibrationFiles);
    if (failed(ranges))
      return failure();
    precision.calibration = *ranges;
  }
  // The nodes the accuracy budget keeps in float32.
  if (!options.accuracyBudget.empty() && precision.precision != "fp32") {
    FailureOr<BudgetDecision> decision =
        protectSensitiveLayers(module, options, precision.precision,
                               precision.calibration, timing, calibrationFiles);
    if (failed(decision))
      return failure();
    precision.keep.assign(decision->keep.begin(), decision->keep.end());
    precision.sensitivity = decision->measurements;
  }
  // --sparse-attention=auto: the mass each attention keeps, measured on
  // the calibration sets first; the rewrite reads it.
  std::optional<SparseAttentionOptions> sparseAttention =
      options.sparseAttention;
  if (sparseAttention && options.sparseAttentionGate) {
    FailureOr<std::string> masses =
        measureAttentionMass(module, options, timing, calibrationFiles);
    if (failed(masses))
      return failure();
    sparseAttention->mass = *masses;
  }
  if (sparseAttention && !options.sparseAttentionReport.empty()) {
    FailureOr<std::string> temp =
        state.outputs.create(options.sparseAttentionReport, loc);
    if (failed(temp))
      return failure();
    sparseAttention->report = *temp;
  }
  auto graph = [&](OpPassManager &pm) {
    buildGraphPipeline(pm, options.disabledPasses, precision,
                       options.instrumentCalibration, sparseAttention,
                       options.instrumentAttentionMass);
  };
  SmallVector<std::unique_ptr<PassInstrumentation>> graphInstrumentations;
  if (graphReport)
    graphInstrumentations.push_back(
        std::make_unique<ForwardInstrumentation>(*graphReport));
  if (failed(runPhase(module, Phase::Graph, graph, timing, state,
                      std::move(graphInstrumentations))))
    return failure();
  if (graphReport) {
    state.report.graphPasses = graphReport->toJSON();
    state.progress.clear();
    // Printed (--print-optimization-report) when the graph phase is done.
    graphReport.reset();
  }
  if (stopsAfter(Phase::Graph))
    return writeIR(module, output);

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
      return writeText(output, emitModelHeader(*signature), loc);
    // --emit-header: the header of the same run, beside the artifact.
    if (!options.headerPath.empty()) {
      FailureOr<std::string> header =
          state.outputs.create(options.headerPath, loc);
      if (failed(header) ||
          failed(writeText(*header, emitModelHeader(*signature), loc)))
        return failure();
    }
  }

  if (failed(
          runPhase(module, Phase::Kernels, buildKernelPipeline, timing, state)))
    return failure();
  if (failed(countKernels(module, options, state.report)))
    return failure();
  if (stopsAfter(Phase::Kernels))
    return writeIR(module, output);
  auto lowering = [&](OpPassManager &pm) {
    TargetOpsOptions targetOps;
    targetOps.batchLoop =
        !llvm::is_contained(options.disabledPasses, "batch-loop");
    target.buildTargetOpsPipeline(pm, targetOps);
    buildLoweringPipeline(pm);
  };
  if (failed(runPhase(module, Phase::Lowering, lowering, timing, state)))
    return failure();
  if (stopsAfter(Phase::Lowering))
    return writeIR(module, output);

  FailureOr<std::string> weightsFile = weightsFilePath(options, loc);
  if (failed(weightsFile))
    return failure();
  CodegenOptions codegen;
  // The weights file too is written under a temporary name; the descriptor
  // gets the final one below.
  if (!weightsFile->empty()) {
    FailureOr<std::string> temp = state.outputs.create(*weightsFile, loc);
    if (failed(temp))
      return failure();
    codegen.weightsFile = *temp;
  }
  codegen.weightsPerConstant = options.weightsPerConstant;
  codegen.planMemory =
      !llvm::is_contained(options.disabledPasses, "plan-memory");
  codegen.memoryBudget = options.memoryBudget;
  // The memory planner's report and timeline are outputs too.
  for (auto [asked, written] :
       {std::pair{&options.memoryReport, &codegen.memoryReport},
        std::pair{&options.memoryTimeline, &codegen.memoryTimeline}}) {
    if (asked->empty())
      continue;
    FailureOr<std::string> temp = state.outputs.create(*asked, loc);
    if (failed(temp))
      return failure();
    *written = *temp;
  }
  // --report reads the memory planner's own JSON report: the one asked for,
  // or a temporary one.
  std::string memoryJSON;
  std::optional<llvm::sys::fs::TempFile> memoryTemp;
  llvm::scope_exit discardMemoryTemp([&] {
    if (memoryTemp)
      llvm::consumeError(memoryTemp->discard());
  });
  if (reporting && codegen.planMemory) {
    if (codegen.memoryReport.empty()) {
      SmallString<128> model;
      llvm::sys::path::system_temp_directory(/*ErasedOnReboot=*/true, model);
      llvm::sys::path::append(model, "autoglm-memory-%%%%%%%%.json");
      llvm::Expected<llvm::sys::fs::TempFile> temp =
          llvm::sys::fs::TempFile::create(model);
      if (!temp)
        return emitError(loc) << "cannot create a temporary memory report: "
                              << llvm::toString(temp.takeError());
      memoryTemp.emplace(std::move(*temp));
      codegen.memoryReport = memoryTemp->TmpName;
    }
    memoryJSON = codegen.memoryReport;
  }
  std::vector<ConstantData> constants;
  SmallVector<std::unique_ptr<PassInstrumentation>> codegenInstrumentations;
  codegenInstrumentations.push_back(std::make_unique<WeightsProbe>(constants));
  auto codegenPipeline = [&](OpPassManager &pm) {
    target.buildCodegenPipeline(pm, codegen);
  };
  if (failed(runPhase(module, Phase::Codegen, codegenPipeline, timing, state,
                      std::move(codegenInstrumentations))))
    return failure();

  // What the report and the budgets measure of the generated code.
  int64_t weightsBytes = 0;
  for (const ConstantData &constant : constants)
    weightsBytes += constant.bytes;
  MLIRContext *ctx = module.getContext();
  AutoGLMDialect::WeightsAttrHelper weightsHelper(ctx);
  WeightsAttr weights = weightsHelper.getAttr(module);
  if (!codegen.weightsFile.empty()) {
    if (weights) {
      // The descriptor names the final file, not the temporary one.
      weightsHelper.setAttr(
          module,
          WeightsAttr::get(
              ctx,
              StringAttr::get(ctx, llvm::sys::path::filename(*weightsFile)),
              weights.getBytes(), weights.getFingerprint()));
    } else {
      // No weights large enough for the file: none is written.
      state.outputs.drop(codegen.weightsFile);
    }
  }
  state.report.weightsBytes = weightsBytes;
  state.report.weightsFileBytes =
      options.externalWeights && weights ? weights.getBytes() : 0;
  if (failed(checkWeights(module, options, constants, weightsBytes)))
    return failure();
  module.walk([&](gpu::LaunchFuncOp launch) {
    std::string name = launch.getKernelName().str();
    if (!llvm::is_contained(state.report.deviceKernels, name))
      state.report.deviceKernels.push_back(name);
  });
  if (!memoryJSON.empty()) {
    if (auto buffer = llvm::MemoryBuffer::getFile(memoryJSON)) {
      llvm::Expected<llvm::json::Value> plan =
          llvm::json::parse((*buffer)->getBuffer());
      if (plan)
        state.report.memory = std::move(*plan);
      else
        llvm::consumeError(plan.takeError());
    }
  }

  if (stopsAfter(Phase::Codegen))
    return writeIR(module, output);
  modelSignature = std::move(*signature);
  *written = false;
  return success();
}

LogicalResult mlir::autoglm::compileModule(ModuleOp module,
                                           const CompileOptions &options,
                                           TimingScope &timing,
                                           CompileState &state) {
  Location loc = module.getLoc();
  if (failed(checkModule(module, options)))
    return failure();
  // The target first: a bad --target or --cpu is reported before any work.
  std::unique_ptr<Target> target =
      createTarget(options.target, options.host, options.device, loc);
  if (!target)
    return failure();
  // Every output is written under a temporary name and renamed when the
  // whole compilation has succeeded (finishCompilation).
  FailureOr<std::string> output = state.outputs.create(options.outputPath, loc);
  if (failed(output))
    return failure();
  ModelSignature signature;
  bool written = false;
  if (failed(runPhases(module, options, *target, *output, timing, state,
                       signature, &written)))
    return failure();
  if (written)
    return success();
  state.progress.show(kProgressSteps - 1, kProgressSteps, "emission", 0.0);
  TimingScope emission = timing.nest("emission");
  return target->emit(module, signature, artifactKind(options.emit), *output,
                      emission);
}

LogicalResult mlir::autoglm::compileShapeEntries(ArrayRef<ModuleOp> modules,
                                                 const ModelSignature &shell,
                                                 const CompileOptions &options,
                                                 TimingScope &timing,
                                                 CompileState &state) {
  Location loc = ModuleOp(modules.front()).getLoc();
  for (ModuleOp module : modules)
    if (failed(checkModule(module, options)))
      return failure();
  // What one artifact of several sizes does not hold yet: say so rather
  // than write one size's report or IR.
  StringRef unsupported =
      options.stopAfter                  ? "--compile-to and --emit=mlir"
      : options.emit == EmitKind::PTX    ? "--emit=ptx"
      : options.externalWeights          ? "--weights=external"
      : !options.reportPath.empty()      ? "--report"
      : !options.memoryReport.empty()    ? "--memory-report"
      : !options.memoryTimeline.empty()  ? "--memory-timeline"
      : !options.precisionReport.empty() ? "--precision-report"
      : options.printOptimizationReport  ? "--print-optimization-report"
                                         : "";
  if (!unsupported.empty())
    return emitError(loc) << (shell.batchSizes.empty()
                                  ? "sequence-length buckets do"
                                  : "--batch-sizes does")
                          << " not go with " << unsupported << " yet";
  std::unique_ptr<Target> target =
      createTarget(options.target, options.host, options.device, loc);
  if (!target)
    return failure();
  FailureOr<std::string> output = state.outputs.create(options.outputPath, loc);
  if (failed(output))
    return failure();
  // Each size through every phase, as a model of its own; the header and
  // the artifact come once, for all of them.
  CompileOptions each = options;
  each.emit = EmitKind::Object;
  each.headerPath.clear();
  // A global per constant: LLVM's constant merging then keeps one copy of
  // every constant the entries share, even where one of their constants
  // differs (a position table folded to each length).
  each.weightsPerConstant = true;
  SmallVector<ModelSignature> signatures(modules.size());
  for (auto [i, module, signature] : llvm::enumerate(modules, signatures)) {
    TimingScope sizeTiming = timing.nest(shell.entrySuffix(i));
    bool written = false;
    if (failed(runPhases(module, each, *target, *output, sizeTiming, state,
                         signature, &written)))
      return failure();
  }
  FailureOr<ModelSignature> signature =
      combineEntrySignatures(signatures, shell, loc);
  if (failed(signature))
    return failure();
  if (options.emit == EmitKind::Header)
    return writeText(*output, emitModelHeader(*signature), loc);
  if (!options.headerPath.empty()) {
    FailureOr<std::string> header =
        state.outputs.create(options.headerPath, loc);
    if (failed(header) ||
        failed(writeText(*header, emitModelHeader(*signature), loc)))
      return failure();
  }
  state.progress.show(kProgressSteps - 1, kProgressSteps, "emission", 0.0);
  TimingScope emission = timing.nest("emission");
  return target->emitBatchSizes(modules, signatures, *signature,
                                artifactKind(options.emit), *output, emission);
}
