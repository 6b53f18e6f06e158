// RUN: autoglm-opt %s | autoglm-opt | FileCheck %s
// RUN: autoglm-opt %s --mlir-print-op-generic | autoglm-opt | FileCheck %s

// Round trip of matmul, conv, conv_transpose and pool: optional bias, default
// groups (elided), unit attributes, 1-D to 3-D windows, dynamic dimensions.
// The static result types also pin the inferred output sizes, since the
// verifier rejects a static size that contradicts inference.

// CHECK-LABEL: func.func @matmul(
// CHECK-SAME:  %arg0: tensor<2x8x16xf32>, %arg1: tensor<16x4xf32>) -> tensor<2x8x4xf32> {
// CHECK-NEXT:    %0 = autoglm.matmul %arg0, %arg1 : (tensor<2x8x16xf32>, tensor<16x4xf32>) -> tensor<2x8x4xf32>
// CHECK-NEXT:    return %0 : tensor<2x8x4xf32>
func.func @matmul(%a: tensor<2x8x16xf32>, %b: tensor<16x4xf32>) -> tensor<2x8x4xf32> {
  %0 = autoglm.matmul %a, %b : (tensor<2x8x16xf32>, tensor<16x4xf32>) -> tensor<2x8x4xf32>
  return %0 : tensor<2x8x4xf32>
}

// CHECK-LABEL: func.func @matmul_batch_broadcast(
// CHECK-SAME:  %arg0: tensor<3x1x?x64xf16>, %arg1: tensor<5x?x32xf16>) -> tensor<3x5x?x32xf16> {
// CHECK-NEXT:    %0 = autoglm.matmul %arg0, %arg1 : (tensor<3x1x?x64xf16>, tensor<5x?x32xf16>) -> tensor<3x5x?x32xf16>
// CHECK-NEXT:    return %0 : tensor<3x5x?x32xf16>
func.func @matmul_batch_broadcast(%a: tensor<3x1x?x64xf16>, %b: tensor<5x?x32xf16>) -> tensor<3x5x?x32xf16> {
  %0 = autoglm.matmul %a, %b : (tensor<3x1x?x64xf16>, tensor<5x?x32xf16>) -> tensor<3x5x?x32xf16>
  return %0 : tensor<3x5x?x32xf16>
}

// 8-bit integer operands (signed or unsigned) accumulate into i32.
// CHECK-LABEL: func.func @matmul_integer(
// CHECK-SAME:  %arg0: tensor<4x8xi8>, %arg1: tensor<8x2xi8>, %arg2: tensor<4x8xui8>) -> (tensor<4x2xi32>, tensor<4x2xi32>) {
// CHECK-NEXT:    %0 = autoglm.matmul %arg0, %arg1 : (tensor<4x8xi8>, tensor<8x2xi8>) -> tensor<4x2xi32>
// CHECK-NEXT:    %1 = autoglm.matmul %arg2, %arg1 : (tensor<4x8xui8>, tensor<8x2xi8>) -> tensor<4x2xi32>
// CHECK-NEXT:    return %0, %1 : tensor<4x2xi32>, tensor<4x2xi32>
func.func @matmul_integer(%a: tensor<4x8xi8>, %b: tensor<8x2xi8>, %c: tensor<4x8xui8>) -> (tensor<4x2xi32>, tensor<4x2xi32>) {
  %0 = autoglm.matmul %a, %b : (tensor<4x8xi8>, tensor<8x2xi8>) -> tensor<4x2xi32>
  %1 = autoglm.matmul %c, %b : (tensor<4x8xui8>, tensor<8x2xi8>) -> tensor<4x2xi32>
  return %0, %1 : tensor<4x2xi32>, tensor<4x2xi32>
}

// CHECK-LABEL: func.func @conv2d(
// CHECK-SAME:  %arg0: tensor<1x3x224x224xf32>, %arg1: tensor<64x3x7x7xf32>, %arg2: tensor<64xf32>) -> (tensor<1x64x112x112xf32>, tensor<1x64x218x218xf32>) {
// CHECK-NEXT:    %0 = autoglm.conv %arg0, %arg1, %arg2 {dilations = array<i64: 1, 1>, pads = array<i64: 3, 3, 3, 3>, strides = array<i64: 2, 2>} : (tensor<1x3x224x224xf32>, tensor<64x3x7x7xf32>, tensor<64xf32>) -> tensor<1x64x112x112xf32>
// CHECK-NEXT:    %1 = autoglm.conv %arg0, %arg1 {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x224x224xf32>, tensor<64x3x7x7xf32>) -> tensor<1x64x218x218xf32>
// CHECK-NEXT:    return %0, %1 : tensor<1x64x112x112xf32>, tensor<1x64x218x218xf32>
func.func @conv2d(%x: tensor<1x3x224x224xf32>, %w: tensor<64x3x7x7xf32>, %b: tensor<64xf32>) -> (tensor<1x64x112x112xf32>, tensor<1x64x218x218xf32>) {
  %0 = autoglm.conv %x, %w, %b {dilations = array<i64: 1, 1>, pads = array<i64: 3, 3, 3, 3>, strides = array<i64: 2, 2>} : (tensor<1x3x224x224xf32>, tensor<64x3x7x7xf32>, tensor<64xf32>) -> tensor<1x64x112x112xf32>
  // No bias, no padding, default groups.
  %1 = autoglm.conv %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x224x224xf32>, tensor<64x3x7x7xf32>) -> tensor<1x64x218x218xf32>
  return %0, %1 : tensor<1x64x112x112xf32>, tensor<1x64x218x218xf32>
}

// Depthwise (groups = channels), dilated, asymmetric pads, dynamic batch and
// height.
// CHECK-LABEL: func.func @conv2d_grouped(
// CHECK-SAME:  %arg0: tensor<?x32x?x20xf16>, %arg1: tensor<32x1x3x3xf16>) -> tensor<?x32x?x9xf16> {
// CHECK-NEXT:    %0 = autoglm.conv %arg0, %arg1 {dilations = array<i64: 2, 2>, groups = 32 : i64, pads = array<i64: 0, 1, 2, 0>, strides = array<i64: 1, 2>} : (tensor<?x32x?x20xf16>, tensor<32x1x3x3xf16>) -> tensor<?x32x?x9xf16>
// CHECK-NEXT:    return %0 : tensor<?x32x?x9xf16>
func.func @conv2d_grouped(%x: tensor<?x32x?x20xf16>, %w: tensor<32x1x3x3xf16>) -> tensor<?x32x?x9xf16> {
  %0 = autoglm.conv %x, %w {dilations = array<i64: 2, 2>, groups = 32 : i64, pads = array<i64: 0, 1, 2, 0>, strides = array<i64: 1, 2>} : (tensor<?x32x?x20xf16>, tensor<32x1x3x3xf16>) -> tensor<?x32x?x9xf16>
  return %0 : tensor<?x32x?x9xf16>
}

// CHECK-LABEL: func.func @conv1d_3d(
// CHECK-SAME:  %arg0: tensor<2x4x10xf32>, %arg1: tensor<8x4x3xf32>, %arg2: tensor<1x2x4x4x4xf64>, %arg3: tensor<6x2x2x2x2xf64>) -> (tensor<2x8x8xf32>, tensor<1x6x3x3x3xf64>) {
// CHECK-NEXT:    %0 = autoglm.conv %arg0, %arg1 {dilations = array<i64: 1>, pads = array<i64: 0, 0>, strides = array<i64: 1>} : (tensor<2x4x10xf32>, tensor<8x4x3xf32>) -> tensor<2x8x8xf32>
// CHECK-NEXT:    %1 = autoglm.conv %arg2, %arg3 {dilations = array<i64: 1, 1, 1>, pads = array<i64: 0, 0, 0, 0, 0, 0>, strides = array<i64: 1, 1, 1>} : (tensor<1x2x4x4x4xf64>, tensor<6x2x2x2x2xf64>) -> tensor<1x6x3x3x3xf64>
// CHECK-NEXT:    return %0, %1 : tensor<2x8x8xf32>, tensor<1x6x3x3x3xf64>
func.func @conv1d_3d(%x: tensor<2x4x10xf32>, %w: tensor<8x4x3xf32>, %y: tensor<1x2x4x4x4xf64>, %v: tensor<6x2x2x2x2xf64>) -> (tensor<2x8x8xf32>, tensor<1x6x3x3x3xf64>) {
  %0 = autoglm.conv %x, %w {dilations = array<i64: 1>, pads = array<i64: 0, 0>, strides = array<i64: 1>} : (tensor<2x4x10xf32>, tensor<8x4x3xf32>) -> tensor<2x8x8xf32>
  %1 = autoglm.conv %y, %v {dilations = array<i64: 1, 1, 1>, pads = array<i64: 0, 0, 0, 0, 0, 0>, strides = array<i64: 1, 1, 1>} : (tensor<1x2x4x4x4xf64>, tensor<6x2x2x2x2xf64>) -> tensor<1x6x3x3x3xf64>
  return %0, %1 : tensor<2x8x8xf32>, tensor<1x6x3x3x3xf64>
}

// CHECK-LABEL: func.func @conv_transpose(
// CHECK-SAME:  %arg0: tensor<1x16x8x8xf32>, %arg1: tensor<16x4x3x3xf32>, %arg2: tensor<8xf32>) -> (tensor<1x8x16x16xf32>, tensor<1x4x10x10xf32>) {
// CHECK-NEXT:    %0 = autoglm.conv_transpose %arg0, %arg1, %arg2 {dilations = array<i64: 1, 1>, groups = 2 : i64, output_padding = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x16x8x8xf32>, tensor<16x4x3x3xf32>, tensor<8xf32>) -> tensor<1x8x16x16xf32>
// CHECK-NEXT:    %1 = autoglm.conv_transpose %arg0, %arg1 {dilations = array<i64: 1, 1>, output_padding = array<i64: 0, 0>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x16x8x8xf32>, tensor<16x4x3x3xf32>) -> tensor<1x4x10x10xf32>
// CHECK-NEXT:    return %0, %1 : tensor<1x8x16x16xf32>, tensor<1x4x10x10xf32>
func.func @conv_transpose(%x: tensor<1x16x8x8xf32>, %w: tensor<16x4x3x3xf32>, %b: tensor<8xf32>) -> (tensor<1x8x16x16xf32>, tensor<1x4x10x10xf32>) {
  %0 = autoglm.conv_transpose %x, %w, %b {dilations = array<i64: 1, 1>, groups = 2 : i64, output_padding = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x16x8x8xf32>, tensor<16x4x3x3xf32>, tensor<8xf32>) -> tensor<1x8x16x16xf32>
  %1 = autoglm.conv_transpose %x, %w {dilations = array<i64: 1, 1>, output_padding = array<i64: 0, 0>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x16x8x8xf32>, tensor<16x4x3x3xf32>) -> tensor<1x4x10x10xf32>
  return %0, %1 : tensor<1x8x16x16xf32>, tensor<1x4x10x10xf32>
}

// CHECK-LABEL: func.func @conv_transpose_dynamic(
// CHECK-SAME:  %arg0: tensor<?x16x?xbf16>, %arg1: tensor<16x4x5xbf16>) -> tensor<?x4x?xbf16> {
// CHECK-NEXT:    %0 = autoglm.conv_transpose %arg0, %arg1 {dilations = array<i64: 2>, output_padding = array<i64: 0>, pads = array<i64: 2, 2>, strides = array<i64: 3>} : (tensor<?x16x?xbf16>, tensor<16x4x5xbf16>) -> tensor<?x4x?xbf16>
// CHECK-NEXT:    return %0 : tensor<?x4x?xbf16>
func.func @conv_transpose_dynamic(%x: tensor<?x16x?xbf16>, %w: tensor<16x4x5xbf16>) -> tensor<?x4x?xbf16> {
  %0 = autoglm.conv_transpose %x, %w {dilations = array<i64: 2>, output_padding = array<i64: 0>, pads = array<i64: 2, 2>, strides = array<i64: 3>} : (tensor<?x16x?xbf16>, tensor<16x4x5xbf16>) -> tensor<?x4x?xbf16>
  return %0 : tensor<?x4x?xbf16>
}

// CHECK-LABEL: func.func @pool(
// CHECK-SAME:  %arg0: tensor<1x64x112x112xf32>) -> (tensor<1x64x56x56xf32>, tensor<1x64x56x56xf32>, tensor<1x64x1x1xf32>) {
// CHECK-NEXT:    %0 = autoglm.pool max %arg0 {dilations = array<i64: 1, 1>, kernel = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x64x112x112xf32>) -> tensor<1x64x56x56xf32>
// CHECK-NEXT:    %1 = autoglm.pool avg %arg0 {count_include_pad, dilations = array<i64: 1, 1>, kernel = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x64x112x112xf32>) -> tensor<1x64x56x56xf32>
// CHECK-NEXT:    %2 = autoglm.pool avg %arg0 {dilations = array<i64: 1, 1>, kernel = array<i64: 112, 112>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x64x112x112xf32>) -> tensor<1x64x1x1xf32>
// CHECK-NEXT:    return %0, %1, %2 : tensor<1x64x56x56xf32>, tensor<1x64x56x56xf32>, tensor<1x64x1x1xf32>
func.func @pool(%x: tensor<1x64x112x112xf32>) -> (tensor<1x64x56x56xf32>, tensor<1x64x56x56xf32>, tensor<1x64x1x1xf32>) {
  %0 = autoglm.pool max %x {dilations = array<i64: 1, 1>, kernel = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x64x112x112xf32>) -> tensor<1x64x56x56xf32>
  %1 = autoglm.pool avg %x {count_include_pad, dilations = array<i64: 1, 1>, kernel = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x64x112x112xf32>) -> tensor<1x64x56x56xf32>
  %2 = autoglm.pool avg %x {dilations = array<i64: 1, 1>, kernel = array<i64: 112, 112>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x64x112x112xf32>) -> tensor<1x64x1x1xf32>
  return %0, %1, %2 : tensor<1x64x56x56xf32>, tensor<1x64x56x56xf32>, tensor<1x64x1x1xf32>
}

// ceil_mode rounds the output size up: floor mode gives 3, ceil mode 4.
// CHECK-LABEL: func.func @pool_ceil_mode(
// CHECK-SAME:  %arg0: tensor<2x3x8x?xf16>) -> (tensor<2x3x3x?xf16>, tensor<2x3x4x?xf16>) {
// CHECK-NEXT:    %0 = autoglm.pool max %arg0 {dilations = array<i64: 1, 1>, kernel = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<2x3x8x?xf16>) -> tensor<2x3x3x?xf16>
// CHECK-NEXT:    %1 = autoglm.pool max %arg0 {ceil_mode, dilations = array<i64: 1, 1>, kernel = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<2x3x8x?xf16>) -> tensor<2x3x4x?xf16>
// CHECK-NEXT:    return %0, %1 : tensor<2x3x3x?xf16>, tensor<2x3x4x?xf16>
func.func @pool_ceil_mode(%x: tensor<2x3x8x?xf16>) -> (tensor<2x3x3x?xf16>, tensor<2x3x4x?xf16>) {
  %0 = autoglm.pool max %x {dilations = array<i64: 1, 1>, kernel = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<2x3x8x?xf16>) -> tensor<2x3x3x?xf16>
  %1 = autoglm.pool max %x {ceil_mode, dilations = array<i64: 1, 1>, kernel = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<2x3x8x?xf16>) -> tensor<2x3x4x?xf16>
  return %0, %1 : tensor<2x3x3x?xf16>, tensor<2x3x4x?xf16>
}

// CHECK-LABEL: func.func @pool1d_dilated(
// CHECK-SAME:  %arg0: tensor<1x1x10xf32>) -> tensor<1x1x7xf32> {
// CHECK-NEXT:    %0 = autoglm.pool max %arg0 {dilations = array<i64: 2>, kernel = array<i64: 3>, pads = array<i64: 1, 0>, strides = array<i64: 1>} : (tensor<1x1x10xf32>) -> tensor<1x1x7xf32>
// CHECK-NEXT:    return %0 : tensor<1x1x7xf32>
func.func @pool1d_dilated(%x: tensor<1x1x10xf32>) -> tensor<1x1x7xf32> {
  %0 = autoglm.pool max %x {dilations = array<i64: 2>, kernel = array<i64: 3>, pads = array<i64: 1, 0>, strides = array<i64: 1>} : (tensor<1x1x10xf32>) -> tensor<1x1x7xf32>
  return %0 : tensor<1x1x7xf32>
}

// Max pooling also takes integers (ONNX MaxPool on uint8).
// CHECK-LABEL: func.func @max_pool_ui8(
// CHECK: autoglm.pool max %{{.*}} {dilations = array<i64: 1, 1>, kernel = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x1x4x4xui8>) -> tensor<1x1x2x2xui8>
func.func @max_pool_ui8(%x: tensor<1x1x4x4xui8>) -> tensor<1x1x2x2xui8> {
  %0 = autoglm.pool max %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x1x4x4xui8>) -> tensor<1x1x2x2xui8>
  return %0 : tensor<1x1x2x2xui8>
}
