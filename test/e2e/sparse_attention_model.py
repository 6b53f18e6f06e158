"""A decoder step's attention with a KV cache, for the top-k rewrite
(test/e2e/sparse-attention.test, bench/sparse_attention.py).

One ONNX Attention node (opset 23) with grouped-query heads (8 query heads
over 2 key/value heads), past_key/past_value inputs, the causal limit and an
additive attention mask. Writes model.onnx, the inputs (.npy) and the
expected outputs:

  expected_dense_Y.npy       ONNX Runtime (dense attention)
  expected_topk_Y.npy        numpy reference of autoglm.topk_attention's
                             semantics at --k/--sink/--window
  masked/                    the same inputs with a mask that leaves no more
                             valid keys than k + sink + window, and ONNX
                             Runtime's output for them (a row that short
                             must be exact)

Usage: sparse_attention_model.py OUT --keys N --k K --sink S --window W
                                 [--queries Q] [--dtype float32|float16]
                                 [--layout bhsd|bsd]
(--queries: new tokens in the step, each seeing the cache and the new
tokens up to itself; --layout bsd: q, k, v, the cache and Y as
[1, S, heads * size], the cache and the new keys joined by Concat nodes
before the Attention node, as a decoder exporter writes them, with Y the
only output; not causal, so expected_topk_Y.npy holds for one query only)
"""

import argparse
import os

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper

Q_HEADS, KV_HEADS, HEAD = 8, 2, 16


def build(path, past, queries, x):
    node = helper.make_node(
        "Attention", ["q", "k", "v", "mask", "past_key", "past_value"],
        ["Y", "present_key", "present_value"], name="attention", is_causal=1)
    graph = helper.make_graph(
        [node], "decoder_attention",
        [helper.make_tensor_value_info("q", x, [1, Q_HEADS, queries, HEAD]),
         helper.make_tensor_value_info("k", x, [1, KV_HEADS, queries, HEAD]),
         helper.make_tensor_value_info("v", x, [1, KV_HEADS, queries, HEAD]),
         helper.make_tensor_value_info("mask", x, [1, 1, queries, past + queries]),
         helper.make_tensor_value_info("past_key", x, [1, KV_HEADS, past, HEAD]),
         helper.make_tensor_value_info("past_value", x, [1, KV_HEADS, past, HEAD])],
        [helper.make_tensor_value_info("Y", x, [1, Q_HEADS, queries, HEAD]),
         helper.make_tensor_value_info("present_key", x, [1, KV_HEADS, past + queries, HEAD]),
         helper.make_tensor_value_info("present_value", x, [1, KV_HEADS, past + queries, HEAD])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 23)],
                              producer_name="autoglm-e2e")
    model.ir_version = 10
    onnx.checker.check_model(model)
    onnx.save(model, path)


def build_bsd(path, past, queries, x):
    """The same attention on [1, S, heads * size] tensors: Concat(past, new)
    along the sequence feeds a 3-D Attention node. Without past inputs,
    ONNX's causal limit would align the queries with the first keys, so
    the node is not causal: the references below equal it at one query."""
    def tensor(name, rows, heads):
        return helper.make_tensor_value_info(name, x, [1, rows, heads * HEAD])
    nodes = [
        helper.make_node("Concat", ["past_key", "k"], ["keys"], name="keys", axis=1),
        helper.make_node("Concat", ["past_value", "v"], ["values"], name="values", axis=1),
        helper.make_node("Attention", ["q", "keys", "values", "mask"], ["Y"],
                         name="attention", q_num_heads=Q_HEADS, kv_num_heads=KV_HEADS)]
    graph = helper.make_graph(
        nodes, "decoder_attention",
        [tensor("q", queries, Q_HEADS), tensor("k", queries, KV_HEADS),
         tensor("v", queries, KV_HEADS),
         helper.make_tensor_value_info("mask", x, [1, 1, queries, past + queries]),
         tensor("past_key", past, KV_HEADS), tensor("past_value", past, KV_HEADS)],
        [tensor("Y", queries, Q_HEADS)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 23)],
                              producer_name="autoglm-e2e")
    model.ir_version = 10
    onnx.checker.check_model(model)
    onnx.save(model, path)


def sequence_major(x):
    """[B, H, S, D] as [B, S, H * D]."""
    b, h, s, d = x.shape
    return np.ascontiguousarray(x.transpose(0, 2, 1, 3).reshape(b, s, h * d))


def topk_attention(q, k, v, mask, scale, top_k, sink, window):
    """autoglm.topk_attention (causal, additive [1, 1, Sq, Sk] mask),
    written from its definition in HighLevelOps.td."""
    batch, hq, sq, _ = q.shape
    hkv, sk = k.shape[1], k.shape[2]
    group = hq // hkv
    out = np.zeros(q.shape[:3] + (v.shape[3],), np.float64)
    q, k, v, mask = (a.astype(np.float64) for a in (q, k, v, mask))
    for b in range(batch):
        for g in range(hkv):
            for i in range(sq):
                visible = min(sk, max(0, i + sk - sq + 1))
                heads = range(g * group, (g + 1) * group)
                s = np.stack([scale * k[b, g, :visible] @ q[b, h, i] + mask[0, 0, i, :visible]
                              for h in heads])
                valid = np.isfinite(s).any(axis=0)
                keep = valid.copy()
                if valid.sum() > top_k + sink + window:
                    sink_end = min(sink, visible)
                    window_start = max(sink_end, visible - window)
                    keep[:] = False
                    keep[:sink_end] = True
                    keep[window_start:] = True
                    rank = s.max(axis=0)
                    candidates = [j for j in range(sink_end, window_start) if valid[j]]
                    # best rank first, ties to the lower index
                    candidates.sort(key=lambda j: (-rank[j], j))
                    keep[candidates[:top_k]] = True
                for n, h in enumerate(heads):
                    row = np.where(keep, s[n], -np.inf)
                    if not np.isfinite(row).any():
                        continue
                    w = np.exp(row - row[np.isfinite(row)].max())
                    out[b, h, i] = (w / w.sum()) @ v[b, g, :visible]
    return out


def save_case(out, inputs, session, extra=None):
    os.makedirs(out, exist_ok=True)
    args = []
    for name, value in inputs.items():
        np.save(os.path.join(out, f"input_{name}.npy"), value)
        args.append(f"--input {name}={os.path.join(out, f'input_{name}.npy')}")
    dense = session.run(["Y"], inputs)[0]
    np.save(os.path.join(out, "expected_dense_Y.npy"), dense)
    for name, value in (extra or {}).items():
        np.save(os.path.join(out, f"expected_{name}_Y.npy"), value)
    with open(os.path.join(out, "inputs.txt"), "w") as f:
        f.write(" ".join(args) + "\n")
    return dense


def main():
    global Q_HEADS, KV_HEADS, HEAD
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--keys", type=int, default=256)
    parser.add_argument("--k", type=int, default=8)
    parser.add_argument("--sink", type=int, default=2)
    parser.add_argument("--window", type=int, default=4)
    parser.add_argument("--queries", type=int, default=1)
    parser.add_argument("--dtype", choices=["float32", "float16"], default="float32")
    parser.add_argument("--heads", default=f"{Q_HEADS}x{KV_HEADS}x{HEAD}",
                        help="query heads x key/value heads x head size")
    parser.add_argument("--layout", choices=["bhsd", "bsd"], default="bhsd")
    parser.add_argument("--ties", type=int, default=0,
                        help="the cache's key rows repeat with this period, so that many keys "
                             "tie in rank (the lower key is kept)")
    a = parser.parse_args()
    Q_HEADS, KV_HEADS, HEAD = (int(n) for n in a.heads.split("x"))
    dtype = np.dtype(a.dtype).type
    onnx_type = TensorProto.FLOAT if a.dtype == "float32" else TensorProto.FLOAT16
    os.makedirs(a.out, exist_ok=True)
    past = a.keys - a.queries
    path = os.path.join(a.out, "model.onnx")
    (build_bsd if a.layout == "bsd" else build)(path, past, a.queries, onnx_type)
    layout = sequence_major if a.layout == "bsd" else (lambda x: x)
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])

    rng = np.random.default_rng(14)
    inputs = {
        "q": rng.standard_normal((1, Q_HEADS, a.queries, HEAD)).astype(dtype) * 2,
        "k": rng.standard_normal((1, KV_HEADS, a.queries, HEAD)).astype(dtype),
        "v": rng.standard_normal((1, KV_HEADS, a.queries, HEAD)).astype(dtype),
        # some cache positions are padding
        "mask": np.repeat(np.where(rng.random((1, 1, 1, a.keys)) < 0.1, -np.inf, 0),
                          a.queries, axis=2).astype(dtype),
        "past_key": rng.standard_normal((1, KV_HEADS, past, HEAD)).astype(dtype),
        "past_value": rng.standard_normal((1, KV_HEADS, past, HEAD)).astype(dtype),
    }
    inputs["mask"][..., -a.queries:] = 0  # the new tokens are always valid
    if a.ties:
        inputs["past_key"] = inputs["past_key"][:, :, np.arange(past) % a.ties]
    topk_inputs = dict(inputs)
    scale = 1 / np.sqrt(HEAD)
    key = np.concatenate([inputs["past_key"], inputs["k"]], axis=2)
    value = np.concatenate([inputs["past_value"], inputs["v"]], axis=2)
    topk = layout(topk_attention(inputs["q"], key, value, inputs["mask"], scale, a.k,
                                 a.sink, a.window).astype(dtype))
    inputs = {name: x if name == "mask" else layout(x) for name, x in inputs.items()}
    dense = save_case(a.out, inputs, session, {"topk": topk})
    # The reference with the whole row kept is ONNX Runtime's dense result.
    full = layout(topk_attention(np.asarray(topk_inputs["q"]), key, value, topk_inputs["mask"],
                                 scale, a.keys, 0, 0))
    tolerance = {"rtol": 1e-4, "atol": 1e-5} if a.dtype == "float32" else {"rtol": 2e-3, "atol": 1e-3}
    if a.layout == "bhsd" or a.queries == 1:
        assert np.allclose(full, dense, **tolerance), abs(full - dense).max()

    # Few valid keys: the mask hides all but k + sink + window of them.
    masked = dict(inputs)
    hidden = np.full((1, 1, a.queries, a.keys), -np.inf, dtype)
    hidden[..., rng.choice(a.keys, a.k + a.sink + a.window, replace=False)] = 0
    masked["mask"] = hidden
    save_case(os.path.join(a.out, "masked"), masked, session)


if __name__ == "__main__":
    main()
