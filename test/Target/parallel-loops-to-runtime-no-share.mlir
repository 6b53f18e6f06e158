// RUN: autoglm-opt %s --autoglm-parallel-loops-to-runtime=share-bodies=false | FileCheck %s
// RUN: autoglm-opt %s --autoglm-parallel-loops-to-runtime | FileCheck %s --check-prefix=SHARE

// With share-bodies=false (autoglm-opt --cpu-share-kernels=0, which
// bench/profile_model.py uses), two loops that outline to the same body
// (the same layer on other buffers) get a function each, so that a
// profiler tells the layers apart; by default they share one.
// CHECK-LABEL: func.func private @main_parallel_0(
// CHECK:         arith.addf
// CHECK-LABEL: func.func private @main_parallel_1(
// CHECK:         arith.addf
// CHECK-LABEL: func.func @main(
// CHECK:         func.call @main_parallel_0(
// CHECK:         func.call @main_parallel_1(
// SHARE-LABEL: func.func private @main_parallel_0(
// SHARE-NOT:   func.func private @main_parallel_1(
// SHARE-LABEL: func.func @main(
// SHARE:         func.call @main_parallel_0(
// SHARE:         func.call @main_parallel_0(
func.func @main(%a: memref<65536xf32>, %b: memref<65536xf32>,
                %c: memref<65536xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = arith.constant 65536 : index
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %v = memref.load %a[%i] : memref<65536xf32>
    %w = arith.addf %v, %v : f32
    memref.store %w, %b[%i] : memref<65536xf32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %v = memref.load %b[%i] : memref<65536xf32>
    %w = arith.addf %v, %v : f32
    memref.store %w, %c[%i] : memref<65536xf32>
    scf.reduce
  }
  return
}
