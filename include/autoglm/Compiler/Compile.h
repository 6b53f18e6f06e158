//===- Compile.h - from an imported model to its artifact -------*- C++ -*-===//

#ifndef AUTOGLM_COMPILER_COMPILE_H
#define AUTOGLM_COMPILER_COMPILE_H

#include "autoglm/Compiler/Pipelines.h"
#include "autoglm/Target/Target.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/Timing.h"

#include <optional>
#include <string>
#include <vector>

namespace mlir::autoglm {
class OptimizationReport;

/// What `--emit=` asks for.
enum class EmitKind {
  MLIR,
  LLVM,
  Object,
  Header,
  StaticLibrary,
  SharedLibrary,
  PTX
};

/// Parses a `--emit=` value; nullopt for an unknown one.
std::optional<EmitKind> parseEmitKind(StringRef name);

struct CompileOptions {
  /// Stop after this phase and write its IR (--compile-to; --emit=mlir is
  /// the graph phase); otherwise emit `emit`.
  std::optional<Phase> stopAfter;
  EmitKind emit = EmitKind::Object;
  /// The code-generation target (--target) and its host code.
  std::string target = "cpu";
  HostOptions host;
  DeviceOptions device;
  /// Names the descriptor `autoglm_model_<name>`; a C identifier.
  std::string modelName = "model";
  /// "-" writes to standard output.
  std::string outputPath = "-";
  /// Moves the weights into a file mapped at run time (llvm, obj, lib and so
  /// outputs), written to `weightsPath`, by default the output path with
  /// the extension ".weights".
  bool externalWeights = false;
  std::string weightsPath;
  /// Default passes to leave out, by short name ("fuse", ...;
  /// getOptionalPasses()).
  std::vector<std::string> disabledPasses;
  /// Prints what the graph passes did to stderr (--print-optimization-report).
  bool printOptimizationReport = false;
  /// The memory planner's report (--memory-report; .json for JSON, - for
  /// stderr) and the arena budget in bytes, 0 for none (--memory-budget).
  std::string memoryReport;
  int64_t memoryBudget = 0;
  /// An SVG picture of the memory plan (--memory-timeline).
  std::string memoryTimeline;
};

/// Registers every dialect, interface and translation the compiler's
/// pipelines create or read (our dialect, linalg, tensor, bufferization,
/// memref, math, scf, LLVM, ...).
void registerCompilerDialects(DialectRegistry &registry);

/// Runs the phases of lib/Compiler/Pipelines.cpp on `module` (which holds
/// the imported `func.func @main`) and writes what `options` asks for to
/// `options.outputPath`. Each phase's pass manager honours MLIR's
/// command-line options (--mlir-print-ir-after-all, --mlir-pass-statistics,
/// ...) and is timed under `timing`. Diagnostics go through the module's
/// context.
LogicalResult compileModule(ModuleOp module, const CompileOptions &options,
                            TimingScope &timing);
} // namespace mlir::autoglm

#endif // AUTOGLM_COMPILER_COMPILE_H
