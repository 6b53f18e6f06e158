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
// node is rewritten only when the mass it keeps on calibration data, under
// the selection of its granularity (keys, or pages), is high enough on
// average and in its worst rows:
//
//   kept-dense-low-mass          mean below min-mass or 5th pct below min-p5
//   kept-dense-unmeasured        no measurement for the node (none in the
//                                data, or no name of its own to find it by)
//
// Page granularity (`page-size`): the kernel chooses pages of keys from
// per-page key bounds (elementwise min and max of the page's key rows), so
// a step reads the bounds and the chosen pages only. The bounds live beside
// the KV cache, as the cache does, outside the model: for a key cache input
// X the function gains the inputs X.page_min and X.page_max (the bounds of
// the keys the attention reads, pages of the new keys included and
// ignored), and when the step's new keys follow the cache (concat along the
// sequence), the outputs X.new_page_min and X.new_page_max: the bounds of
// the pages the new keys touch, recomputed from the keys, which the caller
// stores as it stores the new keys. The kernel scores with the input
// bounds and these. Attention that reads no such cache, or whose key
// length the page size does not divide, stays dense:
//
//   kept-dense-no-key-cache      the keys are not a function input (followed
//                                by new keys)
//   kept-dense-page-misaligned   the page size does not divide the keys
//
//===----------------------------------------------------------------------===//

#include "DecodeAttention.h"
#include "autoglm/Dialect/AttentionCache.h"
#include "autoglm/Passes/Passes.h"
#include "autoglm/Passes/Report.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
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
    // Token granularity's files have no page size.
    if (measuredBudget->getInteger("k") != int64_t(topK) ||
        measuredBudget->getInteger("sink") != int64_t(sink) ||
        measuredBudget->getInteger("window") != int64_t(window) ||
        measuredBudget->getInteger("page_size").value_or(0) !=
            int64_t(pageSize))
      return fail(
          llvm::formatv("measured with another budget than k={0}, sink={1}, "
                        "window={2}, {3}",
                        int64_t(topK), int64_t(sink), int64_t(window),
                        pageSize > 0 ? "page size " + std::to_string(pageSize)
                                     : std::string("token granularity"))
              .str());
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
    if (pageSize < 0)
      return emitError(loc)
             << "--autoglm-sparse-attention needs page-size >= 0 (0: token "
                "granularity), got "
             << int64_t(pageSize);
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
    if (rule == "topk-attention" && pageSize > 0)
      rule = pageRule(op);
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

  /// Page granularity: the key cache input `op` reads, and where the new
  /// keys start (the cache's length), or a null argument when the keys are
  /// not a cache of the function that holds `op`.
  static std::pair<BlockArgument, int64_t> keyCache(AttentionOp op) {
    auto func = op->getParentOfType<func::FuncOp>();
    auto isInput = [&](Value v) {
      auto arg = dyn_cast<BlockArgument>(v);
      return arg && func && arg.getOwner() == &func.getBody().front()
                 ? arg
                 : BlockArgument();
    };
    // The keys as the cache holds them: B x Hkv x S x D, or B x S x Hkv·D
    // split into heads and transposed (a decoder graph's flat cache).
    Value key = op.getKey();
    int64_t axis = 2;
    auto transpose = key.getDefiningOp<TransposeOp>();
    auto heads = transpose ? transpose.getInput().getDefiningOp<ReshapeOp>()
                           : ReshapeOp();
    if (heads && !heads.getShape() &&
        transpose.getPermutation() == ArrayRef<int64_t>{0, 2, 1, 3}) {
      auto flat = cast<ShapedType>(heads.getInput().getType());
      auto split = cast<ShapedType>(heads.getType());
      if (flat.getRank() == 3 &&
          flat.getShape().take_front(2) == split.getShape().take_front(2)) {
        key = heads.getInput();
        axis = 1;
      }
    }
    int64_t keys = cast<ShapedType>(key.getType()).getDimSize(axis);
    if (BlockArgument arg = isInput(key))
      return {arg, keys};
    auto concat = key.getDefiningOp<ConcatOp>();
    if (!concat || int64_t(concat.getAxis()) != axis ||
        concat.getInputs().size() < 2)
      return {};
    BlockArgument arg = isInput(concat.getInputs().front());
    if (!arg)
      return {};
    return {arg, cast<ShapedType>(arg.getType()).getDimSize(axis)};
  }

  /// The page rule for `op`, which the token rules rewrite.
  StringRef pageRule(AttentionOp op) const {
    int64_t keys = cast<ShapedType>(op.getKey().getType()).getDimSize(2);
    if (!keyCache(op).first)
      return "kept-dense-no-key-cache";
    if (keys % pageSize != 0)
      return "kept-dense-page-misaligned";
    return "topk-attention";
  }

  /// The bounds `op` scores pages with: new inputs of the function named
  /// after the key cache and, when new keys follow the cache, the input
  /// bounds with the pages of the new keys recomputed; those pages' bounds
  /// become outputs. One pair per key tensor.
  std::pair<Value, Value>
  pageBounds(OpBuilder &b, AttentionOp op,
             DenseMap<Value, std::pair<Value, Value>> &made) const {
    Value key = op.getKey();
    if (auto it = made.find(key); it != made.end())
      return it->second;
    auto [cache, cacheKeys] = keyCache(op);
    auto func = op->getParentOfType<func::FuncOp>();
    MLIRContext *context = op.getContext();
    Location loc = op.getLoc();
    auto keyType = cast<RankedTensorType>(key.getType());
    int64_t batch = keyType.getDimSize(0), heads = keyType.getDimSize(1),
            keys = keyType.getDimSize(2), depth = keyType.getDimSize(3);
    int64_t pages = keys / pageSize;
    auto boundsType = RankedTensorType::get({batch, heads, pages, depth},
                                            keyType.getElementType());
    StringAttr onnxName = AutoGLMDialect::OnnxNameAttrHelper(context).getName();
    std::string cacheName;
    if (auto name =
            func.getArgAttrOfType<StringAttr>(cache.getArgNumber(), onnxName))
      cacheName = name.str();
    else
      cacheName = "input" + std::to_string(cache.getArgNumber());
    auto named = [&](const Twine &name) {
      return DictionaryAttr::get(
          context,
          {NamedAttribute(onnxName, StringAttr::get(context, name.str()))});
    };
    Value given[2];
    StringRef suffixes[2] = {"page_min", "page_max"};
    for (int i = 0; i < 2; ++i) {
      unsigned at = func.getNumArguments();
      if (failed(func.insertArgument(
              at, boundsType, named(cacheName + "." + suffixes[i]), loc)))
        llvm_unreachable("appending an argument cannot fail");
      given[i] = func.getArgument(at);
    }
    if (cacheKeys == keys) // the whole key tensor is the input
      return made[key] = {given[0], given[1]};

    // The pages from the first new key on, recomputed from the keys.
    int64_t firstPage = cacheKeys / pageSize;
    int64_t fresh = pages - firstPage;
    Value tail = sliceAtSource(b, loc, key, 2, firstPage * pageSize, keys);
    Value paged = ReshapeOp::create(
        b, loc,
        RankedTensorType::get({batch, heads, fresh, pageSize, depth},
                              keyType.getElementType()),
        tail, Value());
    auto freshType = RankedTensorType::get({batch, heads, fresh, depth},
                                           keyType.getElementType());
    Value newPages[2], scored[2];
    ReduceKind kinds[2] = {ReduceKind::min, ReduceKind::max};
    for (int i = 0; i < 2; ++i) {
      newPages[i] = ReduceOp::create(
          b, loc, freshType, ReduceKindAttr::get(context, kinds[i]), paged,
          b.getDenseI64ArrayAttr({3}), UnitAttr());
      scored[i] = firstPage == 0
                      ? newPages[i]
                      : ConcatOp::create(b, loc, boundsType,
                                         ValueRange{sliceRows(b, loc, given[i],
                                                              2, 0, firstPage),
                                                    newPages[i]},
                                         2)
                            .getResult();
    }
    // The new pages' bounds become outputs: the caller writes them beside
    // its other pages' bounds, as it writes the new keys beside the cache,
    // so no step copies the bounds it did not change.
    auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
    SmallVector<Value> results(ret.getOperands());
    SmallVector<DictionaryAttr> attrs;
    func.getAllResultAttrs(attrs);
    attrs.resize(results.size());
    for (int i = 0; i < 2; ++i) {
      results.push_back(newPages[i]);
      attrs.push_back(named(cacheName + ".new_" + suffixes[i]));
    }
    ret->setOperands(results);
    func.setFunctionType(FunctionType::get(context, func.getArgumentTypes(),
                                           ValueRange(results).getTypes()));
    func.setAllResultAttrs(attrs);
    return made[key] = {scored[0], scored[1]};
  }

  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    DenseMap<Value, std::pair<Value, Value>> bounds;
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
      Value pageMin, pageMax;
      IntegerAttr page;
      if (pageSize > 0) {
        std::tie(pageMin, pageMax) = pageBounds(rewriter, op, bounds);
        page = rewriter.getI64IntegerAttr(pageSize);
      }
      rewriter.replaceOpWithNewOp<TopKAttentionOp>(
          op, op.getType(), op.getQuery(), op.getKey(), op.getValue(),
          op.getMask(), pageMin, pageMax, op.getScaleAttr(), op.getCausalAttr(),
          rewriter.getI64IntegerAttr(topK), rewriter.getI64IntegerAttr(sink),
          rewriter.getI64IntegerAttr(window), page);
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
    if (pageSize > 0)
      root.getObject("budget")->insert({"page_size", int64_t(pageSize)});
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
