#!/usr/bin/env python3
"""Compile time of the benchmark models: `autoglm-opt --emit=so` with the
weights embedded, against the same compilation with `--weights=external`
run in the same script (and, with --baseline-build, against another build
of autoglm-opt, e.g. the one before a change, run --baseline-runs times).

    compile_time.py [--build build] [--models resnet50,bert_base] [--runs 3]
                    [--baseline-build DIR] [--work DIR] [--markdown FILE]

Each configuration is compiled --runs times, interleaved (embedded,
external, baseline, embedded, ...) so that a change in the machine's load
hits all of them alike. Reported per configuration: wall seconds as the
median with min-max, CPU seconds (user + system, of autoglm-opt and the
linker it runs) as the median, the peak resident set of the compiler, and
the median time of each phase from `--report` (import, graph, kernels,
lowering, codegen, emission and its steps). The ratios compare medians
with the embedded run of --build. Wall times on a machine shared with other
work vary with its load: the load average is printed with the results, and
CPU time is the steadier figure.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import models  # noqa: E402
import run  # noqa: E402  (ensure_model: the models cached by bench/run.py)


# A small fresh interpreter forks, runs and waits for the compiler, and
# writes "wall_seconds cpu_seconds maxrss_kib" to argv[1]: forked from this
# harness, which has read the model, the compiler would inherit the
# harness's resident high-water mark (bench/run.py does the same). The CPU
# time includes the processes the compiler waited for (the linker).
SPAWNER = r"""
import os, sys, time
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    except OSError as e:
        os.write(2, f"cannot run {sys.argv[2]}: {e}\n".encode())
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as f:
    f.write(f"{time.perf_counter() - start} {usage.ru_utime + usage.ru_stime} {usage.ru_maxrss}")
code = os.waitstatus_to_exitcode(status)
os._exit(code if code >= 0 else 128 - code)
"""


def compile_once(opt, model_path, shapes, extra, workdir):
    """One compilation: wall and CPU seconds, peak RSS, the phase tree."""
    out = os.path.join(workdir, "model.so")
    report = os.path.join(workdir, "report.json")
    cmd = [opt, model_path, "--emit=so", "-o", out, f"--report={report}"]
    cmd += [f"--input-shape={n}:{'x'.join(map(str, s))}" for n, s in shapes.items()]
    cmd += extra
    usage = os.path.join(workdir, "usage.txt")
    proc = subprocess.run([sys.executable, "-S", "-c", SPAWNER, usage] + cmd,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr.decode(errors='replace')}")
    with open(usage) as f:
        wall, cpu, rss_kib = (float(x) for x in f.read().split())
    with open(report) as f:
        phases = json.load(f)["compile_time"]["phases"]
    size = os.path.getsize(out)
    for path in (out, report, os.path.splitext(out)[0] + ".weights"):
        if os.path.exists(path):
            os.remove(path)
    return {"wall": wall, "cpu": cpu, "rss_mb": rss_kib / 1024.0, "phases": flatten(phases),
            "so_bytes": size}


def flatten(phases, prefix=""):
    """{"codegen": s, "emission": s, "emission/object file": s, ...} (only
    the phases and the steps of emission: the passes are in --report)."""
    times = {}
    for phase in phases:
        name = prefix + phase["name"]
        times[name] = phase["wall_ms"] / 1000.0
        if not prefix and phase["name"] == "emission":
            times.update(flatten(phase.get("steps", []), name + "/"))
    return times


def summarize(runs):
    walls = [r["wall"] for r in runs]
    names = []
    for r in runs:
        names += [n for n in r["phases"] if n not in names]
    return {
        "wall_median": statistics.median(walls), "wall_min": min(walls), "wall_max": max(walls),
        "cpu_median": statistics.median(r["cpu"] for r in runs),
        "rss_mb_max": max(r["rss_mb"] for r in runs),
        "so_bytes": runs[-1]["so_bytes"],
        "phases": {n: statistics.median(r["phases"].get(n, 0.0) for r in runs) for n in names},
        "runs": runs,
    }


def markdown(results):
    lines = [f"Load average (1 min) before / after: {results['load_before']} / {results['load_after']}; "
             f"{results['runs']} runs per configuration; `{results['command']}`.", ""]
    lines.append("| model | configuration | wall s, median (min-max) | CPU s | vs embedded | peak RSS MB | .so MB |")
    lines.append("| --- | --- | --- | --- | --- | --- | --- |")
    for model, configs in results["models"].items():
        ref = configs["embedded"]
        for name, s in configs.items():
            ratio = s["wall_median"] / ref["wall_median"]
            lines.append(f"| {model} | {name} | {s['wall_median']:.1f} ({s['wall_min']:.1f}-{s['wall_max']:.1f}) "
                         f"| {s['cpu_median']:.1f} | {ratio:.2f}x | {s['rss_mb_max']:.0f} "
                         f"| {s['so_bytes'] / 1e6:.1f} |")
    lines += ["", "Median seconds per phase (wall):", ""]
    for model, configs in results["models"].items():
        names = []
        for s in configs.values():
            names += [n for n in s["phases"] if n not in names]
        lines.append(f"| {model} | " + " | ".join(names) + " |")
        lines.append("| --- " * (len(names) + 1) + "|")
        for name, s in configs.items():
            lines.append(f"| {name} | " + " | ".join(f"{s['phases'].get(n, 0.0):.2f}" for n in names) + " |")
        lines.append("")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--baseline-build", help="another build to compare with (embedded weights)")
    parser.add_argument("--baseline-runs", type=int, default=1,
                        help="runs of the baseline (default 1: it may take minutes)")
    parser.add_argument("--models", default="resnet50,bert_base")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", help="model cache (default BUILD/bench-models, shared with run.py)")
    parser.add_argument("--markdown", help="also write the tables to this file")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    opt = os.path.join(os.path.abspath(args.build), "bin", "autoglm-opt")
    if not os.access(opt, os.X_OK):
        parser.error(f"{opt} not found: build AutoGLM first or pass --build")
    configs = {"embedded": (opt, []), "external": (opt, ["--weights=external"])}
    if args.baseline_build:
        base = os.path.join(os.path.abspath(args.baseline_build), "bin", "autoglm-opt")
        if not os.access(base, os.X_OK):
            parser.error(f"{base} not found")
        configs["baseline (embedded)"] = (base, [])
    work = os.path.abspath(args.work or os.path.join(args.build, "bench-models"))

    results = {"runs": args.runs, "command": " ".join([os.path.basename(sys.argv[0])] + sys.argv[1:]),
               "load_before": run.loadavg()[0], "models": {}}
    for name in args.models.split(","):
        path, _ = run.ensure_model(name, args.seed, work)
        model = models.onnx.load(path, load_external_data=False)
        _, _, _, fixed = models.MODELS[name]
        shapes = models.input_shapes(model, 1, fixed)
        runs = {c: [] for c in configs}
        with tempfile.TemporaryDirectory(prefix="autoglm-compile-time-") as tmp:
            for i in range(args.runs):
                for config, (binary, extra) in configs.items():
                    if config.startswith("baseline") and i >= args.baseline_runs:
                        continue
                    r = compile_once(binary, path, shapes, extra, tmp)
                    runs[config].append(r)
                    print(f"{name} {config} run {i + 1}: {r['wall']:.2f} s wall, {r['cpu']:.2f} s CPU, "
                          f"{r['rss_mb']:.0f} MB", file=sys.stderr, flush=True)
        results["models"][name] = {c: summarize(r) for c, r in runs.items()}
    results["load_after"] = run.loadavg()[0]

    text = markdown(results)
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text + "\n")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
