"""A ResNet bottleneck block in float32, for the convolution epilogues of
the CUDA target (test/e2e/conv-epilogue-cuda.test). A 3x3 convolution and
a ReLU (a stem, so that the block's input is an activation the precision
pass keeps in 16 bits, as in a ResNet) feed the block: a 1x1 convolution with
its bias and a ReLU, a 3x3 one likewise, a 1x1 one whose bias, the
shortcut (the block's input, or with --project a 1x1 convolution of it)
and a ReLU finish the block, then, with --tail, a 1x1 convolution with a
bias and nothing after it, and last a 3x3 convolution with a bias. Compiled with --precision=fp16 or bf16, the 1x1
convolutions are matrix products whose epilogues cuBLASLt computes.

Writes model.onnx, x.npy, inputs.txt (autoglm-run's --input flags) and
expected_Y.npy: the block computed in float64 by numpy from the float32
weights and input.

Usage: bottleneck_model.py OUT --batch N --channels C --width W --size HW
           [--project] [--tail]
"""

import argparse
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def conv(x, w, b, pad):
    """ONNX Conv (stride 1) in float64: x [N, C, H, W], w [F, C, K, K]."""
    n, c, h, width = x.shape
    f, _, k, _ = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    y = np.zeros((n, f, h, width))
    for i in range(k):
        for j in range(k):
            patch = xp[:, :, i:i + h, j:j + width]
            y += np.einsum("nchw,fc->nfhw", patch, w[:, :, i, j])
    return y + b[None, :, None, None]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--batch", type=int, required=True)
    parser.add_argument("--channels", type=int, required=True)
    parser.add_argument("--width", type=int, required=True)
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--project", action="store_true")
    parser.add_argument("--tail", action="store_true")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    n, c, m, hw = args.batch, args.channels, args.width, args.size
    out_channels = 2 * c if args.project else c
    rng = np.random.default_rng(5)
    weights, nodes = [], []

    def add_conv(name, x, cin, cout, k):
        w = (rng.standard_normal((cout, cin, k, k)) / np.sqrt(cin * k * k)).astype(np.float32)
        b = (0.1 * rng.standard_normal(cout)).astype(np.float32)
        weights.extend([numpy_helper.from_array(w, name + ".w"), numpy_helper.from_array(b, name + ".b")])
        nodes.append(helper.make_node("Conv", [x, name + ".w", name + ".b"], [name], name=name,
                                      pads=[k // 2] * 4))
        return name, w, b

    def relu(x):
        nodes.append(helper.make_node("Relu", [x], [x + ".relu"], name=x + ".relu"))
        return x + ".relu"

    x = rng.standard_normal((n, c, hw, hw)).astype(np.float32)
    stem, ws, bs = add_conv("stem", "x", c, c, 3)
    stem = relu(stem)
    a, w1, b1 = add_conv("conv1", stem, c, m, 1)
    a = relu(a)
    a, w2, b2 = add_conv("conv2", a, m, m, 3)
    a = relu(a)
    a, w3, b3 = add_conv("conv3", a, m, out_channels, 1)
    shortcut = stem
    if args.project:
        shortcut, wd, bd = add_conv("downsample", stem, c, out_channels, 1)
    nodes.append(helper.make_node("Add", [a, shortcut], ["sum"], name="residual"))
    y = relu("sum")
    if args.tail:
        y, wt, bt = add_conv("tail", y, out_channels, out_channels, 1)
    # A 3x3 convolution reads the block (or the tail), so that it ends in an
    # activation kept in 16 bits, as a ResNet's blocks do (the model's f32
    # output would otherwise be the block's sum).
    y, wh, bh = add_conv("head", y, out_channels, out_channels, 3)
    nodes.append(helper.make_node("Identity", [y], ["Y"], name="output"))
    graph = helper.make_graph(
        nodes, "bottleneck", [helper.make_tensor_value_info("x", TensorProto.FLOAT, x.shape)],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, (n, out_channels, hw, hw))], weights)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                              producer_name="autoglm-e2e")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(args.out, "model.onnx"))
    np.save(os.path.join(args.out, "x.npy"), x)
    with open(os.path.join(args.out, "inputs.txt"), "w") as f:
        f.write(f"--input x={os.path.join(args.out, 'x.npy')}\n")

    r = lambda v: np.maximum(v, 0.0)
    x64 = r(conv(x.astype(np.float64), ws.astype(np.float64), bs, 1))
    h = r(conv(x64, w1.astype(np.float64), b1, 0))
    h = r(conv(h, w2.astype(np.float64), b2, 1))
    h = conv(h, w3.astype(np.float64), b3, 0)
    s = conv(x64, wd.astype(np.float64), bd, 0) if args.project else x64
    out = r(h + s)
    if args.tail:
        out = conv(out, wt.astype(np.float64), bt, 0)
    out = conv(out, wh.astype(np.float64), bh, 1)
    np.save(os.path.join(args.out, "expected_Y.npy"), out.astype(np.float32))


if __name__ == "__main__":
    main()
