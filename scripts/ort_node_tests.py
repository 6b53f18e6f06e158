#!/usr/bin/env python3
"""Small models checked against ONNX Runtime: single nodes at opsets 7 to 12
in the operator versions those opsets define (Slice-1's attributes, Pad-2's,
Clip-6's, TopK-1's k, Upsample-7/9, Resize-10, Softmax-1/11's 2-D view,
Split-11's attribute, ...), a YOLO-style shape chain (Shape -> Gather ->
Cast -> Range -> Expand -> Reshape), and the recurrent operators (LSTM, GRU,
RNN: directions, sequence lengths, initial states, peepholes, clip,
activations, layouts), and the decomposed ScatterElements, ScatterND,
OneHot, Einsum, NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss. Each is compiled, run, and compared with ONNX Runtime
(cases named `*_reference`, which ONNX Runtime rejects: with ONNX's reference
implementation) at the ONNX backend's tolerances (rtol 1e-3, atol 1e-7).

    ort_node_tests.py --bin-dir build/bin [--work-dir DIR] [--filter TEXT]

Each case is written as `<DIR>/<name>/model.onnx` with
`test_data_set_0/{input,output}_<i>.pb` (the outputs from ONNX Runtime with
its graph optimizations off) and checked like a backend node test
(`backend_conformance.check`). Prints one line per case that does not pass
and "N of M passed"; exit status 1 unless all pass.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import backend_conformance  # noqa: E402

RNG = np.random.RandomState(7)


def f32(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def cases():
    """(name, opset, nodes, inputs {name: array}, initializers {name: array},
    outputs [(name, elem_type)])."""
    from onnx import TensorProto as T, helper as h, numpy_helper

    F, I64 = T.FLOAT, T.INT64
    x345, x234 = f32(3, 4, 5), f32(2, 3, 4)
    img = f32(1, 2, 3, 4)
    yield ("slice1_attrs", 7,
           [h.make_node("Slice", ["x"], ["y"], starts=[1, 0], ends=[3, -1], axes=[0, 2])],
           {"x": x345}, {}, [("y", F)])
    yield ("slice1_no_axes", 9,
           [h.make_node("Slice", ["x"], ["y"], starts=[-2], ends=[100])],
           {"x": x345}, {}, [("y", F)])
    yield ("slice10_steps", 10,
           [h.make_node("Slice", ["x", "s", "e", "a", "st"], ["y"])],
           {"x": x345}, {"s": np.array([4, 0], np.int64), "e": np.array([0, 5], np.int64),
                        "a": np.array([2, 1], np.int64), "st": np.array([-2, 2], np.int64)},
           [("y", F)])
    yield ("pad2_constant", 7,
           [h.make_node("Pad", ["x"], ["y"], pads=[0, 1, 2, 1, 0, 0], value=1.5)],
           {"x": x345}, {}, [("y", F)])
    yield ("pad2_reflect", 8,
           [h.make_node("Pad", ["x"], ["y"], mode="reflect", pads=[0, 0, 1, 2, 0, 0, 2, 1])],
           {"x": img}, {}, [("y", F)])
    yield ("pad11_inputs", 11,
           [h.make_node("Pad", ["x", "p", "v"], ["y"])],
           {"x": x345}, {"p": np.array([1, 0, 0, 0, 2, 1], np.int64),
                        "v": np.array(-1.0, np.float32)}, [("y", F)])
    yield ("clip6_attrs", 7,
           [h.make_node("Clip", ["x"], ["y"], min=-0.5, max=0.25)],
           {"x": x345}, {}, [("y", F)])
    yield ("clip6_max_only", 10,
           [h.make_node("Clip", ["x"], ["y"], max=0.1)],
           {"x": x345}, {}, [("y", F)])
    yield ("clip11_inputs", 11,
           [h.make_node("Clip", ["x", "lo", "hi"], ["y"])],
           {"x": x345}, {"lo": np.array(-0.3, np.float32), "hi": np.array(0.7, np.float32)},
           [("y", F)])
    yield ("topk1_attr", 7,
           [h.make_node("TopK", ["x"], ["v", "i"], k=2, axis=1)],
           {"x": x345}, {}, [("v", F), ("i", I64)])
    yield ("topk10_input", 10,
           [h.make_node("TopK", ["x", "k"], ["v", "i"])],
           {"x": x345}, {"k": np.array([3], np.int64)}, [("v", F), ("i", I64)])
    yield ("upsample7_nearest", 7,
           [h.make_node("Upsample", ["x"], ["y"], scales=[1.0, 1.0, 2.0, 3.0])],
           {"x": img}, {}, [("y", F)])
    yield ("upsample7_linear", 8,
           [h.make_node("Upsample", ["x"], ["y"], mode="linear", scales=[1.0, 1.0, 2.0, 2.0])],
           {"x": img}, {}, [("y", F)])
    yield ("upsample9_input", 9,
           [h.make_node("Upsample", ["x", "s"], ["y"])],
           {"x": img}, {"s": np.array([1, 1, 2, 2], np.float32)}, [("y", F)])
    yield ("resize10_nearest_up", 10,
           [h.make_node("Resize", ["x", "s"], ["y"])],
           {"x": img}, {"s": np.array([1, 1, 2, 1.5], np.float32)}, [("y", F)])
    yield ("resize10_nearest_down", 10,
           [h.make_node("Resize", ["x", "s"], ["y"])],
           {"x": f32(1, 1, 6, 8)}, {"s": np.array([1, 1, 0.5, 0.75], np.float32)}, [("y", F)])
    yield ("resize10_linear", 10,
           [h.make_node("Resize", ["x", "s"], ["y"], mode="linear")],
           {"x": img}, {"s": np.array([1, 1, 2, 2], np.float32)}, [("y", F)])
    yield ("softmax1_axis1", 7,
           [h.make_node("Softmax", ["x"], ["y"])],
           {"x": x234}, {}, [("y", F)])
    yield ("softmax11_axis0", 11,
           [h.make_node("Softmax", ["x"], ["y"], axis=0)],
           {"x": x234}, {}, [("y", F)])
    yield ("logsoftmax11_axis1", 11,
           [h.make_node("LogSoftmax", ["x"], ["y"])],
           {"x": img}, {}, [("y", F)])
    yield ("softmax12_last", 12,
           [h.make_node("Softmax", ["x"], ["y"], axis=-1)],
           {"x": x234}, {}, [("y", F)])
    yield ("batchnorm7_spatial", 7,
           [h.make_node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"], epsilon=1e-3)],
           {"x": img}, {"s": f32(2), "b": f32(2), "m": f32(2),
                        "v": np.abs(f32(2)) + 0.5}, [("y", F)])
    yield ("batchnorm9", 9,
           [h.make_node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"])],
           {"x": img}, {"s": f32(2), "b": f32(2), "m": f32(2),
                        "v": np.abs(f32(2)) + 0.5}, [("y", F)])
    yield ("dropout7", 7,
           [h.make_node("Dropout", ["x"], ["y"], ratio=0.3)],
           {"x": x345}, {}, [("y", F)])
    yield ("dropout12", 12,
           [h.make_node("Dropout", ["x", "r"], ["y"])],
           {"x": x345}, {"r": np.array(0.2, np.float32)}, [("y", F)])
    yield ("split11_attr", 11,
           [h.make_node("Split", ["x"], ["a", "b"], axis=2, split=[2, 3])],
           {"x": x345}, {}, [("a", F), ("b", F)])
    yield ("split7_equal", 7,
           [h.make_node("Split", ["x"], ["a", "b"], axis=1)],
           {"x": x345}, {}, [("a", F), ("b", F)])
    yield ("squeeze_unsqueeze11_attrs", 11,
           [h.make_node("Unsqueeze", ["x"], ["u"], axes=[0, -1]),
            h.make_node("Squeeze", ["u"], ["y"], axes=[0])],
           {"x": x345}, {}, [("y", F)])
    yield ("reducesum11_attr", 11,
           [h.make_node("ReduceSum", ["x"], ["y"], axes=[0, 2], keepdims=0)],
           {"x": x345}, {}, [("y", F)])
    yield ("reducemean7_all", 7,
           [h.make_node("ReduceMean", ["x"], ["y"])],
           {"x": x345}, {}, [("y", F)])
    yield ("reducemax12_attr", 12,
           [h.make_node("ReduceMax", ["x"], ["y"], axes=[-1])],
           {"x": x345}, {}, [("y", F)])
    yield ("argmax12_last_index", 12,
           [h.make_node("ArgMax", ["x"], ["y"], axis=1, select_last_index=1)],
           {"x": np.round(x345)}, {}, [("y", I64)])
    yield ("gemm7_broadcast_c", 7,
           [h.make_node("Gemm", ["a", "b", "c"], ["y"], transB=1, alpha=0.5)],
           {"a": f32(3, 4)}, {"b": f32(5, 4), "c": f32(5)}, [("y", F)])
    yield ("flatten9_shape_chain", 9,
           [h.make_node("Shape", ["x"], ["s"]),
            h.make_node("Gather", ["s", "i"], ["d"], axis=0),
            h.make_node("Concat", ["d", "m"], ["t"], axis=0),
            h.make_node("Reshape", ["x", "t"], ["y"])],
           {"x": x345}, {"i": np.array([0], np.int64), "m": np.array([-1], np.int64)},
           [("y", F)])
    yield ("conv_maxpool8", 8,
           [h.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
            h.make_node("MaxPool", ["c"], ["y"], kernel_shape=[2, 2], strides=[2, 2])],
           {"x": f32(1, 2, 6, 6)}, {"w": f32(3, 2, 3, 3)}, [("y", F)])
    yield ("cast_where_equal11", 11,
           [h.make_node("Equal", ["a", "b"], ["e"]),
            h.make_node("Cast", ["e"], ["c"], to=T.FLOAT),
            h.make_node("Where", ["e", "a", "c"], ["y"])],
           {"a": np.round(x345), "b": np.round(f32(3, 4, 5))}, {}, [("y", F)])
    # A YOLO-style head (opset 12): the anchor grid from the input's shape
    # through a float Range, meshgrid by Expand, added to the decoded boxes.
    c = lambda name, v: h.make_node("Constant", [], [name], value=numpy_helper.from_array(
        np.array(v, dtype=np.int64 if isinstance(v, (int, list)) else np.float32), name))
    yield ("yolo_grid_shape_chain", 12,
           [c("i2", 2), c("i3", 3), c("z", 0.0), c("o", 1.0), c("c1", [1]), c("c2", [2]),
            c("c3", [3]), c("c6", [6]), c("st", [0]), c("en", [2]), c("st2", [2]), c("en2", [6]),
            c("ax", [4]),
            h.make_node("Shape", ["x"], ["s"]),
            h.make_node("Gather", ["s", "i2"], ["ny"], axis=0),
            h.make_node("Gather", ["s", "i3"], ["nx"], axis=0),
            h.make_node("Cast", ["ny"], ["nyf"], to=T.FLOAT),
            h.make_node("Cast", ["nx"], ["nxf"], to=T.FLOAT),
            h.make_node("Range", ["z", "nyf", "o"], ["ry"]),
            h.make_node("Range", ["z", "nxf", "o"], ["rx"]),
            h.make_node("Unsqueeze", ["ry"], ["ry1"], axes=[1]),
            h.make_node("Unsqueeze", ["rx"], ["rx0"], axes=[0]),
            h.make_node("Unsqueeze", ["ny"], ["ny1"], axes=[0]),
            h.make_node("Unsqueeze", ["nx"], ["nx1"], axes=[0]),
            h.make_node("Concat", ["ny1", "nx1"], ["hw"], axis=0),
            h.make_node("Expand", ["ry1", "hw"], ["yv"]),
            h.make_node("Expand", ["rx0", "hw"], ["xv"]),
            h.make_node("Unsqueeze", ["xv"], ["xv2"], axes=[2]),
            h.make_node("Unsqueeze", ["yv"], ["yv2"], axes=[2]),
            h.make_node("Concat", ["xv2", "yv2"], ["g2"], axis=2),
            h.make_node("Concat", ["c1", "c1", "ny1", "nx1", "c2"], ["gshape"], axis=0),
            h.make_node("Reshape", ["g2", "gshape"], ["g5"]),
            h.make_node("Concat", ["c1", "c3", "ny1", "nx1", "c2"], ["eshape"], axis=0),
            h.make_node("Expand", ["g5", "eshape"], ["grid"]),
            h.make_node("Concat", ["c1", "c3", "c6", "ny1", "nx1"], ["yshape"], axis=0),
            h.make_node("Reshape", ["x", "yshape"], ["x5"]),
            h.make_node("Transpose", ["x5"], ["xt"], perm=[0, 1, 3, 4, 2]),
            h.make_node("Sigmoid", ["xt"], ["sig"]),
            h.make_node("Slice", ["sig", "st", "en", "ax"], ["xy"]),
            h.make_node("ConstantOfShape", ["eshape"], ["zeros"],
                        value=numpy_helper.from_array(np.array([0.5], np.float32))),
            h.make_node("Add", ["grid", "zeros"], ["off"]),
            h.make_node("Add", ["xy", "off"], ["xyg"]),
            h.make_node("Slice", ["sig", "st2", "en2", "ax"], ["rest"]),
            h.make_node("Concat", ["xyg", "rest"], ["y"], axis=4)],
           {"x": f32(1, 18, 4, 5)}, {}, [("grid", F), ("y", F)])
    yield ("depth_to_space1", 10,
           [h.make_node("DepthToSpace", ["x"], ["y"], blocksize=2)],
           {"x": f32(1, 8, 2, 3)}, {}, [("y", F)])
    # Decompositions through one-hot comparisons, broadcast products and
    # gathers (ScatterConverters.cpp, EinsumConverter.cpp, LossConverters.cpp).
    yield ("scatter_elements_add_neg", 18,
           [h.make_node("ScatterElements", ["x", "i", "u"], ["y"], axis=1, reduction="add")],
           {"x": f32(3, 5), "u": f32(3, 2)},
           {"i": np.array([[0, -1], [2, 2], [4, 1]], np.int64)}, [("y", F)])
    yield ("scatter_elements_max_partial", 18,
           [h.make_node("ScatterElements", ["x", "i", "u"], ["y"], axis=0, reduction="max")],
           {"x": f32(4, 3), "u": f32(2, 2)},
           {"i": np.array([[3, 0], [1, 3]], np.int64)}, [("y", F)])
    yield ("scatter_nd_rows_mul", 18,
           [h.make_node("ScatterND", ["x", "i", "u"], ["y"], reduction="mul")],
           {"x": f32(3, 4, 2), "u": f32(2, 2)},
           {"i": np.array([[0, 1], [2, -1]], np.int64)}, [("y", F)])
    yield ("onehot_axis0_neg", 11,
           [h.make_node("OneHot", ["i", "d", "v"], ["y"], axis=0)],
           {"i": np.array([[1, -1], [0, 3]], np.int64)},
           {"d": np.array([4], np.int64), "v": np.array([-2.0, 5.0], np.float32)}, [("y", F)])
    yield ("einsum_bilinear", 12,
           [h.make_node("Einsum", ["a", "w", "b"], ["y"], equation="bi,oij,bj->bo")],
           {"a": f32(2, 3), "w": f32(4, 3, 5), "b": f32(2, 5)}, {}, [("y", F)])
    yield ("einsum_ellipsis_implicit", 12,
           [h.make_node("Einsum", ["a", "b"], ["y"], equation="...ij,...kj")],
           {"a": f32(2, 3, 4), "b": f32(1, 5, 4)}, {}, [("y", F)])
    yield ("nll_weighted_ignore", 13,
           [h.make_node("NegativeLogLikelihoodLoss", ["x", "t", "w"], ["y"], ignore_index=2)],
           {"x": f32(3, 4, 2)}, {"t": np.array([[0, 2], [3, 1], [2, 2]], np.int64),
                                 "w": np.array([0.5, 1.0, 2.0, 1.5], np.float32)}, [("y", F)])
    yield ("softmax_cross_entropy_none", 13,
           [h.make_node("SoftmaxCrossEntropyLoss", ["x", "t"], ["y", "lp"], reduction="none")],
           {"x": f32(3, 5)}, {"t": np.array([4, 0, 2], np.int64)}, [("y", F), ("lp", F)])


def recurrent_cases():
    """LSTM, GRU and RNN against ONNX Runtime (opset 14 for `layout`)."""
    from onnx import TensorProto as T, helper as h

    F = T.FLOAT
    T_, B, I, H = 5, 3, 4, 6

    def weights(gates, directions):
        return {"W": f32(directions, gates * H, I) * 0.5,
                "R": f32(directions, gates * H, H) * 0.5,
                "B": f32(directions, 2 * gates * H) * 0.5}

    lens = np.array([5, 2, 4], np.int32)
    for op, gates in (("LSTM", 4), ("GRU", 3), ("RNN", 1)):
        outs = ["Y", "Y_h"] + (["Y_c"] if op == "LSTM" else [])
        types = [(o, F) for o in outs]
        extra = {"linear_before_reset": 1} if op == "GRU" else {}
        yield (f"{op.lower()}_forward", 14,
               [h.make_node(op, ["X", "W", "R", "B"], outs, hidden_size=H)],
               {"X": f32(T_, B, I)}, weights(gates, 1), types)
        yield (f"{op.lower()}_reverse_seq_lens", 14,
               [h.make_node(op, ["X", "W", "R", "B", "L"], outs, hidden_size=H,
                            direction="reverse", **extra)],
               {"X": f32(T_, B, I), "L": lens}, weights(gates, 1), types)
        init = {"IH": f32(2, B, H)}
        inputs = ["X", "W", "R", "B", "L", "IH"]
        if op == "LSTM":
            init["IC"] = f32(2, B, H)
            init["P"] = f32(2, 3 * H) * 0.5
            inputs += ["IC", "P"]
        yield (f"{op.lower()}_bidirectional_states", 14,
               [h.make_node(op, inputs, outs, hidden_size=H, direction="bidirectional",
                            clip=2.5)],
               {"X": f32(T_, B, I), "L": lens}, {**weights(gates, 2), **init}, types)
        # Other activations with their parameters (consumed in order by the
        # functions that take them); Y left out.
        acts = {"LSTM": ["HardSigmoid", "LeakyRelu", "Softsign"],
                "GRU": ["Sigmoid", "ScaledTanh"], "RNN": ["Affine"]}[op]
        alphas = {"LSTM": [0.3, 0.05], "GRU": [0.9], "RNN": [0.7]}[op]
        betas = {"LSTM": [0.6], "GRU": [1.2], "RNN": [0.1]}[op]
        yield (f"{op.lower()}_activations", 14,
               [h.make_node(op, ["X", "W", "R", "B"], ["", *outs[1:]], hidden_size=H,
                            activations=acts, activation_alpha=alphas,
                            activation_beta=betas)],
               {"X": f32(T_, B, I)}, weights(gates, 1), types[1:])
        # Batch first (ONNX Runtime rejects layout 1: ONNX's reference
        # implementation computes the expected values).
        yield (f"{op.lower()}_layout1_reference", 14,
               [h.make_node(op, ["X", "W", "R", "B", "", "IH"], outs, hidden_size=H,
                            layout=1)],
               {"X": f32(B, T_, I), "IH": f32(B, 1, H)}, weights(gates, 1), types)


def build(name, opset, nodes, inputs, inits, outputs, out_dir):
    import onnx
    import onnxruntime as ort
    from onnx import helper as h, numpy_helper

    def make(output_shapes):
        graph = h.make_graph(
            nodes, name,
            [h.make_tensor_value_info(k, h.np_dtype_to_tensor_dtype(v.dtype), v.shape)
             for k, v in inputs.items()],
            [h.make_tensor_value_info(k, t, shape)
             for (k, t), shape in zip(outputs, output_shapes)],
            [numpy_helper.from_array(v, k) for k, v in inits.items()])
        return h.make_model(graph, opset_imports=[h.make_opsetid("", opset)],
                            ir_version=min(onnx.IR_VERSION, 7))

    # ONNX Runtime computes the outputs; the model then declares their shapes.
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    if name.endswith("_reference"):
        from onnx.reference import ReferenceEvaluator
        results = ReferenceEvaluator(make([None] * len(outputs))).run(
            [k for k, _ in outputs], inputs)
    else:
        session = ort.InferenceSession(make([None] * len(outputs)).SerializeToString(),
                                       options, providers=["CPUExecutionProvider"])
        results = session.run([k for k, _ in outputs], inputs)
    results = [np.asarray(r) for r in results]
    onnx.checker.check_model(make([r.shape for r in results]))
    # What is saved declares no output shapes, as many exports do (ONNX's
    # version converter rejects such old-opset models).
    model = make([None] * len(outputs))
    test_dir = os.path.join(out_dir, name)
    data = os.path.join(test_dir, "test_data_set_0")
    os.makedirs(data, exist_ok=True)
    onnx.save(model, os.path.join(test_dir, "model.onnx"))
    for i, (k, v) in enumerate(inputs.items()):
        with open(os.path.join(data, f"input_{i}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(v, k).SerializeToString())
    for i, ((k, _), v) in enumerate(zip(outputs, results)):
        with open(os.path.join(data, f"output_{i}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(np.asarray(v), k).SerializeToString())
    return test_dir


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin-dir", required=True)
    parser.add_argument("--work-dir")
    parser.add_argument("--filter", default="")
    args = parser.parse_args()
    work = args.work_dir or tempfile.mkdtemp(prefix="autoglm-old-opsets-")
    os.makedirs(work, exist_ok=True)
    total = passed = 0
    for case in list(cases()) + list(recurrent_cases()):
        if args.filter not in case[0]:
            continue
        total += 1
        test_dir = build(*case, work)
        status, why, _ = backend_conformance.check(args.bin_dir, test_dir, work, 120, "cpu", False)
        if status == backend_conformance.PASSED:
            passed += 1
        else:
            print(f"{status:14} {case[0]} (opset {case[1]}): {why}")
    print(f"{passed} of {total} passed")
    return 0 if passed == total else 1


if __name__ == "__main__":
    sys.exit(main())
