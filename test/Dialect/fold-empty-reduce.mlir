// RUN: autoglm-opt %s --canonicalize | FileCheck %s

// A reduction over no elements folds to the value of the empty set: 0 for
// sum, 1 for prod, -inf for max, +inf for min, NaN for mean, the type's
// extremes for integer max/min. A reduction with elements is kept.

// CHECK-LABEL: func.func @empty(
// CHECK-DAG: %[[SUM:.*]] = autoglm.constant dense<0.000000e+00> : tensor<2x1x4xf32>
// CHECK-DAG: %[[PROD:.*]] = autoglm.constant dense<1.000000e+00> : tensor<2x4xf32>
// CHECK-DAG: %[[MAX:.*]] = autoglm.constant dense<0xFF800000> : tensor<2x4xf32>
// CHECK-DAG: %[[MIN:.*]] = autoglm.constant dense<0x7F800000> : tensor<2x4xf32>
// CHECK-DAG: %[[MEAN:.*]] = autoglm.constant dense<0x7FC00000> : tensor<2x4xf32>
// CHECK-DAG: %[[IMAX:.*]] = autoglm.constant dense<-2147483648> : tensor<2x4xi32>
// CHECK: return %[[SUM]], %[[PROD]], %[[MAX]], %[[MIN]], %[[MEAN]], %[[IMAX]]
func.func @empty(%x: tensor<2x0x4xf32>, %i: tensor<2x0x4xi32>)
    -> (tensor<2x1x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>,
        tensor<2x4xf32>, tensor<2x4xi32>) {
  %0 = autoglm.reduce sum %x {axes = array<i64: 1>, keepdims} : (tensor<2x0x4xf32>) -> tensor<2x1x4xf32>
  %1 = autoglm.reduce prod %x {axes = array<i64: 1>} : (tensor<2x0x4xf32>) -> tensor<2x4xf32>
  %2 = autoglm.reduce max %x {axes = array<i64: 1>} : (tensor<2x0x4xf32>) -> tensor<2x4xf32>
  %3 = autoglm.reduce min %x {axes = array<i64: 1>} : (tensor<2x0x4xf32>) -> tensor<2x4xf32>
  %4 = autoglm.reduce mean %x {axes = array<i64: 1>} : (tensor<2x0x4xf32>) -> tensor<2x4xf32>
  %5 = autoglm.reduce max %i {axes = array<i64: 1>} : (tensor<2x0x4xi32>) -> tensor<2x4xi32>
  return %0, %1, %2, %3, %4, %5 : tensor<2x1x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xi32>
}

// CHECK-LABEL: func.func @not_empty(
// CHECK: autoglm.reduce sum
func.func @not_empty(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  %0 = autoglm.reduce sum %x {axes = array<i64: 1>} : (tensor<2x3xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}
