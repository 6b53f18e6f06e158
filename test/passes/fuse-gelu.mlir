// RUN: autoglm-opt %s --autoglm-fuse=clusters=false | FileCheck %s

// 0.5 * x * (1 + erf(x / sqrt(2))), as PyTorch exports it.
// CHECK-LABEL: func.func @erf_div(
// CHECK-SAME:    %[[X:.+]]: tensor<2x8xf32>
// CHECK-NEXT:    %[[G:.+]] = autoglm.gelu %[[X]] : tensor<2x8xf32>
// CHECK-NEXT:    return %[[G]]
func.func @erf_div(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %c = autoglm.constant dense<1.41421354> : tensor<f32>
  %one = autoglm.constant dense<1.0> : tensor<f32>
  %half = autoglm.constant dense<0.5> : tensor<f32>
  %d = autoglm.div %x, %c : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %e = autoglm.erf %d : tensor<2x8xf32>
  %a = autoglm.add %e, %one : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %m = autoglm.mul %x, %a : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %r = autoglm.mul %m, %half : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  return %r : tensor<2x8xf32>
}

// x * 0.70710678 instead of x / sqrt(2); the 0.5 grouped with the sum.
// CHECK-LABEL: func.func @erf_mul_regrouped(
// CHECK-NEXT:    autoglm.gelu %arg0 : tensor<4xf32>
// CHECK-NOT:     autoglm.erf
func.func @erf_mul_regrouped(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c = autoglm.constant dense<0.707106769> : tensor<f32>
  %one = autoglm.constant dense<1.0> : tensor<f32>
  %half = autoglm.constant dense<0.5> : tensor<f32>
  %d = autoglm.mul %c, %x : (tensor<f32>, tensor<4xf32>) -> tensor<4xf32>
  %e = autoglm.erf %d : tensor<4xf32>
  %a = autoglm.add %one, %e : (tensor<f32>, tensor<4xf32>) -> tensor<4xf32>
  %h = autoglm.mul %a, %half : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %r = autoglm.mul %x, %h : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %r : tensor<4xf32>
}

// 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3))) with Pow.
// CHECK-LABEL: func.func @tanh_pow(
// CHECK-NEXT:    autoglm.gelu %arg0 {approximation = #autoglm<gelu_approximation tanh>} : tensor<4xf32>
// CHECK-NEXT:    return
func.func @tanh_pow(%x: tensor<4xf32>) -> tensor<4xf32> {
  %three = autoglm.constant dense<3.0> : tensor<f32>
  %c1 = autoglm.constant dense<0.044715> : tensor<f32>
  %c2 = autoglm.constant dense<0.797884583> : tensor<f32>
  %one = autoglm.constant dense<1.0> : tensor<f32>
  %half = autoglm.constant dense<0.5> : tensor<f32>
  %p = autoglm.pow %x, %three : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %q = autoglm.mul %p, %c1 : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %s = autoglm.add %x, %q : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %k = autoglm.mul %s, %c2 : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %t = autoglm.tanh %k : tensor<4xf32>
  %a = autoglm.add %t, %one : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %h = autoglm.mul %x, %half : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %r = autoglm.mul %h, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %r : tensor<4xf32>
}

// The cube as x * (x * x).
// CHECK-LABEL: func.func @tanh_mul_cube(
// CHECK-NEXT:    autoglm.gelu %arg0 {approximation = #autoglm<gelu_approximation tanh>}
func.func @tanh_mul_cube(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c1 = autoglm.constant dense<0.044715> : tensor<f32>
  %c2 = autoglm.constant dense<0.797884583> : tensor<f32>
  %one = autoglm.constant dense<1.0> : tensor<f32>
  %half = autoglm.constant dense<0.5> : tensor<f32>
  %sq = autoglm.mul %x, %x : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %p = autoglm.mul %x, %sq : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %q = autoglm.mul %c1, %p : (tensor<f32>, tensor<4xf32>) -> tensor<4xf32>
  %s = autoglm.add %q, %x : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %k = autoglm.mul %c2, %s : (tensor<f32>, tensor<4xf32>) -> tensor<4xf32>
  %t = autoglm.tanh %k : tensor<4xf32>
  %a = autoglm.add %t, %one : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %m = autoglm.mul %x, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %r = autoglm.mul %m, %half : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return %r : tensor<4xf32>
}

// Not GELU: the erf result has a second user, which still needs it.
// CHECK-LABEL: func.func @erf_second_user(
// CHECK-NOT:     autoglm.gelu
// CHECK:         autoglm.erf
func.func @erf_second_user(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %c = autoglm.constant dense<1.41421354> : tensor<f32>
  %one = autoglm.constant dense<1.0> : tensor<f32>
  %half = autoglm.constant dense<0.5> : tensor<f32>
  %d = autoglm.div %x, %c : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %e = autoglm.erf %d : tensor<4xf32>
  %a = autoglm.add %e, %one : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %m = autoglm.mul %x, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %r = autoglm.mul %m, %half : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return %r, %e : tensor<4xf32>, tensor<4xf32>
}

// Not GELU: 0.6 is not the 0.5 of the formula.
// CHECK-LABEL: func.func @wrong_constant(
// CHECK-NOT:     autoglm.gelu
func.func @wrong_constant(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c = autoglm.constant dense<1.41421354> : tensor<f32>
  %one = autoglm.constant dense<1.0> : tensor<f32>
  %half = autoglm.constant dense<0.6> : tensor<f32>
  %d = autoglm.div %x, %c : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %e = autoglm.erf %d : tensor<4xf32>
  %a = autoglm.add %e, %one : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %m = autoglm.mul %x, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %r = autoglm.mul %m, %half : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return %r : tensor<4xf32>
}

// Not GELU: the erf is of another tensor than the one multiplied.
// CHECK-LABEL: func.func @different_inputs(
// CHECK-NOT:     autoglm.gelu
func.func @different_inputs(%x: tensor<4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {
  %c = autoglm.constant dense<1.41421354> : tensor<f32>
  %one = autoglm.constant dense<1.0> : tensor<f32>
  %half = autoglm.constant dense<0.5> : tensor<f32>
  %d = autoglm.div %y, %c : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %e = autoglm.erf %d : tensor<4xf32>
  %a = autoglm.add %e, %one : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %m = autoglm.mul %x, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %r = autoglm.mul %m, %half : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return %r : tensor<4xf32>
}

// Not GELU: the constant 0.5 is a 2x4 splat and broadcasts x to 2x4.
// CHECK-LABEL: func.func @broadcasting_constant(
// CHECK-NOT:     autoglm.gelu
func.func @broadcasting_constant(%x: tensor<4xf32>) -> tensor<2x4xf32> {
  %c = autoglm.constant dense<1.41421354> : tensor<f32>
  %one = autoglm.constant dense<1.0> : tensor<f32>
  %half = autoglm.constant dense<0.5> : tensor<2x4xf32>
  %d = autoglm.div %x, %c : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %e = autoglm.erf %d : tensor<4xf32>
  %a = autoglm.add %e, %one : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %m = autoglm.mul %x, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %r = autoglm.mul %m, %half : (tensor<4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
  return %r : tensor<2x4xf32>
}
