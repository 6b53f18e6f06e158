#!/usr/bin/env python3
"""Where AutoGLM's time goes, per op class, by isolating nodes.

Each node alone, at batch 1 (or --batch N); bench/profile_model.py profiles
the whole compiled model instead, kernel by kernel:
  1. ONNX Runtime (optimizations off) computes every intermediate value;
  2. nodes whose outputs are known at compile time (shape computations:
     Shape -> Gather -> Unsqueeze -> Concat feeding a Reshape) are counted as
     folded and not timed;
  3. every other node becomes a one-node model with its real input shapes
     and its constant inputs (weights, reshape targets) as initializers,
     fed the values it sees in the model run;
     identical nodes (same op, attributes, shapes) are built once and
     weighted by their count;
  4. each one-node model is compiled with autoglm-opt and timed with
     autoglm-run, and timed with ONNX Runtime, with the same thread count;
  5. times x counts are summed per op class.
The sum over isolated nodes is not the whole-model time: fusion and cache
reuse across nodes are absent and each node pays its own call overhead. The
report shows both so the reader can judge.

    .venv/bin/python bench/profile_ops.py --models resnet50 [--build build]
"""

import argparse
import collections
import hashlib
import os
import re
import statistics
import sys
import time

import numpy as np
import onnx
import onnxruntime as ort
from onnx import helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import models  # noqa: E402

CLASSES = [
    ("conv", {"Conv", "ConvTranspose"}),
    ("matmul / gemm", {"MatMul", "Gemm"}),
    ("normalization", {"BatchNormalization", "LayerNormalization"}),
    ("softmax", {"Softmax"}),
    ("reduction", {"ReduceMean", "ReduceSum", "ReduceMax", "ReduceL2"}),
    ("pooling", {"MaxPool", "AveragePool", "GlobalAveragePool"}),
    ("elementwise", {"Add", "Sub", "Mul", "Div", "Pow", "Sqrt", "Erf", "Tanh", "Relu", "Clip", "Cast",
                     "Sigmoid", "Exp", "Neg", "Where", "Gelu"}),
    ("data movement", {"Reshape", "Transpose", "Concat", "Split", "Gather", "Slice", "Flatten",
                       "Unsqueeze", "Squeeze", "Expand", "Identity"}),
]


def op_class(op_type):
    return next((name for name, ops in CLASSES if op_type in ops), "other")


def kernel_class(node, constant_inputs):
    """A finer class than op_class, by the kernel a node needs: convolutions
    by kernel size and groups, matrix products with a weight apart from
    products of two activations (attention's QK^T and PV), and the row ops
    (Softmax, LayerNormalization, Erf) and Transpose by name."""
    attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    if node.op_type == "Conv":
        weight = constant_inputs.get(node.input[1])
        kernel = list(weight.shape[2:]) if weight is not None else attrs.get("kernel_shape", [])
        if attrs.get("group", 1) > 1:
            return "conv depthwise/grouped"
        size = "×".join(map(str, kernel)) or "?"
        return f"conv {size}" + (" stride 2" if max(attrs.get("strides", [1])) > 1 and size != "1×1" else "")
    if node.op_type in ("MatMul", "Gemm"):
        if any(i in constant_inputs for i in node.input[:2]):
            return "matmul / gemm with weights"
        return "matmul of two activations (attention)"
    if node.op_type in ("Softmax", "LayerNormalization", "Erf", "Tanh", "Transpose", "BatchNormalization"):
        return node.op_type
    return op_class(node.op_type)


def all_values(model, feeds):
    """Every node output's value, from ONNX Runtime with optimizations off."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    known = {o.name for o in m.graph.output}
    for node in m.graph.node:
        for out in node.output:
            if out and out not in known:
                m.graph.output.append(onnx.ValueInfoProto(name=out))
                known.add(out)
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(m.SerializeToString(), options, providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(None, feeds)))


def isolate(model, feeds, values):
    """{key: [one-node model, count, op_type, its real inputs]} and the
    number of folded nodes."""
    inits = {i.name: i for i in model.graph.initializer}
    const = set(inits)
    unique, folded = collections.OrderedDict(), 0
    for node in model.graph.node:
        ins = [i for i in node.input if i]
        if node.op_type == "Shape" or all(i in const for i in ins):
            const.update(node.output)
            folded += 1
            continue
        graph_inputs, graph_inits, key, node_feeds = [], [], [node.op_type], {}
        for attr in node.attribute:
            key.append(str(helper.get_attribute_value(attr)))
        seen = set()
        for i in node.input:
            if not i:
                key.append("-")
                continue
            if i in seen:  # x * x: one graph input, used twice
                key.append("same")
                continue
            seen.add(i)
            value = numpy_helper.to_array(inits[i]) if i in inits else (feeds[i] if i in feeds else values[i])
            value = np.asarray(value)
            if i in const:
                graph_inits.append(numpy_helper.from_array(value, i))
                # Small constants (shapes, scalars) change the computation;
                # large ones are weights, alike in cost whatever their values.
                digest = hashlib.sha1(value.tobytes()).hexdigest()[:8] if value.size <= 64 else ""
                key.append(f"c{value.dtype}{list(value.shape)}{digest}")
            else:
                dtype = helper.np_dtype_to_tensor_dtype(value.dtype)
                graph_inputs.append(helper.make_tensor_value_info(i, dtype, list(value.shape)))
                node_feeds[i] = value
                key.append(f"i{value.dtype}{list(value.shape)}")
        key = "|".join(key)
        if key in unique:
            unique[key][1] += 1
            continue
        outputs = [helper.make_tensor_value_info(o, helper.np_dtype_to_tensor_dtype(np.asarray(values[o]).dtype),
                                                 list(np.asarray(values[o]).shape)) for o in node.output if o]
        graph = helper.make_graph([node], "node", graph_inputs, outputs, graph_inits)
        single = helper.make_model(graph, opset_imports=model.opset_import)
        single.ir_version = model.ir_version
        constants = {i.name: numpy_helper.to_array(i) for i in graph_inits}
        unique[key] = [single, 1, node.op_type, node_feeds, kernel_class(node, constants)]
    return unique, folded


def time_ort(path, feeds, threads, runs, budget):
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    session.run(None, feeds)
    times, start = [], time.perf_counter()
    while len(times) < runs or (time.perf_counter() - start < budget and len(times) < 200):
        t = time.perf_counter()
        session.run(None, feeds)
        times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times)


def profile_model(build, name, threads, workdir, seed=0, runs=10, budget=0.5, log=sys.stderr, by_kernel=False,
                  batch=1, top_nodes=8):
    import run as bench_run  # the harness's helpers (model cache, child processes)
    path, _ = bench_run.ensure_model(name, seed, workdir)
    model = onnx.load(path)
    fixed = models.MODELS[name][3]
    shapes = models.input_shapes(model, batch, fixed)
    feeds = models.make_inputs(model, shapes, seed + 1)
    start = time.perf_counter()
    values = all_values(model, feeds)
    unique, folded = isolate(model, feeds, values)
    del values
    pdir = os.path.join(workdir, name, "profile" if batch == 1 else f"profile-b{batch}")
    os.makedirs(pdir, exist_ok=True)
    per_class = collections.defaultdict(lambda: {"nodes": 0, "autoglm_ms": 0.0, "ort_ms": 0.0})
    failures, top = [], []
    print(f"[profile] {name}: {sum(u[1] for u in unique.values())} nodes timed as {len(unique)} "
          f"distinct one-node models, {folded} folded", file=log, flush=True)
    for index, (key, (single, count, op_type, node_feeds, kernel)) in enumerate(unique.items()):
        p = os.path.join(pdir, f"n{index}.onnx")
        so = os.path.join(pdir, f"n{index}.so")
        onnx.save(single, p)
        # The node's real inputs from the model run, for both runners.
        inputs = []
        for j, (input_name, value) in enumerate(node_feeds.items()):
            np.save(os.path.join(pdir, f"n{index}_{j}.npy"), value)
            inputs += ["--input", f"{input_name}={os.path.join(pdir, f'n{index}_{j}.npy')}"]
        rc, out, err, _, _ = bench_run.child([os.path.join(build, "bin", "autoglm-opt"), p, "--emit=so",
                                              "-o", so], 600)
        cls = kernel if by_kernel else op_class(op_type)
        entry = per_class[cls]
        entry["nodes"] += count
        try:
            ort_ms = time_ort(p, node_feeds, threads, runs, budget)
        except Exception as e:  # reported, not fatal: the rest of the profile stands
            failures.append(f"{op_type} (ONNX Runtime): {str(e).splitlines()[0][:200]}")
            ort_ms = float("nan")
        else:
            entry["ort_ms"] += ort_ms * count
        if rc != 0:
            failures.append(f"{op_type}: {bench_run.error_line(err, 'exit %s' % rc)}")
            entry.setdefault("failed", 0)
            entry["failed"] += count
            continue
        n = max(runs, 1)
        rc, out, err, _, _ = bench_run.child([os.path.join(build, "bin", "autoglm-run"), so] + inputs +
                                             ["--threads", str(threads), "--time", str(n)], 600)
        m = re.search(r"median ([\d.]+) ms", out)
        if rc != 0 or not m:
            failures.append(f"{op_type}: {bench_run.error_line(err + out, 'exit %s' % rc)}")
            continue
        ms = float(m.group(1))
        entry["autoglm_ms"] += ms * count
        shape_desc = ",".join(str([d.dim_value for d in i.type.tensor_type.shape.dim]) for i in single.graph.input)
        top.append({"op": op_type, "node": single.graph.node[0].name, "count": count, "inputs": shape_desc,
                    "autoglm_ms": ms, "ort_ms": ort_ms})
    top.sort(key=lambda t: -t["autoglm_ms"] * t["count"])
    return {"model": name, "threads": threads, "batch": batch, "distinct": len(unique), "folded_nodes": folded,
            "seconds": time.perf_counter() - start, "classes": dict(per_class),
            "top": top[:top_nodes], "failures": failures}


def profile_models(args, names):
    out = []
    for name in names:
        try:
            out.append(profile_model(args.build, name, args.threads, args.work, args.seed,
                                     runs=3 if args.quick else 20, budget=0.1 if args.quick else 1.0,
                                     by_kernel=getattr(args, "by_kernel", False),
                                     batch=getattr(args, "profile_batch", 1),
                                     top_nodes=max(8, getattr(args, "top", 8))))
        except Exception as e:  # one model's profile failing must not lose the others
            out.append({"model": name, "skipped": f"{type(e).__name__}: {str(e).splitlines()[0][:300]}"})
    return out


def markdown(profiles, top=4):
    batch = profiles[0].get("batch", 1) if profiles else 1
    lines = [f"Per op class (isolated nodes at batch {batch}, bench/profile_ops.py; ms summed over the model's "
             "nodes; method in docs/benchmarks.md):", ""]
    for p in profiles:
        if "skipped" in p:
            lines += [f"**{p['model']}**: not profiled: {p['skipped']}", ""]
            continue
        classes = sorted(p["classes"].items(), key=lambda kv: -kv[1]["autoglm_ms"])
        total_a = sum(c["autoglm_ms"] for _, c in classes)
        total_o = sum(c["ort_ms"] for _, c in classes)
        lines += [f"**{p['model']}** ({p['distinct']} distinct one-node models, {p['folded_nodes']} "
                  f"shape nodes folded; sum of isolated nodes: AutoGLM {total_a:.1f} ms, ORT {total_o:.1f} ms)",
                  "", "| op class | nodes | AutoGLM ms | share | ORT ms | ratio |", "| --- | --- | --- | --- | --- | --- |"]
        for cls, c in classes:
            ratio = f"{c['autoglm_ms'] / c['ort_ms']:.1f}" if c["ort_ms"] > 0 and c["autoglm_ms"] > 0 else "—"
            failed = f" ({c['failed']} failed to compile)" if c.get("failed") else ""
            lines.append(f"| {cls} | {c['nodes']}{failed} | {c['autoglm_ms']:.3f} | "
                         f"{100 * c['autoglm_ms'] / total_a if total_a else 0:.0f}% | {c['ort_ms']:.3f} | {ratio} |")
        if p["top"]:
            lines += ["", "Costliest distinct nodes (AutoGLM ms × count): " + "; ".join(
                f"{t['op']} `{t['node']}` {t['inputs']} ×{t['count']}: {t['autoglm_ms']:.3f} ms "
                f"(ORT {t['ort_ms']:.3f})" for t in p["top"][:top])]
        if p["failures"]:
            lines += ["", "Not compiled: " + "; ".join(f"`{f}`" for f in sorted(set(p["failures"]))[:5])]
        lines.append("")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    root = os.path.dirname(HERE)
    parser.add_argument("--models", default="resnet50")
    parser.add_argument("--build", default=os.path.join(root, "build"))
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--batch", dest="profile_batch", type=int, default=1, help="the models' batch (default 1)")
    parser.add_argument("--top", type=int, default=4, help="costliest distinct nodes listed (default 4)")
    parser.add_argument("--work", default="")
    parser.add_argument("--by-kernel", action="store_true",
                        help="classes by kernel (conv 3×3, conv 1×1, attention products, Softmax, ...) "
                             "instead of by op type")
    args = parser.parse_args()
    args.build = os.path.abspath(args.build)
    args.work = os.path.abspath(args.work or os.path.join(args.build, "bench-models"))
    print(markdown(profile_models(args, args.models.split(",")), args.top))


if __name__ == "__main__":
    main()
