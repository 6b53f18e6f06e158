// RUN: autoglm-opt %s --split-input-file --autoglm-merge-sibling-matmuls | FileCheck %s --check-prefixes=CHECK,CPU
// RUN: autoglm-opt %s --split-input-file --autoglm-merge-sibling-matmuls="int8" | FileCheck %s --check-prefixes=CHECK,INT8

// Query, key and value projections of one activation: one product of the
// weights side by side (K x (3 + 2 + 3), rows interleaved: row k is
// wq[k], wk[k], wv[k]), each old result a slice of its columns.
// CHECK-LABEL: func.func @qkv(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<5x2xf16>
// CHECK:         %[[W:.+]] = autoglm.constant dense<{{\[\[}}1.000000e+00, 2.000000e+00, 3.000000e+00, 7.000000e+00, 8.000000e+00, 1.100000e+01, 1.200000e+01, 1.300000e+01], [4.000000e+00, 5.000000e+00, 6.000000e+00, 9.000000e+00, 1.000000e+01, 1.400000e+01, 1.500000e+01, 1.600000e+01]]> : tensor<2x8xf16>
// CHECK-NEXT:    %[[P:.+]] = autoglm.matmul %[[X]], %[[W]] {accumulator_type = f32} : (tensor<5x2xf16>, tensor<2x8xf16>) -> tensor<5x8xf32>
// CHECK-NEXT:    %[[Q:.+]] = autoglm.slice %[[P]] {ends = array<i64: 5, 3>, starts = array<i64: 0, 0>, steps = array<i64: 1, 1>}
// CHECK-NEXT:    %[[K:.+]] = autoglm.slice %[[P]] {ends = array<i64: 5, 5>, starts = array<i64: 0, 3>, steps = array<i64: 1, 1>}
// CHECK-NEXT:    %[[V:.+]] = autoglm.slice %[[P]] {ends = array<i64: 5, 8>, starts = array<i64: 0, 5>, steps = array<i64: 1, 1>}
// CHECK-NOT:     autoglm.matmul
// CHECK:         return %[[Q]], %[[K]], %[[V]]
func.func @qkv(%x: tensor<5x2xf16>) -> (tensor<5x3xf32>, tensor<5x2xf32>, tensor<5x3xf32>) {
  %wq = autoglm.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf16>
  %wk = autoglm.constant dense<[[7.0, 8.0], [9.0, 10.0]]> : tensor<2x2xf16>
  %wv = autoglm.constant dense<[[11.0, 12.0, 13.0], [14.0, 15.0, 16.0]]> : tensor<2x3xf16>
  %q = autoglm.matmul %x, %wq {accumulator_type = f32} : (tensor<5x2xf16>, tensor<2x3xf16>) -> tensor<5x3xf32>
  %k = autoglm.matmul %x, %wk {accumulator_type = f32} : (tensor<5x2xf16>, tensor<2x2xf16>) -> tensor<5x2xf32>
  %v = autoglm.matmul %x, %wv {accumulator_type = f32} : (tensor<5x2xf16>, tensor<2x3xf16>) -> tensor<5x3xf32>
  return %q, %k, %v : tensor<5x3xf32>, tensor<5x2xf32>, tensor<5x3xf32>
}

// -----

// What stays apart: products of other inputs, a product whose weights are
// not a constant, products of another accumulator type, and a product
// inside a fused region (its epilogue is there).
// CHECK-LABEL: func.func @apart(
// CHECK-COUNT-4: autoglm.matmul %
// CHECK-NOT:     autoglm.slice
func.func @apart(%x: tensor<5x2xf32>, %y: tensor<5x2xf32>, %w: tensor<2x3xf32>) -> (tensor<5x3xf32>, tensor<5x3xf32>, tensor<5x3xf32>, tensor<5x3xf32>) {
  %c = autoglm.constant dense<1.0> : tensor<2x3xf32>
  %a = autoglm.matmul %x, %c : (tensor<5x2xf32>, tensor<2x3xf32>) -> tensor<5x3xf32>
  %b = autoglm.matmul %y, %c : (tensor<5x2xf32>, tensor<2x3xf32>) -> tensor<5x3xf32>
  %d = autoglm.matmul %x, %w : (tensor<5x2xf32>, tensor<2x3xf32>) -> tensor<5x3xf32>
  %e = autoglm.fused "contraction"(%x, %c) : (tensor<5x2xf32>, tensor<2x3xf32>) -> tensor<5x3xf32> {
  ^bb0(%i: tensor<5x2xf32>, %j: tensor<2x3xf32>):
    %m = autoglm.matmul %i, %j : (tensor<5x2xf32>, tensor<2x3xf32>) -> tensor<5x3xf32>
    autoglm.yield %m : tensor<5x3xf32>
  }
  return %a, %b, %d, %e : tensor<5x3xf32>, tensor<5x3xf32>, tensor<5x3xf32>, tensor<5x3xf32>
}

// -----

// With `int8` (what --precision=int8 --target=cuda asks for), int8
// products of one quantized activation merge too: their int8 weights side
// by side, each old int32 result a slice. Without it they stay apart.
// CHECK-LABEL: func.func @int8(
// INT8:          %[[W:.+]] = autoglm.constant dense<{{\[\[}}1, 2, 5, 6], [3, 4, 7, 8]]> : tensor<2x4xi8>
// INT8-NEXT:     %[[P:.+]] = autoglm.matmul %arg0, %[[W]] : (tensor<5x2xi8>, tensor<2x4xi8>) -> tensor<5x4xi32>
// INT8-NEXT:     autoglm.slice %[[P]] {ends = array<i64: 5, 2>, starts = array<i64: 0, 0>
// INT8-NEXT:     autoglm.slice %[[P]] {ends = array<i64: 5, 4>, starts = array<i64: 0, 2>
// INT8-NOT:      autoglm.matmul
// CPU-COUNT-2:   autoglm.matmul %arg0
// CPU-NOT:       autoglm.slice
func.func @int8(%x: tensor<5x2xi8>) -> (tensor<5x2xi32>, tensor<5x2xi32>) {
  %wq = autoglm.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi8>
  %wk = autoglm.constant dense<[[5, 6], [7, 8]]> : tensor<2x2xi8>
  %q = autoglm.matmul %x, %wq : (tensor<5x2xi8>, tensor<2x2xi8>) -> tensor<5x2xi32>
  %k = autoglm.matmul %x, %wk : (tensor<5x2xi8>, tensor<2x2xi8>) -> tensor<5x2xi32>
  return %q, %k : tensor<5x2xi32>, tensor<5x2xi32>
}
