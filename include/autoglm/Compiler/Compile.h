//===- Compile.h - from an imported model to its artifact -------*- C++ -*-===//

#ifndef AUTOGLM_COMPILER_COMPILE_H
#define AUTOGLM_COMPILER_COMPILE_H

#include "autoglm/Compiler/Pipelines.h"
#include "autoglm/Target/Target.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/Timing.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"

#include <map>
#include <memory>
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
  /// Embedded weights as a global per constant (CodegenOptions): set for
  /// each entry of a multi-entry artifact. Internal.
  bool weightsPerConstant = false;
  /// Default passes to leave out, by short name ("fuse", ...;
  /// getOptionalPasses()).
  std::vector<std::string> disabledPasses;
  /// fp32 (nothing changes), fp16, bf16, int8, or auto (the fastest of
  /// those on the target that meets accuracyBudget): the precision of
  /// contractions (--precision; --autoglm-assign-precision).
  std::string precision = "fp32";
  /// The least accuracy the lowered model must keep on the calibration sets
  /// ("cosine:0.999" or "rel-error:0.01"; --accuracy-budget): the nodes
  /// whose lowering costs the most stay float32 until it holds, at most
  /// maxProtectedLayers of them (negative: no limit).
  std::string accuracyBudget;
  int64_t maxProtectedLayers = -1;
  /// The accuracy budget's sensitivity build: every lowered node also in
  /// float32, picked by an input per node. Internal.
  bool precisionToggles = false;
  /// Each ONNX node's precision, JSON (--precision-report).
  std::string precisionReport;
  /// int8: the input sets the float32 model is run on to measure activation
  /// ranges (--calibration-data=DIR), and the file the ranges are saved to
  /// and, when it exists, read from instead (--calibration-cache=FILE).
  std::string calibrationData;
  std::string calibrationCache;
  /// int8: minmax or percentile (--calibrator), and the percentile of |x|
  /// kept (--calibration-percentile).
  std::string calibrator = "minmax";
  double calibrationPercentile = 99.99;
  /// The calibration build itself: every value int8 would quantize becomes
  /// a model output (--autoglm-instrument-calibration). Internal.
  bool instrumentCalibration = false;

  /// Decode attention as top-k attention (--sparse-attention=on and its
  /// k, sink and window); none leaves attention dense.
  std::optional<SparseAttentionOptions> sparseAttention;
  /// --sparse-attention=auto: only the attention nodes that keep enough of
  /// their mass on calibrationData (sparseAttention's min-mass and min-p5)
  /// are rewritten.
  bool sparseAttentionGate = false;
  /// Each attention node's decision and measured mass, JSON
  /// (--sparse-attention-report).
  std::string sparseAttentionReport;
  /// The gate's measurement build: the query, key and mask of each attention
  /// the rewrite would consider become model outputs
  /// (--autoglm-instrument-attention-mass). Internal.
  bool instrumentAttentionMass = false;
  /// Prints what the graph passes did to stderr (--print-optimization-report).
  bool printOptimizationReport = false;
  /// The memory planner's report (--memory-report; .json for JSON, - for
  /// stderr) and the arena budget in bytes, 0 for none (--memory-budget).
  std::string memoryReport;
  int64_t memoryBudget = 0;
  /// An SVG picture of the memory plan (--memory-timeline).
  std::string memoryTimeline;

  /// The model file (or MLIR input) and the external data files its import
  /// read: the dependency file names them, the report hashes the model.
  std::string inputPath;
  std::vector<std::string> inputDataFiles;
  /// Also write the C header, in the same run as obj, lib, so or llvm
  /// (--emit-header).
  std::string headerPath;
  /// A Make-syntax dependency file: the output depends on the input files
  /// (--depfile).
  std::string depfilePath;
  /// The compile report, JSON (--report).
  std::string reportPath;
  /// The command line's arguments after the program name, for the report.
  std::vector<std::string> arguments;
  /// Fail when the weights (embedded and in the weights file) take more
  /// bytes, or the model has more kernels; 0: no budget (--weights-budget,
  /// --kernel-budget).
  int64_t weightsBudget = 0;
  int64_t kernelBudget = 0;
};

/// One line on stderr showing the phase being compiled and how far it got,
/// rewritten in place; for terminals (`autoglm-opt --progress`). Disabled,
/// it prints nothing.
class ProgressLine {
public:
  explicit ProgressLine(bool enabled) : enabled(enabled) {}
  ~ProgressLine() { clear(); }
  /// Shows phase `index` of `count` named `phase`, `fraction` of it done,
  /// with `detail` (e.g. the pass running).
  void show(unsigned index, unsigned count, StringRef phase, double fraction,
            StringRef detail = "");
  /// Erases the line (before diagnostics, and at the end).
  void clear();
  bool isEnabled() const { return enabled; }

private:
  bool enabled;
  bool shown = false;
};

/// Files written under temporary names next to their final paths and
/// renamed to them only when the whole compilation succeeds. The temporary
/// files are removed when the compilation fails and when the process gets
/// SIGINT or SIGTERM, so an interrupted compile leaves no partial artifact
/// (the driver calls installInterruptCleanup for the signals).
class PendingOutputs {
public:
  PendingOutputs() = default;
  PendingOutputs(const PendingOutputs &) = delete;
  ~PendingOutputs();
  /// A temporary file for `finalPath` in its directory; its path, or
  /// failure after a diagnostic at `loc`.
  FailureOr<std::string> create(StringRef finalPath, Location loc);
  /// Gives up the output whose temporary file is `tempPath`: the final file
  /// is not written.
  void drop(StringRef tempPath);
  /// Renames every temporary file to its final path.
  LogicalResult commit(Location loc);

private:
  struct Entry {
    llvm::sys::fs::TempFile file;
    std::string finalPath;
  };
  std::vector<Entry> entries;
};

/// Makes SIGINT and SIGTERM remove every file registered with
/// llvm::sys::RemoveFileOnSignal (the pending outputs among them) before the
/// process ends, however many of these signals arrive and on whichever
/// threads. Call once, after llvm::InitLLVM.
void installInterruptCleanup();

/// What `--report` collects while compiling; written as JSON by
/// finishCompilation.
struct CompileReport {
  /// The graph passes: OptimizationReport::toJSON.
  llvm::json::Array graphPasses;
  /// The kernel regions after the kernel phase, by kind.
  int64_t kernels = 0;
  std::map<std::string, int64_t> kernelsByKind;
  /// The device kernels the CUDA target launches, by name.
  std::vector<std::string> deviceKernels;
  /// The memory planner's JSON report (--memory-report=FILE.json).
  std::optional<llvm::json::Value> memory;
  /// The weights: every constant's bytes once bufferized, wherever it goes;
  /// and the data bytes of the weights file (--weights=external).
  int64_t weightsBytes = 0, weightsFileBytes = 0;
  /// The timing tree of --mlir-timing, captured (createTimingCapture).
  struct TimedScope {
    std::string name;
    double wallSeconds = 0;
    std::vector<TimedScope> children;
  };
  double totalSeconds = 0;
  std::vector<TimedScope> times;
};

/// A timing output that records the report tree into `report` (and prints
/// it as text to stderr too when `print` is set, for --mlir-timing).
std::unique_ptr<OutputStrategy> createTimingCapture(CompileReport &report,
                                                    bool print);

/// What one compilation keeps besides its options.
struct CompileState {
  explicit CompileState(bool progress) : progress(progress) {}
  PendingOutputs outputs;
  CompileReport report;
  ProgressLine progress;
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
///
/// Outputs go to temporary files in `state.outputs`; finishCompilation
/// writes the report and the dependency file and renames them all.
LogicalResult compileModule(ModuleOp module, const CompileOptions &options,
                            TimingScope &timing, CompileState &state);

/// The activation ranges `--precision=int8` quantizes with: the
/// calibration cache when it exists, else measured by compiling `module`
/// (imported, before the graph phase; it is not changed) for the host CPU
/// with every calibration point as an output and running it with
/// `autoglm-run --calibrate` on `options.calibrationData` (and saved to the
/// cache when one is named). Returns the ranges file; `scratch` holds the
/// temporary files, removed when it is destroyed.
FailureOr<std::string> calibrate(ModuleOp module, const CompileOptions &options,
                                 TimingScope &timing,
                                 std::vector<llvm::sys::fs::TempFile> &scratch);

/// The attention mass `--sparse-attention=auto` gates on: measured by
/// compiling `module` (imported; it is not changed) for the host CPU with
/// the query, key and mask of each attention the rewrite would consider as
/// outputs, and running it with `autoglm-run --attention-mass` on
/// `options.calibrationData` at options.sparseAttention's budget. Returns
/// the file of the masses per attention node (in `scratch`, removed with
/// it), which --autoglm-sparse-attention{mass=FILE} reads.
FailureOr<std::string>
measureAttentionMass(ModuleOp module, const CompileOptions &options,
                     TimingScope &timing,
                     std::vector<llvm::sys::fs::TempFile> &scratch);

/// An accuracy budget (--accuracy-budget).
struct AccuracyBudget {
  /// Cosine: every output's cosine similarity to float32 is at least
  /// `bound`. RelError: every output's largest |difference| over its
  /// largest |float32 value| is at most `bound`.
  enum class Metric { Cosine, RelError };
  Metric metric = Metric::Cosine;
  double bound = 1;
  /// As given: "cosine:0.999".
  std::string spec;
};

/// Parses "cosine:C" (-1 < C <= 1) or "rel-error:E" (E >= 0); fails with
/// `error` set, saying the syntax, otherwise.
FailureOr<AccuracyBudget> parseAccuracyBudget(StringRef spec,
                                              std::string &error);

/// What the accuracy budget decided: the ONNX nodes kept in float32, and
/// the measurements (a JSON file in the scratch files) for the precision
/// report.
struct BudgetDecision {
  std::vector<std::string> keep;
  std::string measurements;
};

/// Measures each node's contribution to the output error when `precision`
/// lowers it (one build of `module` with run-time toggles, run by
/// `autoglm-run` on options.calibrationData; `calibration`: int8's ranges
/// file) and keeps the most sensitive nodes in float32 until
/// options.accuracyBudget holds. An error naming the most sensitive nodes
/// when it cannot hold with options.maxProtectedLayers kept.
FailureOr<BudgetDecision>
protectSensitiveLayers(ModuleOp module, const CompileOptions &options,
                       StringRef precision, StringRef calibration,
                       TimingScope &timing,
                       std::vector<llvm::sys::fs::TempFile> &scratch);

/// The precision `--precision=auto` lowers to on `target` (docs/precision.md
/// gives the cost model): int8 on the CPU, fp16 on CUDA; `precision`
/// itself otherwise.
std::string resolvePrecision(StringRef precision, StringRef target);

/// A model of several entries (--batch-sizes, sequence-length buckets or
/// both): `modules[i]`, the model imported at `shell.entryBatch(i)` and
/// `shell.entryLength(i)` (`shell` holds the sizes, the lengths and the pad
/// mask), each run through the phases, then one artifact (obj, lib, so,
/// llvm) or header with an entry each (Target::emitBatchSizes). Options
/// that would describe one entry only (--compile-to, the reports,
/// --weights=external) are an error.
LogicalResult compileShapeEntries(ArrayRef<ModuleOp> modules,
                                  const ModelSignature &shell,
                                  const CompileOptions &options,
                                  TimingScope &timing, CompileState &state);

/// Parses `--batch-sizes`: "1,2,4,8" (a list, any order, sorted) or "1-16"
/// (every power of two from the first number to the second, both included
/// even when they are not powers of two). Fails with `error` set for an
/// empty or malformed list, a size below 1 or above 2^20, or a size given
/// twice.
FailureOr<SmallVector<int64_t>> parseBatchSizes(StringRef spec,
                                                std::string &error);

/// The sequence-length sets of one --input-shape spec
/// ("input_ids:?x{64,128,256}").
struct SeqLengthSets {
  /// The spec with each set replaced by '?' ("input_ids:?x?").
  std::string symbolicSpec;
  /// The input it names, and the dimensions that had a set (none when the
  /// spec has no set).
  std::string input;
  SmallVector<unsigned> dims;
  /// The set's lengths, ascending.
  SmallVector<int64_t> lengths;
};

/// Splits the sets of lengths out of an --input-shape spec. Fails with
/// `error` set for a malformed set, a length below 1 or above 2^20 or given
/// twice, a set of one length, or sets that differ within the spec. A spec
/// without a set is returned unchanged in `symbolicSpec`.
LogicalResult parseSeqLengthSets(StringRef spec, SeqLengthSets &sets,
                                 std::string &error);

/// After compileModule succeeded (and the timing report was printed, so that
/// the report has the times): writes the report and the dependency file,
/// then gives every output its final name.
LogicalResult finishCompilation(const CompileOptions &options,
                                CompileState &state, Location loc);
} // namespace mlir::autoglm

#endif // AUTOGLM_COMPILER_COMPILE_H
