//===- RowCopies.h - copies of rows of run-time length as vectors -*- C++
//-*-===//
//
// Internal to lib/Target/CPU (--autoglm-vectorize-rows): the copies whose
// extents are known only at run time, a convolution's kernel taps into its
// im2col panel, as masked vector rows.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_LIB_TARGET_CPU_ROWCOPIES_H
#define AUTOGLM_LIB_TARGET_CPU_ROWCOPIES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::autoglm {
/// Rewrites each `linalg.copy` on buffers with a dynamic extent whose
/// source rows are every 1st to kMaxRowStride-th element of memory
/// (VectorTransfers.h) and whose target rows are contiguous as loops over
/// its rows of `vectorBits`-wide reads and writes masked to the row's end;
/// the vector rows' lowering then reads a strided row as whole registers
/// and a shuffle. Returns whether it rewrote any.
bool vectorizeRowCopies(RewriterBase &rewriter, func::FuncOp func,
                        unsigned vectorBits);
} // namespace mlir::autoglm

#endif // AUTOGLM_LIB_TARGET_CPU_ROWCOPIES_H
