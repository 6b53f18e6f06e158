//===- PackedTypes.cpp - int4, uint4, int2, uint2, float4e2m1 -------------===//

#include "PackedTypes.h"

#include "autoglm/model_abi.h"

#include <algorithm>
#include <cmath>

namespace autoglm::run {
namespace {
/// float4e2m1's magnitudes by code (sign in bit 3).
constexpr double kFloat4[8] = {0, 0.5, 1, 1.5, 2, 3, 4, 6};

bool isSigned(int32_t dtype) {
  return dtype == AUTOGLM_INT4 || dtype == AUTOGLM_INT2;
}
} // namespace

unsigned packedBits(int32_t dtype) {
  switch (dtype) {
  case AUTOGLM_INT4:
  case AUTOGLM_UINT4:
  case AUTOGLM_FLOAT4E2M1:
    return 4;
  case AUTOGLM_INT2:
  case AUTOGLM_UINT2:
    return 2;
  default:
    return 0;
  }
}

size_t packedBytes(int32_t dtype, int64_t count) {
  return (static_cast<size_t>(count) * packedBits(dtype) + 7) / 8;
}

void unpackElements(int32_t dtype, const uint8_t *packed, int64_t count,
                    uint8_t *out) {
  unsigned bits = packedBits(dtype), perByte = 8 / bits;
  unsigned mask = (1u << bits) - 1;
  for (int64_t i = 0; i < count; ++i) {
    unsigned value = (packed[i / perByte] >> (bits * (i % perByte))) & mask;
    if (isSigned(dtype) && (value >> (bits - 1)))
      value |= ~mask;
    out[i] = static_cast<uint8_t>(value);
  }
}

double packedToDouble(int32_t dtype, uint8_t byte) {
  if (dtype == AUTOGLM_FLOAT4E2M1)
    return (byte & 8 ? -1 : 1) * kFloat4[byte & 7];
  return isSigned(dtype) ? static_cast<int8_t>(byte) : byte;
}

uint8_t doubleToPacked(int32_t dtype, double value) {
  if (dtype == AUTOGLM_FLOAT4E2M1) {
    if (std::isnan(value))
      return 8;
    int best = 0;
    double magnitude = std::fabs(value), bestError = INFINITY;
    for (int code = 0; code < 8; ++code) {
      double error = std::fabs(kFloat4[code] - magnitude);
      if (error < bestError || (error == bestError && code % 2 == 0)) {
        best = code;
        bestError = error;
      }
    }
    return static_cast<uint8_t>(best | (std::signbit(value) ? 8 : 0));
  }
  unsigned bits = packedBits(dtype);
  double low = isSigned(dtype) ? -std::ldexp(1.0, bits - 1) : 0;
  double high = isSigned(dtype) ? std::ldexp(1.0, bits - 1) - 1
                                : std::ldexp(1.0, bits) - 1;
  double v =
      std::isnan(value) ? 0 : std::clamp(std::nearbyint(value), low, high);
  return static_cast<uint8_t>(static_cast<int8_t>(v));
}
} // namespace autoglm::run
