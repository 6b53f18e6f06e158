// --autoglm-instrument-calibration: each value an int8 product would read
// becomes one more result of @main, named after the first product reading
// it; a value read by two products is returned once, products of two
// activations add nothing, and the original results keep their places.
// RUN: autoglm-opt %s --autoglm-instrument-calibration | FileCheck %s

// CHECK-LABEL: func.func @main(
// CHECK-SAME:      %[[X:.+]]: tensor<2x4xf32> {autoglm.onnx_name = "x"})
// CHECK-SAME:      -> (tensor<2x2xf32> {autoglm.onnx_name = "y"}, tensor<2x4xf32> {autoglm.onnx_name = "calibration:q"}, tensor<2x4xf32> {autoglm.onnx_name = "calibration:next"})
// CHECK:         %[[Q:.+]] = autoglm.matmul %[[X]]
// CHECK:         %[[R:.+]] = autoglm.relu %[[Q]]
// CHECK:         %[[S:.+]] = autoglm.matmul %{{.+}}, %{{.+}} : (tensor<2x4xf32>, tensor<4x2xf32>)
// CHECK:         return %[[S]], %[[X]], %[[R]]
func.func @main(%x: tensor<2x4xf32> {autoglm.onnx_name = "x"}) -> (tensor<2x2xf32> {autoglm.onnx_name = "y"}) {
  %wq = autoglm.constant dense<0.5> : tensor<4x4xf32>
  %wk = autoglm.constant dense<0.25> : tensor<4x4xf32>
  %q = autoglm.matmul %x, %wq : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32> loc("q")
  %r = autoglm.relu %q : tensor<2x4xf32>
  %k = autoglm.matmul %x, %wk : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32> loc("k")
  %n = autoglm.matmul %r, %wk : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32> loc("next")
  %kt = autoglm.transpose %k, [1, 0] : (tensor<2x4xf32>) -> tensor<4x2xf32>
  %s = autoglm.matmul %n, %kt : (tensor<2x4xf32>, tensor<4x2xf32>) -> tensor<2x2xf32> loc("scores")
  return %s : tensor<2x2xf32>
}
