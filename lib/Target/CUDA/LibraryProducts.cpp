//===- LibraryProducts.cpp - products that autoglm.gemm computes ----------===//

#include "LibraryProducts.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;

bool mlir::autoglm::isLibraryProduct(Operation *op) {
  if (auto product = dyn_cast<linalg::MatmulOp>(op))
    return !product.hasUserDefinedMaps() || readsTransposedB(op);
  if (auto product = dyn_cast<linalg::BatchMatmulOp>(op))
    return !product.hasUserDefinedMaps();
  return false;
}

SmallVector<AffineMap> mlir::autoglm::transposedBMaps(MLIRContext *ctx) {
  AffineExpr m, n, k;
  bindDims(ctx, m, n, k);
  return {AffineMap::get(3, 0, {m, k}, ctx), AffineMap::get(3, 0, {n, k}, ctx),
          AffineMap::get(3, 0, {m, n}, ctx)};
}

bool mlir::autoglm::readsTransposedB(Operation *op) {
  auto product = dyn_cast<linalg::MatmulOp>(op);
  return product &&
         product.getIndexingMapsArray() == transposedBMaps(op->getContext());
}

MemRefType mlir::autoglm::transposedMatrix(MemRefType stored) {
  SmallVector<int64_t> strides;
  int64_t offset = 0;
  if (failed(stored.getStridesAndOffset(strides, offset)))
    return {};
  return MemRefType::get({stored.getDimSize(1), stored.getDimSize(0)},
                         stored.getElementType(),
                         StridedLayoutAttr::get(stored.getContext(), offset,
                                                {strides[1], strides[0]}));
}

bool mlir::autoglm::isZeroConstant(Value value) {
  return matchPattern(value, m_AnyZeroFloat()) || matchPattern(value, m_Zero());
}

linalg::FillOp mlir::autoglm::getZeroFillBefore(linalg::LinalgOp product) {
  Value d = product.getDpsInits()[0];
  for (Operation *op = product->getPrevNode(); op; op = op->getPrevNode()) {
    if (auto fill = dyn_cast<linalg::FillOp>(op);
        fill && fill.hasPureBufferSemantics() && fill.getOutputs()[0] == d)
      return isZeroConstant(fill.getInputs()[0]) ? fill : nullptr;
    if (llvm::is_contained(op->getOperands(), d))
      return nullptr;
  }
  return nullptr;
}
