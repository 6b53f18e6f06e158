"""Checks an autoglm-opt --report file against the model it was compiled
from and the memory report of the same run:

    check_report.py REPORT.json MODEL MEMORY.json [--cuda]
"""
import hashlib
import json
import sys

report = json.load(open(sys.argv[1]))
model = sys.argv[2]
memory = json.load(open(sys.argv[3]))
cuda = "--cuda" in sys.argv


def check(condition, what):
    if not condition:
        sys.exit(f"check_report: {what}\n{json.dumps(report, indent=1)[:4000]}")


data = open(model, "rb").read()
check(report["input"]["sha256"] == hashlib.sha256(data).hexdigest(), "model sha256")
check(report["input"]["bytes"] == len(data), "model bytes")

# The memory numbers are the planner's own report.
check(report["memory"]["arena_bytes"] == memory["arena_bytes"], "arena bytes")
check(report["memory"]["lower_bound_bytes"] == memory["lower_bound_bytes"],
      "lower bound")
check(report["memory"]["plan"] == memory, "the planner's report, whole")

# Op counts chain from one graph pass to the next.
passes = report["graph_passes"]
check([p["pass"] for p in passes][0] == "autoglm-infer-shapes", "first pass")
check(any(p["pass"] == "autoglm-fuse" for p in passes), "fuse ran")
for before, after in zip(passes, passes[1:]):
    check(before["ops_after"] == after["ops_before"], "op counts chain")

kernels = report["kernels"]
check(kernels["count"] == sum(kernels["by_kind"].values()), "kernels by kind")
if cuda:
    check(len(kernels["device_kernels"]) > 0, "CUDA kernel names")
    check(all(isinstance(n, str) and n for n in kernels["device_kernels"]),
          "kernel names are names")

# Every phase is timed, emission with its steps.
phases = [p["name"] for p in report["compile_time"]["phases"]]
for phase in ["import", "graph", "kernels", "lowering", "codegen", "emission"]:
    check(phase in phases, f"phase {phase} timed")
check(all(p["wall_ms"] >= 0 for p in report["compile_time"]["phases"]), "times")
check(report["compile_time"]["total_ms"] >= 0, "total time")
print("report ok:", report["target"], kernels["count"], "kernels,",
      report["weights"]["bytes"], "weights bytes")
