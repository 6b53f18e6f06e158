//===- Kernels.h - the op families of the constant evaluator ----*- C++ -*-===//
//
// Internal to passes/: ConstantEvaluator.cpp holds ConstTensor (reading and
// writing attributes), the index helpers below and the entry point,
// `evaluate`, which dispatches each op to one of these families, one file of
// this folder each:
//
//   Elementwise.cpp   unary, binary (numpy broadcasting), select, cast
//   DataMovement.cpp  transpose, slice, concat, split, gather,
//                     gather_elements, tile, pad, range
//   Reductions.cpp    reduce, arg_reduce, matmul
//
// Element values follow ConstantEvaluator.h: double for floats, int64_t for
// integers (extended by their signedness), rounded to the element type once,
// in ConstTensor::toAttr.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_PASSES_EVALUATOR_KERNELS_H
#define AUTOGLM_PASSES_EVALUATOR_KERNELS_H

#include "ConstantEvaluator.h"

#include "autoglm/Dialect/AutoGLM.h"

#include "llvm/ADT/APFloat.h"

#include <vector>

namespace mlir::autoglm::evaluator {
//===----------------------------------------------------------------------===//
// Element encoding
//===----------------------------------------------------------------------===//

/// i1 and unsigned integers compare, divide and convert as unsigned.
inline bool isUnsignedInt(Type type) {
  auto integer = dyn_cast<IntegerType>(type);
  return integer && (integer.isUnsigned() || integer.getWidth() == 1);
}

/// Wraps `value` to the width of `type` and extends it back by signedness
/// (i1 stays 0/1).
inline int64_t wrapInt(uint64_t value, Type type) {
  unsigned width = cast<IntegerType>(type).getWidth();
  if (width >= 64)
    return static_cast<int64_t>(value);
  uint64_t mask = (uint64_t(1) << width) - 1;
  value &= mask;
  if (!isUnsignedInt(type) && (value >> (width - 1)) & 1)
    value |= ~mask;
  return static_cast<int64_t>(value);
}

inline const llvm::fltSemantics &semanticsOf(Type type) {
  return cast<FloatType>(type).getFloatSemantics();
}

//===----------------------------------------------------------------------===//
// Index helpers (ConstantEvaluator.cpp)
//===----------------------------------------------------------------------===//

SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape);

/// Calls `fn(index)` for every multi-index of `shape` in row-major order.
void forEachIndex(ArrayRef<int64_t> shape,
                  llvm::function_ref<void(ArrayRef<int64_t>)> fn);

/// The linear offset in a tensor of `inShape`, broadcast numpy-style to
/// `outShape`, of every element of `outShape`.
std::vector<int64_t> broadcastOffsets(ArrayRef<int64_t> inShape,
                                      ArrayRef<int64_t> outShape);

inline void copyElement(ConstTensor &dst, int64_t i, const ConstTensor &src,
                        int64_t j) {
  if (dst.isFloat())
    dst.floats[i] = src.floats[j];
  else
    dst.ints[i] = src.ints[j];
}

/// `out[i] = in[offsets[i]]`; an offset of -1 leaves the element as it is.
ConstTensor takeElements(const ConstTensor &in, RankedTensorType type,
                         ArrayRef<int64_t> offsets);

//===----------------------------------------------------------------------===//
// Elementwise (Elementwise.cpp)
//===----------------------------------------------------------------------===//

EvalStatus evalBinary(Operation *op, const ConstTensor &lhs,
                      const ConstTensor &rhs, RankedTensorType type,
                      ConstTensor &out);
EvalStatus evalUnary(Operation *op, const ConstTensor &in,
                     RankedTensorType type, ConstTensor &out);
EvalStatus evalSelect(const ConstTensor &cond, const ConstTensor &t,
                      const ConstTensor &f, RankedTensorType type,
                      ConstTensor &out);
EvalStatus evalCast(const ConstTensor &in, RankedTensorType type,
                    ConstTensor &out);

//===----------------------------------------------------------------------===//
// Data movement (DataMovement.cpp)
//===----------------------------------------------------------------------===//

ConstTensor evalTranspose(const ConstTensor &in, ArrayRef<int64_t> perm,
                          RankedTensorType type);
ConstTensor evalSlice(const ConstTensor &in, SliceOp op, RankedTensorType type);
/// Concatenation along `axis`: each input contributes contiguous chunks.
ConstTensor evalConcat(ArrayRef<ConstTensor> inputs, int64_t axis,
                       RankedTensorType type);
void evalSplit(const ConstTensor &in, SplitOp op,
               SmallVectorImpl<ConstTensor> &results);
EvalStatus evalGather(const ConstTensor &data, const ConstTensor &indices,
                      int64_t axis, RankedTensorType type, ConstTensor &out);
EvalStatus evalGatherElements(const ConstTensor &data,
                              const ConstTensor &indices, int64_t axis,
                              RankedTensorType type, ConstTensor &out);
ConstTensor evalTile(const ConstTensor &in, RankedTensorType type);
EvalStatus evalPad(const ConstTensor &in, PadOp op, RankedTensorType type,
                   ConstTensor &out);
EvalStatus evalRange(const ConstTensor &start, const ConstTensor &delta,
                     RankedTensorType type, ConstTensor &out);

//===----------------------------------------------------------------------===//
// Reductions and contractions (Reductions.cpp)
//===----------------------------------------------------------------------===//

EvalStatus evalReduce(const ConstTensor &in, ReduceOp op, RankedTensorType type,
                      ConstTensor &out);
EvalStatus evalArgReduce(const ConstTensor &in, ArgReduceOp op,
                         RankedTensorType type, ConstTensor &out);
EvalStatus evalMatMul(const ConstTensor &lhs, const ConstTensor &rhs,
                      RankedTensorType type, const EvalLimits &limits,
                      ConstTensor &out);
} // namespace mlir::autoglm::evaluator

#endif // AUTOGLM_PASSES_EVALUATOR_KERNELS_H
