// RUN: autoglm-opt %s --autoglm-fuse --autoglm-lower-to-linalg --canonicalize | FileCheck %s

// Each cluster of --autoglm-fuse lowers to exactly one loop nest, inside
// its region: the region stays, one kernel for code generation.

// An elementwise chain with a broadcast bias: one generic.
// CHECK-LABEL: func.func @chain(
// CHECK:         autoglm.fused "elementwise"(%arg0, %arg1)
// CHECK-NEXT:    ^bb0(%[[X:.+]]: tensor<4x8xf32>, %[[B:.+]]: tensor<8xf32>):
// CHECK:         linalg.generic
// CHECK-SAME:      ins(%[[X]], %[[B]] : tensor<4x8xf32>, tensor<8xf32>)
// CHECK:           arith.addf
// CHECK-NEXT:      arith.mulf
// CHECK-NEXT:      math.tanh
// CHECK-NOT:     linalg.generic
// CHECK:         return
func.func @chain(%x: tensor<4x8xf32>, %b: tensor<8xf32>) -> tensor<4x8xf32> {
  %c = autoglm.constant dense<2.0> : tensor<f32>
  %a = autoglm.add %x, %b : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  %m = autoglm.mul %a, %c : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %t = autoglm.tanh %m : tensor<4x8xf32>
  return %t : tensor<4x8xf32>
}

// Elementwise ops feeding a reduction: one reduction generic.
// CHECK-LABEL: func.func @into_reduction(
// CHECK:         autoglm.fused "reduction"(%arg0, %arg1)
// CHECK-NEXT:    ^bb0(%[[X:.+]]: tensor<4x8xf32>, %[[Y:.+]]: tensor<4x8xf32>):
// CHECK:         linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "reduction"]
// CHECK-SAME:      ins(%[[X]], %[[Y]] : tensor<4x8xf32>, tensor<4x8xf32>)
// CHECK:           arith.subf
// CHECK-NEXT:      math.exp
// CHECK-NEXT:      arith.addf
// CHECK-NOT:     linalg.generic
// CHECK:         return
func.func @into_reduction(%x: tensor<4x8xf32>, %y: tensor<4x8xf32>) -> tensor<4xf32> {
  %d = autoglm.sub %x, %y : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %e = autoglm.exp %d : tensor<4x8xf32>
  %s = autoglm.reduce sum %e {axes = array<i64: 1>} : (tensor<4x8xf32>) -> tensor<4xf32>
  return %s : tensor<4xf32>
}

// matmul + bias + residual + ReLU on a batched lhs: the matmul, then ONE
// generic for the whole tail that updates the product in place (its output
// operand is the product), on the matmul's 2-D shape.
// CHECK-LABEL: func.func @matmul_epilogue(
// CHECK:         autoglm.fused "contraction"
// CHECK:         %[[M:.+]] = linalg.matmul
// CHECK-SAME:      -> tensor<16x4xf32>
// CHECK:         %[[E:.+]] = linalg.generic
// CHECK-SAME:      outs(%[[M]] : tensor<16x4xf32>)
// CHECK-NEXT:    ^bb0(%[[BIAS:.+]]: f32, %[[RES:.+]]: f32, %[[ACC:.+]]: f32):
// CHECK-NEXT:      %[[S:.+]] = arith.addf %[[ACC]], %[[BIAS]]
// CHECK-NEXT:      %[[T:.+]] = arith.addf %[[S]], %[[RES]]
// CHECK-NEXT:      arith.maximumf %[[T]]
// CHECK-NOT:     linalg.generic
// CHECK:         tensor.expand_shape %[[E]]
func.func @matmul_epilogue(%a: tensor<2x8x16xf32>, %b: tensor<16x4xf32>, %bias: tensor<4xf32>,
                           %res: tensor<2x8x4xf32>) -> tensor<2x8x4xf32> {
  %m = autoglm.matmul %a, %b : (tensor<2x8x16xf32>, tensor<16x4xf32>) -> tensor<2x8x4xf32>
  %s = autoglm.add %m, %bias : (tensor<2x8x4xf32>, tensor<4xf32>) -> tensor<2x8x4xf32>
  %t = autoglm.add %s, %res : (tensor<2x8x4xf32>, tensor<2x8x4xf32>) -> tensor<2x8x4xf32>
  %r = autoglm.relu %t : tensor<2x8x4xf32>
  return %r : tensor<2x8x4xf32>
}

// conv + its bias + ReLU: the convolution, then one in-place generic.
// CHECK-LABEL: func.func @conv_epilogue(
// CHECK:         autoglm.fused "contraction"
// CHECK:         %[[C:.+]] = linalg.conv_2d_nchw_fchw
// CHECK-NEXT:    linalg.generic
// CHECK-SAME:      outs(%[[C]] : tensor<1x4x8x8xf32>)
// CHECK:           arith.addf
// CHECK-NEXT:      arith.maximumf
// CHECK-NOT:     linalg.generic
// CHECK:         return
func.func @conv_epilogue(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x1x1xf32>, %b: tensor<4xf32>) -> tensor<1x4x8x8xf32> {
  %c = autoglm.conv %x, %w, %b {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x1x1xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
  %r = autoglm.relu %c : tensor<1x4x8x8xf32>
  return %r : tensor<1x4x8x8xf32>
}
