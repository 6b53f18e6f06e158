//===- Passes.h - AutoGLM graph and buffer passes ---------------*- C++ -*-===//
//
// The passes declared in passes/Passes.td: graph passes on the autoglm
// dialect and the target-independent buffer passes.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_PASSES_PASSES_H
#define AUTOGLM_PASSES_PASSES_H

#include "autoglm/Dialect/AutoGLM.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Pass/Pass.h"

namespace mlir::autoglm {
#define GEN_PASS_DECL
#include "autoglm/Passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "autoglm/Passes/Passes.h.inc"
} // namespace mlir::autoglm

#endif // AUTOGLM_PASSES_PASSES_H
