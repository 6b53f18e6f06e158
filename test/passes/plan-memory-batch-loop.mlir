// RUN: autoglm-opt %s --autoglm-plan-memory="report=%t.txt" --split-input-file | FileCheck %s
// RUN: FileCheck %s --check-prefix=TEXT < %t.txt

// A loop over a batch's images (--autoglm-cpu-batch-loop): the buffers of
// its body live within an iteration and are planned with the body's ops as
// steps: %a dies at the copy that fills %c, which reuses its bytes. The
// loop's carried buffer %slots lives through every iteration (the loop
// spans the body's steps) and after it, as the loop's result, until %d is
// filled from it: %d may not take its bytes, but takes those of the body's
// buffers, dead after the loop. The arena is the peak of live bytes.
// CHECK: module attributes {autoglm.workspace = #autoglm.workspace<bytes = 4096>}
// CHECK-LABEL: func.func @main(
// CHECK-SAME: %[[WS:[a-z0-9]+]]: memref<4096xi8>)
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C2K:.*]] = arith.constant 2048 : index
// CHECK-DAG: %[[C3K:.*]] = arith.constant 3072 : index
// CHECK: %[[SLOTS:.*]] = memref.view %[[WS]][%[[C0]]][] : memref<4096xi8> to memref<2x256xf32>
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %[[SLOTS]])
// CHECK:   memref.view %[[WS]][%[[C2K]]][] : memref<4096xi8> to memref<256xf32>
// CHECK:   memref.view %[[WS]][%[[C3K]]][] : memref<4096xi8> to memref<256xf32>
// CHECK:   memref.view %[[WS]][%[[C2K]]][] : memref<4096xi8> to memref<256xf32>
// CHECK: } {autoglm.batch_loop}
// CHECK: memref.view %[[WS]][%[[C2K]]][] : memref<4096xi8> to memref<2x256xf32>
// CHECK-NOT: memref.alloc

// TEXT: memory plan: arena 4096 bytes; naive 7168 bytes (one buffer per intermediate); lower bound 4096 bytes (peak of live bytes); 5 buffers
// TEXT: 2048 bytes at offset 0 node '' f32 [2,256] live at steps 4-16
func.func @main(%in: memref<2x256xf32>, %out: memref<2x256xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %slots = memref.alloc() : memref<2x256xf32>
  %r = scf.for %n = %c0 to %c2 step %c1 iter_args(%s = %slots) -> (memref<2x256xf32>) {
    %image = memref.subview %in[%n, 0] [1, 256] [1, 1] : memref<2x256xf32> to memref<256xf32, strided<[1], offset: ?>>
    %a = memref.alloc() : memref<256xf32>
    memref.copy %image, %a : memref<256xf32, strided<[1], offset: ?>> to memref<256xf32>
    %b = memref.alloc() : memref<256xf32>
    memref.copy %a, %b : memref<256xf32> to memref<256xf32>
    %c = memref.alloc() : memref<256xf32>
    memref.copy %b, %c : memref<256xf32> to memref<256xf32>
    %slot = memref.subview %s[%n, 0] [1, 256] [1, 1] : memref<2x256xf32> to memref<256xf32, strided<[1], offset: ?>>
    memref.copy %c, %slot : memref<256xf32> to memref<256xf32, strided<[1], offset: ?>>
    scf.yield %s : memref<2x256xf32>
  } {autoglm.batch_loop}
  %d = memref.alloc() : memref<2x256xf32>
  memref.copy %r, %d : memref<2x256xf32> to memref<2x256xf32>
  memref.copy %d, %out : memref<2x256xf32> to memref<2x256xf32>
  return
}

// -----

// A body buffer the loop yields outlives its iteration: it stays an
// allocation; so do buffers of a loop that is not a batch loop.
// CHECK-LABEL: func.func @main(
// CHECK: scf.for
// CHECK:   memref.alloc() : memref<256xf32>
// CHECK: } {autoglm.batch_loop}
// CHECK: scf.for
// CHECK:   memref.alloc() : memref<256xf32>
// CHECK-NOT: autoglm.batch_loop
func.func @main(%in: memref<256xf32>, %out: memref<256xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %r = scf.for %n = %c0 to %c2 step %c1 iter_args(%s = %in) -> (memref<256xf32>) {
    %a = memref.alloc() : memref<256xf32>
    memref.copy %s, %a : memref<256xf32> to memref<256xf32>
    scf.yield %a : memref<256xf32>
  } {autoglm.batch_loop}
  scf.for %n = %c0 to %c2 step %c1 {
    %a = memref.alloc() : memref<256xf32>
    memref.copy %r, %a : memref<256xf32> to memref<256xf32>
    memref.copy %a, %out : memref<256xf32> to memref<256xf32>
  }
  return
}
