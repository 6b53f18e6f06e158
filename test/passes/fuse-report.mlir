// RUN: autoglm-opt %s --autoglm-fuse --print-optimization-report -o /dev/null 2>&1 | FileCheck %s

// The report names the rules that fired and the ONNX nodes they fused; a
// fused region counts as one op (one kernel), its body not at all.
// CHECK:      autoglm-fuse: 9 -> 2 ops, 3 -> 0 constants
// CHECK-DAG:    gelu-erf x1: div + erf + add1 + mul + half
// CHECK-DAG:    matmul+bias+gelu x1: fc + fc_bias + div, erf, add1, mul, half
// CHECK-DAG:    elementwise-cluster x1: scale + act
func.func @main(%x: tensor<2x8xf32>, %w: tensor<8x8xf32>, %b: tensor<8xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>) {
  %c = autoglm.constant dense<1.41421354> : tensor<f32>
  %one = autoglm.constant dense<1.0> : tensor<f32>
  %half = autoglm.constant dense<0.5> : tensor<f32>
  %m0 = autoglm.matmul %x, %w : (tensor<2x8xf32>, tensor<8x8xf32>) -> tensor<2x8xf32> loc("fc")
  %f = autoglm.add %m0, %b : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32> loc("fc_bias")
  %d = autoglm.div %f, %c : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32> loc("div")
  %e = autoglm.erf %d : tensor<2x8xf32> loc("erf")
  %a = autoglm.add %e, %one : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32> loc("add1")
  %m = autoglm.mul %f, %a : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32> loc("mul")
  %r = autoglm.mul %m, %half : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32> loc("half")
  %s = autoglm.mul %x, %half : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32> loc("scale")
  %t = autoglm.tanh %s : tensor<2x8xf32> loc("act")
  return %r, %t : tensor<2x8xf32>, tensor<2x8xf32>
}
