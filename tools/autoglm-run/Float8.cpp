//===- Float8.cpp - the float8 element types on the host ------------------===//

#include "Float8.h"

#include "autoglm/model_abi.h"

#include <cmath>

namespace autoglm::run {
namespace {
struct Format {
  int mantissaBits, bias;
  bool ieee;         // all-ones exponent: infinity or NaN (float8e5m2)
  bool unsignedZero; // 0x80 is the NaN, no -0 (the fnuz types)
};

Format formatOf(int32_t dtype) {
  switch (dtype) {
  case AUTOGLM_FLOAT8E4M3FN:
    return {3, 7, false, false};
  case AUTOGLM_FLOAT8E4M3FNUZ:
    return {3, 8, false, true};
  case AUTOGLM_FLOAT8E5M2:
    return {2, 15, true, false};
  default:
    return {2, 16, false, true};
  }
}
} // namespace

bool isFloat8(int32_t dtype) {
  return dtype == AUTOGLM_FLOAT8E4M3FN || dtype == AUTOGLM_FLOAT8E4M3FNUZ ||
         dtype == AUTOGLM_FLOAT8E5M2 || dtype == AUTOGLM_FLOAT8E5M2FNUZ;
}

double float8ToDouble(int32_t dtype, uint8_t bits) {
  Format f = formatOf(dtype);
  int magnitude = bits & 0x7f;
  int exponent = magnitude >> f.mantissaBits;
  int mantissa = magnitude & ((1 << f.mantissaBits) - 1);
  bool negative = bits & 0x80;
  if (f.unsignedZero && bits == 0x80)
    return NAN;
  if (!f.ieee && !f.unsignedZero && magnitude == 0x7f)
    return NAN;
  if (f.ieee && exponent == (0x7f >> f.mantissaBits))
    return mantissa ? NAN : (negative ? -INFINITY : INFINITY);
  double value = exponent == 0
                     ? std::ldexp(mantissa, 1 - f.bias - f.mantissaBits)
                     : std::ldexp((1 << f.mantissaBits) + mantissa,
                                  exponent - f.bias - f.mantissaBits);
  return negative ? -value : value;
}

uint8_t doubleToFloat8(int32_t dtype, double value) {
  Format f = formatOf(dtype);
  if (std::isnan(value))
    return f.unsignedZero ? 0x80 : 0x7f;
  // The finite codes are ordered by magnitude: take the nearest, the even
  // one on a tie; past the largest, the largest.
  int best = 0;
  double magnitude = std::fabs(value), bestError = INFINITY;
  for (int code = 0; code < 0x80; ++code) {
    double candidate = float8ToDouble(dtype, static_cast<uint8_t>(code));
    if (!std::isfinite(candidate))
      break;
    double error = std::fabs(candidate - magnitude);
    if (error < bestError || (error == bestError && code % 2 == 0)) {
      best = code;
      bestError = error;
    }
  }
  bool negative = std::signbit(value) && !(f.unsignedZero && best == 0);
  return static_cast<uint8_t>(best | (negative ? 0x80 : 0));
}
} // namespace autoglm::run
