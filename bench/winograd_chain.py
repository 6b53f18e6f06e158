#!/usr/bin/env python3
"""Chains of 3x3 convolutions with and without Winograd F(4x4, 3x3).

A convolution timed alone finds its (transformed) weight in cache on every
run; in a model it does not. This builds a chain of N Conv + Relu layers
of C -> C channels at HxW (a different random weight each), compiles it
with the default options and with `--cpu-winograd=0`, and times both
alternately with `autoglm-run --threads 1`, printing each round's median
and fastest run. Each case is C,H,N,BATCH.

    .venv/bin/python bench/winograd_chain.py [--bin build/bin] 256,14,5,1 128,28,3,1
"""

import argparse
import os
import re
import subprocess
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def chain(c, hw, n, batch, rng):
    nodes, inits, prev = [], [], "x"
    for i in range(n):
        w = (rng.standard_normal((c, c, 3, 3)) / np.sqrt(9 * c)).astype(np.float32)
        b = (rng.standard_normal(c) * 0.1).astype(np.float32)
        inits += [numpy_helper.from_array(w, f"w{i}"), numpy_helper.from_array(b, f"b{i}")]
        nodes.append(helper.make_node("Conv", [prev, f"w{i}", f"b{i}"], [f"c{i}"],
                                      kernel_shape=[3, 3], pads=[1] * 4))
        nodes.append(helper.make_node("Relu", [f"c{i}"], [f"r{i}"]))
        prev = f"r{i}"
    graph = helper.make_graph(
        nodes, "chain", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, c, hw, hw])],
        [helper.make_tensor_value_info(prev, TensorProto.FLOAT, None)], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", default="build/bin", help="directory of autoglm-opt and autoglm-run")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--runs", type=int, default=10, help="timed runs per round")
    parser.add_argument("cases", nargs="+", help="C,H,N,BATCH")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    builds = (("winograd", []), ("direct", ["--cpu-winograd=0"]))
    with tempfile.TemporaryDirectory() as work:
        for case in args.cases:
            c, hw, n, batch = map(int, case.split(","))
            path = os.path.join(work, "chain.onnx")
            onnx.save(chain(c, hw, n, batch, rng), path)
            for label, extra in builds:
                subprocess.run([os.path.join(args.bin, "autoglm-opt"), path, "--emit=so",
                                "-o", os.path.join(work, label + ".so")] + extra, check=True)
            for _ in range(args.rounds):
                for label, _ in builds:
                    out = subprocess.run(
                        [os.path.join(args.bin, "autoglm-run"), os.path.join(work, label + ".so"),
                         "--threads", "1", "--seed", "1", "--time", str(args.runs)],
                        capture_output=True, text=True, check=True).stdout
                    m = re.search(r"median ([\d.]+) ms, min ([\d.]+) ms", out)
                    print(f"{c}->{c} {hw}x{hw} x{n} batch {batch} {label:8} "
                          f"median {float(m.group(1)):.2f} ms (min {float(m.group(2)):.2f})",
                          flush=True)


if __name__ == "__main__":
    main()
