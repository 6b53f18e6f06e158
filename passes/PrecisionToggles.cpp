//===- PrecisionToggles.cpp - products kept in f32, toggled products ------===//
//
// A select per toggled product rather than one build per variant: the
// budget measures every layer alone and then prefixes of the ranking, and
// with the toggles as inputs all those variants are runs of one build
// (docs/decisions.md, "One sensitivity build with run-time toggles").
// The select, unlike a blend y_f32 + t (y_low - y_f32), gives the float32
// result exactly when the toggle is off, even where the lowered result
// overflows.
//
//===----------------------------------------------------------------------===//

#include "PrecisionToggles.h"

#include "autoglm/Dialect/AutoGLM.h"
#include "autoglm/Passes/Report.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;
using namespace mlir::autoglm;

static constexpr StringLiteral kKeepAttr = "autoglm.keep_precision";

bool mlir::autoglm::isKeptInFloat32(Operation *op) {
  return op->hasAttr(kKeepAttr);
}

LogicalResult mlir::autoglm::keepInFloat32(ModuleOp module,
                                           ArrayRef<Operation *> candidates,
                                           ArrayRef<std::string> nodes) {
  llvm::StringSet<> wanted, found;
  for (const std::string &node : nodes)
    wanted.insert(node);
  UnitAttr unit = UnitAttr::get(module.getContext());
  for (Operation *op : candidates) {
    std::string node = nodeNames(op->getLoc());
    if (!wanted.contains(node))
      continue;
    op->setAttr(kKeepAttr, unit);
    found.insert(node);
  }
  for (const std::string &node : nodes)
    if (!found.contains(node))
      return module.emitError()
             << "the precision to keep names node '" << node
             << "', which has no product this precision would lower";
  return success();
}

LogicalResult
mlir::autoglm::insertPrecisionToggles(ModuleOp module,
                                      ArrayRef<Operation *> candidates) {
  auto main = module.lookupSymbol<func::FuncOp>("main");
  if (!main || main.getBody().getBlocks().size() != 1)
    return module.emitError("precision toggles need one func.func @main");
  MLIRContext *context = module.getContext();
  OpBuilder b(context);
  auto toggleType = RankedTensorType::get({1}, b.getF32Type());
  StringAttr onnxName = AutoGLMDialect::OnnxNameAttrHelper(context).getName();
  // One toggle per ONNX node: its condition, computed once at the top.
  llvm::StringMap<Value> conditions;
  Block &body = main.getBody().front();
  for (Operation *op : candidates) {
    std::string node = nodeNames(op->getLoc());
    if (node.empty())
      node = "product";
    auto [it, inserted] = conditions.try_emplace(node);
    if (inserted) {
      unsigned index = main.getNumArguments();
      Location loc = NameLoc::get(b.getStringAttr(kToggleInputPrefix + node));
      if (failed(main.insertArgument(
              index, toggleType,
              b.getDictionaryAttr({NamedAttribute(
                  onnxName, b.getStringAttr(kToggleInputPrefix + node))}),
              loc)))
        return failure();
      b.setInsertionPointToStart(&body);
      auto half = RankedTensorType::get({}, b.getF32Type());
      Value threshold = ConstantOp::create(
          b, loc, half,
          DenseElementsAttr::get(half, b.getF32FloatAttr(0.5f).getValue()));
      it->second = CmpOp::create(
          b, loc, CmpPredicateAttr::get(context, CmpPredicate::gt),
          main.getArgument(index), threshold);
    }
    b.setInsertionPoint(op);
    Operation *reference = b.clone(*op);
    reference->setAttr(kKeepAttr, b.getUnitAttr());
    b.setInsertionPointAfter(op);
    Value lowered = op->getResult(0);
    auto select = SelectOp::create(b, op->getLoc(), it->second, lowered,
                                   reference->getResult(0));
    lowered.replaceAllUsesExcept(select, select);
  }
  return success();
}

void mlir::autoglm::clearPrecisionMarks(ModuleOp module) {
  module.walk([](Operation *op) { op->removeAttr(kKeepAttr); });
}
