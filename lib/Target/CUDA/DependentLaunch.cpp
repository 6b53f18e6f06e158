//===- DependentLaunch.cpp - --autoglm-cuda-dependent-launch --------------===//
//
// On a stream, a kernel starts only once the kernel before it has finished
// and its writes are flushed: a gap of about a microsecond between
// kernels, which a decoder step of a few hundred small kernels pays a few
// hundred times. From compute capability 9.0 on, a launch can be a
// programmatic dependent of the kernel before it: its blocks may be
// scheduled while that kernel's last blocks still run, and the kernel
// itself waits (`griddepcontrol.wait`) until its predecessor has completed
// and its memory is visible. So each of our kernels waits first, before
// it reads or writes any memory (a row product first brings its constant
// weight into the L2 cache), which keeps the stream's order of every
// access, and then lets its own dependents launch
// (`griddepcontrol.launch_dependents`): the next kernel's launch overlaps
// this one's run instead of following its end. A hand-written kernel may
// start with work that reads only what its predecessor does not write
// (ops marked kBeforeWaitAttr, KernelBuilder.h): that work runs before the
// wait, beside the predecessor. Such reads are safe because a kernel is
// launched only once every block of its predecessor has waited, so every
// kernel before that one has completed and its writes are visible.
//
// Both instructions exist only from sm_90 on, and one module is compiled
// for every architecture of the fatbin, so they sit under `__CUDA_ARCH >=
// 900`, an `__nvvm_reflect` call that LLVM folds per target architecture:
// an sm_80 binary has neither.
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CUDA/Passes.h"

#include "KernelBuilder.h"
#include "StepTable.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMCUDADEPENDENTLAUNCH
#include "autoglm/Target/CUDA/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;

namespace {
constexpr StringLiteral kReflect = "__nvvm_reflect";
constexpr StringLiteral kArchName = "__autoglm_cuda_arch";
/// Compute capability 9.0 as __CUDA_ARCH reads it.
constexpr int64_t kDependentLaunchArch = 900;

/// `__nvvm_reflect` and the string it is asked about, declared once in
/// `kernels`.
void declareReflect(gpu::GPUModuleOp kernels) {
  MLIRContext *ctx = kernels.getContext();
  OpBuilder b = OpBuilder::atBlockBegin(kernels.getBody());
  Location loc = kernels.getLoc();
  auto ptr = LLVM::LLVMPointerType::get(ctx);
  if (!kernels.lookupSymbol(kReflect))
    LLVM::LLVMFuncOp::create(
        b, loc, kReflect,
        LLVM::LLVMFunctionType::get(IntegerType::get(ctx, 32), {ptr}));
  if (!kernels.lookupSymbol(kArchName)) {
    StringRef text("__CUDA_ARCH\0", 12);
    LLVM::GlobalOp::create(
        b, loc, LLVM::LLVMArrayType::get(IntegerType::get(ctx, 8), 12),
        /*isConstant=*/true, LLVM::Linkage::Private, kArchName,
        b.getStringAttr(text), /*alignment=*/1,
        /*addrSpace=*/static_cast<unsigned>(NVVM::NVVMMemorySpace::Constant));
  }
}

/// What a kernel may do before it waits: compute without memory, bring
/// lines into the L2 cache (a row product's constant weight,
/// RowProducts.cpp; the cache is where the predecessor's writes go too),
/// and what its builder marked as reading none of the predecessor's
/// writes.
bool runsBeforeTheWait(Operation *op) {
  if (op->hasAttr(autoglm::kBeforeWaitAttr))
    return true;
  if (auto prefetch = dyn_cast<NVVM::PrefetchOp>(op))
    return prefetch.getCacheLevel() == NVVM::PrefetchCacheLevel::L2 &&
           !prefetch.getTensormap();
  return isMemoryEffectFree(op);
}

/// In `kernel`, after the ops at its entry that runsBeforeTheWait: on sm_90
/// and newer, wait for the predecessor, then let the dependents launch.
void waitThenRelease(gpu::GPUFuncOp kernel) {
  MLIRContext *ctx = kernel.getContext();
  Block &entry = kernel.getBody().front();
  auto first = llvm::find_if_not(
      entry, [](Operation &op) { return runsBeforeTheWait(&op); });
  OpBuilder b(&entry, first);
  Location loc = kernel.getLoc();
  auto constant = LLVM::LLVMPointerType::get(
      ctx, static_cast<unsigned>(NVVM::NVVMMemorySpace::Constant));
  Value name = LLVM::AddressOfOp::create(b, loc, constant, kArchName);
  Value generic = LLVM::AddrSpaceCastOp::create(
      b, loc, LLVM::LLVMPointerType::get(ctx), name);
  Value arch = LLVM::CallOp::create(b, loc, IntegerType::get(ctx, 32),
                                    FlatSymbolRefAttr::get(ctx, kReflect),
                                    ValueRange{generic})
                   .getResult();
  Value newEnough = arith::CmpIOp::create(
      b, loc, arith::CmpIPredicate::sge, arch,
      arith::ConstantIntOp::create(b, loc, kDependentLaunchArch, 32));
  auto guard = scf::IfOp::create(b, loc, newEnough, /*withElse=*/false);
  b.setInsertionPointToStart(guard.thenBlock());
  // The prefetches first (LLVM selects them for sm_90 and newer only).
  for (Operation &op :
       llvm::make_early_inc_range(llvm::make_range(entry.begin(), first)))
    if (isa<NVVM::PrefetchOp>(op))
      op.moveBefore(b.getInsertionBlock(), b.getInsertionPoint());
  NVVM::GriddepcontrolOp::create(b, loc, NVVM::GridDepActionKind::wait);
  NVVM::GriddepcontrolOp::create(b, loc,
                                 NVVM::GridDepActionKind::launch_dependents);
}

struct DependentLaunchPass
    : autoglm::impl::AutoGLMCUDADependentLaunchBase<DependentLaunchPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    module.walk([&](gpu::GPUModuleOp kernels) {
      bool any = false;
      for (auto kernel : kernels.getOps<gpu::GPUFuncOp>())
        if (kernel.isKernel()) {
          if (!any)
            declareReflect(kernels);
          any = true;
          waitThenRelease(kernel);
        }
    });
    // The step table tells the runtime which launches may start early.
    UnitAttr unit = UnitAttr::get(&getContext());
    module.walk([&](gpu::LaunchFuncOp launch) {
      launch->setAttr(autoglm::kDependentLaunchAttr, unit);
    });
  }
};
} // namespace
