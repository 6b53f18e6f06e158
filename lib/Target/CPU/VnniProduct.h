//===- VnniProduct.h - the int8 product form VNNI lowers --------*- C++ -*-===//
//
// Internal to lib/Target/CPU: --autoglm-pack-int8-products and
// --autoglm-pack-int8-convolutions write their int8 products in one form,
// which --autoglm-vnni-contractions turns into `vpdpbusd` loops (4 bytes
// of K per 32-bit lane) or AVX2 `vpmaddwd` loops (2 bytes): a
// linalg.generic marked `autoglm.vnni` over two parallel and two reduction
// loops, accumulating zext(unsigned byte) * sext(signed byte) in int32.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_LIB_TARGET_CPU_VNNIPRODUCT_H
#define AUTOGLM_LIB_TARGET_CPU_VNNIPRODUCT_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace mlir::autoglm {
/// The attribute that marks a generic of that form.
constexpr StringLiteral kVnniProductAttr = "autoglm.vnni";

/// The 32-bit lanes of the kernel's vector for products that pack `group`
/// bytes of K per lane: 16 for 4 (AVX-512 VNNI's vpdpbusd on 64 bytes), 8
/// for 2 (AVX2's vpmaddwd on 16 values widened to 16 bits). The packed N
/// (or a convolution's pixels) must be a multiple of it.
inline int64_t packedProductLanes(int64_t group) { return group == 4 ? 16 : 8; }

/// `init` += the product of `lhs` and `rhs` indexed by `maps` (loops: two
/// parallel, then two reduction), each pair of bytes widened to int32,
/// the unsigned one zero-extended and the signed one sign-extended;
/// `lhsUnsigned` says which is which. Marked kVnniProductAttr.
inline linalg::GenericOp createVnniProduct(OpBuilder &builder, Location loc,
                                           TypeRange resultTypes, Value lhs,
                                           Value rhs, ValueRange init,
                                           ArrayRef<AffineMap> maps,
                                           bool lhsUnsigned) {
  auto product = linalg::GenericOp::create(
      builder, loc, resultTypes, ValueRange{lhs, rhs}, init, maps,
      {utils::IteratorType::parallel, utils::IteratorType::parallel,
       utils::IteratorType::reduction, utils::IteratorType::reduction},
      [lhsUnsigned](OpBuilder &b, Location l, ValueRange args) {
        Type i32 = b.getI32Type();
        auto widen = [&](Value byte, bool isUnsigned) -> Value {
          if (isUnsigned)
            return arith::ExtUIOp::create(b, l, i32, byte);
          return arith::ExtSIOp::create(b, l, i32, byte);
        };
        Value x = widen(args[0], lhsUnsigned);
        Value y = widen(args[1], !lhsUnsigned);
        Value xy = arith::MulIOp::create(b, l, x, y);
        linalg::YieldOp::create(
            b, l, ValueRange{arith::AddIOp::create(b, l, args[2], xy)});
      });
  product->setAttr(kVnniProductAttr, builder.getUnitAttr());
  return product;
}

/// The marked products on buffers under `root`, in order: what the passes
/// that lower or group them after bufferization take.
inline SmallVector<linalg::GenericOp> packedInt8Products(Operation *root) {
  SmallVector<linalg::GenericOp> products;
  root->walk([&](linalg::GenericOp op) {
    if (op->hasAttr(kVnniProductAttr) && op.hasPureBufferSemantics())
      products.push_back(op);
  });
  return products;
}

/// Whether the marked generic `op` widens its first operand (the rows of
/// A) with `extui`: then the rows are the unsigned operand, else the
/// columns are (a convolution's weight rows times its uint8 columns).
inline bool vnniRowsAreUnsigned(linalg::GenericOp op) {
  Value rows = op.getRegion().front().getArgument(0);
  return llvm::any_of(rows.getUsers(), [](Operation *user) {
    return isa<arith::ExtUIOp>(user);
  });
}
} // namespace mlir::autoglm

#endif // AUTOGLM_LIB_TARGET_CPU_VNNIPRODUCT_H
