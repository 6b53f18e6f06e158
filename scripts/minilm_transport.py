#!/usr/bin/env python3
"""The trained MiniLM (bench/models.py `minilm`) on a machine that cannot
receive its 90 MB of float32 weights, such as the GPU machine of
docs/cuda.md (at most 64 MiB travel there, the package included).

    minilm_transport.py pack DIR            # here: DIR/minilm-int8.npz + inputs
    minilm_transport.py unpack DIR OUT.onnx # there: the model, float32 again
    minilm_transport.py compare OUT.onnx DIR OUTPUTS_DIR
                                            # ONNX Runtime (CPU) on the same
                                            # model and inputs vs OUTPUTS_DIR/
                                            # output_0.npy (autoglm-run's)

`pack` stores every float initializer of 1 KiB or more as int8 with one
float32 scale per row (symmetric; rows of the first axis), the rest as they
are, plus the graph, and a batch of 8 tokenized sentences (paraphrase pairs
(0,1), (2,3), ...). `unpack` rebuilds the model with the weights
dequantized to float32: the trained weights to within half a step of
their row's int8 grid, the same model for both runtimes that `compare`
checks against each other (cosine of each embedding, and that every
sentence's nearest other sentence is its paraphrase).
"""
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))


def pack(out_dir):
    sys.path.insert(0, os.path.join(HERE, "..", "bench"))
    import models
    import run as bench_run

    model = models.build("minilm", 0)
    shapes = {"input_ids": [8, 128], "attention_mask": [8, 128], "token_type_ids": [8, 128]}
    feeds = bench_run.model_inputs("minilm", model, shapes, 8)
    arrays = {}
    for init in model.graph.initializer:
        value = numpy_helper.to_array(init)
        if value.dtype == np.float32 and value.nbytes >= 1024:
            rows = value.reshape(value.shape[0], -1) if value.ndim > 1 else value.reshape(1, -1)
            scale = np.abs(rows).max(axis=1, keepdims=True) / 127.0
            scale[scale == 0] = 1.0
            arrays["q:" + init.name] = np.round(rows / scale).astype(np.int8)
            arrays["s:" + init.name] = scale.astype(np.float32)
            arrays["shape:" + init.name] = np.array(value.shape, dtype=np.int64)
        else:
            arrays["raw:" + init.name] = value
    del model.graph.initializer[:]
    arrays["graph"] = np.frombuffer(model.SerializeToString(), dtype=np.uint8)
    os.makedirs(out_dir, exist_ok=True)
    np.savez_compressed(os.path.join(out_dir, "minilm-int8.npz"), **arrays)
    for name, value in feeds.items():
        np.save(os.path.join(out_dir, name + ".npy"), value)


def unpack(in_dir, out_path):
    data = np.load(os.path.join(in_dir, "minilm-int8.npz"))
    model = onnx.load_from_string(data["graph"].tobytes())
    for key in data.files:
        if key.startswith("q:"):
            name = key[2:]
            value = (data[key].astype(np.float32) * data["s:" + name]).reshape(data["shape:" + name])
        elif key.startswith("raw:"):
            name, value = key[4:], data[key]
        else:
            continue
        model.graph.initializer.append(numpy_helper.from_array(value, name))
    onnx.save(model, out_path)


def compare(model_path, in_dir, outputs_dir):
    import onnxruntime as ort

    session = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])
    feeds = {i.name: np.load(os.path.join(in_dir, i.name + ".npy")) for i in session.get_inputs()}
    ref = session.run(None, feeds)[0].astype(np.float64)
    ours = np.load(os.path.join(outputs_dir, "output_0.npy")).astype(np.float64)
    cos = (ours * ref).sum(1) / (np.linalg.norm(ours, axis=1) * np.linalg.norm(ref, axis=1))
    sim = ours @ ours.T
    paired = all(sim[i, i ^ 1] > max(sim[i, j] for j in range(8) if j not in (i, i ^ 1))
                 for i in range(8))
    print(f"minilm (trained, int8-transported) batch 8: max abs error {np.abs(ours - ref).max():.2e}, "
          f"min cosine {cos.min():.6f}, paraphrases ranked first: {paired}")
    return 0 if cos.min() >= 0.9999 and paired else 1


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "pack":
        pack(sys.argv[2])
        return 0
    if len(sys.argv) == 4 and sys.argv[1] == "unpack":
        unpack(sys.argv[2], sys.argv[3])
        return 0
    if len(sys.argv) == 5 and sys.argv[1] == "compare":
        return compare(sys.argv[2], sys.argv[3], sys.argv[4])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
