//===- VnniProduct.h - the int8 product form VNNI lowers --------*- C++ -*-===//
//
// Internal to lib/Target/CPU: --autoglm-pack-int8-products and
// --autoglm-pack-int8-convolutions write their int8 products in one form,
// which --autoglm-vnni-contractions turns into `vpdpbusd` loops: a
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
} // namespace mlir::autoglm

#endif // AUTOGLM_LIB_TARGET_CPU_VNNIPRODUCT_H
