"""A batch-polymorphic artifact against unbatched runs and ONNX Runtime.

Usage: batch_sizes.py MODEL.onnxtxt SIZES.so B1.so WORKDIR ROWS...

For each request size in ROWS, runs a request of that many rows through
`autoglm-run SIZES.so --batch N` (the runtime pads it or splits it across the
artifact's sizes) and checks that every row of its outputs equals, element
for element, the same row run alone on B1.so (the model compiled for batch
1), and is within 1e-5 + 1e-4 * |ort| of ONNX Runtime on the whole request.
Prints one line per request size; exits 1 on any difference.
"""

import pathlib
import subprocess
import sys

import numpy as np
import onnx
import onnx.parser
import onnxruntime as ort


def run(args):
    result = subprocess.run(args, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def main():
    model_path, sizes_so, b1_so, workdir = sys.argv[1:5]
    rows_list = [int(r) for r in sys.argv[5:]]
    work = pathlib.Path(workdir)
    work.mkdir(parents=True, exist_ok=True)
    model = onnx.parser.parse_model(pathlib.Path(model_path).read_text())
    session = ort.InferenceSession(model.SerializeToString())
    name = session.get_inputs()[0].name
    failures = 0
    for rows in rows_list:
        rng = np.random.default_rng(rows)
        shape = [rows] + list(session.get_inputs()[0].shape[1:])
        data = rng.standard_normal(shape).astype(np.float32)
        np.save(work / f"in{rows}.npy", data)
        out_dir = work / f"out{rows}"
        plan = run(["autoglm-run", sizes_so, "--batch", str(rows),
                    "--input", f"{name}={work / f'in{rows}.npy'}",
                    "--output-dir", str(out_dir), "--threads", "1"])
        batched = np.load(out_dir / "output_0.npy")
        alone = []
        for r in range(rows):
            np.save(work / f"in{rows}_{r}.npy", data[r:r + 1])
            row_dir = work / f"out{rows}_{r}"
            run(["autoglm-run", b1_so, "--input",
                 f"{name}={work / f'in{rows}_{r}.npy'}",
                 "--output-dir", str(row_dir), "--threads", "1"])
            alone.append(np.load(row_dir / "output_0.npy"))
        alone = np.concatenate(alone)
        expected = session.run(None, {name: data})[0]
        equal = batched.shape == alone.shape and np.array_equal(batched, alone)
        close = np.all(np.abs(batched - expected) <= 1e-5 + 1e-4 * np.abs(expected))
        print(f"batch {rows}: {plan.splitlines()[0]}; shape {list(batched.shape)}; "
              f"rows equal to unbatched runs: {'yes' if equal else 'NO'}; "
              f"within tolerance of onnxruntime: {'yes' if close else 'NO'}")
        failures += (not equal) + (not close)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
