//===- PackedTypes.h - int4, uint4, int2, uint2, float4e2m1 -----*- C++ -*-===//
//
// ONNX packs these types two or four to a byte (lowest bits first); a
// compiled model takes and gives one element a byte (model_abi.h): signed
// integers sign-extended, the others' bits in the low bits. Unpacking the
// test data, and the values for comparisons, printing and random inputs.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_RUN_PACKEDTYPES_H
#define AUTOGLM_RUN_PACKEDTYPES_H

#include <cstddef>
#include <cstdint>

namespace autoglm::run {
/// The bits of one element as ONNX packs `dtype` (4 or 2), or 0.
unsigned packedBits(int32_t dtype);
/// The bytes ONNX's raw_data holds for `count` elements of `dtype`.
size_t packedBytes(int32_t dtype, int64_t count);
/// `count` elements of `dtype` from ONNX's packed bytes, one a byte.
void unpackElements(int32_t dtype, const uint8_t *packed, int64_t count,
                    uint8_t *out);
/// The value of one element's byte.
double packedToDouble(int32_t dtype, uint8_t byte);
/// The byte of `value`: integers rounded and clamped to their range,
/// float4e2m1 the nearest value (ties to the even code), clamped to +-6.
uint8_t doubleToPacked(int32_t dtype, double value);
} // namespace autoglm::run

#endif // AUTOGLM_RUN_PACKEDTYPES_H
