#!/usr/bin/env python3
"""How ONNX Runtime and compiled libraries of one model scale with threads.

For each thread count, in rounds: ONNX Runtime's session runs a block of
runs, is closed (so that its spinning workers are gone), then each library
runs a block in its own session of as many threads. Medians over all of a
runner's runs, the spread of the rounds' medians, and each library's ratio
to ONNX Runtime at that count. Outputs are checked against ONNX Runtime's
first. Meant for machines with many cores (the GPU machine's 16): on two
cores the blocks of one runner still take turns with nothing else.

    bench/thread_scaling.py MODEL NAME=LIB.so [NAME=LIB.so ...]
        [--threads 1,2,4,8,16] [--inputs DIR] [--runs N] [--rounds N]
        [--build BUILD | --runtime LIBAUTOGLM_RUNTIME.so]

MODEL is an ONNX file or a bench/models.py name (built with --seed, as
bench/run.py builds it). The libraries run through the runtime's C API: the
runtime of BUILD linked into a shared object (needs clang-22), or a shared
object built elsewhere (`--runtime`, for a machine without LLVM). Compile
the libraries with `autoglm-opt --cpu-threads=N` for the count they are
meant to run with (docs/runtime.md).
"""
import argparse
import gc
import os
import sys
import tempfile
import time

import numpy as np
import onnx
import onnxruntime as ort

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import models  # noqa: E402
from decoder_step import CompiledStep, runtime_library  # noqa: E402
from interleaved import check_library, library_arguments, model_inputs  # noqa: E402


def timed_block(run, count):
    """Seconds of each of `count` runs, after three untimed ones."""
    for _ in range(3):
        run()
    times = []
    for _ in range(count):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="an ONNX file or a bench/models.py name")
    parser.add_argument("libs", nargs="+", metavar="NAME=LIB.so")
    parser.add_argument("--threads", default="1,2,4,8,16", help="comma-separated counts")
    parser.add_argument("--inputs", default=None, help="DIR of <input name>.npy (else random)")
    parser.add_argument("--runs", type=int, default=40, help="timed runs per runner and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    parser.add_argument("--runtime", default=None, help="a prebuilt libautoglm_runtime.so")
    args = parser.parse_args()

    libs = library_arguments(args.libs, "thread_scaling.py")
    try:
        counts = [int(t) for t in args.threads.split(",")]
    except ValueError:
        counts = []
    if not counts or min(counts) < 1:
        sys.exit(f"thread_scaling.py: --threads '{args.threads}' is not a list of counts >= 1")

    tmp = tempfile.mkdtemp(prefix="thread-scaling-")
    path = args.model
    if not os.path.isfile(path):
        if args.model not in models.MODELS:
            sys.exit(f"thread_scaling.py: '{args.model}' is neither a file nor one of "
                     f"{', '.join(models.MODELS)}")
        path = os.path.join(tmp, f"{args.model}.onnx")
        onnx.save(models.build(args.model, args.seed), path)
    runtime = args.runtime or runtime_library(args.build, tmp)

    first = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    feeds = model_inputs(first, args.inputs, args.seed)
    reference = first.run(None, feeds)
    names = [o.name for o in first.get_outputs()]
    del first
    for name, lib in libs:
        check_library(name, CompiledStep(runtime, lib, 1), feeds, names, reference)

    header = "| threads | ONNX Runtime ms |" + "".join(f" {n} ms | {n} / ORT |" for n, _ in libs)
    print(f"\n{args.runs} runs a round, {args.rounds} rounds; medians (min-max of the rounds')\n")
    print(header)
    print("|" + " --- |" * (2 + 2 * len(libs)))
    for threads in counts:
        times = {"ort": []}
        rounds = {"ort": []}
        for name, _ in libs:
            times[name], rounds[name] = [], []
        for _ in range(args.rounds):
            options = ort.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
            block = timed_block(lambda: session.run(None, feeds), args.runs)
            times["ort"] += block
            rounds["ort"].append(np.median(block))
            del session
            gc.collect()
            for name, lib in libs:
                step = CompiledStep(runtime, lib, threads)
                block = timed_block(lambda: step.run(feeds), args.runs)
                times[name] += block
                rounds[name].append(np.median(block))
                del step
                gc.collect()

        def cell(key):
            return (f"{np.median(times[key]) * 1e3:.2f} "
                    f"({min(rounds[key]) * 1e3:.2f}-{max(rounds[key]) * 1e3:.2f})")
        ort_ms = np.median(times["ort"])
        row = f"| {threads} | {cell('ort')} |"
        for name, _ in libs:
            row += f" {cell(name)} | {np.median(times[name]) / ort_ms:.2f} |"
        print(row, flush=True)


if __name__ == "__main__":
    main()
