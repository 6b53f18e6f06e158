//===- Int8Operands.h - the operands of an int8 product ---------*- C++ -*-===//
//
// What both targets read off the products `--precision=int8` makes, which
// reach them as a linalg.matmul of i32 values widened from 8 bits (the
// activation by extui on the CPU, extsi for CUDA; the constant weight by
// extsi): the 8-bit values before the widening, and the weight's bytes;
// and the constant a target repacks the weight into.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_TARGET_INT8OPERANDS_H
#define AUTOGLM_TARGET_INT8OPERANDS_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <optional>

namespace mlir::autoglm {
/// The 8-bit value a one-op generic widens with `Ext` (arith.extui or
/// arith.extsi) into i32, or null.
template <typename Ext>
Value widenedFrom(Value v) {
  auto generic = v.getDefiningOp<linalg::GenericOp>();
  if (!generic || generic.getNumDpsInputs() != 1 ||
      generic.getNumDpsInits() != 1 || !generic.hasPureTensorSemantics() ||
      !llvm::all_of(generic.getIndexingMapsArray(),
                    [](AffineMap m) { return m.isIdentity(); }))
    return {};
  Block &body = generic.getRegion().front();
  if (body.getOperations().size() != 2)
    return {};
  auto ext = dyn_cast<Ext>(body.front());
  if (!ext || ext.getIn() != body.getArgument(0) ||
      !ext.getIn().getType().isInteger(8) || !ext.getType().isInteger(32))
    return {};
  return generic.getDpsInputs()[0];
}

/// The elements of an i8 constant, dense or a resource blob.
inline std::optional<SmallVector<int8_t>> readInt8(ElementsAttr attr) {
  if (auto dense = dyn_cast<DenseElementsAttr>(attr))
    return llvm::to_vector(dense.getValues<int8_t>());
  if (auto blob = dyn_cast<DenseI8ResourceElementsAttr>(attr))
    if (std::optional<ArrayRef<int8_t>> data = blob.tryGetAsArrayRef())
      return SmallVector<int8_t>(data->begin(), data->end());
  return std::nullopt;
}

/// An arith.constant of `values` (of `type`, i8) as a resource blob named
/// `name`, as the importer's weights: not uniqued in the context.
inline Value createInt8Blob(OpBuilder &b, Location loc, RankedTensorType type,
                            StringRef name, ArrayRef<int8_t> values) {
  return arith::ConstantOp::create(
      b, loc, type,
      DenseResourceElementsAttr::get(
          type, name, HeapAsmResourceBlob::allocateAndCopyInferAlign(values)));
}
} // namespace mlir::autoglm

#endif // AUTOGLM_TARGET_INT8OPERANDS_H
