//===- ReductionConverters.cpp - Reduce*, ArgMax/ArgMin, CumSum/Prod, TopK ===//

#include "NodeContext.h"
#include "OpRegistry.h"

#include "onnx/onnx_pb.h"

using namespace mlir;
using namespace mlir::autoglm;

namespace autoglm::importer {
namespace {
/// Reduce* of any kind. `axesInputSince` is the opset from which the axes
/// are an input rather than an attribute (13 for ReduceSum, 18 for others).
LogicalResult convertReduce(NodeContext &n, ReduceKind kind,
                            int64_t axesInputSince) {
  bool axesAsInput = n.opset() >= axesInputSince;
  if (failed(n.checkArity(1, axesAsInput ? 2 : 1)))
    return failure();
  Value x = n.input(0);
  int64_t rank = n.inputType(0).getRank();
  SmallVector<int64_t> axes;
  if (axesAsInput) {
    if (n.hasInput(1)) {
      std::optional<SmallVector<int64_t>> values = n.knownValues(1);
      if (!values)
        return n.notKnown("axes");
      axes = *values;
    }
  } else if (std::optional<SmallVector<int64_t>> attr = n.intsAttr("axes")) {
    axes = *attr;
  }
  bool keepDims = n.intAttr("keepdims", 1) != 0;
  if (axes.empty()) {
    // No axes: identity with noop_with_empty_axes, otherwise every axis.
    if (n.intAttr("noop_with_empty_axes", 0) != 0) {
      n.setOutput(0, x);
      return success();
    }
    for (int64_t d = 0; d < rank; ++d)
      axes.push_back(d);
  }
  FailureOr<SmallVector<int64_t>> normalized = n.normalizeAxes(axes, rank);
  if (failed(normalized))
    return failure();
  if (normalized->empty()) { // a rank-0 input
    n.setOutput(0, x);
    return success();
  }
  return n.finish(
      n.create<ReduceOp>(ReduceKindAttr::get(n.ctx, kind), x,
                         n.b.getDenseI64ArrayAttr(*normalized),
                         keepDims ? n.b.getUnitAttr() : UnitAttr()));
}

LogicalResult convertArgReduce(NodeContext &n, ArgReduceKind kind) {
  if (failed(n.checkArity(1, 1)))
    return failure();
  FailureOr<int64_t> axis =
      n.normalizeAxis(n.intAttr("axis", 0), n.inputType(0).getRank());
  if (failed(axis))
    return failure();
  return n.finish(n.create<ArgReduceOp>(
      ArgReduceKindAttr::get(n.ctx, kind), n.input(0),
      n.b.getI64IntegerAttr(*axis),
      n.intAttr("keepdims", 1) ? n.b.getUnitAttr() : UnitAttr(),
      n.intAttr("select_last_index", 0) ? n.b.getUnitAttr() : UnitAttr()));
}

LogicalResult convertCumSum(NodeContext &n) {
  if (failed(n.checkArity(2, 2)))
    return failure();
  FailureOr<int64_t> axisValue = n.knownScalar(1, "axis");
  if (failed(axisValue))
    return failure();
  FailureOr<int64_t> axis =
      n.normalizeAxis(*axisValue, n.inputType(0).getRank());
  if (failed(axis))
    return failure();
  return n.finish(n.create<CumSumOp>(
      n.input(0), n.b.getI64IntegerAttr(*axis),
      n.intAttr("exclusive", 0) ? n.b.getUnitAttr() : UnitAttr(),
      n.intAttr("reverse", 0) ? n.b.getUnitAttr() : UnitAttr()));
}

/// CumProd as a product over a triangle: x viewed as [..., L(k), 1, ...]
/// against a constant [L(k), L(j)] mask of the k that contribute to output
/// j (k <= j; k < j exclusive; mirrored in reverse), the others replaced by
/// 1, reduced over k. The intermediate is L times the input, which suits
/// the short axes CumProd sees in inference graphs.
LogicalResult convertCumProd(NodeContext &n) {
  if (failed(n.checkArity(2, 2)))
    return failure();
  FailureOr<int64_t> axisValue = n.knownScalar(1, "axis");
  if (failed(axisValue))
    return failure();
  auto type = n.inputType(0);
  int64_t rank = type.getRank();
  FailureOr<int64_t> axis = n.normalizeAxis(*axisValue, rank);
  if (failed(axis))
    return failure();
  int64_t length = type.getDimSize(*axis);
  if (ShapedType::isDynamic(length))
    return n.notKnown("the length of the accumulated axis");
  bool exclusive = n.intAttr("exclusive", 0) != 0;
  bool reverse = n.intAttr("reverse", 0) != 0;
  SmallVector<bool> contributes;
  for (int64_t k = 0; k < length; ++k)
    for (int64_t j = 0; j < length; ++j)
      contributes.push_back(reverse ? (exclusive ? k > j : k >= j)
                                    : (exclusive ? k < j : k <= j));
  SmallVector<int64_t> maskShape(rank + 1, 1);
  maskShape[*axis] = length;
  maskShape[*axis + 1] = length;
  Value mask = n.constant(
      DenseElementsAttr::get(RankedTensorType::get(maskShape, n.b.getI1Type()),
                             ArrayRef<bool>(contributes)));
  SmallVector<DimSpec> spread;
  for (int64_t d = 0; d < rank; ++d) {
    spread.push_back(DimSpec::fromInput(d));
    if (d == *axis)
      spread.push_back(DimSpec::literal(1));
  }
  Value x = n.reshapeTo(n.input(0), spread);
  Value factors =
      x ? n.create<SelectOp>(mask, x, n.scalar(type.getElementType(), 1.0))
        : Value();
  return n.finish(
      factors ? n.create<ReduceOp>(ReduceKindAttr::get(n.ctx, ReduceKind::prod),
                                   factors, n.b.getDenseI64ArrayAttr({*axis}),
                                   UnitAttr())
              : Value());
}

LogicalResult convertTopK(NodeContext &n) {
  // Before opset 10, k is an attribute.
  bool kAttribute = n.opset() < 10;
  if (failed(kAttribute ? n.checkArity(1, 1, 2) : n.checkArity(2, 2, 2)))
    return failure();
  if (kAttribute && !n.hasAttr("k"))
    return n.emitError() << "the k attribute is required";
  FailureOr<int64_t> k = kAttribute ? n.intAttr("k", 0) : n.knownScalar(1, "K");
  if (failed(k))
    return failure();
  if (*k < 0)
    return n.emitError() << "K must be non-negative";
  FailureOr<int64_t> axis =
      n.normalizeAxis(n.intAttr("axis", -1), n.inputType(0).getRank());
  if (failed(axis))
    return failure();
  // sorted = 0 allows any order; sorted output is one such order.
  Operation *op = n.createInferred<TopKOp>(
      2, n.input(0), n.b.getI64IntegerAttr(*k), n.b.getI64IntegerAttr(*axis),
      n.intAttr("largest", 1) ? UnitAttr() : n.b.getUnitAttr());
  if (!op)
    return failure();
  n.setOutput(0, op->getResult(0));
  n.setOutput(1, op->getResult(1));
  return success();
}
} // namespace

void registerReductionConverters(OpRegistry &r) {
  r.add("ReduceSum",
        [](NodeContext &n) { return convertReduce(n, ReduceKind::sum, 13); });
  r.add("ReduceMean",
        [](NodeContext &n) { return convertReduce(n, ReduceKind::mean, 18); });
  r.add("ReduceMax",
        [](NodeContext &n) { return convertReduce(n, ReduceKind::max, 18); });
  r.add("ReduceMin",
        [](NodeContext &n) { return convertReduce(n, ReduceKind::min, 18); });
  r.add("ReduceProd",
        [](NodeContext &n) { return convertReduce(n, ReduceKind::prod, 18); });
  r.add("ReduceL1",
        [](NodeContext &n) { return convertReduce(n, ReduceKind::l1, 18); });
  r.add("ReduceL2",
        [](NodeContext &n) { return convertReduce(n, ReduceKind::l2, 18); });
  r.add("ReduceLogSum", [](NodeContext &n) {
    return convertReduce(n, ReduceKind::log_sum, 18);
  });
  r.add("ReduceLogSumExp", [](NodeContext &n) {
    return convertReduce(n, ReduceKind::log_sum_exp, 18);
  });
  r.add("ReduceSumSquare", [](NodeContext &n) {
    return convertReduce(n, ReduceKind::sum_square, 18);
  });
  r.add("CumProd", convertCumProd);
  r.add("ArgMax", [](NodeContext &n) {
    return convertArgReduce(n, ArgReduceKind::argmax);
  });
  r.add("ArgMin", [](NodeContext &n) {
    return convertArgReduce(n, ArgReduceKind::argmin);
  });
  r.add("CumSum", convertCumSum);
  r.add("TopK", convertTopK);
}
} // namespace autoglm::importer
