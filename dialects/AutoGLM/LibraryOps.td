//===- LibraryOps.td - calls into vendor libraries -----------*- tablegen -*-===//
//
// The family of the dialect that works on buffers: what a target hands to a
// vendor library (cuBLASLt, cuDNN) instead of generating a kernel. Targets
// turn these ops into library calls at emission. `autoglm.gemm` is made
// after bufferization; `autoglm.dnn_conv` before it, on tensors (its padding
// has no linalg form to survive bufferization in), and bufferizes into its
// buffer form.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_LIBRARY_OPS_TD
#define AUTOGLM_LIBRARY_OPS_TD

include "AutoGLMBase.td"
include "mlir/Interfaces/DestinationStyleOpInterface.td"

def AutoGLM_GemmOp : AutoGLM_Op<"gemm"> {
  let summary = "a (batched) matrix product computed by a BLAS library";
  let description = [{
    `d[b, m, n] = sum_k a[b, m, k] * b[b, k, n]` over buffers: `d` is
    `M x N` or `B x M x N`; `a` is `M x K` or `B x M x K` and `b` is
    `K x N` or `B x K x N`, a 2-D operand being shared by every batch. `d`
    is overwritten, never read. The operands' strided layouts say how they
    are stored, so a transposed view is read in place: the innermost stride
    of each matrix, or the one before it, is 1. `a` and `b` have one element
    type (f32, f16 or bf16); `d` has it too or accumulates wider, in f32.
    Or `a` and `b` are i8 (signed) and `d` accumulates in i32, as
    cuBLASLt's int8 tensor-core kernels take them: matrices, not batches,
    `a` and `d` stored by rows, `b` by columns, `K`, `N` and each leading
    dimension a multiple of 4.

    With `float8_type` (f8E4M3FN), `a` and `b` hold the bits of that type in
    i8 buffers and `d` (f32, f16 or bf16) accumulates in f32, as cuBLASLt's
    fp8 tensor-core kernels take them: matrices, `a` and `d` by rows, `b` by
    columns, `K`, `N` and each leading dimension a multiple of 16. `alpha`
    (float products only; 1 when absent) multiplies the sums:
    `d = alpha * a b`, the fp8 operands' scales.

    ```mlir
    autoglm.gemm %a, %b into %d
        : memref<128x768xf32>, memref<768x3072xf32> into memref<128x3072xf32>
    autoglm.gemm %a, %b into %d {alpha = 1.5e-04 : f32, float8_type = f8E4M3FN}
        : memref<128x768xi8>, memref<768x3072xi8, strided<[1, 768]>> into memref<128x3072xf16>
    ```
  }];
  let arguments = (ins Arg<AnyStridedMemRef, "", [MemRead]>:$a,
                       Arg<AnyStridedMemRef, "", [MemRead]>:$b,
                       Arg<AnyStridedMemRef, "", [MemWrite]>:$d,
                       OptionalAttr<TypeAttr>:$float8_type,
                       OptionalAttr<F32Attr>:$alpha);
  let assemblyFormat = [{
    $a `,` $b `into` $d attr-dict `:` type($a) `,` type($b) `into` type($d)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Why `a`, `b` and `d` cannot be the operands of a gemm (of the
    /// bits of `float8` in i8 buffers, when given), or nothing when they
    /// can.
    static std::optional<std::string> whyNot(MemRefType a, MemRefType b,
                                             MemRefType d,
                                             Type float8 = Type());
  }];
}

def AutoGLM_DnnConvOp : AutoGLM_Op<"dnn_conv", [
    DestinationStyleOpInterface, AttrSizedOperandSegments,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>]> {
  let summary = "a 2-D convolution computed by a DNN library";
  let description = [{
    `y = act(x ⋆ w + bias + residual)`: the cross-correlation of ONNX
    `Conv` in groups, then an optional epilogue. `x` is `N x C x H x W`
    (NCHW), `w` is `F x C/G x KH x KW`, `y` (`init`) is `N x F x HO x WO`,
    all of one element type, f16 or bf16; products accumulate in f32. The
    groups `G` are `x`'s channels over `w`'s; filter `f` reads the channels
    of group `f / (F / G)` (`G = C`: a depthwise convolution). With
    `channels_last` the channels are the innermost dimension instead: `x`
    is `N x H x W x C`, `w` is `F x KH x KW x C/G` and `y` is `N x HO x WO
    x F` (NHWC), the layout tensor cores read without a transpose. `x` is
    read as if padded with zeros by `pad_before` and `pad_after` (rows,
    columns). `init` is overwritten, never read.

    The epilogue runs in f32 on the convolution's f32 sums before `y` is
    rounded to its type: `bias`, a vector of `F` values (f32 or `y`'s
    type), is added to filter `f`'s outputs; `residual`, a tensor of `y`'s
    type and shape, is added element by element; with `relu_upper` the sum
    is then clipped to `[0, relu_upper]` (a ReLU; `relu_upper` infinite
    when there is no upper clip, 6 for ReLU6). The library fuses the
    epilogue into the convolution's kernel.

    On tensors the op returns the result (destination style, `init` its
    destination); on buffers it writes `init` and returns nothing. Buffers
    are dense (identity layout).

    ```mlir
    %y = autoglm.dnn_conv %x, %w bias %b : tensor<64xf32> into %init
        {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>,
         pad_before = array<i64: 1, 1>, pad_after = array<i64: 1, 1>,
         relu_upper = 0x7F800000 : f32}
        : tensor<1x64x56x56xf16>, tensor<64x64x3x3xf16>
          into tensor<1x64x56x56xf16> -> tensor<1x64x56x56xf16>
    ```
  }];
  let arguments = (ins AnyShaped:$x, AnyShaped:$w,
                       Optional<AnyShaped>:$bias,
                       Optional<AnyShaped>:$residual,
                       AnyShaped:$init,
                       DenseI64ArrayAttr:$strides,
                       DenseI64ArrayAttr:$dilations,
                       DenseI64ArrayAttr:$pad_before,
                       DenseI64ArrayAttr:$pad_after,
                       UnitAttr:$channels_last,
                       OptionalAttr<F32Attr>:$relu_upper);
  let results = (outs Optional<AnyRankedTensor>:$result);
  let assemblyFormat = [{
    $x `,` $w (`bias` $bias^ `:` type($bias))?
    (`residual` $residual^ `:` type($residual))? `into` $init attr-dict `:`
    type($x) `,` type($w) `into` type($init) (`->` type($result)^)?
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    MutableOperandRange getDpsInitsMutable() { return getInitMutable(); }
    /// True when the op adds a bias or a residual, or clips.
    bool hasEpilogue() {
      return getBias() || getResidual() || getReluUpper();
    }
    /// Why a convolution of these operand types, with these attributes,
    /// cannot be an `autoglm.dnn_conv`, or nothing when it can.
    static std::optional<std::string>
    whyNot(ShapedType x, ShapedType w, ShapedType y,
           ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations,
           ArrayRef<int64_t> padBefore, ArrayRef<int64_t> padAfter,
           bool channelsLast = false);
  }];
}

#endif // AUTOGLM_LIBRARY_OPS_TD
