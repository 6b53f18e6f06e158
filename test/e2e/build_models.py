"""Whole models for the end-to-end tests, built with onnx.helper from a seed,
with their ONNX Runtime reference outputs.

    build_models.py MODEL OUT_DIR

writes OUT_DIR/model.onnx, OUT_DIR/input_<i>.npy (named after the inputs in
inputs.txt as NAME=FILE lines) and OUT_DIR/expected_<name>.npy computed by
ONNX Runtime with every graph optimization on.
"""
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

RNG = np.random.RandomState(1234)


def weight(name, shape, scale=0.1):
    return numpy_helper.from_array((RNG.standard_normal(shape) * scale).astype(np.float32), name)


def small_cnn():
    """conv + batchnorm + relu, max pool, conv (groups) + relu, global pool, gemm, softmax."""
    inits = [weight("w1", (8, 3, 3, 3)), weight("b1", (8,)),
             numpy_helper.from_array(RNG.uniform(0.5, 1.5, 8).astype(np.float32), "bn_scale"),
             weight("bn_bias", (8,)), weight("bn_mean", (8,)),
             numpy_helper.from_array(RNG.uniform(0.5, 1.5, 8).astype(np.float32), "bn_var"),
             weight("w2", (16, 4, 3, 3)), weight("w3", (16, 10)), weight("b3", (10,))]
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="conv1", pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c1", "bn_scale", "bn_bias", "bn_mean", "bn_var"],
                         ["bn1"], name="bn1", epsilon=1e-5),
        helper.make_node("Relu", ["bn1"], ["r1"], name="relu1"),
        helper.make_node("MaxPool", ["r1"], ["p1"], name="pool1", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["p1", "w2"], ["c2"], name="conv2", pads=[1, 1, 1, 1], group=2,
                         strides=[2, 2]),
        helper.make_node("Relu", ["c2"], ["r2"], name="relu2"),
        helper.make_node("GlobalAveragePool", ["r2"], ["g"], name="gap"),
        helper.make_node("Flatten", ["g"], ["f"], name="flatten"),
        helper.make_node("Gemm", ["f", "w3", "b3"], ["logits"], name="fc"),
        helper.make_node("Softmax", ["logits"], ["probs"], name="softmax", axis=1),
    ]
    graph = helper.make_graph(nodes, "small_cnn",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 16, 16])],
                              [helper.make_tensor_value_info("probs", TensorProto.FLOAT, [2, 10])], inits)
    return graph, {"x": RNG.standard_normal((2, 3, 16, 16)).astype(np.float32)}


def attention_nodes(prefix, q_in, k_in, v_in, heads, head_dim, seq_q, seq_k, out, mask=None):
    """Multi-head attention as the PyTorch exporter writes it (reshape,
    transpose, MatMul, scale, optional additive mask, Softmax, MatMul)."""
    p = prefix
    nodes = [
        helper.make_node("Reshape", [q_in, p + "shape_q"], [p + "q4"], name=p + "reshape_q"),
        helper.make_node("Transpose", [p + "q4"], [p + "qh"], name=p + "transpose_q", perm=[0, 2, 1, 3]),
        helper.make_node("Reshape", [k_in, p + "shape_k"], [p + "k4"], name=p + "reshape_k"),
        helper.make_node("Transpose", [p + "k4"], [p + "kt"], name=p + "transpose_k", perm=[0, 2, 3, 1]),
        helper.make_node("Reshape", [v_in, p + "shape_k"], [p + "v4"], name=p + "reshape_v"),
        helper.make_node("Transpose", [p + "v4"], [p + "vh"], name=p + "transpose_v", perm=[0, 2, 1, 3]),
        helper.make_node("MatMul", [p + "qh", p + "kt"], [p + "scores"], name=p + "qk"),
        helper.make_node("Mul", [p + "scores", p + "scale"], [p + "scaled"], name=p + "scale"),
    ]
    logits = p + "scaled"
    if mask:
        nodes.append(helper.make_node("Add", [logits, mask], [p + "masked"], name=p + "mask"))
        logits = p + "masked"
    nodes += [
        helper.make_node("Softmax", [logits], [p + "probs"], name=p + "softmax", axis=-1),
        helper.make_node("MatMul", [p + "probs", p + "vh"], [p + "ctx"], name=p + "av"),
        helper.make_node("Transpose", [p + "ctx"], [p + "ctx_t"], name=p + "transpose_ctx", perm=[0, 2, 1, 3]),
        helper.make_node("Reshape", [p + "ctx_t", p + "shape_out"], [out], name=p + "reshape_out"),
    ]
    inits = [
        numpy_helper.from_array(np.array([1, seq_q, heads, head_dim], np.int64), p + "shape_q"),
        numpy_helper.from_array(np.array([1, seq_k, heads, head_dim], np.int64), p + "shape_k"),
        numpy_helper.from_array(np.array([1, seq_q, heads * head_dim], np.int64), p + "shape_out"),
        numpy_helper.from_array(np.array(1.0 / np.sqrt(head_dim), np.float32), p + "scale"),
    ]
    return nodes, inits


def layer_norm_decomposed(prefix, x, out, hidden):
    """LayerNorm in its decomposed export form (ReduceMean/Sub/Pow/Sqrt/Div)."""
    p = prefix
    nodes = [
        helper.make_node("ReduceMean", [x], [p + "mean"], name=p + "mean", axes=[-1]),
        helper.make_node("Sub", [x, p + "mean"], [p + "centered"], name=p + "sub"),
        helper.make_node("Pow", [p + "centered", p + "two"], [p + "sq"], name=p + "pow"),
        helper.make_node("ReduceMean", [p + "sq"], [p + "var"], name=p + "var", axes=[-1]),
        helper.make_node("Add", [p + "var", p + "eps"], [p + "var_eps"], name=p + "add_eps"),
        helper.make_node("Sqrt", [p + "var_eps"], [p + "std"], name=p + "sqrt"),
        helper.make_node("Div", [p + "centered", p + "std"], [p + "normed"], name=p + "div"),
        helper.make_node("Mul", [p + "normed", p + "gamma"], [p + "scaled"], name=p + "gamma"),
        helper.make_node("Add", [p + "scaled", p + "beta"], [out], name=p + "beta"),
    ]
    inits = [numpy_helper.from_array(np.array(2.0, np.float32), p + "two"),
             numpy_helper.from_array(np.array(1e-5, np.float32), p + "eps"),
             numpy_helper.from_array(RNG.uniform(0.5, 1.5, hidden).astype(np.float32), p + "gamma"),
             weight(p + "beta", (hidden,))]
    return nodes, inits


def encoder_block():
    """A BERT-style encoder layer: attention with a padding mask, residual +
    LayerNormalization, GELU (erf form) feed-forward, residual + decomposed LayerNorm."""
    hidden, heads, seq, ffn = 32, 4, 8, 64
    nodes, inits = [], []
    for name in ("q", "k", "v"):
        inits += [weight("w_" + name, (hidden, hidden)), weight("b_" + name, (hidden,))]
        nodes += [helper.make_node("MatMul", ["x", "w_" + name], [name + "_mm"], name=name + "_proj"),
                  helper.make_node("Add", [name + "_mm", "b_" + name], [name], name=name + "_bias")]
    # Additive mask from a 0/1 attention mask: (1 - m) * -10000, as BERT does.
    nodes += [helper.make_node("Cast", ["mask"], ["mask_f"], name="mask_cast", to=TensorProto.FLOAT),
              helper.make_node("Sub", ["one", "mask_f"], ["inv"], name="mask_inv"),
              helper.make_node("Mul", ["inv", "neg"], ["bias2d"], name="mask_scale"),
              helper.make_node("Unsqueeze", ["bias2d", "axes12"], ["bias"], name="mask_unsqueeze")]
    inits += [numpy_helper.from_array(np.array(1.0, np.float32), "one"),
              numpy_helper.from_array(np.array(-10000.0, np.float32), "neg"),
              numpy_helper.from_array(np.array([1, 2], np.int64), "axes12")]
    att, att_inits = attention_nodes("att_", "q", "k", "v", heads, hidden // heads, seq, seq, "ctx", "bias")
    nodes += att
    inits += att_inits + [weight("w_o", (hidden, hidden)), weight("b_o", (hidden,)),
                          numpy_helper.from_array(RNG.uniform(0.5, 1.5, hidden).astype(np.float32), "ln1_g"),
                          weight("ln1_b", (hidden,)),
                          weight("w_f1", (hidden, ffn)), weight("b_f1", (ffn,)),
                          weight("w_f2", (ffn, hidden)), weight("b_f2", (hidden,)),
                          numpy_helper.from_array(np.array(np.sqrt(2.0), np.float32), "sqrt2"),
                          numpy_helper.from_array(np.array(0.5, np.float32), "half")]
    nodes += [
        helper.make_node("MatMul", ["ctx", "w_o"], ["o_mm"], name="out_proj"),
        helper.make_node("Add", ["o_mm", "b_o"], ["o"], name="out_bias"),
        helper.make_node("Add", ["o", "x"], ["res1"], name="residual1"),
        helper.make_node("LayerNormalization", ["res1", "ln1_g", "ln1_b"], ["h1"], name="ln1", axis=-1),
        helper.make_node("MatMul", ["h1", "w_f1"], ["f1_mm"], name="ffn1"),
        helper.make_node("Add", ["f1_mm", "b_f1"], ["f1"], name="ffn1_bias"),
        # GELU, erf form: 0.5 * x * (1 + erf(x / sqrt(2)))
        helper.make_node("Div", ["f1", "sqrt2"], ["g_div"], name="gelu_div"),
        helper.make_node("Erf", ["g_div"], ["g_erf"], name="gelu_erf"),
        helper.make_node("Add", ["g_erf", "one"], ["g_add"], name="gelu_add"),
        helper.make_node("Mul", ["f1", "g_add"], ["g_mul"], name="gelu_mul"),
        helper.make_node("Mul", ["g_mul", "half"], ["gelu"], name="gelu_half"),
        helper.make_node("MatMul", ["gelu", "w_f2"], ["f2_mm"], name="ffn2"),
        helper.make_node("Add", ["f2_mm", "b_f2"], ["f2"], name="ffn2_bias"),
        helper.make_node("Add", ["f2", "h1"], ["res2"], name="residual2"),
    ]
    ln, ln_inits = layer_norm_decomposed("ln2_", "res2", "y", hidden)
    nodes += ln
    inits += ln_inits
    graph = helper.make_graph(
        nodes, "encoder_block",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, seq, hidden]),
         helper.make_tensor_value_info("mask", TensorProto.INT64, [1, seq])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, seq, hidden])], inits)
    mask = np.ones((1, seq), np.int64)
    mask[0, -2:] = 0
    return graph, {"x": RNG.standard_normal((1, seq, hidden)).astype(np.float32), "mask": mask}


def decoder_step():
    """One GPT-2-style decoding step with a KV cache: the new token's key and
    value are concatenated to the past ones (Concat), attention over all of
    them, and the present key/value are outputs. Tanh-form GELU."""
    hidden, heads, past = 32, 4, 6
    hd = hidden // heads
    nodes, inits = [], []
    inits += [weight("w_qkv", (hidden, 3 * hidden)), weight("b_qkv", (3 * hidden,)),
              numpy_helper.from_array(np.array([hidden, hidden, hidden], np.int64), "split3"),
              numpy_helper.from_array(np.array([1, 1, heads, hd], np.int64), "shape_new")]
    nodes += [
        helper.make_node("LayerNormalization", ["x", "ln_g", "ln_b"], ["h"], name="ln", axis=-1),
        helper.make_node("MatMul", ["h", "w_qkv"], ["qkv_mm"], name="qkv"),
        helper.make_node("Add", ["qkv_mm", "b_qkv"], ["qkv_b"], name="qkv_bias"),
        helper.make_node("Split", ["qkv_b", "split3"], ["q", "k_new", "v_new"], name="split", axis=-1),
        # new key/value to [1, heads, 1, hd], appended to the cache
        helper.make_node("Reshape", ["k_new", "shape_new"], ["k4"], name="reshape_k_new"),
        helper.make_node("Transpose", ["k4"], ["k_t"], name="transpose_k_new", perm=[0, 2, 1, 3]),
        helper.make_node("Concat", ["past_key", "k_t"], ["present_key"], name="concat_k", axis=2),
        helper.make_node("Reshape", ["v_new", "shape_new"], ["v4"], name="reshape_v_new"),
        helper.make_node("Transpose", ["v4"], ["v_t"], name="transpose_v_new", perm=[0, 2, 1, 3]),
        helper.make_node("Concat", ["past_value", "v_t"], ["present_value"], name="concat_v", axis=2),
        helper.make_node("Reshape", ["q", "shape_new"], ["q4"], name="reshape_q"),
        helper.make_node("Transpose", ["q4"], ["qh"], name="transpose_q", perm=[0, 2, 1, 3]),
        helper.make_node("Transpose", ["present_key"], ["kt"], name="transpose_k", perm=[0, 1, 3, 2]),
        helper.make_node("MatMul", ["qh", "kt"], ["scores"], name="qk"),
        helper.make_node("Div", ["scores", "sqrt_hd"], ["scaled"], name="scale"),
        helper.make_node("Softmax", ["scaled"], ["probs"], name="softmax", axis=-1),
        helper.make_node("MatMul", ["probs", "present_value"], ["ctx"], name="av"),
        helper.make_node("Transpose", ["ctx"], ["ctx_t"], name="transpose_ctx", perm=[0, 2, 1, 3]),
        helper.make_node("Reshape", ["ctx_t", "shape_hidden"], ["ctx2"], name="reshape_ctx"),
        helper.make_node("MatMul", ["ctx2", "w_o"], ["o"], name="out_proj"),
        helper.make_node("Add", ["o", "x"], ["res"], name="residual"),
        helper.make_node("MatMul", ["res", "w_f"], ["f"], name="ffn"),
        helper.make_node("Gelu", ["f"], ["g"], name="gelu", approximate="tanh"),
        helper.make_node("MatMul", ["g", "w_f2"], ["f2"], name="ffn2"),
        helper.make_node("Add", ["f2", "res"], ["y"], name="residual2"),
    ]
    inits += [numpy_helper.from_array(RNG.uniform(0.5, 1.5, hidden).astype(np.float32), "ln_g"),
              weight("ln_b", (hidden,)),
              numpy_helper.from_array(np.array(np.sqrt(hd), np.float32), "sqrt_hd"),
              numpy_helper.from_array(np.array([1, 1, hidden], np.int64), "shape_hidden"),
              weight("w_o", (hidden, hidden)), weight("w_f", (hidden, 4 * hidden)),
              weight("w_f2", (4 * hidden, hidden))]
    graph = helper.make_graph(
        nodes, "decoder_step",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, hidden]),
         helper.make_tensor_value_info("past_key", TensorProto.FLOAT, [1, heads, past, hd]),
         helper.make_tensor_value_info("past_value", TensorProto.FLOAT, [1, heads, past, hd])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1, hidden]),
         helper.make_tensor_value_info("present_key", TensorProto.FLOAT, [1, heads, past + 1, hd]),
         helper.make_tensor_value_info("present_value", TensorProto.FLOAT, [1, heads, past + 1, hd])],
        inits)
    inputs = {"x": RNG.standard_normal((1, 1, hidden)).astype(np.float32),
              "past_key": RNG.standard_normal((1, heads, past, hd)).astype(np.float32),
              "past_value": RNG.standard_normal((1, heads, past, hd)).astype(np.float32)}
    return graph, inputs


# Model builder and the default-domain opset it is written for (the
# encoder's decomposed LayerNorm uses ReduceMean's opset-13 axes attribute).
def row_math():
    """The row kernels and vector math of the CPU target on rows of 100
    (6 chunks of 16 and a remainder of 4 with AVX-512): Softmax, Erf, Tanh,
    Sigmoid, Exp, Log, LayerNormalization, an erf-GELU, a row maximum and a
    column sum, on inputs spread over [-12, 12] (erf and tanh saturate, exp
    spans 1e-5 to 1e5); and a Transpose of 32 x 48 matrices (16x16 tiles)."""
    x_shape, f = [64, 100], TensorProto.FLOAT
    inits = [numpy_helper.from_array(RNG.uniform(0.5, 1.5, 100).astype(np.float32), "gamma"),
             weight("beta", (100,)),
             numpy_helper.from_array(np.array(0.5, np.float32), "half"),
             numpy_helper.from_array(np.array(1.0, np.float32), "one"),
             numpy_helper.from_array(np.array(1.4142135, np.float32), "sqrt2"),
             numpy_helper.from_array(np.array(0.01, np.float32), "eps"),
             numpy_helper.from_array(np.array([0], np.int64), "axis0")]
    nodes = [
        helper.make_node("Softmax", ["x"], ["softmax"], name="softmax", axis=-1),
        helper.make_node("Erf", ["x"], ["erf"], name="erf"),
        helper.make_node("Tanh", ["x"], ["tanh"], name="tanh"),
        helper.make_node("Sigmoid", ["x"], ["sigmoid"], name="sigmoid"),
        helper.make_node("Exp", ["x"], ["exp"], name="exp"),
        helper.make_node("Abs", ["x"], ["abs"], name="abs"),
        helper.make_node("Add", ["abs", "eps"], ["abs_eps"], name="abs_eps"),
        helper.make_node("Log", ["abs_eps"], ["log"], name="log"),
        helper.make_node("LayerNormalization", ["x", "gamma", "beta"], ["layernorm"],
                         name="layernorm", axis=-1, epsilon=1e-5),
        helper.make_node("Div", ["x", "sqrt2"], ["gelu_div"], name="gelu_div"),
        helper.make_node("Erf", ["gelu_div"], ["gelu_erf"], name="gelu_erf"),
        helper.make_node("Add", ["gelu_erf", "one"], ["gelu_add"], name="gelu_add"),
        helper.make_node("Mul", ["x", "gelu_add"], ["gelu_mul"], name="gelu_mul"),
        helper.make_node("Mul", ["gelu_mul", "half"], ["gelu"], name="gelu_half"),
        helper.make_node("ReduceMax", ["x"], ["row_max"], name="row_max", axes=[1], keepdims=0),
        helper.make_node("ReduceSum", ["x", "axis0"], ["column_sum"], name="column_sum",
                         keepdims=0),
        helper.make_node("Transpose", ["t"], ["transposed"], name="transpose", perm=[0, 2, 1]),
    ]
    outputs = ["softmax", "erf", "tanh", "sigmoid", "exp", "log", "layernorm", "gelu"]
    graph = helper.make_graph(
        nodes, "row_math", [helper.make_tensor_value_info("x", f, x_shape),
                            helper.make_tensor_value_info("t", f, [3, 32, 48])],
        [helper.make_tensor_value_info(o, f, x_shape) for o in outputs] +
        [helper.make_tensor_value_info("row_max", f, [64]),
         helper.make_tensor_value_info("column_sum", f, [100]),
         helper.make_tensor_value_info("transposed", f, [3, 48, 32])], inits)
    return graph, {"x": RNG.uniform(-12, 12, x_shape).astype(np.float32),
                   "t": RNG.standard_normal((3, 32, 48)).astype(np.float32)}


MODELS = {"small_cnn": (small_cnn, 20), "encoder_block": (encoder_block, 17),
          "decoder_step": (decoder_step, 20), "row_math": (row_math, 17)}


def main():
    name, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    build, opset = MODELS[name]
    graph, inputs = build()
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                              producer_name="autoglm-e2e")
    model.ir_version = 9
    onnx.checker.check_model(model)
    path = os.path.join(out, "model.onnx")
    onnx.save(model, path)
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    outputs = session.run(None, inputs)
    args = []
    for key, value in inputs.items():
        np.save(os.path.join(out, f"input_{key}.npy"), value)
        args.append(f"--input {key}={os.path.join(out, f'input_{key}.npy')}")
    for meta, value in zip(session.get_outputs(), outputs):
        np.save(os.path.join(out, f"expected_{meta.name}.npy"), value)
        args.append(f"--expect {meta.name}={os.path.join(out, f'expected_{meta.name}.npy')}")
    with open(os.path.join(out, "args.txt"), "w") as f:
        f.write(" ".join(args) + "\n")


if __name__ == "__main__":
    main()
