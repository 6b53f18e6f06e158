"""Writes binary ONNX models for the importer's lit tests.

usage: gen_model.py KIND OUT.onnx
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def model_returning(initializers, opset=17):
    """A model whose outputs are the given initializers (through Identity)."""
    nodes, outputs = [], []
    for init in initializers:
        out = init.name + "_out"
        nodes.append(helper.make_node("Identity", [init.name], [out], name="id_" + init.name))
        outputs.append(helper.make_tensor_value_info(out, init.data_type, list(init.dims)))
    graph = helper.make_graph(nodes, "g", [], outputs, initializer=initializers)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def typed(name, dtype, dims, values, field):
    t = TensorProto(name=name, data_type=dtype, dims=dims)
    getattr(t, field).extend(values)
    return t


def raw(name, dtype, array):
    t = TensorProto(name=name, data_type=dtype, dims=array.shape)
    t.raw_data = array.tobytes()
    return t


def encodings(out):
    f16_bits = np.array([1.0, -2.0], dtype=np.float16).view(np.uint16).tolist()
    inits = [
        raw("f32_raw", TensorProto.FLOAT, np.array([1.5, -2.0], dtype=np.float32)),
        typed("f32_typed", TensorProto.FLOAT, [2], [0.25, 4.0], "float_data"),
        typed("f16_typed", TensorProto.FLOAT16, [2], f16_bits, "int32_data"),
        raw("bf16_raw", TensorProto.BFLOAT16, np.array([0x3F80, 0x4000], dtype=np.uint16)),
        typed("f64_typed", TensorProto.DOUBLE, [2], [0.5, 8.0], "double_data"),
        typed("i8_typed", TensorProto.INT8, [3], [-128, 0, 127], "int32_data"),
        raw("u8_raw", TensorProto.UINT8, np.array([0, 200, 255], dtype=np.uint8)),
        typed("i16_typed", TensorProto.INT16, [2], [-300, 300], "int32_data"),
        raw("i32_raw", TensorProto.INT32, np.array([[1, -1]], dtype=np.int32)),
        typed("i64_typed", TensorProto.INT64, [2], [1 << 40, -5], "int64_data"),
        typed("bool_typed", TensorProto.BOOL, [3], [1, 0, 1], "int32_data"),
        raw("bool_raw", TensorProto.BOOL, np.array([False, True], dtype=np.bool_)),
    ]
    onnx.save(model_returning(inits), out)


def large(out):
    # 32768 floats = 128 KiB: above the resource-blob threshold.
    array = np.arange(32768, dtype=np.float32)
    onnx.save(model_returning([raw("big", TensorProto.FLOAT, array)]), out)


def external(out, location, length=None, write_file=True):
    """A 16-float tensor stored in a separate file next to the model."""
    directory = os.path.dirname(os.path.abspath(out))
    array = np.arange(16, dtype=np.float32)
    if write_file:
        with open(os.path.join(directory, "weights.bin"), "wb") as f:
            f.write(b"\0" * 8 + array.tobytes())
    t = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[4, 4])
    t.data_location = TensorProto.EXTERNAL
    entries = {"location": location, "offset": "8"}
    if length is not None:
        entries["length"] = str(length)
    for key, value in entries.items():
        t.external_data.add(key=key, value=value)
    onnx.save(model_returning([t]), out)


def input_value(directory):
    """Pad + ReduceSum whose pads and axes are graph inputs, with value files
    for them (and wrong ones)."""
    graph = helper.make_graph(
        [helper.make_node("Pad", ["x", "pads"], ["p"], name="pad"),
         helper.make_node("ReduceSum", ["p", "axes"], ["y"], name="sum")], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3]),
         helper.make_tensor_value_info("pads", TensorProto.INT64, [4]),
         helper.make_tensor_value_info("axes", TensorProto.INT64, [1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
              os.path.join(directory, "model.onnx"))
    for name, array in (("pads", np.array([0, 1, 0, 2], dtype=np.int64)),
                        ("axes", np.array([1], dtype=np.int64)),
                        ("float", np.zeros(4, dtype=np.float32)),
                        ("long", np.zeros(6, dtype=np.int64))):
        with open(os.path.join(directory, name + ".pb"), "wb") as f:
            f.write(numpy_helper.from_array(array, name).SerializeToString())


def main():
    kind, out = sys.argv[1], sys.argv[2]
    if kind == "input-value":
        input_value(out)
    elif kind == "encodings":
        encodings(out)
    elif kind == "large":
        large(out)
    elif kind == "external":
        external(out, "weights.bin", length=64)
    elif kind == "external-absolute":
        external(out, "/etc/passwd")
    elif kind == "external-dotdot":
        external(out, "../weights.bin")
    elif kind == "external-symlink":
        directory = os.path.dirname(os.path.abspath(out))
        link = os.path.join(directory, "link.bin")
        if os.path.lexists(link):
            os.remove(link)
        os.symlink("/etc/hostname", link)
        external(out, "link.bin", write_file=False)
    elif kind == "external-short":
        external(out, "weights.bin", length=60)
    elif kind == "bad-raw":
        t = raw("w", TensorProto.FLOAT, np.zeros(3, dtype=np.float32))
        t.dims[:] = [4]
        onnx.save(model_returning([t]), out)
    elif kind == "truncated":
        encodings(out)
        data = open(out, "rb").read()
        open(out, "wb").write(data[: len(data) // 2])
    elif kind == "random":
        rng = np.random.default_rng(1234)
        open(out, "wb").write(rng.integers(0, 256, 4096, dtype=np.uint8).tobytes())
    else:
        raise SystemExit("unknown kind " + kind)


if __name__ == "__main__":
    main()
