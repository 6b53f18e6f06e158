#!/usr/bin/env python3
"""A chain of residual blocks of 1x1 convolutions, for timing how a
residual block's last convolution takes its residual.

Each block is `Conv` C -> W, `Relu`, `Conv` W -> C, `Add` of the block's
input, `Relu` (random weights, zero biases), at H x H, as a ResNet
bottleneck block without its 3x3 convolution. Writes OUT/model.onnx and
OUT/input.npy (the model's one input, `input`), to time with
bench/interleaved.py against ONNX Runtime:

    .venv/bin/python bench/residual_chain.py /tmp/chain --channels 256 --width 64 --size 56 --blocks 6
    build/bin/autoglm-opt /tmp/chain/model.onnx --emit=so -o /tmp/chain/new.so --cpu-threads=1
    .venv/bin/python bench/interleaved.py /tmp/chain/model.onnx new=/tmp/chain/new.so \\
        --inputs /tmp/chain --threads 1 --runs 40

ONNX Runtime's NCHWc rewrite leaves each block's Add and Relu in NCHW here
(the first block's shortcut is the graph's input), converting the
activations into and out of its blocked layout around every block's
convolutions: compare builds of AutoGLM on this chain, not AutoGLM with
ONNX Runtime.
"""

import argparse
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def chain(channels, width, size, blocks, rng):
    nodes, inits, x = [], [], "input"
    for b in range(blocks):
        w1 = rng.standard_normal((width, channels, 1, 1)) * np.sqrt(2 / channels)
        w2 = rng.standard_normal((channels, width, 1, 1)) * np.sqrt(1 / width)
        inits += [numpy_helper.from_array(w1.astype(np.float32), f"w{b}a"),
                  numpy_helper.from_array(np.zeros(width, np.float32), f"b{b}a"),
                  numpy_helper.from_array(w2.astype(np.float32), f"w{b}b"),
                  numpy_helper.from_array(np.zeros(channels, np.float32), f"b{b}b")]
        nodes += [
            helper.make_node("Conv", [x, f"w{b}a", f"b{b}a"], [f"c{b}a"], name=f"blk{b}.conv1"),
            helper.make_node("Relu", [f"c{b}a"], [f"r{b}a"], name=f"blk{b}.relu1"),
            helper.make_node("Conv", [f"r{b}a", f"w{b}b", f"b{b}b"], [f"c{b}b"], name=f"blk{b}.conv3"),
            helper.make_node("Add", [f"c{b}b", x], [f"s{b}"], name=f"blk{b}.add"),
            helper.make_node("Relu", [f"s{b}"], [f"y{b}"], name=f"blk{b}.relu"),
        ]
        x = f"y{b}"
    shape = [1, channels, size, size]
    graph = helper.make_graph(nodes, "residual_chain",
                              [helper.make_tensor_value_info("input", TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info(x, TensorProto.FLOAT, shape)], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out")
    parser.add_argument("--channels", type=int, default=256)
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--size", type=int, default=56)
    parser.add_argument("--blocks", type=int, default=6)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    onnx.save(chain(args.channels, args.width, args.size, args.blocks, rng),
              os.path.join(args.out, "model.onnx"))
    x = rng.standard_normal((1, args.channels, args.size, args.size)).astype(np.float32)
    np.save(os.path.join(args.out, "input.npy"), x)


if __name__ == "__main__":
    main()
