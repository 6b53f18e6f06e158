// RUN: autoglm-opt %s --split-input-file --autoglm-cpu-batch-lanes | FileCheck %s

// A batch loop of 4 images in 2 lanes: an scf.parallel over the lanes
// around an scf.for over each lane's images (from the lane, step 2); the
// body reads the carried whole-batch buffer as it was before the loop, and
// so does what came after the loop.
// CHECK-LABEL: func.func @lanes
// CHECK-SAME:    (%[[IN:.*]]: memref<4x256xf32>, %[[SLOTS:.*]]: memref<4x256xf32>, %[[OUT:.*]]: memref<4x256xf32>)
// CHECK-DAG:     %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG:     %[[C2:.*]] = arith.constant 2 : index
// CHECK:         scf.parallel (%[[LANE:.*]]) = (%{{.*}}) to (%[[C2]]) step (%{{.*}}) {
// CHECK:           scf.for %[[N:.*]] = %[[LANE]] to %[[C4]] step %[[C2]] {
// CHECK:             memref.subview %[[IN]][%[[N]], 0]
// CHECK:             memref.subview %[[SLOTS]][%[[N]], 0]
// CHECK:             memref.copy
// CHECK-NOT:         scf.yield %
// CHECK:           }
// CHECK:         }
// CHECK:         memref.copy %[[SLOTS]], %[[OUT]]
func.func @lanes(%in: memref<4x256xf32>, %slots: memref<4x256xf32>, %out: memref<4x256xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %r = scf.for %n = %c0 to %c4 step %c1 iter_args(%s = %slots) -> (memref<4x256xf32>) {
    %image = memref.subview %in[%n, 0] [1, 256] [1, 1] : memref<4x256xf32> to memref<256xf32, strided<[1], offset: ?>>
    %slot = memref.subview %s[%n, 0] [1, 256] [1, 1] : memref<4x256xf32> to memref<256xf32, strided<[1], offset: ?>>
    memref.copy %image, %slot : memref<256xf32, strided<[1], offset: ?>> to memref<256xf32, strided<[1], offset: ?>>
    scf.yield %s : memref<4x256xf32>
  } {autoglm.batch_loop, autoglm.batch_lanes = 2 : i64}
  memref.copy %r, %out : memref<4x256xf32> to memref<4x256xf32>
  return
}

// -----

// Left as they are: a loop without lanes, and a lane loop whose body
// yields another buffer than the one it carries.
// CHECK-LABEL: func.func @not_lanes
// CHECK-NOT:     scf.parallel
// CHECK:         scf.for
// CHECK:         } {autoglm.batch_loop}
// CHECK:         scf.for
// CHECK:         } {autoglm.batch_lanes = 2 : i64, autoglm.batch_loop}
func.func @not_lanes(%in: memref<4x256xf32>, %other: memref<4x256xf32>) -> memref<4x256xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %r = scf.for %n = %c0 to %c4 step %c1 iter_args(%s = %in) -> (memref<4x256xf32>) {
    scf.yield %s : memref<4x256xf32>
  } {autoglm.batch_loop}
  %t = scf.for %n = %c0 to %c4 step %c1 iter_args(%s = %r) -> (memref<4x256xf32>) {
    scf.yield %other : memref<4x256xf32>
  } {autoglm.batch_loop, autoglm.batch_lanes = 2 : i64}
  return %t : memref<4x256xf32>
}
