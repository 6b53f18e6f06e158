//===- Clusters.cpp - elementwise chains into one loop nest ---------------===//
//
// Producer-consumer clustering in the spirit of XLA's loop fusion and TVM's
// injective rules: an elementwise op joins its consumer's cluster when every
// user of its result is in that cluster, so the cluster has one result and
// no intermediate needs memory. A cluster's root (its last op) may be a
// reduction, fed by elementwise ops ("reduction"), or elementwise itself
// ("elementwise"). The lowering turns each cluster into one linalg.generic.
//
// Clusters are grown from the last op of the block backwards, so each op
// joins the cluster of its latest consumer chain; ops already inside a
// fused region (e.g. a contraction's tail) are left alone.
//
//===----------------------------------------------------------------------===//

#include "Rules.h"

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::fusion;

namespace {
/// Elementwise ops whose lowering is one elementwise linalg.generic.
bool isFusibleElementwise(Operation *op) {
  return op->hasTrait<OpTrait::autoglm::Elementwise>() &&
         op->getNumResults() == 1 &&
         llvm::all_of(op->getOperandTypes(), isSignlessTensor) &&
         isSignlessTensor(op->getResult(0).getType());
}

bool isFusibleRoot(Operation *op) {
  if (auto reduce = dyn_cast<ReduceOp>(op))
    return isSignlessTensor(reduce.getInput().getType()) &&
           isSignlessTensor(reduce.getType());
  return isFusibleElementwise(op);
}
} // namespace

void fusion::formElementwiseClusters(func::FuncOp func) {
  llvm::SmallPtrSet<Operation *, 32> taken;
  SmallVector<SmallVector<Operation *>> clusters;
  for (Block &block : func.getBody()) {
    for (Operation &root : llvm::reverse(block)) {
      if (taken.contains(&root) || !isFusibleRoot(&root))
        continue;
      llvm::SetVector<Operation *> members;
      members.insert(&root);
      // Grow towards producers; an op joins once all its users are members.
      SmallVector<Operation *> worklist = {&root};
      while (!worklist.empty()) {
        Operation *op = worklist.pop_back_val();
        for (Value operand : op->getOperands()) {
          Operation *def = operand.getDefiningOp();
          if (!def || def->getBlock() != &block || taken.contains(def) ||
              members.contains(def) || !isFusibleElementwise(def))
            continue;
          if (!llvm::all_of(def->getUsers(),
                            [&](Operation *u) { return members.contains(u); }))
            continue;
          members.insert(def);
          worklist.push_back(def);
        }
      }
      if (members.size() < 2)
        continue;
      SmallVector<Operation *> ops(members.begin(), members.end());
      llvm::sort(ops, [](Operation *a, Operation *b) {
        return a->isBeforeInBlock(b);
      });
      taken.insert(ops.begin(), ops.end());
      clusters.push_back(std::move(ops));
    }
  }
  for (ArrayRef<Operation *> ops : clusters) {
    bool reduction = isa<ReduceOp>(ops.back());
    report(reduction ? "reduction-cluster" : "elementwise-cluster", ops);
    buildCluster(reduction ? "reduction" : "elementwise", ops);
  }
}
