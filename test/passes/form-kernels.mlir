// RUN: autoglm-opt %s --autoglm-form-kernels | FileCheck %s

// Every op that computes becomes a region of its own, named by the op; a
// splat constant goes in with it, other constants are inputs; reshapes,
// constants and existing regions stay as they are.
// CHECK-LABEL: func.func @main(
// CHECK-SAME:      %[[A:.+]]: tensor<4x8xf32>, %[[B:.+]]: tensor<8x4xf32>
// CHECK:         %[[W:.+]] = autoglm.constant dense<{{\[}}1.0{{.*}}> : tensor<4xf32>
// CHECK:         %[[M:.+]] = autoglm.fused "matmul"(%[[A]], %[[B]])
// CHECK-NEXT:    ^bb0(%[[X:.+]]: tensor<4x8xf32>, %[[Y:.+]]: tensor<8x4xf32>):
// CHECK-NEXT:      %[[P:.+]] = autoglm.matmul %[[X]], %[[Y]]
// CHECK-NEXT:      autoglm.yield %[[P]] : tensor<4x4xf32>
// CHECK:         %[[S:.+]] = autoglm.fused "mul"(%[[M]], %[[W]])
// CHECK-NEXT:    ^bb0(%{{.+}}: tensor<4x4xf32>, %{{.+}}: tensor<4xf32>):
// CHECK-NEXT:      autoglm.constant dense<5.000000e-01> : tensor<f32>
// CHECK-NEXT:      autoglm.mul
// CHECK-NEXT:      autoglm.mul
// CHECK-NEXT:      autoglm.yield
// CHECK:         %[[R:.+]] = autoglm.reshape %[[S]]
// CHECK:         %[[E:.+]] = autoglm.fused "exp"(%[[R]])
// CHECK-NEXT:    ^bb0
// CHECK-NEXT:      autoglm.exp
// CHECK-NEXT:      autoglm.yield
// CHECK:         %[[T:.+]]:2 = autoglm.fused "split"(%[[E]])
// CHECK-NEXT:    ^bb0
// CHECK-NEXT:      autoglm.split
// CHECK-NEXT:      autoglm.yield
// CHECK:         return %[[T]]#0, %[[T]]#1
func.func @main(%a: tensor<4x8xf32>, %b: tensor<8x4xf32>) -> (tensor<8x1xf32>, tensor<8x1xf32>) {
  %w = autoglm.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %m = autoglm.matmul %a, %b : (tensor<4x8xf32>, tensor<8x4xf32>) -> tensor<4x4xf32>
  %s = autoglm.fused "mul" (%m, %w) : (tensor<4x4xf32>, tensor<4xf32>) -> tensor<4x4xf32> {
  ^bb0(%x: tensor<4x4xf32>, %y: tensor<4xf32>):
    %h = autoglm.constant dense<0.5> : tensor<f32>
    %p = autoglm.mul %x, %y : (tensor<4x4xf32>, tensor<4xf32>) -> tensor<4x4xf32>
    %q = autoglm.mul %p, %h : (tensor<4x4xf32>, tensor<f32>) -> tensor<4x4xf32>
    autoglm.yield %q : tensor<4x4xf32>
  }
  %r = autoglm.reshape %s : (tensor<4x4xf32>) -> tensor<8x2xf32>
  %e = autoglm.exp %r : tensor<8x2xf32>
  %t:2 = autoglm.split %e {axis = 1 : i64, sizes = array<i64: 1, 1>} : (tensor<8x2xf32>) -> (tensor<8x1xf32>, tensor<8x1xf32>)
  return %t#0, %t#1 : tensor<8x1xf32>, tensor<8x1xf32>
}

// A transpose that moves only dimensions of one element (a decoder step's
// query, [1, 1, 4, 16] to heads) keeps the elements' order: it becomes a
// reshape, no kernel. One that reorders longer dimensions is a kernel.
// CHECK-LABEL: func.func @unit_transposes(
// CHECK-SAME:      %[[Q:.+]]: tensor<1x1x4x16xf32>, %[[K:.+]]: tensor<1x8x4x16xf32>
// CHECK:         %[[H:.+]] = autoglm.reshape %[[Q]] : (tensor<1x1x4x16xf32>) -> tensor<1x4x1x16xf32>
// CHECK:         %[[T:.+]] = autoglm.fused "transpose"(%[[K]])
// CHECK:         return %[[H]], %[[T]]
func.func @unit_transposes(%q: tensor<1x1x4x16xf32>, %k: tensor<1x8x4x16xf32>) -> (tensor<1x4x1x16xf32>, tensor<1x4x8x16xf32>) {
  %h = autoglm.transpose %q, [0, 2, 1, 3] : (tensor<1x1x4x16xf32>) -> tensor<1x4x1x16xf32>
  %t = autoglm.transpose %k, [0, 2, 1, 3] : (tensor<1x8x4x16xf32>) -> tensor<1x4x8x16xf32>
  return %h, %t : tensor<1x4x1x16xf32>, tensor<1x4x8x16xf32>
}
