//===- LibraryProducts.h - products that autoglm.gemm computes --*- C++ -*-===//
//
// Which linalg matrix products a BLAS library computes as written, shared
// by the pass that cuts them out of kernel regions (on tensors) and the one
// that turns them into `autoglm.gemm` calls (on buffers): a linalg.matmul
// or linalg.batch_matmul with its default indexing maps. A product whose
// maps transpose or broadcast an operand is not what the gemm computes,
// even where the shapes would multiply.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_TARGET_CUDA_LIBRARYPRODUCTS_H
#define AUTOGLM_TARGET_CUDA_LIBRARYPRODUCTS_H

#include "mlir/IR/Operation.h"

namespace mlir::autoglm {
/// True when `op` is a matrix product that `autoglm.gemm` computes as
/// written (see above); its operand shapes are checked apart, by
/// GemmOp::whyNot.
bool isLibraryProduct(Operation *op);
} // namespace mlir::autoglm

#endif // AUTOGLM_TARGET_CUDA_LIBRARYPRODUCTS_H
