//===- AccumulatorStart.h - what a product's accumulator starts at -*- C++ -*-//
//
// Internal to lib/Target/CPU: the kernels of --autoglm-tile-and-vectorize-
// contractions (float), --autoglm-amx-contractions and
// --autoglm-vnni-contractions (int8) start their accumulators in registers
// (a zero vector, `tilezero`, a broadcast of the row's value) instead of
// reading C back, where the op right before the product has just written
// all of C with zero or with one value per row; that op then goes. It was
// a separate pass that wrote C to memory before the product read it again
// (for an int8 convolution, C is F x pixels: 800 KB for ResNet-50's first
// ones).
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_LIB_TARGET_CPU_ACCUMULATORSTART_H
#define AUTOGLM_LIB_TARGET_CPU_ACCUMULATORSTART_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::autoglm {
/// The last op before `op` that touches memory (ops free of memory effects
/// are passed over); null if none. An `scf.execute_region` that holds `op`
/// (an int8 product grouped with its epilogue) runs where it stands: the
/// search goes on before it.
inline Operation *memoryOpBefore(Operation *op) {
  for (Operation *at = op; at; at = at->getParentOp()) {
    for (Operation *prev = at->getPrevNode(); prev; prev = prev->getPrevNode())
      if (!isMemoryEffectFree(prev))
        return prev;
    if (!isa_and_nonnull<scf::ExecuteRegionOp>(at->getParentOp()))
      return nullptr;
  }
  return nullptr;
}

/// The fill of +0 (or integer 0) on buffers that writes all of `init`
/// right before `op`, with nothing in between that touches memory; null if
/// none. (+0 only: a float sum started from -0 keeps a zero's sign that
/// one started from +0 would not.)
inline linalg::FillOp zeroFillBefore(Operation *op, Value init) {
  auto fill = dyn_cast_or_null<linalg::FillOp>(memoryOpBefore(op));
  if (!fill || !fill.hasPureBufferSemantics() || fill.getOutputs()[0] != init)
    return {};
  Value value = fill.getInputs()[0];
  if (!matchPattern(value, m_PosZeroFloat()) && !matchPattern(value, m_Zero()))
    return {};
  return fill;
}

/// The generic on buffers that writes all of the M x N `init`, right
/// before `op` as above, with `rows[m]` in every column of row m (an int8
/// convolution's start: the input zero point's share of each filter); its
/// one input is `rows`, M values. Null if none.
inline linalg::GenericOp rowBroadcastBefore(Operation *op, Value init) {
  auto generic = dyn_cast_or_null<linalg::GenericOp>(memoryOpBefore(op));
  if (!generic || !generic.hasPureBufferSemantics() ||
      generic.getNumDpsInputs() != 1 || generic.getNumDpsInits() != 1 ||
      generic.getDpsInits()[0] != init || generic.getNumLoops() != 2 ||
      generic.getNumReductionLoops() != 0)
    return {};
  MLIRContext *ctx = op->getContext();
  AffineMap rowMap = AffineMap::get(2, 0, {getAffineDimExpr(0, ctx)}, ctx);
  SmallVector<AffineMap> maps = generic.getIndexingMapsArray();
  if (maps[0] != rowMap || !maps[1].isIdentity())
    return {};
  auto rows = dyn_cast<MemRefType>(generic.getDpsInputs()[0].getType());
  auto initType = dyn_cast<MemRefType>(init.getType());
  if (!rows || !initType || rows.getRank() != 1 || !rows.hasStaticShape() ||
      !initType.hasStaticShape() ||
      rows.getDimSize(0) != initType.getDimSize(0) ||
      rows.getElementType() != initType.getElementType())
    return {};
  // The body yields its input as it is.
  Block &body = generic.getRegion().front();
  auto yield = dyn_cast<linalg::YieldOp>(body.getTerminator());
  if (!yield || yield.getNumOperands() != 1 ||
      yield.getOperand(0) != body.getArgument(0))
    return {};
  return generic;
}
} // namespace mlir::autoglm

#endif // AUTOGLM_LIB_TARGET_CPU_ACCUMULATORSTART_H
