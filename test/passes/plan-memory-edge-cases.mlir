// RUN: autoglm-opt %s --autoglm-plan-memory --split-input-file | FileCheck %s

// An alloc as the very first op of @main (the offsets' constants go above
// it, and it is erased): a regression test for a crash.
// CHECK: module attributes {autoglm.workspace = #autoglm.workspace<bytes = 64>}
// CHECK-LABEL: func.func @main(
// CHECK-SAME: %[[WS:[a-z0-9]+]]: memref<64xi8>)
// CHECK-NEXT: %[[C0:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[V:.*]] = memref.view %[[WS]][%[[C0]]][] : memref<64xi8> to memref<2x3xf32>
// CHECK-NEXT: memref.copy %arg0, %[[V]]
// CHECK-NEXT: memref.copy %[[V]], %arg1
func.func @main(%in: memref<2x3xf32>, %out: memref<2x3xf32>) {
  %a = memref.alloc() : memref<2x3xf32>
  memref.copy %in, %a : memref<2x3xf32> to memref<2x3xf32>
  memref.copy %a, %out : memref<2x3xf32> to memref<2x3xf32>
  return
}

// -----

// Nothing to plan: no workspace argument, no attribute. Buffers of dynamic
// shape stay allocations.
// CHECK-NOT: autoglm.workspace
// CHECK-LABEL: func.func @main(
// CHECK-SAME: %{{.*}}: memref<?xf32>, %{{.*}}: index)
// CHECK: memref.alloc(%{{.*}}) : memref<?xf32>
func.func @main(%in: memref<?xf32>, %n: index) {
  %a = memref.alloc(%n) : memref<?xf32>
  memref.copy %in, %a : memref<?xf32> to memref<?xf32>
  return
}

// -----

// A buffer of zero elements still gets an address; the arena has at least
// one aligned unit.
// CHECK: module attributes {autoglm.workspace = #autoglm.workspace<bytes = 64>}
// CHECK: memref.view %{{.*}}[%{{.*}}][] : memref<64xi8> to memref<0x4xf32>
func.func @main(%out: memref<0x4xf32>) {
  %a = memref.alloc() : memref<0x4xf32>
  memref.copy %a, %out : memref<0x4xf32> to memref<0x4xf32>
  return
}
