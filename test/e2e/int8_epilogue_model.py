"""Builds a float MLP whose int8 products (--precision=int8) are each
followed by a requantization chain, for test/e2e/int8-epilogue.test.

    int8_epilogue_model.py DIR

Writes DIR/mlp.onnx (x: [1, 40, 64]; MatMul 64 -> 96, Add, Gelu; MatMul
96 -> 64, Add, Relu; MatMul 64 -> 32, Add), DIR/x.npy and two
calibration sets DIR/calib/{0,1}/x.npy. 40 rows: not whole 16-row AMX
tiles (the product is padded to 48 rows and the chain covers the first
40); a batch of one, so the chain reads C through its unit batch
dimension. The chains: the zero-point correction in int32, the cast to
f32, scale and bias, GELU (erf) or ReLU, then the next product's
quantization and the cast to uint8; the last one ends in the f32 output.
Also DIR/cnn.onnx, two convolutions (below).
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
rng = np.random.default_rng(11)
dims = [64, 96, 64, 32]
nodes, inits = [], []
x = "x"
for i, (k, n) in enumerate(zip(dims, dims[1:])):
    inits.append(numpy_helper.from_array(rng.normal(0, 0.15, (k, n)).astype(np.float32), f"w{i}"))
    inits.append(numpy_helper.from_array(rng.normal(0, 0.1, (n,)).astype(np.float32), f"b{i}"))
    nodes.append(helper.make_node("MatMul", [x, f"w{i}"], [f"p{i}"], name=f"matmul{i}"))
    y = "y" if i == len(dims) - 2 else f"s{i}"
    nodes.append(helper.make_node("Add", [f"p{i}", f"b{i}"], [y if i == 2 else f"s{i}"],
                                  name=f"bias{i}"))
    if i == 0:
        nodes.append(helper.make_node("Gelu", ["s0"], ["h0"], name="gelu"))
        x = "h0"
    elif i == 1:
        nodes.append(helper.make_node("Relu", ["s1"], ["h1"], name="relu"))
        x = "h1"
graph = helper.make_graph(nodes, "mlp",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 40, 64])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 40, 32])],
                          inits)
os.makedirs(out, exist_ok=True)
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)]),
          os.path.join(out, "mlp.onnx"))
for i in range(2):
    os.makedirs(os.path.join(out, "calib", str(i)), exist_ok=True)
    np.save(os.path.join(out, "calib", str(i), "x.npy"),
            rng.normal(0, 1, (1, 40, 64)).astype(np.float32))
np.save(os.path.join(out, "x.npy"), rng.normal(0, 1, (1, 40, 64)).astype(np.float32))

# DIR/cnn.onnx (x: [1, 8, 16, 16]; Conv 8 -> 32 3x3 pad 1, Relu; Conv
# 32 -> 16 1x1), DIR/cnn_x.npy and DIR/cnn_calib/{0,1}/x.npy: int8
# convolutions of 256 pixels (whole 16-column tiles), whose chains read C
# (filters x pixels) as [1, F, 16, 16] with per-filter scales and biases.
conv_nodes = [
    helper.make_node("Conv", ["x", "cw0", "cb0"], ["c0"], pads=[1, 1, 1, 1], name="conv0"),
    helper.make_node("Relu", ["c0"], ["r0"], name="relu0"),
    helper.make_node("Conv", ["r0", "cw1", "cb1"], ["y"], name="conv1"),
]
conv_inits = [
    numpy_helper.from_array(rng.normal(0, 0.2, (32, 8, 3, 3)).astype(np.float32), "cw0"),
    numpy_helper.from_array(rng.normal(0, 0.1, (32,)).astype(np.float32), "cb0"),
    numpy_helper.from_array(rng.normal(0, 0.2, (16, 32, 1, 1)).astype(np.float32), "cw1"),
    numpy_helper.from_array(rng.normal(0, 0.1, (16,)).astype(np.float32), "cb1"),
]
cnn = helper.make_graph(conv_nodes, "cnn",
                        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8, 16, 16])],
                        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 16, 16, 16])],
                        conv_inits)
onnx.save(helper.make_model(cnn, opset_imports=[helper.make_opsetid("", 20)]),
          os.path.join(out, "cnn.onnx"))
for i in range(2):
    os.makedirs(os.path.join(out, "cnn_calib", str(i)), exist_ok=True)
    np.save(os.path.join(out, "cnn_calib", str(i), "x.npy"),
            rng.normal(0, 1, (1, 8, 16, 16)).astype(np.float32))
np.save(os.path.join(out, "cnn_x.npy"), rng.normal(0, 1, (1, 8, 16, 16)).astype(np.float32))
