//===- Passes.td - AutoGLM graph passes -------------------*- tablegen -*-===//
//
// Every pass of the compiler is declared here and lives in passes/<Name>.cpp.
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

#endif // AUTOGLM_PASSES_TD
