//===- CUDA.h - NVIDIA GPUs through the CUDA driver -------------*- C++ -*-===//
//
// The CUDA target (lib/Target/CUDA/): every kernel region runs as GPU
// kernels of one embedded fatbin; the host side is constant data, the
// forward pass as steps (runtime/include/autoglm/cuda_image.h) that the
// runtime replays, after the first run as one CUDA graph.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_TARGET_CUDA_H
#define AUTOGLM_TARGET_CUDA_H

#include "autoglm/Target/Target.h"

namespace mlir::autoglm {
/// `--target=cuda`; null after a diagnostic at `loc` when an architecture
/// is malformed or `host` is unusable. The CUDA toolkit is looked for when
/// it is needed, at emission.
std::unique_ptr<Target> createCUDATarget(const HostOptions &host,
                                         const DeviceOptions &device,
                                         Location loc);

/// The architectures --gpu-arch defaults to: machine code for the A100 and
/// the H100/H200 generations, and the latter's PTX for newer GPUs.
ArrayRef<StringRef> getDefaultCUDAArchs();

/// "sm_90a" -> 90; 0 when `arch` is not sm_<digits>[a|f].
int computeCapabilityOf(StringRef arch);

/// The oldest compute capability that runs float8 E4M3 conversions and
/// products (fp8 tensor cores): 8.9.
inline constexpr int kFloat8ComputeCapability = 89;

/// True when `device.archs` are given and all of them have fp8 tensor
/// cores: casts to E4M3 are then the GPU's own conversion instruction.
bool usesNativeFloat8(const DeviceOptions &device);

/// The CUDA code-generation pipeline, from linalg on tensors to the host's
/// buffer bookkeeping around `gpu.launch_func`s, and one `gpu.binary` with
/// the PTX of each of `device.archs`: kernel regions inlined, the buffer
/// pipeline with device memory, every computation as parallel loops mapped
/// onto a grid, outlined into one gpu.module, lowered to NVVM.
void buildCUDACodegenPipeline(OpPassManager &pm, const CodegenOptions &options,
                              const DeviceOptions &device);
} // namespace mlir::autoglm

#endif // AUTOGLM_TARGET_CUDA_H
