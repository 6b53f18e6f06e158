"""Requests between a model's sequence lengths against unpadded runs.

Usage: seq_buckets.py [--batcher] MODEL.onnx BUCKETS.so WORKDIR BATCH LENGTH:EXACT.so|LENGTH...

BUCKETS.so is MODEL.onnx compiled with sets of sequence lengths and a pad
mask. For each LENGTH, a request of BATCH rows and LENGTH tokens (random
token ids, the attention mask 1 but for the last token of row 0) runs on
BUCKETS.so through `autoglm-run --seq-length LENGTH`; the runtime runs the
entry of that length, or pads the request up to the next one. Its outputs
must be within 1e-6 + 1e-5 * |reference| of the same request run on
EXACT.so (the model compiled at exactly that length, when given), and
within 1e-5 + 1e-4 * |ort| of ONNX Runtime. Prints one line per length
with the largest differences; exits 1 on any difference past tolerance.
With --batcher the request goes through the runtime's batcher
(`autoglm-run --batch BATCH`), which pads it to a length and a batch size.
"""

import pathlib
import subprocess
import sys

import numpy as np
import onnxruntime as ort


def run(args):
    result = subprocess.run(args, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def outputs(so, work, tag, feeds, count, extra=()):
    args = ["autoglm-run", so, "--output-dir", str(work / tag), "--threads", "1", *extra]
    for name, value in feeds.items():
        np.save(work / f"{tag}_{name}.npy", value)
        args += ["--input", f"{name}={work / f'{tag}_{name}.npy'}"]
    run(args)
    return [np.load(work / tag / f"output_{i}.npy") for i in range(count)]


def main():
    args = sys.argv[1:]
    batcher = args[0] == "--batcher"
    if batcher:
        args = args[1:]
    model_path, buckets_so, workdir, batch = args[:4]
    batch = int(batch)
    work = pathlib.Path(workdir)
    work.mkdir(parents=True, exist_ok=True)
    session = ort.InferenceSession(model_path)
    names = [o.name for o in session.get_outputs()]
    failures = 0
    for spec in args[4:]:
        length, _, exact_so = spec.partition(":")
        length = int(length)
        rng = np.random.default_rng(length)
        ids = rng.integers(1, 50, (batch, length)).astype(np.int64)
        mask = np.ones((batch, length), np.int64)
        mask[0, -1] = 0
        feeds = {"input_ids": ids, "attention_mask": mask}
        got = outputs(buckets_so, work, f"b{length}", feeds, len(names),
                      ["--seq-length", str(length)] + (["--batch", str(batch)] if batcher else []))
        ort_out = session.run(None, feeds)
        line = f"length {length}:"
        for name, value, expected in zip(names, got, ort_out):
            ok = value.shape == expected.shape and np.all(
                np.abs(value - expected) <= 1e-5 + 1e-4 * np.abs(expected))
            failures += not ok
            line += f" {name} {list(value.shape)} within tolerance of onnxruntime: {'yes' if ok else 'NO'};"
        if exact_so:
            alone = outputs(exact_so, work, f"e{length}", feeds, len(names))
            worst = 0.0
            ok = True
            for value, reference in zip(got, alone):
                ok &= value.shape == reference.shape and bool(np.all(
                    np.abs(value - reference) <= 1e-6 + 1e-5 * np.abs(reference)))
                if value.shape == reference.shape:
                    worst = max(worst, float(np.max(np.abs(value - reference))))
            failures += not ok
            line += f" equal to the unpadded model within 1e-6 + 1e-5*|ref|: {'yes' if ok else 'NO'} (largest difference {worst:.1e})"
        print(line)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
