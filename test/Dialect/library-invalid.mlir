// RUN: autoglm-opt %s --split-input-file --verify-diagnostics

func.func @shapes(%a: memref<4x8xf32>, %b: memref<7x16xf32>, %d: memref<4x16xf32>) {
  // expected-error @+1 {{shapes do not multiply}}
  autoglm.gemm %a, %b into %d : memref<4x8xf32>, memref<7x16xf32> into memref<4x16xf32>
  return
}

// -----

func.func @batch(%a: memref<3x4x8xf32>, %b: memref<8x16xf32>, %d: memref<2x4x16xf32>) {
  // expected-error @+1 {{batch sizes differ}}
  autoglm.gemm %a, %b into %d : memref<3x4x8xf32>, memref<8x16xf32> into memref<2x4x16xf32>
  return
}

// -----

func.func @types(%a: memref<4x8xf16>, %b: memref<8x16xf32>, %d: memref<4x16xf32>) {
  // expected-error @+1 {{a and b are both f32, f16 or bf16}}
  autoglm.gemm %a, %b into %d : memref<4x8xf16>, memref<8x16xf32> into memref<4x16xf32>
  return
}

// -----

func.func @narrow_result(%a: memref<4x8xf32>, %b: memref<8x16xf32>, %d: memref<4x16xf16>) {
  // expected-error @+1 {{d has the element type of a and b, or f32}}
  autoglm.gemm %a, %b into %d : memref<4x8xf32>, memref<8x16xf32> into memref<4x16xf16>
  return
}

// -----

func.func @layout(%a: memref<4x8xf32, strided<[16, 2]>>, %b: memref<8x16xf32>, %d: memref<4x16xf32>) {
  // expected-error @+1 {{an operand is stored neither by rows nor by columns}}
  autoglm.gemm %a, %b into %d : memref<4x8xf32, strided<[16, 2]>>, memref<8x16xf32> into memref<4x16xf32>
  return
}

// -----

func.func @dnn_conv_f32(%x: memref<1x8x6x6xf32>, %w: memref<4x8x3x3xf32>, %y: memref<1x4x4x4xf32>) {
  // expected-error @+1 {{x, w and y are all f16 or all bf16}}
  autoglm.dnn_conv %x, %w into %y {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pad_before = array<i64: 0, 0>, pad_after = array<i64: 0, 0>} : memref<1x8x6x6xf32>, memref<4x8x3x3xf32> into memref<1x4x4x4xf32>
  return
}

// -----

func.func @dnn_conv_output_size(%x: memref<1x8x6x6xf16>, %w: memref<4x8x3x3xf16>, %y: memref<1x4x6x6xf16>) {
  // expected-error @+1 {{y's rows and columns follow from x's, w's, the strides, dilations and paddings}}
  autoglm.dnn_conv %x, %w into %y {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pad_before = array<i64: 0, 0>, pad_after = array<i64: 0, 0>} : memref<1x8x6x6xf16>, memref<4x8x3x3xf16> into memref<1x4x6x6xf16>
  return
}

// -----

func.func @dnn_conv_channels(%x: memref<1x8x6x6xf16>, %w: memref<4x7x3x3xf16>, %y: memref<1x4x4x4xf16>) {
  // expected-error @+1 {{w's channels divide x's into groups that divide w's filters}}
  autoglm.dnn_conv %x, %w into %y {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pad_before = array<i64: 0, 0>, pad_after = array<i64: 0, 0>} : memref<1x8x6x6xf16>, memref<4x7x3x3xf16> into memref<1x4x4x4xf16>
  return
}

// -----

// 8 channels in groups of 2 (4 groups) do not divide 6 filters.
func.func @dnn_conv_groups(%x: memref<1x8x6x6xf16>, %w: memref<6x2x3x3xf16>, %y: memref<1x6x4x4xf16>) {
  // expected-error @+1 {{w's channels divide x's into groups that divide w's filters}}
  autoglm.dnn_conv %x, %w into %y {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pad_before = array<i64: 0, 0>, pad_after = array<i64: 0, 0>} : memref<1x8x6x6xf16>, memref<6x2x3x3xf16> into memref<1x6x4x4xf16>
  return
}

// -----

func.func @dnn_conv_strided(%x: memref<1x8x6x6xf16, strided<[576, 72, 12, 2]>>, %w: memref<4x8x3x3xf16>, %y: memref<1x4x4x4xf16>) {
  // expected-error @+1 {{buffers are dense}}
  autoglm.dnn_conv %x, %w into %y {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pad_before = array<i64: 0, 0>, pad_after = array<i64: 0, 0>} : memref<1x8x6x6xf16, strided<[576, 72, 12, 2]>>, memref<4x8x3x3xf16> into memref<1x4x4x4xf16>
  return
}

// -----

func.func @dnn_conv_result(%x: tensor<1x8x6x6xf16>, %w: tensor<4x8x3x3xf16>, %y: tensor<1x4x4x4xf16>) {
  // expected-error @+1 {{returns its result on tensors, nothing on buffers}}
  autoglm.dnn_conv %x, %w into %y {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pad_before = array<i64: 0, 0>, pad_after = array<i64: 0, 0>} : tensor<1x8x6x6xf16>, tensor<4x8x3x3xf16> into tensor<1x4x4x4xf16>
  return
}
