"""Encoder and prefill attention in float16, for the tensor-core kernel of
the CUDA target (test/e2e/encoder-attention-cuda.test) and the CPU's
lowering of f16 attention (test/e2e/encoder-attention.test).

One ONNX Attention node (opset 23, no past) over float16 query, key and
value inputs, optionally grouped-query heads, the causal limit, and a mask:
an additive float16 mask per key (BERT's [B, 1, 1, Sk], -10000 on 20% of
the keys) or a boolean mask per query row and key ([B, 1, Sq, Sk]; with
--mask allmasked one query row sees no key, and its output is zero). Writes
model.onnx, the inputs (.npy), inputs.txt (autoglm-run's --input flags) and
expected_Y.npy: the attention computed in float64 by numpy from the float16
inputs, rounded to float16.

Usage: encoder_attention_model.py OUT --batch B --heads H [--kv-heads G]
           --queries Q --keys K --head D [--causal] [--mask float|bool|allmasked]
"""

import argparse
import os

import numpy as np
import onnx
from onnx import TensorProto, helper


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--batch", type=int, required=True)
    parser.add_argument("--heads", type=int, required=True)
    parser.add_argument("--kv-heads", type=int)
    parser.add_argument("--queries", type=int, required=True)
    parser.add_argument("--keys", type=int, required=True)
    parser.add_argument("--head", type=int, required=True)
    parser.add_argument("--causal", action="store_true")
    parser.add_argument("--mask", choices=["float", "bool", "allmasked"])
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    b, hq, sq, sk, d = args.batch, args.heads, args.queries, args.keys, args.head
    hkv = args.kv_heads or hq
    f16 = TensorProto.FLOAT16
    shapes = {"q": (b, hq, sq, d), "k": (b, hkv, sk, d), "v": (b, hkv, sk, d)}
    inputs = [helper.make_tensor_value_info(n, f16, s) for n, s in shapes.items()]
    rng = np.random.default_rng(3)
    arrays = {n: rng.standard_normal(s).astype(np.float16) for n, s in shapes.items()}
    if args.mask == "float":
        arrays["m"] = np.where(rng.random((b, 1, 1, sk)) < 0.8, 0, -10000).astype(np.float16)
        inputs.append(helper.make_tensor_value_info("m", f16, arrays["m"].shape))
    elif args.mask:
        mask = rng.random((b, 1, sq, sk)) < 0.6
        if args.mask == "allmasked":
            mask[:, :, 3, :] = False
        arrays["m"] = mask
        inputs.append(helper.make_tensor_value_info("m", TensorProto.BOOL, mask.shape))
    node = helper.make_node("Attention", list(arrays), ["Y"], name="attention",
                            is_causal=int(args.causal))
    graph = helper.make_graph([node], "encoder_attention", inputs,
                              [helper.make_tensor_value_info("Y", f16, (b, hq, sq, d))])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 23)],
                              producer_name="autoglm-e2e")
    model.ir_version = 10
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(args.out, "model.onnx"))

    flags = []
    for name, array in arrays.items():
        path = os.path.join(args.out, f"{name}.npy")
        np.save(path, array)
        flags.append(f"--input {name}={path}")
    with open(os.path.join(args.out, "inputs.txt"), "w") as f:
        f.write(" ".join(flags) + "\n")

    # ONNX Attention: softmax(Q Kᵀ / sqrt(D) + mask) V; without a past the
    # causal limit is j <= i; a row that sees no key is zero.
    q, k, v = (arrays[n].astype(np.float64) for n in "qkv")
    k, v = np.repeat(k, hq // hkv, axis=1), np.repeat(v, hq // hkv, axis=1)
    scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(d)
    seen = np.ones(scores.shape, bool)
    if args.mask == "float":
        scores = scores + arrays["m"].astype(np.float64)
    elif args.mask:
        seen &= np.broadcast_to(arrays["m"], scores.shape)
    if args.causal:
        seen &= np.arange(sk)[None, :] <= np.arange(sq)[:, None]
    scores = np.where(seen, scores, -np.inf)
    top = scores.max(-1, keepdims=True)
    e = np.exp(scores - np.where(np.isinf(top), 0, top))
    total = e.sum(-1, keepdims=True)
    y = (e / np.where(total == 0, 1, total)) @ v
    np.save(os.path.join(args.out, "expected_Y.npy"), y.astype(np.float16))


if __name__ == "__main__":
    main()
