//===- HostRun.h - run a model build on this machine, as a child -*- C++
//-*-===//
//
// Internal to the compile driver: what calibration (Calibrate.cpp), the
// sparse attention gate (AttentionMass.cpp) and the
// accuracy budget (AccuracyBudget.cpp) share to build a model for this
// machine and run it with `autoglm-run`, next to the compiler, in a child
// process, so that a crash or a bad input file is an error message here.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_COMPILER_HOSTRUN_H
#define AUTOGLM_COMPILER_HOSTRUN_H

#include "autoglm/Compiler/Compile.h"

#include "llvm/Support/FileSystem.h"

#include <string>
#include <vector>

namespace mlir::autoglm {
/// autoglm-run, next to this compiler (the build's bin/ and the package's).
FailureOr<std::string> findRunner(Location loc);

/// A new temporary file named after `pattern` ("autoglm-x-%%%%.so"), kept
/// in `scratch` (removed with it); returns its path.
FailureOr<std::string>
makeScratchFile(StringRef pattern, Location loc,
                std::vector<llvm::sys::fs::TempFile> &scratch);

/// Compiles `module` (a copy; `module` is not changed) with `build` for
/// this machine as a shared library at build.outputPath, timed as `what`.
LogicalResult buildForHost(ModuleOp module, const CompileOptions &build,
                           TimingScope &timing, StringRef what);

/// Runs `argv` (argv[0] is autoglm-run) with its output in `logPath`.
/// Returns autoglm-run's own error message (or why it did not run) when it
/// fails, nothing when it succeeds.
std::optional<std::string> runRunner(ArrayRef<StringRef> argv,
                                     StringRef logPath);
} // namespace mlir::autoglm

#endif // AUTOGLM_COMPILER_HOSTRUN_H
