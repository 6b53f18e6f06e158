//===- Pipelines.cpp - the compiler, phase by phase -----------------------===//
//
// What autoglm-opt does to a model, top to bottom:
//
//   import      ONNX (binary or text) -> the autoglm dialect, one op per
//               ONNX node, located at the node's name (lib/Importer/)
//   graph       shapes, constants and fusion on the autoglm dialect
//   kernels     every kernel an `autoglm.fused` region
//   lowering    the autoglm dialect -> linalg/tensor/arith/math on tensors
//   codegen     the target's (lib/Target/<target>/): its work on tensors,
//               bufferization and the memory plan (common to all targets),
//               then down to what the target emits (the LLVM dialect)
//   emission    the target's artifact (object, library, LLVM IR) or the C
//               header (lib/Compiler/Compile.cpp)
//
// Each pass pipeline is registered under a name, so a lit test starts from
// the input of any phase; `--compile-to=PHASE` stops after one.
//
//===----------------------------------------------------------------------===//

#include "autoglm/Compiler/Pipelines.h"

#include "autoglm/Conversion/Passes.h"
#include "autoglm/Passes/Passes.h"
#include "autoglm/Target/Target.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/StringSwitch.h"

using namespace mlir;
using namespace mlir::autoglm;

static const StringRef kPhaseNames[] = {"import", "graph", "kernels",
                                        "lowering", "codegen"};

std::optional<Phase> mlir::autoglm::parsePhase(StringRef name) {
  for (auto [i, phaseName] : llvm::enumerate(kPhaseNames))
    if (name == phaseName)
      return static_cast<Phase>(i);
  return std::nullopt;
}

StringRef mlir::autoglm::getPhaseName(Phase phase) {
  return kPhaseNames[static_cast<unsigned>(phase)];
}

ArrayRef<StringRef> mlir::autoglm::getPhaseNames() { return kPhaseNames; }

ArrayRef<StringRef> mlir::autoglm::getOptionalPasses() {
  static const StringRef names[] = {"fold-constants", "fuse", "batch-loop",
                                    "plan-memory"};
  return names;
}

void mlir::autoglm::buildGraphPipeline(
    OpPassManager &pm, ArrayRef<std::string> disabled,
    const AssignPrecisionOptions &precision, bool instrumentCalibration,
    const std::optional<SparseAttentionOptions> &sparseAttention,
    bool instrumentAttentionMass) {
  auto enabled = [&](StringRef name) {
    return !llvm::is_contained(disabled, name);
  };
  pm.addPass(createInferShapes());
  // Right after the shapes are known: evaluates what is constant, folds
  // batch norms into weights, makes shape computations static.
  if (enabled("fold-constants"))
    pm.addPass(createFoldConstants());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // QDQ-quantized products become integer products before precision
  // assignment, which then leaves them alone (they are not float).
  pm.addPass(createIntegerQdqProducts());
  // Contractions in f16/bf16 with f32 accumulation, before fusion so that
  // the casts it places become part of the kernels fusion forms.
  // The calibration build returns the values int8 would quantize, found
  // where the int8 build looks for them.
  if (instrumentCalibration)
    pm.addPass(createInstrumentCalibration());
  else if (precision.precision != "fp32" || !precision.report.empty())
    pm.addPass(createAssignPrecision(precision));
  // Last: fusion sees the graph the other passes simplified, and its
  // regions are the kernels code generation makes.
  if (enabled("fuse"))
    pm.addNestedPass<func::FuncOp>(createFuse());
  // Products that fusion left alone and that share their input (query,
  // key and value projections) become one product.
  MergeSiblingMatMulsOptions merge;
  merge.int8 = precision.int8Kernels == "cuda";
  pm.addNestedPass<func::FuncOp>(createMergeSiblingMatMuls(merge));
  // After fusion, which recognises the attention it rewrites. The
  // measurement build of --sparse-attention=auto returns, at the same place,
  // what the gate measures of the attention it would rewrite.
  if (sparseAttention && instrumentAttentionMass) {
    InstrumentAttentionMassOptions measure;
    measure.topK = sparseAttention->topK;
    measure.sink = sparseAttention->sink;
    measure.window = sparseAttention->window;
    measure.maxQueries = sparseAttention->maxQueries;
    pm.addPass(createInstrumentAttentionMass(measure));
  } else if (sparseAttention) {
    pm.addPass(createSparseAttention(*sparseAttention));
  }
}

void mlir::autoglm::buildKernelPipeline(OpPassManager &pm) {
  pm.addNestedPass<func::FuncOp>(createFormKernels());
}

void mlir::autoglm::buildLoweringPipeline(OpPassManager &pm) {
  pm.addPass(createAutoGLMLowerToLinalg());
}

namespace {
struct GraphPipelineOptions : PassPipelineOptions<GraphPipelineOptions> {
  ListOption<std::string> disable{
      *this, "disable",
      llvm::cl::desc("Graph passes to leave out (fold-constants, fuse)")};
  Option<std::string> precision{
      *this, "precision",
      llvm::cl::desc("Contractions in fp32 (the default), fp16 or bf16"),
      llvm::cl::init("fp32")};
};
} // namespace

void mlir::autoglm::registerPipelines() {
  PassPipelineRegistration<GraphPipelineOptions>(
      "autoglm-graph-pipeline",
      "The graph phase: shape inference, constant folding and fusion",
      [](OpPassManager &pm, const GraphPipelineOptions &options) {
        AssignPrecisionOptions precision;
        precision.precision = options.precision;
        buildGraphPipeline(pm, options.disable, precision);
      });
  PassPipelineRegistration<>(
      "autoglm-kernel-pipeline",
      "The kernel phase: one autoglm.fused region per kernel",
      buildKernelPipeline);
  PassPipelineRegistration<>(
      "autoglm-lowering-pipeline",
      "The lowering phase: the autoglm dialect to linalg on tensors",
      buildLoweringPipeline);
  registerTargetPipelines();
}
