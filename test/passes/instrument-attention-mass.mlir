// RUN: autoglm-opt %s --autoglm-instrument-attention-mass="k=8 sink=2 window=4" | FileCheck %s

// The measurement build of --sparse-attention=auto: the query, key and mask
// of each attention that the rewrite would consider (decode attention with
// more than k + sink + window keys) become extra results of @main, named for
// autoglm-run --attention-mass (the scale and causal flag in the query's
// name); the model's own results keep their places. Prefill, short key sets
// and nodes without a name of their own (which the gate could not match)
// are not measured.

// CHECK-LABEL: func.func @main(
// CHECK-SAME:    -> (tensor<1x8x1x64xf32> {autoglm.onnx_name = "y"},
// CHECK-SAME:        tensor<1x8x1x64xf32> {autoglm.onnx_name = "autoglm.attention-mass:query:0:0.125:1:decode"},
// CHECK-SAME:        tensor<1x2x128x64xf32> {autoglm.onnx_name = "autoglm.attention-mass:key:0"},
// CHECK-SAME:        tensor<1x1x1x128xi1> {autoglm.onnx_name = "autoglm.attention-mass:mask:0"},
// CHECK-SAME:        tensor<1x8x1x64xf32> {autoglm.onnx_name = "autoglm.attention-mass:query:1:0.5:0:nomask"},
// CHECK-SAME:        tensor<1x2x128x64xf32> {autoglm.onnx_name = "autoglm.attention-mass:key:1"})
// CHECK:         return %{{.*}}, %arg0, %arg1, %arg3, %[[Q:.*]], %arg1 :
func.func @main(%q: tensor<1x8x1x64xf32>, %k: tensor<1x2x128x64xf32>, %v: tensor<1x2x128x64xf32>, %m: tensor<1x1x1x128xi1>, %prefill: tensor<1x8x32x64xf32>, %short: tensor<1x2x14x64xf32>) -> (tensor<1x8x1x64xf32> {autoglm.onnx_name = "y"}) {
  %0 = autoglm.attention %q, %k, %v, %m {causal, scale = 0.125 : f64} : (tensor<1x8x1x64xf32>, tensor<1x2x128x64xf32>, tensor<1x2x128x64xf32>, tensor<1x1x1x128xi1>) -> tensor<1x8x1x64xf32> loc("decode")
  %1 = autoglm.add %q, %0 : (tensor<1x8x1x64xf32>, tensor<1x8x1x64xf32>) -> tensor<1x8x1x64xf32> loc("add")
  %2 = autoglm.attention %1, %k, %v {scale = 0.5 : f64} : (tensor<1x8x1x64xf32>, tensor<1x2x128x64xf32>, tensor<1x2x128x64xf32>) -> tensor<1x8x1x64xf32> loc("nomask")
  %3 = autoglm.attention %prefill, %k, %v {causal, scale = 0.125 : f64} : (tensor<1x8x32x64xf32>, tensor<1x2x128x64xf32>, tensor<1x2x128x64xf32>) -> tensor<1x8x32x64xf32> loc("prefill")
  %4 = autoglm.attention %2, %short, %short {scale = 0.125 : f64} : (tensor<1x8x1x64xf32>, tensor<1x2x14x64xf32>, tensor<1x2x14x64xf32>) -> tensor<1x8x1x64xf32> loc("short")
  %5 = autoglm.attention %4, %k, %v {scale = 0.125 : f64} : (tensor<1x8x1x64xf32>, tensor<1x2x128x64xf32>, tensor<1x2x128x64xf32>) -> tensor<1x8x1x64xf32> loc("twice")
  %6 = autoglm.attention %5, %k, %v {scale = 0.125 : f64} : (tensor<1x8x1x64xf32>, tensor<1x2x128x64xf32>, tensor<1x2x128x64xf32>) -> tensor<1x8x1x64xf32> loc("twice")
  %7 = autoglm.attention %6, %k, %v {scale = 0.125 : f64} : (tensor<1x8x1x64xf32>, tensor<1x2x128x64xf32>, tensor<1x2x128x64xf32>) -> tensor<1x8x1x64xf32>
  return %7 : tensor<1x8x1x64xf32>
}
