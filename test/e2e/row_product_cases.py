"""Products of a few rows against constant weights (a decoder step's
projections), compiled by AutoGLM and checked against ONNX Runtime on the
CPU: with --target cuda they run on the row-product kernel
(lib/Target/CUDA/RowProducts.cpp, the weight stored N x K at compile
time), a warp per output column.

    row_product_cases.py DIR [--target cpu|cuda]

Each case is one MatMul (or Gemm) node `y = x · W` with W an initializer:
one row of SmolLM2's shapes (K 576 is 4.5 lane spans of 128 f32: the last
access of each lane half past the row), rows batched in leading
dimensions, K a multiple of 2 but not 4 (8-byte accesses), an odd K (one
element per access), odd N (a partial last block of columns), f16, and 9
rows (past the kernel's 8: cuBLASLt computes it), one row by 1000
columns (on the CPU two column blocks of 500, each 31 panels of 16 and
one of 4: WeightPanels.h), three and eight rows by 2304 columns, a Gemm
by 600 columns, and a residual stream
as a decoder layer's (each product added to what it was computed from; on
CUDA the second add runs in the product's kernel, the first, whose
residual is the product's own input, stays an add), and a SwiGLU (the
gate and up products of one row), and an RMS normalization read by two
products (one row, three rows, and as exporters decompose it; on CUDA
the norm runs in the products' kernels). Each
model runs twice,
the second run a CUDA graph replay into NaN-filled outputs. Prints `case
NAME: ok` per case that agrees within the tolerance; exits non-zero if any
does not. On the CPU the f16 case is not run (its products sum in 16
bits, ONNX Runtime's in f32) and says so."""
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from ort_case import check_on_target, target_arguments

args = target_arguments(__doc__)
rng = np.random.default_rng(18)


def product(x_shape, k, n, dtype=np.float32, gemm=False):
    onnx_type = TensorProto.FLOAT if dtype == np.float32 else TensorProto.FLOAT16
    w = (rng.standard_normal((n, k) if gemm else (k, n)) / np.sqrt(k)).astype(dtype)
    if gemm:
        node = helper.make_node("Gemm", ["x", "w"], ["y"], name="projection", transB=1)
        y_shape = [x_shape[0], n]
    else:
        node = helper.make_node("MatMul", ["x", "w"], ["y"], name="projection")
        y_shape = list(x_shape[:-1]) + [n]
    return graph_model([node], onnx_type, list(x_shape), y_shape, {"w": w}), x_shape, dtype


def graph_model(nodes, onnx_type, x_shape, y_shape, weights, opset=17):
    """A model of `nodes` from input x to output y, `weights` its initializers."""
    graph = helper.make_graph(
        nodes, "row_product", [helper.make_tensor_value_info("x", onnx_type, x_shape)],
        [helper.make_tensor_value_info("y", onnx_type, y_shape)],
        [numpy_helper.from_array(w, name) for name, w in weights.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return model


def residual_stream(shape, k):
    """y1 = h + h W1 with h = -x; y = y1 + tanh(y1) W2."""
    f = TensorProto.FLOAT
    w1, w2 = ((rng.standard_normal((k, k)) / np.sqrt(k)).astype(np.float32) for _ in range(2))
    nodes = [helper.make_node("Neg", ["x"], ["h"], name="h"),
             helper.make_node("MatMul", ["h", "w1"], ["p1"], name="p1"),
             helper.make_node("Add", ["h", "p1"], ["y1"], name="y1"),
             helper.make_node("Tanh", ["y1"], ["t"], name="t"),
             helper.make_node("MatMul", ["t", "w2"], ["p2"], name="p2"),
             helper.make_node("Add", ["y1", "p2"], ["y"], name="y")]
    return graph_model(nodes, f, list(shape), list(shape), {"w1": w1, "w2": w2}), shape, np.float32


def swiglu(shape, k, n):
    """y = silu(x Wg) * (x Wu): a decoder's gate and up projections."""
    f = TensorProto.FLOAT
    wg, wu = ((rng.standard_normal((k, n)) / np.sqrt(k)).astype(np.float32) for _ in range(2))
    nodes = [helper.make_node("MatMul", ["x", "wg"], ["g"], name="gate"),
             helper.make_node("Sigmoid", ["g"], ["s"], name="s"),
             helper.make_node("Mul", ["g", "s"], ["silu"], name="silu"),
             helper.make_node("MatMul", ["x", "wu"], ["u"], name="up"),
             helper.make_node("Mul", ["silu", "u"], ["y"], name="y")]
    y_shape = list(shape[:-1]) + [n]
    return graph_model(nodes, f, list(shape), y_shape, {"wg": wg, "wu": wu}), shape, np.float32


def normalized_projections(shape, k, n, decomposed=False):
    """y = n W1 + n W2 with n = RMSNormalization(x) * gamma: a decoder's
    norm before its projections (as one opset-23 node, or as exporters
    write it: x * 1 / sqrt(mean(x * x) + eps) * gamma)."""
    f = TensorProto.FLOAT
    gamma = (1 + 0.5 * rng.standard_normal(k)).astype(np.float32)
    w1, w2 = ((rng.standard_normal((k, n)) / np.sqrt(k)).astype(np.float32) for _ in range(2))
    weights = {"gamma": gamma, "w1": w1, "w2": w2}
    if decomposed:
        weights["eps"] = np.array(1e-5, np.float32)
        nodes = [helper.make_node("Mul", ["x", "x"], ["sq"], name="sq"),
                 helper.make_node("ReduceMean", ["sq"], ["ms"], name="ms", axes=[-1]),
                 helper.make_node("Add", ["ms", "eps"], ["shifted"], name="shifted"),
                 helper.make_node("Sqrt", ["shifted"], ["rms"], name="rms"),
                 helper.make_node("Div", ["x", "rms"], ["xn"], name="xn"),
                 helper.make_node("Mul", ["xn", "gamma"], ["n"], name="norm")]
        opset = 17
    else:
        nodes = [helper.make_node("RMSNormalization", ["x", "gamma"], ["n"], name="norm",
                                  epsilon=1e-5)]
        opset = 23
    nodes += [helper.make_node("MatMul", ["n", "w1"], ["p1"], name="p1"),
              helper.make_node("MatMul", ["n", "w2"], ["p2"], name="p2"),
              helper.make_node("Add", ["p1", "p2"], ["y"], name="y")]
    y_shape = list(shape[:-1]) + [n]
    return graph_model(nodes, f, list(shape), y_shape, weights, opset), shape, np.float32


F32 = {"rtol": 1e-4, "atol": 1e-5}
F16 = {"rtol": 2e-3, "atol": 2e-3}
CASES = {
    "one_row_576x1536": (product((1, 576), 576, 1536), F32),
    "rows_in_batch_dims": (product((2, 3, 256), 256, 64), F32),
    "k_not_multiple_of_4": (product((1, 98), 98, 40), F32),
    "odd_k_odd_n": (product((2, 67), 67, 37), F32),
    "gemm_trans_b": (product((1, 320), 320, 97, gemm=True), F32),
    "f16_one_row": (product((1, 1, 512), 512, 264, np.float16), F16),
    "nine_rows": (product((9, 128), 128, 96), F32),
    "blocks_of_partial_panels": (product((1, 64), 64, 1000), F32),
    "three_rows_wide": (product((3, 96), 96, 2304), F32),
    "eight_rows_wide": (product((8, 96), 96, 2304), F32),
    "gemm_trans_b_wide": (product((1, 128), 128, 600, gemm=True), F32),
    "residual_stream": (residual_stream((1, 1, 576), 576), F32),
    "swiglu": (swiglu((1, 1, 576), 576, 1536), F32),
    "rms_norm_one_row": (normalized_projections((1, 1, 576), 576, 192), F32),
    "rms_norm_three_rows": (normalized_projections((1, 3, 576), 576, 64), F32),
    "rms_norm_decomposed": (normalized_projections((1, 1, 576), 576, 192, decomposed=True), F32),
}
# On the CPU, also compiled for 16 threads: one row by 1000 columns in 25
# blocks of 40 (one panel of 32 and one of 8 each, AVX-512; the products'
# blocks follow --cpu-threads).
CPU_THREADS_16 = {"blocks_of_partial_panels_16_threads":
                  (product((1, 1280), 1280, 1000, gemm=True), F32)}

failed = 0
runs = [(name, case, ()) for name, case in CASES.items()]
if args.target == "cpu":
    runs += [(name, case, ("--cpu-threads=16",)) for name, case in CPU_THREADS_16.items()]
for name, ((model, shape, dtype), tolerance), flags in runs:
    if dtype == np.float16 and args.target == "cpu":
        # The CPU's 16-bit products sum in 16 bits, ONNX Runtime's in f32.
        print(f"case {name}: not run on the CPU")
        continue
    if not check_on_target(args, name, model, rng.standard_normal(shape).astype(dtype),
                           tolerance, flags):
        failed += 1
sys.exit(1 if failed else 0)
