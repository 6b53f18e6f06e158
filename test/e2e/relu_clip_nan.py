"""Builds a model of Relu and Clip (ReLU6, and [-1, 1]) on values that probe
their bounds: NaN, +-inf, +-0, the bounds themselves and the floats beside
them, with the expected outputs from ONNX's reference implementation.

    relu_clip_nan.py DIR

Writes DIR/model.onnx and DIR/data/input_0.pb, output_<i>.pb for
autoglm-run --input-dir/--expect-dir. x has 3 x 37 elements, so that the
compiled rows have a vector tail.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator


def main(out):
    os.makedirs(os.path.join(out, "data"), exist_ok=True)
    probes = [np.nan, -np.nan, np.inf, -np.inf, 0.0, -0.0, 6.0, -1.0, 1.0]
    probes += [np.nextafter(np.float32(b), np.float32(d))
               for b in (0.0, 6.0, -1.0, 1.0) for d in (-np.inf, np.inf)]
    rng = np.random.default_rng(0)
    x = np.concatenate([np.array(probes, np.float32),
                        rng.uniform(-8, 8, 3 * 37 - len(probes)).astype(np.float32)])
    x = x.reshape(3, 37)
    f32 = TensorProto.FLOAT
    bound = lambda name, v: numpy_helper.from_array(np.array(v, np.float32), name)
    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["relu"]),
         helper.make_node("Clip", ["x", "zero", "six"], ["relu6"]),
         helper.make_node("Clip", ["x", "minus_one", "one"], ["unit"])],
        "relu_clip_nan",
        [helper.make_tensor_value_info("x", f32, [3, 37])],
        [helper.make_tensor_value_info(n, f32, [3, 37]) for n in ("relu", "relu6", "unit")],
        [bound("zero", 0.0), bound("six", 6.0), bound("minus_one", -1.0), bound("one", 1.0)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(model, os.path.join(out, "model.onnx"))
    outputs = ReferenceEvaluator(model).run(None, {"x": x})
    tensors = [("input_0", x)] + [(f"output_{i}", v) for i, v in enumerate(outputs)]
    for name, v in tensors:
        with open(os.path.join(out, "data", name + ".pb"), "wb") as f:
            f.write(numpy_helper.from_array(np.asarray(v)).SerializeToString())


if __name__ == "__main__":
    main(sys.argv[1])
