//===- LibraryProducts.cpp - products that autoglm.gemm computes ----------===//

#include "LibraryProducts.h"

using namespace mlir;

SmallVector<AffineMap>
mlir::autoglm::getSharedLeftBatchMatmulMaps(MLIRContext *context) {
  AffineExpr b, m, n, k;
  bindDims(context, b, m, n, k);
  return {AffineMap::get(4, 0, {m, k}, context),
          AffineMap::get(4, 0, {b, k, n}, context),
          AffineMap::get(4, 0, {b, m, n}, context)};
}

bool mlir::autoglm::isLibraryProduct(Operation *op) {
  if (auto product = dyn_cast<linalg::MatmulOp>(op))
    return !product.hasUserDefinedMaps();
  auto product = dyn_cast<linalg::BatchMatmulOp>(op);
  if (!product)
    return false;
  return !product.hasUserDefinedMaps() ||
         product.getIndexingMapsArray() ==
             getSharedLeftBatchMatmulMaps(op->getContext());
}
