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
  spread    scale 0.075 (0.02 with pages), between the two: the budget keeps most of the mass
            of most rows (mean 0.94) but much less of some (5th
            percentile 0.78), which the 5th-percentile threshold sees

Writes model.onnx, calibration sets sets/set_<i>/<input name>.npy, and
expected_mass.json: each node's kept mass per query row (mean, 5th
percentile, min, rows), computed here in numpy from the definition of
autoglm.topk_attention's selection (HighLevelOps.td), independently of the
compiler.

With --page P, the masses are those of page granularity (pages of P keys
chosen by their key bounds; test/e2e/sparse-attention-auto-pages.test).

Usage: sparse_gate_model.py OUT --k K --sink S --window W [--sets N] [--page P]
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
# The scale of "spread" (with pages, whose needles are longer, a smaller one
# gives the same mean 0.95 and 5th percentile 0.78).
SPREAD_SCALE = {"token": 0.075, "page": 0.02}


def build(path, spread_scale):
    nodes = [
        helper.make_node("Attention", ["q", "k", "v", "mask"], ["peaked_out"], name="peaked",
                         scale=1.0),
        helper.make_node("Attention", ["q", "k", "v"], ["uniform_out"], name="uniform",
                         scale=1e-6),
        helper.make_node("Attention", ["q", "k", "v"], ["spread_out"], name="spread",
                         scale=spread_scale),
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


def kept_mass(q, k, mask, scale, top_k, sink, window, page=0):
    """Per query row (batch, query head, query): the share of its dense
    softmax probability on the keys top-k attention keeps (every key is
    visible). With `page`, the selection of page granularity: the pages
    holding a sink or a window key, and the ceil(top_k / page) other pages
    whose upper score bound from the page's key bounds, plus the page's
    largest mask value, is best over the group's heads."""
    group = q.shape[1] // k.shape[1]
    keys = k.shape[2]
    masses = []
    for g in range(k.shape[1]):
        heads = range(g * group, (g + 1) * group)
        s = np.stack([scale * k[0, g] @ q[0, h, 0] + mask for h in heads])
        valid = np.isfinite(s).any(axis=0)
        keep = valid.copy()
        if valid.sum() > top_k + sink + window and page:
            sink_end = -(-sink // page) * page
            window_start = max(sink_end, (keys - window) // page * page)
            keep[:] = False
            keep[:sink_end] = True
            keep[window_start:] = True
            paged = k[0, g].reshape(keys // page, page, -1)
            lo, hi = paged.min(axis=1), paged.max(axis=1)
            rank = {}
            for p in range(sink_end // page, window_start // page):
                bias = mask[p * page:(p + 1) * page].max()
                rank[p] = max(np.maximum(scale * q[0, h, 0] * lo[p], scale * q[0, h, 0] * hi[p]).sum()
                              + bias for h in heads)
            chosen = sorted((p for p in rank if np.isfinite(rank[p])), key=lambda p: (-rank[p], p))
            for p in chosen[:-(-top_k // page)]:
                keep[p * page:(p + 1) * page] = True
        elif valid.sum() > top_k + sink + window:
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
    spread_scale = SPREAD_SCALE["page" if a.page else "token"]
    build(os.path.join(a.out, "model.onnx"), spread_scale)
    rng = np.random.default_rng(14)
    peaked, uniform, spread = [], [], []
    for n in range(a.sets):
        k = rng.standard_normal((1, KV_HEADS, KEYS, HEAD)).astype(np.float32)
        v = rng.standard_normal((1, KV_HEADS, KEYS, HEAD)).astype(np.float32)
        mask = np.where(rng.random((1, 1, 1, KEYS)) < 0.1, -np.inf, 0).astype(np.float32)
        mask[..., -1] = 0  # the new token
        q = np.zeros((1, Q_HEADS, 1, HEAD), np.float32)
        group = Q_HEADS // KV_HEADS
        # Candidates: keys (pages) neither sinks nor window.
        first, end = a.sink, KEYS - a.window
        if a.page:
            first, end = -(-a.sink // a.page) * a.page, (KEYS - a.window) // a.page * a.page
        unmasked = [j for j in range(first, end) if mask[0, 0, 0, j] == 0]
        for h, j in enumerate(rng.choice(unmasked, Q_HEADS, replace=False)):
            # each head looks for one unmasked cached key of its key/value
            # head, made three times as long as the others (six with pages:
            # a page's score bound adds up every dimension's largest product,
            # so the key must stand out from the other pages' bounds too)
            k[0, h // group, j] *= 6 if a.page else 3
            q[0, h, 0] = k[0, h // group, j]
        out = os.path.join(a.out, "sets", f"set_{n}")
        os.makedirs(out, exist_ok=True)
        for name, value in {"q": q, "k": k, "v": v, "mask": mask}.items():
            np.save(os.path.join(out, f"{name}.npy"), value)
        budget = (a.k, a.sink, a.window, a.page)
        peaked += kept_mass(q.astype(np.float64), k.astype(np.float64), mask[0, 0, 0], 1.0,
                            *budget)
        uniform += kept_mass(q.astype(np.float64), k.astype(np.float64), np.zeros(KEYS), 1e-6,
                             *budget)
        spread += kept_mass(q.astype(np.float64), k.astype(np.float64), np.zeros(KEYS),
                            spread_scale, *budget)
    expected = {"peaked": summary(peaked), "uniform": summary(uniform),
                "spread": summary(spread)}
    # What the model is built to show: one layer within the budget, one not.
    assert expected["peaked"]["min"] >= 0.99, expected
    kept = a.k + a.sink + a.window
    if a.page:  # whole pages: the sink and window pages, ceil(k / page) chosen
        kept = (-(-a.sink // a.page) + -(-a.k // a.page)) * a.page + \
            KEYS - (KEYS - a.window) // a.page * a.page
    assert abs(expected["uniform"]["mean"] - kept / KEYS) < 1e-3, expected
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
    parser.add_argument("--page", type=int, default=0,
                        help="keys per page: the masses of page granularity")
    write(parser.parse_args())


if __name__ == "__main__":
    main()
