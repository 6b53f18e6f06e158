// RUN: autoglm-opt %s --autoglm-plan-memory="report=%t.txt" | FileCheck %s
// RUN: FileCheck %s --check-prefix=TEXT < %t.txt
// RUN: autoglm-opt %s --autoglm-plan-memory="timeline=%t.svg" -o /dev/null
// RUN: FileCheck %s --check-prefix=SVG < %t.svg

// A batch loop whose images are dealt to two lanes (autoglm.batch_lanes,
// --autoglm-cpu-batch-lanes runs them at once): the buffers of its body are
// placed in an arena of the body's own, as a loop's are (%a and %c share
// their bytes: 2048 bytes), of which each lane takes a copy, 2048 bytes
// apart, the iteration of image %n copy %n mod 2; the copies are one
// buffer of 4096 bytes in the main arena, live through the loop, which %d
// takes after it. The lanes run different steps of the body at once, so
// no copy shares bytes with another lane's.
// CHECK: module attributes {autoglm.workspace = #autoglm.workspace<bytes = 6144>}
// CHECK-LABEL: func.func @main(
// CHECK-SAME: %[[WS:[a-z0-9]+]]: memref<6144xi8>)
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1K:.*]] = arith.constant 1024 : index
// CHECK-DAG: %[[C4K:.*]] = arith.constant 4096 : index
// CHECK: %[[SLOTS:.*]] = memref.view %[[WS]][%[[C4K]]][] : memref<6144xi8> to memref<2x256xf32>
// CHECK: scf.for %[[N:.*]] = {{.*}} iter_args(%{{.*}} = %[[SLOTS]])
// CHECK:   %[[LANE:.*]] = arith.remui %[[N]], %{{.*}} : index
// CHECK:   %[[SHIFT:.*]] = arith.muli %[[LANE]], %{{.*}} : index
// CHECK:   %[[AT:.*]] = arith.addi %[[C0]], %[[SHIFT]] : index
// CHECK:   memref.view %[[WS]][%[[AT]]][] : memref<6144xi8> to memref<256xf32>
// CHECK:   arith.addi %[[C1K]], %{{.*}} : index
// CHECK:   memref.view %[[WS]][%{{.*}}][] : memref<6144xi8> to memref<256xf32>
// CHECK:   arith.addi %[[C0]], %{{.*}} : index
// CHECK:   memref.view %[[WS]][%{{.*}}][] : memref<6144xi8> to memref<256xf32>
// CHECK: } {autoglm.batch_lanes = 2 : i64, autoglm.batch_loop}
// CHECK: memref.view %[[WS]][%[[C0]]][] : memref<6144xi8> to memref<2x256xf32>
// CHECK-NOT: memref.alloc

// TEXT: memory plan: arena 6144 bytes
// TEXT: 2048 bytes at offset 1024 node '' f32 [256] live at steps 9-11 (2 lanes' copies of 1024 bytes, 2048 apart)
// The picture draws each lane's copy where it is: %b's at 1024 and 3072.
// SVG: <title>: 1024 bytes at offset 1024, steps 9-11</title>
// SVG: <title>: 1024 bytes at offset 3072, steps 9-11</title>
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
  } {autoglm.batch_loop, autoglm.batch_lanes = 2 : i64}
  %d = memref.alloc() : memref<2x256xf32>
  memref.copy %r, %d : memref<2x256xf32> to memref<2x256xf32>
  memref.copy %d, %out : memref<2x256xf32> to memref<2x256xf32>
  return
}
