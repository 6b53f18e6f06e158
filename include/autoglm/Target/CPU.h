//===- CPU.h - native code for the host or another CPU ----------*- C++ -*-===//
//
// The CPU target (lib/Target/CPU/): the whole model as host code, run on
// the runtime's threads.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_TARGET_CPU_H
#define AUTOGLM_TARGET_CPU_H

#include "autoglm/Target/Target.h"

namespace mlir::autoglm {
/// `--target=cpu`; null after a diagnostic at `loc` when `host` names an
/// unknown triple or CPU.
std::unique_ptr<Target> createCPUTarget(const HostOptions &host, Location loc);

/// The CPU's code-generation pipeline, from linalg on tensors to the LLVM
/// dialect: convolutions as matrix products, the buffer pipeline, tiled and
/// vectorized contractions, loops (the large parallel ones on the runtime's
/// threads, main taking the execution context last), and the conversions
/// to LLVM with the bare-pointer calling convention. `vnni`: the CPU has
/// AVX-512 VNNI, so uint8 x int8 products use `vpdpbusd`. `avx512bf16`:
/// the CPU converts f32 to bf16 itself (elsewhere in integer arithmetic).
/// `avx2`: without VNNI, uint8 x int8 products use AVX2's `vpmaddwd`.
/// `winograd`: 3x3 stride-1 convolutions as Winograd F(4x4, 3x3).
/// `amxInt8`: with `vnni`, the CPU has AMX-TILE and AMX-INT8, so the
/// packed uint8 x int8 products run on AMX tiles. `amxBf16`: the CPU has
/// AMX-TILE and AMX-BF16, so bf16 products of whole tiles run on them.
/// `int8Epilogues`: the elementwise chain after each packed int8 product
/// runs in its kernel, on each block after the K loop. `bf16Dot`: bf16
/// products (other than AMX's) run on AVX512_BF16's `vdpbf16ps` instead of
/// the float32 kernel on widened panels. `threads`: the thread count the
/// model will run with, which the products' cache blocks and the
/// convolutions' im2col slots are cut for.
void buildCPUCodegenPipeline(OpPassManager &pm, const CodegenOptions &options,
                             bool vnni = false, bool avx512bf16 = false,
                             bool avx2 = false, bool winograd = true,
                             bool amxInt8 = false, bool amxBf16 = false,
                             bool int8Epilogues = false, bool bf16Dot = false,
                             int64_t threads = 2);
} // namespace mlir::autoglm

#endif // AUTOGLM_TARGET_CPU_H
