#!/usr/bin/env python3
"""Compiles every ONNX backend node test model that imports, runs it on its
test data with autoglm-run, and compares with the expected outputs that ship
with the test, at the ONNX backend's tolerances (rtol 1e-3, atol 1e-7).

    backend_conformance.py --bin-dir build/bin [--data-dir build/onnx-node-tests]
        [--target cpu|cuda] [--compile-only]
        [--markdown docs/backend-conformance.md] [--min-passed N]
        [--floors test/conformance/backend-floors.json] [--write-floors FILE]

Per operator (single-node models): passed / wrong numbers / not compiled /
not run. Exit status 1 when the total passed count is below --min-passed, an
operator passes fewer tests than its floor in --floors, or a compile or a run
crashes. --write-floors records today's per-operator passed counts.
--target=cuda compiles for the GPU and runs with `autoglm-run --device cuda`;
--compile-only stops after compiling (on a machine without the target's
device): "passed" then means compiled.

When the importer reports that a structural parameter (axes, pads, sizes, k)
comes straight from a graph input, the test is compiled again with that input
fixed by `--input-value=NAME:input_<i>.pb` from its test data (the node tests
feed such parameters as inputs; a deployment fixes them), and run on the
remaining inputs; the summary says how many passed tests needed it.
"""
from __future__ import annotations

import argparse
import collections
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_node_tests  # noqa: E402

PASSED, MISMATCH, NO_IMPORT, NO_COMPILE, RUN_ERROR, CRASHED = (
    "passed", "wrong-numbers", "not-imported", "not-compiled", "run-error", "crashed")


# Out of scope, and still counted in the totals: training operators, the
# ai.onnx.ml domain, string tensors, sequence and optional values. A compiled
# model is an inference graph of numeric tensors; its C ABI has no string,
# sequence or optional values.
OUT_OF_SCOPE = (
    ("training operators (Adam, Adagrad, Momentum, Gradient)", "training"),
    ("operators of the ai.onnx.ml domain", "ml"),
    ("string tensors", "string"),
    ("sequence or optional values", "sequence"),
)


def scope(graph) -> str | None:
    """The out-of-scope category of a test's graph (OUT_OF_SCOPE), or None."""
    def kinds(value_type, found):
        which = value_type.WhichOneof("value")
        if which in ("sequence_type", "optional_type"):
            found.add("sequence")
        elif which == "tensor_type" and value_type.tensor_type.elem_type == 8:
            found.add("string")
    found: set[str] = set()
    for node in graph.node:
        if node.domain == "ai.onnx.preview.training":
            found.add("training")
        elif node.domain == "ai.onnx.ml":
            found.add("ml")
        elif node.op_type.startswith(("Sequence", "Optional")) or node.op_type in (
                "SplitToSequence", "ConcatFromSequence"):
            found.add("sequence")
        elif node.op_type in ("StringNormalizer", "StringConcat", "StringSplit",
                              "RegexFullMatch"):
            found.add("string")
    for value in list(graph.input) + list(graph.output):
        kinds(value.type, found)
    for _, key in OUT_OF_SCOPE:
        if key in found:
            return key
    return None


def crashed(proc: subprocess.CompletedProcess) -> bool:
    err = proc.stderr.decode(errors="replace") if proc.stderr else ""
    return onnx_node_tests.crashed(proc.returncode, err)


def first_error(proc: subprocess.CompletedProcess) -> str:
    err = proc.stderr.decode(errors="replace") + proc.stdout.decode(errors="replace")
    lines = [l for l in err.splitlines() if "error" in l or "mismatch" in l]
    return (lines[0] if lines else err.strip()[-200:])[:300]


# The importer's hint when a structural parameter (axes, pads, sizes, k)
# comes straight from a graph input: the node tests feed such parameters as
# inputs, and a deployment fixes them at compile time.
INPUT_VALUE_HINT = re.compile(r"give its value with --input-value=(.+):FILE\.pb")


def graph_inputs(model_path: str) -> list[str]:
    """The graph inputs that test_data_set_0/input_<i>.pb feed, in order."""
    import onnx
    graph = onnx.load(model_path, load_external_data=False).graph
    initializers = {t.name for t in graph.initializer}
    return [i.name for i in graph.input if i.name not in initializers]


def check(bin_dir: str, test_dir: str, work: str, timeout: float, target: str,
          compile_only: bool) -> tuple[str, str, list[str]]:
    """The test's status, why it failed, and the inputs fixed at compile time."""
    name = os.path.basename(test_dir)
    lib = os.path.join(work, name + ".so")
    model = os.path.join(test_dir, "model.onnx")
    data = os.path.join(test_dir, "test_data_set_0")
    inputs: list[str] | None = None
    fixed: list[str] = []
    while True:
        try:
            proc = subprocess.run([os.path.join(bin_dir, "autoglm-opt"), model,
                                   "--emit=so", f"--target={target}", "-o", lib]
                                  + [f"--input-value={n}:{data}/input_{inputs.index(n)}.pb"
                                     for n in fixed],
                                  capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return CRASHED, "compilation hung", fixed
        if crashed(proc):
            return CRASHED, first_error(proc), fixed
        if proc.returncode == 0:
            break
        err = proc.stderr.decode(errors="replace")
        # A structural parameter fed by a graph input: compile again with the
        # test's value for that input (each input at most once).
        hint = INPUT_VALUE_HINT.search(err)
        if hint:
            inputs = inputs if inputs is not None else graph_inputs(model)
            wanted = hint.group(1)
            if wanted in inputs and wanted not in fixed and os.path.exists(
                    os.path.join(data, f"input_{inputs.index(wanted)}.pb")):
                fixed.append(wanted)
                continue
        # Models the importer rejects are counted by the import conformance.
        importer = "unsupported operator" in err or "must be known when" in err or \
            "not supported" in err or "oldest supported" in err or "imports no opset" in err
        return (NO_IMPORT if importer else NO_COMPILE), first_error(proc), fixed
    if compile_only:
        os.remove(lib)
        return PASSED, "", fixed
    # Inputs fixed at compile time left the model: feed the others by name.
    feed = (["--input-dir", data] if not fixed else
            [arg for i, n in enumerate(inputs) if n not in fixed
             for arg in ("--input", f"{n}={data}/input_{i}.pb")])
    try:
        proc = subprocess.run([os.path.join(bin_dir, "autoglm-run"), lib] + feed
                              + ["--expect-dir", data,
                                 "--rtol", "1e-3", "--atol", "1e-7", "--threads", "1"]
                              # On the GPU the second run replays the CUDA
                              # graph: its outputs are the ones checked.
                              + (["--device", target, "--repeat", "2"]
                                 if target != "cpu" else []),
                              capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return CRASHED, "run hung", fixed
    finally:
        if os.path.exists(lib):
            os.remove(lib)
    if crashed(proc):
        return CRASHED, first_error(proc), fixed
    if proc.returncode == 0:
        return PASSED, "", fixed
    out = proc.stdout.decode(errors="replace") + proc.stderr.decode(errors="replace")
    return (MISMATCH if "max abs error" in out else RUN_ERROR), first_error(proc), fixed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin-dir", required=True)
    parser.add_argument("--data-dir", default="build/onnx-node-tests")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--min-passed", type=int, default=0)
    parser.add_argument("--filter", default="", help="only tests whose name contains this")
    parser.add_argument("--markdown")
    parser.add_argument("--floors", help="JSON {operator: minimum passed}")
    parser.add_argument("--write-floors", help="write the per-operator passed counts as JSON")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--target", default="cpu", choices=("cpu", "cuda"))
    parser.add_argument("--compile-only", action="store_true")
    args = parser.parse_args()

    names = [n for n in onnx_node_tests.materialize(args.data_dir) if args.filter in n]
    work = tempfile.mkdtemp(prefix="autoglm-backend-")
    dirs = {n: os.path.join(args.data_dir, n) for n in names}
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        results = dict(zip(names, pool.map(
            lambda n: check(args.bin_dir, dirs[n], work, args.timeout, args.target,
                            args.compile_only), names)))
    os.rmdir(work)

    import onnx
    totals = collections.Counter(s for s, _, _ in results.values())
    fixed_passed = sorted(n for n, (s, _, fixed) in results.items() if s == PASSED and fixed)
    per_op: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    out_of_scope: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for n in names:
        graph = onnx.load(os.path.join(dirs[n], "model.onnx"), load_external_data=False).graph
        category = scope(graph)
        if category:
            out_of_scope[category][results[n][0]] += 1
        if len(graph.node) == 1:
            per_op[graph.node[0].op_type][results[n][0]] += 1
    for n in names:
        status, why, _ = results[n]
        if status == CRASHED or (args.verbose and status not in (PASSED, NO_IMPORT)):
            print(f"{status:14} {n}: {why}")
    summary = (f"{totals[PASSED]} passed, {totals[MISMATCH]} wrong numbers, "
               f"{totals[NO_COMPILE]} not compiled, {totals[RUN_ERROR]} run errors, "
               f"{totals[CRASHED]} crashed; {totals[NO_IMPORT]} not imported; "
               f"of {len(names)} ONNX backend node tests (--target={args.target}"
               f"{', compiled only' if args.compile_only else ''})")
    print(summary)
    fixed_line = (f"{len(fixed_passed)} of the passed tests take a structural parameter "
                  "(axes, pads, sizes, k, ...) as a graph input, fixed at compile time "
                  "with --input-value from the test's input file")
    print(fixed_line)
    if args.markdown:
        with open(args.markdown, "w") as f:
            gpu = args.target == "cuda"
            f.write("# Backend conformance: ONNX node tests compiled and run"
                    + (" on the GPU" if gpu else "") + "\n\n")
            f.write(f"Generated by `scripts/backend_conformance.py` (onnx {onnx.__version__}): "
                    "each model is compiled with `autoglm-opt --emit=so"
                    + (" --target=cuda" if gpu else "") + "`, run by `autoglm-run"
                    + (" --device cuda --repeat 2` (the outputs checked are the second "
                       "run's, a CUDA graph replay)" if gpu else "`")
                    + " on `test_data_set_0`, and compared with the expected "
                    "outputs at the ONNX backend's tolerances (rtol 1e-3, atol 1e-7). "
                    "Where the importer reports a structural parameter that comes straight "
                    "from a graph input (the node tests feed axes, pads, sizes, `k`, ... as "
                    "inputs), the model is compiled again with that input fixed by "
                    "`--input-value=NAME:input_<i>.pb` and run on the remaining inputs.\n\n")
            f.write(f"**{summary}.** {fixed_line[0].upper() + fixed_line[1:]}.\n\n")
            scoped = sum(sum(c.values()) for c in out_of_scope.values())
            f.write(f"Out of scope, and counted in the total above: {scoped} tests, "
                    + ", ".join(f"{sum(out_of_scope[key].values())} with {what} "
                                f"({out_of_scope[key][PASSED]} passed)"
                                for what, key in OUT_OF_SCOPE)
                    + ". A compiled model is an inference graph of numeric tensors: its C "
                    "ABI has no string, sequence or optional values, and training "
                    "operators and the classical-ML domain are not what it is for. "
                    f"Of the {len(names) - scoped} tests in scope, "
                    f"{totals[PASSED] - sum(c[PASSED] for c in out_of_scope.values())} pass.\n\n")
            f.write("Per operator, single-node models. The suite "
                    "(`test/conformance/backend-tests.test`) enforces the total and each "
                    "operator's passed count as floors "
                    "(`test/conformance/backend-floors.json`, written by `--write-floors`):\n\n")
            f.write("| operator | passed | wrong numbers | not compiled | run error | not imported |\n"
                    "| --- | --- | --- | --- | --- | --- |\n")
            for op in sorted(per_op):
                c = per_op[op]
                f.write(f"| {op} | {c[PASSED]} | {c[MISMATCH]} | {c[NO_COMPILE]} | "
                        f"{c[RUN_ERROR] + c[CRASHED]} | {c[NO_IMPORT]} |\n")
    if args.write_floors:
        with open(args.write_floors, "w") as f:
            json.dump({op: per_op[op][PASSED] for op in sorted(per_op) if per_op[op][PASSED]},
                      f, indent=1, sort_keys=True)
            f.write("\n")
    below = []
    if args.floors:
        with open(args.floors) as f:
            floors = json.load(f)
        below = [(op, per_op[op][PASSED], floor) for op, floor in sorted(floors.items())
                 if per_op[op][PASSED] < floor]
        for op, passed, floor in below:
            print(f"FAIL: {op} passed {passed} of its tests, below its floor of {floor}")
        print(f"per-operator floors: {len(floors) - len(below)} of {len(floors)} operators at or above")
    ok = totals[CRASHED] == 0 and totals[PASSED] >= args.min_passed and not below
    if totals[PASSED] < args.min_passed:
        print(f"FAIL: {totals[PASSED]} passed is below the floor of {args.min_passed}")
    if totals[CRASHED]:
        print("FAIL: a compile or a run crashed or hung")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
