//===- Float8.h - how float8 products and casts reach linalg ----*- C++ -*-===//
//
// LLVM has no float8 types, so `--autoglm-lower-to-linalg` stores float8
// tensors as their bits in i8.
//
// An `autoglm.matmul` of float8 operands (`--precision=fp8`) becomes a
// float32 linalg.matmul of its operands widened, each by a one-input
// linalg.generic that converts the bits to f32, the left one also
// multiplying by the op's `scale`. That is the product's value on any
// target. Each widening carries the attribute below, so that a target with
// float8 tensor cores (CUDA: cuBLASLt) finds the float8 bits and the scale
// again and multiplies the bits themselves:
//
//   {autoglm.float8_widening = {type = f8E4M3FN, scale = 1.5e-04 : f32}}
//
// A cast to float8 is integer arithmetic on the bits, rounding to nearest
// even and saturating. An `autoglm.cast` to f8E4M3FN that a target marks
// `autoglm.native_float8` instead becomes, per element,
//
//   arith.bitcast (arith.truncf (clamp(x, -448, 448) : f32) : f8E4M3FN) : i8
//
// which only that target's own instruction converts (CUDA: cvt.rn.satfinite
// .e4m3x2.f32 of sm_89 and newer, --autoglm-cuda-float8-conversions).
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_CONVERSION_FLOAT8_H
#define AUTOGLM_CONVERSION_FLOAT8_H

#include "mlir/IR/BuiltinAttributes.h"

namespace mlir::autoglm {
/// The attribute of the generic that widens a float8 operand of a product.
inline constexpr char kFloat8WideningAttrName[] = "autoglm.float8_widening";
/// The (unit) attribute of a cast to f8E4M3FN that the target converts
/// with an instruction of its own.
inline constexpr char kNativeFloat8CastAttrName[] = "autoglm.native_float8";
} // namespace mlir::autoglm

#endif // AUTOGLM_CONVERSION_FLOAT8_H
