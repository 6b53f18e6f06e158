//===- CPUTarget.cpp - --target=cpu ---------------------------------------===//
//
// The whole model is host code: code generation ends in the LLVM dialect,
// emission translates it to LLVM IR with the model's C ABI and writes an
// object file, or packs one into a static or shared library.
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CPU.h"

#include "../Linker.h"
#include "ModelEmission.h"

#include "mlir/Support/FileUtilities.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Target/TargetMachine.h"

using namespace mlir;
using namespace mlir::autoglm;

namespace {
class CPUTarget : public Target {
public:
  CPUTarget(const HostOptions &host,
            std::unique_ptr<llvm::TargetMachine> machine)
      : host(host), machine(std::move(machine)) {}

  StringRef getName() const override { return "cpu"; }

  void buildCodegenPipeline(OpPassManager &pm,
                            const CodegenOptions &options) const override {
    buildCPUCodegenPipeline(pm, options);
  }

  LogicalResult emit(ModuleOp module, const ModelSignature &signature,
                     ArtifactKind kind, StringRef outputPath,
                     TimingScope &timing) const override;

private:
  /// Writes `path` with `write`; the file stays only when `write` succeeds.
  static LogicalResult
  writeFile(StringRef path, Location loc,
            function_ref<LogicalResult(llvm::raw_pwrite_stream &)> write) {
    std::string error;
    std::unique_ptr<llvm::ToolOutputFile> file = openOutputFile(path, &error);
    if (!file)
      return emitError(loc) << error;
    if (failed(write(file->os())))
      return failure();
    file->keep();
    return success();
  }

  /// Writes the object for `llvmModule` to `path`.
  LogicalResult writeObject(llvm::Module &llvmModule, StringRef path,
                            Location loc) const {
    return writeFile(path, loc, [&](llvm::raw_pwrite_stream &os) {
      return emitObjectFile(llvmModule, *machine, os, loc);
    });
  }

  HostOptions host;
  std::unique_ptr<llvm::TargetMachine> machine;
};

LogicalResult CPUTarget::emit(ModuleOp module, const ModelSignature &signature,
                              ArtifactKind kind, StringRef outputPath,
                              TimingScope &timing) const {
  Location loc = module.getLoc();
  if ((kind == ArtifactKind::StaticLibrary ||
       kind == ArtifactKind::SharedLibrary) &&
      outputPath == "-")
    return emitError(loc)
           << "--emit=lib and --emit=so need an output file (-o)";

  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule;
  {
    TimingScope translation = timing.nest("translate to LLVM IR and optimize");
    llvmModule = translateToModelLLVMIR(module, llvmContext, signature,
                                        *machine, host.optLevel,
                                        kind == ArtifactKind::SharedLibrary);
  }
  if (!llvmModule)
    return failure();

  if (kind == ArtifactKind::LLVMIR)
    return writeFile(outputPath, loc, [&](llvm::raw_pwrite_stream &os) {
      llvmModule->print(os, nullptr);
      return success();
    });

  TimingScope objectTiming = timing.nest("object file");
  if (kind == ArtifactKind::Object)
    return writeObject(*llvmModule, outputPath, loc);

  // A library: the object goes to a temporary file first.
  SmallString<128> objectPath;
  if (llvm::sys::fs::createTemporaryFile("autoglm", "o", objectPath))
    return emitError(loc) << "cannot create a temporary object file";
  llvm::FileRemover removeObject(objectPath);
  if (failed(writeObject(*llvmModule, objectPath, loc)))
    return failure();
  objectTiming.stop();
  TimingScope linkTiming = timing.nest("link");
  if (kind == ArtifactKind::StaticLibrary)
    return createStaticLibrary(objectPath, outputPath, loc);
  return createSharedLibrary(objectPath, outputPath, host.triple, loc);
}
} // namespace

std::unique_ptr<Target> mlir::autoglm::createCPUTarget(const HostOptions &host,
                                                       Location loc) {
  std::unique_ptr<llvm::TargetMachine> machine =
      createHostTargetMachine(host, loc);
  if (!machine)
    return nullptr;
  return std::make_unique<CPUTarget>(host, std::move(machine));
}
