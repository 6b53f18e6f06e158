//===- SparseAttention.cpp - decode attention as top-k attention ----------===//
//
// --autoglm-sparse-attention (k, sink, window, max-queries): every
// `autoglm.attention` that is decode attention becomes an
// `autoglm.topk_attention` with the same operands, scale and causal limit.
//
// Decode attention is what gains: a few queries against a long key cache
// are bound by reading the keys and values, and the top-k kernel reads
// every key once but only the kept value rows, and computes the softmax
// over the kept scores alone. Prefill and encoders (many queries) compute
// every score anyway and gain nothing, while losing accuracy; a key set no
// longer than the budget would keep every key. Those stay dense, and the
// optimization report says so per ONNX node:
//
//   topk-attention               rewritten
//   kept-dense-many-queries      more than max-queries queries (prefill)
//   kept-dense-short-keys        at most k + sink + window keys
//   kept-dense-dynamic-shape     query or key length unknown at compile time
//
// The gate (`mass`, --sparse-attention=auto): the budget keeps a different
// share of the attention probability in each layer (the first layer of a
// trained decoder spreads its attention; docs/sparse-attention.md), so a
// node is rewritten only when the mass it keeps on calibration data is
// high enough on average and in its worst rows:
//
//   kept-dense-low-mass          mean below min-mass or 5th pct below min-p5
//   kept-dense-unmeasured        no measurement for the node (none in the
//                                data, or no name of its own to find it by)
//
//===----------------------------------------------------------------------===//

#include "DecodeAttention.h"
#include "autoglm/Passes/Passes.h"
#include "autoglm/Passes/Report.h"

#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_SPARSEATTENTION
#include "autoglm/Passes/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {
// The pass argument: the optimization report lists rules under it.
constexpr StringLiteral kPass = "autoglm-sparse-attention";

/// What calibration measured of one attention node (AttentionMass.h in
/// tools/autoglm-run writes it).
struct Mass {
  int64_t rows = 0;
  double mean = 0, p5 = 0, min = 0;
};

struct SparseAttentionPass
    : autoglm::impl::SparseAttentionBase<SparseAttentionPass> {
  using SparseAttentionBase::SparseAttentionBase;

  /// The measurements of `mass`, by node name.
  llvm::StringMap<Mass> masses;
  int64_t sets = 0;

  /// Reads `mass`; an error naming the file for anything it cannot use.
  LogicalResult readMasses(Location loc) {
    auto fail = [&](const Twine &why) {
      return emitError(loc) << "attention mass file '" << mass << "': " << why;
    };
    auto buffer = llvm::MemoryBuffer::getFile(mass);
    if (!buffer)
      return fail(buffer.getError().message());
    llvm::Expected<llvm::json::Value> parsed =
        llvm::json::parse((*buffer)->getBuffer());
    if (!parsed)
      return fail(llvm::toString(parsed.takeError()));
    const llvm::json::Object *root = parsed->getAsObject();
    if (!root || root->getString("format") != "autoglm-attention-mass-1")
      return fail("not an autoglm-attention-mass-1 file");
    const llvm::json::Object *measuredBudget = root->getObject("budget");
    const llvm::json::Object *nodes = root->getObject("nodes");
    if (!measuredBudget || !nodes)
      return fail("no budget or nodes");
    if (measuredBudget->getInteger("k") != int64_t(topK) ||
        measuredBudget->getInteger("sink") != int64_t(sink) ||
        measuredBudget->getInteger("window") != int64_t(window))
      return fail("measured with another budget than k=" +
                  Twine(int64_t(topK)) + ", sink=" + Twine(int64_t(sink)) +
                  ", window=" + Twine(int64_t(window)));
    sets = root->getInteger("sets").value_or(0);
    for (const auto &[name, value] : *nodes) {
      const llvm::json::Object *node = value.getAsObject();
      std::optional<int64_t> rows = node ? node->getInteger("rows") : 0;
      if (!node || !rows)
        return fail("node '" + name.str() + "' has no row count");
      Mass &entry = masses[name.str()];
      entry.rows = *rows;
      if (entry.rows == 0)
        continue;
      std::optional<double> mean = node->getNumber("mean"),
                            p5 = node->getNumber("p5"),
                            min = node->getNumber("min");
      if (!mean || !p5 || !min)
        return fail("node '" + name.str() + "' has no mean, p5 or min");
      entry.mean = *mean;
      entry.p5 = *p5;
      entry.min = *min;
    }
    return success();
  }

  LogicalResult initialize(MLIRContext *context) override {
    Location loc = UnknownLoc::get(context);
    if (topK < 1 || sink < 0 || window < 0 || maxQueries < 1)
      return emitError(loc)
             << "--autoglm-sparse-attention needs k >= 1, sink >= 0, window "
                ">= 0 and max-queries >= 1 (got k="
             << int64_t(topK) << ", sink=" << int64_t(sink)
             << ", window=" << int64_t(window)
             << ", max-queries=" << int64_t(maxQueries) << ")";
    if (!(minMass >= 0 && minMass <= 1 && minP5 >= 0 && minP5 <= 1))
      return emitError(loc)
             << "--autoglm-sparse-attention needs min-mass and min-p5 in [0, "
                "1] (got "
             << llvm::formatv("{0} and {1}", double(minMass), double(minP5))
                    .str()
             << ")";
    masses.clear();
    if (mass.empty())
      return success();
    return readMasses(loc);
  }

  /// The rule for `op`, and the mass behind it when the gate decided.
  std::pair<StringRef, const Mass *> decide(AttentionOp op) const {
    StringRef rule =
        classifyDecodeAttention(op, {topK, sink, window, maxQueries});
    if (rule != "topk-attention" || mass.empty())
      return {rule, nullptr};
    auto it = masses.find(attentionNodeName(op));
    if (it == masses.end() || it->second.rows == 0)
      return {"kept-dense-unmeasured", nullptr};
    const Mass &measured = it->second;
    if (measured.mean >= minMass && measured.p5 >= minP5)
      return {rule, &measured};
    return {"kept-dense-low-mass", &measured};
  }

  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<AttentionOp> attentions;
    getOperation().walk([&](AttentionOp op) { attentions.push_back(op); });
    llvm::json::Array decisions;
    for (AttentionOp op : attentions) {
      auto [rule, measured] = decide(op);
      std::string note;
      llvm::json::Object decision{{"node", attentionNodeName(op)},
                                  {"decision", rule}};
      if (measured) {
        llvm::raw_string_ostream(note) << llvm::format(
            "kept mass mean %.3f, p5 %.3f", measured->mean, measured->p5);
        decision["mass"] = llvm::json::Object{{"rows", measured->rows},
                                              {"mean", measured->mean},
                                              {"p5", measured->p5},
                                              {"min", measured->min}};
      }
      decisions.push_back(std::move(decision));
      recordRewrite(op->getContext(), kPass, rule, {op.getLoc()}, note);
      if (rule != "topk-attention")
        continue;
      rewriter.setInsertionPoint(op);
      rewriter.replaceOpWithNewOp<TopKAttentionOp>(
          op, op.getType(), op.getQuery(), op.getKey(), op.getValue(),
          op.getMask(), op.getScaleAttr(), op.getCausalAttr(),
          rewriter.getI64IntegerAttr(topK), rewriter.getI64IntegerAttr(sink),
          rewriter.getI64IntegerAttr(window));
    }
    if (!report.empty() && failed(writeReport(std::move(decisions))))
      signalPassFailure();
  }

  /// The JSON report: the budget, the gate, and each attention node's
  /// decision with its measured mass.
  LogicalResult writeReport(llvm::json::Array decisions) {
    llvm::json::Object root{
        {"format", "autoglm-sparse-attention-1"},
        {"budget", llvm::json::Object{{"k", int64_t(topK)},
                                      {"sink", int64_t(sink)},
                                      {"window", int64_t(window)},
                                      {"max_queries", int64_t(maxQueries)}}},
        {"nodes", std::move(decisions)}};
    if (!mass.empty())
      root["gate"] = llvm::json::Object{{"min_mass", double(minMass)},
                                        {"min_p5", double(minP5)},
                                        {"calibration_sets", sets}};
    std::error_code error;
    llvm::raw_fd_ostream os(report, error, llvm::sys::fs::OF_Text);
    if (error)
      return getOperation().emitError()
             << "cannot write the sparse attention report '" << report
             << "': " << error.message();
    os << llvm::formatv("{0:2}", llvm::json::Value(std::move(root))) << "\n";
    return success();
  }
};
} // namespace
