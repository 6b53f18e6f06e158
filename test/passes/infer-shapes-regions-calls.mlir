// RUN: autoglm-opt %s --autoglm-infer-shapes -split-input-file | FileCheck %s

// Regressions: fused bodies and calls must follow refined types.
// (These once turned valid functions into invalid IR.)

// The input of a fused op is refined to tensor<4xf32>, but its body argument
// keeps tensor<?xf32>, which the fused op's verifier rejects ("body argument
// 0 has type ... but input 0 has type ...").
// CHECK-LABEL: func.func @fused_user(
// CHECK:         autoglm.fused "elementwise"(%{{.*}}) : (tensor<4xf32>)
// CHECK-NEXT:    ^bb0(%{{.*}}: tensor<4xf32>):
func.func @fused_user(%a: tensor<4xf32>) -> tensor<?xf32> {
  %0 = autoglm.add %a, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<?xf32>
  %1 = autoglm.fused "elementwise" (%0) : (tensor<?xf32>) -> tensor<?xf32> {
  ^bb0(%x: tensor<?xf32>):
    %r = autoglm.relu %x : tensor<?xf32>
    autoglm.yield %r : tensor<?xf32>
  }
  return %1 : tensor<?xf32>
}

// -----

// The function pass rewrites @callee's signature to return tensor<4xf32>,
// but cannot update the call in @caller ("result type mismatch").
// CHECK-LABEL: func.func @callee(
// CHECK-LABEL: func.func @caller(
func.func @callee(%a: tensor<4xf32>) -> tensor<?xf32> {
  %0 = autoglm.add %a, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}
func.func @caller(%a: tensor<4xf32>) -> tensor<?xf32> {
  %0 = func.call @callee(%a) : (tensor<4xf32>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}
