#!/usr/bin/env python3
"""One artifact of several batch sizes against one artifact per size.

Compiles an ONNX model whose batch dimension is symbolic (default: the
example CNN) once with `--batch-sizes=SIZES` and once per size with
`--input-shape`, then, in alternating rounds, times a request of each size
through `autoglm-run --batch N --time RUNS` on both (the batcher runs a
request whose rows are a size directly on that size). Prints the library
bytes of each and, per size, the median of the rounds' median milliseconds
of each (min-max across rounds) and their ratio. The machine may be shared:
the load average is printed beside the figures.

    bench/batch_sizes.py [--build BUILD] [--model M.onnxtxt] [--input NAME]
                         [--sizes 1,2,4] [--rounds 5] [--runs 200]
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def run(args):
    result = subprocess.run(args, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def time_ms(runner, library, rows, runs):
    out = run([runner, library, "--batch", str(rows), "--seed", "1",
               "--threads", "1", "--time", str(runs)])
    match = re.search(r"median ([0-9.]+) ms", out)
    if not match:
        sys.exit(f"no timing in:\n{out}")
    return float(match.group(1))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--model",
                        default=os.path.join(ROOT, "examples", "tiny_cnn.onnxtxt"))
    parser.add_argument("--input", default="image")
    parser.add_argument("--shape", default="3x32x32",
                        help="the input's dimensions after the batch")
    parser.add_argument("--sizes", default="1,2,4")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    opt = os.path.join(args.build, "bin", "autoglm-opt")
    runner = os.path.join(args.build, "bin", "autoglm-run")
    sizes = [int(s) for s in args.sizes.split(",")]
    work = tempfile.mkdtemp(prefix="autoglm-batch-sizes-")
    multi = os.path.join(work, "sizes.so")
    run([opt, args.model, f"--batch-sizes={args.sizes}", "--emit=so", "-o", multi])
    single = {}
    for size in sizes:
        single[size] = os.path.join(work, f"b{size}.so")
        run([opt, args.model, f"--input-shape={args.input}:{size}x{args.shape}",
             "--emit=so", "-o", single[size]])
    print(f"load average at start: {os.getloadavg()}")
    print(f"library bytes: one artifact of sizes {args.sizes}: "
          f"{os.path.getsize(multi)}; one per size: "
          + ", ".join(f"{s}: {os.path.getsize(single[s])}" for s in sizes)
          + f" (sum {sum(os.path.getsize(single[s]) for s in sizes)})")
    times = {s: {"multi": [], "single": []} for s in sizes}
    for _ in range(args.rounds):
        for size in sizes:
            times[size]["multi"].append(time_ms(runner, multi, size, args.runs))
            times[size]["single"].append(
                time_ms(runner, single[size], size, args.runs))
    print("| batch | one artifact ms (min-max) | one per size ms (min-max) | ratio |")
    print("| --- | --- | --- | --- |")
    for size in sizes:
        m, s = times[size]["multi"], times[size]["single"]
        print(f"| {size} | {statistics.median(m):.4f} ({min(m):.4f}-{max(m):.4f}) "
              f"| {statistics.median(s):.4f} ({min(s):.4f}-{max(s):.4f}) "
              f"| {statistics.median(m) / statistics.median(s):.2f} |")
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
