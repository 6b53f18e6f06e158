"""Compares the models bench/precision.py compiled with ONNX Runtime's
outputs on one random input.

    .venv/bin/python bench/precision_outputs.py --bin build/bin \
        --work /tmp/precision-int8conv --models resnet50,mobilenetv2 [--seed 7]

For each model directory that bench/precision.py --ort left in WORK, runs
AutoGLM's fp32.so and int8.so (compiled from the float32 model) against
ONNX Runtime on the float32 model, and ort_qdq.so (ONNX Runtime's
quantize_static model compiled by AutoGLM) against ONNX Runtime on that
quantized model, all on bench/models.py's random input of SEED. Prints per
pair the cosine of the first outputs, the largest difference over the
largest reference value, and whether the largest element is the same.
The first line says whether ONNX Runtime's int8 kernels are exact on this
host (bench/precision_host.py): where they saturate (x86 with AVX2 and no
VNNI), ort_qdq.so's difference from ONNX Runtime includes ONNX Runtime's
saturation, not only AutoGLM's rounding.
"""
import argparse
import os
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import models  # noqa: E402
from precision_host import ort_int8_note  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--bin", required=True)
parser.add_argument("--work", required=True)
parser.add_argument("--models", default="resnet50,mobilenetv2")
parser.add_argument("--seed", type=int, default=7)
args = parser.parse_args()

print(ort_int8_note())
for name in args.models.split(","):
    work = os.path.join(args.work, name)
    model = onnx.load(os.path.join(work, "ort_model.onnx"))
    shapes = models.input_shapes(model, 1, models.MODELS[name][3])
    feed = models.make_inputs(model, shapes, args.seed)
    inputs = []
    for input_name, value in feed.items():
        path = os.path.join(work, f"compare_{input_name}.npy")
        np.save(path, value)
        inputs += ["--input", f"{input_name}={path}"]
    for so, reference in (("fp32.so", "ort_model.onnx"), ("int8.so", "ort_model.onnx"),
                          ("ort_qdq.so", "ort_int8.onnx")):
        expected = ort.InferenceSession(os.path.join(work, reference),
                                        providers=["CPUExecutionProvider"]).run(None, feed)[0]
        out_dir = os.path.join(work, "compare_" + so[:-3])
        subprocess.run([os.path.join(args.bin, "autoglm-run"), os.path.join(work, so), *inputs,
                        "--output-dir", out_dir], check=True, stdout=subprocess.DEVNULL)
        actual = np.load(os.path.join(out_dir, "output_0.npy"))
        a, e = actual.ravel().astype(np.float64), expected.ravel().astype(np.float64)
        cosine = float(a @ e / (np.linalg.norm(a) * np.linalg.norm(e)))
        print(f"{name} {so} against ONNX Runtime on {reference}: cosine {cosine:.6f}, "
              f"max |diff| / max |ref| {np.abs(a - e).max() / np.abs(e).max():.2e}, "
              f"same largest element: {int(a.argmax()) == int(e.argmax())}", flush=True)
