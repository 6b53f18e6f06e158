// RUN: autoglm-opt %s --split-input-file --autoglm-fold-constants | FileCheck %s

// Bitwise and/or/xor/not on i8 and the shifts, evaluated at compile time
// with BitShift's rules: a signed right shift is arithmetic, an unsigned one
// logical; a shift by a negative amount or by the width or more gives -1 for
// a negative signed value shifted right and 0 otherwise.
// CHECK-LABEL: func.func @bitwise
// CHECK-DAG: autoglm.constant dense<[4, 0, -128, 2]> : tensor<4xi8>
// CHECK-DAG: autoglm.constant dense<[-1, 23, -1, 7]> : tensor<4xi8>
// CHECK-DAG: autoglm.constant dense<[-5, 23, 127, 5]> : tensor<4xi8>
// CHECK-DAG: autoglm.constant dense<[-13, -17, 127, -3]> : tensor<4xi8>
// CHECK-DAG: autoglm.constant dense<[-3, 0, -1, 1]> : tensor<4xi8>
// CHECK-DAG: autoglm.constant dense<[48, 0, 0, 8]> : tensor<4xi8>
// CHECK-DAG: autoglm.constant dense<[63, 0, 0, 1]> : tensor<4xui8>
// CHECK-NOT: autoglm.and
// CHECK-NOT: autoglm.shift
func.func @bitwise() -> (tensor<4xi8>, tensor<4xi8>, tensor<4xi8>, tensor<4xi8>, tensor<4xi8>, tensor<4xi8>, tensor<4xui8>) {
  %a = autoglm.constant dense<[12, 16, -128, 2]> : tensor<4xi8>
  %b = autoglm.constant dense<[-9, 7, -1, 7]> : tensor<4xi8>
  %s = autoglm.constant dense<[2, 9, -1, 2]> : tensor<4xi8>
  %and = autoglm.and %a, %b : (tensor<4xi8>, tensor<4xi8>) -> tensor<4xi8>
  %or = autoglm.or %a, %b : (tensor<4xi8>, tensor<4xi8>) -> tensor<4xi8>
  %xor = autoglm.xor %a, %b : (tensor<4xi8>, tensor<4xi8>) -> tensor<4xi8>
  %not = autoglm.not %a : tensor<4xi8>
  %shr = autoglm.shift_right %b, %s : (tensor<4xi8>, tensor<4xi8>) -> tensor<4xi8>
  %shl = autoglm.shift_left %a, %s : (tensor<4xi8>, tensor<4xi8>) -> tensor<4xi8>
  %u = autoglm.constant dense<[252, 8, 255, 7]> : tensor<4xui8>
  %us = autoglm.constant dense<[2, 8, 9, 2]> : tensor<4xui8>
  %ushr = autoglm.shift_right %u, %us : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  return %and, %or, %xor, %not, %shr, %shl, %ushr : tensor<4xi8>, tensor<4xi8>, tensor<4xi8>, tensor<4xi8>, tensor<4xi8>, tensor<4xi8>, tensor<4xui8>
}
