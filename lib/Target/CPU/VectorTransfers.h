//===- VectorTransfers.h - matching vector transfers ------------*- C++ -*-===//
//
// Shared by the CPU passes that keep an accumulator in registers across a
// loop (contraction tiles, vector rows): whether a read and a write touch
// the same place.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_TARGET_CPU_VECTORTRANSFERS_H
#define AUTOGLM_TARGET_CPU_VECTORTRANSFERS_H

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/ValueRange.h"

namespace mlir::autoglm {
/// Whether two index lists are equal, constants compared by value: the
/// vectorizer makes constants of its own.
inline bool sameIndices(ValueRange a, ValueRange b) {
  return a.size() == b.size() &&
         llvm::all_of(llvm::zip_equal(a, b), [](auto pair) {
           return isEqualConstantIntOrValue(
               getAsOpFoldResult(std::get<0>(pair)),
               getAsOpFoldResult(std::get<1>(pair)));
         });
}
} // namespace mlir::autoglm

#endif // AUTOGLM_TARGET_CPU_VECTORTRANSFERS_H
