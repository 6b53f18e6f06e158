//===- CPUPipeline.cpp - the CPU target's code generation -----------------===//

#include "autoglm/Target/CPU.h"
#include "autoglm/Target/CPU/Passes.h"

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
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/Pass.h"

using namespace mlir;

void mlir::autoglm::buildCPUCodegenPipeline(OpPassManager &pm,
                                            const CodegenOptions &options,
                                            const CPUCodegenOptions &cpu) {
  // 3x3 stride-1 convolutions with enough channels and output pixels:
  // Winograd F(4x4, 3x3), 4x fewer multiplications than the direct product
  // (docs/decisions.md).
  // bf16 ones too (in f32), unless AMX-BF16 runs them directly.
  if (cpu.winograd) {
    AutoGLMWinogradConvOptions winogradOptions;
    winogradOptions.bf16Operands = !cpu.amxBf16;
    pm.addNestedPass<func::FuncOp>(createAutoGLMWinogradConv(winogradOptions));
  }
  // Other convolutions become im2col + matmul, which the contraction tiling
  // below handles; on tensors, so that bufferization allocates the column
  // buffer.
  pm.addNestedPass<func::FuncOp>(createAutoGLMConvToMatmul());
  // Depthwise convolutions: direct kernels along the output row.
  pm.addNestedPass<func::FuncOp>(createAutoGLMWindowKernels());
  // uint8 x int8 products (int8 precision) with their weight packed for
  // vpdpbusd (4 bytes a lane) where the CPU has AVX-512 VNNI, for vpmaddwd
  // (2 bytes a lane, widened to 16 bits) where it has AVX2; elsewhere they
  // stay i32 products of the register-tiled kernel below.
  std::optional<int64_t> int8Group;
  if (cpu.vnni)
    int8Group = 4;
  else if (cpu.avx2)
    int8Group = 2;
  if (int8Group)
    pm.addNestedPass<func::FuncOp>(
        createAutoGLMPackInt8Products({/*group=*/*int8Group, cpu.amxInt8}));
  // Activations whose rows are a multiple of 4 KiB long, read as A of
  // products, get padded rows (the rows of a register tile would share
  // the L1 cache's sets).
  pm.addNestedPass<func::FuncOp>(createAutoGLMPadAliasedRows());
  // Activations read as B of products whose rows straddle cache lines (a
  // 14x14 image's 196 pixels) get rows of whole lines.
  pm.addNestedPass<func::FuncOp>(createAutoGLMAlignProductRows());
  // A residual block's last product accumulates onto the residual its tail
  // adds, in the residual's buffer, where nothing reads the residual after.
  pm.addNestedPass<func::FuncOp>(createAutoGLMCPUAccumulateResiduals());
  // Each fused region is one kernel: its root is tiled into the cache blocks
  // of its matrix product (scf.forall, fill and product fused in; as many
  // blocks as `cpu.threads` threads share evenly), then the region is inlined.
  AutoGLMTileKernelRegionsOptions regions;
  regions.threads = cpu.threads;
  pm.addNestedPass<func::FuncOp>(createAutoGLMTileKernelRegions(regions));
  // uint8 x int8 convolutions (quantized models) as im2col panels in the
  // same layout, on the same loops; after the regions are inlined, so that
  // the widened uint8 input is visible from the convolution.
  if (int8Group)
    pm.addNestedPass<func::FuncOp>(
        createAutoGLMPackInt8Convolutions({/*group=*/*int8Group, cpu.amxInt8}));

  // What is left of constant pads: their borders filled and their
  // interiors copied, each written once (bufferization would fill the whole
  // padded buffer, then copy the interior over it).
  pm.addNestedPass<func::FuncOp>(createAutoGLMPadBorders());
  // A batch loop's results that later ops read are computed in their
  // slots of the whole-batch tensors, not copied there.
  pm.addNestedPass<func::FuncOp>(createAutoGLMCPUBatchLoopInPlace());

  // Whole-module bufferization, then the kernels' block loops, now without
  // results, as scf.parallel (run on the runtime's threads below), then what
  // every target does with its buffers.
  buildBufferizationPipeline(pm);
  // Each int8 product with the generics that requantize its result, one op
  // to the memory planner: the kernels below run them on each block.
  if (int8Group && cpu.int8Epilogues)
    pm.addNestedPass<func::FuncOp>(createAutoGLMGroupInt8Epilogues());
  pm.addPass(createForallToParallelLoopPass());
  buildMemoryPipeline(pm, options);
  // A batch loop's lanes of images, a thread each (their buffers planned a
  // copy per lane above).
  pm.addNestedPass<func::FuncOp>(createAutoGLMCPUBatchLanes());

  pm.addNestedPass<func::FuncOp>(createAutoGLMMemRefCopyToLinalg());
  // Matmuls become cache blocks of register tiles of vector FMAs; what is
  // left of vector transfers becomes unrolled rank-1 loads and stores.
  // With AMX-INT8 the packed products run on tile registers (16 x 64-byte
  // tiles, 1024 multiply-adds an instruction); what AMX does not take
  // stays for vpdpbusd.
  if (cpu.amxInt8)
    pm.addNestedPass<func::FuncOp>(
        createAutoGLMAmxContractions({/*epilogues=*/cpu.int8Epilogues}));
  pm.addNestedPass<func::FuncOp>(
      createAutoGLMVnniContractions({/*epilogues=*/cpu.int8Epilogues}));
  // f16/bf16 products (fp16/bf16 precision): per cache block, their
  // operands widened into f32 panels that the f32 kernel below multiplies;
  // bf16 ones on vdpbf16ps instead with `bf16Dot` (the CPUs that issue it
  // as often as an FMA), and on AMX tiles with AMX-BF16 where their blocks
  // are whole tiles.
  pm.addNestedPass<func::FuncOp>(createAutoGLMWiden16BitProducts(
      {/*vectorBits=*/0, /*bf16Dot=*/cpu.bf16Dot, /*amxBf16=*/cpu.amxBf16}));
  pm.addNestedPass<func::FuncOp>(createAutoGLMTileAndVectorizeContractions());
  // Everything else that runs along contiguous rows: vector rows.
  pm.addNestedPass<func::FuncOp>(createAutoGLMVectorizeRows());
  pm.addNestedPass<func::FuncOp>(createConvertVectorToSCFPass(
      VectorTransferToSCFOptions().enableFullUnroll()));
  // Parallel dimensions become scf.parallel (reductions scf.for inside or
  // around them); the outermost ones with enough work run on the runtime's
  // threads through the execution context, which becomes main's last
  // argument. Everything else stays sequential.
  pm.addPass(createConvertLinalgToParallelLoopsPass());
  // ReLU's and Clip's bounds as one maxps / minps each.
  pm.addNestedPass<func::FuncOp>(createAutoGLMSelectConstantBounds());
  AutoGLMParallelLoopsToRuntimeOptions loops;
  loops.shareBodies = cpu.shareKernels;
  pm.addPass(createAutoGLMParallelLoopsToRuntime(loops));
  // LLVM intrinsics first (exp, sqrt, and rsqrt as 1/sqrt: libm has no
  // rsqrtf); what is left (erf, ...) calls libm.
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  // Without AVX512_BF16, LLVM rounds f32 to bf16 with a call to compiler-rt's
  // __truncsfbf2, which a model library does not link: the conversions
  // become integer arithmetic instead (round to nearest even, as the
  // instruction does).
  // Arithmetic on bf16 other than these conversions (an integer converted
  // to bf16, Range's or Einsum's) runs in f32 between them first: LLVM
  // would round its result with the same call.
  if (!cpu.avx512bf16) {
    arith::ArithEmulateUnsupportedFloatsOptions emulate;
    emulate.sourceTypeStrs = {"bf16"};
    emulate.targetTypeStr = "f32";
    pm.addPass(arith::createArithEmulateUnsupportedFloats(emulate));
    arith::ArithExpandOpsPassOptions expand;
    expand.includeBf16 = true;
    pm.addPass(arith::createArithExpandOpsPass(expand));
  }
  // Tiles, and the loops that carry them, to LLVM's x86_amx first.
  if (cpu.amxInt8 || cpu.amxBf16)
    pm.addPass(createAutoGLMAmxToLLVM());
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createUBToLLVMConversionPass()); // ub.poison from vector lowering
  // Entry arguments with no elements as flat buffers, which the bare-pointer
  // convention below converts.
  pm.addNestedPass<func::FuncOp>(createAutoGLMFlattenEmptyArguments());
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
