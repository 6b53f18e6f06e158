//===- CPUTarget.cpp - --target=cpu ---------------------------------------===//
//
// The whole model is host code: code generation ends in the LLVM dialect,
// emission translates it to LLVM IR with the model's C ABI and writes an
// object file, or packs one into a static or shared library.
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CPU.h"
#include "autoglm/Target/CPU/Passes.h"

#include "../HostEmission.h"
#include "ModelEmission.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
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

  void buildTargetOpsPipeline(OpPassManager &pm,
                              const TargetOpsOptions &options) const override {
    // A decoder's attention reads its cache's parts, not their copies.
    pm.addNestedPass<func::FuncOp>(createAutoGLMCPUAttentionCache());
    // A batch's first CNN layers image by image, each image's activations
    // in cache from one kernel to the next (for up to 4 threads).
    if (options.batchLoop) {
      AutoGLMCPUBatchLoopOptions batchLoop;
      batchLoop.threads = host.threadCount();
      pm.addNestedPass<func::FuncOp>(createAutoGLMCPUBatchLoop(batchLoop));
    }
  }

  void buildCodegenPipeline(OpPassManager &pm,
                            const CodegenOptions &options) const override {
    // The target machine's CPU decides (the host's, or --cpu /
    // --target-triple's), never the machine compiling.
    const llvm::MCSubtargetInfo &subtarget = *machine->getMCSubtargetInfo();
    bool x86 = machine->getTargetTriple().isX86();
    bool onLinux = machine->getTargetTriple().isOSLinux();
    CPUCodegenOptions cpu;
    cpu.vnni = x86 && subtarget.checkFeatures("+avx512vnni,+avx512bw");
    cpu.avx512bf16 = x86 && subtarget.checkFeatures("+avx512bf16");
    cpu.avx2 = x86 && subtarget.checkFeatures("+avx2");
    cpu.winograd = host.winograd;
    // AMX tiles only where the CPU has them (Sapphire Rapids and later),
    // and on Linux, whose permission for the tile state the model's entry
    // asks for (ModelEntry.cpp).
    cpu.amxInt8 = cpu.vnni && host.amx && onLinux &&
                  subtarget.checkFeatures("+amx-tile,+amx-int8");
    cpu.amxBf16 =
        host.amx && onLinux && subtarget.checkFeatures("+amx-tile,+amx-bf16");
    cpu.int8Epilogues = host.int8Epilogues;
    // bf16 products on vdpbf16ps (two multiply-adds a lane) where the core
    // issues it as often as an FMA: AMD's Zen 4 and later, where BERT-base
    // at bf16 took 0.55x the widened kernel's time. Intel's cores issue it
    // on one of their two FMA ports (1.4x on a Sapphire Rapids Xeon), so
    // there the widened kernel stays, and AMX-BF16 takes whole tiles
    // (docs/decisions.md).
    cpu.bf16Dot = cpu.avx512bf16 && !cpu.amxBf16 &&
                  machine->getTargetCPU().starts_with("znver");
    cpu.threads = host.threadCount();
    cpu.shareKernels = host.shareKernels;
    buildCPUCodegenPipeline(pm, options, cpu);
  }

  LogicalResult emit(ModuleOp module, const ModelSignature &signature,
                     ArtifactKind kind, StringRef outputPath,
                     TimingScope &timing) const override;

  LogicalResult emitBatchSizes(ArrayRef<ModuleOp> modules,
                               ArrayRef<ModelSignature> signatures,
                               const ModelSignature &signature,
                               ArtifactKind kind, StringRef outputPath,
                               TimingScope &timing) const override;

private:
  HostOptions host;
  std::unique_ptr<llvm::TargetMachine> machine;
};

LogicalResult CPUTarget::emit(ModuleOp module, const ModelSignature &signature,
                              ArtifactKind kind, StringRef outputPath,
                              TimingScope &timing) const {
  Location loc = module.getLoc();
  if (kind == ArtifactKind::DeviceAssembly)
    return emitError(loc) << "--emit=ptx needs --target=cuda";
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
  return writeHostArtifact(*llvmModule, *machine, host, kind, outputPath, loc,
                           timing);
}

LogicalResult CPUTarget::emitBatchSizes(ArrayRef<ModuleOp> modules,
                                        ArrayRef<ModelSignature> signatures,
                                        const ModelSignature &signature,
                                        ArtifactKind kind, StringRef outputPath,
                                        TimingScope &timing) const {
  Location loc = ModuleOp(modules.front()).getLoc();
  if (kind == ArtifactKind::DeviceAssembly)
    return emitError(loc) << "--emit=ptx needs --target=cuda";
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule;
  {
    TimingScope translation = timing.nest("translate to LLVM IR and optimize");
    llvmModule = translateBatchSizesToModelLLVMIR(
        modules, signatures, signature, llvmContext, *machine, host.optLevel,
        kind == ArtifactKind::SharedLibrary);
  }
  if (!llvmModule)
    return failure();
  return writeHostArtifact(*llvmModule, *machine, host, kind, outputPath, loc,
                           timing);
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
