"""Builds MatMulInteger models (uint8 activations x constant int8 weights,
what --precision=int8 makes of a product) with edge values, and their exact
results computed with numpy in int64.

    int8_kernel.py DIR

Writes DIR/<case>.onnx, DIR/<case>_a.npy and DIR/<case>_y.npy for each case:
`vnni` (M = 5, K = 64, N = 48: odd rows, every K a multiple of 4 and N of
16, so that an AVX-512 VNNI host runs it on vpdpbusd and an AVX2 one on
vpmaddwd), `pairs` (M = 12, K = 66, N = 72: K a multiple of 2 but not of 4,
so vpmaddwd on AVX2, in tiles of 4 rows x 16 columns, and the i32 kernel
with VNNI) and `odd` (K = 6, N = 10: the i32 kernel on any host); for AMX
tiles (16 rows x 64 bytes of K, blocks of 2 x 2 tiles) `amx_odd` (M = 5,
K = 100, N = 48: one row tile of 5 rows padded to 16, K padded to 128,
3 column tiles), `amx_rest` (M = 40, K = 196, N = 80: 3 row tiles, the
last of 8 rows, K not a multiple of 64, 5 column tiles) and `amx_full`
(M = 64, K = 256, N = 64: whole blocks only). A holds 0 and 255, W -128
and 127, so
the extreme products 255 * -128 and 255 * 127 are summed K times (no
saturation is allowed: vpdpbusd wraps only past int32).
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(7)
cases = {"vnni": (5, 64, 48), "pairs": (12, 66, 72), "odd": (3, 6, 10),
         "amx_odd": (5, 100, 48), "amx_rest": (40, 196, 80), "amx_full": (64, 256, 64)}
for name, (m, k, n) in cases.items():
    a = rng.integers(0, 256, (m, k)).astype(np.uint8)
    a[0, :] = 255
    a[1, :] = 0
    w = rng.integers(-128, 128, (k, n)).astype(np.int8)
    w[:, 0] = -128
    w[:, 1] = 127
    y = (a.astype(np.int64) @ w.astype(np.int64)).astype(np.int32)
    graph = helper.make_graph(
        [helper.make_node("MatMulInteger", ["a", "w"], ["y"], name="product")], name,
        [helper.make_tensor_value_info("a", TensorProto.UINT8, [m, k])],
        [helper.make_tensor_value_info("y", TensorProto.INT32, [m, n])],
        [numpy_helper.from_array(w, "w")])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]),
              os.path.join(out, f"{name}.onnx"))
    np.save(os.path.join(out, f"{name}_a.npy"), a)
    np.save(os.path.join(out, f"{name}_y.npy"), y)
