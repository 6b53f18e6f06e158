//===- LibraryProducts.h - products that autoglm.gemm computes --*- C++ -*-===//
//
// Which linalg matrix products a BLAS library computes as written, shared
// by the pass that cuts them out of kernel regions (on tensors) and the one
// that turns them into `autoglm.gemm` calls (on buffers): a linalg.matmul
// or linalg.batch_matmul with its default indexing maps, or a batch_matmul
// whose left operand is one matrix shared by every batch (a convolution's
// filters against each image's patches), which cuBLASLt reads with a batch
// stride of 0.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_TARGET_CUDA_LIBRARYPRODUCTS_H
#define AUTOGLM_TARGET_CUDA_LIBRARYPRODUCTS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace mlir::autoglm {
/// The indexing maps of a batch_matmul whose left operand `[M, K]` is
/// shared by every batch: `(b, m, n, k) -> (m, k), (b, k, n), (b, m, n)`.
SmallVector<AffineMap> getSharedLeftBatchMatmulMaps(MLIRContext *context);

/// True when `op` is a matrix product that `autoglm.gemm` computes as
/// written (see above); its operand shapes are checked apart, by
/// GemmOp::whyNot.
bool isLibraryProduct(Operation *op);
} // namespace mlir::autoglm

#endif // AUTOGLM_TARGET_CUDA_LIBRARYPRODUCTS_H
