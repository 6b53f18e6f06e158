"""GPU time of decode attention alone: AutoGLM dense (the split-key decode
kernels), AutoGLM top-k in token and page mode, and PyTorch's
scaled_dot_product_attention in a CUDA graph.

    python3 bench/sparse_attention_gpu.py --bin BUILD/bin --work /tmp/sparse-gpu \
        [--keys 8192,32768] [--shape 32x8x128] [--page 16] [--runs 200] [--rounds 3]

For each cache length, one ONNX Attention node (opset 23, float16): one query
token of --shape query heads x key/value heads x head size against a KV
cache of that many tokens given as inputs, no mask. It is compiled for
--target=cuda dense (the default), with --sparse-attention=on (k = 64,
sink = 4, window = 16 unless given) and the same with
--sparse-attention-granularity=page (pages of --page keys; the model then
also takes the per-page key bounds as inputs, which --seed fills with random
values: that changes which pages are kept, not how many), and timed with
`autoglm-run --device cuda --time RUNS`, whose step time excludes the input
copies; the peer is
torch.nn.functional.scaled_dot_product_attention with enable_gqa on the
same shapes, captured in a CUDA graph and replayed RUNS times between CUDA
events. Runners alternate over --rounds. Prints per length the median of
the rounds' medians (min-max of the rounds), the bytes of K and V, and the
ratios to our dense kernel and to PyTorch, as a markdown table. --skip
leaves runners out (e.g. --skip token).
"""
import argparse
import os
import re
import statistics
import subprocess

import numpy as np
import onnx
from onnx import TensorProto, helper


def build(path, q_heads, kv_heads, head, keys):
    h = TensorProto.FLOAT16
    node = helper.make_node("Attention", ["q", "k", "v"], ["y"], name="attention")
    graph = helper.make_graph(
        [node], "decode_attention",
        [helper.make_tensor_value_info("q", h, [1, q_heads, 1, head]),
         helper.make_tensor_value_info("k", h, [1, kv_heads, keys, head]),
         helper.make_tensor_value_info("v", h, [1, kv_heads, keys, head])],
        [helper.make_tensor_value_info("y", h, [1, q_heads, 1, head])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 23)])
    model.ir_version = 10
    onnx.save(model, path)


def time_autoglm(binary, library, runs):
    out = subprocess.run([os.path.join(binary, "autoglm-run"), library, "--device", "cuda",
                          "--seed", "1", "--time", str(runs)],
                         check=True, capture_output=True, text=True).stdout
    match = re.search(r"steps median ([0-9.]+) ms", out)
    if not match:
        raise SystemExit(f"no step time in autoglm-run's output:\n{out}")
    return float(match.group(1))


def dense_difference(binary, library, work, q_heads, kv_heads, head, keys):
    """max |AutoGLM dense - torch SDPA| on the same random f16 inputs."""
    import torch
    import torch.nn.functional as F
    rng = np.random.default_rng(1)
    shapes = {"q": (1, q_heads, 1, head), "k": (1, kv_heads, keys, head),
              "v": (1, kv_heads, keys, head)}
    arrays = {n: (rng.random(s) * 2 - 1).astype(np.float16) for n, s in shapes.items()}
    args, out = [], os.path.join(work, f"dense_{keys}_out")
    for name, array in arrays.items():
        path = os.path.join(work, f"input_{keys}_{name}.npy")
        np.save(path, array)
        args += ["--input", f"{name}={path}"]
    subprocess.run([os.path.join(binary, "autoglm-run"), library, "--device", "cuda",
                    *args, "--output-dir", out], check=True, capture_output=True)
    ours = np.load(os.path.join(out, "output_0.npy")).astype(np.float32)
    q, k, v = (torch.from_numpy(arrays[n]).cuda() for n in ("q", "k", "v"))
    theirs = F.scaled_dot_product_attention(q, k, v, enable_gqa=True).float().cpu().numpy()
    return float(np.abs(ours - theirs).max())


def time_torch(q_heads, kv_heads, head, keys, runs):
    import torch
    import torch.nn.functional as F
    torch.manual_seed(1)
    q = torch.rand(1, q_heads, 1, head, device="cuda", dtype=torch.float16) * 2 - 1
    k = torch.rand(1, kv_heads, keys, head, device="cuda", dtype=torch.float16) * 2 - 1
    v = torch.rand(1, kv_heads, keys, head, device="cuda", dtype=torch.float16) * 2 - 1
    for _ in range(3):
        F.scaled_dot_product_attention(q, k, v, enable_gqa=True)
    torch.cuda.synchronize()
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        F.scaled_dot_product_attention(q, k, v, enable_gqa=True)
    times = []
    for _ in range(runs):
        start = torch.cuda.Event(enable_timing=True)
        stop = torch.cuda.Event(enable_timing=True)
        start.record()
        graph.replay()
        stop.record()
        stop.synchronize()
        times.append(start.elapsed_time(stop))
    return statistics.median(times)


def summary(values):
    return statistics.median(values), min(values), max(values)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bin", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--keys", default="8192,32768")
    parser.add_argument("--shape", default="32x8x128")
    parser.add_argument("--k", type=int, default=64)
    parser.add_argument("--sink", type=int, default=4)
    parser.add_argument("--window", type=int, default=16)
    parser.add_argument("--page", type=int, default=16)
    parser.add_argument("--skip", default="", help="runners left out: comma-separated of token, page")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dense-runs", type=int, default=None,
                        help="runs of AutoGLM's dense kernel (default --runs; 0 leaves it out)")
    args = parser.parse_args()
    q_heads, kv_heads, head = (int(x) for x in args.shape.split("x"))
    os.makedirs(args.work, exist_ok=True)
    opt = os.path.join(args.bin, "autoglm-opt")
    budget = ["--sparse-attention=on", f"--sparse-attention-k={args.k}",
              f"--sparse-attention-sink={args.sink}", f"--sparse-attention-window={args.window}"]
    flags = {"token": budget,
             "page": [*budget, "--sparse-attention-granularity=page",
                      f"--sparse-attention-page-size={args.page}"]}
    sparse = [m for m in ("token", "page") if m not in args.skip.split(",")]
    names = {"token": f"token (k={args.k}, sink={args.sink}, window={args.window})",
             "page": f"page (page {args.page})"}
    print(f"| keys | K+V bytes | AutoGLM dense ms | "
          + "".join(f"AutoGLM {names[m]} ms | " for m in sparse)
          + "PyTorch SDPA ms | dense / PyTorch | "
          + "".join(f"{m} / dense | {m} / PyTorch | " for m in sparse)
          + "max abs dense - PyTorch |")
    print("| --- " * (5 + 3 * len(sparse)) + "|")
    for keys in (int(x) for x in args.keys.split(",")):
        model = os.path.join(args.work, f"attention_{keys}.onnx")
        build(model, q_heads, kv_heads, head, keys)
        dense = os.path.join(args.work, f"dense_{keys}.so")
        if args.dense_runs != 0:
            subprocess.run([opt, model, "--target=cuda", "--emit=so", "-o", dense], check=True)
        libraries = {}
        for mode in sparse:
            libraries[mode] = os.path.join(args.work, f"{mode}_{keys}.so")
            subprocess.run([opt, model, "--target=cuda", "--emit=so", *flags[mode],
                            "-o", libraries[mode]], check=True)
        difference = (dense_difference(args.bin, dense, args.work, q_heads, kv_heads, head, keys)
                      if args.dense_runs != 0 else float("nan"))
        times = {name: [] for name in ("dense", *sparse, "torch")}
        for _ in range(args.rounds):
            dense_runs = args.runs if args.dense_runs is None else args.dense_runs
            times["dense"].append(time_autoglm(args.bin, dense, dense_runs) if dense_runs else float("nan"))
            for mode in sparse:
                times[mode].append(time_autoglm(args.bin, libraries[mode], args.runs))
            times["torch"].append(time_torch(q_heads, kv_heads, head, keys, args.runs))
        med = {name: summary(values) for name, values in times.items()}
        cache_bytes = 2 * kv_heads * keys * head * 2
        cell = lambda s: f"{s[0]:.4f} ({s[1]:.4f}-{s[2]:.4f})"
        d, p = med["dense"][0], med["torch"][0]
        print(f"| {keys} | {cache_bytes} | {cell(med['dense'])} | "
              + "".join(f"{cell(med[m])} | " for m in sparse)
              + f"{cell(med['torch'])} | {d / p:.2f} | "
              + "".join(f"{med[m][0] / d:.2f} | {med[m][0] / p:.2f} | " for m in sparse)
              + f"{difference:.2e} |", flush=True)


if __name__ == "__main__":
    main()
