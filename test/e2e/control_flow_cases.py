"""Compiles ONNX models with If, Loop and Scan and compares them with ONNX
Runtime.

    control_flow_cases.py DIR [--target cpu|cuda] [--compile-only]

For each case: builds DIR/<case>.onnx, compiles it with `autoglm-opt
--emit=so`, and for each of the case's input sets runs it with
`autoglm-run`, checking every output against ONNX Runtime's. Prints one line
per case, `case NAME: ok` or the failure, and exits non-zero if any case
fails. The bodies do a few f32 operations in the same order as ONNX
Runtime, so the tolerance is a few ulps: |error| <= 1e-6 + 1e-5 |expected|.
--compile-only (a machine without the target's device) stops after
compiling.
"""
import argparse
import os
import subprocess
import sys

import numpy as np
import onnxruntime as ort
from onnx import TensorProto, helper

FLOAT, INT64, BOOL = TensorProto.FLOAT, TensorProto.INT64, TensorProto.BOOL


def value(name, elem, shape):
    return helper.make_tensor_value_info(name, elem, shape)


def const(name, array):
    return helper.make_node("Constant", [], [name], value=helper.make_tensor(
        name + "_value", FLOAT if array.dtype == np.float32 else INT64,
        array.shape, array.flatten().tolist()))


def model(nodes, inputs, outputs, opset=13, initializers=()):
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(initializers))
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    return m


def if_runtime():
    """A run-time condition: both branches compute from the outer x and w;
    the output is the taken one's."""
    then_branch = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["mm"]),
         helper.make_node("Relu", ["mm"], ["then_out"])],
        "then", [], [value("then_out", FLOAT, [4, 5])])
    else_branch = helper.make_graph(
        [helper.make_node("Sigmoid", ["x"], ["sx"]),
         helper.make_node("MatMul", ["sx", "w"], ["else_out"])],
        "else", [], [value("else_out", FLOAT, [4, 5])])
    rng = np.random.default_rng(1)
    w = rng.standard_normal((3, 5)).astype(np.float32)
    m = model([helper.make_node("If", ["c"], ["y"], then_branch=then_branch,
                                else_branch=else_branch)],
              [value("x", FLOAT, [4, 3]), value("c", BOOL, [])],
              [value("y", FLOAT, [4, 5])],
              initializers=[helper.make_tensor("w", FLOAT, [3, 5], w.flatten().tolist())])
    x = rng.standard_normal((4, 3)).astype(np.float32)
    return m, [{"x": x, "c": np.array(True)}, {"x": x, "c": np.array(False)}]


def loop_scan():
    """A known trip count: a carried state updated by a matrix product with
    an outer weight, and the states stacked as a scan output."""
    body = helper.make_graph(
        [helper.make_node("Identity", ["cond_in"], ["cond_out"]),
         helper.make_node("MatMul", ["h", "r"], ["hr"]),
         helper.make_node("Cast", ["i"], ["fi"], to=FLOAT),
         helper.make_node("Add", ["hr", "fi"], ["pre"]),
         helper.make_node("Tanh", ["pre"], ["h_next"]),
         helper.make_node("Identity", ["h_next"], ["h_scan"])],
        "body", [value("i", INT64, []), value("cond_in", BOOL, []),
                 value("h", FLOAT, [2, 4])],
        [value("cond_out", BOOL, []), value("h_next", FLOAT, [2, 4]),
         value("h_scan", FLOAT, [2, 4])])
    rng = np.random.default_rng(2)
    r = (rng.standard_normal((4, 4)) * 0.5).astype(np.float32)
    m = model([helper.make_node("Constant", [], ["m"], value=helper.make_tensor(
                   "mv", INT64, [], [6])),
               helper.make_node("Loop", ["m", "", "h0"], ["h_final", "hs"], body=body)],
              [value("h0", FLOAT, [2, 4])],
              [value("h_final", FLOAT, [2, 4]), value("hs", FLOAT, [6, 2, 4])],
              initializers=[helper.make_tensor("r", FLOAT, [4, 4], r.flatten().tolist())])
    return m, [{"h0": rng.standard_normal((2, 4)).astype(np.float32)}]


def loop_runtime_condition():
    """A known trip count and a condition the body computes at run time
    (continue while the sum stays below the limit): the iterations after it
    fails keep the carried values."""
    body = helper.make_graph(
        [helper.make_node("Mul", ["v", "factor"], ["v_next"]),
         helper.make_node("ReduceSum", ["v_next"], ["total"], keepdims=0),
         helper.make_node("Less", ["total", "limit"], ["cond_out"]),
         helper.make_node("Add", ["n", "one"], ["n_next"])],
        "body", [value("i", INT64, []), value("cond_in", BOOL, []),
                 value("v", FLOAT, [3]), value("n", INT64, [])],
        [value("cond_out", BOOL, []), value("v_next", FLOAT, [3]),
         value("n_next", INT64, [])])
    m = model([helper.make_node("Constant", [], ["m"], value=helper.make_tensor(
                   "mv", INT64, [], [8])),
               helper.make_node("Constant", [], ["zero"], value=helper.make_tensor(
                   "zv", INT64, [], [0])),
               helper.make_node("Constant", [], ["one"], value=helper.make_tensor(
                   "ov", INT64, [], [1])),
               helper.make_node("Loop", ["m", "c", "v0", "zero"], ["v_final", "count"],
                                body=body)],
              [value("v0", FLOAT, [3]), value("c", BOOL, []), value("factor", FLOAT, [3]),
               value("limit", FLOAT, [])],
              [value("v_final", FLOAT, [3]), value("count", INT64, [])])
    v0 = np.array([1, 2, 3], np.float32)
    factor = np.array([2, 1.5, 1], np.float32)
    return m, [{"v0": v0, "c": np.array(True), "factor": factor, "limit": np.array(40, np.float32)},
               {"v0": v0, "c": np.array(True), "factor": factor, "limit": np.array(1e9, np.float32)},
               {"v0": v0, "c": np.array(False), "factor": factor, "limit": np.array(40, np.float32)}]


def scan_axes():
    """Scan (opset 11): two states, scan inputs along axis 1 (one reversed),
    scan outputs along axis 1 (one prepended)."""
    body = helper.make_graph(
        [helper.make_node("Add", ["s", "a"], ["s_next"]),
         helper.make_node("Mul", ["p", "b"], ["p_next"]),
         helper.make_node("Sub", ["s_next", "p_next"], ["diff"]),
         helper.make_node("Identity", ["s_next"], ["s_out"])],
        "body", [value("s", FLOAT, [2]), value("p", FLOAT, [2]),
                 value("a", FLOAT, [2]), value("b", FLOAT, [2])],
        [value("s_next", FLOAT, [2]), value("p_next", FLOAT, [2]),
         value("diff", FLOAT, [2]), value("s_out", FLOAT, [2])])
    m = model([helper.make_node("Scan", ["s0", "p0", "xa", "xb"],
                                ["s", "p", "diffs", "sums"], body=body,
                                num_scan_inputs=2, scan_input_axes=[1, 1],
                                scan_input_directions=[0, 1],
                                scan_output_axes=[1, 0],
                                scan_output_directions=[0, 1])],
              [value(n, FLOAT, [2]) for n in ("s0", "p0")]
              + [value(n, FLOAT, [2, 5]) for n in ("xa", "xb")],
              [value("s", FLOAT, [2]), value("p", FLOAT, [2]),
               value("diffs", FLOAT, [2, 5]), value("sums", FLOAT, [5, 2])], opset=11)
    rng = np.random.default_rng(3)
    return m, [{"s0": rng.standard_normal(2).astype(np.float32),
                "p0": rng.standard_normal(2).astype(np.float32),
                "xa": rng.standard_normal((2, 5)).astype(np.float32),
                "xb": rng.uniform(0.5, 1.5, (2, 5)).astype(np.float32)}]


def scan8_batched():
    """Opset 8's batched Scan: [batch, sequence, ...] inputs, the body per
    batch entry, a reversed scan input."""
    body = helper.make_graph(
        [helper.make_node("Max", ["m", "x"], ["m_next"]),
         helper.make_node("Sub", ["x", "m_next"], ["gap"])],
        "body", [value("m", FLOAT, [3]), value("x", FLOAT, [3])],
        [value("m_next", FLOAT, [3]), value("gap", FLOAT, [3])])
    m = model([helper.make_node("Scan", ["", "m0", "xs"], ["m", "gaps"], body=body,
                                num_scan_inputs=1, directions=[1])],
              [value("m0", FLOAT, [2, 3]), value("xs", FLOAT, [2, 4, 3])],
              [value("m", FLOAT, [2, 3]), value("gaps", FLOAT, [2, 4, 3])], opset=8)
    rng = np.random.default_rng(4)
    return m, [{"m0": np.full((2, 3), -1, np.float32),
                "xs": rng.standard_normal((2, 4, 3)).astype(np.float32)}]


def nested():
    """A Loop whose body holds an If on the iteration number (known at
    import time in each unrolled iteration) and a run-time If on an outer
    condition, both reading outer values."""
    even = helper.make_graph([helper.make_node("Add", ["acc", "x"], ["e_out"])],
                             "even", [], [value("e_out", FLOAT, [3])])
    odd = helper.make_graph([helper.make_node("Mul", ["acc", "x"], ["o_out"])],
                            "odd", [], [value("o_out", FLOAT, [3])])
    flip = helper.make_graph([helper.make_node("Sub", ["step", "x"], ["f_out"])],
                             "flip", [], [value("f_out", FLOAT, [3])])
    keep = helper.make_graph([helper.make_node("Identity", ["step"], ["k_out"])],
                             "keep", [], [value("k_out", FLOAT, [3])])
    body = helper.make_graph(
        [helper.make_node("Mod", ["i", "two"], ["parity"]),
         helper.make_node("Equal", ["parity", "zero"], ["is_even"]),
         helper.make_node("If", ["is_even"], ["step"], then_branch=even, else_branch=odd),
         helper.make_node("If", ["c"], ["acc_next"], then_branch=flip, else_branch=keep),
         helper.make_node("Identity", ["cond_in"], ["cond_out"])],
        "body", [value("i", INT64, []), value("cond_in", BOOL, []), value("acc", FLOAT, [3])],
        [value("cond_out", BOOL, []), value("acc_next", FLOAT, [3])])
    m = model([helper.make_node("Constant", [], ["m"], value=helper.make_tensor("mv", INT64, [], [4])),
               helper.make_node("Constant", [], ["two"], value=helper.make_tensor("tv", INT64, [], [2])),
               helper.make_node("Constant", [], ["zero"], value=helper.make_tensor("zv", INT64, [], [0])),
               helper.make_node("Loop", ["m", "", "a0"], ["a"], body=body)],
              [value("a0", FLOAT, [3]), value("x", FLOAT, [3]), value("c", BOOL, [])],
              [value("a", FLOAT, [3])])
    a0 = np.array([0.5, -1, 2], np.float32)
    x = np.array([1.5, 0.25, -2], np.float32)
    return m, [{"a0": a0, "x": x, "c": np.array(True)},
               {"a0": a0, "x": x, "c": np.array(False)}]


CASES = [if_runtime, loop_scan, loop_runtime_condition, scan_axes, scan8_batched, nested]


def run_case(out, name, m, input_sets, target, compile_only, flags=()):
    """`flags`: more autoglm-opt options (--input-shape for a model with
    symbolic dimensions)."""
    import onnx
    path = os.path.join(out, name)
    onnx.save(m, path + ".onnx")
    compile_cmd = ["autoglm-opt", path + ".onnx", "--emit=so", f"--target={target}",
                   "-o", path + ".so", *flags]
    r = subprocess.run(compile_cmd, capture_output=True, text=True)
    if r.returncode != 0:
        return f"FAILED: {' '.join(compile_cmd)}\n{r.stdout}{r.stderr}"
    if compile_only:
        return None
    session = ort.InferenceSession(path + ".onnx", providers=["CPUExecutionProvider"])
    output_names = [o.name for o in session.get_outputs()]
    for k, inputs in enumerate(input_sets):
        expected = session.run(None, inputs)
        cmd = ["autoglm-run", path + ".so", "--rtol", "1e-5", "--atol", "1e-6"]
        if target == "cuda":
            cmd += ["--device", "cuda"]
        for input_name, array in inputs.items():
            np.save(f"{path}_{k}_{input_name}.npy", array)
            cmd += ["--input", f"{input_name}={path}_{k}_{input_name}.npy"]
        for output_name, array in zip(output_names, expected):
            np.save(f"{path}_{k}_expected_{output_name}.npy", array)
            cmd += ["--expect", f"{output_name}={path}_{k}_expected_{output_name}.npy"]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            return f"FAILED on input set {k}: {' '.join(cmd)}\n{r.stdout}{r.stderr}"
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--target", default="cpu")
    parser.add_argument("--compile-only", action="store_true")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    failed = False
    for case in CASES:
        m, input_sets = case()
        error = run_case(args.out, case.__name__, m, input_sets, args.target,
                         args.compile_only)
        print(f"case {case.__name__}: {error or 'ok'}")
        failed |= error is not None
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
