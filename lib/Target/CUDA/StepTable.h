//===- StepTable.h - the forward pass as the runtime's steps ----*- C++ -*-===//
//
// Internal to lib/Target/CUDA: reads the host side of a code-generated
// module (buffers, views, gpu.launch_func, memref.copy, autoglm.gemm,
// autoglm.dnn_conv) into the
// steps of runtime/include/autoglm/cuda_image.h, every buffer resolved to one
// of the four device buffers plus a byte offset.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_LIB_TARGET_CUDA_STEPTABLE_H
#define AUTOGLM_LIB_TARGET_CUDA_STEPTABLE_H

#include "autoglm/cuda_image.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <array>
#include <string>
#include <vector>

namespace mlir::autoglm {
/// On a gpu.launch_func: its kernel waits for its predecessor itself on
/// sm_90 and newer (--autoglm-cuda-dependent-launch); a DEPENDENT_LAUNCH
/// step.
inline constexpr char kDependentLaunchAttr[] = "autoglm.dependent_launch";

/// One autoglm_cuda_arg.
struct StepArg {
  int32_t kind = 0; // autoglm_cuda_arg_kind
  int32_t index = 0;
  uint64_t value = 0;
};

/// One autoglm_cuda_step.
struct Step {
  int32_t kind = 0; // autoglm_cuda_step_kind
  int32_t kernel = -1;
  std::array<uint32_t, 3> grid = {1, 1, 1}, block = {1, 1, 1};
  uint32_t sharedBytes = 0;
  std::vector<StepArg> args;
  uint64_t bytes = 0;
  std::optional<autoglm_cuda_gemm> gemm;
  std::optional<autoglm_cuda_conv> conv;
  std::string nodes;
};

struct StepTable {
  std::vector<std::string> kernels;
  std::vector<Step> steps;
};

/// The steps of `main`, whose arguments are the inputs, the outputs, then
/// the weights data when `hasWeights`, then the workspace when
/// `hasWorkspace`; failure after a diagnostic naming the ONNX node when
/// something is left that the runtime cannot replay.
FailureOr<StepTable> buildStepTable(func::FuncOp main, size_t numInputs,
                                    size_t numOutputs, bool hasWeights,
                                    bool hasWorkspace);
} // namespace mlir::autoglm

#endif // AUTOGLM_LIB_TARGET_CUDA_STEPTABLE_H
