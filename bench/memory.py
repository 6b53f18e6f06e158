#!/usr/bin/env python3
"""Memory figures of the benchmark models: AutoGLM's planned arena against
the naive sum of intermediates, the lower bound (peak of live bytes), and
ONNX Runtime's memory for intermediates, measured in the same script.

    memory.py [--build build] [--models resnet50,mobilenetv2,bert_base]
              [--work DIR] [--markdown FILE]

For each model at batch 1: `autoglm-opt --memory-report=...json` gives
arena, naive and lower-bound bytes. Then ONNX Runtime (all graph
optimizations, one thread, its default CPU arena) and the compiled model
(through the runtime's C API) each run once in a child Python process that
reports its peak resident set (VmHWM) above its resident set before the
session was created: weights, intermediates, code and allocator slack,
without the interpreter. "Beyond weights" subtracts the model's initializer
bytes.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import models  # noqa: E402

MIB = 1024.0 * 1024.0

# A child that records its resident set once the interpreter, the library
# and the inputs are loaded, then builds a session, runs once, and prints its
# peak resident set above that baseline. argv: onnx|autoglm, model path,
# inputs .npz, [runtime library].
CHILD = r"""
import ctypes, json, sys
import numpy as np

def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024

kind, path, inputs = sys.argv[1:4]
feeds = dict(np.load(inputs))
if kind == "onnx":
    import onnxruntime as ort
baseline = status("VmRSS")
if kind == "onnx":
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    session.run(None, feeds)
else:
    # autoglm-run's own code path is C++; here the model is driven through
    # the runtime's C API so both sides live in a Python process.
    rt = ctypes.CDLL(sys.argv[4])
    lib = ctypes.CDLL(path)
    lib.autoglm_get_model.restype = ctypes.c_void_p
    model = lib.autoglm_get_model()
    session = ctypes.c_void_p()
    class Options(ctypes.Structure):
        _fields_ = [("num_threads", ctypes.c_int32), ("workspace", ctypes.c_void_p),
                    ("workspace_bytes", ctypes.c_uint64), ("weights_path", ctypes.c_char_p),
                    ("weights", ctypes.c_void_p), ("weights_image_bytes", ctypes.c_uint64),
                    ("device_ordinal", ctypes.c_int32), ("spin_after_run_us", ctypes.c_int32)]
    options = Options()
    rt.autoglm_session_options_init(ctypes.byref(options))
    options.num_threads = 1
    assert rt.autoglm_session_create(ctypes.c_void_p(model), ctypes.byref(options),
                                     ctypes.byref(session)) == 0
    class Tensor(ctypes.Structure):
        _fields_ = [("data", ctypes.c_void_p), ("dtype", ctypes.c_int32),
                    ("rank", ctypes.c_int32), ("shape", ctypes.POINTER(ctypes.c_int64))]
    rt.autoglm_session_input.restype = ctypes.c_void_p
    rt.autoglm_session_output.restype = ctypes.c_void_p
    class Desc(ctypes.Structure):
        _fields_ = [("name", ctypes.c_char_p), ("dtype", ctypes.c_int32),
                    ("rank", ctypes.c_int32), ("shape", ctypes.POINTER(ctypes.c_int64))]
    def tensors(count, getter, arrays):
        out, keep = (Tensor * count)(), []
        for i in range(count):
            d = Desc.from_address(getter(session, i))
            shape = [d.shape[k] for k in range(d.rank)]
            array = arrays(d.name.decode(), shape)
            keep.append(array)
            dims = (ctypes.c_int64 * max(1, d.rank))(*shape)
            keep.append(dims)
            out[i] = Tensor(array.ctypes.data, d.dtype, d.rank, dims)
        return out, keep
    dtypes = {1: np.float32, 7: np.int64, 6: np.int32, 9: np.bool_}
    nin, nout = rt.autoglm_session_num_inputs(session), rt.autoglm_session_num_outputs(session)
    ins, keep_in = tensors(nin, rt.autoglm_session_input, lambda n, s: np.ascontiguousarray(feeds[n]))
    outs, keep_out = tensors(nout, rt.autoglm_session_output, lambda n, s: np.zeros(s, np.float32))
    assert rt.autoglm_session_run(session, ins, nin, outs, nout) == 0
print(json.dumps({"peak_above_baseline": status("VmHWM") - baseline}))
"""


def measure(kind, path, inputs, runtime=None):
    cmd = [sys.executable, "-c", CHILD, kind, path, inputs] + ([runtime] if runtime else [])
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def beyond(measured, row):
    if "error" in measured:
        return "error: " + measured["error"][:60]
    return f"{(measured['peak_above_baseline'] - row['weights_bytes']) / MIB:.1f}"


def runtime_library(build):
    """The runtime as a shared object for ctypes (it is built static)."""
    out = os.path.join(build, "bench-results", "libautoglm_runtime.so")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    archive = os.path.join(build, "lib", "libautoglm_runtime.a")
    subprocess.run(["clang-22", "-shared", "-o", out, "-Wl,--whole-archive", archive,
                    "-Wl,--no-whole-archive", "-lpthread"], check=True)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--models", default="resnet50,mobilenetv2,bert_base")
    parser.add_argument("--work", default="")
    parser.add_argument("--markdown")
    args = parser.parse_args()
    work = args.work or os.path.join(args.build, "bench-models")
    opt = os.path.join(args.build, "bin", "autoglm-opt")
    runtime = runtime_library(args.build)
    rows = []
    for name in args.models.split(","):
        import onnx
        path = os.path.join(work, name, "model.onnx")
        if not os.path.exists(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
            onnx.save(models.build(name, 0), path)
        model = onnx.load(path, load_external_data=False)
        _, _, _, fixed = models.MODELS[name]
        shapes = models.input_shapes(model, 1, fixed)
        feeds = models.make_inputs(model, shapes, 0)
        outdir = os.path.join(work, name, "memory")
        os.makedirs(outdir, exist_ok=True)
        inputs = os.path.join(outdir, "inputs.npz")
        np.savez(inputs, **feeds)
        report = os.path.join(outdir, "memory.json")
        so = os.path.join(outdir, "model.so")
        cmd = [opt, path, "--emit=so", f"--memory-report={report}", "-o", so]
        cmd += [f"--input-shape={n}:{'x'.join(map(str, s))}" for n, s in shapes.items()]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            rows.append({"model": name, "error": proc.stderr.strip().splitlines()[-1]})
            continue
        plan = json.load(open(report))
        weights = sum(onnx.helper.tensor_dtype_to_np_dtype(t.data_type).itemsize *
                      int(np.prod(t.dims)) for t in model.graph.initializer)
        row = {"model": name, "plan": plan, "weights_bytes": weights,
               "onnxruntime": measure("onnx", path, inputs),
               "autoglm": measure("autoglm", so, inputs, runtime)}
        rows.append(row)
        print(json.dumps(row))
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write("| model | arena (MiB) | naive (MiB) | lower bound (MiB) | arena / lower bound "
                    "| arena / naive | buffers, in place | weights (MiB) | ORT peak beyond weights (MiB) "
                    "| AutoGLM peak beyond weights (MiB) |\n"
                    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
            for row in rows:
                if "error" in row:
                    f.write(f"| {row['model']} | compile failed: {row['error']} |||||||\n")
                    continue
                p, o, a = row["plan"], row["onnxruntime"], row["autoglm"]
                f.write(f"| {row['model']} | {p['arena_bytes'] / MIB:.2f} | {p['naive_bytes'] / MIB:.2f} "
                        f"| {p['lower_bound_bytes'] / MIB:.2f} "
                        f"| {p['arena_bytes'] / p['lower_bound_bytes']:.3f} "
                        f"| {p['arena_bytes'] / p['naive_bytes']:.3f} "
                        f"| {p['buffers']}, {p['in_place']} "
                        f"| {row['weights_bytes'] / MIB:.1f} "
                        f"| {beyond(o, row)} | {beyond(a, row)} |\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
