"""Writes the first layers of a MobileNetV2-style CNN at batch 4 for the
batch loop's end-to-end test (batch-loop.test).

    batch_loop_model.py DIR

DIR/model.onnx: a 3x3 stride-2 convolution with Clip(0, 6), a depthwise
3x3 convolution, a 1x1 projection, a 1x1 expansion with Clip, a stride-2
depthwise convolution, a 1x1 projection with a residual Add of a max pool
of the block's input, a Concat along the channels, then a 3x3 stride-2
convolution with 96 x 64 x 3 x 3 weights, a GlobalAveragePool and a Gemm.
Per image, each of the first layers touches 300 KiB to 1.5 MiB of
activations with weights of a few KiB, the last 3x3 convolution 550 KiB
with 216 KiB of weights; the GlobalAveragePool's input is 150 KiB an
image.
DIR/x.npy: the input, 4 x 3 x 160 x 160, random; DIR/logits.npy: ONNX
Runtime's output.
"""
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(11)
nodes, inits = [], []
ZERO, SIX = "zero", "six"


def const(name, array):
    inits.append(numpy_helper.from_array(array.astype(np.float32), name))
    return name


def conv(x, name, cin, cout, k, stride=1, groups=1, relu6=False):
    w = const(name + ".w", rng.standard_normal((cout, cin // groups, k, k)) * (2.0 / (cin // groups * k * k)) ** 0.5)
    b = const(name + ".b", rng.standard_normal(cout) * 0.1)
    nodes.append(helper.make_node("Conv", [x, w, b], [name], name=name, kernel_shape=[k, k],
                                  strides=[stride, stride], pads=[k // 2] * 4, group=groups))
    if not relu6:
        return name
    nodes.append(helper.make_node("Clip", [name, ZERO, SIX],
                                  [name + "_relu6"], name=name + "_relu6"))
    return name + "_relu6"


const(ZERO, np.array(0.0))
const(SIX, np.array(6.0))
x = conv("x", "stem", 3, 16, 3, stride=2, relu6=True)          # 16 x 80 x 80
x = conv(x, "block1.dw", 16, 16, 3, groups=16, relu6=True)
x = conv(x, "block1.project", 16, 16, 1)
e = conv(x, "block2.expand", 16, 48, 1, relu6=True)            # 48 x 80 x 80
e = conv(e, "block2.dw", 48, 48, 3, stride=2, groups=48, relu6=True)  # 48 x 40 x 40
nodes.append(helper.make_node("MaxPool", [x], ["pool"], name="pool", kernel_shape=[2, 2], strides=[2, 2]))
p = conv(e, "block2.project", 48, 16, 1)                       # 16 x 40 x 40
nodes.append(helper.make_node("Add", ["pool", p], ["block2.add"], name="block2.add"))
nodes.append(helper.make_node("Concat", ["block2.add", e], ["joined"], name="joined", axis=1))  # 64 x 40 x 40
y = conv("joined", "head", 64, 96, 3, stride=2, relu6=True)    # 96 x 20 x 20
nodes.append(helper.make_node("GlobalAveragePool", [y], ["gap"], name="gap"))
nodes.append(helper.make_node("Flatten", ["gap"], ["flat"], name="flat"))
fc_w = const("fc.w", rng.standard_normal((10, 96)) * 0.1)
fc_b = const("fc.b", rng.standard_normal(10) * 0.1)
nodes.append(helper.make_node("Gemm", ["flat", fc_w, fc_b], ["logits"], name="fc", transB=1))

graph = helper.make_graph(nodes, "batch_loop", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 3, 160, 160])],
                          [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [4, 10])], inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
onnx.checker.check_model(model)
onnx.save(model, os.path.join(out, "model.onnx"))
x = rng.standard_normal((4, 3, 160, 160)).astype(np.float32)
np.save(os.path.join(out, "x.npy"), x)
session = ort.InferenceSession(os.path.join(out, "model.onnx"), providers=["CPUExecutionProvider"])
np.save(os.path.join(out, "logits.npy"), session.run(None, {"x": x})[0])
