// RUN: autoglm-opt %s --autoglm-conv-to-matmul | FileCheck %s

// 3x3: im2col into [N, C, KH, KW, OH, OW] (ow innermost), then one matmul
// W[F, C*9] x col[C*9, OH*OW] into the collapsed output.
// CHECK: #[[IN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d4 * 2 + d2, d5 * 2 + d3)>
// CHECK-LABEL: func.func @conv3x3
// CHECK: %[[COL:.*]] = linalg.generic {indexing_maps = [#[[IN]], {{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]}
// CHECK-SAME: outs(%{{.*}} : tensor<1x8x3x3x4x4xf32>)
// CHECK: %[[W:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0], [1, 2, 3]] : tensor<16x8x3x3xf32> into tensor<16x72xf32>
// CHECK: %[[C2:.*]] = tensor.collapse_shape %[[COL]] {{\[}}[0, 1, 2, 3], [4, 5]] : tensor<1x8x3x3x4x4xf32> into tensor<72x16xf32>
// CHECK: %[[MM:.*]] = linalg.matmul ins(%[[W]], %[[C2]] : tensor<16x72xf32>, tensor<72x16xf32>) outs(%{{.*}} : tensor<16x16xf32>)
// CHECK: tensor.expand_shape %[[MM]] {{\[}}[0, 1], [2, 3]] output_shape [1, 16, 4, 4]
// CHECK-NOT: linalg.conv_2d_nchw_fchw
func.func @conv3x3(%x: tensor<1x8x10x10xf32>, %w: tensor<16x8x3x3xf32>, %init: tensor<1x16x4x4xf32>) -> tensor<1x16x4x4xf32> {
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
    ins(%x, %w : tensor<1x8x10x10xf32>, tensor<16x8x3x3xf32>) outs(%init : tensor<1x16x4x4xf32>) -> tensor<1x16x4x4xf32>
  return %r : tensor<1x16x4x4xf32>
}

// 1x1 with unit strides: the input is the column matrix; two images make a
// batch_matmul with the weights broadcast.
// CHECK-LABEL: func.func @conv1x1
// CHECK-NOT: linalg.generic
// CHECK: %[[W:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0], [1, 2, 3]] : tensor<4x8x1x1xf32> into tensor<4x8xf32>
// CHECK: %[[X:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0], [1], [2, 3]] : tensor<2x8x5x5xf32> into tensor<2x8x25xf32>
// CHECK: %[[WB:.*]] = linalg.broadcast ins(%[[W]] : tensor<4x8xf32>) outs(%{{.*}} : tensor<2x4x8xf32>) dimensions = [0]
// CHECK: linalg.batch_matmul ins(%[[WB]], %[[X]] : tensor<2x4x8xf32>, tensor<2x8x25xf32>) outs(%{{.*}} : tensor<2x4x25xf32>)
func.func @conv1x1(%x: tensor<2x8x5x5xf32>, %w: tensor<4x8x1x1xf32>, %init: tensor<2x4x5x5xf32>) -> tensor<2x4x5x5xf32> {
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : tensor<2x8x5x5xf32>, tensor<4x8x1x1xf32>) outs(%init : tensor<2x4x5x5xf32>) -> tensor<2x4x5x5xf32>
  return %r : tensor<2x4x5x5xf32>
}

// Integer convolutions keep the exact loop nest.
// CHECK-LABEL: func.func @int_conv
// CHECK: linalg.conv_2d_nchw_fchw
func.func @int_conv(%x: tensor<1x1x3x3xi32>, %w: tensor<1x1x2x2xi32>, %init: tensor<1x1x2x2xi32>) -> tensor<1x1x2x2xi32> {
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : tensor<1x1x3x3xi32>, tensor<1x1x2x2xi32>) outs(%init : tensor<1x1x2x2xi32>) -> tensor<1x1x2x2xi32>
  return %r : tensor<1x1x2x2xi32>
}

// Mixed precision (--precision=fp16/bf16): 16-bit input and weight, an f32
// result. The im2col copy keeps the 16-bit elements, and the product reads
// them into f32 (the 16-bit product kernel on the CPU); two images make a
// batch_matmul. f32 operands into a 16-bit result are no form the product
// kernel has: that convolution keeps its loop nest.
// CHECK-LABEL: func.func @mixed
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<1x8x3x3x4x4xbf16>)
// CHECK: %[[W:.*]] = tensor.collapse_shape %{{.*}} : tensor<16x8x3x3xbf16> into tensor<16x72xbf16>
// CHECK: %[[C2:.*]] = tensor.collapse_shape %{{.*}} : tensor<1x8x3x3x4x4xbf16> into tensor<72x16xbf16>
// CHECK: linalg.matmul ins(%[[W]], %[[C2]] : tensor<16x72xbf16>, tensor<72x16xbf16>) outs(%{{.*}} : tensor<16x16xf32>)
// CHECK: linalg.batch_matmul ins(%{{.*}}, %{{.*}} : tensor<2x4x8xf16>, tensor<2x8x25xf16>) outs(%{{.*}} : tensor<2x4x25xf32>)
// CHECK: linalg.conv_2d_nchw_fchw {{.*}} outs(%{{.*}} : tensor<1x4x5x5xf16>)
func.func @mixed(%x: tensor<1x8x10x10xbf16>, %w: tensor<16x8x3x3xbf16>, %init: tensor<1x16x4x4xf32>,
                 %h: tensor<2x8x5x5xf16>, %v: tensor<4x8x1x1xf16>, %init2: tensor<2x4x5x5xf32>,
                 %f: tensor<1x8x5x5xf32>, %u: tensor<4x8x1x1xf32>, %init3: tensor<1x4x5x5xf16>)
    -> (tensor<1x16x4x4xf32>, tensor<2x4x5x5xf32>, tensor<1x4x5x5xf16>) {
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
    ins(%x, %w : tensor<1x8x10x10xbf16>, tensor<16x8x3x3xbf16>) outs(%init : tensor<1x16x4x4xf32>) -> tensor<1x16x4x4xf32>
  %s = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%h, %v : tensor<2x8x5x5xf16>, tensor<4x8x1x1xf16>) outs(%init2 : tensor<2x4x5x5xf32>) -> tensor<2x4x5x5xf32>
  %t = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%f, %u : tensor<1x8x5x5xf32>, tensor<4x8x1x1xf32>) outs(%init3 : tensor<1x4x5x5xf16>) -> tensor<1x4x5x5xf16>
  return %r, %s, %t : tensor<1x16x4x4xf32>, tensor<2x4x5x5xf32>, tensor<1x4x5x5xf16>
}
