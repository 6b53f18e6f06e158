// RUN: autoglm-opt %s --autoglm-lowering-pipeline | FileCheck %s
// RUN: autoglm-opt %s --autoglm-lowering-pipeline | FileCheck %s --check-prefix=NONE

// The lowering phase from its input, one region per kernel: each region's
// body becomes linalg on tensors and the region stays, one kernel until
// code generation; no other autoglm op is left.
// CHECK-LABEL: func.func @main
// CHECK:         autoglm.fused "contraction"
// CHECK:           linalg.fill
// CHECK:           linalg.matmul
// CHECK:           linalg.generic
// CHECK:             arith.maximumf
// CHECK:           autoglm.yield
// CHECK:         autoglm.fused "transpose"
// CHECK:           linalg.transpose
// CHECK:           autoglm.yield
// NONE-NOT: autoglm.{{(matmul|relu|transpose) }}
func.func @main(%a: tensor<4x8xf32>, %b: tensor<8x4xf32>) -> tensor<4x4xf32> {
  %c = autoglm.fused "contraction" (%a, %b) : (tensor<4x8xf32>, tensor<8x4xf32>) -> tensor<4x4xf32> {
  ^bb0(%x: tensor<4x8xf32>, %y: tensor<8x4xf32>):
    %m = autoglm.matmul %x, %y : (tensor<4x8xf32>, tensor<8x4xf32>) -> tensor<4x4xf32>
    %r = autoglm.relu %m : tensor<4x4xf32>
    autoglm.yield %r : tensor<4x4xf32>
  }
  %t = autoglm.fused "transpose" (%c) : (tensor<4x4xf32>) -> tensor<4x4xf32> {
  ^bb0(%x: tensor<4x4xf32>):
    %u = autoglm.transpose %x, [1, 0] : (tensor<4x4xf32>) -> tensor<4x4xf32>
    autoglm.yield %u : tensor<4x4xf32>
  }
  return %t : tensor<4x4xf32>
}
