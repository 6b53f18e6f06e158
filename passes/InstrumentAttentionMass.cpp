//===- InstrumentAttentionMass.cpp - return what attention mass reads -----===//
//
// --autoglm-instrument-attention-mass: the float model `autoglm-opt
// --sparse-attention=auto` builds to measure, on calibration data, how much
// of each decode attention's probability the top-k budget keeps. The
// query, key and mask of every attention the rewrite would consider become
// extra results of @main; `autoglm-run --attention-mass` recomputes the
// scores and the selection from them (tools/autoglm-run/AttentionMass.h
// names the outputs). Returning the operands rather than computing the
// mass in the model needs no new op or kernel, and costs the bytes of the
// keys once per attention and set, which the host has.
//
//===----------------------------------------------------------------------===//

#include "DecodeAttention.h"
#include "autoglm/Passes/Passes.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Format.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_INSTRUMENTATTENTIONMASS
#include "autoglm/Passes/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {
constexpr StringLiteral kPrefix = "autoglm.attention-mass:";

struct InstrumentAttentionMass
    : autoglm::impl::InstrumentAttentionMassBase<InstrumentAttentionMass> {
  using InstrumentAttentionMassBase::InstrumentAttentionMassBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *context = &getContext();
    auto main = module.lookupSymbol<func::FuncOp>("main");
    if (!main || main.getBody().getBlocks().size() != 1) {
      module.emitError("instrument-attention-mass needs one func.func @main");
      return signalPassFailure();
    }
    DecodeBudget budget{topK, sink, window, maxQueries};
    auto ret = cast<func::ReturnOp>(main.getBody().front().getTerminator());
    SmallVector<Value> results(ret.getOperands());
    SmallVector<DictionaryAttr> attrs;
    main.getAllResultAttrs(attrs);
    attrs.resize(results.size());
    StringAttr onnxName = AutoGLMDialect::OnnxNameAttrHelper(context).getName();
    auto addResult = [&](Value value, const Twine &name) {
      results.push_back(value);
      attrs.push_back(DictionaryAttr::get(
          context,
          {NamedAttribute(onnxName, StringAttr::get(context, name.str()))}));
    };
    // Only attention in @main's body: its operands are values the function
    // can return (not the block arguments of a kernel region). The gate
    // looks measurements up by node name, so a node without a name, or
    // with the name of another, is not measured (and stays dense).
    SmallVector<AttentionOp> measured;
    llvm::StringMap<int> nameCounts;
    for (auto op : main.getBody().front().getOps<AttentionOp>()) {
      if (classifyDecodeAttention(op, budget) != "topk-attention")
        continue;
      measured.push_back(op);
      ++nameCounts[attentionNodeName(op)];
    }
    int64_t index = 0;
    for (AttentionOp op : measured) {
      std::string name = attentionNodeName(op);
      if (name.empty() || nameCounts[name] > 1)
        continue;
      std::string scale;
      llvm::raw_string_ostream(scale)
          << llvm::format("%.17g", op.getScale().convertToDouble());
      addResult(op.getQuery(), Twine(kPrefix) + "query:" + Twine(index) + ":" +
                                   scale + ":" + (op.getCausal() ? "1" : "0") +
                                   ":" + name);
      addResult(op.getKey(), Twine(kPrefix) + "key:" + Twine(index));
      if (Value mask = op.getMask())
        addResult(mask, Twine(kPrefix) + "mask:" + Twine(index));
      ++index;
    }
    ret->setOperands(results);
    main.setFunctionType(FunctionType::get(context, main.getArgumentTypes(),
                                           ValueRange(results).getTypes()));
    main.setAllResultAttrs(attrs);
  }
};
} // namespace
