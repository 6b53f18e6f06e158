// RUN: autoglm-opt %s --split-input-file --autoglm-results-in-place | FileCheck %s

// A result reshaped after it is computed (a decoder's new key rows): the
// allocation becomes the out-parameter seen through the inverse reshape,
// and the copy goes.
// CHECK-LABEL: func.func @collapsed(
// CHECK-SAME: %[[X:.*]]: memref<1x3x1x64xf32>, %[[OUT:.*]]: memref<1x1x192xf32>)
// CHECK-NOT: memref.alloc
// CHECK: %[[ROWS:.*]] = memref.expand_shape %[[OUT]] {{\[\[}}0], [1], [2, 3]] output_shape [1, 1, 3, 64] : memref<1x1x192xf32> into memref<1x1x3x64xf32>
// CHECK: %[[HEADS:.*]] = memref.collapse_shape %[[ROWS]] {{\[\[}}0, 1], [2], [3]] : memref<1x1x3x64xf32> into memref<1x3x64xf32>
// CHECK: %[[AS_ALLOC:.*]] = memref.expand_shape %[[HEADS]] {{\[\[}}0], [1, 2], [3]] output_shape [1, 3, 1, 64] : memref<1x3x64xf32> into memref<1x3x1x64xf32>
// CHECK-NEXT: memref.copy %[[X]], %[[AS_ALLOC]]
// CHECK-NEXT: return
func.func @collapsed(%x: memref<1x3x1x64xf32>, %out: memref<1x1x192xf32>) {
  %alloc = memref.alloc() : memref<1x3x1x64xf32>
  memref.copy %x, %alloc : memref<1x3x1x64xf32> to memref<1x3x1x64xf32>
  %rows = memref.collapse_shape %alloc [[0], [1, 2], [3]] : memref<1x3x1x64xf32> into memref<1x3x64xf32>
  %flat = memref.expand_shape %rows [[0, 1], [2], [3]] output_shape [1, 1, 3, 64] : memref<1x3x64xf32> into memref<1x1x3x64xf32>
  %result = memref.collapse_shape %flat [[0], [1], [2, 3]] : memref<1x1x3x64xf32> into memref<1x1x192xf32>
  memref.copy %result, %out : memref<1x1x192xf32> to memref<1x1x192xf32>
  return
}

// -----

// The allocation is written after the copy: the output holds what it had
// at the copy, so the copy stays.
// CHECK-LABEL: func.func @written_after(
// CHECK: memref.alloc
// CHECK: memref.copy %{{.*}}, %{{.*}} : memref<8xf32> to memref<8xf32>
func.func @written_after(%x: memref<2x4xf32>, %y: memref<2x4xf32>, %out: memref<8xf32>) {
  %alloc = memref.alloc() : memref<2x4xf32>
  memref.copy %x, %alloc : memref<2x4xf32> to memref<2x4xf32>
  %flat = memref.collapse_shape %alloc [[0, 1]] : memref<2x4xf32> into memref<8xf32>
  memref.copy %flat, %out : memref<8xf32> to memref<8xf32>
  memref.copy %y, %alloc : memref<2x4xf32> to memref<2x4xf32>
  return
}

// -----

// A slice of a larger buffer (a value row of a fused Q/K/V product) is not
// the whole allocation: the copy stays.
// CHECK-LABEL: func.func @slice(
// CHECK: memref.alloc
// CHECK: memref.copy %{{.*}}, %{{.*}} : memref<1x4xf32, strided<[8, 1], offset: 4>> to memref<1x4xf32>
func.func @slice(%x: memref<1x8xf32>, %out: memref<1x4xf32>) {
  %alloc = memref.alloc() : memref<1x8xf32>
  memref.copy %x, %alloc : memref<1x8xf32> to memref<1x8xf32>
  %part = memref.subview %alloc[0, 4] [1, 4] [1, 1] : memref<1x8xf32> to memref<1x4xf32, strided<[8, 1], offset: 4>>
  memref.copy %part, %out : memref<1x4xf32, strided<[8, 1], offset: 4>> to memref<1x4xf32>
  return
}

// -----

// The same value returned twice: the last output takes the allocation's
// place (the first copy is not the allocation's last use), the first is
// copied from it.
// CHECK-LABEL: func.func @twice(
// CHECK-SAME: %[[X:.*]]: memref<2x4xf32>, %[[OUT0:.*]]: memref<8xf32>, %[[OUT1:.*]]: memref<8xf32>)
// CHECK-NOT: memref.alloc
// CHECK: %[[AS_ALLOC:.*]] = memref.expand_shape %[[OUT1]]
// CHECK: memref.copy %[[X]], %[[AS_ALLOC]]
// CHECK: %[[FLAT:.*]] = memref.collapse_shape %[[AS_ALLOC]]
// CHECK: memref.copy %[[FLAT]], %[[OUT0]]
// CHECK-NOT: memref.copy
func.func @twice(%x: memref<2x4xf32>, %out0: memref<8xf32>, %out1: memref<8xf32>) {
  %alloc = memref.alloc() : memref<2x4xf32>
  memref.copy %x, %alloc : memref<2x4xf32> to memref<2x4xf32>
  %flat = memref.collapse_shape %alloc [[0, 1]] : memref<2x4xf32> into memref<8xf32>
  memref.copy %flat, %out0 : memref<8xf32> to memref<8xf32>
  memref.copy %flat, %out1 : memref<8xf32> to memref<8xf32>
  return
}
