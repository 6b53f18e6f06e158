//===- Target.h - what a code-generation target provides --------*- C++ -*-===//
//
// The phases before code generation (lib/Compiler/Pipelines.cpp) are the
// same for every target; they end with the model as linalg on tensors, one
// `autoglm.fused` region per kernel. A target takes it from there: its
// code-generation pipeline, then emission of the artifact. `autoglm-opt
// --target=<name>` selects one.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_TARGET_TARGET_H
#define AUTOGLM_TARGET_TARGET_H

#include "autoglm/Target/ModelSignature.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/Timing.h"
#include "llvm/Support/Threading.h"

#include <memory>
#include <string>

namespace mlir::autoglm {
/// The LLVM target machine of the host code a target emits: all of the
/// model on the CPU. Empty fields: the host's triple, CPU and features.
struct HostOptions {
  std::string triple;
  std::string cpu;
  std::string features;
  unsigned optLevel = 3;
  /// CPU: 3x3 stride-1 convolutions as Winograd F(4x4, 3x3)
  /// (--autoglm-winograd-conv); --cpu-winograd=0 turns it off.
  bool winograd = true;
  /// CPU: int8 and bf16 products on AMX tiles where the target CPU has
  /// AMX-INT8 / AMX-BF16 (--autoglm-amx-contractions, the widened kernel's
  /// amx-bf16); --cpu-amx=0 keeps them on VNNI and the widened kernel.
  bool amx = true;
  /// CPU: the requantization after each int8 product in the product's
  /// kernel (--autoglm-group-int8-epilogues, the kernels' `epilogues`);
  /// --cpu-int8-epilogues turns it on.
  bool int8Epilogues = false;
  /// CPU: the thread count the model will run with, which the products'
  /// cache blocks are cut for (--cpu-threads; 0: the threads the compiling
  /// process may use, as the runtime's default).
  int64_t threads = 0;
  /// `threads`, or where 0, the threads the compiling process may use.
  int64_t threadCount() const {
    return threads > 0
               ? threads
               : int64_t(llvm::hardware_concurrency().compute_thread_count());
  }
  /// CPU: parallel loops with equivalent bodies share one function
  /// (--cpu-share-kernels=0, for profiles, gives each its own).
  bool shareKernels = true;
};

/// What a GPU target builds for.
struct DeviceOptions {
  /// GPU architectures to put machine code for into the binary, e.g.
  /// {"sm_80", "sm_90a"}; empty: the target's default.
  SmallVector<std::string> archs;
  /// The CUDA toolkit (ptxas, fatbinary, libdevice); empty: $CUDA_HOME,
  /// $CUDA_PATH, /usr/local/cuda, then PATH.
  std::string toolkitPath;
  /// A convolution's bias and ReLU in cuDNN's kernel
  /// (--autoglm-cuda-fuse-conv-epilogues); off by default: measured no
  /// faster on the H200 (docs/decisions.md).
  bool convEpilogues = false;
  /// With convEpilogues: a residual add joins the epilogue too.
  bool convEpilogueResiduals = false;
  /// Kernels wait for their predecessor themselves on sm_90 and newer, and
  /// the runtime launches them early (--autoglm-cuda-dependent-launch).
  bool dependentLaunch = true;
  /// With dependentLaunch: a row product brings its weight into the L2
  /// cache before it waits (--autoglm-cuda-row-products=prefetch-weights).
  bool prefetchWeights = true;
};

/// The target-independent part of code generation: the buffer passes.
struct CodegenOptions {
  /// Non-empty: constants move into this weights file
  /// (--autoglm-externalize-weights) and main takes their data after the
  /// outputs. Empty: they are packed into one constant global.
  std::string weightsFile;
  /// Place the intermediate buffers in one arena (--autoglm-plan-memory),
  /// the workspace main takes after the weights; off, they are heap
  /// allocations freed after their last use.
  bool planMemory = true;
  /// The planner's report file ("" for none) and arena budget (0: none).
  std::string memoryReport;
  int64_t memoryBudget = 0;
  /// An SVG picture of the plan ("" for none).
  std::string memoryTimeline;
  /// The buffers live in a device's memory, not the host's: every constant
  /// moves to the weights (uploaded to the device), none of any size stays
  /// in the binary, and no buffer goes on the host's stack.
  bool deviceMemory = false;
  /// Embedded weights as a global per constant instead of one packed
  /// global (host memory only): an entry of a multi-entry artifact, whose
  /// constants LLVM then merges with the identical ones of the others.
  bool weightsPerConstant = false;
};

/// What the target-ops pipeline may leave out (--disable-pass).
struct TargetOpsOptions {
  /// The CPU's loop over a batch's images around a CNN's first kernels
  /// (--autoglm-cpu-batch-loop).
  bool batchLoop = true;
};

/// The artifacts emission writes; DeviceAssembly is a device target's code
/// as text (PTX for CUDA).
enum class ArtifactKind {
  LLVMIR,
  Object,
  StaticLibrary,
  SharedLibrary,
  DeviceAssembly
};

class Target {
public:
  virtual ~Target();

  /// The name `--target=` selects, e.g. "cpu".
  virtual StringRef getName() const = 0;

  /// The target's work at the start of the lowering phase, before the
  /// common lowering to linalg: an op that the target computes with kernels
  /// of its own leaves the high-level form here for one the lowering keeps
  /// (the CUDA target's `autoglm.decode_attention`). Nothing by default.
  virtual void buildTargetOpsPipeline(OpPassManager &pm,
                                      const TargetOpsOptions &options) const {}

  /// The code-generation phase: from linalg on tensors to the IR `emit`
  /// takes. Starts with the target's work on tensors, then runs
  /// `buildBufferizationPipeline` and `buildMemoryPipeline`.
  virtual void buildCodegenPipeline(OpPassManager &pm,
                                    const CodegenOptions &options) const = 0;

  /// Emission: writes `kind` for the code-generated `module`, whose `main`
  /// has `signature`, to `outputPath`. Diagnostics at the module's location.
  virtual LogicalResult emit(ModuleOp module, const ModelSignature &signature,
                             ArtifactKind kind, StringRef outputPath,
                             TimingScope &timing) const = 0;

  /// Emission of a batch-polymorphic model (--batch-sizes): one artifact
  /// with an entry per size, `modules[i]` the code-generated model at batch
  /// `signatures[i].batchSizes`-th size, smallest first, sharing one weights
  /// image and one workspace. `signature` describes the largest size and
  /// lists every size. The default is an error: a target that cannot.
  virtual LogicalResult emitBatchSizes(ArrayRef<ModuleOp> modules,
                                       ArrayRef<ModelSignature> signatures,
                                       const ModelSignature &signature,
                                       ArtifactKind kind, StringRef outputPath,
                                       TimingScope &timing) const;
};

/// The names `--target=` accepts.
ArrayRef<StringRef> getTargetNames();

/// The target `name` emitting host code for `host` (and, for a GPU target,
/// device code for `device`); null after a diagnostic at `loc` when the
/// name is unknown or the options are unusable.
std::unique_ptr<Target> createTarget(StringRef name, const HostOptions &host,
                                     const DeviceOptions &device, Location loc);

/// What every target's code generation does to go from tensors to buffers,
/// in two steps so that a target can work on the fresh buffers in between:
/// one-shot bufferization of the whole module ...
void buildBufferizationPipeline(OpPassManager &pm);
/// ... then the outputs as out-parameters, the weights file, the memory
/// plan, and deallocation of what the plan leaves.
void buildMemoryPipeline(OpPassManager &pm, const CodegenOptions &options);

/// Registers each target's code-generation pipeline as
/// `--autoglm-<target>-codegen-pipeline`.
void registerTargetPipelines();
} // namespace mlir::autoglm

#endif // AUTOGLM_TARGET_TARGET_H
