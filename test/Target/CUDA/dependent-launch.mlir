// RUN: autoglm-opt %s --autoglm-cuda-dependent-launch | FileCheck %s

// Each kernel, before its first access to memory, waits for the kernel
// before it and then lets the next one launch, where __CUDA_ARCH (folded
// per target architecture by LLVM) is 900 or more; the reflect function
// and its string are declared once per gpu.module. What computes without
// memory, and prefetches into the L2 cache (a row product's constant
// weight), may come first. Every launch is marked, for the step table's
// DEPENDENT_LAUNCH steps.
// CHECK-LABEL: gpu.module @kernels
// CHECK-DAG:     llvm.mlir.global private constant @__autoglm_cuda_arch("__CUDA_ARCH\00") {addr_space = 4 : i32, alignment = 1 : i64}
// CHECK-DAG:     llvm.func @__nvvm_reflect(!llvm.ptr) -> i32
// CHECK-LABEL:   gpu.func @scale(
// CHECK-NEXT:      %[[I:.*]] = gpu.thread_id x
// CHECK-NEXT:      %[[NAME:.*]] = llvm.mlir.addressof @__autoglm_cuda_arch : !llvm.ptr<4>
// CHECK-NEXT:      %[[GENERIC:.*]] = llvm.addrspacecast %[[NAME]] : !llvm.ptr<4> to !llvm.ptr
// CHECK-NEXT:      %[[ARCH:.*]] = llvm.call @__nvvm_reflect(%[[GENERIC]]) : (!llvm.ptr) -> i32
// CHECK-NEXT:      %[[SM90:.*]] = arith.constant 900 : i32
// CHECK-NEXT:      %[[NEW:.*]] = arith.cmpi sge, %[[ARCH]], %[[SM90]] : i32
// CHECK-NEXT:      scf.if %[[NEW]] {
// CHECK-NEXT:        nvvm.griddepcontrol wait
// CHECK-NEXT:        nvvm.griddepcontrol launch_dependents
// CHECK-NEXT:      }
// CHECK-NEXT:      memref.load %{{.*}}[%[[I]]]
// CHECK-LABEL:   gpu.func @sum(
// CHECK:           llvm.call @__nvvm_reflect
// CHECK:           nvvm.griddepcontrol wait
// The L2 prefetches move into the guard, before the wait: LLVM selects
// them for sm_90 and newer only.
// CHECK-LABEL:   gpu.func @weights(
// CHECK-NEXT:      llvm.mlir.addressof @__autoglm_cuda_arch
// CHECK:           scf.if
// CHECK-NEXT:        nvvm.prefetch level = L2, %{{.*}} : !llvm.ptr<1>
// CHECK-NEXT:        nvvm.griddepcontrol wait
// CHECK-NEXT:        nvvm.griddepcontrol launch_dependents
// CHECK-NEXT:      }
// CHECK-NEXT:      nvvm.prefetch level = L1, %{{.*}} : !llvm.ptr<1>
// A function that is not a kernel is left as it is.
// CHECK-LABEL:   gpu.func @helper(
// CHECK-NOT:       griddepcontrol
// CHECK:           gpu.return
// CHECK-LABEL: func.func @main(
// CHECK:         gpu.launch_func  @kernels::@scale {{.*}} {autoglm.dependent_launch}
// CHECK:         gpu.launch_func  @kernels::@sum {{.*}} {autoglm.dependent_launch}
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @scale(%x: memref<4xf32>) kernel {
      %i = gpu.thread_id x
      %v = memref.load %x[%i] : memref<4xf32>
      %d = arith.addf %v, %v : f32
      memref.store %d, %x[%i] : memref<4xf32>
      gpu.return
    }
    gpu.func @sum(%x: memref<4xf32>) kernel {
      %c0 = arith.constant 0 : index
      %v = memref.load %x[%c0] : memref<4xf32>
      memref.store %v, %x[%c0] : memref<4xf32>
      gpu.return
    }
    gpu.func @weights(%p: !llvm.ptr<1>, %q: !llvm.ptr<1>) kernel {
      nvvm.prefetch level = L2, %p : !llvm.ptr<1>
      nvvm.prefetch level = L1, %q : !llvm.ptr<1>
      gpu.return
    }
    gpu.func @helper(%x: f32) -> f32 {
      gpu.return %x : f32
    }
  }
  func.func @main(%x: memref<4xf32>) {
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    gpu.launch_func @kernels::@scale blocks in (%c1, %c1, %c1) threads in (%c4, %c1, %c1) args(%x : memref<4xf32>)
    gpu.launch_func @kernels::@sum blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%x : memref<4xf32>)
    return
  }
}
