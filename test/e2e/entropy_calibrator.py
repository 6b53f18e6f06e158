"""The entropy (KL) calibrator on known distributions.

    entropy_calibrator.py --bin BUILD/bin --work DIR

Writes calibration caches whose histogram of |x| is a known distribution
for the one product of test/Compiler/precision.onnxtxt, compiles with
--calibrator=entropy and reads the clipping threshold the precision report
gives (input_max; the range is symmetric here). Checks it against what the
distribution calls for and against a reference written here with numpy:
    uniform on [0, A]: no clipping, the threshold is A;
    |N(0, 1)| with absmax about 5: clipped inside the range, above 2;
    |N(0, 1)| plus ten outliers at 100: clipped to at most 7 (minmax keeps
        100);
    the reference's threshold for each, within one bin.
Exits 1 with a message when a check fails.
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np

BINS, LEVELS = 2048, 128
HERE = os.path.dirname(os.path.abspath(__file__))
MODEL = os.path.join(HERE, "..", "Compiler", "precision.onnxtxt")


def reference_threshold(hist, absmax):
    """TensorRT's entropy calibration, as the compiler documents it."""
    hist = np.asarray(hist, np.float64)
    best, best_kl = BINS, np.inf
    for i in range(LEVELS, BINS + 1):
        sliced = hist[:i].copy()
        kept, clipped = sliced.sum(), hist[i:].sum()
        if kept == 0:
            continue
        q = np.zeros(i)
        edges = [g * i // LEVELS for g in range(LEVELS + 1)]
        for g in range(LEVELS):
            part = sliced[edges[g]:edges[g + 1]]
            nonzero = part > 0
            if nonzero.any():
                q[edges[g]:edges[g + 1]][nonzero] = part.sum() / nonzero.sum() / kept
        p = sliced
        p[i - 1] += clipped
        p = p / (kept + clipped)
        mask = p > 0
        qm = np.where(q[mask] > 0, q[mask], 1e-4)
        kl = float(np.sum(p[mask] * np.log(p[mask] / qm)))
        if kl < best_kl - 1e-12:
            best, best_kl = i, kl
    return absmax * best / BINS


def compiled_threshold(name, hist, absmax):
    cache = os.path.join(args.work, f"{name}.json")
    report = os.path.join(args.work, f"{name}.report.json")
    with open(cache, "w") as f:
        json.dump({"format": "autoglm-calibration-1", "sets": 1, "bins": BINS,
                   "tensors": {"calibration:MatMul_2": {
                       "min": -absmax, "max": absmax, "absmax": absmax,
                       "histogram": [int(c) for c in hist]}}}, f)
    subprocess.run([os.path.join(args.bin, "autoglm-opt"), MODEL, "--precision=int8",
                    "--calibrator=entropy", f"--calibration-cache={cache}",
                    f"--precision-report={report}", "--emit=mlir", "-o", os.devnull],
                   check=True)
    nodes = json.load(open(report))["nodes"]
    return next(n for n in nodes if n.get("precision") == "int8")["input_max"]


def histogram(samples, absmax):
    hist, _ = np.histogram(np.abs(samples), bins=BINS, range=(0, absmax))
    return hist


parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--bin", required=True)
parser.add_argument("--work", required=True)
args = parser.parse_args()
os.makedirs(args.work, exist_ok=True)

rng = np.random.default_rng(0)
gauss = rng.normal(0, 1, 200_000)
cases = {
    "uniform": (np.full(BINS, 50), 3.0, lambda t, a: t == a),
    "gauss": (histogram(gauss, np.abs(gauss).max()), float(np.abs(gauss).max()),
              lambda t, a: 2 < t < a),
    "outliers": (histogram(np.concatenate([gauss, np.full(10, 100.0)]), 100.0), 100.0,
                 lambda t, a: t <= 7),
}
failed = False
for name, (hist, absmax, expected) in cases.items():
    got = compiled_threshold(name, hist, absmax)
    want = reference_threshold(hist, absmax)
    ok = expected(got, absmax) and abs(got - want) <= absmax / BINS * 1.001
    print(f"{name}: absmax {absmax:.4g}, threshold {got:.4g} (reference {want:.4g})"
          f"{'' if ok else ': FAIL'}")
    failed |= not ok
sys.exit(1 if failed else 0)
