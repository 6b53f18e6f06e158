// RUN: autoglm-opt %s --autoglm-fuse=clusters=false | FileCheck %s

// The decomposed form of the ONNX exporters, with gamma and beta.
// CHECK-LABEL: func.func @decomposed(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<2x8x16xf32>, %[[G:[^:]+]]: tensor<16xf32>, %[[B:[^:]+]]: tensor<16xf32>
// CHECK-NEXT:    %[[N:.+]] = autoglm.layer_norm %[[X]], %[[G]], %[[B]] {axis = 2 : i64, epsilon = 9.99{{[0-9]+}}E-6 : f64}
// CHECK-NEXT:    return %[[N]]
func.func @decomposed(%x: tensor<2x8x16xf32>, %g: tensor<16xf32>, %b: tensor<16xf32>) -> tensor<2x8x16xf32> {
  %two = autoglm.constant dense<2.0> : tensor<f32>
  %eps = autoglm.constant dense<1.0e-5> : tensor<f32>
  %m = autoglm.reduce mean %x {axes = array<i64: 2>, keepdims} : (tensor<2x8x16xf32>) -> tensor<2x8x1xf32>
  %d = autoglm.sub %x, %m : (tensor<2x8x16xf32>, tensor<2x8x1xf32>) -> tensor<2x8x16xf32>
  %p = autoglm.pow %d, %two : (tensor<2x8x16xf32>, tensor<f32>) -> tensor<2x8x16xf32>
  %v = autoglm.reduce mean %p {axes = array<i64: 2>, keepdims} : (tensor<2x8x16xf32>) -> tensor<2x8x1xf32>
  %ve = autoglm.add %v, %eps : (tensor<2x8x1xf32>, tensor<f32>) -> tensor<2x8x1xf32>
  %s = autoglm.sqrt %ve : tensor<2x8x1xf32>
  %n = autoglm.div %d, %s : (tensor<2x8x16xf32>, tensor<2x8x1xf32>) -> tensor<2x8x16xf32>
  %y = autoglm.mul %n, %g : (tensor<2x8x16xf32>, tensor<16xf32>) -> tensor<2x8x16xf32>
  %z = autoglm.add %y, %b : (tensor<2x8x16xf32>, tensor<16xf32>) -> tensor<2x8x16xf32>
  return %z : tensor<2x8x16xf32>
}

// d * d for the square, rsqrt for the division, normalized over the last two
// dimensions, no gamma or beta: scaled by ones.
// CHECK-LABEL: func.func @rsqrt_two_axes(
// CHECK:         %[[ONES:.+]] = autoglm.constant dense<1.000000e+00> : tensor<4x8xf32>
// CHECK-NEXT:    %[[N:.+]] = autoglm.layer_norm %arg0, %[[ONES]] {axis = 1 : i64, epsilon = 0.0010{{[0-9]+}} : f64}
// CHECK-NEXT:    return %[[N]]
func.func @rsqrt_two_axes(%x: tensor<3x4x8xf32>) -> tensor<3x4x8xf32> {
  %eps = autoglm.constant dense<1.0e-3> : tensor<f32>
  %m = autoglm.reduce mean %x {axes = array<i64: 1, 2>, keepdims} : (tensor<3x4x8xf32>) -> tensor<3x1x1xf32>
  %d = autoglm.sub %x, %m : (tensor<3x4x8xf32>, tensor<3x1x1xf32>) -> tensor<3x4x8xf32>
  %p = autoglm.mul %d, %d : (tensor<3x4x8xf32>, tensor<3x4x8xf32>) -> tensor<3x4x8xf32>
  %v = autoglm.reduce mean %p {axes = array<i64: 1, 2>, keepdims} : (tensor<3x4x8xf32>) -> tensor<3x1x1xf32>
  %ve = autoglm.add %eps, %v : (tensor<f32>, tensor<3x1x1xf32>) -> tensor<3x1x1xf32>
  %r = autoglm.rsqrt %ve : tensor<3x1x1xf32>
  %n = autoglm.mul %d, %r : (tensor<3x4x8xf32>, tensor<3x1x1xf32>) -> tensor<3x4x8xf32>
  return %n : tensor<3x4x8xf32>
}

// Not a LayerNorm: epsilon is a run-time input.
// CHECK-LABEL: func.func @runtime_epsilon(
// CHECK-NOT:     autoglm.layer_norm
func.func @runtime_epsilon(%x: tensor<2x16xf32>, %eps: tensor<f32>) -> tensor<2x16xf32> {
  %two = autoglm.constant dense<2.0> : tensor<f32>
  %m = autoglm.reduce mean %x {axes = array<i64: 1>, keepdims} : (tensor<2x16xf32>) -> tensor<2x1xf32>
  %d = autoglm.sub %x, %m : (tensor<2x16xf32>, tensor<2x1xf32>) -> tensor<2x16xf32>
  %p = autoglm.pow %d, %two : (tensor<2x16xf32>, tensor<f32>) -> tensor<2x16xf32>
  %v = autoglm.reduce mean %p {axes = array<i64: 1>, keepdims} : (tensor<2x16xf32>) -> tensor<2x1xf32>
  %ve = autoglm.add %v, %eps : (tensor<2x1xf32>, tensor<f32>) -> tensor<2x1xf32>
  %s = autoglm.sqrt %ve : tensor<2x1xf32>
  %n = autoglm.div %d, %s : (tensor<2x16xf32>, tensor<2x1xf32>) -> tensor<2x16xf32>
  return %n : tensor<2x16xf32>
}

// Not a LayerNorm: the statistics are over a leading axis.
// CHECK-LABEL: func.func @leading_axis(
// CHECK-NOT:     autoglm.layer_norm
func.func @leading_axis(%x: tensor<2x16xf32>) -> tensor<2x16xf32> {
  %two = autoglm.constant dense<2.0> : tensor<f32>
  %eps = autoglm.constant dense<1.0e-5> : tensor<f32>
  %m = autoglm.reduce mean %x {axes = array<i64: 0>, keepdims} : (tensor<2x16xf32>) -> tensor<1x16xf32>
  %d = autoglm.sub %x, %m : (tensor<2x16xf32>, tensor<1x16xf32>) -> tensor<2x16xf32>
  %p = autoglm.pow %d, %two : (tensor<2x16xf32>, tensor<f32>) -> tensor<2x16xf32>
  %v = autoglm.reduce mean %p {axes = array<i64: 0>, keepdims} : (tensor<2x16xf32>) -> tensor<1x16xf32>
  %ve = autoglm.add %v, %eps : (tensor<1x16xf32>, tensor<f32>) -> tensor<1x16xf32>
  %s = autoglm.sqrt %ve : tensor<1x16xf32>
  %n = autoglm.div %d, %s : (tensor<2x16xf32>, tensor<1x16xf32>) -> tensor<2x16xf32>
  return %n : tensor<2x16xf32>
}

// Not a LayerNorm: the centered values are also a result.
// CHECK-LABEL: func.func @centered_second_user(
// CHECK-NOT:     autoglm.layer_norm
func.func @centered_second_user(%x: tensor<2x16xf32>) -> (tensor<2x16xf32>, tensor<2x16xf32>) {
  %two = autoglm.constant dense<2.0> : tensor<f32>
  %eps = autoglm.constant dense<1.0e-5> : tensor<f32>
  %m = autoglm.reduce mean %x {axes = array<i64: 1>, keepdims} : (tensor<2x16xf32>) -> tensor<2x1xf32>
  %d = autoglm.sub %x, %m : (tensor<2x16xf32>, tensor<2x1xf32>) -> tensor<2x16xf32>
  %p = autoglm.pow %d, %two : (tensor<2x16xf32>, tensor<f32>) -> tensor<2x16xf32>
  %v = autoglm.reduce mean %p {axes = array<i64: 1>, keepdims} : (tensor<2x16xf32>) -> tensor<2x1xf32>
  %ve = autoglm.add %v, %eps : (tensor<2x1xf32>, tensor<f32>) -> tensor<2x1xf32>
  %s = autoglm.sqrt %ve : tensor<2x1xf32>
  %n = autoglm.div %d, %s : (tensor<2x16xf32>, tensor<2x1xf32>) -> tensor<2x16xf32>
  return %n, %d : tensor<2x16xf32>, tensor<2x16xf32>
}

// The norm is recognised, but a gamma over the batch dimension is not an
// affine parameter of the normalized dims: it stays a separate mul.
// CHECK-LABEL: func.func @gamma_over_batch(
// CHECK:         %[[N:.+]] = autoglm.layer_norm %arg0, %{{.+}} {axis = 1 : i64
// CHECK-NEXT:    autoglm.mul %[[N]], %arg1
func.func @gamma_over_batch(%x: tensor<2x16xf32>, %g: tensor<2x16xf32>) -> tensor<2x16xf32> {
  %two = autoglm.constant dense<2.0> : tensor<f32>
  %eps = autoglm.constant dense<1.0e-5> : tensor<f32>
  %m = autoglm.reduce mean %x {axes = array<i64: 1>, keepdims} : (tensor<2x16xf32>) -> tensor<2x1xf32>
  %d = autoglm.sub %x, %m : (tensor<2x16xf32>, tensor<2x1xf32>) -> tensor<2x16xf32>
  %p = autoglm.pow %d, %two : (tensor<2x16xf32>, tensor<f32>) -> tensor<2x16xf32>
  %v = autoglm.reduce mean %p {axes = array<i64: 1>, keepdims} : (tensor<2x16xf32>) -> tensor<2x1xf32>
  %ve = autoglm.add %v, %eps : (tensor<2x1xf32>, tensor<f32>) -> tensor<2x1xf32>
  %s = autoglm.sqrt %ve : tensor<2x1xf32>
  %n = autoglm.div %d, %s : (tensor<2x16xf32>, tensor<2x1xf32>) -> tensor<2x16xf32>
  %y = autoglm.mul %n, %g : (tensor<2x16xf32>, tensor<2x16xf32>) -> tensor<2x16xf32>
  return %y : tensor<2x16xf32>
}
