// RUN: autoglm-opt %s --split-input-file --autoglm-cuda-coarsen-elementwise | FileCheck %s

// An f16 bias add over 4 x 64: each thread takes 8 consecutive columns
// (16 bytes of f16), its body repeated op by op; each load and the store
// of consecutive elements is one 16-byte vector access.
// CHECK-LABEL: func.func @f16_bias
// CHECK-DAG:     %[[C8:.*]] = arith.constant 8 : index
// CHECK:         scf.parallel (%[[I:.*]], %[[J:.*]]) = (%{{.*}}, %{{.*}}) to (%{{.*}}, %{{.*}}) step (%{{.*}}, %[[C8]])
// CHECK:           %[[X:.*]] = vector.load %arg0[%[[I]], %[[J]]] {alignment = 16 : i64} : memref<4x64xf16>, vector<8xf16>
// CHECK:           %[[B:.*]] = vector.load %arg1[%[[J]]] {alignment = 16 : i64} : memref<64xf16>, vector<8xf16>
// CHECK-COUNT-8:   arith.addf
// CHECK:           %[[Y:.*]] = vector.from_elements
// CHECK-NEXT:      vector.store %[[Y]], %arg2[%[[I]], %[[J]]] {alignment = 16 : i64} : memref<4x64xf16>, vector<8xf16>
// CHECK-NEXT:      scf.reduce
func.func @f16_bias(%x: memref<4x64xf16>, %b: memref<64xf16>, %y: memref<4x64xf16>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c64 = arith.constant 64 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c64) step (%c1, %c1) {
    %a = memref.load %x[%i, %j] : memref<4x64xf16>
    %c = memref.load %b[%j] : memref<64xf16>
    %s = arith.addf %a, %c : f16
    memref.store %s, %y[%i, %j] : memref<4x64xf16>
    scf.reduce
  }
  return
}

// -----

// f32 results: 4 a thread; 12 columns of f16 results: 4 (8 does not
// divide 12).
// CHECK-LABEL: func.func @widths
// CHECK:         %[[C4:.*]] = arith.constant 4 : index
// CHECK:         scf.parallel {{.*}} step (%[[C4]])
// CHECK:           vector.store {{.*}} : memref<64xf32>, vector<4xf32>
// CHECK:         %[[C4B:.*]] = arith.constant 4 : index
// CHECK:         scf.parallel {{.*}} step (%[[C4B]])
// CHECK:           vector.store {{.*}} : memref<12xf16>, vector<4xf16>
func.func @widths(%x: memref<64xf16>, %y: memref<64xf32>, %z: memref<12xf16>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c12 = arith.constant 12 : index
  %c64 = arith.constant 64 : index
  scf.parallel (%j) = (%c0) to (%c64) step (%c1) {
    %a = memref.load %x[%j] : memref<64xf16>
    %w = arith.extf %a : f16 to f32
    memref.store %w, %y[%j] : memref<64xf32>
    scf.reduce
  }
  scf.parallel (%j) = (%c0) to (%c12) step (%c1) {
    %a = memref.load %x[%j] : memref<64xf16>
    memref.store %a, %z[%j] : memref<12xf16>
    scf.reduce
  }
  return
}

// -----

// Left alone: a store across the innermost loop (a transpose), a body with
// a loop (a row reduction), a trip count no power of two divides, a store
// of unit stride along another loop.
// CHECK-LABEL: func.func @unchanged
// CHECK-NOT:     arith.addi
// CHECK:       scf.parallel {{.*}} step (%c1, %c1)
// CHECK:       scf.parallel {{.*}} step (%c1)
// CHECK:       scf.parallel {{.*}} step (%c1)
// CHECK:       scf.parallel {{.*}} step (%c1, %c1)
// CHECK-NOT:     arith.addi
func.func @unchanged(%x: memref<8x8xf16>, %y: memref<8x8xf16>, %r: memref<8xf32>, %o: memref<7xf16>, %s: memref<8x8xf16, strided<[1, 8]>>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c7 = arith.constant 7 : index
  %c8 = arith.constant 8 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c8, %c8) step (%c1, %c1) {
    %a = memref.load %x[%i, %j] : memref<8x8xf16>
    memref.store %a, %y[%j, %i] : memref<8x8xf16>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %zero = arith.constant 0.0 : f32
    %sum = scf.for %k = %c0 to %c8 step %c1 iter_args(%acc = %zero) -> f32 {
      %a = memref.load %x[%i, %k] : memref<8x8xf16>
      %w = arith.extf %a : f16 to f32
      %n = arith.addf %acc, %w : f32
      scf.yield %n : f32
    }
    memref.store %sum, %r[%i] : memref<8xf32>
    scf.reduce
  }
  scf.parallel (%j) = (%c0) to (%c7) step (%c1) {
    %a = memref.load %x[%c0, %j] : memref<8x8xf16>
    memref.store %a, %o[%j] : memref<7xf16>
    scf.reduce
  }
  scf.parallel (%i, %j) = (%c0, %c0) to (%c8, %c8) step (%c1, %c1) {
    %a = memref.load %x[%i, %j] : memref<8x8xf16>
    memref.store %a, %s[%i, %j] : memref<8x8xf16, strided<[1, 8]>>
    scf.reduce
  }
  return
}

// -----

// A bufferized fused kernel as LinalgToLoops leaves it: one-element
// subviews, one-element buffers passing values between its ops, and a
// store of the element just loaded. The buffers become the values, the
// self-copy goes, and the kernel is coarsened like a plain one.
// CHECK-LABEL: func.func @bufferized_bias_relu
// CHECK-NOT:     memref.alloc
// CHECK:         scf.parallel {{.*}} step (%{{.*}}, %[[C8:c8.*]])
// CHECK:           vector.load %arg0{{.*}} : memref<4x64xf16>, vector<8xf16>
// CHECK:           vector.load %arg1{{.*}} : memref<64xf32>, vector<8xf32>
// CHECK-COUNT-8:   arith.maximumf
// CHECK:           vector.store {{.*}}, %arg2{{.*}} : memref<4x64xf16>, vector<8xf16>
// CHECK-NOT:       memref.store
// CHECK-NOT:       memref.load
// CHECK:           scf.reduce
func.func @bufferized_bias_relu(%x: memref<4x64xf16>, %b: memref<64xf32>, %y: memref<4x64xf16>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c64 = arith.constant 64 : index
  %zero = arith.constant 0.0 : f16
  scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c64) step (%c1, %c1) {
    %xs = memref.subview %x[%i, %j] [1, 1] [1, 1] : memref<4x64xf16> to memref<1x1xf16, strided<[64, 1], offset: ?>>
    %t0 = memref.alloc() {alignment = 64 : i64} : memref<1x1xf16>
    %a = memref.load %xs[%c0, %c0] : memref<1x1xf16, strided<[64, 1], offset: ?>>
    memref.store %a, %t0[%c0, %c0] : memref<1x1xf16>
    %bs = memref.subview %b[%j] [1] [1] : memref<64xf32> to memref<1xf32, strided<[1], offset: ?>>
    %t1 = memref.alloc() {alignment = 64 : i64} : memref<1x1xf16>
    %a2 = memref.load %t0[%c0, %c0] : memref<1x1xf16>
    %bias = memref.load %bs[%c0] : memref<1xf32, strided<[1], offset: ?>>
    %w = arith.extf %a2 : f16 to f32
    %s = arith.addf %w, %bias : f32
    %n = arith.truncf %s : f32 to f16
    %r = arith.maximumf %n, %zero : f16
    memref.store %r, %t1[%c0, %c0] : memref<1x1xf16>
    %ys = memref.subview %y[%i, %j] [1, 1] [1, 1] : memref<4x64xf16> to memref<1x1xf16, strided<[64, 1], offset: ?>>
    %r2 = memref.load %t1[%c0, %c0] : memref<1x1xf16>
    memref.store %r2, %ys[%c0, %c0] : memref<1x1xf16, strided<[64, 1], offset: ?>>
    %r3 = memref.load %ys[%c0, %c0] : memref<1x1xf16, strided<[64, 1], offset: ?>>
    memref.store %r3, %ys[%c0, %c0] : memref<1x1xf16, strided<[64, 1], offset: ?>>
    scf.reduce
  }
  return
}

// -----

// A buffer read before it is written is left alone, and with it the
// kernel.
// CHECK-LABEL: func.func @read_before_written
// CHECK:         scf.parallel {{.*}} step (%c1)
// CHECK-NEXT:      memref.alloc
func.func @read_before_written(%y: memref<64xf16>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  scf.parallel (%j) = (%c0) to (%c64) step (%c1) {
    %t = memref.alloc() : memref<1xf16>
    %a = memref.load %t[%c0] : memref<1xf16>
    memref.store %a, %y[%j] : memref<64xf16>
    memref.store %a, %t[%c0] : memref<1xf16>
    scf.reduce
  }
  return
}

// -----

// A copy into the interior of a padded buffer: the subview's offsets fold
// into indices computed from the outer induction variables (`%h + 1`),
// which do not change along the innermost loop, so the store is a vector.
// CHECK-LABEL: func.func @pad_interior
// CHECK:         scf.parallel {{.*}} step (%{{.*}}, %{{.*}}, %{{.*}})
// CHECK:           vector.load %arg0{{.*}} : memref<2x4x16xf16>, vector<8xf16>
// CHECK:           vector.store {{.*}}, %arg1{{.*}} : memref<2x6x16xf16>, vector<8xf16>
// CHECK-NOT:       memref.store
func.func @pad_interior(%x: memref<2x4x16xf16>, %y: memref<2x6x16xf16>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  %c16 = arith.constant 16 : index
  %interior = memref.subview %y[0, 1, 0] [2, 4, 16] [1, 1, 1] : memref<2x6x16xf16> to memref<2x4x16xf16, strided<[96, 16, 1], offset: 16>>
  scf.parallel (%n, %h, %c) = (%c0, %c0, %c0) to (%c2, %c4, %c16) step (%c1, %c1, %c1) {
    %a = memref.load %x[%n, %h, %c] : memref<2x4x16xf16>
    memref.store %a, %interior[%n, %h, %c] : memref<2x4x16xf16, strided<[96, 16, 1], offset: 16>>
    scf.reduce
  }
  return
}

// -----

// A max pooling over a 2 x 2 window of NHWC f16, the window a loop nest of
// 4 iterations reducing into the output element: the loops stay, their
// body repeated, each thread 8 channels, the window's loads and the
// output's loads and stores 16 bytes. The running maximum is carried by
// the loops (loaded once before them, stored once after) instead of being
// stored to the output at every tap.
// CHECK-LABEL: func.func @pool_window
// CHECK:         scf.parallel {{.*}} step (%{{.*}}, %{{.*}}, %[[C8:c8.*]])
// CHECK:           vector.store {{.*}} : memref<2x2x16xf16>, vector<8xf16>
// CHECK:           %[[INIT:.*]] = vector.load %arg1{{.*}} : memref<2x2x16xf16>, vector<8xf16>
// CHECK:           %[[MAX:.*]] = scf.for {{.*}} iter_args(%[[OUTER:.*]] = %[[INIT]]) -> (vector<8xf16>)
// CHECK:             %[[ROW:.*]] = scf.for {{.*}} iter_args(%[[ACC:.*]] = %[[OUTER]]) -> (vector<8xf16>)
// CHECK-NOT:           vector.store
// CHECK:               vector.load %arg0{{.*}} : memref<4x4x16xf16>, vector<8xf16>
// CHECK-NOT:           vector.load %arg1
// CHECK:               vector.extract %[[ACC]]
// CHECK-COUNT-8:       arith.maximumf
// CHECK:               %[[NEXT:.*]] = vector.from_elements
// CHECK-NEXT:          scf.yield %[[NEXT]] : vector<8xf16>
// CHECK:             scf.yield %[[ROW]] : vector<8xf16>
// CHECK:           vector.store %[[MAX]], %arg1{{.*}} : memref<2x2x16xf16>, vector<8xf16>
// CHECK-NOT:       memref.store
func.func @pool_window(%x: memref<4x4x16xf16>, %y: memref<2x2x16xf16>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c16 = arith.constant 16 : index
  %ninf = arith.constant 0xFC00 : f16
  scf.parallel (%h, %w, %c) = (%c0, %c0, %c0) to (%c2, %c2, %c16) step (%c1, %c1, %c1) {
    %h2 = affine.apply affine_map<(d0) -> (d0 * 2)>(%h)
    %w2 = affine.apply affine_map<(d0) -> (d0 * 2)>(%w)
    memref.store %ninf, %y[%h, %w, %c] : memref<2x2x16xf16>
    scf.for %i = %c0 to %c2 step %c1 {
      scf.for %j = %c0 to %c2 step %c1 {
        %hi = arith.addi %h2, %i : index
        %wj = arith.addi %w2, %j : index
        %a = memref.load %x[%hi, %wj, %c] : memref<4x4x16xf16>
        %m = memref.load %y[%h, %w, %c] : memref<2x2x16xf16>
        %n = arith.maximumf %m, %a : f16
        memref.store %n, %y[%h, %w, %c] : memref<2x2x16xf16>
      }
    }
    scf.reduce
  }
  return
}

// -----

// A row reduction of 64 or more iterations is left to map-to-gpu, which
// gives it a warp.
// CHECK-LABEL: func.func @long_window
// CHECK:         scf.parallel {{.*}} step (%c1)
func.func @long_window(%x: memref<64x16xf16>, %y: memref<16xf16>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %c64 = arith.constant 64 : index
  scf.parallel (%c) = (%c0) to (%c16) step (%c1) {
    scf.for %i = %c0 to %c64 step %c1 {
      %a = memref.load %x[%i, %c] : memref<64x16xf16>
      %m = memref.load %y[%c] : memref<16xf16>
      %n = arith.addf %m, %a : f16
      memref.store %n, %y[%c] : memref<16xf16>
    }
    scf.reduce
  }
  return
}

// -----

// A window loop that also writes elsewhere (here a second output at every
// tap) keeps its accumulator in memory: only a loop whose one store is the
// accumulator's carries it.
// CHECK-LABEL: func.func @window_with_other_store
// CHECK:         scf.for
// CHECK-NOT:       iter_args
// CHECK:           vector.load %arg1
// CHECK:           vector.store {{.*}} %arg1
// CHECK:           vector.store {{.*}} %arg2
func.func @window_with_other_store(%x: memref<4x16xf16>, %y: memref<16xf16>, %z: memref<4x16xf16>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c16 = arith.constant 16 : index
  scf.parallel (%c) = (%c0) to (%c16) step (%c1) {
    scf.for %i = %c0 to %c4 step %c1 {
      %a = memref.load %x[%i, %c] : memref<4x16xf16>
      %m = memref.load %y[%c] : memref<16xf16>
      %n = arith.maximumf %m, %a : f16
      memref.store %n, %y[%c] : memref<16xf16>
      memref.store %n, %z[%i, %c] : memref<4x16xf16>
    }
    scf.reduce
  }
  return
}
