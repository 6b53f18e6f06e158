//===- LibraryProducts.h - products that autoglm.gemm computes --*- C++ -*-===//
//
// Which linalg matrix products a BLAS library computes as written, shared
// by the pass that cuts them out of kernel regions (on tensors) and the one
// that turns them into `autoglm.gemm` calls (on buffers): a linalg.matmul
// or linalg.batch_matmul with its default indexing maps, or a linalg.matmul
// that reads its second operand, stored N x K, through the transposed map
// (n, k): the gemm reads that buffer through a transposed view. A product
// whose maps broadcast an operand is not what the gemm computes, even where
// the shapes would multiply.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_TARGET_CUDA_LIBRARYPRODUCTS_H
#define AUTOGLM_TARGET_CUDA_LIBRARYPRODUCTS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"

namespace mlir::autoglm {
/// True when `op` is a matrix product that `autoglm.gemm` computes as
/// written (see above); its operand shapes are checked apart, by
/// GemmOp::whyNot.
bool isLibraryProduct(Operation *op);

/// The maps (m, k), (n, k), (m, n) of a linalg.matmul whose second operand
/// is stored N x K.
SmallVector<AffineMap> transposedBMaps(MLIRContext *ctx);

/// True when `op` is a linalg.matmul with transposedBMaps.
bool readsTransposedB(Operation *op);

/// The K x N view of `stored`, an N x K buffer, that memref.transpose
/// makes: what `autoglm.gemm` reads as b for such a product.
MemRefType transposedMatrix(MemRefType stored);

/// True for a constant zero, float or integer: a product's result filled
/// with it is what the library overwrites.
bool isZeroConstant(Value value);

/// On buffers: the zero fill of `product`'s result buffer that comes before
/// it in its block with nothing in between using that buffer, or null.
linalg::FillOp getZeroFillBefore(linalg::LinalgOp product);

/// Marks a product of 16-bit operands with a 16-bit result that must
/// accumulate in f32 (--autoglm-cuda-narrow-product-results made it): only
/// the library call computes it so; a generated kernel would accumulate in
/// the result's type.
inline constexpr char kF32AccumulatorAttrName[] = "autoglm.f32_accumulator";

/// Marks a linalg.matmul of float8 bits stored in i8
/// (--autoglm-cuda-float8-products made it; the value is the float8 type)
/// and the factor its sums are multiplied by (`kAlphaAttrName`, f32): only
/// the library call computes it; read as integers it would be wrong.
inline constexpr char kFloat8OperandsAttrName[] = "autoglm.float8_operands";
inline constexpr char kAlphaAttrName[] = "autoglm.alpha";

/// The float8 type whose bits `op`'s operands hold (kFloat8OperandsAttrName),
/// or null.
inline Type float8OperandsOf(Operation *op) {
  auto type = op->getAttrOfType<TypeAttr>(kFloat8OperandsAttrName);
  return type ? type.getValue() : Type();
}
} // namespace mlir::autoglm

#endif // AUTOGLM_TARGET_CUDA_LIBRARYPRODUCTS_H
