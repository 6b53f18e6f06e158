#!/usr/bin/env python3
"""Serving benchmark: no batching, fixed batching and adaptive batching.

For each model (bench/models.py, random weights) this compiles one shared
library per batch size (`autoglm-opt --input-shape=...:Bx...`), then runs
`autoglm-run --serve-bench` for each batching mode at several loads (closed
loop: N client threads, each sending its next request when the last is
answered; and, with --rates, open loop: Poisson arrivals at each rate) and
records throughput and p50/p99/p999 latency. Every figure of
one model comes from the same machine state within a few minutes; the
machine may be shared, so the load average is recorded beside them.

    bench/serve.py [--build BUILD] [--models tiny_cnn,resnet50]
                   [--sizes 1,4,8] [--clients 1,4,16] [--rates 100,1000]
                   [--duration 5] [--device cpu|cuda] [--one-artifact]
                   [--max-batch N] [--opt-arg=--precision=fp16 ...]
                   [--request-lengths LO-HI [--seq-lengths 32,64,128]]

--device=cuda compiles the models with `--target=cuda` (the same modes and
figures, on the GPU: run it on a machine with one); --one-artifact compiles
one library with `--batch-sizes` (one weights image, one workspace)
instead of a library per size; --opt-arg passes an option to autoglm-opt.
Each point records the batches' mean run time; the table shows it with
`delay + run`, the bound p99 keeps when the clients are at most the max
batch (docs/batching.md).

--request-lengths LO-HI (bert_base, minilm, tiny_bert) draws each
request's sequence length uniformly from LO..HI tokens and compares, with
no batching and adaptive batching at each load, one artifact of --sizes at
the --seq-lengths buckets (attention_mask the pad mask) against one at the
largest length alone (each request sent at that length).

--repeat N runs each point N times: each figure is the median of the
rounds, shown with their min–max (a shared machine's figures vary from
one run to the next); a round runs every mode of a load once, so that
the modes of a load see the same drift of the machine's load. Writes
--out (BUILD/serve-results by default) results.{json,md,svg}; the
compiled models go to --work (--out by default). --compile-jobs 2
compiles the two artifacts of --request-lengths at once.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import models  # noqa: E402

import onnx  # noqa: E402

MODES = ("none", "fixed", "adaptive")
# The figures a point gives as the median of its rounds, with min and max.
SPREAD = ("requests_per_s", "p50_ms", "p99_ms", "p999_ms", "mean_rows_per_run", "mean_run_ms")
COLORS = {"none": "#888888", "fixed": "#e08a2c", "adaptive": "#3b6fb6"}

HEADER = re.compile(r"max delay (\d+) us, (\d+) threads")
FIGURES = re.compile(
    r"(\d+) answers in ([\d.]+) s: ([\d.]+) requests/s, [\d.]+ rows/s; latency "
    r"p50 ([\d.]+) ms, p99 ([\d.]+) ms, p999 ([\d.]+) ms, max ([\d.]+) ms")
RUNS = re.compile(r"(\d+) runs of ([\d.]+) rows on average \((\d+) padding rows\), "
                  r"([\d.]+) ms a run on average; (\d+) requests rejected, (\d+) failed")


def loadavg():
    with open("/proc/loadavg") as f:
        return " / ".join(f.read().split()[:3])


def index_ranges(onnx_path):
    """--input-range arguments for the integer inputs a Gather indexes a
    table with (token ids, token types): values from 0 to the table's rows
    less one, which autoglm-run draws instead of its default 0..3 (4 token
    types on a table of 2 would be refused by the runtime, as by ONNX
    Runtime)."""
    model = onnx.load(onnx_path, load_external_data=False)
    tables = {t.name: list(t.dims) for t in model.graph.initializer}
    inputs = {i.name for i in model.graph.input}
    rows = {}
    for node in model.graph.node:
        if node.op_type == "Gather" and node.input[1] in inputs and node.input[0] in tables:
            axis = next((a.i for a in node.attribute if a.name == "axis"), 0)
            dims = tables[node.input[0]]
            n = dims[axis % len(dims)]
            rows[node.input[1]] = min(n, rows.get(node.input[1], n))
    return [arg for name, n in sorted(rows.items()) for arg in ("--input-range", f"{name}=0-{n - 1}")]


def compile_sizes(args, name, workdir):
    """{batch: path of the .so}, compiling what is missing; seconds spent."""
    onnx_path = os.path.join(workdir, "model.onnx")
    if not os.path.exists(onnx_path):
        os.makedirs(workdir, exist_ok=True)
        onnx.save(models.build(name, 0), onnx_path)
    model = onnx.load(onnx_path, load_external_data=False)
    fixed = models.MODELS[name][3]
    options = [f"--target={args.device}"] + args.opt_arg

    def compile_one(so, batch, extra):
        shapes = models.input_shapes(model, batch, fixed)
        cmd = [os.path.join(args.build, "bin", "autoglm-opt"), onnx_path,
               "--emit=so", "-o", so] + options + extra
        cmd += [f"--input-shape={n}:{'x'.join(map(str, s))}" for n, s in shapes.items()]
        start = time.perf_counter()
        subprocess.run(cmd, check=True)
        return round(time.perf_counter() - start, 1)

    libraries, seconds = {}, {}
    if args.one_artifact:
        # One library of every size: the batch dimension stays symbolic.
        sizes = ",".join(map(str, args.sizes))
        so = os.path.join(workdir, f"sizes-{sizes.replace(',', '-')}.so")
        if not os.path.exists(so):
            seconds[sizes] = compile_one(so, "?", [f"--batch-sizes={sizes}"])
        return {batch: so for batch in args.sizes}, seconds
    for batch in args.sizes:
        so = os.path.join(workdir, f"b{batch}.so")
        if not os.path.exists(so):
            seconds[batch] = compile_one(so, batch, [])
        libraries[batch] = so
    return libraries, seconds


def compile_lengths(args, name, workdir):
    """For --request-lengths: the model with a symbolic sequence dimension
    compiled as one artifact of --sizes at every length of --seq-lengths
    (attention_mask the pad mask), and as one at the largest length alone.
    {"buckets": path, "largest": path}; seconds spent."""
    onnx_path = os.path.join(workdir, "model-seq.onnx")
    if not os.path.exists(onnx_path):
        os.makedirs(workdir, exist_ok=True)
        onnx.save(models.build(name, 0, symbolic_seq=True), onnx_path)
    model = onnx.load(onnx_path, load_external_data=False)
    sizes = ",".join(map(str, args.sizes))
    artifacts = {"buckets": ("{" + ",".join(map(str, args.seq_lengths)) + "}",
                             ["--pad-mask=attention_mask"]),
                 "largest": (str(max(args.seq_lengths)), [])}
    libraries, seconds, running = {}, {}, {}
    start = time.perf_counter()
    for kind, (dims, extra) in artifacts.items():
        so = os.path.join(workdir, f"{kind}-{sizes.replace(',', '-')}.so")
        if not os.path.exists(so):
            cmd = [os.path.join(args.build, "bin", "autoglm-opt"), onnx_path, "--emit=so", "-o", so,
                   f"--target={args.device}", f"--batch-sizes={sizes}"] + args.opt_arg + extra
            cmd += [f"--input-shape={i.name}:?x{dims}" for i in model.graph.input]
            # The two compile at once with --compile-jobs 2 (a machine with
            # the cores and memory for two; each compile is one thread).
            running[kind] = (cmd, subprocess.Popen(cmd))
            if len(running) >= args.compile_jobs:
                wait_compiles(running, seconds, start)
        libraries[kind] = so
    wait_compiles(running, seconds, start)
    return libraries, seconds


def wait_compiles(running, seconds, start):
    """Waits for the compiles in `running` ({kind: (cmd, process)}) and
    records in `seconds` the wall time from `start` until each was found
    done (compiles at once share it); a failed compile raises."""
    for kind, (cmd, process) in list(running.items()):
        if process.wait() != 0:
            raise subprocess.CalledProcessError(process.returncode, cmd)
        seconds[kind] = round(time.perf_counter() - start, 1)
        del running[kind]


def serve(args, configs):
    """Points, one per (libraries, mode, clients, rate, extra) of `configs`:
    --repeat rounds of autoglm-run --serve-bench each, each figure the
    median of the rounds, with the rounds' min and max. A round runs every
    config once, so that a shared machine's load, which drifts over
    minutes, weighs on the configs alike."""
    rounds = [[] for _ in configs]
    for _ in range(args.repeat):
        for runs, config in zip(rounds, configs):
            runs.append(serve_once(args, *config))
    points = []
    for runs in rounds:
        point = dict(runs[len(runs) // 2])
        for key in SPREAD:
            values = sorted(r[key] for r in runs)
            point[key] = values[len(values) // 2]
            point[key + "_range"] = [values[0], values[-1]]
        point["rounds"] = len(runs)
        points.append(point)
    return points


def serve_once(args, libraries, mode, clients, rate, extra):
    sizes = sorted(libraries)
    cmd = [os.path.join(args.build, "bin", "autoglm-run"), libraries[sizes[0]]]
    # One artifact holds every size; libraries of one size each are listed.
    for batch in sizes[1:]:
        if libraries[batch] != libraries[sizes[0]]:
            cmd += ["--batch-model", libraries[batch]]
    cmd += ["--serve-bench", "--batching", mode, "--duration", str(args.duration),
            "--threads", str(args.threads), "--max-delay-us", str(args.max_delay_us)]
    cmd += (["--max-batch", str(args.max_batch)] if args.max_batch and mode != "none" else [])
    cmd += list(extra)
    cmd += (["--rate", str(rate)] if rate else
            ["--clients", str(clients), "--check", "--rtol", str(args.rtol), "--atol", str(args.atol)])
    run = subprocess.run(cmd, capture_output=True, text=True)
    # A point that failed (autoglm-run exits 1 when no request was answered
    # in its window, or when requests failed) stops the benchmark with its
    # message: a table of zeros would read as a measurement.
    if run.returncode != 0:
        sys.exit(f"serve.py: {' '.join(cmd)} failed (exit {run.returncode}):\n{run.stdout}{run.stderr}")
    text = run.stdout
    figures, runs = FIGURES.search(text), RUNS.search(text)
    if not figures or not runs:
        sys.exit(f"serve.py: unexpected output of {' '.join(cmd)}:\n{text}")
    answers, seconds, rps, p50, p99, p999, worst = figures.groups()
    if int(answers) == 0:
        sys.exit(f"serve.py: no request was answered in the window of {' '.join(cmd)}:\n{text}")
    return {"mode": mode, "clients": None if rate else clients, "rate": rate,
            "requests_per_s": float(rps),
            "p50_ms": float(p50), "p99_ms": float(p99), "p999_ms": float(p999),
            "max_ms": float(worst), "answers": int(answers),
            "runs": int(runs.group(1)), "mean_rows_per_run": float(runs.group(2)),
            "padding_rows": int(runs.group(3)), "mean_run_ms": float(runs.group(4)),
            "failed": int(runs.group(6)),
            "check": None if rate else
            "bit for bit" if re.search(r"check: (\d+) of \1 clients' last answers equal", text)
            else "within tolerance"}


def fig(p, key, digits=2):
    """A figure of a point: the median, then min–max when it had rounds."""
    low, high = p.get(key + "_range", (None, None))
    text = f"{p[key]:.{digits}f}"
    return text if low is None or p.get("rounds", 1) < 2 else f"{text} ({low:.{digits}f}–{high:.{digits}f})"


def load_name(p):
    return (f"{p['clients']} client{'s' if p['clients'] > 1 else ''}" if p["clients"] else
            f"{p['rate']:g}/s Poisson")


def rounds_note(entry):
    n = entry.get("repeat", 1)
    return f", {n} rounds: medians (min–max)" if n > 1 else ""


def markdown_lengths(entry):
    """The table of a --request-lengths entry: each load and mode on the
    artifact at the largest length and on the bucketed one."""
    lines = [f"**{entry['model']}**, requests of {entry['request_lengths']} tokens "
             f"(uniform) ({entry.get('device', 'cpu')}; one artifact of batch sizes "
             f"{', '.join(map(str, entry['sizes']))} at lengths "
             f"{', '.join(map(str, entry['seq_lengths']))} against one at "
             f"{max(entry['seq_lengths'])}; {entry['threads']} threads; max delay "
             f"{entry['max_delay_us']} us; {entry['duration']} s per point{rounds_note(entry)}; load average "
             f"{entry['load_start']} at start, {entry['load_end']} at end; artifacts "
             f"{entry['bytes']['buckets']} bytes with buckets, {entry['bytes']['largest']} "
             f"at the largest length)", "",
             "| load | mode | artifact | requests/s | × largest | p50 ms | p99 ms | rows/run | ms/run |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    base = {(load_name(p), p["mode"]): p["requests_per_s"]
            for p in entry["points"] if p["artifact"] == "largest"}
    for p in entry["points"]:
        b = base.get((load_name(p), p["mode"]))
        lines.append(f"| {load_name(p)} | {p['mode']} | {p['artifact']} | {fig(p, 'requests_per_s', 1)} | "
                     f"{p['requests_per_s'] / b if b else 0:.2f} | {fig(p, 'p50_ms')} | "
                     f"{fig(p, 'p99_ms')} | {p['mean_rows_per_run']:.2f} | {p['mean_run_ms']:.2f} |")
    lines.append("")
    return lines


def markdown(results):
    lines = []
    for entry in results:
        if entry.get("request_lengths"):
            lines += markdown_lengths(entry)
            continue
        lines.append(f"**{entry['model']}** ({entry.get('device', 'cpu')}; "
                     f"{'one artifact of ' if entry.get('one_artifact') else ''}"
                     f"batch sizes {', '.join(map(str, entry['sizes']))}; "
                     f"{entry['threads']} threads; max delay {entry['max_delay_us']} us; "
                     f"{entry['duration']} s per point{rounds_note(entry)}; load average {entry['load_start']} at "
                     f"start, {entry['load_end']} at end)")
        lines.append("")
        # "delay + run": the bound the batching modes' p99 should keep when
        # no request waits for more than one batch ahead of its own (closed
        # loop: at most max batch clients).
        lines.append("| load | mode | requests/s | × none | p50 ms | p99 ms | p999 ms | rows/run "
                     "| ms/run | delay + run ms |")
        lines.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        load = load_name
        base = {load(p): p["requests_per_s"] for p in entry["points"] if p["mode"] == "none"}
        for p in entry["points"]:
            ratio = p["requests_per_s"] / base[load(p)] if base.get(load(p)) else 0
            bound = ("" if p["mode"] == "none" else
                     f"{entry['max_delay_us'] / 1000 + p['mean_run_ms']:.2f}")
            lines.append(f"| {load(p)} | {p['mode']} | {fig(p, 'requests_per_s', 1)} | "
                         f"{ratio:.2f} | {fig(p, 'p50_ms')} | {fig(p, 'p99_ms')} | "
                         f"{p['p999_ms']:.2f} | {p['mean_rows_per_run']:.2f} | "
                         f"{p['mean_run_ms']:.2f} | {bound} |")
        lines.append("")
    return "\n".join(lines)


def chart(results):
    """One panel per model: p99 latency (log) against throughput, a line per
    mode through its load levels."""
    panel_w, panel_h, left, top = 420, 300, 60, 50
    width = max(1, sum(not e.get("request_lengths") for e in results)) * (panel_w + left) + 20
    height = panel_h + top + 70
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="12">',
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="10" y="20" font-size="14" font-weight="bold">Throughput against p99 '
           'latency, closed-loop clients (more clients to the right)</text>']
    for i, mode in enumerate(MODES):
        out.append(f'<rect x="{10 + i * 120}" y="30" width="12" height="12" fill="{COLORS[mode]}"/>'
                   f'<text x="{26 + i * 120}" y="41">{mode}</text>')
    import math
    results = [entry for entry in results if not entry.get("request_lengths")]
    for k, entry in enumerate(results):
        x0 = 20 + k * (panel_w + left) + left
        points = [p for p in entry["points"] if p["clients"]]
        xmax = max(p["requests_per_s"] for p in points) * 1.1
        lo = math.log10(min(p["p99_ms"] for p in points) / 1.5)
        hi = math.log10(max(p["p99_ms"] for p in points) * 1.5)
        x = lambda v: x0 + v / xmax * panel_w
        y = lambda v: top + panel_h - (math.log10(v) - lo) / (hi - lo) * panel_h
        out.append(f'<text x="{x0}" y="{top - 4}" font-weight="bold">{entry["model"]}</text>')
        out.append(f'<rect x="{x0}" y="{top}" width="{panel_w}" height="{panel_h}" '
                   'fill="none" stroke="#999"/>')
        for e in range(math.floor(lo), math.ceil(hi) + 1):
            for m in (1, 2, 5):
                v = m * 10 ** e
                if lo <= math.log10(v) <= hi:
                    out.append(f'<line x1="{x0}" x2="{x0 + panel_w}" y1="{y(v):.1f}" '
                               f'y2="{y(v):.1f}" stroke="#eee"/>'
                               f'<text x="{x0 - 4}" y="{y(v) + 4:.1f}" text-anchor="end">{v:g}</text>')
        for t in range(5):
            v = xmax * t / 4
            out.append(f'<text x="{x(v):.1f}" y="{top + panel_h + 16}" '
                       f'text-anchor="middle">{v:.0f}</text>')
        out.append(f'<text x="{x0 + panel_w / 2}" y="{top + panel_h + 34}" '
                   'text-anchor="middle">requests/s</text>')
        out.append(f'<text x="{x0 - 44}" y="{top + panel_h / 2}" text-anchor="middle" '
                   f'transform="rotate(-90 {x0 - 44} {top + panel_h / 2})">p99 ms</text>')
        for mode in MODES:
            series = sorted((p for p in points if p["mode"] == mode), key=lambda p: p["clients"])
            coords = " ".join(f"{x(p['requests_per_s']):.1f},{y(p['p99_ms']):.1f}" for p in series)
            out.append(f'<polyline points="{coords}" fill="none" stroke="{COLORS[mode]}" '
                       'stroke-width="2"/>')
            for p in series:
                out.append(f'<circle cx="{x(p["requests_per_s"]):.1f}" cy="{y(p["p99_ms"]):.1f}" '
                           f'r="3" fill="{COLORS[mode]}"><title>{mode}, {p["clients"]} clients: '
                           f'{p["requests_per_s"]:.1f}/s, p99 {p["p99_ms"]:.2f} ms</title></circle>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    parser.add_argument("--models", default="tiny_cnn,tiny_bert")
    parser.add_argument("--sizes", default="1,4,8")
    parser.add_argument("--clients", default="1,4,16")
    parser.add_argument("--rates", default="",
                        help="open-loop Poisson rates (requests/s) to run too")
    parser.add_argument("--duration", type=float, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--max-delay-us", type=int, default=2000)
    parser.add_argument("--out", default=None,
                        help="where the results go (default BUILD/serve-results)")
    parser.add_argument("--work", default=None,
                        help="where the compiled models go (default: --out)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds per point; each figure is their median, shown with "
                             "min–max")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                        help="compile for this target (autoglm-opt --target)")
    parser.add_argument("--one-artifact", action="store_true",
                        help="one library of every size (autoglm-opt --batch-sizes)")
    # A batch runs other kernels than a row alone (on the GPU, cuBLASLt and
    # cuDNN choose by shape): in f16 the answers then differ by f16's
    # rounding, and the check needs f16's tolerance, e.g. 1e-2.
    parser.add_argument("--rtol", type=float, default=1e-3,
                        help="--check's relative tolerance (autoglm-run --rtol)")
    parser.add_argument("--atol", type=float, default=1e-5,
                        help="--check's absolute tolerance (autoglm-run --atol)")
    parser.add_argument("--max-batch", type=int, default=0,
                        help="most rows in one batch (autoglm-run --max-batch; default: the "
                             "largest size)")
    parser.add_argument("--request-lengths", default="",
                        help="LO-HI: requests of a sequence length drawn uniformly from LO..HI "
                             "tokens, on an artifact of the --seq-lengths buckets against one "
                             "at the largest length (bert_base, minilm, tiny_bert)")
    parser.add_argument("--seq-lengths", default="32,64,128",
                        help="with --request-lengths: the bucketed artifact's lengths")
    parser.add_argument("--compile-jobs", type=int, default=1,
                        help="with --request-lengths: compile both artifacts at once (2)")
    parser.add_argument("--opt-arg", action="append", default=[],
                        help="an option for autoglm-opt (repeatable), e.g. "
                             "--opt-arg=--precision=fp16")
    args = parser.parse_args()
    args.sizes = [int(s) for s in args.sizes.split(",")]
    clients = [int(c) for c in args.clients.split(",")]
    out = args.out or os.path.join(args.build, "serve-results")
    os.makedirs(out, exist_ok=True)
    args.work = args.work or out
    results = []
    args.seq_lengths = [int(s) for s in args.seq_lengths.split(",")]
    for name in args.models.split(","):
        if args.request_lengths:
            results.append(serve_lengths(args, name, out, clients))
            write(out, results)
            continue
        workdir = os.path.join(args.work, "-".join([name, args.device] + (["one"] if args.one_artifact else [])))
        libraries, compile_s = compile_sizes(args, name, workdir)
        ranges = tuple(index_ranges(os.path.join(workdir, "model.onnx")))
        entry = {"model": name, "device": args.device, "one_artifact": args.one_artifact,
                 "opt_args": args.opt_arg, "sizes": sorted(libraries), "threads": args.threads,
                 "max_delay_us": args.max_delay_us, "duration": args.duration,
                 "repeat": args.repeat, "compile_s": compile_s,
                 "bytes": os.path.getsize(libraries[max(libraries)]),
                 "load_start": loadavg(), "points": []}
        loads = [(n, None) for n in clients] + [(None, float(r)) for r in args.rates.split(",") if r]
        for n, rate in loads:
            points = serve(args, [(libraries, mode, n, rate, ranges) for mode in MODES])
            for mode, point in zip(MODES, points):
                print(f"{name}: {f'{n} clients' if n else f'{rate:g}/s'}, {mode}: "
                      f"{point['requests_per_s']:.1f}/s, p50 {point['p50_ms']:.2f} ms, "
                      f"p99 {point['p99_ms']:.2f} ms, {point['mean_rows_per_run']:.2f} rows/run",
                      flush=True)
                entry["points"].append(point)
        entry["load_end"] = loadavg()
        results.append(entry)
        write(out, results)
    print(f"wrote {out}/results.{{json,md,svg}}")


def write(out, results):
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write(markdown(results))
    if any(not e.get("request_lengths") for e in results):
        with open(os.path.join(out, "results.svg"), "w") as f:
            f.write(chart(results))


def serve_lengths(args, name, out, clients):
    """--request-lengths: none and adaptive batching at each load, on the
    artifact at the largest length and on the bucketed one."""
    if name not in models.SEQ_MODELS:
        raise SystemExit(f"--request-lengths needs a model of {', '.join(models.SEQ_MODELS)}")
    workdir = os.path.join(args.work, f"{name}-{args.device}-lengths")
    libraries, compile_s = compile_lengths(args, name, workdir)
    entry = {"model": name, "device": args.device, "one_artifact": True, "opt_args": args.opt_arg,
             "sizes": args.sizes, "seq_lengths": args.seq_lengths,
             "request_lengths": args.request_lengths, "threads": args.threads,
             "max_delay_us": args.max_delay_us, "duration": args.duration,
             "repeat": args.repeat, "compile_s": compile_s, "bytes": {k: os.path.getsize(v) for k, v in libraries.items()},
             "load_start": loadavg(), "points": []}
    extra = ("--request-lengths", args.request_lengths,
             *index_ranges(os.path.join(workdir, "model-seq.onnx")))
    for n in clients:
        variants = [(mode, kind) for mode in ("none", "adaptive") for kind in ("largest", "buckets")]
        points = serve(args, [({b: libraries[kind] for b in args.sizes}, mode, n, None, extra)
                              for mode, kind in variants])
        for (mode, kind), point in zip(variants, points):
            point["artifact"] = kind
            print(f"{name}: {n} clients, {mode}, {kind}: {point['requests_per_s']:.1f}/s, "
                  f"p50 {point['p50_ms']:.2f} ms, p99 {point['p99_ms']:.2f} ms", flush=True)
            entry["points"].append(point)
    entry["load_end"] = loadavg()
    return entry


if __name__ == "__main__":
    main()
