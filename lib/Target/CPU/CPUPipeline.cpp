//===- CPUPipeline.cpp - linalg on tensors to the LLVM dialect ------------===//

#include "autoglm/Target/CPU.h"
#include "autoglm/Target/Passes.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MathToLibm/MathToLibm.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/UBToLLVM/UBToLLVM.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVMPass.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/Pass.h"

using namespace mlir;

namespace {
/// Bufferization copies into strided views (e.g. the interior of a padded
/// buffer) with `memref.copy`, which LLVM lowering turns into a call to
/// MLIR's C runner library for non-contiguous layouts. As `linalg.copy` it
/// becomes a plain loop nest instead, so compiled models need no extra
/// library. An internal step of the CPU pipeline, not a user-facing pass.
struct MemRefCopyToLinalgPass
    : PassWrapper<MemRefCopyToLinalgPass, OperationPass<func::FuncOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(MemRefCopyToLinalgPass)
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<linalg::LinalgDialect>();
  }
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    getOperation().walk([&](memref::CopyOp copy) {
      rewriter.setInsertionPoint(copy);
      rewriter.replaceOpWithNewOp<linalg::CopyOp>(copy, copy.getSource(),
                                                  copy.getTarget());
    });
  }
};
} // namespace

void mlir::autoglm::buildCPULoweringPipeline(OpPassManager &pm,
                                             const CPULoweringOptions &options) {
  // Convolutions become im2col + matmul, which the contraction tiling below
  // handles; on tensors, so that bufferization allocates the column buffer.
  pm.addNestedPass<func::FuncOp>(createAutoGLMConvToMatmul());
  // Each fused region is one kernel: its root is tiled into the cache blocks
  // of its matrix product (scf.forall, fill and product fused in), then
  // the region is inlined.
  pm.addNestedPass<func::FuncOp>(createAutoGLMTileKernelRegions());

  // Whole-module bufferization; function arguments and results become plain
  // (identity-layout) memrefs, so they map onto the C ABI's dense buffers.
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  // The kernels' block loops, now without results, as scf.parallel.
  pm.addPass(createForallToParallelLoopPass());

  // Results become caller-provided out-parameters: the entry function passes
  // the user's output buffers, and results computed in place need no copy.
  bufferization::BufferResultsToOutParamsPassOptions outParams;
  outParams.modifyPublicFunctions = true;
  outParams.hoistStaticAllocs = true;
  pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));

  // Constants as bufferization left them (memref.global) move to the
  // weights file; main reads them through one more pointer.
  if (!options.weightsFile.empty()) {
    AutoGLMExternalizeWeightsOptions externalize;
    externalize.file = options.weightsFile;
    pm.addPass(createAutoGLMExternalizeWeights(externalize));
  }

  // Every intermediate at an offset of one arena, the workspace; what the
  // planner leaves (buffers inside loops, dynamic shapes) goes on the stack
  // when small, else on the heap, freed after its last use.
  if (options.planMemory) {
    AutoGLMPlanMemoryOptions plan;
    plan.report = options.memoryReport;
    plan.maxArenaBytes = options.memoryBudget;
    plan.timeline = options.memoryTimeline;
    pm.addPass(createAutoGLMPlanMemory(plan));
  }
  pm.addNestedPass<func::FuncOp>(bufferization::createBufferHoistingPass());
  pm.addNestedPass<func::FuncOp>(bufferization::createPromoteBuffersToStackPass());
  bufferization::buildBufferDeallocationPipeline(pm);

  pm.addNestedPass<func::FuncOp>(std::make_unique<MemRefCopyToLinalgPass>());
  // Matmuls become cache blocks of register tiles of vector FMAs; what is
  // left of vector transfers becomes unrolled rank-1 loads and stores.
  pm.addNestedPass<func::FuncOp>(createAutoGLMTileAndVectorizeContractions());
  pm.addNestedPass<func::FuncOp>(createConvertVectorToSCFPass(
      VectorTransferToSCFOptions().enableFullUnroll()));
  // Parallel dimensions become scf.parallel (reductions scf.for inside or
  // around them); the outermost ones with enough work run on the runtime's
  // threads through the execution context, which becomes main's last
  // argument. Everything else stays sequential.
  pm.addPass(createConvertLinalgToParallelLoopsPass());
  pm.addPass(createAutoGLMParallelLoopsToRuntime());
  // LLVM intrinsics first (exp, sqrt, and rsqrt as 1/sqrt: libm has no
  // rsqrtf); what is left (erf, ...) calls libm.
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createUBToLLVMConversionPass()); // ub.poison from vector lowering
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createArithToLLVMConversionPass());
  // Bare pointers: the entry function passes data pointers, not descriptors.
  ConvertFuncToLLVMPassOptions funcToLLVM;
  funcToLLVM.useBarePtrCallConv = true;
  pm.addPass(createConvertFuncToLLVMPass(funcToLLVM));
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}
