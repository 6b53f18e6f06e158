"""Builds Cast models to and from the types ONNX packs two or four to a byte
(int4, uint4, int2, uint2, float4e2m1), with their expected outputs from
ONNX's reference implementation (onnx.reference, through ml_dtypes).

    packed_types.py DIR

Writes DIR/to_packed.onnx (float32 x -> each packed type), DIR/from_packed.onnx
(each type's every code, as a graph input and as an initializer of an odd
number of elements, -> float32, float16 and int8/uint8), and their test data:
DIR/<model>/input_<i>.pb and output_<i>.pb (packed, as ONNX stores them), for
autoglm-run --input-dir/--expect-dir.

x holds integers past every type's range (the integers wrap modulo 2^bits),
fractions (truncated toward zero), every float4e2m1 value, the midpoints
between neighbours (ties to the even code) and the float32 values beside
them, values past 6 (saturated), +-0, +-inf and NaN.
"""
import os
import sys

import ml_dtypes
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from float8_cast import save as save_with_reference


PACKED = {
    "int4": (TensorProto.INT4, ml_dtypes.int4, 16, TensorProto.INT8),
    "uint4": (TensorProto.UINT4, ml_dtypes.uint4, 16, TensorProto.UINT8),
    "int2": (TensorProto.INT2, ml_dtypes.int2, 4, TensorProto.INT8),
    "uint2": (TensorProto.UINT2, ml_dtypes.uint2, 4, TensorProto.UINT8),
    "float4e2m1": (TensorProto.FLOAT4E2M1, ml_dtypes.float4_e2m1fn, 16, None),
}


def probes() -> np.ndarray:
    values = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, 1e30, 2.5, 3.5, 7.9, 0.7]
    values += [float(v) for v in range(-40, 41)]
    codes = np.arange(16, dtype=np.uint8).view(ml_dtypes.float4_e2m1fn)
    finite = np.unique(codes.astype(np.float32))
    finite = finite[finite >= 0]
    mids = (finite[:-1] + finite[1:]) / 2
    past = np.array([6.5, 7, 8, 100], dtype=np.float32)
    for v in np.concatenate([finite, mids, past]).astype(np.float32):
        values += [v, np.nextafter(v, np.float32(np.inf)), np.nextafter(v, np.float32(0))]
    x = np.array(values, dtype=np.float32)
    return np.concatenate([x, -x])


def all_values(name: str) -> np.ndarray:
    _, dtype, count, _ = PACKED[name]
    if name == "float4e2m1":
        return np.arange(count, dtype=np.uint8).view(dtype)
    low = -count // 2 if name.startswith("int") else 0
    return np.arange(low, low + count).astype(dtype)


def save(model, name, inputs, out):
    """float8_cast.py's save, after checking the model."""
    onnx.checker.check_model(model)
    save_with_reference(model, name, inputs, out)


def main() -> None:
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    x = probes()
    n = len(x)
    nodes, outputs = [], []
    for name, (code, _, _, _) in PACKED.items():
        nodes.append(helper.make_node("Cast", ["x"], [name], name=f"to_{name}", to=code))
        outputs.append(helper.make_tensor_value_info(name, code, [n]))
    graph = helper.make_graph(nodes, "to_packed",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [n])],
                              outputs)
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 25)]),
         "to_packed", [x], out)

    nodes, inputs, outputs, values, initializers = [], [], [], [], []
    for name, (code, dtype, count, integer) in PACKED.items():
        v = all_values(name)
        inputs.append(helper.make_tensor_value_info(name, code, [count]))
        values.append(v)
        # An initializer of an odd count: the last byte half (or a quarter) full.
        initializers.append(numpy_helper.from_array(v[: count - 1], name=f"{name}_w"))
        targets = [(TensorProto.FLOAT, "f32"), (TensorProto.FLOAT16, "f16")]
        if integer is not None:
            targets.append((integer, "i8"))
        for source, size in ((name, count), (f"{name}_w", count - 1)):
            for to, suffix in targets:
                y = f"{source}_{suffix}"
                nodes.append(helper.make_node("Cast", [source], [y], name=f"cast_{y}", to=to))
                outputs.append(helper.make_tensor_value_info(y, to, [size]))
    graph = helper.make_graph(nodes, "from_packed", inputs, outputs, initializers)
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 25)]),
         "from_packed", values, out)


if __name__ == "__main__":
    main()
