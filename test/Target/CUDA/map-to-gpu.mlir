// RUN: autoglm-opt %s -allow-unregistered-dialect --split-input-file --autoglm-cuda-map-to-gpu --verify-diagnostics | FileCheck %s

// A 2-D parallel loop of 3 x 100 iterations: one grid of 300 threads in
// blocks of 256, flattened (the innermost dimension fastest), with the
// bounds check for the last block; the constants move into the kernel.
// CHECK-LABEL: func.func @parallel
// CHECK-DAG:     %[[GRID:.*]] = arith.constant 2 : index
// CHECK-DAG:     %[[BLOCK:.*]] = arith.constant 256 : index
// CHECK:         gpu.launch blocks(%[[BX:[a-z0-9]+]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[GRID]], %{{.*}}, %{{.*}}) threads(%[[TX:[a-z0-9]+]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[BLOCK]], %{{.*}}, %{{.*}})
// CHECK:           %[[BASE:.*]] = arith.muli %[[BX]], %{{.*}} : index
// CHECK:           %[[LINEAR:.*]] = arith.addi %[[BASE]], %[[TX]] : index
// CHECK:           %[[IN:.*]] = arith.cmpi ult, %[[LINEAR]], %{{.*}} : index
// CHECK:           scf.if %[[IN]] {
// CHECK:             %[[J:.*]] = arith.remui %[[LINEAR]], %{{.*}} : index
// CHECK:             %[[I:.*]] = arith.divui %[[LINEAR]], %{{.*}} : index
// CHECK:             memref.load %{{.*}}[%{{.*}}, %{{.*}}] : memref<3x100xf32>
// CHECK:             math.exp
// CHECK:             memref.store
// CHECK:           gpu.terminator
// CHECK-NOT:     scf.parallel
func.func @parallel(%a: memref<3x100xf32>, %b: memref<3x100xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c100 = arith.constant 100 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c3, %c100) step (%c1, %c1) {
    %x = memref.load %a[%i, %j] : memref<3x100xf32>
    %y = math.exp %x : f32
    memref.store %y, %b[%i, %j] : memref<3x100xf32>
    scf.reduce
  }
  return
}

// -----

// A sequential loop (a reduction to a scalar) runs on one thread; views and
// constants stay on the host.
// CHECK-LABEL: func.func @sequential
// CHECK:         %[[V:.*]] = memref.view
// (MLIR names an index constant after its value: %c1, %c1_0, ...)
// CHECK:         gpu.launch blocks({{.*}}) in (%{{.*}} = %c1{{(_[0-9]+)?}}, {{.*}}) threads({{.*}}) in (%{{.*}} = %c1{{(_[0-9]+)?}}, {{.*}})
// CHECK:           scf.for
// CHECK:             memref.load %[[V]]
// CHECK:           gpu.terminator
func.func @sequential(%ws: memref<64xi8>, %out: memref<f32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %v = memref.view %ws[%c0][] : memref<64xi8> to memref<16xf32>
  scf.for %i = %c0 to %c16 step %c1 {
    %x = memref.load %v[%i] : memref<16xf32>
    %acc = memref.load %out[] : memref<f32>
    %s = arith.addf %x, %acc : f32
    memref.store %s, %out[] : memref<f32>
  }
  return
}

// -----

// A scalar read for a later loop (a Range's start and step) is read inside
// that loop's kernel, by each thread, not in a kernel of its own.
// CHECK-LABEL: func.func @scalar_into_loop
// CHECK-NOT:     memref.load
// CHECK:         gpu.launch
// CHECK:           scf.if
// CHECK:             %[[DELTA:.*]] = memref.load %arg1[] : memref<f32>
// CHECK:             arith.mulf %{{.*}}, %[[DELTA]]
// CHECK:             %[[START:.*]] = memref.load %arg0[] : memref<f32>
// CHECK:             arith.addf %[[START]]
// CHECK:         return
func.func @scalar_into_loop(%start: memref<f32>, %delta: memref<f32>, %out: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %s = memref.load %start[] : memref<f32>
  %d = memref.load %delta[] : memref<f32>
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %ii = arith.index_cast %i : index to i32
    %f = arith.sitofp %ii : i32 to f32
    %m = arith.mulf %f, %d : f32
    %v = arith.addf %s, %m : f32
    memref.store %v, %out[%i] : memref<8xf32>
    scf.reduce
  }
  return
}

// -----

// A value the device computes cannot feed the host's buffer bookkeeping.
func.func @host_needs_device_value(%a: memref<4xindex>, %ws: memref<64xi8>) {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{computes a value the host needs; the GPU target cannot run it}}
  %offset = memref.load %a[%c0] : memref<4xindex>
  %v = memref.view %ws[%offset][] : memref<64xi8> to memref<4xf32>
  "test.use"(%v) : (memref<4xf32>) -> ()
  return
}
