"""One case of an edge-case script (depthwise_cases.py,
conv_transpose_cases.py, pad_cases.py): a one-input model compiled by
AutoGLM and checked against ONNX Runtime's output; and the commands of a
case run in turn (run_steps), which the other case scripts share."""
import os
import subprocess

import numpy as np
import onnx
import onnxruntime as ort


def check_against_ort(out, name, model, x, result, rtol, atol):
    """Saves `model` as OUT/NAME.onnx, runs ONNX Runtime on input `x`,
    compiles the model with `autoglm-opt --emit=so` and runs it with
    `autoglm-run --expect RESULT=<ONNX Runtime's output>` within `rtol` and
    `atol`. Prints `case NAME: ok` or the failing command and its output;
    returns whether the case passed."""
    path = os.path.join(out, name)
    onnx.save(model, path + ".onnx")
    expected = ort.InferenceSession(path + ".onnx", providers=["CPUExecutionProvider"]).run(
        None, {"x": x})[0]
    np.save(path + "_x.npy", x)
    np.save(path + "_y.npy", expected)
    steps = [["autoglm-opt", path + ".onnx", "--emit=so", "-o", path + ".so"],
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
