// RUN: autoglm-opt %s --autoglm-tile-kernel-regions=vector-bits=512 | FileCheck %s
// RUN: autoglm-opt %s --autoglm-tile-kernel-regions="vector-bits=512 wide-tiles=0" | FileCheck %s --check-prefix=OFF
// RUN: autoglm-opt %s --autoglm-tile-kernel-regions=vector-bits=256 | FileCheck %s --check-prefix=AVX2

// On AVX-512, an f32 product of more rows than a streamed weight's that
// does not get the tall tiles is marked for register tiles three vectors
// wide (`autoglm.wide_tiles`, which --autoglm-tile-and-vectorize-contractions
// reads), its blocks cut as for two-vector tiles: a 1x1 convolution's
// product (weight as A, 64 x 256 by 256 x 3136 pixels) in blocks of 224
// columns, and attention's scores. Not with `wide-tiles=0`, nor on AVX2.
// CHECK-LABEL: func.func @conv_product(
// CHECK:         scf.forall (%{{.+}}) = (0) to (3136) step (224)
// CHECK:           linalg.matmul {autoglm.wide_tiles} ins(%{{.+}}, %{{.+}} : tensor<64x256xf32>, tensor<256x224xf32>)
// OFF-LABEL:     func.func @conv_product(
// OFF:             scf.forall (%{{.+}}) = (0) to (3136) step (224)
// OFF:             linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<64x256xf32>, tensor<256x224xf32>)
// AVX2-LABEL:    func.func @conv_product(
// AVX2-NOT:        autoglm.wide_tiles
// AVX2:          return
func.func @conv_product(%x: tensor<256x3136xf32>, %bias: tensor<64xf32>) -> tensor<64x3136xf32> {
  %w = arith.constant dense<0.5> : tensor<64x256xf32>
  %r = autoglm.fused "contraction" (%w, %x, %bias) : (tensor<64x256xf32>, tensor<256x3136xf32>, tensor<64xf32>) -> tensor<64x3136xf32> {
  ^bb0(%a: tensor<64x256xf32>, %b: tensor<256x3136xf32>, %c: tensor<64xf32>):
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<64x3136xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<64x3136xf32>) -> tensor<64x3136xf32>
    %m = linalg.matmul ins(%a, %b : tensor<64x256xf32>, tensor<256x3136xf32>) outs(%f : tensor<64x3136xf32>) -> tensor<64x3136xf32>
    %t = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>],
                         iterator_types = ["parallel", "parallel"]}
        ins(%c : tensor<64xf32>) outs(%m : tensor<64x3136xf32>) {
    ^bb0(%in: f32, %out: f32):
      %s = arith.addf %out, %in : f32
      linalg.yield %s : f32
    } -> tensor<64x3136xf32>
    autoglm.yield %t : tensor<64x3136xf32>
  }
  return %r : tensor<64x3136xf32>
}

// CHECK-LABEL: func.func @attention_scores(
// CHECK:         linalg.batch_matmul {autoglm.wide_tiles} ins(%{{.+}}, %{{.+}} : tensor<1x64x64xf32>, tensor<1x64x128xf32>)
// OFF-LABEL:   func.func @attention_scores(
// OFF:           linalg.batch_matmul ins(
func.func @attention_scores(%q: tensor<12x128x64xf32>, %k: tensor<12x64x128xf32>) -> tensor<12x128x128xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<12x128x128xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<12x128x128xf32>) -> tensor<12x128x128xf32>
  %m = linalg.batch_matmul ins(%q, %k : tensor<12x128x64xf32>, tensor<12x64x128xf32>) outs(%f : tensor<12x128x128xf32>) -> tensor<12x128x128xf32>
  return %m : tensor<12x128x128xf32>
}

// Sixteen rows (at most two register tiles: a decoder step's at batch 16)
// stay unmarked: such a product streams its weight, and its panels are
// one two-vector tile wide.
// CHECK-LABEL: func.func @few_rows(
// CHECK-NOT:     autoglm.wide_tiles
// CHECK:         return
func.func @few_rows(%a: tensor<16x768xf32>, %b: tensor<768x768xf32>) -> tensor<16x768xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16x768xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<16x768xf32>) -> tensor<16x768xf32>
  %m = linalg.matmul ins(%a, %b : tensor<16x768xf32>, tensor<768x768xf32>) outs(%f : tensor<16x768xf32>) -> tensor<16x768xf32>
  return %m : tensor<16x768xf32>
}

// A tall product by a constant weight (BERT's) takes the tall tiles, not
// the wide ones.
// CHECK-LABEL: func.func @tall_weight(
// CHECK:         linalg.matmul {autoglm.tall_tiles} ins(
// CHECK-NOT:     autoglm.wide_tiles
// CHECK:         return
func.func @tall_weight(%a: tensor<128x768xf32>) -> tensor<128x768xf32> {
  %w = arith.constant dense<0.5> : tensor<768x768xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<128x768xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<128x768xf32>) -> tensor<128x768xf32>
  %m = linalg.matmul ins(%a, %w : tensor<128x768xf32>, tensor<768x768xf32>) outs(%f : tensor<128x768xf32>) -> tensor<128x768xf32>
  return %m : tensor<128x768xf32>
}
