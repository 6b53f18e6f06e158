// RUN: autoglm-opt %s --autoglm-lower-to-linalg | FileCheck %s

// Grouped-query attention: 4 query heads share 2 key/value heads. Both
// products are batch matmuls over the 2 key/value heads, each group's 2
// query heads times 3 queries as the 6 rows (reshaped in place). With at
// most 8 rows (a decoder step) the scores are K q^T: K read in place, only
// q and the small scores^T transposed; no contraction generic.
// CHECK-LABEL: func.func @attention(
// CHECK:         %[[QT:.+]] = linalg.transpose ins(%{{.+}} : tensor<2x6x8xf32>) outs(%{{.+}} : tensor<2x8x6xf32>) permutation = [0, 2, 1]
// CHECK:         %[[K3:.+]] = tensor.collapse_shape %arg1 {{.+}} into tensor<2x5x8xf32>
// CHECK:         %[[ST:.+]] = linalg.batch_matmul ins(%[[K3]], %[[QT]] : tensor<2x5x8xf32>, tensor<2x8x6xf32>) outs(%{{.+}} : tensor<2x5x6xf32>)
// CHECK:         linalg.transpose ins(%[[ST]] : tensor<2x5x6xf32>) outs(%{{.+}} : tensor<2x6x5xf32>) permutation = [0, 2, 1]
// CHECK:         %[[S4:.+]] = tensor.expand_shape %{{.+}} output_shape [1, 4, 3, 5]
// scale, boolean mask, causal limit (query i sees keys up to i + 5 - 3)
// CHECK:         linalg.generic {{.+}} ins(%[[S4]], %arg3 : tensor<1x4x3x5xf32>, tensor<3x5xi1>)
// CHECK:           arith.constant 5.000000e-01 : f32
// CHECK:           arith.select
// CHECK:           arith.constant 2 : index
// CHECK:           arith.cmpi sgt
// softmax, then P V
// CHECK:         math.exp
// CHECK:         arith.divf
// CHECK:         %[[V3:.+]] = tensor.collapse_shape %arg2 {{.+}} into tensor<2x5x6xf32>
// CHECK:         linalg.batch_matmul ins(%{{.+}}, %[[V3]] : tensor<2x6x5xf32>, tensor<2x5x6xf32>)
// CHECK-NOT:     iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
// CHECK:         return %{{.+}} : tensor<1x4x3x6xf32>
func.func @attention(%q: tensor<1x4x3x8xf32>, %k: tensor<1x2x5x8xf32>, %v: tensor<1x2x5x6xf32>, %m: tensor<3x5xi1>) -> tensor<1x4x3x6xf32> {
  %0 = autoglm.attention %q, %k, %v, %m {causal, scale = 0.5 : f64} : (tensor<1x4x3x8xf32>, tensor<1x2x5x8xf32>, tensor<1x2x5x6xf32>, tensor<3x5xi1>) -> tensor<1x4x3x6xf32>
  return %0 : tensor<1x4x3x6xf32>
}

// One key/value head per query head and 9 queries (a prefill: more than 8
// rows): both products are batch matmuls over the B*H = 8 heads (the CPU
// target tiles and vectorizes those), K is transposed once.
// CHECK-LABEL: func.func @attention_heads(
// CHECK:         %[[KT:.+]] = linalg.transpose ins(%arg1 : tensor<2x4x5x8xf32>) outs(%{{.+}} : tensor<2x4x8x5xf32>) permutation = [0, 1, 3, 2]
// CHECK:         %[[K3:.+]] = tensor.collapse_shape %[[KT]] {{.+}} into tensor<8x8x5xf32>
// CHECK:         linalg.batch_matmul ins(%{{.+}}, %[[K3]] : tensor<8x9x8xf32>, tensor<8x8x5xf32>)
// CHECK:         math.exp
// CHECK:         linalg.batch_matmul ins(%{{.+}}, %{{.+}} : tensor<8x9x5xf32>, tensor<8x5x6xf32>)
// CHECK-NOT:     iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
// CHECK:         return
func.func @attention_heads(%q: tensor<2x4x9x8xf32>, %k: tensor<2x4x5x8xf32>, %v: tensor<2x4x5x6xf32>) -> tensor<2x4x9x6xf32> {
  %0 = autoglm.attention %q, %k, %v {scale = 0.5 : f64} : (tensor<2x4x9x8xf32>, tensor<2x4x5x8xf32>, tensor<2x4x5x6xf32>) -> tensor<2x4x9x6xf32>
  return %0 : tensor<2x4x9x6xf32>
}

// f16 attention: f16 products accumulated in f32 (K transposed, also for
// few rows), the scores and softmax in f32, the probabilities cast to f16
// for the second product, its f32 sums cast to the f16 result.
// CHECK-LABEL: func.func @attention_f16(
// CHECK:         linalg.batch_matmul ins(%{{.+}}, %{{.+}} : tensor<2x3x8xf16>, tensor<2x8x5xf16>) outs(%{{.+}} : tensor<2x3x5xf32>)
// CHECK:         arith.extf %{{.+}} : f16 to f32
// CHECK:         math.exp
// CHECK:         arith.truncf %{{.+}} : f32 to f16
// CHECK:         linalg.batch_matmul ins(%{{.+}}, %{{.+}} : tensor<2x3x5xf16>, tensor<2x5x6xf16>) outs(%{{.+}} : tensor<2x3x6xf32>)
// CHECK:         arith.truncf %{{.+}} : f32 to f16
// CHECK:         return %{{.+}} : tensor<1x2x3x6xf16>
func.func @attention_f16(%q: tensor<1x2x3x8xf16>, %k: tensor<1x2x5x8xf16>, %v: tensor<1x2x5x6xf16>, %m: tensor<1x1x1x5xf16>) -> tensor<1x2x3x6xf16> {
  %0 = autoglm.attention %q, %k, %v, %m {scale = 0.5 : f64} : (tensor<1x2x3x8xf16>, tensor<1x2x5x8xf16>, tensor<1x2x5x6xf16>, tensor<1x1x1x5xf16>) -> tensor<1x2x3x6xf16>
  return %0 : tensor<1x2x3x6xf16>
}

// top_k < Sk: scores ranked along the keys, those of rank >= 2 get -inf.
// CHECK-LABEL: func.func @sparse_attention(
// CHECK:         arith.addf
// CHECK:         %[[R:.+]] = linalg.generic {{.+}} outs(%{{.+}} : tensor<1x1x2x4xi64>)
// CHECK:           arith.cmpf ogt
// CHECK:         linalg.generic {{.+}} ins(%{{.+}}, %[[R]] : tensor<1x1x2x4xf32>, tensor<1x1x2x4xi64>)
// CHECK:           %[[K:.+]] = arith.constant 2 : i64
// CHECK:           arith.cmpi slt, %{{.+}}, %[[K]] : i64
// top_k >= Sk: plain attention, no ranking.
// CHECK-LABEL: func.func @sparse_attention_exact(
// CHECK-NOT:     tensor<1x1x2x4xi64>
// CHECK:         return
func.func @sparse_attention(%q: tensor<1x1x2x4xf32>, %k: tensor<1x1x4x4xf32>, %v: tensor<1x1x4x4xf32>, %m: tensor<1x1x1x4xf32>) -> tensor<1x1x2x4xf32> {
  %0 = autoglm.sparse_attention %q, %k, %v, %m {scale = 1.0 : f64, top_k = 2 : i64} : (tensor<1x1x2x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x1x4xf32>) -> tensor<1x1x2x4xf32>
  return %0 : tensor<1x1x2x4xf32>
}
func.func @sparse_attention_exact(%q: tensor<1x1x2x4xf32>, %k: tensor<1x1x4x4xf32>, %v: tensor<1x1x4x4xf32>) -> tensor<1x1x2x4xf32> {
  %0 = autoglm.sparse_attention %q, %k, %v {scale = 1.0 : f64, top_k = 4 : i64} : (tensor<1x1x2x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x1x2x4xf32>
  return %0 : tensor<1x1x2x4xf32>
}

// The fused region's body is lowered, then its generics become one; the
// region stays (one kernel for code generation).
// CHECK-LABEL: func.func @fused(
// CHECK:         %[[R:.+]] = autoglm.fused "elementwise"(%arg0, %arg1)
// CHECK-NEXT:    ^bb0(%[[X:.+]]: tensor<4xf32>, %[[Y:.+]]: tensor<4xf32>):
// CHECK-NOT:     autoglm.
// CHECK:         %[[T:.+]] = linalg.generic {{.+}} ins(%[[X]], %[[Y]] : tensor<4xf32>, tensor<4xf32>)
// CHECK:           arith.addf
// CHECK-NEXT:      math.tanh
// CHECK-NOT:     linalg.generic
// CHECK:         autoglm.yield %[[T]]
// CHECK:         return %[[R]]
func.func @fused(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %0 = autoglm.fused "elementwise" (%a, %b) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%x: tensor<4xf32>, %y: tensor<4xf32>):
    %s = autoglm.add %x, %y : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
    %t = autoglm.tanh %s : tensor<4xf32>
    autoglm.yield %t : tensor<4xf32>
  }
  return %0 : tensor<4xf32>
}

// q = clamp(round_even(x / 0.5) + 3, -128, 127) as i8; back: (q - 3) * 0.5.
// CHECK-LABEL: func.func @quantize(
// CHECK-SAME:    -> (tensor<4xi8>, tensor<4xf32>, tensor<2x3xi8>)
// CHECK:         linalg.generic
// CHECK:           arith.divf
// CHECK:           math.roundeven
// CHECK:           arith.addf
// CHECK:           arith.constant -1.280000e+02 : f32
// CHECK:           arith.constant 1.270000e+02 : f32
// CHECK:           arith.fptosi %{{.+}} : f32 to i8
// CHECK:         linalg.generic
// CHECK:           arith.sitofp %{{.+}} : i8 to f32
// CHECK:           arith.subf
// CHECK:           arith.mulf
// Per axis (dimension 1): scale and zero-point tables read along d1; the
// unsigned storage converts with fptoui.
// CHECK:         %[[SC:.+]] = arith.constant dense<[5.000000e-01, 2.500000e-01, 1.000000e+00]> : tensor<3xf32>
// CHECK:         %[[ZP:.+]] = arith.constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<3xf32>
// CHECK:         linalg.generic {{.+}} ins(%arg1, %[[SC]], %[[ZP]] : tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>)
// CHECK:           arith.fptoui %{{.+}} : f32 to i8
func.func @quantize(%x: tensor<4xf32>, %y: tensor<2x3xf32>) -> (tensor<4x!quant.uniform<i8:f32, 0.5:3>>, tensor<4xf32>, tensor<2x3x!quant.uniform<u8:f32:1, {0.5:1, 0.25:2, 1.0:3}>>) {
  %q = autoglm.quantize %x : tensor<4xf32> to tensor<4x!quant.uniform<i8:f32, 0.5:3>>
  %d = autoglm.dequantize %q : tensor<4x!quant.uniform<i8:f32, 0.5:3>> to tensor<4xf32>
  %p = autoglm.quantize %y : tensor<2x3xf32> to tensor<2x3x!quant.uniform<u8:f32:1, {0.5:1, 0.25:2, 1.0:3}>>
  return %q, %d, %p : tensor<4x!quant.uniform<i8:f32, 0.5:3>>, tensor<4xf32>, tensor<2x3x!quant.uniform<u8:f32:1, {0.5:1, 0.25:2, 1.0:3}>>
}
