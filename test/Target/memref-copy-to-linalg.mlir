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

// A copy of a view onto itself (an image's result computed in its batch
// loop slot, then "inserted" there) goes: the source reshapes a subview
// with the target's source, offsets, sizes and strides. A copy between two
// images' slots stays.
// CHECK-LABEL: func.func @slot_onto_itself
// CHECK-NOT:     memref.copy
// CHECK-NOT:     linalg.copy
// CHECK:         return
// CHECK-LABEL: func.func @slot_onto_another
// CHECK:         linalg.copy
func.func @slot_onto_itself(%batch: memref<2x4x2x2xf32>, %n: index) {
  %a = memref.subview %batch[%n, 0, 0, 0] [1, 4, 2, 2] [1, 1, 1, 1] : memref<2x4x2x2xf32> to memref<1x4x2x2xf32, strided<[16, 4, 2, 1], offset: ?>>
  %flat = memref.collapse_shape %a [[0, 1], [2, 3]] : memref<1x4x2x2xf32, strided<[16, 4, 2, 1], offset: ?>> into memref<4x4xf32, strided<[4, 1], offset: ?>>
  %image = memref.expand_shape %flat [[0, 1], [2, 3]] output_shape [1, 4, 2, 2] : memref<4x4xf32, strided<[4, 1], offset: ?>> into memref<1x4x2x2xf32, strided<[16, 4, 2, 1], offset: ?>>
  %b = memref.subview %batch[%n, 0, 0, 0] [1, 4, 2, 2] [1, 1, 1, 1] : memref<2x4x2x2xf32> to memref<1x4x2x2xf32, strided<[16, 4, 2, 1], offset: ?>>
  memref.copy %image, %b : memref<1x4x2x2xf32, strided<[16, 4, 2, 1], offset: ?>> to memref<1x4x2x2xf32, strided<[16, 4, 2, 1], offset: ?>>
  return
}
func.func @slot_onto_another(%batch: memref<2x4x2x2xf32>, %n: index, %m: index) {
  %a = memref.subview %batch[%n, 0, 0, 0] [1, 4, 2, 2] [1, 1, 1, 1] : memref<2x4x2x2xf32> to memref<1x4x2x2xf32, strided<[16, 4, 2, 1], offset: ?>>
  %b = memref.subview %batch[%m, 0, 0, 0] [1, 4, 2, 2] [1, 1, 1, 1] : memref<2x4x2x2xf32> to memref<1x4x2x2xf32, strided<[16, 4, 2, 1], offset: ?>>
  memref.copy %a, %b : memref<1x4x2x2xf32, strided<[16, 4, 2, 1], offset: ?>> to memref<1x4x2x2xf32, strided<[16, 4, 2, 1], offset: ?>>
  return
}
