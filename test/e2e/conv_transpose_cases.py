"""Compiles ONNX ConvTranspose nodes on edge cases and compares each with
ONNX Runtime.

    conv_transpose_cases.py DIR

For each case: builds DIR/<case>.onnx (a ConvTranspose with random weights,
with or without a bias, sometimes followed by a Relu), compiles it with
`autoglm-opt --emit=so`, runs it with `autoglm-run` on a random input and
checks it against ONNX Runtime's output. Prints one line per case,
`case NAME: ok` or the failure, and exits non-zero if any case fails. The
lowering is a matrix product and an overlap-add (lib/Conversion/
AutoGLMToLinalg/Contraction.cpp); the tolerance is that of f32 sums of at
most C/G * K products taken in another order, the sums of 64 products of
standard normals reaching magnitude ~30: |error| <= 1e-4 + 1e-5 |expected|.
"""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from ort_case import check_against_ort

out = sys.argv[1]
os.makedirs(out, exist_ok=True)

# name: (input shape [N, C, spatial...], outputs per group, groups, kernel,
#        strides, pads [begin..., end...], dilations, output_padding,
#        bias, what follows)
CASES = {
    # The DB detector's head: 64 -> 1 channels, kernel = stride = 2 (no
    # overlap between taps), then its first upsampling 64 -> 64.
    "dbnet_head_1ch": ([1, 64, 40, 40], 1, 1, (2, 2), (2, 2), [0, 0, 0, 0], (1, 1), (0, 0), True, None),
    "dbnet_head_64ch": ([1, 64, 20, 20], 64, 1, (2, 2), (2, 2), [0, 0, 0, 0], (1, 1), (0, 0), True, "relu"),
    # Overlapping taps (kernel 3 > stride 2), padding cropped, output_padding
    # adding a last row and column of bias alone.
    "k3_s2_pad_outpad": ([1, 5, 7, 9], 6, 1, (3, 3), (2, 2), [1, 1, 1, 1], (1, 1), (1, 1), True, None),
    # Stride 1 (every tap overlaps), asymmetric padding, no bias.
    "k3_s1_asym_nobias": ([1, 4, 6, 5], 3, 1, (3, 3), (1, 1), [0, 2, 1, 0], (1, 1), (0, 0), False, None),
    # Groups: 2 groups of 3 input channels, 4 outputs each.
    "groups2": ([1, 6, 5, 5], 4, 2, (3, 3), (2, 2), [0, 0, 0, 0], (1, 1), (0, 0), True, None),
    # Dilation 2 and stride 3, a non-square kernel.
    "dilation2_stride3": ([1, 3, 4, 6], 2, 1, (3, 2), (3, 3), [1, 0, 1, 0], (2, 2), (0, 0), True, None),
    # Batch 2 with groups (the weight broadcast along the batch).
    "batch2_groups3": ([2, 6, 4, 3], 2, 3, (2, 3), (1, 2), [0, 1, 0, 1], (1, 1), (0, 1), True, "relu"),
    # Padding larger than the kernel's reach.
    "pad_beyond_kernel": ([1, 2, 6, 6], 2, 1, (2, 2), (1, 1), [3, 3, 3, 3], (1, 1), (0, 0), True, None),
    # 1-D and 3-D.
    "conv1d": ([1, 3, 11], 4, 1, (4,), (3,), [1, 2], (1,), (0,), True, None),
    "conv3d": ([1, 2, 3, 4, 3], 3, 1, (2, 3, 2), (2, 1, 2), [0, 1, 0, 0, 1, 1], (1, 1, 1), (1, 0, 0), True, None),
}

rng = np.random.default_rng(5)
failed = 0
for name, (shape, og, groups, k, s, p, d, op, has_bias, after) in CASES.items():
    c = shape[1]
    weight = rng.standard_normal((c, og, *k)).astype(np.float32)
    inits = [numpy_helper.from_array(weight, "w")]
    inputs = ["x", "w"]
    if has_bias:
        inits.append(numpy_helper.from_array(rng.standard_normal(og * groups).astype(np.float32), "b"))
        inputs.append("b")
    nodes = [helper.make_node("ConvTranspose", inputs, ["deconv"], name="deconv", group=groups,
                              kernel_shape=list(k), strides=list(s), pads=list(p),
                              dilations=list(d), output_padding=list(op))]
    result = "deconv"
    if after == "relu":
        nodes.append(helper.make_node("Relu", ["deconv"], ["y"], name="relu"))
        result = "y"
    graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info(result, TensorProto.FLOAT, None)], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    x = rng.standard_normal(shape).astype(np.float32)
    if not check_against_ort(out, name, model, x, result, rtol=1e-5, atol=1e-4):
        failed += 1
sys.exit(1 if failed else 0)
