// RUN: autoglm-opt %s --autoglm-lower-to-linalg | FileCheck %s

// int4, uint4, int2 and uint2 tensors become i8 (one element a byte, signed
// ones sign-extended), signatures included. A cast to them keeps the value
// modulo 2^width, as ONNX's reference does: through i32 (floats truncated
// toward zero), truncated to the width and extended back to the byte. The
// e2e test test/e2e/packed-types.test checks the values.
// CHECK-LABEL: func.func @to_int4(
// CHECK-SAME: %{{.*}}: tensor<4xf32>) -> tensor<4xi8>
// CHECK: ^bb0(%[[IN:.*]]: f32, %{{.*}}: i8):
// CHECK: %[[W:.*]] = arith.fptosi %[[IN]] : f32 to i32
// CHECK: %[[N:.*]] = arith.trunci %[[W]] : i32 to i4
// CHECK: %[[B:.*]] = arith.extsi %[[N]] : i4 to i8
// CHECK: linalg.yield %[[B]] : i8
func.func @to_int4(%x: tensor<4xf32>) -> tensor<4xi4> {
  %0 = autoglm.cast %x : tensor<4xf32> to tensor<4xi4>
  return %0 : tensor<4xi4>
}

// Unsigned: zero-extended back to the byte.
// CHECK-LABEL: func.func @to_uint2(
// CHECK-SAME: %{{.*}}: tensor<4xf32>) -> tensor<4xi8>
// CHECK: arith.fptosi %{{.*}} : f32 to i32
// CHECK: %[[N2:.*]] = arith.trunci %{{.*}} : i32 to i2
// CHECK: arith.extui %[[N2]] : i2 to i8
func.func @to_uint2(%x: tensor<4xf32>) -> tensor<4xui2> {
  %0 = autoglm.cast %x : tensor<4xf32> to tensor<4xui2>
  return %0 : tensor<4xui2>
}

// From them: the byte is the value already; uint4 converts as unsigned.
// CHECK-LABEL: func.func @from_uint4(
// CHECK-SAME: %{{.*}}: tensor<4xi8>) -> tensor<4xf32>
// CHECK: ^bb0(%[[U:.*]]: i8, %{{.*}}: f32):
// CHECK: arith.uitofp %[[U]] : i8 to f32
func.func @from_uint4(%x: tensor<4xui4>) -> tensor<4xf32> {
  %0 = autoglm.cast %x : tensor<4xui4> to tensor<4xf32>
  return %0 : tensor<4xf32>
}

// float4e2m1 is stored as its bits in the low four of an i8 and decoded
// with the float8 arithmetic at four bits: magnitude mask 7, sign bit 8.
// CHECK-LABEL: func.func @from_float4(
// CHECK-SAME: %{{.*}}: tensor<4xi8>) -> tensor<4xf32>
// CHECK: arith.extui %{{.*}} : i8 to i32
// CHECK: arith.constant 7 : i32
// CHECK: arith.constant 8 : i32
func.func @from_float4(%x: tensor<4xf4E2M1FN>) -> tensor<4xf32> {
  %0 = autoglm.cast %x : tensor<4xf4E2M1FN> to tensor<4xf32>
  return %0 : tensor<4xf32>
}
