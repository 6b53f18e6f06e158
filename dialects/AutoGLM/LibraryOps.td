//===- LibraryOps.td - calls into vendor libraries, on buffers -*- tablegen -*-===//
//
// The one family of the dialect that works on buffers: what a target hands
// to a vendor library (cuBLASLt) instead of generating a kernel. Targets
// create these ops after bufferization and turn them into library calls at
// emission.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_LIBRARY_OPS_TD
#define AUTOGLM_LIBRARY_OPS_TD

include "AutoGLMBase.td"

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

    ```mlir
    autoglm.gemm %a, %b into %d
        : memref<128x768xf32>, memref<768x3072xf32> into memref<128x3072xf32>
    ```
  }];
  let arguments = (ins Arg<AnyStridedMemRef, "", [MemRead]>:$a,
                       Arg<AnyStridedMemRef, "", [MemRead]>:$b,
                       Arg<AnyStridedMemRef, "", [MemWrite]>:$d);
  let assemblyFormat = [{
    $a `,` $b `into` $d attr-dict `:` type($a) `,` type($b) `into` type($d)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Why `a`, `b` and `d` cannot be the operands of a gemm, or nothing
    /// when they can.
    static std::optional<std::string> whyNot(MemRefType a, MemRefType b,
                                             MemRefType d);
  }];
}

#endif // AUTOGLM_LIBRARY_OPS_TD
