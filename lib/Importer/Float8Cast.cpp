//===- Float8Cast.cpp - ONNX's casts to the float8 types ------------------===//

#include "Float8Cast.h"

#include <cmath>

using namespace mlir;
using namespace mlir::autoglm;

namespace autoglm::importer {
bool isFloat8(Type type) {
  return isa<Float8E4M3FNType, Float8E4M3FNUZType, Float8E5M2Type,
             Float8E5M2FNUZType>(type);
}

bool isFloatStorage(Type type) {
  return isFloat8(type) || isa<Float4E2M1FNType>(type);
}

Value castToFloat8(NodeContext &n, Value x, FloatType target, bool saturate) {
  Value saturated = n.castTo(x, target);
  if (saturate || !saturated)
    return saturated;
  // The overflowing values are those at or past the midpoint between the
  // largest finite value and the next binade's first, which a tie reaches
  // when the largest value's code is odd (ties go to the even code).
  const llvm::fltSemantics &semantics = target.getFloatSemantics();
  APFloat largest = APFloat::getLargest(semantics), below = largest;
  below.next(/*nextDown=*/true);
  double boundary = largest.convertToDouble() +
                    (largest.convertToDouble() - below.convertToDouble()) / 2;
  bool tieOverflows = largest.bitcastToAPInt()[0];
  // Compared in x's float type (the boundaries are exact in f16 and bf16),
  // integers as f32.
  Type element = getElementTypeOrSelf(x.getType());
  Value wide = isa<FloatType>(element) ? x : n.castTo(x, n.b.getF32Type());
  Type wideElement = getElementTypeOrSelf(wide.getType());
  Value magnitude = n.create<AbsOp>(wide);
  Value overflows = n.create<CmpOp>(
      CmpPredicateAttr::get(n.ctx,
                            tieOverflows ? CmpPredicate::ge : CmpPredicate::gt),
      magnitude, n.scalar(wideElement, boundary));
  Value special;
  if (APFloat::semanticsHasInf(semantics)) {
    Value negative =
        n.create<CmpOp>(CmpPredicateAttr::get(n.ctx, CmpPredicate::lt), wide,
                        n.scalar(wideElement, 0.0));
    special = n.create<SelectOp>(negative, n.scalar(target, -INFINITY),
                                 n.scalar(target, INFINITY));
  } else {
    special = n.scalar(target, NAN);
  }
  return n.create<SelectOp>(overflows, special, saturated);
}
} // namespace autoglm::importer
