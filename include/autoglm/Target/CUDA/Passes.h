//===- Passes.h - AutoGLM CUDA target passes --------------------*- C++ -*-===//
//
// Passes of the CUDA target's code generation (lib/Target/CUDA/Passes.td):
//   --autoglm-cuda-split-kernel-regions products leave regions (cuBLASLt)
//   --autoglm-cuda-merge-kernel-regions elementwise chains -> one region
//   --autoglm-cuda-fuse-pooling-inputs  pooling taps from unpadded inputs
//   --autoglm-cuda-fuse-kernel-regions  region -> one scf.forall, inlined
//   --autoglm-cuda-linalg-to-loops      linalg -> scf.parallel (+ scf.for)
//   --autoglm-cuda-map-to-gpu           top-level loops -> gpu.launch
//   --autoglm-cuda-gather-kernels       one gpu.module, kernels by node
//   --autoglm-cuda-dependent-launch     kernels wait, the runtime overlaps
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_TARGET_CUDA_PASSES_H
#define AUTOGLM_TARGET_CUDA_PASSES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::autoglm {
#define GEN_PASS_DECL
#include "autoglm/Target/CUDA/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "autoglm/Target/CUDA/Passes.h.inc"
} // namespace mlir::autoglm

#endif // AUTOGLM_TARGET_CUDA_PASSES_H
