//===- DestinationChain.h - where a tensor result is computed ---*- C++ -*-===//
//
// On tensors before bufferization, a kernel's result is computed in the
// buffer of the `tensor.empty` at the start of its chain of destinations:
// each destination-style op (and `scf.forall`) writes into its tied init,
// and reshapes view the same buffer. Passes that want a result computed
// elsewhere (padded rows, a batch loop's slot) replace that empty tensor.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_TARGET_CPU_DESTINATIONCHAIN_H
#define AUTOGLM_TARGET_CPU_DESTINATIONCHAIN_H

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "llvm/ADT/STLFunctionalExtras.h"

namespace mlir::autoglm {
/// The `tensor.empty` whose buffer `value` is computed in: back through
/// the reshapes (`tensor.expand_shape`, `tensor.collapse_shape`) that
/// `followReshape` accepts, appended to `reshapes` (the one nearest
/// `value` first), and each destination-style op's and `scf.forall`'s
/// tied init. Every value on the way but `value` itself is read once (a
/// second reader would need it as it was). Null if the chain ends
/// elsewhere.
inline tensor::EmptyOp
destinationEmpty(Value value,
                 llvm::function_ref<bool(Operation *)> followReshape,
                 SmallVectorImpl<Operation *> *reshapes = nullptr) {
  for (bool first = true; Operation *def = value.getDefiningOp();
       first = false) {
    if (!first && !value.hasOneUse())
      return {};
    if (auto empty = dyn_cast<tensor::EmptyOp>(def))
      return empty;
    if (isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(def)) {
      if (!followReshape(def))
        return {};
      if (reshapes)
        reshapes->push_back(def);
      value = def->getOperand(0);
      continue;
    }
    if (auto forall = dyn_cast<scf::ForallOp>(def)) {
      value = forall.getTiedOpOperand(cast<OpResult>(value))->get();
      continue;
    }
    auto dps = dyn_cast<DestinationStyleOpInterface>(def);
    if (!dps || !dps.hasPureTensorSemantics())
      return {};
    value = dps.getTiedOpOperand(cast<OpResult>(value))->get();
  }
  return {};
}

/// A view of the leading elements of a new tensor of shape `wide` (the
/// rank of `narrow`, each dimension at least as large): the `narrow`
/// tensor a result is computed in when it is to have longer rows (padded
/// rows, rows of whole cache lines). A `bufferization.alloc_tensor`,
/// which no folding of `tensor.empty` turns back into the narrow tensor.
inline Value viewOfWiderTensor(OpBuilder &builder, Location loc,
                               RankedTensorType narrow,
                               ArrayRef<int64_t> wide) {
  Value buffer = bufferization::AllocTensorOp::create(
      builder, loc, narrow.clone(wide), ValueRange{});
  SmallVector<OpFoldResult> offsets(wide.size(), builder.getIndexAttr(0)),
      strides(wide.size(), builder.getIndexAttr(1)),
      sizes = getAsIndexOpFoldResult(builder.getContext(), narrow.getShape());
  return tensor::ExtractSliceOp::create(builder, loc, narrow, buffer, offsets,
                                        sizes, strides);
}

/// Whether `value` is such a view (viewOfWiderTensor): a slice from the
/// origin of a `bufferization.alloc_tensor`.
inline bool isViewOfWiderTensor(Value value) {
  auto slice = value.getDefiningOp<tensor::ExtractSliceOp>();
  return slice &&
         slice.getSource().getDefiningOp<bufferization::AllocTensorOp>() &&
         llvm::all_of(slice.getMixedOffsets(), isZeroInteger);
}
} // namespace mlir::autoglm

#endif // AUTOGLM_TARGET_CPU_DESTINATIONCHAIN_H
