//===- Targets.cpp - the targets --target selects -------------------------===//

#include "autoglm/Target/CPU.h"
#include "autoglm/Target/CUDA.h"

#include "CUDA/Toolkit.h"

#include "mlir/Pass/PassRegistry.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace mlir::autoglm;

Target::~Target() = default;

LogicalResult Target::emitBatchSizes(ArrayRef<ModuleOp> modules,
                                     ArrayRef<ModelSignature>,
                                     const ModelSignature &, ArtifactKind,
                                     StringRef, TimingScope &) const {
  return emitError(ModuleOp(modules.front()).getLoc())
         << "--target=" << getName()
         << " does not compile several batch sizes into one artifact "
            "(--batch-sizes); compile one artifact per size with "
            "--input-shape";
}

ArrayRef<StringRef> mlir::autoglm::getTargetNames() {
  static const StringRef names[] = {"cpu", "cuda"};
  return names;
}

std::unique_ptr<Target> mlir::autoglm::createTarget(StringRef name,
                                                    const HostOptions &host,
                                                    const DeviceOptions &device,
                                                    Location loc) {
  if (name == "cpu")
    return createCPUTarget(host, loc);
  if (name == "cuda")
    return createCUDATarget(host, device, loc);
  emitError(loc) << "unknown --target=" << name << " (expected "
                 << llvm::join(getTargetNames(), " or ") << ")";
  return nullptr;
}

namespace {
/// The options of `--autoglm-<target>-codegen-pipeline`: those of
/// CodegenOptions a test can set.
struct CodegenPipelineOptions : PassPipelineOptions<CodegenPipelineOptions> {
  Option<std::string> weightsFile{
      *this, "weights-file",
      llvm::cl::desc("Move the weights into this file (default: embedded)")};
  Option<bool> planMemory{*this, "plan-memory",
                          llvm::cl::desc("Place intermediates in one arena"),
                          llvm::cl::init(true)};

  CodegenOptions get() const {
    CodegenOptions options;
    options.weightsFile = weightsFile;
    options.planMemory = planMemory;
    return options;
  }
};

/// `--autoglm-cuda-codegen-pipeline` also takes the architectures.
struct CUDAPipelineOptions : PassPipelineOptions<CUDAPipelineOptions> {
  Option<std::string> weightsFile{
      *this, "weights-file",
      llvm::cl::desc("The weights file every constant moves to (required)")};
  ListOption<std::string> archs{
      *this, "gpu-arch",
      llvm::cl::desc("GPU architectures, e.g. sm_80,sm_90a (default: "
                     "sm_80,sm_90)")};
  Option<std::string> toolkit{
      *this, "cuda-path",
      llvm::cl::desc("The CUDA toolkit, for libdevice (default: found)")};
};
} // namespace

void mlir::autoglm::registerTargetPipelines() {
  PassPipelineRegistration<CodegenPipelineOptions>(
      "autoglm-cpu-codegen-pipeline",
      "The CPU target's code generation: linalg on tensors to the LLVM dialect",
      [](OpPassManager &pm, const CodegenPipelineOptions &options) {
        buildCPUCodegenPipeline(pm, options.get());
      });
  PassPipelineRegistration<CUDAPipelineOptions>(
      "autoglm-cuda-codegen-pipeline",
      "The CUDA target's code generation: linalg on tensors to host buffer "
      "code around kernel launches, and the kernels' PTX",
      [](OpPassManager &pm, const CUDAPipelineOptions &options) {
        CodegenOptions codegen;
        codegen.weightsFile = options.weightsFile;
        DeviceOptions device;
        device.archs.assign(options.archs.begin(), options.archs.end());
        // libdevice comes from the toolkit; without one, kernels that need
        // it fail to assemble later.
        std::string whyNot;
        device.toolkitPath = findCUDAToolkit(options.toolkit, whyNot);
        buildCUDACodegenPipeline(pm, codegen, device);
      });
}
