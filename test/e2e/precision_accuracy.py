"""Accuracy of --precision=fp16/bf16/int8/fp8 against float32 (ONNX Runtime), on
models of bench/models.py.

    precision_accuracy.py --bin BUILD/bin --work DIR MODEL [--precisions fp16,bf16,int8]
        [--min-cosine C] [--weights-ratio R] [--calibrator minmax|percentile|entropy]
        [--accuracy-budget cosine:C|rel-error:E]

Compiles MODEL once per precision (--weights=external), runs each compiled
model with autoglm-run on a few inputs and compares its outputs with ONNX
Runtime's float32 outputs: the cosine similarity of each output row and the
largest absolute difference relative to the largest reference value. For
`minilm` (trained weights) the inputs are real sentences, and the
paraphrase ranking (for each query, which candidate is closest) must be the
one float32 gives. Prints one line per precision; exits 1 when a cosine is
below --min-cosine, the ranking changes, or the weights file of a narrow
precision is larger than --weights-ratio times the float32 model's weights.
int8 is calibrated on inputs other than those it is measured on: other
sentences for `minilm`, other random seeds for the rest. With
--accuracy-budget the int8 build keeps the products the budget needs in
float32 (measured on the calibration inputs, not the measured ones), and
the line says how many it kept and how long the compile took.
"""
import argparse
import os
import json
import subprocess
import sys
import time

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

# int8 calibration inputs: sentences other than the measured ones.
CALIBRATION_SENTENCES = [
    "The children are building a sandcastle on the beach.",
    "Please send me the report before Friday.",
    "A dog runs across the snowy field.",
    "Interest rates rose for the third time this year.",
    "She is reading a book about ancient Rome.",
    "The train to Berlin leaves at nine.",
    "How much does a ticket to the museum cost?",
    "He fixed the bicycle with a wrench.",
]


def minilm_feeds(texts):
    vocab = models.minilm_vocab()
    feeds = []
    for text in texts:
        ids, mask = models.wordpiece(text, vocab, 128)
        feeds.append({"input_ids": ids[None], "attention_mask": mask[None],
                      "token_type_ids": np.zeros((1, 128), np.int64)})
    return feeds


def minilm_inputs(model):
    return minilm_feeds([text for query, candidates in SENTENCES for text in [query] + candidates])


def random_inputs(model, count, first_seed=0):
    shapes = models.input_shapes(model, 1, models.MODELS[args.model][3])
    return [models.make_inputs(model, shapes, seed) for seed in range(first_seed, first_seed + count)]


def calibration_dir(model, work):
    """The int8 calibration sets, one subdirectory each, <input name>.npy."""
    feeds = (minilm_feeds(CALIBRATION_SENTENCES) if args.model == "minilm"
             else random_inputs(model, args.calibration_sets, first_seed=1000))
    root = os.path.join(work, "calibration")
    for i, feed in enumerate(feeds):
        os.makedirs(os.path.join(root, f"set{i}"), exist_ok=True)
        for name, value in feed.items():
            np.save(os.path.join(root, f"set{i}", f"{name}.npy"), value)
    return root


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
        device = ["--device", "cuda"] if args.target == "cuda" else []
        run([os.path.join(args.bin, "autoglm-run"), so, *device, *args_, "--output-dir", out_dir])
        outputs.append(np.load(os.path.join(out_dir, "output_0.npy")))
    return outputs


def budget_layers(work):
    """The nodes the accuracy budget measured, from the int8 report."""
    report = json.load(open(os.path.join(work, "int8.json")))
    return [n for n in report["nodes"] if "error_alone" in n]


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
parser.add_argument("--calibrator", default="minmax", help="int8: minmax, percentile or entropy")
parser.add_argument("--accuracy-budget", default="", help="int8: --accuracy-budget for autoglm-opt")
parser.add_argument("--calibration-sets", type=int, default=4, help="int8: random calibration sets (not minilm)")
parser.add_argument("--target", default="cpu", choices=["cpu", "cuda"],
                    help="compile for this target (cuda: run on the GPU)")
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
    int8_args = []
    if precision in ("int8", "fp8"):
        int8_args = [f"--calibration-data={calibration_dir(model, args.work)}",
                     f"--calibrator={args.calibrator}"]
        if precision == "int8" and args.accuracy_budget:
            int8_args += [f"--accuracy-budget={args.accuracy_budget}",
                          f"--precision-report={os.path.join(args.work, 'int8.json')}"]
    start = time.monotonic()
    run([os.path.join(args.bin, "autoglm-opt"), path, *shape_args, f"--precision={precision}",
         f"--target={args.target}", *int8_args, "--weights=external", "--emit=so", "-o", so])
    compile_s = time.monotonic() - start
    # No file when every constant is under --weights=external's 1024 bytes
    # (tiny_cnn in int8): they all stay in the binary.
    weights_file = os.path.join(args.work, f"{precision}.weights")
    weights = os.path.getsize(weights_file) if os.path.exists(weights_file) else 0
    outs = compiled_outputs(so, feeds, args.work, precision)
    cosines = [cosine(o[j], r[j]) for o, r in zip(outs, reference) for j in range(r.shape[0])]
    rel = max(float(np.abs(o - r).max() / (np.abs(r).max() + 1e-30)) for o, r in zip(outs, reference))
    name = precision if precision not in ("int8", "fp8") else f"{precision} ({args.calibrator})"
    if precision == "int8" and args.accuracy_budget:
        budget = json.load(open(os.path.join(args.work, "int8.json")))["accuracy_budget"]
        name += (f" budget {args.accuracy_budget}: {budget['kept']} of "
                 f"{sum(1 for _ in budget_layers(args.work))} products kept in fp32")
    line = (f"{args.model} {name}: min cosine {min(cosines):.6f}, mean {np.mean(cosines):.6f}, "
            f"max |diff| / max |ref| {rel:.2e}, weights file {weights} bytes "
            f"({weights / f32_weight_bytes:.3f} of the f32 initializers' {f32_weight_bytes}), "
            f"compile {compile_s:.1f} s")
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
