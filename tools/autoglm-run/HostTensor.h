//===- HostTensor.h - an owning tensor in host memory -----------*- C++ -*-===//
//
// What autoglm-run reads from files, generates, hands to the runtime and
// compares: a dtype, a shape and a 64-byte aligned buffer.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_RUN_HOSTTENSOR_H
#define AUTOGLM_RUN_HOSTTENSOR_H

#include "autoglm/runtime.h"

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace autoglm::run {
class HostTensor {
public:
  HostTensor() = default;

  /// Allocates a zeroed tensor; returns false when the shape is invalid or
  /// too large for memory.
  bool allocate(int32_t dtype, std::vector<int64_t> shape);

  int32_t dtype() const { return dtype_; }
  const std::vector<int64_t> &shape() const { return shape_; }
  int64_t numElements() const { return numElements_; }
  size_t byteSize() const { return numElements_ * autoglm_dtype_size(dtype_); }
  void *data() { return buffer_.get(); }
  const void *data() const { return buffer_.get(); }

  /// Element `index` (row-major) converted to double, and back.
  double getDouble(int64_t index) const;
  void setDouble(int64_t index, double value);
  /// Element `index` printed exactly for integers, %g-style for floats.
  std::string formatElement(int64_t index) const;

  /// A view for autoglm_session_run; valid while this tensor lives.
  autoglm_tensor view();

private:
  struct FreeDeleter {
    void operator()(void *pointer) const { std::free(pointer); }
  };
  int32_t dtype_ = 0;
  std::vector<int64_t> shape_;
  int64_t numElements_ = 0;
  std::unique_ptr<void, FreeDeleter> buffer_;
};

/// "[1,3,32,32]", "[]".
std::string formatShape(const std::vector<int64_t> &shape);
/// The multi-index of row-major element `index`, as "[1,2]".
std::string formatIndex(const std::vector<int64_t> &shape, int64_t index);

/// IEEE half and bfloat16 conversions (round to nearest even).
float halfToFloat(uint16_t bits);
uint16_t floatToHalf(float value);
float bfloat16ToFloat(uint16_t bits);
uint16_t floatToBfloat16(float value);
} // namespace autoglm::run

#endif // AUTOGLM_RUN_HOSTTENSOR_H
