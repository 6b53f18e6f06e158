#!/usr/bin/env python3
"""Writes tiny_mlp.onnx, the model of this example: y = relu(x @ W + b) with
x of shape [N, 4] (N symbolic; CMakeLists.txt fixes it to 1) and y of shape
[N, 3]. main.c holds the same W and b and checks the result against them.

    ../../.venv/bin/python make_model.py   (needs the onnx package)
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

W = np.array(
    [[0.5, -1.0, 0.25], [1.5, 0.75, -0.5], [-2.0, 0.5, 1.0], [0.25, 1.25, -0.75]],
    dtype=np.float32,
)
B = np.array([0.1, -0.2, 0.3], dtype=np.float32)

graph = helper.make_graph(
    [
        helper.make_node("MatMul", ["x", "W"], ["xw"]),
        helper.make_node("Add", ["xw", "b"], ["z"]),
        helper.make_node("Relu", ["z"], ["y"]),
    ],
    "tiny_mlp",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])],
    [numpy_helper.from_array(W, "W"), numpy_helper.from_array(B, "b")],
)
model = helper.make_model(
    graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="make_model.py"
)
model.ir_version = 8
onnx.checker.check_model(model)
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tiny_mlp.onnx")
onnx.save(model, out)
print(out)
