#!/usr/bin/env python3
"""Times ONNX Runtime and one or more compiled libraries of the same model in
one process, run by run (ORT, then each library, then ORT again...), so that
a change of load on a shared machine falls on every runner alike. On the
2-core machines this project is measured on, whole runs in separate processes
moved by 20-40% from one to the next, both runners together; ratios taken
run by run moved by a few percent.

    bench/interleaved.py MODEL.onnx NAME=LIB.so [NAME=LIB.so ...]
        [--inputs DIR] [--threads N] [--runs N] [--build BUILD]

The libraries run through the runtime's C API (the runtime of BUILD, as a
shared object). Inputs come from DIR/<input name>.npy (a `bench/run.py
--work` directory's MODEL/bN/inputs), else random: floats standard normal,
integers zero. Each library's outputs are compared with ONNX Runtime's
first (max abs error printed). Then for each runner the median and min ms,
and for each library the ratio of its median to ONNX Runtime's and the
median (with the interquartile range) of the run-by-run ratios.

At more than one thread, ONNX Runtime's workers spin for a while after its
run without yielding, on the cores the next runner needs; `--ort-no-spin`
turns that off (`session.intra_op.allow_spinning = 0`), at some cost to
ONNX Runtime. Neither choice is fair to both at 2 threads on 2 cores: take
2-thread figures from separate processes (bench/run.py). AutoGLM's workers
poll for 10 ms after a run (the runtime's `spin_after_run_us`), so a library
timed right after another one shares the cores with the first one's workers:
two copies of the same library built for 16 threads and run on 16 cores
measured the second 8-13% slower. `--no-spin` turns spinning off for every
runner, ONNX Runtime and the libraries. Even so, on a 16-core machine the
copy run second took 1.04-1.27x the first one's median (the same minimum),
so the libraries' order after ONNX Runtime rotates from one round to the
next: each runs in each place equally often.
"""
import argparse
import os
import sys
import tempfile
import time

import numpy as np
import onnxruntime as ort

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from decoder_step import CompiledStep, runtime_library  # noqa: E402

_NUMPY = {"tensor(float)": np.float32, "tensor(double)": np.float64, "tensor(int64)": np.int64,
          "tensor(int32)": np.int32, "tensor(bool)": np.bool_, "tensor(float16)": np.float16}


def model_inputs(session, directory, seed):
    rng = np.random.default_rng(seed)
    feeds = {}
    for i in session.get_inputs():
        path = os.path.join(directory, f"{i.name}.npy") if directory else ""
        if path and os.path.exists(path):
            feeds[i.name] = np.load(path)
            continue
        if any(not isinstance(d, int) for d in i.shape):
            sys.exit(f"interleaved.py: input '{i.name}' has a symbolic shape {i.shape}; "
                     f"give it as {directory or 'DIR'}/{i.name}.npy (--inputs DIR)")
        dtype = _NUMPY.get(i.type)
        if dtype is None:
            sys.exit(f"interleaved.py: input '{i.name}' has type {i.type}; give it with --inputs")
        feeds[i.name] = (rng.standard_normal(i.shape).astype(dtype) if np.issubdtype(dtype, np.floating)
                         else np.zeros(i.shape, dtype))
    return feeds


def library_arguments(specs, program):
    """[(name, path)] from NAME=LIB.so arguments; exits naming the first that
    is not one with an existing library."""
    libraries = []
    for spec in specs:
        name, sep, path = spec.partition("=")
        if not sep or not name or not os.path.isfile(path):
            sys.exit(f"{program}: '{spec}' is not NAME=LIB.so with an existing library")
        libraries.append((name, path))
    return libraries


def check_library(name, step, feeds, output_names, reference):
    """Runs `step` once and prints its largest absolute error against
    ONNX Runtime's `reference` outputs (named `output_names`)."""
    scale = max(float(np.max(np.abs(r))) if r.size else 0.0 for r in reference)
    outputs = step.run(feeds)
    error = max(float(np.max(np.abs(outputs[n].astype(np.float64) - r)))
                for n, r in zip(output_names, reference))
    print(f"{name}: max abs error against ONNX Runtime {error:.3g} (outputs up to {scale:.3g})")


def ort_session(model, threads, no_spin):
    """ONNX Runtime's session for `model` on `threads` intra-op threads,
    its workers not spinning after a run with `no_spin`."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    if no_spin:
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])


def time_run_by_run(session, feeds, libraries, threads, runs, warmup=3, no_spin=False,
                    build=os.path.join(HERE, "..", "build")):
    """Times ONNX Runtime's `session` and each (name, LIB.so) of `libraries`
    on `feeds`, run by run in this process (each library's outputs checked
    first); returns {runner name: ms of each timed run}, ONNX Runtime's as
    "ort"."""
    reference = session.run(None, feeds)
    output_names = [o.name for o in session.get_outputs()]
    runtime = runtime_library(build, tempfile.mkdtemp(prefix="autoglm-interleaved-"))
    runners = [("ort", lambda: session.run(None, feeds))]
    for name, path in libraries:
        step = CompiledStep(runtime, path, threads, 0 if no_spin else -1)
        check_library(name, step, feeds, output_names, reference)
        runners.append((name, lambda step=step: step.run(feeds)))

    times = {name: [] for name, _ in runners}
    for i in range(warmup + runs):
        # ONNX Runtime first, then the libraries in an order rotated each
        # round: each takes each place after ORT equally often.
        shift = 1 + i % max(1, len(runners) - 1)
        for name, run in runners[:1] + runners[shift:] + runners[1:shift]:
            start = time.perf_counter()
            run()
            if i >= warmup:
                times[name].append((time.perf_counter() - start) * 1e3)
    return {name: np.array(ms) for name, ms in times.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model")
    parser.add_argument("libraries", nargs="+", metavar="NAME=LIB.so")
    parser.add_argument("--inputs", help="directory of <input name>.npy files")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--runs", type=int, default=40, help="timed runs of each runner")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ort-no-spin", action="store_true",
                        help="ONNX Runtime's workers do not spin after a run")
    parser.add_argument("--no-spin", action="store_true",
                        help="no runner's workers spin after a run (ONNX Runtime and the libraries)")
    parser.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    args = parser.parse_args()
    libraries = library_arguments(args.libraries, "interleaved.py")

    session = ort_session(args.model, args.threads, args.ort_no_spin or args.no_spin)
    feeds = model_inputs(session, args.inputs, args.seed)
    times = time_run_by_run(session, feeds, libraries, args.threads, args.runs, args.warmup,
                            args.no_spin, args.build)
    ort_ms = times["ort"]
    print(f"{args.runs} runs each, {args.threads} thread(s), run by run in one process")
    print(f"{'ort':12s} median {np.median(ort_ms):9.3f} ms  min {ort_ms.min():9.3f}")
    for name, _ in libraries:
        ms = times[name]
        paired = ms / ort_ms
        print(f"{name:12s} median {np.median(ms):9.3f} ms  min {ms.min():9.3f}  "
              f"/ ort: {np.median(ms) / np.median(ort_ms):.3f} (run by run {np.median(paired):.3f}, "
              f"IQR {np.percentile(paired, 25):.3f}-{np.percentile(paired, 75):.3f})")


if __name__ == "__main__":
    main()
