"""Builds Cast models to and from the four float8 types with inputs that
probe every rounding case, and their expected outputs from ONNX's reference
implementation (onnx.reference, which rounds through ml_dtypes).

    float8_cast.py DIR

Writes DIR/to_float8.onnx (float32 x -> for each float8 type, Cast with
saturate=1 and saturate=0), DIR/from_float8.onnx (each float8 type's 256 codes
-> float32 and float16), and their test data: DIR/<model>/input_<i>.pb and
output_<i>.pb, for autoglm-run --input-dir/--expect-dir.

x holds, for each float8 type: every finite value and its negation, every
midpoint between neighbours (ties: to the even code) and the float32 values
just beside it, values past the largest finite value (some round back to it,
some overflow), the subnormal range, +-0, +-inf and NaN.
"""
import os
import sys

import ml_dtypes
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator

FLOAT8 = {
    "e4m3fn": (TensorProto.FLOAT8E4M3FN, ml_dtypes.float8_e4m3fn),
    "e4m3fnuz": (TensorProto.FLOAT8E4M3FNUZ, ml_dtypes.float8_e4m3fnuz),
    "e5m2": (TensorProto.FLOAT8E5M2, ml_dtypes.float8_e5m2),
    "e5m2fnuz": (TensorProto.FLOAT8E5M2FNUZ, ml_dtypes.float8_e5m2fnuz),
}


def probes() -> np.ndarray:
    values = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, -1e-45, 1e30, -1e30]
    for _, dtype in FLOAT8.values():
        codes = np.arange(256, dtype=np.uint8).view(dtype).astype(np.float32)
        finite = np.unique(codes[np.isfinite(codes)])
        finite = finite[finite >= 0]
        largest = finite[-1]
        mids = (finite[:-1] + finite[1:]) / 2
        past = largest + (finite[-1] - finite[-2]) * np.array([0.25, 0.5, 0.75, 1, 3])
        for v in np.concatenate([finite, mids, past]).astype(np.float32):
            values += [v, np.nextafter(v, np.float32(np.inf)),
                       np.nextafter(v, np.float32(0))]
    x = np.array(values, dtype=np.float32)
    return np.concatenate([x, -x])


def save(model, name, inputs, out):
    onnx.save(model, os.path.join(out, name + ".onnx"))
    data = os.path.join(out, name)
    os.makedirs(data, exist_ok=True)
    outputs = ReferenceEvaluator(model).run(None, {
        i.name: v for i, v in zip(model.graph.input, inputs)})
    for kind, tensors in (("input", inputs), ("output", outputs)):
        for i, v in enumerate(tensors):
            with open(os.path.join(data, f"{kind}_{i}.pb"), "wb") as f:
                f.write(numpy_helper.from_array(np.asarray(v)).SerializeToString())


def main() -> None:
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    x = probes()
    n = len(x)
    nodes, outputs = [], []
    for name, (code, _) in FLOAT8.items():
        for saturate in (1, 0):
            y = f"{name}_sat{saturate}"
            nodes.append(helper.make_node("Cast", ["x"], [y], name=f"cast_{y}",
                                          to=code, saturate=saturate))
            outputs.append(helper.make_tensor_value_info(y, code, [n]))
    graph = helper.make_graph(nodes, "to_float8",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [n])],
                              outputs)
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)]),
         "to_float8", [x], out)

    nodes, inputs, outputs, values = [], [], [], []
    for name, (code, dtype) in FLOAT8.items():
        inputs.append(helper.make_tensor_value_info(name, code, [256]))
        values.append(np.arange(256, dtype=np.uint8).view(dtype))
        for to, suffix in ((TensorProto.FLOAT, "f32"), (TensorProto.FLOAT16, "f16")):
            y = f"{name}_{suffix}"
            nodes.append(helper.make_node("Cast", [name], [y], name=f"cast_{y}", to=to))
            outputs.append(helper.make_tensor_value_info(y, to, [256]))
    graph = helper.make_graph(nodes, "from_float8", inputs, outputs)
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)]),
         "from_float8", values, out)


if __name__ == "__main__":
    main()
