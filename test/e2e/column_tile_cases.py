"""Products whose column tiles of B the CPU copies to an aligned stack
buffer before its register tiles read them (packColumnTiles in
lib/Target/CPU/TileAndVectorizeContractions.cpp, on AVX2: where B's rows
straddle cache lines or fall into a few L1 sets), compiled by AutoGLM and
checked against ONNX Runtime.

    column_tile_cases.py DIR [--target cpu|cuda]

Each case's B is the model's input (or a view of it), never a constant:
x · x for a 256 x 256 x (rows 1 KiB apart: 4 of L1's sets) and a
1024 x 1024 x (4 KiB: one set); x · x for 4 matrices of 512 x 512 (a
batched product of two inputs, one image's matrices at a time); a 1 x 1
convolution of 64 to 256 channels at 80 x 80 (rows 25 KiB apart) and the
same over 2 images (its filter is A: a batched product that is not
copied); a 1 x 1 convolution at 7 x 7 (rows 196 bytes long, straddling
lines; 49 columns, the last one a dot product). Prints `case NAME: ok`
per case that agrees within the tolerance; exits non-zero if any does
not."""
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from ort_case import check_on_target, target_arguments

args = target_arguments(__doc__)
rng = np.random.default_rng(21)


def model(nodes, x_shape, y_shape, weights=None):
    graph = helper.make_graph(
        nodes, "column_tiles", [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, y_shape)],
        [numpy_helper.from_array(w, name) for name, w in (weights or {}).items()])
    result = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    result.ir_version = 8
    return result


def square(shape):
    """x · x: A and B the input itself."""
    node = helper.make_node("MatMul", ["x", "x"], ["y"], name="square")
    return model([node], list(shape), list(shape)), shape


def conv1x1(batch, c, f, hw):
    w = (rng.standard_normal((f, c, 1, 1)) / np.sqrt(c)).astype(np.float32)
    b = rng.standard_normal(f).astype(np.float32)
    node = helper.make_node("Conv", ["x", "w", "b"], ["y"], name="conv", kernel_shape=[1, 1])
    shape = (batch, c, hw, hw)
    return model([node], list(shape), [batch, f, hw, hw], {"w": w, "b": b}), shape


TOLERANCE = {"rtol": 1e-4, "atol": 1e-3}
CASES = {
    "square_256": square((256, 256)),
    "square_1024": square((1024, 1024)),
    "batched_square_4x512": square((4, 512, 512)),
    "conv_64_256_80x80": conv1x1(1, 64, 256, 80),
    "conv_64_256_80x80_two_images": conv1x1(2, 64, 256, 80),
    "conv_960_320_7x7": conv1x1(1, 960, 320, 7),
}

failed = 0
for name, (onnx_model, shape) in CASES.items():
    if not check_on_target(args, name, onnx_model,
                           rng.standard_normal(shape).astype(np.float32), TOLERANCE):
        failed += 1
sys.exit(1 if failed else 0)
