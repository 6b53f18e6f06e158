"""CPU latency and weights of --precision=fp32/fp16/bf16/int8/fp8, side by side,
with ONNX Runtime's float32 and its own int8 (quantize_static, QDQ) models.

    .venv/bin/python bench/precision.py --bin build/bin --work /tmp/precision \
        [--models minilm,resnet50] [--precisions fp32,fp16,bf16,int8] [--ort]
        [--threads 1,2] [--runs 10] [--rounds 3] [--before-bin OLD/bin]
        [--int8-flag=--cpu-amx=0 ...] [--target cuda --batch 8]

Compiles each model of bench/models.py at batch 1 once per precision
(--weights=external; int8 calibrated with minmax on 4 random input sets),
then times them with `autoglm-run --time RUNS` in alternating rounds (fp32,
fp16, bf16, int8, fp32, ...) so that the load of a shared machine falls on
all of them alike, for each thread count of --threads in turn (the builds
are shared). With --before-bin, int8 is also built by an earlier
compiler (A/B of a kernel change, timed in the same rounds); with
--int8-flag, by this compiler with one more flag each. With --ort,
ONNX Runtime (every graph optimization, the same thread count) runs the
float32 model and the model its quantize_static makes from the same
calibration sets (QDQ, uint8
activations, int8 weights per channel: the settings AutoGLM's int8 uses),
timed in the same rounds, and AutoGLM compiles that same quantize_static
model as it is (no --precision: its QuantizeLinear/DequantizeLinear pairs
become integer products and convolutions; "AutoGLM on ONNX Runtime's
int8 QDQ"), so that the int8 convolutions of CNNs, which --precision=int8
leaves in float32, are measured too. Prints, per model and runner, the weights
file's bytes (ONNX Runtime: the model file's), the median of the rounds'
median milliseconds with the rounds' min-max, the ratio to AutoGLM
fp32's median, and each AutoGLM build's peak resident memory (its
`autoglm-run` process: runtime, model, weights, arena; the largest of the
rounds) and, on the GPU, what its session holds on the device (arena,
weights, buffers, library workspaces). ONNX Runtime runs inside this
script, so its memory is not given. Inputs are bench/models.py's make_inputs (seed 1), the same
for every runner (autoglm-run --input from .npy files); accuracy is
test/e2e/precision_accuracy.py's. The first line says whether ONNX
Runtime's int8 kernels are exact on this host (bench/precision_host.py: on
x86 with AVX2 and no VNNI they saturate in 16 bits, and AutoGLM's do not).

With --target cuda the builds are for the GPU (`--target=cuda`, run with
`--device cuda`; the time is the device's, by CUDA events) and --threads
does not apply; --batch sets the batch the models are built and timed at.
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
from run import child  # noqa: E402  (a command's peak resident memory)
import onnx  # noqa: E402


def calibration_sets(model, shapes, work):
    """4 random input sets (seeds 1000-1003), one subdirectory each."""
    root = os.path.join(work, "calibration")
    feeds = [models.make_inputs(model, shapes, seed) for seed in range(1000, 1004)]
    for i, feed in enumerate(feeds):
        os.makedirs(os.path.join(root, f"set{i}"), exist_ok=True)
        for name, value in feed.items():
            np.save(os.path.join(root, f"set{i}", f"{name}.npy"), value)
    return root, feeds


def ort_int8(path, feeds, work):
    """ONNX Runtime's quantize_static of the model at `path` (QDQ)."""
    from onnxruntime.quantization import (CalibrationDataReader, QuantFormat, QuantType,
                                          quantize_static)

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.it = iter(feeds)

        def get_next(self):
            return next(self.it, None)

    out = os.path.join(work, "ort_int8.onnx")
    quantize_static(path, out, Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                    op_types_to_quantize=["MatMul", "Gemm", "Conv"])
    return out


def ort_session(path, threads):
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def ort_median_ms(session, feed):
    session.run(None, feed)  # warm-up, as autoglm-run's first run
    millis = []
    for _ in range(args.runs):
        start = time.perf_counter()
        session.run(None, feed)
        millis.append((time.perf_counter() - start) * 1000)
    return statistics.median(millis)


parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--bin", required=True)
parser.add_argument("--work", required=True)
parser.add_argument("--models", default="minilm,resnet50")
parser.add_argument("--precisions", default="fp32,fp16,bf16")
parser.add_argument("--ort", action="store_true", help="also time ONNX Runtime fp32 and int8 (QDQ)")
parser.add_argument("--threads", default="1",
                    help="thread counts, comma-separated: each is timed from the same builds")
parser.add_argument("--before-bin",
                    help="also build int8 with this directory's autoglm-opt (an earlier "
                         "version of the compiler), timed in the same rounds")
parser.add_argument("--int8-flag", action="append", default=[],
                    help="also build int8 with this extra autoglm-opt flag (e.g. "
                         "--int8-flag=--cpu-amx=0: the VNNI kernel on an AMX CPU), timed "
                         "in the same rounds; repeatable; flags separated by spaces are "
                         "passed apart (--int8-flag='--cpu-amx=0 --cpu-int8-epilogues')")
parser.add_argument("--target", default="cpu", choices=("cpu", "cuda"))
parser.add_argument("--batch", type=int, default=1, help="the batch the models run at")
parser.add_argument("--runs", type=int, default=10)
parser.add_argument("--rounds", type=int, default=3)
args = parser.parse_args()

print(ort_int8_note())
precisions = args.precisions.split(",")
thread_counts = [int(t) for t in args.threads.split(",")]
print(f"| model | runner | weights file bytes | threads | median ms (min-max of {args.rounds} "
      f"rounds x {args.runs} runs) | / AutoGLM {precisions[0]} | peak RSS MB | device MB |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
for name in args.models.split(","):
    work = os.path.join(args.work, name)
    os.makedirs(work, exist_ok=True)
    model = models.build(name)
    # ONNX Runtime's copy in one file (quantize_static reads external data
    # badly; under 2 GB), saved first: the external save moves the data out
    # of `model`.
    inline = os.path.join(work, "ort_model.onnx")
    if args.ort:
        onnx.save(model, inline)
    path = os.path.join(work, "model.onnx")
    onnx.save(model, path, save_as_external_data=True, location="model.onnx.data")
    shapes = models.input_shapes(model, args.batch, models.MODELS[name][3])
    shape_args = [f"--input-shape={n}:{'x'.join(map(str, s))}" for n, s in shapes.items()]
    calibration, feeds = calibration_sets(model, shapes, work)
    for p in precisions:
        extra = [f"--calibration-data={calibration}"] if p in ("int8", "fp8") else []
        run([os.path.join(args.bin, "autoglm-opt"), path, *shape_args, f"--precision={p}", *extra,
             f"--target={args.target}", "--weights=external", "--emit=so", "-o",
             os.path.join(work, f"{p}.so")])
    runners = {f"AutoGLM {p}": p for p in precisions}
    if args.before_bin and "int8" in precisions:
        run([os.path.join(args.before_bin, "autoglm-opt"), path, *shape_args,
             "--precision=int8", f"--calibration-data={calibration}", "--weights=external",
             "--emit=so", "-o", os.path.join(work, "int8_before.so")])
        runners["AutoGLM int8, before (--before-bin)"] = "int8_before"
    for i, flag in enumerate(args.int8_flag if "int8" in precisions else []):
        run([os.path.join(args.bin, "autoglm-opt"), path, *shape_args, "--precision=int8",
             f"--calibration-data={calibration}", *flag.split(), "--weights=external", "--emit=so",
             "-o", os.path.join(work, f"int8_flag{i}.so")])
        runners[f"AutoGLM int8 {flag}"] = f"int8_flag{i}"
    # The same inputs for every runner, valid for the model (token ids
    # inside their tables: autoglm-run refuses an index outside its table).
    feed = models.make_inputs(model, shapes, 1)
    input_args = []
    for input_name, value in feed.items():
        np.save(os.path.join(work, f"input_{input_name}.npy"), value)
        input_args += ["--input", f"{input_name}={os.path.join(work, f'input_{input_name}.npy')}"]
    ort_files = {}
    if args.ort:
        int8_path = ort_int8(inline, feeds, work)
        ort_files = {"ONNX Runtime fp32": inline,
                     "ONNX Runtime int8 (quantize_static QDQ)": int8_path}
    if args.ort:
        # ONNX Runtime's quantized model compiled by AutoGLM as it is.
        qdq = "AutoGLM on ONNX Runtime's int8 QDQ"
        run([os.path.join(args.bin, "autoglm-opt"), int8_path, *shape_args, "--weights=external",
             "--emit=so", "-o", os.path.join(work, "ort_qdq.so")])
        runners[qdq] = "ort_qdq"
    for threads in thread_counts:
        sessions = {r: ort_session(f, threads) for r, f in ort_files.items()}
        medians = {r: [] for r in list(runners) + list(sessions)}
        # Each AutoGLM runner's process: its peak resident memory (model,
        # weights, arena, runtime) and, on the GPU, what its session holds
        # there (autoglm_session_device_bytes); ONNX Runtime runs in this
        # process, so its memory is not its own.
        peak_mb, device_mb = {}, {}
        for _ in range(args.rounds):
            for r, p in runners.items():
                device = (["--device", "cuda"] if args.target == "cuda"
                          else ["--threads", str(threads)])
                cmd = [os.path.join(args.bin, "autoglm-run"), os.path.join(work, f"{p}.so"),
                       *input_args, "--time", str(args.runs), *device]
                rc, out, err, _, rss = child(cmd, timeout=1800)
                if rc != 0:
                    sys.exit(f"failed ({rc}): {' '.join(cmd)}\n{err}")
                medians[r].append(float(re.search(r"median ([0-9.]+) ms", out).group(1)))
                peak_mb[r] = max(peak_mb.get(r, 0.0), rss)
                on_device = re.search(r"device memory (\d+) bytes", out)
                if on_device:
                    device_mb[r] = int(on_device.group(1)) / 2**20
            for r, session in sessions.items():
                medians[r].append(ort_median_ms(session, feed))
        base = statistics.median(medians[f"AutoGLM {precisions[0]}"])
        for r in medians:
            m = statistics.median(medians[r])
            weights = (os.path.getsize(os.path.join(work, f"{runners[r]}.weights"))
                       if r in runners else os.path.getsize(ort_files[r]))
            peak = f"{peak_mb[r]:.0f}" if r in peak_mb else "-"
            on_device = f"{device_mb[r]:.0f}" if r in device_mb else "-"
            print(f"| {name} | {r} | {weights} | {threads} | {m:.1f} "
                  f"({min(medians[r]):.1f}-{max(medians[r]):.1f}) | {m / base:.2f} | {peak} | "
                  f"{on_device} |", flush=True)
