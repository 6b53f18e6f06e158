"""CPU latency of models quantized by ONNX Runtime's own tools, run by
AutoGLM and by ONNX Runtime, side by side.

    .venv/bin/python bench/prequantized.py --bin build/bin --work /tmp/prequantized \
        [--models minilm,bert_base] [--threads 1] [--runs 5] [--rounds 3]

For each model of bench/models.py (batch 1) it makes two int8 models with
onnxruntime.quantization: quantize_dynamic (DynamicQuantizeLinear +
MatMulInteger, int8 weights) and quantize_static in QDQ format (uint8
activations, int8 weights per channel, calibrated on 4 random input sets;
MatMul and Gemm). AutoGLM compiles each quantized model as it is
(--weights=external) and the float32 model; ONNX Runtime (every graph
optimization, the same thread count) runs the same files. All are timed in
alternating rounds so that the load of a shared machine falls on all of them
alike. Prints per model and runner the median of the rounds' median
milliseconds, the rounds' min-max, and the ratio to ONNX Runtime on the same
quantized model (and, for the float32 rows, to ONNX Runtime float32).
Inputs are random (bench/models.py's seed 1), the same files for both.
The first line says whether ONNX Runtime's int8 kernels are exact on this
host (bench/precision_host.py): on x86 with AVX2 and no VNNI they saturate
pairs of products in 16 bits, so there the two runners do not compute the
same thing and ONNX Runtime's outputs are not a reference for AutoGLM's.
"""
import argparse
import os
import re
import statistics
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import models  # noqa: E402
from commands import run  # noqa: E402
from precision_host import ort_int8_note  # noqa: E402
import onnx  # noqa: E402


def quantized_models(path, feeds, work):
    """ONNX Runtime's quantize_dynamic and quantize_static (QDQ) of `path`."""
    from onnxruntime.quantization import (CalibrationDataReader, QuantFormat, QuantType,
                                          quantize_dynamic, quantize_static)

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.it = iter(feeds)

        def get_next(self):
            return next(self.it, None)

    dynamic = os.path.join(work, "dynamic.onnx")
    quantize_dynamic(path, dynamic, weight_type=QuantType.QInt8,
                     op_types_to_quantize=["MatMul", "Gemm"])
    qdq = os.path.join(work, "qdq.onnx")
    quantize_static(path, qdq, Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                    op_types_to_quantize=["MatMul", "Gemm"])
    return {"fp32": path, "dynamic": dynamic, "qdq": qdq}


def ort_session(path, threads):
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def ort_median_ms(session, feed, runs):
    session.run(None, feed)  # warm-up, as autoglm-run's first run
    millis = []
    for _ in range(runs):
        start = time.perf_counter()
        session.run(None, feed)
        millis.append((time.perf_counter() - start) * 1000)
    return statistics.median(millis)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--models", default="minilm,bert_base")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(ort_int8_note())
    print(f"| model | quantized by | runner | median ms (min-max of {args.rounds} rounds "
          f"x {args.runs} runs, {args.threads} thread(s)) | / ONNX Runtime on the same model |")
    print("| --- | --- | --- | --- | --- |")
    for name in args.models.split(","):
        work = os.path.join(args.work, name)
        os.makedirs(work, exist_ok=True)
        model = models.build(name)
        path = os.path.join(work, "model.onnx")
        onnx.save(model, path)
        shapes = models.input_shapes(model, 1, models.MODELS[name][3])
        shape_args = [f"--input-shape={n}:{'x'.join(map(str, s))}" for n, s in shapes.items()]
        feeds = [models.make_inputs(model, shapes, seed) for seed in range(1000, 1004)]
        variants = quantized_models(path, feeds, work)
        for v, p in variants.items():
            run([os.path.join(args.bin, "autoglm-opt"), p, *shape_args, "--weights=external",
                 "--emit=so", "-o", os.path.join(work, f"{v}.so")])
        # The same random inputs for both runners.
        feed = models.make_inputs(model, shapes, 1)
        feed_args = []
        for n, value in feed.items():
            np.save(os.path.join(work, f"input_{n}.npy"), value)
            feed_args += ["--input", f"{n}={os.path.join(work, f'input_{n}.npy')}"]
        sessions = {v: ort_session(p, args.threads) for v, p in variants.items()}
        medians = {(v, r): [] for v in variants for r in ("AutoGLM", "ONNX Runtime")}
        for _ in range(args.rounds):
            for v in variants:
                out = run([os.path.join(args.bin, "autoglm-run"), os.path.join(work, f"{v}.so"),
                           *feed_args, "--time", str(args.runs), "--threads", str(args.threads)])
                medians[(v, "AutoGLM")].append(
                    float(re.search(r"median ([0-9.]+) ms", out).group(1)))
                medians[(v, "ONNX Runtime")].append(ort_median_ms(sessions[v], feed, args.runs))
        label = {"fp32": "(float32)", "dynamic": "quantize_dynamic",
                 "qdq": "quantize_static QDQ"}
        for (v, r), values in medians.items():
            m = statistics.median(values)
            base = statistics.median(medians[(v, "ONNX Runtime")])
            print(f"| {name} | {label[v]} | {r} | {m:.1f} ({min(values):.1f}-{max(values):.1f}) "
                  f"| {m / base:.2f} |", flush=True)


if __name__ == "__main__":
    main()
