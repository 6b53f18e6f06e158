// RUN: autoglm-opt %s --split-input-file --autoglm-cuda-fuse-conv-epilogues | FileCheck %s
// RUN: autoglm-opt %s --split-input-file --autoglm-cuda-fuse-conv-epilogues=all=true | FileCheck %s --check-prefix=ALL
// RUN: autoglm-opt %s --split-input-file '--autoglm-cuda-fuse-conv-epilogues=all=true residuals=true' | FileCheck %s --check-prefix=RES

// The 1x1 convolutions of stride 1 below are matrix products, which the
// runtime computes with cuBLASLt: their epilogues fuse by default, with
// the bias in the result's type (f16), the only type cuBLASLt reads it in,
// and a residual as cuBLASLt's C matrix. A ReLU6 (an upper clip) is not
// among cuBLASLt's epilogues: it fuses only with `all`, into cuDNN's fused
// engines, with an f32 bias. A 3x3 convolution fuses only with `all`, and
// its residual only with `residuals` too.
// ALL-LABEL: func.func @bias_residual_relu
// ALL:         autoglm.dnn_conv %{{.*}}, %{{.*}} bias %{{.*}} : tensor<2xf16> residual
// ALL-LABEL: func.func @bias_relu6
// ALL:         arith.constant dense<[2.500000e-01, 7.500000e-01]> : tensor<2xf32>
// ALL:         autoglm.dnn_conv %{{.*}}, %{{.*}} bias %{{.*}} : tensor<2xf32> into %{{.*}} {{{.*}}relu_upper = 6.000000e+00 : f32{{.*}}}
// ALL-LABEL: func.func @conv3x3_residual
// ALL:         autoglm.dnn_conv %{{.*}}, %{{.*}} into
// ALL:         autoglm.fused
// ALL-LABEL: func.func @conv3x3_bias_relu
// ALL:         autoglm.dnn_conv %{{.*}}, %{{.*}} bias %{{.*}} : tensor<2xf32> into
// RES-LABEL: func.func @conv3x3_residual
// RES:         autoglm.dnn_conv %{{.*}}, %{{.*}} bias %{{.*}} : tensor<2xf32> residual %{{.*}} : tensor<1x2x4x4xf16> into
// RES-NOT:     autoglm.fused

// A ResNet block's end: the convolution widened to f32, its bias (a
// constant inside the region) and the shortcut added, a ReLU, the sum
// rounded to f16, as four elementwise ops. All of it becomes the
// convolution's epilogue: the region is gone.
// CHECK-LABEL: func.func @bias_residual_relu
// CHECK-SAME:    (%[[X:.*]]: tensor<1x2x4x4xf16>, %[[Z:.*]]: tensor<1x2x4x4xf16>)
// CHECK:         %[[B:.*]] = arith.constant dense<[5.000000e-01, -1.500000e+00]> : tensor<2xf16>
// CHECK:         %[[Y:.*]] = autoglm.dnn_conv %[[X]], %{{.*}} bias %[[B]] : tensor<2xf16> residual %[[Z]] : tensor<1x2x4x4xf16> into %{{.*}} {{{.*}}relu_upper = 0x7F800000 : f32{{.*}}}
// CHECK-NOT:     autoglm.fused
// CHECK:         return %[[Y]]
#map = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#bias = affine_map<(d0, d1, d2, d3) -> (d1)>
func.func @bias_residual_relu(%x: tensor<1x2x4x4xf16>, %z: tensor<1x2x4x4xf16>) -> tensor<1x2x4x4xf16> {
  %w = arith.constant dense<1.0> : tensor<2x2x1x1xf16>
  %e0 = tensor.empty() : tensor<1x2x4x4xf16>
  %c = autoglm.dnn_conv %x, %w into %e0 {dilations = array<i64: 1, 1>, pad_after = array<i64: 0, 0>, pad_before = array<i64: 0, 0>, strides = array<i64: 1, 1>} : tensor<1x2x4x4xf16>, tensor<2x2x1x1xf16> into tensor<1x2x4x4xf16> -> tensor<1x2x4x4xf16>
  %r = autoglm.fused "elementwise"(%c, %z) : (tensor<1x2x4x4xf16>, tensor<1x2x4x4xf16>) -> tensor<1x2x4x4xf16> {
  ^bb0(%a: tensor<1x2x4x4xf16>, %s: tensor<1x2x4x4xf16>):
    %zero = arith.constant 0.0 : f32
    %b = arith.constant dense<[0.5, -1.5]> : tensor<2xf32>
    %e1 = tensor.empty() : tensor<1x2x4x4xf32>
    %wide = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%a : tensor<1x2x4x4xf16>) outs(%e1 : tensor<1x2x4x4xf32>) {
    ^bb0(%in: f16, %out: f32):
      %v = arith.extf %in : f16 to f32
      linalg.yield %v : f32
    } -> tensor<1x2x4x4xf32>
    %e2 = tensor.empty() : tensor<1x2x4x4xf32>
    %biased = linalg.generic {indexing_maps = [#map, #bias, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%wide, %b : tensor<1x2x4x4xf32>, tensor<2xf32>) outs(%e2 : tensor<1x2x4x4xf32>) {
    ^bb0(%in: f32, %in2: f32, %out: f32):
      %v = arith.addf %in, %in2 : f32
      linalg.yield %v : f32
    } -> tensor<1x2x4x4xf32>
    %e3 = tensor.empty() : tensor<1x2x4x4xf32>
    %summed = linalg.generic {indexing_maps = [#map, #map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%biased, %s : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf16>) outs(%e3 : tensor<1x2x4x4xf32>) {
    ^bb0(%in: f32, %in2: f16, %out: f32):
      %w2 = arith.extf %in2 : f16 to f32
      %v = arith.addf %in, %w2 : f32
      %m = arith.maximumf %v, %zero : f32
      linalg.yield %m : f32
    } -> tensor<1x2x4x4xf32>
    %e4 = tensor.empty() : tensor<1x2x4x4xf16>
    %narrow = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%summed : tensor<1x2x4x4xf32>) outs(%e4 : tensor<1x2x4x4xf16>) {
    ^bb0(%in: f32, %out: f16):
      %v = arith.truncf %in : f32 to f16
      linalg.yield %v : f16
    } -> tensor<1x2x4x4xf16>
    autoglm.yield %narrow : tensor<1x2x4x4xf16>
  }
  return %r : tensor<1x2x4x4xf16>
}

// -----

// ReLU6 (ONNX Clip(0, 6)): a ReLU clipped at 6, which cuBLASLt's epilogue
// does not compute: the region stays. With `all`, cuDNN's fused engine
// takes it; the bias, a constant outside the region and an f16 vector,
// arrives in f32.
// CHECK-LABEL: func.func @bias_relu6
// CHECK:         autoglm.dnn_conv %{{.*}}, %{{.*}} into
// CHECK:         autoglm.fused
#map = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#bias = affine_map<(d0, d1, d2, d3) -> (d1)>
func.func @bias_relu6(%x: tensor<1x2x4x4xf16>) -> tensor<1x2x4x4xf16> {
  %w = arith.constant dense<1.0> : tensor<2x2x1x1xf16>
  %b = arith.constant dense<[0.25, 0.75]> : tensor<2xf16>
  %e0 = tensor.empty() : tensor<1x2x4x4xf16>
  %c = autoglm.dnn_conv %x, %w into %e0 {dilations = array<i64: 1, 1>, pad_after = array<i64: 0, 0>, pad_before = array<i64: 0, 0>, strides = array<i64: 1, 1>} : tensor<1x2x4x4xf16>, tensor<2x2x1x1xf16> into tensor<1x2x4x4xf16> -> tensor<1x2x4x4xf16>
  %r = autoglm.fused "elementwise"(%c, %b) : (tensor<1x2x4x4xf16>, tensor<2xf16>) -> tensor<1x2x4x4xf16> {
  ^bb0(%a: tensor<1x2x4x4xf16>, %bb: tensor<2xf16>):
    %zero = arith.constant 0.0 : f16
    %six = arith.constant 6.0 : f16
    %e = tensor.empty() : tensor<1x2x4x4xf16>
    %g = linalg.generic {indexing_maps = [#map, #bias, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%a, %bb : tensor<1x2x4x4xf16>, tensor<2xf16>) outs(%e : tensor<1x2x4x4xf16>) {
    ^bb0(%in: f16, %in2: f16, %out: f16):
      %s = arith.addf %in, %in2 : f16
      %m = arith.maximumf %s, %zero : f16
      %n = arith.minimumf %m, %six : f16
      linalg.yield %n : f16
    } -> tensor<1x2x4x4xf16>
    autoglm.yield %g : tensor<1x2x4x4xf16>
  }
  return %r : tensor<1x2x4x4xf16>
}

// -----

// As the CUDA pipeline writes a convolution with a bias and a ReLU in f16:
// the f32 sum rounded to f16 first, the ReLU on the f16 value. A ReLU
// commutes with the rounding: the same epilogue.
// CHECK-LABEL: func.func @rounding_before_relu
// CHECK:         autoglm.dnn_conv %{{.*}}, %{{.*}} bias %{{.*}} : tensor<2xf16> into %{{.*}} {{{.*}}relu_upper = 0x7F800000 : f32{{.*}}}
// CHECK-NOT:     autoglm.fused
#map = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#bias = affine_map<(d0, d1, d2, d3) -> (d1)>
func.func @rounding_before_relu(%x: tensor<1x2x4x4xf16>) -> tensor<1x2x4x4xf16> {
  %w = arith.constant dense<1.0> : tensor<2x2x1x1xf16>
  %b = arith.constant dense<[0.25, 0.75]> : tensor<2xf32>
  %e0 = tensor.empty() : tensor<1x2x4x4xf16>
  %c = autoglm.dnn_conv %x, %w into %e0 {dilations = array<i64: 1, 1>, pad_after = array<i64: 0, 0>, pad_before = array<i64: 0, 0>, strides = array<i64: 1, 1>} : tensor<1x2x4x4xf16>, tensor<2x2x1x1xf16> into tensor<1x2x4x4xf16> -> tensor<1x2x4x4xf16>
  %r = autoglm.fused "elementwise"(%c, %b) : (tensor<1x2x4x4xf16>, tensor<2xf32>) -> tensor<1x2x4x4xf16> {
  ^bb0(%a: tensor<1x2x4x4xf16>, %bb: tensor<2xf32>):
    %zero = arith.constant 0.0 : f16
    %e = tensor.empty() : tensor<1x2x4x4xf16>
    %g = linalg.generic {indexing_maps = [#map, #bias, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%a, %bb : tensor<1x2x4x4xf16>, tensor<2xf32>) outs(%e : tensor<1x2x4x4xf16>) {
    ^bb0(%in: f16, %in2: f32, %out: f16):
      %w0 = arith.extf %in : f16 to f32
      %s = arith.addf %w0, %in2 : f32
      %t = arith.truncf %s : f32 to f16
      %m = arith.maximumf %t, %zero : f16
      linalg.yield %m : f16
    } -> tensor<1x2x4x4xf16>
    autoglm.yield %g : tensor<1x2x4x4xf16>
  }
  return %r : tensor<1x2x4x4xf16>
}

// -----

// A ResNet block's end as the CUDA pipeline writes it in f16: the
// convolution and its bias added in f32 and rounded, the shortcut added in
// f16, then the ReLU. cuDNN adds all three in f32 and rounds once.
// CHECK-LABEL: func.func @residual_in_f16
// CHECK-SAME:    (%[[X:.*]]: tensor<1x2x4x4xf16>, %[[Z:.*]]: tensor<1x2x4x4xf16>)
// CHECK:         autoglm.dnn_conv %[[X]], %{{.*}} bias %{{.*}} : tensor<2xf16> residual %[[Z]] : tensor<1x2x4x4xf16> into
// CHECK-NOT:     autoglm.fused
#map = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#bias = affine_map<(d0, d1, d2, d3) -> (d1)>
func.func @residual_in_f16(%x: tensor<1x2x4x4xf16>, %z: tensor<1x2x4x4xf16>) -> tensor<1x2x4x4xf16> {
  %w = arith.constant dense<1.0> : tensor<2x2x1x1xf16>
  %b = arith.constant dense<[0.25, 0.75]> : tensor<2xf32>
  %e0 = tensor.empty() : tensor<1x2x4x4xf16>
  %c = autoglm.dnn_conv %x, %w into %e0 {dilations = array<i64: 1, 1>, pad_after = array<i64: 0, 0>, pad_before = array<i64: 0, 0>, strides = array<i64: 1, 1>} : tensor<1x2x4x4xf16>, tensor<2x2x1x1xf16> into tensor<1x2x4x4xf16> -> tensor<1x2x4x4xf16>
  %r = autoglm.fused "elementwise"(%c, %b, %z) : (tensor<1x2x4x4xf16>, tensor<2xf32>, tensor<1x2x4x4xf16>) -> tensor<1x2x4x4xf16> {
  ^bb0(%a: tensor<1x2x4x4xf16>, %bb: tensor<2xf32>, %zz: tensor<1x2x4x4xf16>):
    %zero = arith.constant 0.0 : f16
    %e = tensor.empty() : tensor<1x2x4x4xf16>
    %g = linalg.generic {indexing_maps = [#map, #bias, #map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%a, %bb, %zz : tensor<1x2x4x4xf16>, tensor<2xf32>, tensor<1x2x4x4xf16>) outs(%e : tensor<1x2x4x4xf16>) {
    ^bb0(%in: f16, %in2: f32, %in3: f16, %out: f16):
      %w0 = arith.extf %in : f16 to f32
      %s = arith.addf %w0, %in2 : f32
      %t = arith.truncf %s : f32 to f16
      %u = arith.addf %t, %in3 : f16
      %m = arith.maximumf %u, %zero : f16
      linalg.yield %m : f16
    } -> tensor<1x2x4x4xf16>
    autoglm.yield %g : tensor<1x2x4x4xf16>
  }
  return %r : tensor<1x2x4x4xf16>
}

// -----

// A downsampling block: two convolutions' results and their two biases
// summed, then a ReLU. The first convolution takes the epilogue, the
// biases summed at compile time; the second one's raw result is the
// residual.
// CHECK-LABEL: func.func @two_convolutions
// CHECK:         %[[C2:.*]] = autoglm.dnn_conv %{{.*}}, %{{.*}} into
// CHECK:         %[[B:.*]] = arith.constant dense<[1.500000e+00, 3.000000e+00]> : tensor<2xf16>
// CHECK:         autoglm.dnn_conv %{{.*}}, %{{.*}} bias %[[B]] : tensor<2xf16> residual %[[C2]] : tensor<1x2x4x4xf16> into %{{.*}} {{{.*}}relu_upper
// CHECK-NOT:     autoglm.fused
#map = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#bias = affine_map<(d0, d1, d2, d3) -> (d1)>
func.func @two_convolutions(%x: tensor<1x2x4x4xf16>) -> tensor<1x2x4x4xf16> {
  %w = arith.constant dense<1.0> : tensor<2x2x1x1xf16>
  %b1 = arith.constant dense<[0.5, 1.0]> : tensor<2xf32>
  %b2 = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %e0 = tensor.empty() : tensor<1x2x4x4xf16>
  %c1 = autoglm.dnn_conv %x, %w into %e0 {dilations = array<i64: 1, 1>, pad_after = array<i64: 0, 0>, pad_before = array<i64: 0, 0>, strides = array<i64: 1, 1>} : tensor<1x2x4x4xf16>, tensor<2x2x1x1xf16> into tensor<1x2x4x4xf16> -> tensor<1x2x4x4xf16>
  %e1 = tensor.empty() : tensor<1x2x4x4xf16>
  %c2 = autoglm.dnn_conv %x, %w into %e1 {dilations = array<i64: 1, 1>, pad_after = array<i64: 0, 0>, pad_before = array<i64: 0, 0>, strides = array<i64: 1, 1>} : tensor<1x2x4x4xf16>, tensor<2x2x1x1xf16> into tensor<1x2x4x4xf16> -> tensor<1x2x4x4xf16>
  %r = autoglm.fused "elementwise"(%c1, %b1, %c2, %b2) : (tensor<1x2x4x4xf16>, tensor<2xf32>, tensor<1x2x4x4xf16>, tensor<2xf32>) -> tensor<1x2x4x4xf16> {
  ^bb0(%a: tensor<1x2x4x4xf16>, %ba: tensor<2xf32>, %c: tensor<1x2x4x4xf16>, %bc: tensor<2xf32>):
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<1x2x4x4xf16>
    %g = linalg.generic {indexing_maps = [#map, #bias, #map, #bias, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%a, %ba, %c, %bc : tensor<1x2x4x4xf16>, tensor<2xf32>, tensor<1x2x4x4xf16>, tensor<2xf32>) outs(%e : tensor<1x2x4x4xf16>) {
    ^bb0(%i0: f16, %i1: f32, %i2: f16, %i3: f32, %out: f16):
      %w0 = arith.extf %i0 : f16 to f32
      %s0 = arith.addf %w0, %i1 : f32
      %w2 = arith.extf %i2 : f16 to f32
      %s1 = arith.addf %w2, %i3 : f32
      %s = arith.addf %s0, %s1 : f32
      %m = arith.maximumf %s, %zero : f32
      %t = arith.truncf %m : f32 to f16
      linalg.yield %t : f16
    } -> tensor<1x2x4x4xf16>
    autoglm.yield %g : tensor<1x2x4x4xf16>
  }
  return %r : tensor<1x2x4x4xf16>
}

// -----

// What stays a region: a sigmoid (cuDNN's epilogue here is add and ReLU),
// a convolution whose result is read twice, and a depthwise convolution.
// CHECK-LABEL: func.func @not_an_epilogue
// CHECK:         autoglm.dnn_conv %{{.*}}, %{{.*}} into
// CHECK:         autoglm.fused "elementwise"
// CHECK:         math.exp
// CHECK-LABEL: func.func @read_twice
// CHECK-NOT:     bias
// CHECK:         autoglm.fused "elementwise"
// CHECK-LABEL: func.func @depthwise
// CHECK-NOT:     bias
// CHECK:         autoglm.fused "elementwise"
#map = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @not_an_epilogue(%x: tensor<1x2x4x4xf16>) -> tensor<1x2x4x4xf16> {
  %w = arith.constant dense<1.0> : tensor<2x2x1x1xf16>
  %e0 = tensor.empty() : tensor<1x2x4x4xf16>
  %c = autoglm.dnn_conv %x, %w into %e0 {dilations = array<i64: 1, 1>, pad_after = array<i64: 0, 0>, pad_before = array<i64: 0, 0>, strides = array<i64: 1, 1>} : tensor<1x2x4x4xf16>, tensor<2x2x1x1xf16> into tensor<1x2x4x4xf16> -> tensor<1x2x4x4xf16>
  %r = autoglm.fused "elementwise"(%c) : (tensor<1x2x4x4xf16>) -> tensor<1x2x4x4xf16> {
  ^bb0(%a: tensor<1x2x4x4xf16>):
    %e = tensor.empty() : tensor<1x2x4x4xf16>
    %g = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%a : tensor<1x2x4x4xf16>) outs(%e : tensor<1x2x4x4xf16>) {
    ^bb0(%in: f16, %out: f16):
      %v = math.exp %in : f16
      linalg.yield %v : f16
    } -> tensor<1x2x4x4xf16>
    autoglm.yield %g : tensor<1x2x4x4xf16>
  }
  return %r : tensor<1x2x4x4xf16>
}
func.func @read_twice(%x: tensor<1x2x4x4xf16>) -> (tensor<1x2x4x4xf16>, tensor<1x2x4x4xf16>) {
  %w = arith.constant dense<1.0> : tensor<2x2x1x1xf16>
  %e0 = tensor.empty() : tensor<1x2x4x4xf16>
  %c = autoglm.dnn_conv %x, %w into %e0 {dilations = array<i64: 1, 1>, pad_after = array<i64: 0, 0>, pad_before = array<i64: 0, 0>, strides = array<i64: 1, 1>} : tensor<1x2x4x4xf16>, tensor<2x2x1x1xf16> into tensor<1x2x4x4xf16> -> tensor<1x2x4x4xf16>
  %r = autoglm.fused "elementwise"(%c) : (tensor<1x2x4x4xf16>) -> tensor<1x2x4x4xf16> {
  ^bb0(%a: tensor<1x2x4x4xf16>):
    %zero = arith.constant 0.0 : f16
    %e = tensor.empty() : tensor<1x2x4x4xf16>
    %g = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%a : tensor<1x2x4x4xf16>) outs(%e : tensor<1x2x4x4xf16>) {
    ^bb0(%in: f16, %out: f16):
      %v = arith.maximumf %in, %zero : f16
      linalg.yield %v : f16
    } -> tensor<1x2x4x4xf16>
    autoglm.yield %g : tensor<1x2x4x4xf16>
  }
  return %r, %c : tensor<1x2x4x4xf16>, tensor<1x2x4x4xf16>
}
func.func @depthwise(%x: tensor<1x2x4x4xf16>) -> tensor<1x2x4x4xf16> {
  %w = arith.constant dense<1.0> : tensor<2x1x1x1xf16>
  %e0 = tensor.empty() : tensor<1x2x4x4xf16>
  %c = autoglm.dnn_conv %x, %w into %e0 {dilations = array<i64: 1, 1>, pad_after = array<i64: 0, 0>, pad_before = array<i64: 0, 0>, strides = array<i64: 1, 1>} : tensor<1x2x4x4xf16>, tensor<2x1x1x1xf16> into tensor<1x2x4x4xf16> -> tensor<1x2x4x4xf16>
  %r = autoglm.fused "elementwise"(%c) : (tensor<1x2x4x4xf16>) -> tensor<1x2x4x4xf16> {
  ^bb0(%a: tensor<1x2x4x4xf16>):
    %zero = arith.constant 0.0 : f16
    %e = tensor.empty() : tensor<1x2x4x4xf16>
    %g = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%a : tensor<1x2x4x4xf16>) outs(%e : tensor<1x2x4x4xf16>) {
    ^bb0(%in: f16, %out: f16):
      %v = arith.maximumf %in, %zero : f16
      linalg.yield %v : f16
    } -> tensor<1x2x4x4xf16>
    autoglm.yield %g : tensor<1x2x4x4xf16>
  }
  return %r : tensor<1x2x4x4xf16>
}

// -----

// A 3x3 convolution (not a matrix product) with a bias, a residual and a
// ReLU: by default it keeps its region (see the top of this file).
// CHECK-LABEL: func.func @conv3x3_residual
// CHECK:         autoglm.dnn_conv %{{.*}}, %{{.*}} into
// CHECK:         autoglm.fused
#map = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#bias = affine_map<(d0, d1, d2, d3) -> (d1)>
func.func @conv3x3_residual(%x: tensor<1x2x4x4xf16>, %z: tensor<1x2x4x4xf16>) -> tensor<1x2x4x4xf16> {
  %w = arith.constant dense<1.0> : tensor<2x2x3x3xf16>
  %b = arith.constant dense<[0.25, 0.75]> : tensor<2xf32>
  %e0 = tensor.empty() : tensor<1x2x4x4xf16>
  %c = autoglm.dnn_conv %x, %w into %e0 {dilations = array<i64: 1, 1>, pad_after = array<i64: 1, 1>, pad_before = array<i64: 1, 1>, strides = array<i64: 1, 1>} : tensor<1x2x4x4xf16>, tensor<2x2x3x3xf16> into tensor<1x2x4x4xf16> -> tensor<1x2x4x4xf16>
  %r = autoglm.fused "elementwise"(%c, %b, %z) : (tensor<1x2x4x4xf16>, tensor<2xf32>, tensor<1x2x4x4xf16>) -> tensor<1x2x4x4xf16> {
  ^bb0(%a: tensor<1x2x4x4xf16>, %bb: tensor<2xf32>, %zz: tensor<1x2x4x4xf16>):
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<1x2x4x4xf16>
    %g = linalg.generic {indexing_maps = [#map, #bias, #map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%a, %bb, %zz : tensor<1x2x4x4xf16>, tensor<2xf32>, tensor<1x2x4x4xf16>) outs(%e : tensor<1x2x4x4xf16>) {
    ^bb0(%in: f16, %in2: f32, %in3: f16, %out: f16):
      %w0 = arith.extf %in : f16 to f32
      %s = arith.addf %w0, %in2 : f32
      %w3 = arith.extf %in3 : f16 to f32
      %u = arith.addf %s, %w3 : f32
      %m = arith.maximumf %u, %zero : f32
      %t = arith.truncf %m : f32 to f16
      linalg.yield %t : f16
    } -> tensor<1x2x4x4xf16>
    autoglm.yield %g : tensor<1x2x4x4xf16>
  }
  return %r : tensor<1x2x4x4xf16>
}

// -----

// A 3x3 convolution with a bias and a ReLU: cuDNN's fused engine, only
// with `all`.
// CHECK-LABEL: func.func @conv3x3_bias_relu
// CHECK:         autoglm.dnn_conv %{{.*}}, %{{.*}} into
// CHECK:         autoglm.fused
#map = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#bias = affine_map<(d0, d1, d2, d3) -> (d1)>
func.func @conv3x3_bias_relu(%x: tensor<1x2x4x4xf16>) -> tensor<1x2x4x4xf16> {
  %w = arith.constant dense<1.0> : tensor<2x2x3x3xf16>
  %b = arith.constant dense<[0.25, 0.75]> : tensor<2xf32>
  %e0 = tensor.empty() : tensor<1x2x4x4xf16>
  %c = autoglm.dnn_conv %x, %w into %e0 {dilations = array<i64: 1, 1>, pad_after = array<i64: 1, 1>, pad_before = array<i64: 1, 1>, strides = array<i64: 1, 1>} : tensor<1x2x4x4xf16>, tensor<2x2x3x3xf16> into tensor<1x2x4x4xf16> -> tensor<1x2x4x4xf16>
  %r = autoglm.fused "elementwise"(%c, %b) : (tensor<1x2x4x4xf16>, tensor<2xf32>) -> tensor<1x2x4x4xf16> {
  ^bb0(%a: tensor<1x2x4x4xf16>, %bb: tensor<2xf32>):
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<1x2x4x4xf16>
    %g = linalg.generic {indexing_maps = [#map, #bias, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%a, %bb : tensor<1x2x4x4xf16>, tensor<2xf32>) outs(%e : tensor<1x2x4x4xf16>) {
    ^bb0(%in: f16, %in2: f32, %out: f16):
      %w0 = arith.extf %in : f16 to f32
      %s = arith.addf %w0, %in2 : f32
      %m = arith.maximumf %s, %zero : f32
      %t = arith.truncf %m : f32 to f16
      linalg.yield %t : f16
    } -> tensor<1x2x4x4xf16>
    autoglm.yield %g : tensor<1x2x4x4xf16>
  }
  return %r : tensor<1x2x4x4xf16>
}
