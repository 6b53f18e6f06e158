"""CPU time of decode attention alone, dense against top-k (token and page mode).

    .venv/bin/python bench/sparse_attention.py --bin build/bin --work /tmp/sparse \
        [--keys 8192] [--shapes 32x8x128,8x8x128] [--page 16] [--threads 1] [--runs 20] [--rounds 5]

For each shape (query heads x key/value heads x head size) builds one ONNX
Attention node (opset 23): one query token against a KV cache of --keys
tokens given as inputs, no mask, f32. Compiles it three times, dense (the
default), with --sparse-attention=on (k = 64, sink = 4, window = 16 unless
given) and the same with --sparse-attention-granularity=page (pages of
--page keys; the model then also takes the per-page key bounds as inputs,
which --seed fills like the others), then times them with `autoglm-run
--time RUNS --seed 1` in alternating rounds
so that the load of a shared machine falls on both alike, and ONNX Runtime
on the same model (a second dense peer: ours is not a tuned decode kernel)
in the same rounds. Prints per shape the median of the rounds' median
milliseconds with the rounds' min-max, the bytes of K and V, and the ratios
to dense and to ONNX Runtime.
"""
import argparse
import os
import re
import statistics
import time

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper

from commands import run


def time_ort(path, threads, runs):
    """Median milliseconds of `runs` runs after one warm-up, as autoglm-run."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(1)
    feeds = {i.name: rng.uniform(-1, 1, i.shape).astype(np.float32) for i in session.get_inputs()}
    session.run(None, feeds)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        session.run(None, feeds)
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def build(path, q_heads, kv_heads, head, keys):
    f = TensorProto.FLOAT
    node = helper.make_node("Attention", ["q", "k", "v"], ["y"], name="attention")
    graph = helper.make_graph(
        [node], "decode_attention",
        [helper.make_tensor_value_info("q", f, [1, q_heads, 1, head]),
         helper.make_tensor_value_info("k", f, [1, kv_heads, keys, head]),
         helper.make_tensor_value_info("v", f, [1, kv_heads, keys, head])],
        [helper.make_tensor_value_info("y", f, [1, q_heads, 1, head])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 23)])
    model.ir_version = 10
    onnx.save(model, path)


parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--bin", required=True)
parser.add_argument("--work", required=True)
parser.add_argument("--keys", type=int, default=8192)
parser.add_argument("--shapes", default="32x8x128,8x8x128")
parser.add_argument("--k", type=int, default=64)
parser.add_argument("--sink", type=int, default=4)
parser.add_argument("--window", type=int, default=16)
parser.add_argument("--page", type=int, default=16)
parser.add_argument("--threads", type=int, default=1)
parser.add_argument("--runs", type=int, default=20)
parser.add_argument("--rounds", type=int, default=5)
args = parser.parse_args()

budget = [f"--sparse-attention-k={args.k}", f"--sparse-attention-sink={args.sink}",
          f"--sparse-attention-window={args.window}"]
modes = {"dense": [], "token": ["--sparse-attention=on", *budget],
         "page": ["--sparse-attention=on", *budget, "--sparse-attention-granularity=page",
                  f"--sparse-attention-page-size={args.page}"]}
print(f"| query x kv heads x head size | keys | K+V bytes | dense ms | token ms "
      f"(k={args.k}, sink={args.sink}, window={args.window}) | page ms (page {args.page}) "
      f"| ONNX Runtime ms | token / dense | page / dense | page / token | page / ONNX Runtime |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for shape in args.shapes.split(","):
    q_heads, kv_heads, head = map(int, shape.split("x"))
    work = os.path.join(args.work, shape)
    os.makedirs(work, exist_ok=True)
    path = os.path.join(work, "model.onnx")
    build(path, q_heads, kv_heads, head, args.keys)
    for mode, flags in modes.items():
        run([os.path.join(args.bin, "autoglm-opt"), path, *flags, "--emit=so",
             "-o", os.path.join(work, f"{mode}.so")])
    medians = {mode: [] for mode in modes}
    for _ in range(args.rounds):
        for mode in modes:
            out = run([os.path.join(args.bin, "autoglm-run"), os.path.join(work, f"{mode}.so"),
                       "--seed", "1", "--time", str(args.runs), "--threads", str(args.threads)])
            medians[mode].append(float(re.search(r"median ([0-9.]+) ms", out).group(1)))
        medians.setdefault("ort", []).append(time_ort(path, args.threads, args.runs))
    cells = []
    for mode in [*modes, "ort"]:
        m = statistics.median(medians[mode])
        cells.append(f"{m:.3f} ({min(medians[mode]):.3f}-{max(medians[mode]):.3f})")
    med = {mode: statistics.median(values) for mode, values in medians.items()}
    kv_bytes = 2 * kv_heads * args.keys * head * 4
    print(f"| {q_heads} x {kv_heads} x {head} | {args.keys} | {kv_bytes} | {' | '.join(cells)} "
          f"| {med['token'] / med['dense']:.3f} | {med['page'] / med['dense']:.3f} "
          f"| {med['page'] / med['token']:.2f} | {med['page'] / med['ort']:.2f} |", flush=True)
