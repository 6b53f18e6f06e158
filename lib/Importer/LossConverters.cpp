//===- LossConverters.cpp - NegativeLogLikelihoodLoss, SoftmaxCrossEntropy
//-===//
//
// The two loss operators of the default domain, as decompositions into core
// ops: the log-probability of each target class is picked with
// gather_elements along the class axis, weighted by the class weight
// (gathered), zeroed where the target is `ignore_index`, and reduced.
// SoftmaxCrossEntropyLoss is LogSoftmax along the class axis followed by the
// same loss. Models export them for evaluation graphs (a loss computed next
// to the logits); nothing here needs a training runtime.
//
//===----------------------------------------------------------------------===//

#include "NodeContext.h"
#include "OpRegistry.h"

#include "onnx/onnx_pb.h"

using namespace mlir;
using namespace mlir::autoglm;

namespace autoglm::importer {
namespace {
/// Sum over every axis into a 0-d tensor.
Value sumAll(NodeContext &n, Value x) {
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  if (rank == 0)
    return x;
  SmallVector<int64_t> axes = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  return n.create<ReduceOp>(ReduceKindAttr::get(n.ctx, ReduceKind::sum), x,
                            n.b.getDenseI64ArrayAttr(axes), UnitAttr());
}

/// The negative log-likelihood of `logProb` [N, C, d...] at `target`
/// [N, d...] with optional class `weight` [C], as ONNX defines it
/// (reduction none / sum / mean; the mean divides by the summed weights of
/// the targets counted). Null after a diagnostic.
Value negativeLogLikelihood(NodeContext &n, Value logProb, Value target,
                            Value weight) {
  auto xType = cast<RankedTensorType>(logProb.getType());
  auto targetType = cast<RankedTensorType>(target.getType());
  int64_t rank = xType.getRank();
  if (rank < 2 || targetType.getRank() != rank - 1 ||
      !isa<FloatType>(xType.getElementType())) {
    (void)(n.emitError() << "expects float scores of rank >= 2 [N, C, ...] "
                            "and targets of one rank less, got "
                         << xType << " and " << targetType);
    return nullptr;
  }
  if (weight && cast<RankedTensorType>(weight.getType()).getRank() != 1) {
    (void)(n.emitError() << "the weight must be a vector of one entry per "
                            "class");
    return nullptr;
  }
  std::string reduction = n.stringAttr("reduction", "mean");
  if (reduction != "none" && reduction != "sum" && reduction != "mean") {
    (void)(n.emitError() << "unknown reduction '" << reduction << "'");
    return nullptr;
  }
  Type element = xType.getElementType();
  Type indexType = targetType.getElementType();

  // Where the target is ignore_index nothing is picked (any class would do:
  // class 0) and the loss and its weight are 0.
  Value counted, safeTarget = target;
  if (n.hasAttr("ignore_index")) {
    counted = n.create<CmpOp>(
        CmpPredicateAttr::get(n.ctx, CmpPredicate::ne), target,
        n.scalar(indexType, static_cast<double>(n.intAttr("ignore_index", 0))));
    safeTarget =
        counted ? n.create<SelectOp>(counted, target, n.scalar(indexType, 0.0))
                : Value();
    if (!safeTarget)
      return nullptr;
  }

  // -logProb[n, target[n, d...], d...] through a [N, 1, d...] index view.
  SmallVector<DimSpec> unsqueezed = {DimSpec::fromInput(0),
                                     DimSpec::literal(1)};
  for (int64_t d = 1; d < rank - 1; ++d)
    unsqueezed.push_back(DimSpec::fromInput(d));
  Value indices = n.reshapeTo(safeTarget, unsqueezed);
  Value picked = indices ? n.create<GatherElementsOp>(logProb, indices,
                                                      n.b.getI64IntegerAttr(1))
                         : Value();
  picked = picked ? n.reshapeLike(picked, target) : Value();
  Value loss = picked ? n.create<NegOp>(picked) : Value();
  if (!loss)
    return nullptr;

  Value weights; // per target, when the mean is weighted
  if (weight) {
    weights = n.create<GatherOp>(weight, safeTarget, n.b.getI64IntegerAttr(0));
    if (weights && counted)
      weights = n.create<SelectOp>(counted, weights, n.scalar(element, 0.0));
    loss = weights ? n.create<MulOp>(loss, weights) : Value();
  } else if (counted) {
    loss = n.create<SelectOp>(counted, loss, n.scalar(element, 0.0));
    weights = loss ? n.castTo(counted, element) : Value();
  }
  if (!loss)
    return nullptr;
  if (reduction == "none")
    return loss;
  Value total = sumAll(n, loss);
  if (reduction == "sum" || !total)
    return total;
  if (weights) {
    Value denominator = sumAll(n, weights);
    return denominator ? n.create<DivOp>(total, denominator) : Value();
  }
  int64_t count = targetType.getNumElements();
  if (!targetType.hasStaticShape()) {
    (void)n.notKnown("the number of targets (for the mean)");
    return nullptr;
  }
  return n.create<DivOp>(total, n.scalar(element, static_cast<double>(count)));
}

LogicalResult convertNegativeLogLikelihoodLoss(NodeContext &n) {
  if (failed(n.checkArity(2, 3)))
    return failure();
  return n.finish(negativeLogLikelihood(n, n.input(0), n.input(1), n.input(2)));
}

/// Outputs the loss and, when asked for, the log-probabilities.
LogicalResult convertSoftmaxCrossEntropyLoss(NodeContext &n) {
  if (failed(n.checkArity(2, 3, 2)))
    return failure();
  auto scoresType = n.inputType(0);
  if (scoresType.getRank() < 2)
    return n.emitError() << "expects scores of rank >= 2 [N, C, ...], got "
                         << scoresType;
  Value logProb = n.create<SoftmaxOp>(n.input(0), n.b.getI64IntegerAttr(1),
                                      n.b.getUnitAttr());
  Value loss = logProb
                   ? negativeLogLikelihood(n, logProb, n.input(1), n.input(2))
                   : Value();
  if (!loss)
    return failure();
  n.setOutput(0, loss);
  if (n.hasOutput(1))
    n.setOutput(1, logProb);
  return success();
}
} // namespace

void registerLossConverters(OpRegistry &r) {
  r.add("NegativeLogLikelihoodLoss", convertNegativeLogLikelihoodLoss);
  r.add("SoftmaxCrossEntropyLoss", convertSoftmaxCrossEntropyLoss);
}
} // namespace autoglm::importer
