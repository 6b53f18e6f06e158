"""CPU latency and weights of --precision=fp32/fp16/bf16, side by side.

    .venv/bin/python bench/precision.py --bin build/bin --work /tmp/precision \
        [--models minilm,resnet50] [--threads 1] [--runs 10] [--rounds 3]

Compiles each model of bench/models.py at batch 1 once per precision
(--weights=external), then times them with `autoglm-run --time RUNS` in
alternating rounds (fp32, fp16, bf16, fp32, ...) so that the load of a
shared machine falls on all of them alike. Prints, per model and precision,
the weights file's bytes, the median of the rounds' median milliseconds with
the rounds' min-max, and the ratio to fp32's median. Inputs are random
(autoglm-run --seed 1); accuracy is test/e2e/precision_accuracy.py's.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import models  # noqa: E402
import onnx  # noqa: E402


def run(cmd):
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"failed ({result.returncode}): {' '.join(cmd)}\n{result.stderr}")
    return result.stdout + result.stderr


parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--bin", required=True)
parser.add_argument("--work", required=True)
parser.add_argument("--models", default="minilm,resnet50")
parser.add_argument("--precisions", default="fp32,fp16,bf16")
parser.add_argument("--threads", type=int, default=1)
parser.add_argument("--runs", type=int, default=10)
parser.add_argument("--rounds", type=int, default=3)
args = parser.parse_args()

precisions = args.precisions.split(",")
print(f"| model | precision | weights file bytes | median ms (min-max of {args.rounds} rounds "
      f"x {args.runs} runs, {args.threads} thread(s)) | / fp32 |")
print("| --- | --- | --- | --- | --- |")
for name in args.models.split(","):
    work = os.path.join(args.work, name)
    os.makedirs(work, exist_ok=True)
    model = models.build(name)
    path = os.path.join(work, "model.onnx")
    onnx.save(model, path, save_as_external_data=True, location="model.onnx.data")
    shapes = models.input_shapes(model, 1, models.MODELS[name][3])
    shape_args = [f"--input-shape={n}:{'x'.join(map(str, s))}" for n, s in shapes.items()]
    for p in precisions:
        run([os.path.join(args.bin, "autoglm-opt"), path, *shape_args, f"--precision={p}",
             "--weights=external", "--emit=so", "-o", os.path.join(work, f"{p}.so")])
    medians = {p: [] for p in precisions}
    for _ in range(args.rounds):
        for p in precisions:
            out = run([os.path.join(args.bin, "autoglm-run"), os.path.join(work, f"{p}.so"),
                       "--seed", "1", "--time", str(args.runs), "--threads", str(args.threads)])
            medians[p].append(float(re.search(r"median ([0-9.]+) ms", out).group(1)))
    base = statistics.median(medians[precisions[0]])
    for p in precisions:
        m = statistics.median(medians[p])
        weights = os.path.getsize(os.path.join(work, f"{p}.weights"))
        print(f"| {name} | {p} | {weights} | {m:.1f} ({min(medians[p]):.1f}-{max(medians[p]):.1f}) "
              f"| {m / base:.2f} |", flush=True)
