// RUN: autoglm-opt %s | autoglm-opt | FileCheck %s

// CHECK-LABEL: func.func @gemm
// CHECK: autoglm.gemm %arg0, %arg1 into %arg2 : memref<4x8xbf16>, memref<2x8x16xbf16> into memref<2x4x16xbf16>
func.func @gemm(%a: memref<4x8xbf16>, %b: memref<2x8x16xbf16>, %d: memref<2x4x16xbf16>) {
  autoglm.gemm %a, %b into %d : memref<4x8xbf16>, memref<2x8x16xbf16> into memref<2x4x16xbf16>
  return
}

// CHECK-LABEL: func.func @dnn_conv_tensors
// CHECK: %[[Y:.*]] = autoglm.dnn_conv %arg0, %arg1 into %arg2 {dilations = array<i64: 1, 1>, pad_after = array<i64: 1, 1>, pad_before = array<i64: 1, 1>, strides = array<i64: 1, 1>} : tensor<1x8x6x6xf16>, tensor<4x8x3x3xf16> into tensor<1x4x6x6xf16> -> tensor<1x4x6x6xf16>
// CHECK: return %[[Y]]
func.func @dnn_conv_tensors(%x: tensor<1x8x6x6xf16>, %w: tensor<4x8x3x3xf16>, %init: tensor<1x4x6x6xf16>) -> tensor<1x4x6x6xf16> {
  %y = autoglm.dnn_conv %x, %w into %init {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pad_before = array<i64: 1, 1>, pad_after = array<i64: 1, 1>} : tensor<1x8x6x6xf16>, tensor<4x8x3x3xf16> into tensor<1x4x6x6xf16> -> tensor<1x4x6x6xf16>
  return %y : tensor<1x4x6x6xf16>
}

// CHECK-LABEL: func.func @dnn_conv_buffers
// CHECK: autoglm.dnn_conv %arg0, %arg1 into %arg2 {dilations = array<i64: 2, 2>, pad_after = array<i64: 0, 0>, pad_before = array<i64: 0, 0>, strides = array<i64: 2, 1>} : memref<2x3x9x9xbf16>, memref<5x3x3x3xbf16> into memref<2x5x3x5xbf16>{{$}}
func.func @dnn_conv_buffers(%x: memref<2x3x9x9xbf16>, %w: memref<5x3x3x3xbf16>, %y: memref<2x5x3x5xbf16>) {
  autoglm.dnn_conv %x, %w into %y {strides = array<i64: 2, 1>, dilations = array<i64: 2, 2>, pad_before = array<i64: 0, 0>, pad_after = array<i64: 0, 0>} : memref<2x3x9x9xbf16>, memref<5x3x3x3xbf16> into memref<2x5x3x5xbf16>
  return
}

// Depthwise (8 groups of one channel) and grouped (2 groups of 4 channels,
// 3 filters each).
// CHECK-LABEL: func.func @dnn_conv_groups
// CHECK: autoglm.dnn_conv %arg0, %arg1 into %arg3 {{.*}} : memref<1x8x6x6xf16>, memref<8x1x3x3xf16> into memref<1x8x4x4xf16>{{$}}
// CHECK: autoglm.dnn_conv %arg0, %arg2 into %arg4 {{.*}} : memref<1x8x6x6xf16>, memref<6x4x3x3xf16> into memref<1x6x4x4xf16>{{$}}
func.func @dnn_conv_groups(%x: memref<1x8x6x6xf16>, %dw: memref<8x1x3x3xf16>, %gw: memref<6x4x3x3xf16>, %y: memref<1x8x4x4xf16>, %z: memref<1x6x4x4xf16>) {
  autoglm.dnn_conv %x, %dw into %y {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pad_before = array<i64: 0, 0>, pad_after = array<i64: 0, 0>} : memref<1x8x6x6xf16>, memref<8x1x3x3xf16> into memref<1x8x4x4xf16>
  autoglm.dnn_conv %x, %gw into %z {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pad_before = array<i64: 0, 0>, pad_after = array<i64: 0, 0>} : memref<1x8x6x6xf16>, memref<6x4x3x3xf16> into memref<1x6x4x4xf16>
  return
}
