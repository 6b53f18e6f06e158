#!/usr/bin/env python3
"""Single-op contraction benchmark: AutoGLM against ONNX Runtime.

Builds one ONNX model per case (MatMul, batched MatMul, Conv, 1x1 Conv,
depthwise Conv), compiles it with `autoglm-opt --emit=so`, times it with
`autoglm-run --time N --threads 1` (built with `--cpu-threads=1` unless a
`--flag` or `--baseline-flag` says otherwise), and times ONNX Runtime on the
same inputs with one intra-op thread in the same run. Prints the medians, their spread,
the ratio AutoGLM/ORT (lower is better) and the largest difference between
the two outputs. With --baseline DIR, a second AutoGLM build (e.g. main's)
is timed on each case in the same run, for before/after ratios under the
same conditions.

    .venv/bin/python bench/contractions.py [--bin build-perf/bin] [--runs 50]
    .venv/bin/python bench/contractions.py --bin build/bin --baseline ../main/build/bin --only depthwise
    .venv/bin/python bench/contractions.py --bin build/bin --baseline build/bin \
        --baseline-flag=--cpu-amx=0 --only int8   # AMX tiles against VNNI
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper


def matmul(m, k, n, batch=None, weight=False):
    """MatMul of two inputs, or with `weight` a transformer's linear layer:
    an input by a constant weight, plus a constant bias."""
    a = ([batch] if batch else []) + [m, k]
    b = ([batch] if batch else []) + [k, n]
    y = ([batch] if batch else []) + [m, n]
    inputs = [helper.make_tensor_value_info("a", TensorProto.FLOAT, a)]
    output = [helper.make_tensor_value_info("y", TensorProto.FLOAT, y)]
    if not weight:
        inputs.append(helper.make_tensor_value_info("b", TensorProto.FLOAT, b))
        return helper.make_graph([helper.make_node("MatMul", ["a", "b"], ["y"], name="mm")],
                                 "mm", inputs, output)
    rng = np.random.default_rng(0)
    nodes = [helper.make_node("MatMul", ["a", "b"], ["ab"], name="mm"),
             helper.make_node("Add", ["ab", "bias"], ["y"], name="bias")]
    initializers = [numpy_helper.from_array(rng.uniform(-1, 1, b).astype(np.float32), "b"),
                    numpy_helper.from_array(rng.uniform(-1, 1, [n]).astype(np.float32), "bias")]
    return helper.make_graph(nodes, "linear", inputs, output, initializers)


def conv(c, h, w, f, kernel, group=1, pad=None, stride=1, batch=1):
    """Conv with a constant weight and bias, as in an exported CNN."""
    pad = kernel // 2 if pad is None else pad
    rng = np.random.default_rng(0)
    weight = rng.uniform(-1, 1, (f, c // group, kernel, kernel)).astype(np.float32)
    bias = rng.uniform(-1, 1, (f,)).astype(np.float32)
    node = helper.make_node("Conv", ["x", "w", "b"], ["y"], name="conv",
                            kernel_shape=[kernel, kernel], pads=[pad] * 4,
                            group=group, strides=[stride, stride])
    oh = (h + 2 * pad - kernel) // stride + 1
    ow = (w + 2 * pad - kernel) // stride + 1
    return helper.make_graph(
        [node], "conv",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, c, h, w])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [batch, f, oh, ow])],
        [numpy_helper.from_array(weight, "w"), numpy_helper.from_array(bias, "b")])


def matmul_int8(m, k, n):
    """MatMulInteger of a uint8 activation by a constant int8 weight: what
    --precision=int8 makes of a product."""
    rng = np.random.default_rng(0)
    weight = rng.integers(-128, 128, (k, n)).astype(np.int8)
    node = helper.make_node("MatMulInteger", ["a", "w"], ["y"], name="mm")
    return helper.make_graph(
        [node], "mm",
        [helper.make_tensor_value_info("a", TensorProto.UINT8, [m, k])],
        [helper.make_tensor_value_info("y", TensorProto.INT32, [m, n])],
        [numpy_helper.from_array(weight, "w")])


def conv_int8(c, h, w, f, kernel, stride=1):
    """ConvInteger of a uint8 image (zero point 128) by a constant int8
    weight, padded to keep the size at stride 1."""
    rng = np.random.default_rng(0)
    weight = rng.integers(-128, 128, (f, c, kernel, kernel)).astype(np.int8)
    pad = kernel // 2
    node = helper.make_node("ConvInteger", ["x", "w", "zx"], ["y"], name="conv",
                            kernel_shape=[kernel, kernel], pads=[pad] * 4,
                            strides=[stride, stride])
    oh = (h + 2 * pad - kernel) // stride + 1
    ow = (w + 2 * pad - kernel) // stride + 1
    return helper.make_graph(
        [node], "conv",
        [helper.make_tensor_value_info("x", TensorProto.UINT8, [1, c, h, w])],
        [helper.make_tensor_value_info("y", TensorProto.INT32, [1, f, oh, ow])],
        [numpy_helper.from_array(weight, "w"),
         numpy_helper.from_array(np.array(128, np.uint8), "zx")])


CASES = {
    "matmul 256x256x256": lambda: matmul(256, 256, 256),
    "matmul 1024x1024x1024": lambda: matmul(1024, 1024, 1024),
    "bmm 12x128x64 * 12x64x128": lambda: matmul(128, 64, 128, batch=12),
    # Attention's scores at 512 tokens: the keys' rows 2 KiB apart.
    "bmm 12x512x64 * 12x64x512": lambda: matmul(512, 64, 512, batch=12),
    "conv 3x3 64->64 56x56": lambda: conv(64, 56, 56, 64, 3),
    "conv 1x1 256->64 56x56": lambda: conv(256, 56, 56, 64, 1),
    "depthwise 3x3 32 112x112": lambda: conv(32, 112, 112, 32, 3, group=32),
    # MobileNetV2's features.2.dw, features.8.dw, features.17.dw and
    # MobileNetV3-Large's 5x5 stride-2 features.13 depthwise convolution.
    "depthwise 3x3 s2 96 112x112": lambda: conv(96, 112, 112, 96, 3, group=96, stride=2),
    "depthwise 3x3 384 14x14": lambda: conv(384, 14, 14, 384, 3, group=384),
    "depthwise 3x3 960 7x7": lambda: conv(960, 7, 7, 960, 3, group=960),
    "depthwise 5x5 s2 672 14x14": lambda: conv(672, 14, 14, 672, 5, group=672, stride=2),
    # MobileNetV2's 1x1 convolutions of few channels at 112x112 (features.1's
    # projection and features.2's expansion) and MobileNetV3's 16 -> 16.
    "conv 1x1 32->16 112x112": lambda: conv(32, 112, 112, 16, 1),
    "conv 1x1 16->96 112x112": lambda: conv(16, 112, 112, 96, 1),
    "conv 1x1 16->16 112x112": lambda: conv(16, 112, 112, 16, 1),
    # The first layer of MobileNetV2 and a 3x3 convolution at 7x7.
    "conv 3x3 s2 3->32 224x224": lambda: conv(3, 224, 224, 32, 3, stride=2),
    "conv 3x3 512->512 7x7": lambda: conv(512, 7, 7, 512, 3),
    # ResNet-50's other 3x3 stride-1 convolutions at batch 1.
    "conv 3x3 128->128 28x28": lambda: conv(128, 28, 28, 128, 3),
    "conv 3x3 256->256 14x14": lambda: conv(256, 14, 14, 256, 3),
    # Few channels or few pixels: where Winograd F(4x4, 3x3) does not pay
    # for its transforms (lib/Target/CPU/WinogradConv.cpp, min-channels and
    # min-tiles; docs/decisions.md).
    "conv 3x3 8->8 56x56": lambda: conv(8, 56, 56, 8, 3),
    "conv 3x3 16->16 56x56": lambda: conv(16, 56, 56, 16, 3),
    "conv 3x3 32->32 56x56": lambda: conv(32, 56, 56, 32, 3),
    "conv 3x3 64->64 14x14": lambda: conv(64, 14, 14, 64, 3),
    # ResNet-50's convolutions at batch 8: the stem, a 3x3 of each stage, a
    # 3x3 stride 2 and two 1x1.
    "b8 conv 7x7 s2 3->64 224x224": lambda: conv(3, 224, 224, 64, 7, stride=2, batch=8),
    "b8 conv 3x3 64->64 56x56": lambda: conv(64, 56, 56, 64, 3, batch=8),
    "b8 conv 3x3 s2 128->128 56x56": lambda: conv(128, 56, 56, 128, 3, stride=2, batch=8),
    "b8 conv 3x3 128->128 28x28": lambda: conv(128, 28, 28, 128, 3, batch=8),
    "b8 conv 3x3 256->256 14x14": lambda: conv(256, 14, 14, 256, 3, batch=8),
    "b8 conv 3x3 512->512 7x7": lambda: conv(512, 7, 7, 512, 3, batch=8),
    "b8 conv 1x1 256->64 56x56": lambda: conv(256, 56, 56, 64, 1, batch=8),
    "b8 conv 1x1 1024->256 14x14": lambda: conv(1024, 14, 14, 256, 1, batch=8),
    # ResNet-50's layer4 1x1 convolutions (49 columns an image) and its
    # stride-2 3x3 ones at batch 1.
    "conv 1x1 512->2048 7x7": lambda: conv(512, 7, 7, 2048, 1),
    "conv 1x1 2048->512 7x7": lambda: conv(2048, 7, 7, 512, 1),
    "conv 1x1 2048->512 8x8": lambda: conv(2048, 8, 8, 512, 1),
    "conv 1x1 2048->512 8x6": lambda: conv(2048, 8, 6, 512, 1),
    "conv 3x3 512->512 8x8": lambda: conv(512, 8, 8, 512, 3),
    "b8 conv 1x1 512->2048 7x7": lambda: conv(512, 7, 7, 2048, 1, batch=8),
    # layer3's 1x1 convolutions (196 columns an image: 6 x 32 + 4).
    "conv 1x1 1024->256 14x14": lambda: conv(1024, 14, 14, 256, 1),
    "conv 1x1 256->1024 14x14": lambda: conv(256, 14, 14, 1024, 1),
    # MobileNetV2's 1x1 expansions and projections of its last stages (196
    # and 49 columns an image), where its projections lag most.
    "conv 1x1 576->96 14x14": lambda: conv(576, 14, 14, 96, 1),
    "conv 1x1 96->576 14x14": lambda: conv(96, 14, 14, 576, 1),
    "conv 1x1 960->320 7x7": lambda: conv(960, 7, 7, 320, 1),
    "conv 1x1 160->960 7x7": lambda: conv(160, 7, 7, 960, 1),
    "b8 conv 1x1 960->320 7x7": lambda: conv(960, 7, 7, 320, 1, batch=8),
    "b8 conv 1x1 576->96 14x14": lambda: conv(576, 14, 14, 96, 1, batch=8),
    "conv 3x3 s2 128->128 56x56": lambda: conv(128, 56, 56, 128, 3, stride=2),
    # Each stage's first 1x1 convolution, which reads the stage before's
    # output (layer2.0.conv1, layer3.0.conv1, layer4.0.conv1).
    "conv 1x1 256->128 56x56": lambda: conv(256, 56, 56, 128, 1),
    "conv 1x1 512->256 28x28": lambda: conv(512, 28, 28, 256, 1),
    "conv 1x1 1024->512 14x14": lambda: conv(1024, 14, 14, 512, 1),
    "conv 3x3 s2 256->256 28x28": lambda: conv(256, 28, 28, 256, 3, stride=2),
    "conv 3x3 s2 512->512 14x14": lambda: conv(512, 14, 14, 512, 3, stride=2),
    # The downsampling 1x1 stride-2 shortcuts of layer2 and layer3 (28x28
    # and 14x14 outputs, on per-block panels like the 3x3 ones).
    # A 1x1 convolution at 80x80 (a DB-style detector's FPN): B's rows 25 KiB
    # apart, a column tile's pieces in 4 of L1's 64 sets.
    "conv 1x1 64->256 80x80": lambda: conv(64, 80, 80, 256, 1),
    "conv 1x1 s2 256->512 56x56": lambda: conv(256, 56, 56, 512, 1, stride=2),
    "conv 1x1 s2 512->1024 28x28": lambda: conv(512, 28, 28, 1024, 1, stride=2),
    # BERT-base's projections and feed-forward products at sequence 128.
    "matmul 128x768x768": lambda: matmul(128, 768, 768),
    "matmul 128x768x3072": lambda: matmul(128, 768, 3072),
    "matmul 128x3072x768": lambda: matmul(128, 3072, 768),
    # The same by constant weights, as BERT-base has them.
    "linear 128x768x768": lambda: matmul(128, 768, 768, weight=True),
    "linear 128x768x3072": lambda: matmul(128, 768, 3072, weight=True),
    "linear 128x3072x768": lambda: matmul(128, 3072, 768, weight=True),
    # The same with 16 more columns: B's rows no longer a multiple of 4 KiB apart.
    "matmul 128x768x784": lambda: matmul(128, 768, 784),
    "matmul 128x768x3088": lambda: matmul(128, 768, 3088),
    # int8 (uint8 x int8, int32 results): BERT-base's products at sequence
    # 128 and ResNet-50's convolutions at batch 1 (ONNX Runtime may lack an
    # int8-weight ConvInteger: n/a then).
    "int8 matmul 128x768x768": lambda: matmul_int8(128, 768, 768),
    "int8 matmul 128x768x3072": lambda: matmul_int8(128, 768, 3072),
    "int8 matmul 128x3072x768": lambda: matmul_int8(128, 3072, 768),
    "int8 conv 3x3 64->64 56x56": lambda: conv_int8(64, 56, 56, 64, 3),
    "int8 conv 1x1 256->64 56x56": lambda: conv_int8(256, 56, 56, 64, 1),
    "int8 conv 3x3 256->256 14x14": lambda: conv_int8(256, 14, 14, 256, 3),
    "int8 conv 3x3 512->512 7x7": lambda: conv_int8(512, 7, 7, 512, 3),
}


def time_ort(path, feeds, runs):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    try:
        session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    except Exception:  # an operator or type ONNX Runtime does not implement
        return float("nan"), float("nan"), float("nan"), None
    for _ in range(5):
        out = session.run(None, feeds)[0]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        session.run(None, feeds)
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times), min(times), max(times), out


def time_autoglm(bindir, path, feeds, runs, workdir, flags=()):
    so = os.path.join(workdir, "model.so")
    # Built for the one thread it runs on (as bench/run.py builds for its
    # threads): the blocks are cut for the compiler's --cpu-threads.
    if not any(flag.startswith("--cpu-threads") for flag in flags):
        flags = ("--cpu-threads=1", *flags)
    start = time.perf_counter()
    subprocess.run([os.path.join(bindir, "autoglm-opt"), path, *flags, "--emit=so", "-o", so],
                   check=True)
    compile_s = time.perf_counter() - start
    args = [os.path.join(bindir, "autoglm-run"), so, "--threads", "1"]
    for name, value in feeds.items():
        npy = os.path.join(workdir, name + ".npy")
        np.save(npy, value)
        args += ["--input", f"{name}={npy}"]
    outdir = os.path.join(workdir, "out")
    subprocess.run(args + ["--output-dir", outdir], check=True, stdout=subprocess.DEVNULL)
    out = np.load(os.path.join(outdir, "output_0.npy"))
    text = subprocess.run(args + ["--time", str(runs)], check=True,
                          capture_output=True, text=True).stdout
    match = re.search(r"median ([\d.]+) ms, min ([\d.]+) ms, max ([\d.]+) ms", text)
    if not match:
        sys.exit(f"cannot parse autoglm-run output: {text}")
    return (*map(float, match.groups()), out, compile_s)


def table_header(extra=""):
    """The header of the timing table this script and its siblings print."""
    return (f"{'case':28} {'AutoGLM ms (min-max)':>24} {'ORT ms (min-max)':>24} "
            f"{'ratio':>7} {'max|diff|':>10} {'compile s':>9}{extra}")


def table_row(name, autoglm, ort, diff, compile_s, extra=""):
    """One case's row: `autoglm` and `ort` are (median, min, max) ms."""
    (a_med, a_min, a_max), (o_med, o_min, o_max) = autoglm, ort
    return (f"{name:28} {a_med:9.3f} ({a_min:.3f}-{a_max:.3f}) "
            f"{o_med:9.3f} ({o_min:.3f}-{o_max:.3f}) {a_med / o_med:7.2f} "
            f"{diff:10.2e} {compile_s:9.2f}{extra}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--bin", default=os.path.join(root, "build-perf", "bin"),
                        help="directory with autoglm-opt and autoglm-run")
    parser.add_argument("--runs", type=int, default=50, help="timed runs (>= 20)")
    parser.add_argument("--only", default="", help="run the cases whose name contains this")
    parser.add_argument("--baseline", default="",
                        help="directory of another build's autoglm-opt and autoglm-run, timed too")
    parser.add_argument("--flag", action="append", default=[],
                        help="an extra autoglm-opt flag for --bin's build; repeatable")
    parser.add_argument("--baseline-flag", action="append", default=[],
                        help="an extra autoglm-opt flag for the baseline's build (e.g. "
                             "--baseline BIN --baseline-flag=--cpu-amx=0: the same "
                             "compiler without AMX); repeatable")
    args = parser.parse_args()

    rng = np.random.default_rng(1)
    before = f" {'baseline ms (min-max)':>24} {'ratio':>7}" if args.baseline else ""
    print(table_header(before))
    for name, build in CASES.items():
        if args.only not in name:
            continue
        graph = build()
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        with tempfile.TemporaryDirectory() as workdir:
            path = os.path.join(workdir, "model.onnx")
            onnx.save(model, path)
            feeds = {}
            for value in graph.input:
                shape = [d.dim_value for d in value.type.tensor_type.shape.dim]
                if value.type.tensor_type.elem_type == TensorProto.UINT8:
                    feeds[value.name] = rng.integers(0, 256, shape).astype(np.uint8)
                else:
                    feeds[value.name] = rng.uniform(-1, 1, shape).astype(np.float32)
            o_med, o_min, o_max, o_out = time_ort(path, feeds, args.runs)
            a_med, a_min, a_max, a_out, compile_s = time_autoglm(
                args.bin, path, feeds, args.runs, workdir, args.flag)
            baseline = ""
            if args.baseline:
                b_med, b_min, b_max, _, _ = time_autoglm(
                    args.baseline, path, feeds, args.runs, workdir, args.baseline_flag)
                baseline = f" {b_med:9.3f} ({b_min:.3f}-{b_max:.3f}) {b_med / o_med:7.2f}"
        diff = (float(np.max(np.abs(a_out.astype(np.float64) - o_out)))
                if o_out is not None else float("nan"))
        print(table_row(name, (a_med, a_min, a_max), (o_med, o_min, o_max), diff,
                        compile_s, baseline), flush=True)


if __name__ == "__main__":
    main()
