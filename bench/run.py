#!/usr/bin/env python3
"""AutoGLM against ONNX Runtime on the benchmark model set (bench/models.py).

For each model and for batch 1 (latency) and a larger batch (throughput),
with the same thread count for both:
  - builds the ONNX model from its seed (cached in the work directory),
  - compiles it with `autoglm-opt --input-shape=... --emit=so` for the
    run's thread count (`--cpu-threads`, as ONNX Runtime's session is made
    for its intra_op threads; wall time and the compiler's peak resident
    memory),
  - runs it with `autoglm-run --time N` (one warm-up run, then N timed runs)
    and with ONNX Runtime in a child process (bench/ort_runner.py: every
    graph optimization on, intra_op threads = the same count, warm-up runs,
    then timed runs), on the same .npy inputs,
  - reports median and min/max, the ratios AutoGLM/ORT, each runner's peak
    resident memory (ru_maxrss of its process) and the agreement of the
    outputs (max abs/rel error, cosine similarity, top-1 agreement for
    classifiers).
Models that AutoGLM cannot compile or run are reported with the error line.
Writes RESULTS/results.json and results.md (and results.svg, the chart);
--docs also refreshes the generated part of docs/benchmarks.md and
docs/benchmarks.svg.

    .venv/bin/python bench/run.py --all --docs        # what bench/run.sh does
    .venv/bin/python bench/run.py --models tiny_cnn --quick --results /tmp/r

With --device=cuda AutoGLM compiles with --target=cuda and runs on the GPU
(`autoglm-run --device cuda`, timed with CUDA events around each run's
device work); ONNX Runtime runs on the CPU as the reference for the
outputs.

Exit status: 0 when every requested model ran (even if AutoGLM failed on
some: that is a result), 2 for bad arguments, 3 when --device=cuda is asked
for on a machine without an NVIDIA GPU, 4 when a model's outputs disagree
with ONNX Runtime beyond tolerance and --check was given.
"""

import argparse
import datetime
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import flops  # noqa: E402
import models  # noqa: E402
import peak_flops  # noqa: E402
import svgchart  # noqa: E402

EXIT_NO_BACKEND = 3
EXIT_DISAGREE = 4
# Output agreement: |autoglm - ort| <= ATOL_SCALE * max|ort| + RTOL * |ort|
# element-wise (an absolute tolerance relative to the output's magnitude,
# since random-weight models have arbitrary scales).
RTOL, ATOL_SCALE = 1e-3, 1e-4
# With --opt-arg=--precision=fp16 or bf16 (products in the narrow type,
# f32 accumulation) against ORT's f32: the element-wise bound widens with
# the type's rounding step (2^-11, 2^-8) compounded over the layers, and
# each output's cosine must stay >= 0.999 (classifiers: the top-1 is
# reported beside it).
NARROW_TOLERANCES = {"fp16": (1e-2, 5e-3), "bf16": (8e-2, 4e-2)}
NARROW_MIN_COSINE = 0.999


# Models that bench/torch_peer.py builds in PyTorch, and the multiply-adds
# of one sample counted as 2 FLOP (the floors of --torch-peer's table).
TORCH_PEER_MODELS = {"resnet50": 8.2, "mobilenetv2": 0.6, "bert_base": 22.4}
# H200 matrix rates for the floor: f32 without TF32 (the datasheet's 67
# TFLOP/s of FMA) and f16/bf16 on tensor cores (727 TFLOP/s, measured by
# cuBLAS through PyTorch on the test machine, ../shared/BENCHMARKS.md).
FLOOR_TFLOPS = {"float32": 67.0, "float16": 727.0, "bfloat16": 727.0}


def torch_dtype(opt_args):
    """PyTorch's dtype for the precision AutoGLM compiles with."""
    for arg in opt_args:
        if arg in ("--precision=fp16", "--precision=bf16"):
            return "float16" if arg.endswith("fp16") else "bfloat16"
    return "float32"


def time_torch_peers(args, name, batch):
    """bench/torch_peer.py for each mode of --torch-peer, one process each."""
    peers = {}
    for mode in filter(None, args.torch_peer.split(",")):
        rc, out, err, _, _ = child([sys.executable, os.path.join(HERE, "torch_peer.py"), name, str(batch),
                                    torch_dtype(args.opt_arg), mode], args.compile_timeout + args.run_timeout)
        if rc == 0 and out.strip():
            peers[mode] = json.loads(out.strip().splitlines()[-1])
        else:
            peers[mode] = {"error": error_line(err + out, f"torch_peer.py exit {rc}")}
    return peers


def tolerances(opt_args):
    """(RTOL, ATOL_SCALE, minimum cosine or None) for autoglm-opt's arguments."""
    for arg in opt_args:
        precision = arg.split("=", 1)[1] if arg.startswith("--precision=") else None
        if precision in NARROW_TOLERANCES:
            return NARROW_TOLERANCES[precision] + (NARROW_MIN_COSINE,)
    return RTOL, ATOL_SCALE, None
SENTENCES = ["A man is playing a guitar.", "Someone plays an acoustic guitar on stage.",
             "The stock market fell sharply today.", "Shares dropped steeply on Wall Street.",
             "A cat sleeps on the sofa.", "The kitten is napping on the couch.",
             "It will rain tomorrow in the north.", "Showers are expected up north tomorrow."]


# A small fresh interpreter forks and waits for the measured command. Linux
# charges a child's ru_maxrss with the resident size of the process it was
# forked from (the high-water mark carries over exec), so forking the
# command from this harness, which holds whole models in memory, would
# report the harness's size; forking it from this trampoline adds only the
# trampoline's few MiB. It writes "wall_seconds maxrss_kib" to argv[1].
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
    f.write(f"{time.perf_counter() - start} {usage.ru_maxrss}")
code = os.waitstatus_to_exitcode(status)
os._exit(code if code >= 0 else 128 - code)
"""


def child(cmd, timeout):
    """Runs cmd; returns (exit code or None on timeout, stdout, stderr,
    wall seconds, peak resident memory of cmd in MiB)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile(mode="r") as usage:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-S", "-c", SPAWNER, usage.name] + cmd,
                                stdout=out, stderr=err, start_new_session=True)
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()
            rc = None
        wall = time.perf_counter() - start
        text = usage.read().split()
        if len(text) == 2:
            wall, rss = float(text[0]), int(text[1]) / 1024.0
        else:
            rss = float("nan")
        out.seek(0)
        err.seek(0)
        return (rc, out.read().decode(errors="replace"), err.read().decode(errors="replace"), wall, rss)


def error_line(text, fallback):
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines:
        if "error" in line.lower():
            return line[:400]
    return (lines[-1][:400] if lines else fallback)


def cpu_summary():
    info = {}
    try:
        text = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for key in ("Model name", "CPU(s)", "Thread(s) per core", "L1d cache", "L2 cache", "L3 cache",
                    "Hypervisor vendor"):
            m = re.search(rf"^{re.escape(key)}:\s*(.+)$", text, re.M)
            if m:
                info[key] = m.group(1).strip()
        # The same extensions the roofline's peak names (AMX, AVX512-FP16
        # included): one list of what this host has.
        features = peak_flops.host_features()
        if features:
            info["SIMD"] = " ".join(features)
    except OSError:
        pass
    try:
        with open("/proc/meminfo") as f:
            info["Memory"] = f"{int(f.readline().split()[1]) / 2**20:.1f} GiB"
    except OSError:
        pass
    info["Kernel"] = platform.release()
    return info


def git_commit():
    try:
        head = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True).stdout.strip()
        return head + (" (with uncommitted changes)" if dirty else "")
    except OSError:
        return "unknown"


def loadavg():
    try:
        return [float(x) for x in open("/proc/loadavg").read().split()[:3]]
    except OSError:
        return None


def ensure_model(name, seed, workdir):
    """The model's .onnx in workdir, rebuilt when models.py or the seed changed."""
    with open(os.path.join(HERE, "models.py"), "rb") as f:
        stamp = hashlib.sha256(f.read() + str(seed).encode()).hexdigest()[:16]
    path = os.path.join(workdir, name, "model.onnx")
    stamp_path = path + ".stamp"
    if os.path.exists(path) and os.path.exists(stamp_path) and open(stamp_path).read() == stamp:
        return path, 0.0
    os.makedirs(os.path.dirname(path), exist_ok=True)
    start = time.perf_counter()
    model = models.build(name, seed)
    onnx.checker.check_model(model)
    onnx.save(model, path)
    with open(stamp_path, "w") as f:
        f.write(stamp)
    return path, time.perf_counter() - start


def model_inputs(name, model, shapes, seed):
    feeds = models.make_inputs(model, shapes, seed)
    if name == "minilm":
        # Real sentences for the trained encoder (cycled to fill the batch).
        vocab = models.minilm_vocab()
        seq = shapes["input_ids"][1]
        pairs = [models.wordpiece(SENTENCES[i % len(SENTENCES)], vocab, seq)
                 for i in range(shapes["input_ids"][0])]
        feeds["input_ids"] = np.stack([p[0] for p in pairs])
        feeds["attention_mask"] = np.stack([p[1] for p in pairs])
    return feeds


def agreement(ours, ref, classifier, tolerance=(RTOL, ATOL_SCALE, None)):
    """Error metrics of one output against ONNX Runtime's."""
    rtol, atol_scale, min_cosine = tolerance
    a, r = ours.astype(np.float64).ravel(), ref.astype(np.float64).ravel()
    if a.shape != r.shape:
        return {"ok": False, "error": f"shape {list(ours.shape)} vs ORT {list(ref.shape)}"}
    diff = np.abs(a - r)
    scale = float(np.max(np.abs(r))) if r.size else 0.0
    significant = np.abs(r) >= 1e-3 * scale
    rel = float(np.max(diff[significant] / np.abs(r[significant]))) if significant.any() else 0.0
    denom = np.linalg.norm(a) * np.linalg.norm(r)
    cosine = float(a @ r / denom) if denom else 1.0
    out = {"max_abs": float(diff.max()) if diff.size else 0.0, "max_rel": rel,
           "max_abs_ref": scale, "cosine": cosine,
           "ok": bool(np.all(diff <= atol_scale * scale + rtol * np.abs(r))) and bool(np.isfinite(a).all())
           and (min_cosine is None or cosine >= min_cosine)}
    if classifier:
        top_a = ours.reshape(ours.shape[0], -1).argmax(-1)
        top_r = ref.reshape(ref.shape[0], -1).argmax(-1)
        out["top1_agree"] = float(np.mean(top_a == top_r))
    return out


AUTOGLM_TIME = r"time: (\d+) runs, (\d+) threads: median ([\d.]+) ms, min ([\d.]+) ms, max ([\d.]+) ms"
# On CUDA, the same run's steps alone (no copies of inputs and outputs).
AUTOGLM_STEPS = r"; steps median ([\d.]+) ms, min ([\d.]+) ms, max ([\d.]+) ms"
AUTOGLM_DEVICE_MEMORY = r"; device memory (\d+) bytes"


def autoglm_command(args, so, feeds_dir, names):
    cmd = [os.path.join(args.build, "bin", "autoglm-run"), so, "--threads", str(args.threads)]
    if args.device == "cuda":
        # The outputs compared are the second run's, a CUDA graph replay.
        cmd += ["--device", "cuda", "--repeat", "2"]
    for n in names:
        cmd += ["--input", f"{n}={os.path.join(feeds_dir, n + '.npy')}"]
    return cmd


def time_autoglm(args, cmd, runs, outdir=None):
    """One autoglm-run process: a warm-up run (its outputs saved to outdir),
    then `runs` timed runs."""
    extra = ["--output-dir", outdir] if outdir else []
    rc, out, err, _, rss = child(cmd + extra + ["--time", str(runs)], args.run_timeout)
    if rc != 0:
        return {"error": error_line(err + out, f"autoglm-run exit {rc}" if rc is not None else
                                    f"autoglm-run timed out after {args.run_timeout} s")}
    m = re.search(AUTOGLM_TIME, out)
    if not m:
        return {"error": "cannot parse autoglm-run's time line: " + out[-200:]}
    result = {"runs": int(m.group(1)), "median_ms": float(m.group(3)), "min_ms": float(m.group(4)),
              "max_ms": float(m.group(5)), "peak_rss_mb": rss}
    steps = re.search(AUTOGLM_STEPS, out)
    if steps:
        result["steps"] = {"median_ms": float(steps.group(1)), "min_ms": float(steps.group(2)),
                           "max_ms": float(steps.group(3))}
    memory = re.search(AUTOGLM_DEVICE_MEMORY, out)
    if memory:
        result["device_mb"] = int(memory.group(1)) / 2**20
    return result


def combine(rounds):
    """Rounds of one runner: the median of the round medians, the extremes
    over all runs, the largest peak memory."""
    bad = [r for r in rounds if "error" in r]
    if bad:
        return bad[0]
    medians = sorted(r["median_ms"] for r in rounds)
    mid = len(medians) // 2
    median = medians[mid] if len(medians) % 2 else (medians[mid - 1] + medians[mid]) / 2
    out = {"runs": sum(r["runs"] for r in rounds), "median_ms": median,
           "min_ms": min(r["min_ms"] for r in rounds), "max_ms": max(r["max_ms"] for r in rounds),
           "peak_rss_mb": max(r["peak_rss_mb"] for r in rounds), "round_medians_ms": medians}
    if "outputs" in rounds[0]:
        out["outputs"] = rounds[0]["outputs"]
    if all("device_mb" in r for r in rounds):
        out["device_mb"] = max(r["device_mb"] for r in rounds)
    if all("steps" in r for r in rounds):
        steps = combine([dict(r["steps"], runs=r["runs"], peak_rss_mb=r["peak_rss_mb"]) for r in rounds])
        out["steps"] = {k: steps[k] for k in ("median_ms", "min_ms", "max_ms", "round_medians_ms")}
    return out


def time_ort(args, path, feeds_dir, outdir, budget):
    cmd = [sys.executable, os.path.join(HERE, "ort_runner.py"), path, "--inputs", feeds_dir,
           "--outputs", outdir, "--threads", str(args.threads),
           "--runs", str(args.runs_min if args.quick else args.runs_max),
           "--min-runs", str(args.runs_min), "--budget", str(budget),
           "--warmup", "1" if args.quick else "2"]
    rc, out, err, _, rss = child(cmd, args.run_timeout)
    if rc != 0:
        return {"error": error_line(err, f"ort_runner exit {rc}")}
    result = json.loads(out.strip().splitlines()[-1])
    result["peak_rss_mb"] = rss
    return result


def bench_batch(args, name, path, model, batch, fixed, workdir, skip_compile=None):
    entry = {"batch": batch}
    shapes = models.input_shapes(model, batch, fixed)
    entry["input_shapes"] = shapes
    bdir = os.path.join(workdir, f"b{batch}")
    feeds_dir = os.path.join(bdir, "inputs")
    shutil.rmtree(bdir, ignore_errors=True)
    os.makedirs(feeds_dir)
    feeds = model_inputs(name, model, shapes, args.seed + batch)
    for n, v in feeds.items():
        np.save(os.path.join(feeds_dir, n + ".npy"), v)
    names = [i.name for i in model.graph.input]
    budget = args.budget

    ort_dir = os.path.join(bdir, "ort")
    rounds = 1 if args.quick else args.rounds
    if skip_compile:
        entry["ort"] = combine([time_ort(args, path, feeds_dir, ort_dir, budget / rounds)
                                for _ in range(rounds)])
        entry["compile"] = {"seconds": 0.0, "error": skip_compile, "skipped": True}
        return entry
    so = os.path.join(bdir, "model.so")
    cmd = [os.path.join(args.build, "bin", "autoglm-opt"), path, "--emit=so", "-o", so,
           f"--target={args.device}"]
    cmd += [f"--input-shape={n}:{'x'.join(map(str, s))}" for n, s in shapes.items()]
    if args.device == "cpu" and not any(a.startswith("--cpu-threads") for a in args.opt_arg):
        cmd.append(f"--cpu-threads={args.threads}")
    cmd += args.opt_arg
    rc, out, err, wall, rss = child(cmd, args.compile_timeout)
    compile_ = {"seconds": wall, "peak_rss_mb": rss, "command": " ".join(cmd[1:])}
    entry["compile"] = compile_
    if rc != 0:
        compile_["error"] = (error_line(err, f"exit {rc}") if rc is not None
                             else f"compile timed out after {args.compile_timeout} s")
        entry["ort"] = combine([time_ort(args, path, feeds_dir, ort_dir, budget / rounds)
                                for _ in range(rounds)])
        return entry
    # The library and, with --weights=external, its weights file.
    compile_["output_bytes"] = sum(os.path.getsize(os.path.join(bdir, f)) for f in os.listdir(bdir)
                                   if f.startswith("model.") and os.path.isfile(os.path.join(bdir, f)))

    # A probe run saves AutoGLM's outputs and sizes the timed runs; then the
    # two runners alternate in rounds, so that a change of load on the
    # machine falls on both.
    run_cmd = autoglm_command(args, so, feeds_dir, names)
    probe = time_autoglm(args, run_cmd, args.runs_min if args.quick else 1, os.path.join(bdir, "autoglm"))
    if "error" in probe:
        entry["autoglm"] = probe
        entry["ort"] = time_ort(args, path, feeds_dir, ort_dir, budget)
        return entry
    runs = int(min(args.runs_max, max(args.runs_min, budget / rounds / max(probe["median_ms"] / 1e3, 1e-6))))
    ort_rounds, our_rounds = [], []
    for _ in range(rounds):
        ort_rounds.append(time_ort(args, path, feeds_dir, ort_dir, budget / rounds))
        our_rounds.append(probe if args.quick else time_autoglm(args, run_cmd, runs))
    ort_result, ours = combine(ort_rounds), combine(our_rounds)
    ours["peak_rss_mb"] = max(ours.get("peak_rss_mb", 0), probe["peak_rss_mb"])
    entry["ort"], entry["autoglm"] = ort_result, ours
    if args.device == "cuda" and args.torch_peer and name in TORCH_PEER_MODELS:
        entry["torch"] = time_torch_peers(args, name, batch)
    if "error" in ours or "error" in ort_result:
        return entry
    entry["ratio"] = ours["median_ms"] / ort_result["median_ms"]
    # The ratio of the fastest runs: less sensitive to other load on a shared machine.
    entry["ratio_of_minima"] = ours["min_ms"] / ort_result["min_ms"]
    outputs = []
    classifier = name in ("resnet50", "mobilenetv2", "mobilenetv3", "tiny_cnn")
    for index, out_name in enumerate(ort_result["outputs"]):
        a = np.load(os.path.join(bdir, "autoglm", f"output_{index}.npy"))
        r = np.load(os.path.join(bdir, "ort", f"output_{index}.npy"))
        metrics = agreement(a, r, classifier or out_name == "logits", tolerances(args.opt_arg))
        metrics["name"] = out_name
        outputs.append(metrics)
    entry["outputs"] = outputs
    worst = lambda key: max(o.get(key, 0.0) for o in outputs)
    entry["agreement"] = {"ok": all(o["ok"] for o in outputs), "max_abs": worst("max_abs"),
                          "max_rel": worst("max_rel"), "min_cosine": min(o["cosine"] for o in outputs)}
    top1 = [o["top1_agree"] for o in outputs if "top1_agree" in o]
    if top1:
        entry["agreement"]["top1_agree"] = min(top1)
    if name == "minilm" and batch >= 8:
        # Trained weights: paraphrase pairs (0,1), (2,3), ... must be closer
        # to each other than to any other sentence, in AutoGLM's embeddings.
        e = np.load(os.path.join(bdir, "autoglm", "output_0.npy"))
        sim = e @ e.T
        pairs_ok = all(sim[i, i ^ 1] > max(sim[i, j] for j in range(8) if j not in (i, i ^ 1))
                       for i in range(8))
        entry["agreement"]["paraphrases_ranked_first"] = bool(pairs_ok)
        entry["agreement"]["paraphrase_cosines"] = [round(float(sim[i, i + 1]), 3) for i in range(0, 8, 2)]
    return entry


def bench_model(args, name):
    builder, desc, tp_batch, fixed = models.MODELS[name]
    result = {"name": name, "description": desc, "loadavg_before": loadavg()}
    workdir = os.path.join(args.work, name)
    try:
        path, gen_s = ensure_model(name, args.seed, args.work)
    except models.MissingPackage as e:
        result["skipped"] = str(e)
        return result
    model = onnx.load(path, load_external_data=False)
    result["onnx_bytes"] = os.path.getsize(path)
    result["parameters"] = int(sum(np.prod(i.dims) for i in model.graph.initializer))
    result["nodes"] = len(model.graph.node)
    try:  # the roofline column: the products' FLOPs of one sample
        counted = flops.model_flops(model, models.input_shapes(model, 1, fixed))
        result["gflop_per_sample"] = counted["gflop"]
        if counted["unknown"]:
            result["gflop_unknown_nodes"] = len(counted["unknown"])
    except Exception as e:  # reported, not fatal: the timings stand without it
        result["gflop_error"] = f"{type(e).__name__}: {str(e).splitlines()[0][:200]}"
    batches = [1] if args.batch1_only else [1, args.batch or tp_batch]
    result["batches"] = []
    skip = None
    for batch in batches:
        print(f"[bench] {name} batch {batch} ...", file=sys.stderr, flush=True)
        entry = bench_batch(args, name, path, model, batch, fixed, workdir, skip)
        result["batches"].append(entry)
        print(f"[bench] {name} batch {batch}: {summary_line(entry)}", file=sys.stderr, flush=True)
        if "error" in entry.get("compile", {}) and not entry["compile"].get("skipped"):
            # A model that does not compile at batch 1 will not at batch N;
            # ORT's throughput is still measured for the table.
            skip = f"not compiled: batch 1 failed"
    result["loadavg_after"] = loadavg()
    return result


def summary_line(entry):
    c, a, o = entry.get("compile", {}), entry.get("autoglm", {}), entry.get("ort", {})
    if "error" in c:
        return f"compile failed after {c['seconds']:.1f} s: {c['error']}"
    if "error" in a:
        return f"run failed: {a['error']}"
    if "error" in o:
        return f"ONNX Runtime failed: {o['error']}"
    return (f"AutoGLM {a['median_ms']:.3f} ms, ORT {o['median_ms']:.3f} ms, ratio {entry['ratio']:.2f}, "
            f"compile {c['seconds']:.1f} s, max abs err {entry['agreement']['max_abs']:.2e}, "
            f"ok={entry['agreement']['ok']}")


def fmt_ms(r):
    return f"{r['median_ms']:.2f} ({r['min_ms']:.2f}–{r['max_ms']:.2f})"


def markdown(results):
    m = results["machine"]
    cpu = m["cpu"]
    machine = ", ".join(f"{k} {cpu[k]}" for k in ("CPU(s)", "Thread(s) per core", "L1d cache", "L2 cache",
                                                  "L3 cache", "Memory", "Hypervisor vendor", "Kernel")
                        if k in cpu)
    lines = [f"Measured {results['date']} on {cpu.get('Model name', '?')} ({machine}; SIMD: "
             f"{cpu.get('SIMD', '?')}), {results['threads']} thread(s) for both runners; commit "
             f"{results['commit']}; ONNX Runtime {results['onnxruntime']}; autoglm-opt arguments: "
             f"{' '.join(results.get('autoglm_opt_args', [])) or 'default'}. Load average (1/5/15 min) at start "
             f"{' / '.join(map(str, results['loadavg_start'] or []))}, at end "
             f"{' / '.join(map(str, results.get('loadavg_end') or []))} (the machine is shared).", "",
             "Latency: batch 1, ms per run, median (min–max). Throughput: samples/s at the larger batch. "
             "Ratios are AutoGLM time / ORT time (= ORT throughput / AutoGLM throughput) of the medians, "
             "in parentheses of the fastest runs: lower is better, 1 is parity.", "",
             "| model | compile s (b1) | AutoGLM ms b1 | ORT ms b1 | latency ratio | batch | "
             "AutoGLM /s | ORT /s | throughput ratio | peak RSS MB AutoGLM / ORT / compiler (b1) | "
             "max abs err (max\\|ort\\|) | max rel err | agrees |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    notes = []
    for r in results["models"]:
        if "skipped" in r:
            lines.append(f"| {r['name']} | skipped: {r['skipped']} |" + " |" * 11)
            continue
        b1 = r["batches"][0]
        bn = r["batches"][1] if len(r["batches"]) > 1 else None
        o1 = b1.get("ort", {})
        cells = [r["name"]]
        c1 = b1.get("compile", {})
        if "error" in c1:
            cells.append(f"fails ({c1['seconds']:.0f} s)")
            notes.append(f"- **{r['name']}**: AutoGLM compile error: `{c1['error']}`")
        else:
            cells.append(f"{c1['seconds']:.1f}")
        a1 = b1.get("autoglm", {})
        if "error" in a1:
            notes.append(f"- **{r['name']}** (batch 1): AutoGLM run error: `{a1['error']}`")
        cells.append(fmt_ms(a1) if "median_ms" in a1 else "—")
        cells.append(fmt_ms(o1) if "median_ms" in o1 else o1.get("error", "—"))
        ratio = lambda b: (f"**{b['ratio']:.2f}** ({b['ratio_of_minima']:.2f})" if "ratio" in b else "—")
        cells.append(ratio(b1))
        if bn:
            an, on = bn.get("autoglm", {}), bn.get("ort", {})
            if "error" in bn.get("compile", {}) and "error" not in c1:
                notes.append(f"- **{r['name']}** (batch {bn['batch']}): AutoGLM compile error: "
                             f"`{bn['compile']['error']}`")
            if "error" in an:
                notes.append(f"- **{r['name']}** (batch {bn['batch']}): AutoGLM run error: `{an['error']}`")
            tp = lambda x: f"{bn['batch'] * 1e3 / x['median_ms']:.1f}" if "median_ms" in x else "—"
            cells += [str(bn["batch"]), tp(an), tp(on), ratio(bn)]
        else:
            cells += ["—"] * 4
        rss = lambda x: f"{x['peak_rss_mb']:.0f}" if "peak_rss_mb" in x else "—"
        cells.append(f"{rss(a1)} / {rss(o1)} / {rss(c1)}")
        agreements = [b["agreement"] for b in r["batches"] if "agreement" in b]
        if agreements:
            g = agreements[0]
            cells.append(f"{max(x['max_abs'] for x in agreements):.1e} ({max(o['max_abs_ref'] for o in b1['outputs']):.2g})"
                         if "outputs" in b1 else f"{max(x['max_abs'] for x in agreements):.1e}")
            cells.append(f"{max(x['max_rel'] for x in agreements):.1e}")
            verdict = "yes" if all(x["ok"] for x in agreements) else "**no**"
            extra = [f"top-1 {min(x['top1_agree'] for x in agreements if 'top1_agree' in x):.0%}"] \
                if any("top1_agree" in x for x in agreements) else []
            extra += [f"cos {min(x['min_cosine'] for x in agreements):.6f}"]
            para = [x for x in agreements if "paraphrases_ranked_first" in x]
            if para:
                extra.append("paraphrases ranked first: " + ("yes" if para[0]["paraphrases_ranked_first"] else "no"))
            cells.append(verdict + " (" + ", ".join(extra) + ")")
        else:
            cells += ["—", "—", "—"]
        lines.append("| " + " | ".join(cells) + " |")
    lines += roofline_table(results)
    lines += torch_table(results)
    if notes:
        lines += ["", "Errors:", ""] + notes
    return "\n".join(lines) + "\n"


def roofline_table(results):
    """Each model's FLOPs against this machine's float32 peak, measured in
    the same run by bench/peak_flops.py on as many threads as the runners."""
    peak = results.get("peak") or {}
    rows = [r for r in results["models"] if r.get("gflop_per_sample") and r.get("batches")]
    if not rows or "gflops" not in peak:
        return ["", f"Roofline: not measured ({peak.get('error', 'no peak measurement in this run')})."]
    def share(r, b, runner):
        t = b.get(runner, {})
        if "median_ms" not in t:
            return "—"
        achieved = r["gflop_per_sample"] * b["batch"] / (t["median_ms"] / 1e3)
        return f"{achieved:.1f} ({100 * achieved / peak['gflops']:.0f}%)"
    lines = ["", f"Roofline: the products' GFLOP per sample (Conv, MatMul, Gemm; bench/flops.py) and the "
                 f"GFLOP/s each runner reaches at its median, as a share of this machine's float32 peak measured "
                 f"in the same run: {peak['gflops']:.1f} GFLOP/s on {peak['threads']} thread(s) "
                 f"({peak['isa']} FMA loop, bench/peak_flops.py; host features: {' '.join(peak.get('features', []))}).",
             "", "| model | GFLOP / sample | AutoGLM GFLOP/s b1 (% of peak) | ORT GFLOP/s b1 (% of peak) | batch | "
                 "AutoGLM GFLOP/s (% of peak) | ORT GFLOP/s (% of peak) |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        b1 = r["batches"][0]
        bn = r["batches"][1] if len(r["batches"]) > 1 else None
        cells = [r["name"], f"{r['gflop_per_sample']:.3g}", share(r, b1, "autoglm"), share(r, b1, "ort")]
        cells += [str(bn["batch"]), share(r, bn, "autoglm"), share(r, bn, "ort")] if bn else ["—"] * 3
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def torch_table(results):
    """AutoGLM against PyTorch on the GPU (--torch-peer), with the floor:
    the model's FLOP at the GPU's matrix rate for the precision."""
    dtype = torch_dtype(results.get("autoglm_opt_args", []))
    rows = []
    for r in results["models"]:
        for b in r.get("batches", []):
            for mode, peer in b.get("torch", {}).items():
                whole = b.get("autoglm", {})
                # PyTorch's tensors are on the GPU already: compared with
                # AutoGLM's steps alone, the copies from and to host memory
                # shown beside them.
                ours = whole.get("steps", whole)
                with_copies = fmt_ms(whole) if "median_ms" in whole else "—"
                floor = TORCH_PEER_MODELS[r["name"]] * b["batch"] / FLOOR_TFLOPS[dtype]
                device = f"{whole['device_mb']:.0f}" if "device_mb" in whole else "—"
                if "median_ms" not in peer or "median_ms" not in ours:
                    rows.append(f"| {r['name']} | {b['batch']} | {mode} | "
                                f"{fmt_ms(ours) if 'median_ms' in ours else '—'} | {with_copies} | "
                                f"{peer.get('error', '—')} | — | {floor:.3f} | {device} | — |")
                    continue
                rows.append(f"| {r['name']} | {b['batch']} | {mode} | {fmt_ms(ours)} | {with_copies} | "
                            f"{fmt_ms(peer)} | **{ours['median_ms'] / peer['median_ms']:.2f}** | {floor:.3f} | "
                            f"{device} | {peer['peak_device_mb']:.0f} |")
    if not rows:
        return []
    versions = {peer.get("torch") for r in results["models"] for b in r.get("batches", [])
                for peer in b.get("torch", {}).values() if peer.get("torch")}
    return ["", f"Against PyTorch {', '.join(sorted(versions))} on the same GPU "
            f"({dtype}; bench/torch_peer.py: the same architecture, random weights, CUDA events around "
            "each call, its tensors on the GPU; f32 with TF32 off on both sides). AutoGLM ms: the model's "
            "steps on the GPU (CUDA events after the inputs are copied in and before the outputs are copied "
            "out); with copies: the whole run from and to host memory. Ratio: AutoGLM steps / PyTorch time "
            "of the medians, lower is better. Floor: the model's FLOP at the matrix rate "
            "(f32 67 TFLOP/s, f16/bf16 727). Device MB: what the AutoGLM session holds on the GPU "
            "(autoglm_session_device_bytes: arena, weights, input and output buffers, cuBLASLt's and "
            "cuDNN's workspaces) and PyTorch's peak allocation (torch.cuda.max_memory_allocated); neither "
            "counts the CUDA context.", "",
            "| model | batch | PyTorch mode | AutoGLM ms | AutoGLM ms with copies | PyTorch ms | ratio | floor ms "
            "| AutoGLM device MB | PyTorch peak device MB |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"] + rows


def torch_ratio(batch):
    """AutoGLM's steps over the fastest PyTorch mode timed for `batch`, or
    None when PyTorch was not timed."""
    whole = batch.get("autoglm", {})
    ours = whole.get("steps", whole)
    peers = [p["median_ms"] for p in batch.get("torch", {}).values() if "median_ms" in p]
    return ours["median_ms"] / min(peers) if peers and "median_ms" in ours else None


def chart_peer(results):
    """Whom the chart compares AutoGLM with: PyTorch when every model was
    timed against it on the GPU (--torch-peer), else ONNX Runtime."""
    timed = [r for r in results["models"] if "skipped" not in r]
    return "PyTorch" if timed and all(torch_ratio(b) for r in timed for b in r["batches"]) else "ONNX Runtime"


def chart(results):
    peer = chart_peer(results)
    ratio = torch_ratio if peer == "PyTorch" else (lambda b: b.get("ratio"))
    rows = []
    for r in results["models"]:
        if "skipped" in r:
            continue
        b = r["batches"]
        rows.append((r["name"], ratio(b[0]), ratio(b[1]) if len(b) > 1 else None,
                     f"batch {b[1]['batch']}" if len(b) > 1 else ""))
    notes = sorted({note for *_, note in rows if note})
    second = "throughput, " + (notes[0] if len(notes) == 1 else "larger batch")
    where = ("on the GPU, PyTorch's fastest mode timed" if peer == "PyTorch"
             else f"{results['threads']} thread(s)")
    return svgchart.ratio_chart(
        rows, title=f"AutoGLM time / {peer} time, {where} (lower is better; 1 = parity)",
        series=("latency, batch 1", second))


def update_docs(results, md, svg, block=""):
    """Rewrites the block between <!-- bench:results{block}:begin/end -->
    of docs/benchmarks.md and docs/benchmarks{block}.svg."""
    doc = os.path.join(ROOT, "docs", "benchmarks.md")
    svg_name = f"benchmarks{block}.svg"
    with open(os.path.join(ROOT, "docs", svg_name), "w") as f:
        f.write(svg)
    begin, end = f"<!-- bench:results{block}:begin -->", f"<!-- bench:results{block}:end -->"
    text = open(doc).read() if os.path.exists(doc) else f"# Benchmarks\n\n{begin}\n{end}\n"
    if begin not in text:
        text += f"\n{begin}\n{end}\n"
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    block = (f"{begin}\n<!-- generated by bench/run.py --docs; edit the script, not this block -->\n\n"
             f"{md}\n![AutoGLM / {chart_peer(results)} ratios]({svg_name})\n\n{end}")
    with open(doc, "w") as f:
        f.write(head + block + tail)


def render(args):
    with open(args.render) as f:
        results = json.load(f)
    for r in results["models"]:
        for b in r.get("batches", []):
            if "ratio" in b and "ratio_of_minima" not in b:
                b["ratio_of_minima"] = b["autoglm"]["min_ms"] / b["ort"]["min_ms"]
    md = markdown(results)
    if "profile" in results:
        import profile_ops
        md += "\n" + profile_ops.markdown(results["profile"])
    svg = chart(results)
    out = os.path.dirname(os.path.abspath(args.render))
    for name, text in (("results.md", md), ("results.svg", svg)):
        with open(os.path.join(out, name), "w") as f:
            f.write(text)
    if args.docs:
        update_docs(results, md, svg, args.docs_block)
    print(md)
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     epilog="exit status: 0 ok, 2 bad arguments, 3 --device=cuda "
                                            "without a GPU, 4 outputs disagree (with --check)")
    parser.add_argument("--models", default="", help="comma-separated names (see bench/models.py --list)")
    parser.add_argument("--all", action="store_true", help="the benchmark set: " + ", ".join(models.DEFAULT_MODELS))
    parser.add_argument("--build", default=os.path.join(ROOT, "build"),
                        help="AutoGLM build directory with bin/autoglm-opt and bin/autoglm-run (default build/)")
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda"),
                        help="where AutoGLM runs: cpu (default) or cuda (an NVIDIA GPU)")
    parser.add_argument("--threads", type=int, default=os.cpu_count(),
                        help="threads for both AutoGLM and ONNX Runtime (default: all cores)")
    parser.add_argument("--batch", type=int, default=0, help="throughput batch (default: per model, 8)")
    parser.add_argument("--batch1-only", action="store_true", help="latency only")
    parser.add_argument("--seed", type=int, default=0, help="weights and inputs seed")
    parser.add_argument("--budget", type=float, default=20.0,
                        help="seconds of timed runs per runner and batch (after --runs-min runs)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="alternating rounds of ORT and AutoGLM timings (budget split over them)")
    parser.add_argument("--runs-min", type=int, default=5)
    parser.add_argument("--runs-max", type=int, default=50)
    parser.add_argument("--quick", action="store_true", help="3 timed runs, no probe run (for tests)")
    parser.add_argument("--compile-timeout", type=float, default=1800)
    parser.add_argument("--run-timeout", type=float, default=1200)
    parser.add_argument("--work", default="", help="model and artifact directory (default BUILD/bench-models)")
    parser.add_argument("--results", default="", help="output directory (default BUILD/bench-results)")
    parser.add_argument("--opt-arg", action="append", default=[], metavar="ARG",
                        help="extra autoglm-opt argument (repeatable), e.g. --opt-arg=--weights=external")
    parser.add_argument("--torch-peer", default="", metavar="MODES",
                        help="with --device=cuda: also time PyTorch (bench/torch_peer.py) in these modes, "
                             "comma-separated: eager, compile, reduce-overhead")
    parser.add_argument("--docs", action="store_true", help="also refresh docs/benchmarks.md and .svg")
    parser.add_argument("--docs-block", default="", metavar="SUFFIX",
                        help="with --docs: the block bench:results{SUFFIX} and docs/benchmarks{SUFFIX}.svg")
    parser.add_argument("--profile", action="store_true",
                        help="also profile AutoGLM per op class (bench/profile_ops.py) at batch 1")
    parser.add_argument("--check", action="store_true", help=f"exit {EXIT_DISAGREE} if any output disagrees")
    parser.add_argument("--render", metavar="RESULTS_JSON",
                        help="measure nothing: rewrite the markdown and chart (and docs with --docs) "
                             "from an earlier results.json")
    args = parser.parse_args()

    if args.render:
        return render(args)
    if args.device == "cuda" and not shutil.which("nvidia-smi"):
        print(f"bench/run.py: --device=cuda: this machine has no NVIDIA GPU (no nvidia-smi); "
              f"exit status {EXIT_NO_BACKEND}", file=sys.stderr)
        return EXIT_NO_BACKEND
    if args.quick:
        args.runs_min = 3
    names = list(models.DEFAULT_MODELS) if args.all else []
    names += [n for n in args.models.split(",") if n and n not in names]
    unknown = [n for n in names if n not in models.MODELS]
    if unknown or not names:
        parser.error(f"unknown model(s) {unknown}; choose from {', '.join(models.MODELS)}" if unknown
                     else "name models with --models or use --all")
    args.build = os.path.abspath(args.build)
    for tool in ("autoglm-opt", "autoglm-run"):
        if not os.access(os.path.join(args.build, "bin", tool), os.X_OK):
            parser.error(f"{os.path.join(args.build, 'bin', tool)} not found: build AutoGLM first "
                         f"(ninja -C {args.build}) or pass --build")
    args.work = os.path.abspath(args.work or os.path.join(args.build, "bench-models"))
    args.results = os.path.abspath(args.results or os.path.join(args.build, "bench-results"))
    os.makedirs(args.results, exist_ok=True)

    import onnxruntime
    base = child([sys.executable, os.path.join(HERE, "ort_runner.py"), "--baseline"], 120)
    rtol, atol_scale, min_cosine = tolerances(args.opt_arg)
    results = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": " ".join([os.path.relpath(sys.argv[0], ROOT)] + sys.argv[1:]),
        "commit": git_commit(), "build": args.build, "autoglm_opt_args": args.opt_arg, "threads": args.threads, "seed": args.seed,
        "onnxruntime": onnxruntime.__version__, "numpy": np.__version__,
        "machine": {"cpu": cpu_summary(), "python": platform.python_version()},
        "ort_python_baseline_rss_mb": base[4],
        "tolerance": f"|autoglm - ort| <= {atol_scale:g} * max|ort| + {rtol:g} * |ort| element-wise"
                     + (f", cosine >= {min_cosine}" if min_cosine else ""),
        "loadavg_start": loadavg(), "models": []}
    if args.device == "cpu":
        results["peak"] = peak_flops.measure(threads=args.threads, seconds=0.1 if args.quick else 0.3)
        print(f"[bench] float32 peak: {results['peak'].get('gflops', results['peak'].get('error'))} GFLOP/s "
              f"on {args.threads} thread(s)", file=sys.stderr, flush=True)
    for name in names:
        results["models"].append(bench_model(args, name))
        with open(os.path.join(args.results, "results.json"), "w") as f:
            json.dump(results, f, indent=1)
    if args.profile:
        import profile_ops
        results["profile"] = profile_ops.profile_models(args, [n for n in names if n in models.MODELS])
    results["loadavg_end"] = loadavg()
    md = markdown(results)
    if "profile" in results:
        md += "\n" + profile_ops.markdown(results["profile"])
    svg = chart(results)
    with open(os.path.join(args.results, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    with open(os.path.join(args.results, "results.md"), "w") as f:
        f.write(md)
    with open(os.path.join(args.results, "results.svg"), "w") as f:
        f.write(svg)
    if args.docs:
        update_docs(results, md, svg, args.docs_block)
    print(md)
    print(f"results: {args.results}/results.json, results.md, results.svg", file=sys.stderr)
    if args.check:
        bad = [r["name"] for r in results["models"] for b in r.get("batches", [])
               if "agreement" in b and not b["agreement"]["ok"]]
        if bad:
            print(f"bench/run.py: outputs disagree with ONNX Runtime: {', '.join(sorted(set(bad)))}",
                  file=sys.stderr)
            return EXIT_DISAGREE
    return 0


if __name__ == "__main__":
    sys.exit(main())
