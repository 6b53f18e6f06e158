// RUN: autoglm-opt %s --autoglm-lower-to-linalg | FileCheck %s

// matmul -> linalg.matmul / linalg.batch_matmul (broadcast batch dims
// materialized first); conv -> tensor.pad + linalg.conv_* named ops,
// depthwise, or a grouped generic; conv_transpose -> transposed weight x
// input matmul + one strided overlap-add per kernel tap + crop; pool -> linalg.pooling_nchw_* or a window
// generic, average divided by a constant table of window counts.

// Two groups of two channels: loops (n, g, o, y, x, c, ky, kx); the input
// channel is g * 2 + c, the weight row g * 3 + o.
// CHECK-DAG:   #[[IN:.+]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1 * 2 + d5, d3 + d6, d4 + d7)>
// CHECK-DAG:   #[[WT:.+]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d1 * 3 + d2, d5, d6, d7)>

// CHECK-LABEL: func.func @matmul_2d(
// CHECK:         %[[Z:.+]] = arith.constant 0.000000e+00 : f32
// CHECK:         %[[F:.+]] = linalg.fill ins(%[[Z]] : f32) outs(%{{.+}} : tensor<2x5xf32>)
// CHECK:         linalg.matmul ins(%arg0, %arg1 : tensor<2x4xf32>, tensor<4x5xf32>) outs(%[[F]] : tensor<2x5xf32>)
func.func @matmul_2d(%a: tensor<2x4xf32>, %b: tensor<4x5xf32>) -> tensor<2x5xf32> {
  %0 = autoglm.matmul %a, %b : (tensor<2x4xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// A batched lhs times a 2-D weight folds the batch into the rows.
// CHECK-LABEL: func.func @matmul_linear(
// CHECK:         tensor.collapse_shape %arg0 {{\[}}[0, 1, 2], [3]] : tensor<2x3x8x16xf32> into tensor<48x16xf32>
// CHECK:         linalg.matmul ins(%{{.+}}, %arg1 : tensor<48x16xf32>, tensor<16x4xf32>)
// CHECK:         tensor.expand_shape %{{.+}} {{\[}}[0, 1, 2], [3]] output_shape [2, 3, 8, 4] : tensor<48x4xf32> into tensor<2x3x8x4xf32>
func.func @matmul_linear(%a: tensor<2x3x8x16xf32>, %b: tensor<16x4xf32>) -> tensor<2x3x8x4xf32> {
  %0 = autoglm.matmul %a, %b : (tensor<2x3x8x16xf32>, tensor<16x4xf32>) -> tensor<2x3x8x4xf32>
  return %0 : tensor<2x3x8x4xf32>
}

// CHECK-LABEL: func.func @matmul_batch_broadcast(
// CHECK:         %[[L:.+]] = linalg.generic {indexing_maps = [#{{.+}}, #{{.+}}], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%arg0 : tensor<3x1x2x4xf32>) outs(%{{.+}} : tensor<3x5x2x4xf32>)
// CHECK:         tensor.collapse_shape %[[L]] {{\[}}[0, 1], [2], [3]] : tensor<3x5x2x4xf32> into tensor<15x2x4xf32>
// CHECK:         linalg.generic {{.+}} ins(%arg1 : tensor<5x4x6xf32>) outs(%{{.+}} : tensor<3x5x4x6xf32>)
// CHECK:         linalg.batch_matmul ins(%{{.+}}, %{{.+}} : tensor<15x2x4xf32>, tensor<15x4x6xf32>) outs(%{{.+}} : tensor<15x2x6xf32>)
// CHECK:         tensor.expand_shape {{.+}} : tensor<15x2x6xf32> into tensor<3x5x2x6xf32>
func.func @matmul_batch_broadcast(%a: tensor<3x1x2x4xf32>, %b: tensor<5x4x6xf32>) -> tensor<3x5x2x6xf32> {
  %0 = autoglm.matmul %a, %b : (tensor<3x1x2x4xf32>, tensor<5x4x6xf32>) -> tensor<3x5x2x6xf32>
  return %0 : tensor<3x5x2x6xf32>
}

// 8-bit operands are widened to i32 (uint8: zero extension) first.
// CHECK-LABEL: func.func @matmul_integer(
// CHECK-SAME:    %{{.+}}: tensor<2x4xi8>, %{{.+}}: tensor<4x3xi8>) -> tensor<2x3xi32>
// CHECK:         arith.extui %{{.+}} : i8 to i32
// CHECK:         arith.extui %{{.+}} : i8 to i32
// CHECK:         linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<2x4xi32>, tensor<4x3xi32>) outs(%{{.+}} : tensor<2x3xi32>)
func.func @matmul_integer(%a: tensor<2x4xui8>, %b: tensor<4x3xui8>) -> tensor<2x3xi32> {
  %0 = autoglm.matmul %a, %b : (tensor<2x4xui8>, tensor<4x3xui8>) -> tensor<2x3xi32>
  return %0 : tensor<2x3xi32>
}

// Mixed signedness (uint8 activations times int8 weights, what int8
// quantization makes): each operand is widened by its own signedness.
// CHECK-LABEL: func.func @matmul_integer_mixed(
// CHECK:         arith.extui %{{.+}} : i8 to i32
// CHECK:         arith.extsi %{{.+}} : i8 to i32
// CHECK:         linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<2x4xi32>, tensor<4x3xi32>) outs(%{{.+}} : tensor<2x3xi32>)
func.func @matmul_integer_mixed(%a: tensor<2x4xui8>, %b: tensor<4x3xi8>) -> tensor<2x3xi32> {
  %0 = autoglm.matmul %a, %b : (tensor<2x4xui8>, tensor<4x3xi8>) -> tensor<2x3xi32>
  return %0 : tensor<2x3xi32>
}

// CHECK-LABEL: func.func @conv2d(
// CHECK:         %[[P:.+]] = tensor.pad %arg0 low[0, 0, 1, 2] high[0, 0, 1, 2]
// CHECK:         tensor.yield %{{.+}} : f32
// CHECK:         } : tensor<1x3x8x8xf32> to tensor<1x3x10x12xf32>
// CHECK:         %[[C:.+]] = linalg.conv_2d_nchw_fchw {dilations = dense<[1, 2]> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%[[P]], %arg1 : tensor<1x3x10x12xf32>, tensor<4x3x3x3xf32>) outs(%{{.+}} : tensor<1x4x4x4xf32>)
// CHECK:         linalg.generic {{.+}} ins(%[[C]], %arg2 : tensor<1x4x4x4xf32>, tensor<4xf32>)
// CHECK:           arith.addf
func.func @conv2d(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>) -> tensor<1x4x4x4xf32> {
  %0 = autoglm.conv %x, %w, %b {strides = array<i64: 2, 2>, pads = array<i64: 1, 2, 1, 2>, dilations = array<i64: 1, 2>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
  return %0 : tensor<1x4x4x4xf32>
}

// CHECK-LABEL: func.func @conv1d_3d(
// CHECK-NOT:     tensor.pad
// CHECK:         linalg.conv_1d_ncw_fcw {dilations = dense<1> : tensor<1xi64>, strides = dense<1> : tensor<1xi64>}
// CHECK:         linalg.conv_3d_ncdhw_fcdhw
func.func @conv1d_3d(%x: tensor<1x2x8xf32>, %w: tensor<3x2x3xf32>, %y: tensor<1x2x4x4x4xf32>, %v: tensor<3x2x3x3x3xf32>) -> (tensor<1x3x6xf32>, tensor<1x3x2x2x2xf32>) {
  %0 = autoglm.conv %x, %w {strides = array<i64: 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1>} : (tensor<1x2x8xf32>, tensor<3x2x3xf32>) -> tensor<1x3x6xf32>
  %1 = autoglm.conv %y, %v {strides = array<i64: 1, 1, 1>, pads = array<i64: 0, 0, 0, 0, 0, 0>, dilations = array<i64: 1, 1, 1>} : (tensor<1x2x4x4x4xf32>, tensor<3x2x3x3x3xf32>) -> tensor<1x3x2x2x2xf32>
  return %0, %1 : tensor<1x3x6xf32>, tensor<1x3x2x2x2xf32>
}

// CHECK-LABEL: func.func @conv_depthwise(
// CHECK:         %[[W:.+]] = tensor.collapse_shape %arg1 {{.+}} : tensor<4x1x3x3xf32> into tensor<4x3x3xf32>
// CHECK:         linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%{{.+}}, %[[W]] : tensor<1x4x8x8xf32>, tensor<4x3x3xf32>)
func.func @conv_depthwise(%x: tensor<1x4x6x6xf32>, %w: tensor<4x1x3x3xf32>) -> tensor<1x4x6x6xf32> {
  %0 = autoglm.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 4 : i64} : (tensor<1x4x6x6xf32>, tensor<4x1x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// Grouped conv (see @conv_grouped): the maps are printed first.
// CHECK-LABEL: func.func @conv_grouped(
// CHECK:         linalg.generic {indexing_maps = [#[[IN]], #[[WT]], #{{.+}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
// CHECK-SAME:      outs(%{{.+}} : tensor<1x2x3x3x3xf32>)
// CHECK:         tensor.collapse_shape %{{.+}} {{\[}}[0], [1, 2], [3], [4]] : tensor<1x2x3x3x3xf32> into tensor<1x6x3x3xf32>
func.func @conv_grouped(%x: tensor<1x4x5x5xf32>, %w: tensor<6x2x3x3xf32>) -> tensor<1x6x3x3xf32> {
  %0 = autoglm.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 2 : i64} : (tensor<1x4x5x5xf32>, tensor<6x2x3x3xf32>) -> tensor<1x6x3x3xf32>
  return %0 : tensor<1x6x3x3xf32>
}

// The product of the transposed weight [O*KH*KW, C] with the input
// [C, H*W], then tap (ky, kx) added at rows 2y + ky, columns 2x + kx of the
// 7x7 uncropped output (9 taps), then the crop by the padding of 1.
// CHECK-LABEL: func.func @conv_transpose(
// CHECK:         linalg.transpose ins(%{{.+}} : tensor<1x2x27xf32>) outs(%{{.+}} : tensor<1x27x2xf32>) permutation = [0, 2, 1]
// CHECK:         linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<27x2xf32>, tensor<2x9xf32>) outs(%{{.+}} : tensor<27x9xf32>)
// CHECK:         %[[COL:.+]] = tensor.collapse_shape %{{.+}} : tensor<1x1x3x3x3x3x3xf32> into tensor<1x3x3x3x3x3xf32>
// CHECK:         %[[FULL:.+]] = linalg.fill {{.+}} -> tensor<1x3x7x7xf32>
// CHECK:         %[[TAP0:.+]] = tensor.extract_slice %[[COL]][0, 0, 0, 0, 0, 0] [1, 3, 1, 1, 3, 3] [1, 1, 1, 1, 1, 1]
// CHECK:         %[[DST0:.+]] = tensor.extract_slice %[[FULL]][0, 0, 0, 0] [1, 3, 3, 3] [1, 1, 2, 2]
// CHECK:         %[[SUM0:.+]] = linalg.generic {{.+}} ins(%[[TAP0]] : tensor<1x3x3x3xf32>) outs(%[[DST0]] : tensor<1x3x3x3xf32>)
// CHECK:           arith.addf
// CHECK:         tensor.insert_slice %[[SUM0]] into %[[FULL]][0, 0, 0, 0] [1, 3, 3, 3] [1, 1, 2, 2]
// CHECK-COUNT-7: tensor.insert_slice
// CHECK:         %[[LAST:.+]] = tensor.insert_slice %{{.+}}[0, 0, 2, 2] [1, 3, 3, 3] [1, 1, 2, 2]
// CHECK-NOT:     tensor.insert_slice
// CHECK:         tensor.extract_slice %[[LAST]][0, 0, 1, 1] [1, 3, 5, 5] [1, 1, 1, 1] : tensor<1x3x7x7xf32> to tensor<1x3x5x5xf32>
func.func @conv_transpose(%x: tensor<1x2x3x3xf32>, %w: tensor<2x3x3x3xf32>) -> tensor<1x3x5x5xf32> {
  %0 = autoglm.conv_transpose %x, %w {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, output_padding = array<i64: 0, 0>} : (tensor<1x2x3x3xf32>, tensor<2x3x3x3xf32>) -> tensor<1x3x5x5xf32>
  return %0 : tensor<1x3x5x5xf32>
}

// CHECK-LABEL: func.func @max_pool(
// CHECK:         %[[NINF:.+]] = arith.constant 0xFF800000 : f32
// CHECK:         tensor.pad %arg0 low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK:         tensor.yield %[[NINF]] : f32
// CHECK:         %[[WIN:.+]] = tensor.empty() : tensor<3x3xf32>
// CHECK:         linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%{{.+}}, %[[WIN]] : tensor<1x2x10x10xf32>, tensor<3x3xf32>) outs(%{{.+}} : tensor<1x2x4x4xf32>)
func.func @max_pool(%x: tensor<1x2x8x8xf32>) -> tensor<1x2x4x4xf32> {
  %0 = autoglm.pool max %x {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>} : (tensor<1x2x8x8xf32>) -> tensor<1x2x4x4xf32>
  return %0 : tensor<1x2x4x4xf32>
}

// ceil_mode: 5 = ceil((6 - 2) / 1) + 1 - 1... windows of 2, stride 2 over 5:
// the third window hangs over by one (extra end padding, not counted).
// CHECK-LABEL: func.func @avg_pool_ceil(
// CHECK:         tensor.pad %arg0 low[0, 0, 0, 0] high[0, 0, 1, 1]
// CHECK:         linalg.pooling_nchw_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
// CHECK:         arith.constant dense<{{\[}}[4.000000e+00, 4.000000e+00, 2.000000e+00], [4.000000e+00, 4.000000e+00, 2.000000e+00], [2.000000e+00, 2.000000e+00, 1.000000e+00]]> : tensor<3x3xf32>
// CHECK:         arith.divf
func.func @avg_pool_ceil(%x: tensor<1x1x5x5xf32>) -> tensor<1x1x3x3xf32> {
  %0 = autoglm.pool avg %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode} : (tensor<1x1x5x5xf32>) -> tensor<1x1x3x3xf32>
  return %0 : tensor<1x1x3x3xf32>
}

// 1-D pooling and unsigned max pooling use the window generic.
// CHECK-LABEL: func.func @pool_generic(
// CHECK:         linalg.generic {{.+}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK:           arith.maximumf
// CHECK:         linalg.generic {{.+}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]
// CHECK:           arith.maxui
func.func @pool_generic(%x: tensor<1x2x8xf32>, %y: tensor<1x1x4x4xui8>) -> (tensor<1x2x4xf32>, tensor<1x1x2x2xui8>) {
  %0 = autoglm.pool max %x {kernel = array<i64: 2>, strides = array<i64: 2>, pads = array<i64: 0, 0>, dilations = array<i64: 1>} : (tensor<1x2x8xf32>) -> tensor<1x2x4xf32>
  %1 = autoglm.pool max %y {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x1x4x4xui8>) -> tensor<1x1x2x2xui8>
  return %0, %1 : tensor<1x2x4xf32>, tensor<1x1x2x2xui8>
}
