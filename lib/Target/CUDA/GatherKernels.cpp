//===- GatherKernels.cpp - --autoglm-cuda-gather-kernels ------------------===//
//
// One gpu.module means one device binary to embed and load; names after the
// ONNX nodes mean a profiler's kernel list reads like the model. The
// kernels' shared buffers get their alignment here, where they first are
// kernel attributions.
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CUDA/Passes.h"

#include "autoglm/Dialect/AutoGLM.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMCUDAGATHERKERNELS
#include "autoglm/Target/CUDA/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;

namespace {
/// `k<index>_<node>`, the node's name reduced to a C identifier's letters.
std::string kernelName(size_t index, StringRef node) {
  std::string name = "k" + std::to_string(index);
  if (node.empty())
    return name;
  name += "_";
  for (char c : node.take_front(48))
    name += llvm::isAlnum(c) ? c : '_';
  return name;
}

struct GatherKernelsPass
    : autoglm::impl::AutoGLMCUDAGatherKernelsBase<GatherKernelsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<gpu::LaunchFuncOp> launches;
    module.walk([&](gpu::LaunchFuncOp launch) { launches.push_back(launch); });
    if (launches.empty())
      return;

    MLIRContext *ctx = &getContext();
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    auto kernels =
        gpu::GPUModuleOp::create(b, module.getLoc(), "autoglm_kernels");
    SymbolTable symbols(module);
    symbols.insert(kernels);
    DenseMap<Operation *, StringAttr> moved;
    SetVector<Operation *> emptied;
    for (auto [i, launch] : llvm::enumerate(launches)) {
      auto source =
          symbols.lookup<gpu::GPUModuleOp>(launch.getKernelModuleName());
      auto kernel =
          source ? source.lookupSymbol<gpu::GPUFuncOp>(launch.getKernelName())
                 : nullptr;
      if (!kernel) {
        launch.emitOpError("launches a kernel that does not exist");
        return signalPassFailure();
      }
      StringAttr &name = moved[kernel];
      if (!name) {
        // Shared buffers start at 128 bytes: tensor-core loads and stores
        // (the encoder-attention kernel's) need 32, 16-byte vector
        // accesses 16; a byte buffer viewed as floats would get 1.
        for (unsigned a = 0, e = kernel.getNumWorkgroupAttributions(); a < e;
             ++a)
          kernel.setWorkgroupAttributionAttr(
              a, LLVM::LLVMDialect::getAlignAttrName(),
              b.getI64IntegerAttr(128));
        name = StringAttr::get(
            ctx, kernelName(i, autoglm::getNodeName(launch.getLoc())));
        kernel->moveBefore(kernels.getBody(), kernels.getBody()->end());
        SymbolTable::setSymbolName(kernel, name);
        emptied.insert(source);
      }
      launch.setKernelAttr(SymbolRefAttr::get(kernels.getNameAttr(),
                                              {FlatSymbolRefAttr::get(name)}));
    }
    for (Operation *source : emptied)
      if (cast<gpu::GPUModuleOp>(source).getBody()->empty())
        source->erase();
  }
};
} // namespace
