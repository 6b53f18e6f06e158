//===- Int8Products.cpp - --autoglm-cuda-int8-products --------------------===//
//
// `--precision=int8` makes its products reach the CUDA target as
//
//   %a32 = linalg.generic (extsi) ins(%a : tensor<MxKxi8>)
//   %w32 = linalg.generic (extsi) ins(%w : tensor<KxNxi8>)   // a constant
//   %c = linalg.matmul ins(%a32, %w32) outs(%zero : tensor<MxNxi32>)
//
// which cuBLASLt computes on the int8 tensor cores from the 8-bit operands
// themselves, the weight transposed at compile time (ByteProducts.h):
//
//   %c = linalg.matmul indexing_maps = [(m, k), (n, k), (m, n)]
//          ins(%a, %wT : tensor<MxKxi8>, tensor<NxKxi8>) outs(%zero)
//
// (the named op widens its operands by sign itself). No widened copy of
// either operand is made. The kernels read K and N by 4-byte words: other
// sizes are left as they are (the precision pass quantizes none).
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CUDA/Passes.h"

#include "ByteProducts.h"

#include "../Int8Operands.h"

#include "autoglm/Dialect/AutoGLM.h"

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
    multiplyBytes(rewriter, mm, a, w, collapse, /*multiple=*/4,
                  "int8_by_columns");
  }
};
} // namespace
