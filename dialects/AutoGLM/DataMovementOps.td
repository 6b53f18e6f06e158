//===- DataMovementOps.td - shape and layout ops ----------*- tablegen -*-===//

#ifndef AUTOGLM_DATA_MOVEMENT_OPS_TD
#define AUTOGLM_DATA_MOVEMENT_OPS_TD

include "AutoGLMBase.td"

def AutoGLM_ConstantOp : AutoGLM_Op<"constant", [ConstantLike, Pure,
                                   AllTypesMatch<["value", "result"]>]> {
  let summary = "a constant tensor (ONNX initializers and Constant nodes)";
  let description = [{
    Holds a dense or resource-backed (large weights) tensor value.

    ```mlir
    %c = autoglm.constant dense<[1.0, 2.0]> : tensor<2xf32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs AutoGLM_Tensor:$result);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
}

def AutoGLM_ReshapeOp : AutoGLM_Op<"reshape", [Pure]> {
  let summary = "reinterpret a tensor with a new shape of equal size";
  let description = [{
    Without `shape`, the result type gives the new shape; it may have one
    dynamic dimension, derived from the element count. With `shape`, a
    1-D i64 tensor computed at run time, its entries give the new dimensions
    (ONNX Reshape semantics: 0 copies the input dimension, -1 is inferred);
    the canonicalizer replaces a constant `shape` with the static result type.
  }];
  let arguments = (ins AutoGLM_Tensor:$input, Optional<AutoGLM_ShapeTensor>:$shape);
  let results = (outs AutoGLM_Tensor:$result);
  let assemblyFormat = [{
    $input (`,` $shape^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def AutoGLM_TransposeOp : AutoGLM_InferredOp<"transpose"> {
  let summary = "permute dimensions";
  let description = [{
    `result.shape[i] = input.shape[permutation[i]]`.
  }];
  let arguments = (ins AutoGLM_Tensor:$input, DenseI64ArrayAttr:$permutation);
  let results = (outs AutoGLM_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $permutation attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
}

def AutoGLM_ConcatOp : AutoGLM_InferredOp<"concat", [SameOperandsElementType]> {
  let summary = "join tensors along an axis";
  let arguments = (ins Variadic<AutoGLM_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs AutoGLM_Tensor:$result);
  let assemblyFormat = [{
    $inputs attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
}

def AutoGLM_SplitOp : AutoGLM_InferredOp<"split"> {
  let summary = "cut a tensor into pieces along an axis";
  let arguments = (ins AutoGLM_Tensor:$input, I64Attr:$axis,
                       DenseI64ArrayAttr:$sizes);
  let results = (outs Variadic<AutoGLM_Tensor>:$results);
  let assemblyFormat = [{
    $input attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def AutoGLM_SliceOp : AutoGLM_InferredOp<"slice"> {
  let summary = "strided slice with one start/end/step per dimension";
  let description = [{
    Takes `input[starts[i] : ends[i] : steps[i]]` in every dimension `i`.
    In a dimension of static size, starts and ends are already clamped to it
    (the importer normalizes ONNX's negative and out-of-range values); a
    negative step walks backwards from `start` to just after `end` (so `end`
    may be -1). In a dimension of dynamic size they keep ONNX's run-time
    meaning: negative values count from the end, and both are clamped to the
    size when the model runs (`ends = 9223372036854775807` means "to the end").
  }];
  let arguments = (ins AutoGLM_Tensor:$input, DenseI64ArrayAttr:$starts,
                       DenseI64ArrayAttr:$ends, DenseI64ArrayAttr:$steps);
  let results = (outs AutoGLM_Tensor:$result);
  let assemblyFormat = [{
    $input attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def AutoGLM_GatherOp : AutoGLM_InferredOp<"gather"> {
  let summary = "take slices along an axis at given indices (embedding lookup)";
  let description = [{
    `result.shape = data.shape[:axis] + indices.shape + data.shape[axis+1:]`.
    Negative indices count from the end.
  }];
  let arguments = (ins AutoGLM_Tensor:$data, AutoGLM_IndexTensor:$indices,
                       I64Attr:$axis);
  let results = (outs AutoGLM_Tensor:$result);
  let assemblyFormat = [{
    $data `,` $indices attr-dict `:` functional-type(operands, results)
  }];
}

def AutoGLM_GatherElementsOp : AutoGLM_InferredOp<"gather_elements"> {
  let summary = "take elements along an axis at per-element indices";
  let arguments = (ins AutoGLM_Tensor:$data, AutoGLM_IndexTensor:$indices,
                       I64Attr:$axis);
  let results = (outs AutoGLM_Tensor:$result);
  let assemblyFormat = [{
    $data `,` $indices attr-dict `:` functional-type(operands, results)
  }];
}

def AutoGLM_PadOp : AutoGLM_InferredOp<"pad"> {
  let summary = "pad every dimension at its beginning and end";
  let description = [{
    `pads` holds the begin padding of every dimension followed by the end
    padding of every dimension; negative values crop. With `constant` mode
    the new elements take `value`.
  }];
  let arguments = (ins AutoGLM_NumericTensor:$input, DenseI64ArrayAttr:$pads,
                       DefaultValuedAttr<AutoGLM_PadModeAttr,
                                         "::mlir::autoglm::PadMode::constant">:$mode,
                       DefaultValuedAttr<F64Attr, "0.0">:$value);
  let results = (outs AutoGLM_NumericTensor:$result);
  let assemblyFormat = [{
    $input attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def AutoGLM_ExpandOp : AutoGLM_Op<"expand", [Pure]> {
  let summary = "broadcast a tensor to a larger shape";
  let description = [{
    Broadcasts `input` with numpy rules against the result shape. Without
    `shape`, the result type gives the shape; with `shape` (1-D i64, run-time
    values, ONNX Expand semantics) the result is the broadcast of both.
  }];
  let arguments = (ins AutoGLM_Tensor:$input, Optional<AutoGLM_ShapeTensor>:$shape);
  let results = (outs AutoGLM_Tensor:$result);
  let assemblyFormat = [{
    $input (`,` $shape^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def AutoGLM_TileOp : AutoGLM_InferredOp<"tile"> {
  let summary = "repeat a tensor along each dimension";
  let arguments = (ins AutoGLM_Tensor:$input, DenseI64ArrayAttr:$repeats);
  let results = (outs AutoGLM_Tensor:$result);
  let assemblyFormat = [{
    $input attr-dict `:` functional-type(operands, results)
  }];
}

def AutoGLM_ResizeOp : AutoGLM_Op<"resize", [Pure]> {
  let summary = "resample the trailing dimensions by interpolation";
  let description = [{
    Resizes `input` to the result shape (every dimension may change). The
    interpolation, coordinate transformation and nearest rounding follow
    ONNX Resize. `cubic_coeff_a` is the cubic kernel's parameter.
  }];
  let arguments = (ins AutoGLM_FloatTensor:$input, AutoGLM_ResizeModeAttr:$mode,
      DefaultValuedAttr<AutoGLM_CoordinateTransformAttr,
          "::mlir::autoglm::CoordinateTransform::half_pixel">:$coordinate_transform,
      DefaultValuedAttr<AutoGLM_NearestRoundingAttr,
          "::mlir::autoglm::NearestRounding::round_prefer_floor">:$nearest_rounding,
      DefaultValuedAttr<F64Attr, "-0.75">:$cubic_coeff_a,
      UnitAttr:$exclude_outside);
  let results = (outs AutoGLM_FloatTensor:$result);
  let assemblyFormat = [{
    `` $mode $input attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def AutoGLM_TopKOp : AutoGLM_InferredOp<"topk"> {
  let summary = "the k largest (or smallest) elements along an axis";
  let arguments = (ins AutoGLM_NumericTensor:$input, I64Attr:$k, I64Attr:$axis,
                       UnitAttr:$smallest);
  let results = (outs AutoGLM_NumericTensor:$values,
                      RankedTensorOf<[I64]>:$indices);
  let assemblyFormat = [{
    $input attr-dict `:` functional-type(operands, results)
  }];
}

def AutoGLM_ShapeOfOp : AutoGLM_InferredOp<"shape_of"> {
  let summary = "the shape of a tensor as a 1-D i64 tensor (ONNX Shape)";
  let arguments = (ins AutoGLM_Tensor:$input);
  let results = (outs AutoGLM_ShapeTensor:$result);
  let assemblyFormat = [{
    $input attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
}

def AutoGLM_FillOp : AutoGLM_Op<"fill", [Pure]> {
  let summary = "a tensor of one repeated value (ONNX ConstantOfShape)";
  let description = [{
    Without `shape`, the result type gives the shape; with `shape` the
    dimensions are its run-time values. `value` is a scalar of the result's
    element type.
  }];
  let arguments = (ins Optional<AutoGLM_ShapeTensor>:$shape, TypedAttrInterface:$value);
  let results = (outs AutoGLM_Tensor:$result);
  let assemblyFormat = [{
    ($shape^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def AutoGLM_RangeOp : AutoGLM_Op<"range", [Pure, SameOperandsElementType]> {
  let summary = "the sequence start, start + delta, ... up to limit";
  let arguments = (ins AutoGLM_ScalarTensor:$start, AutoGLM_ScalarTensor:$limit,
                       AutoGLM_ScalarTensor:$delta);
  let results = (outs 1DTensorOf<[AutoGLM_AnyFloat, AutoGLM_AnyInt]>:$result);
  let assemblyFormat = [{
    $start `,` $limit `,` $delta attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def AutoGLM_TriluOp : AutoGLM_InferredOp<"trilu"> {
  let summary = "keep the upper or lower triangle of the last two dimensions";
  let description = [{
    Zeroes the elements below (`upper`) or above (lower) the `diagonal`-th
    diagonal of every matrix in the last two dimensions.
  }];
  let arguments = (ins AutoGLM_NumericTensor:$input,
                       DefaultValuedAttr<I64Attr, "0">:$diagonal, UnitAttr:$upper);
  let results = (outs AutoGLM_NumericTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

#endif // AUTOGLM_DATA_MOVEMENT_OPS_TD
