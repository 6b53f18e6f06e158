"""Prints a weights file's header and the values at given offsets, for the
externalize-weights lit test (layout: runtime/include/autoglm/model_abi.h)."""
import struct
import sys

import numpy as np

data = open(sys.argv[1], "rb").read()
magic, data_bytes, _fingerprint = struct.unpack_from("<8sQQ", data)
print(f"magic {magic.decode()} data_bytes {data_bytes} size {len(data)}")
body = data[64:]
for dtype, offset, count in (("float32", 0, 24), ("float32", 128, 20),
                             ("float16", 256, 32)):
    values = np.frombuffer(body, dtype=dtype, count=count, offset=offset)
    print(f"{dtype} at {offset}: " + " ".join(str(float(v)) for v in values))
flags = np.frombuffer(body, dtype=np.uint8, count=128, offset=320)
print(f"bool at 320: {int((flags == 1).sum())} of {len(flags)} true")
padding = body[96:128] + body[208:256]
print("padding zero:", padding == bytes(len(padding)))
