"""Models for contraction-numerics.test: odd-sized MatMul and Conv.

    contraction_models.py DIR   writes DIR/<case>.onnx and DIR/<case>.args
                                (autoglm-run's --input/--expect arguments)

The expected outputs are computed with numpy in float64, so that the check
does not depend on another runtime. Sizes are chosen so that register tiles
(8x32 or 6x16) and cache blocks do not divide them.
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def conv_reference(x, w, b, stride, pad, group):
    x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    n, c, h, wd = x.shape
    f, cg, kh, kw = w.shape
    oh, ow = (h - kh) // stride + 1, (wd - kw) // stride + 1
    y = np.zeros((n, f, oh, ow))
    fg = f // group
    for o in range(f):
        g = o // fg
        for i in range(kh):
            for j in range(kw):
                patch = x[:, g * cg:(g + 1) * cg, i:i + stride * oh:stride, j:j + stride * ow:stride]
                y[:, o] += np.einsum("nchw,c->nhw", patch, w[o, :, i, j])
    return y + b[None, :, None, None]


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(7)
    f32 = lambda *shape: rng.uniform(-1, 1, shape).astype(np.float32)
    cases = {}

    def matmul(name, a_shape, b_shape):
        a, b = f32(*a_shape), f32(*b_shape)
        y = np.matmul(a.astype(np.float64), b.astype(np.float64))
        node = helper.make_node("MatMul", ["a", "b"], ["y"])
        graph = helper.make_graph(
            [node], name,
            [helper.make_tensor_value_info("a", TensorProto.FLOAT, a_shape),
             helper.make_tensor_value_info("b", TensorProto.FLOAT, b_shape)],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, y.shape)])
        cases[name] = (graph, {"a": a, "b": b}, y)

    def conv(name, x_shape, f, k, stride, pad, group=1):
        x = f32(*x_shape)
        w, b = f32(f, x_shape[1] // group, k, k), f32(f)
        y = conv_reference(x.astype(np.float64), w.astype(np.float64), b, stride, pad, group)
        node = helper.make_node("Conv", ["x", "w", "b"], ["y"], kernel_shape=[k, k],
                                strides=[stride] * 2, pads=[pad] * 4, group=group)
        graph = helper.make_graph(
            [node], name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, y.shape)],
            [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
        cases[name] = (graph, {"x": x}, y)

    matmul("matmul_67x131x29", [67, 131], [131, 29])
    matmul("matmul_gemv", [1, 300], [300, 70])
    matmul("matmul_outer", [5, 1], [1, 7])
    matmul("matmul_blocked_odd", [130, 520], [520, 290])
    matmul("bmm_odd", [3, 2, 13, 37], [3, 2, 37, 45])
    matmul("bmm_broadcast", [2, 9, 33], [33, 17])
    conv("conv3x3_stride2", [1, 5, 17, 13], 11, 3, 2, 1)
    conv("conv1x1_batch2", [2, 24, 7, 9], 40, 1, 1, 0)
    conv("conv5x5_batch3", [3, 3, 11, 11], 7, 5, 1, 2)
    conv("depthwise3x3", [1, 6, 15, 19], 6, 3, 1, 1, group=6)
    conv("depthwise3x3_stride2", [2, 4, 9, 9], 4, 3, 2, 1, group=4)

    for name, (graph, inputs, y) in cases.items():
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        onnx.save(model, os.path.join(out, name + ".onnx"))
        args = []
        for key, value in inputs.items():
            path = os.path.join(out, f"{name}.{key}.npy")
            np.save(path, value)
            args.append(f"--input {key}={path}")
        path = os.path.join(out, f"{name}.expected.npy")
        np.save(path, y.astype(np.float32))
        args.append(f"--expect y={path}")
        with open(os.path.join(out, name + ".args"), "w") as f:
            f.write(" ".join(args) + "\n")


if __name__ == "__main__":
    main()
