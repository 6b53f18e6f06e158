//===- Elementwise.cpp - constant evaluation of elementwise ops -----------===//
//
// Unary and binary ops (numpy broadcasting), select and cast. Floats compute
// in double and integers wrap to their width (signedness from the element
// type); what is undefined (integer division by zero, a float out of an
// integer's range) is left to run time.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <functional>

namespace mlir::autoglm::evaluator {
namespace {
using FloatFn = std::function<double(double)>;
using FloatFn2 = std::function<double(double, double)>;
/// nullopt: undefined for these operands (left to run time).
using IntFn2 = std::function<std::optional<int64_t>(int64_t, int64_t)>;

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

FloatFn floatUnary(Operation *op) {
  return llvm::TypeSwitch<Operation *, FloatFn>(op)
      .Case([](NegOp) { return [](double x) { return -x; }; })
      .Case([](AbsOp) { return [](double x) { return std::fabs(x); }; })
      .Case([](SignOp) {
        return [](double x) {
          return std::isnan(x) ? x : double((x > 0) - (x < 0));
        };
      })
      .Case([](ReluOp) {
        return [](double x) { return x > 0 ? x : (x < 0 ? 0.0 : x); };
      })
      .Case([](ExpOp) { return [](double x) { return std::exp(x); }; })
      .Case([](LogOp) { return [](double x) { return std::log(x); }; })
      .Case([](SqrtOp) { return [](double x) { return std::sqrt(x); }; })
      .Case([](RsqrtOp) { return [](double x) { return 1.0 / std::sqrt(x); }; })
      .Case([](ReciprocalOp) { return [](double x) { return 1.0 / x; }; })
      .Case([](TanhOp) { return [](double x) { return std::tanh(x); }; })
      .Case([](ErfOp) { return [](double x) { return std::erf(x); }; })
      .Case([](SigmoidOp) { return sigmoid; })
      .Case([](SinOp) { return [](double x) { return std::sin(x); }; })
      .Case([](CosOp) { return [](double x) { return std::cos(x); }; })
      .Case([](TanOp) { return [](double x) { return std::tan(x); }; })
      .Case([](AsinOp) { return [](double x) { return std::asin(x); }; })
      .Case([](AcosOp) { return [](double x) { return std::acos(x); }; })
      .Case([](AtanOp) { return [](double x) { return std::atan(x); }; })
      .Case([](SinhOp) { return [](double x) { return std::sinh(x); }; })
      .Case([](CoshOp) { return [](double x) { return std::cosh(x); }; })
      .Case([](AsinhOp) { return [](double x) { return std::asinh(x); }; })
      .Case([](AcoshOp) { return [](double x) { return std::acosh(x); }; })
      .Case([](AtanhOp) { return [](double x) { return std::atanh(x); }; })
      .Case([](FloorOp) { return [](double x) { return std::floor(x); }; })
      .Case([](CeilOp) { return [](double x) { return std::ceil(x); }; })
      // Half to even: the default rounding mode.
      .Case([](RoundOp) { return [](double x) { return std::nearbyint(x); }; })
      .Case([](SoftplusOp) {
        return [](double x) { return std::log1p(std::exp(x)); };
      })
      .Case([](GeluOp gelu) -> FloatFn {
        if (gelu.getApproximation() == GeluApproximation::tanh)
          return [](double x) {
            constexpr double k = 0.7978845608028654; // sqrt(2 / pi)
            return 0.5 * x * (1 + std::tanh(k * (x + 0.044715 * x * x * x)));
          };
        return [](double x) {
          return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
        };
      })
      .Case([](LeakyReluOp op) -> FloatFn {
        double alpha = op.getAlpha().convertToDouble();
        return [alpha](double x) { return x >= 0 ? x : alpha * x; };
      })
      .Case([](EluOp op) -> FloatFn {
        double alpha = op.getAlpha().convertToDouble();
        return [alpha](double x) { return x >= 0 ? x : alpha * std::expm1(x); };
      })
      .Case([](HardSigmoidOp op) -> FloatFn {
        double alpha = op.getAlpha().convertToDouble(),
               beta = op.getBeta().convertToDouble();
        return [=](double x) {
          return std::max(0.0, std::min(1.0, alpha * x + beta));
        };
      })
      .Case([](ClipOp op) -> FloatFn {
        std::optional<double> lo, hi;
        if (auto min = op.getMinAttr())
          lo = min.getValueAsDouble();
        if (auto max = op.getMaxAttr())
          hi = max.getValueAsDouble();
        return [=](double x) {
          if (lo && x < *lo)
            x = *lo;
          if (hi && x > *hi)
            x = *hi;
          return x;
        };
      })
      .Default([](Operation *) { return FloatFn(); });
}

/// Unary ops on integers; `type` is the element type.
std::function<int64_t(int64_t)> intUnary(Operation *op, Type type) {
  using Fn = std::function<int64_t(int64_t)>;
  bool isUnsigned = isUnsignedInt(type);
  return llvm::TypeSwitch<Operation *, Fn>(op)
      .Case([=](NegOp) {
        return [=](int64_t x) { return wrapInt(-uint64_t(x), type); };
      })
      .Case([=](AbsOp) {
        return [=](int64_t x) {
          return isUnsigned || x >= 0 ? x : wrapInt(-uint64_t(x), type);
        };
      })
      .Case([=](SignOp) {
        return [=](int64_t x) -> int64_t {
          if (isUnsigned)
            return x != 0;
          return (x > 0) - (x < 0);
        };
      })
      .Case([=](ReluOp) {
        return
            [=](int64_t x) -> int64_t { return isUnsigned || x > 0 ? x : 0; };
      })
      .Case([=](NotOp) -> Fn {
        if (type.isInteger(1))
          return [](int64_t x) -> int64_t { return x == 0; };
        return [=](int64_t x) { return wrapInt(~uint64_t(x), type); };
      })
      .Case([=](ClipOp op) -> Fn {
        std::optional<double> lo, hi;
        if (auto min = op.getMinAttr())
          lo = min.getValueAsDouble();
        if (auto max = op.getMaxAttr())
          hi = max.getValueAsDouble();
        return [=](int64_t x) {
          double value = isUnsigned ? double(uint64_t(x)) : double(x);
          if (lo && value < *lo)
            return wrapInt(uint64_t(int64_t(std::ceil(*lo))), type);
          if (hi && value > *hi)
            return wrapInt(uint64_t(int64_t(std::floor(*hi))), type);
          return x;
        };
      })
      .Default([](Operation *) { return Fn(); });
}

double pythonFmod(double a, double b) {
  double r = std::fmod(a, b);
  if (r != 0 && ((r < 0) != (b < 0)))
    r += b;
  return r;
}

FloatFn2 floatBinary(Operation *op) {
  return llvm::TypeSwitch<Operation *, FloatFn2>(op)
      .Case([](AddOp) { return [](double a, double b) { return a + b; }; })
      .Case([](SubOp) { return [](double a, double b) { return a - b; }; })
      .Case([](MulOp) { return [](double a, double b) { return a * b; }; })
      .Case([](DivOp) { return [](double a, double b) { return a / b; }; })
      .Case([](PowOp) {
        return [](double a, double b) { return std::pow(a, b); };
      })
      .Case([](MaxOp) {
        return [](double a, double b) {
          return std::isnan(a) || std::isnan(b) ? NAN : std::max(a, b);
        };
      })
      .Case([](MinOp) {
        return [](double a, double b) {
          return std::isnan(a) || std::isnan(b) ? NAN : std::min(a, b);
        };
      })
      .Case([](RemOp op) -> FloatFn2 {
        if (op.getFmod())
          return [](double a, double b) { return std::fmod(a, b); };
        return pythonFmod;
      })
      .Default([](Operation *) { return FloatFn2(); });
}

/// Binary ops on integers of element type `type`; arithmetic wraps.
IntFn2 intBinary(Operation *op, Type type) {
  bool isUnsigned = isUnsignedInt(type);
  unsigned width = cast<IntegerType>(type).getWidth();
  auto wrap = [type](uint64_t v) -> std::optional<int64_t> {
    return wrapInt(v, type);
  };
  auto less = [isUnsigned](int64_t a, int64_t b) {
    return isUnsigned ? uint64_t(a) < uint64_t(b) : a < b;
  };
  return llvm::TypeSwitch<Operation *, IntFn2>(op)
      .Case([=](AddOp) {
        return [=](int64_t a, int64_t b) {
          return wrap(uint64_t(a) + uint64_t(b));
        };
      })
      .Case([=](SubOp) {
        return [=](int64_t a, int64_t b) {
          return wrap(uint64_t(a) - uint64_t(b));
        };
      })
      .Case([=](MulOp) {
        return [=](int64_t a, int64_t b) {
          return wrap(uint64_t(a) * uint64_t(b));
        };
      })
      .Case([=](DivOp) {
        return [=](int64_t a, int64_t b) -> std::optional<int64_t> {
          if (b == 0)
            return std::nullopt;
          if (isUnsigned)
            return wrap(uint64_t(a) / uint64_t(b));
          if (width == 64 && a == INT64_MIN && b == -1)
            return std::nullopt;
          return wrap(uint64_t(a / b)); // C truncation toward zero
        };
      })
      .Case([=](RemOp op) {
        bool fmod = op.getFmod();
        return [=](int64_t a, int64_t b) -> std::optional<int64_t> {
          if (b == 0)
            return std::nullopt;
          if (isUnsigned)
            return wrap(uint64_t(a) % uint64_t(b));
          if (b == -1)
            return 0;
          int64_t r = a % b; // sign of the dividend
          if (!fmod && r != 0 && ((r < 0) != (b < 0)))
            r += b; // sign of the divisor
          return r;
        };
      })
      .Case([=](PowOp) {
        return [=](int64_t a, int64_t b) -> std::optional<int64_t> {
          if (!isUnsigned && b < 0)
            return std::nullopt;
          uint64_t result = 1, base = a, exp = b;
          for (; exp; exp >>= 1, base *= base)
            if (exp & 1)
              result *= base;
          return wrap(result);
        };
      })
      .Case([=](MaxOp) {
        return [=](int64_t a, int64_t b) -> std::optional<int64_t> {
          return less(a, b) ? b : a;
        };
      })
      .Case([=](MinOp) {
        return [=](int64_t a, int64_t b) -> std::optional<int64_t> {
          return less(b, a) ? b : a;
        };
      })
      // Bitwise; on i1 (0 or 1) that is the logical operation.
      .Case([](AndOp) {
        return [](int64_t a, int64_t b) -> std::optional<int64_t> {
          return a & b;
        };
      })
      .Case([](OrOp) {
        return [](int64_t a, int64_t b) -> std::optional<int64_t> {
          return a | b;
        };
      })
      .Case([](XorOp) {
        return [](int64_t a, int64_t b) -> std::optional<int64_t> {
          return a ^ b;
        };
      })
      .Case([=](ShiftLeftOp) {
        return [=](int64_t a, int64_t b) -> std::optional<int64_t> {
          if (uint64_t(b) >= width)
            return 0;
          return wrap(uint64_t(a) << b);
        };
      })
      .Case([=](ShiftRightOp) {
        // Arithmetic for signed types (values are sign-extended here),
        // logical for unsigned ones (zero-extended).
        return [=](int64_t a, int64_t b) -> std::optional<int64_t> {
          if (uint64_t(b) >= width)
            return isUnsigned || a >= 0 ? 0 : -1;
          return isUnsigned ? wrap(uint64_t(a) >> b) : wrap(uint64_t(a >> b));
        };
      })
      .Case([=](CmpOp op) {
        CmpPredicate predicate = op.getPredicate();
        return [=](int64_t a, int64_t b) -> std::optional<int64_t> {
          switch (predicate) {
          case CmpPredicate::eq:
            return a == b;
          case CmpPredicate::ne:
            return a != b;
          case CmpPredicate::lt:
            return less(a, b);
          case CmpPredicate::le:
            return !less(b, a);
          case CmpPredicate::gt:
            return less(b, a);
          case CmpPredicate::ge:
            return !less(a, b);
          }
          return std::nullopt;
        };
      })
      .Default([](Operation *) { return IntFn2(); });
}

/// Float comparison; NaN compares false except with `ne`.
std::function<int64_t(double, double)> floatCompare(CmpPredicate predicate) {
  return [predicate](double a, double b) -> int64_t {
    switch (predicate) {
    case CmpPredicate::eq:
      return a == b;
    case CmpPredicate::ne:
      return !(a == b);
    case CmpPredicate::lt:
      return a < b;
    case CmpPredicate::le:
      return a <= b;
    case CmpPredicate::gt:
      return a > b;
    case CmpPredicate::ge:
      return a >= b;
    }
    return 0;
  };
}
} // namespace

EvalStatus evalBinary(Operation *op, const ConstTensor &lhs,
                      const ConstTensor &rhs, RankedTensorType type,
                      ConstTensor &out) {
  std::vector<int64_t> a =
      broadcastOffsets(lhs.type.getShape(), type.getShape());
  std::vector<int64_t> b =
      broadcastOffsets(rhs.type.getShape(), type.getShape());
  out = ConstTensor::zeros(type);
  auto cmp = dyn_cast<CmpOp>(op);
  if (lhs.isFloat()) {
    if (cmp) {
      auto fn = floatCompare(cmp.getPredicate());
      for (size_t i = 0; i < a.size(); ++i)
        out.ints[i] = fn(lhs.floats[a[i]], rhs.floats[b[i]]);
      return EvalStatus::Done;
    }
    FloatFn2 fn = floatBinary(op);
    if (!fn)
      return EvalStatus::Unsupported;
    for (size_t i = 0; i < a.size(); ++i)
      out.floats[i] = fn(lhs.floats[a[i]], rhs.floats[b[i]]);
    return EvalStatus::Done;
  }
  IntFn2 fn = intBinary(op, lhs.type.getElementType());
  if (!fn)
    return EvalStatus::Unsupported;
  for (size_t i = 0; i < a.size(); ++i) {
    std::optional<int64_t> value = fn(lhs.ints[a[i]], rhs.ints[b[i]]);
    if (!value)
      return EvalStatus::Undefined;
    out.ints[i] = *value;
  }
  return EvalStatus::Done;
}

EvalStatus evalUnary(Operation *op, const ConstTensor &in,
                     RankedTensorType type, ConstTensor &out) {
  out = ConstTensor::zeros(type);
  if (in.isFloat()) {
    FloatFn fn = floatUnary(op);
    if (!fn)
      return EvalStatus::Unsupported;
    for (int64_t i = 0; i < out.size(); ++i)
      out.floats[i] = fn(in.floats[i]);
    return EvalStatus::Done;
  }
  auto fn = intUnary(op, in.type.getElementType());
  if (!fn)
    return EvalStatus::Unsupported;
  for (int64_t i = 0; i < out.size(); ++i)
    out.ints[i] = fn(in.ints[i]);
  return EvalStatus::Done;
}

EvalStatus evalSelect(const ConstTensor &cond, const ConstTensor &t,
                      const ConstTensor &f, RankedTensorType type,
                      ConstTensor &out) {
  std::vector<int64_t> c =
      broadcastOffsets(cond.type.getShape(), type.getShape());
  std::vector<int64_t> a = broadcastOffsets(t.type.getShape(), type.getShape());
  std::vector<int64_t> b = broadcastOffsets(f.type.getShape(), type.getShape());
  out = ConstTensor::zeros(type);
  for (size_t i = 0; i < c.size(); ++i) {
    if (cond.ints[c[i]])
      copyElement(out, i, t, a[i]);
    else
      copyElement(out, i, f, b[i]);
  }
  return EvalStatus::Done;
}

EvalStatus evalCast(const ConstTensor &in, RankedTensorType type,
                    ConstTensor &out) {
  Type to = type.getElementType(), from = in.type.getElementType();
  // Float8/float4 rounding and saturation and the wrapping of int4, uint4,
  // int2 and uint2 are the lowering's (Float8.h, castScalar); the cast stays
  // for the compiled code.
  auto isNarrow = [](Type t) {
    if (isa<FloatType>(t))
      return t.getIntOrFloatBitWidth() <= 8;
    return t.isInteger() && t.getIntOrFloatBitWidth() > 1 &&
           t.getIntOrFloatBitWidth() < 8;
  };
  if (isNarrow(to) || isNarrow(from))
    return EvalStatus::Unsupported;
  out = ConstTensor::zeros(type);
  for (int64_t i = 0; i < in.size(); ++i) {
    if (out.isFloat()) {
      if (in.isFloat()) {
        out.floats[i] = in.floats[i];
        continue;
      }
      // Large 64-bit integers are not exact in a double: round once, from
      // the integer, to the target type.
      bool isUnsigned = isUnsignedInt(from);
      APFloat value(semanticsOf(to));
      value.convertFromAPInt(APInt(64, uint64_t(in.ints[i])), !isUnsigned,
                             APFloat::rmNearestTiesToEven);
      out.floats[i] = value.convertToDouble();
      continue;
    }
    if (to.isInteger(1)) {
      out.ints[i] = in.isFloat() ? in.floats[i] != 0 : in.ints[i] != 0;
      continue;
    }
    if (!in.isFloat()) {
      out.ints[i] = wrapInt(uint64_t(in.ints[i]), to);
      continue;
    }
    // Float to integer truncates toward zero; out of range is undefined.
    double value = std::trunc(in.floats[i]);
    unsigned width = cast<IntegerType>(to).getWidth();
    double lo = isUnsignedInt(to) ? 0 : -std::ldexp(1.0, width - 1);
    double hi =
        isUnsignedInt(to) ? std::ldexp(1.0, width) : std::ldexp(1.0, width - 1);
    if (!(value >= lo && value < hi))
      return EvalStatus::Undefined;
    out.ints[i] = value < 0 ? wrapInt(uint64_t(int64_t(value)), to)
                            : wrapInt(uint64_t(value), to);
  }
  return EvalStatus::Done;
}
} // namespace mlir::autoglm::evaluator
