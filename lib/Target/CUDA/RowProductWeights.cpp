//===- RowProductWeights.cpp - --autoglm-cuda-row-product-weights ---------===//
//
// A product of a few rows (a decoder step's one token) against a constant
// weight reads the whole weight for little arithmetic: its speed is the
// speed the weight is read at. cuBLASLt's kernels for such shapes read an
// f32 weight at about a tenth of the H200's bandwidth. RowProducts.cpp
// reads it at full speed with a warp per output column, each warp reading
// its column's K weights as one contiguous run: the weight stored N x K.
// This pass stores it so, on tensors, before the weights are laid out:
//
//   %c = linalg.matmul ins(%a, %w : tensor<MxK>, tensor<KxN>) outs(%zero)
//
// becomes, with the constant transposed at compile time,
//
//   %c = linalg.matmul indexing_maps = [(m, k), (n, k), (m, n)]
//          ins(%a, %wT : tensor<MxK>, tensor<NxK>) outs(%zero)
//
// The weights file holds the transposed constant only. A weight that
// something else also reads is left as it is.
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CUDA/Passes.h"

#include "../PermutedConstant.h"
#include "LibraryProducts.h"
#include "RowProducts.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Matchers.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMCUDAROWPRODUCTWEIGHTS
#include "autoglm/Target/CUDA/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {
struct RowProductWeights
    : autoglm::impl::AutoGLMCUDARowProductWeightsBase<RowProductWeights> {
  void runOnOperation() override {
    SmallVector<linalg::MatmulOp> products;
    getOperation().walk([&](linalg::MatmulOp mm) { products.push_back(mm); });
    for (linalg::MatmulOp mm : products)
      storeByColumns(mm);
  }

  void storeByColumns(linalg::MatmulOp mm) {
    if (!mm.hasPureTensorSemantics() || mm.hasUserDefinedMaps() ||
        !isLibraryProduct(mm) || !takesRowProduct(mm))
      return;
    Value w = mm.getDpsInputs()[1];
    arith::ConstantOp constant = w.getDefiningOp<arith::ConstantOp>();
    ElementsAttr weight;
    // A splat weight (one value repeated) is left as it is.
    if (!constant || !w.hasOneUse() || !matchPattern(w, m_Constant(&weight)) ||
        weight.isSplat())
      return;
    // wT[j, i] = w[i, j].
    TypedAttr transposed =
        permuteConstant(weight, ArrayRef<int64_t>{1, 0}, "by_columns");
    if (!transposed)
      return;
    OpBuilder b(mm);
    Value wT = arith::ConstantOp::create(b, constant.getLoc(), transposed);
    mm->setOperand(1, wT);
    mm.setIndexingMapsAttr(
        b.getAffineMapArrayAttr(transposedBMaps(&getContext())));
    // A dead constant would still become a global, its bytes weights.
    constant.erase();
  }
};
} // namespace
