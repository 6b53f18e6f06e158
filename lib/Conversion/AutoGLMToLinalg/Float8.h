//===- Float8.h - float8/float4 conversions, integer arithmetic -*- C++ -*-===//
//
// Internal to lib/Conversion/AutoGLMToLinalg. LLVM has no float8 or float4
// types, so the lowering stores them as their bits in `i8` (the type
// converter maps f8E4M3FN, f8E4M3FNUZ, f8E5M2, f8E5M2FNUZ and f4E2M1FN to
// i8, float4's bits in the low four) and converts to and from f32 with
// integer operations on the bit patterns.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_LIB_CONVERSION_AUTOGLMTOLINALG_FLOAT8_H
#define AUTOGLM_LIB_CONVERSION_AUTOGLMTOLINALG_FLOAT8_H

#include "mlir/IR/Builders.h"

#include <optional>

namespace mlir::autoglm::lowering {
/// A float8 or float4 format: sign bit, then exponent and mantissa fields.
struct Float8Format {
  /// How the format spends its top codes.
  enum class Specials {
    /// IEEE-like (f8E5M2): all-ones exponent is infinity (mantissa 0) or NaN.
    IEEE,
    /// "Finite" (f8E4M3FN): no infinities; only S.1111.111 is NaN.
    FiniteOnly,
    /// "Finite, unsigned zero" (the FNUZ types): 0x80 is the only NaN, there
    /// is no -0 and no infinity.
    FiniteUnsignedZero,
    /// No infinity, no NaN (f4E2M1FN): a NaN source becomes -0, as ONNX's
    /// reference (ml_dtypes) converts it.
    None,
  };
  /// 8, or 4 for float4e2m1.
  unsigned bits;
  unsigned mantissaBits;
  int bias;
  Specials specials;
};

/// The float8 or float4 format of `type`, or nullopt for any other type.
std::optional<Float8Format> float8Format(Type type);

/// The f32 value of the float8 bits `bits` (an i8); exact.
Value float8ToF32(OpBuilder &b, Location loc, Value bits, Float8Format format);

/// The float8 bits (an i8) of the f32 `value`: rounded to nearest, ties to
/// even; NaN stays NaN; values beyond the largest finite magnitude
/// (infinities included) become that magnitude, as ONNX's Cast with
/// saturate=1 specifies (the importer builds saturate=0 around it).
Value f32ToFloat8(OpBuilder &b, Location loc, Value value, Float8Format format);
} // namespace mlir::autoglm::lowering

#endif // AUTOGLM_LIB_CONVERSION_AUTOGLMTOLINALG_FLOAT8_H
