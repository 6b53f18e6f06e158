// RUN: autoglm-opt %s --autoglm-tile-kernel-regions=vector-bits=512 | FileCheck %s

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
// CHECK:           %[[M:.+]] = linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<64x512xf32>, tensor<512x256xf32>) outs(%[[F]] : tensor<64x256xf32>)
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
// CHECK:           linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<64x1024xf32>, tensor<1024x256xf32>) outs(%{{.+}} : tensor<64x256xf32>)
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

// MobileNetV2's 1x1 products as the threads share them. 32 rows by 784
// columns (no multiple of 32 divides 784) would be one block on one
// thread: 2 blocks of 16 rows instead.
// CHECK-LABEL: func.func @even_from_one(
// CHECK:         scf.forall (%{{.+}}) = (0) to (32) step (16)
// CHECK:           linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<16x192xf32>, tensor<192x784xf32>) outs(%{{.+}} : tensor<16x784xf32>)
// CHECK:         } {autoglm.kernel = "contraction"}
func.func @even_from_one(%a: tensor<32x192xf32>, %b: tensor<192x784xf32>) -> tensor<32x784xf32> {
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
// CHECK:           linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<48x32xf32>, tensor<32x784xf32>) outs(%{{.+}} : tensor<48x784xf32>)
// CHECK:         } {autoglm.kernel = "contraction"}
func.func @even_from_three(%a: tensor<192x32xf32>, %b: tensor<32x784xf32>) -> tensor<192x784xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<192x784xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<192x784xf32>) -> tensor<192x784xf32>
  %m = linalg.matmul ins(%a, %b : tensor<192x32xf32>, tensor<32x784xf32>) outs(%f : tensor<192x784xf32>) -> tensor<192x784xf32>
  return %m : tensor<192x784xf32>
}

// MobileNetV3's 1x1 projections at 28x28: 40 rows (5 register tiles: no
// even row split) by 784 columns (no multiple of 32 divides 784) would be
// one block on one thread: 2 column blocks of 392 (12 tiles of 32 and one
// of 8) instead.
// CHECK-LABEL: func.func @even_by_columns(
// CHECK:         scf.forall (%{{.+}}) = (0) to (784) step (392)
// CHECK:           linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<40x72xf32>, tensor<72x392xf32>) outs(%{{.+}} : tensor<40x392xf32>)
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

// Batch 8's 1024 rows: row blocks of 128 (ten 12-row tiles and one of 8
// each); a narrower weight (MiniLM's N = 384) in two column blocks of 192.
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
