"""A tiny BERT-like encoder whose sequence length is symbolic, for the
sequence-length buckets tests: token and position embeddings (the position
table sliced to the input's length), one attention layer with an additive
attention mask, LayerNorm, and two outputs: the hidden states
[batch, seq, hidden] and a pooled output [batch, hidden] (the first token,
through a dense layer and tanh).

Usage: seq_bucket_model.py OUT.onnx
"""

import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HIDDEN, HEADS, VOCAB, POSITIONS = 16, 2, 50, 64


def build(seed=0):
    rng = np.random.default_rng(seed)
    inits, nodes = [], []

    def const(name, array):
        inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def weight(name, shape, std=0.3):
        return const(name, (std * rng.standard_normal(shape)).astype(np.float32))

    def op(op_type, inputs, name, **attrs):
        nodes.append(helper.make_node(op_type, inputs, [name], name=name, **attrs))
        return name

    words = op("Gather", [weight("word_table", (VOCAB, HIDDEN)), "input_ids"], "words")
    length = op("Slice", [op("Shape", ["input_ids"], "ids_shape"), const("one", np.array([1], np.int64)),
                          const("two", np.array([2], np.int64))], "seq_length")
    positions = op("Slice", [weight("position_table", (POSITIONS, HIDDEN)),
                             const("zero", np.array([0], np.int64)), length], "positions")
    x = op("Add", [words, positions], "embeddings")
    x = op("LayerNormalization", [x, weight("ln0_g", (HIDDEN,)), weight("ln0_b", (HIDDEN,))], "ln0",
           axis=-1, epsilon=1e-5)
    mask = op("Cast", ["attention_mask"], "mask_f", to=TensorProto.FLOAT)
    mask = op("Unsqueeze", [mask, const("axes12", np.array([1, 2], np.int64))], "mask_4d")
    mask = op("Mul", [op("Sub", [const("f1", np.array(1, np.float32)), mask], "mask_inv"),
                      const("fmin", np.array(-10000.0, np.float32))], "mask_add")
    hd = HIDDEN // HEADS

    def heads(t, name, perm):
        t = op("Reshape", [t, const(name + "_shape", np.array([0, -1, HEADS, hd], np.int64))], name + "_r")
        return op("Transpose", [t], name + "_t", perm=perm)

    q = op("Add", [op("MatMul", [x, weight("wq", (HIDDEN, HIDDEN))], "q_mm"), weight("bq", (HIDDEN,))], "q")
    k = op("Add", [op("MatMul", [x, weight("wk", (HIDDEN, HIDDEN))], "k_mm"), weight("bk", (HIDDEN,))], "k")
    v = op("Add", [op("MatMul", [x, weight("wv", (HIDDEN, HIDDEN))], "v_mm"), weight("bv", (HIDDEN,))], "v")
    scores = op("MatMul", [heads(q, "qh", [0, 2, 1, 3]), heads(k, "kh", [0, 2, 3, 1])], "scores")
    scores = op("Div", [scores, const("scale", np.array(np.sqrt(hd), np.float32))], "scores_scaled")
    probs = op("Softmax", [op("Add", [scores, mask], "scores_masked")], "probs", axis=-1)
    ctx = op("Transpose", [op("MatMul", [probs, heads(v, "vh", [0, 2, 1, 3])], "ctx")], "ctx_t",
             perm=[0, 2, 1, 3])
    ctx = op("Reshape", [ctx, const("merge_shape", np.array([0, -1, HIDDEN], np.int64))], "ctx_merged")
    o = op("Add", [op("MatMul", [ctx, weight("wo", (HIDDEN, HIDDEN))], "o_mm"), weight("bo", (HIDDEN,))], "o")
    x = op("LayerNormalization", [op("Add", [o, x], "residual"), weight("ln1_g", (HIDDEN,)),
                                  weight("ln1_b", (HIDDEN,))], "last_hidden_state", axis=-1, epsilon=1e-5)
    first = op("Gather", [x, const("first", np.array(0, np.int64))], "first_token", axis=1)
    pooled = op("Tanh", [op("Add", [op("MatMul", [first, weight("wp", (HIDDEN, HIDDEN))], "p_mm"),
                                    weight("bp", (HIDDEN,))], "p_add")], "pooled")
    inputs = [helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "seq"])
              for n in ("input_ids", "attention_mask")]
    outputs = [helper.make_tensor_value_info(x, TensorProto.FLOAT, ["batch", "seq", HIDDEN]),
               helper.make_tensor_value_info(pooled, TensorProto.FLOAT, ["batch", HIDDEN])]
    graph = helper.make_graph(nodes, "seq_buckets", inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model, full_check=True)
    return model


if __name__ == "__main__":
    onnx.save(build(), sys.argv[1])
