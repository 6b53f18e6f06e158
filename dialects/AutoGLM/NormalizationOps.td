//===- NormalizationOps.td - reductions and normalizations -*- tablegen -*-===//

#ifndef AUTOGLM_NORMALIZATION_OPS_TD
#define AUTOGLM_NORMALIZATION_OPS_TD

include "AutoGLMBase.td"

def AutoGLM_ReduceOp : AutoGLM_InferredOp<"reduce"> {
  let summary = "reduction over a set of axes";
  let description = [{
    Reduces `input` over `axes` (non-negative, strictly increasing, at least
    one) with `kind`. With `keepdims` the reduced dimensions stay as size 1.

    ```mlir
    %m = autoglm.reduce mean %x {axes = array<i64: 2, 3>, keepdims}
        : (tensor<1x64x7x7xf32>) -> tensor<1x64x1x1xf32>
    ```
  }];
  let arguments = (ins AutoGLM_ReduceKindAttr:$kind, AutoGLM_NumericTensor:$input,
                       DenseI64ArrayAttr:$axes, UnitAttr:$keepdims);
  let results = (outs AutoGLM_NumericTensor:$result);
  let assemblyFormat = [{
    `` $kind $input attr-dict `:` functional-type(operands, results)
  }];
  // An input without elements folds to the reduction's value of the empty
  // set (0 for sum, 1 for prod, -inf for max, ...).
  let hasFolder = 1;
}

def AutoGLM_ArgReduceOp : AutoGLM_InferredOp<"arg_reduce"> {
  let summary = "index of the largest or smallest element along an axis";
  let arguments = (ins AutoGLM_ArgReduceKindAttr:$kind,
                       AutoGLM_NumericTensor:$input, I64Attr:$axis,
                       UnitAttr:$keepdims, UnitAttr:$select_last_index);
  let results = (outs RankedTensorOf<[I64]>:$result);
  let assemblyFormat = [{
    `` $kind $input attr-dict `:` functional-type(operands, results)
  }];
}

def AutoGLM_CumSumOp : AutoGLM_InferredOp<"cumsum"> {
  let summary = "cumulative sum along an axis";
  let arguments = (ins AutoGLM_NumericTensor:$input, I64Attr:$axis,
                       UnitAttr:$exclusive, UnitAttr:$reverse);
  let results = (outs AutoGLM_NumericTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def AutoGLM_SoftmaxOp : AutoGLM_InferredOp<"softmax"> {
  let summary = "softmax along one axis";
  let description = [{
    `exp(x - max(x)) / sum(exp(x - max(x)))` along `axis`; with `log`, the
    logarithm of that (ONNX LogSoftmax).
  }];
  let arguments = (ins AutoGLM_FloatTensor:$input, I64Attr:$axis, UnitAttr:$log);
  let results = (outs AutoGLM_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def AutoGLM_LayerNormOp : AutoGLM_InferredOp<"layer_norm"> {
  let summary = "layer normalization over the trailing dimensions";
  let description = [{
    Normalizes `input` over dimensions `axis .. rank-1` to zero mean and unit
    variance (`epsilon` added to the variance), then multiplies by `scale`
    and adds `bias`. `scale` and `bias` broadcast to the normalized shape.
    With `rms`, the mean is not subtracted (RMSNormalization).
  }];
  let arguments = (ins AutoGLM_FloatTensor:$input, AutoGLM_FloatTensor:$scale,
                       Optional<AutoGLM_FloatTensor>:$bias, I64Attr:$axis,
                       DefaultValuedAttr<F64Attr, "1.0e-5">:$epsilon,
                       UnitAttr:$rms);
  let results = (outs AutoGLM_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $scale (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def AutoGLM_BatchNormOp : AutoGLM_InferredOp<"batch_norm"> {
  let summary = "batch normalization in inference form";
  let description = [{
    `(x - mean) / sqrt(variance + epsilon) * scale + bias`, with the
    per-channel vectors applied along dimension 1. Constant folding usually
    folds it into the preceding convolution.
  }];
  let arguments = (ins AutoGLM_FloatTensor:$input, AutoGLM_FloatTensor:$scale,
                       AutoGLM_FloatTensor:$bias, AutoGLM_FloatTensor:$mean,
                       AutoGLM_FloatTensor:$variance,
                       DefaultValuedAttr<F64Attr, "1.0e-5">:$epsilon);
  let results = (outs AutoGLM_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $scale `,` $bias `,` $mean `,` $variance attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

#endif // AUTOGLM_NORMALIZATION_OPS_TD
