// RUN: autoglm-opt %s --autoglm-conv-to-matmul | FileCheck %s

// The in-place tail of a fused convolution (bias per channel, residual,
// ReLU) moves onto the [F, OH*OW] product, whose zero fill is made in that
// shape: the matmul tiling then finishes the output block by block.
// CHECK-LABEL: func.func @one_image(
// CHECK-NOT:     linalg.fill {{.+}} tensor<1x8x4x4xf32>
// CHECK:         %[[E:.+]] = tensor.empty() : tensor<8x16xf32>
// CHECK-NEXT:    %[[Z:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%[[E]] : tensor<8x16xf32>)
// CHECK-NEXT:    %[[P:.+]] = linalg.matmul {{.+}} outs(%[[Z]] : tensor<8x16xf32>)
// CHECK:         %[[R:.+]] = tensor.collapse_shape %arg3 {{\[\[}}0, 1], [2, 3]] : tensor<1x8x4x4xf32> into tensor<8x16xf32>
// CHECK-NEXT:    %[[T:.+]] = linalg.generic {{.+}} ins(%arg2, %[[R]] : tensor<8xf32>, tensor<8x16xf32>) outs(%[[P]] : tensor<8x16xf32>)
// CHECK:           arith.addf
// CHECK-NEXT:      arith.addf
// CHECK-NEXT:      arith.maximumf
// CHECK:         tensor.expand_shape %[[T]] {{\[\[}}0, 1], [2, 3]] output_shape [1, 8, 4, 4]
func.func @one_image(%x: tensor<1x3x4x4xf32>, %w: tensor<8x3x1x1xf32>, %b: tensor<8xf32>,
                     %res: tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x8x4x4xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%x, %w : tensor<1x3x4x4xf32>, tensor<8x3x1x1xf32>) outs(%z : tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d1)>,
                                        affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>,
                                        affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%b, %res : tensor<8xf32>, tensor<1x8x4x4xf32>) outs(%c : tensor<1x8x4x4xf32>) {
  ^bb0(%bias: f32, %r: f32, %acc: f32):
    %s = arith.addf %acc, %bias : f32
    %t = arith.addf %s, %r : f32
    %u = arith.maximumf %t, %zero : f32
    linalg.yield %u : f32
  } -> tensor<1x8x4x4xf32>
  return %y : tensor<1x8x4x4xf32>
}

// Several images: the tail works on the [N, F, OH*OW] batched product.
// CHECK-LABEL: func.func @two_images(
// CHECK:         %[[P:.+]] = linalg.batch_matmul {{.+}} -> tensor<2x8x16xf32>
// CHECK:         %[[T:.+]] = linalg.generic {{.+}} ins(%arg2 : tensor<8xf32>) outs(%[[P]] : tensor<2x8x16xf32>)
// CHECK:         tensor.expand_shape %[[T]] {{\[\[}}0], [1], [2, 3]]
func.func @two_images(%x: tensor<2x3x4x4xf32>, %w: tensor<8x3x1x1xf32>, %b: tensor<8xf32>) -> tensor<2x8x4x4xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x8x4x4xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<2x8x4x4xf32>) -> tensor<2x8x4x4xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%x, %w : tensor<2x3x4x4xf32>, tensor<8x3x1x1xf32>) outs(%z : tensor<2x8x4x4xf32>) -> tensor<2x8x4x4xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d1)>,
                                        affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%b : tensor<8xf32>) outs(%c : tensor<2x8x4x4xf32>) {
  ^bb0(%bias: f32, %acc: f32):
    %s = arith.addf %acc, %bias : f32
    linalg.yield %s : f32
  } -> tensor<2x8x4x4xf32>
  return %y : tensor<2x8x4x4xf32>
}

// A bias alone, as an autoglm.fused "conv" leaves it: the tail reads the
// convolution's output as an input and writes a new tensor. It becomes an
// update of the product in place too (a ResNet downsample's bias had run
// over its whole output, 3.2 MB, after the product's blocks).
// CHECK-LABEL: func.func @bias_into_new_tensor(
// CHECK:         %[[P:.+]] = linalg.matmul {{.+}} -> tensor<8x16xf32>
// CHECK:         %[[T:.+]] = linalg.generic {{.+}} ins(%arg2 : tensor<8xf32>) outs(%[[P]] : tensor<8x16xf32>)
// CHECK-NEXT:    ^bb0(%[[BIAS:.+]]: f32, %[[ACC:.+]]: f32):
// CHECK-NEXT:      %[[S:.+]] = arith.subf %[[ACC]], %[[BIAS]] : f32
// CHECK-NEXT:      linalg.yield %[[S]] : f32
// CHECK:         tensor.expand_shape %[[T]] {{\[\[}}0, 1], [2, 3]]
// CHECK-NOT:     linalg.generic
func.func @bias_into_new_tensor(%x: tensor<1x3x4x4xf32>, %w: tensor<8x3x1x1xf32>, %b: tensor<8xf32>) -> tensor<1x8x4x4xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x8x4x4xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%x, %w : tensor<1x3x4x4xf32>, tensor<8x3x1x1xf32>) outs(%z : tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  %n = tensor.empty() : tensor<1x8x4x4xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>,
                                        affine_map<(d0, d1, d2, d3) -> (d1)>,
                                        affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%c, %b : tensor<1x8x4x4xf32>, tensor<8xf32>) outs(%n : tensor<1x8x4x4xf32>) {
  ^bb0(%acc: f32, %bias: f32, %out: f32):
    %s = arith.subf %acc, %bias : f32
    linalg.yield %s : f32
  } -> tensor<1x8x4x4xf32>
  return %y : tensor<1x8x4x4xf32>
}

// Not moved: a tail that writes a new tensor but reads what it writes.
// CHECK-LABEL: func.func @reads_new_tensor(
// CHECK:         %[[O:.+]] = tensor.expand_shape
// CHECK:         linalg.generic {{.+}} ins(%[[O]], %arg2 : tensor<1x8x4x4xf32>, tensor<8xf32>)
func.func @reads_new_tensor(%x: tensor<1x3x4x4xf32>, %w: tensor<8x3x1x1xf32>, %b: tensor<8xf32>) -> tensor<1x8x4x4xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x8x4x4xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%x, %w : tensor<1x3x4x4xf32>, tensor<8x3x1x1xf32>) outs(%z : tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  %n = tensor.empty() : tensor<1x8x4x4xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>,
                                        affine_map<(d0, d1, d2, d3) -> (d1)>,
                                        affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%c, %b : tensor<1x8x4x4xf32>, tensor<8xf32>) outs(%n : tensor<1x8x4x4xf32>) {
  ^bb0(%acc: f32, %bias: f32, %out: f32):
    %s = arith.addf %acc, %bias : f32
    %t = arith.addf %s, %out : f32
    linalg.yield %t : f32
  } -> tensor<1x8x4x4xf32>
  return %y : tensor<1x8x4x4xf32>
}

// Not moved: an operand indexed by the output row alone has no place in
// the product's flattened OH*OW dimension.
// CHECK-LABEL: func.func @per_row_operand(
// CHECK:         %[[O:.+]] = tensor.expand_shape
// CHECK-NEXT:    linalg.generic {{.+}} outs(%[[O]] : tensor<1x8x4x4xf32>)
// CHECK-NOT:     linalg.generic
func.func @per_row_operand(%x: tensor<1x3x4x4xf32>, %w: tensor<8x3x1x1xf32>, %row: tensor<4xf32>) -> tensor<1x8x4x4xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x8x4x4xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%x, %w : tensor<1x3x4x4xf32>, tensor<8x3x1x1xf32>) outs(%z : tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d2)>,
                                        affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%row : tensor<4xf32>) outs(%c : tensor<1x8x4x4xf32>) {
  ^bb0(%r: f32, %acc: f32):
    %s = arith.addf %acc, %r : f32
    linalg.yield %s : f32
  } -> tensor<1x8x4x4xf32>
  return %y : tensor<1x8x4x4xf32>
}

// A 1x1 map (a squeeze-excitation's layer), the weight a constant that a
// fused region reads: the product is transposed, images by channels,
// [N, C] x W^T[C, F], the weight transposed at compile time (row c of the
// new constant is column c of the filter: 1, 3, 5 / 2, 4, 6), and the
// tail (bias, a same-shape operand) works on the [N, F] product.
// CHECK-LABEL: func.func @squeeze(
// CHECK:         %[[WT:.+]] = arith.constant dense<{{\[\[\[\[}}1.000000e+00]], {{\[\[}}3.000000e+00]], {{\[\[}}5.000000e+00]]], {{\[\[\[}}2.000000e+00]], {{\[\[}}4.000000e+00]], {{\[\[}}6.000000e+00]]]]> : tensor<2x3x1x1xf32>
// CHECK:         autoglm.fused "contraction"(%arg0, %[[WT]], %arg1, %arg2)
// CHECK-NEXT:    ^bb0(%[[X:.+]]: tensor<4x2x1x1xf32>, %[[W:.+]]: tensor<2x3x1x1xf32>, %[[B:.+]]: tensor<3xf32>, %[[S:.+]]: tensor<4x3x1x1xf32>):
// CHECK-DAG:     %[[ROWS:.+]] = tensor.collapse_shape %[[X]] {{\[\[}}0], [1, 2, 3]] : tensor<4x2x1x1xf32> into tensor<4x2xf32>
// CHECK-DAG:     %[[WM:.+]] = tensor.collapse_shape %[[W]] {{\[\[}}0], [1, 2, 3]] : tensor<2x3x1x1xf32> into tensor<2x3xf32>
// CHECK:         %[[P:.+]] = linalg.matmul ins(%[[ROWS]], %[[WM]] : tensor<4x2xf32>, tensor<2x3xf32>) outs(%{{.+}} : tensor<4x3xf32>)
// CHECK:         %[[S2:.+]] = tensor.collapse_shape %[[S]] {{\[\[}}0], [1, 2, 3]] : tensor<4x3x1x1xf32> into tensor<4x3xf32>
// CHECK:         %[[T:.+]] = linalg.generic {{.+}} ins(%[[B]], %[[S2]] : tensor<3xf32>, tensor<4x3xf32>) outs(%[[P]] : tensor<4x3xf32>)
// CHECK:         tensor.expand_shape %[[T]] {{\[\[}}0], [1, 2, 3]] output_shape [4, 3, 1, 1]
// CHECK-NOT:     linalg.conv_2d_nchw_fchw
func.func @squeeze(%x: tensor<4x2x1x1xf32>, %b: tensor<3xf32>, %s: tensor<4x3x1x1xf32>) -> tensor<4x3x1x1xf32> {
  %w = arith.constant dense<[[[[1.0]], [[2.0]]], [[[3.0]], [[4.0]]], [[[5.0]], [[6.0]]]]> : tensor<3x2x1x1xf32>
  %r = autoglm.fused "contraction"(%x, %w, %b, %s) : (tensor<4x2x1x1xf32>, tensor<3x2x1x1xf32>, tensor<3xf32>, tensor<4x3x1x1xf32>) -> tensor<4x3x1x1xf32> {
  ^bb0(%xa: tensor<4x2x1x1xf32>, %wa: tensor<3x2x1x1xf32>, %ba: tensor<3xf32>, %sa: tensor<4x3x1x1xf32>):
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<4x3x1x1xf32>
    %z = linalg.fill ins(%zero : f32) outs(%e : tensor<4x3x1x1xf32>) -> tensor<4x3x1x1xf32>
    %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%xa, %wa : tensor<4x2x1x1xf32>, tensor<3x2x1x1xf32>) outs(%z : tensor<4x3x1x1xf32>) -> tensor<4x3x1x1xf32>
    %y = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d1)>,
                                          affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>,
                                          affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                         iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
        ins(%ba, %sa : tensor<3xf32>, tensor<4x3x1x1xf32>) outs(%c : tensor<4x3x1x1xf32>) {
    ^bb0(%bias: f32, %sv: f32, %acc: f32):
      %t = arith.addf %acc, %bias : f32
      %u = arith.mulf %t, %sv : f32
      linalg.yield %u : f32
    } -> tensor<4x3x1x1xf32>
    autoglm.yield %y : tensor<4x3x1x1xf32>
  }
  return %r : tensor<4x3x1x1xf32>
}

// A 1x1 map whose weight is no constant keeps the [F, 1] product.
// CHECK-LABEL: func.func @squeeze_runtime_weight(
// CHECK:         linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<3x2xf32>, tensor<2x1xf32>) outs(%{{.+}} : tensor<3x1xf32>)
func.func @squeeze_runtime_weight(%x: tensor<1x2x1x1xf32>, %w: tensor<3x2x1x1xf32>, %init: tensor<1x3x1x1xf32>) -> tensor<1x3x1x1xf32> {
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%x, %w : tensor<1x2x1x1xf32>, tensor<3x2x1x1xf32>) outs(%init : tensor<1x3x1x1xf32>) -> tensor<1x3x1x1xf32>
  return %r : tensor<1x3x1x1xf32>
}
