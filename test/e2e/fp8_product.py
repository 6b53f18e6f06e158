"""Builds a MatMul + Add + Relu model (M = 8, K = 64, N = 48: K and N
multiples of 16, so --precision=fp8 quantizes its product), two
calibration sets, and the results the fp8 build must give, computed with
numpy and ml_dtypes' float8_e4m3fn as docs/precision.md specifies: the
activation scaled by 448 over its calibrated largest magnitude and rounded
to E4M3 (saturating), the weight scaled by 448 over its largest magnitude
and rounded, the E4M3 values multiplied exactly and summed in float32, the
sum times the two scales, then the float32 bias and ReLU.

    fp8_product.py DIR

Writes DIR/model.onnx, DIR/sets/{a,b}/x.npy, DIR/x.npy (set a) with
DIR/y.npy, and DIR/big.npy (x three times larger than calibrated, so that
its quantization saturates at 448) with DIR/big_y.npy.
"""
import os
import sys

import ml_dtypes
import numpy as np
from onnx import TensorProto, helper, numpy_helper, save

out = sys.argv[1]
m, k, n = 8, 64, 48
rng = np.random.default_rng(11)
w = (rng.standard_normal((k, n)) * 0.2).astype(np.float32)
w[3, 5] = 1.5  # the weight's largest magnitude
b = rng.standard_normal(n).astype(np.float32)
sets = {name: rng.standard_normal((m, k)).astype(np.float32) for name in "ab"}
sets["a"][0, 0] = -4.0  # the calibrated largest |x|

graph = helper.make_graph(
    [helper.make_node("MatMul", ["x", "w"], ["m"], name="fc"),
     helper.make_node("Add", ["m", "b"], ["s"], name="bias"),
     helper.make_node("Relu", ["s"], ["y"], name="relu")],
    "fp8_product",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [m, k])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [m, n])],
    [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
os.makedirs(out, exist_ok=True)
save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
     os.path.join(out, "model.onnx"))
for name, x in sets.items():
    os.makedirs(os.path.join(out, "sets", name), exist_ok=True)
    np.save(os.path.join(out, "sets", name, "x.npy"), x)

e4m3 = ml_dtypes.float8_e4m3fn
x_scale = max(np.abs(x).max() for x in sets.values()) / 448.0
w_scale = np.abs(w).max() / 448.0
w8 = (w.astype(np.float64) / w_scale).astype(e4m3).astype(np.float32)
scale = np.float32(x_scale * w_scale)


def fp8_model(x):
    scaled = x * np.float32(1.0 / x_scale)
    x8 = np.clip(scaled, -448, 448).astype(e4m3).astype(np.float32)
    return np.maximum((x8 @ w8) * scale + b, 0).astype(np.float32)


np.save(os.path.join(out, "x.npy"), sets["a"])
np.save(os.path.join(out, "y.npy"), fp8_model(sets["a"]))
big = sets["b"] * 3
np.save(os.path.join(out, "big.npy"), big)
np.save(os.path.join(out, "big_y.npy"), fp8_model(big))
