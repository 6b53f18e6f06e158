//===- Match.cpp - what the fusion rules share ----------------------------===//

#include "Rules.h"

#include "autoglm/Passes/Report.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::autoglm;

std::optional<double> fusion::splatFloat(Value v) {
  ElementsAttr attr;
  if (!v || !matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  auto dense = dyn_cast<DenseElementsAttr>(attr);
  if (!dense || !dense.isSplat() || !isa<FloatType>(dense.getElementType()))
    return std::nullopt;
  APFloat value = dense.getSplatValue<APFloat>();
  bool lostPrecision = false;
  value.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven,
                &lostPrecision);
  return value.convertToDouble();
}

bool fusion::isSplatNear(Value v, double expected) {
  std::optional<double> value = splatFloat(v);
  return value && std::abs(*value - expected) <= 1e-3 * std::abs(expected);
}

Value fusion::otherOperand(Operation *op, Value v) {
  if (op->getNumOperands() != 2)
    return nullptr;
  if (op->getOperand(0) == v)
    return op->getOperand(1);
  if (op->getOperand(1) == v)
    return op->getOperand(0);
  return nullptr;
}

bool fusion::isSignlessTensor(Type type) {
  auto t = dyn_cast<RankedTensorType>(type);
  if (!t)
    return false;
  Type et = t.getElementType();
  return isa<FloatType>(et) || et.isSignlessInteger();
}

Location fusion::fusedLoc(ArrayRef<Operation *> ops) {
  SmallVector<Location> locs;
  for (Operation *op : ops)
    locs.push_back(op->getLoc());
  return FusedLoc::get(ops.front()->getContext(), locs);
}

void fusion::report(StringRef rule, ArrayRef<Operation *> ops) {
  SmallVector<Location> locs;
  for (Operation *op : ops)
    locs.push_back(op->getLoc());
  recordRewrite(ops.front()->getContext(), kPassName, rule, locs);
}

FusedOp fusion::buildCluster(StringRef kind, ArrayRef<Operation *> ops) {
  Operation *root = ops.back();
  llvm::SmallPtrSet<Operation *, 16> members(ops.begin(), ops.end());
  SmallVector<Value> inputs;
  SmallVector<Operation *> splats;
  llvm::SmallPtrSet<Operation *, 4> seenSplats;
  for (Operation *op : ops)
    for (Value v : op->getOperands()) {
      Operation *def = v.getDefiningOp();
      if (def && members.contains(def))
        continue;
      if (auto constant = dyn_cast_or_null<ConstantOp>(def);
          constant && constant.getValue().isSplat()) {
        if (seenSplats.insert(def).second)
          splats.push_back(def);
        continue;
      }
      if (!llvm::is_contained(inputs, v))
        inputs.push_back(v);
    }

  OpBuilder b(root);
  auto fused = FusedOp::create(b, fusedLoc(ops), root->getResultTypes(),
                               b.getStringAttr(kind), inputs);
  Block *body = b.createBlock(&fused.getBody());
  IRMapping mapping;
  for (Value v : inputs)
    mapping.map(v, body->addArgument(v.getType(), v.getLoc()));
  b.setInsertionPointToStart(body);
  for (Operation *splat : splats)
    b.clone(*splat, mapping);
  for (Operation *op : ops)
    b.clone(*op, mapping);
  YieldOp::create(b, root->getLoc(),
                  llvm::map_to_vector(root->getResults(), [&](Value r) {
                    return mapping.lookup(r);
                  }));
  root->replaceAllUsesWith(fused->getResults());
  for (Operation *op : llvm::reverse(ops))
    op->erase();
  // The copies inside replace constants nothing else used.
  for (Operation *splat : splats)
    if (splat->use_empty())
      splat->erase();
  return fused;
}
