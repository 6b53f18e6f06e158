//===- ConstantEvaluator.cpp - evaluate autoglm ops on constants ----------===//

#include "ConstantEvaluator.h"

#include "autoglm/Dialect/AutoGLM.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <cstring>
#include <functional>

using namespace mlir;
using namespace mlir::autoglm;

//===----------------------------------------------------------------------===//
// Element encoding
//===----------------------------------------------------------------------===//

namespace {

bool isSupportedFloat(Type type) {
  return type.isF16() || type.isBF16() || type.isF32() || type.isF64();
}

/// i1 and unsigned integers compare, divide and convert as unsigned.
bool isUnsignedInt(Type type) {
  auto integer = dyn_cast<IntegerType>(type);
  return integer && (integer.isUnsigned() || integer.getWidth() == 1);
}

/// Wraps `value` to the width of `type` and extends it back by signedness
/// (i1 stays 0/1).
int64_t wrapInt(uint64_t value, Type type) {
  unsigned width = cast<IntegerType>(type).getWidth();
  if (width >= 64)
    return static_cast<int64_t>(value);
  uint64_t mask = (uint64_t(1) << width) - 1;
  value &= mask;
  if (!isUnsignedInt(type) && (value >> (width - 1)) & 1)
    value |= ~mask;
  return static_cast<int64_t>(value);
}

/// Bytes per element in dense and resource storage (i1 excluded).
unsigned storageBytes(Type type) {
  return (type.getIntOrFloatBitWidth() + 7) / 8;
}

const llvm::fltSemantics &semanticsOf(Type type) {
  return cast<FloatType>(type).getFloatSemantics();
}

double readFloat(Type type, const char *data) {
  if (type.isF32()) {
    float value;
    std::memcpy(&value, data, sizeof(value));
    return value;
  }
  if (type.isF64()) {
    double value;
    std::memcpy(&value, data, sizeof(value));
    return value;
  }
  uint16_t bits;
  std::memcpy(&bits, data, sizeof(bits));
  return APFloat(semanticsOf(type), APInt(16, bits)).convertToDouble();
}

int64_t readInt(Type type, const char *data) {
  uint64_t bits = 0;
  std::memcpy(&bits, data, storageBytes(type)); // little-endian hosts
  return wrapInt(bits, type);
}

void writeFloat(Type type, double value, char *data) {
  if (type.isF32()) {
    float narrow = static_cast<float>(value);
    std::memcpy(data, &narrow, sizeof(narrow));
    return;
  }
  if (type.isF64()) {
    std::memcpy(data, &value, sizeof(value));
    return;
  }
  APFloat converted(value);
  bool losesInfo;
  converted.convert(semanticsOf(type), APFloat::rmNearestTiesToEven, &losesInfo);
  uint16_t bits = converted.bitcastToAPInt().getZExtValue();
  std::memcpy(data, &bits, sizeof(bits));
}

} // namespace

double mlir::autoglm::roundToFloatType(double value, Type type) {
  if (type.isF64())
    return value;
  if (type.isF32())
    return static_cast<float>(value);
  APFloat converted(value);
  bool losesInfo;
  converted.convert(semanticsOf(type), APFloat::rmNearestTiesToEven, &losesInfo);
  return converted.convertToDouble();
}

//===----------------------------------------------------------------------===//
// ConstTensor
//===----------------------------------------------------------------------===//

ConstTensor ConstTensor::zeros(RankedTensorType type) {
  ConstTensor tensor{type, {}, {}};
  if (isa<FloatType>(type.getElementType()))
    tensor.floats.assign(type.getNumElements(), 0.0);
  else
    tensor.ints.assign(type.getNumElements(), 0);
  return tensor;
}

double ConstTensor::asDouble(int64_t i) const {
  if (isFloat())
    return floats[i];
  if (isUnsignedInt(type.getElementType()))
    return static_cast<double>(static_cast<uint64_t>(ints[i]));
  return static_cast<double>(ints[i]);
}

std::optional<ConstTensor> ConstTensor::read(ElementsAttr attr) {
  auto type = dyn_cast<RankedTensorType>(attr.getType());
  if (!type || !type.hasStaticShape())
    return std::nullopt;
  Type element = type.getElementType();
  bool isInt = isa<IntegerType>(element);
  if (!isInt && !isSupportedFloat(element))
    return std::nullopt;
  ConstTensor tensor = zeros(type);
  int64_t count = type.getNumElements();

  ArrayRef<char> raw;
  bool splat = false;
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    if (element.isInteger(1)) { // bit-packed: read through the iterator
      int64_t i = 0;
      for (bool value : dense.getValues<bool>())
        tensor.ints[i++] = value;
      return tensor;
    }
    raw = dense.getRawData();
    splat = dense.isSplat();
  } else if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob) // elided (e.g. printed with --mlir-elide-resource-strings)
      return std::nullopt;
    raw = blob->getData();
  } else {
    return std::nullopt;
  }

  unsigned bytes = storageBytes(element);
  if ((int64_t)raw.size() < (splat ? 1 : count) * bytes)
    return std::nullopt;
  for (int64_t i = 0; i < count; ++i) {
    const char *data = raw.data() + (splat ? 0 : i * bytes);
    if (isInt)
      tensor.ints[i] = element.isInteger(1) ? (*data != 0) : readInt(element, data);
    else
      tensor.floats[i] = readFloat(element, data);
  }
  return tensor;
}

ElementsAttr ConstTensor::toAttr(StringRef blobName) const {
  Type element = type.getElementType();
  int64_t count = size();
  if (element.isInteger(1)) {
    SmallVector<bool> values(ints.begin(), ints.end());
    return DenseElementsAttr::get(type, values);
  }
  // Rounded to the element type first, so that the splat test sees what
  // will be stored.
  unsigned bytes = storageBytes(element);
  std::vector<char> raw(count * bytes);
  for (int64_t i = 0; i < count; ++i) {
    char *data = raw.data() + i * bytes;
    if (isFloat())
      writeFloat(element, floats[i], data);
    else
      std::memcpy(data, &ints[i], bytes); // little-endian hosts
  }
  bool splat = count > 0;
  for (int64_t i = 1; i < count && splat; ++i)
    splat = std::memcmp(raw.data(), raw.data() + i * bytes, bytes) == 0;
  if (splat)
    return DenseElementsAttr::getFromRawBuffer(type, ArrayRef<char>(raw).take_front(bytes));
  // Like the importer: large tensors as blobs, which are not uniqued (hashed
  // and kept forever) in the context.
  constexpr size_t resourceThreshold = 64 * 1024;
  if (raw.size() < resourceThreshold)
    return DenseElementsAttr::getFromRawBuffer(type, raw);
  AsmResourceBlob blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
      raw, bytes, /*dataIsMutable=*/false);
  return DenseResourceElementsAttr::get(type, blobName, std::move(blob));
}

//===----------------------------------------------------------------------===//
// Index helpers
//===----------------------------------------------------------------------===//

namespace {

SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t d = (int64_t)shape.size() - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  return strides;
}

/// Calls `fn(index)` for every multi-index of `shape` in row-major order.
void forEachIndex(ArrayRef<int64_t> shape,
                  llvm::function_ref<void(ArrayRef<int64_t>)> fn) {
  for (int64_t dim : shape)
    if (dim == 0)
      return;
  SmallVector<int64_t> index(shape.size(), 0);
  while (true) {
    fn(index);
    int64_t d = (int64_t)shape.size() - 1;
    for (; d >= 0; --d) {
      if (++index[d] < shape[d])
        break;
      index[d] = 0;
    }
    if (d < 0)
      return;
  }
}

/// The linear offset in a tensor of `inShape`, broadcast numpy-style to
/// `outShape`, of every element of `outShape`.
std::vector<int64_t> broadcastOffsets(ArrayRef<int64_t> inShape,
                                      ArrayRef<int64_t> outShape) {
  SmallVector<int64_t> inStrides = stridesOf(inShape);
  int64_t lead = outShape.size() - inShape.size();
  SmallVector<int64_t> strides(outShape.size(), 0);
  for (size_t d = 0; d < inShape.size(); ++d)
    if (inShape[d] != 1 || outShape[lead + d] == 1)
      strides[lead + d] = inStrides[d];
  std::vector<int64_t> offsets;
  offsets.reserve(ShapedType::getNumElements(outShape));
  forEachIndex(outShape, [&](ArrayRef<int64_t> index) {
    int64_t offset = 0;
    for (size_t d = 0; d < index.size(); ++d)
      offset += index[d] * strides[d];
    offsets.push_back(offset);
  });
  return offsets;
}

void copyElement(ConstTensor &dst, int64_t i, const ConstTensor &src, int64_t j) {
  if (dst.isFloat())
    dst.floats[i] = src.floats[j];
  else
    dst.ints[i] = src.ints[j];
}

/// `out[i] = in[offsets[i]]`; an offset of -1 leaves the element as it is.
ConstTensor takeElements(const ConstTensor &in, RankedTensorType type,
                         ArrayRef<int64_t> offsets) {
  ConstTensor out = ConstTensor::zeros(type);
  for (auto [i, offset] : llvm::enumerate(offsets))
    if (offset >= 0)
      copyElement(out, i, in, offset);
  return out;
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

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
        return [](double x) { return std::isnan(x) ? x : double((x > 0) - (x < 0)); };
      })
      .Case([](ReluOp) { return [](double x) { return x > 0 ? x : (x < 0 ? 0.0 : x); }; })
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
      .Case([](FloorOp) { return [](double x) { return std::floor(x); }; })
      .Case([](CeilOp) { return [](double x) { return std::ceil(x); }; })
      // Half to even: the default rounding mode.
      .Case([](RoundOp) { return [](double x) { return std::nearbyint(x); }; })
      .Case([](SoftplusOp) { return [](double x) { return std::log1p(std::exp(x)); }; })
      .Case([](GeluOp gelu) -> FloatFn {
        if (gelu.getApproximation() == GeluApproximation::tanh)
          return [](double x) {
            constexpr double k = 0.7978845608028654; // sqrt(2 / pi)
            return 0.5 * x * (1 + std::tanh(k * (x + 0.044715 * x * x * x)));
          };
        return [](double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); };
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
        return [=](double x) { return std::max(0.0, std::min(1.0, alpha * x + beta)); };
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
      .Case([=](NegOp) { return [=](int64_t x) { return wrapInt(-uint64_t(x), type); }; })
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
        return [=](int64_t x) -> int64_t { return isUnsigned || x > 0 ? x : 0; };
      })
      .Case([](NotOp) { return [](int64_t x) -> int64_t { return x == 0; }; })
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
      .Case([](PowOp) { return [](double a, double b) { return std::pow(a, b); }; })
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
  auto wrap = [type](uint64_t v) -> std::optional<int64_t> { return wrapInt(v, type); };
  auto less = [isUnsigned](int64_t a, int64_t b) {
    return isUnsigned ? uint64_t(a) < uint64_t(b) : a < b;
  };
  return llvm::TypeSwitch<Operation *, IntFn2>(op)
      .Case([=](AddOp) { return [=](int64_t a, int64_t b) { return wrap(uint64_t(a) + uint64_t(b)); }; })
      .Case([=](SubOp) { return [=](int64_t a, int64_t b) { return wrap(uint64_t(a) - uint64_t(b)); }; })
      .Case([=](MulOp) { return [=](int64_t a, int64_t b) { return wrap(uint64_t(a) * uint64_t(b)); }; })
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
        return [=](int64_t a, int64_t b) -> std::optional<int64_t> { return less(a, b) ? b : a; };
      })
      .Case([=](MinOp) {
        return [=](int64_t a, int64_t b) -> std::optional<int64_t> { return less(b, a) ? b : a; };
      })
      .Case([](AndOp) { return [](int64_t a, int64_t b) -> std::optional<int64_t> { return a && b; }; })
      .Case([](OrOp) { return [](int64_t a, int64_t b) -> std::optional<int64_t> { return a || b; }; })
      .Case([](XorOp) { return [](int64_t a, int64_t b) -> std::optional<int64_t> { return (a != 0) != (b != 0); }; })
      .Case([=](CmpOp op) {
        CmpPredicate predicate = op.getPredicate();
        return [=](int64_t a, int64_t b) -> std::optional<int64_t> {
          switch (predicate) {
          case CmpPredicate::eq: return a == b;
          case CmpPredicate::ne: return a != b;
          case CmpPredicate::lt: return less(a, b);
          case CmpPredicate::le: return !less(b, a);
          case CmpPredicate::gt: return less(b, a);
          case CmpPredicate::ge: return !less(a, b);
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
    case CmpPredicate::eq: return a == b;
    case CmpPredicate::ne: return !(a == b);
    case CmpPredicate::lt: return a < b;
    case CmpPredicate::le: return a <= b;
    case CmpPredicate::gt: return a > b;
    case CmpPredicate::ge: return a >= b;
    }
    return 0;
  };
}

EvalStatus evalBinary(Operation *op, const ConstTensor &lhs, const ConstTensor &rhs,
                      RankedTensorType type, ConstTensor &out) {
  std::vector<int64_t> a = broadcastOffsets(lhs.type.getShape(), type.getShape());
  std::vector<int64_t> b = broadcastOffsets(rhs.type.getShape(), type.getShape());
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

EvalStatus evalUnary(Operation *op, const ConstTensor &in, RankedTensorType type,
                     ConstTensor &out) {
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
                      const ConstTensor &f, RankedTensorType type, ConstTensor &out) {
  std::vector<int64_t> c = broadcastOffsets(cond.type.getShape(), type.getShape());
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

EvalStatus evalCast(const ConstTensor &in, RankedTensorType type, ConstTensor &out) {
  out = ConstTensor::zeros(type);
  Type to = type.getElementType(), from = in.type.getElementType();
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
    double hi = isUnsignedInt(to) ? std::ldexp(1.0, width) : std::ldexp(1.0, width - 1);
    if (!(value >= lo && value < hi))
      return EvalStatus::Undefined;
    out.ints[i] = value < 0 ? wrapInt(uint64_t(int64_t(value)), to)
                            : wrapInt(uint64_t(value), to);
  }
  return EvalStatus::Done;
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

ConstTensor evalTranspose(const ConstTensor &in, ArrayRef<int64_t> perm,
                          RankedTensorType type) {
  SmallVector<int64_t> inStrides = stridesOf(in.type.getShape());
  std::vector<int64_t> offsets;
  offsets.reserve(type.getNumElements());
  forEachIndex(type.getShape(), [&](ArrayRef<int64_t> index) {
    int64_t offset = 0;
    for (size_t d = 0; d < index.size(); ++d)
      offset += index[d] * inStrides[perm[d]];
    offsets.push_back(offset);
  });
  return takeElements(in, type, offsets);
}

ConstTensor evalSlice(const ConstTensor &in, SliceOp op, RankedTensorType type) {
  SmallVector<int64_t> inStrides = stridesOf(in.type.getShape());
  ArrayRef<int64_t> starts = op.getStarts(), steps = op.getSteps();
  std::vector<int64_t> offsets;
  offsets.reserve(type.getNumElements());
  forEachIndex(type.getShape(), [&](ArrayRef<int64_t> index) {
    int64_t offset = 0;
    for (size_t d = 0; d < index.size(); ++d)
      offset += (starts[d] + index[d] * steps[d]) * inStrides[d];
    offsets.push_back(offset);
  });
  return takeElements(in, type, offsets);
}

/// Concatenation along `axis`: each input contributes contiguous chunks.
ConstTensor evalConcat(ArrayRef<ConstTensor> inputs, int64_t axis,
                       RankedTensorType type) {
  ConstTensor out = ConstTensor::zeros(type);
  int64_t outer = ShapedType::getNumElements(type.getShape().take_front(axis));
  int64_t position = 0;
  for (int64_t o = 0; o < outer; ++o)
    for (const ConstTensor &in : inputs) {
      int64_t chunk = ShapedType::getNumElements(in.type.getShape().drop_front(axis));
      for (int64_t k = 0; k < chunk; ++k)
        copyElement(out, position++, in, o * chunk + k);
    }
  return out;
}

void evalSplit(const ConstTensor &in, SplitOp op,
               SmallVectorImpl<ConstTensor> &results) {
  int64_t axis = op.getAxis();
  int64_t outer = ShapedType::getNumElements(in.type.getShape().take_front(axis));
  int64_t inner = ShapedType::getNumElements(in.type.getShape().drop_front(axis + 1));
  int64_t dim = in.type.getDimSize(axis), begin = 0;
  for (Value result : op.getResults()) {
    auto type = cast<RankedTensorType>(result.getType());
    int64_t size = type.getDimSize(axis);
    std::vector<int64_t> offsets;
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t k = 0; k < size * inner; ++k)
        offsets.push_back((o * dim + begin) * inner + k);
    results.push_back(takeElements(in, type, offsets));
    begin += size;
  }
}

EvalStatus evalGather(const ConstTensor &data, const ConstTensor &indices,
                      int64_t axis, RankedTensorType type, ConstTensor &out) {
  int64_t outer = ShapedType::getNumElements(data.type.getShape().take_front(axis));
  int64_t inner = ShapedType::getNumElements(data.type.getShape().drop_front(axis + 1));
  int64_t dim = data.type.getDimSize(axis);
  std::vector<int64_t> offsets;
  offsets.reserve(type.getNumElements());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t index : indices.ints) {
      if (index < 0)
        index += dim;
      if (index < 0 || index >= dim)
        return EvalStatus::Undefined;
      for (int64_t k = 0; k < inner; ++k)
        offsets.push_back((o * dim + index) * inner + k);
    }
  out = takeElements(data, type, offsets);
  return EvalStatus::Done;
}

EvalStatus evalGatherElements(const ConstTensor &data, const ConstTensor &indices,
                              int64_t axis, RankedTensorType type, ConstTensor &out) {
  SmallVector<int64_t> strides = stridesOf(data.type.getShape());
  int64_t dim = data.type.getDimSize(axis);
  std::vector<int64_t> offsets;
  bool inBounds = true;
  int64_t i = 0;
  forEachIndex(type.getShape(), [&](ArrayRef<int64_t> index) {
    int64_t at = indices.ints[i++];
    if (at < 0)
      at += dim;
    inBounds &= at >= 0 && at < dim;
    int64_t offset = 0;
    for (size_t d = 0; d < index.size(); ++d)
      offset += ((int64_t)d == axis ? at : index[d]) * strides[d];
    offsets.push_back(offset);
  });
  if (!inBounds)
    return EvalStatus::Undefined;
  out = takeElements(data, type, offsets);
  return EvalStatus::Done;
}

ConstTensor evalTile(const ConstTensor &in, RankedTensorType type) {
  SmallVector<int64_t> inStrides = stridesOf(in.type.getShape());
  ArrayRef<int64_t> inShape = in.type.getShape();
  std::vector<int64_t> offsets;
  forEachIndex(type.getShape(), [&](ArrayRef<int64_t> index) {
    int64_t offset = 0;
    for (size_t d = 0; d < index.size(); ++d)
      offset += (index[d] % inShape[d]) * inStrides[d];
    offsets.push_back(offset);
  });
  return takeElements(in, type, offsets);
}

EvalStatus evalPad(const ConstTensor &in, PadOp op, RankedTensorType type,
                   ConstTensor &out) {
  ArrayRef<int64_t> inShape = in.type.getShape(), pads = op.getPads();
  int64_t rank = inShape.size();
  SmallVector<int64_t> inStrides = stridesOf(inShape);
  PadMode mode = op.getMode();
  for (int64_t dim : inShape)
    if (dim == 0 && mode != PadMode::constant)
      return EvalStatus::Unsupported;
  std::vector<int64_t> offsets;
  forEachIndex(type.getShape(), [&](ArrayRef<int64_t> index) {
    int64_t offset = 0;
    for (int64_t d = 0; d < rank && offset >= 0; ++d) {
      int64_t i = index[d] - pads[d], n = inShape[d];
      if (i < 0 || i >= n) {
        switch (mode) {
        case PadMode::constant: offset = -1; continue;
        case PadMode::edge: i = std::clamp<int64_t>(i, 0, n - 1); break;
        case PadMode::wrap: i = ((i % n) + n) % n; break;
        case PadMode::reflect: {
          int64_t period = 2 * (n - 1);
          if (period == 0) {
            i = 0;
            break;
          }
          i = ((i % period) + period) % period;
          if (i >= n)
            i = period - i;
          break;
        }
        }
      }
      offset += i * inStrides[d];
    }
    offsets.push_back(offset);
  });
  out = takeElements(in, type, offsets);
  double value = op.getValue().convertToDouble();
  for (auto [i, offset] : llvm::enumerate(offsets)) {
    if (offset >= 0)
      continue;
    if (out.isFloat())
      out.floats[i] = value;
    else
      out.ints[i] = wrapInt(uint64_t(int64_t(value)), type.getElementType());
  }
  return EvalStatus::Done;
}

EvalStatus evalRange(const ConstTensor &start, const ConstTensor &delta,
                     RankedTensorType type, ConstTensor &out) {
  out = ConstTensor::zeros(type);
  for (int64_t i = 0; i < out.size(); ++i) {
    if (out.isFloat())
      out.floats[i] = start.floats[0] + i * delta.floats[0];
    else
      out.ints[i] = wrapInt(uint64_t(start.ints[0]) + uint64_t(i) * uint64_t(delta.ints[0]),
                            type.getElementType());
  }
  return EvalStatus::Done;
}

//===----------------------------------------------------------------------===//
// Reductions and contractions
//===----------------------------------------------------------------------===//

/// For every input element, the offset of the output element it reduces
/// into (the reduced dimensions dropped).
std::vector<int64_t> reductionOffsets(ArrayRef<int64_t> inShape,
                                      ArrayRef<int64_t> axes) {
  SmallVector<int64_t> kept(inShape);
  for (int64_t axis : axes)
    kept[axis] = 1;
  SmallVector<int64_t> keptStrides = stridesOf(kept);
  std::vector<int64_t> offsets;
  offsets.reserve(ShapedType::getNumElements(inShape));
  forEachIndex(inShape, [&](ArrayRef<int64_t> index) {
    int64_t offset = 0;
    for (size_t d = 0; d < index.size(); ++d)
      if (kept[d] != 1 || inShape[d] == 1)
        offset += index[d] * keptStrides[d];
    offsets.push_back(offset);
  });
  return offsets;
}

EvalStatus evalReduce(const ConstTensor &in, ReduceOp op, RankedTensorType type,
                      ConstTensor &out) {
  if (in.size() == 0 || type.getNumElements() == 0)
    return EvalStatus::Unsupported;
  std::vector<int64_t> offsets = reductionOffsets(in.type.getShape(), op.getAxes());
  int64_t count = in.size() / type.getNumElements();
  ReduceKind kind = op.getKind();
  out = ConstTensor::zeros(type);
  std::vector<bool> seen(type.getNumElements(), false);
  if (in.isFloat()) {
    for (size_t i = 0; i < offsets.size(); ++i) {
      double x = in.floats[i], &acc = out.floats[offsets[i]];
      bool first = !seen[offsets[i]];
      seen[offsets[i]] = true;
      switch (kind) {
      case ReduceKind::sum: case ReduceKind::mean: case ReduceKind::log_sum:
        acc += x; break;
      case ReduceKind::l1: acc += std::fabs(x); break;
      case ReduceKind::l2: case ReduceKind::sum_square: acc += x * x; break;
      case ReduceKind::log_sum_exp: acc += std::exp(x); break;
      case ReduceKind::prod: acc = first ? x : acc * x; break;
      case ReduceKind::max:
        acc = first || std::isnan(x) || x > acc ? x : acc; break;
      case ReduceKind::min:
        acc = first || std::isnan(x) || x < acc ? x : acc; break;
      }
    }
    for (double &acc : out.floats) {
      switch (kind) {
      case ReduceKind::mean: acc /= count; break;
      case ReduceKind::l2: acc = std::sqrt(acc); break;
      case ReduceKind::log_sum: case ReduceKind::log_sum_exp: acc = std::log(acc); break;
      default: break;
      }
    }
    return EvalStatus::Done;
  }
  Type element = in.type.getElementType();
  bool isUnsigned = isUnsignedInt(element);
  for (size_t i = 0; i < offsets.size(); ++i) {
    int64_t x = in.ints[i], &acc = out.ints[offsets[i]];
    bool first = !seen[offsets[i]];
    seen[offsets[i]] = true;
    auto less = [&](int64_t a, int64_t b) {
      return isUnsigned ? uint64_t(a) < uint64_t(b) : a < b;
    };
    switch (kind) {
    case ReduceKind::sum: acc = wrapInt(uint64_t(acc) + uint64_t(x), element); break;
    case ReduceKind::sum_square:
      acc = wrapInt(uint64_t(acc) + uint64_t(x) * uint64_t(x), element); break;
    case ReduceKind::l1:
      acc = wrapInt(uint64_t(acc) + (isUnsigned || x >= 0 ? uint64_t(x) : -uint64_t(x)),
                    element);
      break;
    case ReduceKind::prod:
      acc = first ? x : wrapInt(uint64_t(acc) * uint64_t(x), element); break;
    case ReduceKind::max: acc = first || less(acc, x) ? x : acc; break;
    case ReduceKind::min: acc = first || less(x, acc) ? x : acc; break;
    default: return EvalStatus::Unsupported;
    }
  }
  return EvalStatus::Done;
}

EvalStatus evalArgReduce(const ConstTensor &in, ArgReduceOp op,
                         RankedTensorType type, ConstTensor &out) {
  int64_t axis = op.getAxis(), dim = in.type.getDimSize(axis);
  if (dim == 0)
    return EvalStatus::Undefined;
  int64_t outer = ShapedType::getNumElements(in.type.getShape().take_front(axis));
  int64_t inner = ShapedType::getNumElements(in.type.getShape().drop_front(axis + 1));
  bool isMax = op.getKind() == ArgReduceKind::argmax, last = op.getSelectLastIndex();
  out = ConstTensor::zeros(type);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t k = 0; k < inner; ++k) {
      int64_t best = 0;
      for (int64_t j = 1; j < dim; ++j) {
        double x = in.asDouble((o * dim + j) * inner + k),
               b = in.asDouble((o * dim + best) * inner + k);
        bool better = isMax ? x > b : x < b;
        if (better || (last && x == b))
          best = j;
      }
      out.ints[o * inner + k] = best;
    }
  return EvalStatus::Done;
}

EvalStatus evalMatMul(const ConstTensor &lhs, const ConstTensor &rhs,
                      RankedTensorType type, const EvalLimits &limits,
                      ConstTensor &out) {
  ArrayRef<int64_t> a = lhs.type.getShape(), b = rhs.type.getShape(),
                    c = type.getShape();
  int64_t m = a[a.size() - 2], k = a.back(), n = b.back();
  ArrayRef<int64_t> batch = c.drop_back(2);
  int64_t batches = ShapedType::getNumElements(batch);
  if (batches * m * n * k > limits.maxMacs)
    return EvalStatus::TooLarge;
  std::vector<int64_t> lhsBatch = broadcastOffsets(a.drop_back(2), batch);
  std::vector<int64_t> rhsBatch = broadcastOffsets(b.drop_back(2), batch);
  out = ConstTensor::zeros(type);
  Type element = type.getElementType();
  for (int64_t p = 0; p < batches; ++p) {
    int64_t lhsBase = lhsBatch[p] * m * k, rhsBase = rhsBatch[p] * k * n;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        int64_t at = (p * m + i) * n + j;
        if (out.isFloat()) {
          double sum = 0;
          for (int64_t l = 0; l < k; ++l)
            sum += lhs.floats[lhsBase + i * k + l] * rhs.floats[rhsBase + l * n + j];
          out.floats[at] = sum;
        } else {
          uint64_t sum = 0;
          for (int64_t l = 0; l < k; ++l)
            sum += uint64_t(lhs.ints[lhsBase + i * k + l]) *
                   uint64_t(rhs.ints[rhsBase + l * n + j]);
          out.ints[at] = wrapInt(sum, element);
        }
      }
  }
  return EvalStatus::Done;
}

} // namespace

//===----------------------------------------------------------------------===//
// Entry point
//===----------------------------------------------------------------------===//

EvalStatus mlir::autoglm::evaluate(Operation *op, ArrayRef<ConstTensor> operands,
                                   const EvalLimits &limits,
                                   SmallVectorImpl<ConstTensor> &results) {
  if (op->getNumResults() == 0)
    return EvalStatus::Unsupported;
  // Every result must have a static shape and an element type we hold.
  int64_t resultElements = 0, largestOperand = 0;
  for (Value result : op->getResults()) {
    auto type = dyn_cast<RankedTensorType>(result.getType());
    if (!type || !type.hasStaticShape())
      return EvalStatus::Unsupported;
    Type element = type.getElementType();
    if (!isa<IntegerType>(element) && !isSupportedFloat(element))
      return EvalStatus::Unsupported;
    resultElements += type.getNumElements();
  }
  for (const ConstTensor &operand : operands)
    largestOperand = std::max(largestOperand, operand.size());
  if (resultElements > limits.maxElements && resultElements > largestOperand)
    return EvalStatus::TooLarge;

  auto type = cast<RankedTensorType>(op->getResult(0).getType());
  ConstTensor out;
  EvalStatus status = EvalStatus::Unsupported;
  auto done = [&](ConstTensor tensor) {
    out = std::move(tensor);
    return EvalStatus::Done;
  };

  if (op->hasTrait<OpTrait::autoglm::Elementwise>() && !isa<CastOp>(op)) {
    if (auto select = dyn_cast<SelectOp>(op))
      status = evalSelect(operands[0], operands[1], operands[2], type, out);
    else if (operands.size() == 2)
      status = evalBinary(op, operands[0], operands[1], type, out);
    else if (operands.size() == 1)
      status = evalUnary(op, operands[0], type, out);
  } else {
    status =
        llvm::TypeSwitch<Operation *, EvalStatus>(op)
            .Case([&](CastOp) { return evalCast(operands[0], type, out); })
            .Case([&](ReshapeOp) {
              ConstTensor reshaped = operands[0];
              reshaped.type = type;
              return done(std::move(reshaped));
            })
            .Case([&](TransposeOp transpose) {
              return done(evalTranspose(operands[0], transpose.getPermutation(), type));
            })
            .Case([&](SliceOp slice) { return done(evalSlice(operands[0], slice, type)); })
            .Case([&](ConcatOp concat) {
              return done(evalConcat(operands, concat.getAxis(), type));
            })
            .Case([&](SplitOp split) {
              evalSplit(operands[0], split, results);
              return EvalStatus::Done;
            })
            .Case([&](GatherOp gather) {
              return evalGather(operands[0], operands[1], gather.getAxis(), type, out);
            })
            .Case([&](GatherElementsOp gather) {
              return evalGatherElements(operands[0], operands[1], gather.getAxis(),
                                        type, out);
            })
            .Case([&](ExpandOp) {
              return done(takeElements(
                  operands[0], type,
                  broadcastOffsets(operands[0].type.getShape(), type.getShape())));
            })
            .Case([&](TileOp) { return done(evalTile(operands[0], type)); })
            .Case([&](PadOp pad) { return evalPad(operands[0], pad, type, out); })
            .Case([&](RangeOp) { return evalRange(operands[0], operands[2], type, out); })
            .Case([&](ShapeOfOp) {
              ConstTensor shape = ConstTensor::zeros(type);
              llvm::append_range(shape.ints, operands[0].type.getShape());
              shape.ints.erase(shape.ints.begin(), shape.ints.begin() + type.getNumElements());
              return done(std::move(shape));
            })
            .Case([&](FillOp fill) {
              ConstTensor filled = ConstTensor::zeros(type);
              if (auto value = dyn_cast<FloatAttr>(fill.getValue()))
                filled.floats.assign(filled.size(), value.getValueAsDouble());
              else if (auto value = dyn_cast<IntegerAttr>(fill.getValue()))
                filled.ints.assign(filled.size(),
                                   isUnsignedInt(value.getType())
                                       ? int64_t(value.getValue().getZExtValue())
                                       : value.getValue().getSExtValue());
              else
                return EvalStatus::Unsupported;
              return done(std::move(filled));
            })
            .Case([&](ReduceOp reduce) { return evalReduce(operands[0], reduce, type, out); })
            .Case([&](ArgReduceOp reduce) {
              return evalArgReduce(operands[0], reduce, type, out);
            })
            .Case([&](MatMulOp) {
              return evalMatMul(operands[0], operands[1], type, limits, out);
            })
            .Default([](Operation *) { return EvalStatus::Unsupported; });
  }
  if (status == EvalStatus::Done && results.empty())
    results.push_back(std::move(out));
  return status;
}
