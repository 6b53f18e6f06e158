"""Edge cases of the CPU's uint8 x int8 convolutions: ConvInteger models
(uint8 activations with a constant zero point, constant int8 weights)
compiled by AutoGLM and compared with their exact result computed by numpy
in int64.

    int8_conv_cases.py --bin build/bin --work DIR [--cpu CPU]

Each case is compiled with `autoglm-opt --emit=so` (and `--cpu=CPU` when
given) and run with `autoglm-run --expect y=... --rtol 0 --atol 0`. The
activations hold 0 and 255 and the weights -128 and 127 in whole rows, so
the extreme products are summed over every window. The padding holds the
activation's zero point (ONNX's ConvInteger pads x with x_zero_point: the
shifted value is 0), so a result that padded with 0 instead differs at the
border. Cases:

  pad_zp        C 8, F 16, 3x3, pads 1, zero point 131, 9x9 (81 output
                pixels: not a multiple of 16)
  odd_channels  C 5 (not a multiple of 4 or 2), F 7, 3x3, pads (1, 2, 0, 1),
                strides 2, zero point 7, 11x10
  pointwise     1x1, C 12, F 32, zero point 255, 4x4
  dilated       C 4, F 4, 3x3, dilations 2, pads 2, zero point 0, 7x7
  large_weight  C 256, F 512, 3x3, pads 1, zero point 17, 4x4: the weight
                (F x 2304) widened to 16 bits would take 2.25 MiB, past
                the 2 MiB that the AVX2 kernel widens before its loops,
                so its pairs are widened in the loop
  wide_weight   uint8 weights with a zero point of 0 (values past 127: not
                int8), C 4, F 16, 3x3, zero point 3: the int32 loop nest
  batch2        two images, C 4, F 16, 3x3, pads 1, zero point 9: the int32
                loop nest

Prints `case NAME: ok (kernel: amx|vpdpbusd|vpmaddwd|none)` (which packed
product the compiled model's LLVM IR calls: AVX-512 VNNI's, AVX2's, or
neither) or the failing command, and exits 1 when a case fails.
"""
import argparse
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from ort_case import run_steps


def reference(x, zx, w, zw, pads, strides, dilations):
    """The exact int32 convolution of x - zx (padded with 0) and w - zw."""
    xs = x.astype(np.int64) - zx
    ws = w.astype(np.int64) - zw
    top, left, bottom, right = pads[0], pads[1], pads[2], pads[3]
    xs = np.pad(xs, ((0, 0), (0, 0), (top, bottom), (left, right)))
    n, c, h, wd = xs.shape
    f, _, kh, kw = ws.shape
    oh = (h - (kh - 1) * dilations[0] - 1) // strides[0] + 1
    ow = (wd - (kw - 1) * dilations[1] - 1) // strides[1] + 1
    y = np.zeros((n, f, oh, ow), np.int64)
    for i in range(kh):
        for j in range(kw):
            window = xs[:, :, i * dilations[0]:i * dilations[0] + (oh - 1) * strides[0] + 1:strides[0],
                        j * dilations[1]:j * dilations[1] + (ow - 1) * strides[1] + 1:strides[1]]
            y += np.einsum("nchw,fc->nfhw", window, ws[:, :, i, j])
    return y.astype(np.int32)


def case(rng, n, c, f, k, hw, zx, pads=(0, 0, 0, 0), strides=(1, 1), dilations=(1, 1),
         weight_type=np.int8):
    x = rng.integers(0, 256, (n, c) + hw).astype(np.uint8)
    x[:, 0] = 255
    x[:, -1, 0] = 0
    if weight_type == np.int8:
        w = rng.integers(-128, 128, (f, c, k, k)).astype(np.int8)
        w[0] = -128
        w[-1] = 127
    else:
        w = rng.integers(0, 256, (f, c, k, k)).astype(np.uint8)
    node = helper.make_node("ConvInteger", ["x", "w", "zx"], ["y"], name="conv", pads=list(pads),
                            strides=list(strides), dilations=list(dilations))
    y = reference(x, zx, w, 0, pads, strides, dilations)
    graph = helper.make_graph(
        [node], "conv", [helper.make_tensor_value_info("x", TensorProto.UINT8, list(x.shape))],
        [helper.make_tensor_value_info("y", TensorProto.INT32, list(y.shape))],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(np.array(zx, np.uint8), "zx")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    return model, x, y


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--cpu")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    rng = np.random.default_rng(11)
    cases = {
        "pad_zp": case(rng, 1, 8, 16, 3, (9, 9), 131, pads=(1, 1, 1, 1)),
        "odd_channels": case(rng, 1, 5, 7, 3, (11, 10), 7, pads=(1, 0, 2, 1), strides=(2, 2)),
        "pointwise": case(rng, 1, 12, 32, 1, (4, 4), 255),
        "dilated": case(rng, 1, 4, 4, 3, (7, 7), 0, pads=(2, 2, 2, 2), dilations=(2, 2)),
        "large_weight": case(rng, 1, 256, 512, 3, (4, 4), 17, pads=(1, 1, 1, 1)),
        "wide_weight": case(rng, 1, 4, 16, 3, (6, 6), 3, weight_type=np.uint8),
        "batch2": case(rng, 2, 4, 16, 3, (5, 5), 9, pads=(1, 1, 1, 1)),
    }
    cpu = [f"--cpu={args.cpu}"] if args.cpu else []
    failed = False
    for name, (model, x, y) in cases.items():
        path = os.path.join(args.work, name)
        onnx.save(model, path + ".onnx")
        np.save(path + "_x.npy", x)
        np.save(path + "_y.npy", y)
        opt = os.path.join(args.bin, "autoglm-opt")
        steps = [[opt, path + ".onnx", *cpu, "--emit=so", "-o", path + ".so"],
                 [opt, path + ".onnx", *cpu, "--emit=llvm", "-o", path + ".ll"],
                 [os.path.join(args.bin, "autoglm-run"), path + ".so", "--input",
                  f"x={path}_x.npy", "--expect", f"y={path}_y.npy", "--rtol", "0", "--atol", "0"]]
        if not run_steps(name, steps):
            failed = True
        else:
            with open(path + ".ll") as f:
                ir = f.read()
            kernel = ("amx" if "llvm.x86.tdpb" in ir else
                      "vpdpbusd" if "vpdpbusd" in ir else
                      "vpmaddwd" if "llvm.x86.avx2.pmadd.wd" in ir else "none")
            print(f"case {name}: ok (kernel: {kernel})")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
