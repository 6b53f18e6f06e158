//===- Float8.h - the float8 element types on the host ----------*- C++ -*-===//
//
// Decoding float8 bits for comparisons and printing, and encoding doubles for
// random inputs: float8e4m3fn, float8e4m3fnuz, float8e5m2, float8e5m2fnuz.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_RUN_FLOAT8_H
#define AUTOGLM_RUN_FLOAT8_H

#include <cstdint>

namespace autoglm::run {
/// True for the AUTOGLM_FLOAT8* dtypes.
bool isFloat8(int32_t dtype);
/// The value of float8 `bits` of `dtype` (NaN, infinities included).
double float8ToDouble(int32_t dtype, uint8_t bits);
/// The nearest float8 of `dtype` to `value` (ties to the even code), clamped
/// to the largest finite value; NaN gives NaN.
uint8_t doubleToFloat8(int32_t dtype, double value);
} // namespace autoglm::run

#endif // AUTOGLM_RUN_FLOAT8_H
