//===- AccuracyBudget.cpp - keep the sensitive layers in float32 ----------===//
//
// --accuracy-budget: which of the nodes a precision lowers stay in float32
// so that the outputs stay within the budget on the calibration sets.
//
// One extra build and a bounded number of runs, however many layers:
//   1. The sensitivity build (--autoglm-assign-precision{toggles}): every
//      node the precision lowers computes both ways, and a model input per
//      node picks which result the model reads. Built once for this machine.
//   2. One child `autoglm-run --toggle-masks` runs each calibration set with
//      every toggle off (the float32 reference), with all on (the plain
//      lowered model), and with each node alone lowered: N + 2 runs a set.
//      A node's error alone is its contribution; the nodes are ranked by it.
//   3. If all lowered meets the budget, nothing is kept. Otherwise a binary
//      search finds the fewest most-sensitive nodes to keep in float32
//      (all kept is the reference itself, so it always holds): one child a
//      step, two runs a set, ceil(log2(N + 1)) steps at most. Errors need
//      not grow monotonically as fewer nodes are kept, but every answer is
//      a measured one: the kept set returned was run and holds.
// docs/decisions.md ("One sensitivity build with run-time toggles") says
// why not a build per variant.
//
//===----------------------------------------------------------------------===//

#include "HostRun.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <numeric>

using namespace mlir;
using namespace mlir::autoglm;

FailureOr<AccuracyBudget>
mlir::autoglm::parseAccuracyBudget(StringRef spec, std::string &error) {
  auto [metric, number] = spec.split(':');
  double bound = 0;
  bool parsed = !number.empty() && !number.trim().getAsDouble(bound) &&
                std::isfinite(bound);
  AccuracyBudget budget;
  budget.spec = spec.str();
  budget.bound = bound;
  if (metric == "cosine" && parsed && bound > -1 && bound <= 1) {
    budget.metric = AccuracyBudget::Metric::Cosine;
    return budget;
  }
  if (metric == "rel-error" && parsed && bound >= 0) {
    budget.metric = AccuracyBudget::Metric::RelError;
    return budget;
  }
  error = "--accuracy-budget='" + spec.str() +
          "' is not cosine:C (the least cosine similarity of every output "
          "to float32, -1 < C <= 1) or rel-error:E (the largest |difference| "
          "over the largest |float32 value| of every output, E >= 0)";
  return failure();
}

namespace {
/// The worst error of the outputs over the calibration sets, one variant.
struct OutputError {
  double cosine = 1, relError = 0;
};

bool holds(const AccuracyBudget &budget, const OutputError &error) {
  return budget.metric == AccuracyBudget::Metric::Cosine
             ? error.cosine >= budget.bound
             : error.relError <= budget.bound;
}

/// The budget's measure of `error`, larger is worse: 1 - cosine, or the
/// relative error.
double badness(const AccuracyBudget &budget, const OutputError &error) {
  return budget.metric == AccuracyBudget::Metric::Cosine ? 1 - error.cosine
                                                         : error.relError;
}

std::string describe(const AccuracyBudget &budget, const OutputError &error) {
  return budget.metric == AccuracyBudget::Metric::Cosine
             ? llvm::formatv("cosine {0:F6}", error.cosine).str()
             : llvm::formatv("rel-error {0:E2}", error.relError).str();
}

/// Runs the sensitivity build on the calibration sets, one run per mask
/// and set (MeasureToggles.h).
class ToggleRunner {
public:
  ToggleRunner(std::string runner, std::string library, std::string data,
               Location loc, std::vector<llvm::sys::fs::TempFile> &scratch)
      : runner(std::move(runner)), library(std::move(library)),
        data(std::move(data)), loc(loc), scratch(scratch) {}

  /// The errors of `masks` ('0'/'1' strings, or "each" and "all"), in the
  /// order the child writes them; the toggles' node names in `names`.
  FailureOr<std::vector<OutputError>> measure(ArrayRef<std::string> masks,
                                              std::vector<std::string> *names) {
    FailureOr<std::string> maskFile =
        makeScratchFile("autoglm-budget-%%%%%%%%.masks", loc, scratch);
    FailureOr<std::string> out =
        makeScratchFile("autoglm-budget-%%%%%%%%.json", loc, scratch);
    FailureOr<std::string> log =
        makeScratchFile("autoglm-budget-%%%%%%%%.log", loc, scratch);
    if (failed(maskFile) || failed(out) || failed(log))
      return failure();
    {
      std::error_code ec;
      llvm::raw_fd_ostream os(*maskFile, ec);
      if (ec)
        return emitError(loc)
               << "cannot write '" << *maskFile << "': " << ec.message();
      for (const std::string &mask : masks)
        os << mask << "\n";
    }
    SmallVector<StringRef> argv = {
        runner,           library,   "--calibrate",       data,
        "--toggle-masks", *maskFile, "--calibration-out", *out};
    if (std::optional<std::string> message = runRunner(argv, *log))
      return emitError(loc) << "measuring the accuracy budget on '" << data
                            << "' failed: " << *message;
    ++children;
    auto buffer = llvm::MemoryBuffer::getFile(*out);
    if (!buffer)
      return emitError(loc) << "cannot read '" << *out << "'";
    llvm::Expected<llvm::json::Value> json =
        llvm::json::parse((*buffer)->getBuffer());
    const llvm::json::Object *root = json ? json->getAsObject() : nullptr;
    const llvm::json::Array *results = root ? root->getArray("masks") : nullptr;
    if (!root || !results) {
      if (!json)
        llvm::consumeError(json.takeError());
      return emitError(loc) << "autoglm-run wrote a malformed '" << *out << "'";
    }
    sets = root->getInteger("sets").value_or(0);
    runs += sets * (results->size() + 1);
    if (names)
      if (const llvm::json::Array *toggles = root->getArray("toggles"))
        for (const llvm::json::Value &name : *toggles)
          names->push_back(name.getAsString().value_or("").str());
    std::vector<OutputError> errors;
    for (const llvm::json::Value &result : *results) {
      const llvm::json::Object *entry = result.getAsObject();
      errors.push_back({entry->getNumber("min_cosine").value_or(-1),
                        entry->getNumber("max_rel_error").value_or(1e300)});
    }
    return errors;
  }

  int64_t sets = 0, runs = 0, children = 0;

private:
  std::string runner, library, data;
  Location loc;
  std::vector<llvm::sys::fs::TempFile> &scratch;
};

llvm::json::Object toJSON(const OutputError &error) {
  return llvm::json::Object{{"cosine", error.cosine},
                            {"rel_error", error.relError}};
}
} // namespace

FailureOr<BudgetDecision> mlir::autoglm::protectSensitiveLayers(
    ModuleOp module, const CompileOptions &options, StringRef precision,
    StringRef calibration, TimingScope &timing,
    std::vector<llvm::sys::fs::TempFile> &scratch) {
  Location loc = module.getLoc();
  std::string error;
  FailureOr<AccuracyBudget> budget =
      parseAccuracyBudget(options.accuracyBudget, error);
  if (failed(budget))
    return emitError(loc) << error;
  const std::string &data = options.calibrationData;
  if (data.empty() || !llvm::sys::fs::is_directory(data))
    return emitError(loc)
           << "--accuracy-budget is measured on the calibration sets: give "
              "--calibration-data=DIR (one subdirectory per input set)"
           << (data.empty() ? "" : ", not '" + data + "'");
  FailureOr<std::string> runner = findRunner(loc);
  if (failed(runner))
    return failure();

  // 1. The sensitivity build.
  FailureOr<std::string> library =
      makeScratchFile("autoglm-budget-%%%%%%%%.so", loc, scratch);
  if (failed(library))
    return failure();
  CompileOptions build;
  build.emit = EmitKind::SharedLibrary;
  build.outputPath = *library;
  build.modelName = "sensitivity";
  build.disabledPasses = options.disabledPasses;
  build.inputPath = options.inputPath;
  build.precision = precision.str();
  build.calibrationCache = calibration.str();
  build.calibrator = options.calibrator;
  build.calibrationPercentile = options.calibrationPercentile;
  build.precisionToggles = true;
  if (failed(buildForHost(module, build, timing, "accuracy budget build")))
    return emitError(loc) << "the accuracy budget's sensitivity build failed";

  // 2. Every node alone, and all of them.
  TimingScope scope = timing.nest("accuracy budget runs");
  ToggleRunner toggles(*runner, *library, data, loc, scratch);
  std::vector<std::string> names;
  FailureOr<std::vector<OutputError>> alone =
      toggles.measure({"each", "all"}, &names);
  if (failed(alone))
    return failure();
  size_t n = names.size();
  if (alone->size() != n + 1)
    return emitError(loc) << "autoglm-run measured " << alone->size()
                          << " variants, expected " << n + 1;
  OutputError allLowered = alone->back();
  alone->pop_back();
  // Most sensitive first; ties in program order (the index breaks them, so
  // a plain sort is stable: std::stable_sort's temporary buffer is
  // deprecated in the C++ library the checking build warns about).
  std::vector<size_t> ranking(n);
  std::iota(ranking.begin(), ranking.end(), 0);
  llvm::sort(ranking, [&](size_t a, size_t b) {
    double badA = badness(*budget, (*alone)[a]);
    double badB = badness(*budget, (*alone)[b]);
    return badA != badB ? badA > badB : a < b;
  });

  // 3. The fewest most sensitive nodes kept.
  size_t limit = options.maxProtectedLayers < 0
                     ? n
                     : std::min<size_t>(n, options.maxProtectedLayers);
  auto maskKeeping = [&](size_t kept) {
    std::string mask(n, '1');
    for (size_t r = 0; r < kept; ++r)
      mask[ranking[r]] = '0';
    return mask;
  };
  size_t kept = 0;
  OutputError result = allLowered;
  bool met = holds(*budget, allLowered);
  if (!met) {
    // lo fails, hi holds (or is the limit, not yet measured).
    size_t lo = 0, hi = limit;
    OutputError atHi;
    bool hiMeasured = hi == n; // all kept: the reference itself
    if (!hiMeasured) {
      FailureOr<std::vector<OutputError>> measured =
          toggles.measure({maskKeeping(hi)}, nullptr);
      if (failed(measured))
        return failure();
      atHi = measured->front();
    }
    met = holds(*budget, atHi);
    if (!met) {
      InFlightDiagnostic diag =
          emitError(loc) << "the accuracy budget " << budget->spec
                         << " is not met with the " << limit
                         << " most sensitive of " << n
                         << " lowered nodes kept in float32"
                         << " (--max-protected-layers=" << limit
                         << "): " << describe(*budget, atHi)
                         << " on the calibration sets ("
                         << describe(*budget, allLowered)
                         << " with none kept); the most sensitive nodes:";
      for (size_t r = 0; r < std::min<size_t>(n, limit + 3); ++r)
        diag << (r ? ", " : " ") << names[ranking[r]] << " ("
             << describe(*budget, (*alone)[ranking[r]]) << " alone)";
      return failure();
    }
    while (hi - lo > 1) {
      size_t mid = lo + (hi - lo) / 2;
      FailureOr<std::vector<OutputError>> measured =
          toggles.measure({maskKeeping(mid)}, nullptr);
      if (failed(measured))
        return failure();
      if (holds(*budget, measured->front())) {
        hi = mid;
        atHi = measured->front();
      } else {
        lo = mid;
      }
    }
    kept = hi;
    result = atHi;
  }

  BudgetDecision decision;
  llvm::json::Array layers;
  std::vector<size_t> rankOf(n);
  for (size_t r = 0; r < n; ++r)
    rankOf[ranking[r]] = r;
  for (size_t i = 0; i < n; ++i) {
    bool isKept = rankOf[i] < kept;
    if (isKept)
      decision.keep.push_back(names[i]);
    llvm::json::Object layer = toJSON((*alone)[i]);
    layer["node"] = names[i];
    layer["rank"] = static_cast<int64_t>(rankOf[i] + 1);
    layer["error"] = badness(*budget, (*alone)[i]);
    layer["kept"] = isKept;
    layers.push_back(std::move(layer));
  }
  llvm::json::Object summary{
      {"budget", budget->spec},
      {"metric", budget->metric == AccuracyBudget::Metric::Cosine
                     ? "cosine"
                     : "rel-error"},
      {"bound", budget->bound},
      {"met", true},
      {"requested_precision", options.precision},
      {"lowered_precision", precision},
      {"calibration_sets", toggles.sets},
      {"all_lowered", toJSON(allLowered)},
      {"result", toJSON(result)},
      {"kept", static_cast<int64_t>(kept)},
      {"layers", std::move(layers)},
      {"builds", 1},
      {"child_runs", toggles.children},
      {"model_runs", toggles.runs}};
  FailureOr<std::string> file =
      makeScratchFile("autoglm-budget-%%%%%%%%.result.json", loc, scratch);
  if (failed(file))
    return failure();
  std::error_code ec;
  llvm::raw_fd_ostream os(*file, ec);
  if (ec)
    return emitError(loc) << "cannot write '" << *file << "': " << ec.message();
  os << llvm::json::Value(std::move(summary));
  decision.measurements = *file;
  return decision;
}

std::string mlir::autoglm::resolvePrecision(StringRef precision,
                                            StringRef target) {
  if (precision != "auto")
    return precision.str();
  // The cost model (docs/precision.md): on the CPU the int8 products run on
  // VNNI at 0.4-0.6 of float32's time, while fp16/bf16 products run on the
  // float32 kernel at about its time; on CUDA the 16-bit products run
  // on tensor cores, and int8 measured slower than them (its int32
  // results and float32 activations cost more memory traffic than the
  // int8 products save). So the CPU mixes int8 with float32, CUDA fp16
  // with float32.
  return target == "cuda" ? "fp16" : "int8";
}
