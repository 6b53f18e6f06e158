//===- RowProducts.h - products of a few rows -------------------*- C++ -*-===//
//
// Which matrix products the row-product kernel computes
// (RowProducts.cpp), shared with the pass that stores their constant
// weights for it (RowProductWeights.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_TARGET_CUDA_ROWPRODUCTS_H
#define AUTOGLM_TARGET_CUDA_ROWPRODUCTS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Types.h"

#include <cstdint>

namespace mlir::autoglm {
/// The most rows (M) the row-product kernel takes: each of its warps keeps
/// a running sum per row.
inline constexpr int64_t kMaxRowProductRows = 8;

/// On a row product's linalg.matmul (RowProductNorms.cpp): the kernel
/// RMS-normalizes each row of the input, r = 1 / sqrt(mean(x^2) + epsilon)
/// (this attribute's value), and scales the row's results by r.
inline constexpr char kRmsNormalizedRowsAttr[] = "autoglm.rms_normalized_rows";

/// True when the row-product kernel computes a product of `rows` rows with
/// operands of types `a` and `b` into `c`: f32, f16 or bf16 operands of one
/// type, the result of that type or f32, summed in f32.
inline bool takesRowProduct(int64_t rows, Type a, Type b, Type c) {
  return rows >= 1 && rows <= kMaxRowProductRows && a == b &&
         (a.isF32() || a.isF16() || a.isBF16()) && (c == a || c.isF32());
}

/// The same for `product`, on tensors or buffers, whose operands must have
/// static shapes.
inline bool takesRowProduct(linalg::MatmulOp product) {
  auto a = cast<ShapedType>(product.getDpsInputs()[0].getType());
  auto w = cast<ShapedType>(product.getDpsInputs()[1].getType());
  auto c = cast<ShapedType>(product.getDpsInits()[0].getType());
  return a.hasStaticShape() && w.hasStaticShape() &&
         takesRowProduct(a.getDimSize(0), a.getElementType(),
                         w.getElementType(), c.getElementType());
}

/// The tensor that `value` views through reshapes (expand_shape,
/// collapse_shape): what its buffer will be.
inline Value reshapeRoot(Value value) {
  while (Operation *def = value.getDefiningOp()) {
    if (!isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(def))
      break;
    value = def->getOperand(0);
  }
  return value;
}
} // namespace mlir::autoglm

#endif // AUTOGLM_TARGET_CUDA_ROWPRODUCTS_H
