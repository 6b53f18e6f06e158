"""A decoder step's attention with a KV cache and per-page key bounds, for
page-granularity top-k attention (test/e2e/sparse-attention-pages.test).

The model is sparse_attention_model.py's (one ONNX Attention node, 8 query
heads over 2 key/value heads, head size 16, past_key/past_value, causal, an
additive mask). Compiled with --sparse-attention-granularity=page it gains
the inputs past_key.page_min / past_key.page_max and the outputs
past_key.new_page_min / past_key.new_page_max, the bounds of the pages that
hold the new keys (docs/sparse-attention.md).
Each case directory holds the inputs (bounds included, the page of the new
keys filled with garbage: the model must recompute it), inputs.txt, and

  expected_page_Y.npy        numpy reference of page selection, written from
                             the definition in HighLevelOps.td
  expected_dense_Y.npy       ONNX Runtime (dense attention)
  expected_new_page_min.npy  the bounds of the new keys' pages computed from
  expected_new_page_max.npy  scratch
  expected_token_Y.npy       (main case) token mode's reference at the same
                             k, sink and window: what pages of one key give

Cases: main (k, sink, window as given; a random mask plus two pages masked
whole whose keys would otherwise rank first; two pages tied, the lower one
wins), full (k = keys - page: with the sink and window pages every page, and
every row has fewer valid keys than the budget: dense; the rewrite leaves
k >= keys dense by itself), trusted (the input bounds of one past page
inflated: the kernel ranks by the bounds it is given, so that page is kept).

Usage: sparse_page_model.py OUT --keys N --page P --k K --sink S --window W
                            [--queries Q]
"""

import argparse
import os
import sys

import numpy as np
import onnxruntime as ort
from onnx import TensorProto

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sparse_attention_model import (HEAD, KV_HEADS, Q_HEADS, build, save_case,  # noqa: E402
                                    topk_attention)


def page_bounds(key, page):
    b, h, s, d = key.shape
    paged = key.reshape(b, h, s // page, page, d)
    return paged.min(axis=3), paged.max(axis=3)


def page_attention(q, k, v, mask, scale, top_k, sink, window, page, pmin, pmax):
    """autoglm.topk_attention with page_size (causal, additive [1, 1, Sq, Sk]
    mask)."""
    batch, hq, sq, _ = q.shape
    hkv, sk = k.shape[1], k.shape[2]
    group = hq // hkv
    out = np.zeros(q.shape[:3] + (v.shape[3],), np.float64)
    q, k, v, mask, pmin, pmax = (a.astype(np.float64) for a in (q, k, v, mask, pmin, pmax))
    kept_pages = []
    for b in range(batch):
        for g in range(hkv):
            for i in range(sq):
                visible = min(sk, max(0, i + sk - sq + 1))
                heads = range(g * group, (g + 1) * group)
                m = mask[0, 0, i, :visible]
                s = np.stack([scale * k[b, g, :visible] @ q[b, h, i] + m for h in heads])
                valid = np.isfinite(s).any(axis=0)
                keep = valid.copy()
                if valid.sum() > top_k + sink + window:
                    sink_end = min(-(-sink // page) * page, visible)
                    window_start = max(sink_end, max(visible - window, 0) // page * page)
                    keep[:] = False
                    keep[:sink_end] = True
                    keep[window_start:] = True
                    ranks = {}
                    for p in range(-(-sink_end // page), window_start // page):
                        bias = m[p * page:(p + 1) * page].max()
                        rank = max(np.maximum(scale * q[b, h, i] * pmin[b, g, p],
                                              scale * q[b, h, i] * pmax[b, g, p]).sum() + bias
                                   for h in heads)
                        if np.isfinite(rank):
                            ranks[p] = rank
                    best = sorted(ranks, key=lambda p: (-ranks[p], p))[:-(-top_k // page)]
                    kept_pages.append(sorted(best))
                    for p in best:
                        keep[p * page:(p + 1) * page] = True
                for n, h in enumerate(heads):
                    row = np.where(keep, s[n], -np.inf)
                    if not np.isfinite(row).any():
                        continue
                    w = np.exp(row - row[np.isfinite(row)].max())
                    out[b, h, i] = (w / w.sum()) @ v[b, g, :visible]
    return out, kept_pages


def write_case(out, inputs, session, args, top_k, pmin=None, pmax=None):
    """Saves a case; `pmin`/`pmax`: the bounds given to the model (default:
    those of the keys), their last (new keys') pages overwritten with
    garbage."""
    key = np.concatenate([inputs["past_key"], inputs["k"]], axis=2)
    value = np.concatenate([inputs["past_value"], inputs["v"]], axis=2)
    true_min, true_max = page_bounds(key, args.page)
    pmin = true_min.copy() if pmin is None else pmin
    pmax = true_max.copy() if pmax is None else pmax
    first_new = (args.keys - args.queries) // args.page
    given = dict(inputs)
    given["past_key.page_min"] = pmin.copy()
    given["past_key.page_max"] = pmax.copy()
    given["past_key.page_min"][:, :, first_new:] = 7
    given["past_key.page_max"][:, :, first_new:] = -7
    expected, kept = page_attention(inputs["q"], key, value, inputs["mask"], 1 / np.sqrt(HEAD),
                                    top_k, args.sink, args.window, args.page, pmin, pmax)
    save_case(out, inputs, session, {"page": expected.astype(inputs["q"].dtype)})
    extra = []
    for name in ("past_key.page_min", "past_key.page_max"):
        path = os.path.join(out, f"input_{name}.npy")
        np.save(path, given[name])
        extra.append(f"--input {name}={path}")
    with open(os.path.join(out, "inputs.txt"), "a") as f:  # read by $(cat ...)
        f.write(" ".join(extra) + "\n")
    np.save(os.path.join(out, "expected_new_page_min.npy"), true_min[:, :, first_new:])
    np.save(os.path.join(out, "expected_new_page_max.npy"), true_max[:, :, first_new:])
    return kept


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--keys", type=int, default=256)
    parser.add_argument("--page", type=int, default=16)
    parser.add_argument("--k", type=int, default=32)
    parser.add_argument("--sink", type=int, default=2)
    parser.add_argument("--window", type=int, default=4)
    parser.add_argument("--queries", type=int, default=1)
    a = parser.parse_args()
    os.makedirs(a.out, exist_ok=True)
    past = a.keys - a.queries
    path = os.path.join(a.out, "model.onnx")
    build(path, past, a.queries, TensorProto.FLOAT)
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])

    rng = np.random.default_rng(16)
    f32 = np.float32
    inputs = {
        "q": (rng.standard_normal((1, Q_HEADS, a.queries, HEAD)) * 2).astype(f32),
        "k": rng.standard_normal((1, KV_HEADS, a.queries, HEAD)).astype(f32),
        "v": rng.standard_normal((1, KV_HEADS, a.queries, HEAD)).astype(f32),
        "mask": np.repeat(np.where(rng.random((1, 1, 1, a.keys)) < 0.1, -np.inf, 0),
                          a.queries, axis=2).astype(f32),
        "past_key": rng.standard_normal((1, KV_HEADS, past, HEAD)).astype(f32),
        "past_value": rng.standard_normal((1, KV_HEADS, past, HEAD)).astype(f32),
    }
    inputs["mask"][..., -a.queries:] = 0
    pk, page = inputs["past_key"], a.page
    # Pages 3 and 5 masked whole, with keys along the queries (they would
    # rank first); pages 6 and 9 equal and strong (a tie: 6 is kept).
    q_dir = inputs["q"][0, :, 0].mean(axis=0)
    for p in (3, 5):
        pk[:, :, p * page:(p + 1) * page] = 3 * q_dir
        inputs["mask"][..., p * page:(p + 1) * page] = -np.inf
    pk[:, :, 6 * page:7 * page] += 0.6 * q_dir
    pk[:, :, 9 * page:10 * page] = pk[:, :, 6 * page:7 * page]
    inputs["past_value"][:, :, 9 * page:10 * page] = -inputs["past_value"][:, :, 6 * page:7 * page]

    kept = write_case(a.out, inputs, session, a, a.k)
    # Pages of one key rank by the exact scores: token mode's selection.
    np.save(os.path.join(a.out, "expected_token_Y.npy"), topk_attention(
        inputs["q"], np.concatenate([pk, inputs["k"]], axis=2),
        np.concatenate([inputs["past_value"], inputs["v"]], axis=2), inputs["mask"],
        1 / np.sqrt(HEAD), a.k, a.sink, a.window).astype(f32))
    keys_as_bounds = os.path.join(a.out, "keys_as_bounds.npy")  # the new key's row: garbage
    np.save(keys_as_bounds, np.concatenate([pk, np.full_like(inputs["k"], 7)], axis=2))
    with open(os.path.join(a.out, "inputs.txt")) as f:
        sources = [x for x in f.read().split() if x != "--input" and ".page_m" not in x]
    sources += [f"past_key.page_{m}={keys_as_bounds}" for m in ("min", "max")]
    with open(os.path.join(a.out, "inputs_one.txt"), "w") as f:
        f.write(" ".join(f"--input {x}" for x in sources) + "\n")
    print("kept pages per row (main):", kept[:4])
    assert all(3 not in row and 5 not in row for row in kept), kept
    assert a.queries > 1 or any(6 in row and 9 not in row for row in kept), kept
    write_case(os.path.join(a.out, "full"), inputs, session, a, a.keys - a.page)
    # Inflated bounds of page 12: the kernel trusts the bounds it is given.
    key = np.concatenate([inputs["past_key"], inputs["k"]], axis=2)
    pmin, pmax = page_bounds(key, a.page)
    pmin[:, :, 12] -= 50
    pmax[:, :, 12] += 50
    trusted = write_case(os.path.join(a.out, "trusted"), inputs, session, a, a.k, pmin, pmax)
    assert all(12 in row for row in trusted), trusted


if __name__ == "__main__":
    main()
