//===- Targets.cpp - the targets --target selects -------------------------===//

#include "autoglm/Target/CPU.h"

#include "mlir/Pass/PassRegistry.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace mlir::autoglm;

Target::~Target() = default;

ArrayRef<StringRef> mlir::autoglm::getTargetNames() {
  static const StringRef names[] = {"cpu"};
  return names;
}

std::unique_ptr<Target> mlir::autoglm::createTarget(StringRef name,
                                                    const HostOptions &host,
                                                    Location loc) {
  if (name == "cpu")
    return createCPUTarget(host, loc);
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
} // namespace

void mlir::autoglm::registerTargetPipelines() {
  PassPipelineRegistration<CodegenPipelineOptions>(
      "autoglm-cpu-codegen-pipeline",
      "The CPU target's code generation: linalg on tensors to the LLVM dialect",
      [](OpPassManager &pm, const CodegenPipelineOptions &options) {
        buildCPUCodegenPipeline(pm, options.get());
      });
}
