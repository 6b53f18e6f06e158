// RUN: autoglm-opt %s --split-input-file --autoglm-cuda-select-decode-attention | FileCheck %s --check-prefix=SELECT
// RUN: autoglm-opt %s --split-input-file --autoglm-cuda-encoder-attention-kernels | FileCheck %s --check-prefix=KERNEL

// Encoder attention in f16 (128 queries against their 128 keys, heads of
// 64, an additive mask per key) is selected as dense decode_attention for
// the tensor-core kernel.
// SELECT-LABEL: func.func @encoder_f16
// SELECT-NOT:     autoglm.fused
// SELECT:         autoglm.decode_attention %arg0, %arg1, %arg2 mask %arg3 : tensor<2x1x1x128xf16> into
// SELECT-SAME:      top_k = 128 : i64
func.func @encoder_f16(%q: tensor<2x12x128x64xf16>, %k: tensor<2x12x128x64xf16>, %v: tensor<2x12x128x64xf16>, %m: tensor<2x1x1x128xf16>) -> tensor<2x12x128x64xf16> {
  %0 = autoglm.fused "attention"(%q, %k, %v, %m) : (tensor<2x12x128x64xf16>, tensor<2x12x128x64xf16>, tensor<2x12x128x64xf16>, tensor<2x1x1x128xf16>) -> tensor<2x12x128x64xf16> {
  ^bb0(%a: tensor<2x12x128x64xf16>, %b: tensor<2x12x128x64xf16>, %c: tensor<2x12x128x64xf16>, %d: tensor<2x1x1x128xf16>):
    %1 = autoglm.attention %a, %b, %c, %d {scale = 1.250000e-01 : f64} : (tensor<2x12x128x64xf16>, tensor<2x12x128x64xf16>, tensor<2x12x128x64xf16>, tensor<2x1x1x128xf16>) -> tensor<2x12x128x64xf16>
    autoglm.yield %1 : tensor<2x12x128x64xf16>
  }
  return %0 : tensor<2x12x128x64xf16>
}

// -----

// 40 queries (not a multiple of 16) keep their region: the products of the
// common lowering compute it.
// SELECT-LABEL: func.func @ragged_queries
// SELECT:         autoglm.fused "attention"
// SELECT-NOT:     autoglm.decode_attention
func.func @ragged_queries(%q: tensor<1x4x40x64xf16>, %k: tensor<1x4x40x64xf16>, %v: tensor<1x4x40x64xf16>) -> tensor<1x4x40x64xf16> {
  %0 = autoglm.fused "attention"(%q, %k, %v) : (tensor<1x4x40x64xf16>, tensor<1x4x40x64xf16>, tensor<1x4x40x64xf16>) -> tensor<1x4x40x64xf16> {
  ^bb0(%a: tensor<1x4x40x64xf16>, %b: tensor<1x4x40x64xf16>, %c: tensor<1x4x40x64xf16>):
    %1 = autoglm.attention %a, %b, %c {scale = 1.250000e-01 : f64} : (tensor<1x4x40x64xf16>, tensor<1x4x40x64xf16>, tensor<1x4x40x64xf16>) -> tensor<1x4x40x64xf16>
    autoglm.yield %1 : tensor<1x4x40x64xf16>
  }
  return %0 : tensor<1x4x40x64xf16>
}

// -----

// Causal prefill with grouped heads (8 query heads on 2 key/value heads) is
// taken too: the kernel limits query i to keys j <= i + Sk - Sq.
// SELECT-LABEL: func.func @prefill_gqa
// SELECT:         autoglm.decode_attention %arg0, %arg1, %arg2 into
// SELECT-SAME:      causal
func.func @prefill_gqa(%q: tensor<1x8x128x64xf16>, %k: tensor<1x2x128x64xf16>, %v: tensor<1x2x128x64xf16>) -> tensor<1x8x128x64xf16> {
  %0 = autoglm.fused "attention"(%q, %k, %v) : (tensor<1x8x128x64xf16>, tensor<1x2x128x64xf16>, tensor<1x2x128x64xf16>) -> tensor<1x8x128x64xf16> {
  ^bb0(%a: tensor<1x8x128x64xf16>, %b: tensor<1x2x128x64xf16>, %c: tensor<1x2x128x64xf16>):
    %1 = autoglm.attention %a, %b, %c {scale = 1.250000e-01 : f64, causal} : (tensor<1x8x128x64xf16>, tensor<1x2x128x64xf16>, tensor<1x2x128x64xf16>) -> tensor<1x8x128x64xf16>
    autoglm.yield %1 : tensor<1x8x128x64xf16>
  }
  return %0 : tensor<1x8x128x64xf16>
}

// -----

// On buffers, BERT's shape at batch 8: one launch, a block of eight warps
// per (32 query rows, batch x head), two tiles of 16 rows sharing one copy
// of the transposed keys (64 x (128 + 16) f16, read 16 bytes at a time and
// stored two keys' halves a word); each tile's score rows (16 x (128 + 8)
// f32) and their sums in shared memory; WMMA for both products, each
// warp's share of its tile's key tiles and output column tiles; the
// probabilities in f16 over the scores' bytes, a row's maximum and sum by
// shuffles.
// SELECT-LABEL: func.func @kernel
// KERNEL-LABEL: func.func @kernel
// KERNEL:         %[[C4:.+]] = arith.constant 4 : index
// KERNEL:         %[[C96:.+]] = arith.constant 96 : index
// KERNEL:         %[[C256:.+]] = arith.constant 256 : index
// KERNEL:         gpu.launch blocks({{.+}}) in ({{.+}} = %[[C4]], {{.+}} = %[[C96]], {{.+}}) threads({{.+}}) in ({{.+}} = %[[C256]],
// KERNEL-SAME:      workgroup(%[[RAWK:.+]] : memref<18432xi8, #gpu.address_space<workgroup>>, %[[RAW:.+]] : memref<17408xi8, #gpu.address_space<workgroup>>, %{{.+}} : memref<32xf32, #gpu.address_space<workgroup>>)
// KERNEL:           %[[KT:.+]] = memref.view %[[RAWK]]{{.+}} to memref<64x144xf16, #gpu.address_space<workgroup>>
// KERNEL:           %[[KW:.+]] = memref.view %[[RAWK]]{{.+}} to memref<64x72xi32, #gpu.address_space<workgroup>>
// KERNEL:           %[[S:.+]] = memref.view %[[RAW]]{{.+}} to memref<32x136xf32, #gpu.address_space<workgroup>>
// KERNEL:           %[[P:.+]] = memref.view %[[RAW]]{{.+}} to memref<32x272xf16, #gpu.address_space<workgroup>>
// KERNEL:           vector.load %arg1{{.+}} : memref<8x12x128x64xf16>, vector<8xf16>
// KERNEL:           vector.load %arg1{{.+}} : memref<8x12x128x64xf16>, vector<8xf16>
// KERNEL:           vector.bitcast {{.+}} : vector<2xf16> to vector<1xi32>
// KERNEL:           memref.store %{{.+}}, %[[KW]]
// KERNEL:           gpu.barrier
// KERNEL:           gpu.subgroup_mma_load_matrix %arg0{{.+}} {leadDimension = 64 : index} : memref<8x12x128x64xf16> -> !gpu.mma_matrix<16x16xf16, "AOp">
// KERNEL:           gpu.subgroup_mma_load_matrix %[[KT]]{{.+}} {leadDimension = 144 : index} {{.+}} -> !gpu.mma_matrix<16x16xf16, "BOp">
// KERNEL:           gpu.subgroup_mma_compute
// KERNEL:           gpu.subgroup_mma_store_matrix %{{.+}}, %[[S]]{{.+}} {leadDimension = 136 : index}
// KERNEL:           gpu.shuffle  xor
// KERNEL:           math.exp
// KERNEL:           memref.store %{{.+}}, %[[P]]
// KERNEL:           gpu.subgroup_mma_load_matrix %[[P]]{{.+}} {leadDimension = 272 : index} {{.+}} -> !gpu.mma_matrix<16x16xf16, "AOp">
// KERNEL:           gpu.subgroup_mma_load_matrix %arg2{{.+}} {leadDimension = 64 : index} {{.+}} -> !gpu.mma_matrix<16x16xf16, "BOp">
// KERNEL:           memref.store %{{.+}}, %arg4
// KERNEL-NOT:     autoglm.decode_attention
func.func @kernel(%q: memref<8x12x128x64xf16>, %k: memref<8x12x128x64xf16>, %v: memref<8x12x128x64xf16>, %m: memref<8x1x1x128xf16>, %out: memref<8x12x128x64xf16>) {
  autoglm.decode_attention %q, %k, %v mask %m : memref<8x1x1x128xf16> into %out {scale = 1.250000e-01 : f64, top_k = 128 : i64, sink = 0 : i64, window = 0 : i64} : memref<8x12x128x64xf16>, memref<8x12x128x64xf16>, memref<8x12x128x64xf16> into memref<8x12x128x64xf16>
  return
}

// -----

// Fewer than 256 blocks of two tiles (2 x 12 heads x 4): a tile a block,
// four warps.
// KERNEL-LABEL: func.func @one_tile
// KERNEL:         %[[C8:.+]] = arith.constant 8 : index
// KERNEL:         %[[C24:.+]] = arith.constant 24 : index
// KERNEL:         %[[C128:.+]] = arith.constant 128 : index
// KERNEL:         gpu.launch blocks({{.+}}) in ({{.+}} = %[[C8]], {{.+}} = %[[C24]], {{.+}}) threads({{.+}}) in ({{.+}} = %[[C128]],
// KERNEL-SAME:      workgroup({{.+}} : memref<18432xi8, #gpu.address_space<workgroup>>, {{.+}} : memref<8704xi8, #gpu.address_space<workgroup>>, {{.+}} : memref<16xf32, #gpu.address_space<workgroup>>)
func.func @one_tile(%q: memref<2x12x128x64xf16>, %k: memref<2x12x128x64xf16>, %v: memref<2x12x128x64xf16>, %out: memref<2x12x128x64xf16>) {
  autoglm.decode_attention %q, %k, %v into %out {scale = 1.250000e-01 : f64, top_k = 128 : i64, sink = 0 : i64, window = 0 : i64} : memref<2x12x128x64xf16>, memref<2x12x128x64xf16>, memref<2x12x128x64xf16> into memref<2x12x128x64xf16>
  return
}

// -----

// f32 attention is left to the decode kernels (no tensor-core path).
// KERNEL-LABEL: func.func @f32_left
// KERNEL:         autoglm.decode_attention
// KERNEL-NOT:     gpu.launch
func.func @f32_left(%q: memref<1x4x32x64xf32>, %k: memref<1x4x64x64xf32>, %v: memref<1x4x64x64xf32>, %out: memref<1x4x32x64xf32>) {
  autoglm.decode_attention %q, %k, %v into %out {scale = 1.250000e-01 : f64, top_k = 64 : i64, sink = 0 : i64, window = 0 : i64} : memref<1x4x32x64xf32>, memref<1x4x64x64xf32>, memref<1x4x64x64xf32> into memref<1x4x32x64xf32>
  return
}
