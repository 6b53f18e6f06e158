"""Writes a model whose weights are large enough to be packed
(--autoglm-externalize-weights embed: 1024 bytes or more), its input and
the expected output, into the directory given.

y = x @ W + W2 with W[k, j] = (k * 2 + j) / 64 (256x2 floats, 2048 bytes) and
W2 a second packed constant of 256 floats: the model reads two weights at two
offsets of the one packed global.
"""

import sys

import numpy as np

out = sys.argv[1]
w = ((np.arange(256)[:, None] * 2 + np.arange(2)[None, :]) / 64).astype(np.float32)
b = (np.arange(256, dtype=np.float32) / 8).reshape(1, 256)
x = np.linspace(-1, 1, 256, dtype=np.float32).reshape(1, 256)


def dense(a):
    return "dense<[" + ", ".join(
        "[" + ", ".join(repr(float(v)) for v in row) + "]" for row in a) + "]>"


with open(f"{out}/model.mlir", "w") as f:
    f.write(f"""func.func @main(%x: tensor<1x256xf32> {{autoglm.onnx_name = "x"}}) -> (tensor<1x2xf32> {{autoglm.onnx_name = "y"}}, tensor<1x256xf32> {{autoglm.onnx_name = "z"}}) {{
  %w = arith.constant {dense(w)} : tensor<256x2xf32>
  %b = arith.constant {dense(b)} : tensor<1x256xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2xf32>) -> tensor<1x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<1x256xf32>, tensor<256x2xf32>) outs(%f : tensor<1x2xf32>) -> tensor<1x2xf32>
  %e2 = tensor.empty() : tensor<1x256xf32>
  %z = linalg.add ins(%x, %b : tensor<1x256xf32>, tensor<1x256xf32>) outs(%e2 : tensor<1x256xf32>) -> tensor<1x256xf32>
  return %y, %z : tensor<1x2xf32>, tensor<1x256xf32>
}}
""")
np.save(f"{out}/x.npy", x)
np.save(f"{out}/y.npy", x @ w)
np.save(f"{out}/z.npy", x + b)
