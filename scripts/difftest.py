#!/usr/bin/env python3
"""Differential tester: random valid ONNX graphs, compiled by AutoGLM and
compared with ONNX Runtime.

    difftest.py --bin-dir build/bin --seed 1 --count 3000 [--jobs N]
        [--keep-failures DIR] [--verbose]
    difftest.py --bin-dir build/bin --model FILE.onnxtxt   # one saved model

Each seed gives one model: graph inputs and initializers of static shapes
(rank 0 to 4, size-1 and odd dimensions) in float32, float16, int32, int64
or bool, then a chain of 2 to 12 nodes drawn from the elementwise,
comparison, logic, cast, reduction, data-movement (Reshape, Transpose,
Slice, Concat, Gather, Split, Pad, ...), contraction (MatMul, Gemm, Conv),
pooling, normalization and softmax operators with valid random attributes,
broadcasting partners, and every value that no node reads as a graph
output. The model is compiled with `autoglm-opt --emit=so`, run with
`autoglm-run`, and each output compared with ONNX Runtime's (its graph
optimizations off; the ONNX reference evaluator where ONNX Runtime has no
CPU kernel for a float16 operator) at TOLERANCES.

Float inputs lie on a grid of 1/8, so operators that are discontinuous
(Floor, Round, Sign, comparisons, ArgMax, float-to-integer casts) only ever
read exact values (graph inputs, or values that data movement produced from
them) and stay comparable; a magnitude estimate keeps values inside the
float16 range and away from Exp's overflow.

A model fails when the compiler crashes or hangs, rejects it (a diagnostic
for a valid model of supported operators), autoglm-run fails, or an output
differs. With --keep-failures, each failure is saved as DIR/seed<N>/:
model.onnx and its inputs, and minimized.onnxtxt, the smallest model found
by cutting nodes (a node's outputs become graph inputs fed with the values
ONNX Runtime computed for them) and outputs while it fails the same way.
--model replays one such file with inputs drawn from --seed.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import os
import random
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_node_tests  # noqa: E402

OPSET = 18

F32, F16 = np.dtype(np.float32), np.dtype(np.float16)
I32, I64, BOOL = np.dtype(np.int32), np.dtype(np.int64), np.dtype(np.bool_)
FLOATS = (F32, F16)
INTS = (I32, I64)
ALL = FLOATS + INTS + (BOOL,)

# |got - want| <= atol * max(1, max|want|) + rtol * |want|, per element: the
# absolute term scales with the output, since reductions and contractions
# sum in another order; integers and booleans are exact. float16: AutoGLM
# may keep float32 between fused operators where ONNX Runtime rounds each.
TOLERANCES = {F32: (1e-3, 1e-4), F16: (2e-2, 1e-2)}

# Magnitudes kept below these, so that values stay finite in float16.
MAX_MAG = {F32: 1e4, F16: 2e3}


def onnx_type(dtype: np.dtype) -> int:
    from onnx import helper
    return helper.np_dtype_to_tensor_dtype(dtype)


class NoOperand(Exception):
    """No value of the pool fits an operator, and no new source does."""


@dataclass
class Value:
    name: str
    dtype: np.dtype
    shape: tuple
    exact: bool  # computed without rounding: discontinuous ops may read it
    mag: float  # an upper estimate of max |value|

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))


@dataclass
class Graph:
    """A model under construction."""
    rng: random.Random
    nodes: list = field(default_factory=list)
    inputs: dict = field(default_factory=dict)  # name -> array (graph inputs)
    inits: dict = field(default_factory=dict)  # name -> array (initializers)
    values: list = field(default_factory=list)
    count: int = 0

    def name(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}"

    # -- data -------------------------------------------------------------
    def data(self, dtype, shape, kind="any"):
        """Random data of a kind: any, positive, nonzero."""
        nprng = np.random.default_rng(self.rng.randrange(1 << 30))
        if dtype == BOOL:
            return np.asarray(nprng.random(shape) < 0.5)
        if dtype in INTS:
            a = nprng.integers(-9, 10, shape)
            if kind == "positive":
                a = np.abs(a) + 1
            elif kind == "nonzero":
                a = np.where(a == 0, 3, a)
            return np.asarray(a, dtype)
        a = np.round(nprng.normal(0, 1.5, shape) * 8) / 8
        if kind == "positive":
            a = np.abs(a) + 0.5
        elif kind == "nonzero":
            a = np.where(a >= 0, a + 0.5, a - 0.5)
        return np.asarray(a, dtype)

    def source(self, dtype, shape, kind="any", initializer=None) -> Value:
        """A new graph input (or initializer) of random data."""
        shape = tuple(shape)
        a = self.data(dtype, shape, kind)
        if initializer is None:
            initializer = self.rng.random() < 0.25
        name = self.name("w" if initializer else "x")
        (self.inits if initializer else self.inputs)[name] = a
        mag = float(np.abs(a).max()) if a.size and dtype != BOOL else 1.0
        return Value(name, dtype, shape, True, mag)

    def array(self, name: str) -> np.ndarray:
        """The data of a source, to adjust in place."""
        return self.inits[name] if name in self.inits else self.inputs[name]

    def const(self, values, dtype=I64) -> str:
        name = self.name("c")
        self.inits[name] = np.array(values, dtype=dtype)
        return name

    # -- shapes -----------------------------------------------------------
    def shape(self, rank=None, max_size=2048):
        rank = self.rng.choice([0, 1, 1, 2, 2, 3, 3, 4]) if rank is None else rank
        while True:
            shape = tuple(self.rng.choice([1, 1, 2, 3, 4, 5, 7, 8, 16]) for _ in range(rank))
            if np.prod(shape, dtype=np.int64) <= max_size:
                return shape

    def partner_shape(self, shape, widen=True):
        """A shape that broadcasts with `shape`: dims set to 1, leading
        dims dropped, or (widen) a size-1 dim of `shape` widened."""
        r = self.rng
        s = [1 if r.random() < 0.3 else d for d in shape]
        if widen:
            s = [r.choice([2, 3]) if d == 1 and r.random() < 0.15 else e
                 for d, e in zip(shape, s)]
        s = s[r.randrange(len(s) + 1):] if r.random() < 0.4 else s
        if widen and r.random() < 0.1 and len(s) < 4:
            s = [r.choice([1, 2])] + s
        return tuple(s)

    # -- values -----------------------------------------------------------
    def pick(self, ok=lambda v: True, dtypes=ALL, rank=None, exact=False):
        """A value of the pool (most often the newest one: chains), else a
        new source."""
        found = [v for v in self.values if v.dtype in dtypes and (v.exact or not exact)
                 and (rank is None or len(v.shape) in rank) and ok(v)]
        if found and self.rng.random() < 0.9:
            return found[-1] if self.rng.random() < 0.6 else self.rng.choice(found)
        dtype = self.rng.choice(dtypes)
        for _ in range(100):
            shape = self.shape(self.rng.choice(rank) if rank else None)
            if ok(Value("", dtype, shape, True, 1)):
                return self.source(dtype, shape)
        raise NoOperand

    def node(self, op, inputs, outs, **attrs):
        """Adds a node; outs are (dtype, shape, exact, mag) tuples."""
        from onnx import helper
        values = [Value(self.name("v"), d, tuple(s), e, float(m)) for d, s, e, m in outs]
        self.nodes.append(helper.make_node(op, list(inputs), [v.name for v in values],
                                           **attrs))
        self.values.extend(values)
        return values[0] if len(values) == 1 else values


# -- operators -------------------------------------------------------------
# Each takes the graph, adds one or a few nodes, and returns False when it
# found nothing to apply to.

def bcast(*shapes):
    return tuple(np.broadcast_shapes(*shapes))


def tame(g: Graph, v: Value) -> Value:
    """v, or Tanh(v) / a clip when v may overflow the next operator."""
    if v.dtype in FLOATS and v.mag > 8:
        return g.node("Tanh", [v.name], [(v.dtype, v.shape, False, 1)])
    return v


UNARY_FLOAT = {  # op: (attrs, output magnitude from input magnitude)
    "Relu": ({}, lambda m: m), "Sigmoid": ({}, lambda m: 1), "Tanh": ({}, lambda m: 1),
    "Neg": ({}, lambda m: m), "Abs": ({}, lambda m: m), "Sin": ({}, lambda m: 1),
    "Cos": ({}, lambda m: 1), "Erf": ({}, lambda m: 1), "Softplus": ({}, lambda m: m + 1),
    "LeakyRelu": ({"alpha": 0.1}, lambda m: m), "Elu": ({}, lambda m: m),
    "HardSigmoid": ({"alpha": 0.3, "beta": 0.4}, lambda m: 1), "Softsign": ({}, lambda m: 1),
    "Selu": ({}, lambda m: 1.1 * m), "HardSwish": ({}, lambda m: m),
    "Exp": ({}, None), "Atan": ({}, lambda m: 2), "Mish": ({}, lambda m: m),
}
# Operators that change value only at steps: they read exact values.
STEP_FLOAT = ("Floor", "Ceil", "Round", "Sign")
POSITIVE_FLOAT = ("Sqrt", "Log", "Reciprocal")


def op_unary(g: Graph) -> bool:
    op = g.rng.choice(sorted(UNARY_FLOAT))
    x = g.pick(dtypes=FLOATS)
    attrs, mag = UNARY_FLOAT[op]
    if op == "Exp":
        x = tame(g, x)
        mag = lambda m: float(np.exp(m))  # noqa: E731
    g.node(op, [x.name], [(x.dtype, x.shape, op in ("Relu", "Neg", "Abs"), mag(x.mag))],
           **attrs)
    return True


def op_step(g: Graph) -> bool:
    x = g.pick(dtypes=FLOATS + INTS, exact=True)
    ops = STEP_FLOAT if x.dtype in FLOATS else ("Neg", "Abs", "Sign")
    op = g.rng.choice(ops)
    g.node(op, [x.name], [(x.dtype, x.shape, True, x.mag + 1)])
    return True


def op_positive(g: Graph) -> bool:
    """Sqrt, Log or Reciprocal of |x| + 0.5."""
    x = g.pick(dtypes=FLOATS)
    a = g.node("Abs", [x.name], [(x.dtype, x.shape, x.exact, x.mag)])
    half = g.const(0.5, x.dtype)
    p = g.node("Add", [a.name, half], [(x.dtype, x.shape, False, x.mag + 0.5)])
    op = g.rng.choice(POSITIVE_FLOAT)
    mag = {"Sqrt": np.sqrt(p.mag), "Log": np.log(p.mag) + 1, "Reciprocal": 2}[op]
    g.node(op, [p.name], [(x.dtype, x.shape, False, mag)])
    return True


def binary_partner(g: Graph, x: Value, kind="any", exact=False, also=()) -> Value:
    """Another value of x's type that broadcasts with it (and with the
    shapes `also`)."""
    if kind == "any":
        for v in reversed(g.values):
            if v is not x and v.dtype == x.dtype and (v.exact or not exact) \
                    and g.rng.random() < 0.5 and _broadcasts(x.shape, v.shape, *also):
                return v
    while True:
        shape = g.partner_shape(x.shape)
        if _broadcasts(shape, x.shape, *also):
            return g.source(x.dtype, shape, kind)


def op_binary(g: Graph) -> bool:
    x = g.pick(dtypes=FLOATS + INTS)
    op = g.rng.choice(["Add", "Sub", "Mul", "Div", "Max", "Min", "Mod", "Pow"])
    if op == "Pow":
        if x.dtype not in FLOATS:
            return False
        # A positive base, an exponent in [-2, 2].
        a = g.node("Abs", [tame(g, x).name], [(x.dtype, x.shape, False, 8)])
        base = g.node("Add", [a.name, g.const(0.25, x.dtype)], [(x.dtype, x.shape, False, 9)])
        e = g.source(x.dtype, g.partner_shape(x.shape))
        np.clip(g.array(e.name), -2, 2, out=g.array(e.name))
        g.node("Pow", [base.name, e.name], [(x.dtype, bcast(x.shape, e.shape), False, 81)])
        return True
    if op in ("Div", "Mod"):
        y = binary_partner(g, x, "nonzero")
        if op == "Mod" and x.dtype in FLOATS:
            attrs = {"fmod": 1}
        else:
            attrs = {"fmod": g.rng.choice([0, 1])} if op == "Mod" else {}
        mag = x.mag * 2 if op == "Div" else y.mag
        g.node(op, [x.name, y.name], [(x.dtype, bcast(x.shape, y.shape),
                                       x.dtype in INTS, mag)], **attrs)
        return True
    y = binary_partner(g, x)
    mag = {"Add": x.mag + y.mag, "Sub": x.mag + y.mag, "Mul": x.mag * y.mag}.get(
        op, max(x.mag, y.mag))
    if mag > MAX_MAG.get(x.dtype, 1e6):
        x, y = tame(g, x), tame(g, y)
        mag = 64
    exact = x.dtype in INTS or (op in ("Max", "Min") and x.exact and y.exact)
    g.node(op, [x.name, y.name], [(x.dtype, bcast(x.shape, y.shape), exact, mag)])
    return True


def op_compare(g: Graph) -> bool:
    x = g.pick(dtypes=FLOATS + INTS, exact=True)
    y = binary_partner(g, x, exact=True)
    op = g.rng.choice(["Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual"])
    g.node(op, [x.name, y.name], [(BOOL, bcast(x.shape, y.shape), True, 1)])
    return True


def op_logic(g: Graph) -> bool:
    x = g.pick(dtypes=(BOOL,))
    op = g.rng.choice(["And", "Or", "Xor", "Not"])
    if op == "Not":
        g.node(op, [x.name], [(BOOL, x.shape, True, 1)])
        return True
    y = binary_partner(g, x)
    g.node(op, [x.name, y.name], [(BOOL, bcast(x.shape, y.shape), True, 1)])
    return True


def op_where(g: Graph) -> bool:
    x = g.pick(dtypes=FLOATS + INTS)
    c = g.pick(dtypes=(BOOL,), ok=lambda v: _broadcasts(v.shape, x.shape))
    y = binary_partner(g, x, also=(c.shape,))
    shape = bcast(c.shape, x.shape, y.shape)
    g.node("Where", [c.name, x.name, y.name],
           [(x.dtype, shape, x.exact and y.exact, max(x.mag, y.mag))])
    return True


def _broadcasts(*shapes) -> bool:
    try:
        bcast(*shapes)
        return True
    except ValueError:
        return False


def op_cast(g: Graph) -> bool:
    x = g.pick()
    to = g.rng.choice(ALL)
    if to == x.dtype:
        return False
    if x.dtype in FLOATS and to not in FLOATS and not x.exact:
        return False  # float -> integer or bool reads exact values only
    if x.dtype in FLOATS and to in INTS and x.mag > 1e4:
        return False
    exact = x.exact and not (x.dtype == F32 and to == F16 and x.mag > 256)
    if to == F16 and x.mag > MAX_MAG[F16]:
        return False
    g.node("Cast", [x.name], [(to, x.shape, exact, x.mag)], to=onnx_type(to))
    return True


REDUCE = ("ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1",
          "ReduceL2", "ReduceSumSquare", "ReduceLogSumExp")


def op_reduce(g: Graph) -> bool:
    x = g.pick(dtypes=FLOATS + INTS, rank=(1, 2, 3, 4))
    ops = REDUCE if x.dtype in FLOATS else ("ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd")
    op = g.rng.choice(ops)
    rank = len(x.shape)
    axes = sorted(g.rng.sample(range(rank), g.rng.randint(1, rank)))
    keepdims = g.rng.choice([0, 1])
    inputs = [x.name]
    if g.rng.random() < 0.15:
        axes = list(range(rank))  # no axes: all of them
    else:
        inputs.append(g.const([a - rank if g.rng.random() < 0.3 else a for a in axes]))
    shape = tuple(1 if i in axes else d for i, d in enumerate(x.shape) if keepdims or i not in axes)
    n = int(np.prod([x.shape[a] for a in axes]))
    if op in ("ReduceProd", "ReduceSumSquare") or (op in ("ReduceSum", "ReduceL1") and x.mag * n > 1e3):
        x = tame(g, x) if x.dtype in FLOATS else x
        if op == "ReduceProd" and (x.dtype in INTS or n > 16):
            return False
        inputs[0] = x.name
    mag = {"ReduceProd": min(x.mag, 1e3) ** min(n, 16),
           "ReduceSumSquare": x.mag ** 2 * n}.get(op, x.mag * n + 3)
    exact = x.dtype in INTS or (op in ("ReduceMax", "ReduceMin") and x.exact)
    g.node(op, inputs, [(x.dtype, shape, exact, mag)], keepdims=keepdims)
    return True


def op_argmax(g: Graph) -> bool:
    x = g.pick(dtypes=FLOATS + INTS, rank=(1, 2, 3, 4), exact=True)
    rank = len(x.shape)
    axis = g.rng.randrange(-rank, rank)
    keepdims = g.rng.choice([0, 1])
    shape = tuple(1 if i == axis % rank else d for i, d in enumerate(x.shape)
                  if keepdims or i != axis % rank)
    g.node(g.rng.choice(["ArgMax", "ArgMin"]), [x.name], [(I64, shape, True, 16)],
           axis=axis, keepdims=keepdims, select_last_index=g.rng.choice([0, 1]))
    return True


def op_reshape(g: Graph) -> bool:
    x = g.pick(rank=(1, 2, 3, 4))
    dims = []
    left = x.size
    for _ in range(g.rng.randint(0, 3)):
        divisors = [d for d in range(1, left + 1) if left % d == 0]
        d = g.rng.choice(divisors)
        dims.append(d)
        left //= d
    dims.append(left)
    g.rng.shuffle(dims)
    spec = list(dims)
    if g.rng.random() < 0.4:
        spec[g.rng.randrange(len(spec))] = -1
    for i in range(min(len(spec), len(x.shape))):
        if spec[i] == x.shape[i] and g.rng.random() < 0.3:
            spec[i] = 0
    if spec.count(-1) == 1 and 0 in spec and x.size == 0:
        return False
    g.node("Reshape", [x.name, g.const(spec)], [(x.dtype, tuple(dims), x.exact, x.mag)])
    return True


def op_transpose(g: Graph) -> bool:
    x = g.pick(rank=(2, 3, 4))
    perm = list(range(len(x.shape)))
    g.rng.shuffle(perm)
    g.node("Transpose", [x.name], [(x.dtype, tuple(x.shape[p] for p in perm), x.exact, x.mag)],
           perm=perm)
    return True


def op_slice(g: Graph) -> bool:
    x = g.pick(rank=(1, 2, 3, 4))
    rank = len(x.shape)
    axes = g.rng.sample(range(rank), g.rng.randint(1, rank))
    starts, ends, steps, shape = [], [], [], list(x.shape)
    for a in axes:
        d = x.shape[a]
        step = g.rng.choice([1, 1, 1, 2, 3, -1, -2])
        if step > 0:
            s, e = sorted(g.rng.randint(0, d) for _ in range(2))
            if s == e:
                e = min(d, s + 1)
                s = e - 1
        else:
            e, s = sorted(g.rng.randint(-1, d - 1) for _ in range(2))
            if s == e:
                s = e + 1
        n = len(range(d)[slice(s, e if e >= 0 else None, step)])
        if n == 0:
            return False
        # Out-of-range and negative bounds, which ONNX clamps.
        starts.append(s - d if s >= 0 and g.rng.random() < 0.2 else s)
        ends.append((d + 5 if step > 0 else -d - 5) if e in (d, -1) and g.rng.random() < 0.5
                    else (e if e >= 0 else -d - 1))
        steps.append(step)
        shape[a] = n
    inputs = [x.name, g.const(starts), g.const(ends),
              g.const([a - rank if g.rng.random() < 0.3 else a for a in axes])]
    if any(s != 1 for s in steps) or g.rng.random() < 0.3:
        inputs.append(g.const(steps))
    g.node("Slice", inputs, [(x.dtype, tuple(shape), x.exact, x.mag)])
    return True


def op_concat(g: Graph) -> bool:
    x = g.pick(rank=(1, 2, 3, 4))
    rank = len(x.shape)
    axis = g.rng.randrange(rank)
    parts = [x]
    for _ in range(g.rng.randint(1, 2)):
        shape = list(x.shape)
        shape[axis] = g.rng.choice([1, 2, 3, x.shape[axis]])
        same = [v for v in g.values if v.dtype == x.dtype and len(v.shape) == rank and all(
            v.shape[i] == x.shape[i] for i in range(rank) if i != axis)]
        parts.append(g.rng.choice(same) if same and g.rng.random() < 0.5
                     else g.source(x.dtype, shape))
    shape = list(x.shape)
    shape[axis] = sum(p.shape[axis] for p in parts)
    g.node("Concat", [p.name for p in parts],
           [(x.dtype, tuple(shape), all(p.exact for p in parts), max(p.mag for p in parts))],
           axis=axis - rank if g.rng.random() < 0.3 else axis)
    return True


def op_gather(g: Graph) -> bool:
    x = g.pick(rank=(1, 2, 3, 4))
    rank = len(x.shape)
    axis = g.rng.randrange(rank)
    d = x.shape[axis]
    ishape = g.shape(g.rng.choice([0, 1, 1, 2]), 16)
    idx = np.array([g.rng.randrange(-d, d) for _ in range(int(np.prod(ishape)))],
                   np.int64).reshape(ishape)
    name = g.name("w")
    g.inits[name] = idx.astype(g.rng.choice([I64, I32]))
    shape = x.shape[:axis] + tuple(ishape) + x.shape[axis + 1:]
    g.node("Gather", [x.name, name], [(x.dtype, shape, x.exact, x.mag)],
           axis=axis - rank if g.rng.random() < 0.3 else axis)
    return True


def op_squeeze(g: Graph) -> bool:
    x = g.pick()
    rank = len(x.shape)
    if g.rng.random() < 0.5 and 1 in x.shape:
        axes = [i for i, d in enumerate(x.shape) if d == 1 and g.rng.random() < 0.7] or \
            [x.shape.index(1)]
        shape = tuple(d for i, d in enumerate(x.shape) if i not in axes)
        g.node("Squeeze", [x.name, g.const(axes)], [(x.dtype, shape, x.exact, x.mag)])
        return True
    if rank >= 4:
        return False
    pos = g.rng.randrange(rank + 1)
    shape = x.shape[:pos] + (1,) + x.shape[pos:]
    g.node("Unsqueeze", [x.name, g.const([pos - rank - 1 if g.rng.random() < 0.3 else pos])],
           [(x.dtype, shape, x.exact, x.mag)])
    return True


def op_flatten(g: Graph) -> bool:
    x = g.pick(rank=(1, 2, 3, 4))
    axis = g.rng.randint(0, len(x.shape))
    lead = int(np.prod(x.shape[:axis]))
    g.node("Flatten", [x.name], [(x.dtype, (lead, x.size // lead), x.exact, x.mag)],
           axis=axis)
    return True


def op_expand(g: Graph) -> bool:
    x = g.pick(rank=(0, 1, 2, 3), ok=lambda v: v.size <= 256)
    target = [g.rng.choice([2, 3]) if d == 1 and g.rng.random() < 0.6 else d for d in x.shape]
    target = [g.rng.choice([1, 2])] * g.rng.randint(0, 1) + target
    spec = [1 if d == x.shape[i - len(target) + len(x.shape)] and g.rng.random() < 0.3 else d
            for i, d in enumerate(target)] if len(target) == len(x.shape) else target
    g.node("Expand", [x.name, g.const(spec)], [(x.dtype, tuple(target), x.exact, x.mag)])
    return True


def op_tile(g: Graph) -> bool:
    x = g.pick(rank=(1, 2, 3), ok=lambda v: v.size <= 256)
    reps = [g.rng.choice([1, 1, 2, 3]) for _ in x.shape]
    g.node("Tile", [x.name, g.const(reps)],
           [(x.dtype, tuple(d * r for d, r in zip(x.shape, reps)), x.exact, x.mag)])
    return True


def op_split(g: Graph) -> bool:
    x = g.pick(rank=(1, 2, 3, 4), ok=lambda v: max(v.shape) >= 2)
    rank = len(x.shape)
    axis = g.rng.choice([i for i, d in enumerate(x.shape) if d >= 2])
    d = x.shape[axis]
    if g.rng.random() < 0.5:
        n = g.rng.randint(2, min(d, 3))
        first = -(-d // n)
        sizes = [first] * (d // first) + ([d % first] if d % first else [])
        outs = [(x.dtype, tuple(s if i == axis else e for i, e in enumerate(x.shape)), x.exact,
                 x.mag) for s in sizes]
        g.node("Split", [x.name], outs, axis=axis, num_outputs=len(sizes))
        return True
    cut = g.rng.randint(1, d - 1)
    sizes = [cut, d - cut]
    outs = [(x.dtype, tuple(s if i == axis else e for i, e in enumerate(x.shape)), x.exact,
             x.mag) for s in sizes]
    g.node("Split", [x.name, g.const(sizes)], outs, axis=axis - rank if g.rng.random() < 0.3
           else axis)
    return True


def op_pad(g: Graph) -> bool:
    x = g.pick(rank=(1, 2, 3, 4), dtypes=FLOATS + INTS)
    rank = len(x.shape)
    mode = g.rng.choice(["constant", "constant", "reflect", "edge"])
    pads = []
    for d in x.shape * 2:
        hi = d - 1 if mode == "reflect" else 3
        pads.append(g.rng.randint(0, min(hi, 2)))
    if mode == "constant" and g.rng.random() < 0.3:
        pads = [p - (g.rng.randint(0, d - 1) if g.rng.random() < 0.5 else 0)
                for p, d in zip(pads, x.shape * 2)]
    shape = tuple(d + pads[i] + pads[i + rank] for i, d in enumerate(x.shape))
    if min(shape) <= 0:
        return False
    inputs = [x.name, g.const(pads)]
    if mode == "constant" and g.rng.random() < 0.5:
        inputs.append(g.const(1.5 if x.dtype in FLOATS else 2, x.dtype))
    g.node("Pad", inputs, [(x.dtype, shape, x.exact, max(x.mag, 2))], mode=mode)
    return True


def contraction_operand(g: Graph, dtype, shape) -> Value:
    v = g.source(dtype, shape)
    # Weights scaled by 1/sqrt(K) keep the product's magnitude.
    arr = g.array(v.name)
    k = shape[-2] if len(shape) >= 2 else shape[0]
    arr[...] = np.round(arr / np.sqrt(max(k, 1)) * 8) / 8
    return v


def op_matmul(g: Graph) -> bool:
    x = tame(g, g.pick(dtypes=FLOATS, rank=(1, 2, 3, 4)))
    k = x.shape[-1]
    n = g.rng.choice([1, 3, 4, 8])
    if len(x.shape) >= 2 and g.rng.random() < 0.3:
        bshape = g.partner_shape(x.shape[:-2])[-1:] + (k, n)
    else:
        bshape = (k, n) if g.rng.random() < 0.8 else (k,)
    w = contraction_operand(g, x.dtype, bshape)
    if len(x.shape) == 1 and len(bshape) == 1:
        shape = ()
    elif len(bshape) == 1:
        shape = x.shape[:-1]
    elif len(x.shape) == 1:
        shape = bshape[:-2] + (n,)
    else:
        shape = bcast(x.shape[:-2], bshape[:-2]) + (x.shape[-2], n)
    g.node("MatMul", [x.name, w.name], [(x.dtype, shape, False, 8 * np.sqrt(k) + 8)])
    return True


def op_gemm(g: Graph) -> bool:
    x = tame(g, g.pick(dtypes=FLOATS, rank=(2,)))
    trans_a, trans_b = g.rng.choice([0, 1]), g.rng.choice([0, 1])
    m, k = x.shape[::-1] if trans_a else x.shape
    n = g.rng.choice([1, 2, 5, 8])
    w = contraction_operand(g, x.dtype, (n, k) if trans_b else (k, n))
    inputs = [x.name, w.name]
    if g.rng.random() < 0.7:
        inputs.append(g.source(x.dtype, g.rng.choice([(n,), (1, n), (m, 1), (m, n), ()])).name)
    g.node("Gemm", inputs, [(x.dtype, (m, n), False, 8 * np.sqrt(k) + 16)],
           transA=trans_a, transB=trans_b, alpha=g.rng.choice([1.0, 0.5]),
           beta=g.rng.choice([1.0, 2.0]))
    return True


def spatial_out(d, k, s, p0, p1, dil):
    return (d + p0 + p1 - dil * (k - 1) - 1) // s + 1


def op_conv(g: Graph) -> bool:
    x = tame(g, g.pick(dtypes=FLOATS, rank=(3, 4), ok=lambda v: v.size <= 1024))
    n, c, *spatial = x.shape
    group = g.rng.choice([d for d in (1, 2, 3, c) if c % d == 0])
    m = group * g.rng.choice([1, 2, 3])
    ks = [g.rng.choice([1, 2, 3]) for _ in spatial]
    strides = [g.rng.choice([1, 1, 2]) for _ in spatial]
    dil = [g.rng.choice([1, 1, 2]) for _ in spatial]
    pads = [g.rng.randint(0, k - 1) if k > 1 else 0 for k in ks] * 2
    out = [spatial_out(d, k, s, pads[i], pads[i + len(spatial)], di)
           for i, (d, k, s, di) in enumerate(zip(spatial, ks, strides, dil))]
    if min(out) < 1:
        return False
    w = contraction_operand(g, x.dtype, (m, c // group, *ks))
    inputs = [x.name, w.name]
    if g.rng.random() < 0.6:
        inputs.append(g.source(x.dtype, (m,)).name)
    g.node("Conv", inputs, [(x.dtype, (n, m, *out), False, 16 * np.sqrt(c * np.prod(ks)) + 8)],
           group=group, kernel_shape=ks, strides=strides, dilations=dil, pads=pads)
    return True


def op_pool(g: Graph) -> bool:
    x = g.pick(dtypes=FLOATS, rank=(3, 4))
    spatial = x.shape[2:]
    op = g.rng.choice(["MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool"])
    if op.startswith("Global"):
        g.node(op, [x.name], [(x.dtype, x.shape[:2] + (1,) * len(spatial),
                               op == "GlobalMaxPool" and x.exact, x.mag)])
        return True
    ks = [g.rng.randint(1, min(d, 3)) for d in spatial]
    strides = [g.rng.choice([1, 2]) for _ in spatial]
    pads = [g.rng.randint(0, k // 2) for k in ks] * 2
    out = [spatial_out(d, k, s, pads[i], pads[i + len(spatial)], 1)
           for i, (d, k, s) in enumerate(zip(spatial, ks, strides))]
    attrs = {"kernel_shape": ks, "strides": strides, "pads": pads}
    if op == "AveragePool":
        attrs["count_include_pad"] = g.rng.choice([0, 1])
    g.node(op, [x.name], [(x.dtype, x.shape[:2] + tuple(out), op == "MaxPool" and x.exact,
                           x.mag)], **attrs)
    return True


def op_softmax(g: Graph) -> bool:
    x = g.pick(dtypes=FLOATS, rank=(1, 2, 3, 4))
    op = g.rng.choice(["Softmax", "LogSoftmax"])
    rank = len(x.shape)
    g.node(op, [x.name], [(x.dtype, x.shape, False, 1 if op == "Softmax" else 2 * x.mag + 8)],
           axis=g.rng.randrange(-rank, rank))
    return True


def op_norm(g: Graph) -> bool:
    x = g.pick(dtypes=FLOATS, rank=(2, 3, 4))
    rank = len(x.shape)
    op = g.rng.choice(["LayerNormalization", "BatchNormalization", "InstanceNormalization"])
    if op == "LayerNormalization":
        axis = g.rng.randrange(-rank, rank)
        norm = x.shape[axis % rank:]
        inputs = [x.name, g.source(x.dtype, norm).name]
        if g.rng.random() < 0.6:
            inputs.append(g.source(x.dtype, g.partner_shape(norm, widen=False)).name)
        g.node(op, inputs, [(x.dtype, x.shape, False, 64)], axis=axis, epsilon=1e-3)
        return True
    c = x.shape[1]
    if op == "InstanceNormalization":
        if rank < 3:
            return False
        g.node(op, [x.name, g.source(x.dtype, (c,)).name, g.source(x.dtype, (c,)).name],
               [(x.dtype, x.shape, False, 64)], epsilon=1e-3)
        return True
    params = [g.source(x.dtype, (c,)).name for _ in range(3)]
    params.append(g.source(x.dtype, (c,), "positive").name)
    g.node(op, [x.name] + params, [(x.dtype, x.shape, False, 8 * x.mag + 16)], epsilon=1e-3)
    return True


OPERATORS = [  # (weight, builder)
    (6, op_unary), (3, op_step), (2, op_positive), (8, op_binary), (3, op_compare),
    (2, op_logic), (2, op_where), (3, op_cast), (5, op_reduce), (2, op_argmax),
    (4, op_reshape), (3, op_transpose), (4, op_slice), (3, op_concat), (3, op_gather),
    (3, op_squeeze), (1, op_flatten), (2, op_expand), (1, op_tile), (2, op_split),
    (2, op_pad), (4, op_matmul), (2, op_gemm), (3, op_conv), (2, op_pool), (3, op_softmax),
    (3, op_norm),
]


@dataclass
class Case:
    model: object  # onnx.ModelProto
    inputs: dict  # name -> array
    values: dict  # name -> (np.dtype, shape) of every node output


def make_model(nodes, inputs: dict, inits: dict, outputs: list, values: dict):
    from onnx import helper, numpy_helper
    graph = helper.make_graph(
        nodes, "difftest",
        [helper.make_tensor_value_info(k, onnx_type(v.dtype), v.shape) for k, v in inputs.items()],
        [helper.make_tensor_value_info(k, onnx_type(values[k][0]), values[k][1])
         for k in outputs],
        [numpy_helper.from_array(v, k) for k, v in inits.items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                             ir_version=8)


def generate(seed: int) -> Case:
    g = Graph(random.Random(seed))
    # Start from one to three inputs: float most often.
    for _ in range(g.rng.randint(1, 3)):
        dtype = g.rng.choice([F32, F32, F32, F16, I32, I64, BOOL])
        g.values.append(g.source(dtype, g.shape(), initializer=False))
    want = g.rng.randint(2, 12)
    weights = [w for w, _ in OPERATORS]
    while len(g.nodes) < want:
        builder = g.rng.choices([b for _, b in OPERATORS], weights)[0]
        builder(g)
    # Every value no node reads is an output; unread sources are dropped.
    read = {i for n in g.nodes for i in n.input}
    produced = [v for v in g.values if v.name not in g.inputs and v.name not in g.inits]
    outputs = [v.name for v in produced if v.name not in read]
    inputs = {k: v for k, v in g.inputs.items() if k in read}
    inits = {k: v for k, v in g.inits.items() if k in read}
    values = {v.name: (v.dtype, v.shape) for v in g.values}
    return Case(make_model(g.nodes, inputs, inits, outputs, values), inputs, values)


# -- reference -------------------------------------------------------------

def reference(model, inputs: dict, names: list) -> list:
    """ONNX Runtime's values of `names` (graph outputs or not), or the ONNX
    reference evaluator's when ONNX Runtime has no CPU kernel for one of the
    model's operators at its type (float16 mostly)."""
    import onnx
    import onnxruntime as ort
    from onnx import helper
    outputs = {o.name for o in model.graph.output}
    if any(n not in outputs for n in names):
        model = onnx.ModelProto.FromString(model.SerializeToString())
        types = onnx.shape_inference.infer_shapes(model).graph.value_info
        known = {v.name: v.type.tensor_type.elem_type for v in types}
        model.graph.output.extend(helper.make_tensor_value_info(n, known[n], None)
                                  for n in names if n not in outputs)
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.intra_op_num_threads = 1
    options.log_severity_level = 3
    try:
        session = ort.InferenceSession(model.SerializeToString(), options,
                                       providers=["CPUExecutionProvider"])
    except Exception as e:  # noqa: BLE001 - ONNX Runtime raises its own types
        if "NOT_IMPLEMENTED" not in str(e) and "Could not find an implementation" not in str(e):
            raise
        from onnx.reference import ReferenceEvaluator
        return [np.asarray(r) for r in ReferenceEvaluator(model).run(names, inputs)]
    return [np.asarray(r) for r in session.run(names, inputs)]


def compare(got: np.ndarray, want: np.ndarray) -> str | None:
    """None when `got` matches `want` at TOLERANCES, else how it differs."""
    if got.shape != want.shape:
        return f"shape {list(got.shape)}, want {list(want.shape)}"
    if got.dtype != want.dtype:
        return f"type {got.dtype}, want {want.dtype}"
    if want.dtype not in FLOATS:
        bad = np.flatnonzero(got.ravel() != want.ravel())
        if bad.size:
            i = bad[0]
            return f"{bad.size} of {want.size} differ; at {i}: {got.ravel()[i]}, want {want.ravel()[i]}"
        return None
    rtol, atol = TOLERANCES[want.dtype]
    g, w = got.astype(np.float64).ravel(), want.astype(np.float64).ravel()
    finite = np.isfinite(w)
    scale = max(1.0, float(np.abs(w[finite]).max())) if finite.any() else 1.0
    err = np.abs(g - w)
    ok = (err <= atol * scale + rtol * np.abs(w)) | (np.isnan(g) & np.isnan(w)) | (g == w)
    if ok.all():
        return None
    bad = np.flatnonzero(~ok)
    i = bad[0]
    return (f"{bad.size} of {w.size} differ (rtol {rtol}, atol {atol} x {scale:.3g}); "
            f"at {i}: {g[i]:.6g}, want {w[i]:.6g}")


# -- one model through the compiler -----------------------------------------

CRASH, HANG, REJECTED, RUN_FAILED, MISMATCH = (
    "crash", "hang", "rejected", "run-failed", "mismatch")


@dataclass
class Outcome:
    status: str | None  # None: passed
    detail: str = ""
    outputs: tuple = ()  # names of the outputs that differ


def first_line(text: str) -> str:
    lines = [l for l in text.splitlines() if "error" in l.lower()] or text.strip().splitlines()
    return (lines[0] if lines else "")[:300]


def check(bin_dir: str, model, inputs: dict, work: str, timeout: float) -> Outcome:
    """Compiles `model`, runs it on `inputs` and compares each output with
    ONNX Runtime's."""
    import onnx
    os.makedirs(work, exist_ok=True)
    path, lib = os.path.join(work, "model.onnx"), os.path.join(work, "model.so")
    onnx.save(model, path)
    names = [o.name for o in model.graph.output]
    want = reference(model, inputs, names)
    try:
        proc = subprocess.run([os.path.join(bin_dir, "autoglm-opt"), path, "--emit=so",
                               "-o", lib], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return Outcome(HANG, f"autoglm-opt ran over {timeout:.0f} s")
    if onnx_node_tests.crashed(proc.returncode, proc.stderr):
        return Outcome(CRASH, first_line(proc.stderr))
    if proc.returncode != 0:
        return Outcome(REJECTED, first_line(proc.stderr))
    feeds = []
    for k, v in inputs.items():
        np.save(os.path.join(work, f"in_{k}.npy"), v)
        feeds += ["--input", f"{k}={os.path.join(work, f'in_{k}.npy')}"]
    out = os.path.join(work, "out")
    try:
        proc = subprocess.run([os.path.join(bin_dir, "autoglm-run"), lib, "--threads", "1",
                               "--output-dir", out] + feeds,
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return Outcome(HANG, f"autoglm-run ran over {timeout:.0f} s")
    if onnx_node_tests.crashed(proc.returncode, proc.stderr):
        return Outcome(CRASH, "autoglm-run: " + first_line(proc.stderr))
    if proc.returncode != 0:
        return Outcome(RUN_FAILED, first_line(proc.stderr + proc.stdout))
    bad, details = [], []
    for i, (n, w) in enumerate(zip(names, want)):
        got = np.load(os.path.join(out, f"output_{i}.npy"))
        why = compare(got, w)
        if why:
            bad.append(n)
            details.append(f"{n}: {why}")
    if bad:
        return Outcome(MISMATCH, "; ".join(details), tuple(bad))
    return Outcome(None)


# -- minimization ------------------------------------------------------------

def prune(model, inputs: dict, outputs: list):
    """The model reduced to what `outputs` need, and the inputs it reads."""
    import onnx
    from onnx import helper
    g = model.graph
    need, keep = set(outputs), []
    for node in reversed(g.node):
        if any(o in need for o in node.output):
            keep.append(node)
            need.update(i for i in node.input if i)
    keep.reverse()
    m = onnx.ModelProto()
    m.CopyFrom(model)
    del m.graph.node[:], m.graph.output[:], m.graph.input[:], m.graph.initializer[:]
    m.graph.node.extend(keep)
    m.graph.input.extend(i for i in g.input if i.name in need)
    m.graph.initializer.extend(t for t in g.initializer if t.name in need)
    m.graph.output.extend(o for o in g.output if o.name in outputs)
    return m, {k: v for k, v in inputs.items() if k in need}


def minimize(bin_dir: str, case: Case, outcome: Outcome, work: str, timeout: float):
    """Cuts nodes and outputs while the model fails the same way."""
    import onnx
    from onnx import helper
    model = onnx.ModelProto()
    model.CopyFrom(case.model)
    # Every value the model computes, for the graph inputs that replace nodes.
    produced = [o for n in model.graph.node for o in n.output]
    values = dict(zip(produced, reference(model, case.inputs, produced)))
    inputs = dict(case.inputs)
    trials = 0

    def fails(m, feeds) -> bool:
        nonlocal trials
        trials += 1
        got = check(bin_dir, m, feeds, os.path.join(work, f"try{trials}"), timeout)
        return got.status == outcome.status

    # Outputs: the differing ones, else one at a time.
    outs = list(outcome.outputs) or [o.name for o in model.graph.output]
    for o in list(outs):
        if len(outs) > 1:
            rest = [x for x in outs if x != o]
            m, f = prune(model, inputs, rest)
            if fails(m, f):
                outs = rest
    model, inputs = prune(model, inputs, outs)
    changed = True
    while changed and trials < 200:
        changed = False
        for node in list(model.graph.node):
            m = onnx.ModelProto()
            m.CopyFrom(model)
            del m.graph.node[:]
            m.graph.node.extend(n for n in model.graph.node if n is not node)
            feeds = dict(inputs)
            for o in node.output:
                if o in outs:
                    break
                feeds[o] = values[o]
                m.graph.input.append(helper.make_tensor_value_info(
                    o, onnx_type(case.values[o][0]), values[o].shape))
            else:
                m, feeds = prune(m, feeds, outs)
                if len(m.graph.node) < len(model.graph.node) and fails(m, feeds):
                    model, inputs, changed = m, feeds, True
                    break
    return model, inputs


# -- driver ------------------------------------------------------------------

def run_seed(args, seed: int, work: str) -> tuple[int, Outcome]:
    case = generate(seed)
    where = os.path.join(work, f"seed{seed}")
    try:
        outcome = check(args.bin_dir, case.model, case.inputs, where, args.timeout)
    except Exception as e:  # noqa: BLE001 - the generator's own fault
        outcome = Outcome("invalid-model", f"{type(e).__name__}: {str(e)[:300]}")
    if outcome.status and args.keep_failures:
        keep(args, seed, case, outcome, where)
    shutil.rmtree(where, ignore_errors=True)
    return seed, outcome


def keep(args, seed: int, case: Case, outcome: Outcome, where: str) -> None:
    import onnx
    import onnx.printer
    dest = os.path.join(args.keep_failures, f"seed{seed}")
    os.makedirs(dest, exist_ok=True)
    onnx.save(case.model, os.path.join(dest, "model.onnx"))
    np.savez(os.path.join(dest, "inputs.npz"), **case.inputs)
    text = f"# seed {seed}: {outcome.status}: {outcome.detail}\n"
    # A hang is not minimized: each trial would wait for the timeout.
    if outcome.status not in ("invalid-model", HANG):
        small, feeds = minimize(args.bin_dir, case, outcome, os.path.join(where, "min"),
                                args.timeout)
        np.savez(os.path.join(dest, "minimized-inputs.npz"), **feeds)
        text += onnx.printer.to_text(small) + "\n"
    with open(os.path.join(dest, "minimized.onnxtxt"), "w") as f:
        f.write(text)


def replay(args) -> int:
    """Checks one saved model, with inputs drawn from --seed (nonzero)."""
    import onnx.parser
    with open(args.model) as f:
        model = onnx.parser.parse_model(f.read())
    g = Graph(random.Random(args.seed))
    inits = {t.name for t in model.graph.initializer}
    inputs = {}
    for i in model.graph.input:
        if i.name in inits:
            continue
        t = i.type.tensor_type
        from onnx import helper
        dtype = np.dtype(helper.tensor_dtype_to_np_dtype(t.elem_type))
        inputs[i.name] = g.data(dtype, tuple(d.dim_value for d in t.shape.dim), "nonzero")
    work = tempfile.mkdtemp(prefix="autoglm-difftest-")
    outcome = check(args.bin_dir, model, inputs, work, args.timeout)
    shutil.rmtree(work, ignore_errors=True)
    print(f"{os.path.basename(args.model)}: {outcome.status or 'passed'} {outcome.detail}")
    return 1 if outcome.status else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin-dir", required=True, help="where autoglm-opt and autoglm-run are")
    parser.add_argument("--seed", type=int, default=1, help="the first model's seed")
    parser.add_argument("--count", type=int, default=100, help="models: seeds SEED ... SEED+COUNT-1")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--timeout", type=float, default=300, help="seconds per compile or run")
    parser.add_argument("--keep-failures", metavar="DIR")
    parser.add_argument("--model", help="check this .onnxtxt model instead of generating")
    parser.add_argument("--verbose", action="store_true", help="a line per model")
    args = parser.parse_args()
    if args.model:
        return replay(args)

    work = tempfile.mkdtemp(prefix="autoglm-difftest-")
    seeds = range(args.seed, args.seed + args.count)
    counts: dict = {}
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        for seed, outcome in pool.map(lambda s: run_seed(args, s, work), seeds):
            status = outcome.status or "passed"
            counts[status] = counts.get(status, 0) + 1
            if outcome.status or args.verbose:
                print(f"seed {seed}: {status} {outcome.detail}", flush=True)
    shutil.rmtree(work, ignore_errors=True)
    passed = counts.pop("passed", 0)
    print(f"{passed} of {args.count} random models passed"
          + "".join(f", {n} {k}" for k, n in sorted(counts.items())))
    return 0 if not counts else 1


if __name__ == "__main__":
    sys.exit(main())
