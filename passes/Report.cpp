//===- Report.cpp - what the graph passes did, in the user's words --------===//

#include "autoglm/Passes/Report.h"

#include "autoglm/Dialect/AutoGLM.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Pass/Pass.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::autoglm;

std::string mlir::autoglm::nodeNames(Location loc) {
  return llvm::join(getNodeNames(loc), ", ");
}

namespace {
/// The report collecting for each context. Contexts are few and reports
/// short-lived, so a global map under a lock is simplest; passes reach it
/// without the driver having to thread anything through them.
struct ActiveReports {
  llvm::sys::SmartMutex<true> mutex;
  llvm::DenseMap<MLIRContext *, OptimizationReport *> byContext;
};
ActiveReports &activeReports() {
  static ActiveReports reports;
  return reports;
}

/// Ops that do work: everything inside functions but constants and
/// terminators. Constants are counted separately.
struct OpCounts {
  int64_t compute = 0, constants = 0;
};
OpCounts countOps(Operation *root) {
  OpCounts counts;
  root->walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (op == root || isa<ModuleOp>(op) ||
        op->hasTrait<OpTrait::IsTerminator>() ||
        op->hasTrait<OpTrait::SymbolTable>() || isa<SymbolOpInterface>(op))
      return WalkResult::advance();
    if (matchPattern(op, m_Constant())) {
      ++counts.constants;
      return WalkResult::advance();
    }
    ++counts.compute;
    // A region op isolated from above (autoglm.fused) becomes one kernel:
    // it counts once, its body not at all, so fusion shows as fewer ops.
    return op->hasTrait<OpTrait::IsIsolatedFromAbove>() ? WalkResult::skip()
                                                        : WalkResult::advance();
  });
  return counts;
}

/// The pass managers' adaptors (which nest pipelines) have no argument;
/// only the passes the user names are reported.
bool isNamed(Pass *pass) { return !pass->getArgument().empty(); }
} // namespace

void mlir::autoglm::recordRewrite(MLIRContext *context, StringRef pass,
                                  StringRef rule, ArrayRef<Location> locs,
                                  StringRef note) {
  ActiveReports &active = activeReports();
  OptimizationReport *report;
  {
    llvm::sys::SmartScopedLock<true> lock(active.mutex);
    report = active.byContext.lookup(context);
  }
  if (!report)
    return;
  SmallVector<std::string> names;
  for (Location loc : locs)
    if (std::string name = nodeNames(loc);
        !name.empty() && !llvm::is_contained(names, name))
      names.push_back(name);
  std::string nodes = llvm::join(names, " + ");
  if (!note.empty())
    nodes += " (" + note.str() + ")";
  report->record(pass, rule, std::move(nodes));
}

OptimizationReport::OptimizationReport(MLIRContext *context, raw_ostream &os)
    : context(context), os(os) {
  ActiveReports &active = activeReports();
  llvm::sys::SmartScopedLock<true> lock(active.mutex);
  active.byContext[context] = this;
}

OptimizationReport::~OptimizationReport() {
  {
    ActiveReports &active = activeReports();
    llvm::sys::SmartScopedLock<true> lock(active.mutex);
    if (active.byContext.lookup(context) == this)
      active.byContext.erase(context);
  }
  print(os);
}

OptimizationReport::PassRun &OptimizationReport::runOf(StringRef pass) {
  for (PassRun &run : llvm::reverse(runs))
    if (run.pass == pass)
      return run;
  runs.push_back(PassRun{pass.str(), 0, -1, 0, 0, false, {}});
  return runs.back();
}

void OptimizationReport::runBeforePass(Pass *pass, Operation *op) {
  llvm::sys::SmartScopedLock<true> lock(mutex);
  // An adaptor or a top-level pass starting ends the runs of nested passes
  // (one per function, maybe on several threads) before it.
  if (!isNamed(pass) || !op->getParentOp())
    for (PassRun &run : runs)
      run.open = false;
  if (!isNamed(pass))
    return;
  PassRun *run = nullptr;
  for (PassRun &candidate : llvm::reverse(runs))
    if (candidate.open && candidate.pass == pass->getArgument()) {
      run = &candidate;
      break;
    }
  if (!run) {
    runs.push_back(PassRun{pass->getArgument().str(), 0, -1, 0, 0, false, {}});
    run = &runs.back();
    run->open = op->getParentOp() != nullptr;
  }
  OpCounts counts = countOps(op);
  run->opsBefore += counts.compute;
  run->constantsBefore += counts.constants;
}

void OptimizationReport::runAfterPass(Pass *pass, Operation *op) {
  if (!isNamed(pass))
    return;
  OpCounts counts = countOps(op);
  llvm::sys::SmartScopedLock<true> lock(mutex);
  PassRun &run = runOf(pass->getArgument());
  if (run.opsAfter < 0)
    run.opsAfter = 0;
  run.opsAfter += counts.compute;
  run.constantsAfter += counts.constants;
}

void OptimizationReport::runAfterPassFailed(Pass *pass, Operation *op) {
  runAfterPass(pass, op);
}

void OptimizationReport::record(StringRef pass, StringRef rule,
                                std::string nodes) {
  llvm::sys::SmartScopedLock<true> lock(mutex);
  auto &rules = runOf(pass).rules;
  auto it = llvm::find_if(
      rules, [&](const auto &entry) { return entry.first == rule; });
  if (it == rules.end())
    it = rules.insert(rules.end(), {rule.str(), {}});
  it->second.push_back(std::move(nodes));
}

void OptimizationReport::print(raw_ostream &out) const {
  llvm::sys::SmartScopedLock<true> lock(mutex);
  out << "=== AutoGLM optimization report ===\n";
  for (const PassRun &run : runs) {
    out << run.pass << ": ";
    if (run.opsAfter >= 0)
      out << run.opsBefore << " -> " << run.opsAfter << " ops, "
          << run.constantsBefore << " -> " << run.constantsAfter
          << " constants";
    out << "\n";
    for (const auto &[rule, nodes] : run.rules) {
      out << "  " << rule << " x" << nodes.size();
      // Name the nodes; a rule that fired very often names the first few.
      constexpr size_t shown = 8;
      StringRef sep = ": ";
      for (size_t i = 0; i < std::min(shown, nodes.size()); ++i) {
        out << sep << (nodes[i].empty() ? "<unnamed>" : nodes[i]);
        sep = "; ";
      }
      if (nodes.size() > shown)
        out << "; ... (" << nodes.size() - shown << " more)";
      out << "\n";
    }
  }
  out.flush();
}

llvm::json::Array OptimizationReport::toJSON() const {
  llvm::sys::SmartScopedLock<true> lock(mutex);
  llvm::json::Array array;
  for (const PassRun &run : runs) {
    llvm::json::Object rules;
    for (const auto &[rule, nodes] : run.rules)
      rules[rule] = static_cast<int64_t>(nodes.size());
    llvm::json::Object entry{{"pass", run.pass}, {"rules", std::move(rules)}};
    if (run.opsAfter >= 0) {
      entry["ops_before"] = run.opsBefore;
      entry["ops_after"] = run.opsAfter;
      entry["constants_before"] = run.constantsBefore;
      entry["constants_after"] = run.constantsAfter;
    }
    array.push_back(std::move(entry));
  }
  return array;
}
