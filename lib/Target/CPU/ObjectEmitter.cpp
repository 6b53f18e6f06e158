//===- ObjectEmitter.cpp - target machines and object files ---------------===//

#include "autoglm/Target/CPU.h"

#include "ModelEmission.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"

using namespace mlir;
using namespace mlir::autoglm;

std::unique_ptr<llvm::TargetMachine>
mlir::autoglm::createHostTargetMachine(const HostOptions &options,
                                       Location loc) {
  llvm::InitializeAllTargetInfos();
  llvm::InitializeAllTargets();
  llvm::InitializeAllTargetMCs();
  llvm::InitializeAllAsmPrinters();

  bool host = options.triple.empty();
  llvm::Triple triple(host ? llvm::sys::getDefaultTargetTriple()
                           : options.triple);
  std::string error;
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target) {
    emitError(loc) << "unknown target triple '" << triple.str()
                   << "': " << error;
    return nullptr;
  }
  // The host's CPU and features unless told otherwise; a cross target gets
  // its generic CPU.
  std::string cpu = !options.cpu.empty() ? options.cpu
                    : host               ? llvm::sys::getHostCPUName().str()
                                         : "generic";
  std::string features = options.features;
  if (features.empty() && host && options.cpu.empty()) {
    llvm::SubtargetFeatures hostFeatures;
    for (const auto &feature : llvm::sys::getHostCPUFeatures())
      hostFeatures.AddFeature(feature.first(), feature.second);
    features = hostFeatures.getString();
  }
  std::unique_ptr<llvm::MCSubtargetInfo> subtarget(
      target->createMCSubtargetInfo(triple, cpu, ""));
  if (!target->hasTargetMachine() || !subtarget ||
      (cpu != "generic" && !subtarget->isCPUStringValid(cpu))) {
    emitError(loc) << "unknown CPU '" << cpu << "' for " << triple.str();
    return nullptr;
  }
  llvm::TargetOptions targetOptions;
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, cpu, features, targetOptions, llvm::Reloc::PIC_, std::nullopt,
      options.optLevel >= 2 ? llvm::CodeGenOptLevel::Aggressive
                            : llvm::CodeGenOptLevel::Default));
  if (!machine)
    emitError(loc) << "cannot create a target machine for " << triple.str();
  return machine;
}

LogicalResult mlir::autoglm::emitObjectFile(llvm::Module &module,
                                            llvm::TargetMachine &machine,
                                            llvm::raw_pwrite_stream &os,
                                            Location loc) {
  llvm::legacy::PassManager codegen;
  if (machine.addPassesToEmitFile(codegen, os, nullptr,
                                  llvm::CodeGenFileType::ObjectFile))
    return emitError(loc) << "the target cannot emit object files";
  codegen.run(module);
  return success();
}
