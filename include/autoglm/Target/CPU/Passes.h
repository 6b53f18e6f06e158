//===- Passes.h - AutoGLM CPU target passes ---------------------*- C++ -*-===//
//
// Passes of the CPU target's code generation (lib/Target/CPU/Passes.td):
//   --autoglm-parallel-loops-to-runtime   scf.parallel -> ctx->parallel_for
//   --autoglm-conv-to-matmul              NCHW conv -> im2col + matmul
//   --autoglm-tile-kernel-regions         fused region -> cache-block kernel
//   --autoglm-pad-borders                 tensor.pad -> border fills + copy
//   --autoglm-memref-copy-to-linalg       memref.copy -> linalg.copy loops
//   --autoglm-tile-and-vectorize-contractions
//                                         tiled, vectorized matmuls
//   --autoglm-vectorize-rows              other ops as vector rows
//   --autoglm-flatten-empty-arguments     memref<2x0x4xT> args -> memref<0xT>
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_TARGET_CPU_PASSES_H
#define AUTOGLM_TARGET_CPU_PASSES_H

#include "mlir/Dialect/AMX/AMXDialect.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::autoglm {
#define GEN_PASS_DECL
#include "autoglm/Target/CPU/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "autoglm/Target/CPU/Passes.h.inc"
} // namespace mlir::autoglm

#endif // AUTOGLM_TARGET_CPU_PASSES_H
