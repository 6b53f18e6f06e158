// RUN: not autoglm-opt %s --autoglm-cuda-decode-attention-kernels 2>&1 | FileCheck %s

// A cache and its new rows in buffers whose strides are not known at
// compile time: the two parts are read through flat views whose offsets
// come from static strides, so the kernels refuse them with an error
// rather than compute wrong offsets.
// CHECK: error: decode attention on CUDA reads a cache and its new rows through buffers of static strides
func.func @dynamic_strides(%q: memref<1x8x1x64xf32>, %k: memref<1x2x511x64xf32, strided<[?, ?, ?, 1], offset: ?>>, %v: memref<1x2x511x64xf32>, %nk: memref<1x2x1x64xf32>, %nv: memref<1x2x1x64xf32>, %out: memref<1x8x1x64xf32>) {
  autoglm.decode_attention %q, %k, %v new %nk, %nv : memref<1x2x1x64xf32>, memref<1x2x1x64xf32> into %out {scale = 1.250000e-01 : f64, sink = 0 : i64, top_k = 512 : i64, window = 0 : i64} : memref<1x8x1x64xf32>, memref<1x2x511x64xf32, strided<[?, ?, ?, 1], offset: ?>>, memref<1x2x511x64xf32> into memref<1x8x1x64xf32>
  return
}
