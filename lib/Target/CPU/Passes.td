//===- Passes.td - AutoGLM CPU target passes ---------------*- tablegen -*-===//
//
// Passes of the CPU lowering pipeline (lib/Target/CPU/), one per file.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_TARGET_PASSES_TD
#define AUTOGLM_TARGET_PASSES_TD

include "mlir/Pass/PassBase.td"

def AutoGLMParallelLoopsToRuntime
    : Pass<"autoglm-parallel-loops-to-runtime", "ModuleOp"> {
  let summary = "Run outermost scf.parallel loops on the runtime's threads";
  let description = [{
    Gives every public function a trailing `!llvm.ptr` argument, the
    `autoglm_exec_context *` of runtime/include/autoglm/model_abi.h, and
    turns each outermost `scf.parallel` (without reductions) of at least
    `min-work` estimated operations into a call through
    `ctx->parallel_for(ctx, n, body, data)`:

    - `body` is an outlined `func.func private @<fn>_parallel_<k>(%data:
      !llvm.ptr, %begin: i64, %end: i64)` running linear iterations
      [begin, end) of the loop's leading dimensions, collapsed into one
      (at least `min-parallel-iterations` of them when the loop has that
      many, never an innermost dimension of unit step while an outer one is
      not unit, so that element loops keep unit stride for vectorization,
      unless the loop's body runs loops of its own);
      the other dimensions stay sequential `scf.for` loops inside it;
    - `data` points to a stack struct of the values the loop captures
      (memrefs as their LLVM descriptors, index as i64); constants and
      `memref.get_global` are cloned into the body instead.

    Loops whose bodies come out equivalent (the same operations, types and
    attributes; locations aside) share one body, so that a layer repeated
    N times is compiled once.

    With a NULL context or a NULL `parallel_for`, the body runs on the
    calling thread over the whole range. Loops with fewer iterations or
    less work, loops with reductions (`scf.reduce` operands), and loops in
    private functions stay sequential. Run after linalg is lowered to
    parallel loops and before the conversion to LLVM.
  }];
  let options = [
    Option<"minWork", "min-work", "int64_t", /*default=*/"32768",
           "Smallest estimated number of operations a loop nest must "
           "execute to be run in parallel">,
    Option<"minParallelIterations", "min-parallel-iterations", "int64_t",
           /*default=*/"64",
           "Leading parallel dimensions are collapsed until they have this "
           "many iterations (chunks to balance over threads)">,
    Option<"shareBodies", "share-bodies", "bool", /*default=*/"true",
           "Loops whose bodies come out equivalent share one body (off: one "
           "body per loop, so that a profile names each loop's ONNX nodes)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::func::FuncDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::scf::SCFDialect",
  ];
  let statistics = [
    Statistic<"numSharedBodies", "shared-bodies",
              "Loops run through the body of an equivalent earlier loop">,
  ];
}

def AutoGLMConvToMatmul
    : Pass<"autoglm-conv-to-matmul", "func::FuncOp"> {
  let summary = "Rewrite 2-D NCHW convolutions on tensors as matrix products";
  let description = [{
    Rewrites `linalg.conv_2d_nchw_fchw` with static shapes as
    `W[F, C*KH*KW] x col[C*KH*KW, OH*OW]` per image: an im2col
    `linalg.generic` (skipped for 1x1 unit-stride kernels, where the input
    already is the column matrix) feeding a `linalg.matmul` (one image) or
    `linalg.batch_matmul` (several, with the weights broadcast), so that
    convolutions reuse the tiled and vectorized matrix product of
    `--autoglm-tile-and-vectorize-contractions`. An f32 constant filter
    whose rows (C*KH*KW floats) are a multiple of 1 KiB long becomes a
    view of the first columns of a copy with 64 bytes of zeros after each
    row: a register tile's rows 1 KiB apart share 4 of the L1 cache's 64
    sets, 4 KiB apart one. Runs before bufferization.
  }];
  let dependentDialects = [
    "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def AutoGLMWinogradConv : Pass<"autoglm-winograd-conv", "func::FuncOp"> {
  let summary = "Compute 3x3 stride-1 NCHW convolutions with Winograd "
                "F(4x4, 3x3) or F(2x2, 3x3)";
  let description = [{
    Rewrites `linalg.conv_2d_nchw_fchw` on tensors of f32 (or of bf16 or
    f16 input and weight into an f32 result, --precision=bf16 and fp16:
    the transforms widen them exactly, and the products run in f32) with a
    3x3 kernel, stride 1, dilation 1, a constant weight and a zero-filled
    output, whose input and output channels are both at least
    `min-channels`, and whose transformed input (below) takes at most
    `max-transformed-mib` MiB, as Winograd's minimal filtering (Lavin and
    Gray): each m x m block of output pixels is computed from an
    (m + 2) x (m + 2) tile of the input as `A^T [(G g G^T) . (B^T d B)] A`.
    F(4x4, 3x3) (6x6 tiles, 36 products) where the images have at least
    `min-tiles` 4x4 output blocks in all; else F(2x2, 3x3) (4x4 tiles, 16
    products) where they have at least `min-small-tiles` 2x2 blocks.

    - The filter transform `G g G^T` runs here, at compile time: the
      weight constant `[F, C, 3, 3]` becomes a constant `[36, F, C]`
      (`[16, F, C]` for F(2x2); computed in double, rounded once to f32).
    - The input transform `B^T d B` is two all-parallel `linalg.generic`s
      (along the tile's rows, contiguous; then along its columns) into
      `[36, C, tiles]`, the input padded at the bottom and right to whole
      tiles; each computes all rows of `B^T` at once (one output per
      row, subviews of one `memref.alloc`, between
      `bufferization.to_buffer` and `to_tensor`), the coefficients
      constants without the zeros, each term read through a view (the
      tiles' windows, `m` apart, are views of stride `m`, which
      `--autoglm-vectorize-rows` reads in vectors).
    - The 36 (16) products `[F, C] x [C, tiles]` are one
      `linalg.batch_matmul`, which the CPU's tiled product kernel runs.
    - The output transform `A^T m A` is one more generic, both
      directions in its body, its 16 (4) outputs strided views of the
      output's tiles; its result, cut to the output's size, replaces the
      convolution (a fused region's bias and activation follow it
      unchanged).

    Runs before `--autoglm-conv-to-matmul`, which takes every other
    convolution.
  }];
  let options = [
    Option<"minChannels", "min-channels", "int64_t", /*default=*/"64",
           "Smallest input and output channel count rewritten: the "
           "transforms cost per tile in proportion to C + F, the products "
           "save in proportion to C x F (64 -> 64 pays at batches 1 and 8 "
           "since the transforms compute all rows of B^T at once; 32 was "
           "slower than the direct product before that, not re-measured)">,
    Option<"minTiles", "min-tiles", "int64_t", /*default=*/"32",
           "Smallest number of 4x4 output blocks (all images) rewritten: "
           "the transformed filter, 4x the weight, is read once for that "
           "many columns, so fewer make the products memory-bound (16 "
           "blocks of 256 channels are slower than the direct product in "
           "a model, whose weights are not in cache)">,
    Option<"minSmallTiles", "min-small-tiles", "int64_t", /*default=*/"32",
           "Where the images have fewer than `min-tiles` 4x4 output blocks, "
           "the smallest number of 2x2 blocks (all images) rewritten as "
           "F(2x2, 3x3) instead: its transformed filter is 16/9 of the "
           "weight, read once for that many columns (ResNet-50's 14x14 at "
           "batch 1: 49 blocks)">,
    Option<"maxTransformedMiB", "max-transformed-mib", "int64_t",
           /*default=*/"256",
           "Largest transformed input [36, C, tiles] rewritten, in MiB (as "
           "f32): a bound on the memory of the transforms, which run on "
           "whole tensors, not a measured speed limit (256 -> 64 channels "
           "at 80x80, 8 images, 112.5 MiB, pays)">,
    Option<"bf16Operands", "bf16", "bool", /*default=*/"true",
           "Take convolutions of bf16 input and weight (false where bf16 "
           "products run on AMX tiles, whose bf16 throughput is far above "
           "the 4x that Winograd saves in f32)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect",
    "::mlir::memref::MemRefDialect",
  ];
}

def AutoGLMWindowKernels
    : Pass<"autoglm-window-kernels", "func::FuncOp"> {
  let summary = "Rewrite depthwise convolutions and poolings on tensors as "
                "direct kernels vectorized along the output row";
  let description = [{
    On tensors, before --autoglm-tile-kernel-regions. Each
    `linalg.depthwise_conv_2d_nchw_chw`, `linalg.pooling_nchw_max` and
    `linalg.pooling_nchw_sum` of static float shapes, a constant fill as
    its init and a column stride of at most 4 becomes an `scf.forall` over
    (image, channel) marked `autoglm.kernel = "depthwise"` (or
    `"pooling"`): R output rows x B vectors of the vector width per step,
    each tap a row read (masked past the row's end; a strided row read wide
    and shuffled) folded into the accumulators: times a broadcast weight
    with `vector.fma`, or with `arith.maximumf` / `arith.addf`. The
    padding the lowering adds (zeros; a pooling's identity) is read in
    place of the padded copy. The all-parallel generic that updates the
    result in place (bias, activation, residual) is applied to the
    vectors before they are stored. Other such ops keep the loop nest.
  }];
  let options = [
    Option<"vectorBits", "vector-bits", "unsigned", /*default=*/"0",
           "Vector register width in bits (0: the host's, 512 with AVX-512, "
           "256 with AVX, 128 otherwise)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def AutoGLMTileAndVectorizeContractions
    : Pass<"autoglm-tile-and-vectorize-contractions", "func::FuncOp"> {
  let summary = "Tile matrix products on buffers for caches and registers, "
                "and vectorize the register tiles";
  let description = [{
    For `linalg.matmul` and `linalg.batch_matmul` on buffers with static
    shapes: a cache-level tiling into `scf.parallel` blocks (rows x columns)
    and an `scf.for` over K blocks, then a register-level tiling into
    `mr x nr x 1` tiles whose partial tiles are peeled off (so every tile
    has a static shape), vectorization of each tile into `vector.contract`,
    hoisting of the accumulator out of the K loop, and lowering of the
    contraction to broadcasts and FMAs (outer products). `mr x nr` is chosen
    from the vector width so the accumulator fits in the register file.
    No column tile is wider than a vector without being a whole number of
    vectors (LLVM lowers such a vector lane by lane): a block whose last
    two-vector tile would be (N = 212: 6 x 32 + 20) is split there and its
    rest takes one-vector tiles and a narrower remainder (16 + 4), as does a
    block narrower than two vectors (25 = 16 + 9); where three-vector tiles
    leave a remainder narrower than a vector (49 = 48 + 1) the block takes
    them instead.

    Each step of a tile's K loop also prefetches the row of B's panel
    `prefetch-distance` rows ahead (`memref.prefetch`): B's rows are N
    elements apart, a page apart for wide products, where the hardware
    prefetchers do not follow. A line a prefetch, and where the rows are no
    whole number of 64-byte lines long (196 floats at 14x14) the tile's
    last column too: its piece of a row then spans one line more. The
    same holds for the lines of C and of a residual prefetched before a
    tile's K loop.
    A product of at most one register tile of rows (a decoder step's
    matrix-vector products) gets K blocks of 32 rows with its column tiles
    inside instead, so that each K block walks its rows of B along N; its
    K loops prefetch the same row of B `prefetch-columns` columns ahead,
    as do K loops of at most `2 * prefetch-distance` steps (1x1
    convolutions of few input channels), whose rows ahead would mostly
    lie past the loop. Where A is a weight (a view of a global: a
    convolution's), each step also prefetches a line of the next row
    tile's A at its column, on row `k mod mr` (`prefetch-weight-rows`);
    and a tile whose tail reads an operand of the tile's shape (a
    residual) prefetches that operand's lines before its K loop. A tall
    product's tiles (`autoglm.tall_tiles`) cut into K blocks prefetch
    into L2 their share of B's next K block instead, each row tile of a
    block a different run of its rows, so that the block after arrives at
    the pace the product reads it and not all at once in its first tile.

    A product right after a `linalg.fill` of +0 of its whole accumulator
    (with nothing in between that touches memory) starts its register tiles
    from zero in registers, in its first K block (an `scf.if` on the K-block
    loop's first iteration where there are several), and the fill is
    erased once every tile does.

    The elementwise generic right after a product that updates its float
    accumulator in place (a kernel region's tail: bias, activation,
    residual, its inputs read at projections of the output's indices, its
    body arith and math ops) is cut to the product's register tiles where
    their K loops cover all of K: each piece runs right after its tile's K
    loop, the accumulators forwarded to it in registers, and the tile is
    stored once. Where a loop over several K blocks holds the tiles, the
    tail stays after the product.

    `linalg.depthwise_conv_2d_nchw_chw`, `linalg.pooling_nchw_max` and
    `linalg.pooling_nchw_sum` become generics whose innermost loop runs
    along the output row, which LLVM vectorizes.
  }];
  let options = [
    Option<"vectorBits", "vector-bits", "unsigned", /*default=*/"0",
           "Vector register width in bits that selects the register tile "
           "(0: the host's, 512 with AVX-512, 256 with AVX, 128 otherwise)">,
    Option<"prefetchDistance", "prefetch-distance", "unsigned",
           /*default=*/"16",
           "Rows of B ahead of the K loop to prefetch (0: none)">,
    Option<"prefetchColumns", "prefetch-columns", "unsigned",
           /*default=*/"64",
           "Columns of B ahead along its row that the K loop of a product "
           "of few rows prefetches (0: none)">,
    Option<"prefetchStream", "prefetch-stream", "unsigned",
           /*default=*/"4096",
           "Bytes ahead that a product reading a weight packed into column "
           "panels prefetches into L2 along the panels (0: none)">,
    Option<"prefetchWeightRowsAhead", "prefetch-weight-rows", "bool",
           /*default=*/"true",
           "The K loop of a product whose A is a weight (a convolution's) "
           "prefetches the next row tile's rows of A, one line a step">,
  ];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def AutoGLMPackInt8Products
    : Pass<"autoglm-pack-int8-products", "func::FuncOp"> {
  let summary = "Pack the constant weights of uint8 x int8 products for "
                "AVX-512 VNNI or AVX2";
  let description = [{
    On tensors. A `linalg.matmul` of an i8 value widened with `extui` by a
    constant i8 weight widened with `extsi` (what int8 precision makes),
    with K a multiple of `group` (G) and N of the kernel's lanes (16 for
    G = 4, 8 for G = 2), becomes one `linalg.generic` over (m, n, kk, j)
    on A viewed as `[M, K/G, G]` and the weight packed at compile time as
    `Wp[kk, n, j] = W[G kk + j, n]`, marked `autoglm.vnni`; the widening
    generics go. --autoglm-vnni-contractions lowers it: G = 4 on AVX-512
    VNNI's `vpdpbusd`, G = 2 on AVX2's `vpmaddwd`.
  }];
  let options = [
    Option<"group", "group", "int64_t", /*default=*/"4",
           "K values per 32-bit lane: 4 (vpdpbusd) or 2 (vpmaddwd)">,
    Option<"amx", "amx", "bool", /*default=*/"false",
           "Pad to whole AMX tiles (group 4): K to a multiple of 64 (A with "
           "zeros, Wp with zero weights) and M to 16 (C's extra rows cut "
           "off), for --autoglm-amx-contractions">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def AutoGLMPackInt8Convolutions
    : Pass<"autoglm-pack-int8-convolutions", "func::FuncOp"> {
  let summary = "Rewrite uint8 x int8 convolutions as im2col panels in "
                "the AVX-512 VNNI or AVX2 layout";
  let description = [{
    On tensors, after --autoglm-tile-kernel-regions. A
    `linalg.conv_2d_nchw_fchw` of one image on i32 whose input is a
    uint8 value widened with `extui`, less a constant zero point zx in
    [0, 255], padded with 0, and whose constant weight fits int8 (what
    QLinearConv, ConvInteger and QDQ Conv import as) becomes: the uint8
    input padded with zx (channels up to a multiple of 4 too), an im2col
    gather into `col[KH*KW*C/4, P, 4]` (P = OH*OW rounded up to 16, to 32
    past 32), the
    weight reordered at compile time as int8 `W'[F, KH*KW*C/4, 4]`, and
    one generic over (f, p, kk, j) marked `autoglm.vnni` whose
    accumulator starts at `-zx * sum(w[f])`. The int32 result is the same,
    bit for bit. --autoglm-vnni-contractions lowers the product. With
    `group=2` (AVX2's `vpmaddwd`) the panels hold 2 channels per lane
    instead of 4 (channels padded to a multiple of 2).
  }];
  let options = [
    Option<"group", "group", "int64_t", /*default=*/"4",
           "Channels per 32-bit lane: 4 (vpdpbusd) or 2 (vpmaddwd)">,
    Option<"amx", "amx", "bool", /*default=*/"false",
           "Pad to whole AMX tiles (group 4): F and KH*KW*C/4 to multiples "
           "of 16 (zero weights; col's extra rows are never written), for "
           "--autoglm-amx-contractions">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def AutoGLMGroupInt8Epilogues
    : Pass<"autoglm-group-int8-epilogues", "func::FuncOp"> {
  let summary = "Group each packed int8 product with the elementwise "
                "generics that finish it, for the memory planner";
  let description = [{
    On buffers, after bufferization and before memory planning. Each
    `autoglm.vnni` generic whose int32 result C is read only by a chain of
    elementwise generics that --autoglm-amx-contractions and
    --autoglm-vnni-contractions can run in the product's kernel (the cast
    to f32, scales, bias, activation, the quantization for the next
    product and its cast to 8 bits; lib/Target/CPU/Int8Epilogue.h says
    which) is moved with the chain into one `scf.execute_region` marked
    `autoglm.int8_epilogue`, where the chain's last generic was. The
    memory planner then keeps every buffer of the group live at once, so
    the chain's result does not take the bytes of the product's
    activation or of C. The kernel passes inline the groups.
  }];
  let dependentDialects = [
    "::mlir::scf::SCFDialect",
  ];
}

def AutoGLMAmxContractions
    : Pass<"autoglm-amx-contractions", "func::FuncOp"> {
  let summary = "Lower the packed uint8 x int8 products to AMX tile loops";
  let description = [{
    On buffers, before --autoglm-vnni-contractions, on a CPU with AMX-INT8.
    Each `autoglm.vnni` generic packed with 4 bytes per lane (A:
    `MxK/4x4xi8`, Wp: `K/4xNx4xi8`, C: `MxNxi32`, identity layouts, N a
    multiple of 16) becomes an `scf.parallel` over blocks of 32 columns
    and 32 rows of C (the larger dimension's blocks outer), each block 2 x 2 accumulator tiles of 16 rows
    by 16 int32 columns (`amx.tile_load` from C; `amx.tile_zero` where a
    `linalg.fill` of 0 of all of C comes right before the product, and
    tiles loaded from an M x 16 buffer of the row values where a generic
    writing one value per row into all of C does: that op goes), an
    `scf.for` over K in
    steps of 64 bytes that loads 2 tiles of A (16 rows x 64 bytes) and 2
    of Wp (16 groups of K x 64 bytes, the packed layout as it is) and
    multiplies them with 4 `amx.tile_muli`, then K's rest (K/4 mod 16
    groups) with narrower tiles, and `amx.tile_store` to C. A last block of
    fewer rows uses tiles of 16 and the rest; an odd number of 16-column
    tiles ends with a one-column-tile block. The unsigned operand is the
    one the generic widens with `extui` (`zext` on that side of
    `amx.tile_muli`). Other generics stay for --autoglm-vnni-contractions.

    With `epilogues`, the elementwise generics that finish C (its cast to
    f32, scales, bias, activation, the quantization for the next product
    and its cast to 8 bits: lib/Target/CPU/Int8Epilogue.h says which) run
    in the block after the tiles are stored, on the block's rows of C
    read back as vectors of 16 int32 values, and write only the last
    generic's result; the generics are erased.
  }];
  let options = [
    Option<"epilogues", "epilogues", "bool", /*default=*/"true",
           "Run the elementwise generics that finish each product's int32 "
           "result on each block, after its K loop">,
  ];
  let dependentDialects = [
    "::mlir::amx::AMXDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def AutoGLMAmxToLLVM : Pass<"autoglm-amx-to-llvm", "ModuleOp"> {
  let summary = "Convert amx tile operations and the loops that carry tiles "
                "to LLVM";
  let description = [{
    The `amx` dialect's operations become LLVM's AMX intrinsics
    (`llvm.x86.tileloadd64.internal`, `llvm.x86.tdpb[su][su]d.internal`,
    ...) and `scf` operations that carry `!amx.tile` values carry
    `!llvm.x86_amx` instead, with one LLVM type converter, so that
    convert-cf-to-llvm later sees only LLVM types on the branches. Memrefs
    and indices the operations use are reached through
    `unrealized_conversion_cast`s that the later conversions resolve. Runs
    before the other conversions to LLVM; does nothing to a module
    without tiles.
  }];
  let dependentDialects = [
    "::mlir::LLVM::LLVMDialect",
  ];
}

def AutoGLMVnniContractions
    : Pass<"autoglm-vnni-contractions", "func::FuncOp"> {
  let summary = "Lower the packed uint8 x int8 products to vpdpbusd or "
                "vpmaddwd loops";
  let description = [{
    On buffers. Each `autoglm.vnni` generic of
    --autoglm-pack-int8-products becomes an `scf.parallel` over register
    tiles of C (mr rows x nr columns, dividing M and N) with an `scf.for`
    over the packed K inside; the accumulators are loaded from C, or are
    zero vectors where a `linalg.fill` of 0 of all of C comes right before
    the product, or each row's value broadcast where a generic writing one
    value per row into all of C does (that op goes). With 4 bytes per lane (G = 4): nr of 64, 32
    or 16, mr of 4, 2 or 1, or 8 too with 32 or 16 columns; the body loads
    64 bytes of the packed weight per 16 columns, broadcasts 4 bytes of
    each row of A to 16 lanes and calls `llvm.x86.avx512.vpdpbusd.512` per
    accumulator. With 2 bytes per lane (G = 2, AVX2): nr of 24, 16 or 8,
    mr of 4, 2 or 1 (8 too with 8 columns); the body loads 16 bytes per 8
    columns and widens them to 16 bits, broadcasts 2 bytes of each row
    widened to 16 bits and calls `llvm.x86.avx2.pmadd.wd` (exact: each
    16-bit product is at most 255 x 128 and the pairs are summed in 32
    bits) before an add per accumulator. The unsigned operand
    is the one the generic widens with `extui`: A for products
    (activation rows), the loaded columns for --autoglm-pack-int8-convolutions
    (the weight rows are broadcast).

    With `epilogues`, the elementwise generics that finish C (its cast to
    f32, scales, bias, activation, the quantization for the next product
    and its cast to 8 bits: lib/Target/CPU/Int8Epilogue.h says which) run
    on each register tile's accumulators after the K loop, and only the
    last generic's result is stored; C is not written and the generics
    are erased.
  }];
  let options = [
    Option<"epilogues", "epilogues", "bool", /*default=*/"true",
           "Run the elementwise generics that finish each product's int32 "
           "result on its accumulators, after the K loop">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def AutoGLMWiden16BitProducts
    : Pass<"autoglm-widen-16bit-products", "func::FuncOp"> {
  let summary = "Run f16/bf16 products with a float32 accumulator on the "
                "float32 kernel, widening their operands into panels";
  let description = [{
    On buffers, before --autoglm-tile-and-vectorize-contractions. Each
    `linalg.matmul` / `linalg.batch_matmul` of static shape with f16 or
    bf16 operands and an f32 output (--precision=fp16|bf16) is cut into
    that pass's cache blocks: rows and columns in an `scf.parallel` (unless
    the product is one block already), each iteration allocating an f32
    panel of A (rows x Kc) and of B (Kc x columns), and an `scf.for` over
    K blocks that widens A's and B's block into the panels (`arith.extf`
    generics) and multiplies the panels with an f32 `linalg.matmul` /
    `linalg.batch_matmul` into C's block. A product whose panel would
    exceed 2 MiB (a dimension no block size divides) keeps its loop nest.

    With `bf16-dot`, a bf16 product whose K blocks are even and whose
    column blocks are multiples of 16 runs on AVX512_BF16's `vdpbf16ps`
    instead: per K block, B's block is packed into a bf16 panel with the
    rows of each pair interleaved, and register tiles (8 rows x 32 columns
    at most) accumulate in f32 vectors, one
    `llvm.x86.avx512bf16.dpbf16ps.512` per row and 16 columns for each
    pair of K, A's pair of a row broadcast to the 16 lanes.

    With `amx-bf16`, a bf16 product whose blocks are whole AMX tiles (rows
    and columns multiples of 16, Kc of 32) packs B's block the same way and
    runs on AMX tiles: 2 x 2 blocks of 16 x 16 f32 accumulator tiles
    (`amx.tile_load` from C), per 32 values of K 2 tiles of A (16 rows x 32
    bf16, read where A is) and 2 of the pairs, 4 `amx.tile_mulf`
    (tdpbf16ps), `amx.tile_store` to C.
  }];
  let options = [
    Option<"vectorBits", "vector-bits", "unsigned", /*default=*/"0",
           "Vector register width in bits that selects the cache blocks "
           "(0: the host's, 512 with AVX-512, 256 with AVX, 128 otherwise)">,
    Option<"bf16Dot", "bf16-dot", "bool", /*default=*/"false",
           "Run bf16 products on vdpbf16ps (the target CPU has "
           "AVX512_BF16)">,
    Option<"amxBf16", "amx-bf16", "bool", /*default=*/"false",
           "Run bf16 products whose blocks are whole AMX tiles (rows and "
           "columns multiples of 16, Kc of 32) on AMX-BF16 tiles (the "
           "target CPU has AMX-BF16)">,
  ];
  let dependentDialects = [
    "::mlir::amx::AMXDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def AutoGLMPadAliasedRows : Pass<"autoglm-pad-aliased-rows", "func::FuncOp"> {
  let summary = "Give an f32 activation whose rows are a multiple of 4 KiB "
                "long, read only as A of matrix products, 64 bytes of padding "
                "after each row";
  let description = [{
    On tensors, before `--autoglm-tile-kernel-regions`. A result of an
    `autoglm.fused` region of static f32 type whose last dimension is a
    multiple of 1024 elements, read by fused regions only as the first
    operand of `linalg.matmul` (past reshapes that keep the last
    dimension), is written into the first columns of a
    `bufferization.alloc_tensor` 16 elements wider: the `tensor.empty` at
    the start of its chain of destinations (past such reshapes, through
    each destination-style op's tied init) becomes an `extract_slice` of
    the wider tensor. Bufferization then gives its readers a strided view
    whose rows lie 4 KiB + 64 bytes apart, so that a register tile's rows
    of A do not all map to the same sets of the L1 cache.
  }];
  let dependentDialects = [
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def AutoGLMAlignProductRows
    : Pass<"autoglm-align-product-rows", "func::FuncOp"> {
  let summary = "Give an f32 activation read as B of matrix products rows of "
                "a whole number of 64-byte cache lines";
  let description = [{
    On tensors, before `--autoglm-tile-kernel-regions`. A result of an
    `autoglm.fused` region of static f32 type that other fused regions
    read as the second operand of `linalg.matmul` (past reshapes that keep
    B's rows, its trailing dimensions, whole: a convolution's pixels) and
    otherwise only as inputs of elementwise generics, and whose rows are no
    multiple of 16 elements long, is written into the first elements of
    each row of a `bufferization.alloc_tensor` whose rows are rounded up to
    a multiple of 16 (at most a quarter longer): the `tensor.empty` at the
    start of its chain of destinations becomes an `extract_slice` of the
    wider tensor (expanded back to its shape). Bufferization then gives its
    readers a strided view whose rows start on cache lines, so that a
    register tile's loads of a row of B do not straddle two lines.
  }];
  let dependentDialects = [
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def AutoGLMTileKernelRegions
    : Pass<"autoglm-tile-kernel-regions", "func::FuncOp"> {
  let summary = "Tile each fused region into the cache blocks of its matrix "
                "product on tensors, then inline it";
  let description = [{
    On tensors, before bufferization. For every `autoglm.fused` region
    (innermost first) whose single result is computed, past reshapes, by a
    `linalg.matmul` / `linalg.batch_matmul` of static shape or by an
    all-parallel generic updating such a product in place (the tail of a
    "contraction" region): the root op is tiled into the product's cache
    blocks (rows x columns, one image of a batch at a time; sizes that
    divide the dimensions, from the vector width; rows in blocks of 16
    where the product expands a short K, K <= 256 and M >= 4 K) with
    upstream tile-and-fuse into an `scf.forall` marked `autoglm.kernel = "<kind>"`,
    and the product and its `linalg.fill` are fused into it. Then the
    region's body is inlined into the function. Products outside regions
    are tiled the same way with their fill. The K dimension and the
    register tiles are left to `--autoglm-tile-and-vectorize-contractions`
    after bufferization. Before it is tiled, a region's `linalg.matmul`
    whose B is a constant f32 weight with rows a multiple of 1 KiB apart
    reads it through a view of a copy with 64 bytes of zeros after each
    row (rows that far apart share the L1 cache's sets). Where the product
    gets the tall register tiles (`autoglm.tall_tiles`) or has few rows,
    it reads such a weight packed into column panels one register tile
    wide instead, each block a loop over its panels. A tall block whose
    rows of A over all of K exceed `k-slice-above-bytes` runs that loop
    once per slice of `k-slice` rows of K (AVX-512; a divisor of K), in a
    loop over the slices: the slice of A stays in L2 while every panel
    reads it.

    The blocks are what the model's threads share, one parallel iteration
    each: `threads` (the thread count the model will run with) decides
    how a product's few blocks are cut so that the threads get equal
    shares (an even count on 2 threads, in column halves where two row
    blocks would have fewer than 4 register tiles each; on more, the row
    blocks that keep them busiest, none under 2^18 multiply-adds), in
    which order a weight's grid of blocks is dealt (on 2 threads, column
    blocks outermost where N > M: each thread half of the activations),
    how many im2col panels
    a convolution's slots have (at least 4, at most one a thread; built
    for more than 4 threads, one image of fewer row blocks than threads
    gets no panels: its whole im2col, and its product cut for all the
    threads; fewer images than threads get a slot per image and group of
    its row blocks), and
    whether a tall product's rows are cut in two (for two threads or
    more: each thread's rows; for one, all of them in one block).

    On AVX-512, an f32 product of more rows than a streamed weight's that
    does not get the tall tiles (a convolution's, attention's) is marked
    `autoglm.wide_tiles` (`wide-tiles`): its blocks, cut as for 8 x 32
    register tiles, take 8 x 48 ones, and 8 x 32 or 8 x 16 ones where
    their width leaves less than 48 columns.
  }];
  let options = [
    Option<"vectorBits", "vector-bits", "unsigned", /*default=*/"0",
           "Vector register width in bits that selects the tile sizes "
           "(0: the host's, 512 with AVX-512, 256 with AVX, 128 otherwise)">,
    Option<"threads", "threads", "int64_t", /*default=*/"2",
           "Threads the model will run with, which share the cache blocks">,
    Option<"kSlice", "k-slice", "int64_t", /*default=*/"-1",
           "Rows of K a tall product's block multiplies by all of its "
           "panels before the next (-1: the target's, 768 with AVX-512, "
           "none otherwise; 0: none)">,
    Option<"kSliceAboveBytes", "k-slice-above-bytes", "int64_t",
           /*default=*/"1048576",
           "A tall product's block runs K in slices where its rows of A "
           "over all of K have more bytes than this">,
    Option<"wideTiles", "wide-tiles", "bool", /*default=*/"true",
           "On AVX-512, f32 products of more rows than a streamed weight's "
           "(other than the tall ones) take register tiles three vectors "
           "wide (`autoglm.wide_tiles`)">,
  ];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def AutoGLMMemRefCopyToLinalg
    : Pass<"autoglm-memref-copy-to-linalg", "func::FuncOp"> {
  let summary = "Rewrite memref.copy as linalg.copy";
  let description = [{
    Bufferization copies into strided views (e.g. the interior of a padded
    buffer) with `memref.copy`, which the LLVM lowering turns into a call to
    MLIR's C runner library for non-contiguous layouts. As `linalg.copy` it
    becomes a plain loop nest instead, so compiled models need no library
    beyond libc and libm. A copy whose source and target are the same
    memory (reshapes of one view: an image's result computed in its batch
    loop slot, `--autoglm-cpu-batch-loop-in-place`) is erased.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def AutoGLMPadBorders : Pass<"autoglm-pad-borders", "func::FuncOp"> {
  let summary = "Write a constant tensor.pad's border and interior once each";
  let description = [{
    Rewrites each `tensor.pad` with static shapes and a constant padding
    value as `tensor.empty`, one `linalg.fill` per border slab (the low
    and high pads of each dimension, over the interior of the dimensions
    before it and all of the dimensions after it: disjoint, covering just
    the border) and a `tensor.insert_slice` of the source into the
    interior. With several planes (the last two dimensions, an image's H
    and W), the outer dimensions' slabs are filled first and then an
    `scf.forall` over the source's planes fills each plane's border and
    copies its interior, so that the side columns are written while the
    plane is in cache. One-shot bufferization lowers `tensor.pad` itself as
    a fill of the whole padded buffer followed by the interior's copy,
    writing the interior twice; after this pass the slabs bufferize in
    place as fills of subviews, and the interior is one copy. Runs before
    bufferization, after the passes that fold pads into their consumers'
    reads.
  }];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def AutoGLMCPUAttentionCache
    : Pass<"autoglm-cpu-attention-cache", "func::FuncOp"> {
  let summary = "Top-k attention regions take a decoder cache's parts, not "
                "its concatenated and transposed copies";
  let description = [{
    On tensors, before the common lowering: a top-k attention region whose
    keys and values are computed, each the same way, as `Concat(past, new)`
    along the sequence and/or a transpose to heads `[0, 2, 1, 3]` (after a
    reshape to heads) takes the parts as inputs and makes the
    concatenation and transpose in its own body, where the lowering of
    top-k attention reads each row from its part in place instead
    (AttentionCache.cpp). Page bounds made as the caller's bounds with the
    new keys' pages replaced (`Concat(Slice(given), fresh)`, page mode)
    are taken as `given` and `fresh` the same way. The copies outside go
    once unread.
  }];
}

def AutoGLMCPUBatchLoop : Pass<"autoglm-cpu-batch-loop", "func::FuncOp"> {
  let summary = "Run a CNN's first layers image by image, in an scf.for "
                "over the batch";
  let description = [{
    On the kernels (`autoglm.fused` regions), before the common lowering.
    The longest run of kernels from the top of the function (constants
    aside) that compute each image of a batch of N x C x H x W tensors
    from that image alone (convolutions, pooling, batch normalization,
    concatenation along another axis, elementwise ops whose other operands
    broadcast), read only the model's batch inputs, each other's results
    and constants, and each touch at least `min-image-bytes` of activations
    per image and has at most `max-weight-ratio` times their bytes of
    weights (built for 3 or 4 threads: at most a quarter), while the run's
    weights take at most `max-loop-weight-bytes` in all, becomes an
    `scf.for` over the images (marked `autoglm.batch_loop`): each
    iteration takes its image of the inputs by `tensor.extract_slice`,
    runs the kernels on 1 x C x H x W tensors and writes the results that
    later ops read into their slots of whole-batch tensors carried by the
    loop (`tensor.insert_slice`). A run of fewer than two kernels, or a
    batch of 1, is left alone. An image's activations then stay in cache
    from one kernel to the next, where a batch's do not
    (docs/decisions.md, "A CNN's first layers image by image"). Built for
    more than 4 threads (`threads`) nothing changes: each kernel in the
    loop would have one image's parallel work for all the threads.
  }];
  let options = [
    Option<"threads", "threads", "int64_t", /*default=*/"1",
           "Threads the model will run with (more than 4: no loop)">,
    Option<"minImageBytes", "min-image-bytes", "int64_t",
           /*default=*/"262144",
           "A kernel joins the loop when its largest activation (input or "
           "result) of one image has at least this many bytes">,
    Option<"maxWeightRatio", "max-weight-ratio", "int64_t",
           /*default=*/"16",
           "... and its weights at most this many times the bytes of its "
           "activations of one image">,
    Option<"lanes", "lanes", "bool", /*default=*/"true",
           "Built for several threads that divide the batch, deal the "
           "images to lanes, a thread each (autoglm.batch_lanes)">,
    Option<"maxLoopWeightBytes", "max-loop-weight-bytes", "int64_t",
           /*default=*/"16777216",
           "... while the loop's kernels' weights, which each image reads "
           "again, take at most this many bytes in all">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def AutoGLMCPUBatchLanes : Pass<"autoglm-cpu-batch-lanes", "func::FuncOp"> {
  let summary = "Run a batch loop's lanes of images on the runtime's threads";
  let description = [{
    On buffers, after `--autoglm-plan-memory` (which gave each buffer of
    the body a copy per lane, image n using copy n mod lanes) and before
    `--autoglm-parallel-loops-to-runtime`. A loop of
    `--autoglm-cpu-batch-loop` marked `autoglm.batch_lanes` = L, counting
    its images from 0 one by one, whose body yields its carried
    whole-batch buffers unchanged, becomes an `scf.parallel` over the L
    lanes around an `scf.for` over the lane's images (from the lane, step
    L), the carried buffers used directly. The runtime then runs a lane a
    thread, and each kernel of the body on its lane's thread alone (its
    own parallel loops are nested, and run in order). Any other loop is
    left as it is.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::scf::SCFDialect",
  ];
}

def AutoGLMCPUAccumulateResiduals
    : Pass<"autoglm-cpu-accumulate-residuals", "func::FuncOp"> {
  let summary = "Let a convolution's region accumulate onto the residual "
                "its tail adds, in the residual's buffer";
  let description = [{
    On tensors, before `--autoglm-tile-kernel-regions`. In a "contraction"
    region whose product (`linalg.matmul` or `linalg.batch_matmul` of a
    constant weight as A: a convolution's) starts from a zero fill and
    whose tail (the elementwise generic that updates
    the product in place) adds an input of the product's shape read at
    the same element (a residual) to a sum of the accumulator and other
    inputs (a bias), the product starts from the residual instead of the
    fill and the tail no longer reads it: `relu(x * w + b + r)` becomes
    `relu((r + x * w) + b)`. Only where the residual reaches the region as
    one argument, read there by the tail alone, is no argument of the
    function, and nothing after the region reads it (or what it views):
    one-shot bufferization then computes the product in the residual's
    buffer. The additions are reordered, within float32 rounding.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def AutoGLMCPUBatchLoopInPlace
    : Pass<"autoglm-cpu-batch-loop-in-place", "func::FuncOp"> {
  let summary = "Compute a batch loop's escaping results in their slots of "
                "the whole-batch tensors";
  let description = [{
    On tensors, after `--autoglm-tile-kernel-regions` (the kernels'
    regions inlined) and before bufferization. For each result that a
    loop of `--autoglm-cpu-batch-loop` inserts into its carried
    whole-batch tensor (`tensor.insert_slice` into the loop's iteration
    argument, yielded), the `tensor.empty` at the start of the result's
    chain of destinations (back through reshapes, each destination-style
    op's and each `scf.forall`'s tied init; every value on the way read
    once) becomes an `extract_slice` of the carried tensor at the slot,
    reshaped back through the chain's reshapes. One-shot bufferization
    then computes the image's result in its slot, and the insert's copy
    copies the slot onto itself (`--autoglm-memref-copy-to-linalg` erases
    it), where the result had a buffer of its own and was copied into the
    slot.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

def AutoGLMSelectConstantBounds
    : Pass<"autoglm-select-constant-bounds", "func::FuncOp"> {
  let summary = "Run maximumf / minimumf against a constant as a compare "
                "and a select";
  let description = [{
    `arith.maximumf(x, c)` and `arith.minimumf(x, c)` with `c` a constant
    (scalar or splat) that is not NaN (ReLU, ReLU6, Clip) become
    `arith.cmpf olt (ogt) x, c` and `arith.select` of `c` or `x`. A NaN `x`
    still gives NaN, as the ops' IEEE semantics do, and the select is the
    form x86's `maxps` / `minps` compute in one instruction, where the ops
    take three (max, an unordered compare, a blend). A zero result may have
    the other sign when `x` and `c` are zeros of opposite signs.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def AutoGLMFlattenEmptyArguments
    : Pass<"autoglm-flatten-empty-arguments", "func::FuncOp"> {
  let summary = "Pass tensors with no elements as one-dimensional buffers";
  let description = [{
    func-to-llvm's bare-pointer calling convention refuses a memref argument
    with no elements unless only its leading dimension is 0 (the identity
    layout of `memref<2x0x4xf32>` has no strides to read), and the function
    then stays `func.func`, which LLVM IR cannot translate. A model may
    still take or give such a tensor (an input reduced over an empty axis).
    Each such argument becomes `memref<0xT>`, viewed as its shape by a
    `memref.reinterpret_cast` with row-major strides, so the signature keeps
    one pointer per tensor and nothing else changes.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def AutoGLMVectorizeRows : Pass<"autoglm-vectorize-rows", "func::FuncOp"> {
  let summary = "Run non-contraction linalg ops on buffers along vector rows";
  let description = [{
    For static linalg ops on buffers other than contractions and
    convolutions whose operands index the last loop dimension contiguously
    (their innermost index, unit stride) or not at all; an operand that
    indexes it may also be a view of stride 2 to 4 (Winograd's tile
    windows), read as a masked load of the registers under its lanes and a
    shuffle, written as a shuffle and a masked store. A row shorter than
    256 elements first joins the dimensions before it that every operand
    reads contiguously (a [1, C, 28, 28] op runs C rows of 784), while 32
    rows are left outside it. Then the outer
    dimensions become one row per iteration (`scf.parallel`), the row an
    `scf.for` over chunks of the vector width with the partial chunk peeled
    off, and every tile is vectorized with `linalg::vectorize`. A reduction
    along the row keeps a vector accumulator across the chunks and reduces
    it horizontally once per row. An all-parallel op whose operands swap
    its last two dimensions (a transpose) is tiled into square tiles of the
    vector width (32-bit elements), transposed in registers. The vector
    math ops become MLIR's polynomial approximations (no libm call in the
    rows).

    First, a `linalg.copy` with extents known at run time only (a
    convolution's kernel tap into its im2col panel, the part of its rows
    inside the image) whose source is a view of every 1st to 4th element of
    unit-stride rows and whose target rows are contiguous runs as loops
    over its rows, each row a vector width at a time: one read of the
    span the vector's elements cover, masked to the row's end, a shuffle
    of every stride-th lane, and a masked write (RowCopies.h).
  }];
  let options = [
    Option<"vectorBits", "vector-bits", "unsigned", /*default=*/"0",
           "Vector register width in bits that sets the lanes of a row "
           "(0: the host's, 512 with AVX-512, 256 with AVX, 128 otherwise)">,
  ];
  let dependentDialects = [
    "::mlir::affine::AffineDialect", "::mlir::arith::ArithDialect",
    "::mlir::math::MathDialect", "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect", "::mlir::vector::VectorDialect",
  ];
}

#endif // AUTOGLM_TARGET_PASSES_TD
