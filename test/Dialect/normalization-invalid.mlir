// RUN: autoglm-opt %s -split-input-file -verify-diagnostics

// Verifier and type-inference errors of the reductions and normalizations.

func.func @reduce_no_axes(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{axes must name at least one dimension}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.reduce sum %x {axes = array<i64>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @reduce_axis_out_of_range(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{axes entry 2 is out of range for rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.reduce sum %x {axes = array<i64: 0, 2>} : (tensor<2x3xf32>) -> tensor<f32>
  return
}

// -----

// Axes are normalized by the importer: negative ones are rejected.
func.func @reduce_axis_negative(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{axes entry -1 is out of range for rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.reduce max %x {axes = array<i64: -1>} : (tensor<2x3xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @reduce_axes_not_increasing(%x: tensor<2x3x4xf32>) {
  // expected-error @+2 {{axes must be strictly increasing}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.reduce mean %x {axes = array<i64: 2, 1>} : (tensor<2x3x4xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @reduce_axes_repeated(%x: tensor<2x3x4xf32>) {
  // expected-error @+2 {{axes must be strictly increasing}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.reduce mean %x {axes = array<i64: 1, 1>} : (tensor<2x3x4xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @reduce_keepdims_mismatch(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{inferred type(s) 'tensor<2x1xf32>' are incompatible with return type(s) of operation 'tensor<2xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.reduce sum %x {axes = array<i64: 1>, keepdims} : (tensor<2x3xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @reduce_index(%x: tensor<2x3xindex>) {
  // expected-error @+1 {{'autoglm.reduce' op operand #0 must be ranked tensor of}}
  %0 = autoglm.reduce sum %x {axes = array<i64: 1>} : (tensor<2x3xindex>) -> tensor<2xindex>
  return
}

// -----

func.func @reduce_bad_kind(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{expected ::mlir::autoglm::ReduceKind to be one of: sum, mean, max, min, prod, l1, l2, log_sum, log_sum_exp, sum_square}}
  // expected-error @+1 {{failed to parse AutoGLM_ReduceKindAttr parameter 'value'}}
  %0 = autoglm.reduce avg %x {axes = array<i64: 1>} : (tensor<2x3xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @arg_reduce_axis_out_of_range(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{axis 2 is out of range for rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.arg_reduce argmax %x {axis = 2 : i64} : (tensor<2x3xf32>) -> tensor<2xi64>
  return
}

// -----

func.func @arg_reduce_result_not_i64(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'autoglm.arg_reduce' op result #0 must be ranked tensor of 64-bit signless integer values, but got 'tensor<2xi32>'}}
  %0 = autoglm.arg_reduce argmin %x {axis = 1 : i64} : (tensor<2x3xf32>) -> tensor<2xi32>
  return
}

// -----

func.func @arg_reduce_wrong_shape(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{inferred type(s) 'tensor<3xi64>' are incompatible with return type(s) of operation 'tensor<2xi64>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.arg_reduce argmax %x {axis = 0 : i64} : (tensor<2x3xf32>) -> tensor<2xi64>
  return
}

// -----

func.func @cumsum_axis_out_of_range(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = autoglm.cumsum %x {axis = 2 : i64} : tensor<2x3xf32>
  return
}

// -----

func.func @cumsum_axis_negative(%x: tensor<2x3xi32>) {
  // expected-error @+1 {{axis -1 is out of range for rank 2}}
  %0 = autoglm.cumsum %x {axis = -1 : i64} : tensor<2x3xi32>
  return
}

// -----

func.func @softmax_axis_out_of_range(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{axis 5 is out of range for rank 2}}
  %0 = autoglm.softmax %x {axis = 5 : i64} : tensor<2x3xf32>
  return
}

// -----

func.func @softmax_on_integers(%x: tensor<2x3xi32>) {
  // expected-error @+1 {{'autoglm.softmax' op operand #0 must be ranked tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values}}
  %0 = autoglm.softmax %x {axis = 1 : i64} : tensor<2x3xi32>
  return
}

// -----

func.func @softmax_missing_axis(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'autoglm.softmax' op requires attribute 'axis'}}
  %0 = autoglm.softmax %x : tensor<2x3xf32>
  return
}

// -----

func.func @layer_norm_axis_out_of_range(%x: tensor<2x8xf32>, %s: tensor<8xf32>) {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = autoglm.layer_norm %x, %s {axis = 2 : i64} : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @layer_norm_negative_epsilon(%x: tensor<2x8xf32>, %s: tensor<8xf32>) {
  // expected-error @+1 {{'autoglm.layer_norm' op epsilon must be non-negative}}
  %0 = autoglm.layer_norm %x, %s {axis = 1 : i64, epsilon = -1.0e-05 : f64} : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @layer_norm_scale_element_type(%x: tensor<2x8xf32>, %s: tensor<8xf16>) {
  // expected-error @+1 {{'autoglm.layer_norm' op scale and bias must have the input's element type}}
  %0 = autoglm.layer_norm %x, %s {axis = 1 : i64} : (tensor<2x8xf32>, tensor<8xf16>) -> tensor<2x8xf32>
  return
}

// -----

func.func @layer_norm_bias_element_type(%x: tensor<2x8xf32>, %s: tensor<8xf32>, %b: tensor<8xbf16>) {
  // expected-error @+1 {{'autoglm.layer_norm' op scale and bias must have the input's element type}}
  %0 = autoglm.layer_norm %x, %s, %b {axis = 1 : i64} : (tensor<2x8xf32>, tensor<8xf32>, tensor<8xbf16>) -> tensor<2x8xf32>
  return
}

// -----

func.func @layer_norm_scale_rank(%x: tensor<2x8xf32>, %s: tensor<2x8xf32>) {
  // expected-error @+1 {{'autoglm.layer_norm' op scale/bias rank 2 exceeds the 1 normalized dimensions}}
  %0 = autoglm.layer_norm %x, %s {axis = 1 : i64} : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @layer_norm_scale_shape(%x: tensor<2x3x8xf32>, %s: tensor<4x8xf32>) {
  // expected-error @+1 {{'autoglm.layer_norm' op scale/bias shape does not broadcast to the normalized dimensions}}
  %0 = autoglm.layer_norm %x, %s {axis = 1 : i64} : (tensor<2x3x8xf32>, tensor<4x8xf32>) -> tensor<2x3x8xf32>
  return
}

// -----

func.func @layer_norm_bias_shape(%x: tensor<2x8xf32>, %s: tensor<8xf32>, %b: tensor<7xf32>) {
  // expected-error @+1 {{'autoglm.layer_norm' op scale/bias shape does not broadcast to the normalized dimensions}}
  %0 = autoglm.layer_norm %x, %s, %b {axis = 1 : i64} : (tensor<2x8xf32>, tensor<8xf32>, tensor<7xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @layer_norm_result_type(%x: tensor<2x8xf32>, %s: tensor<8xf32>) {
  // expected-error @+2 {{inferred type(s) 'tensor<2x8xf32>' are incompatible with return type(s) of operation 'tensor<2x4xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.layer_norm %x, %s {axis = 1 : i64} : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @batch_norm_rank1(%x: tensor<8xf32>, %p: tensor<8xf32>) {
  // expected-error @+1 {{'autoglm.batch_norm' op input must have a channel dimension (rank >= 2)}}
  %0 = autoglm.batch_norm %x, %p, %p, %p, %p : (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return
}

// -----

func.func @batch_norm_param_not_vector(%x: tensor<1x8x4x4xf32>, %p: tensor<8xf32>, %m: tensor<1x8xf32>) {
  // expected-error @+1 {{'autoglm.batch_norm' op scale, bias, mean and variance must be vectors}}
  %0 = autoglm.batch_norm %x, %p, %p, %m, %p : (tensor<1x8x4x4xf32>, tensor<8xf32>, tensor<8xf32>, tensor<1x8xf32>, tensor<8xf32>) -> tensor<1x8x4x4xf32>
  return
}

// -----

func.func @batch_norm_param_length(%x: tensor<1x8x4x4xf32>, %p: tensor<8xf32>, %v: tensor<4xf32>) {
  // expected-error @+1 {{'autoglm.batch_norm' op per-channel vectors have 4 entries, input has 8 channels}}
  %0 = autoglm.batch_norm %x, %p, %p, %p, %v : (tensor<1x8x4x4xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<4xf32>) -> tensor<1x8x4x4xf32>
  return
}

// -----

func.func @batch_norm_param_element_type(%x: tensor<1x8x4x4xf32>, %p: tensor<8xf32>, %b: tensor<8xf16>) {
  // expected-error @+1 {{'autoglm.batch_norm' op per-channel vectors must have the input's element type}}
  %0 = autoglm.batch_norm %x, %p, %b, %p, %p : (tensor<1x8x4x4xf32>, tensor<8xf32>, tensor<8xf16>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x8x4x4xf32>
  return
}
