// RUN: autoglm-opt %s --split-input-file --autoglm-lower-to-linalg --autoglm-cuda-float8-products | FileCheck %s

// An fp8 product as --precision=fp8 makes it, in a kernel region (what
// fusion makes of a product and its bias), the activation batched: the
// lowering folds the rows of the float8 bits (i8) before widening them, so
// that the product reads the widening, which the CUDA pass finds by its
// mark. The product then reads the bits themselves, the weight transposed
// at compile time and read through the map (n, k) (cuBLASLt's "TN" fp8
// operands), marked with the float8 type and alpha, the op's scale. No
// widening is left, and the region keeps the bias.
// CHECK-LABEL: func.func @product
// CHECK-SAME:      %[[A:.+]]: tensor<1x2x32xi8>
// CHECK:         autoglm.fused "contraction"
// CHECK-SAME:      tensor<16x32xi8>
// CHECK:         %[[ROWS:.+]] = tensor.collapse_shape %{{.+}} {{\[}}[0, 1], [2]] : tensor<1x2x32xi8> into tensor<2x32xi8>
// CHECK:         %[[P:.+]] = linalg.matmul indexing_maps = [#{{.+}}, #{{.+}}, #{{.+}}] {autoglm.alpha = 2.500000e-01 : f32, autoglm.float8_operands = f8E4M3FN} ins(%[[ROWS]], %{{.+}} : tensor<2x32xi8>, tensor<16x32xi8>) outs(%{{.+}} : tensor<2x16xf32>)
// CHECK-NOT:     autoglm.float8_widening
// CHECK:         arith.addf
// CHECK:         fp8_by_columns: "0x
func.func @product(%a: tensor<1x2x32xf8E4M3FN>) -> tensor<1x2x16xf32> {
  %w = autoglm.constant dense<2.0> : tensor<32x16xf8E4M3FN>
  %bias = autoglm.constant dense<0.5> : tensor<16xf32>
  %r = autoglm.fused "contraction"(%a, %w, %bias) : (tensor<1x2x32xf8E4M3FN>, tensor<32x16xf8E4M3FN>, tensor<16xf32>) -> tensor<1x2x16xf32> {
  ^bb0(%x: tensor<1x2x32xf8E4M3FN>, %wx: tensor<32x16xf8E4M3FN>, %bx: tensor<16xf32>):
    %p = autoglm.matmul %x, %wx {accumulator_type = f32, scale = 0.25 : f32} : (tensor<1x2x32xf8E4M3FN>, tensor<32x16xf8E4M3FN>) -> tensor<1x2x16xf32>
    %s = autoglm.add %p, %bx : (tensor<1x2x16xf32>, tensor<16xf32>) -> tensor<1x2x16xf32>
    autoglm.yield %s : tensor<1x2x16xf32>
  }
  return %r : tensor<1x2x16xf32>
}

// -----

// N = 8 is not a multiple of 16 (the fp8 kernels read 16-byte rows): the
// product stays the float32 product of the widened values, the scale in
// the activation's widening, which any target computes.
// CHECK-LABEL: func.func @left_alone
// CHECK:         linalg.generic {{.*}}autoglm.float8_widening = {scale = 2.500000e-01 : f32, type = f8E4M3FN}
// CHECK:         arith.mulf
// CHECK:         linalg.generic {{.*}}autoglm.float8_widening = {scale = 1.000000e+00 : f32, type = f8E4M3FN}
// CHECK:         linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<2x32xf32>, tensor<32x8xf32>)
// CHECK-NOT:     autoglm.float8_operands
func.func @left_alone(%a: tensor<2x32xf8E4M3FN>) -> tensor<2x8xf32> {
  %w = autoglm.constant dense<2.0> : tensor<32x8xf8E4M3FN>
  %p = autoglm.matmul %a, %w {accumulator_type = f32, scale = 0.25 : f32} : (tensor<2x32xf8E4M3FN>, tensor<32x8xf8E4M3FN>) -> tensor<2x8xf32>
  return %p : tensor<2x8xf32>
}
