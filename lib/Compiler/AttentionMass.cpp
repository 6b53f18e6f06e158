//===- AttentionMass.cpp - measure the sparse attention gate on the host --===//
//
// --sparse-attention=auto rewrites only the attention nodes that keep
// enough of their attention probability within the top-k budget on the
// calibration sets. As int8 calibration does (Calibrate.cpp), the compiler
// builds the model once more for this machine, here with the query, key and
// mask of every attention the rewrite would consider as extra outputs
// (--autoglm-instrument-attention-mass), and runs it in a child process,
// `autoglm-run MODEL.so --calibrate DIR --attention-mass K,SINK,WINDOW`,
// which reads the sets with the runner's own readers and writes each
// node's kept mass; --autoglm-sparse-attention{mass=FILE} then decides.
//
//===----------------------------------------------------------------------===//

#include "HostRun.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/FileSystem.h"

using namespace mlir;
using namespace mlir::autoglm;

FailureOr<std::string> mlir::autoglm::measureAttentionMass(
    ModuleOp module, const CompileOptions &options, TimingScope &timing,
    std::vector<llvm::sys::fs::TempFile> &scratch) {
  Location loc = module.getLoc();
  const std::string &data = options.calibrationData;
  if (data.empty())
    return emitError(loc)
           << "--sparse-attention=auto rewrites only the attention that keeps "
              "enough of its mass on calibration data: give "
              "--calibration-data=DIR (one subdirectory per input set, each "
              "holding <input name>.npy or input_<i>.pb files)";
  if (!llvm::sys::fs::is_directory(data))
    return emitError(loc) << "--calibration-data='" << data
                          << "' is not a directory";
  const SparseAttentionOptions &budget = *options.sparseAttention;
  FailureOr<std::string> runner = findRunner(loc);
  if (failed(runner))
    return failure();

  // The measurement build: as given but for precision, for this machine,
  // weights embedded.
  FailureOr<std::string> library =
      makeScratchFile("autoglm-attention-mass-%%%%%%%%.so", loc, scratch);
  if (failed(library))
    return failure();
  CompileOptions build;
  build.emit = EmitKind::SharedLibrary;
  build.outputPath = *library;
  build.modelName = "attention_mass";
  build.disabledPasses = options.disabledPasses;
  build.sparseAttention = budget;
  build.instrumentAttentionMass = true;
  build.inputPath = options.inputPath;
  if (failed(buildForHost(module, build, timing, "attention mass build")))
    return emitError(loc) << "the attention mass build failed";

  FailureOr<std::string> masses =
      makeScratchFile("autoglm-attention-mass-%%%%%%%%.json", loc, scratch);
  if (failed(masses))
    return failure();
  FailureOr<std::string> log =
      makeScratchFile("autoglm-attention-mass-%%%%%%%%.log", loc, scratch);
  if (failed(log))
    return failure();
  std::string spec = std::to_string(budget.topK) + "," +
                     std::to_string(budget.sink) + "," +
                     std::to_string(budget.window);
  if (budget.pageSize > 0)
    spec += "," + std::to_string(budget.pageSize);
  TimingScope scope = timing.nest("attention mass runs");
  SmallVector<StringRef> argv = {
      *runner, build.outputPath,    "--calibrate", data, "--attention-mass",
      spec,    "--calibration-out", *masses};
  if (std::optional<std::string> message = runRunner(argv, *log))
    return emitError(loc) << "measuring the attention mass on '" << data
                          << "' failed: " << *message;
  return *masses;
}
