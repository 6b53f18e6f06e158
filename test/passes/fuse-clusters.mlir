// RUN: autoglm-opt %s --autoglm-fuse=patterns=false | FileCheck %s

// An elementwise chain with broadcasting becomes one cluster; the splat
// constant is copied into the body, the bias vector is an input.
// CHECK-LABEL: func.func @chain(
// CHECK-NEXT:    %[[F:.+]] = autoglm.fused "elementwise"(%arg0, %arg1) : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32> {
// CHECK-NEXT:    ^bb0(%[[X:.+]]: tensor<4x8xf32>, %[[B:.+]]: tensor<8xf32>):
// CHECK-NEXT:      %[[C:.+]] = autoglm.constant dense<2.000000e+00> : tensor<f32>
// CHECK-NEXT:      %[[A:.+]] = autoglm.add %[[X]], %[[B]]
// CHECK-NEXT:      %[[M:.+]] = autoglm.mul %[[A]], %[[C]]
// CHECK-NEXT:      %[[T:.+]] = autoglm.tanh %[[M]]
// CHECK-NEXT:      autoglm.yield %[[T]]
// CHECK-NEXT:    }
// CHECK-NEXT:    return %[[F]]
func.func @chain(%x: tensor<4x8xf32>, %b: tensor<8xf32>) -> tensor<4x8xf32> {
  %c = autoglm.constant dense<2.0> : tensor<f32>
  %a = autoglm.add %x, %b : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  %m = autoglm.mul %a, %c : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %t = autoglm.tanh %m : tensor<4x8xf32>
  return %t : tensor<4x8xf32>
}

// Elementwise ops feeding a reduction: a "reduction" cluster.
// CHECK-LABEL: func.func @into_reduction(
// CHECK:         autoglm.fused "reduction"(%arg0, %arg1)
// CHECK:           autoglm.sub
// CHECK-NEXT:      autoglm.exp
// CHECK-NEXT:      autoglm.reduce sum
// CHECK-NEXT:      autoglm.yield
func.func @into_reduction(%x: tensor<4x8xf32>, %y: tensor<4x8xf32>) -> tensor<4xf32> {
  %d = autoglm.sub %x, %y : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %e = autoglm.exp %d : tensor<4x8xf32>
  %s = autoglm.reduce sum %e {axes = array<i64: 1>} : (tensor<4x8xf32>) -> tensor<4xf32>
  return %s : tensor<4xf32>
}

// A value with a user outside the chain ends a cluster: %a is also
// returned, so it stays out and {mul, tanh} is the cluster.
// CHECK-LABEL: func.func @second_user(
// CHECK-NEXT:    %[[A:.+]] = autoglm.add %arg0, %arg1
// CHECK-NEXT:    %[[F:.+]] = autoglm.fused "elementwise"(%[[A]])
// CHECK:           autoglm.mul
// CHECK-NEXT:      autoglm.tanh
// CHECK:         return %[[F]], %[[A]]
func.func @second_user(%x: tensor<4xf32>, %y: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %a = autoglm.add %x, %y : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %m = autoglm.mul %a, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %t = autoglm.tanh %m : tensor<4xf32>
  return %t, %a : tensor<4xf32>, tensor<4xf32>
}

// Not clustered: a lone op, a reduction's result feeding elementwise ops
// (a reduction is only ever a root), unsigned integers (the lowering
// converts their type), and non-elementwise ops in between.
// CHECK-LABEL: func.func @not_clustered(
// CHECK-NOT:     autoglm.fused
func.func @not_clustered(%x: tensor<4x8xf32>, %u: tensor<4xui8>, %v: tensor<4xui8>) -> (tensor<4xf32>, tensor<4xui8>, tensor<8x4xf32>) {
  %s = autoglm.reduce max %x {axes = array<i64: 1>} : (tensor<4x8xf32>) -> tensor<4xf32>
  %e = autoglm.exp %s : tensor<4xf32>
  %w = autoglm.add %u, %v : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  %w2 = autoglm.mul %w, %v : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  %n = autoglm.neg %x : tensor<4x8xf32>
  %t = autoglm.transpose %n, [1, 0] : (tensor<4x8xf32>) -> tensor<8x4xf32>
  %r = autoglm.relu %t : tensor<8x4xf32>
  return %e, %w2, %r : tensor<4xf32>, tensor<4xui8>, tensor<8x4xf32>
}
