//===- Outputs.cpp - what a compilation writes besides its artifact -------===//
//
// The outputs under temporary names until the compilation succeeds, the
// progress line, the compile report (--report) and the dependency file
// (--depfile).
//
//===----------------------------------------------------------------------===//

#include "autoglm/Compiler/Compile.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/Signals.h"
#include "llvm/Support/raw_ostream.h"

#include <atomic>
#include <csignal>
#include <unistd.h>

using namespace mlir;
using namespace mlir::autoglm;

//===----------------------------------------------------------------------===//
// ProgressLine
//===----------------------------------------------------------------------===//

void ProgressLine::show(unsigned index, unsigned count, StringRef phase,
                        double fraction, StringRef detail) {
  if (!enabled)
    return;
  unsigned percent = static_cast<unsigned>(
      100.0 * (index + std::clamp(fraction, 0.0, 1.0)) / std::max(count, 1u));
  std::string line = llvm::formatv("autoglm-opt: {0,3}% [{1}/{2}] {3}", percent,
                                   index + 1, count, phase)
                         .str();
  if (!detail.empty())
    line += (": " + detail).str();
  // One line: cut to the terminal's width so that it never wraps.
  unsigned columns = llvm::sys::Process::StandardErrColumns();
  if (columns > 1 && line.size() > columns - 1)
    line.resize(columns - 1);
  llvm::errs() << "\r\x1b[K" << line;
  llvm::errs().flush();
  shown = true;
}

void ProgressLine::clear() {
  if (!shown)
    return;
  llvm::errs() << "\r\x1b[K";
  llvm::errs().flush();
  shown = false;
}

//===----------------------------------------------------------------------===//
// Interrupts
//===----------------------------------------------------------------------===//

// LLVM's own handler restores the default action of every signal before it
// removes the files, so a second signal (`timeout` sends one to the process
// and one to its group; a user presses ^C twice) ends the process halfway
// through the removal. This handler keeps both signals blocked on its thread
// while it removes the files, parks any other thread that takes a signal
// meanwhile, and ends the process with the first signal once the files are
// gone.
static std::atomic<bool> interruptTaken{false};

extern "C" void removeOutputsOnInterrupt(int signal) {
  if (interruptTaken.exchange(true)) {
    // Another thread is removing the files; it ends the process.
    for (;;)
      pause();
  }
  llvm::sys::RunInterruptHandlers();
  std::signal(signal, SIG_DFL);
  // Delivered when the handler returns and unblocks it: the process ends
  // with the status the signal gives.
  raise(signal);
}

void mlir::autoglm::installInterruptCleanup() {
  struct sigaction action = {};
  action.sa_handler = removeOutputsOnInterrupt;
  sigemptyset(&action.sa_mask);
  sigaddset(&action.sa_mask, SIGINT);
  sigaddset(&action.sa_mask, SIGTERM);
  // Replaces the handlers llvm::InitLLVM installed; LLVM installs its own
  // only once, so these stay.
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

//===----------------------------------------------------------------------===//
// PendingOutputs
//===----------------------------------------------------------------------===//

PendingOutputs::~PendingOutputs() {
  for (Entry &entry : entries)
    llvm::consumeError(entry.file.discard());
}

FailureOr<std::string> PendingOutputs::create(StringRef finalPath,
                                              Location loc) {
  if (finalPath == "-")
    return std::string("-");
  // What is not a regular file (/dev/null, a pipe) is written in place:
  // renaming onto it would replace it.
  llvm::sys::fs::file_status status;
  if (!llvm::sys::fs::status(finalPath, status) &&
      llvm::sys::fs::exists(status) && !llvm::sys::fs::is_regular_file(status))
    return finalPath.str();
  // Next to the final file, so that renaming it is atomic; TempFile removes
  // it on SIGINT and SIGTERM (llvm::sys::RemoveFileOnSignal). It keeps the
  // final extension, which says what to write (a .json memory report).
  SmallString<256> model(finalPath);
  llvm::sys::path::replace_extension(model, "");
  model += ".tmp-%%%%%%%%";
  model += llvm::sys::path::extension(finalPath);
  llvm::Expected<llvm::sys::fs::TempFile> file =
      llvm::sys::fs::TempFile::create(model);
  if (!file)
    return emitError(loc) << "cannot create a temporary file for '" << finalPath
                          << "': " << llvm::toString(file.takeError());
  std::string path = file->TmpName;
  entries.push_back({std::move(*file), finalPath.str()});
  return path;
}

void PendingOutputs::drop(StringRef tempPath) {
  for (auto it = entries.begin(); it != entries.end(); ++it)
    if (it->file.TmpName == tempPath) {
      llvm::consumeError(it->file.discard());
      entries.erase(it);
      return;
    }
}

LogicalResult PendingOutputs::commit(Location loc) {
  LogicalResult result = success();
  for (Entry &entry : entries)
    if (llvm::Error error = entry.file.keep(entry.finalPath)) {
      emitError(loc) << "cannot write '" << entry.finalPath
                     << "': " << llvm::toString(std::move(error));
      result = failure();
    }
  entries.clear();
  return result;
}

//===----------------------------------------------------------------------===//
// The timing tree, captured for the report
//===----------------------------------------------------------------------===//

namespace {
/// Records MLIR's timing report (the tree --mlir-timing prints) into the
/// compile report, and prints it as text too when --mlir-timing asked.
class TimingCapture : public OutputStrategy {
public:
  TimingCapture(CompileReport &report, bool print)
      : OutputStrategy(llvm::errs()), report(report) {
    if (print)
      printer = createOutputStrategy(DefaultTimingManager::OutputFormat::Text,
                                     llvm::errs());
  }

  void printHeader(const TimeRecord &total) override {
    report.totalSeconds = total.wall;
    report.times.clear();
    stack.clear();
    if (printer)
      printer->printHeader(total);
  }
  void printFooter() override {
    if (printer)
      printer->printFooter();
  }
  void printTime(const TimeRecord &time, const TimeRecord &total) override {
    if (printer)
      printer->printTime(time, total);
  }
  void printListEntry(StringRef name, const TimeRecord &time,
                      const TimeRecord &total, bool lastEntry) override {
    if (printer)
      printer->printListEntry(name, time, total, lastEntry);
  }
  void printTreeEntry(unsigned indent, StringRef name, const TimeRecord &time,
                      const TimeRecord &total) override {
    while (!stack.empty() && stack.back().first >= indent)
      stack.pop_back();
    std::vector<CompileReport::TimedScope> &siblings =
        stack.empty() ? report.times : stack.back().second->children;
    siblings.push_back({name.trim().str(), time.wall, {}});
    stack.push_back({indent, &siblings.back()});
    if (printer)
      printer->printTreeEntry(indent, name, time, total);
  }
  void printTreeEntryEnd(unsigned indent, bool lastEntry) override {
    if (printer)
      printer->printTreeEntryEnd(indent, lastEntry);
  }

private:
  CompileReport &report;
  std::unique_ptr<OutputStrategy> printer;
  /// The open entries: indentation and the scope recorded for each.
  std::vector<std::pair<unsigned, CompileReport::TimedScope *>> stack;
};
} // namespace

std::unique_ptr<OutputStrategy>
mlir::autoglm::createTimingCapture(CompileReport &report, bool print) {
  return std::make_unique<TimingCapture>(report, print);
}

//===----------------------------------------------------------------------===//
// The report and the dependency file
//===----------------------------------------------------------------------===//

/// The file at `path`: its size and SHA-256 (hex), or a diagnostic.
static FailureOr<llvm::json::Object> describeFile(StringRef path,
                                                  Location loc) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                  /*RequiresNullTerminator=*/false);
  if (!buffer)
    return emitError(loc) << "cannot read '" << path << "' for the report: "
                          << buffer.getError().message();
  StringRef bytes = (*buffer)->getBuffer();
  std::array<uint8_t, 32> hash =
      llvm::SHA256::hash(llvm::arrayRefFromStringRef(bytes));
  return llvm::json::Object{{"path", path},
                            {"bytes", static_cast<int64_t>(bytes.size())},
                            {"sha256", llvm::toHex(hash, /*LowerCase=*/true)}};
}

/// Milliseconds, rounded.
static int64_t milliseconds(double seconds) {
  return static_cast<int64_t>(std::llround(seconds * 1000));
}

/// A phase and the steps in it (passes, emission's steps), without deeper
/// levels: how long each phase took, and where in it the time went.
static llvm::json::Value toJSON(const CompileReport::TimedScope &scope,
                                unsigned depth = 0) {
  llvm::json::Object object{{"name", scope.name},
                            {"wall_ms", milliseconds(scope.wallSeconds)}};
  if (!scope.children.empty() && depth == 0) {
    llvm::json::Array children;
    for (const CompileReport::TimedScope &child : scope.children)
      children.push_back(toJSON(child, depth + 1));
    object["steps"] = std::move(children);
  }
  return object;
}

static StringRef emitName(const CompileOptions &options) {
  if (options.stopAfter)
    return getPhaseName(*options.stopAfter);
  switch (options.emit) {
  case EmitKind::MLIR:
    return "mlir";
  case EmitKind::LLVM:
    return "llvm";
  case EmitKind::Object:
    return "obj";
  case EmitKind::Header:
    return "header";
  case EmitKind::StaticLibrary:
    return "lib";
  case EmitKind::SharedLibrary:
    return "so";
  case EmitKind::PTX:
    return "ptx";
  }
  return "";
}

/// An integer of the report, or null when it is 0 (no budget).
static llvm::json::Value budget(int64_t bytes) {
  return bytes > 0 ? llvm::json::Value(bytes) : llvm::json::Value(nullptr);
}

static FailureOr<std::string> buildReport(const CompileOptions &options,
                                          const CompileReport &report,
                                          Location loc) {
  FailureOr<llvm::json::Object> model = describeFile(options.inputPath, loc);
  if (failed(model))
    return failure();
  llvm::json::Array dataFiles;
  for (const std::string &path : options.inputDataFiles) {
    FailureOr<llvm::json::Object> file = describeFile(path, loc);
    if (failed(file))
      return failure();
    dataFiles.push_back(std::move(*file));
  }
  (*model)["external_data"] = std::move(dataFiles);

  llvm::json::Object optionsJSON{
      {"emit", emitName(options)},
      {"target", options.target},
      {"model_name", options.modelName},
      {"weights", options.externalWeights ? "external" : "embed"},
      {"target_triple", options.host.triple},
      {"cpu", options.host.cpu},
      {"opt_level", static_cast<int64_t>(options.host.optLevel)},
      {"disabled_passes", llvm::json::Array(options.disabledPasses)},
      {"arguments", llvm::json::Array(options.arguments)}};
  if (options.target == "cuda")
    optionsJSON["gpu_archs"] = llvm::json::Array(options.device.archs);
  else
    optionsJSON["cpu_threads"] = options.host.threadCount();

  llvm::json::Object kernels{{"count", report.kernels}};
  llvm::json::Object byKind;
  for (const auto &[kind, count] : report.kernelsByKind)
    byKind[kind] = count;
  kernels["by_kind"] = std::move(byKind);
  if (options.target == "cuda")
    kernels["device_kernels"] = llvm::json::Array(report.deviceKernels);

  llvm::json::Object memory{{"arena_bytes", nullptr},
                            {"lower_bound_bytes", nullptr},
                            {"plan", nullptr}};
  if (report.memory) {
    if (const llvm::json::Object *plan = report.memory->getAsObject()) {
      if (const llvm::json::Value *arena = plan->get("arena_bytes"))
        memory["arena_bytes"] = *arena;
      if (const llvm::json::Value *bound = plan->get("lower_bound_bytes"))
        memory["lower_bound_bytes"] = *bound;
    }
    memory["plan"] = *report.memory;
  }

  llvm::json::Array phases;
  for (const CompileReport::TimedScope &scope : report.times)
    phases.push_back(toJSON(scope));

  llvm::json::Object root{
      {"autoglm_report", 1},
      {"input", std::move(*model)},
      {"target", options.target},
      {"options", std::move(optionsJSON)},
      {"graph_passes", llvm::json::Array(report.graphPasses)},
      {"kernels", std::move(kernels)},
      {"memory", std::move(memory)},
      {"weights", llvm::json::Object{{"bytes", report.weightsBytes},
                                     {"file_bytes", report.weightsFileBytes}}},
      {"budgets",
       llvm::json::Object{{"memory_bytes", budget(options.memoryBudget)},
                          {"weights_bytes", budget(options.weightsBudget)},
                          {"kernels", budget(options.kernelBudget)}}},
      {"compile_time",
       llvm::json::Object{{"total_ms", milliseconds(report.totalSeconds)},
                          {"phases", std::move(phases)}}}};
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(root))) << "\n";
  return text;
}

/// A path as Make and Ninja read it: spaces and '#' escaped with a
/// backslash, '$' doubled.
static std::string escapeForMake(StringRef path) {
  std::string escaped;
  for (char c : path) {
    if (c == ' ' || c == '#')
      escaped += '\\';
    else if (c == '$')
      escaped += '$';
    escaped += c;
  }
  return escaped;
}

static std::string buildDepfile(const CompileOptions &options) {
  std::string text = escapeForMake(options.outputPath) + ":";
  SmallVector<std::string> inputs = {options.inputPath};
  llvm::append_range(inputs, options.inputDataFiles);
  for (std::string &input : inputs) {
    SmallString<256> path(input);
    llvm::sys::fs::make_absolute(path);
    llvm::sys::path::remove_dots(path, /*remove_dot_dot=*/true);
    text += " \\\n  " + escapeForMake(path);
  }
  return text + "\n";
}

/// Writes `text` to the pending output for `path`.
static LogicalResult writePending(PendingOutputs &outputs, StringRef path,
                                  StringRef text, Location loc) {
  FailureOr<std::string> temp = outputs.create(path, loc);
  if (failed(temp))
    return failure();
  std::error_code error;
  llvm::raw_fd_ostream os(*temp, error);
  if (!error) {
    os << text;
    os.close();
    if (os.has_error())
      error = os.error();
  }
  if (error)
    return emitError(loc) << "cannot write '" << path
                          << "': " << error.message();
  return success();
}

LogicalResult mlir::autoglm::finishCompilation(const CompileOptions &options,
                                               CompileState &state,
                                               Location loc) {
  state.progress.clear();
  if (!options.reportPath.empty()) {
    FailureOr<std::string> text = buildReport(options, state.report, loc);
    if (failed(text) ||
        failed(writePending(state.outputs, options.reportPath, *text, loc)))
      return failure();
  }
  if (!options.depfilePath.empty() &&
      failed(writePending(state.outputs, options.depfilePath,
                          buildDepfile(options), loc)))
    return failure();
  return state.outputs.commit(loc);
}
