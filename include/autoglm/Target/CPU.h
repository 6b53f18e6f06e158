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

/// What the CPU's code generation is built for: the target CPU's features
/// and the choices the compiler's flags make.
struct CPUCodegenOptions {
  /// AVX-512 VNNI: uint8 x int8 products use `vpdpbusd`.
  bool vnni = false;
  /// The CPU converts f32 to bf16 itself (elsewhere in integer arithmetic).
  bool avx512bf16 = false;
  /// Without VNNI, uint8 x int8 products use AVX2's `vpmaddwd`.
  bool avx2 = false;
  /// 3x3 stride-1 convolutions as Winograd F(4x4, 3x3).
  bool winograd = true;
  /// With `vnni`, the CPU has AMX-TILE and AMX-INT8: the packed uint8 x
  /// int8 products run on AMX tiles.
  bool amxInt8 = false;
  /// The CPU has AMX-TILE and AMX-BF16: bf16 products of whole tiles run
  /// on them.
  bool amxBf16 = false;
  /// The elementwise chain after each packed int8 product runs in its
  /// kernel, on each block after the K loop.
  bool int8Epilogues = false;
  /// bf16 products (other than AMX's) run on AVX512_BF16's `vdpbf16ps`
  /// instead of the float32 kernel on widened panels.
  bool bf16Dot = false;
  /// The thread count the model will run with, which the products' cache
  /// blocks and the convolutions' im2col slots are cut for.
  int64_t threads = 2;
  /// Parallel loops whose bodies are equivalent share one function (off:
  /// one function per loop, for a profile by ONNX node).
  bool shareKernels = true;
};

/// The CPU's code-generation pipeline, from linalg on tensors to the LLVM
/// dialect: convolutions as matrix products, the buffer pipeline, tiled and
/// vectorized contractions, loops (the large parallel ones on the runtime's
/// threads, main taking the execution context last), and the conversions
/// to LLVM with the bare-pointer calling convention.
void buildCPUCodegenPipeline(OpPassManager &pm, const CodegenOptions &options,
                             const CPUCodegenOptions &cpu = {});
} // namespace mlir::autoglm

#endif // AUTOGLM_TARGET_CPU_H
