//===- Compile.h - from the autoglm dialect to what the user asked for -*- C++ -*-===//

#ifndef AUTOGLM_COMPILER_COMPILE_H
#define AUTOGLM_COMPILER_COMPILE_H

#include "autoglm/Target/CPU.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

#include <optional>
#include <string>
#include <vector>

namespace mlir::autoglm {

/// What `--emit=` asks for.
enum class EmitKind { MLIR, LLVM, Object, Header, StaticLibrary, SharedLibrary };

/// Parses a `--emit=` value; nullopt for an unknown one.
std::optional<EmitKind> parseEmitKind(StringRef name);

struct CompileOptions {
  EmitKind emit = EmitKind::Object;
  /// Names the descriptor `autoglm_model_<name>`; a C identifier.
  std::string modelName = "model";
  CPUTargetOptions cpu;
  /// "-" writes to standard output.
  std::string outputPath = "-";
  /// Moves the weights into a file mapped at run time (llvm, obj, lib and so
  /// outputs), written to `weightsPath`, by default the output path with
  /// the extension ".weights".
  bool externalWeights = false;
  std::string weightsPath;
  /// Default graph passes to leave out, by short name ("fuse", ...).
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

/// The short names of the default passes that can be left out: the graph
/// passes, and the memory planner of the lowering.
ArrayRef<StringRef> optionalGraphPasses();

/// The graph passes the compiler runs by default (before lowering), except
/// those named in `disabled` (e.g. "fuse"; autoglm-opt's --disable-pass).
void buildDefaultGraphPipeline(OpPassManager &pm, ArrayRef<std::string> disabled = {});

/// Runs the default graph pipeline on `module` (which holds the imported
/// `func.func @main`), then lowers and emits what `options.emit` names into
/// `options.outputPath`. Diagnostics go through the module's context.
LogicalResult compileModule(ModuleOp module, const CompileOptions &options);

} // namespace mlir::autoglm

#endif // AUTOGLM_COMPILER_COMPILE_H
