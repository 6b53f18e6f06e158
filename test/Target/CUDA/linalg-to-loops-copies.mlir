// RUN: autoglm-opt %s --allow-unregistered-dialect --autoglm-cuda-linalg-to-loops | FileCheck %s

// Two small contiguous copies in a row (a decoder step's new key and value
// rows into their outputs) become loops, which then share one launch; a
// copy over 16 KiB stays a device copy, and so does a small one alone.
// CHECK-LABEL: func.func @copies(
// CHECK-SAME: %[[A:[a-z0-9]+]]: memref<192xf32>, %[[B:[a-z0-9]+]]: memref<1x960xf32>, %[[BIG:[a-z0-9]+]]: memref<4097xf32>, %[[LONE:[a-z0-9]+]]: memref<16xf32>, %[[OUT_A:[a-z0-9]+]]: memref<192xf32>, %[[OUT_B:[a-z0-9]+]]: memref<1x192xf32>, %[[OUT_BIG:[a-z0-9]+]]: memref<4097xf32>, %[[OUT_LONE:[a-z0-9]+]]: memref<16xf32>)
// CHECK: scf.parallel
// CHECK: memref.store %{{.*}}, %[[OUT_A]]
// CHECK: %[[ROW:.*]] = memref.subview %[[B]]
// CHECK: scf.parallel
// CHECK: memref.store %{{.*}}, %[[OUT_B]]
// CHECK: memref.copy %[[BIG]], %[[OUT_BIG]]
// CHECK: "test.use"
// CHECK: memref.copy %[[LONE]], %[[OUT_LONE]]
// CHECK-NOT: scf.parallel
func.func @copies(%a: memref<192xf32>, %b: memref<1x960xf32>, %big: memref<4097xf32>, %lone: memref<16xf32>, %out_a: memref<192xf32>, %out_b: memref<1x192xf32>, %out_big: memref<4097xf32>, %out_lone: memref<16xf32>) {
  memref.copy %a, %out_a : memref<192xf32> to memref<192xf32>
  %row = memref.subview %b[0, 768] [1, 192] [1, 1] : memref<1x960xf32> to memref<1x192xf32, strided<[960, 1], offset: 768>>
  memref.copy %row, %out_b : memref<1x192xf32, strided<[960, 1], offset: 768>> to memref<1x192xf32>
  memref.copy %big, %out_big : memref<4097xf32> to memref<4097xf32>
  "test.use"(%big) : (memref<4097xf32>) -> ()
  memref.copy %lone, %out_lone : memref<16xf32> to memref<16xf32>
  return
}
