//===- InferShapes.cpp - --autoglm-infer-shapes ---------------------------===//

#include "autoglm/Passes/Passes.h"

#include "mlir/IR/SymbolTable.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_INFERSHAPES
#include "autoglm/Passes/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {
/// The most refined type that agrees with both: static dims win over `?`.
/// Null when the two contradict each other.
Type meetTypes(Type current, Type inferred) {
  if (current == inferred)
    return current;
  auto a = dyn_cast<RankedTensorType>(current);
  auto b = dyn_cast<RankedTensorType>(inferred);
  if (!a || !b || a.getElementType() != b.getElementType() ||
      a.getRank() != b.getRank())
    return {};
  SmallVector<int64_t> shape;
  for (auto [x, y] : llvm::zip(a.getShape(), b.getShape())) {
    if (!ShapedType::isDynamic(x) && !ShapedType::isDynamic(y) && x != y)
      return {};
    shape.push_back(ShapedType::isDynamic(x) ? y : x);
  }
  return RankedTensorType::get(shape, a.getElementType(), a.getEncoding());
}

/// Refines the types of `values` towards `types`; reports a contradiction
/// on `op`. Sets `changed` when a type became more static.
LogicalResult refine(Operation *op, StringRef what, ValueRange values,
                     TypeRange types, bool &changed) {
  for (auto [value, type] : llvm::zip(values, types)) {
    Type refined = meetTypes(value.getType(), type);
    if (!refined)
      return op->emitOpError(what) << " type " << value.getType()
                                   << " contradicts the inferred type " << type;
    if (refined != value.getType()) {
      value.setType(refined);
      changed = true;
    }
  }
  return success();
}

struct InferShapesPass : autoglm::impl::InferShapesBase<InferShapesPass> {
  /// Refines every op of `block` in program order, nested regions first
  /// where an op's results depend on them.
  LogicalResult refineBlock(Block &block, SymbolTable &symbols, bool &changed) {
    for (Operation &op : block) {
      if (auto fused = dyn_cast<FusedOp>(op)) {
        Block &body = fused.getBody().front();
        if (failed(refine(fused, "body argument", body.getArguments(),
                          fused.getInputs().getTypes(), changed)) ||
            failed(refineBlock(body, symbols, changed)) ||
            failed(refine(fused, "result", fused.getResults(),
                          body.getTerminator()->getOperandTypes(), changed)))
          return failure();
        continue;
      }
      if (auto call = dyn_cast<func::CallOp>(op)) {
        auto callee = symbols.lookup<func::FuncOp>(call.getCallee());
        if (callee && failed(refine(call, "result", call.getResults(),
                                    callee.getResultTypes(), changed)))
          return failure();
        continue;
      }
      auto inferrable = dyn_cast<InferTypeOpInterface>(op);
      if (!inferrable)
        continue;
      SmallVector<Type> inferred;
      if (failed(inferrable.inferReturnTypes(
              op.getContext(), op.getLoc(), op.getOperands(),
              op.getRawDictionaryAttrs(), op.getPropertiesStorage(),
              op.getRegions(), inferred)) ||
          failed(refine(&op, "result", op.getResults(), inferred, changed)))
        return failure();
    }
    return success();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    // A callee refined after its caller was visited needs another round;
    // each round only makes types more static, so this terminates.
    bool changed = true;
    while (changed) {
      changed = false;
      for (auto func : module.getOps<func::FuncOp>()) {
        if (func.isExternal())
          continue;
        if (failed(refineBlock(func.getBody().front(), symbols, changed)))
          return signalPassFailure();
        // The function's signature follows what it returns.
        auto ret = cast<func::ReturnOp>(func.getBody().back().getTerminator());
        auto type = FunctionType::get(&getContext(), func.getArgumentTypes(),
                                      ret.getOperandTypes());
        if (type != func.getFunctionType()) {
          func.setType(type);
          changed = true;
        }
      }
    }
  }
};
} // namespace
