// RUN: autoglm-opt %s --split-input-file --autoglm-cuda-select-decode-attention | FileCheck %s

// Attention that is not decode attention keeps its region: the dense decode
// kernels take few queries against a long key cache only.

// Prefill in f32 (128 queries against their 128 keys, causal) stays
// attention: every score is computed anyway, by products of their own (the
// tensor-core kernel of encoder-attention.mlir takes f16 only).
// CHECK-LABEL: func.func @prefill
// CHECK:         autoglm.fused "attention"
// CHECK:         autoglm.attention
// CHECK-NOT:     autoglm.decode_attention
func.func @prefill(%q: tensor<1x8x128x64xf32>, %k: tensor<1x2x128x64xf32>, %v: tensor<1x2x128x64xf32>) -> tensor<1x8x128x64xf32> {
  %0 = autoglm.fused "attention"(%q, %k, %v) : (tensor<1x8x128x64xf32>, tensor<1x2x128x64xf32>, tensor<1x2x128x64xf32>) -> tensor<1x8x128x64xf32> {
  ^bb0(%a: tensor<1x8x128x64xf32>, %b: tensor<1x2x128x64xf32>, %c: tensor<1x2x128x64xf32>):
    %1 = autoglm.attention %a, %b, %c {scale = 1.250000e-01 : f64, causal} : (tensor<1x8x128x64xf32>, tensor<1x2x128x64xf32>, tensor<1x2x128x64xf32>) -> tensor<1x8x128x64xf32>
    autoglm.yield %1 : tensor<1x8x128x64xf32>
  }
  return %0 : tensor<1x8x128x64xf32>
}

// -----

// Encoder attention (every token against every token) stays attention.
// CHECK-LABEL: func.func @encoder
// CHECK:         autoglm.fused "attention"
// CHECK-NOT:     autoglm.decode_attention
func.func @encoder(%q: tensor<2x12x64x64xf32>, %k: tensor<2x12x64x64xf32>, %v: tensor<2x12x64x64xf32>) -> tensor<2x12x64x64xf32> {
  %0 = autoglm.fused "attention"(%q, %k, %v) : (tensor<2x12x64x64xf32>, tensor<2x12x64x64xf32>, tensor<2x12x64x64xf32>) -> tensor<2x12x64x64xf32> {
  ^bb0(%a: tensor<2x12x64x64xf32>, %b: tensor<2x12x64x64xf32>, %c: tensor<2x12x64x64xf32>):
    %1 = autoglm.attention %a, %b, %c {scale = 1.250000e-01 : f64} : (tensor<2x12x64x64xf32>, tensor<2x12x64x64xf32>, tensor<2x12x64x64xf32>) -> tensor<2x12x64x64xf32>
    autoglm.yield %1 : tensor<2x12x64x64xf32>
  }
  return %0 : tensor<2x12x64x64xf32>
}

// -----

// One query against a short key set (32 keys: no cache worth splitting)
// stays attention.
// CHECK-LABEL: func.func @short_keys
// CHECK:         autoglm.fused "attention"
// CHECK-NOT:     autoglm.decode_attention
func.func @short_keys(%q: tensor<1x4x1x32xf32>, %k: tensor<1x4x32x32xf32>, %v: tensor<1x4x32x32xf32>) -> tensor<1x4x1x32xf32> {
  %0 = autoglm.fused "attention"(%q, %k, %v) : (tensor<1x4x1x32xf32>, tensor<1x4x32x32xf32>, tensor<1x4x32x32xf32>) -> tensor<1x4x1x32xf32> {
  ^bb0(%a: tensor<1x4x1x32xf32>, %b: tensor<1x4x32x32xf32>, %c: tensor<1x4x32x32xf32>):
    %1 = autoglm.attention %a, %b, %c {scale = 1.250000e-01 : f64} : (tensor<1x4x1x32xf32>, tensor<1x4x32x32xf32>, tensor<1x4x32x32xf32>) -> tensor<1x4x1x32xf32>
    autoglm.yield %1 : tensor<1x4x1x32xf32>
  }
  return %0 : tensor<1x4x1x32xf32>
}
