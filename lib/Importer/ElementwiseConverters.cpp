//===- ElementwiseConverters.cpp - ONNX elementwise operators -------------===//
//
// Arithmetic, comparison, logic, selection, casts and unary math. Integer
// results whose inputs are known at import time (shape arithmetic) become
// constants.
//
//===----------------------------------------------------------------------===//

#include "Float8Cast.h"
#include "NodeContext.h"
#include "OpRegistry.h"
#include "TensorConversion.h"

#include "autoglm/Dialect/SeparateOps.h"

#include "onnx/onnx_pb.h"

#include <limits>

using namespace mlir;
using namespace mlir::autoglm;

namespace autoglm::importer {
namespace {
using KnownFn = std::optional<int64_t> (*)(ArrayRef<int64_t>);

/// Binds output 0 to a constant when `fn` evaluates it from known integer
/// inputs; otherwise builds the op with `build` and records what is known.
LogicalResult finishWithKnown(NodeContext &n, ArrayRef<unsigned> inputs,
                              Type resultElement, KnownFn fn,
                              function_ref<Value()> build) {
  std::optional<KnownInts> result;
  if (fn && isa<IntegerType>(resultElement)) {
    SmallVector<const KnownInts *> operands;
    for (unsigned i : inputs)
      if (const KnownInts *k = n.known(i);
          k && isa<IntegerType>(n.inputType(i).getElementType()))
        operands.push_back(k);
    if (operands.size() == inputs.size())
      result = broadcastKnown(operands, fn);
    if (result)
      for (int64_t &v : result->values)
        v = wrapToType(v, resultElement);
  }
  if (result && result->isFullyKnown()) {
    Value value = n.constantFromKnown(*result, resultElement);
    if (!value)
      return failure();
    n.setOutput(0, value, *result);
    return success();
  }
  Value value = build();
  if (!value)
    return failure();
  if (result)
    n.setOutput(0, value, *result);
  else
    n.setOutput(0, value);
  return success();
}

LogicalResult checkSameElementType(NodeContext &n, Value lhs, Value rhs) {
  Type l = getElementTypeOrSelf(lhs.getType()),
       r = getElementTypeOrSelf(rhs.getType());
  if (l != r)
    return n.emitError() << "operands have different element types (" << l
                         << " and " << r << ")";
  return success();
}

//===----------------------------------------------------------------------===//
// Binary arithmetic and logic
//===----------------------------------------------------------------------===//

template <typename OpTy>
LogicalResult convertBinary(NodeContext &n, KnownFn fn) {
  if (failed(n.checkArity(2, 2)))
    return failure();
  Value lhs = n.input(0), rhs = n.input(1);
  if (failed(checkSameElementType(n, lhs, rhs)))
    return failure();
  return finishWithKnown(n, {0, 1}, getElementTypeOrSelf(lhs.getType()), fn,
                         [&] { return n.create<OpTy>(lhs, rhs); });
}

std::optional<int64_t> addFn(ArrayRef<int64_t> v) { return v[0] + v[1]; }
std::optional<int64_t> subFn(ArrayRef<int64_t> v) { return v[0] - v[1]; }
std::optional<int64_t> mulFn(ArrayRef<int64_t> v) { return v[0] * v[1]; }
std::optional<int64_t> divFn(ArrayRef<int64_t> v) {
  if (v[1] == 0)
    return std::nullopt;
  return v[0] / v[1];
}
std::optional<int64_t> maxFn(ArrayRef<int64_t> v) {
  return std::max(v[0], v[1]);
}
std::optional<int64_t> minFn(ArrayRef<int64_t> v) {
  return std::min(v[0], v[1]);
}
std::optional<int64_t> andFn(ArrayRef<int64_t> v) { return v[0] && v[1]; }
std::optional<int64_t> orFn(ArrayRef<int64_t> v) { return v[0] || v[1]; }
std::optional<int64_t> xorFn(ArrayRef<int64_t> v) {
  return (v[0] != 0) != (v[1] != 0);
}
std::optional<int64_t> modFn(ArrayRef<int64_t> v) {
  if (v[1] == 0)
    return std::nullopt;
  int64_t r = v[0] % v[1];
  return (r != 0 && ((r < 0) != (v[1] < 0))) ? r + v[1] : r; // sign of divisor
}
std::optional<int64_t> fmodFn(ArrayRef<int64_t> v) {
  if (v[1] == 0)
    return std::nullopt;
  return v[0] % v[1];
}

std::optional<int64_t> bitAndFn(ArrayRef<int64_t> v) { return v[0] & v[1]; }
std::optional<int64_t> bitOrFn(ArrayRef<int64_t> v) { return v[0] | v[1]; }
std::optional<int64_t> bitXorFn(ArrayRef<int64_t> v) { return v[0] ^ v[1]; }

LogicalResult convertBitShift(NodeContext &n) {
  if (failed(n.checkArity(2, 2)))
    return failure();
  Value lhs = n.input(0), rhs = n.input(1);
  if (failed(checkSameElementType(n, lhs, rhs)))
    return failure();
  std::string direction = n.stringAttr("direction", "");
  if (direction == "LEFT")
    return n.finish(n.create<ShiftLeftOp>(lhs, rhs));
  if (direction == "RIGHT")
    return n.finish(n.create<ShiftRightOp>(lhs, rhs));
  return n.emitError() << "direction must be \"LEFT\" or \"RIGHT\", got \""
                       << direction << "\"";
}

LogicalResult convertPow(NodeContext &n) {
  if (failed(n.checkArity(2, 2)))
    return failure();
  // ONNX lets the exponent have its own type; the dialect does not.
  Value base = n.input(0);
  Value exponent = n.castTo(n.input(1), getElementTypeOrSelf(base.getType()));
  if (!exponent)
    return failure();
  Value result = n.create<PowOp>(base, exponent);
  if (!result)
    return failure();
  n.setOutput(0, result);
  return success();
}

LogicalResult convertMod(NodeContext &n) {
  if (failed(n.checkArity(2, 2)))
    return failure();
  Value lhs = n.input(0), rhs = n.input(1);
  if (failed(checkSameElementType(n, lhs, rhs)))
    return failure();
  bool fmod = n.intAttr("fmod", 0) != 0;
  return finishWithKnown(n, {0, 1}, getElementTypeOrSelf(lhs.getType()),
                         fmod ? fmodFn : modFn, [&] {
                           return n.create<RemOp>(
                               lhs, rhs, fmod ? n.b.getUnitAttr() : UnitAttr());
                         });
}

//===----------------------------------------------------------------------===//
// Comparisons and selection
//===----------------------------------------------------------------------===//

template <CmpPredicate predicate>
LogicalResult convertCmp(NodeContext &n) {
  if (failed(n.checkArity(2, 2)))
    return failure();
  Value lhs = n.input(0), rhs = n.input(1);
  if (failed(checkSameElementType(n, lhs, rhs)))
    return failure();
  KnownFn fn = [](ArrayRef<int64_t> v) -> std::optional<int64_t> {
    switch (predicate) {
    case CmpPredicate::eq:
      return v[0] == v[1];
    case CmpPredicate::ne:
      return v[0] != v[1];
    case CmpPredicate::lt:
      return v[0] < v[1];
    case CmpPredicate::le:
      return v[0] <= v[1];
    case CmpPredicate::gt:
      return v[0] > v[1];
    case CmpPredicate::ge:
      return v[0] >= v[1];
    }
    return std::nullopt;
  };
  return finishWithKnown(n, {0, 1}, n.b.getI1Type(), fn, [&] {
    return n.create<CmpOp>(CmpPredicateAttr::get(n.ctx, predicate), lhs, rhs);
  });
}

LogicalResult convertWhere(NodeContext &n) {
  if (failed(n.checkArity(3, 3)))
    return failure();
  Value cond = n.input(0), x = n.input(1), y = n.input(2);
  if (!getElementTypeOrSelf(cond.getType()).isInteger(1))
    return n.emitError() << "condition must be bool, got "
                         << getElementTypeOrSelf(cond.getType());
  if (failed(checkSameElementType(n, x, y)))
    return failure();
  return finishWithKnown(
      n, {0, 1, 2}, getElementTypeOrSelf(x.getType()),
      [](ArrayRef<int64_t> v) -> std::optional<int64_t> {
        return v[0] ? v[1] : v[2];
      },
      [&] { return n.create<SelectOp>(cond, x, y); });
}

//===----------------------------------------------------------------------===//
// Variadic Max / Min / Sum / Mean
//===----------------------------------------------------------------------===//

template <typename OpTy>
LogicalResult convertVariadic(NodeContext &n, KnownFn fn, bool mean = false) {
  if (failed(n.checkArity(1, std::numeric_limits<unsigned>::max())))
    return failure();
  Value result = n.input(0);
  for (unsigned i = 1; i < n.numInputs(); ++i) {
    if (failed(checkSameElementType(n, result, n.input(i))))
      return failure();
  }
  if (n.numInputs() == 2 && !mean)
    return finishWithKnown(n, {0, 1}, getElementTypeOrSelf(result.getType()),
                           fn,
                           [&] { return n.create<OpTy>(result, n.input(1)); });
  for (unsigned i = 1; i < n.numInputs() && result; ++i)
    result = n.create<OpTy>(result, n.input(i));
  if (result && mean && n.numInputs() > 1) {
    Value count =
        n.scalar(getElementTypeOrSelf(result.getType()), n.numInputs());
    result = count ? n.create<DivOp>(result, count) : Value();
  }
  if (!result)
    return failure();
  n.setOutput(0, result);
  return success();
}

//===----------------------------------------------------------------------===//
// Unary
//===----------------------------------------------------------------------===//

template <typename OpTy>
LogicalResult convertUnary(NodeContext &n) {
  if (failed(n.checkArity(1, 1)))
    return failure();
  Value result = n.create<OpTy>(n.input(0));
  if (!result)
    return failure();
  n.setOutput(0, result);
  return success();
}

LogicalResult convertNeg(NodeContext &n) {
  if (failed(n.checkArity(1, 1)))
    return failure();
  return finishWithKnown(
      n, {0}, getElementTypeOrSelf(n.input(0).getType()),
      [](ArrayRef<int64_t> v) -> std::optional<int64_t> { return -v[0]; },
      [&] { return n.create<NegOp>(n.input(0)); });
}

LogicalResult convertAbs(NodeContext &n) {
  if (failed(n.checkArity(1, 1)))
    return failure();
  return finishWithKnown(
      n, {0}, getElementTypeOrSelf(n.input(0).getType()),
      [](ArrayRef<int64_t> v) -> std::optional<int64_t> {
        return std::abs(v[0]);
      },
      [&] { return n.create<AbsOp>(n.input(0)); });
}

LogicalResult convertNot(NodeContext &n) {
  if (failed(n.checkArity(1, 1)))
    return failure();
  return finishWithKnown(
      n, {0}, n.b.getI1Type(),
      [](ArrayRef<int64_t> v) -> std::optional<int64_t> { return v[0] == 0; },
      [&] { return n.create<NotOp>(n.input(0)); });
}

LogicalResult convertLeakyRelu(NodeContext &n) {
  if (failed(n.checkArity(1, 1)))
    return failure();
  return n.finish(n.create<LeakyReluOp>(
      n.input(0), n.b.getF64FloatAttr(n.floatAttr("alpha", 0.01))));
}

LogicalResult convertElu(NodeContext &n) {
  if (failed(n.checkArity(1, 1)))
    return failure();
  return n.finish(n.create<EluOp>(
      n.input(0), n.b.getF64FloatAttr(n.floatAttr("alpha", 1.0))));
}

LogicalResult convertSelu(NodeContext &n) {
  if (failed(n.checkArity(1, 1)))
    return failure();
  // selu(x) = gamma * elu(x, alpha)
  double alpha = n.floatAttr("alpha", 1.67326319217681884765625);
  double gamma = n.floatAttr("gamma", 1.05070102214813232421875);
  Value x = n.input(0);
  Value elu = n.create<EluOp>(x, n.b.getF64FloatAttr(alpha));
  Value g = n.scalar(getElementTypeOrSelf(x.getType()), gamma);
  return n.finish(elu && g ? n.create<MulOp>(elu, g) : Value());
}

LogicalResult convertHardSigmoid(NodeContext &n) {
  if (failed(n.checkArity(1, 1)))
    return failure();
  return n.finish(n.create<HardSigmoidOp>(
      n.input(0), n.b.getF64FloatAttr(n.floatAttr("alpha", 0.2)),
      n.b.getF64FloatAttr(n.floatAttr("beta", 0.5))));
}

LogicalResult convertHardSwish(NodeContext &n) {
  if (failed(n.checkArity(1, 1)))
    return failure();
  // x * max(0, min(1, x / 6 + 1 / 2))
  Value x = n.input(0);
  Value gate = n.create<HardSigmoidOp>(x, n.b.getF64FloatAttr(1.0 / 6.0),
                                       n.b.getF64FloatAttr(0.5));
  return n.finish(gate ? n.create<MulOp>(x, gate) : Value());
}

LogicalResult convertSoftsign(NodeContext &n) {
  if (failed(n.checkArity(1, 1)))
    return failure();
  // x / (1 + |x|)
  Value x = n.input(0);
  Value abs = n.create<AbsOp>(x);
  Value one = n.scalar(getElementTypeOrSelf(x.getType()), 1.0);
  Value denominator = abs && one ? n.create<AddOp>(abs, one) : Value();
  return n.finish(denominator ? n.create<DivOp>(x, denominator) : Value());
}

LogicalResult convertMish(NodeContext &n) {
  if (failed(n.checkArity(1, 1)))
    return failure();
  // x * tanh(softplus(x))
  Value x = n.input(0);
  Value softplus = n.create<SoftplusOp>(x);
  Value tanh = softplus ? n.create<TanhOp>(softplus) : Value();
  return n.finish(tanh ? n.create<MulOp>(x, tanh) : Value());
}

LogicalResult convertGelu(NodeContext &n) {
  if (failed(n.checkArity(1, 1)))
    return failure();
  std::string approximate = n.stringAttr("approximate", "none");
  GeluApproximation kind;
  if (approximate == "none")
    kind = GeluApproximation::none;
  else if (approximate == "tanh")
    kind = GeluApproximation::tanh;
  else
    return n.emitError() << "unknown approximate '" << approximate << "'";
  return n.finish(
      n.create<GeluOp>(n.input(0), GeluApproximationAttr::get(n.ctx, kind)));
}

LogicalResult convertPRelu(NodeContext &n) {
  if (failed(n.checkArity(2, 2)))
    return failure();
  // x < 0 ? slope * x : x
  Value x = n.input(0), slope = n.input(1);
  if (failed(checkSameElementType(n, x, slope)))
    return failure();
  Value zero = n.scalar(getElementTypeOrSelf(x.getType()), 0.0);
  Value negative =
      zero ? n.create<CmpOp>(CmpPredicateAttr::get(n.ctx, CmpPredicate::lt), x,
                             zero)
           : Value();
  Value scaled = n.create<MulOp>(x, slope);
  return n.finish(negative && scaled ? n.create<SelectOp>(negative, scaled, x)
                                     : Value());
}

LogicalResult convertThresholdedRelu(NodeContext &n) {
  if (failed(n.checkArity(1, 1)))
    return failure();
  // x > alpha ? x : 0
  Value x = n.input(0);
  Type element = getElementTypeOrSelf(x.getType());
  Value alpha = n.scalar(element, n.floatAttr("alpha", 1.0));
  Value zero = n.scalar(element, 0.0);
  Value above =
      alpha ? n.create<CmpOp>(CmpPredicateAttr::get(n.ctx, CmpPredicate::gt), x,
                              alpha)
            : Value();
  return n.finish(above && zero ? n.create<SelectOp>(above, x, zero) : Value());
}

LogicalResult convertIsNaN(NodeContext &n) {
  if (failed(n.checkArity(1, 1)))
    return failure();
  Value x = n.input(0);
  return n.finish(
      n.create<CmpOp>(CmpPredicateAttr::get(n.ctx, CmpPredicate::ne), x, x));
}

LogicalResult convertIsInf(NodeContext &n) {
  if (failed(n.checkArity(1, 1)))
    return failure();
  Value x = n.input(0);
  Type element = getElementTypeOrSelf(x.getType());
  if (!isa<FloatType>(element))
    return n.emitError() << "expects a float input";
  bool positive = n.intAttr("detect_positive", 1) != 0,
       negative = n.intAttr("detect_negative", 1) != 0;
  auto equalTo = [&](double value) {
    Value bound = n.scalar(element, value);
    return bound ? n.create<CmpOp>(
                       CmpPredicateAttr::get(n.ctx, CmpPredicate::eq), x, bound)
                 : Value();
  };
  constexpr double inf = std::numeric_limits<double>::infinity();
  if (positive && negative) {
    Value pos = equalTo(inf), neg = equalTo(-inf);
    return n.finish(pos && neg ? n.create<OrOp>(pos, neg) : Value());
  }
  if (positive || negative)
    return n.finish(equalTo(positive ? inf : -inf));
  // Neither: all false (x < x holds for no x, NaN included).
  return n.finish(
      n.create<CmpOp>(CmpPredicateAttr::get(n.ctx, CmpPredicate::lt), x, x));
}

LogicalResult convertCelu(NodeContext &n) {
  if (failed(n.checkArity(1, 1)))
    return failure();
  // alpha * elu(x / alpha, 1) = max(0, x) + min(0, alpha * (exp(x / alpha) -
  // 1))
  double alpha = n.floatAttr("alpha", 1.0);
  if (alpha == 0)
    return n.emitError() << "alpha must be non-zero";
  // Three roundings in a 16-bit float would be visible: f16 and bf16
  // compute in f32 and round once.
  Type element = getElementTypeOrSelf(n.input(0).getType());
  Type compute =
      element.getIntOrFloatBitWidth() < 32 ? Type(n.b.getF32Type()) : element;
  Value x = n.castTo(n.input(0), compute);
  Value scaled = x ? n.create<DivOp>(x, n.scalar(compute, alpha)) : Value();
  Value elu =
      scaled ? n.create<EluOp>(scaled, n.b.getF64FloatAttr(1.0)) : Value();
  Value result = elu ? n.create<MulOp>(elu, n.scalar(compute, alpha)) : Value();
  return n.finish(result ? n.castTo(result, element) : Value());
}

LogicalResult convertShrink(NodeContext &n) {
  if (failed(n.checkArity(1, 1)))
    return failure();
  // x < -lambd ? x + bias : (x > lambd ? x - bias : 0)
  Value x = n.input(0);
  Type element = getElementTypeOrSelf(x.getType());
  double lambd = n.floatAttr("lambd", 0.5), bias = n.floatAttr("bias", 0.0);
  Value below = n.create<CmpOp>(CmpPredicateAttr::get(n.ctx, CmpPredicate::lt),
                                x, n.scalar(element, -lambd));
  Value above = n.create<CmpOp>(CmpPredicateAttr::get(n.ctx, CmpPredicate::gt),
                                x, n.scalar(element, lambd));
  Value plus = n.create<AddOp>(x, n.scalar(element, bias));
  Value minus = n.create<SubOp>(x, n.scalar(element, bias));
  Value upper = above && minus
                    ? n.create<SelectOp>(above, minus, n.scalar(element, 0.0))
                    : Value();
  return n.finish(below && plus && upper
                      ? n.create<SelectOp>(below, plus, upper)
                      : Value());
}

LogicalResult convertSwish(NodeContext &n) {
  if (failed(n.checkArity(1, 1)))
    return failure();
  // x * sigmoid(alpha * x)
  Value x = n.input(0);
  double alpha = n.floatAttr("alpha", 1.0);
  Value scaled =
      alpha == 1.0 ? x
                   : n.create<MulOp>(
                         x, n.scalar(getElementTypeOrSelf(x.getType()), alpha));
  Value gate = scaled ? n.create<SigmoidOp>(scaled) : Value();
  return n.finish(gate ? n.create<MulOp>(x, gate) : Value());
}

/// SwiGLU (opset 28): Swish(a, alpha) * b, a and b of one shape.
LogicalResult convertSwiGLU(NodeContext &n) {
  if (failed(n.checkArity(2, 2)))
    return failure();
  Value a = n.input(0), b = n.input(1);
  if (n.inputType(0) != n.inputType(1))
    return n.emitError() << "A and B must have the same shape and type (SwiGLU "
                            "does not broadcast)";
  double alpha = n.floatAttr("alpha", 1.0);
  Value scaled =
      alpha == 1.0 ? a
                   : n.create<MulOp>(
                         a, n.scalar(getElementTypeOrSelf(a.getType()), alpha));
  Value gate = scaled ? n.create<SigmoidOp>(scaled) : Value();
  Value swish = gate ? n.create<MulOp>(a, gate) : Value();
  return n.finish(swish ? n.create<MulOp>(swish, b) : Value());
}

LogicalResult convertClip(NodeContext &n) {
  // Before opset 11 the bounds are attributes (default: unbounded).
  if (n.opset() < 11) {
    if (failed(n.checkArity(1, 1)))
      return failure();
    FloatAttr min, max;
    if (n.hasAttr("min"))
      min = n.b.getF64FloatAttr(n.floatAttr("min", 0.0));
    if (n.hasAttr("max"))
      max = n.b.getF64FloatAttr(n.floatAttr("max", 0.0));
    if (!min && !max) {
      n.setOutput(0, n.input(0));
      return success();
    }
    return n.finish(n.create<ClipOp>(n.input(0), min, max));
  }
  if (failed(n.checkArity(1, 3)))
    return failure();
  Value x = n.input(0);
  // Constant bounds become attributes; run-time bounds become max/min.
  FloatAttr bounds[2];
  Value result = x;
  for (unsigned i = 1; i <= 2; ++i) {
    if (!n.hasInput(i))
      continue;
    if (failed(checkSameElementType(n, x, n.input(i))))
      return failure();
    std::optional<SmallVector<double>> values = n.constantValues(i);
    if (values && values->size() == 1) {
      bounds[i - 1] = n.b.getF64FloatAttr(values->front());
      continue;
    }
    result = i == 1 ? n.create<MaxOp>(result, n.input(i))
                    : n.create<MinOp>(result, n.input(i));
    if (!result)
      return failure();
  }
  if (bounds[0] || bounds[1])
    result = n.create<ClipOp>(result, bounds[0], bounds[1]);
  return n.finish(result);
}

//===----------------------------------------------------------------------===//
// Pass-through, casts
//===----------------------------------------------------------------------===//

LogicalResult convertIdentity(NodeContext &n) {
  if (failed(n.checkArity(1, 1)))
    return failure();
  if (const KnownInts *k = n.known(0))
    n.setOutput(0, n.input(0), *k);
  else
    n.setOutput(0, n.input(0));
  return success();
}

LogicalResult convertDropout(NodeContext &n) {
  // Inference, or training with a ratio of 0: the data passes through; the
  // mask (if asked for) is all true. Training with another ratio drops
  // random elements, which a compiled inference model does not do.
  if (failed(n.checkArity(1, 3, 2)))
    return failure();
  if (n.hasInput(2)) {
    std::optional<SmallVector<int64_t>> training = n.knownValues(2);
    if (!training)
      return n.notKnown("training_mode");
    if (training->size() != 1)
      return n.emitError() << "training_mode must be a scalar";
    if (training->front() != 0) {
      std::optional<SmallVector<double>> ratio =
          n.hasInput(1) ? n.constantValues(1) : SmallVector<double>{0.5};
      if (!ratio)
        return n.notKnown("ratio (in training mode)");
      if (ratio->size() != 1 || ratio->front() != 0)
        return n.emitError() << "training_mode = true with a ratio other "
                                "than 0 drops random elements, which is not "
                                "supported";
    }
  }
  n.setOutput(0, n.input(0));
  if (n.hasOutput(1)) {
    auto type = n.inputType(0);
    if (!type.hasStaticShape())
      return n.notKnown("the shape of the mask output");
    // Before opset 10 the mask has the input's element type (ones).
    TypedAttr one = n.b.getBoolAttr(true);
    Type maskElement = n.b.getI1Type();
    if (n.opset() < 10) {
      maskElement = type.getElementType();
      one = isa<FloatType>(maskElement)
                ? TypedAttr(n.b.getFloatAttr(maskElement, 1.0))
                : TypedAttr(n.b.getIntegerAttr(maskElement, 1));
    }
    Value mask = n.createTyped<FillOp>(type.clone(maskElement), Value(), one);
    if (!mask)
      return failure();
    n.setOutput(1, mask);
  }
  return success();
}

LogicalResult castKnownOrBuild(NodeContext &n, Type target) {
  Value x = n.input(0);
  // ONNX's `saturate` (opset 19 on) only concerns the float8 types.
  if (isFloat8(target))
    return n.finish(castToFloat8(n, x, cast<FloatType>(target),
                                 n.intAttr("saturate", 1) != 0));
  Type source = getElementTypeOrSelf(x.getType());
  if (source == target) {
    if (const KnownInts *k = n.known(0))
      n.setOutput(0, x, *k);
    else
      n.setOutput(0, x);
    return success();
  }
  // Shape arithmetic often continues in floats (a grid size cast to f32 for
  // a Range): a known integer tensor cast to a float is a constant.
  if (const KnownInts *k = n.known(0); k && k->isFullyKnown() &&
                                       isa<IntegerType>(source) &&
                                       isa<FloatType>(target)) {
    auto type = RankedTensorType::get(k->shape, target);
    SmallVector<APFloat> values;
    for (int64_t v : k->values) {
      APFloat f(static_cast<double>(v));
      bool lost;
      f.convert(cast<FloatType>(target).getFloatSemantics(),
                APFloat::rmNearestTiesToEven, &lost);
      values.push_back(f);
    }
    return n.finish(n.constant(DenseElementsAttr::get(type, values)));
  }
  KnownFn identity = [](ArrayRef<int64_t> v) -> std::optional<int64_t> {
    return v[0];
  };
  return finishWithKnown(n, {0}, target,
                         isa<IntegerType>(source) ? identity : nullptr,
                         [&] { return n.castTo(x, target); });
}

/// The element type the `to` attribute of Cast or BitCast names.
FailureOr<Type> targetOfTo(NodeContext &n) {
  int64_t to = n.intAttr("to", 0);
  if (Type target = convertElementType(to, n.ctx))
    return target;
  return n.emitError() << "unsupported target type " << onnxTypeName(to);
}

LogicalResult convertCast(NodeContext &n) {
  if (failed(n.checkArity(1, 1)))
    return failure();
  FailureOr<Type> target = targetOfTo(n);
  if (failed(target))
    return failure();
  return castKnownOrBuild(n, *target);
}

LogicalResult convertCastLike(NodeContext &n) {
  if (failed(n.checkArity(2, 2)))
    return failure();
  return castKnownOrBuild(n, getElementTypeOrSelf(n.input(1).getType()));
}

/// BitCast (opset 26): each element's bits read as `to`, of the same width.
/// From bool (one byte, 0 or 1) to an 8-bit integer the bits are the value
/// Cast gives; otherwise autoglm.bitcast reinterprets them.
LogicalResult convertBitCast(NodeContext &n) {
  if (failed(n.checkArity(1, 1)))
    return failure();
  FailureOr<Type> toType = targetOfTo(n);
  if (failed(toType))
    return failure();
  Type target = *toType;
  Value x = n.input(0);
  Type source = getElementTypeOrSelf(x.getType());
  if (source == target)
    return n.finish(x);
  auto width = [](Type type) {
    return type.isIntOrFloat() ? type.getIntOrFloatBitWidth() : 0;
  };
  if (source.isInteger(1) && width(target) == 8 && isa<IntegerType>(target))
    return n.finish(n.castTo(x, target));
  if (source.isInteger(1) || target.isInteger(1) || width(source) < 8 ||
      width(source) != width(target))
    return n.emitError() << "BitCast from " << source << " to " << target
                         << " is not supported (only between types of one "
                            "width of at least 8 bits, and from bool to an "
                            "8-bit integer)";
  auto type = cast<RankedTensorType>(x.getType());
  return n.finish(n.createTyped<BitCastOp>(type.clone(target), x));
}
} // namespace

void registerElementwiseConverters(OpRegistry &r) {
  r.add("Add", [](NodeContext &n) { return convertBinary<AddOp>(n, addFn); });
  r.add("Sub", [](NodeContext &n) { return convertBinary<SubOp>(n, subFn); });
  r.add("Mul", [](NodeContext &n) { return convertBinary<MulOp>(n, mulFn); });
  r.add("Div", [](NodeContext &n) { return convertBinary<DivOp>(n, divFn); });
  r.add("And", [](NodeContext &n) { return convertBinary<AndOp>(n, andFn); });
  r.add("Or", [](NodeContext &n) { return convertBinary<OrOp>(n, orFn); });
  r.add("Xor", [](NodeContext &n) { return convertBinary<XorOp>(n, xorFn); });
  r.add("BitwiseAnd",
        [](NodeContext &n) { return convertBinary<AndOp>(n, bitAndFn); });
  r.add("BitwiseOr",
        [](NodeContext &n) { return convertBinary<OrOp>(n, bitOrFn); });
  r.add("BitwiseXor",
        [](NodeContext &n) { return convertBinary<XorOp>(n, bitXorFn); });
  r.add("BitwiseNot", convertUnary<NotOp>);
  r.add("BitShift", convertBitShift);
  r.add("Pow", convertPow);
  r.add("Mod", convertMod);
  r.add("Max", [](NodeContext &n) { return convertVariadic<MaxOp>(n, maxFn); });
  r.add("Min", [](NodeContext &n) { return convertVariadic<MinOp>(n, minFn); });
  r.add("Sum", [](NodeContext &n) { return convertVariadic<AddOp>(n, addFn); });
  r.add("Mean", [](NodeContext &n) {
    return convertVariadic<AddOp>(n, nullptr, true);
  });

  r.add("Equal", convertCmp<CmpPredicate::eq>);
  r.add("Less", convertCmp<CmpPredicate::lt>);
  r.add("LessOrEqual", convertCmp<CmpPredicate::le>);
  r.add("Greater", convertCmp<CmpPredicate::gt>);
  r.add("GreaterOrEqual", convertCmp<CmpPredicate::ge>);
  r.add("Where", convertWhere);
  r.add("Not", convertNot);
  r.add("IsNaN", convertIsNaN);

  r.add("Neg", convertNeg);
  r.add("Abs", convertAbs);
  r.add("Sign", convertUnary<SignOp>);
  r.add("Relu", convertUnary<ReluOp>);
  r.add("Exp", convertUnary<ExpOp>);
  r.add("Log", convertUnary<LogOp>);
  r.add("Sqrt", convertUnary<SqrtOp>);
  r.add("Reciprocal", convertUnary<ReciprocalOp>);
  r.add("Tanh", convertUnary<TanhOp>);
  r.add("Erf", convertUnary<ErfOp>);
  r.add("Sigmoid", convertUnary<SigmoidOp>);
  r.add("Sin", convertUnary<SinOp>);
  r.add("Cos", convertUnary<CosOp>);
  r.add("Tan", convertUnary<TanOp>);
  r.add("Asin", convertUnary<AsinOp>);
  r.add("Acos", convertUnary<AcosOp>);
  r.add("Atan", convertUnary<AtanOp>);
  r.add("Sinh", convertUnary<SinhOp>);
  r.add("Cosh", convertUnary<CoshOp>);
  r.add("Asinh", convertUnary<AsinhOp>);
  r.add("Acosh", convertUnary<AcoshOp>);
  r.add("Atanh", convertUnary<AtanhOp>);
  r.add("Floor", convertUnary<FloorOp>);
  r.add("Ceil", convertUnary<CeilOp>);
  r.add("Round", convertUnary<RoundOp>);
  r.add("Softplus", convertUnary<SoftplusOp>);
  r.add("LeakyRelu", convertLeakyRelu);
  r.add("Elu", convertElu);
  r.add("Selu", convertSelu);
  r.add("HardSigmoid", convertHardSigmoid);
  r.add("HardSwish", convertHardSwish);
  r.add("Softsign", convertSoftsign);
  r.add("Mish", convertMish);
  r.add("Gelu", convertGelu);
  r.add("PRelu", convertPRelu);
  r.add("ThresholdedRelu", convertThresholdedRelu);
  r.add("Clip", convertClip);
  r.add("IsInf", convertIsInf);
  r.add("Celu", convertCelu);
  r.add("Shrink", convertShrink);
  r.add("Swish", convertSwish);
  r.add("SwiGLU", convertSwiGLU);

  r.add("Identity", convertIdentity);
  r.add("Dropout", convertDropout);
  r.add("Cast", convertCast);
  r.add("CastLike", convertCastLike);
  r.add("BitCast", convertBitCast);
}
} // namespace autoglm::importer
