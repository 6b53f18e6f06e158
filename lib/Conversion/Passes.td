//===- Passes.td - AutoGLM conversion passes ---------------*- tablegen -*-===//
//
// Conversions out of the autoglm dialect; each lives in
// lib/Conversion/<Name>/.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_CONVERSION_PASSES_TD
#define AUTOGLM_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def AutoGLMLowerToLinalg : Pass<"autoglm-lower-to-linalg", "ModuleOp"> {
  let summary = "Lower autoglm ops (static shapes) to linalg/tensor/arith/math";
  let description = [{
    Rewrites every autoglm op into upstream linalg, tensor, arith and math
    ops on tensors, ready for one-shot bufferization. Elementwise ops become
    linalg.generic with broadcasting indexing maps; matmul becomes
    linalg.matmul / linalg.batch_matmul; conv the linalg.conv_* named ops
    (grouped convolutions a generic); pooling linalg.pooling_nchw_*;
    reductions and normalizations generics; data movement tensor slices,
    pads, reshapes and gather-style generics. An `autoglm.fused` region
    stays: its body is converted in place and its linalg ops are fused
    (elementwise chains into one generic, a contraction's tail into an
    in-place update of the product), so each region reaches code generation
    as one kernel on tensors (the CPU pipeline tiles and inlines it with
    --autoglm-tile-kernel-regions). Regions whose element types the
    conversion changes (unsigned, quantized) are inlined first.

    Unsigned integers (`uiN`) and quantized storage become signless `iN`,
    function signatures included; the patterns pick unsigned arith ops from
    the original types. All shapes must be static: an op with a dynamic
    dimension is reported at its location (the ONNX node name).
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::func::FuncDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect",
  ];
}

#endif // AUTOGLM_CONVERSION_PASSES_TD
