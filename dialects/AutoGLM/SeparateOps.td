//===- SeparateOps.td - ops generated into their own unit -*- tablegen -*-===//
//
// Ops of the autoglm dialect tablegen'ed apart from AutoGLMOps.td, into
// AutoGLMSeparateOps.{h,cpp}.inc, and declared by
// include/autoglm/Dialect/SeparateOps.h, which only their users include:
// adding or changing one of them rebuilds those users, not every file that
// includes the dialect (as Linalg keeps its structured ops in a unit of
// their own). They are registered with the others and print and parse the
// same way.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_SEPARATE_OPS_TD
#define AUTOGLM_SEPARATE_OPS_TD

include "AutoGLMBase.td"
include "mlir/Interfaces/DestinationStyleOpInterface.td"

def AutoGLM_GridSampleOp : AutoGLM_InferredOp<"grid_sample"> {
  let summary = "sample a tensor at the coordinates of a grid (ONNX GridSample)";
  let description = [{
    `input` is `N x C x D1 x ... x Dn`, `grid` is
    `N x G1 x ... x Gm x n`: each grid point holds n coordinates normalized
    to [-1, 1], the innermost dimension's first (x, then y, then z). The
    result is `N x C x G1 x ... x Gm`, the input interpolated at each point
    (`nearest` rounds half to even, `linear` reads 2 and `cubic` 4 taps per
    dimension, the cubic kernel with A = -0.75). With `align_corners`, -1
    and 1 are the centers of the corner elements, otherwise their outer
    edges. `padding` says what a sample outside the input reads: `constant`
    zeros, `edge` the border element, `reflect` the input mirrored at its
    border (ONNX's zeros, border and reflection).
  }];
  let arguments = (ins AutoGLM_FloatTensor:$input, AutoGLM_FloatTensor:$grid,
                       AutoGLM_ResizeModeAttr:$mode, AutoGLM_PadModeAttr:$padding,
                       UnitAttr:$align_corners);
  let results = (outs AutoGLM_FloatTensor:$result);
  let assemblyFormat = [{
    `` $mode $input `,` $grid attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def AutoGLM_RoiAlignOp : AutoGLM_Op<"roi_align", [Pure]> {
  let summary = "pool regions of interest by bilinear samples (ONNX RoiAlign)";
  let description = [{
    `input` is `N x C x H x W`, `rois` is `R x 4` boxes (x1, y1, x2, y2) in
    input coordinates times `spatial_scale`, `batch_indices` (`R`) picks
    each box's image. The result is `R x C x OH x OW`: each box is divided
    into `OH x OW` bins, each bin sampled on a grid of `sampling_ratio` x
    `sampling_ratio` bilinear samples (0: ceil(bin size) per box), and the
    samples averaged (`avg`) or, for `max`, the largest of the weighted
    corner terms of every sample taken, as ONNX's reference and ONNX
    Runtime do. With `half_pixel` the box coordinates are shifted by -0.5;
    without it, boxes are at least 1 x 1.
  }];
  let arguments = (ins AutoGLM_FloatTensor:$input, AutoGLM_FloatTensor:$rois,
                       AutoGLM_IndexTensor:$batch_indices,
                       AutoGLM_PoolKindAttr:$kind, I64Attr:$sampling_ratio,
                       F64Attr:$spatial_scale, UnitAttr:$half_pixel);
  let results = (outs AutoGLM_FloatTensor:$result);
  let assemblyFormat = [{
    `` $kind $input `,` $rois `,` $batch_indices attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def AutoGLM_BitCastOp : AutoGLM_Op<"bitcast", [Pure,
                                              SameOperandsAndResultShape]> {
  let summary = "reinterpret each element's bits as another type (ONNX BitCast)";
  let description = [{
    The input and result element types have the same width; each result
    element has the bits of the input element (f32 1.0 is i32 1065353216).
    Not elementwise for fusion's purposes: no precision pass may retype it.
  }];
  let arguments = (ins AutoGLM_NumericTensor:$input);
  let results = (outs AutoGLM_NumericTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasVerifier = 1;
}

def AutoGLM_DecodeAttentionOp : AutoGLM_Op<"decode_attention", [
    DestinationStyleOpInterface, AttrSizedOperandSegments]> {
  let summary = "top-k decode attention computed by a target's own kernels";
  let description = [{
    The attention of `autoglm.topk_attention` (same operands, mask,
    `scale`, `causal`, `top_k`, `sink` and `window`, same result), in
    destination style for a target that computes it with kernels of its
    own rather than through linalg: the CUDA target makes it from
    `autoglm.topk_attention` before the common lowering and replaces it,
    on buffers, by its scoring-and-selection and attend kernels
    (docs/sparse-attention.md). `init` (`B x Hq x Sq x Dv`) is overwritten,
    never read. On tensors the op returns the result; on buffers it writes
    `init` and returns nothing. With `page_size`, keys are chosen by pages
    from the per-page key bounds `page_min` and `page_max`
    (`B x Hkv x Sk/page_size x D`), as `autoglm.topk_attention` chooses
    them at page granularity.

    With `new_key` and `new_value`, the keys are `key`'s rows followed by
    `new_key`'s (and the values likewise): a decoder's cache and the step's
    new rows, read where they are rather than concatenated first. With
    `seq_major`, the key and value operands (and `new_key`, `new_value`) are
    `B x Sk x Hkv x D`, the sequence before the heads, as a decoder writes
    its cache rows; the kernels read them transposed, in place. Shapes
    below are given in the `B x Hkv x Sk x D` order either way, `Sk`
    counting the keys of both parts.

    With `fresh_page` (page granularity), the pages from `fresh_page` on hold
    the step's new keys: their bounds are computed from the key rows (the
    elementwise minimum and maximum of each page's rows), not read from
    `page_min` and `page_max`, and the op also writes those pages' bounds,
    as it scored them, to two more inits (`new_page_min`, `new_page_max`,
    `B x Hkv x (Sk/page_size - fresh_page) x D`): the bounds the caller
    stores beside the step's new keys, computed by the kernel that reads
    them, with no kernels of their own.

    ```mlir
    %r = autoglm.decode_attention %q, %k, %v into %init
        {scale = 0.125 : f64, top_k = 64 : i64, sink = 4 : i64,
         window = 16 : i64}
        : tensor<1x8x1x64xf16>, tensor<1x2x4096x64xf16>,
          tensor<1x2x4096x64xf16> into tensor<1x8x1x64xf16>
          -> tensor<1x8x1x64xf16>
    ```
  }];
  let arguments = (ins AnyShaped:$query, AnyShaped:$key, AnyShaped:$value,
                       Optional<AnyShaped>:$mask,
                       Optional<AnyShaped>:$page_min,
                       Optional<AnyShaped>:$page_max,
                       Optional<AnyShaped>:$new_key,
                       Optional<AnyShaped>:$new_value,
                       Variadic<AnyShaped>:$inits, F64Attr:$scale,
                       UnitAttr:$causal, I64Attr:$top_k, I64Attr:$sink,
                       I64Attr:$window, OptionalAttr<I64Attr>:$page_size,
                       UnitAttr:$seq_major, OptionalAttr<I64Attr>:$fresh_page);
  let results = (outs Variadic<AnyRankedTensor>:$result_tensors);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`mask` $mask^ `:` type($mask))?
    (`pages` $page_min^ `,` $page_max `:` type($page_min) `,`
     type($page_max))?
    (`new` $new_key^ `,` $new_value `:` type($new_key) `,` type($new_value))?
    `into` $inits
    attr-dict `:` type($query) `,` type($key) `,` type($value) `into`
    type($inits) (`->` type($result_tensors)^)?
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    MutableOperandRange getDpsInitsMutable() { return getInitsMutable(); }
    /// The attention's destination (`B x Hq x Sq x Dv`).
    ::mlir::Value getInit() { return getInits().front(); }
    /// With `fresh_page`, the new pages' bounds' destinations; else null.
    ::mlir::Value getNewPageMin() {
      return getInits().size() == 3 ? getInits()[1] : ::mlir::Value();
    }
    ::mlir::Value getNewPageMax() {
      return getInits().size() == 3 ? getInits()[2] : ::mlir::Value();
    }
    /// The B x Hkv x Sk x D shape of a key or value operand (Sk that of the
    /// operand alone), whichever its layout.
    ::llvm::SmallVector<int64_t> headMajorShape(::mlir::Value operand);
    /// The number of keys: key's rows and new_key's.
    int64_t numKeys();
  }];
}

#endif // AUTOGLM_SEPARATE_OPS_TD
