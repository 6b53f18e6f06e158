// RUN: autoglm-opt %s --autoglm-tile-kernel-regions=vector-bits=512 | FileCheck %s
// RUN: autoglm-opt %s --autoglm-tile-kernel-regions=vector-bits=256 | FileCheck %s --check-prefix=AVX2
// RUN: autoglm-opt %s --autoglm-tile-kernel-regions="vector-bits=256 threads=1" | FileCheck %s --check-prefix=AVX2-T1
// RUN: autoglm-opt %s --autoglm-tile-kernel-regions="vector-bits=512 k-slice=2 k-slice-above-bytes=0" | FileCheck %s --check-prefix=SLICE

// A "contraction" region (matmul + bias + ReLU, the tail updating the product
// in place) becomes one kernel: the tail is tiled into the product's 64x256
// cache blocks and the fill and the matmul are fused into the block loop;
// the region is inlined around it.
// CHECK-LABEL: func.func @contraction(
// CHECK-NOT:     autoglm.fused
// CHECK:         %[[E:.+]] = tensor.empty() : tensor<128x512xf32>
// CHECK:         %[[R:.+]] = scf.forall (%[[I:.+]], %[[J:.+]]) = (0, 0) to (128, 512) step (64, 256) shared_outs(%[[O:.+]] = %[[E]])
// CHECK:           %[[OT:.+]] = tensor.extract_slice %[[O]][%[[I]], %[[J]]] [64, 256] [1, 1]
// CHECK:           %[[F:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%[[OT]] : tensor<64x256xf32>)
// CHECK:           %[[M:.+]] = linalg.matmul {autoglm.wide_tiles} ins(%{{.+}}, %{{.+}} : tensor<64x512xf32>, tensor<512x256xf32>) outs(%[[F]] : tensor<64x256xf32>)
// CHECK:           %[[T:.+]] = linalg.generic {{.+}} ins(%{{.+}} : tensor<256xf32>) outs(%[[M]] : tensor<64x256xf32>)
// CHECK:             arith.addf
// CHECK-NEXT:        arith.maximumf
// CHECK:             tensor.parallel_insert_slice %[[T]] into %[[O]][%[[I]], %[[J]]] [64, 256] [1, 1]
// CHECK:         } {autoglm.kernel = "contraction"}
// CHECK-NOT:     linalg.fill
// CHECK-NOT:     linalg.matmul
// CHECK-NOT:     linalg.generic
// CHECK:         return %[[R]]
func.func @contraction(%a: tensor<128x512xf32>, %b: tensor<512x512xf32>, %bias: tensor<512xf32>) -> tensor<128x512xf32> {
  %r = autoglm.fused "contraction" (%a, %b, %bias) : (tensor<128x512xf32>, tensor<512x512xf32>, tensor<512xf32>) -> tensor<128x512xf32> {
  ^bb0(%x: tensor<128x512xf32>, %w: tensor<512x512xf32>, %c: tensor<512xf32>):
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<128x512xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<128x512xf32>) -> tensor<128x512xf32>
    %m = linalg.matmul ins(%x, %w : tensor<128x512xf32>, tensor<512x512xf32>) outs(%f : tensor<128x512xf32>) -> tensor<128x512xf32>
    %t = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                         iterator_types = ["parallel", "parallel"]}
        ins(%c : tensor<512xf32>) outs(%m : tensor<128x512xf32>) {
    ^bb0(%in: f32, %out: f32):
      %s = arith.addf %out, %in : f32
      %y = arith.maximumf %s, %zero : f32
      linalg.yield %y : f32
    } -> tensor<128x512xf32>
    autoglm.yield %t : tensor<128x512xf32>
  }
  return %r : tensor<128x512xf32>
}

// A product outside any region is blocked with its fill alone; K stays
// whole (its blocks come after bufferization).
// CHECK-LABEL: func.func @lone_product(
// CHECK:         scf.forall (%{{.+}}, %{{.+}}) = (0, 0) to (128, 512) step (64, 256)
// CHECK:           linalg.fill
// CHECK:           linalg.matmul {autoglm.wide_tiles} ins(%{{.+}}, %{{.+}} : tensor<64x1024xf32>, tensor<1024x256xf32>) outs(%{{.+}} : tensor<64x256xf32>)
// CHECK:         } {autoglm.kernel = "contraction"}
func.func @lone_product(%a: tensor<128x1024xf32>, %b: tensor<1024x512xf32>) -> tensor<128x512xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<128x512xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<128x512xf32>) -> tensor<128x512xf32>
  %m = linalg.matmul ins(%a, %b : tensor<128x1024xf32>, tensor<1024x512xf32>) outs(%f : tensor<128x512xf32>) -> tensor<128x512xf32>
  return %m : tensor<128x512xf32>
}

// A product of one row reuses no panel of B: its column blocks only split
// the stream of B between threads, two of them, as wide as N allows.
// CHECK-LABEL: func.func @matrix_vector(
// CHECK:         scf.forall (%{{.+}}) = (0) to (3072) step (1536)
// CHECK:           linalg.fill
// CHECK:           linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<1x768xf32>, tensor<768x1536xf32>) outs(%{{.+}} : tensor<1x1536xf32>)
// CHECK:         } {autoglm.kernel = "contraction"}
func.func @matrix_vector(%a: tensor<1x768xf32>, %b: tensor<768x3072xf32>) -> tensor<1x3072xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x3072xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x3072xf32>) -> tensor<1x3072xf32>
  %m = linalg.matmul ins(%a, %b : tensor<1x768xf32>, tensor<768x3072xf32>) outs(%f : tensor<1x3072xf32>) -> tensor<1x3072xf32>
  return %m : tensor<1x3072xf32>
}

// GPT-2's language-model head: N = 50257 = 29 x 1733 has no divisor that
// is a multiple of the register tile's 32 columns; blocks of 1733 columns
// (up to 2048 wide) instead of one block on one thread.
// CHECK-LABEL: func.func @lm_head(
// CHECK:         scf.forall (%{{.+}}) = (0) to (50257) step (1733)
// CHECK:           linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<1x768xf32>, tensor<768x1733xf32>) outs(%{{.+}} : tensor<1x1733xf32>)
// CHECK:         } {autoglm.kernel = "contraction"}
func.func @lm_head(%a: tensor<1x768xf32>, %b: tensor<768x50257xf32>) -> tensor<1x50257xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x50257xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x50257xf32>) -> tensor<1x50257xf32>
  %m = linalg.matmul ins(%a, %b : tensor<1x768xf32>, tensor<768x50257xf32>) outs(%f : tensor<1x50257xf32>) -> tensor<1x50257xf32>
  return %m : tensor<1x50257xf32>
}

// A small product fits in one block: only the region goes.
// CHECK-LABEL: func.func @one_block(
// CHECK-NOT:     autoglm.fused
// CHECK-NOT:     scf.forall
// CHECK:         linalg.matmul
// CHECK:         linalg.generic
// CHECK:         return
func.func @one_block(%a: tensor<16x32xf32>, %b: tensor<32x64xf32>) -> tensor<16x64xf32> {
  %r = autoglm.fused "contraction" (%a, %b) : (tensor<16x32xf32>, tensor<32x64xf32>) -> tensor<16x64xf32> {
  ^bb0(%x: tensor<16x32xf32>, %w: tensor<32x64xf32>):
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<16x64xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<16x64xf32>) -> tensor<16x64xf32>
    %m = linalg.matmul ins(%x, %w : tensor<16x32xf32>, tensor<32x64xf32>) outs(%f : tensor<16x64xf32>) -> tensor<16x64xf32>
    %t = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>],
                         iterator_types = ["parallel", "parallel"]}
        outs(%m : tensor<16x64xf32>) {
    ^bb0(%out: f32):
      %y = arith.maximumf %out, %zero : f32
      linalg.yield %y : f32
    } -> tensor<16x64xf32>
    autoglm.yield %t : tensor<16x64xf32>
  }
  return %r : tensor<16x64xf32>
}

// Other kinds of region are inlined as they are.
// CHECK-LABEL: func.func @elementwise(
// CHECK-NOT:     autoglm.fused
// CHECK:         %[[T:.+]] = linalg.generic
// CHECK:           math.tanh
// CHECK:         return %[[T]]
func.func @elementwise(%a: tensor<4xf32>) -> tensor<4xf32> {
  %r = autoglm.fused "elementwise" (%a) : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%x: tensor<4xf32>):
    %e = tensor.empty() : tensor<4xf32>
    %t = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
                         iterator_types = ["parallel"]}
        ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) {
    ^bb0(%in: f32, %out: f32):
      %y = math.tanh %in : f32
      linalg.yield %y : f32
    } -> tensor<4xf32>
    autoglm.yield %t : tensor<4xf32>
  }
  return %r : tensor<4xf32>
}

// A region whose lowering is the identity (a pad by zero, a cast to the same
// type) yields its own argument; inlined, its result is the region's input.
// CHECK-LABEL: func.func @identity(
// CHECK-SAME:      %[[A:.+]]: tensor<6xf32>)
// CHECK-NOT:     autoglm.fused
// CHECK:         return %[[A]], %[[A]] : tensor<6xf32>, tensor<6xf32>
func.func @identity(%a: tensor<6xf32>) -> (tensor<6xf32>, tensor<6xf32>) {
  %r = autoglm.fused "pad"(%a) : (tensor<6xf32>) -> tensor<6xf32> {
  ^bb0(%x: tensor<6xf32>):
    autoglm.yield %x : tensor<6xf32>
  }
  return %r, %a : tensor<6xf32>, tensor<6xf32>
}

// MobileNetV2's 1x1 products as the threads share them. 64 rows by 784
// columns (no multiple of 32 divides 784) would be one block on one
// thread: 2 blocks of 32 rows instead.
// CHECK-LABEL: func.func @even_from_one(
// CHECK:         scf.forall (%{{.+}}) = (0) to (64) step (32)
// CHECK:           linalg.matmul {autoglm.wide_tiles} ins(%{{.+}}, %{{.+}} : tensor<32x384xf32>, tensor<384x784xf32>) outs(%{{.+}} : tensor<32x784xf32>)
// CHECK:         } {autoglm.kernel = "contraction"}
func.func @even_from_one(%a: tensor<64x384xf32>, %b: tensor<384x784xf32>) -> tensor<64x784xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x784xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<64x784xf32>) -> tensor<64x784xf32>
  %m = linalg.matmul ins(%a, %b : tensor<64x384xf32>, tensor<384x784xf32>) outs(%f : tensor<64x784xf32>) -> tensor<64x784xf32>
  return %m : tensor<64x784xf32>
}

// 32 rows would be 2 blocks of 16 (two register tiles), each reading all
// of B: 2 blocks of 392 columns instead (12 register tiles and one of 8
// columns), each reading half of it.
// CHECK-LABEL: func.func @even_columns_for_few_rows(
// CHECK:         scf.forall (%{{.+}}) = (0) to (784) step (392)
// CHECK:           linalg.matmul {autoglm.wide_tiles} ins(%{{.+}}, %{{.+}} : tensor<32x192xf32>, tensor<192x392xf32>) outs(%{{.+}} : tensor<32x392xf32>)
func.func @even_columns_for_few_rows(%a: tensor<32x192xf32>, %b: tensor<192x784xf32>) -> tensor<32x784xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<32x784xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<32x784xf32>) -> tensor<32x784xf32>
  %m = linalg.matmul ins(%a, %b : tensor<32x192xf32>, tensor<192x784xf32>) outs(%f : tensor<32x784xf32>) -> tensor<32x784xf32>
  return %m : tensor<32x784xf32>
}

// 192 rows: 3 blocks of 64 (2 on one thread, 1 on the other) become 4 of
// 48.
// CHECK-LABEL: func.func @even_from_three(
// CHECK:         scf.forall (%{{.+}}) = (0) to (192) step (48)
// CHECK:           linalg.matmul {autoglm.wide_tiles} ins(%{{.+}}, %{{.+}} : tensor<48x64xf32>, tensor<64x784xf32>) outs(%{{.+}} : tensor<48x784xf32>)
// CHECK:         } {autoglm.kernel = "contraction"}
func.func @even_from_three(%a: tensor<192x64xf32>, %b: tensor<64x784xf32>) -> tensor<192x784xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<192x784xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<192x784xf32>) -> tensor<192x784xf32>
  %m = linalg.matmul ins(%a, %b : tensor<192x64xf32>, tensor<64x784xf32>) outs(%f : tensor<192x784xf32>) -> tensor<192x784xf32>
  return %m : tensor<192x784xf32>
}

// A product that expands a short K (four rows of C or more per row of B,
// K at most 256: a bottleneck's 1x1 convolution from 64 to 256 channels at
// 56x56) takes row blocks of 16, so that a block writes 16 rows of C along
// their length rather than 128 bytes of each of 64 rows in turn
// (ContractionTiles.h, expandsShortK). On AVX2 the blocks are two 6-row
// register tiles, 12 rows; where no multiple of 6 up to 12 divides M
// (256) the rows stay one block on one thread and take blocks of 16 on
// more.
// CHECK-LABEL: func.func @expanding(
// CHECK:         scf.forall (%{{.+}}, %{{.+}}) = (0, 0) to (256, 3136) step (16, 224)
// CHECK:           linalg.matmul {autoglm.wide_tiles} ins(%{{.+}}, %{{.+}} : tensor<16x64xf32>, tensor<64x224xf32>) outs(%{{.+}} : tensor<16x224xf32>)
// AVX2-LABEL: func.func @expanding(
// AVX2:         scf.forall (%{{.+}}, %{{.+}}) = (0, 0) to (256, 3136) step (16, 224)
// AVX2-T1-LABEL: func.func @expanding(
// AVX2-T1:         scf.forall (%{{.+}}) = (0) to (3136) step (224)
// AVX2-T1:           linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<256x64xf32>, tensor<64x224xf32>) outs(%{{.+}} : tensor<256x224xf32>)
func.func @expanding(%a: tensor<256x64xf32>, %b: tensor<64x3136xf32>) -> tensor<256x3136xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<256x3136xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<256x3136xf32>) -> tensor<256x3136xf32>
  %m = linalg.matmul ins(%a, %b : tensor<256x64xf32>, tensor<64x3136xf32>) outs(%f : tensor<256x3136xf32>) -> tensor<256x3136xf32>
  return %m : tensor<256x3136xf32>
}

// MobileNetV2's expansion from 16 to 96 channels at 112x112 on AVX2.
// AVX2-LABEL: func.func @expanding_by_12(
// AVX2:         scf.forall (%{{.+}}, %{{.+}}) = (0, 0) to (96, 12544) step (12, {{[0-9]+}})
func.func @expanding_by_12(%a: tensor<96x16xf32>, %b: tensor<16x12544xf32>) -> tensor<96x12544xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<96x12544xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<96x12544xf32>) -> tensor<96x12544xf32>
  %m = linalg.matmul ins(%a, %b : tensor<96x16xf32>, tensor<16x12544xf32>) outs(%f : tensor<96x12544xf32>) -> tensor<96x12544xf32>
  return %m : tensor<96x12544xf32>
}

// On AVX2 a product of few columns (a 7x7 image's 49) is no expanding
// one: its rows take the blocks of every other product (64 rows, made 48
// for an even count of blocks on two threads).
// CHECK-LABEL: func.func @expanding_few_columns(
// CHECK:         scf.forall (%{{.+}}) = (0) to (960) step (16)
// AVX2-LABEL: func.func @expanding_few_columns(
// AVX2:         scf.forall (%{{.+}}) = (0) to (960) step (48)
func.func @expanding_few_columns(%a: tensor<960x160xf32>, %b: tensor<160x49xf32>) -> tensor<960x49xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<960x49xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<960x49xf32>) -> tensor<960x49xf32>
  %m = linalg.matmul ins(%a, %b : tensor<960x160xf32>, tensor<160x49xf32>) outs(%f : tensor<960x49xf32>) -> tensor<960x49xf32>
  return %m : tensor<960x49xf32>
}

// Not one that expands less (three rows of C per row of B), nor a longer
// K (512): their rows stay in blocks of 64.
// CHECK-LABEL: func.func @not_expanding(
// CHECK:         scf.forall (%{{.+}}, %{{.+}}) = (0, 0) to (192, 3136) step (64, 224)
// CHECK:         scf.forall (%{{.+}}, %{{.+}}) = (0, 0) to (2048, 3136) step (64, 224)
func.func @not_expanding(%a: tensor<192x64xf32>, %b: tensor<64x3136xf32>, %c: tensor<2048x512xf32>, %d: tensor<512x3136xf32>) -> (tensor<192x3136xf32>, tensor<2048x3136xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<192x3136xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<192x3136xf32>) -> tensor<192x3136xf32>
  %m = linalg.matmul ins(%a, %b : tensor<192x64xf32>, tensor<64x3136xf32>) outs(%f : tensor<192x3136xf32>) -> tensor<192x3136xf32>
  %e2 = tensor.empty() : tensor<2048x3136xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<2048x3136xf32>) -> tensor<2048x3136xf32>
  %m2 = linalg.matmul ins(%c, %d : tensor<2048x512xf32>, tensor<512x3136xf32>) outs(%f2 : tensor<2048x3136xf32>) -> tensor<2048x3136xf32>
  return %m, %m2 : tensor<192x3136xf32>, tensor<2048x3136xf32>
}

// MobileNetV3's 1x1 projections at 28x28: 40 rows (5 register tiles: no
// even row split) by 784 columns (no multiple of 32 divides 784) would be
// one block on one thread: 2 column blocks of 392 (12 tiles of 32 and one
// of 8) instead.
// CHECK-LABEL: func.func @even_by_columns(
// CHECK:         scf.forall (%{{.+}}) = (0) to (784) step (392)
// CHECK:           linalg.matmul {autoglm.wide_tiles} ins(%{{.+}}, %{{.+}} : tensor<40x72xf32>, tensor<72x392xf32>) outs(%{{.+}} : tensor<40x392xf32>)
// CHECK:         } {autoglm.kernel = "contraction"}
func.func @even_by_columns(%a: tensor<40x72xf32>, %b: tensor<72x784xf32>) -> tensor<40x784xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<40x784xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<40x784xf32>) -> tensor<40x784xf32>
  %m = linalg.matmul ins(%a, %b : tensor<40x72xf32>, tensor<72x784xf32>) outs(%f : tensor<40x784xf32>) -> tensor<40x784xf32>
  return %m : tensor<40x784xf32>
}

// A MatMul's tall product with a constant weight as B (BERT's projections,
// 128 tokens): rows in two blocks of 64 (one per thread of two, the rows
// the kernels before and after it compute on the same core) and columns in
// blocks of 384, the product marked for 12-row register tiles
// (ContractionTiles.h, chooseTallTiles).
// CHECK-LABEL: func.func @tall_weight(
// CHECK:         scf.forall (%{{.+}}, %{{.+}}) = (0, 0) to (128, 768) step (64, 384)
// CHECK:           linalg.matmul {autoglm.tall_tiles} ins(%{{.+}}, %{{.+}} : tensor<64x768xf32>, tensor<768x384xf32>) outs(%{{.+}} : tensor<64x384xf32>)
func.func @tall_weight(%a: tensor<128x768xf32>, %bias: tensor<768xf32>) -> tensor<128x768xf32> {
  %w = arith.constant dense<0.5> : tensor<768x768xf32>
  %r = autoglm.fused "contraction" (%a, %w, %bias) : (tensor<128x768xf32>, tensor<768x768xf32>, tensor<768xf32>) -> tensor<128x768xf32> {
  ^bb0(%x: tensor<128x768xf32>, %b: tensor<768x768xf32>, %c: tensor<768xf32>):
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<128x768xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<128x768xf32>) -> tensor<128x768xf32>
    %m = linalg.matmul ins(%x, %b : tensor<128x768xf32>, tensor<768x768xf32>) outs(%f : tensor<128x768xf32>) -> tensor<128x768xf32>
    %t = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                         iterator_types = ["parallel", "parallel"]}
        ins(%c : tensor<768xf32>) outs(%m : tensor<128x768xf32>) {
    ^bb0(%in: f32, %out: f32):
      %s = arith.addf %out, %in : f32
      linalg.yield %s : f32
    } -> tensor<128x768xf32>
    autoglm.yield %t : tensor<128x768xf32>
  }
  return %r : tensor<128x768xf32>
}

// A tall product whose constant weight is not a splat reads it packed
// into column panels (WeightPanels.h), as the products of few rows do: each
// block of 64 columns is a loop over its two panels of 32 (a register
// tile's width), each panel's K x 32 rows one sequential stream instead of
// K pieces of rows N apart; the product on each panel keeps its 12-row
// tiles (the packed bytes are checked at the end of the file).
// CHECK-LABEL: func.func @tall_weight_panels(
// CHECK:         arith.constant dense_resource<column_panels{{.*}}> : tensor<4x4x32xf32>
// CHECK:         scf.forall (%{{.+}}, %{{.+}}) = (0, 0) to (128, 128) step (64, 64)
// CHECK:           scf.for %{{.+}} = %{{.+}} to %c2{{.*}} step
// CHECK:             linalg.matmul {autoglm.tall_tiles} ins(%{{.+}}, %{{.+}} : tensor<64x4xf32>, tensor<4x32xf32>) outs(%{{.+}} : tensor<64x32xf32>)
// On AVX2 too (vector-bits=256), in panels of 16 columns, four a block.
// AVX2-LABEL: func.func @tall_weight_panels(
// AVX2:         arith.constant dense_resource<column_panels{{.*}}> : tensor<8x4x16xf32>
// AVX2:         scf.forall (%{{.+}}, %{{.+}}) = (0, 0) to (128, 128) step (64, 64)
// AVX2:           scf.for %{{.+}} = %{{.+}} to %c4{{.*}} step
// AVX2:             linalg.matmul {autoglm.tall_tiles} ins(%{{.+}}, %{{.+}} : tensor<64x4xf32>, tensor<4x16xf32>) outs(%{{.+}} : tensor<64x16xf32>)
// With K in slices (BERT-base's K = 3072 in slices of 768 at one thread;
// here slices of 2 for any size of A): the block's zero fill stays before
// a loop over the two slices, each the loop over the block's panels, each
// panel's product of the slice's 2 columns of A and 2 rows of the panel.
// SLICE-LABEL: func.func @tall_weight_panels(
// SLICE:         scf.forall (%{{.+}}, %{{.+}}) = (0, 0) to (128, 128) step (64, 64)
// SLICE:           %[[A:.+]] = tensor.extract_slice %arg0[%{{.+}}, 0] [64, 4] [1, 1]
// SLICE:           %[[ZERO:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%{{.+}} : tensor<64x64xf32>)
// SLICE:           scf.for %[[S:.+]] = %{{.+}} to %c2{{.*}} step %{{.+}} iter_args(%{{.+}} = %[[ZERO]])
// SLICE:             %[[ROW:.+]] = arith.muli %[[S]], %c2
// SLICE:             %[[AS:.+]] = tensor.extract_slice %[[A]][0, %[[ROW]]] [64, 2] [1, 1]
// SLICE:             scf.for %{{.+}} = %{{.+}} to %c2{{.*}} step
// SLICE:               %[[B:.+]] = tensor.extract_slice %{{.+}}[%{{.+}}, %[[ROW]], 0] [1, 2, 32] [1, 1, 1] : tensor<4x4x32xf32> to tensor<2x32xf32>
// SLICE-NOT:           linalg.fill
// SLICE:               linalg.matmul {autoglm.tall_tiles} ins(%[[AS]], %[[B]] : tensor<64x2xf32>, tensor<2x32xf32>) outs(%{{.+}} : tensor<64x32xf32>)
func.func @tall_weight_panels(%a: tensor<128x4xf32>, %bias: tensor<128xf32>) -> tensor<128x128xf32> {
  %w = arith.constant dense_resource<w4x128> : tensor<4x128xf32>
  %r = autoglm.fused "contraction" (%a, %w, %bias) : (tensor<128x4xf32>, tensor<4x128xf32>, tensor<128xf32>) -> tensor<128x128xf32> {
  ^bb0(%x: tensor<128x4xf32>, %b: tensor<4x128xf32>, %c: tensor<128xf32>):
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<128x128xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<128x128xf32>) -> tensor<128x128xf32>
    %m = linalg.matmul ins(%x, %b : tensor<128x4xf32>, tensor<4x128xf32>) outs(%f : tensor<128x128xf32>) -> tensor<128x128xf32>
    %t = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                         iterator_types = ["parallel", "parallel"]}
        ins(%c : tensor<128xf32>) outs(%m : tensor<128x128xf32>) {
    ^bb0(%in: f32, %out: f32):
      %s = arith.addf %out, %in : f32
      linalg.yield %s : f32
    } -> tensor<128x128xf32>
    autoglm.yield %t : tensor<128x128xf32>
  }
  return %r : tensor<128x128xf32>
}

// A weight of a multiple of 48 columns (BERT's 768, 2304 and 3072) is
// packed into panels of 48 instead, the width of the 8 x 48 register tiles
// that --autoglm-tile-and-vectorize-contractions then cuts its products
// into on AVX-512 (ContractionTiles.h, setTallRegisterTile): blocks of 96
// columns, each a loop over its two panels. AVX2 keeps panels of 16.
// CHECK-LABEL: func.func @tall_weight_panels_48(
// CHECK:         arith.constant dense_resource<column_panels{{.*}}> : tensor<4x4x48xf32>
// CHECK:         scf.forall (%{{.+}}, %{{.+}}) = (0, 0) to (128, 192) step (64, 96)
// CHECK:           scf.for %{{.+}} = %{{.+}} to %c2{{.*}} step
// CHECK:             linalg.matmul {autoglm.tall_tiles} ins(%{{.+}}, %{{.+}} : tensor<64x4xf32>, tensor<4x48xf32>) outs(%{{.+}} : tensor<64x48xf32>)
// AVX2-LABEL: func.func @tall_weight_panels_48(
// AVX2:         arith.constant dense_resource<column_panels{{.*}}> : tensor<12x4x16xf32>
// AVX2:             linalg.matmul {autoglm.tall_tiles} ins(%{{.+}}, %{{.+}} : tensor<64x4xf32>, tensor<4x16xf32>) outs(%{{.+}} : tensor<64x16xf32>)
func.func @tall_weight_panels_48(%a: tensor<128x4xf32>) -> tensor<128x192xf32> {
  %w = arith.constant dense_resource<w4x192> : tensor<4x192xf32>
  %r = autoglm.fused "contraction" (%a, %w) : (tensor<128x4xf32>, tensor<4x192xf32>) -> tensor<128x192xf32> {
  ^bb0(%x: tensor<128x4xf32>, %b: tensor<4x192xf32>):
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<128x192xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<128x192xf32>) -> tensor<128x192xf32>
    %m = linalg.matmul ins(%x, %b : tensor<128x4xf32>, tensor<4x192xf32>) outs(%f : tensor<128x192xf32>) -> tensor<128x192xf32>
    autoglm.yield %m : tensor<128x192xf32>
  }
  return %r : tensor<128x192xf32>
}

// The same product with B an activation (a convolution's input, or
// attention's keys): the 64 x 256 blocks of 8-row tiles, unmarked.
// CHECK-LABEL: func.func @tall_activation(
// CHECK:         scf.forall (%{{.+}}, %{{.+}}) = (0, 0) to (128, 768) step (64, 256)
// CHECK-NOT:       autoglm.tall_tiles
// CHECK:         return
func.func @tall_activation(%a: tensor<128x768xf32>, %w: tensor<768x768xf32>) -> tensor<128x768xf32> {
  %r = autoglm.fused "contraction" (%a, %w) : (tensor<128x768xf32>, tensor<768x768xf32>) -> tensor<128x768xf32> {
  ^bb0(%x: tensor<128x768xf32>, %b: tensor<768x768xf32>):
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<128x768xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<128x768xf32>) -> tensor<128x768xf32>
    %m = linalg.matmul ins(%x, %b : tensor<128x768xf32>, tensor<768x768xf32>) outs(%f : tensor<128x768xf32>) -> tensor<128x768xf32>
    autoglm.yield %m : tensor<128x768xf32>
  }
  return %r : tensor<128x768xf32>
}

// Batch 8's 1024 rows: row blocks of 128 (sixteen 8-row tiles each: N is
// a multiple of 48); a narrower weight (MiniLM's N = 384) in two column
// blocks of 192.
// CHECK-LABEL: func.func @tall_narrow_weight(
// CHECK:         scf.forall (%{{.+}}, %{{.+}}) = (0, 0) to (1024, 384) step (128, 192)
// CHECK:           linalg.matmul {autoglm.tall_tiles} ins(%{{.+}}, %{{.+}} : tensor<128x384xf32>, tensor<384x192xf32>)
func.func @tall_narrow_weight(%a: tensor<1024x384xf32>) -> tensor<1024x384xf32> {
  %w = arith.constant dense<0.5> : tensor<384x384xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1024x384xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1024x384xf32>) -> tensor<1024x384xf32>
  %m = linalg.matmul ins(%a, %w : tensor<1024x384xf32>, tensor<384x384xf32>) outs(%f : tensor<1024x384xf32>) -> tensor<1024x384xf32>
  return %m : tensor<1024x384xf32>
}

// @tall_weight_panels' packed weight: panel 0 (w[0..3][0..31]), then panel
// 1, which starts with w[0][32] = 32.0 (0x42000000, little-endian).
// CHECK:         column_panels{{.*}}: "0x{{0[48]}}000000{{([0-9A-F]{8}){128}()}}00000042
// @tall_weight_panels_48's: panel 0 (w[0..3][0..47]), then panel 1, which
// starts with w[0][48] = 48.0 (0x42400000).
// CHECK:         column_panels{{.*}}: "0x{{0[48]}}000000{{([0-9A-F]{8}){192}()}}00004042

{-#
  dialect_resources: {
    builtin: {
      w4x192: "0x04000000000000000000803F0000004000004040000080400000A0400000C0400000E0400000004100001041000020410000304100004041000050410000604100007041000080410000884100009041000098410000A0410000A8410000B0410000B8410000C0410000C8410000D0410000D8410000E0410000E8410000F0410000F84100000042000004420000084200000C4200001042000014420000184200001C4200002042000024420000284200002C4200003042000034420000384200003C4200004042000044420000484200004C4200005042000054420000584200005C4200006042000064420000684200006C4200007042000074420000784200007C42000080420000824200008442000086420000884200008A4200008C4200008E42000090420000924200009442000096420000984200009A4200009C4200009E420000A0420000A2420000A4420000A6420000A8420000AA420000AC420000AE420000B0420000B2420000B4420000B6420000B8420000BA420000BC420000BE420000C0420000C2420000C4420000C6420000C8420000CA420000CC420000CE420000D0420000D2420000D4420000D6420000D8420000DA420000DC420000DE420000E0420000E2420000E4420000E6420000E8420000EA420000EC420000EE420000F0420000F2420000F4420000F6420000F8420000FA420000FC420000FE420000004300000143000002430000034300000443000005430000064300000743000008430000094300000A4300000B4300000C4300000D4300000E4300000F430000104300001143000012430000134300001443000015430000164300001743000018430000194300001A4300001B4300001C4300001D4300001E4300001F430000204300002143000022430000234300002443000025430000264300002743000028430000294300002A4300002B4300002C4300002D4300002E4300002F430000304300003143000032430000334300003443000035430000364300003743000038430000394300003A4300003B4300003C4300003D4300003E4300003F430000404300004143000042430000434300004443000045430000464300004743000048430000494300004A4300004B4300004C4300004D4300004E4300004F430000504300005143000052430000534300005443000055430000564300005743000058430000594300005A4300005B4300005C4300005D4300005E4300005F430000604300006143000062430000634300006443000065430000664300006743000068430000694300006A4300006B4300006C4300006D4300006E4300006F430000704300007143000072430000734300007443000075430000764300007743000078430000794300007A4300007B4300007C4300007D4300007E4300007F43000080430080804300008143008081430000824300808243000083430080834300008443008084430000854300808543000086430080864300008743008087430000884300808843000089430080894300008A4300808A4300008B4300808B4300008C4300808C4300008D4300808D4300008E4300808E4300008F4300808F43000090430080904300009143008091430000924300809243000093430080934300009443008094430000954300809543000096430080964300009743008097430000984300809843000099430080994300009A4300809A4300009B4300809B4300009C4300809C4300009D4300809D4300009E4300809E4300009F4300809F430000A0430080A0430000A1430080A1430000A2430080A2430000A3430080A3430000A4430080A4430000A5430080A5430000A6430080A6430000A7430080A7430000A8430080A8430000A9430080A9430000AA430080AA430000AB430080AB430000AC430080AC430000AD430080AD430000AE430080AE430000AF430080AF430000B0430080B0430000B1430080B1430000B2430080B2430000B3430080B3430000B4430080B4430000B5430080B5430000B6430080B6430000B7430080B7430000B8430080B8430000B9430080B9430000BA430080BA430000BB430080BB430000BC430080BC430000BD430080BD430000BE430080BE430000BF430080BF430000C0430080C0430000C1430080C1430000C2430080C2430000C3430080C3430000C4430080C4430000C5430080C5430000C6430080C6430000C7430080C7430000C8430080C8430000C9430080C9430000CA430080CA430000CB430080CB430000CC430080CC430000CD430080CD430000CE430080CE430000CF430080CF430000D0430080D0430000D1430080D1430000D2430080D2430000D3430080D3430000D4430080D4430000D5430080D5430000D6430080D6430000D7430080D7430000D8430080D8430000D9430080D9430000DA430080DA430000DB430080DB430000DC430080DC430000DD430080DD430000DE430080DE430000DF430080DF430000E0430080E0430000E1430080E1430000E2430080E2430000E3430080E3430000E4430080E4430000E5430080E5430000E6430080E6430000E7430080E7430000E8430080E8430000E9430080E9430000EA430080EA430000EB430080EB430000EC430080EC430000ED430080ED430000EE430080EE430000EF430080EF430000F0430080F0430000F1430080F1430000F2430080F2430000F3430080F3430000F4430080F4430000F5430080F5430000F6430080F6430000F7430080F7430000F8430080F8430000F9430080F9430000FA430080FA430000FB430080FB430000FC430080FC430000FD430080FD430000FE430080FE430000FF430080FF4300000044004000440080004400C0004400000144004001440080014400C0014400000244004002440080024400C0024400000344004003440080034400C0034400000444004004440080044400C0044400000544004005440080054400C0054400000644004006440080064400C0064400000744004007440080074400C0074400000844004008440080084400C0084400000944004009440080094400C0094400000A4400400A4400800A4400C00A4400000B4400400B4400800B4400C00B4400000C4400400C4400800C4400C00C4400000D4400400D4400800D4400C00D4400000E4400400E4400800E4400C00E4400000F4400400F4400800F4400C00F4400001044004010440080104400C0104400001144004011440080114400C0114400001244004012440080124400C0124400001344004013440080134400C0134400001444004014440080144400C0144400001544004015440080154400C0154400001644004016440080164400C0164400001744004017440080174400C0174400001844004018440080184400C0184400001944004019440080194400C0194400001A4400401A4400801A4400C01A4400001B4400401B4400801B4400C01B4400001C4400401C4400801C4400C01C4400001D4400401D4400801D4400C01D4400001E4400401E4400801E4400C01E4400001F4400401F4400801F4400C01F4400002044004020440080204400C0204400002144004021440080214400C0214400002244004022440080224400C0224400002344004023440080234400C0234400002444004024440080244400C0244400002544004025440080254400C0254400002644004026440080264400C0264400002744004027440080274400C0274400002844004028440080284400C0284400002944004029440080294400C0294400002A4400402A4400802A4400C02A4400002B4400402B4400802B4400C02B4400002C4400402C4400802C4400C02C4400002D4400402D4400802D4400C02D4400002E4400402E4400802E4400C02E4400002F4400402F4400802F4400C02F4400003044004030440080304400C0304400003144004031440080314400C0314400003244004032440080324400C0324400003344004033440080334400C0334400003444004034440080344400C0344400003544004035440080354400C0354400003644004036440080364400C0364400003744004037440080374400C0374400003844004038440080384400C0384400003944004039440080394400C0394400003A4400403A4400803A4400C03A4400003B4400403B4400803B4400C03B4400003C4400403C4400803C4400C03C4400003D4400403D4400803D4400C03D4400003E4400403E4400803E4400C03E4400003F4400403F4400803F4400C03F44",
      w4x128: "0x04000000000000000000803F0000004000004040000080400000A0400000C0400000E0400000004100001041000020410000304100004041000050410000604100007041000080410000884100009041000098410000A0410000A8410000B0410000B8410000C0410000C8410000D0410000D8410000E0410000E8410000F0410000F84100000042000004420000084200000C4200001042000014420000184200001C4200002042000024420000284200002C4200003042000034420000384200003C4200004042000044420000484200004C4200005042000054420000584200005C4200006042000064420000684200006C4200007042000074420000784200007C42000080420000824200008442000086420000884200008A4200008C4200008E42000090420000924200009442000096420000984200009A4200009C4200009E420000A0420000A2420000A4420000A6420000A8420000AA420000AC420000AE420000B0420000B2420000B4420000B6420000B8420000BA420000BC420000BE420000C0420000C2420000C4420000C6420000C8420000CA420000CC420000CE420000D0420000D2420000D4420000D6420000D8420000DA420000DC420000DE420000E0420000E2420000E4420000E6420000E8420000EA420000EC420000EE420000F0420000F2420000F4420000F6420000F8420000FA420000FC420000FE4200007A4400407A4400807A4400C07A4400007B4400407B4400807B4400C07B4400007C4400407C4400807C4400C07C4400007D4400407D4400807D4400C07D4400007E4400407E4400807E4400C07E4400007F4400407F4400807F4400C07F44000080440020804400408044006080440080804400A0804400C0804400E08044000081440020814400408144006081440080814400A0814400C0814400E08144000082440020824400408244006082440080824400A0824400C0824400E08244000083440020834400408344006083440080834400A0834400C0834400E08344000084440020844400408444006084440080844400A0844400C0844400E08444000085440020854400408544006085440080854400A0854400C0854400E08544000086440020864400408644006086440080864400A0864400C0864400E08644000087440020874400408744006087440080874400A0874400C0874400E08744000088440020884400408844006088440080884400A0884400C0884400E08844000089440020894400408944006089440080894400A0894400C0894400E0894400008A4400208A4400408A4400608A4400808A4400A08A4400C08A4400E08A4400008B4400208B4400408B4400608B4400808B4400A08B4400C08B4400E08B4400008C4400208C4400408C4400608C4400808C4400A08C4400C08C4400E08C440000FA440020FA440040FA440060FA440080FA4400A0FA4400C0FA4400E0FA440000FB440020FB440040FB440060FB440080FB4400A0FB4400C0FB4400E0FB440000FC440020FC440040FC440060FC440080FC4400A0FC4400C0FC4400E0FC440000FD440020FD440040FD440060FD440080FD4400A0FD4400C0FD4400E0FD440000FE440020FE440040FE440060FE440080FE4400A0FE4400C0FE4400E0FE440000FF440020FF440040FF440060FF440080FF4400A0FF4400C0FF4400E0FF440000004500100045002000450030004500400045005000450060004500700045008000450090004500A0004500B0004500C0004500D0004500E0004500F000450000014500100145002001450030014500400145005001450060014500700145008001450090014500A0014500B0014500C0014500D0014500E0014500F001450000024500100245002002450030024500400245005002450060024500700245008002450090024500A0024500B0024500C0024500D0024500E0024500F002450000034500100345002003450030034500400345005003450060034500700345008003450090034500A0034500B0034500C0034500D0034500E0034500F003450000044500100445002004450030044500400445005004450060044500700445008004450090044500A0044500B0044500C0044500D0044500E0044500F0044500803B4500903B4500A03B4500B03B4500C03B4500D03B4500E03B4500F03B4500003C4500103C4500203C4500303C4500403C4500503C4500603C4500703C4500803C4500903C4500A03C4500B03C4500C03C4500D03C4500E03C4500F03C4500003D4500103D4500203D4500303D4500403D4500503D4500603D4500703D4500803D4500903D4500A03D4500B03D4500C03D4500D03D4500E03D4500F03D4500003E4500103E4500203E4500303E4500403E4500503E4500603E4500703E4500803E4500903E4500A03E4500B03E4500C03E4500D03E4500E03E4500F03E4500003F4500103F4500203F4500303F4500403F4500503F4500603F4500703F4500803F4500903F4500A03F4500B03F4500C03F4500D03F4500E03F4500F03F450000404500104045002040450030404500404045005040450060404500704045008040450090404500A0404500B0404500C0404500D0404500E0404500F040450000414500104145002041450030414500404145005041450060414500704145008041450090414500A0414500B0414500C0414500D0414500E0414500F041450000424500104245002042450030424500404245005042450060424500704245008042450090424500A0424500B0424500C0424500D0424500E0424500F042450000434500104345002043450030434500404345005043450060434500704345"
    }
  }
#-}
