// RUN: autoglm-opt %s --autoglm-tile-kernel-regions=vector-bits=512 | FileCheck %s --check-prefix=T2
// RUN: autoglm-opt %s --autoglm-tile-kernel-regions="vector-bits=512 threads=16" | FileCheck %s --check-prefix=T16
// RUN: autoglm-opt %s --autoglm-tile-kernel-regions="vector-bits=512 threads=1" | FileCheck %s --check-prefix=T1
// RUN: autoglm-opt %s --autoglm-tile-kernel-regions=vector-bits=256 | FileCheck %s --check-prefix=AVX2

// The cache blocks are what the model's threads share, one parallel
// iteration each (`threads`, the compiler's --cpu-threads). A 1x1
// convolution's product at 14x14 (256 output channels by 196 pixels by
// 256 input channels) is 4 row blocks of 64: an even count, as 2 threads
// (the default) want it, and kept for one. On 16 threads, 4 blocks would
// leave 12 idle: the largest row block whose count the threads divide,
// 16 rows (16 blocks of 802816 multiply-adds).
// T2-LABEL: func.func @rows_for_threads(
// T2:         scf.forall (%{{.+}}) = (0) to (256) step (64)
// T16-LABEL: func.func @rows_for_threads(
// T16:        scf.forall (%{{.+}}) = (0) to (256) step (16)
// T1-LABEL: func.func @rows_for_threads(
// T1:         scf.forall (%{{.+}}) = (0) to (256) step (64)
func.func @rows_for_threads(%w: tensor<256x256xf32>, %x: tensor<256x196xf32>) -> tensor<256x196xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<256x196xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<256x196xf32>) -> tensor<256x196xf32>
  %m = linalg.matmul ins(%w, %x : tensor<256x256xf32>, tensor<256x196xf32>) outs(%f : tensor<256x196xf32>) -> tensor<256x196xf32>
  return %m : tensor<256x196xf32>
}

// MobileNetV2's last 1x1 convolution at 7x7 (320 x 49 x 160): 5 row blocks
// of 64. Two threads get 8 of 40 rows (the largest even count). No multiple
// of 8 rows gives 16 blocks or 32; on 16 threads the count that keeps them
// busiest without blocks under 2^18 multiply-adds (10 blocks of 32 rows
// would have 250880) is 8 too.
// T2-LABEL: func.func @no_division(
// T2:         scf.forall (%{{.+}}) = (0) to (320) step (40)
// T16-LABEL: func.func @no_division(
// T16:        scf.forall (%{{.+}}) = (0) to (320) step (40)
// T1-LABEL: func.func @no_division(
// T1:         scf.forall (%{{.+}}) = (0) to (320) step (64)
func.func @no_division(%w: tensor<320x160xf32>, %x: tensor<160x49xf32>) -> tensor<320x49xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<320x49xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<320x49xf32>) -> tensor<320x49xf32>
  %m = linalg.matmul ins(%w, %x : tensor<320x160xf32>, tensor<160x49xf32>) outs(%f : tensor<320x49xf32>) -> tensor<320x49xf32>
  return %m : tensor<320x49xf32>
}

// A bottleneck's 1x1 product of 64 rows by 196 pixels: one block would
// leave a thread idle, so 2 threads take two row blocks of 32. On AVX2 the
// row blocks are multiples of 8 there too (6-row tiles: 32 = 5 x 6 + 2),
// not 64 - 6k (which first divides 64 at 16: 4 blocks of 6 + 6 + 4).
// AVX2-LABEL: func.func @avx2_even_rows(
// AVX2:         scf.forall (%{{.+}}) = (0) to (64) step (32)
// T2-LABEL: func.func @avx2_even_rows(
// T2:         scf.forall (%{{.+}}) = (0) to (64) step (32)
func.func @avx2_even_rows(%w: tensor<64x256xf32>, %x: tensor<256x196xf32>) -> tensor<64x196xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x196xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<64x196xf32>) -> tensor<64x196xf32>
  %m = linalg.matmul ins(%w, %x : tensor<64x256xf32>, tensor<256x196xf32>) outs(%f : tensor<64x196xf32>) -> tensor<64x196xf32>
  return %m : tensor<64x196xf32>
}

// A tall product with a constant weight (BERT's projection at 128 tokens):
// two threads take a row block of 64 each; one thread keeps all 128 rows in
// one block (10 register tiles of 12 rows and one of 8, not 5 and one of 4
// per block), the columns in blocks of 384 either way.
// T2-LABEL: func.func @tall_rows_for_threads(
// T2:         scf.forall (%{{.+}}, %{{.+}}) = (0, 0) to (128, 768) step (64, 384)
// T2:           linalg.matmul {autoglm.tall_tiles} ins(%{{.+}}, %{{.+}} : tensor<64x768xf32>, tensor<768x384xf32>)
// T1-LABEL: func.func @tall_rows_for_threads(
// T1:         scf.forall (%{{.+}}) = (0) to (768) step (384)
// T1:           linalg.matmul {autoglm.tall_tiles} ins(%{{.+}}, %{{.+}} : tensor<128x768xf32>, tensor<768x384xf32>)
func.func @tall_rows_for_threads(%a: tensor<128x768xf32>) -> tensor<128x768xf32> {
  %w = arith.constant dense<0.5> : tensor<768x768xf32>
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

// MobileNetV2's 1x1 projection to 32 channels at 28x28 (32 x 784 x 192):
// 2 column blocks of 392 for 2 threads. On 16 threads no row block alone
// makes more than 4: rows and columns together, 4 x 4 blocks of 8
// rows by 196 columns (784 = 24 x 32 + 16 columns leave 16 to narrower
// register tiles; four blocks of 6 x 32 + 4 leave as many).
// T2-LABEL: func.func @rows_and_columns(
// T2:         scf.forall (%{{.+}}) = (0) to (784) step (392)
// T16-LABEL: func.func @rows_and_columns(
// T16:        scf.forall (%{{.+}}, %{{.+}}) = (0, 0) to (32, 784) step (8, 196)
// T16:          linalg.matmul {autoglm.wide_tiles} ins(%{{.+}}, %{{.+}} : tensor<8x192xf32>, tensor<192x196xf32>)
func.func @rows_and_columns(%w: tensor<32x192xf32>, %x: tensor<192x784xf32>) -> tensor<32x784xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<32x784xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<32x784xf32>) -> tensor<32x784xf32>
  %m = linalg.matmul ins(%w, %x : tensor<32x192xf32>, tensor<192x784xf32>) outs(%f : tensor<32x784xf32>) -> tensor<32x784xf32>
  return %m : tensor<32x784xf32>
}

// A weight (a convolution's filter: 256 output channels by 64 input
// channels) times activations of 3136 pixels, in blocks of 16 rows by 224
// columns. On 2 threads the grid runs column blocks outermost, so that the
// runtime's halves of its loop are halves of the columns: each thread reads
// half of the activations and all of the 64 KB weight, not all of the
// activations. Not with 1 or 16 threads, nor where A is not a constant
// (@grid_of_activations) or N is not larger than M (@grid_of_more_rows).
// T2-LABEL: func.func @columns_outermost(
// T2:         scf.forall (%[[J:.+]], %[[I:.+]]) = (0, 0) to (3136, 256) step (224, 16)
// T2:           tensor.extract_slice %{{.+}}[%[[I]], 0] [16, 64]
// T2:           tensor.extract_slice %{{.+}}[0, %[[J]]] [64, 224]
// T2:           linalg.matmul {autoglm.wide_tiles} ins(%{{.+}}, %{{.+}} : tensor<16x64xf32>, tensor<64x224xf32>)
// T1-LABEL: func.func @columns_outermost(
// T1:         scf.forall (%{{.+}}, %{{.+}}) = (0, 0) to (256, 3136) step (16, 224)
// T16-LABEL: func.func @columns_outermost(
// T16:        scf.forall (%{{.+}}, %{{.+}}) = (0, 0) to (256, 3136) step (16, {{[0-9]+}})
func.func @columns_outermost(%x: tensor<64x3136xf32>) -> tensor<256x3136xf32> {
  %w = arith.constant dense<0.5> : tensor<256x64xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<256x3136xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<256x3136xf32>) -> tensor<256x3136xf32>
  %m = linalg.matmul ins(%w, %x : tensor<256x64xf32>, tensor<64x3136xf32>) outs(%f : tensor<256x3136xf32>) -> tensor<256x3136xf32>
  return %m : tensor<256x3136xf32>
}

// The same product in a loop whose images run in lanes, a thread each
// (autoglm.batch_lanes): it runs on its lane's thread alone, and is cut as
// for one thread, row blocks outermost.
// T2-LABEL: func.func @columns_in_lane(
// T2:         scf.for
// T2:           scf.forall (%{{.+}}, %{{.+}}) = (0, 0) to (256, 3136) step (16, 224)
// T2:         } {autoglm.batch_lanes = 2 : i64, autoglm.batch_loop}
func.func @columns_in_lane(%x: tensor<64x3136xf32>, %out: tensor<2x256x3136xf32>) -> tensor<2x256x3136xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %w = arith.constant dense<0.5> : tensor<256x64xf32>
  %zero = arith.constant 0.0 : f32
  %r = scf.for %n = %c0 to %c2 step %c1 iter_args(%o = %out) -> (tensor<2x256x3136xf32>) {
    %e = tensor.empty() : tensor<256x3136xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<256x3136xf32>) -> tensor<256x3136xf32>
    %m = linalg.matmul ins(%w, %x : tensor<256x64xf32>, tensor<64x3136xf32>) outs(%f : tensor<256x3136xf32>) -> tensor<256x3136xf32>
    %i = tensor.insert_slice %m into %o[%n, 0, 0] [1, 256, 3136] [1, 1, 1] : tensor<256x3136xf32> into tensor<2x256x3136xf32>
    scf.yield %i : tensor<2x256x3136xf32>
  } {autoglm.batch_loop, autoglm.batch_lanes = 2 : i64}
  return %r : tensor<2x256x3136xf32>
}

// The same product of two activations keeps row blocks outermost.
// T2-LABEL: func.func @grid_of_activations(
// T2:         scf.forall (%{{.+}}, %{{.+}}) = (0, 0) to (256, 3136) step (16, 224)
func.func @grid_of_activations(%a: tensor<256x64xf32>, %x: tensor<64x3136xf32>) -> tensor<256x3136xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<256x3136xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<256x3136xf32>) -> tensor<256x3136xf32>
  %m = linalg.matmul ins(%a, %x : tensor<256x64xf32>, tensor<64x3136xf32>) outs(%f : tensor<256x3136xf32>) -> tensor<256x3136xf32>
  return %m : tensor<256x3136xf32>
}

// 1024 rows of a weight by 512 columns: row blocks stay outermost.
// T2-LABEL: func.func @grid_of_more_rows(
// T2:         scf.forall (%{{.+}}, %{{.+}}) = (0, 0) to (1024, 512) step (16, 256)
func.func @grid_of_more_rows(%x: tensor<64x512xf32>) -> tensor<1024x512xf32> {
  %w = arith.constant dense<0.5> : tensor<1024x64xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1024x512xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1024x512xf32>) -> tensor<1024x512xf32>
  %m = linalg.matmul ins(%w, %x : tensor<1024x64xf32>, tensor<64x512xf32>) outs(%f : tensor<1024x512xf32>) -> tensor<1024x512xf32>
  return %m : tensor<1024x512xf32>
}
