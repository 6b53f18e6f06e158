//===- ByteProducts.h - 8-bit products as cuBLASLt reads them ---*- C++ -*-===//
//
// cuBLASLt's int8 and fp8 kernels read their first operand transposed and
// the second not ("TN"), and the library's first operand is the image's
// second (runtime/src/cuda/blas.c computes Dᵀ = Bᵀ · Aᵀ): the weight must be
// stored by its columns, N x K. Shared by --autoglm-cuda-int8-products and
// --autoglm-cuda-float8-products, which find the 8-bit values behind a
// product's widened operands each in their own way.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_TARGET_CUDA_BYTEPRODUCTS_H
#define AUTOGLM_TARGET_CUDA_BYTEPRODUCTS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::autoglm {
/// Replaces `mm`, a linalg.matmul of two widened 8-bit values, by a matmul
/// of those values themselves: `a` (an M x K activation, folded to rows by
/// `collapse` when given, as the widened one was) and `w` (a K x N constant
/// of 8-bit elements, or the argument of `mm`'s kernel region bound to one),
/// the weight transposed at compile time to N x K (a blob named `blobName`)
/// and read through the transposed map (n, k). The widened copies go once
/// unread. Returns the new product, or null, changing nothing, when `w` is
/// no such constant or K or N is not a multiple of `multiple`.
linalg::MatmulOp multiplyBytes(IRRewriter &rewriter, linalg::MatmulOp mm,
                               Value a, Value w,
                               tensor::CollapseShapeOp collapse,
                               int64_t multiple, StringRef blobName);
} // namespace mlir::autoglm

#endif // AUTOGLM_TARGET_CUDA_BYTEPRODUCTS_H
