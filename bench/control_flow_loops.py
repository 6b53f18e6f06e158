#!/usr/bin/env python3
"""Loops with a matrix product in their body: AutoGLM against ONNX Runtime.

A recurrence h = tanh(h @ W + x_t) over 64 steps, as a Loop whose trip
count is a graph input (an scf.while at run time: its body's ops are
lowered one by one), the same Loop with a constant trip count (unrolled at
import: the products and the elementwise tails go through fusion and kernel
formation like straight-line code), and a Scan of 1500 steps (too long to
unroll: an scf.for). Each is compiled with `autoglm-opt --emit=so`, timed
with `autoglm-run --time N --threads 1` and compared with ONNX Runtime (one
intra-op thread) on the same inputs; prints the medians with min-max, the
ratio AutoGLM/ORT (lower is better) and the largest difference.

    .venv/bin/python bench/control_flow_loops.py [--bin build/bin] [--runs 30]
"""

import argparse
import os
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from contractions import table_header, table_row, time_autoglm, time_ort

FLOAT, INT64, BOOL = TensorProto.FLOAT, TensorProto.INT64, TensorProto.BOOL


def value(name, elem, shape):
    return helper.make_tensor_value_info(name, elem, shape)


def loop(batch, width, steps, runtime_trip_count):
    """h = tanh(h @ W + x[i]) for i < M; M a graph input or a constant."""
    body = helper.make_graph(
        [helper.make_node("Identity", ["cond_in"], ["cond_out"]),
         helper.make_node("Gather", ["x", "i"], ["x_i"], axis=0),
         helper.make_node("MatMul", ["h", "w"], ["hw"]),
         helper.make_node("Add", ["hw", "x_i"], ["pre"]),
         helper.make_node("Tanh", ["pre"], ["h_next"])],
        "body", [value("i", INT64, []), value("cond_in", BOOL, []),
                 value("h", FLOAT, [batch, width])],
        [value("cond_out", BOOL, []), value("h_next", FLOAT, [batch, width])])
    nodes = [helper.make_node("Loop", ["m", "", "h0"], ["h"], body=body)]
    inputs = [value("h0", FLOAT, [batch, width]), value("x", FLOAT, [steps, batch, width])]
    if runtime_trip_count:
        inputs.append(value("m", INT64, []))
    else:
        nodes.insert(0, helper.make_node("Constant", [], ["m"], value=helper.make_tensor(
            "m_value", INT64, [], [steps])))
    return nodes, inputs, [value("h", FLOAT, [batch, width])]


def scan(batch, width, steps):
    """The same recurrence as a Scan over x's axis 0."""
    body = helper.make_graph(
        [helper.make_node("MatMul", ["h", "w"], ["hw"]),
         helper.make_node("Add", ["hw", "x_t"], ["pre"]),
         helper.make_node("Tanh", ["pre"], ["h_next"])],
        "body", [value("h", FLOAT, [batch, width]), value("x_t", FLOAT, [batch, width])],
        [value("h_next", FLOAT, [batch, width])])
    nodes = [helper.make_node("Scan", ["h0", "x"], ["h"], body=body, num_scan_inputs=1)]
    return (nodes, [value("h0", FLOAT, [batch, width]), value("x", FLOAT, [steps, batch, width])],
            [value("h", FLOAT, [batch, width])])


CASES = {
    "loop run-time M=64 8x256": lambda: loop(8, 256, 64, True),
    "loop unrolled M=64 8x256": lambda: loop(8, 256, 64, False),
    "scan run-time T=1500 8x64": lambda: scan(8, 64, 1500),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--bin", default=os.path.join(root, "build", "bin"))
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    print(table_header())
    for name, build in CASES.items():
        nodes, inputs, outputs = build()
        width = inputs[0].type.tensor_type.shape.dim[1].dim_value
        w = (rng.standard_normal((width, width)) / np.sqrt(width)).astype(np.float32)
        graph = helper.make_graph(nodes, "g", inputs, outputs, [numpy_helper.from_array(w, "w")])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        feeds = {}
        for info in inputs:
            shape = [d.dim_value for d in info.type.tensor_type.shape.dim]
            feeds[info.name] = (np.array(64, np.int64)
                                if info.type.tensor_type.elem_type == INT64
                                else rng.uniform(-1, 1, shape).astype(np.float32))
        with tempfile.TemporaryDirectory() as workdir:
            path = os.path.join(workdir, "model.onnx")
            onnx.save(model, path)
            o_med, o_min, o_max, o_out = time_ort(path, feeds, args.runs)
            a_med, a_min, a_max, a_out, compile_s = time_autoglm(
                args.bin, path, feeds, args.runs, workdir)
        diff = float(np.max(np.abs(a_out.astype(np.float64) - o_out)))
        print(table_row(name, (a_med, a_min, a_max), (o_med, o_min, o_max), diff,
                        compile_s), flush=True)


if __name__ == "__main__":
    main()
