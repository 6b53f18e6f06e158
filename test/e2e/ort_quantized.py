"""Compiles models quantized by ONNX Runtime's own tools and compares them
with ONNX Runtime running the same quantized models.

    ort_quantized.py --bin build/bin --work DIR

Four small float models with random weights: `mlp` (MatMul, Add, Relu,
MatMul, Add on [4, 64]), `cnn` (Conv 3x3 pad 1, Relu, Conv 3x3 on
[1, 3, 8, 8]), `dw` (Conv 3x3, Relu, depthwise Conv 3x3, Relu, Conv 1x1
on [1, 3, 8, 8]: the depthwise convolution of the QDQ model stays a float
convolution of the dequantized values) and `gemm` (Gemm with transB and
bias, Relu on [4, 64]: its dequantized weight and int32 bias are no
integer product's, and are folded into float32 constants). mlp, cnn and dw
are quantized three ways:
  - qdq: quantize_static, QDQ format (QuantizeLinear / DequantizeLinear
    around MatMul and Conv), uint8 activations, int8 weights, per channel;
  - qop: quantize_static, QOperator format (QLinearMatMul, QLinearConv);
  - dynamic: quantize_dynamic (DynamicQuantizeLinear, MatMulInteger,
    ConvInteger);
gemm in QDQ format only (ONNX Runtime's QOperator Gemm is its own QGemm).
calibrated on 4 random input sets and run on another. Where the output is
written by a DequantizeLinear or QLinearConv (the cnn's and dw's qdq and qop), it
is a quantized value: an integer product that rounds one step differently
from ONNX Runtime's changes a value by one step of its scale, and such a
step can propagate into the next product, so 2 steps of the output's scale
are allowed (the difference in steps is printed). Other outputs are floats
computed after the last product (the mlp's bias add, the gemm's Relu, the dynamic models):
within 1e-5 of the largest value. (Measured: every output identical.)

Prints one line per model, `<model> <format>: max diff <d> (<s> steps)`,
and FAIL and exit status 1 when a model is outside its tolerance.
"""
import argparse
import os
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from onnxruntime.quantization import (CalibrationDataReader, QuantFormat, QuantType,
                                      quantize_dynamic, quantize_static)


def mlp(rng):
    w1 = rng.normal(0, 0.2, (64, 64)).astype(np.float32)
    b1 = rng.normal(0, 0.1, (64,)).astype(np.float32)
    w2 = rng.normal(0, 0.2, (64, 32)).astype(np.float32)
    b2 = rng.normal(0, 0.1, (32,)).astype(np.float32)
    nodes = [helper.make_node("MatMul", ["x", "w1"], ["h0"], name="mm1"),
             helper.make_node("Add", ["h0", "b1"], ["h1"], name="bias1"),
             helper.make_node("Relu", ["h1"], ["h2"], name="relu"),
             helper.make_node("MatMul", ["h2", "w2"], ["h3"], name="mm2"),
             helper.make_node("Add", ["h3", "b2"], ["y"], name="bias2")]
    inits = [numpy_helper.from_array(a, n) for a, n in
             ((w1, "w1"), (b1, "b1"), (w2, "w2"), (b2, "b2"))]
    return nodes, inits, [4, 64], [4, 32]


def cnn(rng):
    w1 = rng.normal(0, 0.3, (8, 3, 3, 3)).astype(np.float32)
    b1 = rng.normal(0, 0.1, (8,)).astype(np.float32)
    w2 = rng.normal(0, 0.2, (16, 8, 3, 3)).astype(np.float32)
    b2 = rng.normal(0, 0.1, (16,)).astype(np.float32)
    nodes = [helper.make_node("Conv", ["x", "w1", "b1"], ["h0"], name="conv1", pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["h0"], ["h1"], name="relu"),
             helper.make_node("Conv", ["h1", "w2", "b2"], ["y"], name="conv2")]
    inits = [numpy_helper.from_array(a, n) for a, n in
             ((w1, "w1"), (b1, "b1"), (w2, "w2"), (b2, "b2"))]
    return nodes, inits, [1, 3, 8, 8], [1, 16, 6, 6]


def depthwise(rng):
    w1 = rng.normal(0, 0.3, (8, 3, 3, 3)).astype(np.float32)
    b1 = rng.normal(0, 0.1, (8,)).astype(np.float32)
    w2 = rng.normal(0, 0.3, (8, 1, 3, 3)).astype(np.float32)
    b2 = rng.normal(0, 0.1, (8,)).astype(np.float32)
    w3 = rng.normal(0, 0.3, (16, 8, 1, 1)).astype(np.float32)
    b3 = rng.normal(0, 0.1, (16,)).astype(np.float32)
    nodes = [helper.make_node("Conv", ["x", "w1", "b1"], ["h0"], name="conv1", pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["h0"], ["h1"], name="relu1"),
             helper.make_node("Conv", ["h1", "w2", "b2"], ["h2"], name="depthwise", group=8,
                              pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["h2"], ["h3"], name="relu2"),
             helper.make_node("Conv", ["h3", "w3", "b3"], ["y"], name="pointwise")]
    inits = [numpy_helper.from_array(a, n) for a, n in
             ((w1, "w1"), (b1, "b1"), (w2, "w2"), (b2, "b2"), (w3, "w3"), (b3, "b3"))]
    return nodes, inits, [1, 3, 8, 8], [1, 16, 8, 8]


def gemm(rng):
    w = rng.normal(0, 0.2, (32, 64)).astype(np.float32)
    b = rng.normal(0, 0.1, (32,)).astype(np.float32)
    nodes = [helper.make_node("Gemm", ["x", "w", "b"], ["h"], name="gemm", transB=1),
             helper.make_node("Relu", ["h"], ["y"], name="relu")]
    inits = [numpy_helper.from_array(a, n) for a, n in ((w, "w"), (b, "b"))]
    return nodes, inits, [4, 64], [4, 32]


class Reader(CalibrationDataReader):
    def __init__(self, sets):
        self.sets = iter(sets)

    def get_next(self):
        return next(self.sets, None)


def output_step(model_path):
    """The scale of the DequantizeLinear or QLinear op writing the output,
    or None (a float output of a dynamic model)."""
    model = onnx.load(model_path)
    inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    out = model.graph.output[0].name
    for node in model.graph.node:
        if out in node.output and node.op_type == "DequantizeLinear":
            return float(inits[node.input[1]].max())
        if out in node.output and node.op_type == "QLinearConv":
            return float(inits[node.input[6]])
    return None


def reference_output(path, x):
    """The quantized model's output by ONNX's reference evaluator (exact
    integer products), or by ONNX Runtime where the evaluator lacks an
    operator. ONNX Runtime's own u8s8 kernels on x86 CPUs without VNNI
    (AVX2) add pairs of products in 16 bits that saturate, so on such a
    machine its outputs are off by up to 7 steps of the output's scale;
    the evaluator does the arithmetic the operators define."""
    model = onnx.load(path)
    for opset in model.opset_import:
        # The evaluator implements QuantizeLinear/DequantizeLinear from
        # opset 19 on; their meaning for these models is that of opset 17.
        if opset.domain in ("", "ai.onnx") and opset.version < 21:
            opset.version = 21
    try:
        from onnx.reference import ReferenceEvaluator
        return ReferenceEvaluator(model).run(None, {"x": x})[0]
    except Exception:  # an operator the evaluator lacks (com.microsoft)
        sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        return sess.run(None, {"x": x})[0]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bin", required=True)
    p.add_argument("--work", required=True)
    args = p.parse_args()
    os.makedirs(args.work, exist_ok=True)
    rng = np.random.default_rng(3)
    failed = False
    for name, build in (("mlp", mlp), ("cnn", cnn), ("dw", depthwise), ("gemm", gemm)):
        nodes, inits, xshape, yshape = build(rng)
        graph = helper.make_graph(
            nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, xshape)],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, yshape)], inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        f32 = os.path.join(args.work, f"{name}.onnx")
        onnx.save(model, f32)
        calib = [{"x": rng.uniform(-1, 1, xshape).astype(np.float32)} for _ in range(4)]
        x = rng.uniform(-1, 1, xshape).astype(np.float32)
        xfile = os.path.join(args.work, f"{name}_x.npy")
        np.save(xfile, x)
        ops = ["MatMul", "Conv", "Gemm"]
        variants = {}
        # ONNX Runtime's QOperator Gemm is its own QGemm (domain
        # com.microsoft): the gemm model is quantized in QDQ format only.
        formats = [("qdq", QuantFormat.QDQ)]
        if name != "gemm":
            formats.append(("qop", QuantFormat.QOperator))
        for fmt, qformat in formats:
            path = os.path.join(args.work, f"{name}_{fmt}.onnx")
            quantize_static(f32, path, Reader(calib), quant_format=qformat,
                            activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                            per_channel=True, op_types_to_quantize=ops)
            variants[fmt] = path
        if name != "gemm":
            path = os.path.join(args.work, f"{name}_dynamic.onnx")
            quantize_dynamic(f32, path, weight_type=QuantType.QInt8, op_types_to_quantize=ops)
            variants["dynamic"] = path
        for fmt, path in variants.items():
            expected = reference_output(path, x)
            so = path[:-5] + ".so"
            outdir = path[:-5] + "_out"
            subprocess.run([os.path.join(args.bin, "autoglm-opt"), path, "--emit=so", "-o", so],
                           check=True)
            subprocess.run([os.path.join(args.bin, "autoglm-run"), so, "--input", f"x={xfile}",
                            "--output-dir", outdir], check=True, stdout=subprocess.DEVNULL)
            actual = np.load(os.path.join(outdir, "output_0.npy"))
            diff = float(np.max(np.abs(actual.astype(np.float64) - expected.astype(np.float64))))
            step = output_step(path)
            if step is not None:
                steps = diff / step
                ok = steps <= 2 + 1e-6
                print(f"{name} {fmt}: max diff {diff:.3g} ({steps:.2f} steps of {step:.3g})")
            else:
                bound = 1e-5 * float(np.max(np.abs(expected)))
                ok = diff <= bound
                print(f"{name} {fmt}: max diff {diff:.3g} (bound {bound:.3g})")
            if not ok:
                print(f"FAIL: {name} {fmt}")
                failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
