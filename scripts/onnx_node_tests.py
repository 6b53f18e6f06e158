"""The ONNX backend node tests, materialized on disk.

The `onnx` wheel ships the node test *cases* (models and input/expected
output arrays, `onnx.backend.test.case.node`) but not the data directory;
`materialize()` writes them in the layout of `onnx/backend/test/data/node`:
`<dir>/<test name>/model.onnx` and `test_data_set_0/{input,output}_<i>.pb`. Also the crash test shared by the
scripts that run the compiler over these models.
"""
from __future__ import annotations

import fcntl
import os
import warnings


def crashed(returncode: int, stderr: str) -> bool:
    """Whether a tool run ended in a crash rather than a clean exit: a
    signal, a sanitizer report, or LLVM's crash handler's stack dump."""
    return returncode < 0 or "Sanitizer" in stderr or "Stack dump" in stderr


def _write_tensor(path: str, value, name: str) -> None:
    from onnx import TensorProto, numpy_helper

    proto = value if isinstance(value, TensorProto) else numpy_helper.from_array(value, name)
    with open(path, "wb") as f:
        f.write(proto.SerializeToString())


def materialize(out_dir: str) -> list[str]:
    """Writes every node test under `out_dir` (once) and returns their names."""
    import ml_dtypes
    import onnx
    import onnx.backend.test.case.node as node_cases

    os.makedirs(out_dir, exist_ok=True)
    # Several tests may ask at once: the first writes, the others wait.
    # The expected outputs are computed by onnx's reference code, whose
    # packed types (int4, float8, ...) are ml_dtypes': data written by other
    # versions of either is written again.
    version = f"{onnx.__version__}-ml_dtypes-{ml_dtypes.__version__}"
    with open(os.path.join(out_dir, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _materialize_locked(out_dir, version, node_cases)


def _materialize_locked(out_dir: str, version: str, node_cases) -> list[str]:
    stamp = os.path.join(out_dir, f".complete-onnx-{version}")
    if os.path.exists(stamp):
        return sorted(d for d in os.listdir(out_dir) if d.startswith("test_"))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cases = node_cases.collect_testcases()
    names = []
    for case in cases:
        test_dir = os.path.join(out_dir, case.name)
        os.makedirs(test_dir, exist_ok=True)
        with open(os.path.join(test_dir, "model.onnx"), "wb") as f:
            f.write(case.model.SerializeToString())
        graph = case.model.graph
        for i, (inputs, outputs) in enumerate(case.data_sets or []):
            data_dir = os.path.join(test_dir, f"test_data_set_{i}")
            os.makedirs(data_dir, exist_ok=True)
            for j, value in enumerate(inputs):
                if j < len(graph.input) and graph.input[j].type.HasField("tensor_type"):
                    _write_tensor(os.path.join(data_dir, f"input_{j}.pb"), value, graph.input[j].name)
            for j, value in enumerate(outputs):
                if j < len(graph.output) and graph.output[j].type.HasField("tensor_type"):
                    _write_tensor(os.path.join(data_dir, f"output_{j}.pb"), value, graph.output[j].name)
        names.append(case.name)
    open(stamp, "w").close()
    return sorted(names)
