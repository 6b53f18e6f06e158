//===- OutlineKernels.cpp - --autoglm-cuda-outline-kernels ----------------===//
//
// Upstream's `gpu-kernel-outlining` makes each `gpu.launch` a kernel
// function and a `gpu.launch_func`, and drops the launch's own attributes
// on the way. A kernel builder that knows its grid leaves the GPU mostly
// empty (page-mode decode attention: a block per query head) says so with
// `nvvm.minctasm` on its launch, so that `ptxas` may spend registers on
// keeping its loads in flight instead of keeping blocks resident that do
// not exist (it otherwise issues the loads of a step's key rows a few at a
// time, a memory round trip each). This pass runs the upstream outlining
// and carries the launches' NVVM attributes (`nvvm.*`: minctasm, maxnreg)
// over to the kernel functions, where the NVVM lowering makes them PTX
// launch bounds (`.minnctapersm`, `.maxnreg`). Outlining replaces every
// launch with one `gpu.launch_func` where it stood, so the launches and
// the kernels they became meet in walk order.
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CUDA/Passes.h"

#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Pass/PassManager.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMCUDAOUTLINEKERNELS
#include "autoglm/Target/CUDA/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;

namespace {
/// The NVVM attributes of `op` (none for a launch outlined before).
SmallVector<NamedAttribute> nvvmAttributes(Operation *op) {
  SmallVector<NamedAttribute> kept;
  if (isa<gpu::LaunchOp>(op))
    for (NamedAttribute attr : op->getDiscardableAttrs())
      if (attr.getName().getValue().starts_with("nvvm."))
        kept.push_back(attr);
  return kept;
}

struct OutlineKernelsPass
    : autoglm::impl::AutoGLMCUDAOutlineKernelsBase<OutlineKernelsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<SmallVector<NamedAttribute>> launches;
    module.walk([&](Operation *op) {
      if (isa<gpu::LaunchOp, gpu::LaunchFuncOp>(op))
        launches.push_back(nvvmAttributes(op));
    });

    OpPassManager outline(ModuleOp::getOperationName());
    outline.addPass(createGpuKernelOutliningPass());
    if (failed(runPipeline(outline, module)))
      return signalPassFailure();

    SmallVector<gpu::LaunchFuncOp> kernels;
    module.walk([&](gpu::LaunchFuncOp launch) { kernels.push_back(launch); });
    if (kernels.size() != launches.size()) {
      module.emitError("kernel outlining left ")
          << kernels.size() << " launches of " << launches.size();
      return signalPassFailure();
    }
    SymbolTableCollection symbols;
    for (auto [launch, attrs] : llvm::zip_equal(kernels, launches)) {
      if (attrs.empty())
        continue;
      auto kernel = symbols.lookupNearestSymbolFrom<gpu::GPUFuncOp>(
          launch, launch.getKernel());
      if (!kernel) {
        launch.emitOpError("launches a kernel that does not exist");
        return signalPassFailure();
      }
      for (NamedAttribute attr : attrs)
        kernel->setAttr(attr.getName(), attr.getValue());
    }
  }
};
} // namespace
