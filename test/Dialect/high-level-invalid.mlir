// RUN: autoglm-opt %s -split-input-file -verify-diagnostics

// Verifier and type-inference errors of attention, fused regions and
// quantization.

func.func @attention_not_4d(%q: tensor<8x16x64xf32>) {
  // expected-error @+2 {{query, key and value must be 4-D (batch x heads x sequence x head size)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.attention %q, %q, %q {scale = 1.0 : f64} : (tensor<8x16x64xf32>, tensor<8x16x64xf32>, tensor<8x16x64xf32>) -> tensor<8x16x64xf32>
  return
}

// -----

// Regression: the mask check read dimensions of a query of the wrong rank
// before type inference could report it.
func.func @attention_not_4d_with_mask(%q: tensor<16x64xf32>, %m: tensor<16x16xf32>) {
  // expected-error @+2 {{query, key and value must be 4-D}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.attention %q, %q, %q, %m {scale = 1.0 : f64} : (tensor<16x64xf32>, tensor<16x64xf32>, tensor<16x64xf32>, tensor<16x16xf32>) -> tensor<16x64xf32>
  return
}

// -----

func.func @attention_element_types(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf16>) {
  // expected-error @+2 {{query, key and value element types differ}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.attention %q, %k, %k {scale = 1.0 : f64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf16>, tensor<1x2x4x8xf16>) -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @attention_batch(%q: tensor<2x2x4x8xf32>, %k: tensor<3x2x4x8xf32>) {
  // expected-error @+2 {{batch sizes of query, key and value differ}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.attention %q, %k, %k {scale = 1.0 : f64} : (tensor<2x2x4x8xf32>, tensor<3x2x4x8xf32>, tensor<3x2x4x8xf32>) -> tensor<2x2x4x8xf32>
  return
}

// -----

func.func @attention_key_value_sequence(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x6x8xf32>, %v: tensor<1x2x5x8xf32>) {
  // expected-error @+2 {{key and value differ in heads or sequence length}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.attention %q, %k, %v {scale = 1.0 : f64} : (tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x5x8xf32>) -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @attention_key_value_heads(%q: tensor<1x4x4x8xf32>, %k: tensor<1x2x6x8xf32>, %v: tensor<1x1x6x8xf32>) {
  // expected-error @+2 {{key and value differ in heads or sequence length}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.attention %q, %k, %v {scale = 1.0 : f64} : (tensor<1x4x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x1x6x8xf32>) -> tensor<1x4x4x8xf32>
  return
}

// -----

func.func @attention_head_size(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x16xf32>) {
  // expected-error @+2 {{query and key head sizes differ}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.attention %q, %k, %k {scale = 1.0 : f64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>) -> tensor<1x2x4x16xf32>
  return
}

// -----

func.func @attention_gqa_heads(%q: tensor<1x6x4x8xf32>, %k: tensor<1x4x4x8xf32>) {
  // expected-error @+2 {{query heads (6) must be a multiple of key/value heads (4)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.attention %q, %k, %k {scale = 1.0 : f64} : (tensor<1x6x4x8xf32>, tensor<1x4x4x8xf32>, tensor<1x4x4x8xf32>) -> tensor<1x6x4x8xf32>
  return
}

// -----

func.func @attention_zero_kv_heads(%q: tensor<1x6x4x8xf32>, %k: tensor<1x0x4x8xf32>) {
  // expected-error @+2 {{query heads (6) must be a multiple of key/value heads (0)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.attention %q, %k, %k {scale = 1.0 : f64} : (tensor<1x6x4x8xf32>, tensor<1x0x4x8xf32>, tensor<1x0x4x8xf32>) -> tensor<1x6x4x8xf32>
  return
}

// -----

func.func @attention_wrong_result(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x6x8xf32>, %v: tensor<1x2x6x16xf32>) {
  // expected-error @+2 {{inferred type(s) 'tensor<1x2x4x16xf32>' are incompatible with return type(s) of operation 'tensor<1x2x4x8xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.attention %q, %k, %v {scale = 1.0 : f64} : (tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x16xf32>) -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @attention_integer(%q: tensor<1x2x4x8xi8>) {
  // expected-error @+1 {{'autoglm.attention' op operand #0 must be ranked tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values}}
  %0 = autoglm.attention %q, %q, %q {scale = 1.0 : f64} : (tensor<1x2x4x8xi8>, tensor<1x2x4x8xi8>, tensor<1x2x4x8xi8>) -> tensor<1x2x4x8xi8>
  return
}

// -----

func.func @attention_missing_scale(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'autoglm.attention' op requires attribute 'scale'}}
  %0 = autoglm.attention %q, %q, %q : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @attention_mask_element_type(%q: tensor<1x2x4x8xf32>, %m: tensor<4x4xf16>) {
  // expected-error @+1 {{'autoglm.attention' op mask must be boolean or of the query's element type}}
  %0 = autoglm.attention %q, %q, %q, %m {scale = 1.0 : f64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<4x4xf16>) -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @attention_mask_shape(%q: tensor<1x2x4x8xf32>, %m: tensor<4x5xi1>) {
  // expected-error @+1 {{'autoglm.attention' op mask does not broadcast to the attention scores}}
  %0 = autoglm.attention %q, %q, %q, %m {scale = 1.0 : f64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<4x5xi1>) -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @attention_mask_rank(%q: tensor<1x2x4x8xf32>, %m: tensor<1x1x2x4x4xi1>) {
  // expected-error @+1 {{'autoglm.attention' op mask does not broadcast to the attention scores}}
  %0 = autoglm.attention %q, %q, %q, %m {scale = 1.0 : f64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x1x2x4x4xi1>) -> tensor<1x2x4x8xf32>
  return
}

// -----

// Regression: a mask that is broadcast-compatible with the scores but wider
// (4 query rows for a single query) was accepted.
func.func @attention_mask_wider_than_scores(%q: tensor<1x2x1x8xf32>, %k: tensor<1x2x4x8xf32>, %m: tensor<1x1x4x4xf32>) {
  // expected-error @+1 {{'autoglm.attention' op mask does not broadcast to the attention scores}}
  %0 = autoglm.attention %q, %k, %k, %m {scale = 1.0 : f64} : (tensor<1x2x1x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x1x4x4xf32>) -> tensor<1x2x1x8xf32>
  return
}

// -----

func.func @sparse_attention_top_k(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'autoglm.sparse_attention' op top_k must be positive, got 0}}
  %0 = autoglm.sparse_attention %q, %q, %q {scale = 1.0 : f64, top_k = 0 : i64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @sparse_attention_mask(%q: tensor<1x2x4x8xf32>, %m: tensor<1x3x4x4xi1>) {
  // expected-error @+1 {{'autoglm.sparse_attention' op mask does not broadcast to the attention scores}}
  %0 = autoglm.sparse_attention %q, %q, %q, %m {scale = 1.0 : f64, top_k = 2 : i64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x3x4x4xi1>) -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @sparse_attention_heads(%q: tensor<1x3x4x8xf32>, %k: tensor<1x2x4x8xf32>) {
  // expected-error @+2 {{query heads (3) must be a multiple of key/value heads (2)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.sparse_attention %q, %k, %k {scale = 1.0 : f64, top_k = 2 : i64} : (tensor<1x3x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x3x4x8xf32>
  return
}

// -----

func.func @fused_argument_count(%a: tensor<4xf32>) {
  // expected-error @+1 {{'autoglm.fused' op body has 2 arguments for 1 inputs}}
  %0 = autoglm.fused "elementwise" (%a) : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%x: tensor<4xf32>, %y: tensor<4xf32>):
    autoglm.yield %x : tensor<4xf32>
  }
  return
}

// -----

func.func @fused_argument_type(%a: tensor<4xf32>) {
  // expected-error @+1 {{'autoglm.fused' op body argument 0 has type 'tensor<?xf32>' but input 0 has type 'tensor<4xf32>'}}
  %0 = autoglm.fused "elementwise" (%a) : (tensor<4xf32>) -> tensor<?xf32> {
  ^bb0(%x: tensor<?xf32>):
    autoglm.yield %x : tensor<?xf32>
  }
  return
}

// -----

func.func @fused_yield_types(%a: tensor<4xf32>) {
  // expected-error @+1 {{'autoglm.fused' op yields types that differ from the results}}
  %0 = autoglm.fused "elementwise" (%a) : (tensor<4xf32>) -> tensor<4xf16> {
  ^bb0(%x: tensor<4xf32>):
    autoglm.yield %x : tensor<4xf32>
  }
  return
}

// -----

func.func @fused_yield_count(%a: tensor<4xf32>) {
  // expected-error @+1 {{'autoglm.fused' op yields types that differ from the results}}
  %0 = autoglm.fused "elementwise" (%a) : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%x: tensor<4xf32>):
    autoglm.yield %x, %x : tensor<4xf32>, tensor<4xf32>
  }
  return
}

// -----

func.func @fused_isolated(%a: tensor<4xf32>) {
  // expected-note @+1 {{required by region isolation constraints}}
  %0 = autoglm.fused "elementwise" () : () -> tensor<4xf32> {
    // expected-error @+1 {{'autoglm.relu' op using value defined outside the region}}
    %r = autoglm.relu %a : tensor<4xf32>
    autoglm.yield %r : tensor<4xf32>
  }
  return
}

// -----

func.func @fused_wrong_terminator(%a: tensor<4xf32>) {
  %0 = autoglm.fused "elementwise" (%a) : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%x: tensor<4xf32>):
    // expected-error @+1 {{'func.return' op expects parent op 'func.func'}}
    func.return %x : tensor<4xf32>
  }
  return
}

// -----

func.func @yield_outside_fused(%a: tensor<4xf32>) {
  // expected-error @+1 {{'autoglm.yield' op expects parent op 'autoglm.fused'}}
  "autoglm.yield"(%a) : (tensor<4xf32>) -> ()
}

// -----

func.func @quantize_not_quantized(%x: tensor<4xf32>) {
  // expected-error @+1 {{'autoglm.quantize' op expects a !quant.uniform element type, got 'i8'}}
  %0 = autoglm.quantize %x : tensor<4xf32> to tensor<4xi8>
  return
}

// -----

func.func @quantize_not_uniform(%x: tensor<4xf32>) {
  // expected-error @+1 {{'autoglm.quantize' op expects a !quant.uniform element type, got '!quant.any<i8:f32>'}}
  %0 = autoglm.quantize %x : tensor<4xf32> to tensor<4x!quant.any<i8:f32>>
  return
}

// -----

func.func @quantize_expressed_type(%x: tensor<4xf16>) {
  // expected-error @+1 {{'autoglm.quantize' op quantized type expresses 'f32' but the float side is 'f16'}}
  %0 = autoglm.quantize %x : tensor<4xf16> to tensor<4x!quant.uniform<i8:f32, 5.000000e-01>>
  return
}

// -----

func.func @quantize_integer_input(%x: tensor<4xi32>) {
  // expected-error @+1 {{'autoglm.quantize' op operand #0 must be ranked tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values}}
  %0 = autoglm.quantize %x : tensor<4xi32> to tensor<4x!quant.uniform<i8:f32, 5.000000e-01>>
  return
}

// -----

func.func @quantize_shape(%x: tensor<4xf32>) {
  // expected-error @+1 {{'autoglm.quantize' op requires the same shape for all operands and results}}
  %0 = autoglm.quantize %x : tensor<4xf32> to tensor<5x!quant.uniform<i8:f32, 5.000000e-01>>
  return
}

// -----

func.func @quantize_per_axis_dimension(%x: tensor<3xf32>) {
  // expected-error @+1 {{'autoglm.quantize' op quantized dimension 1 is out of range for rank 1}}
  %0 = autoglm.quantize %x : tensor<3xf32> to tensor<3x!quant.uniform<i8:f32:1, {1.000000e-01,2.000000e-01,3.000000e-01}>>
  return
}

// -----

func.func @quantize_per_axis_scales(%x: tensor<4x2xf32>) {
  // expected-error @+1 {{'autoglm.quantize' op per-axis type has 3 scales for dimension 0 of size 4}}
  %0 = autoglm.quantize %x : tensor<4x2xf32> to tensor<4x2x!quant.uniform<i8:f32:0, {1.000000e-01,2.000000e-01,3.000000e-01}>>
  return
}

// -----

func.func @dequantize_not_quantized(%x: tensor<4xi8>) {
  // expected-error @+1 {{'autoglm.dequantize' op expects a !quant.uniform element type, got 'i8'}}
  %0 = autoglm.dequantize %x : tensor<4xi8> to tensor<4xf32>
  return
}

// -----

func.func @dequantize_expressed_type(%x: tensor<4x!quant.uniform<i8:f32, 5.000000e-01>>) {
  // expected-error @+1 {{'autoglm.dequantize' op quantized type expresses 'f32' but the float side is 'bf16'}}
  %0 = autoglm.dequantize %x : tensor<4x!quant.uniform<i8:f32, 5.000000e-01>> to tensor<4xbf16>
  return
}

// -----

func.func @dequantize_to_integer(%x: tensor<4x!quant.uniform<i8:f32, 5.000000e-01>>) {
  // expected-error @+1 {{'autoglm.dequantize' op result #0 must be ranked tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values}}
  %0 = autoglm.dequantize %x : tensor<4x!quant.uniform<i8:f32, 5.000000e-01>> to tensor<4xi32>
  return
}

// -----

func.func @dequantize_per_axis_scales(%x: tensor<2x?x!quant.uniform<i8:f32:0, {1.000000e-01,2.000000e-01,3.000000e-01}>>) {
  // expected-error @+1 {{'autoglm.dequantize' op per-axis type has 3 scales for dimension 0 of size 2}}
  %0 = autoglm.dequantize %x : tensor<2x?x!quant.uniform<i8:f32:0, {1.000000e-01,2.000000e-01,3.000000e-01}>> to tensor<2x?xf32>
  return
}
