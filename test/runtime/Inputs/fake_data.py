"""Writes inputs and expected outputs of the fake model (fake_model.c) into
a directory, as .npy files and as ONNX TensorProto .pb files laid out like
the ONNX backend test data, plus deliberately broken files.

    y = 2*x + b  (float32 [2,3]; b int32 [3] broadcast over rows)
    total = sum(y)  (float64, rank 0)
"""
import os
import sys

import numpy as np
from onnx import helper, numpy_helper, TensorProto

out = sys.argv[1]
os.makedirs(os.path.join(out, "pb"), exist_ok=True)
os.makedirs(os.path.join(out, "typed"), exist_ok=True)

x = np.array([[0.5, -1.25, 2.0], [3.0, -0.75, 1.5]], dtype=np.float32)
b = np.array([1, -2, 3], dtype=np.int32)
y = (np.float32(2) * x + b.astype(np.float32)).astype(np.float32)
total = np.array(y.astype(np.float64).sum())


def save_npy(name, array):
    np.save(os.path.join(out, name + ".npy"), array)


def save_pb(path, array, name):
    with open(os.path.join(out, path), "wb") as f:
        f.write(numpy_helper.from_array(array, name).SerializeToString())


for name, array in [("x", x), ("b", b), ("y", y), ("total", total)]:
    save_npy(name, array)
save_pb("pb/input_0.pb", x, "x")
save_pb("pb/input_1.pb", b, "b")
save_pb("pb/output_0.pb", y, "y")
save_pb("pb/output_1.pb", total, "total")

# The same data in TensorProto's typed fields instead of raw_data.
def save_typed(path, array, name, dtype):
    tensor = helper.make_tensor(name, dtype, array.shape, array.flatten().tolist())
    with open(os.path.join(out, path), "wb") as f:
        f.write(tensor.SerializeToString())

save_typed("typed/input_0.pb", x, "x", TensorProto.FLOAT)
save_typed("typed/input_1.pb", b, "b", TensorProto.INT32)
save_typed("typed/output_0.pb", y, "y", TensorProto.FLOAT)
save_typed("typed/output_1.pb", total, "total", TensorProto.DOUBLE)

# Expected values that are off: one element by 1, one by 1e-4 (within the
# default rtol at that magnitude, and not within --rtol 0).
y_off = y.copy()
y_off[1, 2] += 1.0
y_off[0, 0] += 1e-4
save_npy("y_off", y_off)

# Broken files.
save_npy("x_f64", x.astype(np.float64))
save_npy("x_flat", x.flatten())
save_npy("x_fortran", np.asfortranarray(x))
np.save(os.path.join(out, "x_bigendian.npy"), x.astype(">f4"))
with open(os.path.join(out, "x.npy"), "rb") as f:
    whole = f.read()
with open(os.path.join(out, "x_truncated.npy"), "wb") as f:
    f.write(whole[:-5])
with open(os.path.join(out, "x_badmagic.npy"), "wb") as f:
    f.write(b"NOTNUMPY" + whole[8:])
with open(os.path.join(out, "garbage.pb"), "wb") as f:
    f.write(b"\xff\xff\xff\xff this is not a protobuf")
with open(os.path.join(out, "empty.pb"), "wb") as f:
    pass
bad = numpy_helper.from_array(x, "x")
bad.raw_data = bad.raw_data[:-4]
with open(os.path.join(out, "x_short_raw.pb"), "wb") as f:
    f.write(bad.SerializeToString())
with open(os.path.join(out, "not_a_library.so"), "w") as f:
    f.write("not an ELF file\n")
