"""Compiles ONNX models whose If, Loop and Scan run at run time (scf.if,
scf.while, scf.for) and compares them with ONNX Runtime.

    runtime_control_flow_cases.py DIR

The cases, each with input sets that take every path: a while loop (no trip
count) whose condition depends on the data, a Loop whose trip count is a
graph input (zero, some, many iterations), an If whose untaken branch would
divide an integer by zero (only the taken branch runs), a Loop too long to
unroll with a scan output, a run-time Loop whose body holds a run-time
If on the iteration number, and Scans too long to unroll (a cumulative sum
over a symbolic length, scan inputs and outputs along axis 1 and backward).
Prints `case NAME: ok` or the failure per case (control_flow_cases.py's
runner) and exits non-zero if any fails.
"""
import argparse
import os
import sys

import numpy as np
from onnx import helper

from control_flow_cases import BOOL, FLOAT, INT64, model, run_case, value


def scalar(name, elem, number):
    return helper.make_node("Constant", [], [name], value=helper.make_tensor(
        name + "_value", elem, [], [number]))


def while_data_dependent():
    """No trip count: doubles v and counts the iterations while the sum of v
    stays below the limit."""
    body = helper.make_graph(
        [helper.make_node("Add", ["v", "v"], ["v_next"]),
         helper.make_node("ReduceSum", ["v_next"], ["total"], keepdims=0),
         helper.make_node("Less", ["total", "limit"], ["cond_out"]),
         helper.make_node("Add", ["n", "one"], ["n_next"])],
        "body", [value("i", INT64, []), value("cond_in", BOOL, []),
                 value("v", FLOAT, [3]), value("n", INT64, [])],
        [value("cond_out", BOOL, []), value("v_next", FLOAT, [3]),
         value("n_next", INT64, [])])
    m = model([scalar("zero", INT64, 0), scalar("one", INT64, 1),
               helper.make_node("Less", ["start_total", "limit"], ["c"]),
               helper.make_node("Loop", ["", "c", "v0", "zero"], ["v", "count"],
                                body=body)],
              [value("v0", FLOAT, [3]), value("start_total", FLOAT, []),
               value("limit", FLOAT, [])],
              [value("v", FLOAT, [3]), value("count", INT64, [])])
    v0 = np.array([0.5, 1, 0.25], np.float32)
    return m, [{"v0": v0, "start_total": np.array(1.75, np.float32), "limit": np.array(100, np.float32)},
               {"v0": v0, "start_total": np.array(1.75, np.float32), "limit": np.array(1e6, np.float32)},
               {"v0": v0, "start_total": np.array(1.75, np.float32), "limit": np.array(1, np.float32)}]


def loop_trip_count_input():
    """The trip count is a graph input: h = tanh(h @ r + i)."""
    body = helper.make_graph(
        [helper.make_node("Identity", ["cond_in"], ["cond_out"]),
         helper.make_node("MatMul", ["h", "r"], ["hr"]),
         helper.make_node("Cast", ["i"], ["fi"], to=FLOAT),
         helper.make_node("Add", ["hr", "fi"], ["pre"]),
         helper.make_node("Tanh", ["pre"], ["h_next"])],
        "body", [value("i", INT64, []), value("cond_in", BOOL, []),
                 value("h", FLOAT, [2, 4])],
        [value("cond_out", BOOL, []), value("h_next", FLOAT, [2, 4])])
    rng = np.random.default_rng(5)
    r = (rng.standard_normal((4, 4)) * 0.5).astype(np.float32)
    m = model([helper.make_node("Loop", ["m", "", "h0"], ["h"], body=body)],
              [value("m", INT64, []), value("h0", FLOAT, [2, 4])],
              [value("h", FLOAT, [2, 4])],
              initializers=[helper.make_tensor("r", FLOAT, [4, 4], r.flatten().tolist())])
    h0 = rng.standard_normal((2, 4)).astype(np.float32)
    return m, [{"m": np.array(count, np.int64), "h0": h0} for count in (0, 3, 40)]


def if_untaken_division():
    """then: a / b in int64; else: a - b. With b = 0 and the condition false,
    the division must not run (it would trap)."""
    then_branch = helper.make_graph([helper.make_node("Div", ["a", "b"], ["q"])],
                                    "then", [], [value("q", INT64, [4])])
    else_branch = helper.make_graph([helper.make_node("Sub", ["a", "b"], ["d"])],
                                    "else", [], [value("d", INT64, [4])])
    m = model([helper.make_node("If", ["c"], ["y"], then_branch=then_branch,
                                else_branch=else_branch)],
              [value("a", INT64, [4]), value("b", INT64, [4]), value("c", BOOL, [])],
              [value("y", INT64, [4])])
    a = np.array([7, -9, 12, 5], np.int64)
    return m, [{"a": a, "b": np.array([2, 4, -5, 1], np.int64), "c": np.array(True)},
               {"a": a, "b": np.zeros(4, np.int64), "c": np.array(False)}]


def loop_too_long_to_unroll():
    """5000 iterations of a 3-node body (more than the unrolling limit):
    a run-time loop with a scan output of 5000 rows."""
    body = helper.make_graph(
        [helper.make_node("Identity", ["cond_in"], ["cond_out"]),
         helper.make_node("Mul", ["s", "decay"], ["scaled"]),
         helper.make_node("Add", ["scaled", "x"], ["s_next"]),
         helper.make_node("Identity", ["s_next"], ["s_scan"])],
        "body", [value("i", INT64, []), value("cond_in", BOOL, []),
                 value("s", FLOAT, [2])],
        [value("cond_out", BOOL, []), value("s_next", FLOAT, [2]),
         value("s_scan", FLOAT, [2])])
    m = model([scalar("m", INT64, 5000),
               helper.make_node("Loop", ["m", "", "s0"], ["s", "all"], body=body)],
              [value("s0", FLOAT, [2]), value("x", FLOAT, [2]), value("decay", FLOAT, [2])],
              [value("s", FLOAT, [2]), value("all", FLOAT, [5000, 2])])
    return m, [{"s0": np.array([1, -1], np.float32), "x": np.array([0.5, 0.25], np.float32),
                "decay": np.array([0.999, 0.5], np.float32)}]


def loop_with_runtime_if():
    """A run-time trip count, and in the body an If on the iteration's
    parity (known only at run time inside the loop) reading outer values."""
    even = helper.make_graph([helper.make_node("Add", ["acc", "x"], ["e_out"])],
                             "even", [], [value("e_out", FLOAT, [3])])
    odd = helper.make_graph([helper.make_node("Mul", ["acc", "x"], ["o_out"])],
                            "odd", [], [value("o_out", FLOAT, [3])])
    body = helper.make_graph(
        [helper.make_node("Mod", ["i", "two"], ["parity"]),
         helper.make_node("Equal", ["parity", "zero"], ["is_even"]),
         helper.make_node("If", ["is_even"], ["acc_next"], then_branch=even,
                          else_branch=odd),
         helper.make_node("Identity", ["cond_in"], ["cond_out"])],
        "body", [value("i", INT64, []), value("cond_in", BOOL, []),
                 value("acc", FLOAT, [3])],
        [value("cond_out", BOOL, []), value("acc_next", FLOAT, [3])])
    m = model([scalar("two", INT64, 2), scalar("zero", INT64, 0),
               helper.make_node("Loop", ["m", "", "a0"], ["a"], body=body)],
              [value("m", INT64, [1]), value("a0", FLOAT, [3]), value("x", FLOAT, [3])],
              [value("a", FLOAT, [3])])
    a0 = np.array([0.5, -1, 2], np.float32)
    x = np.array([1.5, 0.75, -0.5], np.float32)
    return m, [{"m": np.array([count], np.int64), "a0": a0, "x": x} for count in (1, 6)]


def scan_cumsum_runtime_length():
    """A cumulative sum over a sequence whose length is a symbolic dimension
    of the model (T), compiled for 3000 entries: too long to unroll (3000
    iterations of 2 nodes), so an scf.for over the sequence."""
    body = helper.make_graph(
        [helper.make_node("Add", ["acc", "x"], ["acc_next"]),
         helper.make_node("Identity", ["acc_next"], ["running"])],
        "body", [value("acc", FLOAT, [3]), value("x", FLOAT, [3])],
        [value("acc_next", FLOAT, [3]), value("running", FLOAT, [3])])
    m = model([helper.make_node("Scan", ["acc0", "xs"], ["total", "sums"],
                                body=body, num_scan_inputs=1)],
              [value("acc0", FLOAT, [3]), value("xs", FLOAT, ["T", 3])],
              [value("total", FLOAT, [3]), value("sums", FLOAT, ["T", 3])], opset=11)
    rng = np.random.default_rng(6)
    return m, [{"acc0": rng.standard_normal(3).astype(np.float32),
                "xs": rng.uniform(-1, 1, (3000, 3)).astype(np.float32)}], ["--input-shape=xs:3000x3"]


def scan_backward_axis1():
    """A run-time Scan (2500 iterations of 4 nodes) reading scan input a
    along axis 1 backward and b along axis 0, writing the differences
    along axis 1 backward (prepended) and the states along axis 0."""
    body = helper.make_graph(
        [helper.make_node("Mul", ["s", "half"], ["decayed"]),
         helper.make_node("Add", ["decayed", "a"], ["s_next"]),
         helper.make_node("Sub", ["s_next", "b"], ["diff"]),
         helper.make_node("Identity", ["s_next"], ["s_out"])],
        "body", [value("s", FLOAT, [2]), value("a", FLOAT, [2]), value("b", FLOAT, [2])],
        [value("s_next", FLOAT, [2]), value("diff", FLOAT, [2]), value("s_out", FLOAT, [2])])
    m = model([helper.make_node("Constant", [], ["half"], value=helper.make_tensor(
                   "half_value", FLOAT, [], [0.5])),
               helper.make_node("Scan", ["s0", "xa", "xb"], ["s", "diffs", "states"],
                                body=body, num_scan_inputs=2, scan_input_axes=[1, 0],
                                scan_input_directions=[1, 0], scan_output_axes=[1, 0],
                                scan_output_directions=[1, 0])],
              [value("s0", FLOAT, [2]), value("xa", FLOAT, [2, 2500]),
               value("xb", FLOAT, [2500, 2])],
              [value("s", FLOAT, [2]), value("diffs", FLOAT, [2, 2500]),
               value("states", FLOAT, [2500, 2])], opset=11)
    rng = np.random.default_rng(7)
    return m, [{"s0": rng.standard_normal(2).astype(np.float32),
                "xa": rng.standard_normal((2, 2500)).astype(np.float32),
                "xb": rng.standard_normal((2500, 2)).astype(np.float32)}]


CASES = [while_data_dependent, loop_trip_count_input, if_untaken_division,
         loop_too_long_to_unroll, loop_with_runtime_if, scan_cumsum_runtime_length,
         scan_backward_axis1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    failed = False
    for case in CASES:
        m, input_sets, *flags = case()
        error = run_case(args.out, case.__name__, m, input_sets, "cpu", False,
                         *flags)
        print(f"case {case.__name__}: {error or 'ok'}")
        failed |= error is not None
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
