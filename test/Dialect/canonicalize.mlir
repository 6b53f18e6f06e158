// RUN: autoglm-opt %s --canonicalize | FileCheck %s

// Folders of the autoglm ops: algebraic identities (x+0, 0+x with -0.0 for
// floats, x-0, x*1, 1*x, x/1), identity cast / transpose / concat / slice / reshape, reshape of
// reshape, reshape of a constant, shape_of of a static tensor, fill without
// a shape operand. Each has cases that must not fold: a broadcast that
// changes the type, a non-splat or non-identity constant, a result type more
// static than the value that would replace it, dynamic shapes.

// CHECK-LABEL: func.func @add_zero(
// CHECK-SAME:  %arg0: tensor<2x4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>) {
// CHECK-NEXT:    return %arg0, %arg0 : tensor<2x4xf32>, tensor<2x4xf32>
func.func @add_zero(%x: tensor<2x4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>) {
  %zero = autoglm.constant dense<-0.000000e+00> : tensor<4xf32>
  %0 = autoglm.add %x, %zero : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %1 = autoglm.add %zero, %x : (tensor<4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
  return %0, %1 : tensor<2x4xf32>, tensor<2x4xf32>
}

// x + (+0.0) is not x when x is -0.0 (the sum is +0.0): kept for floats.
// CHECK-LABEL: func.func @add_positive_zero_float(
// CHECK-NEXT:    %0 = autoglm.constant dense<0.000000e+00> : tensor<4xf32>
// CHECK-NEXT:    %1 = autoglm.add %arg0, %0 : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT:    return %1 : tensor<4xf32>
func.func @add_positive_zero_float(%x: tensor<4xf32>) -> tensor<4xf32> {
  %zero = autoglm.constant dense<0.000000e+00> : tensor<4xf32>
  %0 = autoglm.add %x, %zero : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// CHECK-LABEL: func.func @add_zero_int(
// CHECK-SAME:  %arg0: tensor<?xi32>) -> tensor<?xi32> {
// CHECK-NEXT:    return %arg0 : tensor<?xi32>
func.func @add_zero_int(%x: tensor<?xi32>) -> tensor<?xi32> {
  %zero = autoglm.constant dense<0> : tensor<1xi32>
  %0 = autoglm.add %x, %zero : (tensor<?xi32>, tensor<1xi32>) -> tensor<?xi32>
  return %0 : tensor<?xi32>
}

// Adding zeros that broadcast `x` to a larger shape changes the type: kept.
// CHECK-LABEL: func.func @add_zero_broadcasting(
// CHECK-SAME:  %arg0: tensor<4xf32>) -> tensor<2x4xf32> {
// CHECK-NEXT:    %0 = autoglm.constant dense<0.000000e+00> : tensor<2x4xf32>
// CHECK-NEXT:    %1 = autoglm.add %arg0, %0 : (tensor<4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
// CHECK-NEXT:    return %1 : tensor<2x4xf32>
func.func @add_zero_broadcasting(%x: tensor<4xf32>) -> tensor<2x4xf32> {
  %zero = autoglm.constant dense<0.000000e+00> : tensor<2x4xf32>
  %0 = autoglm.add %x, %zero : (tensor<4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// Not folded: the constant is not a splat of zero, or the sum is more static
// than `x`.
// CHECK-LABEL: func.func @add_not_zero(
// CHECK-SAME:  %arg0: tensor<2xf32>, %arg1: tensor<?xf32>) -> (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) {
// CHECK-NEXT:    %0 = autoglm.constant dense<[0.000000e+00, 1.000000e+00]> : tensor<2xf32>
// CHECK-NEXT:    %1 = autoglm.constant dense<0.000000e+00> : tensor<2xf32>
// CHECK-NEXT:    %2 = autoglm.add %arg0, %0 : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
// CHECK-NEXT:    %3 = autoglm.add %arg1, %1 : (tensor<?xf32>, tensor<2xf32>) -> tensor<2xf32>
// CHECK-NEXT:    %4 = autoglm.add %arg0, %arg0 : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
// CHECK-NEXT:    return %2, %3, %4 : tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
func.func @add_not_zero(%x: tensor<2xf32>, %y: tensor<?xf32>) -> (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) {
  %c = autoglm.constant dense<[0.000000e+00, 1.000000e+00]> : tensor<2xf32>
  %zero = autoglm.constant dense<0.000000e+00> : tensor<2xf32>
  %0 = autoglm.add %x, %c : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %1 = autoglm.add %y, %zero : (tensor<?xf32>, tensor<2xf32>) -> tensor<2xf32>
  %2 = autoglm.add %x, %x : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %0, %1, %2 : tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
}

// CHECK-LABEL: func.func @sub_zero(
// CHECK-SAME:  %arg0: tensor<3xf16>) -> (tensor<3xf16>, tensor<3xf16>) {
// CHECK-NEXT:    %0 = autoglm.constant dense<0.000000e+00> : tensor<f16>
// CHECK-NEXT:    %1 = autoglm.sub %0, %arg0 : (tensor<f16>, tensor<3xf16>) -> tensor<3xf16>
// CHECK-NEXT:    return %arg0, %1 : tensor<3xf16>, tensor<3xf16>
func.func @sub_zero(%x: tensor<3xf16>) -> (tensor<3xf16>, tensor<3xf16>) {
  %zero = autoglm.constant dense<0.000000e+00> : tensor<f16>
  %0 = autoglm.sub %x, %zero : (tensor<3xf16>, tensor<f16>) -> tensor<3xf16>
  // 0 - x is -x, not x.
  %1 = autoglm.sub %zero, %x : (tensor<f16>, tensor<3xf16>) -> tensor<3xf16>
  return %0, %1 : tensor<3xf16>, tensor<3xf16>
}

// CHECK-LABEL: func.func @mul_one(
// CHECK-SAME:  %arg0: tensor<2x4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>) {
// CHECK-NEXT:    %0 = autoglm.constant dense<2.000000e+00> : tensor<f32>
// CHECK-NEXT:    %1 = autoglm.mul %arg0, %0 : (tensor<2x4xf32>, tensor<f32>) -> tensor<2x4xf32>
// CHECK-NEXT:    return %arg0, %arg0, %1 : tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>
func.func @mul_one(%x: tensor<2x4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>) {
  %one = autoglm.constant dense<1.000000e+00> : tensor<f32>
  %two = autoglm.constant dense<2.000000e+00> : tensor<f32>
  %0 = autoglm.mul %x, %one : (tensor<2x4xf32>, tensor<f32>) -> tensor<2x4xf32>
  %1 = autoglm.mul %one, %x : (tensor<f32>, tensor<2x4xf32>) -> tensor<2x4xf32>
  %2 = autoglm.mul %x, %two : (tensor<2x4xf32>, tensor<f32>) -> tensor<2x4xf32>
  return %0, %1, %2 : tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>
}

// CHECK-LABEL: func.func @mul_one_int(
// CHECK-SAME:  %arg0: tensor<4xi64>) -> (tensor<4xi64>, tensor<2x4xi64>) {
// CHECK-NEXT:    %0 = autoglm.constant dense<1> : tensor<2x4xi64>
// CHECK-NEXT:    %1 = autoglm.mul %arg0, %0 : (tensor<4xi64>, tensor<2x4xi64>) -> tensor<2x4xi64>
// CHECK-NEXT:    return %arg0, %1 : tensor<4xi64>, tensor<2x4xi64>
func.func @mul_one_int(%x: tensor<4xi64>) -> (tensor<4xi64>, tensor<2x4xi64>) {
  %one = autoglm.constant dense<1> : tensor<4xi64>
  %ones = autoglm.constant dense<1> : tensor<2x4xi64>
  %0 = autoglm.mul %x, %one : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  // Broadcasts: kept.
  %1 = autoglm.mul %x, %ones : (tensor<4xi64>, tensor<2x4xi64>) -> tensor<2x4xi64>
  return %0, %1 : tensor<4xi64>, tensor<2x4xi64>
}

// CHECK-LABEL: func.func @div_one(
// CHECK-SAME:  %arg0: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
// CHECK-NEXT:    %0 = autoglm.constant dense<1.000000e+00> : tensor<4xf32>
// CHECK-NEXT:    %1 = autoglm.div %0, %arg0 : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT:    return %arg0, %1 : tensor<4xf32>, tensor<4xf32>
func.func @div_one(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %one = autoglm.constant dense<1.000000e+00> : tensor<4xf32>
  %0 = autoglm.div %x, %one : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  // 1 / x is not x.
  %1 = autoglm.div %one, %x : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}

// CHECK-LABEL: func.func @cast_identity(
// CHECK-SAME:  %arg0: tensor<?x4xf32>) -> (tensor<?x4xf32>, tensor<?x4xf16>, tensor<2x4xf32>) {
// CHECK-NEXT:    %0 = autoglm.cast %arg0 : tensor<?x4xf32> to tensor<?x4xf16>
// CHECK-NEXT:    %1 = autoglm.cast %arg0 : tensor<?x4xf32> to tensor<2x4xf32>
// CHECK-NEXT:    return %arg0, %0, %1 : tensor<?x4xf32>, tensor<?x4xf16>, tensor<2x4xf32>
func.func @cast_identity(%x: tensor<?x4xf32>) -> (tensor<?x4xf32>, tensor<?x4xf16>, tensor<2x4xf32>) {
  %0 = autoglm.cast %x : tensor<?x4xf32> to tensor<?x4xf32>
  %1 = autoglm.cast %x : tensor<?x4xf32> to tensor<?x4xf16>
  // Same element type, more static shape: a different type, kept.
  %2 = autoglm.cast %x : tensor<?x4xf32> to tensor<2x4xf32>
  return %0, %1, %2 : tensor<?x4xf32>, tensor<?x4xf16>, tensor<2x4xf32>
}

// CHECK-LABEL: func.func @transpose_identity(
// CHECK-SAME:  %arg0: tensor<2x?x4xf32>) -> (tensor<2x?x4xf32>, tensor<4x?x2xf32>) {
// CHECK-NEXT:    %0 = autoglm.transpose %arg0, [2, 1, 0] : (tensor<2x?x4xf32>) -> tensor<4x?x2xf32>
// CHECK-NEXT:    return %arg0, %0 : tensor<2x?x4xf32>, tensor<4x?x2xf32>
func.func @transpose_identity(%x: tensor<2x?x4xf32>) -> (tensor<2x?x4xf32>, tensor<4x?x2xf32>) {
  %0 = autoglm.transpose %x, [0, 1, 2] : (tensor<2x?x4xf32>) -> tensor<2x?x4xf32>
  %1 = autoglm.transpose %x, [2, 1, 0] : (tensor<2x?x4xf32>) -> tensor<4x?x2xf32>
  return %0, %1 : tensor<2x?x4xf32>, tensor<4x?x2xf32>
}

// Regression: an identity permutation whose result is more static than its
// input was replaced by the input, which has a different type.
// CHECK-LABEL: func.func @transpose_identity_refined(
// CHECK-SAME:  %arg0: tensor<?x4xf32>) -> tensor<2x4xf32> {
// CHECK-NEXT:    %0 = autoglm.transpose %arg0, [0, 1] : (tensor<?x4xf32>) -> tensor<2x4xf32>
// CHECK-NEXT:    return %0 : tensor<2x4xf32>
func.func @transpose_identity_refined(%x: tensor<?x4xf32>) -> tensor<2x4xf32> {
  %0 = autoglm.transpose %x, [0, 1] : (tensor<?x4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// CHECK-LABEL: func.func @concat_single(
// CHECK-SAME:  %arg0: tensor<2x3xf32>, %arg1: tensor<?x3xf32>) -> (tensor<2x3xf32>, tensor<4x3xf32>, tensor<2x3xf32>) {
// CHECK-NEXT:    %0 = autoglm.concat %arg0, %arg0 {axis = 0 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
// CHECK-NEXT:    %1 = autoglm.concat %arg1 {axis = 1 : i64} : (tensor<?x3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT:    return %arg0, %0, %1 : tensor<2x3xf32>, tensor<4x3xf32>, tensor<2x3xf32>
func.func @concat_single(%x: tensor<2x3xf32>, %y: tensor<?x3xf32>) -> (tensor<2x3xf32>, tensor<4x3xf32>, tensor<2x3xf32>) {
  %0 = autoglm.concat %x {axis = 0 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %1 = autoglm.concat %x, %x {axis = 0 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
  %2 = autoglm.concat %y {axis = 1 : i64} : (tensor<?x3xf32>) -> tensor<2x3xf32>
  return %0, %1, %2 : tensor<2x3xf32>, tensor<4x3xf32>, tensor<2x3xf32>
}

// CHECK-LABEL: func.func @slice_identity(
// CHECK-SAME:  %arg0: tensor<4x10xf32>, %arg1: tensor<?x10xf32>) -> (tensor<4x10xf32>, tensor<2x10xf32>, tensor<4x10xf32>, tensor<?x10xf32>) {
// CHECK-NEXT:    %0 = autoglm.slice %arg0 {ends = array<i64: 4, 10>, starts = array<i64: 0, 0>, steps = array<i64: 2, 1>} : (tensor<4x10xf32>) -> tensor<2x10xf32>
// CHECK-NEXT:    %1 = autoglm.slice %arg0 {ends = array<i64: -1, 10>, starts = array<i64: 3, 0>, steps = array<i64: -1, 1>} : (tensor<4x10xf32>) -> tensor<4x10xf32>
// CHECK-NEXT:    %2 = autoglm.slice %arg1 {ends = array<i64: 5, 10>, starts = array<i64: 0, 0>, steps = array<i64: 1, 1>} : (tensor<?x10xf32>) -> tensor<?x10xf32>
// CHECK-NEXT:    return %arg0, %0, %1, %2 : tensor<4x10xf32>, tensor<2x10xf32>, tensor<4x10xf32>, tensor<?x10xf32>
func.func @slice_identity(%x: tensor<4x10xf32>, %y: tensor<?x10xf32>) -> (tensor<4x10xf32>, tensor<2x10xf32>, tensor<4x10xf32>, tensor<?x10xf32>) {
  %0 = autoglm.slice %x {ends = array<i64: 4, 10>, starts = array<i64: 0, 0>, steps = array<i64: 1, 1>} : (tensor<4x10xf32>) -> tensor<4x10xf32>
  %1 = autoglm.slice %x {ends = array<i64: 4, 10>, starts = array<i64: 0, 0>, steps = array<i64: 2, 1>} : (tensor<4x10xf32>) -> tensor<2x10xf32>
  // A full backward slice reverses the dimension.
  %2 = autoglm.slice %x {ends = array<i64: -1, 10>, starts = array<i64: 3, 0>, steps = array<i64: -1, 1>} : (tensor<4x10xf32>) -> tensor<4x10xf32>
  // Whether [0, 5) covers a dynamic dimension is unknown.
  %3 = autoglm.slice %y {ends = array<i64: 5, 10>, starts = array<i64: 0, 0>, steps = array<i64: 1, 1>} : (tensor<?x10xf32>) -> tensor<?x10xf32>
  return %0, %1, %2, %3 : tensor<4x10xf32>, tensor<2x10xf32>, tensor<4x10xf32>, tensor<?x10xf32>
}

// CHECK-LABEL: func.func @reshape_identity(
// CHECK-SAME:  %arg0: tensor<2x3xf32>, %arg1: tensor<2xi64>) -> (tensor<2x3xf32>, tensor<?x?xf32>) {
// CHECK-NEXT:    %0 = autoglm.reshape %arg0, %arg1 : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<?x?xf32>
// CHECK-NEXT:    return %arg0, %0 : tensor<2x3xf32>, tensor<?x?xf32>
func.func @reshape_identity(%x: tensor<2x3xf32>, %s: tensor<2xi64>) -> (tensor<2x3xf32>, tensor<?x?xf32>) {
  %0 = autoglm.reshape %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // A run-time shape is never folded.
  %1 = autoglm.reshape %x, %s : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return %0, %1 : tensor<2x3xf32>, tensor<?x?xf32>
}

// CHECK-LABEL: func.func @reshape_reshape(
// CHECK-SAME:  %arg0: tensor<2x3x4xf32>, %arg1: tensor<?x4xf32>) -> (tensor<4x6xf32>, tensor<2x3x4xf32>, tensor<?x2x2xf32>) {
// CHECK-NEXT:    %0 = autoglm.reshape %arg0 : (tensor<2x3x4xf32>) -> tensor<4x6xf32>
// CHECK-NEXT:    %1 = autoglm.reshape %arg1 : (tensor<?x4xf32>) -> tensor<?x2x2xf32>
// CHECK-NEXT:    return %0, %arg0, %1 : tensor<4x6xf32>, tensor<2x3x4xf32>, tensor<?x2x2xf32>
func.func @reshape_reshape(%x: tensor<2x3x4xf32>, %y: tensor<?x4xf32>) -> (tensor<4x6xf32>, tensor<2x3x4xf32>, tensor<?x2x2xf32>) {
  %0 = autoglm.reshape %x : (tensor<2x3x4xf32>) -> tensor<24xf32>
  %1 = autoglm.reshape %0 : (tensor<24xf32>) -> tensor<4x6xf32>
  // Back to the original type: both fold away.
  %2 = autoglm.reshape %1 : (tensor<4x6xf32>) -> tensor<2x3x4xf32>
  %3 = autoglm.reshape %y : (tensor<?x4xf32>) -> tensor<?xf32>
  %4 = autoglm.reshape %3 : (tensor<?xf32>) -> tensor<?x2x2xf32>
  return %1, %2, %4 : tensor<4x6xf32>, tensor<2x3x4xf32>, tensor<?x2x2xf32>
}

// Regression: a dynamic intermediate type hid that the combined reshape
// (12 -> 6 elements) is not one the verifier accepts; folding produced
// invalid IR. A valid pair through `?` still folds.
// CHECK-LABEL: func.func @reshape_reshape_through_dynamic(
// CHECK-SAME:  %arg0: tensor<12xf32>) -> (tensor<6xf32>, tensor<3x4xf32>) {
// CHECK-NEXT:    %0 = autoglm.reshape %arg0 : (tensor<12xf32>) -> tensor<?xf32>
// CHECK-NEXT:    %1 = autoglm.reshape %0 : (tensor<?xf32>) -> tensor<6xf32>
// CHECK-NEXT:    %2 = autoglm.reshape %arg0 : (tensor<12xf32>) -> tensor<3x4xf32>
// CHECK-NEXT:    return %1, %2 : tensor<6xf32>, tensor<3x4xf32>
func.func @reshape_reshape_through_dynamic(%x: tensor<12xf32>) -> (tensor<6xf32>, tensor<3x4xf32>) {
  %0 = autoglm.reshape %x : (tensor<12xf32>) -> tensor<?xf32>
  %1 = autoglm.reshape %0 : (tensor<?xf32>) -> tensor<6xf32>
  %2 = autoglm.reshape %x : (tensor<12xf32>) -> tensor<?x4xf32>
  %3 = autoglm.reshape %2 : (tensor<?x4xf32>) -> tensor<3x4xf32>
  return %1, %3 : tensor<6xf32>, tensor<3x4xf32>
}

// A reshape with a run-time shape is not merged into the one that uses it.
// CHECK-LABEL: func.func @reshape_of_dynamic_reshape(
// CHECK-SAME:  %arg0: tensor<2x3xf32>, %arg1: tensor<2xi64>) -> tensor<6xf32> {
// CHECK-NEXT:    %0 = autoglm.reshape %arg0, %arg1 : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<?x?xf32>
// CHECK-NEXT:    %1 = autoglm.reshape %0 : (tensor<?x?xf32>) -> tensor<6xf32>
// CHECK-NEXT:    return %1 : tensor<6xf32>
func.func @reshape_of_dynamic_reshape(%x: tensor<2x3xf32>, %s: tensor<2xi64>) -> tensor<6xf32> {
  %0 = autoglm.reshape %x, %s : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  %1 = autoglm.reshape %0 : (tensor<?x?xf32>) -> tensor<6xf32>
  return %1 : tensor<6xf32>
}

// CHECK-LABEL: func.func @reshape_constant(
// CHECK-SAME:  ) -> (tensor<2x2xi32>, tensor<?xi32>, tensor<4x2xf32>) {
// CHECK-NEXT:    %0 = autoglm.constant dense_resource<blob> : tensor<8xf32>
// CHECK-NEXT:    %1 = autoglm.constant dense<[1, 2, 3, 4]> : tensor<4xi32>
// CHECK-NEXT:    %2 = autoglm.constant dense<{{\[\[}}1, 2], [3, 4]]> : tensor<2x2xi32>
// CHECK-NEXT:    %3 = autoglm.reshape %1 : (tensor<4xi32>) -> tensor<?xi32>
// CHECK-NEXT:    %4 = autoglm.reshape %0 : (tensor<8xf32>) -> tensor<4x2xf32>
// CHECK-NEXT:    return %2, %3, %4 : tensor<2x2xi32>, tensor<?xi32>, tensor<4x2xf32>
func.func @reshape_constant() -> (tensor<2x2xi32>, tensor<?xi32>, tensor<4x2xf32>) {
  %c = autoglm.constant dense<[1, 2, 3, 4]> : tensor<4xi32>
  %0 = autoglm.reshape %c : (tensor<4xi32>) -> tensor<2x2xi32>
  // No constant of a dynamic type.
  %1 = autoglm.reshape %c : (tensor<4xi32>) -> tensor<?xi32>
  %r = autoglm.constant dense_resource<blob> : tensor<8xf32>
  // Resource-backed values are not copied.
  %2 = autoglm.reshape %r : (tensor<8xf32>) -> tensor<4x2xf32>
  return %0, %1, %2 : tensor<2x2xi32>, tensor<?xi32>, tensor<4x2xf32>
}

// CHECK-LABEL: func.func @shape_of(
// CHECK-SAME:  %arg0: tensor<2x3xf32>, %arg1: tensor<?x3xf32>, %arg2: tensor<f32>) -> (tensor<2xi64>, tensor<2xi64>, tensor<0xi64>) {
// CHECK-NEXT:    %0 = autoglm.constant dense<> : tensor<0xi64>
// CHECK-NEXT:    %1 = autoglm.constant dense<[2, 3]> : tensor<2xi64>
// CHECK-NEXT:    %2 = autoglm.shape_of %arg1 : (tensor<?x3xf32>) -> tensor<2xi64>
// CHECK-NEXT:    return %1, %2, %0 : tensor<2xi64>, tensor<2xi64>, tensor<0xi64>
func.func @shape_of(%x: tensor<2x3xf32>, %y: tensor<?x3xf32>, %z: tensor<f32>) -> (tensor<2xi64>, tensor<2xi64>, tensor<0xi64>) {
  %0 = autoglm.shape_of %x : (tensor<2x3xf32>) -> tensor<2xi64>
  %1 = autoglm.shape_of %y : (tensor<?x3xf32>) -> tensor<2xi64>
  %2 = autoglm.shape_of %z : (tensor<f32>) -> tensor<0xi64>
  return %0, %1, %2 : tensor<2xi64>, tensor<2xi64>, tensor<0xi64>
}

// Regression: a result declared tensor<?xi64> was folded into a constant of
// that dynamic type.
// CHECK-LABEL: func.func @shape_of_dynamic_result(
// CHECK-SAME:  %arg0: tensor<2x3xf32>) -> tensor<?xi64> {
// CHECK-NEXT:    %0 = autoglm.shape_of %arg0 : (tensor<2x3xf32>) -> tensor<?xi64>
// CHECK-NEXT:    return %0 : tensor<?xi64>
func.func @shape_of_dynamic_result(%x: tensor<2x3xf32>) -> tensor<?xi64> {
  %0 = autoglm.shape_of %x : (tensor<2x3xf32>) -> tensor<?xi64>
  return %0 : tensor<?xi64>
}

// CHECK-LABEL: func.func @fill(
// CHECK-SAME:  %arg0: tensor<2xi64>) -> (tensor<2x3xf32>, tensor<4xi1>, tensor<?x?xf32>) {
// CHECK-NEXT:    %0 = autoglm.constant dense<1.500000e+00> : tensor<2x3xf32>
// CHECK-NEXT:    %1 = autoglm.constant dense<true> : tensor<4xi1>
// CHECK-NEXT:    %2 = autoglm.fill %arg0 {value = 0.000000e+00 : f32} : (tensor<2xi64>) -> tensor<?x?xf32>
// CHECK-NEXT:    return %0, %1, %2 : tensor<2x3xf32>, tensor<4xi1>, tensor<?x?xf32>
func.func @fill(%s: tensor<2xi64>) -> (tensor<2x3xf32>, tensor<4xi1>, tensor<?x?xf32>) {
  %0 = autoglm.fill {value = 1.500000e+00 : f32} : () -> tensor<2x3xf32>
  %1 = autoglm.fill {value = true} : () -> tensor<4xi1>
  %2 = autoglm.fill %s {value = 0.000000e+00 : f32} : (tensor<2xi64>) -> tensor<?x?xf32>
  return %0, %1, %2 : tensor<2x3xf32>, tensor<4xi1>, tensor<?x?xf32>
}

{-#
  dialect_resources: {
    builtin: {
      blob: "0x04000000000000000000000000000000000000000000000000000000000000000000000000"
    }
  }
#-}
