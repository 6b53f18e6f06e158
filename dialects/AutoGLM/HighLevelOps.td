//===- HighLevelOps.td - attention, fused regions, quantization -*- tablegen -*-===//

#ifndef AUTOGLM_HIGH_LEVEL_OPS_TD
#define AUTOGLM_HIGH_LEVEL_OPS_TD

include "AutoGLMBase.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"

class AutoGLM_AttentionBase<string mnemonic, list<Trait> traits = []>
    : AutoGLM_InferredOp<mnemonic, traits> {
  let results = (outs AutoGLM_FloatTensor:$result);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`,` $mask^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def AutoGLM_AttentionOp : AutoGLM_AttentionBase<"attention"> {
  let summary = "scaled dot-product attention";
  let description = [{
    `softmax(query · keyᵀ · scale + mask) · value` over 4-D tensors:
    `query` is `B x Hq x Sq x D`, `key` is `B x Hkv x Sk x D`, `value` is
    `B x Hkv x Sk x Dv`, the result `B x Hq x Sq x Dv`. `Hq` is a multiple
    of `Hkv` (grouped-query attention). The optional `mask` is additive
    (float) or boolean (true keeps a position) and broadcasts to
    `B x Hq x Sq x Sk`. With `causal`, query `i` sees keys up to
    `i + Sk - Sq`.
  }];
  let arguments = (ins AutoGLM_FloatTensor:$query, AutoGLM_FloatTensor:$key,
                       AutoGLM_FloatTensor:$value,
                       Optional<AutoGLM_Tensor>:$mask, F64Attr:$scale,
                       UnitAttr:$causal);
}

def AutoGLM_SparseAttentionOp : AutoGLM_AttentionBase<"sparse_attention"> {
  let summary = "top-k attention: each query attends only to its k best keys";
  let description = [{
    Like `attention`, but the softmax for each query runs over only the
    `top_k` keys with the highest scores (after scale, mask and causal
    limits); the rest get weight zero. Exact when `top_k >= Sk`.
  }];
  let arguments = (ins AutoGLM_FloatTensor:$query, AutoGLM_FloatTensor:$key,
                       AutoGLM_FloatTensor:$value,
                       Optional<AutoGLM_Tensor>:$mask, F64Attr:$scale,
                       UnitAttr:$causal, I64Attr:$top_k);
}

def AutoGLM_TopKAttentionOp : AutoGLM_AttentionBase<"topk_attention",
                                                     [AttrSizedOperandSegments]> {
  let summary = "decode attention over each query's k best keys, sinks and "
                "recent window";
  let description = [{
    Attention in which each query attends to a subset of the keys, chosen
    per key/value head (the query heads of a grouped-query group share it):

    - the `sink` first keys and the `window` last keys the query sees (its
      causal limit, or the last key) are always kept;
    - of the other keys, the `top_k` whose rank score is highest are kept,
      the rank score of a key being its best scaled and masked score over
      the query heads of the group (ties go to the lower key index);
    - masks and the causal limit apply before selection: a key masked for
      every head of the group is never kept; a row with at most
      `top_k + sink + window` unmasked visible keys keeps all of them, so
      it is exact, and so is every row when `top_k >= Sk`.

    Each query head then takes the softmax of its own scores over the kept
    keys and the weighted sum of their value rows; a row with no unmasked
    key gives zeros, as `attention` does. Operands and the mask are those
    of `attention`. `--autoglm-sparse-attention` makes it from decode
    attention (docs/sparse-attention.md).

    With `page_size` (page granularity), keys are chosen by pages of
    `page_size` consecutive keys (`Sk` a multiple of it), from the per-page
    elementwise bounds of the key rows `page_min` and `page_max`
    (`B x Hkv x Sk/page_size x D`, the key's element type):

    - the pages holding a sink key and those holding a window key are
      always kept, every key of them;
    - of the other pages, the `ceil(top_k / page_size)` whose rank is
      highest are kept; a page's rank is, over the query heads of the
      group, the best of `sum_d max(q_d min_d, q_d max_d) * scale` (an upper
      bound of the page's scores) plus the largest mask value of the page's
      keys for that head. A page masked for every head is never kept;
      ties go to the lower page index;
    - rows with at most `top_k + sink + window` unmasked visible keys keep
      them all (exact), as in token mode.

    The bounds are trusted: bounds that do not hold the page's keys change
    which pages are kept, never the attention over them.
  }];
  let arguments = (ins AutoGLM_FloatTensor:$query, AutoGLM_FloatTensor:$key,
                       AutoGLM_FloatTensor:$value,
                       Optional<AutoGLM_Tensor>:$mask,
                       Optional<AutoGLM_FloatTensor>:$page_min,
                       Optional<AutoGLM_FloatTensor>:$page_max, F64Attr:$scale,
                       UnitAttr:$causal, I64Attr:$top_k, I64Attr:$sink,
                       I64Attr:$window, OptionalAttr<I64Attr>:$page_size);
  let extraClassDeclaration = [{
    ::mlir::LogicalResult verifyPages();
  }];
  let assemblyFormat = [{
    $query `,` $key `,` $value (`,` $mask^)?
    (`pages` `(` $page_min^ `,` $page_max `)`)? attr-dict `:`
    functional-type(operands, results)
  }];
}

def AutoGLM_FusedOp : AutoGLM_Op<"fused", [IsolatedFromAbove,
    SingleBlockImplicitTerminator<"YieldOp">, RecursiveMemoryEffects]> {
  let summary = "a cluster of ops fused into one kernel";
  let description = [{
    The body computes the results from the block arguments, which stand for
    `inputs` one to one; it is lowered as one loop nest. `kind` names what
    the cluster is (for reports), e.g. `elementwise` or `reduction`.

    ```mlir
    %r = autoglm.fused "elementwise" (%a, %b) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32> {
    ^bb0(%x: tensor<4xf32>, %y: tensor<4xf32>):
      %s = autoglm.add %x, %y : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
      autoglm.yield %s : tensor<4xf32>
    }
    ```
  }];
  let arguments = (ins StrAttr:$kind, Variadic<AutoGLM_Tensor>:$inputs);
  let results = (outs Variadic<AutoGLM_Tensor>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $kind `(` $inputs `)` attr-dict `:` functional-type($inputs, $results) $body
  }];
  let hasRegionVerifier = 1;
}

def AutoGLM_YieldOp : AutoGLM_Op<"yield", [Pure, Terminator,
                                          HasParent<"FusedOp">, ReturnLike]> {
  let summary = "the results of a fused region";
  let arguments = (ins Variadic<AutoGLM_Tensor>:$values);
  let assemblyFormat = "($values^ `:` type($values))? attr-dict";
  let builders = [OpBuilder<(ins), [{ /* nothing to yield */ }]>];
}

def AutoGLM_QuantizeOp : AutoGLM_Op<"quantize", [Pure, SameOperandsAndResultShape]> {
  let summary = "float to uniformly quantized integer (ONNX QuantizeLinear)";
  let description = [{
    The result's element type is a `!quant.uniform` type that carries the
    scale and zero point, per tensor or per axis; its expressed type is the
    input's element type.

    ```mlir
    %q = autoglm.quantize %x : tensor<4xf32> to tensor<4x!quant.uniform<i8:f32, 0.5:3>>
    ```
  }];
  let arguments = (ins AutoGLM_FloatTensor:$input);
  let results = (outs AutoGLM_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasVerifier = 1;
}

def AutoGLM_DequantizeOp : AutoGLM_Op<"dequantize", [Pure, SameOperandsAndResultShape]> {
  let summary = "uniformly quantized integer to float (ONNX DequantizeLinear)";
  let arguments = (ins AutoGLM_Tensor:$input);
  let results = (outs AutoGLM_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasVerifier = 1;
}

#endif // AUTOGLM_HIGH_LEVEL_OPS_TD
