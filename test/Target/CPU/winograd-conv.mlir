// RUN: autoglm-opt %s --split-input-file --autoglm-winograd-conv | FileCheck %s

// A fused 3x3 stride-1 convolution of 32 -> 32 channels at 10x10 outputs
// (the padded input 12x12): 3x3 tiles of 4x4 outputs (the last ones cut),
// so the input's zero pad grows to 14x14 in place of a second pad. The
// weight operand of the region becomes the transformed filter [36, F, C];
// the convolution becomes the input transform (rows, then columns), 36
// products, the output transform (rows, then columns into the output's
// layout), cut to 10x10; the region's bias and Relu follow unchanged.
// CHECK-LABEL: func.func @fires
// CHECK-NOT:     tensor<32x32x3x3xf32>
// CHECK:         %[[U:.+]] = arith.constant dense<{{.+}}> : tensor<36x32x32xf32>
// CHECK:         autoglm.fused "contraction"(%{{.+}}, %[[U]], %{{.+}}) : (tensor<1x32x10x10xf32>, tensor<36x32x32xf32>, tensor<32xf32>)
// CHECK-NEXT:    ^bb0(%[[X:.+]]: tensor<1x32x10x10xf32>, %[[W:.+]]: tensor<36x32x32xf32>, %{{.+}}: tensor<32xf32>):
// CHECK:           %[[PAD:.+]] = tensor.pad %[[X]] low[0, 0, 1, 1] high[0, 0, 3, 3]
// CHECK:           tensor<1x32x10x10xf32> to tensor<1x32x14x14xf32>
// CHECK-NOT:       tensor.pad
// CHECK:           %[[ROWS:.+]] = linalg.generic {{.+}} ins({{.+}} : tensor<6x6xf32>, {{.+}}, tensor<1x32x14x14xf32>, {{.+}}) outs(%{{.+}} : tensor<6x1x32x3x14xf32>)
// CHECK:           %[[V:.+]] = linalg.generic {{.+}} outs(%{{.+}} : tensor<6x6x32x1x3x3xf32>)
// CHECK:           %[[COLS:.+]] = tensor.collapse_shape %[[V]] {{\[}}[0, 1], [2], [3, 4, 5]] : tensor<6x6x32x1x3x3xf32> into tensor<36x32x9xf32>
// CHECK:           %[[FILL:.+]] = linalg.fill {{.+}} -> tensor<36x32x9xf32>
// CHECK:           %[[M:.+]] = linalg.batch_matmul ins(%[[W]], %[[COLS]] : tensor<36x32x32xf32>, tensor<36x32x9xf32>) outs(%[[FILL]] : tensor<36x32x9xf32>)
// CHECK:           %[[M6:.+]] = tensor.expand_shape %[[M]] {{\[}}[0, 1], [2], [3]] output_shape [6, 6, 32, 9]
// CHECK:           linalg.generic {{.+}} ins({{.+}}%[[M6]]{{.+}} : tensor<4x6xf32>, {{.+}}) outs(%{{.+}} : tensor<4x6x32x9xf32>)
// CHECK:           tensor.expand_shape {{.+}} into tensor<4x6x32x1x3x3xf32>
// CHECK:           %[[OUT:.+]] = linalg.generic {{.+}} outs(%{{.+}} : tensor<1x32x3x4x3x4xf32>)
// CHECK:           %[[FULL:.+]] = tensor.collapse_shape %[[OUT]] {{\[}}[0], [1], [2, 3], [4, 5]] : tensor<1x32x3x4x3x4xf32> into tensor<1x32x12x12xf32>
// CHECK:           %[[CUT:.+]] = tensor.extract_slice %[[FULL]][0, 0, 0, 0] [1, 32, 10, 10] [1, 1, 1, 1]
// CHECK-NOT:       linalg.conv_2d_nchw_fchw
// CHECK:           linalg.generic {{.+}} outs(%[[CUT]] : tensor<1x32x10x10xf32>)
// CHECK:             arith.maximumf
func.func @fires(%x: tensor<1x32x10x10xf32>) -> tensor<1x32x10x10xf32> {
  %w = arith.constant dense<0.5> : tensor<32x32x3x3xf32>
  %b = arith.constant dense<0.25> : tensor<32xf32>
  %r = autoglm.fused "contraction" (%x, %w, %b) : (tensor<1x32x10x10xf32>, tensor<32x32x3x3xf32>, tensor<32xf32>) -> tensor<1x32x10x10xf32> {
  ^bb0(%in: tensor<1x32x10x10xf32>, %wt: tensor<32x32x3x3xf32>, %bias: tensor<32xf32>):
    %zero = arith.constant 0.0 : f32
    %p = tensor.pad %in low[0, 0, 1, 1] high[0, 0, 1, 1] {
    ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
      tensor.yield %zero : f32
    } : tensor<1x32x10x10xf32> to tensor<1x32x12x12xf32>
    %e = tensor.empty() : tensor<1x32x10x10xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x32x10x10xf32>) -> tensor<1x32x10x10xf32>
    %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
        ins(%p, %wt : tensor<1x32x12x12xf32>, tensor<32x32x3x3xf32>) outs(%f : tensor<1x32x10x10xf32>) -> tensor<1x32x10x10xf32>
    %t = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d1)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                         iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
        ins(%bias : tensor<32xf32>) outs(%c : tensor<1x32x10x10xf32>) {
    ^bb0(%v: f32, %out: f32):
      %s = arith.addf %out, %v : f32
      %y = arith.maximumf %s, %zero : f32
      linalg.yield %y : f32
    } -> tensor<1x32x10x10xf32>
    autoglm.yield %t : tensor<1x32x10x10xf32>
  }
  return %r : tensor<1x32x10x10xf32>
}

// -----

// Outside a region, 2 images of 8x8 (whole tiles, no pad or cut): the
// transformed filter is a new constant next to the convolution.
// CHECK-LABEL: func.func @bare_batch2
// CHECK:         %[[U:.+]] = arith.constant dense<{{.+}}> : tensor<36x64x32xf32>
// CHECK-NOT:     tensor.pad
// CHECK:         linalg.batch_matmul ins(%[[U]], %{{.+}} : tensor<36x64x32xf32>, tensor<36x32x8xf32>)
// CHECK:         %[[OUT:.+]] = tensor.collapse_shape %{{.+}} : tensor<2x64x2x4x2x4xf32> into tensor<2x64x8x8xf32>
// CHECK-NOT:     tensor.extract_slice
// CHECK-NOT:     linalg.conv_2d_nchw_fchw
// CHECK:         return %[[OUT]]
func.func @bare_batch2(%x: tensor<2x32x10x10xf32>) -> tensor<2x64x8x8xf32> {
  %w = arith.constant dense<1.0> : tensor<64x32x3x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x64x8x8xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x64x8x8xf32>) -> tensor<2x64x8x8xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<2x32x10x10xf32>, tensor<64x32x3x3xf32>) outs(%f : tensor<2x64x8x8xf32>) -> tensor<2x64x8x8xf32>
  return %c : tensor<2x64x8x8xf32>
}

// -----

// Where it must not fire: stride 2, dilation 2, 16 input channels (below
// min-channels), 16 output channels, a 3x1 kernel, a weight that is not a
// constant, a non-zero initial output, f16, int8 (grouped convolutions
// are another op, never matched).
// CHECK-LABEL: func.func @stays
// CHECK-NOT:     linalg.batch_matmul
// CHECK-COUNT-9: linalg.conv_2d_
// CHECK-NOT:     linalg.batch_matmul
func.func @stays(%x: tensor<1x32x12x12xf32>, %x16: tensor<1x16x12x12xf32>,
                 %wa: tensor<32x32x3x3xf32>, %h: tensor<1x32x12x12xf16>,
                 %i: tensor<1x32x12x12xi8>)
    -> (tensor<1x32x5x5xf32>, tensor<1x32x8x8xf32>, tensor<1x32x10x10xf32>, tensor<1x16x10x10xf32>,
        tensor<1x32x10x12xf32>, tensor<1x32x10x10xf32>, tensor<1x32x10x10xf32>, tensor<1x32x10x10xf16>,
        tensor<1x32x10x10xi32>) {
  %w = arith.constant dense<1.0> : tensor<32x32x3x3xf32>
  %w16 = arith.constant dense<1.0> : tensor<32x16x3x3xf32>
  %wo16 = arith.constant dense<1.0> : tensor<16x32x3x3xf32>
  %w31 = arith.constant dense<1.0> : tensor<32x32x3x1xf32>
  %wh = arith.constant dense<1.0> : tensor<32x32x3x3xf16>
  %wi = arith.constant dense<1> : tensor<32x32x3x3xi8>
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %zh = arith.constant 0.0 : f16
  %zi = arith.constant 0 : i32
  %e5 = tensor.empty() : tensor<1x32x5x5xf32>
  %f5 = linalg.fill ins(%zero : f32) outs(%e5 : tensor<1x32x5x5xf32>) -> tensor<1x32x5x5xf32>
  %s2 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%x, %w : tensor<1x32x12x12xf32>, tensor<32x32x3x3xf32>) outs(%f5 : tensor<1x32x5x5xf32>) -> tensor<1x32x5x5xf32>
  %e8 = tensor.empty() : tensor<1x32x8x8xf32>
  %f8 = linalg.fill ins(%zero : f32) outs(%e8 : tensor<1x32x8x8xf32>) -> tensor<1x32x8x8xf32>
  %d2 = linalg.conv_2d_nchw_fchw {dilations = dense<2> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x32x12x12xf32>, tensor<32x32x3x3xf32>) outs(%f8 : tensor<1x32x8x8xf32>) -> tensor<1x32x8x8xf32>
  %e10 = tensor.empty() : tensor<1x32x10x10xf32>
  %f10 = linalg.fill ins(%zero : f32) outs(%e10 : tensor<1x32x10x10xf32>) -> tensor<1x32x10x10xf32>
  %c16 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x16, %w16 : tensor<1x16x12x12xf32>, tensor<32x16x3x3xf32>) outs(%f10 : tensor<1x32x10x10xf32>) -> tensor<1x32x10x10xf32>
  %eo = tensor.empty() : tensor<1x16x10x10xf32>
  %fo = linalg.fill ins(%zero : f32) outs(%eo : tensor<1x16x10x10xf32>) -> tensor<1x16x10x10xf32>
  %o16 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %wo16 : tensor<1x32x12x12xf32>, tensor<16x32x3x3xf32>) outs(%fo : tensor<1x16x10x10xf32>) -> tensor<1x16x10x10xf32>
  %e31 = tensor.empty() : tensor<1x32x10x12xf32>
  %f31 = linalg.fill ins(%zero : f32) outs(%e31 : tensor<1x32x10x12xf32>) -> tensor<1x32x10x12xf32>
  %k31 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w31 : tensor<1x32x12x12xf32>, tensor<32x32x3x1xf32>) outs(%f31 : tensor<1x32x10x12xf32>) -> tensor<1x32x10x12xf32>
  %arg = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %wa : tensor<1x32x12x12xf32>, tensor<32x32x3x3xf32>) outs(%f10 : tensor<1x32x10x10xf32>) -> tensor<1x32x10x10xf32>
  %ones = linalg.fill ins(%one : f32) outs(%e10 : tensor<1x32x10x10xf32>) -> tensor<1x32x10x10xf32>
  %acc = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x32x12x12xf32>, tensor<32x32x3x3xf32>) outs(%ones : tensor<1x32x10x10xf32>) -> tensor<1x32x10x10xf32>
  %eh = tensor.empty() : tensor<1x32x10x10xf16>
  %fh = linalg.fill ins(%zh : f16) outs(%eh : tensor<1x32x10x10xf16>) -> tensor<1x32x10x10xf16>
  %half = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%h, %wh : tensor<1x32x12x12xf16>, tensor<32x32x3x3xf16>) outs(%fh : tensor<1x32x10x10xf16>) -> tensor<1x32x10x10xf16>
  %ei = tensor.empty() : tensor<1x32x10x10xi32>
  %fi = linalg.fill ins(%zi : i32) outs(%ei : tensor<1x32x10x10xi32>) -> tensor<1x32x10x10xi32>
  %int = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%i, %wi : tensor<1x32x12x12xi8>, tensor<32x32x3x3xi8>) outs(%fi : tensor<1x32x10x10xi32>) -> tensor<1x32x10x10xi32>
  return %s2, %d2, %c16, %o16, %k31, %arg, %acc, %half, %int
      : tensor<1x32x5x5xf32>, tensor<1x32x8x8xf32>, tensor<1x32x10x10xf32>, tensor<1x16x10x10xf32>,
        tensor<1x32x10x12xf32>, tensor<1x32x10x10xf32>, tensor<1x32x10x10xf32>, tensor<1x32x10x10xf16>,
        tensor<1x32x10x10xi32>
}
