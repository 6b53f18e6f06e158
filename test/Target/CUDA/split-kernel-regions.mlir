// RUN: autoglm-opt %s --split-input-file --autoglm-cuda-split-kernel-regions | FileCheck %s

// A MatMul + bias + Relu region: the product, its zero fill and its buffer
// leave the region; the bias and Relu become a region of their own.
// CHECK-LABEL: func.func @matmul_bias_relu
// CHECK:         %[[FILL:.*]] = linalg.fill
// CHECK-NEXT:    %[[PRODUCT:.*]] = linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<8x16xf32>) outs(%[[FILL]]
// CHECK-NEXT:    %[[TAIL:.*]] = autoglm.fused "contraction"(%{{.*}}, %[[PRODUCT]]) : (tensor<16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
// CHECK:           arith.constant 0.0
// CHECK:           linalg.generic
// CHECK:             arith.addf
// CHECK:             arith.maximumf
// CHECK:           autoglm.yield
// CHECK:         return %[[TAIL]]
#bias = affine_map<(d0, d1) -> (d1)>
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @matmul_bias_relu(%x: tensor<4x8xf32>, %w: tensor<8x16xf32>, %b: tensor<16xf32>) -> tensor<4x16xf32> {
  %r = autoglm.fused "contraction"(%x, %w, %b) : (tensor<4x8xf32>, tensor<8x16xf32>, tensor<16xf32>) -> tensor<4x16xf32> {
  ^bb0(%a: tensor<4x8xf32>, %c: tensor<8x16xf32>, %bias: tensor<16xf32>):
    %zero = arith.constant 0.000000e+00 : f32
    %e = tensor.empty() : tensor<4x16xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x16xf32>) -> tensor<4x16xf32>
    %p = linalg.matmul ins(%a, %c : tensor<4x8xf32>, tensor<8x16xf32>) outs(%f : tensor<4x16xf32>) -> tensor<4x16xf32>
    %t = linalg.generic {indexing_maps = [#bias, #id], iterator_types = ["parallel", "parallel"]} ins(%bias : tensor<16xf32>) outs(%p : tensor<4x16xf32>) {
    ^bb0(%in: f32, %out: f32):
      %s = arith.addf %out, %in : f32
      %m = arith.maximumf %s, %zero : f32
      linalg.yield %m : f32
    } -> tensor<4x16xf32>
    autoglm.yield %t : tensor<4x16xf32>
  }
  return %r : tensor<4x16xf32>
}

// -----

// Attention: the transpose before the first product, the softmax between
// the products: two regions; the products and reshapes stay outside.
// CHECK-LABEL: func.func @attention
// CHECK:         %[[KT:.*]] = autoglm.fused "attention"(%{{.*}}) : (tensor<2x8x4xf32>) -> tensor<2x4x8xf32>
// CHECK:           linalg.transpose
// CHECK:         %[[S:.*]] = linalg.batch_matmul ins(%{{.*}}, %[[KT]] :
// CHECK:         %[[P:.*]] = autoglm.fused "attention"(%[[S]]) : (tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
// CHECK:           math.exp
// CHECK:         %[[O:.*]] = linalg.batch_matmul ins(%[[P]], %{{.*}} :
// CHECK-NOT:     autoglm.fused
// CHECK:         return %[[O]]
#m3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @attention(%q: tensor<2x8x4xf32>, %k: tensor<2x8x4xf32>, %v: tensor<2x8x4xf32>) -> tensor<2x8x4xf32> {
  %r = autoglm.fused "attention"(%q, %k, %v) : (tensor<2x8x4xf32>, tensor<2x8x4xf32>, tensor<2x8x4xf32>) -> tensor<2x8x4xf32> {
  ^bb0(%aq: tensor<2x8x4xf32>, %ak: tensor<2x8x4xf32>, %av: tensor<2x8x4xf32>):
    %zero = arith.constant 0.000000e+00 : f32
    %e0 = tensor.empty() : tensor<2x4x8xf32>
    %kt = linalg.transpose ins(%ak : tensor<2x8x4xf32>) outs(%e0 : tensor<2x4x8xf32>) permutation = [0, 2, 1]
    %e1 = tensor.empty() : tensor<2x8x8xf32>
    %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
    %s = linalg.batch_matmul ins(%aq, %kt : tensor<2x8x4xf32>, tensor<2x4x8xf32>) outs(%f1 : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
    %e2 = tensor.empty() : tensor<2x8x8xf32>
    %p = linalg.generic {indexing_maps = [#m3, #m3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<2x8x8xf32>) outs(%e2 : tensor<2x8x8xf32>) {
    ^bb0(%in: f32, %out: f32):
      %x = math.exp %in : f32
      linalg.yield %x : f32
    } -> tensor<2x8x8xf32>
    %e3 = tensor.empty() : tensor<2x8x4xf32>
    %f3 = linalg.fill ins(%zero : f32) outs(%e3 : tensor<2x8x4xf32>) -> tensor<2x8x4xf32>
    %o = linalg.batch_matmul ins(%p, %av : tensor<2x8x8xf32>, tensor<2x8x4xf32>) outs(%f3 : tensor<2x8x4xf32>) -> tensor<2x8x4xf32>
    autoglm.yield %o : tensor<2x8x4xf32>
  }
  return %r : tensor<2x8x4xf32>
}

// -----

// A product into a non-zero fill (an accumulation) stays in its region.
// CHECK-LABEL: func.func @accumulate
// CHECK:         autoglm.fused "contraction"
// CHECK:           linalg.matmul
func.func @accumulate(%x: tensor<4x8xf32>, %w: tensor<8x16xf32>) -> tensor<4x16xf32> {
  %r = autoglm.fused "contraction"(%x, %w) : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32> {
  ^bb0(%a: tensor<4x8xf32>, %c: tensor<8x16xf32>):
    %one = arith.constant 1.000000e+00 : f32
    %e = tensor.empty() : tensor<4x16xf32>
    %f = linalg.fill ins(%one : f32) outs(%e : tensor<4x16xf32>) -> tensor<4x16xf32>
    %p = linalg.matmul ins(%a, %c : tensor<4x8xf32>, tensor<8x16xf32>) outs(%f : tensor<4x16xf32>) -> tensor<4x16xf32>
    autoglm.yield %p : tensor<4x16xf32>
  }
  return %r : tensor<4x16xf32>
}

// -----

// A 1x1 convolution of stride 1 over one image: a product of reshapes
// (filters x channels times channels x pixels), out of the region; the
// reshape back and the bias are a region.
// CHECK-LABEL: func.func @pointwise_conv
// CHECK-DAG:     %[[IMAGE:.*]] = tensor.collapse_shape %arg0 {{\[}}[0, 1], [2, 3]] : tensor<1x8x4x4xf32> into tensor<8x16xf32>
// CHECK-DAG:     %[[FILTER:.*]] = tensor.collapse_shape %arg1 {{\[}}[0], [1, 2, 3]] : tensor<6x8x1x1xf32> into tensor<6x8xf32>
// CHECK:         %[[P:.*]] = linalg.matmul ins(%[[FILTER]], %[[IMAGE]] : tensor<6x8xf32>, tensor<8x16xf32>)
// CHECK:         autoglm.fused "contraction"(%[[P]], %{{.*}}) : (tensor<6x16xf32>, tensor<6xf32>) -> tensor<1x6x4x4xf32>
// CHECK:           tensor.expand_shape %{{.*}} {{\[}}[0, 1], [2, 3]] output_shape [1, 6, 4, 4]
// CHECK:           linalg.generic
// CHECK-NOT:     linalg.conv_2d_nchw_fchw
#c = affine_map<(d0, d1, d2, d3) -> (d1)>
#i4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @pointwise_conv(%x: tensor<1x8x4x4xf32>, %w: tensor<6x8x1x1xf32>, %b: tensor<6xf32>) -> tensor<1x6x4x4xf32> {
  %r = autoglm.fused "contraction"(%x, %w, %b) : (tensor<1x8x4x4xf32>, tensor<6x8x1x1xf32>, tensor<6xf32>) -> tensor<1x6x4x4xf32> {
  ^bb0(%a: tensor<1x8x4x4xf32>, %f: tensor<6x8x1x1xf32>, %bias: tensor<6xf32>):
    %zero = arith.constant 0.000000e+00 : f32
    %e = tensor.empty() : tensor<1x6x4x4xf32>
    %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x6x4x4xf32>) -> tensor<1x6x4x4xf32>
    %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%a, %f : tensor<1x8x4x4xf32>, tensor<6x8x1x1xf32>) outs(%z : tensor<1x6x4x4xf32>) -> tensor<1x6x4x4xf32>
    %t = linalg.generic {indexing_maps = [#c, #i4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%bias : tensor<6xf32>) outs(%c : tensor<1x6x4x4xf32>) {
    ^bb0(%in: f32, %out: f32):
      %s = arith.addf %out, %in : f32
      linalg.yield %s : f32
    } -> tensor<1x6x4x4xf32>
    autoglm.yield %t : tensor<1x6x4x4xf32>
  }
  return %r : tensor<1x6x4x4xf32>
}

// -----

// A 3x3 convolution of stride 2 over two images: the patches gather
// (im2col: channels x filter taps by images x pixels) is a region, the
// product of the reshaped filters and the patches leaves it, and the
// transpose back to NCHW is the region after it.
// CHECK-DAG:   #[[GATHER:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d3, d0, d4 * 2 + d1, d5 * 2 + d2)>
// CHECK-LABEL: func.func @strided_conv
// CHECK:         %[[PATCHES:.*]] = autoglm.fused "contraction"(%arg0) : (tensor<2x3x9x9xf32>) -> tensor<27x32xf32>
// CHECK:           linalg.generic {indexing_maps = [#[[GATHER]], #{{.*}}]
// CHECK:           tensor.collapse_shape %{{.*}} {{\[}}[0, 1, 2], [3, 4, 5]] : tensor<3x3x3x2x4x4xf32> into tensor<27x32xf32>
// CHECK:         %[[FILTER:.*]] = tensor.collapse_shape %arg1 {{\[}}[0], [1, 2, 3]] : tensor<4x3x3x3xf32> into tensor<4x27xf32>
// CHECK:         %[[P:.*]] = linalg.matmul ins(%[[FILTER]], %[[PATCHES]] : tensor<4x27xf32>, tensor<27x32xf32>)
// CHECK:         autoglm.fused "contraction"(%[[P]]) : (tensor<4x32xf32>) -> tensor<2x4x4x4xf32>
// CHECK:           tensor.expand_shape %{{.*}} {{\[}}[0], [1, 2, 3]] output_shape [4, 2, 4, 4]
// CHECK:           linalg.transpose {{.*}} permutation = [1, 0, 2, 3]
// CHECK-NOT:     linalg.conv_2d_nchw_fchw
func.func @strided_conv(%x: tensor<2x3x9x9xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<2x4x4x4xf32> {
  %r = autoglm.fused "contraction"(%x, %w) : (tensor<2x3x9x9xf32>, tensor<4x3x3x3xf32>) -> tensor<2x4x4x4xf32> {
  ^bb0(%a: tensor<2x3x9x9xf32>, %f: tensor<4x3x3x3xf32>):
    %zero = arith.constant 0.000000e+00 : f32
    %e = tensor.empty() : tensor<2x4x4x4xf32>
    %z = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4x4x4xf32>) -> tensor<2x4x4x4xf32>
    %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%a, %f : tensor<2x3x9x9xf32>, tensor<4x3x3x3xf32>) outs(%z : tensor<2x4x4x4xf32>) -> tensor<2x4x4x4xf32>
    autoglm.yield %c : tensor<2x4x4x4xf32>
  }
  return %r : tensor<2x4x4x4xf32>
}

// -----

// A convolution into a non-zero start (an accumulation) stays a kernel.
// CHECK-LABEL: func.func @accumulating_conv
// CHECK:         autoglm.fused "contraction"
// CHECK:           linalg.conv_2d_nchw_fchw
// CHECK-NOT:     linalg.matmul
func.func @accumulating_conv(%x: tensor<1x8x4x4xf32>, %w: tensor<6x8x1x1xf32>, %init: tensor<1x6x4x4xf32>) -> tensor<1x6x4x4xf32> {
  %r = autoglm.fused "contraction"(%x, %w, %init) : (tensor<1x8x4x4xf32>, tensor<6x8x1x1xf32>, tensor<1x6x4x4xf32>) -> tensor<1x6x4x4xf32> {
  ^bb0(%a: tensor<1x8x4x4xf32>, %f: tensor<6x8x1x1xf32>, %i: tensor<1x6x4x4xf32>):
    %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%a, %f : tensor<1x8x4x4xf32>, tensor<6x8x1x1xf32>) outs(%i : tensor<1x6x4x4xf32>) -> tensor<1x6x4x4xf32>
    autoglm.yield %c : tensor<1x6x4x4xf32>
  }
  return %r : tensor<1x6x4x4xf32>
}

// -----

// A zero-padded 3x3 convolution: the gather reads the unpadded input and
// yields zero where a tap falls in the padding, so the padded copy is never
// made.
// CHECK-LABEL: func.func @padded_conv
// CHECK:         autoglm.fused "contraction"(%arg0) : (tensor<2x3x5x5xf32>) -> tensor<27x50xf32>
// CHECK-NOT:       tensor.pad
// CHECK:           linalg.generic {{.*}} outs(%{{.*}} : tensor<3x3x3x2x5x5xf32>)
// CHECK:             %[[ROW:.*]] = arith.subi %{{.*}}, %c1
// CHECK:             %[[ROW_IN:.*]] = arith.cmpi ult, %[[ROW]], %c5
// CHECK:             %[[COLUMN_IN:.*]] = arith.cmpi ult, %{{.*}}, %c5
// CHECK:             %[[IN:.*]] = arith.andi %[[ROW_IN]], %[[COLUMN_IN]]
// CHECK:             %[[VALUE:.*]] = tensor.extract %{{.*}} : tensor<2x3x5x5xf32>
// CHECK:             %[[R:.*]] = arith.select %[[IN]], %[[VALUE]], %{{.*}} : f32
// CHECK:             linalg.yield %[[R]]
// CHECK:         linalg.matmul
// CHECK-NOT:     tensor.pad
func.func @padded_conv(%x: tensor<2x3x5x5xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<2x4x5x5xf32> {
  %r = autoglm.fused "contraction"(%x, %w) : (tensor<2x3x5x5xf32>, tensor<4x3x3x3xf32>) -> tensor<2x4x5x5xf32> {
  ^bb0(%a: tensor<2x3x5x5xf32>, %f: tensor<4x3x3x3xf32>):
    %zero = arith.constant 0.000000e+00 : f32
    %p = tensor.pad %a low[0, 0, 1, 1] high[0, 0, 1, 1] {
    ^bb0(%i: index, %j: index, %k: index, %l: index):
      tensor.yield %zero : f32
    } : tensor<2x3x5x5xf32> to tensor<2x3x7x7xf32>
    %e = tensor.empty() : tensor<2x4x5x5xf32>
    %z = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4x5x5xf32>) -> tensor<2x4x5x5xf32>
    %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%p, %f : tensor<2x3x7x7xf32>, tensor<4x3x3x3xf32>) outs(%z : tensor<2x4x5x5xf32>) -> tensor<2x4x5x5xf32>
    autoglm.yield %c : tensor<2x4x5x5xf32>
  }
  return %r : tensor<2x4x5x5xf32>
}

// -----

// An f16 convolution accumulating into f32 (what --precision=fp16 makes):
// it leaves the region as an autoglm.dnn_conv (cuDNN) with the input's zero
// padding folded in and an f16 result, widened to f32 in the kernel of its
// bias and ReLU.
// CHECK-LABEL: func.func @f16_conv_bias_relu
// CHECK-NOT:     tensor.pad
// CHECK:         %[[EMPTY:.*]] = tensor.empty() : tensor<2x4x3x5xf16>
// CHECK:         %[[Y:.*]] = autoglm.dnn_conv %arg0, %arg1 into %[[EMPTY]] {dilations = array<i64: 1, 1>, pad_after = array<i64: 1, 0>, pad_before = array<i64: 1, 2>, strides = array<i64: 2, 1>} : tensor<2x3x5x5xf16>, tensor<4x3x3x3xf16> into tensor<2x4x3x5xf16> -> tensor<2x4x3x5xf16>
// CHECK:         autoglm.fused "contraction"(%[[Y]], %arg2)
// CHECK:           arith.extf %{{.*}} : f16 to f32
// CHECK:           arith.addf
// CHECK:           arith.maximumf
// CHECK-NOT:     linalg.conv_2d_nchw_fchw
// CHECK-NOT:     linalg.matmul
func.func @f16_conv_bias_relu(%x: tensor<2x3x5x5xf16>, %w: tensor<4x3x3x3xf16>, %bias: tensor<4xf32>) -> tensor<2x4x3x5xf32> {
  %r = autoglm.fused "contraction"(%x, %w, %bias) : (tensor<2x3x5x5xf16>, tensor<4x3x3x3xf16>, tensor<4xf32>) -> tensor<2x4x3x5xf32> {
  ^bb0(%a: tensor<2x3x5x5xf16>, %f: tensor<4x3x3x3xf16>, %b: tensor<4xf32>):
    %zero = arith.constant 0.000000e+00 : f32
    %zero16 = arith.constant 0.000000e+00 : f16
    %p = tensor.pad %a low[0, 0, 1, 2] high[0, 0, 1, 0] {
    ^bb0(%i: index, %j: index, %k: index, %l: index):
      tensor.yield %zero16 : f16
    } : tensor<2x3x5x5xf16> to tensor<2x3x7x7xf16>
    %e = tensor.empty() : tensor<2x4x3x5xf32>
    %z = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4x3x5xf32>) -> tensor<2x4x3x5xf32>
    %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<[2, 1]> : tensor<2xi64>} ins(%p, %f : tensor<2x3x7x7xf16>, tensor<4x3x3x3xf16>) outs(%z : tensor<2x4x3x5xf32>) -> tensor<2x4x3x5xf32>
    %o = tensor.empty() : tensor<2x4x3x5xf32>
    %g = linalg.generic {indexing_maps = [affine_map<(n, c, h, w) -> (c)>, affine_map<(n, c, h, w) -> (n, c, h, w)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%b : tensor<4xf32>) outs(%c : tensor<2x4x3x5xf32>) {
    ^bb0(%in: f32, %out: f32):
      %s = arith.addf %out, %in : f32
      %m = arith.maximumf %s, %zero : f32
      linalg.yield %m : f32
    } -> tensor<2x4x3x5xf32>
    autoglm.yield %g : tensor<2x4x3x5xf32>
  }
  return %r : tensor<2x4x3x5xf32>
}

// -----

// A 1x1 convolution of stride 1 over one image, a product in place in f32,
// goes to cuDNN in f16 like the others (--autoglm-cuda-channels-last then
// makes it NHWC, where it is cuDNN's product without a transpose).
// CHECK-LABEL: func.func @f16_pointwise_conv
// CHECK-NOT:     linalg.matmul
// CHECK:         autoglm.dnn_conv %arg0, %arg1 into %{{.*}} : tensor<1x8x4x4xf16>, tensor<6x8x1x1xf16> into tensor<1x6x4x4xf16>
// CHECK-NOT:     linalg.matmul
func.func @f16_pointwise_conv(%x: tensor<1x8x4x4xf16>, %w: tensor<6x8x1x1xf16>) -> tensor<1x6x4x4xf32> {
  %r = autoglm.fused "contraction"(%x, %w) : (tensor<1x8x4x4xf16>, tensor<6x8x1x1xf16>) -> tensor<1x6x4x4xf32> {
  ^bb0(%a: tensor<1x8x4x4xf16>, %f: tensor<6x8x1x1xf16>):
    %zero = arith.constant 0.000000e+00 : f32
    %e = tensor.empty() : tensor<1x6x4x4xf32>
    %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x6x4x4xf32>) -> tensor<1x6x4x4xf32>
    %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%a, %f : tensor<1x8x4x4xf16>, tensor<6x8x1x1xf16>) outs(%z : tensor<1x6x4x4xf32>) -> tensor<1x6x4x4xf32>
    autoglm.yield %c : tensor<1x6x4x4xf32>
  }
  return %r : tensor<1x6x4x4xf32>
}

// -----

// A depthwise convolution in f16 (as the lowering makes it: its C x 1 x KH
// x KW filters collapsed to C x KH x KW) leaves the region as an
// autoglm.dnn_conv of C groups on the uncollapsed filters.
// CHECK-LABEL: func.func @f16_depthwise_conv
// CHECK-NOT:     tensor.collapse_shape
// CHECK:         %[[Y:.*]] = autoglm.dnn_conv %arg0, %arg1 into %{{.*}} {dilations = array<i64: 1, 1>, pad_after = array<i64: 1, 1>, pad_before = array<i64: 1, 1>, strides = array<i64: 2, 2>} : tensor<2x8x6x6xf16>, tensor<8x1x3x3xf16> into tensor<2x8x3x3xf16> -> tensor<2x8x3x3xf16>
// CHECK:         autoglm.fused "contraction"(%[[Y]])
// CHECK:           arith.extf %{{.*}} : f16 to f32
// CHECK-NOT:     linalg.depthwise_conv_2d_nchw_chw
func.func @f16_depthwise_conv(%x: tensor<2x8x6x6xf16>, %w: tensor<8x1x3x3xf16>) -> tensor<2x8x3x3xf32> {
  %r = autoglm.fused "contraction"(%x, %w) : (tensor<2x8x6x6xf16>, tensor<8x1x3x3xf16>) -> tensor<2x8x3x3xf32> {
  ^bb0(%a: tensor<2x8x6x6xf16>, %f: tensor<8x1x3x3xf16>):
    %zero = arith.constant 0.000000e+00 : f32
    %zero16 = arith.constant 0.000000e+00 : f16
    %p = tensor.pad %a low[0, 0, 1, 1] high[0, 0, 1, 1] {
    ^bb0(%i: index, %j: index, %k: index, %l: index):
      tensor.yield %zero16 : f16
    } : tensor<2x8x6x6xf16> to tensor<2x8x8x8xf16>
    %f3 = tensor.collapse_shape %f [[0, 1], [2], [3]] : tensor<8x1x3x3xf16> into tensor<8x3x3xf16>
    %e = tensor.empty() : tensor<2x8x3x3xf32>
    %z = linalg.fill ins(%zero : f32) outs(%e : tensor<2x8x3x3xf32>) -> tensor<2x8x3x3xf32>
    %c = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%p, %f3 : tensor<2x8x8x8xf16>, tensor<8x3x3xf16>) outs(%z : tensor<2x8x3x3xf32>) -> tensor<2x8x3x3xf32>
    autoglm.yield %c : tensor<2x8x3x3xf32>
  }
  return %r : tensor<2x8x3x3xf32>
}

// -----

// In f32 a depthwise convolution stays in its region (a generated kernel).
// CHECK-LABEL: func.func @f32_depthwise_conv
// CHECK-NOT:     autoglm.dnn_conv
// CHECK:         linalg.depthwise_conv_2d_nchw_chw
func.func @f32_depthwise_conv(%x: tensor<1x8x6x6xf32>, %w: tensor<8x1x3x3xf32>) -> tensor<1x8x4x4xf32> {
  %r = autoglm.fused "contraction"(%x, %w) : (tensor<1x8x6x6xf32>, tensor<8x1x3x3xf32>) -> tensor<1x8x4x4xf32> {
  ^bb0(%a: tensor<1x8x6x6xf32>, %f: tensor<8x1x3x3xf32>):
    %zero = arith.constant 0.000000e+00 : f32
    %f3 = tensor.collapse_shape %f [[0, 1], [2], [3]] : tensor<8x1x3x3xf32> into tensor<8x3x3xf32>
    %e = tensor.empty() : tensor<1x8x4x4xf32>
    %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
    %c = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%a, %f3 : tensor<1x8x6x6xf32>, tensor<8x3x3xf32>) outs(%z : tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
    autoglm.yield %c : tensor<1x8x4x4xf32>
  }
  return %r : tensor<1x8x4x4xf32>
}
