//===- Passes.td - AutoGLM graph and buffer passes --------*- tablegen -*-===//
//
// The target-independent passes of the compiler, each in passes/<Name>.cpp:
// the graph passes on the autoglm dialect, and the buffer passes that every
// target's code generation runs after bufferization. Target passes are
// declared in lib/Target/<target>/Passes.td.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_PASSES_TD
#define AUTOGLM_PASSES_TD

include "mlir/Pass/PassBase.td"

def InferShapes : Pass<"autoglm-infer-shapes", "ModuleOp"> {
  let summary = "Propagate static shapes through a function";
  let description = [{
    Re-runs each op's type inference in program order and refines result
    types wherever inference knows more than the IR says (a static dimension
    where the IR has `?`): the bodies of `autoglm.fused` ops follow their
    inputs, function result types follow what the functions return, and
    `func.call` results follow their callees, until nothing changes. Run it
    after changing argument types, e.g. after specializing symbolic input
    dimensions; ops whose inference contradicts their declared type are
    reported.
  }];
  let dependentDialects = ["::mlir::autoglm::AutoGLMDialect",
                           "::mlir::func::FuncDialect"];
}

def Fuse : Pass<"autoglm-fuse", "::mlir::func::FuncOp"> {
  let summary = "Fuse operators: recognised patterns and elementwise clusters";
  let description = [{
    Pattern fusions first: GELU from its erf and tanh forms into
    `autoglm.gelu`, LayerNorm from ReduceMean/Sub/Pow/Sqrt/Div/Mul/Add into
    `autoglm.layer_norm`, `softmax(Q·Kᵀ·scale + mask)·V` into
    `autoglm.attention`, and each float matmul/conv with its elementwise
    tail (bias, activation, residual add) into an `autoglm.fused
    "contraction"` op whose lowering computes the tail in one loop writing
    the contraction's result. Then cluster fusion: chains of elementwise ops,
    possibly ending in a reduction, become `autoglm.fused "elementwise"` /
    `"reduction"` ops that lower to one loop nest. An intermediate value
    used outside the chain stops a match. The rules live in passes/fusion/;
    `--print-optimization-report` lists what fired, by ONNX node.
  }];
  let options = [
    Option<"patterns", "patterns", "bool", /*default=*/"true",
           "Apply the pattern fusions (GELU, LayerNorm, attention, contraction epilogues)">,
    Option<"clusters", "clusters", "bool", /*default=*/"true",
           "Form elementwise/reduction clusters">,
  ];
  let dependentDialects = ["::mlir::autoglm::AutoGLMDialect"];
}

def MergeSiblingMatMuls
    : Pass<"autoglm-merge-sibling-matmuls", "::mlir::func::FuncOp"> {
  let summary = "Products of one input by constant weights become one product";
  let description = [{
    After fusion: `autoglm.matmul` ops of the function body (not inside a
    fused region) that share their left operand and whose right operands
    are 2-D float constants of one element type and row count, with the
    same accumulator type (a transformer's query, key and value
    projections), become one product of the weights concatenated along
    their columns at compile time, each old result an `autoglm.slice` of
    the new one. On a GPU at small batches one large product keeps the
    machine busier than three small ones. With `int8`, int8 products
    (`--precision=int8` for CUDA) merge too, each int32 slice then
    dequantized by its own scales; the CPU's int8 kernels are not measured
    with merged products, so it does not ask for it.
  }];
  let options = [
    Option<"int8", "int8", "bool", /*default=*/"false",
           "Merge int8 products (int8 weights) too">,
  ];
  let dependentDialects = ["::mlir::autoglm::AutoGLMDialect"];
}

def IntegerQdqProducts : Pass<"autoglm-integer-qdq-products", "ModuleOp"> {
  let summary = "Run the products of QDQ-quantized models as integer products";
  let description = [{
    A MatMul whose activation is `dequantize(quantize(x))` with per-tensor
    8-bit parameters and whose weight is a constant 8-bit tensor behind a
    `dequantize` (per tensor or per output column) is what ONNX's QDQ format
    (ONNX Runtime's `quantize_static`) writes for an int8 product. It
    becomes `x` quantized to uint8, a uint8 x int8 `autoglm.matmul` with i32
    accumulation, the zero points' share subtracted in i32 and one multiply
    by the per-column scale products: the form of the int8 precision mode's
    products, which the CPU target runs on VNNI. int8 activations become
    uint8 (the same values plus 128); weights with zero points become int8
    less them where they fit, and otherwise keep them and subtract their
    share through the row sums of `x`. Products that do not match stay
    float products of dequantized values.
  }];
  let dependentDialects = ["::mlir::autoglm::AutoGLMDialect"];
}

def FoldConstants : Pass<"autoglm-fold-constants", "ModuleOp"> {
  let summary = "Evaluate constant subgraphs, fold batch norms into weights, "
                "remove dead and duplicate ops";
  let description = [{
    Computes at compile time what does not depend on the model's inputs:

    - Any autoglm op whose operands are all constants (`autoglm.constant`,
      `arith.constant`; dense or `dense_resource` values) is evaluated and
      replaced by an `autoglm.constant`: elementwise and broadcasting ops,
      cast, reshape, transpose, slice, concat, split, gather, pad, expand,
      tile, range, fill, reduce, arg_reduce and matmul. Results are rounded
      once to their element type (f16/bf16 through APFloat; integers wrap
      by their signedness). A result of more than `max-elements` elements
      is not materialized unless it is no larger than its largest constant
      operand (a transposed or cast weight does not grow the model), and
      integer division by zero or an out-of-range cast or index is left to
      run time.
    - `shape_of` of a statically shaped tensor becomes a constant, and a
      reshape/expand/fill whose shape operand is constant takes the static
      form.
    - `batch_norm` with constant parameters after a `conv` (with constant
      weights, and no other user) is folded into the convolution's weights
      and bias; after a matrix `matmul` (optionally `+ constant bias`) with
      constant weights whose columns are the norm's channels, into the
      weights and a bias add.
    - Dead ops are erased and duplicates merged (upstream CSE).

    Each rewrite is reported with its ONNX node names
    (`autoglm-opt --print-optimization-report`).
  }];
  let options = [
    Option<"maxElements", "max-elements", "int64_t", /*default=*/"1 << 20",
           "Largest result (in elements) to materialize when it is larger "
           "than its constant operands">,
    Option<"foldBatchNorms", "fold-batch-norms", "bool", /*default=*/"true",
           "Fold batch_norm into the preceding conv/matmul weights">,
    Option<"cse", "cse", "bool", /*default=*/"true",
           "Merge duplicate ops (upstream CSE) after folding">,
  ];
  let statistics = [
    Statistic<"numEvaluated", "evaluated-ops", "Ops evaluated into constants">,
    Statistic<"numShapes", "static-shapes", "Shape computations made static">,
    Statistic<"numBatchNorms", "folded-batch-norms",
              "Batch norms folded into weights">,
    Statistic<"numTooLarge", "over-max-elements",
              "Constant ops left alone for their size">,
    Statistic<"numDead", "dead-ops", "Dead ops erased">,
    Statistic<"numDuplicates", "duplicate-ops", "Duplicate ops merged">,
  ];
  let dependentDialects = ["::mlir::autoglm::AutoGLMDialect"];
}

def AssignPrecision : Pass<"autoglm-assign-precision", "ModuleOp"> {
  let summary = "Run contractions in f16 or bf16 with f32 accumulation";
  let description = [{
    With `precision=fp16` or `bf16`, every `matmul` and `conv` on f32
    tensors reads its operands in the narrow type and accumulates in f32
    (`accumulator_type = f32`, f32 result); every other op keeps computing
    in f32, so exp, softmax, erf, pow, reductions and normalizations stay
    exact as before. Narrowing casts go where a contraction reads a value
    and rise through data movement (reshape, transpose, expand, tile,
    concat; slice and gather of constants); constants are converted at
    compile time, and constant gather tables (embeddings) of 1024 elements
    or more are stored narrow and widened after the gather. A narrowing cast
    of a widening cast from the same type cancels. Integer, boolean and
    non-f32 tensors are never changed. `fp32` (the default) changes nothing.
    Runs before fusion, so a narrowing cast becomes part of a kernel region.
    `report` writes, as JSON, the precision of every op by ONNX node
    (`nodes`: node, op, precision and, for products, accumulator) and the
    casts between precisions (`casts`: the node whose value is converted,
    and to what). docs/precision.md describes the policy and its accuracy.

    `narrow-activations` (what `--target=cuda` asks for) keeps activations
    narrow between kernels: each narrowed product's result is rounded to
    the narrow type where an op that can compute narrow reads it, and a max
    pool, reshape, transpose or ReLU, Clip, Add, Sub, Mul, Max, Min, Neg or
    Abs whose float operands are all narrow values (or constants, converted
    at compile time) computes in the narrow type, its result widened only
    where an f32 op reads it. Each such op rounds its result once more than
    in f32, as frameworks running a model in f16 do; exp, softmax,
    normalizations and reductions still compute in f32.

    With `precision=int8`, every `matmul` of an f32 activation by a
    constant 2-D weight becomes an `i8 x i8 -> i32` product: the weight is
    quantized at compile time per output channel (symmetric), the
    activation per tensor with the threshold the `calibrator` takes from
    the `calibration` file's range (symmetric, clamped to +-127), and the
    result is scaled back to f32 per channel; everything else stays f32.
    The report gives each int8 product's activation threshold and scales.
    `int8-kernels=cuda` quantizes for cuBLASLt's int8 kernels instead:
    int8 activations (the same levels less 128), only the matmuls whose K
    and N are multiples of 4, and every other product (convolutions,
    attention, the matmuls left) in f16 on tensor cores, as TensorRT's
    int8 builds with f16 enabled do.

    With `precision=fp8`, every `matmul` of an f32 activation by a
    constant 2-D weight whose K and N are multiples of 16 becomes a
    product of float8 E4M3 values accumulating in f32, with the two
    scales as the matmul's `scale`: the activation per tensor (its
    calibrated threshold over 448, the cast saturating), the weight per
    tensor (its largest magnitude over 448; products that read one
    activation share it). With `int8-kernels=cuda` everything else runs
    in f16, as for int8.

    `keep` lists ONNX nodes whose products stay f32 (what
    `--accuracy-budget` chose). `toggles` builds the budget's sensitivity
    model instead: each product it would lower also computes in f32, and a
    float32 [1] input `autoglm.toggle:<node>` per node selects the lowered
    result (1) or the f32 one (0). `sensitivity` is the budget's measured
    errors (JSON from autoglm-opt), added to the report per node.
    `picture` draws the report as SVG: the layers in order, coloured by
    precision, with the measured error bars.
  }];
  let options = [
    Option<"precision", "precision", "std::string", /*default=*/"\"fp32\"",
           "fp32 (nothing changes), fp16, bf16, int8 or fp8">,
    Option<"report", "report", "std::string", /*default=*/"",
           "Write each ONNX node's precision to this JSON file">,
    Option<"calibration", "calibration", "std::string", /*default=*/"",
           "int8: the activation ranges (autoglm-run --calibrate's JSON)">,
    Option<"calibrator", "calibrator", "std::string",
           /*default=*/"\"minmax\"",
           "int8: how a range becomes a clipping threshold: minmax (the "
           "largest |x| seen), percentile or entropy (least KL divergence)">,
    Option<"percentile", "percentile", "double", /*default=*/"99.99",
           "int8 with calibrator=percentile: the percentile of |x| kept">,
    ListOption<"keep", "keep", "std::string",
               "ONNX nodes whose products stay f32">,
    Option<"toggles", "toggles", "bool", /*default=*/"false",
           "Build the sensitivity model: every lowered product also in f32, "
           "chosen per node by an input autoglm.toggle:<node>">,
    Option<"sensitivity", "sensitivity", "std::string", /*default=*/"",
           "The accuracy budget's measurements (JSON), for the report">,
    Option<"picture", "picture", "std::string", /*default=*/"",
           "Draw the report as SVG to this file">,
    Option<"int8Kernels", "int8-kernels", "std::string",
           /*default=*/"\"cpu\"",
           "int8: the kernels the products are quantized for: cpu (uint8 "
           "activations, matmuls and convolutions) or cuda (int8 "
           "activations, matmuls with K and N multiples of 4; the other "
           "products in f16)">,
    Option<"narrowActivations", "narrow-activations", "bool",
           /*default=*/"false",
           "fp16/bf16: a product's result is rounded to the narrow type, and "
           "the max pools, data movement and elementwise arithmetic (ReLU, "
           "Clip, Add, Sub, Mul, Max, Min, Neg, Abs) whose float inputs "
           "are all narrow (or constants) compute in it: activations "
           "between kernels take half the bytes">,
  ];
  let dependentDialects = ["::mlir::autoglm::AutoGLMDialect"];
}

def InstrumentCalibration : Pass<"autoglm-instrument-calibration",
                                 "ModuleOp"> {
  let summary = "Return every value an int8 product would read";
  let description = [{
    The calibration build of `--precision=int8`: each float32 value that a
    quantizable product reads as its activation (the lhs of a `matmul` on a
    constant 2-D weight) becomes one more result of `@main`, named
    `calibration:<node>` after the first product that reads it. Running the
    compiled model with `autoglm-run --calibrate` measures their ranges,
    which `--autoglm-assign-precision{precision=int8}` reads by these names.
  }];
  let dependentDialects = ["::mlir::autoglm::AutoGLMDialect"];
}

def SparseAttention : Pass<"autoglm-sparse-attention", "ModuleOp"> {
  let summary = "Rewrite decode attention as top-k sparse attention";
  let description = [{
    Every `autoglm.attention` that is decode attention (at most
    `max-queries` queries against static keys, more keys than
    `k + sink + window`) becomes an `autoglm.topk_attention`: each query
    keeps the `sink` first keys, the `window` last keys it sees and the `k`
    best-scoring others (chosen per key/value head), and its softmax runs
    over those alone. Prefill and encoder attention (many queries), short
    key sets and dynamic shapes stay dense; the optimization report says
    which rule applied to each attention node. Runs after `--autoglm-fuse`,
    which recognises attention (docs/sparse-attention.md).

    With `mass` (the attention mass each node keeps at this budget on
    calibration data, as `autoglm-run --attention-mass` writes it), only
    the nodes whose mean kept mass is at least `min-mass` and whose 5th
    percentile is at least `min-p5` are rewritten (`--sparse-attention=auto`).
    `report` writes each attention node's decision and mass as JSON.

    With `page-size`, the rewrite chooses pages of keys (page granularity)
    from per-page key bounds kept beside the KV cache: for each key cache
    input `X` of the function the attention reads (as a whole, or followed
    by the step's new keys), the function gains the inputs `X.page_min` and
    `X.page_max` and, when new keys follow, the outputs `X.new_page_min`
    and `X.new_page_max`, the bounds of the pages that hold new keys,
    computed from them. Attention whose keys are not such a cache, or whose key
    length the page size does not divide, stays dense.
  }];
  let options = [
    Option<"topK", "k", "int64_t", /*default=*/"64",
           "Keys kept by score per query (besides sinks and window)">,
    Option<"sink", "sink", "int64_t", /*default=*/"4",
           "First keys always kept (attention sinks)">,
    Option<"window", "window", "int64_t", /*default=*/"16",
           "Last keys each query sees, always kept">,
    Option<"maxQueries", "max-queries", "int64_t", /*default=*/"16",
           "Attention with more queries than this (prefill) stays dense">,
    Option<"mass", "mass", "std::string", /*default=*/"",
           "The measured attention mass per node (JSON); rewrite only the "
           "nodes that keep enough of it">,
    Option<"minMass", "min-mass", "double", /*default=*/"0.90",
           "With mass: the least mean kept mass of a rewritten node">,
    Option<"minP5", "min-p5", "double", /*default=*/"0.80",
           "With mass: the least 5th percentile of kept mass of a "
           "rewritten node">,
    Option<"report", "report", "std::string", /*default=*/"",
           "Write each attention node's decision (and mass) as JSON">,
    Option<"pageSize", "page-size", "int64_t", /*default=*/"0",
           "Choose keys by pages of this many keys, from per-page key "
           "bounds that become inputs and outputs of the function (0: "
           "token by token)">,
  ];
  let dependentDialects = ["::mlir::autoglm::AutoGLMDialect",
                           "::mlir::func::FuncDialect"];
}

def InstrumentAttentionMass : Pass<"autoglm-instrument-attention-mass",
                                   "ModuleOp"> {
  let summary = "Return the query, key and mask of each decode attention";
  let description = [{
    The build `--sparse-attention=auto` measures on calibration data: the
    query, key and mask of every attention that `--autoglm-sparse-attention`
    with the same options would rewrite become extra results of @main,
    named `autoglm.attention-mass:query:<i>:<scale>:<causal>:<node>`,
    `...:key:<i>` and `...:mask:<i>`, which `autoglm-run --attention-mass`
    reads to compute the attention mass the budget keeps per query row.
    The original results keep their places. Runs where the sparse
    attention pass would, after `--autoglm-fuse`.
  }];
  let options = [
    Option<"topK", "k", "int64_t", /*default=*/"64",
           "Keys kept by score per query (besides sinks and window)">,
    Option<"sink", "sink", "int64_t", /*default=*/"4",
           "First keys always kept (attention sinks)">,
    Option<"window", "window", "int64_t", /*default=*/"16",
           "Last keys each query sees, always kept">,
    Option<"maxQueries", "max-queries", "int64_t", /*default=*/"16",
           "Attention with more queries than this (prefill) is not measured">,
  ];
}

def FormKernels : Pass<"autoglm-form-kernels", "::mlir::func::FuncOp"> {
  let summary = "Make every op that computes a kernel region of its own";
  let description = [{
    Wraps each autoglm op of the function body that is not already in an
    `autoglm.fused` region into a one-op `autoglm.fused` region whose kind
    is the op's name (`"matmul"`, `"transpose"`, ...), taking splat
    constants into the region. Constants and reshapes (which move no data)
    stay outside; so does a transpose that only moves dimensions of one
    element (a decoder step's query to heads), which becomes a reshape. Afterwards every kernel of the model is a region: the
    lowering converts region bodies in place, and code generation makes
    each region one loop nest (one launch on a GPU). Runs after the graph
    passes, so it never stands in the way of fusion.
  }];
  let dependentDialects = ["::mlir::autoglm::AutoGLMDialect"];
}

def InlineKernelRegions
    : Pass<"autoglm-inline-kernel-regions", "::mlir::func::FuncOp"> {
  let summary = "Inline every autoglm.fused region into its function";
  let description = [{
    Replaces each `autoglm.fused` region by its body, for a target whose
    code generation works on the region's ops one by one (the CPU inlines
    its regions itself, after tiling each into cache blocks). The region's
    ops keep their locations, so the ONNX node names go along.
  }];
}

//===----------------------------------------------------------------------===//
// Buffer passes: after bufferization, for every target
//===----------------------------------------------------------------------===//

def ResultsInPlace : Pass<"autoglm-results-in-place", "func::FuncOp"> {
  let summary = "Compute a result that is a reshape of a buffer the "
                "function allocates in its out-parameter, not in a copy";
  let description = [{
    After results became out-parameters (upstream's
    `buffer-results-to-out-params`, whose `hoist-static-allocs` handles a
    result that is itself an allocation), a result that is a
    `memref.collapse_shape` or `memref.expand_shape` (or a chain of them)
    of a static `memref.alloc` is still computed in that allocation and
    then copied into its out-parameter. Here the allocation becomes the
    inverse reshape of the out-parameter and the copy goes, when the copy
    is in the function's body, the out-parameter has no other use, and
    nothing touches the allocation after the copy. On CUDA each such copy
    was a step of the model's graph of its own (a decoder step's new key
    rows); on the CPU a memcpy of the output.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def ExternalizeWeights
    : Pass<"autoglm-externalize-weights", "ModuleOp"> {
  let summary = "Move the model's constant buffers into one weights image: "
                "a file, or one packed global";
  let description = [{
    After bufferization, writes the data of every constant `memref.global`
    of at least `min-bytes` that only `@main` reads into the weights file
    `file` (runtime/include/autoglm/model_abi.h describes its layout: a
    64-byte header, then each weight at a 64-byte aligned offset), gives
    `@main` a trailing `memref<N x i8>` argument for that data, and replaces
    each `memref.get_global` of a moved constant by a `memref.view` of the
    argument at the constant's offset. The globals are erased, so the
    compiled binary no longer holds the weights; the module gets an
    `autoglm.weights = #autoglm.weights<file, bytes, fingerprint>` attribute, which the
    model's entry function and descriptor are built from. Booleans (i1) take
    one byte each, as in memory. Does nothing when no constant qualifies.

    With `embed`, the same image (without the file's header) becomes one
    private constant `memref.global @__autoglm_weights : memref<N x i8>`
    whose value is a `dense_resource` blob, and the views read it through
    `memref.get_global` instead of an argument; `@main`'s signature and the
    module's attributes do not change. Code generation then translates one
    byte array instead of a nest of LLVM constants per weight, and the
    loops that read weights no longer name a global each, so identical
    kernels stay identical.

    With `embed` and `per-weight`, each constant becomes its own private
    byte global (`memref.global @__autoglm_weight : memref<N x i8>`, a
    `dense_resource` blob, 64-byte aligned) read through a view at offset
    0: still one byte array per weight for LLVM, and the entries of one
    artifact (`--batch-sizes`, sequence-length buckets), each compiled as a
    model of its own, then share every constant they have in common through
    LLVM's constant merging, even when another of their constants differs
    (a position table folded to each length).
  }];
  let options = [
    Option<"file", "file", "std::string", /*default=*/"",
           "The weights file to write (required unless embed)">,
    Option<"embed", "embed", "bool", /*default=*/"false",
           "Pack the constants into one global instead of a file">,
    Option<"perWeight", "per-weight", "bool", /*default=*/"false",
           "With embed: a byte global per constant instead of one packed "
           "global">,
    Option<"minBytes", "min-bytes", "int64_t", /*default=*/"1024",
           "Constants smaller than this stay in the binary">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::autoglm::AutoGLMDialect",
    "::mlir::memref::MemRefDialect",
  ];
}

def PlanMemory : Pass<"autoglm-plan-memory", "ModuleOp"> {
  let summary = "Place every intermediate buffer of @main in one arena";
  let description = [{
    After bufferization: computes the live range of each statically shaped
    `memref.alloc` at the top level of `@main` (from the first to the last
    top-level op that uses it or a view of it), lets an elementwise
    `linalg.generic`/`linalg.map` write its output over an input buffer that
    dies there (same size, identity maps, the input read by no other
    operand), and assigns each buffer an offset in one arena (greedy best
    fit in three priority orders, the smallest arena kept; 64-byte
    alignment). The allocs become
    `memref.view`s of a new trailing `memref<N x i8>` argument of `@main`,
    and the module gets `autoglm.workspace = #autoglm.workspace<bytes = N>`: the model's
    workspace, which the runtime allocates once per session or takes from
    the caller. `report` writes `arena_bytes`, `naive_bytes` (the sum of
    all buffers), `lower_bound_bytes` (the peak of simultaneously live
    bytes, after in-place reuse) and the largest buffers with their ONNX
    nodes, as JSON when the file name ends in `.json`, as text otherwise
    (`-`: standard error). `timeline` draws the plan as an SVG (steps to
    the right, offsets down). `max-arena-bytes` makes a larger arena an
    error.
  }];
  let options = [
    Option<"report", "report", "std::string", /*default=*/"",
           "Write the memory report to this file (.json: JSON; -: stderr)">,
    Option<"topBuffers", "top-buffers", "unsigned", /*default=*/"10",
           "How many of the largest buffers the report lists">,
    Option<"maxArenaBytes", "max-arena-bytes", "int64_t", /*default=*/"0",
           "Fail when the arena is larger (0: no budget)">,
    Option<"timeline", "timeline", "std::string", /*default=*/"",
           "Write an SVG picture of the plan (buffers over time and offset)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::autoglm::AutoGLMDialect",
    "::mlir::memref::MemRefDialect",
  ];
}

#endif // AUTOGLM_PASSES_TD
