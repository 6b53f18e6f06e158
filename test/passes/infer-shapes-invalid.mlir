// RUN: autoglm-opt %s --autoglm-infer-shapes -split-input-file -verify-diagnostics

// --autoglm-infer-shapes reports a declared type that contradicts what
// inference derives once earlier results were refined, and inference that
// fails on the refined operands.

// Valid as written (`?` + `?` may be 4), but %0 is refined to 3 elements.
func.func @contradiction(%a: tensor<3xf32>) -> tensor<4xf32> {
  %0 = autoglm.add %a, %a : (tensor<3xf32>, tensor<3xf32>) -> tensor<?xf32>
  // expected-error @+1 {{'autoglm.add' op result type 'tensor<4xf32>' contradicts the inferred type 'tensor<3xf32>'}}
  %1 = autoglm.add %0, %0 : (tensor<?xf32>, tensor<?xf32>) -> tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

func.func @contradiction_second_result(%x: tensor<2x10xf32>) -> tensor<3x5xi64> {
  %0 = autoglm.transpose %x, [0, 1] : (tensor<2x10xf32>) -> tensor<?x?xf32>
  // expected-error @+1 {{'autoglm.topk' op result type 'tensor<3x5xi64>' contradicts the inferred type 'tensor<2x5xi64>'}}
  %1:2 = autoglm.topk %0 {axis = 1 : i64, k = 5 : i64} : (tensor<?x?xf32>) -> (tensor<?x5xf32>, tensor<3x5xi64>)
  return %1#1 : tensor<3x5xi64>
}

// -----

// Broadcasting `?` against 4 was fine; 3 against 4 is not.
func.func @inference_fails(%a: tensor<3xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %0 = autoglm.add %a, %a : (tensor<3xf32>, tensor<3xf32>) -> tensor<?xf32>
  // expected-error @+1 {{operand shapes are not broadcast-compatible: dimension 0 is 3 in one operand and 4 in another}}
  %1 = autoglm.mul %0, %b : (tensor<?xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

func.func @inference_fails_matmul(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) -> tensor<2x5xf32> {
  %0 = autoglm.transpose %a, [0, 1] : (tensor<2x3xf32>) -> tensor<?x?xf32>
  // expected-error @+1 {{contraction dimensions differ: lhs has K = 3, rhs has K = 4}}
  %1 = autoglm.matmul %0, %b : (tensor<?x?xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  return %1 : tensor<2x5xf32>
}
