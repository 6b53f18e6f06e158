"""A contrived decoder step whose two attention layers keep known shares of
their attention probability under a top-k budget, for the gate of
--sparse-attention=auto (test/e2e/sparse-attention-auto.test).

Three ONNX Attention nodes (opset 23, 4 query heads over 2 key/value heads,
one query against 256 cached keys, which it all sees: no causal flag, which
without past_key would align the query with the first key) read the same
query and keys:

  peaked    scale 1, each query head equal to one long cached key: its
            softmax sits on that key, so the budget keeps nearly all of it
  uniform   scale 1e-6: every score is about 0, the softmax is flat, and the
            budget keeps about (k + sink + window) / 256 of it
  spread    scale 0.075, between the two: the budget keeps most of the mass
            of most rows (mean 0.94) but much less of some (5th
            percentile 0.78), which the 5th-percentile threshold sees

Writes model.onnx, calibration sets sets/set_<i>/<input name>.npy, and
expected_mass.json: each node's kept mass per query row (mean, 5th
percentile, min, rows), computed here in numpy from the definition of
autoglm.topk_attention's selection (HighLevelOps.td), independently of the
compiler.

Usage: sparse_gate_model.py OUT --k K --sink S --window W [--sets N]
       sparse_gate_model.py --check REPORT.json EXPECTED.json
(--check: the sparse attention report's masses equal the expected ones
within 1e-6 and the decisions are those the thresholds give)
"""

import argparse
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

Q_HEADS, KV_HEADS, HEAD, KEYS = 4, 2, 16, 256
SPREAD_SCALE = 0.075


def build(path):
    nodes = [
        helper.make_node("Attention", ["q", "k", "v", "mask"], ["peaked_out"], name="peaked",
                         scale=1.0),
        helper.make_node("Attention", ["q", "k", "v"], ["uniform_out"], name="uniform",
                         scale=1e-6),
        helper.make_node("Attention", ["q", "k", "v"], ["spread_out"], name="spread",
                         scale=SPREAD_SCALE),
    ]
    f = TensorProto.FLOAT
    graph = helper.make_graph(
        nodes, "gate_step",
        [helper.make_tensor_value_info("q", f, [1, Q_HEADS, 1, HEAD]),
         helper.make_tensor_value_info("k", f, [1, KV_HEADS, KEYS, HEAD]),
         helper.make_tensor_value_info("v", f, [1, KV_HEADS, KEYS, HEAD]),
         helper.make_tensor_value_info("mask", f, [1, 1, 1, KEYS])],
        [helper.make_tensor_value_info("peaked_out", f, [1, Q_HEADS, 1, HEAD]),
         helper.make_tensor_value_info("uniform_out", f, [1, Q_HEADS, 1, HEAD]),
         helper.make_tensor_value_info("spread_out", f, [1, Q_HEADS, 1, HEAD])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 23)],
                              producer_name="autoglm-e2e")
    model.ir_version = 10
    onnx.checker.check_model(model)
    onnx.save(model, path)


def kept_mass(q, k, mask, scale, top_k, sink, window):
    """Per query row (batch, query head, query): the share of its dense
    softmax probability on the keys top-k attention keeps (every key is
    visible)."""
    group = q.shape[1] // k.shape[1]
    masses = []
    for g in range(k.shape[1]):
        heads = range(g * group, (g + 1) * group)
        s = np.stack([scale * k[0, g] @ q[0, h, 0] + mask for h in heads])
        valid = np.isfinite(s).any(axis=0)
        keep = valid.copy()
        if valid.sum() > top_k + sink + window:
            keep[:] = False
            keep[:sink] = True
            keep[len(keep) - window:] = True
            rank = s.max(axis=0)
            candidates = [j for j in range(sink, len(keep) - window) if valid[j]]
            candidates.sort(key=lambda j: (-rank[j], j))
            keep[candidates[:top_k]] = True
        for row in s:
            p = np.exp(row - row.max())
            masses.append(p[keep].sum() / p.sum())
    return masses


def summary(masses):
    m = np.array(masses)
    return {"rows": len(m), "mean": float(m.mean()), "p5": float(np.percentile(m, 5)),
            "min": float(m.min())}


def write(a):
    os.makedirs(a.out, exist_ok=True)
    build(os.path.join(a.out, "model.onnx"))
    rng = np.random.default_rng(14)
    peaked, uniform, spread = [], [], []
    for n in range(a.sets):
        k = rng.standard_normal((1, KV_HEADS, KEYS, HEAD)).astype(np.float32)
        v = rng.standard_normal((1, KV_HEADS, KEYS, HEAD)).astype(np.float32)
        mask = np.where(rng.random((1, 1, 1, KEYS)) < 0.1, -np.inf, 0).astype(np.float32)
        mask[..., -1] = 0  # the new token
        q = np.zeros((1, Q_HEADS, 1, HEAD), np.float32)
        group = Q_HEADS // KV_HEADS
        unmasked = [j for j in range(a.sink, KEYS - a.window) if mask[0, 0, 0, j] == 0]
        for h, j in enumerate(rng.choice(unmasked, Q_HEADS, replace=False)):
            # each head looks for one unmasked cached key of its key/value
            # head, made three times as long as the others
            k[0, h // group, j] *= 3
            q[0, h, 0] = k[0, h // group, j]
        out = os.path.join(a.out, "sets", f"set_{n}")
        os.makedirs(out, exist_ok=True)
        for name, value in {"q": q, "k": k, "v": v, "mask": mask}.items():
            np.save(os.path.join(out, f"{name}.npy"), value)
        peaked += kept_mass(q.astype(np.float64), k.astype(np.float64), mask[0, 0, 0], 1.0,
                            a.k, a.sink, a.window)
        uniform += kept_mass(q.astype(np.float64), k.astype(np.float64), np.zeros(KEYS), 1e-6,
                             a.k, a.sink, a.window)
        spread += kept_mass(q.astype(np.float64), k.astype(np.float64), np.zeros(KEYS),
                            SPREAD_SCALE, a.k, a.sink, a.window)
    expected = {"peaked": summary(peaked), "uniform": summary(uniform),
                "spread": summary(spread)}
    # What the model is built to show: one layer within the budget, one not.
    assert expected["peaked"]["min"] >= 0.99, expected
    assert abs(expected["uniform"]["mean"] - (a.k + a.sink + a.window) / KEYS) < 1e-3, expected
    with open(os.path.join(a.out, "expected_mass.json"), "w") as f:
        json.dump(expected, f, indent=1)


def check(report_path, expected_path):
    with open(report_path) as f:
        report = json.load(f)
    with open(expected_path) as f:
        expected = json.load(f)
    gate = report["gate"]
    nodes = {node["node"]: node for node in report["nodes"]}
    if sorted(nodes) != sorted(expected):
        sys.exit(f"report nodes {sorted(nodes)} != expected {sorted(expected)}")
    for name, want in expected.items():
        got = nodes[name]["mass"]
        if got["rows"] != want["rows"]:
            sys.exit(f"{name}: {got['rows']} rows, expected {want['rows']}")
        for key in ("mean", "p5", "min"):
            if abs(got[key] - want[key]) > 1e-6:
                sys.exit(f"{name}: {key} {got[key]} != numpy's {want[key]}")
        passes = want["mean"] >= gate["min_mass"] and want["p5"] >= gate["min_p5"]
        decision = "topk-attention" if passes else "kept-dense-low-mass"
        if nodes[name]["decision"] != decision:
            sys.exit(f"{name}: decision {nodes[name]['decision']}, expected {decision}")
        print(f"{name}: {decision}, mean {got['mean']:.4f} p5 {got['p5']:.4f}: ok")


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--check":
        return check(sys.argv[2], sys.argv[3])
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--k", type=int, default=8)
    parser.add_argument("--sink", type=int, default=2)
    parser.add_argument("--window", type=int, default=4)
    parser.add_argument("--sets", type=int, default=4)
    write(parser.parse_args())


if __name__ == "__main__":
    main()
