//===- Calibrate.cpp - measure int8 activation ranges on the host ---------===//
//
// The compiler measures activation ranges by compiling the float32 model
// once more, for the host CPU, with every value an int8 product will read
// as an extra output (--autoglm-instrument-calibration), and running it as a
// child process, `autoglm-run MODEL.so --calibrate DIR`. The child reads the
// input sets with autoglm-run's own .npy/.pb readers and runs the model as a
// user would (all cores, the same kernels), so the ranges are those of the
// code that ships; a crash or a bad input file in the child is an error
// message here, never a crash of the compiler. docs/decisions.md says why
// this and not an interpreter in process.
//
//===----------------------------------------------------------------------===//

#include "HostRun.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

using namespace mlir;
using namespace mlir::autoglm;

FailureOr<std::string> mlir::autoglm::findRunner(Location loc) {
  static int anchor;
  std::string self = llvm::sys::fs::getMainExecutable(nullptr, &anchor);
  SmallString<256> runner(llvm::sys::path::parent_path(self));
  llvm::sys::path::append(runner, "autoglm-run");
  if (!llvm::sys::fs::can_execute(runner))
    return emitError(loc) << "calibration runs the model with autoglm-run, "
                             "which is not next to the compiler ('"
                          << runner << "')";
  return std::string(runner);
}

FailureOr<std::string>
mlir::autoglm::makeScratchFile(StringRef pattern, Location loc,
                               std::vector<llvm::sys::fs::TempFile> &scratch) {
  SmallString<128> model;
  llvm::sys::path::system_temp_directory(/*ErasedOnReboot=*/true, model);
  llvm::sys::path::append(model, pattern);
  llvm::Expected<llvm::sys::fs::TempFile> temp =
      llvm::sys::fs::TempFile::create(model);
  if (!temp)
    return emitError(loc) << "cannot create a temporary file for calibration: "
                          << llvm::toString(temp.takeError());
  scratch.push_back(std::move(*temp));
  return scratch.back().TmpName;
}

LogicalResult mlir::autoglm::buildForHost(ModuleOp module,
                                          const CompileOptions &build,
                                          TimingScope &timing, StringRef what) {
  OwningOpRef<ModuleOp> copy = module.clone();
  TimingScope scope = timing.nest(what);
  CompileState state(/*progress=*/false);
  if (failed(compileModule(*copy, build, scope, state)) ||
      failed(state.outputs.commit(module.getLoc())))
    return failure();
  return success();
}

std::optional<std::string> mlir::autoglm::runRunner(ArrayRef<StringRef> argv,
                                                    StringRef logPath) {
  std::optional<StringRef> redirects[] = {std::nullopt, logPath, logPath};
  std::string error;
  int status = llvm::sys::ExecuteAndWait(argv[0], argv, std::nullopt, redirects,
                                         0, 0, &error);
  if (status == 0)
    return std::nullopt;
  // autoglm-run's own message names the set, the input and the file.
  std::string message = error;
  if (auto text = llvm::MemoryBuffer::getFile(logPath)) {
    StringRef body = (*text)->getBuffer().trim();
    size_t at = body.rfind("autoglm-run: error: ");
    message =
        at == StringRef::npos ? body.str() : body.drop_front(at + 20).str();
  }
  return message;
}

FailureOr<std::string>
mlir::autoglm::calibrate(ModuleOp module, const CompileOptions &options,
                         TimingScope &timing,
                         std::vector<llvm::sys::fs::TempFile> &scratch) {
  Location loc = module.getLoc();
  const std::string &cache = options.calibrationCache;
  if (!cache.empty() && llvm::sys::fs::exists(cache))
    return cache;
  const std::string &data = options.calibrationData;
  if (data.empty())
    return emitError(loc)
           << "--precision=" << options.precision
           << " needs activation ranges: give "
              "--calibration-data=DIR (one subdirectory per input set, each "
              "holding <input name>.npy or input_<i>.pb files)"
           << (cache.empty() ? "" : ", or an existing --calibration-cache");
  if (!llvm::sys::fs::is_directory(data))
    return emitError(loc) << "--calibration-data='" << data
                          << "' is not a directory";
  FailureOr<std::string> runner = findRunner(loc);
  if (failed(runner))
    return failure();

  // The calibration build: float32, for this machine, weights embedded.
  FailureOr<std::string> library =
      makeScratchFile("autoglm-calibration-%%%%%%%%.so", loc, scratch);
  if (failed(library))
    return failure();
  CompileOptions build;
  build.emit = EmitKind::SharedLibrary;
  build.outputPath = *library;
  build.modelName = "calibration";
  build.disabledPasses = options.disabledPasses;
  build.instrumentCalibration = true;
  build.inputPath = options.inputPath;
  if (failed(buildForHost(module, build, timing, "calibration build")))
    return emitError(loc) << "the float32 calibration build failed";

  std::string ranges = cache;
  if (ranges.empty()) {
    FailureOr<std::string> temp =
        makeScratchFile("autoglm-calibration-%%%%%%%%.json", loc, scratch);
    if (failed(temp))
      return failure();
    ranges = *temp;
  }
  FailureOr<std::string> log =
      makeScratchFile("autoglm-calibration-%%%%%%%%.log", loc, scratch);
  if (failed(log))
    return failure();

  TimingScope scope = timing.nest("calibration runs");
  SmallVector<StringRef> argv = {*runner, build.outputPath,    "--calibrate",
                                 data,    "--calibration-out", ranges};
  if (std::optional<std::string> message = runRunner(argv, *log)) {
    if (!cache.empty())
      llvm::sys::fs::remove(cache);
    return emitError(loc) << "calibration on '" << data
                          << "' failed: " << *message;
  }
  return ranges;
}
