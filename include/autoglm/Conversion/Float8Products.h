//===- Float8Products.h - how a float8 product reaches linalg ---*- C++ -*-===//
//
// LLVM has no float8 types, so `--autoglm-lower-to-linalg` stores float8
// tensors as their bits in i8 and an `autoglm.matmul` of float8 operands
// (`--precision=fp8`) becomes a float32 linalg.matmul of its operands
// widened, each by a one-input linalg.generic that converts the bits to
// f32, the left one also multiplying by the op's `scale`. That is the
// product's value on any target. Each widening carries the attribute below,
// so that a target with float8 tensor cores (CUDA: cuBLASLt) finds the
// float8 bits and the scale again and multiplies the bits themselves:
//
//   {autoglm.float8_widening = {type = f8E4M3FN, scale = 1.5e-04 : f32}}
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_CONVERSION_FLOAT8PRODUCTS_H
#define AUTOGLM_CONVERSION_FLOAT8PRODUCTS_H

#include "mlir/IR/BuiltinAttributes.h"

namespace mlir::autoglm {
/// The attribute of the generic that widens a float8 operand of a product.
inline constexpr char kFloat8WideningAttrName[] = "autoglm.float8_widening";
} // namespace mlir::autoglm

#endif // AUTOGLM_CONVERSION_FLOAT8PRODUCTS_H
