//===- PackInt8Products.cpp - uint8 x int8 products in packed layout ------===//
//
// --autoglm-pack-int8-products: the products int8 precision makes reach the
// CPU target as
//
//   %a32 = linalg.generic (extui) ins(%a : tensor<MxKxi8>)
//   %b32 = linalg.generic (extsi) ins(%w : tensor<KxNxi8>)   // a constant
//   %c = linalg.matmul ins(%a32, %b32) outs(%init : tensor<MxNxi32>)
//
// On a CPU with AVX-512 VNNI, `vpdpbusd` multiplies 4 consecutive uint8
// values of A's row with 4 int8 values of B in each 32-bit lane and adds
// the 4 products to the lane. This pass packs the constant weight at
// compile time so that each 32-bit lane holds B[4kk..4kk+3, n]:
// Wp[kk, n, j] = W[4 kk + j, n], and rewrites the product as one generic
// over (m, n, kk, j) on A viewed as [M, K/4, 4], marked `autoglm.vnni`, which
// --autoglm-vnni-contractions turns into the instruction after
// bufferization. No widened copy of A or W is made any more. Products
// whose K is not a multiple of 4 or N not of 16 are left as they are.
//
// On AVX2 (`group=2`) each lane holds 2 K values instead, Wp[kk, n, j] =
// W[2 kk + j, n], for `vpmaddwd` on the values widened to 16 bits; N must
// be a multiple of its 8 lanes.
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CPU/Passes.h"

#include "VnniProduct.h"

#include "../Int8Operands.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Utils/Utils.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMPACKINT8PRODUCTS
#include "autoglm/Target/CPU/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;

namespace {
struct PackInt8Products
    : autoglm::impl::AutoGLMPackInt8ProductsBase<PackInt8Products> {
  using AutoGLMPackInt8ProductsBase::AutoGLMPackInt8ProductsBase;

  void runOnOperation() override {
    if (group != 2 && group != 4) {
      getOperation().emitError("--autoglm-pack-int8-products: group must be "
                               "2 or 4, not ")
          << static_cast<int64_t>(group);
      return signalPassFailure();
    }
    SmallVector<linalg::MatmulOp> products;
    getOperation().walk([&](linalg::MatmulOp mm) { products.push_back(mm); });
    IRRewriter rewriter(&getContext());
    for (linalg::MatmulOp mm : products)
      pack(rewriter, mm);
  }

  void pack(IRRewriter &rewriter, linalg::MatmulOp mm) {
    if (!mm.hasPureTensorSemantics() ||
        mm.getIndexingMapsArray() !=
            linalg::MatmulOp::getDefaultIndexingMaps(&getContext()))
      return;
    // A batched activation reaches the product with its rows folded: the
    // collapse moves before the widening.
    Value lhs = mm.getDpsInputs()[0];
    auto collapse = lhs.getDefiningOp<tensor::CollapseShapeOp>();
    Value a = autoglm::widenedFrom<arith::ExtUIOp>(collapse ? collapse.getSrc()
                                                            : lhs);
    Value w = autoglm::widenedFrom<arith::ExtSIOp>(mm.getDpsInputs()[1]);
    ElementsAttr weight;
    if (!a || !w || !matchPattern(w, m_Constant(&weight)))
      return;
    std::optional<SmallVector<int8_t>> values = autoglm::readInt8(weight);
    if (!values)
      return;
    rewriter.setInsertionPoint(mm);
    if (collapse)
      a = tensor::CollapseShapeOp::create(rewriter, mm.getLoc(), a,
                                          collapse.getReassociationIndices());
    auto aType = cast<RankedTensorType>(a.getType());
    auto wType = cast<RankedTensorType>(w.getType());
    if (!aType.hasStaticShape() || !wType.hasStaticShape())
      return;
    int64_t m = aType.getDimSize(0), k = aType.getDimSize(1),
            n = wType.getDimSize(1);
    int64_t g = group;
    if (k % g != 0 || n % autoglm::packedProductLanes(g) != 0)
      return;
    // For AMX, whole tiles: K rounded up to 64 (A's rows padded with
    // zeros, Wp's with zero weights) and M to 16 (rows of C cut off
    // after), so that every tile the kernel loads has one shape.
    int64_t paddedK = amx ? llvm::alignTo(k, 64) : k;
    int64_t paddedM = amx ? llvm::alignTo(m, 16) : m;

    // Wp[kk, n, j] = W[G kk + j, n] (0 past K).
    SmallVector<int8_t> packed(paddedK * n, 0);
    for (int64_t kk = 0; kk < k / g; ++kk)
      for (int64_t col = 0; col < n; ++col)
        for (int64_t j = 0; j < g; ++j)
          packed[(kk * n + col) * g + j] = (*values)[(g * kk + j) * n + col];
    auto packedType =
        RankedTensorType::get({paddedK / g, n, g}, rewriter.getIntegerType(8));
    Location loc = mm.getLoc();
    rewriter.setInsertionPoint(mm);
    Value packedWeight = autoglm::createInt8Blob(rewriter, loc, packedType,
                                                 "vnni_packed", packed);
    MLIRContext *ctx = &getContext();
    Value init = mm.getDpsInits()[0];
    // `value` padded with zeros at its ends to `shape`.
    auto padWithZeros = [&](Value value, ArrayRef<int64_t> shape) -> Value {
      auto type =
          RankedTensorType::get(shape, getElementTypeOrSelf(value.getType()));
      Value zero = arith::ConstantOp::create(
          rewriter, loc, rewriter.getZeroAttr(type.getElementType()));
      return tensor::createPadHighOp(type, value, zero, /*nofold=*/false, loc,
                                     rewriter);
    };
    if (paddedK != k || paddedM != m)
      a = padWithZeros(a, {paddedM, paddedK});
    // A fill of a fresh tensor (the product's zero) is filled in the padded
    // shape instead: the padding rows are cut off after, and a fill right
    // before the product is what lets the kernel start from zero in its
    // tile registers (a pad would copy the fill into a zeroed buffer).
    auto fill = init.getDefiningOp<linalg::FillOp>();
    if (paddedM != m && fill &&
        fill.getOutputs()[0].getDefiningOp<tensor::EmptyOp>()) {
      Value empty = tensor::EmptyOp::create(rewriter, loc, {paddedM, n},
                                            getElementTypeOrSelf(init));
      init = linalg::FillOp::create(rewriter, loc, fill.getInputs()[0], empty)
                 .getResult(0);
    } else if (paddedM != m) {
      init = padWithZeros(init, {paddedM, n});
    }
    Value a3 = tensor::ExpandShapeOp::create(
        rewriter, loc,
        RankedTensorType::get({paddedM, paddedK / g, g},
                              aType.getElementType()),
        a, ArrayRef<ReassociationIndices>{{0}, {1, 2}});

    AffineExpr dm, dn, dkk, dj;
    bindDims(ctx, dm, dn, dkk, dj);
    SmallVector<AffineMap> maps = {AffineMap::get(4, 0, {dm, dkk, dj}, ctx),
                                   AffineMap::get(4, 0, {dkk, dn, dj}, ctx),
                                   AffineMap::get(4, 0, {dm, dn}, ctx)};
    auto product = autoglm::createVnniProduct(rewriter, loc, init.getType(), a3,
                                              packedWeight, init, maps,
                                              /*lhsUnsigned=*/true);
    Value result = product->getResult(0);
    if (paddedM != m)
      result = tensor::ExtractSliceOp::create(
          rewriter, loc, cast<RankedTensorType>(mm.getResultTypes()[0]), result,
          getAsIndexOpFoldResult(ctx, {0, 0}),
          getAsIndexOpFoldResult(ctx, {m, n}),
          getAsIndexOpFoldResult(ctx, {1, 1}));
    Operation *widenW = mm.getDpsInputs()[1].getDefiningOp();
    rewriter.replaceOp(mm, result);
    // The widened copies are dead unless something else reads them.
    SmallVector<Operation *> dead = {collapse, widenW, w.getDefiningOp()};
    if (collapse)
      dead.push_back(collapse.getSrc().getDefiningOp());
    else
      dead.push_back(lhs.getDefiningOp());
    // In order: a widening before what it widens (the unpacked weight
    // goes too, or the weights file would hold it twice).
    for (Operation *op : dead)
      if (op && op->use_empty())
        rewriter.eraseOp(op);
  }
};
} // namespace
