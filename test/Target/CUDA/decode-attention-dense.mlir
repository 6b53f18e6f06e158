// RUN: autoglm-opt %s --autoglm-cuda-select-decode-attention | FileCheck %s --check-prefix=SELECT
// RUN: autoglm-opt %s --autoglm-cuda-select-decode-attention --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --autoglm-cuda-decode-attention-kernels | FileCheck %s --check-prefix=KERNELS

// Dense decode attention (one query token, 8 query heads over 2 key/value
// heads, a cache of 3000 keys, a boolean mask) leaves its region as a
// decode_attention that keeps every key: top_k = 3000, no sink or window.
// SELECT-LABEL: func.func @decode
// SELECT-NOT:     autoglm.fused
// SELECT:         %[[INIT:.*]] = tensor.empty() : tensor<1x8x1x64xf16>
// SELECT:         %[[R:.*]] = autoglm.decode_attention %arg0, %arg1, %arg2 mask %arg3 : tensor<1x1x1x3000xi1> into %[[INIT]]
// SELECT-SAME:      causal
// SELECT-SAME:      sink = 0 : i64, top_k = 3000 : i64, window = 0 : i64
// SELECT:         return %[[R]]

// On buffers, the split-key kernels. 2 rows (batch x kv heads x queries)
// of 3000 keys make 12 chunks of 256 keys; per (row, chunk) and head of
// the group of 4 the scratch holds the maximum, the sum and the weighted
// sum of the 64 value elements.
// KERNELS-LABEL: func.func @decode
// KERNELS-DAG:     %[[MAX:.*]] = memref.alloc() : memref<2x12x4xf32>
// KERNELS-DAG:     %[[SUM:.*]] = memref.alloc() : memref<2x12x4xf32>
// KERNELS-DAG:     %[[ACC:.*]] = memref.alloc() : memref<2x12x4x64xf32>
// Partial attention: a block of 256 threads per (chunk, row); the group's
// query heads, the chunk's weights and the group's sums in shared memory.
// KERNELS:         gpu.launch blocks({{.*}}) in ({{.*}} = %c12{{.*}}, {{.*}} = %c2{{.*}}, {{.*}}) threads({{.*}}) in ({{.*}} = %c256
// KERNELS-SAME:      workgroup(%{{.*}} : memref<4x64xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<4x256xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<4x64xf32, #gpu.address_space<workgroup>>)
// Key rows 16 bytes at a time, four in flight, the dot products summed
// over the 8 lanes of a row.
// KERNELS:           vector.load %arg1{{.*}} {alignment = 16 : i64} : memref<1x2x3000x64xf16>, vector<8xf16>
// KERNELS:           vector.load %arg1
// KERNELS:           vector.load %arg1
// KERNELS:           vector.load %arg1
// KERNELS-NOT:       vector.load %arg1
// KERNELS:           gpu.shuffle  xor %{{.*}}, %c4_i32
// KERNELS:           gpu.shuffle  xor %{{.*}}, %c2_i32
// KERNELS:           gpu.shuffle  xor %{{.*}}, %c1_i32
// The mask, then each head's maximum and sum over the warp.
// KERNELS:           memref.load %arg3
// KERNELS:           gpu.barrier
// KERNELS:           gpu.shuffle  xor %{{.*}}, %c16_i32
// KERNELS:           arith.maximumf
// KERNELS:           math.exp
// KERNELS:           memref.store %{{.*}}, %[[MAX]]
// KERNELS:           memref.store %{{.*}}, %[[SUM]]
// Value rows 16 bytes at a time, the slots' sums added in shared memory.
// KERNELS:           vector.load %arg2{{.*}} {alignment = 16 : i64} : memref<1x2x3000x64xf16>, vector<8xf16>
// KERNELS:           memref.atomic_rmw addf
// KERNELS:           memref.store %{{.*}}, %[[ACC]]
// Combine: a block per row rescales the chunks' pieces to the row's
// maximum and writes f16.
// KERNELS:         gpu.launch blocks({{.*}}) in ({{.*}} = %c2{{.*}}, {{.*}}) threads({{.*}}) in ({{.*}} = %c256
// KERNELS:           memref.load %[[MAX]]
// KERNELS:           memref.load %[[SUM]]
// KERNELS:           memref.load %[[ACC]]
// KERNELS:           arith.divf
// KERNELS:           arith.truncf %{{.*}} : f32 to f16
// KERNELS:           memref.store %{{.*}}, %{{.*}}[{{.*}}] : memref<1x8x1x64xf16>
// KERNELS-NOT:     autoglm.decode_attention
func.func @decode(%q: tensor<1x8x1x64xf16>, %k: tensor<1x2x3000x64xf16>, %v: tensor<1x2x3000x64xf16>, %m: tensor<1x1x1x3000xi1>) -> tensor<1x8x1x64xf16> {
  %0 = autoglm.fused "attention"(%q, %k, %v, %m) : (tensor<1x8x1x64xf16>, tensor<1x2x3000x64xf16>, tensor<1x2x3000x64xf16>, tensor<1x1x1x3000xi1>) -> tensor<1x8x1x64xf16> {
  ^bb0(%a: tensor<1x8x1x64xf16>, %b: tensor<1x2x3000x64xf16>, %c: tensor<1x2x3000x64xf16>, %d: tensor<1x1x1x3000xi1>):
    %1 = autoglm.attention %a, %b, %c, %d {scale = 1.250000e-01 : f64, causal} : (tensor<1x8x1x64xf16>, tensor<1x2x3000x64xf16>, tensor<1x2x3000x64xf16>, tensor<1x1x1x3000xi1>) -> tensor<1x8x1x64xf16>
    autoglm.yield %1 : tensor<1x8x1x64xf16>
  }
  return %0 : tensor<1x8x1x64xf16>
}
