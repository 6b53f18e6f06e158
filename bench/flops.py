#!/usr/bin/env python3
"""A model's floating-point work: the FLOPs of its products, per sample.

Counts Conv, ConvTranspose, MatMul and Gemm, 2 FLOP per multiply-add, from
the shapes ONNX's shape inference gives once the inputs' dimensions are
fixed (batch 1). Everything else (normalizations, activations, softmax,
pooling, data movement) is left out: at these models' sizes it is a few
percent of the arithmetic, and it is memory-bound rather than limited by
the FMA units, so it has no place in a compute roofline.

    .venv/bin/python bench/flops.py --models resnet50,bert_base
"""

import argparse
import collections
import os
import sys

import numpy as np
import onnx
from onnx import helper, shape_inference

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def _shapes(model, input_shapes):
    """{value name: static shape} after shape inference with the inputs'
    dimensions fixed. Large initializers become typed graph inputs for the
    inference (their shapes are all it needs; copying their data is what
    makes inference slow on BERT-size models)."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    kept = []
    for init in m.graph.initializer:
        if np.prod(init.dims) > 4096:
            m.graph.input.append(helper.make_tensor_value_info(init.name, init.data_type, list(init.dims)))
        else:
            kept.append(init)
    del m.graph.initializer[:]
    m.graph.initializer.extend(kept)
    for value in m.graph.input:
        if value.name in input_shapes:
            for dim, size in zip(value.type.tensor_type.shape.dim, input_shapes[value.name]):
                dim.ClearField("dim_param")
                dim.dim_value = size
    inferred = shape_inference.infer_shapes(m, data_prop=True)
    shapes = {}
    for value in list(inferred.graph.input) + list(inferred.graph.value_info) + list(inferred.graph.output):
        dims = value.type.tensor_type.shape.dim
        if all(d.HasField("dim_value") for d in dims):
            shapes[value.name] = [d.dim_value for d in dims]
    for init in kept:
        shapes[init.name] = list(init.dims)
    return shapes


def node_flops(node, shapes):
    """FLOPs of one product node, or None when it is not a product or a
    shape it needs is unknown."""
    def shape(i):
        return shapes.get(node.input[i]) if len(node.input) > i and node.input[i] else None
    out = shapes.get(node.output[0])
    if node.op_type == "MatMul":
        a = shape(0)
        return 2 * int(np.prod(out)) * a[-1] if a and out is not None else None
    if node.op_type == "Gemm":
        a = shape(0)
        trans_a = next((helper.get_attribute_value(x) for x in node.attribute if x.name == "transA"), 0)
        return 2 * int(np.prod(out)) * a[0 if trans_a else 1] if a and out is not None else None
    if node.op_type == "Conv":
        w = shape(1)
        return 2 * int(np.prod(out)) * int(np.prod(w[1:])) if w and out is not None else None
    if node.op_type == "ConvTranspose":
        x, w = shape(0), shape(1)
        return 2 * int(np.prod(x)) * int(np.prod(w[1:])) if x and w else None
    return None


def model_flops(model, input_shapes):
    """{"gflop": products' GFLOP at the given input shapes, "by_op": {op:
    GFLOP}, "unknown": [product nodes whose shapes inference left open]}."""
    shapes = _shapes(model, input_shapes)
    by_op, unknown = collections.Counter(), []
    for node in model.graph.node:
        if node.op_type not in ("MatMul", "Gemm", "Conv", "ConvTranspose"):
            continue
        f = node_flops(node, shapes)
        if f is None:
            unknown.append(node.name or node.output[0])
        else:
            by_op[node.op_type] += f / 1e9
    return {"gflop": sum(by_op.values()), "by_op": dict(by_op), "unknown": unknown}


def main():
    import models
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="resnet50")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    for name in args.models.split(","):
        model = models.build(name, args.seed)
        result = model_flops(model, models.input_shapes(model, 1, models.MODELS[name][3]))
        parts = ", ".join(f"{op} {g:.2f}" for op, g in sorted(result["by_op"].items()))
        print(f"{name}: {result['gflop']:.2f} GFLOP per sample ({parts})"
              + (f"; {len(result['unknown'])} products of unknown shape" if result["unknown"] else ""))


if __name__ == "__main__":
    main()
