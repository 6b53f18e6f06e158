//===- VectorTransfers.h - matching vector transfers ------------*- C++ -*-===//
//
// Shared by the CPU passes that keep an accumulator in registers across a
// loop (contraction tiles, vector rows): whether a read and a write touch
// the same place; and by the vector rows and their copies (RowCopies.h):
// which strided rows are read in vectors.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_TARGET_CPU_VECTORTRANSFERS_H
#define AUTOGLM_TARGET_CPU_VECTORTRANSFERS_H

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/BuiltinTypes.h"
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

/// The static stride of `type`'s innermost dimension (a memref's), or 0.
inline int64_t innerStride(Type type) {
  auto memref = dyn_cast<MemRefType>(type);
  SmallVector<int64_t> strides;
  int64_t offset;
  if (!memref || failed(memref.getStridesAndOffset(strides, offset)) ||
      strides.empty() || ShapedType::isDynamic(strides.back()))
    return 0;
  return strides.back();
}

/// The largest innermost stride a row reads or writes in vectors (each
/// vector of a strided view is `stride` vectors of memory and a shuffle):
/// Winograd's overlapping tile windows, 4 and 2 apart.
constexpr int64_t kMaxRowStride = 4;
} // namespace mlir::autoglm

#endif // AUTOGLM_TARGET_CPU_VECTORTRANSFERS_H
