// RUN: autoglm-opt %s --autoglm-lower-to-linalg | FileCheck %s

// float8 tensors become i8 (their bits), signatures included; casts go
// through f32 with integer arithmetic on the bit patterns (Float8.h). The
// e2e test test/e2e/float8-cast.test checks the values bit for bit.

// To f8E4M3FN: normal results rebias the exponent and round the mantissa
// to 3 bits in one add ((7 - 127) << 23 plus half an ulp less one,
// -1006108673) and a shift by 20; results below the smallest normal 2^-6
// (bits 1015021568) add 2^14 (bits 1182793728), whose f32 ulp is 2^-9, the
// smallest subnormal; past 0x7E (126) saturate; NaN is 0x7F.
// CHECK-LABEL: func.func @to_f8(
// CHECK-SAME: %{{.*}}: tensor<4xf16>) -> tensor<4xi8>
// CHECK: linalg.generic
// CHECK: ^bb0(%[[IN:.*]]: f16, %{{.*}}: i8):
// CHECK: %[[W:.*]] = arith.extf %[[IN]] : f16 to f32
// CHECK: arith.bitcast %[[W]] : f32 to i32
// CHECK: arith.constant 20 : i32
// CHECK: arith.constant -1006108673 : i32
// CHECK: arith.constant 1182793728 : i32
// CHECK: arith.addf
// CHECK: arith.constant 1015021568 : i32
// CHECK: %[[BIG:.*]] = arith.cmpi ugt, %{{.*}}, %[[C126:.*]] : i32
// CHECK: arith.select %[[BIG]]
// CHECK: arith.constant 127 : i32
// CHECK: %[[OUT:.*]] = arith.trunci %{{.*}} : i32 to i8
// CHECK: linalg.yield %[[OUT]] : i8
func.func @to_f8(%x: tensor<4xf16>) -> tensor<4xf8E4M3FN> {
  %0 = autoglm.cast %x : tensor<4xf16> to tensor<4xf8E4M3FN>
  return %0 : tensor<4xf8E4M3FN>
}

// From f8E5M2: exponent 2 bits down, rebias by 127 - 15 = 112, mantissa up
// by 21; subnormals are mantissa * 2^-16; exponent 31 is inf or NaN.
// CHECK-LABEL: func.func @from_f8(
// CHECK-SAME: %{{.*}}: tensor<4xi8>) -> tensor<4xf32>
// CHECK: ^bb0(%[[IN8:.*]]: i8, %{{.*}}: f32):
// CHECK: arith.extui %[[IN8]] : i8 to i32
// CHECK: arith.constant 112 : i32
// CHECK: arith.constant 21 : i32
// CHECK: arith.constant 1.52587891E-5 : f32
// CHECK: arith.constant 31 : i32
// CHECK: arith.constant 0x7F800000 : f32
// CHECK: arith.negf
// CHECK: linalg.yield %{{.*}} : f32
func.func @from_f8(%x: tensor<4xf8E5M2>) -> tensor<4xf32> {
  %0 = autoglm.cast %x : tensor<4xf8E5M2> to tensor<4xf32>
  return %0 : tensor<4xf32>
}
