#!/usr/bin/env python3
"""Times the same models compiled by two AutoGLM builds, alternating them
round by round so that a change of load on a shared machine falls on both.

    bench/ab_builds.py --before WORK_A --after WORK_B --models bert_base,minilm

WORK_A and WORK_B are `bench/run.py --work` directories (each holds
MODEL/bN/model.so and MODEL/bN/inputs/*.npy for --batch N, default 1, inputs without a file being
random; run bench/run.py once with each build's --build). Prints per model the median of the round medians
(ms, min-max over all timed runs) of each build and the ratio after/before
(lower is better for the "after" build).

With --idle, a round starts only when the machine looks idle (every core at
least 90% idle over the 0.4 s before it; at most --idle-timeout seconds of
waiting in all): at 2 threads on a 2-core machine another session's single
busy thread time-shares one of the model's threads and every loop's barrier
waits for it, which measures the other session rather than the builds.
Rounds whose start found the machine busy are skipped and counted.
"""
import argparse
import glob
import os
import re
import statistics
import subprocess
import sys
import time

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


def idle_fraction(seconds=0.4):
    """The share of CPU time spent idle over the next `seconds`."""
    def snapshot():
        with open("/proc/stat") as f:
            values = [int(v) for v in f.readline().split()[1:]]
        return values[3] + values[4], sum(values)  # idle + iowait, all
    idle0, total0 = snapshot()
    time.sleep(seconds)
    idle1, total1 = snapshot()
    return (idle1 - idle0) / max(1, total1 - total0)


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
    parser.add_argument("--idle", action="store_true",
                        help="start a round only when the machine looks idle (see above)")
    parser.add_argument("--idle-timeout", type=float, default=300,
                        help="with --idle: seconds of waiting per model before giving up")
    args = parser.parse_args()
    with open("/proc/loadavg") as f:
        load = " / ".join(f.read().split()[:3])
    print(f"threads {args.threads}, batch {args.batch}, {args.rounds} rounds x {args.runs} runs per build; "
          f"load average at start {load} (shared machine)")
    print("| model | before ms | after ms | after / before |")
    print("| --- | --- | --- | --- |")
    for model in args.models.split(","):
        rounds = {"before": [], "after": []}
        busy, deadline = 0, time.time() + args.idle_timeout
        while len(rounds["before"]) < args.rounds:
            if args.idle and idle_fraction() < 0.9:
                busy += 1
                if time.time() > deadline:
                    break
                continue
            for name in ("before", "after"):
                work = getattr(args, name)
                rounds[name].append(time_once(args.autoglm_run, work, model, args.threads, args.runs,
                                              args.batch))
        if not rounds["before"]:
            print(f"| {model} | no idle moment in {args.idle_timeout:.0f} s | | |", flush=True)
            continue
        cells = []
        for name in ("before", "after"):
            med = statistics.median(r[0] for r in rounds[name])
            lo = min(r[1] for r in rounds[name])
            hi = max(r[2] for r in rounds[name])
            cells.append((med, f"{med:.2f} ({lo:.2f}–{hi:.2f})"))
        idle = f" ({len(rounds['before'])} idle rounds, {busy} busy checks)" if args.idle else ""
        print(f"| {model} | {cells[0][1]} | {cells[1][1]} | **{cells[1][0] / cells[0][0]:.2f}**{idle} |",
              flush=True)


if __name__ == "__main__":
    main()
