//===- Int8Epilogue.h - int8 requantization in the product ----*- C++ -*-===//
//
// Internal to lib/Target/CPU: --autoglm-amx-contractions and
// --autoglm-vnni-contractions run the elementwise generics that finish an
// int8 product's int32 result (the cast to f32, scales, bias, activation,
// the quantization for the next product and its cast to 8 bits) on each
// block of the output right after the block's K loop, while its int32
// values are in registers (vpdpbusd) or in L1 (AMX tiles stored), instead
// of as separate kernels that read the whole int32 result back from
// memory. On buffers, after bufferization and memory planning, so what
// may move into the kernel is decided on the planned buffers: nothing
// else may run between the product and the generics, and the buffer the
// last generic writes may not overlap anything the kernel reads.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_LIB_TARGET_CPU_INT8EPILOGUE_H
#define AUTOGLM_LIB_TARGET_CPU_INT8EPILOGUE_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include <optional>

namespace mlir::autoglm {
/// Marks the `scf.execute_region` of --autoglm-group-int8-epilogues: a
/// product and its chain, one op to the memory planner, so that it gives
/// the chain's result bytes of its own rather than the product's
/// activation's (which dies at the product while other blocks of the
/// kernel still read it).
constexpr StringLiteral kInt8EpilogueGroupAttr = "autoglm.int8_epilogue";

/// The elementwise generics after an `autoglm.vnni` product on buffers that
/// can run in its kernel, and how to emit them on one vector of the
/// product's int32 result.
class Int8Epilogue {
public:
  /// The chain after `product` (C: MxNxi32): generics over the 2-D domain
  /// of C (or of C's first rows, where the product was padded; or, after
  /// a convolution, C as [1, F, OH, OW], its pixels reshaped), each
  /// reading the one before (the first reads C) with the identity map,
  /// every other operand indexed by (row, column), the column, the row or
  /// nothing, and their bodies elementwise arith and math ops. Each value
  /// but the last one's result must be read by the next generic only, so
  /// that only the last result is written. Nullopt where there is none.
  static std::optional<Int8Epilogue> match(linalg::GenericOp product);

  /// The op before which the kernel goes: the chain's last generic (only
  /// ops without memory effects, or allocations, lie between the product
  /// and it, and the chain's operands are all defined there).
  Operation *insertionPoint() const { return chain.back(); }

  /// The chain's generics, in order.
  ArrayRef<linalg::GenericOp> generics() const { return chain; }

  /// The rows of C the chain covers (C's rows past them are padding).
  int64_t rows() const { return numRows; }

  /// Runs the chain on `acc` (a vector of int32 values of C at `row` and
  /// the columns from `col` on) and stores the result at (row, col) of the
  /// last generic's output. Constants the bodies use are made again at
  /// the insertion point: the kernel's parallel body is outlined.
  void emit(OpBuilder &b, Location loc, Value acc, Value row, Value col) const;

  /// Erases the chain's generics, once the kernel computes them.
  void erase(RewriterBase &rewriter);

  /// Inlines the group that holds `op`, if there is one; whether there was.
  static bool ungroup(RewriterBase &rewriter, Operation *op);
  static void ungroup(RewriterBase &rewriter, scf::ExecuteRegionOp group);

private:
  SmallVector<linalg::GenericOp> chain;
  /// The operand of each generic that reads the value the one before
  /// computed (the first's: C).
  SmallVector<unsigned> carriedOperand;
  int64_t numRows = 0;
  /// The loop dimensions that make up C's column: 1, or 2 after a
  /// convolution (its pixels, C's columns, read as [OH, OW]).
  unsigned columnDims = 1;
};
} // namespace mlir::autoglm

#endif // AUTOGLM_LIB_TARGET_CPU_INT8EPILOGUE_H
