//===- BufferExtents.h - which bytes a buffer may occupy --------*- C++ -*-===//
//
// Internal to lib/Target/CPU: whether two buffers on the memory planner's
// views may share bytes. A view of the workspace (`memref.view` at a static
// byte shift) occupies a known range of it; subviews and reshapes occupy
// somewhere in their source; allocations, globals and function arguments
// are roots of their own.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_LIB_TARGET_CPU_BUFFEREXTENTS_H
#define AUTOGLM_LIB_TARGET_CPU_BUFFEREXTENTS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

#include <limits>

namespace mlir::autoglm {
/// The bytes a buffer may occupy: [begin, end) of the allocation `root`
/// (a function argument, an allocation or a global).
struct BufferExtent {
  Value root;
  int64_t begin, end;
};

inline std::optional<BufferExtent> bufferExtent(Value v) {
  if (auto view = v.getDefiningOp<memref::ViewOp>()) {
    MemRefType type = view.getType();
    std::optional<int64_t> shift = getConstantIntValue(view.getByteShift());
    std::optional<BufferExtent> source = bufferExtent(view.getSource());
    if (!type.hasStaticShape() || !shift || !source)
      return std::nullopt;
    int64_t bytes = type.getNumElements() *
                    llvm::divideCeil(type.getElementTypeBitWidth(), 8);
    int64_t begin = source->begin + *shift;
    return BufferExtent{source->root, begin, begin + bytes};
  }
  // Subviews and reshapes: anywhere in their source.
  if (auto view = v.getDefiningOp<ViewLikeOpInterface>())
    return bufferExtent(view.getViewSource());
  bool root = v.getDefiningOp<memref::AllocOp>() ||
              v.getDefiningOp<memref::AllocaOp>() ||
              v.getDefiningOp<memref::GetGlobalOp>();
  if (auto arg = dyn_cast<BlockArgument>(v))
    root = isa<func::FuncOp>(arg.getOwner()->getParentOp());
  if (!root)
    return std::nullopt;
  return BufferExtent{v, 0, std::numeric_limits<int64_t>::max()};
}

/// Whether the allocations are the same (two reads of one global are).
inline bool sameBufferRoot(Value a, Value b) {
  if (a == b)
    return true;
  auto ga = a.getDefiningOp<memref::GetGlobalOp>();
  auto gb = b.getDefiningOp<memref::GetGlobalOp>();
  return ga && gb && ga.getName() == gb.getName();
}

/// Whether the buffers `a` and `b` may share bytes (true when unknown).
/// Different roots are taken to be apart, function arguments included (the
/// model's inputs and outputs).
inline bool mayOverlap(Value a, Value b) {
  std::optional<BufferExtent> ea = bufferExtent(a), eb = bufferExtent(b);
  if (!ea || !eb)
    return true;
  if (!sameBufferRoot(ea->root, eb->root))
    return false;
  return ea->begin < eb->end && eb->begin < ea->end;
}
} // namespace mlir::autoglm

#endif // AUTOGLM_LIB_TARGET_CPU_BUFFEREXTENTS_H
