"""Accuracy of --precision=fp16/bf16 against float32 (ONNX Runtime), on
models of bench/models.py.

    precision_accuracy.py --bin BUILD/bin --work DIR MODEL [--precisions fp16,bf16]
        [--min-cosine C] [--weights-ratio R]

Compiles MODEL once per precision (--weights=external), runs each compiled
model with autoglm-run on a few inputs and compares its outputs with ONNX
Runtime's float32 outputs: the cosine similarity of each output row and the
largest absolute difference relative to the largest reference value. For
`minilm` (trained weights) the inputs are real sentences, and the
paraphrase ranking (for each query, which candidate is closest) must be the
one float32 gives. Prints one line per precision; exits 1 when a cosine is
below --min-cosine, the ranking changes, or the weights file of a narrow
precision is larger than --weights-ratio times the float32 model's weights.
"""
import argparse
import os
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "bench"))
import models  # noqa: E402

# Query, then candidates: the first candidate is the paraphrase.
SENTENCES = [
    ("A man is playing a guitar.",
     ["Someone plays an acoustic guitar.", "A woman is slicing onions.", "The stock market fell today."]),
    ("The cat sleeps on the sofa.",
     ["A kitten is napping on the couch.", "Two men are playing football.", "Rain is expected tomorrow."]),
    ("How do I reset my password?",
     ["What are the steps to change my login password?", "Where is the nearest train station?",
      "The recipe needs two eggs."]),
]


def minilm_inputs(model):
    vocab = models.minilm_vocab()
    feeds = []
    for query, candidates in SENTENCES:
        for text in [query] + candidates:
            ids, mask = models.wordpiece(text, vocab, 128)
            feeds.append({"input_ids": ids[None], "attention_mask": mask[None],
                          "token_type_ids": np.zeros((1, 128), np.int64)})
    return feeds


def random_inputs(model, count):
    shapes = models.input_shapes(model, 1, models.MODELS[args.model][3])
    return [models.make_inputs(model, shapes, seed) for seed in range(count)]


def cosine(a, b):
    a, b = a.ravel().astype(np.float64), b.ravel().astype(np.float64)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-30))


def run(cmd):
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"failed ({result.returncode}): {' '.join(cmd)}\n{result.stderr}")
    return result.stdout


def compiled_outputs(so, feeds, work, tag):
    outputs = []
    for i, feed in enumerate(feeds):
        args_ = []
        for name, value in feed.items():
            path = os.path.join(work, f"{tag}_in{i}_{name}.npy")
            np.save(path, value)
            args_ += ["--input", f"{name}={path}"]
        out_dir = os.path.join(work, f"{tag}_out{i}")
        run([os.path.join(args.bin, "autoglm-run"), so, *args_, "--output-dir", out_dir])
        outputs.append(np.load(os.path.join(out_dir, "output_0.npy")))
    return outputs


def ranking(embeddings):
    """For each query, the index of its closest candidate."""
    picks, per = [], 1 + len(SENTENCES[0][1])
    for q in range(len(SENTENCES)):
        group = embeddings[q * per:(q + 1) * per]
        picks.append(int(np.argmax([cosine(group[0], c) for c in group[1:]])))
    return picks


parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("model", choices=sorted(models.MODELS))
parser.add_argument("--bin", required=True)
parser.add_argument("--work", required=True)
parser.add_argument("--precisions", default="fp16,bf16")
parser.add_argument("--inputs", type=int, default=2, help="random input sets (not minilm)")
parser.add_argument("--min-cosine", type=float, default=0.99)
parser.add_argument("--weights-ratio", type=float, default=0.0,
                    help="fail when a narrow weights file exceeds this fraction of float32's (0: no check)")
parser.add_argument("--threads", type=int, default=0)
args = parser.parse_args()

os.makedirs(args.work, exist_ok=True)
try:
    model = models.build(args.model)
except models.MissingPackage as e:
    sys.exit(f"precision_accuracy.py: {e}")
path = os.path.join(args.work, "model.onnx")
onnx.save(model, path, save_as_external_data=True, location="model.onnx.data")
feeds = minilm_inputs(model) if args.model == "minilm" else random_inputs(model, args.inputs)
shape_args = [f"--input-shape={name}:{'x'.join(map(str, v.shape))}" for name, v in feeds[0].items()]

session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
reference = [session.run(None, feed)[0] for feed in feeds]
f32_weight_bytes = sum(int(np.prod(t.dims)) * 4 for t in model.graph.initializer
                       if t.data_type == onnx.TensorProto.FLOAT)

failed = False
for precision in args.precisions.split(","):
    so = os.path.join(args.work, f"{precision}.so")
    run([os.path.join(args.bin, "autoglm-opt"), path, *shape_args, f"--precision={precision}",
         "--weights=external", "--emit=so", "-o", so])
    weights = os.path.getsize(os.path.join(args.work, f"{precision}.weights"))
    outs = compiled_outputs(so, feeds, args.work, precision)
    cosines = [cosine(o[j], r[j]) for o, r in zip(outs, reference) for j in range(r.shape[0])]
    rel = max(float(np.abs(o - r).max() / (np.abs(r).max() + 1e-30)) for o, r in zip(outs, reference))
    line = (f"{args.model} {precision}: min cosine {min(cosines):.6f}, mean {np.mean(cosines):.6f}, "
            f"max |diff| / max |ref| {rel:.2e}, weights file {weights} bytes "
            f"({weights / f32_weight_bytes:.3f} of the f32 initializers' {f32_weight_bytes})")
    if min(cosines) < args.min_cosine:
        line += f"; FAIL: cosine below {args.min_cosine}"
        failed = True
    if args.weights_ratio and weights > args.weights_ratio * f32_weight_bytes:
        line += f"; FAIL: weights file above {args.weights_ratio} of f32"
        failed = True
    if args.model == "minilm":
        picks, ref_picks = ranking(outs), ranking(reference)
        line += f", paraphrase picks {picks} (f32: {ref_picks})"
        if picks != ref_picks:
            line += "; FAIL: ranking changed"
            failed = True
    print(line, flush=True)
sys.exit(1 if failed else 0)
