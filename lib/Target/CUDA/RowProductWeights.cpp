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

#include "LibraryProducts.h"
#include "RowProducts.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMCUDAROWPRODUCTWEIGHTS
#include "autoglm/Target/CUDA/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {
/// The bytes of a constant's elements, dense or a resource blob; empty for
/// a splat or what cannot be read.
ArrayRef<char> rawBytes(ElementsAttr attr) {
  if (auto dense = dyn_cast<DenseElementsAttr>(attr))
    return dense.isSplat() ? ArrayRef<char>() : dense.getRawData();
  if (auto blob = dyn_cast<DenseResourceElementsAttr>(attr))
    if (AsmResourceBlob *data = blob.getRawHandle().getBlob())
      return data->getData();
  return {};
}

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
        !isLibraryProduct(mm))
      return;
    Value a = mm.getDpsInputs()[0], w = mm.getDpsInputs()[1];
    auto aType = cast<RankedTensorType>(a.getType());
    auto wType = cast<RankedTensorType>(w.getType());
    auto cType = cast<RankedTensorType>(mm.getDpsInits()[0].getType());
    if (!aType.hasStaticShape() || !wType.hasStaticShape() ||
        !takesRowProduct(aType.getDimSize(0), aType.getElementType(),
                         wType.getElementType(), cType.getElementType()))
      return;
    arith::ConstantOp constant = w.getDefiningOp<arith::ConstantOp>();
    ElementsAttr weight;
    if (!constant || !w.hasOneUse() || !matchPattern(w, m_Constant(&weight)))
      return;
    int64_t k = wType.getDimSize(0), n = wType.getDimSize(1);
    int64_t bytes = wType.getElementTypeBitWidth() / 8;
    ArrayRef<char> data = rawBytes(weight);
    if (int64_t(data.size()) != k * n * bytes)
      return;

    // wT[j, i] = w[i, j], element by element.
    std::vector<char> transposed(data.size());
    for (int64_t i = 0; i < k; ++i)
      for (int64_t j = 0; j < n; ++j)
        std::memcpy(&transposed[(j * k + i) * bytes],
                    &data[(i * n + j) * bytes], bytes);
    auto transposedType = RankedTensorType::get({n, k}, wType.getElementType());
    OpBuilder b(mm);
    Value wT = arith::ConstantOp::create(
        b, constant.getLoc(), transposedType,
        DenseResourceElementsAttr::get(
            transposedType, "by_columns",
            HeapAsmResourceBlob::allocateAndCopyWithAlign(
                ArrayRef<char>(transposed), alignof(uint64_t))));
    mm->setOperand(1, wT);
    mm.setIndexingMapsAttr(
        b.getAffineMapArrayAttr(transposedBMaps(&getContext())));
    // A dead constant would still become a global, its bytes weights.
    constant.erase();
  }
};
} // namespace
