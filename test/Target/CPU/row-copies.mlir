// RUN: autoglm-opt %s --autoglm-vectorize-rows=vector-bits=512 | FileCheck %s
// RUN: autoglm-opt %s --autoglm-vectorize-rows=vector-bits=256 | FileCheck %s --check-prefix=AVX2

// A convolution's kernel tap copied into its im2col panel, stride 2: how
// many rows and columns lie inside the image is known at run time only.
// Each row is read from a unit-stride view of the input as 32 lanes
// masked to the 2 * cols - 1 that the row spans, shuffled down to every
// second lane, and written as 16 lanes masked to the row's columns.
// CHECK-LABEL: func.func @tap_stride2
// CHECK-SAME: %[[IN:[^:]+]]: memref<1x8x56x56xf32>, %[[PANEL:[^:]+]]: memref<1x8x3x3x8x28xf32>, %[[TOP:[^:]+]]: index, %[[LEFT:[^:]+]]: index, %[[ROWS:[^:]+]]: index, %[[COLS:[^:]+]]: index
// CHECK-NOT: linalg.copy
// CHECK: %[[SPAN:.*]] = affine.max #{{.*}}()[%[[COLS]]]
// CHECK: %[[SPANS:.*]] = memref.subview %[[IN]][0, 0, %[[TOP]], %[[LEFT]]] [1, 8, %[[ROWS]], %[[SPAN]]] [1, 1, 2, 1]
// CHECK: scf.for %[[C:.*]] = %c0 to %c8 step %c1
// CHECK: scf.for %[[R:.*]] = %c0 to %[[ROWS]] step %c1
// CHECK: scf.for %[[J:.*]] = %c0 to %[[COLS]] step %c16
// CHECK: %[[COUNT:.*]] = affine.min #{{.*}}(%[[J]])[%[[COLS]]]
// CHECK: %[[SPANCOUNT:.*]] = affine.apply #{{.*}}(%[[COUNT]])
// CHECK: %[[WIDEMASK:.*]] = vector.create_mask %[[SPANCOUNT]] : vector<32xi1>
// CHECK: %[[AT:.*]] = affine.apply #{{.*}}(%[[J]])
// CHECK: %[[WIDE:.*]] = vector.transfer_read %[[SPANS]][%{{.*}}, %[[C]], %[[R]], %[[AT]]], %{{.*}}, %[[WIDEMASK]] {in_bounds = [true]} : {{.*}}, vector<32xf32>
// CHECK: %[[ROW:.*]] = vector.shuffle %[[WIDE]], %[[WIDE]] [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30]
// CHECK: %[[MASK:.*]] = vector.create_mask %[[COUNT]] : vector<16xi1>
// CHECK: vector.transfer_write %[[ROW]], %{{.*}}[%{{.*}}, %[[C]], %[[R]], %[[J]]], %[[MASK]] {in_bounds = [true]} : vector<16xf32>
// AVX2-LABEL: func.func @tap_stride2
// AVX2: vector.transfer_read {{.*}} vector<16xf32>
// AVX2: vector.shuffle %{{.*}}, %{{.*}} [0, 2, 4, 6, 8, 10, 12, 14] : vector<16xf32>, vector<16xf32>
// AVX2: vector.transfer_write {{.*}} : vector<8xf32>
func.func @tap_stride2(%in: memref<1x8x56x56xf32>, %panel: memref<1x8x3x3x8x28xf32>, %top: index, %left: index, %rows: index, %cols: index, %r: index, %j: index) {
  %src = memref.subview %in[0, 0, %top, %left] [1, 8, %rows, %cols] [1, 1, 2, 2] : memref<1x8x56x56xf32> to memref<1x8x?x?xf32, strided<[25088, 3136, 112, 2], offset: ?>>
  %dst = memref.subview %panel[0, 0, 1, 2, %r, %j] [1, 8, 1, 1, %rows, %cols] [1, 1, 1, 1, 1, 1] : memref<1x8x3x3x8x28xf32> to memref<1x8x?x?xf32, strided<[16128, 2016, 28, 1], offset: ?>>
  linalg.copy ins(%src : memref<1x8x?x?xf32, strided<[25088, 3136, 112, 2], offset: ?>>) outs(%dst : memref<1x8x?x?xf32, strided<[16128, 2016, 28, 1], offset: ?>>)
  return
}

// Stride 3: 48 lanes read, every third kept.
// CHECK-LABEL: func.func @tap_stride3
// CHECK: vector.create_mask %{{.*}} : vector<48xi1>
// CHECK: vector.transfer_read {{.*}} vector<48xf32>
// CHECK: vector.shuffle %{{.*}}, %{{.*}} [0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 33, 36, 39, 42, 45] : vector<48xf32>, vector<48xf32>
// CHECK: vector.transfer_write {{.*}} : vector<16xf32>
func.func @tap_stride3(%in: memref<1x4x61x61xf32>, %panel: memref<1x4x3x3x4x20xf32>, %top: index, %left: index, %rows: index, %cols: index, %r: index, %j: index) {
  %src = memref.subview %in[0, 0, %top, %left] [1, 4, %rows, %cols] [1, 1, 3, 3] : memref<1x4x61x61xf32> to memref<1x4x?x?xf32, strided<[14884, 3721, 183, 3], offset: ?>>
  %dst = memref.subview %panel[0, 0, 0, 1, %r, %j] [1, 4, 1, 1, %rows, %cols] [1, 1, 1, 1, 1, 1] : memref<1x4x3x3x4x20xf32> to memref<1x4x?x?xf32, strided<[720, 240, 20, 1], offset: ?>>
  linalg.copy ins(%src : memref<1x4x?x?xf32, strided<[14884, 3721, 183, 3], offset: ?>>) outs(%dst : memref<1x4x?x?xf32, strided<[720, 240, 20, 1], offset: ?>>)
  return
}

// Stride 1: the row read as it is, no shuffle.
// CHECK-LABEL: func.func @tap_stride1
// CHECK: scf.for %[[J:.*]] = %c0 to %{{.*}} step %c16
// CHECK: %[[COUNT:.*]] = affine.min
// CHECK: %[[READMASK:.*]] = vector.create_mask %[[COUNT]] : vector<16xi1>
// CHECK: %[[ROW:.*]] = vector.transfer_read {{.*}}, %[[READMASK]] {in_bounds = [true]} : {{.*}}, vector<16xf32>
// CHECK-NOT: vector.shuffle
// CHECK: vector.transfer_write %[[ROW]]
func.func @tap_stride1(%in: memref<1x8x14x14xf32>, %panel: memref<1x8x3x3x7x14xf32>, %top: index, %left: index, %rows: index, %cols: index, %r: index, %j: index) {
  %src = memref.subview %in[0, 0, %top, %left] [1, 8, %rows, %cols] [1, 1, 1, 1] : memref<1x8x14x14xf32> to memref<1x8x?x?xf32, strided<[1568, 196, 14, 1], offset: ?>>
  %dst = memref.subview %panel[0, 0, 1, 2, %r, %j] [1, 8, 1, 1, %rows, %cols] [1, 1, 1, 1, 1, 1] : memref<1x8x3x3x7x14xf32> to memref<1x8x?x?xf32, strided<[882, 98, 14, 1], offset: ?>>
  linalg.copy ins(%src : memref<1x8x?x?xf32, strided<[1568, 196, 14, 1], offset: ?>>) outs(%dst : memref<1x8x?x?xf32, strided<[882, 98, 14, 1], offset: ?>>)
  return
}

// Left as copies: a stride beyond 4 along the row, and a target whose
// rows are not contiguous.
// CHECK-LABEL: func.func @unchanged
// CHECK-NOT: vector.transfer_read
// CHECK: linalg.copy ins(%{{.*}} : memref<8x?xf32, strided<[64, 8]>>)
// CHECK: linalg.copy ins(%{{.*}} : memref<8x?xf32, strided<[64, 2]>>) outs(%{{.*}} : memref<8x?xf32, strided<[64, 2]>>)
func.func @unchanged(%in: memref<64x64xf32>, %out: memref<8x64xf32>, %n: index) {
  %s8 = memref.subview %in[0, 0] [8, %n] [1, 8] : memref<64x64xf32> to memref<8x?xf32, strided<[64, 8]>>
  %d = memref.subview %out[0, 0] [8, %n] [1, 1] : memref<8x64xf32> to memref<8x?xf32, strided<[64, 1]>>
  linalg.copy ins(%s8 : memref<8x?xf32, strided<[64, 8]>>) outs(%d : memref<8x?xf32, strided<[64, 1]>>)
  %s2 = memref.subview %in[0, 0] [8, %n] [1, 2] : memref<64x64xf32> to memref<8x?xf32, strided<[64, 2]>>
  %d2 = memref.subview %out[0, 0] [8, %n] [1, 2] : memref<8x64xf32> to memref<8x?xf32, strided<[64, 2]>>
  linalg.copy ins(%s2 : memref<8x?xf32, strided<[64, 2]>>) outs(%d2 : memref<8x?xf32, strided<[64, 2]>>)
  return
}

// Booleans (a byte each in a buffer, packed bits in a vector) stay copies.
// CHECK-LABEL: func.func @booleans
// CHECK-NOT: vector.transfer_read
// CHECK: linalg.copy
func.func @booleans(%in: memref<8x64xi1>, %out: memref<8x32xi1>, %n: index) {
  %s = memref.subview %in[0, 0] [8, %n] [1, 2] : memref<8x64xi1> to memref<8x?xi1, strided<[64, 2]>>
  %d = memref.subview %out[0, 0] [8, %n] [1, 1] : memref<8x32xi1> to memref<8x?xi1, strided<[32, 1]>>
  linalg.copy ins(%s : memref<8x?xi1, strided<[64, 2]>>) outs(%d : memref<8x?xi1, strided<[32, 1]>>)
  return
}
