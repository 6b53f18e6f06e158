//===- BufferPipeline.cpp - from tensors to buffers, for every target -----===//

#include "autoglm/Passes/Passes.h"
#include "autoglm/Target/Target.h"

#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::autoglm;

void mlir::autoglm::buildBufferizationPipeline(OpPassManager &pm) {
  // Whole-module bufferization; function arguments and results become plain
  // (identity-layout) memrefs, so they map onto the C ABI's dense buffers.
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  // A run-time Loop (scf.while) may yield a carried tensor at another
  // position than the one it came in at (canonicalization drops unused loop
  // state): such a value gets a buffer of its own rather than an error.
  bufferize.allowReturnAllocsFromLoops = true;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
}

void mlir::autoglm::buildMemoryPipeline(OpPassManager &pm,
                                        const CodegenOptions &options) {
  // Results become caller-provided out-parameters: the entry function passes
  // the user's output buffers, and results computed in place need no copy.
  bufferization::BufferResultsToOutParamsPassOptions outParams;
  outParams.modifyPublicFunctions = true;
  // A result the function allocates is computed in the out-parameter
  // itself (on CUDA, the runtime's device buffer of that output) rather
  // than in the arena and copied: one graph node less per output.
  outParams.hoistStaticAllocs = true;
  pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
  // And a result that is a reshape of such an allocation, too.
  pm.addNestedPass<func::FuncOp>(createResultsInPlace());

  // Constants as bufferization left them (memref.global) move to the
  // weights file, and main reads them through one more pointer; or, embedded,
  // into one packed global (one byte array for LLVM, not a nest of constants
  // per weight: docs/decisions.md, "Compile time").
  ExternalizeWeightsOptions externalize;
  externalize.file = options.weightsFile;
  externalize.embed = options.weightsFile.empty();
  externalize.perWeight = options.weightsPerConstant && !options.deviceMemory;
  if (options.deviceMemory)
    externalize.minBytes = 0;
  pm.addPass(createExternalizeWeights(externalize));

  // Every intermediate at an offset of one arena, the workspace; what the
  // planner leaves (buffers inside loops, dynamic shapes) goes on the stack
  // when small, else on the heap, freed after its last use.
  if (options.planMemory) {
    PlanMemoryOptions plan;
    plan.report = options.memoryReport;
    plan.maxArenaBytes = options.memoryBudget;
    plan.timeline = options.memoryTimeline;
    pm.addPass(createPlanMemory(plan));
  }
  // On a device, what the plan leaves is a kernel's own scratch (an
  // intermediate of the ops fused into one loop), which the target makes
  // each thread's private memory (--autoglm-cuda-map-to-gpu); nothing is
  // freed on the host.
  if (options.deviceMemory)
    return;
  pm.addNestedPass<func::FuncOp>(bufferization::createBufferHoistingPass());
  pm.addNestedPass<func::FuncOp>(
      bufferization::createPromoteBuffersToStackPass());
  bufferization::buildBufferDeallocationPipeline(pm);
  // Freeing what may alias inside run-time control flow calls a helper
  // function the deallocation lowering adds; inlined, it needs no calling
  // convention of its own (the CPU target's bare pointers cannot pass its
  // dynamically sized arguments).
  pm.addPass(createInlinerPass({}, [](OpPassManager &) {}));
}
