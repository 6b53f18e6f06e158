// RUN: autoglm-opt %s --autoglm-lower-to-linalg -split-input-file -verify-diagnostics

// Dynamic shapes and variants the lowering does not handle are reported at
// the op (its location is the ONNX node name), one message each.

func.func @dynamic(%a: tensor<?x4xf32>, %b: tensor<4xf32>) -> tensor<?x4xf32> {
  // expected-error @+1 {{'autoglm.add' needs static shapes; specialize the inputs with --input-shape}}
  %0 = autoglm.add %a, %b : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

func.func @dynamic_result(%a: tensor<2x4xf32>, %s: tensor<2xi64>) -> tensor<?x?xf32> {
  // expected-error @+1 {{'autoglm.reshape' needs static shapes}}
  %0 = autoglm.reshape %a, %s : (tensor<2x4xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

func.func @reduce_l2_int(%x: tensor<2x3xi32>) -> tensor<2xi32> {
  // expected-error @+1 {{reduce l2 needs floating-point elements}}
  %0 = autoglm.reduce l2 %x {axes = array<i64: 1>} : (tensor<2x3xi32>) -> tensor<2xi32>
  return %0 : tensor<2xi32>
}

// -----

func.func @resize_crop(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error @+1 {{resize lowering does not support tf_crop_and_resize}}
  %0 = autoglm.resize linear %x {coordinate_transform = #autoglm<coordinate_transform tf_crop_and_resize>} : (tensor<1x1x2x2xf32>) -> tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}
