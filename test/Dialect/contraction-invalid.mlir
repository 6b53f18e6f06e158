// RUN: autoglm-opt %s -split-input-file -verify-diagnostics

// Verifier and type-inference errors of matmul, conv, conv_transpose, pool,
// including the window-attribute checks they share.

func.func @matmul_rank1(%a: tensor<4xf32>, %b: tensor<4x2xf32>) {
  // expected-error @+2 {{operands must have rank 2 or more (got ranks 1 and 2)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.matmul %a, %b : (tensor<4xf32>, tensor<4x2xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @matmul_element_types_differ(%a: tensor<2x4xf32>, %b: tensor<4x2xf16>) {
  // expected-error @+2 {{operand element types differ, or are not both 8-bit integers}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.matmul %a, %b : (tensor<2x4xf32>, tensor<4x2xf16>) -> tensor<2x2xf32>
  return
}

// -----

func.func @matmul_i8_by_i16(%a: tensor<2x4xi8>, %b: tensor<4x2xi16>) {
  // expected-error @+2 {{operand element types differ, or are not both 8-bit integers}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.matmul %a, %b : (tensor<2x4xi8>, tensor<4x2xi16>) -> tensor<2x2xi32>
  return
}

// -----

func.func @matmul_i32(%a: tensor<2x4xi32>, %b: tensor<4x2xi32>) {
  // expected-error @+2 {{integer operands must be 8-bit}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.matmul %a, %b : (tensor<2x4xi32>, tensor<4x2xi32>) -> tensor<2x2xi32>
  return
}

// -----

func.func @matmul_i8_result_not_i32(%a: tensor<2x4xi8>, %b: tensor<4x2xi8>) {
  // expected-error @+2 {{inferred type(s) 'tensor<2x2xi32>' are incompatible with return type(s) of operation 'tensor<2x2xi8>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.matmul %a, %b : (tensor<2x4xi8>, tensor<4x2xi8>) -> tensor<2x2xi8>
  return
}

// -----

func.func @matmul_k_differs(%a: tensor<2x4xf32>, %b: tensor<5x2xf32>) {
  // expected-error @+2 {{contraction dimensions differ: lhs has K = 4, rhs has K = 5}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.matmul %a, %b : (tensor<2x4xf32>, tensor<5x2xf32>) -> tensor<2x2xf32>
  return
}

// -----

func.func @matmul_batch_not_broadcastable(%a: tensor<3x2x4xf32>, %b: tensor<5x4x2xf32>) {
  // expected-error @+2 {{operand shapes are not broadcast-compatible: dimension 0 is 3 in one operand and 5 in another}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.matmul %a, %b : (tensor<3x2x4xf32>, tensor<5x4x2xf32>) -> tensor<3x2x2xf32>
  return
}

// -----

func.func @matmul_wrong_result(%a: tensor<?x4xf32>, %b: tensor<4x2xf32>) {
  // expected-error @+2 {{inferred type(s) 'tensor<?x2xf32>' are incompatible with return type(s) of operation 'tensor<?x3xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.matmul %a, %b : (tensor<?x4xf32>, tensor<4x2xf32>) -> tensor<?x3xf32>
  return
}

// -----

func.func @conv_rank2(%x: tensor<1x3xf32>, %w: tensor<8x3xf32>) {
  // expected-error @+2 {{input must be N x C x spatial... (rank >= 3), got rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.conv %x, %w {dilations = array<i64>, pads = array<i64>, strides = array<i64>} : (tensor<1x3xf32>, tensor<8x3xf32>) -> tensor<1x8xf32>
  return
}

// -----

func.func @conv_weight_rank(%x: tensor<1x3x8x8xf32>, %w: tensor<8x3x3xf32>) {
  // expected-error @+2 {{weight rank 3 differs from input rank 4}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.conv %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<8x3x3xf32>) -> tensor<1x8x6x6xf32>
  return
}

// -----

func.func @conv_element_types_differ(%x: tensor<1x3x8x8xf32>, %w: tensor<8x3x3x3xf16>) {
  // expected-error @+2 {{input and weight element types differ}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.conv %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<8x3x3x3xf16>) -> tensor<1x8x6x6xf32>
  return
}

// -----

func.func @conv_groups_zero(%x: tensor<1x3x8x8xf32>, %w: tensor<8x3x3x3xf32>) {
  // expected-error @+2 {{groups must be positive}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.conv %x, %w {dilations = array<i64: 1, 1>, groups = 0 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<8x3x3x3xf32>) -> tensor<1x8x6x6xf32>
  return
}

// -----

func.func @conv_strides_count(%x: tensor<1x3x8x8xf32>, %w: tensor<8x3x3x3xf32>) {
  // expected-error @+2 {{expected 2 strides, got 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.conv %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1>} : (tensor<1x3x8x8xf32>, tensor<8x3x3x3xf32>) -> tensor<1x8x6x6xf32>
  return
}

// -----

func.func @conv_dilations_count(%x: tensor<1x3x8x8xf32>, %w: tensor<8x3x3x3xf32>) {
  // expected-error @+2 {{expected 2 dilations, got 3}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.conv %x, %w {dilations = array<i64: 1, 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<8x3x3x3xf32>) -> tensor<1x8x6x6xf32>
  return
}

// -----

func.func @conv_pads_count(%x: tensor<1x3x8x8xf32>, %w: tensor<8x3x3x3xf32>) {
  // expected-error @+2 {{expected 4 pads (begins then ends), got 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.conv %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<8x3x3x3xf32>) -> tensor<1x8x6x6xf32>
  return
}

// -----

func.func @conv_stride_zero(%x: tensor<1x3x8x8xf32>, %w: tensor<8x3x3x3xf32>) {
  // expected-error @+2 {{strides must be positive}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.conv %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 0>} : (tensor<1x3x8x8xf32>, tensor<8x3x3x3xf32>) -> tensor<1x8x6x6xf32>
  return
}

// -----

func.func @conv_dilation_negative(%x: tensor<1x3x8x8xf32>, %w: tensor<8x3x3x3xf32>) {
  // expected-error @+2 {{dilations must be positive}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.conv %x, %w {dilations = array<i64: -1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<8x3x3x3xf32>) -> tensor<1x8x6x6xf32>
  return
}

// -----

func.func @conv_pad_negative(%x: tensor<1x3x8x8xf32>, %w: tensor<8x3x3x3xf32>) {
  // expected-error @+2 {{pads must be non-negative}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.conv %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, -1, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<8x3x3x3xf32>) -> tensor<1x8x6x6xf32>
  return
}

// -----

func.func @conv_bias_length(%x: tensor<1x3x8x8xf32>, %w: tensor<8x3x3x3xf32>, %b: tensor<4xf32>) {
  // expected-error @+2 {{bias must be a vector of 8 output channels}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.conv %x, %w, %b {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<8x3x3x3xf32>, tensor<4xf32>) -> tensor<1x8x6x6xf32>
  return
}

// -----

func.func @conv_bias_rank(%x: tensor<1x3x8x8xf32>, %w: tensor<?x3x3x3xf32>, %b: tensor<1x8xf32>) {
  // expected-error @+2 {{bias must be a vector of ? output channels}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.conv %x, %w, %b {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<?x3x3x3xf32>, tensor<1x8xf32>) -> tensor<1x?x6x6xf32>
  return
}

// -----

func.func @conv_bias_element_type(%x: tensor<1x3x8x8xf32>, %w: tensor<8x3x3x3xf32>, %b: tensor<8xf16>) {
  // expected-error @+2 {{bias element type differs from the result's}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.conv %x, %w, %b {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<8x3x3x3xf32>, tensor<8xf16>) -> tensor<1x8x6x6xf32>
  return
}

// -----

// With f32 accumulation the bias is f32, like the result.
func.func @conv_accumulator_bias(%x: tensor<1x3x8x8xf16>, %w: tensor<8x3x3x3xf16>, %b: tensor<8xf16>) {
  // expected-error @+2 {{bias element type differs from the result's}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.conv %x, %w, %b {accumulator_type = f32, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x8x8xf16>, tensor<8x3x3x3xf16>, tensor<8xf16>) -> tensor<1x8x6x6xf32>
  return
}

// -----

// f32 accumulation is for f16/bf16 operands only.
func.func @matmul_accumulator_on_f32(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) {
  // expected-error @+2 {{accumulator_type must be f32 on f16 or bf16 operands}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.matmul %a, %b {accumulator_type = f32} : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @matmul_accumulator_f64(%a: tensor<2x3xf16>, %b: tensor<3x4xf16>) {
  // expected-error @+2 {{accumulator_type must be f32 on f16 or bf16 operands}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.matmul %a, %b {accumulator_type = f64} : (tensor<2x3xf16>, tensor<3x4xf16>) -> tensor<2x4xf64>
  return
}

// -----

func.func @conv_channel_mismatch(%x: tensor<1x4x8x8xf32>, %w: tensor<8x3x3x3xf32>) {
  // expected-error @+2 {{input has 4 channels but weight expects 3 per group x 1 groups}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.conv %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x8x8xf32>, tensor<8x3x3x3xf32>) -> tensor<1x8x6x6xf32>
  return
}

// -----

func.func @conv_grouped_channel_mismatch(%x: tensor<1x6x8x8xf32>, %w: tensor<8x2x3x3xf32>) {
  // expected-error @+2 {{input has 6 channels but weight expects 2 per group x 2 groups}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.conv %x, %w {dilations = array<i64: 1, 1>, groups = 2 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x6x8x8xf32>, tensor<8x2x3x3xf32>) -> tensor<1x8x6x6xf32>
  return
}

// -----

func.func @conv_out_channels_not_divisible(%x: tensor<1x6x8x8xf32>, %w: tensor<8x2x3x3xf32>) {
  // expected-error @+2 {{output channels (8) are not divisible by groups (3)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.conv %x, %w {dilations = array<i64: 1, 1>, groups = 3 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x6x8x8xf32>, tensor<8x2x3x3xf32>) -> tensor<1x8x6x6xf32>
  return
}

// -----

func.func @conv_wrong_result(%x: tensor<1x3x8x8xf32>, %w: tensor<8x3x3x3xf32>) {
  // expected-error @+2 {{inferred type(s) 'tensor<1x8x3x3xf32>' are incompatible with return type(s) of operation 'tensor<1x8x6x6xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.conv %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x3x8x8xf32>, tensor<8x3x3x3xf32>) -> tensor<1x8x6x6xf32>
  return
}

// -----

// Integer convolutions are i32 (the zero points subtracted before); 8-bit
// operands are refused.
func.func @conv_integer(%x: tensor<1x3x8x8xi8>, %w: tensor<8x3x3x3xi8>) {
  // expected-error @+1 {{'autoglm.conv' op operand #0 must be ranked tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float or 32-bit signless integer values}}
  %0 = autoglm.conv %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x8x8xi8>, tensor<8x3x3x3xi8>) -> tensor<1x8x6x6xi8>
  return
}

// -----

func.func @conv_missing_strides(%x: tensor<1x3x8x8xf32>, %w: tensor<8x3x3x3xf32>) {
  // expected-error @+1 {{'autoglm.conv' op requires attribute 'strides'}}
  %0 = autoglm.conv %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x3x8x8xf32>, tensor<8x3x3x3xf32>) -> tensor<1x8x6x6xf32>
  return
}

// -----

func.func @conv_transpose_output_padding_count(%x: tensor<1x16x8x8xf32>, %w: tensor<16x4x3x3xf32>) {
  // expected-error @+2 {{expected 2 output_padding values, got 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.conv_transpose %x, %w {dilations = array<i64: 1, 1>, output_padding = array<i64: 0>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x16x8x8xf32>, tensor<16x4x3x3xf32>) -> tensor<1x4x10x10xf32>
  return
}

// -----

func.func @conv_transpose_channels(%x: tensor<1x8x8x8xf32>, %w: tensor<16x4x3x3xf32>) {
  // expected-error @+2 {{input channels differ from weight dimension 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.conv_transpose %x, %w {dilations = array<i64: 1, 1>, output_padding = array<i64: 0, 0>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x8x8x8xf32>, tensor<16x4x3x3xf32>) -> tensor<1x4x10x10xf32>
  return
}

// -----

// The bias of conv_transpose has weight.dim(1) * groups entries.
func.func @conv_transpose_bias(%x: tensor<1x16x8x8xf32>, %w: tensor<16x4x3x3xf32>, %b: tensor<4xf32>) {
  // expected-error @+2 {{bias must be a vector of 8 output channels}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.conv_transpose %x, %w, %b {dilations = array<i64: 1, 1>, groups = 2 : i64, output_padding = array<i64: 0, 0>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x16x8x8xf32>, tensor<16x4x3x3xf32>, tensor<4xf32>) -> tensor<1x8x10x10xf32>
  return
}

// -----

func.func @conv_transpose_rank(%x: tensor<16x8xf32>, %w: tensor<16x4xf32>) {
  // expected-error @+2 {{input must be N x C x spatial... (rank >= 3), got rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.conv_transpose %x, %w {dilations = array<i64>, output_padding = array<i64>, pads = array<i64>, strides = array<i64>} : (tensor<16x8xf32>, tensor<16x4xf32>) -> tensor<16x4xf32>
  return
}

// -----

func.func @conv_transpose_stride_zero(%x: tensor<1x16x8xf32>, %w: tensor<16x4x3xf32>) {
  // expected-error @+2 {{strides must be positive}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.conv_transpose %x, %w {dilations = array<i64: 1>, output_padding = array<i64: 0>, pads = array<i64: 0, 0>, strides = array<i64: 0>} : (tensor<1x16x8xf32>, tensor<16x4x3xf32>) -> tensor<1x4x10xf32>
  return
}

// -----

func.func @pool_rank(%x: tensor<1x3xf32>) {
  // expected-error @+2 {{input must be N x C x spatial... (rank >= 3), got rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.pool max %x {dilations = array<i64>, kernel = array<i64>, pads = array<i64>, strides = array<i64>} : (tensor<1x3xf32>) -> tensor<1x3xf32>
  return
}

// -----

func.func @pool_kernel_count(%x: tensor<1x3x8x8xf32>) {
  // expected-error @+2 {{expected 2 kernel sizes, got 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.pool max %x {dilations = array<i64: 1, 1>, kernel = array<i64: 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>) -> tensor<1x3x7x7xf32>
  return
}

// -----

func.func @pool_kernel_zero(%x: tensor<1x3x8x8xf32>) {
  // expected-error @+2 {{kernel sizes must be positive}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.pool avg %x {dilations = array<i64: 1, 1>, kernel = array<i64: 2, 0>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>) -> tensor<1x3x7x7xf32>
  return
}

// -----

func.func @pool_strides_count(%x: tensor<1x3x8x8xf32>) {
  // expected-error @+2 {{expected 2 strides, got 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.pool avg %x {dilations = array<i64: 1, 1>, kernel = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64>} : (tensor<1x3x8x8xf32>) -> tensor<1x3x7x7xf32>
  return
}

// -----

func.func @pool_pad_not_smaller_than_kernel(%x: tensor<1x3x8x8xf32>) {
  // expected-error @+2 {{padding must be smaller than the kernel}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.pool max %x {dilations = array<i64: 1, 1>, kernel = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 2>, strides = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>) -> tensor<1x3x7x9xf32>
  return
}

// -----

func.func @pool_wrong_result(%x: tensor<1x3x8x8xf32>) {
  // expected-error @+2 {{inferred type(s) 'tensor<1x3x4x4xf32>' are incompatible with return type(s) of operation 'tensor<1x3x7x7xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.pool max %x {dilations = array<i64: 1, 1>, kernel = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x3x8x8xf32>) -> tensor<1x3x7x7xf32>
  return
}

// -----

func.func @pool_bad_kind(%x: tensor<1x3x8x8xf32>) {
  // expected-error @+2 {{expected ::mlir::autoglm::PoolKind to be one of: max, avg}}
  // expected-error @+1 {{failed to parse AutoGLM_PoolKindAttr parameter 'value'}}
  %0 = autoglm.pool min %x {dilations = array<i64: 1, 1>, kernel = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>) -> tensor<1x3x7x7xf32>
  return
}

// -----

func.func @conv_transpose_output_padding_negative(%x: tensor<1x16x8xf32>, %w: tensor<16x4x3xf32>) {
  // expected-error @+2 {{output_padding must be non-negative}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.conv_transpose %x, %w {dilations = array<i64: 1>, output_padding = array<i64: -1>, pads = array<i64: 0, 0>, strides = array<i64: 1>} : (tensor<1x16x8xf32>, tensor<16x4x3xf32>) -> tensor<1x4x9xf32>
  return
}

// -----

// Regression: pads larger than the output gave a negative size, i.e. an
// invalid tensor type such as tensor<1x1x-1xf32>.
func.func @conv_transpose_pads_exceed_output(%x: tensor<1x1x1xf32>, %w: tensor<1x1x1xf32>) {
  // expected-error @+2 {{pads of spatial dimension 0 exceed its output size (1)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.conv_transpose %x, %w {dilations = array<i64: 1>, output_padding = array<i64: 0>, pads = array<i64: 1, 1>, strides = array<i64: 1>} : (tensor<1x1x1xf32>, tensor<1x1x1xf32>) -> tensor<1x1x?xf32>
  return
}

// -----

func.func @avg_pool_of_integers(%x: tensor<1x1x4x4xi8>) {
  // expected-error @+2 {{average pooling needs floating-point elements}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.pool avg %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x1x4x4xi8>) -> tensor<1x1x2x2xi8>
  return
}

// -----

func.func @conv_kernel_larger_than_input(%x: tensor<1x2x4x4xf32>, %w: tensor<3x2x5x3xf32>) {
  // expected-error @+2 {{the kernel spans 5 elements in spatial dimension 0, more than the 4 of the padded input}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.conv %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<3x2x5x3xf32>) -> tensor<1x3x1x2xf32>
  return
}

// -----

func.func @pool_dilated_kernel_larger_than_input(%x: tensor<1x3x8x8xf32>) {
  // A 3-wide kernel with dilation 4 spans 9 elements; the padded width is 8.
  // expected-error @+2 {{the kernel spans 9 elements in spatial dimension 1, more than the 8 of the padded input}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.pool max %x {dilations = array<i64: 1, 4>, kernel = array<i64: 2, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>) -> tensor<1x3x7x1xf32>
  return
}
