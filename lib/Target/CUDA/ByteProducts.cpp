//===- ByteProducts.cpp - 8-bit products as cuBLASLt reads them -----------===//

#include "ByteProducts.h"

#include "LibraryProducts.h"

#include "../Int8Operands.h"

#include "autoglm/Dialect/AutoGLM.h"

#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::autoglm;

linalg::MatmulOp
mlir::autoglm::multiplyBytes(IRRewriter &rewriter, linalg::MatmulOp mm, Value a,
                             Value w, tensor::CollapseShapeOp collapse,
                             int64_t multiple, StringRef blobName) {
  // In a kernel region the weight is the region's argument, the constant
  // its operand outside.
  auto regionArg = dyn_cast<BlockArgument>(w);
  auto region = regionArg
                    ? dyn_cast<FusedOp>(regionArg.getOwner()->getParentOp())
                    : FusedOp();
  if (regionArg && (!region || !regionArg.hasOneUse()))
    return {};
  ElementsAttr weight;
  if (!matchPattern(region ? region->getOperand(regionArg.getArgNumber()) : w,
                    m_Constant(&weight)))
    return {};
  auto wType = cast<RankedTensorType>(w.getType());
  if (!wType.hasStaticShape())
    return {};
  int64_t k = wType.getDimSize(0), n = wType.getDimSize(1);
  if (k % multiple != 0 || n % multiple != 0)
    return {};
  std::optional<SmallVector<int8_t>> values = readInt8(weight);
  if (!values)
    return {};

  // wT[j, i] = w[i, j].
  SmallVector<int8_t> transposed(k * n);
  for (int64_t i = 0; i < k; ++i)
    for (int64_t j = 0; j < n; ++j)
      transposed[j * k + i] = (*values)[i * n + j];
  auto transposedType = RankedTensorType::get({n, k}, wType.getElementType());
  Location loc = mm.getLoc();
  rewriter.setInsertionPoint(region ? region.getOperation() : mm);
  Value wT =
      createInt8Blob(rewriter, loc, transposedType, blobName, transposed);
  // The constant the weight was, erased once unread: a dead constant
  // would still become a global, and its bytes part of the weights.
  Value oldWeight = w;
  if (region) {
    // The region reads the transposed constant instead; its argument
    // had no other reader than the widening.
    oldWeight = region->getOperand(regionArg.getArgNumber());
    rewriter.modifyOpInPlace(region, [&] {
      region->setOperand(regionArg.getArgNumber(), wT);
      regionArg.setType(transposedType);
    });
    wT = regionArg;
  }
  rewriter.setInsertionPoint(mm);
  if (collapse)
    a = tensor::CollapseShapeOp::create(rewriter, loc, a,
                                        collapse.getReassociationIndices());
  auto product = linalg::MatmulOp::create(rewriter, loc, mm->getResultTypes(),
                                          ValueRange{a, wT}, mm.getDpsInits());
  product.setIndexingMapsAttr(
      rewriter.getAffineMapArrayAttr(transposedBMaps(rewriter.getContext())));
  Value wide[] = {mm.getDpsInputs()[0], mm.getDpsInputs()[1]};
  rewriter.replaceOp(mm, product->getResults());
  // The widened copies (and the fold of the widened rows) are dead now.
  for (Value value : wide) {
    Operation *op = value.getDefiningOp();
    Value source = collapse && op == collapse ? collapse.getSrc() : Value();
    if (op->use_empty())
      rewriter.eraseOp(op);
    if (source && source.use_empty())
      rewriter.eraseOp(source.getDefiningOp());
  }
  if (Operation *constant = oldWeight.getDefiningOp();
      constant && constant->use_empty())
    rewriter.eraseOp(constant);
  return product;
}
