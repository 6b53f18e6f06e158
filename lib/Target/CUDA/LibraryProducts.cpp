//===- LibraryProducts.cpp - products that autoglm.gemm computes ----------===//

#include "LibraryProducts.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"

using namespace mlir;

bool mlir::autoglm::isLibraryProduct(Operation *op) {
  if (auto product = dyn_cast<linalg::MatmulOp>(op))
    return !product.hasUserDefinedMaps();
  if (auto product = dyn_cast<linalg::BatchMatmulOp>(op))
    return !product.hasUserDefinedMaps();
  return false;
}
