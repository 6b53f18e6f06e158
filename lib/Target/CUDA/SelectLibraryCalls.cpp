//===- SelectLibraryCalls.cpp - --autoglm-cuda-select-library-calls -------===//
//
// On buffers: a matrix product whose result buffer was just zero-filled,
//
//     linalg.fill ins(%zero) outs(%d)
//     linalg.matmul ins(%a, %b) outs(%d)
//
// becomes one `autoglm.gemm %a, %b into %d` (so does a batch_matmul; a
// matmul reading %b stored N x K through its transposed map reads it
// through a memref.transpose view; an fp8 product's float8 type and alpha
// become the gemm's),
// which the emission turns into
// a cuBLASLt call (the library overwrites %d, so the fill goes). Products
// whose operands a BLAS library cannot read in place (neither rows nor
// columns contiguous) stay linalg and become generated kernels.
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CUDA/Passes.h"

#include "LibraryProducts.h"

#include "autoglm/Dialect/AutoGLM.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMCUDASELECTLIBRARYCALLS
#include "autoglm/Target/CUDA/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {
struct SelectLibraryCallsPass
    : autoglm::impl::AutoGLMCUDASelectLibraryCallsBase<SelectLibraryCallsPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<linalg::LinalgOp> products;
    for (Operation &op : getOperation().getBody().front())
      if (isLibraryProduct(&op))
        products.push_back(cast<linalg::LinalgOp>(op));
    for (linalg::LinalgOp product : products) {
      if (!product.hasPureBufferSemantics())
        continue;
      Value a = product.getDpsInputs()[0], b = product.getDpsInputs()[1];
      Value d = product.getDpsInits()[0];
      auto bType = cast<MemRefType>(b.getType());
      bool transposedB = readsTransposedB(product);
      if (transposedB)
        bType = transposedMatrix(bType);
      Type float8 = float8OperandsOf(product);
      std::optional<std::string> whyNot =
          GemmOp::whyNot(cast<MemRefType>(a.getType()), bType,
                         cast<MemRefType>(d.getType()), float8);
      linalg::FillOp fill = getZeroFillBefore(product);
      if ((float8 || product->hasAttr(kF32AccumulatorAttrName)) &&
          (whyNot || !fill)) {
        // A generated kernel would accumulate in 16 bits, or multiply
        // float8 bits as integers.
        product.emitOpError()
            << (float8 ? "multiplies float8 values"
                       : "accumulates in f32 into a 16-bit result")
            << ", which only a cuBLASLt call computes, but cannot be one: "
            << (whyNot ? *whyNot : "its result is not zero-filled before it");
        return signalPassFailure();
      }
      if (whyNot || !fill)
        continue;
      rewriter.setInsertionPoint(product);
      // B stored N x K: the gemm reads it through its transposed view.
      if (transposedB)
        b = memref::TransposeOp::create(
            rewriter, product.getLoc(), b,
            AffineMapAttr::get(AffineMap::getPermutationMap(
                ArrayRef<unsigned>{1, 0}, rewriter.getContext())));
      GemmOp::create(rewriter, product.getLoc(), a, b, d,
                     float8 ? TypeAttr::get(float8) : TypeAttr(),
                     product->getAttrOfType<FloatAttr>(kAlphaAttrName));
      rewriter.eraseOp(product);
      rewriter.eraseOp(fill);
    }
  }
};
} // namespace
