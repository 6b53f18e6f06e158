//===- Float8.cpp - float8/float4 conversions in integer arithmetic -------===//

#include "Float8.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinTypes.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::autoglm::lowering;

using Specials = Float8Format::Specials;

std::optional<Float8Format> mlir::autoglm::lowering::float8Format(Type type) {
  if (isa<Float8E4M3FNType>(type))
    return Float8Format{8, 3, 7, Specials::FiniteOnly};
  if (isa<Float8E4M3FNUZType>(type))
    return Float8Format{8, 3, 8, Specials::FiniteUnsignedZero};
  if (isa<Float8E5M2Type>(type))
    return Float8Format{8, 2, 15, Specials::IEEE};
  if (isa<Float8E5M2FNUZType>(type))
    return Float8Format{8, 2, 16, Specials::FiniteUnsignedZero};
  if (isa<Float4E2M1FNType>(type))
    return Float8Format{4, 1, 1, Specials::None};
  return std::nullopt;
}

namespace {
/// i32 arithmetic on bit patterns.
struct Bits {
  OpBuilder &b;
  Location loc;

  Value k(int64_t v) { return arith::ConstantIntOp::create(b, loc, v, 32); }
  Value f(double v) {
    return arith::ConstantFloatOp::create(b, loc, b.getF32Type(),
                                          APFloat(float(v)));
  }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubIOp::create(b, loc, x, y); }
  Value band(Value x, int64_t m) {
    return arith::AndIOp::create(b, loc, x, k(m));
  }
  Value bor(Value x, Value y) { return arith::OrIOp::create(b, loc, x, y); }
  Value shl(Value x, int64_t s) {
    return arith::ShLIOp::create(b, loc, x, k(s));
  }
  Value shr(Value x, int64_t s) {
    return arith::ShRUIOp::create(b, loc, x, k(s));
  }
  Value cmp(arith::CmpIPredicate p, Value x, int64_t y) {
    return arith::CmpIOp::create(b, loc, p, x, k(y));
  }
  Value select(Value c, Value x, Value y) {
    return arith::SelectOp::create(b, loc, c, x, y);
  }
  Value toF32(Value x) {
    return arith::BitcastOp::create(b, loc, b.getF32Type(), x);
  }
  Value toI32(Value x) {
    return arith::BitcastOp::create(b, loc, b.getI32Type(), x);
  }
};
} // namespace

Value mlir::autoglm::lowering::float8ToF32(OpBuilder &b, Location loc,
                                           Value bits, Float8Format format) {
  using P = arith::CmpIPredicate;
  Bits i{b, loc};
  const unsigned m = format.mantissaBits;
  const int64_t signBit = int64_t(1) << (format.bits - 1), ones = signBit - 1;
  Value code = arith::ExtUIOp::create(b, loc, b.getI32Type(), bits);
  Value magnitude = i.band(code, ones);
  Value exponent = i.shr(magnitude, m);
  Value mantissa = i.band(magnitude, (1 << m) - 1);
  // Normal: rebias the exponent, widen the mantissa.
  Value normal =
      i.toF32(i.bor(i.shl(i.add(exponent, i.k(127 - format.bias)), 23),
                    i.shl(mantissa, 23 - m)));
  // Subnormal: mantissa times the smallest subnormal, exact in f32.
  Value subnormal = arith::MulFOp::create(
      b, loc, arith::UIToFPOp::create(b, loc, b.getF32Type(), mantissa),
      i.f(std::ldexp(1.0, 1 - format.bias - int(m))));
  Value value = i.select(i.cmp(P::eq, exponent, 0), subnormal, normal);
  Value nan = i.f(std::nan(""));
  switch (format.specials) {
  case Specials::IEEE: {
    Value top = i.cmp(P::eq, exponent, (ones >> m));
    Value special = i.select(i.cmp(P::eq, mantissa, 0),
                             i.f(std::numeric_limits<float>::infinity()), nan);
    value = i.select(top, special, value);
    break;
  }
  case Specials::FiniteOnly:
    value = i.select(i.cmp(P::eq, magnitude, ones), nan, value);
    break;
  case Specials::FiniteUnsignedZero:
    value = i.select(i.cmp(P::eq, code, signBit), nan, value);
    break;
  case Specials::None:
    break;
  }
  Value negative = i.cmp(P::ne, i.band(code, signBit), 0);
  return i.select(negative, arith::NegFOp::create(b, loc, value), value);
}

Value mlir::autoglm::lowering::f32ToFloat8(OpBuilder &b, Location loc,
                                           Value value, Float8Format format) {
  using P = arith::CmpIPredicate;
  Bits i{b, loc};
  const int m = format.mantissaBits, shift = 23 - m;
  const int64_t signBit = int64_t(1) << (format.bits - 1), ones = signBit - 1;
  Value bits = i.toI32(value);
  Value sign = i.band(i.shr(bits, 32 - format.bits), signBit);
  Value a = i.band(bits, 0x7fffffff);
  // Normal results: rebias the exponent and round the mantissa to `m` bits,
  // to nearest, ties to even (add half an ulp less one, plus the ulp's
  // parity); a carry out of the mantissa bumps the exponent, as it should.
  Value odd = i.band(i.shr(a, shift), 1);
  Value normal =
      i.shr(i.add(i.add(a, i.k(int64_t(format.bias - 127) * (int64_t(1) << 23) +
                               (int64_t(1) << (shift - 1)) - 1)),
                  odd),
            shift);
  // Subnormal results: adding a float whose ulp is the smallest subnormal
  // rounds (in the FPU's round-to-nearest-even) to a multiple of it; the
  // difference of the bit patterns counts them.
  int64_t magicBits = int64_t((127 - format.bias) + shift + 1) << 23;
  Value sum =
      arith::AddFOp::create(b, loc, i.toF32(a), i.toF32(i.k(magicBits)));
  Value subnormal = i.sub(i.toI32(sum), i.k(magicBits));
  int64_t smallestNormal = int64_t(127 + 1 - format.bias) << 23;
  Value code = i.select(i.cmp(P::ult, a, smallestNormal), subnormal, normal);
  // Beyond the largest finite code (infinity included): saturate.
  // (FiniteOnly: below the NaN code; IEEE: the top exponent's are special.)
  int64_t largest = format.specials == Specials::FiniteOnly ? ones - 1
                    : format.specials == Specials::IEEE
                        ? (ones & ~((int64_t(1) << m) - 1)) - 1
                        : ones;
  code = i.select(i.cmp(P::ugt, code, largest), i.k(largest), code);
  // No -0 in the FNUZ formats (0x80 is their NaN).
  if (format.specials == Specials::FiniteUnsignedZero)
    sign = i.select(i.cmp(P::eq, code, 0), i.k(0), sign);
  code = i.bor(code, sign);
  int64_t nanCode = format.specials == Specials::FiniteUnsignedZero ||
                            format.specials == Specials::None
                        ? signBit
                        : ones;
  code = i.select(i.cmp(P::ugt, a, 0x7f800000), i.k(nanCode), code);
  return arith::TruncIOp::create(b, loc, b.getI8Type(), code);
}
