//===- Passes.td - AutoGLM CUDA target passes --------------*- tablegen -*-===//
//
// Passes of the CUDA code-generation pipeline (lib/Target/CUDA/), one per
// file.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_TARGET_CUDA_PASSES_TD
#define AUTOGLM_TARGET_CUDA_PASSES_TD

include "mlir/Pass/PassBase.td"

def AutoGLMCUDASplitKernelRegions
    : Pass<"autoglm-cuda-split-kernel-regions", "func::FuncOp"> {
  let summary = "Cut kernel regions around the matrix products cuBLASLt "
                "computes";
  let description = [{
    On tensors, for each `autoglm.fused` region holding a `linalg.matmul` or
    `linalg.batch_matmul` of static shape into a zero fill, with f32, f16 or
    bf16 inputs: the product, its fill and its buffer leave the region, and
    each run of the region's other ops between products becomes a region of
    its own (of the same kind), which `--autoglm-cuda-fuse-kernel-regions`
    then fuses into one kernel. Runs of reshapes alone stay outside any
    region. A `linalg.conv_2d_nchw_fchw` of static shape into a zero fill is
    first rewritten into such a product: its filters reshaped to
    `[F, C*KH*KW]` times its input's patches gathered as columns,
    `[C*KH*KW, N*HO*WO]` (im2col; none for a 1x1 filter of stride 1 over
    one image), reshaped or transposed back to NCHW.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def AutoGLMCUDAMergeKernelRegions
    : Pass<"autoglm-cuda-merge-kernel-regions", "func::FuncOp"> {
  let summary = "Merge chains of elementwise kernel regions into their "
                "consumer";
  let description = [{
    On tensors, after the products have left their regions: a region whose
    ops all compute element by element or move data (linalg ops without
    reductions, reshapes) and whose one result feeds only one other such
    region (directly or through reshapes), which reads each of its elements
    once (a permutation, not a gather or a broadcast), is merged into it;
    chains merge
    whole (a bias add, the cast to f16 and the transpose splitting attention
    heads become one region). Inside merged regions, reshapes are folded
    into the linalg ops' loops where linalg's reshape-by-expansion patterns
    can, so that `--autoglm-cuda-fuse-kernel-regions` fuses the chain into
    one kernel. Regions that reduce take no part, as producer or consumer.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def AutoGLMCUDAInt8Products
    : Pass<"autoglm-cuda-int8-products", "func::FuncOp"> {
  let summary = "int8 products as cuBLASLt's int8 kernels read them";
  let description = [{
    On tensors, before the products leave their regions: a `linalg.matmul`
    of two i32 values sign-extended from i8 (the activation, and a constant
    weight of K x N with K and N multiples of 4) reads the i8 values
    themselves, the weight transposed at compile time to N x K and read
    through the transposed map `(n, k)`: the "TN" operands of cuBLASLt's
    int8 kernels, with no widened copy of either. Other products are left
    alone.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect"];
}

def AutoGLMCUDAFloat8Products
    : Pass<"autoglm-cuda-float8-products", "func::FuncOp"> {
  let summary = "fp8 products as cuBLASLt's fp8 kernels read them";
  let description = [{
    On tensors, before the products leave their regions: a `linalg.matmul`
    of two f32 values widened from float8 E4M3 bits (the generics marked
    `autoglm.float8_widening`: the activation times its scale, and a
    constant weight of K x N with K and N multiples of 16) reads the bits
    themselves, the weight transposed at compile time to N x K and read
    through the transposed map `(n, k)`, as cuBLASLt's fp8 kernels take
    them; the product is marked `autoglm.float8_operands` with the scale as
    `autoglm.alpha`, which `--autoglm-cuda-select-library-calls` passes to
    the library. Other products are left alone.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect"];
}

def AutoGLMCUDANativeFloat8Casts
    : Pass<"autoglm-cuda-native-float8-casts", "func::FuncOp"> {
  let summary = "Casts to float8 E4M3 by the GPU's own conversion";
  let description = [{
    Before the lowering, for a model built only for GPUs of compute
    capability 8.9 and newer: marks every `autoglm.cast` from a float type
    to `f8E4M3FN` `autoglm.native_float8`, which the lowering leaves an
    `arith.truncf` of the clamped value for
    `--autoglm-cuda-float8-conversions`.
  }];
}

def AutoGLMCUDAFloat8Conversions
    : Pass<"autoglm-cuda-float8-conversions", "gpu::GPUModuleOp"> {
  let summary = "arith.truncf to float8 E4M3 as the GPU's conversion";
  let description = [{
    In the kernels, before the conversion to NVVM: an `arith.truncf` from
    f32 to `f8E4M3FN` becomes `nvvm.convert.f32x2.to.f8x2` of the value
    twice (rounding to nearest even, saturating: `cvt.rn.satfinite.e4m3x2.
    f32`, compute capability 8.9), its low byte bitcast back; bitcasts to
    the i8 the value is stored as fold away.
  }];
  let dependentDialects = ["::mlir::NVVM::NVVMDialect",
                           "::mlir::arith::ArithDialect"];
}

def AutoGLMCUDARowProductWeights
    : Pass<"autoglm-cuda-row-product-weights", "func::FuncOp"> {
  let summary = "Constant weights of products of a few rows stored N x K";
  let description = [{
    On tensors, after the products have left their regions: a
    `linalg.matmul` of at most 8 rows (f32, f16 or bf16) whose second
    operand is a constant K x N weight read by nothing else reads the
    weight transposed at compile time to N x K, through the transposed map
    `(n, k)`: what `--autoglm-cuda-row-products` reads by contiguous runs.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def AutoGLMCUDARowProductResiduals
    : Pass<"autoglm-cuda-row-product-residuals", "func::FuncOp"> {
  let summary = "Row products that accumulate into the residual they are "
                "added to";
  let description = [{
    On tensors, after `--autoglm-cuda-row-product-weights`: a zero-filled
    row product (at most 8 rows, its weight read N x K) whose only reader
    is a region that just adds it to another tensor of its type (the sum
    maybe reshaped by an `expand_shape`) takes that tensor as its init
    instead, and the region goes: the residual add of a decoder layer runs
    in the row-product kernel, one kernel fewer. Only when the region is
    the residual's last reader and the residual is not what the product
    reads, so that the product writes its buffer in place.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

def AutoGLMCUDARowProductNorms
    : Pass<"autoglm-cuda-row-product-norms", "func::FuncOp"> {
  let summary = "Row products that RMS-normalize their input rows themselves";
  let description = [{
    On tensors, after `--autoglm-cuda-row-product-weights`: a region that
    RMS-normalizes an f32 tensor over its last dimension and scales it by a
    constant gamma (`x * rsqrt(sum(x^2) / K + eps) * gamma`, as the lowering
    of RMSNormalization writes it; or `x / sqrt(m + eps) * g`,
    `x * (1 / sqrt(m + eps))`, with the mean `m` of `x * x` or `x ** 2`
    from a region of its own, as exporters' decompositions become; gamma a
    tensor, a scalar or none), whose every reader is an f32 row
    product (at most 8 rows, its own constant weight read N x K, zero-filled
    or accumulating into a tensor other than the norm's input), maybe
    through a `collapse_shape`, goes: each product reads the region's input
    instead, its weight's columns scaled by gamma at compile time, and
    carries `autoglm.rms_normalized_rows` (epsilon), by which the
    row-product kernel sums the squares of the rows it loads and scales
    each row's results by `rsqrt(mean + eps)`. A decoder layer's two norms
    run in its Q/K/V and gate/up kernels: two kernels fewer.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

def AutoGLMCUDARowProducts
    : Pass<"autoglm-cuda-row-products", "func::FuncOp"> {
  let summary = "Products of a few rows against an N x K weight as one "
                "kernel of a warp per column";
  let description = [{
    On buffers, at the top level of a function: a `linalg.matmul` of at
    most 8 rows, zero-filled or accumulating into its init, reading its
    second operand, stored N x K, through the transposed map becomes a
    kernel in which a warp computes one output column from a contiguous run
    of the weight, read 16 bytes per lane, its sums in f32
    (RowProducts.cpp); with `autoglm.rms_normalized_rows`, each row's
    results scaled by its RMS normalization's factor. With
    `prefetch-weights`, the kernel first brings its warps' weight rows
    into the L2 cache (`nvvm.prefetch`), which
    `--autoglm-cuda-dependent-launch` runs before the kernel waits for the
    one before it. Products whose operands are not stored by rows stay as
    they are.
  }];
  let options = [
    Option<"prefetchWeights", "prefetch-weights", "bool", /*default=*/"false",
           "Each kernel first prefetches its weight rows into the L2 cache "
           "(for --autoglm-cuda-dependent-launch, which runs that before "
           "the wait, on sm_90 and newer only)">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::NVVM::NVVMDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect"];
}

def AutoGLMCUDANarrowProductResults
    : Pass<"autoglm-cuda-narrow-product-results", "func::FuncOp"> {
  let summary = "16-bit results for products whose readers round to 16 bits";
  let description = [{
    On tensors, after the products have left their regions: a
    `linalg.matmul` or `linalg.batch_matmul` of f16 (or bf16) operands into
    a zero-filled f32 result, every element of which is read (through
    reshapes, slices and regions that pass it on) only by linalg ops that
    round it to the operands' type at once, gets a result of the operands'
    type instead, and the roundings go. cuBLASLt accumulates in f32 and
    rounds the sums once as it writes them, so the values read are the
    same and the bytes written and read are half. The product is marked
    `autoglm.f32_accumulator`; `--autoglm-cuda-select-library-calls` fails
    rather than leave such a product to a generated kernel. Products whose
    operands are slices of other tensors are left alone.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def AutoGLMCUDAFuseConvEpilogues
    : Pass<"autoglm-cuda-fuse-conv-epilogues", "func::FuncOp"> {
  let summary = "A convolution's bias, residual and ReLU into the library's "
                "kernel";
  let description = [{
    On tensors, after the kernel regions are merged: an `autoglm.dnn_conv`
    of one group whose one user is a kernel region computing, element by
    element and with a result of the convolution's type and shape, the
    convolution's value plus constant vectors of its filters (biases,
    summed at compile time) plus at most one other tensor of that shape
    and type (a residual), then at most a ReLU (`max(x, 0)`), an upper clip
    (`min(x, c)`, c > 0) and the rounding to the result's type, takes that
    region in as its epilogue (`bias`, `residual`, `relu_upper`): the
    library computes it on the f32 sums in the convolution's kernel, and
    the region's kernel is gone.

    A convolution that is a matrix product (1x1 filters, stride 1, no
    padding), whose epilogue has no upper clip, takes it always: the
    runtime computes it as a cuBLASLt matmul whose epilogue adds the bias
    (stored in the result's type, the one cuBLASLt reads) and the residual
    (its C matrix) and applies the ReLU. Other convolutions take a bias and
    a ReLU or ReLU6 only with `all` (the driver's `--cuda-conv-epilogues`),
    computed by cuDNN's fused engines, and a residual only with `residuals`
    too.
  }];
  let options = [
    Option<"all", "all", "bool", /*default=*/"false",
           "Also fuse into convolutions that are not matrix products, or "
           "whose epilogue clips (cuDNN's fused engines: on the H200 no "
           "faster than the plain convolution and a kernel)">,
    Option<"residuals", "residuals", "bool", /*default=*/"false",
           "With all: also take in a residual there (off: on the H200, "
           "ResNet-50 at batch 32 gave wrong outputs with cuDNN's fused "
           "convolution + add plans)">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect"];
}

def AutoGLMCUDAChannelsLast
    : Pass<"autoglm-cuda-channels-last", "func::FuncOp"> {
  let summary = "Convolutions and the kernels between them in NHWC";
  let description = [{
    On tensors, after the products have left their regions: each
    `autoglm.dnn_conv` whose filters are a constant takes its
    `channels_last` form (NHWC input and result, filters transposed at
    compile time to `F x KH x KW x C`), between a transpose to NHWC of its
    input and one back to NCHW of its result. A kernel region with one 4-D
    result that computes element by element or pools, and that receives a
    value through such a transpose or gives one to it, then takes that
    value in NHWC and gives its result in NHWC, the transposes moving
    inside it (where the fusion of its ops into one loop absorbs them). A
    transpose of a transpose by the inverse permutation cancels: between
    two convolutions no transpose is left.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def AutoGLMCUDAFusePoolingInputs
    : Pass<"autoglm-cuda-fuse-pooling-inputs", "func::FuncOp"> {
  let summary = "A pooling computes its window's taps from its unpadded "
                "input and the elementwise ops that compute it";
  let description = [{
    On tensors, before `--autoglm-cuda-fuse-kernel-regions`: a pooling is a
    linalg op of one result in a kernel region whose reductions span at
    most 64 iterations (its window) and that writes no more elements than
    the input it pools has. A region holding one takes in the region whose
    one result only the pooling's input is computed from, when every op of
    that region computes element by element (linalg ops without
    reductions, reshapes, a constant padding). Then the pooling's input,
    where the region computes it by such ops that feed nothing else
    (ONNX `pads` as a `tensor.pad` of -inf or 0, a bias and ReLU, a residual
    add, transposes), is no operand any more: the pooling becomes a
    `linalg.generic` whose body computes each tap at its indices from the
    tensors those ops read (`tensor.extract`), a tap in the padding
    yielding the padding value. No padded tensor, and no tensor between the
    elementwise ops and the pooling, is written.
  }];
  let dependentDialects = ["::mlir::affine::AffineDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def AutoGLMCUDAFuseKernelRegions
    : Pass<"autoglm-cuda-fuse-kernel-regions", "func::FuncOp"> {
  let summary = "Each kernel region as one loop over its output elements, "
                "its ops fused in, then inlined";
  let description = [{
    On tensors, for each `autoglm.fused` region: the root (the op computing
    the region's one result, past reshapes) is tiled by one along each of
    its parallel dimensions into an `scf.forall`, with every op of the
    region that feeds it fused into the loop body (upstream tile-and-fuse);
    reduction dimensions stay whole. The region is then inlined. After
    bufferization the loop becomes the region's one kernel. A root that
    cannot be tiled leaves the region's ops as they are.
  }];
  let dependentDialects = [
    "::mlir::linalg::LinalgDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def AutoGLMCUDASelectLibraryCalls
    : Pass<"autoglm-cuda-select-library-calls", "func::FuncOp"> {
  let summary = "Zero-filled matrix products on buffers as autoglm.gemm";
  let description = [{
    On buffers, at the top level of a function: a `linalg.matmul` or
    `linalg.batch_matmul` whose result buffer a `linalg.fill` of zero wrote
    just before (nothing in between using it) becomes one `autoglm.gemm`,
    and the fill goes, when `autoglm.gemm` accepts the operands (static
    shapes, each matrix stored by rows or by columns). A `linalg.matmul`
    reading its second operand, stored N x K, through the transposed map
    `(n, k)` reads it through a `memref.transpose` view. The emission turns
    it into a cuBLASLt call.
  }];
  let dependentDialects = ["::mlir::autoglm::AutoGLMDialect",
                           "::mlir::memref::MemRefDialect"];
}

def AutoGLMCUDALinalgToLoops
    : Pass<"autoglm-cuda-linalg-to-loops", "func::FuncOp"> {
  let summary = "Every linalg op, strided copy and run of small copies as "
                "parallel loops, parallel dimensions outermost";
  let description = [{
    On buffers: each linalg op is generalized and its loops interchanged so
    that every parallel dimension comes before every reduction dimension,
    then lowered to one `scf.parallel` over the parallel dimensions with
    `scf.for` reductions inside; a `memref.copy` with a non-contiguous side,
    or inside a loop (a kernel's body), is lowered the same way, and so is
    each of a run of two or more small contiguous copies of the function
    itself (at most 16 KiB each, only views between them), which then share
    one launch; other contiguous copies of the function stay: they become
    device copies. One `scf.parallel` per op is what
    `--autoglm-cuda-map-to-gpu` maps onto a grid of threads.
  }];
  let dependentDialects = [
    "::mlir::linalg::LinalgDialect",
    "::mlir::scf::SCFDialect",
  ];
}

def AutoGLMCUDACoarsenElementwise
    : Pass<"autoglm-cuda-coarsen-elementwise", "func::FuncOp"> {
  let summary = "Each thread of an elementwise kernel computes 16 bytes of "
                "consecutive outputs";
  let description = [{
    Before `--autoglm-cuda-map-to-gpu`: a `scf.parallel` whose body is
    straight-line code (loads, arithmetic, stores: an elementwise kernel,
    a bias and activation, a cast) and whose every store writes along the
    innermost loop, unit-stride, takes `V` consecutive iterations of that
    loop per thread, `V` the number of stored elements in 16 bytes (8 for
    f16, 4 for f32; at most 8), when `V` divides the loop's trip count.
    The body's operations are repeated op by op, and a load or store of
    `V` consecutive elements at a multiple of `V` elements becomes one
    `vector.load` or `vector.store` with its alignment (each buffer starts
    at a multiple of 16 bytes, which the step table checks): one 16-byte
    access. With one 2-byte access per thread, a warp moves 64 bytes per
    request and the kernel stays far below the memory's bandwidth.
    Then, in such a loop's short inner loops (a pooling's window), an
    `scf.for` whose one store writes the element(s) it loads, at indices
    fixed outside it, with no other access to them, carries that value as
    an iteration argument: loaded before the loop, stored after it.
  }];
  let dependentDialects = ["::mlir::affine::AffineDialect",
                           "::mlir::vector::VectorDialect"];
}

def AutoGLMCUDASelectDecodeAttention
    : Pass<"autoglm-cuda-select-decode-attention", "func::FuncOp"> {
  let summary = "Decode attention, top-k or dense, as an op the CUDA target "
                "computes with its own kernels";
  let description = [{
    At the start of the lowering phase, before the common lowering to
    linalg: each `autoglm.fused` region that holds one
    `autoglm.topk_attention` (`--sparse-attention=on|auto`) becomes an
    `autoglm.decode_attention` into an empty tensor, which the lowering
    keeps and `--autoglm-cuda-decode-attention-kernels` replaces by its
    kernels after bufferization. The kernels keep the candidate lists in
    shared memory: in token mode a budget (`top_k + sink + window`) above
    511 keys, in page mode more than 512 pages chosen by rank
    (`top_k / page_size` rounded up), or an element type other than f32, f16 or bf16, is an
    error naming the node. A paged `topk_attention` passes its page bounds
    and page size on.

    A region holding one dense `autoglm.attention` of at most 16 queries
    against at least 64 keys (static shapes, f32, f16 or bf16, a shape
    whose query group and chunk fit in shared memory) becomes an
    `autoglm.decode_attention` whose `top_k` is the number of keys, no sink
    and no window: top-k that keeps every key is dense attention, and gets
    the split-key dense kernels. Prefill and encoder attention keep their
    region.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

def AutoGLMCUDAEncoderAttentionKernels
    : Pass<"autoglm-cuda-encoder-attention-kernels", "func::FuncOp"> {
  let summary = "dense f16 attention of many queries as one tensor-core kernel";
  let description = [{
    After bufferization, before `--autoglm-cuda-decode-attention-kernels`:
    each dense f16 `autoglm.decode_attention` (`top_k` at least the number
    of keys, no sink or window) of more than 16 queries, every size a
    multiple of 16, heads of at most 128 and value rows no longer than the
    key count, whose query, key and value rows are contiguous, becomes one
    `gpu.launch`: four warps per 16 query rows of a (batch, query head),
    a block of two such tiles when that leaves at least 256 blocks, else
    of one. The block copies its keys, transposed, into shared memory
    (16-byte reads, two keys' halves stored a word); its warps split
    each step: the scores' 16-key tiles with WMMA (f16 operands, f32
    accumulation) into shared memory, the rows' softmax there (scale, mask
    and causal limit; the probabilities in f16 over the scores' bytes), the
    output's 16-column tiles with WMMA from the probabilities and the value
    rows; then the block writes the rows divided by their sums.
    A row that sees no key is zero. Others are left to the decode kernels.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect"];
}

def AutoGLMCUDADecodeAttentionKernels
    : Pass<"autoglm-cuda-decode-attention-kernels", "func::FuncOp"> {
  let summary = "autoglm.decode_attention on buffers as its kernels";
  let description = [{
    After bufferization, before the memory plan: each
    `autoglm.decode_attention` becomes two `gpu.launch` ops and the
    scratch buffers between them (placed in the arena by the
    plan). One that keeps
    every key (`top_k` at least the number of keys, no sink or window)
    gets the dense kernels (flash-decoding): a partial kernel whose blocks
    take a row's keys in turns, each key and value row read once for the
    block's query heads with 16-byte loads and an online softmax per head
    kept in registers, then a combine kernel that merges the pieces of the
    row's blocks that had keys. Otherwise:

    1. Score and select: a block per (query row, chunk of keys), one thread
       per key. Neighbouring lanes read each key row 16 bytes at a time and
       sum its products with their elements of the group's query heads
       (scaled, in registers) by shuffles; each thread then ranks its key, the best masked
       score over the group, and the block sorts its chunk's (rank, key)
       pairs in registers (a bitonic network exchanging by shuffles within
       a warp; ties to the lower key) and writes the best `T` (a power of
       two above the budget), and, with a mask, how many visible keys some
       head sees. No score row is written.
    2. Keep and attend: the dense partial kernel with one block per query
       head, launched with `nvvm.minctasm = 1` (its grid leaves an SM a
       block at most). It attends to the row's sinks and window before it
       waits for kernel 1, then lists the other keys it keeps in shared
       memory: the best `top_k` candidates of the chunks' lists by a radix
       select over their ranks (every valid one when the row has no more
       valid keys than the budget: exact), attends over them, reading the
       key and value rows at the listed indices, and writes the result: no
       combine kernel.

    With a page size, kernel 1 ranks pages from their key bounds (16-byte
    reads of the bound rows by neighbouring lanes) instead of keys, its
    lists holding the `ceil(top_k / page_size)` pages chosen by rank, and
    marks every candidate page that some head sees in a bitmap; the
    chunk's best pages are selected (runs sorted, then merged in pairs
    keeping the better half), not the chunk sorted. Kernel 2 is the same
    dense partial kernel: it selects the best entries of the lists
    together (merges them when they are many) and lists the keys of the
    chosen pages (an exact row the keys of every marked page, by a prefix
    sum of the bitmap).
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::vector::VectorDialect"];
}

def AutoGLMCUDAMapToGPU : Pass<"autoglm-cuda-map-to-gpu", "func::FuncOp"> {
  let summary = "Each top-level computation of a function as one gpu.launch";
  let description = [{
    First, each buffer allocated inside a loop (the scratch of ops fused
    into one kernel) becomes an alloca: the thread's private memory.
    Then walks the function's top-level operations. Each `scf.parallel` becomes a
    `gpu.launch` of `block-size`-thread blocks over its iteration space,
    flattened to one dimension (the innermost dimension varies fastest
    across neighbouring threads, so their accesses coalesce), with a bounds
    check for the last block. Each maximal run of other computations
    (sequential loops, loads and stores, their scalar arithmetic) becomes a
    one-thread `gpu.launch`, or one warp's when it reduces a long row
    (WarpRows.h). Such a one-warp run also takes the `scf.parallel` right
    after it, up to 2048 iterations, with only constants and views between
    them (they move before it): a one-row normalization's sum and its
    normalize are one kernel, the loop's iterations round-robin over the
    lanes. Consecutive parallel loops of at most 1024 iterations each, a
    thread an iteration, neither writing what the other reads or writes
    (views of the arena at constant offsets are told apart by their bytes),
    share one launch, each loop its own blocks (a decoder layer's rotary
    embeddings of Q and of K). Buffer bookkeeping (allocations, views,
    globals, constants, contiguous `memref.copy`) and library calls
    (`autoglm.gemm`) stay on the host.
    Constants used inside a launch are cloned into it, so the kernels take
    only buffers. Scalars that the host code reads from buffers for a later
    computation (a Range's start and delta) are recomputed inside that
    computation instead, when nothing in between writes their buffer. A
    value computed on the device and still used on the host is an error
    naming the ONNX node.
  }];
  let options = [
    Option<"blockSize", "block-size", "int64_t", /*default=*/"256",
           "Threads per block of a parallel loop">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::NVVM::NVVMDialect",
    "::mlir::scf::SCFDialect",
  ];
}

def AutoGLMCUDAOutlineKernels
    : Pass<"autoglm-cuda-outline-kernels", "ModuleOp"> {
  let summary = "Every gpu.launch outlined into a kernel (upstream's "
                "gpu-kernel-outlining), its launch bounds kept";
  let description = [{
    Runs `gpu-kernel-outlining` and puts each launch's `nvvm.*` attributes
    (`nvvm.minctasm`, `nvvm.maxnreg`), which the outlining drops, on the
    kernel function it became, where the NVVM lowering makes them PTX
    launch bounds. A kernel builder whose grid leaves most of the GPU
    empty sets `nvvm.minctasm = 1` on its launch: `ptxas` then keeps a
    step's loads in flight together rather than a few at a time.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def AutoGLMCUDAGatherKernels
    : Pass<"autoglm-cuda-gather-kernels", "ModuleOp"> {
  let summary = "All outlined kernels into one gpu.module, named after "
               "their ONNX nodes";
  let description = [{
    After `gpu-kernel-outlining` (one `gpu.module` per launch), moves every
    kernel into one `gpu.module @autoglm_kernels`, so that the model has
    one device binary, and renames each `k<N>_<first ONNX node>` (in launch
    order), the name profilers and error messages show. The launches are
    updated to match.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def AutoGLMCUDADependentLaunch
    : Pass<"autoglm-cuda-dependent-launch", "ModuleOp"> {
  let summary = "Kernels that wait for their predecessor themselves, so "
                "that the runtime can launch them early (sm_90 and newer)";
  let description = [{
    At the entry of every kernel of the model's `gpu.module`s, before any
    memory access (but for ops marked `autoglm.before_wait`, which its
    builder vouches read nothing the kernel before it writes):
    `nvvm.griddepcontrol wait` (until the kernel before it
    has completed and its writes are visible), then `nvvm.griddepcontrol
    launch_dependents` (the next kernel may be scheduled now), both under
    `__nvvm_reflect("__CUDA_ARCH") >= 900`, which LLVM folds per target
    architecture (an sm_80 binary has neither). Every `gpu.launch_func`
    gets `autoglm.dependent_launch`, which the step table writes as a
    DEPENDENT_LAUNCH step: on a GPU of compute capability 9.0 or newer
    the runtime launches it as a programmatic dependent of the step before
    (`cuLaunchKernelEx`), its launch overlapping that kernel's run.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect",
                           "::mlir::NVVM::NVVMDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect"];
}

#endif // AUTOGLM_TARGET_CUDA_PASSES_TD
