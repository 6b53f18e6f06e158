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

// A constant f32 filter whose rows (C*KH*KW floats, the product's A) are a
// multiple of 1 KiB long is stored with 64 bytes of zeros after each row
// and read through a view of its first columns (rows 1 KiB apart fall into
// 4 of the L1 cache's 64 sets); the old constant goes. Rows of 8 floats
// stay as they are.
// CHECK-LABEL: func.func @padded_filter
// CHECK-NOT:     tensor<2x256x1x1xf32>
// CHECK:         %[[W:.+]] = arith.constant dense<"0x{{((0000803F){128}(0000803F){128}(00000000){16}(00000040){128}(00000040){128}(00000000){16})}}"> : tensor<2x272xf32>
// CHECK:         %[[A:.+]] = tensor.extract_slice %[[W]][0, 0] [2, 256] [1, 1] : tensor<2x272xf32> to tensor<2x256xf32>
// CHECK:         linalg.matmul ins(%[[A]], %{{.+}} : tensor<2x256xf32>, tensor<256x16xf32>)
// CHECK-LABEL: func.func @unpadded_filter
// CHECK:         %[[W:.+]] = arith.constant dense<{{.+}}> : tensor<2x8x1x1xf32>
// CHECK:         %[[A:.+]] = tensor.collapse_shape %[[W]] {{\[}}[0], [1, 2, 3]] : tensor<2x8x1x1xf32> into tensor<2x8xf32>
// CHECK:         linalg.matmul ins(%[[A]], %{{.+}} : tensor<2x8xf32>, tensor<8x16xf32>)
func.func @padded_filter(%x: tensor<1x256x4x4xf32>, %init: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = arith.constant dense<"0x0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F00000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040"> : tensor<2x256x1x1xf32>
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : tensor<1x256x4x4xf32>, tensor<2x256x1x1xf32>) outs(%init : tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %r : tensor<1x2x4x4xf32>
}

func.func @unpadded_filter(%x: tensor<1x8x4x4xf32>, %init: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = arith.constant dense<[[[[1.0]], [[2.0]], [[3.0]], [[4.0]], [[5.0]], [[6.0]], [[7.0]], [[8.0]]], [[[8.0]], [[7.0]], [[6.0]], [[5.0]], [[4.0]], [[3.0]], [[2.0]], [[1.0]]]]> : tensor<2x8x1x1xf32>
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : tensor<1x8x4x4xf32>, tensor<2x8x1x1xf32>) outs(%init : tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %r : tensor<1x2x4x4xf32>
}
