"""The generation step of a random 2-layer decoder of SmolLM2's graph form
(bench/decoder_step.py: RMSNormalization, interleaved RotaryEmbedding,
grouped-query Attention over a 63-slot KV cache with a validity mask,
SwiGLU, tied logits), with a cache that 20 steps of ONNX Runtime filled:

    decoder_step_model.py DIR

writes DIR/step.onnx, the next step's inputs (DIR/<input>.npy) and ONNX
Runtime's outputs for them (DIR/expected_<output>.npy), and
DIR/inputs.txt, the `--input` and `--expect` arguments of autoglm-run."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench"))
import decoder_step as ds  # noqa: E402

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
config = ds.Config(layers=2, hidden=64, ffn=128, heads=4, kv_heads=2, vocab=97,
                   rope_base=10000.0, eps=1e-5)
weights = ds.random_weights(config)
step = os.path.join(out, "step.onnx")
ds.build_step(config, weights, 63, step)
reference = ds.OrtStep(step, 1)
cache = ds.Cache(config, 63, 4)
tokens = np.random.default_rng(3).integers(config.vocab, size=21)
for token in tokens[:-1]:
    cache.append(reference.run(cache.feeds(int(token))))
feeds = cache.feeds(int(tokens[-1]))
arguments = []
for name, value in feeds.items():
    np.save(os.path.join(out, f"{name}.npy"), value)
    arguments += ["--input", f"{name}={os.path.join(out, name)}.npy"]
for name, value in reference.run(feeds).items():
    np.save(os.path.join(out, f"expected_{name}.npy"), value)
    arguments += ["--expect", f"{name}={os.path.join(out, 'expected_' + name)}.npy"]
with open(os.path.join(out, "inputs.txt"), "w") as f:
    f.write(" ".join(arguments) + "\n")
