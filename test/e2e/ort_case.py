"""One case of an edge-case script (depthwise_cases.py,
conv_transpose_cases.py, pad_cases.py): a one-input model compiled by
AutoGLM and checked against ONNX Runtime's output; the same for the CPU or
the GPU (check_on_target: pooling_cases.py, row_product_cases.py, with
their shared arguments, target_arguments); and the commands of a case run
in turn (run_steps), which the other case scripts share."""
import argparse
import os
import subprocess

import numpy as np
import onnx
import onnxruntime as ort


def check_against_ort(out, name, model, x, result, rtol, atol, opt_args=()):
    """Saves `model` as OUT/NAME.onnx, runs ONNX Runtime on input `x`,
    compiles the model with `autoglm-opt --emit=so` (and `opt_args`) and runs it with
    `autoglm-run --expect RESULT=<ONNX Runtime's output>` within `rtol` and
    `atol`. Prints `case NAME: ok` or the failing command and its output;
    returns whether the case passed."""
    path = os.path.join(out, name)
    onnx.save(model, path + ".onnx")
    expected = ort.InferenceSession(path + ".onnx", providers=["CPUExecutionProvider"]).run(
        None, {"x": x})[0]
    np.save(path + "_x.npy", x)
    np.save(path + "_y.npy", expected)
    steps = [["autoglm-opt", path + ".onnx", "--emit=so", "-o", path + ".so", *opt_args],
             ["autoglm-run", path + ".so", "--input", f"x={path}_x.npy",
              "--expect", f"{result}={path}_y.npy", "--rtol", str(rtol), "--atol", str(atol)]]
    if not run_steps(name, steps):
        return False
    print(f"case {name}: ok")
    return True


def run_steps(name, steps):
    """Runs the commands of `steps` one after the other; at the first that
    fails, prints `case NAME: FAILED:`, the command and its output, and
    returns False (the caller prints what passing means)."""
    for cmd in steps:
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            print(f"case {name}: FAILED: {' '.join(cmd)}\n{r.stdout}{r.stderr}")
            return False
    return True


def target_arguments(description):
    """The arguments of a case script that runs on either target:
    `DIR [--target cpu|cuda]`; makes DIR."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("out")
    parser.add_argument("--target", default="cpu", choices=["cpu", "cuda"])
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    return args


def check_on_target(args, name, model, x, tolerance, flags=()):
    """Saves `model` as OUT/NAME.onnx and its input `x`, runs ONNX Runtime
    on it, compiles the model with `autoglm-opt --target=TARGET` (and
    `flags`) and runs it with `autoglm-run --device TARGET --repeat 2` (on
    CUDA the second run is a CUDA graph replay) against every output of
    ONNX Runtime within `tolerance` (rtol, atol). Prints `case NAME: ok` or
    the failure; returns whether the case passed."""
    path = os.path.join(args.out, name)
    onnx.save(model, path + ".onnx")
    np.save(path + "_x.npy", x)
    session = ort.InferenceSession(path + ".onnx", providers=["CPUExecutionProvider"])
    expects = []
    for output, value in zip(session.get_outputs(), session.run(None, {"x": x})):
        np.save(f"{path}_{output.name}.npy", value)
        expects += ["--expect", f"{output.name}={path}_{output.name}.npy"]
    steps = [["autoglm-opt", path + ".onnx", f"--target={args.target}", *flags,
              "--emit=so", "-o", path + ".so"],
             ["autoglm-run", path + ".so", "--device", args.target, "--repeat", "2",
              "--input", f"x={path}_x.npy", *expects,
              "--rtol", str(tolerance["rtol"]), "--atol", str(tolerance["atol"])]]
    if not run_steps(name, steps):
        return False
    print(f"case {name}: ok")
    return True
