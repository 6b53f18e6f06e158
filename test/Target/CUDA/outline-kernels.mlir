// RUN: autoglm-opt %s --autoglm-cuda-outline-kernels | FileCheck %s

// Each launch becomes a kernel (upstream's outlining), and the NVVM
// attributes a kernel builder put on a launch (here launch bounds: at most
// one block an SM, 128 registers) move to the kernel function it became,
// where the NVVM lowering makes them `.minnctapersm` and `.maxnreg`. Other
// attributes of the launch, and the launches without any, leave nothing
// on the kernels; a launch outlined before keeps its place in the order.
// CHECK-LABEL: func.func @two
// CHECK:         gpu.launch_func @[[FIRST:[a-z_0-9]+]]::@{{.*}} blocks
// CHECK:         gpu.launch_func @[[OLD:kernels]]::@old blocks
// CHECK:         gpu.launch_func @[[SECOND:[a-z_0-9]+]]::@{{.*}} blocks
// CHECK:       gpu.module @[[FIRST]]
// CHECK:         gpu.func @{{.*}}) kernel attributes {{{.*}}nvvm.maxnreg = 128 : i32, nvvm.minctasm = 1 : i32}
// CHECK-NOT:       unrelated
// CHECK:       gpu.module @[[SECOND]]
// CHECK-NOT:     nvvm.minctasm
// CHECK:         gpu.func @{{.*}}(%{{.*}}: memref<256xf32>) kernel attributes {known_block_size = array<i32: 256, 1, 1>, known_grid_size = array<i32: 1, 1, 1>} {
// CHECK-NOT:     nvvm.minctasm
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @old(%x: memref<256xf32>) kernel {
      gpu.return
    }
  }
  func.func @two(%x: memref<256xf32>) {
    %c1 = arith.constant 1 : index
    %c256 = arith.constant 256 : index
    %f = arith.constant 2.0 : f32
    gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
               threads(%tx, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1) {
      memref.store %f, %x[%tx] : memref<256xf32>
      gpu.terminator
    } {nvvm.minctasm = 1 : i32, nvvm.maxnreg = 128 : i32, unrelated = 3 : i32}
    gpu.launch_func @kernels::@old blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%x : memref<256xf32>)
    gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
               threads(%tx, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1) {
      %v = memref.load %x[%tx] : memref<256xf32>
      memref.store %v, %x[%bx] : memref<256xf32>
      gpu.terminator
    }
    return
  }
}
