//===- ContractionOps.td - matmul, conv, pooling ----------*- tablegen -*-===//

#ifndef AUTOGLM_CONTRACTION_OPS_TD
#define AUTOGLM_CONTRACTION_OPS_TD

include "AutoGLMBase.td"

/// Matrix product operands: numbers, or float8 values (--precision=fp8).
def AutoGLM_MatMulOperand
    : RankedTensorOf<[AutoGLM_AnyFloat, AutoGLM_AnyInt, F8E4M3FN, F8E5M2]>;

def AutoGLM_MatMulOp : AutoGLM_InferredOp<"matmul"> {
  let summary = "batched matrix multiplication";
  let description = [{
    `lhs` is `[..., M, K]`, `rhs` is `[..., K, N]`, the result `[..., M, N]`.
    Both operands have rank 2 or more; leading (batch) dimensions broadcast
    like numpy. Floating-point operands of one type give that type; 8-bit
    integer operands accumulate into `i32` (ONNX MatMulInteger).

    `accumulator_type = f32` on `f16` or `bf16` operands makes the products
    accumulate in `f32` and the result `f32`: a mixed-precision product
    (what tensor-core GEMMs compute), set by `--autoglm-assign-precision`.
    A following `autoglm.cast` to the narrow type, where the consumer wants
    it, is the truncation.

    Operands of one float8 type (`--precision=fp8`) need `accumulator_type
    = f32`; `scale` then multiplies the f32 sums: the quantized operands'
    two scales, so that the result is the product of the values they
    stand for (`scale` is for float8 operands only).

    ```mlir
    %y = autoglm.matmul %a, %b : (tensor<2x8x16xf32>, tensor<16x4xf32>) -> tensor<2x8x4xf32>
    %z = autoglm.matmul %c, %d {accumulator_type = f32} : (tensor<8x16xf16>, tensor<16x4xf16>) -> tensor<8x4xf32>
    %q = autoglm.matmul %e, %f {accumulator_type = f32, scale = 1.5e-04 : f32} : (tensor<8x16xf8E4M3FN>, tensor<16x4xf8E4M3FN>) -> tensor<8x4xf32>
    ```
  }];
  let arguments = (ins AutoGLM_MatMulOperand:$lhs, AutoGLM_MatMulOperand:$rhs,
                       OptionalAttr<TypeAttr>:$accumulator_type,
                       OptionalAttr<F32Attr>:$scale);
  let results = (outs AutoGLM_NumericTensor:$result);
  let builders = [
    // The product in its operands' type (or i32 for 8-bit integers).
    OpBuilder<(ins "::mlir::Value":$lhs, "::mlir::Value":$rhs), [{
      build($_builder, $_state, lhs, rhs, ::mlir::TypeAttr(),
            ::mlir::FloatAttr());
    }]>,
    OpBuilder<(ins "::mlir::TypeRange":$resultTypes, "::mlir::Value":$lhs,
                   "::mlir::Value":$rhs), [{
      build($_builder, $_state, resultTypes, lhs, rhs, ::mlir::TypeAttr(),
            ::mlir::FloatAttr());
    }]>,
  ];
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
}

/// Convolution operands: floats, or i32 for the integer convolutions.
def AutoGLM_ConvTensor : RankedTensorOf<[AutoGLM_AnyFloat, I32]>;

def AutoGLM_ConvOp : AutoGLM_InferredOp<"conv"> {
  let summary = "N-d grouped, strided, dilated, padded convolution";
  let description = [{
    `input` is `N x C x D1 x ... x Dn`, `weight` is
    `O x (C / groups) x K1 x ... x Kn`, the optional `bias` is `O`. `pads`
    holds the begin paddings of every spatial dimension followed by the end
    paddings. Output size per spatial dimension:
    `(D + pad_begin + pad_end - dilation * (K - 1) - 1) / stride + 1`.

    `accumulator_type = f32` on `f16` or `bf16` input and weight accumulates
    in `f32` and gives an `f32` result (the bias, if any, is `f32` too), as
    for `autoglm.matmul`.

    `i32` input, weight and bias give an `i32` result: the exact integer
    convolution ONNX ConvInteger and QLinearConv import as (the zero points
    subtracted before).
  }];
  let arguments = (ins AutoGLM_ConvTensor:$input, AutoGLM_ConvTensor:$weight,
                       Optional<AutoGLM_ConvTensor>:$bias,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                       DenseI64ArrayAttr:$dilations,
                       DefaultValuedAttr<I64Attr, "1">:$groups,
                       OptionalAttr<TypeAttr>:$accumulator_type);
  let results = (outs AutoGLM_ConvTensor:$result);
  let builders = [
    // Accumulates in the operands' type.
    OpBuilder<(ins "::mlir::Value":$input, "::mlir::Value":$weight,
                   "::mlir::Value":$bias, "::mlir::DenseI64ArrayAttr":$strides,
                   "::mlir::DenseI64ArrayAttr":$pads,
                   "::mlir::DenseI64ArrayAttr":$dilations,
                   "::mlir::IntegerAttr":$groups), [{
      build($_builder, $_state, input, weight, bias, strides, pads, dilations,
            groups, ::mlir::TypeAttr());
    }]>,
    OpBuilder<(ins "::mlir::TypeRange":$resultTypes, "::mlir::Value":$input,
                   "::mlir::Value":$weight, "::mlir::Value":$bias,
                   "::mlir::DenseI64ArrayAttr":$strides,
                   "::mlir::DenseI64ArrayAttr":$pads,
                   "::mlir::DenseI64ArrayAttr":$dilations,
                   "::mlir::IntegerAttr":$groups), [{
      build($_builder, $_state, resultTypes, input, weight, bias, strides,
            pads, dilations, groups, ::mlir::TypeAttr());
    }]>,
  ];
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
}

def AutoGLM_ConvTransposeOp : AutoGLM_InferredOp<"conv_transpose"> {
  let summary = "N-d transposed (fractionally strided) convolution";
  let description = [{
    The gradient of `conv` with respect to its input. `weight` is
    `C x (O / groups) x K1 x ... x Kn`. Output size per spatial dimension:
    `stride * (D - 1) + output_padding + dilation * (K - 1) + 1 - pad_begin - pad_end`.
  }];
  let arguments = (ins AutoGLM_FloatTensor:$input, AutoGLM_FloatTensor:$weight,
                       Optional<AutoGLM_FloatTensor>:$bias,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                       DenseI64ArrayAttr:$dilations,
                       DenseI64ArrayAttr:$output_padding,
                       DefaultValuedAttr<I64Attr, "1">:$groups);
  let results = (outs AutoGLM_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
}

def AutoGLM_PoolOp : AutoGLM_InferredOp<"pool"> {
  let summary = "N-d max or average pooling";
  let description = [{
    Pools windows of `kernel` over the spatial dimensions of an
    `N x C x D1 x ... x Dn` input. `pads` is begin paddings then end
    paddings. With `ceil_mode` the output size rounds up. Average pooling
    divides by the window size including padding only with
    `count_include_pad`, and needs floating-point elements; max pooling also
    takes integers.
  }];
  let arguments = (ins AutoGLM_NumericTensor:$input, AutoGLM_PoolKindAttr:$kind,
                       DenseI64ArrayAttr:$kernel, DenseI64ArrayAttr:$strides,
                       DenseI64ArrayAttr:$pads, DenseI64ArrayAttr:$dilations,
                       UnitAttr:$ceil_mode, UnitAttr:$count_include_pad);
  let results = (outs AutoGLM_NumericTensor:$result);
  let assemblyFormat = [{
    `` $kind $input attr-dict `:` functional-type(operands, results)
  }];
}

#endif // AUTOGLM_CONTRACTION_OPS_TD
