//===- Epilogue.cpp - matmul/conv with their elementwise tail -------------===//
//
// A contraction's result is usually finished by cheap elementwise ops: a
// bias add, an activation (ReLU, Clip, GELU, sigmoid, tanh, SiLU as
// x * sigmoid(x), HardSwish as x * hardsigmoid(x), ...), a residual add.
// Each of them alone is one more pass over the output in memory. The rule wraps
// the contraction and that tail into an `autoglm.fused "contraction"` op; its
// lowering (lib/Conversion/ AutoGLMToLinalg/Fused.cpp) computes the whole tail
// in one loop that writes into the contraction's own result buffer.
//
// The tail grows while each value has one user that keeps the shape (an add
// whose other operand broadcasts *into* the result, never the other way).
//
//===----------------------------------------------------------------------===//

#include "Rules.h"

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::fusion;

namespace {
bool isActivation(Operation *op) {
  return isa<ReluOp, ClipOp, GeluOp, SigmoidOp, TanhOp, LeakyReluOp, EluOp,
             HardSigmoidOp, SoftplusOp>(op);
}

/// The name of one tail op in the rule name, e.g. "bias" or "relu": an
/// add of a constant or of a broadcast vector is a bias, an add of a
/// same-shape activation a residual.
std::string partName(Operation *op, Value other) {
  if (isa<AddOp>(op))
    return other.getDefiningOp<ConstantOp>() ||
                   other.getType() != op->getResult(0).getType()
               ? "bias"
               : "residual";
  return op->getName().stripDialect().str();
}

/// The contraction's tail: the ops after it, in order. SiLU (x * sigmoid(x))
/// and HardSwish (x * hardsigmoid(x)) are the steps whose input has two
/// users.
SmallVector<Operation *> growTail(Operation *contraction, std::string &rule) {
  SmallVector<Operation *> tail;
  Value v = contraction->getResult(0);
  Block *block = contraction->getBlock();
  while (true) {
    SmallVector<Operation *> users(v.getUsers());
    if (users.size() == 2) {
      // SiLU {sigmoid(v), v * sigmoid(v)} or HardSwish {hardsigmoid(v),
      // v * hardsigmoid(v)}: a gate of v times v.
      Operation *gate = users[0];
      auto mul = dyn_cast<MulOp>(users[1]);
      if (!isa<SigmoidOp, HardSigmoidOp>(gate)) {
        gate = users[1];
        mul = dyn_cast<MulOp>(users[0]);
      }
      if (!isa<SigmoidOp, HardSigmoidOp>(gate) || !mul || !gate->hasOneUse() ||
          otherOperand(mul, v) != gate->getResult(0) ||
          mul.getType() != v.getType() || mul->getBlock() != block)
        break;
      tail.append({gate, mul});
      rule += isa<SigmoidOp>(gate) ? "+silu" : "+hardswish";
      v = mul.getResult();
      continue;
    }
    if (users.size() != 1)
      break;
    Operation *user = users.front();
    if (user->getBlock() != block || user->getNumResults() != 1 ||
        user->getResult(0).getType() != v.getType())
      break;
    Value other;
    if (isa<AddOp>(user)) {
      other = otherOperand(user, v);
      if (!other || !isSignlessTensor(other.getType()))
        break;
    } else if (!isActivation(user)) {
      break;
    }
    tail.push_back(user);
    rule += "+" + partName(user, other);
    v = user->getResult(0);
  }
  return tail;
}
} // namespace

void fusion::formContractionEpilogues(func::FuncOp func) {
  SmallVector<Operation *> contractions;
  func.walk([&](Operation *op) {
    if (op->getParentOfType<FusedOp>() || !isa<MatMulOp, ConvOp>(op))
      return;
    if (!isa<FloatType>(getElementTypeOrSelf(op->getResult(0))) ||
        !llvm::all_of(op->getOperandTypes(), isSignlessTensor))
      return;
    contractions.push_back(op);
  });
  for (Operation *contraction : contractions) {
    std::string rule =
        isa<ConvOp>(contraction)
            ? (cast<ConvOp>(contraction).getBias() ? "conv+bias" : "conv")
            : "matmul";
    SmallVector<Operation *> ops = growTail(contraction, rule);
    if (ops.empty())
      continue;
    ops.insert(ops.begin(), contraction);
    report(rule, ops);
    buildCluster("contraction", ops);
  }
}
