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
// Partial attention: a block of 256 threads per (chunk, row and its 4
// heads); shared memory holds only the 8 warps' pieces (maximum, sum and
// value sums per head).
// KERNELS:         gpu.launch blocks({{.*}}) in ({{.*}} = %c12{{.*}}, {{.*}} = %c2{{.*}}, {{.*}}) threads({{.*}}) in ({{.*}} = %c256
// KERNELS-SAME:      workgroup(%{{.*}} : memref<8x4xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<8x4xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<8x4x64xf32, #gpu.address_space<workgroup>>)
// The query heads' elements in registers; a block whose first keys are
// past the row's does nothing; then one loop whose state is the 4 heads'
// pieces (maximum, sum, a lane's 8 value sums).
// KERNELS:           memref.load %arg0
// KERNELS:           scf.if
// KERNELS:           scf.for {{.*}} -> (f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32)
// Four key rows and their value rows, 16 bytes per lane, loaded before
// any is used.
// KERNELS:             vector.load %arg1{{.*}} {alignment = 16 : i64} : memref<1x2x3000x64xf16>, vector<8xf16>
// KERNELS-NEXT:        vector.extract
// KERNELS:             vector.load %arg2{{.*}} {alignment = 16 : i64} : memref<1x2x3000x64xf16>, vector<8xf16>
// KERNELS:             vector.load %arg1
// KERNELS:             vector.load %arg2
// KERNELS:             vector.load %arg1
// KERNELS:             vector.load %arg2
// KERNELS:             vector.load %arg1
// KERNELS:             vector.load %arg2
// KERNELS-NOT:         vector.load
// A score: the 8 lanes of a row sum their dot products, then the mask.
// KERNELS:             math.fma
// KERNELS:             gpu.shuffle  xor %{{.*}}, %c4_i32
// KERNELS:             gpu.shuffle  xor %{{.*}}, %c2_i32
// KERNELS:             gpu.shuffle  xor %{{.*}}, %c1_i32
// KERNELS:             memref.load %arg3
// The online softmax in base 2: one rescale and four weights per head.
// KERNELS:             arith.maximumf
// KERNELS:             math.exp2
// KERNELS:             math.exp2
// KERNELS:             math.exp2
// KERNELS:             math.exp2
// KERNELS:             math.exp2
// KERNELS-NOT:         gpu.barrier
// KERNELS:             scf.yield
// The warp's four slots merge their pieces by shuffles, then the warps'
// pieces meet in shared memory.
// KERNELS:           gpu.shuffle  xor %{{.*}}, %c8_i32
// KERNELS:           gpu.shuffle  xor %{{.*}}, %c16_i32
// KERNELS:           gpu.barrier
// KERNELS:           memref.store %{{.*}}, %[[MAX]]
// KERNELS:           memref.store %{{.*}}, %[[SUM]]
// KERNELS:           memref.store %{{.*}}, %[[ACC]]
// KERNELS-NOT:       } else {
// Combine: a block per (row, 32 output elements); 8 slices take the row's
// live pieces (those of blocks that had keys) in turns, 8 at a time, and
// meet in shared memory; f16 written.
// KERNELS:         gpu.launch blocks({{.*}}) in ({{.*}} = %c2{{.*}}, {{.*}} = %c8{{.*}}, {{.*}}) threads({{.*}}) in ({{.*}} = %c256
// KERNELS-SAME:      workgroup(%{{.*}} : memref<8x32xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<8x32xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<8x32xf32, #gpu.address_space<workgroup>>)
// KERNELS:           scf.for
// KERNELS:             memref.load %[[MAX]]
// KERNELS:             memref.load %[[SUM]]
// KERNELS-COUNT-8:     memref.load %[[ACC]]
// KERNELS:             math.exp2
// KERNELS:           gpu.barrier
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

// A large group: 32 query heads over one key/value head of 128 f16. A
// thread keeps 8 query and 8 value elements per head in registers, so a
// block takes 8 of the heads (at most 128 such values a thread) and the
// group is split over 4 blocks per chunk, each reading the chunk's rows.
// KERNELS-LABEL: func.func @wide_group
// KERNELS-DAG:     memref.alloc() : memref<1x4x32xf32>
// KERNELS-DAG:     memref.alloc() : memref<1x4x32x128xf32>
// KERNELS:         gpu.launch blocks({{.*}}) in ({{.*}} = %c4{{.*}}, {{.*}} = %c4{{.*}}, {{.*}}) threads({{.*}}) in ({{.*}} = %c256
// KERNELS-SAME:      workgroup(%{{.*}} : memref<8x8xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<8x8xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<8x8x128xf32, #gpu.address_space<workgroup>>)
// KERNELS:           scf.for {{.*}} -> (f32, f32, f32, f32, f32, f32, f32, f32, f32, f32
// KERNELS:             vector.load %arg1{{.*}} : memref<1x1x1024x128xf16>, vector<8xf16>
// The combine kernel takes all 32 heads: 32 x 128 outputs in blocks of 32.
// KERNELS:         gpu.launch blocks({{.*}}) in ({{.*}} = %c1{{.*}}, {{.*}} = %c128{{.*}}, {{.*}}) threads({{.*}}) in ({{.*}} = %c256
func.func @wide_group(%q: tensor<1x32x1x128xf16>, %k: tensor<1x1x1024x128xf16>, %v: tensor<1x1x1024x128xf16>) -> tensor<1x32x1x128xf16> {
  %0 = autoglm.fused "attention"(%q, %k, %v) : (tensor<1x32x1x128xf16>, tensor<1x1x1024x128xf16>, tensor<1x1x1024x128xf16>) -> tensor<1x32x1x128xf16> {
  ^bb0(%a: tensor<1x32x1x128xf16>, %b: tensor<1x1x1024x128xf16>, %c: tensor<1x1x1024x128xf16>):
    %1 = autoglm.attention %a, %b, %c {scale = 8.838834764831845e-02 : f64} : (tensor<1x32x1x128xf16>, tensor<1x1x1024x128xf16>, tensor<1x1x1024x128xf16>) -> tensor<1x32x1x128xf16>
    autoglm.yield %1 : tensor<1x32x1x128xf16>
  }
  return %0 : tensor<1x32x1x128xf16>
}
