#!/usr/bin/env python3
"""Child process of bench/run.py: runs one model with ONNX Runtime (CPU,
every graph optimization on) on inputs saved as .npy, saves the outputs and
prints one JSON line with the timings. Running it as its own process lets
the parent read its peak resident memory (ru_maxrss), as it does for
autoglm-run.

    ort_runner.py MODEL.onnx --inputs DIR --outputs DIR --threads N
                  [--warmup W] [--runs N] [--budget SECONDS]
    ort_runner.py --baseline      # imports only: the interpreter's own footprint
"""

import argparse
import json
import os
import statistics
import sys
import time

import numpy as np


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model", nargs="?")
    parser.add_argument("--inputs")
    parser.add_argument("--outputs")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--runs", type=int, default=20, help="most timed runs")
    parser.add_argument("--min-runs", type=int, default=5)
    parser.add_argument("--budget", type=float, default=30.0,
                        help="stop timing after this many seconds once min-runs are done")
    parser.add_argument("--baseline", action="store_true")
    args = parser.parse_args()

    import onnxruntime as ort
    if args.baseline:
        print(json.dumps({"onnxruntime": ort.__version__}))
        return

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = args.threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    session = ort.InferenceSession(args.model, options, providers=["CPUExecutionProvider"])
    feeds = {i.name: np.load(os.path.join(args.inputs, i.name + ".npy")) for i in session.get_inputs()}
    outputs = None
    for _ in range(max(1, args.warmup)):
        outputs = session.run(None, feeds)
    os.makedirs(args.outputs, exist_ok=True)
    for index, value in enumerate(outputs):
        np.save(os.path.join(args.outputs, f"output_{index}.npy"), value)
    times = []
    start_all = time.perf_counter()
    while len(times) < args.runs:
        start = time.perf_counter()
        session.run(None, feeds)
        times.append((time.perf_counter() - start) * 1e3)
        if len(times) >= args.min_runs and time.perf_counter() - start_all > args.budget:
            break
    print(json.dumps({"runs": len(times), "median_ms": statistics.median(times),
                      "min_ms": min(times), "max_ms": max(times),
                      "outputs": [o.name for o in session.get_outputs()]}))


if __name__ == "__main__":
    sys.exit(main())
