// RUN: autoglm-opt %s --autoglm-memref-copy-to-linalg | FileCheck %s

// A copy into a strided view (the interior of a padded buffer) becomes a
// linalg.copy, which lowers to loops instead of a runtime-library call.
// CHECK-LABEL: func.func @pad_interior
// CHECK:         %[[VIEW:.+]] = memref.subview
// CHECK-NOT:     memref.copy
// CHECK:         linalg.copy ins(%{{.+}} : memref<2x2xf32>) outs(%[[VIEW]] : memref<2x2xf32, strided<[4, 1], offset: 5>>)
func.func @pad_interior(%src: memref<2x2xf32>, %dst: memref<4x4xf32>) {
  %view = memref.subview %dst[1, 1] [2, 2] [1, 1] : memref<4x4xf32> to memref<2x2xf32, strided<[4, 1], offset: 5>>
  memref.copy %src, %view : memref<2x2xf32> to memref<2x2xf32, strided<[4, 1], offset: 5>>
  return
}
