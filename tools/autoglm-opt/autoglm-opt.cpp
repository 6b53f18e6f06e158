//===- autoglm-opt.cpp - the AutoGLM compiler driver ----------------------===//
//
// An mlir-opt-style driver: MLIR input goes through the standard MlirOptMain
// flow (named passes, -verify-diagnostics, ...). ONNX input (.onnx,
// .onnxtxt) is first imported into the autoglm dialect, then runs through
// the same pass pipeline and printing. With --emit or --compile-to it is the
// compiler instead: the phases of lib/Compiler/Pipelines.cpp.
//
//===----------------------------------------------------------------------===//

#include "autoglm/Compiler/Compile.h"
#include "autoglm/Compiler/Pipelines.h"
#include "autoglm/Conversion/Passes.h"
#include "autoglm/Dialect/AutoGLM.h"
#include "autoglm/Importer/ONNXImporter.h"
#include "autoglm/Passes/Passes.h"
#include "autoglm/Passes/Report.h"
#include "autoglm/Target/CPU/Passes.h"
#include "autoglm/Target/CUDA.h"
#include "autoglm/Target/CUDA/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/Timing.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

static llvm::cl::OptionCategory importerCategory("ONNX import options");

static llvm::cl::OptionCategory compileCategory("Compilation options");

static llvm::cl::opt<std::string>
    emitKind("emit",
             llvm::cl::desc(
                 "Compile instead of running named passes, and write: "
                 "mlir (the IR after the graph phase, as --compile-to=graph), "
                 "llvm (LLVM IR), obj (object file), header (C header), "
                 "lib (static library), so (shared library), ptx (the "
                 "kernels' PTX, --target=cuda)"),
             llvm::cl::value_desc("mlir|llvm|obj|header|lib|so|ptx"),
             llvm::cl::cat(compileCategory));

static llvm::cl::opt<std::string> compileTo(
    "compile-to",
    llvm::cl::desc("Compile instead of running named passes, stop after a "
                   "phase and write its IR: import, graph, kernels, lowering, "
                   "codegen"),
    llvm::cl::value_desc("phase"), llvm::cl::cat(compileCategory));

static llvm::cl::opt<std::string>
    targetName("target",
               llvm::cl::desc("The code-generation target (default: cpu)"),
               llvm::cl::value_desc("cpu|cuda"), llvm::cl::init("cpu"),
               llvm::cl::cat(compileCategory));

static llvm::cl::list<std::string> gpuArchs(
    "gpu-arch",
    llvm::cl::desc("--target=cuda: the GPU architectures to put machine "
                   "code for into the fatbin (comma-separated; default "
                   "sm_80,sm_90, plus the newest one's PTX)"),
    llvm::cl::value_desc("sm_XY"), llvm::cl::CommaSeparated,
    llvm::cl::cat(compileCategory));

static llvm::cl::opt<bool> cudaConvEpilogues(
    "cuda-conv-epilogues",
    llvm::cl::desc("--target=cuda: run a convolution's bias and ReLU/ReLU6 "
                   "in cuDNN's kernel (fused operation graphs; off by "
                   "default: measured no faster on the H200)"),
    llvm::cl::init(false), llvm::cl::cat(compileCategory));

// Hidden: the residual form gave wrong outputs on the H200 for some cuDNN
// engines (docs/decisions.md); kept reachable to diagnose it.
static llvm::cl::opt<bool> cudaConvEpilogueResiduals(
    "cuda-conv-epilogue-residuals",
    llvm::cl::desc("with --cuda-conv-epilogues, a residual add too"),
    llvm::cl::init(false), llvm::cl::Hidden, llvm::cl::cat(compileCategory));

static llvm::cl::opt<bool> cudaDependentLaunch(
    "cuda-dependent-launch",
    llvm::cl::desc("--target=cuda: on GPUs of compute capability 9.0 and "
                   "newer, each kernel's launch overlaps the run of the "
                   "kernel before it (programmatic dependent launch; "
                   "default on)"),
    llvm::cl::init(true), llvm::cl::cat(compileCategory));

// Kept reachable to measure what it gains (docs/decisions.md).
static llvm::cl::opt<bool> cudaPrefetchWeights(
    "cuda-prefetch-weights",
    llvm::cl::desc("with --cuda-dependent-launch, a row product prefetches "
                   "its weight into the L2 cache before it waits for the "
                   "kernel before it"),
    llvm::cl::init(true), llvm::cl::Hidden, llvm::cl::cat(compileCategory));

static llvm::cl::opt<bool> cpuWinograd(
    "cpu-winograd",
    llvm::cl::desc("--target=cpu: compute 3x3 stride-1 float32 convolutions "
                   "with enough channels and output pixels as Winograd "
                   "F(4x4, 3x3) (default on; =0 runs them as direct "
                   "products)"),
    llvm::cl::init(true), llvm::cl::cat(compileCategory));

static llvm::cl::opt<int64_t> cpuThreads(
    "cpu-threads",
    llvm::cl::desc("--target=cpu: the thread count the model will run with "
                   "(autoglm_session_options.num_threads), which the "
                   "products' parallel blocks and a convolution's column "
                   "panels are cut for; above 4, a CNN's first layers keep "
                   "the batch (default 0: the threads this process may use, "
                   "as the runtime's default)"),
    llvm::cl::init(0), llvm::cl::cat(compileCategory));

// For profiles by ONNX node (bench/profile_model.py).
static llvm::cl::opt<bool> cpuShareKernels(
    "cpu-share-kernels",
    llvm::cl::desc("--target=cpu: parallel loops whose bodies are "
                   "equivalent (identical layers) share one function "
                   "(default on; =0 gives each loop its own, so that a "
                   "profiler names each layer)"),
    llvm::cl::init(true), llvm::cl::Hidden, llvm::cl::cat(compileCategory));

static llvm::cl::opt<bool> cpuInt8Epilogues(
    "cpu-int8-epilogues",
    llvm::cl::desc("--target=cpu: run the requantization after each int8 "
                   "product (cast to f32, scales, bias, activation, "
                   "quantization for the next product) in the product's "
                   "VNNI or AMX kernel, on each block after its K loop "
                   "(default off: measured no faster on these Xeons, "
                   "docs/decisions.md)"),
    llvm::cl::init(false), llvm::cl::cat(compileCategory));

static llvm::cl::opt<bool> cpuAmx(
    "cpu-amx",
    llvm::cl::desc("--target=cpu: run uint8 x int8 and bf16 products on AMX "
                   "tiles where the target CPU has AMX-INT8 / AMX-BF16 "
                   "(default on; =0 keeps them on AVX-512 VNNI and the "
                   "widened float32 kernel)"),
    llvm::cl::init(true), llvm::cl::cat(compileCategory));

static llvm::cl::opt<std::string> cudaPath(
    "cuda-path",
    llvm::cl::desc("--target=cuda: the CUDA toolkit (default: $CUDA_HOME, "
                   "$CUDA_PATH, /usr/local/cuda, then ptxas on PATH)"),
    llvm::cl::value_desc("dir"), llvm::cl::cat(compileCategory));

static llvm::cl::opt<std::string>
    modelName("model-name",
              llvm::cl::desc("Name of the compiled model: its descriptor is "
                             "autoglm_model_<name> (default: model)"),
              llvm::cl::init("model"), llvm::cl::cat(compileCategory));

static llvm::cl::opt<std::string> targetTriple(
    "target-triple",
    llvm::cl::desc("Target triple, e.g. aarch64-linux-gnu (default: the host)"),
    llvm::cl::cat(compileCategory));

static llvm::cl::opt<std::string> targetCPU(
    "cpu",
    llvm::cl::desc("Target CPU, e.g. skylake-avx512 or generic (default: the "
                   "host's, detected)"),
    llvm::cl::cat(compileCategory));

static llvm::cl::opt<unsigned>
    optLevel("O", llvm::cl::desc("LLVM optimization level (0-3, default 3)"),
             llvm::cl::Prefix, llvm::cl::init(3),
             llvm::cl::cat(compileCategory));

static llvm::cl::opt<std::string> weightsPlacement(
    "weights",
    llvm::cl::desc("Where compiled weights live: embed (in the binary, the "
                   "default) or external (a weights file next to the output, "
                   "mapped by the runtime at session creation)"),
    llvm::cl::value_desc("embed|external"), llvm::cl::init("embed"),
    llvm::cl::cat(compileCategory));

static llvm::cl::opt<std::string> weightsFile(
    "weights-file",
    llvm::cl::desc("The weights file to write with --weights=external "
                   "(default: the output path with the extension .weights)"),
    llvm::cl::value_desc("path"), llvm::cl::cat(compileCategory));

static llvm::cl::list<std::string> disabledPasses(
    "disable-pass",
    llvm::cl::desc(
        "Leave a pass out of the default graph pipeline of --emit "
        "(repeatable or comma-separated): fold-constants, fuse, batch-loop "
        "(the CPU's), plan-memory"),
    llvm::cl::value_desc("name"), llvm::cl::CommaSeparated,
    llvm::cl::cat(compileCategory));

static llvm::cl::opt<std::string> precision(
    "precision",
    llvm::cl::desc("Precision of matmuls and convolutions: fp32 (the "
                   "default: nothing changes), fp16 or bf16 (narrow operands "
                   "and weights, f32 accumulation; everything else in f32), "
                   "int8 (matmuls on constant weights quantized from "
                   "--calibration-data, i32 accumulation), fp8 (matmuls on "
                   "constant weights as float8 E4M3 with per-tensor scales "
                   "from --calibration-data, f32 accumulation; fp8 tensor "
                   "cores with --target=cuda), auto (the fastest "
                   "of these on the target within --accuracy-budget)"),
    llvm::cl::value_desc("fp32|fp16|bf16|int8|fp8|auto"),
    llvm::cl::init("fp32"), llvm::cl::cat(compileCategory));

static llvm::cl::opt<std::string> accuracyBudget(
    "accuracy-budget",
    llvm::cl::desc("Keep the nodes whose lowering costs the most accuracy in "
                   "float32 until every output, on the --calibration-data "
                   "sets, has a cosine similarity to float32 of at least C "
                   "(cosine:C) or a largest |difference| of at most E times "
                   "its largest |value| (rel-error:E)"),
    llvm::cl::value_desc("cosine:C|rel-error:E"),
    llvm::cl::cat(compileCategory));

static llvm::cl::opt<int64_t> maxProtectedLayers(
    "max-protected-layers",
    llvm::cl::desc("With --accuracy-budget: fail when the budget needs more "
                   "than N nodes kept in float32 (default: no limit)"),
    llvm::cl::value_desc("N"), llvm::cl::init(-1),
    llvm::cl::cat(compileCategory));

static llvm::cl::opt<std::string> calibrationData(
    "calibration-data",
    llvm::cl::desc("int8: sample inputs to measure activation ranges on, one "
                   "subdirectory per input set, each holding <input "
                   "name>.npy or input_<i>.pb files"),
    llvm::cl::value_desc("dir"), llvm::cl::cat(compileCategory));

static llvm::cl::opt<std::string> calibrationCache(
    "calibration-cache",
    llvm::cl::desc("int8: save the measured ranges to this file; when it "
                   "exists, read them from it instead of measuring"),
    llvm::cl::value_desc("file.json"), llvm::cl::cat(compileCategory));

static llvm::cl::opt<std::string> calibrator(
    "calibrator",
    llvm::cl::desc("int8: an activation's clipping threshold is the largest "
                   "|x| seen (minmax, the default), a percentile of |x| "
                   "(percentile), or the one of least KL divergence between "
                   "the clipped and the quantized histogram (entropy)"),
    llvm::cl::value_desc("minmax|percentile|entropy"), llvm::cl::init("minmax"),
    llvm::cl::cat(compileCategory));

static llvm::cl::opt<double> calibrationPercentile(
    "calibration-percentile",
    llvm::cl::desc("int8 with --calibrator=percentile: the percentile of |x| "
                   "kept (default 99.99)"),
    llvm::cl::value_desc("p"), llvm::cl::init(99.99),
    llvm::cl::cat(compileCategory));

static llvm::cl::opt<std::string> precisionReport(
    "precision-report",
    llvm::cl::desc("Write each ONNX node's precision (and the casts placed "
                   "between precisions) as JSON"),
    llvm::cl::value_desc("file.json"), llvm::cl::cat(compileCategory));

static llvm::cl::opt<std::string> sparseAttention(
    "sparse-attention",
    llvm::cl::desc("Decode attention (few queries, a long key cache) as top-k "
                   "attention: off (the default), on (every eligible "
                   "attention) or auto (the attention that keeps enough of "
                   "its mass on --calibration-data; "
                   "docs/sparse-attention.md)"),
    llvm::cl::value_desc("off|on|auto"), llvm::cl::init("off"),
    llvm::cl::cat(compileCategory));

static llvm::cl::opt<int64_t> sparseAttentionK(
    "sparse-attention-k",
    llvm::cl::desc("Keys each query keeps by score, besides sinks and window "
                   "(default 64)"),
    llvm::cl::value_desc("N"), llvm::cl::init(64),
    llvm::cl::cat(compileCategory));

static llvm::cl::opt<int64_t>
    sparseAttentionSink("sparse-attention-sink",
                        llvm::cl::desc("First keys always kept (default 4)"),
                        llvm::cl::value_desc("N"), llvm::cl::init(4),
                        llvm::cl::cat(compileCategory));

static llvm::cl::opt<int64_t> sparseAttentionWindow(
    "sparse-attention-window",
    llvm::cl::desc("Most recent keys always kept (default 16)"),
    llvm::cl::value_desc("N"), llvm::cl::init(16),
    llvm::cl::cat(compileCategory));

static llvm::cl::opt<std::string> sparseAttentionGranularity(
    "sparse-attention-granularity",
    llvm::cl::desc("What top-k attention selects: token (the default) or page "
                   "(pages of keys, from per-page key bounds that become "
                   "inputs and outputs of the model)"),
    llvm::cl::value_desc("token|page"), llvm::cl::init("token"),
    llvm::cl::cat(compileCategory));

static llvm::cl::opt<int64_t> sparseAttentionPageSize(
    "sparse-attention-page-size",
    llvm::cl::desc("With --sparse-attention-granularity=page: keys per page "
                   "(default 16)"),
    llvm::cl::value_desc("N"), llvm::cl::init(16),
    llvm::cl::cat(compileCategory));

static llvm::cl::opt<double> sparseAttentionMinMass(
    "sparse-attention-min-mass",
    llvm::cl::desc("With --sparse-attention=auto: the least mean share of "
                   "its attention probability a rewritten attention node "
                   "keeps on the calibration data (default 0.90)"),
    llvm::cl::value_desc("m"), llvm::cl::init(0.90),
    llvm::cl::cat(compileCategory));

static llvm::cl::opt<double> sparseAttentionMinP5(
    "sparse-attention-min-p5",
    llvm::cl::desc("With --sparse-attention=auto: the least 5th percentile "
                   "over query rows of that share (default 0.80)"),
    llvm::cl::value_desc("m"), llvm::cl::init(0.80),
    llvm::cl::cat(compileCategory));

static llvm::cl::opt<std::string> sparseAttentionReport(
    "sparse-attention-report",
    llvm::cl::desc("Write each attention node's top-k decision (and, with "
                   "auto, its measured mass) as JSON"),
    llvm::cl::value_desc("file.json"), llvm::cl::cat(compileCategory));

static llvm::cl::opt<bool> printOptimizationReport(
    "print-optimization-report",
    llvm::cl::desc("After the graph passes, print to stderr what each did: "
                   "op counts before and after, and the rules that fired with "
                   "the ONNX node names they touched"),
    llvm::cl::init(false));

static llvm::cl::opt<std::string> memoryReport(
    "memory-report",
    llvm::cl::desc(
        "Write the memory plan: arena, naive and lower-bound bytes "
        "and the largest buffers with their ONNX nodes (JSON when "
        "the file name ends in .json, text otherwise; - for stderr)"),
    llvm::cl::value_desc("file"), llvm::cl::cat(compileCategory));

static llvm::cl::opt<std::string> memoryTimeline(
    "memory-timeline",
    llvm::cl::desc("Draw the memory plan as an SVG picture: buffers over "
                   "time (program steps) and arena offset"),
    llvm::cl::value_desc("file.svg"), llvm::cl::cat(compileCategory));

static llvm::cl::opt<int64_t> memoryBudget(
    "memory-budget",
    llvm::cl::desc("Fail the compilation when the planned memory arena is "
                   "larger than this many bytes"),
    llvm::cl::value_desc("bytes"), llvm::cl::init(0),
    llvm::cl::cat(compileCategory));

static llvm::cl::opt<std::string> emitHeader(
    "emit-header",
    llvm::cl::desc("Also write the model's C header, in the same run as "
                   "--emit=obj, lib, so or llvm"),
    llvm::cl::value_desc("file.h"), llvm::cl::cat(compileCategory));

static llvm::cl::opt<std::string> depfile(
    "depfile",
    llvm::cl::desc("Write a Make-syntax dependency file: the output (-o) "
                   "depends on the model and its external data files "
                   "(written only when the compilation succeeds)"),
    llvm::cl::value_desc("file.d"), llvm::cl::cat(compileCategory));

static llvm::cl::opt<std::string> reportFile(
    "report",
    llvm::cl::desc("Write the compile report as JSON: the input's SHA-256, "
                   "the options, op counts per graph pass, kernels, arena "
                   "and weights bytes, compile time per phase"),
    llvm::cl::value_desc("file.json"), llvm::cl::cat(compileCategory));

static llvm::cl::opt<int64_t> weightsBudget(
    "weights-budget",
    llvm::cl::desc("Fail the compilation when the weights (embedded and in "
                   "the weights file) take more than this many bytes"),
    llvm::cl::value_desc("bytes"), llvm::cl::init(0),
    llvm::cl::cat(compileCategory));

static llvm::cl::opt<int64_t> kernelBudget(
    "kernel-budget",
    llvm::cl::desc("Fail the compilation when the model has more than this "
                   "many kernels"),
    llvm::cl::value_desc("n"), llvm::cl::init(0),
    llvm::cl::cat(compileCategory));

static llvm::cl::opt<std::string> progressMode(
    "progress",
    llvm::cl::desc("Show the phase being compiled on one line of stderr: "
                   "auto (when stderr is a terminal, the default), always, "
                   "never"),
    llvm::cl::value_desc("auto|always|never"), llvm::cl::init("auto"),
    llvm::cl::cat(compileCategory));

static llvm::cl::list<std::string>
    inputShapes("input-shape",
                llvm::cl::desc("Specialize a graph input's shape, e.g. "
                               "--input-shape=input:1x3x224x224 (repeatable); "
                               "? leaves a dimension symbolic (the batch of "
                               "--batch-sizes), a set such as {64,128,256} "
                               "compiles an entry per sequence length"),
                llvm::cl::value_desc("NAME:DxDx..."),
                llvm::cl::cat(importerCategory));

static llvm::cl::opt<std::string> batchSizes(
    "batch-sizes",
    llvm::cl::desc("Compile a model whose inputs' dimension 0 is symbolic "
                   "into one artifact with an entry per batch size, sharing "
                   "the weights and one workspace: a list (1,2,4,8) or the "
                   "powers of two of a range, its ends included (1-16)"),
    llvm::cl::value_desc("N,N,...|FIRST-LAST"), llvm::cl::cat(compileCategory));

static llvm::cl::opt<std::string> padMask(
    "pad-mask",
    llvm::cl::desc("With sets of sequence lengths in --input-shape "
                   "(input_ids:?x{64,128}): the input whose zeros mark "
                   "padding positions (e.g. attention_mask); the runtime "
                   "then pads a request of a length between the set's up to "
                   "the next one"),
    llvm::cl::value_desc("NAME"), llvm::cl::cat(compileCategory));

static llvm::cl::list<std::string> inputValues(
    "input-value",
    llvm::cl::desc("Fix a graph input's value at compile time from an ONNX "
                   "TensorProto file; the input leaves the compiled model's "
                   "inputs, e.g. --input-value=axes:axes.pb (repeatable)"),
    llvm::cl::value_desc("NAME:FILE.pb"), llvm::cl::cat(importerCategory));

/// Prints diagnostics of ONNX input in the user's terms: the model file and
/// the ONNX node the op came from.
static LogicalResult printONNXDiagnostic(StringRef modelPath,
                                         Diagnostic &diag) {
  StringRef node = mlir::autoglm::getNodeName(diag.getLocation());
  llvm::raw_ostream &os = llvm::errs();
  os << modelPath << ": ";
  if (!node.empty())
    os << "node '" << node << "': ";
  switch (diag.getSeverity()) {
  case DiagnosticSeverity::Error:
    os << "error: ";
    break;
  case DiagnosticSeverity::Warning:
    os << "warning: ";
    break;
  case DiagnosticSeverity::Note:
    os << "note: ";
    break;
  case DiagnosticSeverity::Remark:
    os << "remark: ";
    break;
  }
  os << diag << "\n";
  for (Diagnostic &note : diag.getNotes())
    os << modelPath << ": note: " << note << "\n";
  return success();
}

using InputShape = std::pair<std::string, std::vector<int64_t>>;

/// Reads the input: ONNX models are imported (honouring --input-shape, and
/// `batchShapes`, which replace the shapes it gives the same inputs),
/// MLIR is parsed. Null after a diagnostic.
static OwningOpRef<ModuleOp>
loadInput(StringRef inputPath, MLIRContext &context,
          std::vector<std::string> *dataFiles = nullptr,
          ArrayRef<InputShape> batchShapes = {}) {
  if (!::autoglm::isONNXFile(inputPath)) {
    if (!inputShapes.empty() || !inputValues.empty()) {
      llvm::errs() << "error: --input-shape and --input-value apply to ONNX "
                      "input only\n";
      return nullptr;
    }
    return parseSourceFile<ModuleOp>(inputPath, &context);
  }
  ::autoglm::ImportOptions options;
  options.externalDataFiles = dataFiles;
  // The CUDA target runs straight-line steps: no scf around its kernels.
  options.runtimeControlFlow = targetName != "cuda";
  for (const std::string &given : inputShapes) {
    // A set of sequence lengths is symbolic here; the entries fix it.
    mlir::autoglm::SeqLengthSets sets;
    std::string error;
    if (failed(mlir::autoglm::parseSeqLengthSets(given, sets, error))) {
      llvm::errs() << "error: " << error << "\n";
      return nullptr;
    }
    StringRef spec = sets.symbolicSpec;
    std::pair<std::string, std::vector<int64_t>> parsed;
    if (!::autoglm::parseInputShapeSpec(spec, parsed)) {
      llvm::errs() << "error: malformed --input-shape='" << spec
                   << "' (expected NAME:DxDx..., e.g. input:1x3x224x224)\n";
      return nullptr;
    }
    if (!llvm::any_of(batchShapes, [&](const InputShape &batch) {
          return batch.first == parsed.first;
        }))
      options.inputShapes.push_back(std::move(parsed));
  }
  options.inputShapes.insert(options.inputShapes.end(), batchShapes.begin(),
                             batchShapes.end());
  for (const std::string &spec : inputValues) {
    std::pair<std::string, std::string> parsed;
    if (!::autoglm::parseInputValueSpec(spec, parsed)) {
      llvm::errs() << "error: malformed --input-value='" << spec
                   << "' (expected NAME:FILE.pb, e.g. axes:axes.pb)\n";
      return nullptr;
    }
    options.inputValues.push_back(std::move(parsed));
  }
  return ::autoglm::importONNXFile(inputPath, context, options);
}

/// The graph inputs of `module`'s `main` whose dimension 0 is symbolic, with
/// their shapes; an error naming the inputs when there is none.
static FailureOr<std::vector<InputShape>> findBatchInputs(ModuleOp module) {
  auto main = module.lookupSymbol<func::FuncOp>("main");
  if (!main)
    return emitError(module.getLoc()) << "the module has no `func.func @main`";
  StringAttr onnxName =
      mlir::autoglm::AutoGLMDialect::OnnxNameAttrHelper(module.getContext())
          .getName();
  std::vector<InputShape> batched;
  std::string fixed;
  for (auto [i, type] : llvm::enumerate(main.getArgumentTypes())) {
    auto name = main.getArgAttrOfType<StringAttr>(i, onnxName);
    std::string text = name ? name.str() : "arg" + std::to_string(i);
    auto tensor = dyn_cast<RankedTensorType>(type);
    if (tensor && tensor.getRank() > 0 && tensor.isDynamicDim(0)) {
      batched.emplace_back(text, tensor.getShape().vec());
      continue;
    }
    llvm::raw_string_ostream os(fixed);
    os << (fixed.empty() ? "" : ", ") << "'" << text << "' is " << type;
  }
  if (batched.empty())
    return emitError(module.getLoc())
           << "--batch-sizes needs inputs whose batch dimension (dimension "
              "0) is symbolic, and no input's is"
           << (fixed.empty() ? "" : ": " + fixed)
           << "; export the model with a symbolic first dimension, or leave "
              "it symbolic in --input-shape (?x...)";
  return batched;
}

/// The sets of sequence lengths of every --input-shape: the lengths (one
/// set for all) and the dimensions of each input that take them.
struct SeqBuckets {
  SmallVector<int64_t> lengths;
  std::map<std::string, SmallVector<unsigned>> dims;
};

static FailureOr<SeqBuckets> collectSeqBuckets() {
  SeqBuckets buckets;
  for (const std::string &spec : inputShapes) {
    mlir::autoglm::SeqLengthSets sets;
    std::string error;
    if (failed(mlir::autoglm::parseSeqLengthSets(spec, sets, error))) {
      llvm::errs() << "error: " << error << "\n";
      return failure();
    }
    if (sets.dims.empty())
      continue;
    if (!buckets.lengths.empty() && buckets.lengths != sets.lengths) {
      llvm::errs() << "error: --input-shape='" << spec
                   << "' gives other sequence lengths than an earlier "
                      "--input-shape; every input takes the same set\n";
      return failure();
    }
    buckets.lengths = sets.lengths;
    buckets.dims[sets.input] = sets.dims;
  }
  if (!padMask.empty() && buckets.lengths.empty()) {
    llvm::errs() << "error: --pad-mask needs sets of sequence lengths in "
                    "--input-shape (e.g. input_ids:?x{64,128,256})\n";
    return failure();
  }
  return buckets;
}

/// Entries of several batch sizes (--batch-sizes), sequence lengths (sets
/// in --input-shape) or both: the model imported once per (batch, length)
/// pair, batch-major, its symbolic batch dimension and length dimensions
/// fixed to them. Empty after a diagnostic.
static SmallVector<OwningOpRef<ModuleOp>>
loadEntries(StringRef inputPath, MLIRContext &context, ArrayRef<int64_t> sizes,
            const SeqBuckets &buckets, std::vector<std::string> *dataFiles) {
  StringRef option =
      sizes.empty() ? "sets of sequence lengths" : "--batch-sizes";
  if (!::autoglm::isONNXFile(inputPath)) {
    llvm::errs() << "error: " << option << " apply to ONNX input only\n";
    return {};
  }
  OwningOpRef<ModuleOp> symbolic = loadInput(inputPath, context, dataFiles);
  if (!symbolic)
    return {};
  std::vector<InputShape> batched;
  if (!sizes.empty()) {
    FailureOr<std::vector<InputShape>> found = findBatchInputs(*symbolic);
    if (failed(found))
      return {};
    batched = std::move(*found);
  }
  // Every input that changes between entries, with its symbolic shape.
  auto main = symbolic->lookupSymbol<func::FuncOp>("main");
  StringAttr onnxName =
      mlir::autoglm::AutoGLMDialect::OnnxNameAttrHelper(&context).getName();
  std::vector<InputShape> changing;
  std::vector<std::string> names;
  for (auto [i, type] : llvm::enumerate(main.getArgumentTypes())) {
    auto name = main.getArgAttrOfType<StringAttr>(i, onnxName);
    std::string text = name ? name.str() : "arg" + std::to_string(i);
    names.push_back(text);
    auto tensor = dyn_cast<RankedTensorType>(type);
    bool isBatched = llvm::any_of(
        batched, [&](const InputShape &shape) { return shape.first == text; });
    auto seqDims = buckets.dims.find(text);
    if (!tensor)
      continue;
    // A symbolic dimension neither the batch nor a length would stay
    // symbolic in every entry: name it now, not after compiling them.
    for (int64_t d = 0; d < tensor.getRank(); ++d)
      if (tensor.isDynamicDim(d) && !(d == 0 && isBatched) &&
          !(seqDims != buckets.dims.end() &&
            llvm::is_contained(seqDims->second, d))) {
        llvm::errs() << "error: input '" << text << "' has a symbolic "
                     << "dimension " << d << " (" << type
                     << ") that is neither the batch of --batch-sizes nor a "
                        "set of lengths; give it a size or the set in "
                        "--input-shape\n";
        return {};
      }
    if (isBatched || seqDims != buckets.dims.end())
      changing.emplace_back(text, tensor.getShape().vec());
  }
  for (const auto &[input, dims] : buckets.dims)
    if (!llvm::is_contained(names, input)) {
      llvm::errs() << "error: --input-shape='" << input
                   << ":...' names no input of the model\n";
      return {};
    }
  if (!padMask.empty() && !buckets.dims.count(padMask)) {
    llvm::errs() << "error: --pad-mask='" << padMask << "' names "
                 << (llvm::is_contained(names, padMask)
                         ? "an input without a set of sequence lengths; give "
                           "it one: --input-shape=" +
                               padMask + ":...x{LENGTHS}"
                         : std::string("no input of the model (its inputs: ") +
                               llvm::join(names, ", ") + ")")
                 << "\n";
    return {};
  }
  SmallVector<int64_t> entrySizes(sizes.begin(), sizes.end());
  if (entrySizes.empty())
    entrySizes.push_back(0);
  SmallVector<int64_t> lengths(buckets.lengths);
  if (lengths.empty())
    lengths.push_back(0);
  SmallVector<OwningOpRef<ModuleOp>> modules;
  for (int64_t size : entrySizes)
    for (int64_t length : lengths) {
      std::vector<InputShape> shapes = changing;
      for (InputShape &shape : shapes) {
        if (size && shape.second[0] == ShapedType::kDynamic)
          shape.second[0] = size;
        auto seqDims = buckets.dims.find(shape.first);
        if (seqDims != buckets.dims.end())
          for (unsigned d : seqDims->second)
            if (d < shape.second.size())
              shape.second[d] = length;
      }
      OwningOpRef<ModuleOp> module =
          loadInput(inputPath, context, nullptr, shapes);
      if (!module)
        return {};
      modules.push_back(std::move(module));
    }
  return modules;
}

/// --sparse-attention and its parameters into `options`, with an error for
/// parameters that would not be used or make no sense.
static LogicalResult
parseSparseAttention(mlir::autoglm::CompileOptions &options) {
  auto fail = [](const Twine &message) {
    llvm::errs() << "error: " << message << "\n";
    return failure();
  };
  if (sparseAttention != "off" && sparseAttention != "on" &&
      sparseAttention != "auto")
    return fail("unknown --sparse-attention=" + sparseAttention +
                " (expected off, on or auto)");
  if (sparseAttentionGranularity != "token" &&
      sparseAttentionGranularity != "page")
    return fail("unknown --sparse-attention-granularity=" +
                sparseAttentionGranularity + " (expected token or page)");
  bool pages = sparseAttentionGranularity == "page";
  if (!pages && sparseAttentionPageSize.getNumOccurrences())
    return fail("--sparse-attention-page-size needs "
                "--sparse-attention-granularity=page");
  if (sparseAttention == "off") {
    llvm::cl::Option *parameters[] = {
        &sparseAttentionK,       &sparseAttentionSink,
        &sparseAttentionWindow,  &sparseAttentionGranularity,
        &sparseAttentionMinMass, &sparseAttentionMinP5,
        &sparseAttentionReport,  &sparseAttentionPageSize};
    for (llvm::cl::Option *flag : parameters)
      if (flag->getNumOccurrences())
        return fail("--" + flag->ArgStr +
                    " has no effect without --sparse-attention=on or auto");
    return success();
  }
  if (sparseAttention == "on")
    for (llvm::cl::Option *flag :
         {static_cast<llvm::cl::Option *>(&sparseAttentionMinMass),
          static_cast<llvm::cl::Option *>(&sparseAttentionMinP5)})
      if (flag->getNumOccurrences())
        return fail("--" + flag->ArgStr +
                    " is the gate of --sparse-attention=auto; on rewrites "
                    "every eligible attention");
  if (sparseAttentionK < 1)
    return fail("--sparse-attention-k must be at least 1, got " +
                Twine(sparseAttentionK.getValue()));
  if (sparseAttentionSink < 0 || sparseAttentionWindow < 0)
    return fail("--sparse-attention-sink and --sparse-attention-window must "
                "not be negative");
  if (!(sparseAttentionMinMass >= 0 && sparseAttentionMinMass <= 1 &&
        sparseAttentionMinP5 >= 0 && sparseAttentionMinP5 <= 1))
    return fail("--sparse-attention-min-mass and --sparse-attention-min-p5 "
                "are shares of the attention probability, from 0 to 1");
  if (pages && sparseAttentionPageSize < 1)
    return fail("--sparse-attention-page-size must be at least 1, got " +
                Twine(sparseAttentionPageSize.getValue()));
  if (sparseAttention == "auto" && calibrationData.empty())
    return fail("--sparse-attention=auto rewrites only the attention that "
                "keeps enough of its mass on calibration data: give "
                "--calibration-data=DIR (one subdirectory per input set, each "
                "holding <input name>.npy or input_<i>.pb files)");
  mlir::autoglm::SparseAttentionOptions sparse;
  sparse.topK = sparseAttentionK;
  sparse.sink = sparseAttentionSink;
  sparse.window = sparseAttentionWindow;
  sparse.pageSize = pages ? int64_t(sparseAttentionPageSize) : 0;
  sparse.minMass = sparseAttentionMinMass;
  sparse.minP5 = sparseAttentionMinP5;
  options.sparseAttention = sparse;
  options.sparseAttentionGate = sparseAttention == "auto";
  options.sparseAttentionReport = sparseAttentionReport;
  return success();
}

/// `--emit=...` or `--compile-to=...`: compiles the input into what was
/// asked for.
static LogicalResult compile(StringRef inputPath, StringRef outputPath,
                             DialectRegistry &registry,
                             ArrayRef<std::string> arguments) {
  mlir::autoglm::CompileOptions options;
  if (!compileTo.empty()) {
    options.stopAfter = mlir::autoglm::parsePhase(compileTo);
    if (!options.stopAfter) {
      llvm::errs() << "error: unknown --compile-to=" << compileTo
                   << " (expected "
                   << llvm::join(mlir::autoglm::getPhaseNames(), ", ") << ")\n";
      return failure();
    }
  }
  if (!emitKind.empty()) {
    std::optional<mlir::autoglm::EmitKind> kind =
        mlir::autoglm::parseEmitKind(emitKind);
    if (!kind) {
      llvm::errs() << "error: unknown --emit=" << emitKind
                   << " (expected mlir, llvm, obj, header, lib, so or ptx)\n";
      return failure();
    }
    if (options.stopAfter) {
      llvm::errs() << "error: --emit=" << emitKind
                   << " and --compile-to=" << compileTo
                   << " ask for two different outputs; give one\n";
      return failure();
    }
    options.emit = *kind;
    if (*kind == mlir::autoglm::EmitKind::MLIR)
      options.stopAfter = mlir::autoglm::Phase::Graph;
  }
  if (weightsPlacement != "embed" && weightsPlacement != "external") {
    llvm::errs() << "error: unknown --weights=" << weightsPlacement
                 << " (expected embed or external)\n";
    return failure();
  }
  for (const std::string &name : disabledPasses) {
    ArrayRef<StringRef> known = mlir::autoglm::getOptionalPasses();
    if (!llvm::is_contained(known, name)) {
      llvm::errs() << "error: unknown --disable-pass=" << name << " (expected "
                   << llvm::join(known, " or ") << ")\n";
      return failure();
    }
    options.disabledPasses.push_back(name);
  }
  if (precision != "fp32" && precision != "fp16" && precision != "bf16" &&
      precision != "int8" && precision != "fp8" && precision != "auto") {
    llvm::errs() << "error: unknown --precision=" << precision
                 << " (expected fp32, fp16, bf16, int8, fp8 or auto)\n";
    return failure();
  }
  if (!accuracyBudget.empty()) {
    std::string error;
    if (failed(mlir::autoglm::parseAccuracyBudget(accuracyBudget, error))) {
      llvm::errs() << "error: " << error << "\n";
      return failure();
    }
    if (precision == "fp32") {
      llvm::errs() << "error: --accuracy-budget applies to a lowered "
                      "--precision (fp16, bf16, int8, fp8 or auto)\n";
      return failure();
    }
  }
  if (precision == "auto" && accuracyBudget.empty()) {
    llvm::errs() << "error: --precision=auto picks the fastest precision "
                    "within an accuracy: give --accuracy-budget (e.g. "
                    "cosine:0.999) and --calibration-data\n";
    return failure();
  }
  if (maxProtectedLayers.getNumOccurrences() &&
      (accuracyBudget.empty() || maxProtectedLayers < 0)) {
    llvm::errs() << "error: --max-protected-layers wants a count >= 0 and "
                    "--accuracy-budget\n";
    return failure();
  }
  if (calibrator != "minmax" && calibrator != "percentile" &&
      calibrator != "entropy") {
    llvm::errs() << "error: unknown --calibrator=" << calibrator
                 << " (expected minmax, percentile or entropy)\n";
    return failure();
  }
  if (!(calibrationPercentile > 0 && calibrationPercentile <= 100)) {
    llvm::errs() << "error: --calibration-percentile wants a number in (0, "
                    "100], got "
                 << calibrationPercentile << "\n";
    return failure();
  }
  bool calibrated = precision == "int8" || precision == "fp8" ||
                    precision == "auto" || !accuracyBudget.empty();
  if (!calibrated && !calibrationCache.empty()) {
    llvm::errs() << "error: --calibration-cache applies to --precision=int8, "
                    "fp8 or auto, or with --accuracy-budget\n";
    return failure();
  }
  if (!calibrated && sparseAttention != "auto" && !calibrationData.empty()) {
    llvm::errs() << "error: --calibration-data applies to --precision=int8, "
                    "fp8 or auto, with --accuracy-budget, or to "
                    "--sparse-attention=auto\n";
    return failure();
  }
  // The CPU has no float8 arithmetic: its fp8 products widen the float8
  // values to f32, which shows fp8's accuracy but is no faster.
  if (precision == "fp8" && targetName != "cuda")
    llvm::errs() << "warning: --precision=fp8 on the CPU computes the fp8 "
                    "products in float32 from their float8 values: the "
                    "accuracy of fp8, not its speed (fp8 tensor cores: "
                    "--target=cuda)\n";
  options.precision = precision;
  options.accuracyBudget = accuracyBudget;
  options.maxProtectedLayers = maxProtectedLayers;
  if (failed(parseSparseAttention(options)))
    return failure();
  options.precisionReport = precisionReport;
  options.calibrationData = calibrationData;
  options.calibrationCache = calibrationCache;
  options.calibrator = calibrator;
  options.calibrationPercentile = calibrationPercentile;
  options.target = targetName;
  options.modelName = modelName;
  options.outputPath = outputPath.str();
  options.host.triple = targetTriple;
  options.host.cpu = targetCPU;
  options.host.winograd = cpuWinograd;
  if (cpuThreads < 0) {
    llvm::errs() << "error: --cpu-threads=" << cpuThreads
                 << " is negative; give the thread count the model will run "
                    "with, or 0 for this machine's\n";
    return failure();
  }
  options.host.threads = cpuThreads;
  options.host.shareKernels = cpuShareKernels;
  options.host.amx = cpuAmx;
  options.host.int8Epilogues = cpuInt8Epilogues;
  options.host.optLevel = std::min(optLevel.getValue(), 3u);
  options.device.archs.assign(gpuArchs.begin(), gpuArchs.end());
  // fp8 products need fp8 tensor cores (compute capability 8.9 and newer):
  // an fp8 model is built for those GPUs only, so that an older one is
  // refused when the session is created, before anything runs.
  if (precision == "fp8" && targetName == "cuda") {
    if (options.device.archs.empty())
      options.device.archs = {"sm_89", "sm_90"};
    for (const std::string &arch : options.device.archs)
      if (int cc = mlir::autoglm::computeCapabilityOf(arch);
          cc && cc < mlir::autoglm::kFloat8ComputeCapability) {
        llvm::errs() << "error: --precision=fp8 runs on fp8 tensor cores "
                        "(sm_89 and newer); --gpu-arch="
                     << arch << " names an older GPU\n";
        return failure();
      }
  }
  options.device.toolkitPath = cudaPath;
  options.device.convEpilogues = cudaConvEpilogues;
  options.device.convEpilogueResiduals = cudaConvEpilogueResiduals;
  options.device.dependentLaunch = cudaDependentLaunch;
  options.device.prefetchWeights = cudaPrefetchWeights;
  options.printOptimizationReport = printOptimizationReport;
  options.externalWeights = weightsPlacement == "external";
  options.weightsPath = weightsFile;
  options.memoryReport = memoryReport;
  options.memoryBudget = memoryBudget;
  options.memoryTimeline = memoryTimeline;
  options.inputPath = inputPath.str();
  options.headerPath = emitHeader;
  options.depfilePath = depfile;
  options.reportPath = reportFile;
  options.weightsBudget = weightsBudget;
  options.kernelBudget = kernelBudget;
  options.arguments.assign(arguments.begin(), arguments.end());
  if (!options.headerPath.empty() &&
      (options.stopAfter ||
       (options.emit != mlir::autoglm::EmitKind::Object &&
        options.emit != mlir::autoglm::EmitKind::LLVM &&
        options.emit != mlir::autoglm::EmitKind::StaticLibrary &&
        options.emit != mlir::autoglm::EmitKind::SharedLibrary))) {
    llvm::errs() << "error: --emit-header goes with --emit=obj, lib, so or "
                    "llvm\n";
    return failure();
  }
  if (!options.depfilePath.empty() && outputPath == "-") {
    llvm::errs() << "error: --depfile needs an output file (-o)\n";
    return failure();
  }
  if (options.weightsBudget < 0 || options.kernelBudget < 0) {
    llvm::errs() << "error: a budget is a number of bytes or kernels, not "
                    "negative\n";
    return failure();
  }
  bool progress =
      progressMode == "always" ||
      (progressMode == "auto" && llvm::sys::Process::StandardErrIsDisplayed());
  if (progressMode != "auto" && progressMode != "always" &&
      progressMode != "never") {
    llvm::errs() << "error: unknown --progress=" << progressMode
                 << " (expected auto, always or never)\n";
    return failure();
  }
  mlir::autoglm::CompileState state(progress);

  // --mlir-timing: one report for the whole compilation, phase by phase.
  // --report records the same tree (and prints it only with --mlir-timing).
  DefaultTimingManager timingManager;
  applyDefaultTimingManagerCLOptions(timingManager);
  if (!options.reportPath.empty()) {
    bool print = timingManager.isEnabled();
    timingManager.setEnabled(true);
    timingManager.setDisplayMode(DefaultTimingManager::DisplayMode::Tree);
    timingManager.setOutput(
        mlir::autoglm::createTimingCapture(state.report, print));
  }
  TimingScope timing = timingManager.getRootScope();

  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  // Diagnostics name the ONNX node; a dump of the whole function helps no one.
  context.printOpOnDiagnostic(false);
  std::optional<ScopedDiagnosticHandler> onnxDiagnostics;
  if (::autoglm::isONNXFile(inputPath))
    onnxDiagnostics.emplace(&context, [&](Diagnostic &diag) {
      return printONNXDiagnostic(inputPath, diag);
    });
  // The progress line goes away before any diagnostic is printed.
  ScopedDiagnosticHandler clearProgress(&context, [&](Diagnostic &) {
    state.progress.clear();
    return failure();
  });
  OwningOpRef<ModuleOp> module;
  SmallVector<OwningOpRef<ModuleOp>> sizedModules;
  SmallVector<int64_t> sizes;
  if (!batchSizes.empty()) {
    std::string error;
    FailureOr<SmallVector<int64_t>> parsed =
        mlir::autoglm::parseBatchSizes(batchSizes, error);
    if (failed(parsed)) {
      llvm::errs() << "error: " << error << "\n";
      return failure();
    }
    sizes = std::move(*parsed);
  }
  FailureOr<SeqBuckets> buckets = collectSeqBuckets();
  if (failed(buckets))
    return failure();
  bool entries = !sizes.empty() || !buckets->lengths.empty();
  {
    state.progress.show(0, 6, "import", 0.0,
                        llvm::sys::path::filename(inputPath));
    TimingScope importTiming = timing.nest("import");
    if (!entries)
      module = loadInput(inputPath, context, &options.inputDataFiles);
    else
      sizedModules = loadEntries(inputPath, context, sizes, *buckets,
                                 &options.inputDataFiles);
  }
  if (!entries ? !module : sizedModules.empty())
    return failure();
  if (entries) {
    SmallVector<ModuleOp> modules;
    for (OwningOpRef<ModuleOp> &sized : sizedModules)
      modules.push_back(*sized);
    mlir::autoglm::ModelSignature shell;
    shell.batchSizes.assign(sizes.begin(), sizes.end());
    shell.seqLengths.assign(buckets->lengths.begin(), buckets->lengths.end());
    shell.padMask = padMask;
    if (failed(mlir::autoglm::compileShapeEntries(modules, shell, options,
                                                  timing, state)))
      return failure();
    state.progress.clear();
    if (!options.reportPath.empty()) {
      timing = TimingScope();
      timingManager.print();
      timingManager.setEnabled(false);
    }
    return mlir::autoglm::finishCompilation(options, state,
                                            sizedModules.front()->getLoc());
  }
  if (failed(mlir::autoglm::compileModule(*module, options, timing, state)))
    return failure();
  state.progress.clear();
  if (!options.reportPath.empty()) {
    // Prints --mlir-timing's report now, into the compile report too.
    timing = TimingScope();
    timingManager.print();
    timingManager.setEnabled(false);
  }
  return mlir::autoglm::finishCompilation(options, state, module->getLoc());
}

/// Whether passes were named on the command line (--autoglm-fuse,
/// --pass-pipeline=...).
static bool namesPasses(const MlirOptMainConfig &config,
                        DialectRegistry &registry) {
  MLIRContext context(registry);
  PassManager pm(&context);
  return failed(config.setupPassPipeline(pm)) || pm.size() != 0;
}

/// Imports an ONNX model, runs the configured pipeline and prints the result.
static LogicalResult runOnONNX(StringRef inputPath, StringRef outputPath,
                               DialectRegistry &registry,
                               const MlirOptMainConfig &config) {
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  context.printOpOnDiagnostic(false);
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    return printONNXDiagnostic(inputPath, diag);
  });
  OwningOpRef<ModuleOp> module = loadInput(inputPath, context);
  if (!module)
    return failure();

  PassManager pm(&context, ModuleOp::getOperationName(),
                 PassManager::Nesting::Implicit);
  pm.enableVerifier(config.shouldVerifyPasses());
  if (failed(applyPassManagerCLOptions(pm)) ||
      failed(config.setupPassPipeline(pm)) || failed(pm.run(*module)))
    return failure();

  std::string error;
  std::unique_ptr<llvm::ToolOutputFile> output =
      openOutputFile(outputPath, &error);
  if (!output) {
    llvm::errs() << "error: " << error << "\n";
    return failure();
  }
  module->print(output->os());
  output->os() << "\n";
  output->keep();
  return success();
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  mlir::autoglm::installInterruptCleanup();

  registerTransformsPasses(); // canonicalize, cse, inline, symbol-dce, ...
  mlir::autoglm::registerAutoGLMPasses();
  mlir::autoglm::registerAutoGLMConversionPasses();
  mlir::autoglm::registerAutoGLMTargetPasses();
  mlir::autoglm::registerAutoGLMCUDAPasses();
  mlir::autoglm::registerPipelines();           // --autoglm-graph-pipeline, ...
  bufferization::registerBufferizationPasses(); // --one-shot-bufferize, ...

  DialectRegistry registry;
  mlir::autoglm::registerCompilerDialects(registry);

  auto [inputPath, outputPath] = registerAndParseCLIOptions(
      argc, argv, "AutoGLM compiler driver: ONNX or MLIR in, optimized IR out",
      registry);
  MlirOptMainConfig config = MlirOptMainConfig::createFromCLOptions();
  bool compiling = !emitKind.empty() || !compileTo.empty();
  // The compiler runs its own phases; passes named beside them would be
  // silently dropped, so they are an error.
  if (compiling && namesPasses(config, registry)) {
    llvm::errs()
        << "error: --emit and --compile-to run the compiler's own "
           "phases; named passes are not run with them. Run the passes "
           "on the output of --compile-to=PHASE instead\n";
    return 1;
  }
  if (printOptimizationReport && !compiling) {
    // For named passes on MLIR and ONNX input alike; the report prints when
    // the pass manager goes away.
    MlirOptMainConfig named = config;
    config.setPassPipelineSetupFn([named](PassManager &pm) {
      if (failed(named.setupPassPipeline(pm)))
        return failure();
      pm.addInstrumentation(std::make_unique<mlir::autoglm::OptimizationReport>(
          pm.getContext(), llvm::errs()));
      return success();
    });
  }

  bool compileOnly = !emitHeader.empty() || !depfile.empty() ||
                     !reportFile.empty() || weightsBudget != 0 ||
                     kernelBudget != 0;
  if (!compiling && compileOnly) {
    llvm::errs() << "error: --emit-header, --depfile, --report, "
                    "--weights-budget and --kernel-budget apply when "
                    "compiling (--emit or --compile-to)\n";
    return 1;
  }
  if (compiling)
    return asMainReturnCode(
        compile(inputPath, outputPath, registry,
                std::vector<std::string>(argv + 1, argv + argc)));
  if (::autoglm::isONNXFile(inputPath))
    return asMainReturnCode(runOnONNX(inputPath, outputPath, registry, config));

  std::string error;
  std::unique_ptr<llvm::MemoryBuffer> input = openInputFile(inputPath, &error);
  if (!input) {
    llvm::errs() << "error: " << error << "\n";
    return 1;
  }
  std::unique_ptr<llvm::ToolOutputFile> output =
      openOutputFile(outputPath, &error);
  if (!output) {
    llvm::errs() << "error: " << error << "\n";
    return 1;
  }
  if (failed(MlirOptMain(output->os(), std::move(input), registry, config)))
    return 1;
  output->keep();
  return 0;
}
