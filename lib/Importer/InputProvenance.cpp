//===- InputProvenance.cpp - which graph input decides a value ------------===//

#include "InputProvenance.h"

#include "autoglm/Dialect/AutoGLM.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseSet.h"

using namespace mlir;

namespace autoglm::importer {
std::string integerInputDeciding(ValueRange values) {
  SmallVector<Value> pending(values.begin(), values.end());
  DenseSet<Value> seen;
  std::string found;
  while (!pending.empty()) {
    Value value = pending.pop_back_val();
    if (!value || !seen.insert(value).second)
      continue;
    auto arg = dyn_cast<BlockArgument>(value);
    if (!arg) {
      // What a region computes (a run-time If's branches) is not followed.
      Operation *op = value.getDefiningOp();
      if (op->getNumRegions() != 0)
        return "";
      llvm::append_range(pending, op->getOperands());
      continue;
    }
    // A region's argument (a run-time loop's carried value) is not fixed
    // by any one input; nor is a symbolic dimension of a graph input.
    auto func = dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp());
    auto type = dyn_cast<RankedTensorType>(arg.getType());
    if (!func || !type || !type.hasStaticShape())
      return "";
    if (!type.getElementType().isInteger())
      continue;
    auto name = func.getArgAttrOfType<StringAttr>(
        arg.getArgNumber(),
        mlir::autoglm::AutoGLMDialect::OnnxNameAttrHelper(value.getContext())
            .getName());
    if (!name || (!found.empty() && found != name.getValue()))
      return "";
    found = name.str();
  }
  return found;
}
} // namespace autoglm::importer
