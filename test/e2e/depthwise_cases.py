"""Compiles ONNX convolutions of the depthwise family (group = channels) on
edge cases and compares each with ONNX Runtime.

    depthwise_cases.py DIR

For each case: builds DIR/<case>.onnx (a Conv with random weights and bias,
sometimes followed by Clip, HardSwish or a residual Add, which the kernel
applies to its vectors), compiles it with `autoglm-opt --emit=so`, runs it
with `autoglm-run` on a random input and checks it against ONNX Runtime's
output. Prints one line per case, `case NAME: ok` or the failure, and exits
non-zero if any case fails. The tolerance is that of f32 sums of at most
49 products taken in another order: |error| <= 1e-5 + 1e-5 |expected|.
"""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from ort_case import check_against_ort

out = sys.argv[1]
os.makedirs(out, exist_ok=True)

# name: (N, C, H, W, outputs per channel, groups (0: C), kernel (h, w),
#        strides, pads [top, left, bottom, right], dilations, what follows)
CASES = {
    # MobileNetV2's features.8.dw with its Clip(0, 6): one masked block
    # per row (14 of 16 lanes on AVX-512).
    "mobilenet_14x14": (1, 384, 14, 14, 1, 0, (3, 3), (1, 1), [1, 1, 1, 1], (1, 1), "relu6"),
    # Odd channel count and sizes, stride 2: a row wider than one vector.
    "odd_stride2": (1, 7, 13, 37, 1, 0, (3, 3), (2, 2), [1, 1, 1, 1], (1, 1), None),
    # 5x5, stride 2, pads 2: the rows and columns of the padding.
    "k5_stride2": (1, 24, 29, 31, 1, 0, (5, 5), (2, 2), [2, 2, 2, 2], (1, 1), "hardswish"),
    # Padding larger than the kernel's reach: whole output rows and
    # columns of the bias alone.
    "pad_beyond_kernel": (1, 5, 6, 6, 1, 0, (3, 3), (1, 1), [4, 4, 4, 4], (1, 1), None),
    # Dilation 2 in both directions.
    "dilation2": (1, 10, 20, 20, 1, 0, (3, 3), (1, 1), [2, 2, 2, 2], (2, 2), None),
    # Batch 2 with a residual Add after the convolution.
    "batch2_residual": (2, 16, 9, 33, 1, 0, (3, 3), (1, 1), [1, 1, 1, 1], (1, 1), "residual"),
    # Stride 3, a 7x7 kernel and asymmetric padding.
    "k7_stride3_asym": (1, 6, 23, 41, 1, 0, (7, 7), (3, 3), [1, 2, 3, 0], (1, 1), None),
    # A non-square kernel, different strides per axis, no padding.
    "k3x5_stride2x1": (1, 9, 15, 50, 1, 0, (3, 5), (2, 1), [0, 0, 0, 0], (1, 1), None),
    # A single row (1xK kernel).
    "one_row": (1, 4, 1, 40, 1, 0, (1, 3), (1, 1), [0, 1, 0, 1], (1, 1), None),
    # Stride 5: beyond the kernel's widest read, the loop nest.
    "stride5_loops": (1, 8, 21, 21, 1, 0, (3, 3), (5, 5), [1, 1, 1, 1], (1, 1), None),
    # Two outputs per channel (group = C, 2C outputs): the grouped loop nest.
    "multiplier2": (1, 6, 10, 10, 2, 0, (3, 3), (1, 1), [1, 1, 1, 1], (1, 1), None),
    # Groups of several channels: the grouped loop nest.
    "groups2": (1, 8, 10, 10, 1, 2, (3, 3), (1, 1), [1, 1, 1, 1], (1, 1), None),
}

rng = np.random.default_rng(3)
failed = 0
for name, (n, c, h, w, mult, groups, k, s, p, d, after) in CASES.items():
    groups = groups or c
    outputs = c * mult
    weight = rng.standard_normal((outputs, c // groups, *k)).astype(np.float32)
    bias = rng.standard_normal(outputs).astype(np.float32)
    inits = [numpy_helper.from_array(weight, "w"), numpy_helper.from_array(bias, "b")]
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["conv"], name="dw", group=groups,
                              kernel_shape=list(k), strides=list(s),
                              pads=[p[0], p[1], p[2], p[3]], dilations=list(d))]
    result = "conv"
    if after == "relu6":
        inits += [numpy_helper.from_array(np.array(0, np.float32), "lo"),
                  numpy_helper.from_array(np.array(6, np.float32), "hi")]
        nodes.append(helper.make_node("Clip", ["conv", "lo", "hi"], ["y"], name="relu6"))
        result = "y"
    elif after == "hardswish":
        nodes.append(helper.make_node("HardSwish", ["conv"], ["y"], name="hardswish"))
        result = "y"
    elif after == "residual":
        nodes.append(helper.make_node("Add", ["conv", "x"], ["y"], name="add"))
        result = "y"
    graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [n, c, h, w])],
                              [helper.make_tensor_value_info(result, TensorProto.FLOAT, None)], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    x = rng.standard_normal((n, c, h, w)).astype(np.float32)
    if not check_against_ort(out, name, model, x, result, rtol=1e-5, atol=1e-5):
        failed += 1
sys.exit(1 if failed else 0)
