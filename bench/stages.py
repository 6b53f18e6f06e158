#!/usr/bin/env python3
"""Cuts a model into consecutive stages at named tensors and times each
stage against ONNX Runtime, run by run in one process (bench/interleaved.py),
so that a gap to ONNX Runtime can be told apart as concentrated in a few
stages or spread over all of them.

    bench/stages.py MODEL.onnx --cut T1,T2,... [--inputs DIR] [--threads N]
        [--runs N] [--no-spin] [--build BUILD] [--work DIR]

Stage i runs from cut i-1 (the model's inputs for the first stage) to cut i
(`onnx.utils.extract_model`), the last stage from the last cut to the
model's outputs. Each stage's input is what ONNX Runtime computes for it
from the model's inputs (DIR/<input name>.npy, else random as
interleaved.py makes them); each stage is compiled by BUILD's autoglm-opt
for N threads with its input's shape. Prints a table: each stage's tensors,
both runners' medians, the ratio of the medians and the median of the
run-by-run ratios with its interquartile range, and their sums. At more
than one thread the runners' workers spin after a run in one process, on
the cores the other needs (bench/interleaved.py; `--no-spin` turns that off
for both, at some cost to ONNX Runtime): one thread is the fair case.

A stage alone is not the stage inside the model: each runner reads its
input from memory and writes its output there, and ONNX Runtime converts a
stage's input and output between NCHW and its channel-blocked layout
(NCHWc) where, inside the model, it keeps that layout from one convolution
to the next. The sums are therefore more than the whole model's times, ONNX
Runtime's by its conversions.

    bench/stages.py /tmp/bw2/resnet50/model.onnx --inputs /tmp/bw2/resnet50/b1/inputs \\
        --cut maxpool,layer1.2.relu,layer2.3.relu,layer3.5.relu --threads 1 --runs 30
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx.utils import extract_model

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from interleaved import model_inputs, ort_session, time_run_by_run  # noqa: E402


def stage_bounds(model, cuts):
    """[(stage inputs, stage outputs)] of the model cut at `cuts`; exits
    naming a cut that is no tensor of the model."""
    graph = model.graph
    initializers = {i.name for i in graph.initializer}
    tensors = {o for n in graph.node for o in n.output} | {i.name for i in graph.input}
    for cut in cuts:
        if cut not in tensors:
            sys.exit(f"stages.py: --cut '{cut}' is no tensor of the model")
    inputs = [i.name for i in graph.input if i.name not in initializers]
    outputs = [o.name for o in graph.output]
    ends = [[c] for c in cuts] + [outputs]
    starts = [inputs] + [[c] for c in cuts]
    return list(zip(starts, ends))


def model_values(model_path, names, inputs, seed, work):
    """{name: value} of the model's inputs (`inputs`/<name>.npy, else random)
    and of the tensors `names` that ONNX Runtime computes from them, in one
    session of the model saved with `names` as outputs."""
    model = onnx.load(model_path)
    present = {o.name for o in model.graph.output}
    for name in names:
        if name not in present:
            model.graph.output.append(onnx.ValueInfoProto(name=name))
    path = os.path.join(work, "with_cuts.onnx")
    onnx.save(model, path, save_as_external_data=True, location="with_cuts.data")
    session = ort_session(path, 1, False)
    values = model_inputs(session, inputs, seed)
    values.update(zip(names, session.run(names, values)))
    return values


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model")
    parser.add_argument("--cut", required=True, help="comma-separated tensor names where stages end")
    parser.add_argument("--inputs", help="directory of <input name>.npy files")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--runs", type=int, default=30, help="timed runs of each runner and stage")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-spin", action="store_true",
                        help="no runner's workers spin after a run (ONNX Runtime and the libraries)")
    parser.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    parser.add_argument("--work", help="directory for the stages' models and libraries (default: a new one)")
    args = parser.parse_args()
    work = args.work or tempfile.mkdtemp(prefix="autoglm-stages-")
    os.makedirs(work, exist_ok=True)

    model = onnx.load(args.model, load_external_data=False)
    cuts = [c for c in args.cut.split(",") if c]
    bounds = stage_bounds(model, cuts)
    values = model_values(args.model, cuts, args.inputs, args.seed, work)

    rows = []
    for index, (starts, ends) in enumerate(bounds):
        path = os.path.join(work, f"stage{index}.onnx")
        extract_model(args.model, path, starts, ends)
        library = os.path.join(work, f"stage{index}.so")
        shapes = [f"--input-shape={n}:{'x'.join(map(str, values[n].shape))}" for n in starts]
        subprocess.run([os.path.join(args.build, "bin", "autoglm-opt"), path, "--emit=so", "-o", library,
                        f"--cpu-threads={args.threads}", *shapes], check=True)
        session = ort_session(path, args.threads, args.no_spin)
        times = time_run_by_run(session, {n: values[n] for n in starts}, [("autoglm", library)],
                                args.threads, args.runs, no_spin=args.no_spin, build=args.build)
        rows.append((f"{', '.join(starts)} -> {', '.join(ends)}", times["autoglm"], times["ort"]))

    print(f"\n{args.runs} runs each, {args.threads} thread(s), run by run in one process; "
          "ms medians, ratios AutoGLM / ONNX Runtime\n")
    print("| stage | AutoGLM ms | ONNX Runtime ms | ratio | run by run (IQR) |")
    print("| --- | --- | --- | --- | --- |")
    for name, ours, theirs in rows:
        paired = ours / theirs
        print(f"| {name} | {np.median(ours):.3f} | {np.median(theirs):.3f} | "
              f"{np.median(ours) / np.median(theirs):.3f} | {np.median(paired):.3f} "
              f"({np.percentile(paired, 25):.3f}-{np.percentile(paired, 75):.3f}) |")
    ours = sum(np.median(r[1]) for r in rows)
    theirs = sum(np.median(r[2]) for r in rows)
    print(f"| all stages | {ours:.3f} | {theirs:.3f} | {ours / theirs:.3f} | |")


if __name__ == "__main__":
    main()
