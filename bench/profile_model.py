#!/usr/bin/env python3
"""Where a whole compiled model's time goes, kernel by kernel, beside
ONNX Runtime's own per-node times on the same model and inputs.

Every parallel loop of a model compiled for the CPU is a function of its own
(`main_parallel_N`, one or several per ONNX node after fusion), so a
sampling profiler sees the kernels; their names come from the compiler:
  1. the model is compiled twice with the same options, to a shared library
     and to the codegen phase's IR with locations (`--compile-to=codegen
     --mlir-print-debuginfo`): each call of a kernel function in the entry
     carries the ONNX node names fused into that kernel;
  2. `perf record -e cpu-clock` samples `autoglm-run --time N` (perf from
     the `linux-perf` package; the kernel must allow it:
     /proc/sys/kernel/perf_event_paranoid at most 2);
  3. ONNX Runtime's profiler (`SessionOptions.enable_profiling`) times each
     node it runs after its own fusions; a fused node stands for the model's
     node that writes the same tensor (from the optimized graph ONNX Runtime
     saves), or else the node it is named after (the last it absorbed, plus
     `_nchwc` where it runs in its blocked layout);
  4. kernels that share an ONNX node (a Winograd convolution's transforms
     and products) are one row with those nodes; ONNX Runtime's time for
     the same nodes goes beside it. Both compiles take
     `--cpu-share-kernels=0`, so that identical layers, which otherwise
     call one shared function, each get their own and their own row.

AutoGLM's milliseconds are CPU time per run divided by the thread count: at
one thread the wall time of each kernel; at more, what it is when the
threads are evenly loaded. The rows are sorted by how much more time
AutoGLM takes than ONNX Runtime.

    .venv/bin/python bench/profile_model.py --models resnet50 --threads 1
"""

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime as ort

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import models  # noqa: E402
import run as bench_run  # noqa: E402  (the model cache and inputs)

KERNEL = re.compile(r"llvm\.func @(main_parallel_\d+)\(")
ADDRESS = re.compile(r"(%\d+) = llvm\.mlir\.addressof @(main_parallel_\d+)")
CALL = re.compile(r"llvm\.call %\d+\(([^)]*)\).*loc\((.*)\)\s*$", re.M)
ALIAS = re.compile(r"^(#loc\d+) = loc\((.*)\)$", re.M)
SAMPLE = re.compile(r"\s*([\d.]+)%\s+(\d+)\s+\[\.\]\s+(\S+)")


def kernel_nodes(codegen_ir, node_names):
    """{kernel function: set of ONNX node names of its call sites}."""
    aliases = dict(ALIAS.findall(codegen_ir))

    def names(loc, depth=0):
        found = set(re.findall(r'"([^"]*)"', loc))
        if depth < 16:
            for alias in re.findall(r"#loc\d+", loc):
                if alias in aliases:
                    found |= names(aliases[alias], depth + 1)
        return found

    def body(start):
        return codegen_ir[start:codegen_ir.index("\n  }", start)]

    result = collections.defaultdict(set)
    # The nodes whose ops the kernel computes: the location most of its body
    # carries (a few ops keep another layer's, such as constants uniqued
    # across the module, which carry the location of the node that made them
    # first)...
    for match in KERNEL.finditer(codegen_ir):
        locs = collections.Counter(re.findall(r"loc\(([^()]*)\)", body(match.start())))
        if locs:
            result[match.group(1)] |= names(locs.most_common(1)[0][0]) & node_names
    # ... and those its calls are named after.
    entry = body(codegen_ir.index("llvm.func @main("))
    functions = {value: kernel for value, kernel in ADDRESS.findall(entry)}
    for operands, loc in CALL.findall(entry):
        for operand in operands.split(", "):
            if operand in functions:
                result[functions[operand]] |= names(loc) & node_names
    return result


ANCHORS = {"Conv", "ConvTranspose", "MatMul", "Gemm"}


def fusion_chains(model):
    """{node name: the nodes fused with it when it ends a kernel}: its
    producers up the chain of values read by one node only, up to and with a
    convolution or product. A kernel function called for several identical
    layers is named by its first layer's nodes in its body, and by each
    call's last node (a layer's Relu) at its call."""
    producer = {out: n for n in model.graph.node for out in n.output}
    readers = collections.Counter(i for n in model.graph.node for i in n.input)
    chains = {}
    for node in model.graph.node:
        chain, todo = {node.name}, [] if node.op_type in ANCHORS else [node]
        while todo:
            for value in todo.pop().input:
                up = producer.get(value)
                if up is None or readers[value] != 1 or up.name in chain:
                    continue
                chain.add(up.name)
                if up.op_type not in ANCHORS:
                    todo.append(up)
        chains[node.name] = chain
    return chains


def perf_samples(data):
    """{symbol: samples} from `perf report`."""
    out = subprocess.run(["perf", "report", "-i", data, "--sort", "sym", "--stdio", "-n"],
                         capture_output=True, text=True, check=True).stdout
    return {m.group(3): int(m.group(2)) for m in map(SAMPLE.match, out.splitlines()) if m}


def ort_node_ms(path, feeds, threads, runs, workdir):
    """({node name as ONNX Runtime's profiler gives it: ms per run},
    {its node name: the names of the tensors it writes}) from the graph it
    runs after its fusions."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.enable_profiling = True
    options.profile_file_prefix = os.path.join(workdir, "ort_profile")
    optimized = os.path.join(workdir, "ort_optimized.onnx")
    options.optimized_model_filepath = optimized
    options.add_session_config_entry("session.optimized_model_external_initializers_file_name",
                                     "ort_optimized.data")
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    for _ in range(runs + 1):
        session.run(None, feeds)
    events = json.load(open(session.end_profiling()))
    totals = collections.defaultdict(float)
    for event in events:
        if event.get("cat") == "Node" and event["name"].endswith("_kernel_time"):
            totals[event["name"][:-len("_kernel_time")]] += event["dur"] / 1000.0
    graph = onnx.load(optimized, load_external_data=False).graph
    outputs = {node.name: list(node.output) for node in graph.node}
    return {name: ms / (runs + 1) for name, ms in totals.items()}, outputs


def onnx_name(ort_name, node_names, ort_outputs, producers):
    """The model's node that an ONNX Runtime node stands for, if any: the
    node it is named after, else the model's node that writes one of the
    tensors it writes (fusions named after their kind, as BiasGelu)."""
    for tensor in ort_outputs.get(ort_name, []):
        if tensor in producers:
            return producers[tensor]
    name = ort_name
    while name not in node_names:
        stripped = re.sub(r"_(nchwc|token_\d+|fusion)$", "", name)
        if stripped == name:
            return None
        name = stripped
    return name


def rows_of(kernels, samples, ms_per_sample, ort_ms, node_names, anchors, ort_outputs,
            producers):
    """Rows of (nodes, AutoGLM ms, ONNX Runtime ms): kernels that share a node
    merged, ONNX Runtime's nodes matched by name (a fused one by the
    convolution or product its name's chain starts from, `anchors`)."""
    groups = []  # [set of nodes, ms]
    for kernel, nodes in kernels.items():
        ms = samples.get(kernel, 0) * ms_per_sample
        merged = [g for g in groups if g[0] & nodes]
        for g in merged:
            groups.remove(g)
            nodes = nodes | g[0]
            ms += g[1]
        groups.append([set(nodes), ms])
    owner = {n: i for i, g in enumerate(groups) for n in g[0]}
    ort_per_group = collections.defaultdict(float)
    unmatched = 0.0
    for name, ms in ort_ms.items():
        node = onnx_name(name, node_names, ort_outputs, producers)
        node = anchors.get(node, node)
        if node in owner:
            ort_per_group[owner[node]] += ms
        else:
            unmatched += ms
    rows = [(sorted(g[0]), g[1], ort_per_group[i]) for i, g in enumerate(groups)]
    outside = sum(n for s, n in samples.items() if s not in kernels) * ms_per_sample
    return rows, unmatched, outside


def profile(args, name):
    path, _ = bench_run.ensure_model(name, args.seed, args.work)
    model = onnx.load(path)
    node_names = {n.name for n in model.graph.node if n.name}
    shapes = models.input_shapes(model, args.batch, models.MODELS[name][3])
    feeds = bench_run.model_inputs(name, model, shapes, args.seed + 1)
    work = tempfile.mkdtemp(prefix=f"profile-{name}-", dir=args.work)
    opt = [os.path.join(args.build, "bin", "autoglm-opt"), path]
    opt += [f"--input-shape={n}:{'x'.join(map(str, s))}" for n, s in shapes.items()]
    # One function per parallel loop: identical layers would otherwise share
    # one, which the profile could only name by all of their nodes at once.
    opt += ["--cpu-share-kernels=0"] + args.opt_arg
    so = os.path.join(work, "model.so")
    ir = os.path.join(work, "codegen.mlir")
    subprocess.run(opt + ["--emit=so", "-o", so], check=True)
    subprocess.run(opt + ["--compile-to=codegen", "--mlir-print-debuginfo", "-o", ir], check=True)
    chains = fusion_chains(model)
    kernels = {kernel: set().union(*(chains[n] for n in nodes))
               for kernel, nodes in kernel_nodes(open(ir).read(), node_names).items() if nodes}
    inputs = []
    for input_name, value in feeds.items():
        file = os.path.join(work, f"{input_name}.npy")
        np.save(file, value)
        inputs += ["--input", f"{input_name}={file}"]
    data = os.path.join(work, "perf.data")
    timed = subprocess.run(
        ["perf", "record", "-q", "-e", "cpu-clock", "-F", str(args.frequency), "-o", data, "--",
         os.path.join(args.build, "bin", "autoglm-run"), so, *inputs, "--threads", str(args.threads),
         "--time", str(args.runs)], capture_output=True, text=True, check=True).stdout
    median = float(re.search(r"median ([\d.]+) ms", timed).group(1))
    # CPU ms per run and thread of one sample: the warm-up run is sampled too.
    ms_per_sample = 1000.0 / args.frequency / (args.runs + 1) / args.threads
    ort_ms, ort_outputs = ort_node_ms(path, feeds, args.threads, args.runs, work)
    producers = {out: n.name for n in model.graph.node for out in n.output}
    kinds = {n.name: n.op_type for n in model.graph.node}
    anchors = {name: next(n for n in chain if kinds[n] in ANCHORS)
               for name, chain in chains.items() if any(kinds[n] in ANCHORS for n in chain)}
    rows, unmatched, outside = rows_of(kernels, perf_samples(data), ms_per_sample, ort_ms, node_names,
                                       anchors, ort_outputs, producers)
    ours, theirs = sum(r[1] for r in rows), sum(r[2] for r in rows) + unmatched
    print(f"\n**{name}** (batch {args.batch}, {args.threads} thread(s); AutoGLM's run median "
          f"{median:.2f} ms, its kernels {ours:.2f} ms, outside them {outside:.2f} ms; "
          f"ONNX Runtime's nodes {theirs:.2f} ms, of which {unmatched:.2f} ms in nodes named "
          f"after none of the model's)\n")
    print("| ONNX nodes | AutoGLM ms | ONNX Runtime ms | difference ms |")
    print("| --- | --- | --- | --- |")
    rows.sort(key=lambda r: r[1] - r[2], reverse=True)
    for nodes, ms, ort_ms_ in rows[:args.top]:
        label = ", ".join(nodes[:4]) + (f" (+{len(nodes) - 4})" if len(nodes) > 4 else "")
        print(f"| {label} | {ms:.3f} | {ort_ms_:.3f} | {ms - ort_ms_:+.3f} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", required=True, help="comma-separated names (bench/models.py)")
    parser.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    parser.add_argument("--work", default=None, help="model directory (default BUILD/bench-models)")
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--runs", type=int, default=40, help="timed runs per runner")
    parser.add_argument("--frequency", type=int, default=4000, help="perf samples per second")
    parser.add_argument("--top", type=int, default=15, help="rows shown (largest differences first)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--opt-arg", action="append", default=[], metavar="ARG",
                        help="extra autoglm-opt argument (repeatable)")
    args = parser.parse_args()
    args.work = args.work or os.path.join(args.build, "bench-models")
    os.makedirs(args.work, exist_ok=True)
    for name in args.models.split(","):
        profile(args, name)


if __name__ == "__main__":
    main()
