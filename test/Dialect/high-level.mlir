// RUN: autoglm-opt %s | autoglm-opt | FileCheck %s
// RUN: autoglm-opt %s --mlir-print-op-generic | autoglm-opt | FileCheck %s

// Round trip of the high-level ops: attention and sparse_attention with and
// without their optional mask (float and boolean), grouped-query attention,
// fused regions with their yield, quantize / dequantize with per-tensor and
// per-axis !quant.uniform types.

// CHECK-LABEL: func.func @attention(
// CHECK-SAME:  %arg0: tensor<2x8x16x64xf32>, %arg1: tensor<2x8x16x64xf32>, %arg2: tensor<2x8x16x64xf32>, %arg3: tensor<2x1x16x16xf32>, %arg4: tensor<16x16xi1>) -> (tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>) {
// CHECK-NEXT:    %0 = autoglm.attention %arg0, %arg1, %arg2 {scale = 1.250000e-01 : f64} : (tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>) -> tensor<2x8x16x64xf32>
// CHECK-NEXT:    %1 = autoglm.attention %arg0, %arg1, %arg2, %arg3 {scale = 1.250000e-01 : f64} : (tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>, tensor<2x1x16x16xf32>) -> tensor<2x8x16x64xf32>
// CHECK-NEXT:    %2 = autoglm.attention %arg0, %arg1, %arg2, %arg4 {causal, scale = 1.250000e-01 : f64} : (tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>, tensor<16x16xi1>) -> tensor<2x8x16x64xf32>
// CHECK-NEXT:    return %0, %1, %2 : tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>
func.func @attention(%q: tensor<2x8x16x64xf32>, %k: tensor<2x8x16x64xf32>, %v: tensor<2x8x16x64xf32>, %m: tensor<2x1x16x16xf32>, %b: tensor<16x16xi1>) -> (tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>) {
  %0 = autoglm.attention %q, %k, %v {scale = 1.250000e-01 : f64} : (tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>) -> tensor<2x8x16x64xf32>
  // Additive float mask, broadcast over the heads.
  %1 = autoglm.attention %q, %k, %v, %m {scale = 1.250000e-01 : f64} : (tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>, tensor<2x1x16x16xf32>) -> tensor<2x8x16x64xf32>
  // Boolean mask of lower rank, causal.
  %2 = autoglm.attention %q, %k, %v, %b {causal, scale = 1.250000e-01 : f64} : (tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>, tensor<16x16xi1>) -> tensor<2x8x16x64xf32>
  return %0, %1, %2 : tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>
}

// Grouped-query attention (32 query heads over 8 key/value heads), a value
// head size different from the query's, dynamic batch and sequence lengths.
// CHECK-LABEL: func.func @attention_gqa(
// CHECK-SAME:  %arg0: tensor<?x32x?x128xf16>, %arg1: tensor<?x8x?x128xf16>, %arg2: tensor<?x8x?x64xf16>, %arg3: tensor<?x1x1x?xi1>) -> tensor<?x32x?x64xf16> {
// CHECK-NEXT:    %0 = autoglm.attention %arg0, %arg1, %arg2, %arg3 {causal, scale = 0.088388347648318433 : f64} : (tensor<?x32x?x128xf16>, tensor<?x8x?x128xf16>, tensor<?x8x?x64xf16>, tensor<?x1x1x?xi1>) -> tensor<?x32x?x64xf16>
// CHECK-NEXT:    return %0 : tensor<?x32x?x64xf16>
func.func @attention_gqa(%q: tensor<?x32x?x128xf16>, %k: tensor<?x8x?x128xf16>, %v: tensor<?x8x?x64xf16>, %m: tensor<?x1x1x?xi1>) -> tensor<?x32x?x64xf16> {
  %0 = autoglm.attention %q, %k, %v, %m {causal, scale = 0.088388347648318433 : f64} : (tensor<?x32x?x128xf16>, tensor<?x8x?x128xf16>, tensor<?x8x?x64xf16>, tensor<?x1x1x?xi1>) -> tensor<?x32x?x64xf16>
  return %0 : tensor<?x32x?x64xf16>
}

// CHECK-LABEL: func.func @sparse_attention(
// CHECK-SAME:  %arg0: tensor<1x4x1x64xbf16>, %arg1: tensor<1x4x?x64xbf16>, %arg2: tensor<1x4x?x64xbf16>, %arg3: tensor<1x1x1x?xbf16>) -> (tensor<1x4x1x64xbf16>, tensor<1x4x1x64xbf16>) {
// CHECK-NEXT:    %0 = autoglm.sparse_attention %arg0, %arg1, %arg2 {scale = 1.250000e-01 : f64, top_k = 64 : i64} : (tensor<1x4x1x64xbf16>, tensor<1x4x?x64xbf16>, tensor<1x4x?x64xbf16>) -> tensor<1x4x1x64xbf16>
// CHECK-NEXT:    %1 = autoglm.sparse_attention %arg0, %arg1, %arg2, %arg3 {causal, scale = 1.250000e-01 : f64, top_k = 1 : i64} : (tensor<1x4x1x64xbf16>, tensor<1x4x?x64xbf16>, tensor<1x4x?x64xbf16>, tensor<1x1x1x?xbf16>) -> tensor<1x4x1x64xbf16>
// CHECK-NEXT:    return %0, %1 : tensor<1x4x1x64xbf16>, tensor<1x4x1x64xbf16>
func.func @sparse_attention(%q: tensor<1x4x1x64xbf16>, %k: tensor<1x4x?x64xbf16>, %v: tensor<1x4x?x64xbf16>, %m: tensor<1x1x1x?xbf16>) -> (tensor<1x4x1x64xbf16>, tensor<1x4x1x64xbf16>) {
  %0 = autoglm.sparse_attention %q, %k, %v {scale = 1.250000e-01 : f64, top_k = 64 : i64} : (tensor<1x4x1x64xbf16>, tensor<1x4x?x64xbf16>, tensor<1x4x?x64xbf16>) -> tensor<1x4x1x64xbf16>
  %1 = autoglm.sparse_attention %q, %k, %v, %m {causal, scale = 1.250000e-01 : f64, top_k = 1 : i64} : (tensor<1x4x1x64xbf16>, tensor<1x4x?x64xbf16>, tensor<1x4x?x64xbf16>, tensor<1x1x1x?xbf16>) -> tensor<1x4x1x64xbf16>
  return %0, %1 : tensor<1x4x1x64xbf16>, tensor<1x4x1x64xbf16>
}

// CHECK-LABEL: func.func @fused(
// CHECK-SAME:  %arg0: tensor<4xf32>, %arg1: tensor<4xf32>) -> tensor<4xf32> {
// CHECK-NEXT:    %0 = autoglm.fused "elementwise"(%arg0, %arg1) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32> {
// CHECK-NEXT:    ^bb0(%arg2: tensor<4xf32>, %arg3: tensor<4xf32>):
// CHECK-NEXT:    %1 = autoglm.add %arg2, %arg3 : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT:    %2 = autoglm.relu %1 : tensor<4xf32>
// CHECK-NEXT:    autoglm.yield %2 : tensor<4xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    return %0 : tensor<4xf32>
func.func @fused(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %0 = autoglm.fused "elementwise" (%a, %b) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%x: tensor<4xf32>, %y: tensor<4xf32>):
    %s = autoglm.add %x, %y : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
    %r = autoglm.relu %s : tensor<4xf32>
    autoglm.yield %r : tensor<4xf32>
  }
  return %0 : tensor<4xf32>
}

// Several results of different types, dynamic dims, an attribute.
// CHECK-LABEL: func.func @fused_multi(
// CHECK-SAME:  %arg0: tensor<?x8xf32>) -> (tensor<?x8xf32>, tensor<?xf32>) {
// CHECK-NEXT:    %0:2 = autoglm.fused "reduction"(%arg0) {note = "softmax denominator"} : (tensor<?x8xf32>) -> (tensor<?x8xf32>, tensor<?xf32>) {
// CHECK-NEXT:    ^bb0(%arg1: tensor<?x8xf32>):
// CHECK-NEXT:    %1 = autoglm.exp %arg1 : tensor<?x8xf32>
// CHECK-NEXT:    %2 = autoglm.reduce sum %1 {axes = array<i64: 1>} : (tensor<?x8xf32>) -> tensor<?xf32>
// CHECK-NEXT:    autoglm.yield %1, %2 : tensor<?x8xf32>, tensor<?xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    return %0#0, %0#1 : tensor<?x8xf32>, tensor<?xf32>
func.func @fused_multi(%a: tensor<?x8xf32>) -> (tensor<?x8xf32>, tensor<?xf32>) {
  %0:2 = autoglm.fused "reduction" (%a) {note = "softmax denominator"} : (tensor<?x8xf32>) -> (tensor<?x8xf32>, tensor<?xf32>) {
  ^bb0(%x: tensor<?x8xf32>):
    %e = autoglm.exp %x : tensor<?x8xf32>
    %s = autoglm.reduce sum %e {axes = array<i64: 1>} : (tensor<?x8xf32>) -> tensor<?xf32>
    autoglm.yield %e, %s : tensor<?x8xf32>, tensor<?xf32>
  }
  return %0#0, %0#1 : tensor<?x8xf32>, tensor<?xf32>
}

// No inputs and no results: the empty yield is implicit.
// CHECK-LABEL: func.func @fused_empty(
// CHECK-SAME:  ) {
// CHECK-NEXT:    autoglm.fused "empty"() : () -> () {
// CHECK-NEXT:    }
// CHECK-NEXT:    return
func.func @fused_empty() {
  autoglm.fused "empty" () : () -> () {
  }
  return
}

// CHECK-LABEL: func.func @quantize(
// CHECK-SAME:  %arg0: tensor<4xf32>, %arg1: tensor<?x16xf16>) -> (tensor<4x!quant.uniform<i8:f32, 5.000000e-01:3>>, tensor<?x16x!quant.uniform<u8:f16, 2.000000e-02>>) {
// CHECK-NEXT:    %0 = autoglm.quantize %arg0 : tensor<4xf32> to tensor<4x!quant.uniform<i8:f32, 5.000000e-01:3>>
// CHECK-NEXT:    %1 = autoglm.quantize %arg1 : tensor<?x16xf16> to tensor<?x16x!quant.uniform<u8:f16, 2.000000e-02>>
// CHECK-NEXT:    return %0, %1 : tensor<4x!quant.uniform<i8:f32, 5.000000e-01:3>>, tensor<?x16x!quant.uniform<u8:f16, 2.000000e-02>>
func.func @quantize(%x: tensor<4xf32>, %y: tensor<?x16xf16>) -> (tensor<4x!quant.uniform<i8:f32, 5.000000e-01:3>>, tensor<?x16x!quant.uniform<u8:f16, 2.000000e-02>>) {
  %0 = autoglm.quantize %x : tensor<4xf32> to tensor<4x!quant.uniform<i8:f32, 5.000000e-01:3>>
  %1 = autoglm.quantize %y : tensor<?x16xf16> to tensor<?x16x!quant.uniform<u8:f16, 2.000000e-02>>
  return %0, %1 : tensor<4x!quant.uniform<i8:f32, 5.000000e-01:3>>, tensor<?x16x!quant.uniform<u8:f16, 2.000000e-02>>
}

// Per-axis: one scale / zero point per slice of the quantized dimension.
// CHECK-LABEL: func.func @quantize_per_axis(
// CHECK-SAME:  %arg0: tensor<3x2xf32>, %arg1: tensor<?x2xf32>) -> (tensor<3x2x!quant.uniform<i8:f32:0, {1.000000e-01,2.000000e-01,3.000000e-01}>>, tensor<?x2x!quant.uniform<u8:f32:1, {1.000000e-01:128,2.000000e-01:120}>>) {
// CHECK-NEXT:    %0 = autoglm.quantize %arg0 : tensor<3x2xf32> to tensor<3x2x!quant.uniform<i8:f32:0, {1.000000e-01,2.000000e-01,3.000000e-01}>>
// CHECK-NEXT:    %1 = autoglm.quantize %arg1 : tensor<?x2xf32> to tensor<?x2x!quant.uniform<u8:f32:1, {1.000000e-01:128,2.000000e-01:120}>>
// CHECK-NEXT:    return %0, %1 : tensor<3x2x!quant.uniform<i8:f32:0, {1.000000e-01,2.000000e-01,3.000000e-01}>>, tensor<?x2x!quant.uniform<u8:f32:1, {1.000000e-01:128,2.000000e-01:120}>>
func.func @quantize_per_axis(%w: tensor<3x2xf32>, %x: tensor<?x2xf32>) -> (tensor<3x2x!quant.uniform<i8:f32:0, {1.000000e-01,2.000000e-01,3.000000e-01}>>, tensor<?x2x!quant.uniform<u8:f32:1, {1.000000e-01:128,2.000000e-01:120}>>) {
  %0 = autoglm.quantize %w : tensor<3x2xf32> to tensor<3x2x!quant.uniform<i8:f32:0, {1.000000e-01,2.000000e-01,3.000000e-01}>>
  %1 = autoglm.quantize %x : tensor<?x2xf32> to tensor<?x2x!quant.uniform<u8:f32:1, {1.000000e-01:128,2.000000e-01:120}>>
  return %0, %1 : tensor<3x2x!quant.uniform<i8:f32:0, {1.000000e-01,2.000000e-01,3.000000e-01}>>, tensor<?x2x!quant.uniform<u8:f32:1, {1.000000e-01:128,2.000000e-01:120}>>
}

// CHECK-LABEL: func.func @dequantize(
// CHECK-SAME:  %arg0: tensor<4x!quant.uniform<i8:f32, 5.000000e-01:3>>, %arg1: tensor<3x2x!quant.uniform<i8:f32:0, {1.000000e-01,2.000000e-01,3.000000e-01}>>, %arg2: tensor<?x!quant.uniform<i32:f16, 1.000000e-03>>) -> (tensor<4xf32>, tensor<3x2xf32>, tensor<?xf16>) {
// CHECK-NEXT:    %0 = autoglm.dequantize %arg0 : tensor<4x!quant.uniform<i8:f32, 5.000000e-01:3>> to tensor<4xf32>
// CHECK-NEXT:    %1 = autoglm.dequantize %arg1 : tensor<3x2x!quant.uniform<i8:f32:0, {1.000000e-01,2.000000e-01,3.000000e-01}>> to tensor<3x2xf32>
// CHECK-NEXT:    %2 = autoglm.dequantize %arg2 : tensor<?x!quant.uniform<i32:f16, 1.000000e-03>> to tensor<?xf16>
// CHECK-NEXT:    return %0, %1, %2 : tensor<4xf32>, tensor<3x2xf32>, tensor<?xf16>
func.func @dequantize(%q: tensor<4x!quant.uniform<i8:f32, 5.000000e-01:3>>, %p: tensor<3x2x!quant.uniform<i8:f32:0, {1.000000e-01,2.000000e-01,3.000000e-01}>>, %d: tensor<?x!quant.uniform<i32:f16, 1.000000e-03>>) -> (tensor<4xf32>, tensor<3x2xf32>, tensor<?xf16>) {
  %0 = autoglm.dequantize %q : tensor<4x!quant.uniform<i8:f32, 5.000000e-01:3>> to tensor<4xf32>
  %1 = autoglm.dequantize %p : tensor<3x2x!quant.uniform<i8:f32:0, {1.000000e-01,2.000000e-01,3.000000e-01}>> to tensor<3x2xf32>
  %2 = autoglm.dequantize %d : tensor<?x!quant.uniform<i32:f16, 1.000000e-03>> to tensor<?xf16>
  return %0, %1, %2 : tensor<4xf32>, tensor<3x2xf32>, tensor<?xf16>
}
