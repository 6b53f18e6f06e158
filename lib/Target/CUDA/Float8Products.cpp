//===- Float8Products.cpp - --autoglm-cuda-float8-products ----------------===//
//
// `--precision=fp8` makes its products reach the CUDA target as a float32
// product of widened float8 bits (include/autoglm/Conversion/Float8.h):
//
//   %a32 = linalg.generic {autoglm.float8_widening = {type = f8E4M3FN,
//            scale = S}} ins(%a : tensor<MxKxi8>)      // bits -> f32, * S
//   %w32 = linalg.generic {autoglm.float8_widening = {type = f8E4M3FN,
//            scale = 1.0}} ins(%w : tensor<KxNxi8>)    // a constant
//   %c = linalg.matmul ins(%a32, %w32) outs(%zero : tensor<MxNxf32>)
//
// which cuBLASLt computes on the fp8 tensor cores (sm_89 and newer) from
// the bits themselves, the weight transposed at compile time (ByteProducts.h)
// and the scales its alpha:
//
//   %c = linalg.matmul indexing_maps = [(m, k), (n, k), (m, n)]
//          ins(%a, %wT : tensor<MxKxi8>, tensor<NxKxi8>) outs(%zero)
//          {autoglm.float8_operands = f8E4M3FN, autoglm.alpha = S}
//
// Read as integers that product would be wrong: the marks make
// --autoglm-cuda-select-library-calls give it to cuBLASLt or fail. The
// kernels read K and N in 16-byte rows: other sizes are left as they are
// (the precision pass quantizes none).
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CUDA/Passes.h"

#include "ByteProducts.h"
#include "LibraryProducts.h"

#include "autoglm/Conversion/Float8.h"
#include "autoglm/Dialect/AutoGLM.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMCUDAFLOAT8PRODUCTS
#include "autoglm/Target/CUDA/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {
/// What a float8 widening of `v` reads: the E4M3 bits (i8) and the scale
/// it multiplies them by; nothing for any other value.
std::optional<std::pair<Value, double>> widenedFloat8(Value v) {
  auto generic = v.getDefiningOp<linalg::GenericOp>();
  auto widening =
      generic ? generic->getAttrOfType<DictionaryAttr>(kFloat8WideningAttrName)
              : DictionaryAttr();
  if (!widening || generic.getNumDpsInputs() != 1 ||
      !generic.hasPureTensorSemantics())
    return std::nullopt;
  auto type = widening.getAs<TypeAttr>("type");
  auto scale = widening.getAs<FloatAttr>("scale");
  if (!type || !isa<Float8E4M3FNType>(type.getValue()) || !scale)
    return std::nullopt;
  return std::make_pair(generic.getDpsInputs()[0], scale.getValueAsDouble());
}

struct Float8Products
    : autoglm::impl::AutoGLMCUDAFloat8ProductsBase<Float8Products> {
  void runOnOperation() override {
    SmallVector<linalg::MatmulOp> products;
    getOperation().walk([&](linalg::MatmulOp mm) { products.push_back(mm); });
    IRRewriter rewriter(&getContext());
    for (linalg::MatmulOp mm : products)
      rewrite(rewriter, mm);
  }

  void rewrite(IRRewriter &rewriter, linalg::MatmulOp mm) {
    if (!mm.hasPureTensorSemantics() || mm.hasUserDefinedMaps() ||
        !getElementTypeOrSelf(mm->getResult(0)).isF32())
      return;
    // A batched activation reaches the product with its rows folded: the
    // collapse moves before the widening.
    Value lhs = mm.getDpsInputs()[0];
    auto collapse = lhs.getDefiningOp<tensor::CollapseShapeOp>();
    auto a = widenedFloat8(collapse ? collapse.getSrc() : lhs);
    auto w = widenedFloat8(mm.getDpsInputs()[1]);
    if (!a || !w)
      return;
    linalg::MatmulOp product =
        multiplyBytes(rewriter, mm, a->first, w->first, collapse,
                      /*multiple=*/16, "fp8_by_columns");
    if (!product)
      return;
    product->setAttr(kFloat8OperandsAttrName,
                     TypeAttr::get(rewriter.getType<Float8E4M3FNType>()));
    product->setAttr(kAlphaAttrName,
                     rewriter.getF32FloatAttr(a->second * w->second));
  }
};
} // namespace
