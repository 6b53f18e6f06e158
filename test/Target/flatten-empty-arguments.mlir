// RUN: autoglm-opt %s --autoglm-flatten-empty-arguments | FileCheck %s
// RUN: autoglm-opt %s --autoglm-flatten-empty-arguments | mlir-opt --expand-strided-metadata --finalize-memref-to-llvm --convert-arith-to-llvm --convert-func-to-llvm=use-bare-ptr-memref-call-conv=1 --reconcile-unrealized-casts | FileCheck %s --check-prefix=LLVM

// An entry argument with no elements and a 0 after its leading dimension
// becomes memref<0xT>, viewed as its shape with row-major strides; the
// others keep their types.
// CHECK-LABEL: func.func @main
// CHECK-SAME:    (%[[IN:.+]]: memref<0xf32>, %[[LEAD:.+]]: memref<0x3xf32>, %[[OUT:.+]]: memref<2x1x4xf32>)
// CHECK:         %[[VIEW:.+]] = memref.reinterpret_cast %[[IN]] to offset: [0], sizes: [2, 0, 4], strides: [0, 4, 1] : memref<0xf32> to memref<2x0x4xf32>
// CHECK:         memref.dim %[[VIEW]]
// The function converts with bare pointers (it stayed func.func before).
// LLVM:        llvm.func @main(%{{.+}}: !llvm.ptr, %{{.+}}: !llvm.ptr, %{{.+}}: !llvm.ptr)
func.func @main(%in: memref<2x0x4xf32>, %lead: memref<0x3xf32>, %out: memref<2x1x4xf32>) {
  %c1 = arith.constant 1 : index
  %n = memref.dim %in, %c1 : memref<2x0x4xf32>
  %f = arith.index_cast %n : index to i32
  %v = arith.sitofp %f : i32 to f32
  %c0 = arith.constant 0 : index
  memref.store %v, %out[%c0, %c0, %c0] : memref<2x1x4xf32>
  return
}

// Private functions keep their signature: a call site may pass them.
// CHECK-LABEL: func.func private @helper
// CHECK-SAME:    memref<2x0x4xf32>
func.func private @helper(%in: memref<2x0x4xf32>) {
  return
}
