"""Compiles ONNX constant Pads on edge cases and compares each with ONNX
Runtime (CPU).

    pad_cases.py DIR

--autoglm-pad-borders writes a constant pad as fills of its border slabs
and one copy of the interior (by planes of the last two dimensions where
there are several): pads along the outer dimensions (channels), padding
wider than the tensor it pads, asymmetric pads, a negative pad (a crop) next
to a positive one, a pad of only the last dimension's high end, a
two-dimensional tensor, and a Pad feeding a MaxPool with its own -inf
padding and stride 2. Prints `case NAME: ok` or the failure, and exits
non-zero if any case fails. Pads copy values: the results are exact.
"""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from ort_case import check_against_ort

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(5)


def pad_model(x_shape, pads, value, pool=None):
    inits = [numpy_helper.from_array(np.array(pads, np.int64), "pads"),
             numpy_helper.from_array(np.array(value, np.float32), "value")]
    nodes = [helper.make_node("Pad", ["x", "pads", "value"], ["p" if pool else "y"],
                              mode="constant")]
    if pool:
        nodes.append(helper.make_node("MaxPool", ["p"], ["y"], **pool))
    graph = helper.make_graph(
        nodes, "pad", [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    return m


# name: (input shape, pads [begins..., ends...], value, MaxPool attributes)
CASES = {
    # Channels 1 before and 2 after, 5 rows above a 4-row image, a crop of
    # the first column, 3 columns after.
    "channels_wide_crop": ([2, 3, 4, 6], [0, 1, 5, -1, 0, 2, 0, 3], -2.5, None),
    # Only the last dimension's high end (a single plane: no plane loop).
    "high_only_one_plane": ([1, 1, 5, 7], [0, 0, 0, 0, 0, 0, 0, 9], 1.5, None),
    # Two dimensions, padding larger than the tensor on every side.
    "rank2_wide": ([3, 2], [4, 5, 6, 7], 0.0, None),
    # Three dimensions: planes over the first.
    "rank3_asym": ([4, 5, 3], [1, 0, 2, 0, 3, 1], 7.0, None),
    # A Pad, then a MaxPool with its own asymmetric -inf padding.
    "pad_then_maxpool": ([2, 4, 9, 10], [0, 0, 1, 2, 0, 0, 0, 1], 0.25,
                         dict(kernel_shape=[3, 3], strides=[2, 2], pads=[2, 0, 0, 1])),
}

failed = 0
for name, (shape, pads, value, pool) in CASES.items():
    x = rng.standard_normal(shape).astype(np.float32)
    if not check_against_ort(out, name, pad_model(shape, pads, value, pool), x, "y", 0, 0):
        failed += 1
sys.exit(1 if failed else 0)
