"""Builds float32 models of the products --precision=bf16 makes (a MatMul on
a constant weight, and a MatMul of two activations with a batch, as
attention's), and their results from the bf16-rounded operands computed
with numpy in float64.

    bf16_kernel.py DIR

Writes DIR/<case>.onnx, DIR/<case>.args (autoglm-run's --input and
--expect options) and the .npy files they name, for each case:
`weight` (M = 6, K = 96, N = 80: fewer rows than a register tile) and
`batched` (4 x 40x64 by 64x48: a partial column tile), and for AMX-BF16
tiles (blocks of 16 rows, 16 columns and 32 values of K) `amx_weight`
(M = 64, K = 256, N = 96: 4 row tiles, 6 column tiles) and `amx_batched`
(4 x 32x64 by 64x48: an odd number of column tiles). The operands are rounded to bf16 here as
the compiler rounds them (to nearest, ties to even), so that the reference
differs from either kernel only by float32 accumulation.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(11)


def bf16(x):
    """float32 -> bfloat16 -> float32, round to nearest even."""
    bits = np.asarray(x, np.float32).view(np.uint32).astype(np.uint64)
    bits = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    return bits.astype(np.uint32).view(np.float32)


def save(name, graph, inputs, y):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.save(model, os.path.join(out, f"{name}.onnx"))
    args = []
    for key, value in inputs.items():
        np.save(os.path.join(out, f"{name}_{key}.npy"), value)
        args.append(f"--input {key}={os.path.join(out, f'{name}_{key}.npy')}")
    np.save(os.path.join(out, f"{name}_y.npy"), y.astype(np.float32))
    args.append(f"--expect y={os.path.join(out, f'{name}_y.npy')}")
    with open(os.path.join(out, f"{name}.args"), "w") as f:
        f.write(" ".join(args) + "\n")


m, k, n = 6, 96, 80
x = rng.uniform(-1, 1, (m, k)).astype(np.float32)
w = rng.uniform(-1, 1, (k, n)).astype(np.float32)
y = bf16(x).astype(np.float64) @ bf16(w).astype(np.float64)
save("weight",
     helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"], name="product")],
                       "weight", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [m, k])],
                       [helper.make_tensor_value_info("y", TensorProto.FLOAT, [m, n])],
                       [numpy_helper.from_array(w, "w")]), {"x": x}, y)

b, m, k, n = 4, 40, 64, 48
p = rng.uniform(-1, 1, (b, m, k)).astype(np.float32)
q = rng.uniform(-1, 1, (b, k, n)).astype(np.float32)
y = bf16(p).astype(np.float64) @ bf16(q).astype(np.float64)
save("batched",
     helper.make_graph([helper.make_node("MatMul", ["p", "q"], ["y"], name="product")],
                       "batched", [helper.make_tensor_value_info("p", TensorProto.FLOAT, [b, m, k]),
                                   helper.make_tensor_value_info("q", TensorProto.FLOAT, [b, k, n])],
                       [helper.make_tensor_value_info("y", TensorProto.FLOAT, [b, m, n])]), {"p": p, "q": q}, y)


for name, (m, k, n) in {"amx_weight": (64, 256, 96)}.items():
    x = rng.uniform(-1, 1, (m, k)).astype(np.float32)
    w = rng.uniform(-1, 1, (k, n)).astype(np.float32)
    y = bf16(x).astype(np.float64) @ bf16(w).astype(np.float64)
    save(name,
         helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"], name="product")],
                           name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [m, k])],
                           [helper.make_tensor_value_info("y", TensorProto.FLOAT, [m, n])],
                           [numpy_helper.from_array(w, "w")]), {"x": x}, y)

b, m, k, n = 4, 32, 64, 48
p = rng.uniform(-1, 1, (b, m, k)).astype(np.float32)
q = rng.uniform(-1, 1, (b, k, n)).astype(np.float32)
y = bf16(p).astype(np.float64) @ bf16(q).astype(np.float64)
save("amx_batched",
     helper.make_graph([helper.make_node("MatMul", ["p", "q"], ["y"], name="product")],
                       "amx_batched", [helper.make_tensor_value_info("p", TensorProto.FLOAT, [b, m, k]),
                                       helper.make_tensor_value_info("q", TensorProto.FLOAT, [b, k, n])],
                       [helper.make_tensor_value_info("y", TensorProto.FLOAT, [b, m, n])]),
     {"p": p, "q": q}, y)
