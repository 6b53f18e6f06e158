//===- HostObject.cpp - target machines, objects and libraries ------------===//

#include "HostEmission.h"
#include "Linker.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ToolOutputFile.h"
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
  // Inline assembly in the emitted code (the entry's system call that asks
  // for AMX's tile state) is assembled by the target's parser.
  llvm::InitializeAllAsmParsers();

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

/// Writes `module` as a relocatable object file.
static LogicalResult emitObjectFile(llvm::Module &module,
                                    llvm::TargetMachine &machine,
                                    llvm::raw_pwrite_stream &os, Location loc) {
  llvm::legacy::PassManager codegen;
  if (machine.addPassesToEmitFile(codegen, os, nullptr,
                                  llvm::CodeGenFileType::ObjectFile))
    return emitError(loc) << "the target cannot emit object files";
  codegen.run(module);
  return success();
}

LogicalResult mlir::autoglm::writeOutputFile(
    StringRef path, Location loc,
    function_ref<LogicalResult(llvm::raw_pwrite_stream &)> write) {
  // Not a ToolOutputFile: its end would unregister `path` from removal on
  // signals, which the driver registered (`path` is its temporary file,
  // PendingOutputs in lib/Compiler).
  std::error_code error;
  llvm::raw_fd_ostream os(path, error);
  if (error)
    return emitError(loc) << "cannot write '" << path
                          << "': " << error.message();
  LogicalResult written = write(os);
  os.close();
  if (succeeded(written) && os.has_error()) {
    written = emitError(loc)
              << "cannot write '" << path << "': " << os.error().message();
    os.clear_error();
  }
  if (failed(written) && path != "-")
    llvm::sys::fs::remove(path);
  return written;
}

LogicalResult mlir::autoglm::writeHostArtifact(
    llvm::Module &module, llvm::TargetMachine &machine, const HostOptions &host,
    ArtifactKind kind, StringRef outputPath, Location loc,
    TimingScope &timing) {
  if ((kind == ArtifactKind::StaticLibrary ||
       kind == ArtifactKind::SharedLibrary) &&
      outputPath == "-")
    return emitError(loc)
           << "--emit=lib and --emit=so need an output file (-o)";
  if (kind == ArtifactKind::LLVMIR)
    return writeOutputFile(outputPath, loc, [&](llvm::raw_pwrite_stream &os) {
      module.print(os, nullptr);
      return success();
    });

  TimingScope objectTiming = timing.nest("object file");
  if (kind == ArtifactKind::Object)
    return writeOutputFile(outputPath, loc, [&](llvm::raw_pwrite_stream &os) {
      return emitObjectFile(module, machine, os, loc);
    });

  if (kind == ArtifactKind::StaticLibrary) {
    // The archive writer takes the object from memory.
    SmallString<0> object;
    {
      llvm::raw_svector_ostream os(object);
      if (failed(emitObjectFile(module, machine, os, loc)))
        return failure();
    }
    objectTiming.stop();
    TimingScope linkTiming = timing.nest("link");
    // The member is named after the module (the model's name), not after a
    // temporary file, so that the archive's bytes do not vary.
    return createStaticLibrary(object, module.getName().str() + ".o",
                               outputPath, loc);
  }

  // The linker reads the object from a temporary file, written directly
  // (the embedded weights make it hundreds of megabytes: no copy in memory
  // first), removed when done and when the process is interrupted (SIGINT,
  // SIGTERM).
  SmallString<128> tempDir;
  llvm::sys::path::system_temp_directory(/*ErasedOnReboot=*/true, tempDir);
  llvm::sys::path::append(tempDir, "autoglm-%%%%%%%%.o");
  llvm::Expected<llvm::sys::fs::TempFile> objectFile =
      llvm::sys::fs::TempFile::create(tempDir);
  if (!objectFile)
    return emitError(loc) << "cannot create a temporary object file: "
                          << llvm::toString(objectFile.takeError());
  LogicalResult linked = failure();
  {
    llvm::raw_fd_ostream os(objectFile->FD, /*shouldClose=*/false);
    LogicalResult written = emitObjectFile(module, machine, os, loc);
    os.flush();
    objectTiming.stop();
    if (os.has_error()) {
      os.clear_error();
      emitError(loc) << "cannot write the temporary object file "
                     << objectFile->TmpName;
    } else if (succeeded(written)) {
      TimingScope linkTiming = timing.nest("link");
      linked = createSharedLibrary(objectFile->TmpName, outputPath, host.triple,
                                   loc);
    }
  }
  if (llvm::Error error = objectFile->discard())
    llvm::consumeError(std::move(error));
  return linked;
}
