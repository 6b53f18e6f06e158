// RUN: autoglm-opt %s | autoglm-opt | FileCheck %s
// RUN: autoglm-opt %s --mlir-print-op-generic | autoglm-opt | FileCheck %s

// Round trip of autoglm.topk_attention: grouped-query heads (8 query heads
// over 2 key/value heads), with and without a mask and causal limit.

// CHECK-LABEL: func.func @topk_attention(
// CHECK-NEXT:    %0 = autoglm.topk_attention %arg0, %arg1, %arg2 {scale = 1.250000e-01 : f64, sink = 4 : i64, top_k = 64 : i64, window = 16 : i64} : (tensor<1x8x1x64xf32>, tensor<1x2x512x64xf32>, tensor<1x2x512x64xf32>) -> tensor<1x8x1x64xf32>
// CHECK-NEXT:    %1 = autoglm.topk_attention %arg0, %arg1, %arg2, %arg3 {causal, scale = 1.250000e-01 : f64, sink = 0 : i64, top_k = 1 : i64, window = 0 : i64} : (tensor<1x8x1x64xf32>, tensor<1x2x512x64xf32>, tensor<1x2x512x64xf32>, tensor<1x1x1x512xi1>) -> tensor<1x8x1x64xf32>
func.func @topk_attention(%q: tensor<1x8x1x64xf32>, %k: tensor<1x2x512x64xf32>, %v: tensor<1x2x512x64xf32>, %m: tensor<1x1x1x512xi1>) -> (tensor<1x8x1x64xf32>, tensor<1x8x1x64xf32>) {
  %0 = autoglm.topk_attention %q, %k, %v {scale = 0.125 : f64, top_k = 64 : i64, sink = 4 : i64, window = 16 : i64} : (tensor<1x8x1x64xf32>, tensor<1x2x512x64xf32>, tensor<1x2x512x64xf32>) -> tensor<1x8x1x64xf32>
  %1 = autoglm.topk_attention %q, %k, %v, %m {causal, scale = 0.125 : f64, top_k = 1 : i64, sink = 0 : i64, window = 0 : i64} : (tensor<1x8x1x64xf32>, tensor<1x2x512x64xf32>, tensor<1x2x512x64xf32>, tensor<1x1x1x512xi1>) -> tensor<1x8x1x64xf32>
  return %0, %1 : tensor<1x8x1x64xf32>, tensor<1x8x1x64xf32>
}

// Page granularity: the per-page key bounds after the mask.
// CHECK-LABEL: func.func @pages(
// CHECK:         autoglm.topk_attention %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} pages(%{{.*}}, %{{.*}}) {page_size = 16 : i64, scale = 1.250000e-01 : f64, sink = 4 : i64, top_k = 32 : i64, window = 16 : i64}
func.func @pages(%q: tensor<1x8x1x64xf32>, %k: tensor<1x2x128x64xf32>, %m: tensor<1x1x1x128xi1>, %lo: tensor<1x2x8x64xf32>, %hi: tensor<1x2x8x64xf32>) -> tensor<1x8x1x64xf32> {
  %0 = autoglm.topk_attention %q, %k, %k, %m pages(%lo, %hi) {page_size = 16 : i64, scale = 0.125 : f64, top_k = 32 : i64, sink = 4 : i64, window = 16 : i64} : (tensor<1x8x1x64xf32>, tensor<1x2x128x64xf32>, tensor<1x2x128x64xf32>, tensor<1x1x1x128xi1>, tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32>) -> tensor<1x8x1x64xf32>
  return %0 : tensor<1x8x1x64xf32>
}
