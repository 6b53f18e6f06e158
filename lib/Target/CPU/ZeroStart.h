//===- ZeroStart.h - a product's accumulator just zero-filled ---*- C++ -*-===//
//
// Internal to lib/Target/CPU: the kernels of --autoglm-tile-and-vectorize-
// contractions (float), --autoglm-amx-contractions and
// --autoglm-vnni-contractions (int8) start their accumulators from zero in
// registers (a zero vector, `tilezero`) instead of reading C back, where a
// zero fill has just written all of C; the fill then goes. The fill was a
// separate pass that wrote C to memory before the product read it again.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_LIB_TARGET_CPU_ZEROSTART_H
#define AUTOGLM_LIB_TARGET_CPU_ZEROSTART_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::autoglm {
/// The fill of +0 (or integer 0) on buffers that writes all of `init`
/// right before `op`, with nothing in between that touches memory; null if
/// none. An `scf.execute_region` that holds `op` (an int8 product grouped
/// with its epilogue) runs where it stands: the search goes on before it.
/// (+0 only: a float sum started from -0 keeps a zero's sign that one
/// started from +0 would not.)
inline linalg::FillOp zeroFillBefore(Operation *op, Value init) {
  Operation *at = op;
  while (true) {
    for (Operation *prev = at->getPrevNode(); prev;
         prev = prev->getPrevNode()) {
      auto fill = dyn_cast<linalg::FillOp>(prev);
      if (!fill) {
        if (!isMemoryEffectFree(prev))
          return {};
        continue;
      }
      Value value = fill.getInputs()[0];
      if (!fill.hasPureBufferSemantics() || fill.getOutputs()[0] != init ||
          !(matchPattern(value, m_PosZeroFloat()) ||
            matchPattern(value, m_Zero())))
        return {};
      return fill;
    }
    at = at->getParentOp();
    if (!isa_and_nonnull<scf::ExecuteRegionOp>(at))
      return {};
  }
}
} // namespace mlir::autoglm

#endif // AUTOGLM_LIB_TARGET_CPU_ZEROSTART_H
