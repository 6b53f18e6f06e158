"""A model with loops large enough to run on several threads, for
parallel-threads.test.

    parallel_model.py build OUT_DIR     model.onnx, inputs, ONNX Runtime's
                                        outputs and args.txt (autoglm-run's
                                        --input/--expect arguments)
    parallel_model.py same DIR DIR...   prints whether every output_<i>.npy
                                        is bit-identical across the DIRs
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

RNG = np.random.RandomState(4321)


def weight(name, shape, scale=0.1):
    return numpy_helper.from_array((RNG.standard_normal(shape) * scale).astype(np.float32), name)


def build(out):
    """MatMul + bias + Relu (parallel rows, reduction inside), a column sum
    (reduction outside the parallel loop), Softmax along rows, and a padded
    convolution."""
    inits = [weight("w", (256, 192)), weight("b", (192,)), weight("k", (16, 8, 3, 3)),
             numpy_helper.from_array(np.array([0], dtype=np.int64), "axis0")]
    nodes = [
        helper.make_node("MatMul", ["x", "w"], ["h"], name="matmul"),
        helper.make_node("Add", ["h", "b"], ["hb"], name="bias"),
        helper.make_node("Relu", ["hb"], ["r"], name="relu"),
        helper.make_node("ReduceSum", ["r", "axis0"], ["colsum"], name="colsum", keepdims=0),
        helper.make_node("Softmax", ["hb"], ["probs"], name="softmax", axis=1),
        helper.make_node("Conv", ["img", "k"], ["conv"], name="conv", pads=[1, 1, 1, 1]),
    ]
    graph = helper.make_graph(
        nodes, "parallel",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [128, 256]),
         helper.make_tensor_value_info("img", TensorProto.FLOAT, [2, 8, 32, 32])],
        [helper.make_tensor_value_info("r", TensorProto.FLOAT, [128, 192]),
         helper.make_tensor_value_info("colsum", TensorProto.FLOAT, [192]),
         helper.make_tensor_value_info("probs", TensorProto.FLOAT, [128, 192]),
         helper.make_tensor_value_info("conv", TensorProto.FLOAT, [2, 16, 32, 32])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                              producer_name="autoglm-test")
    model.ir_version = 9
    onnx.checker.check_model(model)
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, "model.onnx")
    onnx.save(model, path)

    import onnxruntime as ort
    inputs = {"x": RNG.standard_normal((128, 256)).astype(np.float32),
              "img": RNG.standard_normal((2, 8, 32, 32)).astype(np.float32)}
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    args = []
    for key, value in inputs.items():
        np.save(os.path.join(out, f"input_{key}.npy"), value)
        args.append(f"--input {key}={os.path.join(out, f'input_{key}.npy')}")
    for meta, value in zip(session.get_outputs(), session.run(None, inputs)):
        np.save(os.path.join(out, f"expected_{meta.name}.npy"), value)
        args.append(f"--expect {meta.name}={os.path.join(out, f'expected_{meta.name}.npy')}")
    with open(os.path.join(out, "args.txt"), "w") as f:
        f.write(" ".join(args) + "\n")


def same(dirs):
    names = sorted(n for n in os.listdir(dirs[0]) if n.endswith(".npy"))
    for name in names:
        first = np.load(os.path.join(dirs[0], name))
        for other in dirs[1:]:
            value = np.load(os.path.join(other, name))
            identical = value.dtype == first.dtype and value.shape == first.shape and \
                value.tobytes() == first.tobytes()
            print(f"{name} {other}: {'identical' if identical else 'DIFFERS'}")
    print(f"compared {len(names)} outputs")


if __name__ == "__main__":
    if sys.argv[1] == "build":
        build(sys.argv[2])
    else:
        same(sys.argv[2:])
