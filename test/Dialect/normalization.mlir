// RUN: autoglm-opt %s | autoglm-opt | FileCheck %s
// RUN: autoglm-opt %s --mlir-print-op-generic | autoglm-opt | FileCheck %s

// Round trip of the reductions and normalizations: every reduce kind,
// keepdims, arg_reduce, cumsum, softmax / log-softmax, layer_norm with and
// without bias and as RMS norm, batch_norm; default epsilons are elided.

// CHECK-LABEL: func.func @reduce(
// CHECK-SAME:  %arg0: tensor<1x64x7x7xf32>) -> (tensor<1x64x1x1xf32>, tensor<1x64xf32>, tensor<64x7x7xf32>) {
// CHECK-NEXT:    %0 = autoglm.reduce mean %arg0 {axes = array<i64: 2, 3>, keepdims} : (tensor<1x64x7x7xf32>) -> tensor<1x64x1x1xf32>
// CHECK-NEXT:    %1 = autoglm.reduce sum %arg0 {axes = array<i64: 2, 3>} : (tensor<1x64x7x7xf32>) -> tensor<1x64xf32>
// CHECK-NEXT:    %2 = autoglm.reduce max %arg0 {axes = array<i64: 0>} : (tensor<1x64x7x7xf32>) -> tensor<64x7x7xf32>
// CHECK-NEXT:    return %0, %1, %2 : tensor<1x64x1x1xf32>, tensor<1x64xf32>, tensor<64x7x7xf32>
func.func @reduce(%x: tensor<1x64x7x7xf32>) -> (tensor<1x64x1x1xf32>, tensor<1x64xf32>, tensor<64x7x7xf32>) {
  %0 = autoglm.reduce mean %x {axes = array<i64: 2, 3>, keepdims} : (tensor<1x64x7x7xf32>) -> tensor<1x64x1x1xf32>
  %1 = autoglm.reduce sum %x {axes = array<i64: 2, 3>} : (tensor<1x64x7x7xf32>) -> tensor<1x64xf32>
  %2 = autoglm.reduce max %x {axes = array<i64: 0>} : (tensor<1x64x7x7xf32>) -> tensor<64x7x7xf32>
  return %0, %1, %2 : tensor<1x64x1x1xf32>, tensor<1x64xf32>, tensor<64x7x7xf32>
}

// Every reduction kind; integer input; reducing every dimension to a scalar.
// CHECK-LABEL: func.func @reduce_kinds(
// CHECK-SAME:  %arg0: tensor<?x4xi32>, %arg1: tensor<3x?xf16>) -> (tensor<?xi32>, tensor<?xi32>, tensor<?xi32>, tensor<3xf16>, tensor<3xf16>, tensor<3xf16>, tensor<3xf16>, tensor<3x1xf16>, tensor<f16>) {
// CHECK-NEXT:    %0 = autoglm.reduce min %arg0 {axes = array<i64: 1>} : (tensor<?x4xi32>) -> tensor<?xi32>
// CHECK-NEXT:    %1 = autoglm.reduce prod %arg0 {axes = array<i64: 1>} : (tensor<?x4xi32>) -> tensor<?xi32>
// CHECK-NEXT:    %2 = autoglm.reduce l1 %arg0 {axes = array<i64: 1>} : (tensor<?x4xi32>) -> tensor<?xi32>
// CHECK-NEXT:    %3 = autoglm.reduce l2 %arg1 {axes = array<i64: 1>} : (tensor<3x?xf16>) -> tensor<3xf16>
// CHECK-NEXT:    %4 = autoglm.reduce log_sum %arg1 {axes = array<i64: 1>} : (tensor<3x?xf16>) -> tensor<3xf16>
// CHECK-NEXT:    %5 = autoglm.reduce log_sum_exp %arg1 {axes = array<i64: 1>} : (tensor<3x?xf16>) -> tensor<3xf16>
// CHECK-NEXT:    %6 = autoglm.reduce sum_square %arg1 {axes = array<i64: 1>} : (tensor<3x?xf16>) -> tensor<3xf16>
// CHECK-NEXT:    %7 = autoglm.reduce sum %arg1 {axes = array<i64: 1>, keepdims} : (tensor<3x?xf16>) -> tensor<3x1xf16>
// CHECK-NEXT:    %8 = autoglm.reduce sum %arg1 {axes = array<i64: 0, 1>} : (tensor<3x?xf16>) -> tensor<f16>
// CHECK-NEXT:    return %0, %1, %2, %3, %4, %5, %6, %7, %8 : tensor<?xi32>, tensor<?xi32>, tensor<?xi32>, tensor<3xf16>, tensor<3xf16>, tensor<3xf16>, tensor<3xf16>, tensor<3x1xf16>, tensor<f16>
func.func @reduce_kinds(%x: tensor<?x4xi32>, %y: tensor<3x?xf16>) -> (tensor<?xi32>, tensor<?xi32>, tensor<?xi32>, tensor<3xf16>, tensor<3xf16>, tensor<3xf16>, tensor<3xf16>, tensor<3x1xf16>, tensor<f16>) {
  %0 = autoglm.reduce min %x {axes = array<i64: 1>} : (tensor<?x4xi32>) -> tensor<?xi32>
  %1 = autoglm.reduce prod %x {axes = array<i64: 1>} : (tensor<?x4xi32>) -> tensor<?xi32>
  %2 = autoglm.reduce l1 %x {axes = array<i64: 1>} : (tensor<?x4xi32>) -> tensor<?xi32>
  %3 = autoglm.reduce l2 %y {axes = array<i64: 1>} : (tensor<3x?xf16>) -> tensor<3xf16>
  %4 = autoglm.reduce log_sum %y {axes = array<i64: 1>} : (tensor<3x?xf16>) -> tensor<3xf16>
  %5 = autoglm.reduce log_sum_exp %y {axes = array<i64: 1>} : (tensor<3x?xf16>) -> tensor<3xf16>
  %6 = autoglm.reduce sum_square %y {axes = array<i64: 1>} : (tensor<3x?xf16>) -> tensor<3xf16>
  %7 = autoglm.reduce sum %y {axes = array<i64: 1>, keepdims} : (tensor<3x?xf16>) -> tensor<3x1xf16>
  %8 = autoglm.reduce sum %y {axes = array<i64: 0, 1>} : (tensor<3x?xf16>) -> tensor<f16>
  return %0, %1, %2, %3, %4, %5, %6, %7, %8 : tensor<?xi32>, tensor<?xi32>, tensor<?xi32>, tensor<3xf16>, tensor<3xf16>, tensor<3xf16>, tensor<3xf16>, tensor<3x1xf16>, tensor<f16>
}

// CHECK-LABEL: func.func @arg_reduce(
// CHECK-SAME:  %arg0: tensor<2x?x5xf32>, %arg1: tensor<7xui8>) -> (tensor<2x5xi64>, tensor<2x?x1xi64>, tensor<i64>) {
// CHECK-NEXT:    %0 = autoglm.arg_reduce argmax %arg0 {axis = 1 : i64} : (tensor<2x?x5xf32>) -> tensor<2x5xi64>
// CHECK-NEXT:    %1 = autoglm.arg_reduce argmin %arg0 {axis = 2 : i64, keepdims, select_last_index} : (tensor<2x?x5xf32>) -> tensor<2x?x1xi64>
// CHECK-NEXT:    %2 = autoglm.arg_reduce argmax %arg1 {axis = 0 : i64} : (tensor<7xui8>) -> tensor<i64>
// CHECK-NEXT:    return %0, %1, %2 : tensor<2x5xi64>, tensor<2x?x1xi64>, tensor<i64>
func.func @arg_reduce(%x: tensor<2x?x5xf32>, %y: tensor<7xui8>) -> (tensor<2x5xi64>, tensor<2x?x1xi64>, tensor<i64>) {
  %0 = autoglm.arg_reduce argmax %x {axis = 1 : i64} : (tensor<2x?x5xf32>) -> tensor<2x5xi64>
  %1 = autoglm.arg_reduce argmin %x {axis = 2 : i64, keepdims, select_last_index} : (tensor<2x?x5xf32>) -> tensor<2x?x1xi64>
  %2 = autoglm.arg_reduce argmax %y {axis = 0 : i64} : (tensor<7xui8>) -> tensor<i64>
  return %0, %1, %2 : tensor<2x5xi64>, tensor<2x?x1xi64>, tensor<i64>
}

// CHECK-LABEL: func.func @cumsum(
// CHECK-SAME:  %arg0: tensor<4x?xf32>, %arg1: tensor<8xi64>) -> (tensor<4x?xf32>, tensor<4x?xf32>, tensor<8xi64>) {
// CHECK-NEXT:    %0 = autoglm.cumsum %arg0 {axis = 1 : i64} : tensor<4x?xf32>
// CHECK-NEXT:    %1 = autoglm.cumsum %arg0 {axis = 0 : i64, exclusive, reverse} : tensor<4x?xf32>
// CHECK-NEXT:    %2 = autoglm.cumsum %arg1 {axis = 0 : i64, exclusive} : tensor<8xi64>
// CHECK-NEXT:    return %0, %1, %2 : tensor<4x?xf32>, tensor<4x?xf32>, tensor<8xi64>
func.func @cumsum(%x: tensor<4x?xf32>, %y: tensor<8xi64>) -> (tensor<4x?xf32>, tensor<4x?xf32>, tensor<8xi64>) {
  %0 = autoglm.cumsum %x {axis = 1 : i64} : tensor<4x?xf32>
  %1 = autoglm.cumsum %x {axis = 0 : i64, exclusive, reverse} : tensor<4x?xf32>
  %2 = autoglm.cumsum %y {axis = 0 : i64, exclusive} : tensor<8xi64>
  return %0, %1, %2 : tensor<4x?xf32>, tensor<4x?xf32>, tensor<8xi64>
}

// CHECK-LABEL: func.func @softmax(
// CHECK-SAME:  %arg0: tensor<2x?x16xf32>) -> (tensor<2x?x16xf32>, tensor<2x?x16xf32>) {
// CHECK-NEXT:    %0 = autoglm.softmax %arg0 {axis = 2 : i64} : tensor<2x?x16xf32>
// CHECK-NEXT:    %1 = autoglm.softmax %arg0 {axis = 1 : i64, log} : tensor<2x?x16xf32>
// CHECK-NEXT:    return %0, %1 : tensor<2x?x16xf32>, tensor<2x?x16xf32>
func.func @softmax(%x: tensor<2x?x16xf32>) -> (tensor<2x?x16xf32>, tensor<2x?x16xf32>) {
  %0 = autoglm.softmax %x {axis = 2 : i64} : tensor<2x?x16xf32>
  %1 = autoglm.softmax %x {axis = 1 : i64, log} : tensor<2x?x16xf32>
  return %0, %1 : tensor<2x?x16xf32>, tensor<2x?x16xf32>
}

// CHECK-LABEL: func.func @layer_norm(
// CHECK-SAME:  %arg0: tensor<2x?x768xf32>, %arg1: tensor<768xf32>, %arg2: tensor<768xf32>, %arg3: tensor<1x768xf32>) -> (tensor<2x?x768xf32>, tensor<2x?x768xf32>, tensor<2x?x768xf32>, tensor<2x?x768xf32>) {
// CHECK-NEXT:    %0 = autoglm.layer_norm %arg0, %arg1, %arg2 {axis = 2 : i64} : (tensor<2x?x768xf32>, tensor<768xf32>, tensor<768xf32>) -> tensor<2x?x768xf32>
// CHECK-NEXT:    %1 = autoglm.layer_norm %arg0, %arg1 {axis = 2 : i64, epsilon = 9.9999999999999995E-7 : f64, rms} : (tensor<2x?x768xf32>, tensor<768xf32>) -> tensor<2x?x768xf32>
// CHECK-NEXT:    %2 = autoglm.layer_norm %arg0, %arg3, %arg2 {axis = 1 : i64} : (tensor<2x?x768xf32>, tensor<1x768xf32>, tensor<768xf32>) -> tensor<2x?x768xf32>
// CHECK-NEXT:    %3 = autoglm.layer_norm %arg0, %arg1 {axis = 2 : i64} : (tensor<2x?x768xf32>, tensor<768xf32>) -> tensor<2x?x768xf32>
// CHECK-NEXT:    return %0, %1, %2, %3 : tensor<2x?x768xf32>, tensor<2x?x768xf32>, tensor<2x?x768xf32>, tensor<2x?x768xf32>
func.func @layer_norm(%x: tensor<2x?x768xf32>, %s: tensor<768xf32>, %b: tensor<768xf32>, %s2: tensor<1x768xf32>) -> (tensor<2x?x768xf32>, tensor<2x?x768xf32>, tensor<2x?x768xf32>, tensor<2x?x768xf32>) {
  %0 = autoglm.layer_norm %x, %s, %b {axis = 2 : i64} : (tensor<2x?x768xf32>, tensor<768xf32>, tensor<768xf32>) -> tensor<2x?x768xf32>
  %1 = autoglm.layer_norm %x, %s {axis = 2 : i64, epsilon = 9.9999999999999995E-7 : f64, rms} : (tensor<2x?x768xf32>, tensor<768xf32>) -> tensor<2x?x768xf32>
  // Normalizing over the last two dimensions; the scale broadcasts to them.
  %2 = autoglm.layer_norm %x, %s2, %b {axis = 1 : i64} : (tensor<2x?x768xf32>, tensor<1x768xf32>, tensor<768xf32>) -> tensor<2x?x768xf32>
  // An explicit default epsilon is elided.
  %3 = autoglm.layer_norm %x, %s {axis = 2 : i64, epsilon = 1.000000e-05 : f64} : (tensor<2x?x768xf32>, tensor<768xf32>) -> tensor<2x?x768xf32>
  return %0, %1, %2, %3 : tensor<2x?x768xf32>, tensor<2x?x768xf32>, tensor<2x?x768xf32>, tensor<2x?x768xf32>
}

// CHECK-LABEL: func.func @batch_norm(
// CHECK-SAME:  %arg0: tensor<?x16x8x8xf16>, %arg1: tensor<16xf16>, %arg2: tensor<16xf16>, %arg3: tensor<16xf16>, %arg4: tensor<?xf16>, %arg5: tensor<4x3xf64>, %arg6: tensor<3xf64>) -> (tensor<?x16x8x8xf16>, tensor<4x3xf64>) {
// CHECK-NEXT:    %0 = autoglm.batch_norm %arg0, %arg1, %arg2, %arg3, %arg4 : (tensor<?x16x8x8xf16>, tensor<16xf16>, tensor<16xf16>, tensor<16xf16>, tensor<?xf16>) -> tensor<?x16x8x8xf16>
// CHECK-NEXT:    %1 = autoglm.batch_norm %arg5, %arg6, %arg6, %arg6, %arg6 {epsilon = 1.000000e-03 : f64} : (tensor<4x3xf64>, tensor<3xf64>, tensor<3xf64>, tensor<3xf64>, tensor<3xf64>) -> tensor<4x3xf64>
// CHECK-NEXT:    return %0, %1 : tensor<?x16x8x8xf16>, tensor<4x3xf64>
func.func @batch_norm(%x: tensor<?x16x8x8xf16>, %s: tensor<16xf16>, %b: tensor<16xf16>, %m: tensor<16xf16>, %v: tensor<?xf16>, %y: tensor<4x3xf64>, %p: tensor<3xf64>) -> (tensor<?x16x8x8xf16>, tensor<4x3xf64>) {
  %0 = autoglm.batch_norm %x, %s, %b, %m, %v : (tensor<?x16x8x8xf16>, tensor<16xf16>, tensor<16xf16>, tensor<16xf16>, tensor<?xf16>) -> tensor<?x16x8x8xf16>
  %1 = autoglm.batch_norm %y, %p, %p, %p, %p {epsilon = 1.000000e-03 : f64} : (tensor<4x3xf64>, tensor<3xf64>, tensor<3xf64>, tensor<3xf64>, tensor<3xf64>) -> tensor<4x3xf64>
  return %0, %1 : tensor<?x16x8x8xf16>, tensor<4x3xf64>
}
