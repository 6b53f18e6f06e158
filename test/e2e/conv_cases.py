"""Compiles ONNX Conv nodes (not depthwise) on edge cases and compares each
with ONNX Runtime.

    conv_cases.py DIR

For each case: builds DIR/<case>.onnx (a Conv with random weights, with or
without a bias, sometimes followed by a Relu or a residual Add of the
input), compiles it with `autoglm-opt --emit=so`, runs it with
`autoglm-run` on a random input and checks it against ONNX Runtime's
output. Prints one line per case, `case NAME: ok` or the failure, and exits
non-zero if any case fails. On the CPU a convolution is a matrix product of
its im2col (lib/Target/CPU/ConvToMatmul.cpp), computed per block of output
rows into a panel per slot (TileKernelRegions.cpp); the batches here take
the per-image panels, the 1x1 ones the weight as a view. The tolerance of
the direct cases is that of f32 sums of at most C*KH*KW = 432 products of
standard normals taken in another order: |error| <= 1e-4 + 1e-5 |expected|;
the Winograd cases' (wino_*) is stated below.
"""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from ort_case import check_against_ort

out = sys.argv[1]
os.makedirs(out, exist_ok=True)

# name: (input shape [N, C, H, W], output channels, groups, kernel, strides,
#        pads [top, left, bottom, right], dilations, bias, what follows)
CASES = {
    # One image: blocks of whole rows, a panel per slot.
    "b1_k3": ([1, 16, 20, 20], 16, 1, (3, 3), (1, 1), [1, 1, 1, 1], (1, 1), True, "relu"),
    # Batch 2: one image per slot, each image a single block (6x6 outputs).
    "b2_k3_small": ([2, 8, 6, 6], 16, 1, (3, 3), (1, 1), [1, 1, 1, 1], (1, 1), True, "relu"),
    # Batch 8: 4 slots of 2 images, 2 blocks of 10 rows per image.
    "b8_k3_rows": ([8, 16, 20, 20], 16, 1, (3, 3), (1, 1), [1, 1, 1, 1], (1, 1), True, "relu"),
    # Batch 3, odd channel counts, stride 2.
    "b3_odd_stride2": ([3, 5, 13, 11], 7, 1, (3, 3), (2, 2), [1, 1, 1, 1], (1, 1), True, None),
    # Batch 5 (a prime above the slot count: one slot of 5 images), the
    # 7x7 stride-2 stem of ResNet-50.
    "b5_stem_k7": ([5, 3, 16, 16], 8, 1, (7, 7), (2, 2), [3, 3, 3, 3], (1, 1), True, "relu"),
    # One image on per-block panels read from the unpadded input: strides 1
    # and 2, asymmetric padding beyond the kernel's reach (taps wholly
    # outside the image in the first and last blocks and columns).
    "b1_pad_beyond_stride12": ([1, 5, 24, 17], 7, 1, (3, 3), (1, 2), [3, 0, 2, 4], (1, 1), False, None),
    # Strides 3 and 4 on per-block panels: the taps' rows read as wide
    # masked vectors, every third or fourth lane kept (RowCopies.cpp), rows
    # of 20 columns (16 and 4) and of 33 (16, 16 and 1).
    "b1_stride3_rows_of_20": ([1, 6, 60, 60], 9, 1, (3, 3), (3, 3), [1, 1, 1, 1], (1, 1), True, "relu"),
    "b1_stride4_rows_of_33": ([1, 5, 130, 130], 7, 1, (5, 5), (4, 4), [2, 2, 2, 2], (1, 1), False, None),
    # Batch 2: dilation 2, asymmetric padding beyond the kernel's reach.
    "b2_dilation_pad": ([2, 4, 9, 8], 6, 1, (3, 3), (1, 1), [4, 0, 1, 5], (2, 2), False, None),
    # Batch 2: a non-square kernel and mixed strides, residual Add.
    "b2_k3x1_residual": ([2, 6, 10, 7], 6, 1, (3, 1), (1, 1), [1, 0, 1, 0], (1, 1), True, "residual"),
    # Batch 4: 1x1 (no im2col; the weight a view for each image).
    "b4_k1_residual": ([4, 12, 9, 9], 12, 1, (1, 1), (1, 1), [0, 0, 0, 0], (1, 1), True, "residual"),
    # Batch 2: 1x1 stride 2 (ResNet's downsampling shortcut).
    "b2_k1_stride2": ([2, 8, 10, 10], 16, 1, (1, 1), (2, 2), [0, 0, 0, 0], (1, 1), False, None),
    # Products of more than one K block (K = C*KH*KW = 432 and 320, blocks
    # of 216 and 160): a register tile starts from zero in the first block
    # and from the output block in the others (TileAndVectorizeContractions.cpp),
    # on the per-image panels with a residual Add and on a batched 1x1.
    "b4_k3_kblocks_residual": ([4, 48, 12, 12], 48, 1, (3, 3), (1, 1), [1, 1, 1, 1], (1, 1), True, "residual"),
    "b2_k1_kblocks": ([2, 320, 6, 6], 16, 1, (1, 1), (1, 1), [0, 0, 0, 0], (1, 1), True, "relu"),
    # Batch 2 with groups.
    "b2_groups2": ([2, 8, 7, 7], 6, 2, (3, 3), (1, 1), [1, 1, 1, 1], (1, 1), True, "relu"),
    # Images of 49 and 145 output pixels (N % 32 > 16): on AVX-512, register
    # tiles three vectors wide (48 columns as three one-vector accumulators,
    # TileAndVectorizeContractions.cpp) and a remainder of one column. A
    # 1x1 at 7x7 with a residual Add (64 = 8 row tiles), a 3x3 stride 2 of
    # 14x14 to 7x7 with 20 filters (a partial tile of 4 rows), asymmetric
    # padding to 7x7, a 5x29 output (145 = 3 x 48 + 1), and a 1x1 of two K
    # blocks (K = 320) whose wide tiles start from zero in the first.
    "b2_k1_7x7_wide_residual": ([2, 64, 7, 7], 64, 1, (1, 1), (1, 1), [0, 0, 0, 0], (1, 1), True, "residual"),
    "b1_k3_stride2_to_7x7": ([1, 16, 14, 14], 20, 1, (3, 3), (2, 2), [1, 1, 1, 1], (1, 1), True, "relu"),
    "b1_k3_pad_asym_to_7x7": ([1, 9, 9, 7], 11, 1, (3, 3), (1, 1), [0, 2, 0, 0], (1, 1), False, None),
    "b1_k3_5x29": ([1, 8, 5, 29], 13, 1, (3, 3), (1, 1), [1, 1, 1, 1], (1, 1), True, None),
    "b1_k1_7x7_kblocks": ([1, 320, 7, 7], 24, 1, (1, 1), (1, 1), [0, 0, 0, 0], (1, 1), True, "relu"),
    # One image, 3x3 stride 2 to 28x28 (ResNet-50's layer2.0.conv2): blocks
    # of 7 output rows (196 columns: 6 tiles of 32 and 4 columns) in 2
    # slots; odd input and output channels, an odd input height and
    # asymmetric padding (top 1, left 0, bottom 1, right 1).
    "b1_k3_stride2_to_28x28": ([1, 9, 55, 56], 13, 1, (3, 3), (2, 2), [1, 0, 1, 1], (1, 1), True, "relu"),
    # 3x3 stride 2 to 14x14 (ResNet-50's layer3.0.conv2): blocks of 7 rows,
    # 98 columns = 3 tiles of 32 and 2 columns computed as a column pair
    # along K (TileAndVectorizeContractions.cpp); 20 filters (a partial tile
    # of 4 rows), asymmetric padding, and with 64 channels (K = 576) sums
    # over several K blocks, the first starting from zero.
    "b1_k3_stride2_to_14x14": ([1, 16, 28, 27], 20, 1, (3, 3), (2, 2), [1, 1, 0, 1], (1, 1), True, "relu"),
    "b1_k3_stride2_to_14x14_kblocks": ([1, 64, 28, 28], 24, 1, (3, 3), (2, 2), [1, 1, 1, 1], (1, 1), False, "relu"),
    # Images whose columns leave 2 to 7 over the 32-wide tiles: two
    # (34 = 32 + 2, 98 = 3 x 32 + 2) as dot products along K on AVX-512
    # (both columns in one accumulator per row), the 98 of a 1x1 of two K blocks (K = 320) starting from zero
    # in the first; 3 (35) and 7 (39) on narrow vectors; a 3x3 at 14x14 of
    # 16 channels (K = 144, panels of 98) with 20 filters (a partial tile
    # of 4 rows); four (196 = 6 x 32 + 4) as column pairs along K on
    # AVX-512, at 14x14 with K = 72 (9 steps of 8 k) and 20 filters (a
    # partial tile of 4 rows), over two K blocks (K = 320, zero start), and
    # with K = 12, not a multiple of 8, on the narrow tile.
    "b1_k1_34_cols": ([1, 64, 2, 17], 40, 1, (1, 1), (1, 1), [0, 0, 0, 0], (1, 1), True, "relu"),
    "b1_k1_98_cols_kblocks": ([1, 320, 7, 14], 16, 1, (1, 1), (1, 1), [0, 0, 0, 0], (1, 1), True, "relu"),
    "b2_k1_35_cols": ([2, 32, 5, 7], 24, 1, (1, 1), (1, 1), [0, 0, 0, 0], (1, 1), True, None),
    "b1_k1_39_cols": ([1, 48, 3, 13], 16, 1, (1, 1), (1, 1), [0, 0, 0, 0], (1, 1), False, "relu"),
    "b1_k3_14x14": ([1, 16, 14, 14], 20, 1, (3, 3), (1, 1), [1, 1, 1, 1], (1, 1), True, "relu"),
    "b1_k1_14x14_4_left": ([1, 72, 14, 14], 20, 1, (1, 1), (1, 1), [0, 0, 0, 0], (1, 1), True, "relu"),
    "b1_k1_14x14_k12": ([1, 12, 14, 14], 8, 1, (1, 1), (1, 1), [0, 0, 0, 0], (1, 1), True, None),
    "b2_k1_14x14_kblocks": ([2, 320, 14, 14], 16, 1, (1, 1), (1, 1), [0, 0, 0, 0], (1, 1), False, None),
    # Columns between one and two vectors (25 at 5x5: one-vector tiles and
    # a 9-column remainder, 1x1 and 3x3 with a residual Add), and columns
    # leaving more than a vector over the 32-wide tiles where three-vector
    # tiles would too (212 at 4x53: 6 x 32, then 16 + 4), with 20 filters (a
    # partial tile of 4 rows) over two K blocks (K = 320, zero start).
    "b1_k1_5x5_25_cols": ([1, 64, 5, 5], 40, 1, (1, 1), (1, 1), [0, 0, 0, 0], (1, 1), True, "relu"),
    "b2_k3_5x5_residual": ([2, 32, 5, 5], 32, 1, (3, 3), (1, 1), [1, 1, 1, 1], (1, 1), True, "residual"),
    "b1_k1_4x53_212_cols_kblocks": ([1, 320, 4, 53], 20, 1, (1, 1), (1, 1), [0, 0, 0, 0], (1, 1), True, "relu"),
    # 1x1 maps (a squeeze-excitation's layers): the product transposed,
    # images by channels, against the weight transposed at compile time
    # (ConvToMatmul.cpp): one image 168 -> 672 with a Relu, three images
    # 40 -> 40 with a residual Add, one without a bias; and a 1x1 map of a
    # 2x2 input by stride 2, which keeps the product of one column.
    "b1_k1_map1x1_relu": ([1, 168, 1, 1], 672, 1, (1, 1), (1, 1), [0, 0, 0, 0], (1, 1), True, "relu"),
    "b3_k1_map1x1_residual": ([3, 40, 1, 1], 40, 1, (1, 1), (1, 1), [0, 0, 0, 0], (1, 1), True, "residual"),
    "b1_k1_map1x1_nobias": ([1, 33, 1, 1], 17, 1, (1, 1), (1, 1), [0, 0, 0, 0], (1, 1), False, None),
    "b2_k1_stride2_to_1x1": ([2, 24, 2, 2], 20, 1, (1, 1), (2, 2), [0, 0, 0, 0], (1, 1), True, None),
    # Filters whose rows (C*KH*KW floats) are a multiple of 1 KiB long, read
    # from copies with 64 bytes of zeros after each row: 256 channels 1x1
    # with the residual Add, 512 channels for two images (the padded filter
    # broadcast along the batch), 256 channels 3x3 stride 2 (rows of 2304).
    "b1_k1_256_padded_rows_residual": ([1, 256, 7, 9], 256, 1, (1, 1), (1, 1), [0, 0, 0, 0], (1, 1), True, "residual"),
    "b2_k1_512_padded_rows": ([2, 512, 5, 6], 24, 1, (1, 1), (1, 1), [0, 0, 0, 0], (1, 1), True, "relu"),
    "b1_k3_stride2_256_padded_rows": ([1, 256, 13, 12], 32, 1, (3, 3), (2, 2), [1, 1, 1, 1], (1, 1), False, "relu"),
    # Winograd F(4x4, 3x3) (WinogradConv.cpp: 3x3, stride 1, at least 64
    # input and output channels and 32 blocks of 4x4 outputs): output
    # sizes that are not whole blocks (29x23, 17x16, 13x13, 31x13),
    # padding 1 and 0, batch 2, more output than input channels, and the
    # fused Relu and residual Add after the output transform.
    "wino_b1_pad1_odd": ([1, 128, 29, 23], 128, 1, (3, 3), (1, 1), [1, 1, 1, 1], (1, 1), True, "relu"),
    "wino_b2_pad0": ([2, 128, 19, 18], 144, 1, (3, 3), (1, 1), [0, 0, 0, 0], (1, 1), False, None),
    "wino_b2_residual": ([2, 128, 13, 13], 128, 1, (3, 3), (1, 1), [1, 1, 1, 1], (1, 1), True, "residual"),
    # Asymmetric padding (top 2, left 0, bottom 1, right 2).
    "wino_b1_pad_asym": ([1, 128, 30, 13], 128, 1, (3, 3), (1, 1), [2, 0, 1, 2], (1, 1), False, None),
    # Fewer output than input channels and the reverse, and 64 on both
    # sides: the DB detector's 256 -> 64 FPN convolutions, 64 -> 256, and
    # 64 -> 64 for 2 images (ResNet's layer1).
    "wino_b1_256_to_64": ([1, 256, 25, 26], 64, 1, (3, 3), (1, 1), [1, 1, 1, 1], (1, 1), True, "relu"),
    "wino_b1_64_to_256": ([1, 64, 22, 21], 256, 1, (3, 3), (1, 1), [1, 1, 1, 1], (1, 1), False, None),
    "wino_b2_64_to_64": ([2, 64, 20, 19], 64, 1, (3, 3), (1, 1), [1, 1, 1, 1], (1, 1), True, "residual"),
    # Winograd F(2x2, 3x3), for images with fewer than 32 blocks of 4x4
    # outputs but at least 32 of 2x2: ResNet-50's 14x14 at batch 1 with
    # its residual Add (49 blocks), outputs that are not whole blocks
    # (11x13: 42 blocks, the last row and column cut), padding 0 (10x13),
    # and more output than input channels.
    "wino_f2_b1_14x14_residual": ([1, 128, 14, 14], 128, 1, (3, 3), (1, 1), [1, 1, 1, 1], (1, 1), True, "residual"),
    "wino_f2_b1_odd": ([1, 96, 11, 13], 80, 1, (3, 3), (1, 1), [1, 1, 1, 1], (1, 1), True, "relu"),
    "wino_f2_b1_pad0": ([1, 64, 12, 15], 144, 1, (3, 3), (1, 1), [0, 0, 0, 0], (1, 1), False, None),
    # --precision=bf16: the bf16 input and weight widened by Winograd's
    # transforms (F(4x4) at 2 x 20x19, F(2x2) at 1 x 14x14 with a residual).
    "bf16_wino_b2_64_to_64": ([2, 64, 20, 19], 64, 1, (3, 3), (1, 1), [1, 1, 1, 1], (1, 1), True, "relu"),
    "bf16_wino_f2_b1_14x14_residual": ([1, 128, 14, 14], 128, 1, (3, 3), (1, 1), [1, 1, 1, 1], (1, 1), True, "residual"),
    # Compiled for 16 threads (--cpu-threads=16; run on this machine's):
    # one image of fewer blocks of rows than threads takes the whole
    # image's im2col and a product cut for all the threads instead of
    # per-block panels (3x3 stride 2 to 28x28, 3x3 stride 1 at 14x14).
    "t16_b1_k3_stride2_to_28x28": ([1, 64, 56, 56], 128, 1, (3, 3), (2, 2), [1, 1, 1, 1], (1, 1), True, "relu"),
    "t16_b1_k3_14x14_residual": ([1, 48, 14, 14], 48, 1, (3, 3), (1, 1), [1, 1, 1, 1], (1, 1), True, "residual"),
    # Several images, fewer than threads: a slot per image and group of
    # its blocks of rows (the 7x7 stride-2 stem of 3 images, a 3x3 stride 2
    # of 2 images to 28x28, with its residual-free Relu).
    "t16_b3_stem_k7": ([3, 3, 64, 64], 16, 1, (7, 7), (2, 2), [3, 3, 3, 3], (1, 1), True, "relu"),
    "t16_b2_k3_stride2_to_28x28": ([2, 32, 56, 56], 64, 1, (3, 3), (2, 2), [1, 1, 1, 1], (1, 1), False, "relu"),
    # Images of one block each, fewer than threads: the batch's whole
    # im2col and its product cut for the threads (4 images to 7x7).
    "t16_b4_k3_stride2_to_7x7": ([4, 64, 14, 14], 128, 1, (3, 3), (2, 2), [1, 1, 1, 1], (1, 1), True, "relu"),
    # A product no row block alone cuts for 16 threads (32 x 784 x 192):
    # blocks of rows and columns, each column block ending in 4 columns
    # narrower than a register tile.
    "t16_b1_k1_rows_and_columns": ([1, 192, 28, 28], 32, 1, (1, 1), (1, 1), [0, 0, 0, 0], (1, 1), True, "relu"),
    # Compiled for 2 threads (--cpu-threads=2): a product of two register
    # tiles of rows (32 x 784 x 192) in two column blocks of 392, each
    # ending in a tile of 8 columns.
    "t2_b1_k1_column_halves": ([1, 192, 28, 28], 32, 1, (1, 1), (1, 1), [0, 0, 0, 0], (1, 1), True, "relu"),
    # ... and a weight's grid of 16 x 224 blocks (64 -> 256 channels at
    # 56x56) run column blocks outermost.
    "t2_b1_k1_columns_outermost": ([1, 64, 56, 56], 256, 1, (1, 1), (1, 1), [0, 0, 0, 0], (1, 1), True, "relu"),
}

# Winograd's rounding (bench/winograd_error.py) is not relative to each
# output but to the largest: about 1e-5 of max|y|, 6x to 40x that of the
# direct sum. Here (sums of 1152 products of standard normals, |y| up to
# ~170) it measured 1.1e-3 to 1.5e-3 against ONNX Runtime and against a
# float64 sum alike (the direct product: 1.6e-4 to 2.0e-4), so the bound is
# 3e-3, about 2e-5 of max|y|, plus 1e-5 relative. The 2304 products of
# wino_b1_256_to_64 measured 2.1e-3 (|y| up to ~200), 576 of
# wino_b1_64_to_256 6.5e-4.
WINOGRAD_TOLERANCE = dict(rtol=1e-5, atol=3e-3)
DIRECT_TOLERANCE = dict(rtol=1e-5, atol=1e-4)
# bf16 rounds the input and the weight to 8 significant bits (relative
# error up to 2^-9 each): over 576 and 1152 products of standard normals
# the error's standard deviation is about 0.06 and 0.09, and the largest of
# some 50 000 outputs about 4.5 of those. A weight misread (not widened
# exactly) errs by the size of the outputs (tens).
BF16_TOLERANCE = dict(rtol=1e-2, atol=0.5)

rng = np.random.default_rng(17)
failed = 0
for name, (shape, cout, groups, k, s, p, d, has_bias, after) in CASES.items():
    c = shape[1]
    weight = rng.standard_normal((cout, c // groups, *k)).astype(np.float32)
    inits = [numpy_helper.from_array(weight, "w")]
    inputs = ["x", "w"]
    if has_bias:
        inits.append(numpy_helper.from_array(rng.standard_normal(cout).astype(np.float32), "b"))
        inputs.append("b")
    nodes = [helper.make_node("Conv", inputs, ["conv"], name="conv", group=groups,
                              kernel_shape=list(k), strides=list(s), pads=list(p),
                              dilations=list(d))]
    result = "conv"
    if after == "relu":
        nodes.append(helper.make_node("Relu", ["conv"], ["y"], name="relu"))
        result = "y"
    elif after == "residual":
        nodes.append(helper.make_node("Add", ["conv", "x"], ["y"], name="add"))
        result = "y"
    graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info(result, TensorProto.FLOAT, None)], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    x = rng.standard_normal(shape).astype(np.float32)
    tolerance = WINOGRAD_TOLERANCE if name.startswith("wino_") else DIRECT_TOLERANCE
    opt_args = []
    if name.startswith("bf16_"):
        tolerance, opt_args = BF16_TOLERANCE, ["--precision=bf16"]
    elif name.startswith(("t16_", "t2_")):
        opt_args = [f"--cpu-threads={name[1:name.index('_')]}"]
    if not check_against_ort(out, name, model, x, result, **tolerance, opt_args=opt_args):
        failed += 1
sys.exit(1 if failed else 0)
