// RUN: autoglm-opt %s --autoglm-fuse=clusters=false | FileCheck %s

// matmul + bias + ReLU: one "contraction" cluster, the bias an input.
// CHECK-LABEL: func.func @matmul_bias_relu(
// CHECK-NEXT:    %[[F:.+]] = autoglm.fused "contraction"(%arg0, %arg1, %arg2) : (tensor<8x16xf32>, tensor<16x4xf32>, tensor<4xf32>) -> tensor<8x4xf32> {
// CHECK-NEXT:    ^bb0(%[[A:.+]]: tensor<8x16xf32>, %[[B:.+]]: tensor<16x4xf32>, %[[C:.+]]: tensor<4xf32>):
// CHECK-NEXT:      %[[M:.+]] = autoglm.matmul %[[A]], %[[B]]
// CHECK-NEXT:      %[[S:.+]] = autoglm.add %[[M]], %[[C]]
// CHECK-NEXT:      %[[R:.+]] = autoglm.relu %[[S]]
// CHECK-NEXT:      autoglm.yield %[[R]]
// CHECK-NEXT:    }
// CHECK-NEXT:    return %[[F]]
func.func @matmul_bias_relu(%a: tensor<8x16xf32>, %b: tensor<16x4xf32>, %bias: tensor<4xf32>) -> tensor<8x4xf32> {
  %m = autoglm.matmul %a, %b : (tensor<8x16xf32>, tensor<16x4xf32>) -> tensor<8x4xf32>
  %s = autoglm.add %m, %bias : (tensor<8x4xf32>, tensor<4xf32>) -> tensor<8x4xf32>
  %r = autoglm.relu %s : tensor<8x4xf32>
  return %r : tensor<8x4xf32>
}

// conv (with its own bias) + residual add + Clip (ReLU6).
// CHECK-LABEL: func.func @conv_residual_clip(
// CHECK:         autoglm.fused "contraction"(%arg0, %arg1, %arg2, %arg3)
// CHECK:           autoglm.conv
// CHECK-NEXT:      autoglm.add
// CHECK-NEXT:      autoglm.clip
// CHECK-NEXT:      autoglm.yield
func.func @conv_residual_clip(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x1x1xf32>, %b: tensor<4xf32>,
                              %res: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
  %c = autoglm.conv %x, %w, %b {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x1x1xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
  %s = autoglm.add %res, %c : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %r = autoglm.clip %s {max = 6.0 : f64, min = 0.0 : f64} : tensor<1x4x8x8xf32>
  return %r : tensor<1x4x8x8xf32>
}

// SiLU, x * sigmoid(x): the one step whose input has two users.
// CHECK-LABEL: func.func @matmul_silu(
// CHECK:         autoglm.fused "contraction"
// CHECK:           %[[M:.+]] = autoglm.matmul
// CHECK-NEXT:      %[[S:.+]] = autoglm.sigmoid %[[M]]
// CHECK-NEXT:      %[[Y:.+]] = autoglm.mul %[[M]], %[[S]]
// CHECK-NEXT:      autoglm.yield %[[Y]]
func.func @matmul_silu(%a: tensor<8x16xf32>, %b: tensor<16x4xf32>) -> tensor<8x4xf32> {
  %m = autoglm.matmul %a, %b : (tensor<8x16xf32>, tensor<16x4xf32>) -> tensor<8x4xf32>
  %s = autoglm.sigmoid %m : tensor<8x4xf32>
  %y = autoglm.mul %m, %s : (tensor<8x4xf32>, tensor<8x4xf32>) -> tensor<8x4xf32>
  return %y : tensor<8x4xf32>
}

// HardSwish as the importer writes it, x * hardsigmoid(x) (alpha 1/6, beta
// 0.5), after a depthwise convolution with its bias.
// CHECK-LABEL: func.func @conv_hardswish(
// CHECK:         autoglm.fused "contraction"
// CHECK:           %[[C:.+]] = autoglm.conv
// CHECK-NEXT:      %[[G:.+]] = autoglm.hard_sigmoid %[[C]]
// CHECK-NEXT:      %[[Y:.+]] = autoglm.mul %[[C]], %[[G]]
// CHECK-NEXT:      autoglm.yield %[[Y]]
func.func @conv_hardswish(%x: tensor<1x4x8x8xf32>, %w: tensor<4x1x3x3xf32>, %b: tensor<4xf32>) -> tensor<1x4x8x8xf32> {
  %c = autoglm.conv %x, %w, %b {dilations = array<i64: 1, 1>, groups = 4 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x4x8x8xf32>, tensor<4x1x3x3xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
  %g = autoglm.hard_sigmoid %c {alpha = 0.16666666666666666 : f64, beta = 5.000000e-01 : f64} : tensor<1x4x8x8xf32>
  %y = autoglm.mul %c, %g : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  return %y : tensor<1x4x8x8xf32>
}

// Sigmoid, tanh and GELU are activations too.
// CHECK-LABEL: func.func @activations(
// CHECK-COUNT-3: autoglm.fused "contraction"
// CHECK-NOT:     autoglm.fused
func.func @activations(%a: tensor<8x16xf32>, %b: tensor<16x4xf32>) -> (tensor<8x4xf32>, tensor<8x4xf32>, tensor<8x4xf32>) {
  %m1 = autoglm.matmul %a, %b : (tensor<8x16xf32>, tensor<16x4xf32>) -> tensor<8x4xf32>
  %y1 = autoglm.sigmoid %m1 : tensor<8x4xf32>
  %m2 = autoglm.matmul %a, %b : (tensor<8x16xf32>, tensor<16x4xf32>) -> tensor<8x4xf32>
  %y2 = autoglm.tanh %m2 : tensor<8x4xf32>
  %m3 = autoglm.matmul %a, %b : (tensor<8x16xf32>, tensor<16x4xf32>) -> tensor<8x4xf32>
  %y3 = autoglm.gelu %m3 : tensor<8x4xf32>
  return %y1, %y2, %y3 : tensor<8x4xf32>, tensor<8x4xf32>, tensor<8x4xf32>
}

// The product is also a result: it must exist in memory, so nothing fuses.
// CHECK-LABEL: func.func @product_second_user(
// CHECK-NOT:     autoglm.fused
func.func @product_second_user(%a: tensor<8x16xf32>, %b: tensor<16x4xf32>) -> (tensor<8x4xf32>, tensor<8x4xf32>) {
  %m = autoglm.matmul %a, %b : (tensor<8x16xf32>, tensor<16x4xf32>) -> tensor<8x4xf32>
  %r = autoglm.relu %m : tensor<8x4xf32>
  return %r, %m : tensor<8x4xf32>, tensor<8x4xf32>
}

// The tail stops where an intermediate has a second user: bias only.
// CHECK-LABEL: func.func @biased_second_user(
// CHECK:         %[[F:.+]] = autoglm.fused "contraction"
// CHECK:           autoglm.matmul
// CHECK-NEXT:      autoglm.add
// CHECK-NEXT:      autoglm.yield
// CHECK:         autoglm.relu %[[F]]
func.func @biased_second_user(%a: tensor<8x16xf32>, %b: tensor<16x4xf32>, %bias: tensor<4xf32>) -> (tensor<8x4xf32>, tensor<8x4xf32>) {
  %m = autoglm.matmul %a, %b : (tensor<8x16xf32>, tensor<16x4xf32>) -> tensor<8x4xf32>
  %s = autoglm.add %m, %bias : (tensor<8x4xf32>, tensor<4xf32>) -> tensor<8x4xf32>
  %r = autoglm.relu %s : tensor<8x4xf32>
  return %r, %s : tensor<8x4xf32>, tensor<8x4xf32>
}

// Not fused: the add broadcasts the product to a larger shape (the tail
// would not be an update of the product in place).
// CHECK-LABEL: func.func @add_broadcasts_product(
// CHECK-NOT:     autoglm.fused
func.func @add_broadcasts_product(%a: tensor<8x16xf32>, %b: tensor<16x4xf32>, %c: tensor<2x8x4xf32>) -> tensor<2x8x4xf32> {
  %m = autoglm.matmul %a, %b : (tensor<8x16xf32>, tensor<16x4xf32>) -> tensor<8x4xf32>
  %s = autoglm.add %m, %c : (tensor<8x4xf32>, tensor<2x8x4xf32>) -> tensor<2x8x4xf32>
  return %s : tensor<2x8x4xf32>
}

// Not fused: an integer product (MatMulInteger) keeps its exact loops.
// CHECK-LABEL: func.func @integer_matmul(
// CHECK-NOT:     autoglm.fused
func.func @integer_matmul(%a: tensor<8x16xi8>, %b: tensor<16x4xi8>, %c: tensor<4xi32>) -> tensor<8x4xi32> {
  %m = autoglm.matmul %a, %b : (tensor<8x16xi8>, tensor<16x4xi8>) -> tensor<8x4xi32>
  %s = autoglm.add %m, %c : (tensor<8x4xi32>, tensor<4xi32>) -> tensor<8x4xi32>
  return %s : tensor<8x4xi32>
}

// Not fused: a mul by a tensor is not in the epilogue's set.
// CHECK-LABEL: func.func @not_an_epilogue_op(
// CHECK-NOT:     autoglm.fused
func.func @not_an_epilogue_op(%a: tensor<8x16xf32>, %b: tensor<16x4xf32>, %c: tensor<8x4xf32>) -> tensor<8x4xf32> {
  %m = autoglm.matmul %a, %b : (tensor<8x16xf32>, tensor<16x4xf32>) -> tensor<8x4xf32>
  %s = autoglm.mul %m, %c : (tensor<8x4xf32>, tensor<8x4xf32>) -> tensor<8x4xf32>
  return %s : tensor<8x4xf32>
}
