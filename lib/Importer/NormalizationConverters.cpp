//===- NormalizationConverters.cpp - softmax and normalizations -----------===//

#include "NodeContext.h"
#include "OpRegistry.h"
#include "TensorConversion.h"

#include "onnx/onnx_pb.h"

using namespace mlir;
using namespace mlir::autoglm;

namespace autoglm::importer {
namespace {
LogicalResult convertSoftmax(NodeContext &n, bool log) {
  if (failed(n.checkArity(1, 1)))
    return failure();
  int64_t rank = n.inputType(0).getRank();
  // Opset 13 on: normalize along the single axis (default -1). Before: the
  // input is viewed as 2-D, [prod(dims before axis), prod(dims from axis)],
  // and normalized along the second dimension (default axis 1).
  bool coerced = n.opset() < 13;
  FailureOr<int64_t> axis =
      n.normalizeAxis(n.intAttr("axis", coerced ? 1 : -1), rank);
  if (failed(axis))
    return failure();
  auto softmax = [&](Value x, int64_t along) {
    return n.create<SoftmaxOp>(x, n.b.getI64IntegerAttr(along),
                               log ? n.b.getUnitAttr() : UnitAttr());
  };
  if (!coerced || *axis == rank - 1)
    return n.finish(softmax(n.input(0), *axis));
  Value flat = n.flattenTo2D(n.input(0), *axis);
  Value normalized = flat ? softmax(flat, 1) : Value();
  return n.finish(normalized ? n.reshapeLike(normalized, n.input(0)) : Value());
}

/// Hardmax: 1 at the first maximum along the axis, 0 elsewhere. Before
/// opset 13 over the 2-D view at `axis` (default 1), as Softmax.
LogicalResult convertHardmax(NodeContext &n) {
  if (failed(n.checkArity(1, 1)))
    return failure();
  int64_t rank = n.inputType(0).getRank();
  bool coerced = n.opset() < 13;
  FailureOr<int64_t> axis =
      n.normalizeAxis(n.intAttr("axis", coerced ? 1 : -1), rank);
  if (failed(axis))
    return failure();
  Value x = n.input(0);
  int64_t along = *axis;
  if (coerced && along != rank - 1) {
    x = n.flattenTo2D(x, along);
    along = 1;
  }
  if (!x)
    return failure();
  auto type = cast<RankedTensorType>(x.getType());
  int64_t size = type.getDimSize(along);
  if (ShapedType::isDynamic(size))
    return n.notKnown("the size of the axis");
  if (size > (int64_t(1) << 24))
    return n.emitError() << "an axis of " << size << " is too large";
  Value index = n.create<ArgReduceOp>(
      ArgReduceKindAttr::get(n.ctx, ArgReduceKind::argmax), x,
      n.b.getI64IntegerAttr(along), n.b.getUnitAttr(), UnitAttr());
  // Positions along the axis, shaped to broadcast against the index.
  SmallVector<int64_t> iotaShape(type.getRank(), 1), iota;
  iotaShape[along] = size;
  for (int64_t i = 0; i < size; ++i)
    iota.push_back(i);
  Value positions = n.constant(DenseElementsAttr::get(
      RankedTensorType::get(iotaShape, n.b.getI64Type()), ArrayRef(iota)));
  Value hit =
      index && positions
          ? n.create<CmpOp>(CmpPredicateAttr::get(n.ctx, CmpPredicate::eq),
                            index, positions)
          : Value();
  Value result = hit ? n.castTo(hit, type.getElementType()) : Value();
  if (result && x != n.input(0))
    result = n.reshapeLike(result, n.input(0));
  return n.finish(result);
}

/// MeanVarianceNormalization: (x - mean) / (sqrt(variance) + 1e-9) over
/// `axes` (default 0, 2, 3), as ONNX's function body.
LogicalResult convertMeanVarianceNormalization(NodeContext &n) {
  if (failed(n.checkArity(1, 1)))
    return failure();
  int64_t rank = n.inputType(0).getRank();
  SmallVector<int64_t> axes =
      n.intsAttr("axes").value_or(SmallVector<int64_t>{0, 2, 3});
  FailureOr<SmallVector<int64_t>> normalized = n.normalizeAxes(axes, rank);
  if (failed(normalized))
    return failure();
  auto reduceMean = [&](Value v) {
    return n.create<ReduceOp>(ReduceKindAttr::get(n.ctx, ReduceKind::mean), v,
                              n.b.getDenseI64ArrayAttr(*normalized),
                              n.b.getUnitAttr());
  };
  Value x = n.input(0);
  Type element = n.inputType(0).getElementType();
  Value mean = reduceMean(x);
  Value centered = mean ? n.create<SubOp>(x, mean) : Value();
  Value squared = centered ? n.create<MulOp>(centered, centered) : Value();
  Value variance = squared ? reduceMean(squared) : Value();
  Value deviation = variance ? n.create<SqrtOp>(variance) : Value();
  Value shifted =
      deviation ? n.create<AddOp>(deviation, n.scalar(element, 1e-9)) : Value();
  return n.finish(shifted ? n.create<DivOp>(centered, shifted) : Value());
}

/// BatchNormalization with training_mode = 1 (opset 14): normalized by the
/// batch's own mean and (biased) variance over every axis but the channels,
/// and the running statistics updated as
/// running * momentum + batch * (1 - momentum), its optional outputs.
LogicalResult convertBatchNormTraining(NodeContext &n) {
  auto type = n.inputType(0);
  if (type.getRank() < 2 || !isa<FloatType>(type.getElementType()))
    return n.emitError() << "X must be a floating-point tensor of rank >= 2";
  SmallVector<int64_t> axes{0};
  for (int64_t d = 2; d < type.getRank(); ++d)
    axes.push_back(d);
  auto reduceMean = [&](Value v, bool keep) {
    return n.create<ReduceOp>(ReduceKindAttr::get(n.ctx, ReduceKind::mean), v,
                              n.b.getDenseI64ArrayAttr(axes),
                              keep ? n.b.getUnitAttr() : UnitAttr());
  };
  Value x = n.input(0);
  Value kept = reduceMean(x, true);
  Value centered = kept ? n.create<SubOp>(x, kept) : Value();
  Value squared = centered ? n.create<MulOp>(centered, centered) : Value();
  Value variance = squared ? reduceMean(squared, false) : Value();
  Value mean = variance ? reduceMean(x, false) : Value();
  Value y = mean ? n.create<BatchNormOp>(
                       x, n.input(1), n.input(2), mean, variance,
                       n.b.getF64FloatAttr(n.floatAttr("epsilon", 1e-5)))
                 : Value();
  if (!y)
    return failure();
  double momentum = n.floatAttr("momentum", 0.9);
  auto running = [&](unsigned input, Value batch) -> Value {
    Type element = n.inputType(input).getElementType();
    Value old = n.create<MulOp>(n.input(input), n.scalar(element, momentum));
    Value now = n.create<MulOp>(n.castTo(batch, element),
                                n.scalar(element, 1 - momentum));
    return old && now ? n.create<AddOp>(old, now) : Value();
  };
  for (auto [output, input, batch] :
       {std::make_tuple(1u, 3u, mean), std::make_tuple(2u, 4u, variance)}) {
    if (!n.hasOutput(output))
      continue;
    Value updated = running(input, batch);
    if (!updated)
      return failure();
    n.setOutput(output, updated);
  }
  return n.finish(y);
}

LogicalResult convertBatchNormalization(NodeContext &n) {
  bool training = n.intAttr("training_mode", 0) != 0;
  if (failed(n.checkArity(5, 5, training ? 3 : 1)))
    return failure();
  if (training)
    return convertBatchNormTraining(n);
  // Opset 7's spatial = 0 has one mean per element of a sample, not per
  // channel.
  if (n.opset() < 9 && n.intAttr("spatial", 1) != 1)
    return n.emitError() << "spatial = 0 is not supported";
  return n.finish(n.create<BatchNormOp>(
      n.input(0), n.input(1), n.input(2), n.input(3), n.input(4),
      n.b.getF64FloatAttr(n.floatAttr("epsilon", 1e-5))));
}

/// LayerNormalization's optional outputs: the mean and 1 / sqrt(variance +
/// epsilon) over the normalized axes (kept as size-1 dimensions), computed in
/// the stash type (float32 by default).
LogicalResult setLayerNormStatistics(NodeContext &n, int64_t axis,
                                     double epsilon) {
  Type stash = convertElementType(n.intAttr("stash_type", 1), n.ctx);
  if (!stash || !isa<FloatType>(stash))
    return n.emitError() << "stash_type must be a float type";
  Value x = n.castTo(n.input(0), stash);
  if (!x)
    return failure();
  SmallVector<int64_t> axes;
  for (int64_t d = axis; d < n.inputType(0).getRank(); ++d)
    axes.push_back(d);
  auto reduceMean = [&](Value v) {
    return n.create<ReduceOp>(ReduceKindAttr::get(n.ctx, ReduceKind::mean), v,
                              n.b.getDenseI64ArrayAttr(axes),
                              n.b.getUnitAttr());
  };
  Value mean = reduceMean(x);
  Value centered = mean ? n.create<SubOp>(x, mean) : Value();
  Value squared = centered ? n.create<MulOp>(centered, centered) : Value();
  Value variance = squared ? reduceMean(squared) : Value();
  Value eps = n.scalar(stash, epsilon);
  Value shifted = variance && eps ? n.create<AddOp>(variance, eps) : Value();
  Value inverse = shifted ? n.create<RsqrtOp>(shifted) : Value();
  if (!inverse)
    return failure();
  n.setOutput(1, mean);
  n.setOutput(2, inverse);
  return success();
}

LogicalResult convertLayerNormalization(NodeContext &n, bool rms) {
  if (failed(n.checkArity(2, rms ? 2 : 3, rms ? 1 : 3)))
    return failure();
  FailureOr<int64_t> axis =
      n.normalizeAxis(n.intAttr("axis", -1), n.inputType(0).getRank());
  if (failed(axis))
    return failure();
  double epsilon = n.floatAttr("epsilon", 1e-5);
  if ((n.hasOutput(1) || n.hasOutput(2)) &&
      failed(setLayerNormStatistics(n, *axis, epsilon)))
    return failure();
  return n.finish(n.create<LayerNormOp>(
      n.input(0), n.input(1), n.input(2), n.b.getI64IntegerAttr(*axis),
      n.b.getF64FloatAttr(epsilon), rms ? n.b.getUnitAttr() : UnitAttr()));
}

/// `x` normalized over `axes` (kept as size-1 dimensions): (x - mean) /
/// sqrt(var + epsilon).
Value normalizeOver(NodeContext &n, Value x, ArrayRef<int64_t> axes,
                    double epsilon) {
  auto reduceMean = [&](Value v) {
    return n.create<ReduceOp>(ReduceKindAttr::get(n.ctx, ReduceKind::mean), v,
                              n.b.getDenseI64ArrayAttr(axes),
                              n.b.getUnitAttr());
  };
  Type element = getElementTypeOrSelf(x.getType());
  Value mean = reduceMean(x);
  Value centered = mean ? n.create<SubOp>(x, mean) : Value();
  Value squared = centered ? n.create<MulOp>(centered, centered) : Value();
  Value variance = squared ? reduceMean(squared) : Value();
  Value eps = n.scalar(element, epsilon);
  Value shifted = variance && eps ? n.create<AddOp>(variance, eps) : Value();
  Value inverse = shifted ? n.create<RsqrtOp>(shifted) : Value();
  return inverse ? n.create<MulOp>(centered, inverse) : Value();
}

/// Reshapes a per-channel vector [C] to [C, 1, ..., 1] for an N x C x ...
/// tensor of `rank`.
Value channelVector(NodeContext &n, Value v, int64_t rank) {
  SmallVector<DimSpec> spec = {DimSpec::fromInput(0)};
  for (int64_t d = 2; d < rank; ++d)
    spec.push_back(DimSpec::literal(1));
  return n.reshapeTo(v, spec);
}

LogicalResult convertInstanceNormalization(NodeContext &n) {
  if (failed(n.checkArity(3, 3)))
    return failure();
  Value x = n.input(0);
  int64_t rank = n.inputType(0).getRank();
  if (rank < 3)
    return n.emitError() << "expects an input of rank >= 3";
  SmallVector<int64_t> axes;
  for (int64_t d = 2; d < rank; ++d)
    axes.push_back(d);
  Value normalized = normalizeOver(n, x, axes, n.floatAttr("epsilon", 1e-5));
  Value scale = channelVector(n, n.input(1), rank);
  Value bias = channelVector(n, n.input(2), rank);
  Value scaled =
      normalized && scale ? n.create<MulOp>(normalized, scale) : Value();
  return n.finish(scaled && bias ? n.create<AddOp>(scaled, bias) : Value());
}

LogicalResult convertGroupNormalization(NodeContext &n) {
  if (failed(n.checkArity(3, 3)))
    return failure();
  Value x = n.input(0);
  auto type = n.inputType(0);
  int64_t rank = type.getRank();
  int64_t groups = n.intAttr("num_groups", 0);
  if (rank < 3 || groups <= 0)
    return n.emitError() << "expects an input of rank >= 3 and num_groups > 0";
  int64_t channels = type.getDimSize(1);
  if (ShapedType::isDynamic(channels))
    return n.notKnown("the channel count");
  if (channels % groups != 0)
    return n.emitError() << channels << " channels do not split into " << groups
                         << " groups";
  // N x C x ... -> N x G x (C/G * ...), normalize the last axis, reshape back.
  Value grouped =
      n.reshapeTo(x, {DimSpec::fromInput(0), DimSpec::literal(groups),
                      DimSpec::literal(-1)});
  if (!grouped)
    return failure();
  Value normalized =
      normalizeOver(n, grouped, {2}, n.floatAttr("epsilon", 1e-5));
  if (!normalized)
    return failure();
  // Opset 18 has one scale/bias per group; opset 21 one per channel.
  if (n.opset() < 21) {
    Value scale =
        n.reshapeTo(n.input(1), {DimSpec::fromInput(0), DimSpec::literal(1)});
    Value bias =
        n.reshapeTo(n.input(2), {DimSpec::fromInput(0), DimSpec::literal(1)});
    normalized = scale ? n.create<MulOp>(normalized, scale) : Value();
    normalized =
        normalized && bias ? n.create<AddOp>(normalized, bias) : Value();
  }
  // Back to x's shape: static, or x's run-time shape.
  Value result;
  if (normalized) {
    if (type.hasStaticShape()) {
      result = n.reshape(normalized, type.getShape());
    } else {
      Value shape = n.create<ShapeOfOp>(x);
      result =
          shape ? n.createTyped<ReshapeOp>(type, normalized, shape) : Value();
    }
  }
  if (result && n.opset() >= 21) {
    Value scale = channelVector(n, n.input(1), rank);
    Value bias = channelVector(n, n.input(2), rank);
    result = scale ? n.create<MulOp>(result, scale) : Value();
    result = result && bias ? n.create<AddOp>(result, bias) : Value();
  }
  return n.finish(result);
}

LogicalResult convertLpNormalization(NodeContext &n) {
  if (failed(n.checkArity(1, 1)))
    return failure();
  int64_t p = n.intAttr("p", 2);
  if (p != 1 && p != 2)
    return n.emitError() << "p must be 1 or 2";
  FailureOr<int64_t> axis =
      n.normalizeAxis(n.intAttr("axis", -1), n.inputType(0).getRank());
  if (failed(axis))
    return failure();
  Value x = n.input(0);
  Value norm = n.create<ReduceOp>(
      ReduceKindAttr::get(n.ctx, p == 1 ? ReduceKind::l1 : ReduceKind::l2), x,
      n.b.getDenseI64ArrayAttr({*axis}), n.b.getUnitAttr());
  if (!norm)
    return failure();
  // ONNX defines the normalization of an all-zero slice as 0, not 0/0 = NaN.
  Type elementType = n.inputType(0).getElementType();
  Value zero = n.scalar(elementType, 0.0);
  Value isZero = n.create<CmpOp>(CmpPredicateAttr::get(n.ctx, CmpPredicate::eq),
                                 norm, zero);
  Value quotient = n.create<DivOp>(x, norm);
  return n.finish(isZero && quotient
                      ? n.create<SelectOp>(isZero, zero, quotient)
                      : Value());
}
} // namespace

void registerNormalizationConverters(OpRegistry &r) {
  r.add("Softmax",
        [](NodeContext &n) { return convertSoftmax(n, /*log=*/false); });
  r.add("LogSoftmax",
        [](NodeContext &n) { return convertSoftmax(n, /*log=*/true); });
  r.add("Hardmax", convertHardmax);
  r.add("MeanVarianceNormalization", convertMeanVarianceNormalization);
  r.add("BatchNormalization", convertBatchNormalization);
  r.add("LayerNormalization", [](NodeContext &n) {
    return convertLayerNormalization(n, /*rms=*/false);
  });
  r.add("RMSNormalization", [](NodeContext &n) {
    return convertLayerNormalization(n, /*rms=*/true);
  });
  r.add("InstanceNormalization", convertInstanceNormalization);
  r.add("GroupNormalization", convertGroupNormalization);
  r.add("LpNormalization", convertLpNormalization);
}
} // namespace autoglm::importer
