//===- HostTensor.cpp - an owning tensor in host memory -------------------===//

#include "HostTensor.h"

#include "Float8.h"
#include "PackedTypes.h"

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace autoglm::run {
bool HostTensor::allocate(int32_t dtype, std::vector<int64_t> shape) {
  int64_t count =
      autoglm_num_elements(static_cast<int32_t>(shape.size()), shape.data());
  size_t elementSize = autoglm_dtype_size(dtype);
  if (count < 0 || elementSize == 0 ||
      static_cast<uint64_t>(count) > (SIZE_MAX - 64) / elementSize)
    return false;
  // Rounded up to the alignment as aligned_alloc wants; never empty, so that
  // even a zero-element tensor has non-NULL data.
  size_t bytes = (static_cast<size_t>(count) * elementSize + 63) / 64 * 64;
  void *pointer = std::aligned_alloc(64, bytes ? bytes : 64);
  if (!pointer)
    return false;
  std::memset(pointer, 0, bytes ? bytes : 64);
  buffer_.reset(pointer);
  dtype_ = dtype;
  shape_ = std::move(shape);
  numElements_ = count;
  return true;
}

template <typename T>
static T load(const void *data, int64_t index) {
  T value;
  std::memcpy(&value, static_cast<const char *>(data) + index * sizeof(T),
              sizeof(T));
  return value;
}

template <typename T>
static void store(void *data, int64_t index, T value) {
  std::memcpy(static_cast<char *>(data) + index * sizeof(T), &value, sizeof(T));
}

double HostTensor::getDouble(int64_t index) const {
  const void *d = data();
  switch (dtype_) {
  case AUTOGLM_FLOAT32:
    return load<float>(d, index);
  case AUTOGLM_FLOAT64:
    return load<double>(d, index);
  case AUTOGLM_FLOAT16:
    return halfToFloat(load<uint16_t>(d, index));
  case AUTOGLM_BFLOAT16:
    return bfloat16ToFloat(load<uint16_t>(d, index));
  case AUTOGLM_INT8:
    return load<int8_t>(d, index);
  case AUTOGLM_INT16:
    return load<int16_t>(d, index);
  case AUTOGLM_INT32:
    return load<int32_t>(d, index);
  case AUTOGLM_INT64:
    return static_cast<double>(load<int64_t>(d, index));
  case AUTOGLM_UINT8:
    return load<uint8_t>(d, index);
  case AUTOGLM_UINT16:
    return load<uint16_t>(d, index);
  case AUTOGLM_UINT32:
    return load<uint32_t>(d, index);
  case AUTOGLM_UINT64:
    return static_cast<double>(load<uint64_t>(d, index));
  case AUTOGLM_BOOL:
    return load<uint8_t>(d, index) != 0;
  case AUTOGLM_FLOAT8E4M3FN:
  case AUTOGLM_FLOAT8E4M3FNUZ:
  case AUTOGLM_FLOAT8E5M2:
  case AUTOGLM_FLOAT8E5M2FNUZ:
    return float8ToDouble(dtype_, load<uint8_t>(d, index));
  case AUTOGLM_INT4:
  case AUTOGLM_UINT4:
  case AUTOGLM_INT2:
  case AUTOGLM_UINT2:
  case AUTOGLM_FLOAT4E2M1:
    return packedToDouble(dtype_, load<uint8_t>(d, index));
  default:
    return 0;
  }
}

void HostTensor::setDouble(int64_t index, double value) {
  void *d = data();
  switch (dtype_) {
  case AUTOGLM_FLOAT32:
    return store<float>(d, index, static_cast<float>(value));
  case AUTOGLM_FLOAT64:
    return store<double>(d, index, value);
  case AUTOGLM_FLOAT16:
    return store<uint16_t>(d, index, floatToHalf(static_cast<float>(value)));
  case AUTOGLM_BFLOAT16:
    return store<uint16_t>(d, index,
                           floatToBfloat16(static_cast<float>(value)));
  case AUTOGLM_INT8:
    return store<int8_t>(d, index, static_cast<int8_t>(value));
  case AUTOGLM_INT16:
    return store<int16_t>(d, index, static_cast<int16_t>(value));
  case AUTOGLM_INT32:
    return store<int32_t>(d, index, static_cast<int32_t>(value));
  case AUTOGLM_INT64:
    return store<int64_t>(d, index, static_cast<int64_t>(value));
  case AUTOGLM_UINT8:
    return store<uint8_t>(d, index, static_cast<uint8_t>(value));
  case AUTOGLM_UINT16:
    return store<uint16_t>(d, index, static_cast<uint16_t>(value));
  case AUTOGLM_UINT32:
    return store<uint32_t>(d, index, static_cast<uint32_t>(value));
  case AUTOGLM_UINT64:
    return store<uint64_t>(d, index, static_cast<uint64_t>(value));
  case AUTOGLM_BOOL:
    return store<uint8_t>(d, index, value != 0);
  case AUTOGLM_FLOAT8E4M3FN:
  case AUTOGLM_FLOAT8E4M3FNUZ:
  case AUTOGLM_FLOAT8E5M2:
  case AUTOGLM_FLOAT8E5M2FNUZ:
    return store<uint8_t>(d, index, doubleToFloat8(dtype_, value));
  case AUTOGLM_INT4:
  case AUTOGLM_UINT4:
  case AUTOGLM_INT2:
  case AUTOGLM_UINT2:
  case AUTOGLM_FLOAT4E2M1:
    return store<uint8_t>(d, index, doubleToPacked(dtype_, value));
  default:
    return;
  }
}

std::string HostTensor::formatElement(int64_t index) const {
  char text[64];
  switch (dtype_) {
  case AUTOGLM_INT64:
    std::snprintf(text, sizeof(text), "%" PRId64, load<int64_t>(data(), index));
    break;
  case AUTOGLM_UINT64:
    std::snprintf(text, sizeof(text), "%" PRIu64,
                  load<uint64_t>(data(), index));
    break;
  case AUTOGLM_BOOL:
    return load<uint8_t>(data(), index) ? "true" : "false";
  default:
    std::snprintf(text, sizeof(text), "%.7g", getDouble(index));
  }
  return text;
}

autoglm_tensor HostTensor::view() {
  return autoglm_tensor{data(), dtype_, static_cast<int32_t>(shape_.size()),
                        shape_.data()};
}

std::string formatShape(const std::vector<int64_t> &shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? "," : "") + std::to_string(shape[i]);
  return text + "]";
}

std::string formatIndex(const std::vector<int64_t> &shape, int64_t index) {
  std::vector<int64_t> position(shape.size());
  for (size_t i = shape.size(); i-- > 0;) {
    position[i] = shape[i] ? index % shape[i] : 0;
    index = shape[i] ? index / shape[i] : 0;
  }
  return formatShape(position);
}

float halfToFloat(uint16_t bits) {
  uint32_t sign = (bits >> 15) & 1, exponent = (bits >> 10) & 0x1f,
           mantissa = bits & 0x3ff;
  float magnitude;
  if (exponent == 0)
    magnitude = std::ldexp(static_cast<float>(mantissa), -24);
  else if (exponent == 31)
    magnitude = mantissa ? NAN : INFINITY;
  else
    magnitude = std::ldexp(static_cast<float>(mantissa | 0x400),
                           static_cast<int>(exponent) - 25);
  return sign ? -magnitude : magnitude;
}

uint16_t floatToHalf(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000);
  float magnitude = std::fabs(value);
  if (std::isnan(value))
    return sign | 0x7e00;
  if (magnitude >= 65520.0f) // rounds to infinity
    return sign | 0x7c00;
  if (magnitude < 6.103515625e-05f) // subnormal: units of 2^-24
    return sign |
           static_cast<uint16_t>(std::nearbyint(magnitude * 16777216.0f));
  int exponent;
  float fraction = std::frexp(magnitude, &exponent); // [0.5, 1)
  // 11 significant bits; rounding may carry into the exponent, which the
  // bit layout absorbs.
  uint32_t significand =
      static_cast<uint32_t>(std::nearbyint(std::ldexp(fraction, 11)));
  uint32_t result =
      (static_cast<uint32_t>(exponent + 14) << 10) + (significand - 0x400);
  return sign | static_cast<uint16_t>(result);
}

float bfloat16ToFloat(uint16_t bits) {
  uint32_t wide = static_cast<uint32_t>(bits) << 16;
  float value;
  std::memcpy(&value, &wide, sizeof(value));
  return value;
}

uint16_t floatToBfloat16(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  if (std::isnan(value))
    return static_cast<uint16_t>((bits >> 16) | 0x40);
  bits += 0x7fff + ((bits >> 16) & 1);
  return static_cast<uint16_t>(bits >> 16);
}
} // namespace autoglm::run
