"""Checks for test/bench/harness.test.

    check_results.py results DIR MODEL   # DIR/results.json is complete and MODEL agrees
    check_results.py exit-code N CMD...  # CMD exits with status N
"""
import json
import math
import os
import subprocess
import sys
import xml.dom.minidom


def fail(message):
    sys.exit(f"check_results.py: {message}")


def check_results(directory, model):
    with open(os.path.join(directory, "results.json")) as f:
        results = json.load(f)
    entries = [m for m in results["models"] if m["name"] == model]
    if len(entries) != 1:
        fail(f"{model} not in results.json")
    batches = entries[0].get("batches", [])
    if [b["batch"] for b in batches] != [1, 4]:
        fail(f"expected batches 1 and 4, got {[b['batch'] for b in batches]}")
    for b in batches:
        where = f"{model} batch {b['batch']}"
        for key in ("compile", "autoglm", "ort"):
            if "error" in b.get(key, {"error": "missing"}):
                fail(f"{where}: {key}: {b.get(key, {}).get('error', 'missing')}")
        ratio = b.get("ratio")
        if not isinstance(ratio, float) or not math.isfinite(ratio) or ratio <= 0:
            fail(f"{where}: no ratio ({ratio})")
        for runner in ("autoglm", "ort"):
            r = b[runner]
            if not (0 < r["min_ms"] <= r["median_ms"] <= r["max_ms"]) or r["runs"] < 3:
                fail(f"{where}: {runner} timings inconsistent: {r}")
            if not r["peak_rss_mb"] > 0:
                fail(f"{where}: {runner} has no peak memory")
        if not b["compile"]["seconds"] > 0:
            fail(f"{where}: no compile time")
        g = b.get("agreement", {})
        # Float32, same math: well within the harness's own tolerance.
        if not g.get("ok") or g["max_abs"] > 1e-4 or g["min_cosine"] < 0.99999 or g.get("top1_agree") != 1.0:
            fail(f"{where}: outputs disagree with ONNX Runtime: {g}")
    xml.dom.minidom.parse(os.path.join(directory, "results.svg"))
    print(f"{model}: ok")


def main():
    if sys.argv[1] == "results":
        check_results(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "exit-code":
        code = subprocess.run(sys.argv[3:]).returncode
        if code != int(sys.argv[2]):
            fail(f"{' '.join(sys.argv[3:])} exited {code}, expected {sys.argv[2]}")
    else:
        fail(f"unknown check {sys.argv[1]}")


if __name__ == "__main__":
    main()
