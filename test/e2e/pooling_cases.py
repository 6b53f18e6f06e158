"""Compiles ONNX pooling models on edge cases and compares each with ONNX
Runtime.

    pooling_cases.py DIR [--target cpu|cuda]

Each case is a small model ending in a pooling: ResNet's stem (Conv, Relu,
MaxPool with padding) and tail (residual Add, Relu, GlobalAveragePool) in
f16 (--precision=fp16: cuDNN's convolutions in NHWC on CUDA), and max and
average poolings in f32 with asymmetric padding, ceil_mode, dilation,
count_include_pad, one and three spatial dimensions, uint8, and a ReLU whose
result is also an output; on the CPU, the window kernel's strides, masked
row ends and padding (max_sppf_5x5 to max_stride5). On CUDA each pooling computes its window's taps
from the unpadded tensor and, where only the pooling reads it, from what the
elementwise kernel before it reads (--autoglm-cuda-fuse-pooling-inputs).
For each case: builds DIR/<case>.onnx, runs ONNX Runtime on a random input,
compiles the model with `autoglm-opt --target=TARGET --emit=so` and runs it
with `autoglm-run --repeat 2` (on CUDA the second run is a CUDA graph
replay) against ONNX Runtime's outputs. Prints `case NAME: ok` or the
failure, and exits non-zero if any case fails.

Tolerances: f32 poolings compute exactly what ONNX Runtime does (a maximum,
or a sum of at most 49 values divided by the count): 1e-5 + 1e-5 |expected|.
The f16 cases round the input and the weights to f16 and accumulate in f32
(cuDNN rounds its result to f16 before the bias; a sum of at most 147
products of values below 1): within 2e-2 + 1e-2 |expected|.
"""
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from ort_case import check_on_target, target_arguments

args = target_arguments(__doc__)

rng = np.random.default_rng(23)
F32 = dict(rtol=1e-5, atol=1e-5)
F16 = dict(rtol=1e-2, atol=2e-2)


def weights(name, shape, scale=0.2):
    return numpy_helper.from_array((rng.standard_normal(shape) * scale).astype(np.float32), name)


def model(nodes, x_shape, outputs, initializers=(), x_type=TensorProto.FLOAT):
    graph = helper.make_graph(
        nodes, "pooling",
        [helper.make_tensor_value_info("x", x_type, x_shape)],
        [helper.make_tensor_value_info(name, x_type, None) for name in outputs],
        list(initializers))
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    return m


def stem():
    """ResNet-50's stem, smaller: 7x7 stride-2 convolution, bias, ReLU,
    3x3 stride-2 max pooling with one row and column of padding."""
    nodes = [
        helper.make_node("Conv", ["x", "w", "b"], ["c"], kernel_shape=[7, 7],
                         strides=[2, 2], pads=[3, 3, 3, 3]),
        helper.make_node("Relu", ["c"], ["r"]),
        helper.make_node("MaxPool", ["r"], ["y"], kernel_shape=[3, 3],
                         strides=[2, 2], pads=[1, 1, 1, 1]),
    ]
    return model(nodes, [2, 3, 30, 30], ["y"],
                 [weights("w", [16, 3, 7, 7]), weights("b", [16], 0.5)])


def residual_global_average():
    """ResNet-50's tail: two 1x1 convolutions, their sum, ReLU and the
    global average pooling."""
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], kernel_shape=[1, 1]),
        helper.make_node("Conv", ["x", "w2"], ["c2"], kernel_shape=[1, 1]),
        helper.make_node("Add", ["c1", "c2"], ["s"]),
        helper.make_node("Relu", ["s"], ["r"]),
        helper.make_node("GlobalAveragePool", ["r"], ["y"]),
    ]
    return model(nodes, [2, 16, 7, 7], ["y"],
                 [weights("w1", [32, 16, 1, 1]), weights("b1", [32], 0.5),
                  weights("w2", [32, 16, 1, 1])])


def pool(op, x_shape, x_type=TensorProto.FLOAT, relu=False, **attributes):
    nodes = [helper.make_node("Relu", ["x"], ["r"])] if relu else []
    nodes.append(helper.make_node(op, ["r" if relu else "x"], ["y"], **attributes))
    return model(nodes, x_shape, ["y"], x_type=x_type)


def relu_also_output():
    """The ReLU's result is an output too: the pooling cannot take its
    kernel in, and reads it (with the padding computed)."""
    nodes = [
        helper.make_node("Relu", ["x"], ["r"]),
        helper.make_node("MaxPool", ["r"], ["y"], kernel_shape=[3, 3],
                         strides=[2, 2], pads=[1, 1, 1, 1]),
    ]
    return model(nodes, [2, 8, 9, 9], ["y", "r"])


# name: (model, input shape, numpy input type, precision flags, tolerance)
CASES = {
    "stem_f16": (stem(), [2, 3, 30, 30], np.float32, ["--precision=fp16"], F16),
    "residual_global_average_f16": (residual_global_average(), [2, 16, 7, 7], np.float32,
                                    ["--precision=fp16"], F16),
    # Asymmetric padding, and ceil_mode's overhang past the end padding.
    "max_pads_ceil": (pool("MaxPool", [2, 3, 11, 10], kernel_shape=[3, 3], strides=[2, 2],
                           pads=[0, 1, 2, 1], ceil_mode=1), [2, 3, 11, 10], np.float32, [], F32),
    "max_dilation": (pool("MaxPool", [1, 4, 12, 12], kernel_shape=[3, 3], strides=[1, 1],
                          pads=[2, 2, 2, 2], dilations=[2, 2]), [1, 4, 12, 12], np.float32, [], F32),
    # Zero padding: counted in the average, or not.
    "average_pads_included": (pool("AveragePool", [2, 5, 8, 8], kernel_shape=[3, 3],
                                   pads=[1, 1, 1, 1], count_include_pad=1),
                              [2, 5, 8, 8], np.float32, [], F32),
    "average_pads_excluded": (pool("AveragePool", [2, 5, 8, 8], kernel_shape=[3, 3],
                                   pads=[1, 1, 1, 1], count_include_pad=0),
                              [2, 5, 8, 8], np.float32, [], F32),
    # A ReLU taken in by a pooling without padding (each element read once).
    "relu_max_2x2": (pool("MaxPool", [2, 8, 10, 10], relu=True, kernel_shape=[2, 2],
                          strides=[2, 2]), [2, 8, 10, 10], np.float32, [], F32),
    "relu_also_output": (relu_also_output(), [2, 8, 9, 9], np.float32, [], F32),
    # One and three spatial dimensions: the pooling as a linalg.generic.
    "max_1d": (pool("MaxPool", [2, 4, 17], relu=True, kernel_shape=[3], strides=[2],
                    pads=[1, 1]), [2, 4, 17], np.float32, [], F32),
    "average_3d": (pool("AveragePool", [1, 2, 5, 6, 7], kernel_shape=[2, 3, 3],
                        strides=[1, 2, 2], pads=[1, 1, 1, 0, 1, 1]),
                   [1, 2, 5, 6, 7], np.float32, [], F32),
    # The CPU's window kernel (WindowKernels.cpp): YOLO's SPPF 5x5
    # stride-1 max pooling (rows of 20: a vector and 4 masked lanes; the
    # padding read as the lowest value, rows of it skipped), a stride-2 max
    # pooling over an odd width (29 outputs, rows read wide and shuffled,
    # the left padding shuffled in), a 7x7 stride-3 average without the
    # padding in its counts, a stride 4 (the widest read shuffled) and a
    # stride 5 (the loop nest).
    "max_sppf_5x5": (pool("MaxPool", [1, 8, 20, 20], kernel_shape=[5, 5], strides=[1, 1],
                          pads=[2, 2, 2, 2]), [1, 8, 20, 20], np.float32, [], F32),
    "max_stride2_odd": (pool("MaxPool", [1, 4, 57, 57], kernel_shape=[3, 3], strides=[2, 2],
                             pads=[1, 1, 1, 1]), [1, 4, 57, 57], np.float32, [], F32),
    "average_7x7_stride3_excluded": (pool("AveragePool", [1, 3, 40, 37], kernel_shape=[7, 7],
                                          strides=[3, 3], pads=[3, 3, 3, 3], count_include_pad=0),
                                     [1, 3, 40, 37], np.float32, [], F32),
    "max_stride4": (pool("MaxPool", [1, 2, 33, 70], kernel_shape=[4, 4], strides=[4, 4]),
                    [1, 2, 33, 70], np.float32, [], F32),
    "max_stride5": (pool("MaxPool", [1, 2, 33, 70], kernel_shape=[5, 5], strides=[5, 5],
                         pads=[1, 2, 1, 2]), [1, 2, 33, 70], np.float32, [], F32),
    # Unsigned: padded with 0, its lowest value.
    "max_uint8": (pool("MaxPool", [2, 3, 9, 9], x_type=TensorProto.UINT8, kernel_shape=[3, 3],
                       strides=[2, 2], pads=[1, 1, 1, 1]), [2, 3, 9, 9], np.uint8, [], F32),
}

failed = 0
for name, (m, shape, dtype, flags, tolerance) in CASES.items():
    if dtype == np.uint8:
        x = rng.integers(0, 256, size=shape, dtype=np.uint8)
    else:
        x = rng.standard_normal(shape).astype(dtype)
    if not check_on_target(args, name, m, x, tolerance, flags):
        failed += 1
sys.exit(1 if failed else 0)
