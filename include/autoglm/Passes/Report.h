//===- Report.h - what the graph passes did, in user terms ------*- C++ -*-===//
//
// The graph passes (--autoglm-fold-constants, --autoglm-fuse, ...) record
// each rewrite they make with the ONNX node names it touched; the driver's
// --print-optimization-report prints them with the op counts before and
// after every pass:
//
//   autoglm::recordRewrite(op->getContext(), "fold-constants",
//                          "batch-norm-into-conv", {conv.getLoc(),
//                          bn.getLoc()});
//
// Recording costs nothing unless a report is being collected for the
// context (an OptimizationReport instrumentation is alive for it).
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_PASSES_REPORT_H
#define AUTOGLM_PASSES_REPORT_H

#include "mlir/IR/Location.h"
#include "mlir/Pass/PassInstrumentation.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Mutex.h"

#include <string>
#include <vector>

namespace mlir::autoglm {
/// autoglm::getNodeNames(loc) joined by ", "; "" when it has none.
std::string nodeNames(Location loc);

/// Records that `rule` of `pass` rewrote the ops at `locs`. A no-op unless an
/// OptimizationReport is collecting for `context`. Thread-safe. A `note`
/// follows the node names in parentheses (a measurement behind the rule).
void recordRewrite(MLIRContext *context, StringRef pass, StringRef rule,
                   ArrayRef<Location> locs, StringRef note = "");

/// A pass instrumentation that counts the ops before and after every pass
/// and collects what recordRewrite reports while it is alive. Prints the
/// report to `os` when destroyed (the pass manager owns it), so it works for
/// pass managers the driver does not control (MlirOptMain's).
class OptimizationReport : public PassInstrumentation {
public:
  OptimizationReport(MLIRContext *context, raw_ostream &os);
  ~OptimizationReport() override;

  void runBeforePass(Pass *pass, Operation *op) override;
  void runAfterPass(Pass *pass, Operation *op) override;
  void runAfterPassFailed(Pass *pass, Operation *op) override;

  void record(StringRef pass, StringRef rule, std::string nodes);
  void print(raw_ostream &os) const;
  /// The same as JSON, one object per pass run: {"pass", "ops_before",
  /// "ops_after", "constants_before", "constants_after", "rules": {rule:
  /// count}} (autoglm-opt --report).
  llvm::json::Array toJSON() const;

private:
  struct PassRun {
    std::string pass;
    /// Ops that do work (not constants, not terminators), and constants.
    int64_t opsBefore = 0, opsAfter = -1, constantsBefore = 0,
            constantsAfter = 0;
    /// A nested pass still running over the functions of one module.
    bool open = false;
    /// rule -> the node names of every rewrite, in order.
    std::vector<std::pair<std::string, std::vector<std::string>>> rules;
  };
  /// Runs in the order passes started; the runs of a nested pass over the
  /// functions of a module add up into one entry.
  std::vector<PassRun> runs;
  /// Records of a pass arrive while it runs; they go to its latest run.
  PassRun &runOf(StringRef pass);
  MLIRContext *context;
  raw_ostream &os;
  mutable llvm::sys::SmartMutex<true> mutex;
};
} // namespace mlir::autoglm

#endif // AUTOGLM_PASSES_REPORT_H
