//===- Int8Products.cpp - --autoglm-cuda-int8-products --------------------===//
//
// `--precision=int8` makes its products reach the CUDA target as
//
//   %a32 = linalg.generic (extsi) ins(%a : tensor<MxKxi8>)
//   %w32 = linalg.generic (extsi) ins(%w : tensor<KxNxi8>)   // a constant
//   %c = linalg.matmul ins(%a32, %w32) outs(%zero : tensor<MxNxi32>)
//
// which cuBLASLt computes on the int8 tensor cores from the 8-bit operands
// themselves. Its int8 kernels read their first operand transposed and the
// second not ("TN"), and the library's first operand is the image's
// second (runtime/src/cuda/blas.c computes Dᵀ = Bᵀ · Aᵀ): the weight must
// be stored by its columns, N x K. So the weight is transposed at compile
// time and the product reads it through the transposed map:
//
//   %c = linalg.matmul indexing_maps = [(m, k), (n, k), (m, n)]
//          ins(%a, %wT : tensor<MxKxi8>, tensor<NxKxi8>) outs(%zero)
//
// (the named op widens its operands by sign itself). No widened copy of
// either operand is made. In a kernel region (`autoglm.fused "matmul"`) the
// weight is the region's argument: the region then takes the transposed
// constant. The kernels read K and N by 4-byte words: other
// sizes are left as they are (the precision pass quantizes none).
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CUDA/Passes.h"

#include "LibraryProducts.h"

#include "../Int8Operands.h"

#include "autoglm/Dialect/AutoGLM.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMCUDAINT8PRODUCTS
#include "autoglm/Target/CUDA/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {
struct Int8Products : autoglm::impl::AutoGLMCUDAInt8ProductsBase<Int8Products> {
  void runOnOperation() override {
    SmallVector<linalg::MatmulOp> products;
    getOperation().walk([&](linalg::MatmulOp mm) { products.push_back(mm); });
    IRRewriter rewriter(&getContext());
    for (linalg::MatmulOp mm : products)
      rewrite(rewriter, mm);
  }

  void rewrite(IRRewriter &rewriter, linalg::MatmulOp mm) {
    if (!mm.hasPureTensorSemantics() || mm.hasUserDefinedMaps())
      return;
    // A batched activation reaches the product with its rows folded: the
    // collapse moves before the widening.
    Value lhs = mm.getDpsInputs()[0];
    auto collapse = lhs.getDefiningOp<tensor::CollapseShapeOp>();
    Value a = widenedFrom<arith::ExtSIOp>(collapse ? collapse.getSrc() : lhs);
    Value w = widenedFrom<arith::ExtSIOp>(mm.getDpsInputs()[1]);
    if (!a || !w)
      return;
    // In a kernel region the weight is the region's argument, the constant
    // its operand outside.
    auto regionArg = dyn_cast<BlockArgument>(w);
    auto region = regionArg
                      ? dyn_cast<FusedOp>(regionArg.getOwner()->getParentOp())
                      : FusedOp();
    if (regionArg && (!region || !regionArg.hasOneUse()))
      return;
    ElementsAttr weight;
    if (!matchPattern(region ? region->getOperand(regionArg.getArgNumber()) : w,
                      m_Constant(&weight)))
      return;
    auto wType = cast<RankedTensorType>(w.getType());
    if (!wType.hasStaticShape())
      return;
    int64_t k = wType.getDimSize(0), n = wType.getDimSize(1);
    if (k % 4 != 0 || n % 4 != 0)
      return;
    std::optional<SmallVector<int8_t>> values = readInt8(weight);
    if (!values)
      return;

    // wT[j, i] = w[i, j].
    SmallVector<int8_t> transposed(k * n);
    for (int64_t i = 0; i < k; ++i)
      for (int64_t j = 0; j < n; ++j)
        transposed[j * k + i] = (*values)[i * n + j];
    auto transposedType = RankedTensorType::get({n, k}, wType.getElementType());
    Location loc = mm.getLoc();
    rewriter.setInsertionPoint(region ? region.getOperation() : mm);
    Value wT = createInt8Blob(rewriter, loc, transposedType, "int8_by_columns",
                              transposed);
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
    auto product =
        linalg::MatmulOp::create(rewriter, loc, mm->getResultTypes(),
                                 ValueRange{a, wT}, mm.getDpsInits());
    product.setIndexingMapsAttr(
        rewriter.getAffineMapArrayAttr(transposedBMaps(&getContext())));
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
  }
};
} // namespace
