// RUN: autoglm-opt %s --autoglm-parallel-loops-to-runtime --split-input-file | FileCheck %s

// A matmul-sized loop runs through ctx->parallel_for: the outlined body loops
// over [begin, end) of the first dimension, the second dimension and the
// reduction stay sequential loops inside it, and the captured buffers travel
// as memref descriptors in a stack struct.

// CHECK-LABEL: func.func private @main_parallel_0(
// CHECK-SAME:      %[[DATA:[a-zA-Z0-9_]+]]: !llvm.ptr, %[[BEGIN:[a-zA-Z0-9_]+]]: i64, %[[END:[a-zA-Z0-9_]+]]: i64)
// CHECK:         %[[F0:[a-zA-Z0-9_]+]] = llvm.getelementptr %[[DATA]][0, 0]
// CHECK:         %[[D0:[a-zA-Z0-9_]+]] = llvm.load %[[F0]] : !llvm.ptr -> !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>
// CHECK:         %[[A:[a-zA-Z0-9_]+]] = builtin.unrealized_conversion_cast %[[D0]] {{.*}} to memref<256x64xf32>
// CHECK-DAG:     %[[C64:[a-zA-Z0-9_]+]] = arith.constant 64 : index
// CHECK-DAG:     %[[LB:[a-zA-Z0-9_]+]] = arith.index_cast %[[BEGIN]] : i64 to index
// CHECK-DAG:     %[[UB:[a-zA-Z0-9_]+]] = arith.index_cast %[[END]] : i64 to index
// CHECK:         scf.for %[[I:[a-zA-Z0-9_]+]] = %[[LB]] to %[[UB]] step
// CHECK:           scf.for %[[J:[a-zA-Z0-9_]+]] = {{.*}} to %[[C64]]
// CHECK:             scf.for %[[K:[a-zA-Z0-9_]+]] =
// CHECK:               memref.load %[[A]][%[[I]], %[[K]]]
// CHECK:         return

// CHECK-LABEL: func.func @main(
// CHECK-SAME:      %{{.*}}: memref<4x4xf32>, %[[CTX:[a-zA-Z0-9_]+]]: !llvm.ptr)
// CHECK:         %[[NULL:[a-zA-Z0-9_]+]] = llvm.mlir.zero : !llvm.ptr
// CHECK:         %[[HASCTX:[a-zA-Z0-9_]+]] = llvm.icmp "ne" %[[CTX]], %[[NULL]]
// CHECK:         %[[PF:[a-zA-Z0-9_]+]] = scf.if %[[HASCTX]] -> (!llvm.ptr) {
// CHECK:           %[[SLOT:[a-zA-Z0-9_]+]] = llvm.getelementptr %[[CTX]][0, 1] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(i32, ptr, ptr)>
// CHECK:           llvm.load %[[SLOT]] : !llvm.ptr -> !llvm.ptr
// CHECK:         %[[STRUCT:[a-zA-Z0-9_]+]] = llvm.alloca %{{.*}} x !llvm.struct<(struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>, struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>, struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>)>
// CHECK:         llvm.store {{.*}}, %{{.*}} : !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>, !llvm.ptr
// CHECK:         %[[N:[a-zA-Z0-9_]+]] = arith.constant 256 : i64
// CHECK:         %[[BODY:[a-zA-Z0-9_]+]] = constant @main_parallel_0 : (!llvm.ptr, i64, i64) -> ()
// CHECK:         %[[BODYPTR:[a-zA-Z0-9_]+]] = builtin.unrealized_conversion_cast %[[BODY]]
// CHECK:         %[[HASPF:[a-zA-Z0-9_]+]] = llvm.icmp "ne" %[[PF]], %[[NULL]]
// CHECK:         scf.if %[[HASPF]] {
// CHECK:           llvm.call %[[PF]](%[[CTX]], %[[N]], %[[BODYPTR]], %[[STRUCT]]) : !llvm.ptr, (!llvm.ptr, i64, !llvm.ptr, !llvm.ptr) -> ()
// CHECK:         } else {
// CHECK:           %[[ZERO:[a-zA-Z0-9_]+]] = arith.constant 0 : i64
// CHECK:           func.call @main_parallel_0(%[[STRUCT]], %[[ZERO]], %[[N]])
// CHECK:         }
// The small loop stays sequential, in place.
// CHECK:         scf.parallel ({{.*}}) = ({{.*}}) to ({{.*}}) step
// CHECK:           arith.addf
// CHECK:         return
func.func @main(%a: memref<256x64xf32>, %b: memref<64x64xf32>, %c: memref<256x64xf32>,
                %s: memref<4x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c64 = arith.constant 64 : index
  %c256 = arith.constant 256 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c256, %c64) step (%c1, %c1) {
    scf.for %k = %c0 to %c64 step %c1 {
      %x = memref.load %a[%i, %k] : memref<256x64xf32>
      %y = memref.load %b[%k, %j] : memref<64x64xf32>
      %z = memref.load %c[%i, %j] : memref<256x64xf32>
      %m = arith.mulf %x, %y : f32
      %r = arith.addf %z, %m : f32
      memref.store %r, %c[%i, %j] : memref<256x64xf32>
    }
    scf.reduce
  }
  scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c4) step (%c1, %c1) {
    %x = memref.load %s[%i, %j] : memref<4x4xf32>
    %r = arith.addf %x, %x : f32
    memref.store %r, %s[%i, %j] : memref<4x4xf32>
    scf.reduce
  }
  return
}

// -----

// Small leading dimensions are collapsed into one linear range (here 4 x 8 =
// 32 iterations, short of 64, but never the innermost one) and recovered with
// a remainder and a quotient; a captured index travels as i64. Constants are
// cloned into the body, not captured.

// CHECK-LABEL: func.func private @main_parallel_0(
// CHECK:         %[[OFF:[a-zA-Z0-9_]+]] = arith.index_cast %{{.*}} : i64 to index
// CHECK-DAG:     %[[C512:[a-zA-Z0-9_]+]] = arith.constant 512 : index
// CHECK-DAG:     %[[C8:[a-zA-Z0-9_]+]] = arith.constant 8 : index
// CHECK:         scf.for %[[L:[a-zA-Z0-9_]+]] =
// CHECK:           %[[J:[a-zA-Z0-9_]+]] = arith.remui %[[L]], %[[C8]] : index
// CHECK:           %[[I:[a-zA-Z0-9_]+]] = arith.divui %[[L]], %[[C8]] : index
// CHECK:           scf.for %[[K:[a-zA-Z0-9_]+]] = %{{.*}} to %[[C512]]
// CHECK:             %[[KO:[a-zA-Z0-9_]+]] = arith.addi %[[K]], %[[OFF]] : index
// CHECK:             memref.load %{{.*}}[%[[I]], %[[J]], %[[KO]]]

// CHECK-LABEL: func.func @main(
// CHECK:         %[[OFFSET:[a-zA-Z0-9_]+]] = arith.index_cast %{{.*}} : index to i64
// CHECK:         llvm.store %[[OFFSET]], %{{.*}} : i64, !llvm.ptr
// CHECK:         arith.constant 32 : i64
func.func @main(%x: memref<4x8x1024xf32>, %off: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %c512 = arith.constant 512 : index
  %two = arith.constant 2.0 : f32
  scf.parallel (%i, %j, %k) = (%c0, %c0, %c0) to (%c4, %c8, %c512) step (%c1, %c1, %c1) {
    %ko = arith.addi %k, %off : index
    %v = memref.load %x[%i, %j, %ko] : memref<4x8x1024xf32>
    %w = arith.mulf %v, %two : f32
    %e = math.exp %w : f32
    %l = math.log %e : f32
    %s = arith.addf %l, %w : f32
    %t = arith.mulf %s, %s : f32
    %u = arith.subf %t, %v : f32
    memref.store %u, %x[%i, %j, %ko] : memref<4x8x1024xf32>
    scf.reduce
  }
  return
}

// -----

// An innermost dimension of unit step whose iterations run loops of their
// own (a pad's channel planes, image by image) is collapsed with the outer
// one: 8 x 64 = 512 iterations, not the 8 images.

// CHECK-LABEL: func.func private @main_parallel_0(
// CHECK-DAG:     %[[C64:[a-zA-Z0-9_]+]] = arith.constant 64 : index
// CHECK:         scf.for %[[L:[a-zA-Z0-9_]+]] =
// CHECK:           %[[C:[a-zA-Z0-9_]+]] = arith.remui %[[L]], %[[C64]] : index
// CHECK:           %[[N:[a-zA-Z0-9_]+]] = arith.divui %[[L]], %[[C64]] : index
// CHECK:           scf.for %[[H:[a-zA-Z0-9_]+]] =
// CHECK:             memref.load %{{.*}}[%[[N]], %[[C]], %[[H]]]
// CHECK-LABEL: func.func @main(
// CHECK:         arith.constant 512 : i64
func.func @main(%x: memref<8x64x256xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c64 = arith.constant 64 : index
  %c256 = arith.constant 256 : index
  scf.parallel (%n, %c) = (%c0, %c0) to (%c8, %c64) step (%c1, %c1) {
    scf.for %h = %c0 to %c256 step %c1 {
      %v = memref.load %x[%n, %c, %h] : memref<8x64x256xf32>
      %w = arith.addf %v, %v : f32
      memref.store %w, %x[%n, %c, %h] : memref<8x64x256xf32>
    }
    scf.reduce
  }
  return
}

// -----

// Unit outer dimensions: the innermost one is split directly, no division.

// CHECK-LABEL: func.func private @main_parallel_0(
// CHECK-NOT:     arith.divui
// CHECK:         scf.for %[[L:[a-zA-Z0-9_]+]] =
// CHECK-NEXT:      memref.load %{{.*}}[%{{.*}}, %[[L]]]
// CHECK-LABEL: func.func @main(
// CHECK:         arith.constant 65536 : i64
func.func @main(%x: memref<1x65536xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = arith.constant 65536 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c1, %n) step (%c1, %c1) {
    %v = memref.load %x[%i, %j] : memref<1x65536xf32>
    %w = arith.addf %v, %v : f32
    memref.store %w, %x[%i, %j] : memref<1x65536xf32>
    scf.reduce
  }
  return
}

// -----

// Tile loops (steps above 1) are collapsed entirely: 4 x 4 tiles.

// CHECK-LABEL: func.func private @main_parallel_0(
// CHECK-DAG:     %[[C4:[a-zA-Z0-9_]+]] = arith.constant 4 : index
// CHECK-DAG:     %[[C64:[a-zA-Z0-9_]+]] = arith.constant 64 : index
// CHECK-DAG:     %[[C128:[a-zA-Z0-9_]+]] = arith.constant 128 : index
// CHECK:         scf.for %[[L:[a-zA-Z0-9_]+]] =
// CHECK:           %[[TJ:[a-zA-Z0-9_]+]] = arith.remui %[[L]], %[[C4]] : index
// CHECK:           %[[TI:[a-zA-Z0-9_]+]] = arith.divui %[[L]], %[[C4]] : index
// CHECK:           %[[J:[a-zA-Z0-9_]+]] = arith.muli %[[TJ]], %[[C128]] : index
// CHECK:           %[[I:[a-zA-Z0-9_]+]] = arith.muli %[[TI]], %[[C64]] : index
// CHECK:           memref.subview %{{.*}}[%[[I]], %[[J]]] [64, 128] [1, 1]
// CHECK-LABEL: func.func @main(
// CHECK:         arith.constant 16 : i64
func.func @main(%x: memref<256x512xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %c128 = arith.constant 128 : index
  %c256 = arith.constant 256 : index
  %c512 = arith.constant 512 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c256, %c512) step (%c64, %c128) {
    %tile = memref.subview %x[%i, %j] [64, 128] [1, 1]
        : memref<256x512xf32> to memref<64x128xf32, strided<[512, 1], offset: ?>>
    scf.for %a = %c0 to %c64 step %c1 {
      scf.for %b = %c0 to %c128 step %c1 {
        %v = memref.load %tile[%a, %b] : memref<64x128xf32, strided<[512, 1], offset: ?>>
        %w = arith.addf %v, %v : f32
        memref.store %w, %tile[%a, %b] : memref<64x128xf32, strided<[512, 1], offset: ?>>
      }
    }
    scf.reduce
  }
  return
}

// -----

// Loops with reductions are never split, nor loops in private functions;
// those get no context argument. A public function with no large loop still
// takes the context (the entry function always passes it).

// CHECK-LABEL: func.func private @helper(%{{.*}}: memref<65536xf32>) {
// CHECK:         scf.parallel
// CHECK-LABEL: func.func @main(
// CHECK-SAME:      %{{.*}}: memref<65536xf32>, %{{.*}}: !llvm.ptr) -> f32
// CHECK-NOT:     llvm.call
// CHECK:         scf.parallel
// CHECK:         scf.reduce
func.func private @helper(%x: memref<65536xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = arith.constant 65536 : index
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %v = memref.load %x[%i] : memref<65536xf32>
    %w = arith.addf %v, %v : f32
    memref.store %w, %x[%i] : memref<65536xf32>
    scf.reduce
  }
  return
}

func.func @main(%x: memref<65536xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = arith.constant 65536 : index
  %zero = arith.constant 0.0 : f32
  %sum = scf.parallel (%i) = (%c0) to (%n) step (%c1) init (%zero) -> f32 {
    %v = memref.load %x[%i] : memref<65536xf32>
    scf.reduce(%v : f32) {
    ^bb0(%a: f32, %b: f32):
      %s = arith.addf %a, %b : f32
      scf.reduce.return %s : f32
    }
  }
  func.call @helper(%x) : (memref<65536xf32>) -> ()
  return %sum : f32
}

// -----

// Two loops that outline to the same body (the same layer on other buffers)
// share one function; a third that differs (mulf) gets its own. Every body
// is noinline: main calls it directly when it runs without threads.

// CHECK-LABEL: func.func private @main_parallel_0(
// CHECK-SAME:      attributes {passthrough = ["noinline"]}
// CHECK:         arith.addf
// CHECK-NOT:   func.func private @main_parallel_1(
// CHECK-LABEL: func.func private @main_parallel_2(
// CHECK:         arith.mulf
// CHECK-LABEL: func.func @main(
// CHECK:         constant @main_parallel_0
// CHECK:         func.call @main_parallel_0(
// CHECK:         constant @main_parallel_0
// CHECK:         func.call @main_parallel_0(
// CHECK:         constant @main_parallel_2
// CHECK:         func.call @main_parallel_2(
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
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %v = memref.load %c[%i] : memref<65536xf32>
    %w = arith.mulf %v, %v : f32
    memref.store %w, %a[%i] : memref<65536xf32>
    scf.reduce
  }
  return
}

// -----

// A buffer allocated on the stack inside a loop (a product's column tile
// of B, --autoglm-tile-and-vectorize-contractions) moves to the entry block
// of the function it runs in: the outlined body's, once per call on each
// thread, and main's for a loop that stays in place. Inside the loops LLVM
// would take more stack at every iteration.

// CHECK-LABEL: func.func private @main_parallel_0(
// CHECK-NEXT:    memref.alloca() {alignment = 64 : i64} : memref<16xf32>
// CHECK:         scf.for
// CHECK-NOT:       memref.alloca
// CHECK:         return
// CHECK-LABEL: func.func @main(
// CHECK-NEXT:    memref.alloca() {alignment = 64 : i64} : memref<2xf32>
// CHECK-NOT:     memref.alloca() {alignment
// CHECK:         return
func.func @main(%a: memref<65536xf32>, %b: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %n = arith.constant 65536 : index
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %buffer = memref.alloca() {alignment = 64 : i64} : memref<16xf32>
    %v = memref.load %a[%i] : memref<65536xf32>
    memref.store %v, %buffer[%c0] : memref<16xf32>
    %w = memref.load %buffer[%c0] : memref<16xf32>
    %x = arith.addf %w, %w : f32
    memref.store %x, %a[%i] : memref<65536xf32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    %small = memref.alloca() {alignment = 64 : i64} : memref<2xf32>
    %v = memref.load %b[%i] : memref<4xf32>
    memref.store %v, %small[%c0] : memref<2xf32>
    %w = memref.load %small[%c0] : memref<2xf32>
    memref.store %w, %b[%i] : memref<4xf32>
    scf.reduce
  }
  return
}
