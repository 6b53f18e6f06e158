// RUN: autoglm-opt %s --split-input-file --autoglm-cuda-channels-last | FileCheck %s

// Two convolutions with a bias + ReLU region between them: both in NHWC,
// the first one's filters transposed at compile time (F x KH x KW x C), the
// region taking and giving NHWC with its transposes inside; no transpose
// left between the convolutions. The model's input is transposed once, the
// result transposed back once.
// CHECK-LABEL: func.func @conv_relu_conv
// CHECK:         %[[X:.*]] = linalg.transpose ins(%arg0 : tensor<1x2x4x4xf16>) {{.*}} permutation = [0, 2, 3, 1]
// CHECK:         %[[W1:.*]] = arith.constant dense<{{\[\[\[\[}}1.000000e+00, 3.000000e+00], [2.000000e+00, 4.000000e+00]]], {{\[\[\[}}5.000000e+00, 7.000000e+00], [6.000000e+00, 8.000000e+00]]]]> : tensor<2x1x2x2xf16>
// CHECK:         %[[C1:.*]] = autoglm.dnn_conv %[[X]], %[[W1]] into %{{.*}} {channels_last, {{.*}}} : tensor<1x4x4x2xf16>, tensor<2x1x2x2xf16> into tensor<1x4x3x2xf16>
// CHECK-NEXT:    %[[R:.*]] = autoglm.fused "elementwise"(%[[C1]], %{{.*}}) : (tensor<1x4x3x2xf16>, tensor<2xf16>) -> tensor<1x4x3x2xf16>
// CHECK:           linalg.transpose ins(%{{.*}} : tensor<1x4x3x2xf16>) {{.*}} permutation = [0, 3, 1, 2]
// CHECK:           linalg.generic
// CHECK:           %[[T:.*]] = linalg.transpose ins(%{{.*}} : tensor<1x2x4x3xf16>) {{.*}} permutation = [0, 2, 3, 1]
// CHECK-NEXT:      autoglm.yield %[[T]] : tensor<1x4x3x2xf16>
// CHECK-NOT:     linalg.transpose
// CHECK:         %[[W2:.*]] = arith.constant dense<1.000000e+00> : tensor<2x1x1x2xf16>
// CHECK-NOT:     linalg.transpose
// CHECK:         %[[C2:.*]] = autoglm.dnn_conv %[[R]], %[[W2]] into %{{.*}} {channels_last, {{.*}}} : tensor<1x4x3x2xf16>, tensor<2x1x1x2xf16> into tensor<1x4x3x2xf16>
// CHECK-NEXT:    %{{.*}} = tensor.empty() : tensor<1x2x4x3xf16>
// CHECK-NEXT:    %[[Y:.*]] = linalg.transpose ins(%[[C2]] : tensor<1x4x3x2xf16>) {{.*}} permutation = [0, 3, 1, 2]
// CHECK-NEXT:    return %[[Y]]
#map = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#bias = affine_map<(d0, d1, d2, d3) -> (d1)>
func.func @conv_relu_conv(%x: tensor<1x2x4x4xf16>) -> tensor<1x2x4x3xf16> {
  %w1 = arith.constant dense<[[[[1.0, 2.0]], [[3.0, 4.0]]], [[[5.0, 6.0]], [[7.0, 8.0]]]]> : tensor<2x2x1x2xf16>
  %w2 = arith.constant dense<1.0> : tensor<2x2x1x1xf16>
  %b = arith.constant dense<[0.5, -0.5]> : tensor<2xf16>
  %e1 = tensor.empty() : tensor<1x2x4x3xf16>
  %c1 = autoglm.dnn_conv %x, %w1 into %e1 {dilations = array<i64: 1, 1>, pad_after = array<i64: 0, 0>, pad_before = array<i64: 0, 0>, strides = array<i64: 1, 1>} : tensor<1x2x4x4xf16>, tensor<2x2x1x2xf16> into tensor<1x2x4x3xf16> -> tensor<1x2x4x3xf16>
  %r = autoglm.fused "elementwise"(%c1, %b) : (tensor<1x2x4x3xf16>, tensor<2xf16>) -> tensor<1x2x4x3xf16> {
  ^bb0(%a: tensor<1x2x4x3xf16>, %bb: tensor<2xf16>):
    %zero = arith.constant 0.0 : f16
    %e = tensor.empty() : tensor<1x2x4x3xf16>
    %g = linalg.generic {indexing_maps = [#map, #bias, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%a, %bb : tensor<1x2x4x3xf16>, tensor<2xf16>) outs(%e : tensor<1x2x4x3xf16>) {
    ^bb0(%in: f16, %in2: f16, %out: f16):
      %s = arith.addf %in, %in2 : f16
      %m = arith.maximumf %s, %zero : f16
      linalg.yield %m : f16
    } -> tensor<1x2x4x3xf16>
    autoglm.yield %g : tensor<1x2x4x3xf16>
  }
  %e2 = tensor.empty() : tensor<1x2x4x3xf16>
  %c2 = autoglm.dnn_conv %r, %w2 into %e2 {dilations = array<i64: 1, 1>, pad_after = array<i64: 0, 0>, pad_before = array<i64: 0, 0>, strides = array<i64: 1, 1>} : tensor<1x2x4x3xf16>, tensor<2x2x1x1xf16> into tensor<1x2x4x3xf16> -> tensor<1x2x4x3xf16>
  return %c2 : tensor<1x2x4x3xf16>
}

// -----

// A region whose result only a global pooling reads (a reduction region,
// which stays NCHW) takes the convolution's NHWC result, but gives its own
// in NCHW: converting it would only move the transpose into a kernel of
// its own.
// CHECK-LABEL: func.func @conv_bias_pooling
// CHECK:         %[[C:.*]] = autoglm.dnn_conv {{.*}} {channels_last
// CHECK:         %[[R:.*]] = autoglm.fused "elementwise"(%[[C]], %{{.*}}) : (tensor<1x4x4x2xf16>, tensor<2xf16>) -> tensor<1x2x4x4xf16>
// CHECK:           linalg.transpose {{.*}} permutation = [0, 3, 1, 2]
// CHECK-NOT:       linalg.transpose
// CHECK:         autoglm.fused "pool"(%[[R]]) : (tensor<1x2x4x4xf16>)
// CHECK-NOT:       linalg.transpose
// CHECK:         return
#map = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#bias = affine_map<(d0, d1, d2, d3) -> (d1)>
#sum_in = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#sum_out = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
func.func @conv_bias_pooling(%x: tensor<1x2x4x4xf16>) -> tensor<1x2xf16> {
  %w = arith.constant dense<1.0> : tensor<2x2x1x1xf16>
  %b = arith.constant dense<[0.5, -0.5]> : tensor<2xf16>
  %e1 = tensor.empty() : tensor<1x2x4x4xf16>
  %c = autoglm.dnn_conv %x, %w into %e1 {dilations = array<i64: 1, 1>, pad_after = array<i64: 0, 0>, pad_before = array<i64: 0, 0>, strides = array<i64: 1, 1>} : tensor<1x2x4x4xf16>, tensor<2x2x1x1xf16> into tensor<1x2x4x4xf16> -> tensor<1x2x4x4xf16>
  %r = autoglm.fused "elementwise"(%c, %b) : (tensor<1x2x4x4xf16>, tensor<2xf16>) -> tensor<1x2x4x4xf16> {
  ^bb0(%a: tensor<1x2x4x4xf16>, %bb: tensor<2xf16>):
    %e = tensor.empty() : tensor<1x2x4x4xf16>
    %g = linalg.generic {indexing_maps = [#map, #bias, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%a, %bb : tensor<1x2x4x4xf16>, tensor<2xf16>) outs(%e : tensor<1x2x4x4xf16>) {
    ^bb0(%in: f16, %in2: f16, %out: f16):
      %s = arith.addf %in, %in2 : f16
      linalg.yield %s : f16
    } -> tensor<1x2x4x4xf16>
    autoglm.yield %g : tensor<1x2x4x4xf16>
  }
  %p = autoglm.fused "pool"(%r) : (tensor<1x2x4x4xf16>) -> tensor<1x2xf16> {
  ^bb0(%a: tensor<1x2x4x4xf16>):
    %zero = arith.constant 0.0 : f16
    %e = tensor.empty() : tensor<1x2xf16>
    %f = linalg.fill ins(%zero : f16) outs(%e : tensor<1x2xf16>) -> tensor<1x2xf16>
    %s = linalg.generic {indexing_maps = [#sum_in, #sum_out], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%a : tensor<1x2x4x4xf16>) outs(%f : tensor<1x2xf16>) {
    ^bb0(%in: f16, %out: f16):
      %t = arith.addf %in, %out : f16
      linalg.yield %t : f16
    } -> tensor<1x2xf16>
    autoglm.yield %s : tensor<1x2xf16>
  }
  return %p : tensor<1x2xf16>
}

// -----

// Filters that are not a constant cannot be transposed at compile time:
// the convolution stays NCHW, and nothing else changes.
// CHECK-LABEL: func.func @filters_not_constant
// CHECK-NOT:     linalg.transpose
// CHECK:         autoglm.dnn_conv %arg0, %arg1 into %{{.*}} {dilations
// CHECK-NOT:     channels_last
// CHECK-NOT:     linalg.transpose
func.func @filters_not_constant(%x: tensor<1x2x4x4xf16>, %w: tensor<2x2x1x1xf16>) -> tensor<1x2x4x4xf16> {
  %e = tensor.empty() : tensor<1x2x4x4xf16>
  %c = autoglm.dnn_conv %x, %w into %e {dilations = array<i64: 1, 1>, pad_after = array<i64: 0, 0>, pad_before = array<i64: 0, 0>, strides = array<i64: 1, 1>} : tensor<1x2x4x4xf16>, tensor<2x2x1x1xf16> into tensor<1x2x4x4xf16> -> tensor<1x2x4x4xf16>
  return %c : tensor<1x2x4x4xf16>
}

// -----

// A max pooling with its padding (ResNet's stem) between two convolutions:
// the region pads and pools the NHWC value itself (pads permuted, the
// window's strides kept), so no transpose is left inside it for
// tile-and-fuse to leave out of the pooling's loop.
// CHECK-LABEL: func.func @conv_pool_conv
// CHECK:         %[[C:.*]] = autoglm.dnn_conv {{.*}} into tensor<1x4x4x3xf16>
// CHECK:         autoglm.fused "pool"(%[[C]]) : (tensor<1x4x4x3xf16>) -> tensor<1x2x2x3xf16>
// CHECK-NOT:       linalg.transpose
// CHECK:           %[[P:.*]] = tensor.pad %{{.*}} low[0, 1, 1, 0] high[0, 1, 1, 0]
// CHECK:           } : tensor<1x4x4x3xf16> to tensor<1x6x6x3xf16>
// CHECK-NOT:       linalg.transpose
// CHECK:           %[[M:.*]] = linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%[[P]], %{{.*}} : tensor<1x6x6x3xf16>, tensor<3x3xf16>)
// CHECK-NOT:       linalg.transpose
// CHECK:           autoglm.yield %[[M]] : tensor<1x2x2x3xf16>
// CHECK:         autoglm.dnn_conv {{.*}} {channels_last
func.func @conv_pool_conv(%x: tensor<1x2x4x4xf16>) -> tensor<1x3x2x2xf16> {
  %w = arith.constant dense<1.0> : tensor<3x2x1x1xf16>
  %e1 = tensor.empty() : tensor<1x3x4x4xf16>
  %c = autoglm.dnn_conv %x, %w into %e1 {dilations = array<i64: 1, 1>, pad_after = array<i64: 0, 0>, pad_before = array<i64: 0, 0>, strides = array<i64: 1, 1>} : tensor<1x2x4x4xf16>, tensor<3x2x1x1xf16> into tensor<1x3x4x4xf16> -> tensor<1x3x4x4xf16>
  %p = autoglm.fused "pool"(%c) : (tensor<1x3x4x4xf16>) -> tensor<1x3x2x2xf16> {
  ^bb0(%a: tensor<1x3x4x4xf16>):
    %ninf = arith.constant 0xFC00 : f16
    %padded = tensor.pad %a low[0, 0, 1, 1] high[0, 0, 1, 1] {
    ^bb0(%i: index, %j: index, %k: index, %l: index):
      tensor.yield %ninf : f16
    } : tensor<1x3x4x4xf16> to tensor<1x3x6x6xf16>
    %e = tensor.empty() : tensor<1x3x2x2xf16>
    %f = linalg.fill ins(%ninf : f16) outs(%e : tensor<1x3x2x2xf16>) -> tensor<1x3x2x2xf16>
    %win = tensor.empty() : tensor<3x3xf16>
    %m = linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%padded, %win : tensor<1x3x6x6xf16>, tensor<3x3xf16>) outs(%f : tensor<1x3x2x2xf16>) -> tensor<1x3x2x2xf16>
    autoglm.yield %m : tensor<1x3x2x2xf16>
  }
  %w2 = arith.constant dense<1.0> : tensor<3x3x1x1xf16>
  %e2 = tensor.empty() : tensor<1x3x2x2xf16>
  %c2 = autoglm.dnn_conv %p, %w2 into %e2 {dilations = array<i64: 1, 1>, pad_after = array<i64: 0, 0>, pad_before = array<i64: 0, 0>, strides = array<i64: 1, 1>} : tensor<1x3x2x2xf16>, tensor<3x3x1x1xf16> into tensor<1x3x2x2xf16> -> tensor<1x3x2x2xf16>
  return %c2 : tensor<1x3x2x2xf16>
}
