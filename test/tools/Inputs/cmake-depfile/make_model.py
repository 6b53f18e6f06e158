"""Writes ext_mlp.onnx, y = relu(x W), with W in the external data file
ext_mlp.data next to it."""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out_dir = sys.argv[1]
weights = numpy_helper.from_array(
    np.arange(4 * 300, dtype=np.float32).reshape(4, 300) / 1000.0, "W")
graph = helper.make_graph(
    [helper.make_node("MatMul", ["x", "W"], ["h"]),
     helper.make_node("Relu", ["h"], ["y"])],
    "ext_mlp",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 300])],
    [weights])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
onnx.save_model(model, f"{out_dir}/ext_mlp.onnx", save_as_external_data=True,
                all_tensors_to_one_file=True, location="ext_mlp.data",
                size_threshold=0)
