// RUN: autoglm-opt %s --autoglm-vectorize-rows=vector-bits=512 | FileCheck %s
// RUN: autoglm-opt %s --autoglm-vectorize-rows=vector-bits=256 | FileCheck %s --check-prefix=AVX2

// A convolution's kernel tap copied into its im2col panel, stride 2: how
// many rows and columns lie inside the image is known at run time only.
// Each row's whole vectors, 16 columns at a time, are one load of the 32
// lanes of input under them (the 31 they span), a shuffle of every second
// lane and an unmasked store; the rest of the row is the last 16 columns
// again where the row has 16, else a load masked to the 2 * count - 1
// lanes the count columns span and a store masked to the count.
// CHECK-LABEL: func.func @tap_stride2
// CHECK-SAME: %[[IN:[^:]+]]: memref<1x8x56x56xf32>, %[[PANEL:[^:]+]]: memref<1x8x3x3x8x28xf32>, %[[TOP:[^:]+]]: index, %[[LEFT:[^:]+]]: index, %[[ROWS:[^:]+]]: index, %[[COLS:[^:]+]]: index
// CHECK-NOT: linalg.copy
// CHECK: %[[SRC:.*]] = memref.subview %[[IN]][0, 0, %[[TOP]], %[[LEFT]]] [1, 8, %[[ROWS]], %[[COLS]]] [1, 1, 2, 2]
// CHECK: %[[DST:.*]] = memref.subview %[[PANEL]]
// CHECK: scf.for %[[C:.*]] = %c0 to %c8 step %c1
// CHECK: scf.for %[[R:.*]] = %c0 to %[[ROWS]] step %c1
// CHECK: %[[WHOLE:.*]] = affine.apply #{{.*}}()[%[[COLS]]]
// CHECK: scf.for %[[J:.*]] = %c0 to %[[WHOLE]] step %c16
// CHECK: %[[WINDOW:.*]] = memref.reinterpret_cast {{.*}} sizes: [31], strides: [1]
// CHECK: %[[WIDE:.*]] = vector.maskedload %[[WINDOW]][%c0], %[[SPAN31:.*]], %{{.*}} : {{.*}}, vector<32xi1>, vector<32xf32> into vector<32xf32>
// CHECK: %[[ROW:.*]] = vector.shuffle %[[WIDE]], %[[WIDE]] [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30]
// CHECK: vector.store %[[ROW]], %[[DST]][%c0, %[[C]], %[[R]], %[[J]]] : {{.*}}, vector<16xf32>
// CHECK: %[[REST:.*]] = arith.cmpi ult, %[[WHOLE]], %[[COLS]]
// CHECK: scf.if %[[REST]]
// CHECK: %[[LONG:.*]] = arith.cmpi uge, %[[COLS]], %c16
// CHECK: scf.if %[[LONG]]
// CHECK: %[[LAST:.*]] = arith.subi %[[COLS]], %c16
// CHECK: vector.shuffle
// CHECK: vector.store %{{.*}}, %[[DST]][%c0, %[[C]], %[[R]], %[[LAST]]] : {{.*}}, vector<16xf32>
// CHECK: } else {
// CHECK: %[[MASK:.*]] = vector.create_mask %[[COLS]] : vector<16xi1>
// CHECK: %[[TWICE:.*]] = arith.muli %[[COLS]], %c2
// CHECK: %[[SPAN:.*]] = arith.subi %[[TWICE]], %c1
// CHECK: %[[WIDEMASK:.*]] = vector.create_mask %[[SPAN]] : vector<32xi1>
// CHECK: %[[PART:.*]] = vector.maskedload %{{.*}}[%c0], %[[WIDEMASK]], %{{.*}} : {{.*}}, vector<32xi1>, vector<32xf32> into vector<32xf32>
// CHECK: %[[PARTROW:.*]] = vector.shuffle %[[PART]], %[[PART]] [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30]
// CHECK: vector.maskedstore %[[DST]][%c0, %[[C]], %[[R]], %c0], %[[MASK]], %[[PARTROW]] : {{.*}}, vector<16xi1>, vector<16xf32>
// On AVX2 a whole vector's 15 lanes of input are two unmasked loads that
// overlap (masked loads and stores are slow instructions there), lanes 0
// to 7 and 7 to 14, and the shuffle takes the even elements of both.
// AVX2-LABEL: func.func @tap_stride2
// AVX2: scf.for
// AVX2: scf.for
// AVX2: scf.for
// AVX2-NOT: vector.mask
// AVX2: %[[LO:.*]] = vector.load %[[WINDOW:.*]][%c0] : memref<15xf32, {{.*}}>, vector<8xf32>
// AVX2: %[[HI:.*]] = vector.load %[[WINDOW]][%c7] : memref<15xf32, {{.*}}>, vector<8xf32>
// AVX2: %[[ROW:.*]] = vector.shuffle %[[LO]], %[[HI]] [0, 2, 4, 6, 9, 11, 13, 15] : vector<8xf32>, vector<8xf32>
// AVX2: vector.store %[[ROW]], {{.*}} vector<8xf32>
// AVX2: scf.if
// AVX2-NOT: vector.mask
// AVX2: vector.store
// AVX2: } else {
// AVX2: vector.maskedload {{.*}} vector<16xi1>, vector<16xf32> into vector<16xf32>
// AVX2: vector.shuffle %{{.*}}, %{{.*}} [0, 2, 4, 6, 8, 10, 12, 14] : vector<16xf32>, vector<16xf32>
// AVX2: vector.maskedstore {{.*}}, vector<8xi1>, vector<8xf32>
func.func @tap_stride2(%in: memref<1x8x56x56xf32>, %panel: memref<1x8x3x3x8x28xf32>, %top: index, %left: index, %rows: index, %cols: index, %r: index, %j: index) {
  %src = memref.subview %in[0, 0, %top, %left] [1, 8, %rows, %cols] [1, 1, 2, 2] : memref<1x8x56x56xf32> to memref<1x8x?x?xf32, strided<[25088, 3136, 112, 2], offset: ?>>
  %dst = memref.subview %panel[0, 0, 1, 2, %r, %j] [1, 8, 1, 1, %rows, %cols] [1, 1, 1, 1, 1, 1] : memref<1x8x3x3x8x28xf32> to memref<1x8x?x?xf32, strided<[16128, 2016, 28, 1], offset: ?>>
  linalg.copy ins(%src : memref<1x8x?x?xf32, strided<[25088, 3136, 112, 2], offset: ?>>) outs(%dst : memref<1x8x?x?xf32, strided<[16128, 2016, 28, 1], offset: ?>>)
  return
}

// Stride 3: a row shorter than a vector, 48 lanes loaded, masked to
// 3 * count - 2, every third kept.
// CHECK-LABEL: func.func @tap_stride3
// CHECK: } else {
// CHECK: %[[THRICE:.*]] = arith.muli %{{.*}}, %c3 :
// CHECK: %[[SPAN:.*]] = arith.subi %[[THRICE]], %c2
// CHECK: vector.create_mask %[[SPAN]] : vector<48xi1>
// CHECK: vector.maskedload {{.*}} vector<48xf32> into vector<48xf32>
// CHECK: vector.shuffle %{{.*}}, %{{.*}} [0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 33, 36, 39, 42, 45] : vector<48xf32>, vector<48xf32>
// CHECK: vector.maskedstore {{.*}}, vector<16xi1>, vector<16xf32>
func.func @tap_stride3(%in: memref<1x4x61x61xf32>, %panel: memref<1x4x3x3x4x20xf32>, %top: index, %left: index, %rows: index, %cols: index, %r: index, %j: index) {
  %src = memref.subview %in[0, 0, %top, %left] [1, 4, %rows, %cols] [1, 1, 3, 3] : memref<1x4x61x61xf32> to memref<1x4x?x?xf32, strided<[14884, 3721, 183, 3], offset: ?>>
  %dst = memref.subview %panel[0, 0, 0, 1, %r, %j] [1, 4, 1, 1, %rows, %cols] [1, 1, 1, 1, 1, 1] : memref<1x4x3x3x4x20xf32> to memref<1x4x?x?xf32, strided<[720, 240, 20, 1], offset: ?>>
  linalg.copy ins(%src : memref<1x4x?x?xf32, strided<[14884, 3721, 183, 3], offset: ?>>) outs(%dst : memref<1x4x?x?xf32, strided<[720, 240, 20, 1], offset: ?>>)
  return
}

// Stride 1: the row loaded as it is, no shuffle; whole vectors unmasked,
// a row shorter than one masked to its length.
// CHECK-LABEL: func.func @tap_stride1
// CHECK: scf.for %[[J:.*]] = %c0 to %{{.*}} step %c16
// CHECK: %[[WHOLE:.*]] = vector.load %{{.*}}[%c0, %{{.*}}, %{{.*}}, %[[J]]] : {{.*}}, vector<16xf32>
// CHECK: vector.store %[[WHOLE]]
// CHECK: } else {
// CHECK: %[[MASK:.*]] = vector.create_mask %{{.*}} : vector<16xi1>
// CHECK: %[[ROW:.*]] = vector.maskedload %{{.*}}, %[[MASK]], %{{.*}} : {{.*}}, vector<16xi1>, vector<16xf32> into vector<16xf32>
// CHECK-NOT: vector.shuffle
// CHECK: vector.maskedstore %{{.*}}, %[[MASK]], %[[ROW]]
func.func @tap_stride1(%in: memref<1x8x14x14xf32>, %panel: memref<1x8x3x3x7x14xf32>, %top: index, %left: index, %rows: index, %cols: index, %r: index, %j: index) {
  %src = memref.subview %in[0, 0, %top, %left] [1, 8, %rows, %cols] [1, 1, 1, 1] : memref<1x8x14x14xf32> to memref<1x8x?x?xf32, strided<[1568, 196, 14, 1], offset: ?>>
  %dst = memref.subview %panel[0, 0, 1, 2, %r, %j] [1, 8, 1, 1, %rows, %cols] [1, 1, 1, 1, 1, 1] : memref<1x8x3x3x7x14xf32> to memref<1x8x?x?xf32, strided<[882, 98, 14, 1], offset: ?>>
  linalg.copy ins(%src : memref<1x8x?x?xf32, strided<[1568, 196, 14, 1], offset: ?>>) outs(%dst : memref<1x8x?x?xf32, strided<[882, 98, 14, 1], offset: ?>>)
  return
}

// Left as copies: a stride beyond 4 along the row, and a target whose
// rows are not contiguous.
// CHECK-LABEL: func.func @unchanged
// CHECK-NOT: vector.maskedload
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
// CHECK-NOT: vector.maskedload
// CHECK: linalg.copy
func.func @booleans(%in: memref<8x64xi1>, %out: memref<8x32xi1>, %n: index) {
  %s = memref.subview %in[0, 0] [8, %n] [1, 2] : memref<8x64xi1> to memref<8x?xi1, strided<[64, 2]>>
  %d = memref.subview %out[0, 0] [8, %n] [1, 1] : memref<8x32xi1> to memref<8x?xi1, strided<[32, 1]>>
  linalg.copy ins(%s : memref<8x?xi1, strided<[64, 2]>>) outs(%d : memref<8x?xi1, strided<[32, 1]>>)
  return
}

// bf16 on AVX2, which masks 32- and 64-bit lanes only: whole vectors of 16
// elements as before, a row shorter than one an element at a time (LLVM
// would convert a masked bf16 vector's lanes through f32 and round them
// back with a call the model library does not link).
// AVX2-LABEL: func.func @tap_bf16
// AVX2: vector.load {{.*}} vector<16xbf16>
// AVX2: vector.load {{.*}} vector<16xbf16>
// AVX2: vector.store {{.*}} vector<16xbf16>
// AVX2: } else {
// AVX2-NEXT: scf.for %[[K:.*]] = %c0 to %{{.*}} step %c1
// AVX2-NEXT: %[[V:.*]] = memref.load %{{.*}}[%c0, %{{.*}}, %{{.*}}, %[[K]]] : memref<1x8x?x?xbf16
// AVX2-NEXT: memref.store %[[V]], %{{.*}}[%c0, %{{.*}}, %{{.*}}, %[[K]]] : memref<1x8x?x?xbf16
// AVX2-NOT: vector.mask
// AVX2: return
// CHECK-LABEL: func.func @tap_bf16
// CHECK: } else {
// CHECK: vector.maskedstore {{.*}}, vector<32xi1>, vector<32xbf16>
func.func @tap_bf16(%in: memref<1x8x56x56xbf16>, %panel: memref<1x8x3x3x8x28xbf16>, %top: index, %left: index, %rows: index, %cols: index, %r: index, %j: index) {
  %src = memref.subview %in[0, 0, %top, %left] [1, 8, %rows, %cols] [1, 1, 2, 2] : memref<1x8x56x56xbf16> to memref<1x8x?x?xbf16, strided<[25088, 3136, 112, 2], offset: ?>>
  %dst = memref.subview %panel[0, 0, 1, 2, %r, %j] [1, 8, 1, 1, %rows, %cols] [1, 1, 1, 1, 1, 1] : memref<1x8x3x3x8x28xbf16> to memref<1x8x?x?xbf16, strided<[16128, 2016, 28, 1], offset: ?>>
  linalg.copy ins(%src : memref<1x8x?x?xbf16, strided<[25088, 3136, 112, 2], offset: ?>>) outs(%dst : memref<1x8x?x?xbf16, strided<[16128, 2016, 28, 1], offset: ?>>)
  return
}
