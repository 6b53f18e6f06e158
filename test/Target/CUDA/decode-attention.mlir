// RUN: autoglm-opt %s --split-input-file --autoglm-cuda-select-decode-attention --verify-diagnostics | FileCheck %s --check-prefix=SELECT
// RUN: autoglm-opt %s --split-input-file --autoglm-cuda-select-decode-attention --verify-diagnostics --one-shot-bufferize="bufferize-function-boundaries" --autoglm-cuda-decode-attention-kernels | FileCheck %s --check-prefix=KERNELS

// Top-k decode attention (8 query heads over 2 key/value heads, 3000 keys,
// an additive mask per head) leaves its region as a destination-style op
// the lowering keeps.
// SELECT-LABEL: func.func @decode
// SELECT-NOT:     autoglm.fused
// SELECT:         %[[INIT:.*]] = tensor.empty() : tensor<1x8x1x64xf16>
// SELECT:         %[[R:.*]] = autoglm.decode_attention %arg0, %arg1, %arg2 mask %arg3 : tensor<1x8x1x3000xf16> into %[[INIT]]
// SELECT-SAME:      causal
// SELECT-SAME:      sink = 4 : i64, top_k = 64 : i64, window = 16 : i64
// SELECT:         return %[[R]]

// On buffers, two kernels. The budget is 84 keys, so each chunk keeps its
// best 128 (the power of two above 84); 3000 keys make 12 chunks of 256
// for each of the 2 rows (batch x kv heads x queries).
// KERNELS-LABEL: func.func @decode
// KERNELS-DAG:     %[[RANKS:.*]] = memref.alloc() : memref<2x12x128xf32>
// KERNELS-DAG:     %[[KEYS:.*]] = memref.alloc() : memref<2x12x128xi32>
// KERNELS-DAG:     %[[COUNTS:.*]] = memref.alloc() : memref<2x12xi32>
// Score and select: the chunk's ranks and keys, the count of visible keys
// some head sees and the chunk's 4 x 256 scores in shared memory (the
// query heads' elements are each lane's, in registers). The key rows are read by neighbouring lanes (here an
// element per access: these buffers have dynamic strides; contiguous rows
// are read 16 bytes at a time, decode-attention.test), four rows in flight
// per lane, their products summed by shuffles; then a thread per key
// ranks it.
// KERNELS:         gpu.launch blocks({{.*}}) in ({{.*}} = %c12{{.*}}, {{.*}} = %c2{{.*}}, {{.*}}) threads({{.*}}) in ({{.*}} = %c256
// KERNELS-SAME:      workgroup(%{{.*}} : memref<256xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<256xi32, #gpu.address_space<workgroup>>, %{{.*}} : memref<1xi32, #gpu.address_space<workgroup>>, %{{.*}} : memref<4x256xf32, #gpu.address_space<workgroup>>)
// KERNELS:           memref.load %arg1
// KERNELS:           memref.load %arg1
// KERNELS:           memref.load %arg1
// KERNELS:           memref.load %arg1
// KERNELS:           math.fma
// KERNELS:           gpu.shuffle  xor
// KERNELS:           gpu.barrier
// KERNELS:           memref.atomic_rmw addi
// KERNELS:           gpu.barrier
// KERNELS:           arith.xori
// KERNELS:           memref.store %{{.*}}, %[[RANKS]]
// KERNELS:           memref.store %{{.*}}, %[[KEYS]]
// KERNELS:           memref.store %{{.*}}, %[[COUNTS]]
// Keep and attend: the dense kernel over a list of keys, a block of 256
// threads per query head (2 rows x 4 heads). Shared: the warps' softmax
// pieces, then keepTokens' histogram of 256 bins, 8 warp totals, the bin
// found, and the list of kept keys (at most the budget, 84) with its count.
// KERNELS:         gpu.launch blocks({{.*}}) in ({{.*}} = %c1{{.*}}, {{.*}} = %c8{{.*}}, {{.*}}) threads({{.*}}) in ({{.*}} = %c256
// KERNELS-SAME:      workgroup(%{{.*}} : memref<8x1xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<8x1xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<8x1x64xf32, #gpu.address_space<workgroup>>, %[[BINS:.*]] : memref<256xi32, #gpu.address_space<workgroup>>, %{{.*}} : memref<8xi32, #gpu.address_space<workgroup>>, %{{.*}} : memref<2xi32, #gpu.address_space<workgroup>>, %[[KEPT:.*]] : memref<1x84xi32, #gpu.address_space<workgroup>>, %{{.*}} : memref<1xi32, #gpu.address_space<workgroup>>)
// The sinks' and window's key and value rows and their mask, attended
// before the kernel waits for the first one.
// KERNELS:           memref.load %arg1{{.*}} {autoglm.before_wait}
// KERNELS:           memref.load %arg2{{.*}} {autoglm.before_wait}
// KERNELS:           memref.load %arg3{{.*}} {autoglm.before_wait}
// KERNELS:           math.exp2
// KERNELS:         } {autoglm.before_wait}
// Then whether the row is exact (the chunks' counts), and the radix
// select: the lists' ranks in an unsigned order (a thread's 3 entries
// loaded once, then kept in registers), a histogram of their top 8 bits,
// then of the next 8 of those that match, ...
// KERNELS:           memref.load %[[COUNTS]]
// KERNELS:           memref.load %[[RANKS]]
// KERNELS:           arith.bitcast %{{.*}} : f32 to i32
// KERNELS:           arith.shrui %{{.*}}, %c24_i32
// KERNELS-NOT:       memref.load %[[RANKS]]
// KERNELS:           memref.atomic_rmw addi %{{.*}}, %[[BINS]]
// KERNELS-NOT:       memref.load %[[RANKS]]
// KERNELS:           gpu.barrier
// KERNELS-NOT:       memref.load %[[RANKS]]
// KERNELS:           arith.shrui %{{.*}}, %c16_i32
// KERNELS-NOT:       memref.load %[[RANKS]]
// KERNELS:           memref.atomic_rmw addi %{{.*}}, %[[BINS]]
// KERNELS-NOT:       memref.load %[[RANKS]]
// KERNELS:           arith.shrui %{{.*}}, %c8_i32
// KERNELS-NOT:       memref.load %[[RANKS]]
// KERNELS:           memref.atomic_rmw addi %{{.*}}, %[[BINS]]
// KERNELS-NOT:       memref.load %[[RANKS]]
// ... and the kept keys listed in shared memory, which the rest of the
// kernel reads before their key and value rows.
// KERNELS:           memref.store %{{.*}}, %[[KEPT]]
// KERNELS:           memref.load %[[KEPT]]
// KERNELS:           memref.load %arg1
// KERNELS:           math.exp2
// KERNELS:           arith.truncf %{{.*}} : f32 to f16
// KERNELS:           memref.store %{{.*}}, %{{.*}}[{{.*}}] : memref<1x8x1x64xf16>
// KERNELS-NOT:     autoglm.decode_attention
func.func @decode(%q: tensor<1x8x1x64xf16>, %k: tensor<1x2x3000x64xf16>, %v: tensor<1x2x3000x64xf16>, %m: tensor<1x8x1x3000xf16>) -> tensor<1x8x1x64xf16> {
  %0 = autoglm.fused "topk_attention"(%q, %k, %v, %m) : (tensor<1x8x1x64xf16>, tensor<1x2x3000x64xf16>, tensor<1x2x3000x64xf16>, tensor<1x8x1x3000xf16>) -> tensor<1x8x1x64xf16> {
  ^bb0(%a: tensor<1x8x1x64xf16>, %b: tensor<1x2x3000x64xf16>, %c: tensor<1x2x3000x64xf16>, %d: tensor<1x8x1x3000xf16>):
    %1 = autoglm.topk_attention %a, %b, %c, %d {scale = 1.250000e-01 : f64, causal, top_k = 64 : i64, sink = 4 : i64, window = 16 : i64} : (tensor<1x8x1x64xf16>, tensor<1x2x3000x64xf16>, tensor<1x2x3000x64xf16>, tensor<1x8x1x3000xf16>) -> tensor<1x8x1x64xf16>
    autoglm.yield %1 : tensor<1x8x1x64xf16>
  }
  return %0 : tensor<1x8x1x64xf16>
}

// -----

// A long cache (32768 keys, 8 rows: 2 key/value heads x 4 queries): about
// 256 blocks rank the keys in chunks of 1024, a thread per key, so that
// the second kernel selects from 32 lists instead of 128.
// KERNELS-LABEL: func.func @long_cache
// KERNELS-DAG:     memref.alloc() : memref<8x32x128xf32>
// KERNELS:         gpu.launch blocks({{.*}}) in ({{.*}} = %c32{{.*}}, {{.*}} = %c8{{.*}}, {{.*}}) threads({{.*}}) in ({{.*}} = %c1024
// KERNELS-SAME:      %{{.*}} : memref<4x1024xf32, #gpu.address_space<workgroup>>)
func.func @long_cache(%q: tensor<1x8x4x64xf16>, %k: tensor<1x2x32768x64xf16>, %v: tensor<1x2x32768x64xf16>) -> tensor<1x8x4x64xf16> {
  %0 = autoglm.fused "topk_attention"(%q, %k, %v) : (tensor<1x8x4x64xf16>, tensor<1x2x32768x64xf16>, tensor<1x2x32768x64xf16>) -> tensor<1x8x4x64xf16> {
  ^bb0(%a: tensor<1x8x4x64xf16>, %b: tensor<1x2x32768x64xf16>, %c: tensor<1x2x32768x64xf16>):
    %1 = autoglm.topk_attention %a, %b, %c {scale = 1.250000e-01 : f64, causal, top_k = 64 : i64, sink = 4 : i64, window = 16 : i64} : (tensor<1x8x4x64xf16>, tensor<1x2x32768x64xf16>, tensor<1x2x32768x64xf16>) -> tensor<1x8x4x64xf16>
    autoglm.yield %1 : tensor<1x8x4x64xf16>
  }
  return %0 : tensor<1x8x4x64xf16>
}

// -----

// A shorter cache (8192 keys, the same 8 rows): 256 blocks cut each row
// into 32 chunks of 256 keys, no more than 32 lists a row, so the chunks
// stay small (512 keys, 128 blocks, read the keys slower).
// KERNELS-LABEL: func.func @medium_cache
// KERNELS-DAG:     memref.alloc() : memref<8x32x128xf32>
// KERNELS:         gpu.launch blocks({{.*}}) in ({{.*}} = %c32{{.*}}, {{.*}} = %c8{{.*}}, {{.*}}) threads({{.*}}) in ({{.*}} = %c256
// KERNELS-SAME:      %{{.*}} : memref<4x256xf32, #gpu.address_space<workgroup>>)
func.func @medium_cache(%q: tensor<1x8x4x64xf16>, %k: tensor<1x2x8192x64xf16>, %v: tensor<1x2x8192x64xf16>) -> tensor<1x8x4x64xf16> {
  %0 = autoglm.fused "topk_attention"(%q, %k, %v) : (tensor<1x8x4x64xf16>, tensor<1x2x8192x64xf16>, tensor<1x2x8192x64xf16>) -> tensor<1x8x4x64xf16> {
  ^bb0(%a: tensor<1x8x4x64xf16>, %b: tensor<1x2x8192x64xf16>, %c: tensor<1x2x8192x64xf16>):
    %1 = autoglm.topk_attention %a, %b, %c {scale = 1.250000e-01 : f64, causal, top_k = 64 : i64, sink = 4 : i64, window = 16 : i64} : (tensor<1x8x4x64xf16>, tensor<1x2x8192x64xf16>, tensor<1x2x8192x64xf16>) -> tensor<1x8x4x64xf16>
    autoglm.yield %1 : tensor<1x8x4x64xf16>
  }
  return %0 : tensor<1x8x4x64xf16>
}

// -----

// A budget the shared-memory lists cannot hold.
func.func @too_many(%q: tensor<1x2x1x16xf32>, %k: tensor<1x2x4096x16xf32>, %v: tensor<1x2x4096x16xf32>) -> tensor<1x2x1x16xf32> {
  %0 = autoglm.fused "topk_attention"(%q, %k, %v) : (tensor<1x2x1x16xf32>, tensor<1x2x4096x16xf32>, tensor<1x2x4096x16xf32>) -> tensor<1x2x1x16xf32> {
  ^bb0(%a: tensor<1x2x1x16xf32>, %b: tensor<1x2x4096x16xf32>, %c: tensor<1x2x4096x16xf32>):
    // expected-error @+1 {{top-k attention on CUDA keeps at most 511 keys per query (top_k + sink + window), not 532}}
    %1 = autoglm.topk_attention %a, %b, %c {scale = 2.500000e-01 : f64, top_k = 512 : i64, sink = 4 : i64, window = 16 : i64} : (tensor<1x2x1x16xf32>, tensor<1x2x4096x16xf32>, tensor<1x2x4096x16xf32>) -> tensor<1x2x1x16xf32>
    autoglm.yield %1 : tensor<1x2x1x16xf32>
  }
  return %0 : tensor<1x2x1x16xf32>
}
