//===- KnownInts.h - integer tensors known at import time -------*- C++ -*-===//
//
// Internal to the importer. ONNX exporters compute shapes with small integer
// subgraphs (Shape -> Gather -> Concat -> Reshape, ...). The importer keeps,
// per ONNX value name, the integer values it knows at import time, so that
// these subgraphs fold to constants and every tensor can get a static type.
// Knowledge may be partial: `Shape` of a tensor with a dynamic dimension
// knows the static entries only.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_LIB_IMPORTER_KNOWNINTS_H
#define AUTOGLM_LIB_IMPORTER_KNOWNINTS_H

#include "mlir/IR/BuiltinAttributeInterfaces.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>
#include <limits>
#include <optional>

namespace autoglm::importer {
struct KnownInts {
  /// An entry whose value is only known at run time.
  static constexpr int64_t kUnknown = std::numeric_limits<int64_t>::min();
  /// Larger integer tensors are not tracked (they are data, not shapes).
  static constexpr int64_t kMaxElements = 4096;

  llvm::SmallVector<int64_t> shape;
  llvm::SmallVector<int64_t> values; // row-major

  static KnownInts vector(llvm::ArrayRef<int64_t> values);
  static KnownInts scalar(int64_t value);

  int64_t rank() const { return shape.size(); }
  int64_t numElements() const { return values.size(); }
  bool isFullyKnown() const;
  bool isAnyKnown() const;
};

/// The values of an integer (or bool) constant, if it is small enough.
std::optional<KnownInts> knownFromAttr(mlir::ElementsAttr attr);

/// A dense attribute of `elementType` holding fully known `known`.
mlir::DenseElementsAttr knownToAttr(const KnownInts &known,
                                    mlir::Type elementType);

/// Wraps `value` to what an integer of `elementType` holds (truncation).
int64_t wrapToType(int64_t value, mlir::Type elementType);

/// Elementwise `fn` over numpy-broadcast `lhs` and `rhs`; an entry is
/// unknown when either input entry is or when `fn` gives nullopt (e.g.
/// division by zero). Nullopt when the shapes do not broadcast.
std::optional<KnownInts> broadcastKnown(
    llvm::ArrayRef<const KnownInts *> operands,
    llvm::function_ref<std::optional<int64_t>(llvm::ArrayRef<int64_t>)> fn);

/// The tensor whose dimension d runs over input dimension `perm[d]` at the
/// indices `positions[d]`: slices (`perm` the identity) and transposes
/// (`positions` every index) of known tensors, evaluated at import time.
KnownInts selectKnown(const KnownInts &known, llvm::ArrayRef<int64_t> perm,
                      llvm::ArrayRef<llvm::SmallVector<int64_t>> positions);
} // namespace autoglm::importer

#endif // AUTOGLM_LIB_IMPORTER_KNOWNINTS_H
