//===- CUDAPipeline.cpp - the CUDA target's code generation ---------------===//

#include "autoglm/Target/CUDA.h"
#include "autoglm/Target/CUDA/Passes.h"

#include "autoglm/Passes/Passes.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/GPUToNVVM/GPUToNVVMPass.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVMPass.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::autoglm;

ArrayRef<StringRef> mlir::autoglm::getDefaultCUDAArchs() {
  static const StringRef archs[] = {"sm_80", "sm_90"};
  return archs;
}

bool mlir::autoglm::usesNativeFloat8(const DeviceOptions &device) {
  return !device.archs.empty() &&
         llvm::all_of(device.archs, [](const std::string &arch) {
           return computeCapabilityOf(arch) >= kFloat8ComputeCapability;
         });
}

void mlir::autoglm::buildCUDACodegenPipeline(OpPassManager &pm,
                                             const CodegenOptions &options,
                                             const DeviceOptions &device) {
  // int8 products read their 8-bit operands, the weight transposed at
  // compile time, as cuBLASLt's int8 tensor-core kernels take them.
  pm.addNestedPass<func::FuncOp>(createAutoGLMCUDAInt8Products());
  // fp8 products likewise, on the fp8 tensor cores, the two scales the
  // library's alpha.
  pm.addNestedPass<func::FuncOp>(createAutoGLMCUDAFloat8Products());
  // Matrix products go to cuBLASLt: they leave their regions, the rest of
  // each region before and after them becoming regions of their own.
  pm.addNestedPass<func::FuncOp>(createAutoGLMCUDASplitKernelRegions());
  // What is left between products is often a chain of small elementwise
  // regions (bias, cast, head transpose): one kernel each is one pass over
  // memory each, so a chain becomes one region.
  pm.addNestedPass<func::FuncOp>(createAutoGLMCUDAMergeKernelRegions());
  // A 16-bit product whose every reader rounds its f32 sums to 16 bits
  // first writes them rounded: half the bytes written and read.
  pm.addNestedPass<func::FuncOp>(createAutoGLMCUDANarrowProductResults());
  // Products of a few rows (a decoder step's) read their constant weights
  // by columns, N x K, each column's weights one contiguous run for the
  // row-product kernel below.
  pm.addNestedPass<func::FuncOp>(createAutoGLMCUDARowProductWeights());
  // A residual add after such a product is the product's init instead:
  // its kernel adds it, one kernel fewer per add.
  pm.addNestedPass<func::FuncOp>(createAutoGLMCUDARowProductResiduals());
  // An RMS normalization read only by such products runs in them: each
  // sums its input's squares as it reads it, gamma folded into its weight.
  pm.addNestedPass<func::FuncOp>(createAutoGLMCUDARowProductNorms());
  // A convolution's bias, residual and ReLU run in the library's kernel:
  // no kernel of their own reads and writes the activation again. Always
  // for the 1x1 convolutions that cuBLASLt computes as matrix products;
  // with --cuda-conv-epilogues also in cuDNN's fused engines.
  AutoGLMCUDAFuseConvEpiloguesOptions epilogues;
  epilogues.all = device.convEpilogues;
  epilogues.residuals = device.convEpilogueResiduals;
  pm.addNestedPass<func::FuncOp>(createAutoGLMCUDAFuseConvEpilogues(epilogues));
  // cuDNN's convolutions in NHWC, with what runs between them: no
  // transpose around each convolution.
  pm.addNestedPass<func::FuncOp>(createAutoGLMCUDAChannelsLast());
  // A pooling computes its taps from its unpadded input and the ops that
  // make it: no padded copy, no tensor between them and the pooling.
  pm.addNestedPass<func::FuncOp>(createAutoGLMCUDAFusePoolingInputs());
  // Each region becomes one loop over its output elements with its ops
  // fused in: one kernel. After bufferization the loops are scf.parallel.
  pm.addNestedPass<func::FuncOp>(createAutoGLMCUDAFuseKernelRegions());
  buildBufferizationPipeline(pm);
  // Encoder attention in f16: one tensor-core kernel each. Then top-k and
  // dense decode attention: their kernels and their scratch, which the
  // memory plan places like any other buffer.
  pm.addNestedPass<func::FuncOp>(createAutoGLMCUDAEncoderAttentionKernels());
  pm.addNestedPass<func::FuncOp>(createAutoGLMCUDADecodeAttentionKernels());
  pm.addPass(createForallToParallelLoopPass());
  // A loop of one iteration (a softmax over one row) goes away before the
  // memory plan, which then places its buffers like any other.
  pm.addPass(createCanonicalizerPass());
  CodegenOptions memory = options;
  memory.deviceMemory = true;
  buildMemoryPipeline(pm, memory);
  pm.addPass(createCanonicalizerPass());

  // Host code keeps the buffers; every computation becomes a launch over a
  // grid of threads, outlined into one gpu.module of kernels named after
  // their ONNX nodes.
  // Those products read their weights at the memory's speed in a kernel
  // of their own; the other products go to cuBLASLt.
  // With dependent launches, each first prefetches its weight, which no
  // kernel writes, while the kernel before it still runs.
  AutoGLMCUDARowProductsOptions rowProducts;
  rowProducts.prefetchWeights =
      device.dependentLaunch && device.prefetchWeights;
  pm.addNestedPass<func::FuncOp>(createAutoGLMCUDARowProducts(rowProducts));
  pm.addNestedPass<func::FuncOp>(createAutoGLMCUDASelectLibraryCalls());
  pm.addNestedPass<func::FuncOp>(createAutoGLMCUDALinalgToLoops());
  // Identity index maps and one-iteration loops go, and equal indices
  // become one value: what map-to-gpu matches a reduction loop by.
  pm.addNestedPass<func::FuncOp>(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(createCSEPass());
  // A thread of an elementwise kernel takes 16 bytes of outputs, which
  // LLVM then reads and writes with one access each.
  pm.addNestedPass<func::FuncOp>(createAutoGLMCUDACoarsenElementwise());
  pm.addNestedPass<func::FuncOp>(createAutoGLMCUDAMapToGPU());
  pm.addPass(createAutoGLMCUDAOutlineKernels());
  pm.addPass(createAutoGLMCUDAGatherKernels());
  // A decoder step is hundreds of short kernels: on sm_90 and newer each
  // one's launch overlaps the run of the one before.
  if (device.dependentLaunch)
    pm.addPass(createAutoGLMCUDADependentLaunch());
  // What the launches' grids and sunk constants left unused on the host.
  pm.addNestedPass<func::FuncOp>(createCanonicalizerPass());

  // One NVVM target per architecture; PTX 8.0 (CUDA 12.0) is the oldest
  // ISA that knows every architecture we default to (MLIR's default, 6.0,
  // rejects sm_90a), and 8.1 the oldest with the E4M3 conversions of a
  // model built for sm_89 and newer only (usesNativeFloat8).
  SmallVector<std::string> archs(device.archs.begin(), device.archs.end());
  if (archs.empty())
    for (StringRef arch : getDefaultCUDAArchs())
      archs.push_back(arch.str());
  for (const std::string &arch : archs) {
    GpuNVVMAttachTargetOptions target;
    target.chip = arch;
    target.features = usesNativeFloat8(device) ? "+ptx81" : "+ptx80";
    target.optLevel = 3;
    pm.addPass(createGpuNVVMAttachTarget(target));
  }
  OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>();
  kernels.addPass(createLowerAffinePass());
  kernels.addPass(memref::createExpandStridedMetadataPass());
  kernels.addPass(createLowerAffinePass());
  kernels.addPass(createSCFToControlFlowPass());
  // The 16-byte loads and stores of --autoglm-cuda-coarsen-elementwise.
  kernels.addPass(createConvertVectorToLLVMPass());
  // Casts to float8 that the lowering left to the GPU (fp8 models).
  kernels.addPass(createAutoGLMCUDAFloat8Conversions());
  ConvertGpuOpsToNVVMOpsOptions nvvm;
  nvvm.indexBitwidth = 64;
  // Kernels take bare device pointers: each buffer parameter is one
  // pointer, which is what the runtime's step table passes.
  nvvm.useBarePtrCallConv = true;
  kernels.addPass(createConvertGpuOpsToNVVMOps(nvvm));
  kernels.addPass(createCanonicalizerPass());
  kernels.addPass(createReconcileUnrealizedCastsPass());

  // PTX per architecture; the emission assembles it (ptxas) and packs the
  // fatbin, so that --emit=ptx and the checks of the PTX need no GPU.
  GpuModuleToBinaryPassOptions binary;
  binary.toolkitPath = device.toolkitPath;
  binary.compilationTarget = "isa";
  pm.addPass(createGpuModuleToBinaryPass(binary));
}
