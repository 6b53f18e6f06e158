// RUN: autoglm-opt %s --autoglm-kernel-pipeline | FileCheck %s

// The kernel phase from its input, the optimized graph: the fused cluster
// stays one region, the softmax becomes one.
// CHECK-LABEL: func.func @main
// CHECK:         %[[C:.+]] = autoglm.fused "contraction"
// CHECK:         autoglm.fused "softmax"(%[[C]])
// CHECK-NEXT:    ^bb0
// CHECK-NEXT:      autoglm.softmax
// CHECK-NEXT:      autoglm.yield
func.func @main(%a: tensor<4x8xf32>, %b: tensor<8x4xf32>) -> tensor<4x4xf32> {
  %c = autoglm.fused "contraction" (%a, %b) : (tensor<4x8xf32>, tensor<8x4xf32>) -> tensor<4x4xf32> {
  ^bb0(%x: tensor<4x8xf32>, %y: tensor<8x4xf32>):
    %m = autoglm.matmul %x, %y : (tensor<4x8xf32>, tensor<8x4xf32>) -> tensor<4x4xf32>
    %r = autoglm.relu %m : tensor<4x4xf32>
    autoglm.yield %r : tensor<4x4xf32>
  }
  %s = autoglm.softmax %c {axis = 1 : i64} : tensor<4x4xf32>
  return %s : tensor<4x4xf32>
}
