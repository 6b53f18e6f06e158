"""Checks the accuracy budget's measurements in a precision report.

accuracy_budget_check.py REPORT METRIC BOUND: the model's sensitive product
(MatMul_6) alone breaks the budget and is kept; the others alone meet it
and are lowered; the result meets the budget and all lowered does not.
"""
import json
import sys

report, metric, bound = sys.argv[1], sys.argv[2], float(sys.argv[3])
data = json.load(open(report))
budget = data["accuracy_budget"]


def meets(error):
    if metric == "cosine":
        return error["cosine"] >= bound
    return error["rel_error"] <= bound


layers = {n["node"]: n for n in data["nodes"] if "error_alone" in n}
assert sorted(layers) == ["MatMul_4", "MatMul_6", "MatMul_7"], sorted(layers)
assert not meets(layers["MatMul_6"]["error_alone"]), layers["MatMul_6"]
assert layers["MatMul_6"]["kept_by_budget"] and layers["MatMul_6"]["precision"] == "fp32"
for name in ("MatMul_4", "MatMul_7"):
    assert meets(layers[name]["error_alone"]), layers[name]
    assert not layers[name]["kept_by_budget"] and layers[name]["precision"] == "int8"
assert budget["met"] and meets(budget["result"]), budget
assert not meets(budget["all_lowered"]), budget
assert budget["builds"] == 1 and budget["calibration_sets"] == 3, budget
print("ok:", {n: l["error_alone"] for n, l in layers.items()})
