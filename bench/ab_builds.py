#!/usr/bin/env python3
"""Times the same models compiled by two AutoGLM builds, alternating them
round by round so that a change of load on a shared machine falls on both.

    bench/ab_builds.py --before WORK_A --after WORK_B --models bert_base,minilm

WORK_A and WORK_B are `bench/run.py --work` directories (each holds
MODEL/bN/model.so and MODEL/bN/inputs/*.npy for --batch N, default 1, inputs without a file being
random; run bench/run.py once with each build's --build). Prints per model the median of the round medians
(ms, min-max over all timed runs) of each build and the ratio after/before
(lower is better for the "after" build).
"""
import argparse
import glob
import os
import re
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def time_once(run, work, model, threads, runs, batch=1):
    b1 = os.path.join(work, model, f"b{batch}")
    # Inputs from the files; any missing one random (the same in both builds).
    cmd = [run, os.path.join(b1, "model.so"), "--threads", str(threads), "--time", str(runs),
           "--seed", "1"]
    for path in sorted(glob.glob(os.path.join(b1, "inputs", "*.npy"))):
        cmd += ["--input", f"{os.path.splitext(os.path.basename(path))[0]}={path}"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    m = re.search(r"median ([0-9.]+) ms, min ([0-9.]+) ms, max ([0-9.]+) ms", out)
    if not m:
        sys.exit(f"no timing in the output of {' '.join(cmd)}")
    return tuple(float(v) for v in m.groups())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="bench/run.py --work directory of build A")
    parser.add_argument("--after", required=True, help="bench/run.py --work directory of build B")
    parser.add_argument("--models", required=True, help="comma-separated model names")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=10, help="timed runs per round and build")
    parser.add_argument("--batch", type=int, default=1, help="the batch timed: each WORK/MODEL/bN (default 1)")
    parser.add_argument("--autoglm-run", default=os.path.join(ROOT, "build", "bin", "autoglm-run"))
    args = parser.parse_args()
    with open("/proc/loadavg") as f:
        load = " / ".join(f.read().split()[:3])
    print(f"threads {args.threads}, batch {args.batch}, {args.rounds} rounds x {args.runs} runs per build; "
          f"load average at start {load} (shared machine)")
    print("| model | before ms | after ms | after / before |")
    print("| --- | --- | --- | --- |")
    for model in args.models.split(","):
        rounds = {"before": [], "after": []}
        for _ in range(args.rounds):
            for name in ("before", "after"):
                work = getattr(args, name)
                rounds[name].append(time_once(args.autoglm_run, work, model, args.threads, args.runs,
                                              args.batch))
        cells = []
        for name in ("before", "after"):
            med = statistics.median(r[0] for r in rounds[name])
            lo = min(r[1] for r in rounds[name])
            hi = max(r[2] for r in rounds[name])
            cells.append((med, f"{med:.2f} ({lo:.2f}–{hi:.2f})"))
        print(f"| {model} | {cells[0][1]} | {cells[1][1]} | **{cells[1][0] / cells[0][0]:.2f}** |",
              flush=True)


if __name__ == "__main__":
    main()
