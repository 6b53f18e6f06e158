// RUN: autoglm-opt %s --autoglm-tile-and-vectorize-contractions=vector-bits=512 | FileCheck %s
// RUN: autoglm-opt %s --autoglm-tile-and-vectorize-contractions=vector-bits=256 | FileCheck %s --check-prefix=AVX2
// RUN: autoglm-opt %s --autoglm-tile-and-vectorize-contractions="vector-bits=512 prefetch-distance=0" | FileCheck %s --check-prefix=NOPF
// RUN: autoglm-opt %s --autoglm-tile-and-vectorize-contractions="vector-bits=512 prefetch-stream=0" | FileCheck %s --check-prefix=NOSTREAM

// Odd sizes: 8x32 register tiles over 64x128, column panels outside and
// row tiles inside (B's panel is reused by every row tile), the partial row
// (3x32) and column (8x3, 3x3) tiles peeled off with static shapes. The
// accumulator is carried through the K loop; each k does broadcasts of A
// and FMAs.
// CHECK-LABEL: func.func @odd_matmul
// CHECK-NOT: linalg.matmul
// CHECK: scf.for %[[N:.*]] = %c0 to %c128 step %c32
// CHECK: scf.for %[[M:.*]] = %c0 to %c64 step %c8
// CHECK: %[[C:.*]] = memref.subview %{{.*}}[%[[M]], %[[N]]] [8, 32] [1, 1]
// CHECK: scf.for %{{.*}} = %c0 to %c29 step %c1 iter_args(%[[ACC:.*]] = %{{.*}}) -> (vector<8x32xf32>)
// CHECK-COUNT-8: vector.fma %{{.*}} : vector<32xf32>
// CHECK: scf.yield
// CHECK: vector.transfer_write %{{.*}}, %[[C]]
// CHECK: memref.subview %{{.*}}[64, %[[N]]] [3, 32] [1, 1]
// CHECK: vector<3x32xf32>
// CHECK: memref.subview %{{.*}}[%{{.*}}, 128] [8, 3] [1, 1]
// CHECK: vector<8x3xf32>
// CHECK: memref.subview %{{.*}}[64, 128] [3, 3] [1, 1]
// CHECK: vector<3x3xf32>
// AVX2-LABEL: func.func @odd_matmul
// AVX2: scf.for %{{.*}} = %c0 to %c66 step %c6
// AVX2: iter_args(%{{.*}}) -> (vector<6x16xf32>)
// AVX2-COUNT-6: vector.fma %{{.*}} : vector<16xf32>
func.func @odd_matmul(%a: memref<67x29xf32>, %b: memref<29x131xf32>, %c: memref<67x131xf32>) {
  linalg.matmul ins(%a, %b : memref<67x29xf32>, memref<29x131xf32>) outs(%c : memref<67x131xf32>)
  return
}

// N = 49 (a 7x7 convolution's columns): 32-wide tiles would leave a 17-wide
// partial tile, an odd vector LLVM splits lane by lane. With AVX-512's 32
// registers the tiles are three vectors wide (48 + 1): three one-vector
// accumulators over column views of C share a K loop, and each row's
// broadcast of A feeds three FMAs before the next row's (no vector<8x48>,
// which LLVM would lower lane by lane). The remainder is one column.
// CHECK-LABEL: func.func @seven_by_seven
// CHECK-NOT: vector<8x48xf32>
// CHECK: scf.for %{{.*}} = %c0 to %c64 step %c8
// CHECK: %[[C:.*]] = memref.subview %arg2[%{{.*}}, 0] [8, 48] [1, 1]
// CHECK: %[[C0:.*]] = memref.subview %[[C]][0, 0] [8, 16] [1, 1]
// CHECK: %[[C1:.*]] = memref.subview %[[C]][0, 16] [8, 16] [1, 1]
// CHECK: %[[C2:.*]] = memref.subview %[[C]][0, 32] [8, 16] [1, 1]
// CHECK: %[[R:.*]]:3 = scf.for %{{.*}} = %c0 to %c32 step %c1 iter_args(%[[A0:.*]] = %{{.*}}, %[[A1:.*]] = %{{.*}}, %[[A2:.*]] = %{{.*}}) -> (vector<8x16xf32>, vector<8x16xf32>, vector<8x16xf32>)
// CHECK: %[[B0:.*]] = vector.load {{.*}} vector<16xf32>
// CHECK: %[[B1:.*]] = vector.load %{{.*}}[%c0, %c16] {{.*}} vector<16xf32>
// CHECK: %[[B2:.*]] = vector.load %{{.*}}[%c0, %c32] {{.*}} vector<16xf32>
// CHECK: %[[X:.*]] = memref.load
// CHECK-NEXT: %[[BC:.*]] = vector.broadcast %[[X]] : f32 to vector<16xf32>
// CHECK-NEXT: %[[E0:.*]] = vector.extract %[[A0]][0]
// CHECK-NEXT: vector.fma %[[BC]], %[[B0]], %[[E0]]
// CHECK-NEXT: vector.insert
// CHECK-NEXT: %[[E1:.*]] = vector.extract %[[A1]][0]
// CHECK-NEXT: vector.fma %[[BC]], %[[B1]], %[[E1]]
// CHECK-NEXT: vector.insert
// CHECK-NEXT: %[[E2:.*]] = vector.extract %[[A2]][0]
// CHECK-NEXT: vector.fma %[[BC]], %[[B2]], %[[E2]]
// CHECK-NEXT: vector.insert
// CHECK-NEXT: memref.load
// CHECK: vector.transfer_write %[[R]]#0, %[[C0]]
// CHECK: vector.transfer_write %[[R]]#1, %[[C1]]
// CHECK: vector.transfer_write %[[R]]#2, %[[C2]]
// The remainder column is 8 dot products along K (two steps of 16 here):
// a vector of each row of A, B's column as one vector, then each sum
// reduced and added to C's element. B's column is gathered once, before
// the loop of row tiles that all read it, into a stack buffer: a vector
// a step of k.
// CHECK: %[[BUF:.*]] = memref.alloca() {alignment = 64 : i64} : memref<2x1x16xf32>
// CHECK: scf.for %[[S:.*]] = %c0 to %c2 step %c1
// CHECK: %[[G:.*]] = vector.from_elements {{.*}} : vector<16xf32>
// CHECK: vector.store %[[G]], %[[BUF]][%[[S]], %c0, %c0]
// CHECK: scf.for %{{.*}} = %c0 to %c64 step %c8
// CHECK: %[[R1:.*]] = memref.subview %arg2[%{{.*}}, 48] [8, 1] [1, 1]
// CHECK: %[[D:.*]]:8 = scf.for %{{.*}} = %c0 to %c32 step %c16 iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK-NOT: vector.from_elements
// CHECK: %[[COL:.*]] = vector.load %[[BUF]][%{{.*}}, %c0, %c0] : memref<2x1x16xf32>, vector<16xf32>
// CHECK: %[[ROW:.*]] = vector.load %arg0[%{{.*}}, %{{.*}}] : memref<64x32xf32>, vector<16xf32>
// CHECK-NEXT: vector.fma %[[ROW]], %[[COL]], %{{.*}} : vector<16xf32>
// CHECK: %[[S:.*]] = vector.reduction <add>, %[[D]]#0 : vector<16xf32> into f32
// CHECK: %[[OLD:.*]] = memref.load %[[R1]][%c0, %c0]
// CHECK: %[[NEW:.*]] = arith.addf %[[OLD]], %[[S]] : f32
// CHECK: memref.store %[[NEW]], %[[R1]][%c0, %c0]
// CHECK-NOT: vector<8x17xf32>
// CHECK-NOT: vector<8x48xf32>
// CHECK-NOT: vector<8x1xf32>
// AVX2-LABEL: func.func @seven_by_seven
// AVX2: scf.for %{{.*}} = %c0 to %c48 step %c16
// AVX2: iter_args(%{{.*}}) -> (vector<6x16xf32>)
// AVX2 keeps one-vector tiles (16 registers) but its column too is dot
// products along K, 8 values of k a step:
// AVX2: scf.for %{{.*}} = %c0 to %c32 step %c8 iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// AVX2: vector.reduction <add>, %{{.*}} : vector<8xf32> into f32
func.func @seven_by_seven(%a: memref<64x32xf32>, %b: memref<32x49xf32>, %c: memref<64x49xf32>) {
  linalg.matmul ins(%a, %b : memref<64x32xf32>, memref<32x49xf32>) outs(%c : memref<64x49xf32>)
  return
}

// N = 98 (a 3x3 stride-2 convolution's block of 7 rows of 14): 3 tiles of
// 32 and a remainder of 2 columns, computed along K as a column pair (both
// columns in one accumulator per row, 8 values of k each; the form of
// @two_columns_left below), each half reduced and added to its element of
// C.
// CHECK-LABEL: func.func @two_columns
// CHECK: scf.for %{{.*}} = %c0 to %c96 step %c32
// CHECK: %[[PAIRS:.*]] = memref.alloca() {alignment = 64 : i64} : memref<4x1x16xf32>
// CHECK: scf.for %{{.*}} = %c0 to %c4 step %c1
// CHECK-COUNT-8: vector.load %arg1[%{{.*}}, %c96] : memref<32x98xf32>, vector<2xf32>
// CHECK: vector.store %{{.*}}, %[[PAIRS]]
// CHECK: %[[R2:.*]] = memref.subview %arg2[%{{.*}}, 96] [8, 2] [1, 1]
// CHECK: %[[D2:.*]]:8 = scf.for %{{.*}} = %c0 to %c32 step %c8
// CHECK: vector.load %[[PAIRS]]
// CHECK: vector.fma %{{.*}}, %{{.*}}, %{{.*}} : vector<16xf32>
// CHECK: vector.extract_strided_slice %[[D2]]#0 {offsets = [0], sizes = [8], strides = [1]}
// CHECK: memref.store %{{.*}}, %[[R2]][%c0, %c0]
// CHECK: vector.extract_strided_slice %[[D2]]#0 {offsets = [8], sizes = [8], strides = [1]}
// CHECK: memref.store %{{.*}}, %[[R2]][%c0, %c1]
// CHECK-NOT: vector<8x2xf32>
// AVX2 (8 lanes) keeps the narrow tile, on the block's last two columns
// (B's rows of 98 floats straddle cache lines: its column tiles are copied
// first, @avx2_straddled_rows).
// AVX2-LABEL: func.func @two_columns
// AVX2: memref.subview %arg2[0, 96] [64, 2] [1, 1]
// AVX2: iter_args(%{{.*}}) -> (vector<6x2xf32>)
func.func @two_columns(%a: memref<64x32xf32>, %b: memref<32x98xf32>, %c: memref<64x98xf32>) {
  linalg.matmul ins(%a, %b : memref<64x32xf32>, memref<32x98xf32>) outs(%c : memref<64x98xf32>)
  return
}

// Large products get cache blocks first: 64x256 blocks of C in parallel,
// K in blocks of 256 inside, then the register tiles (column panels
// outside, rows inside).
// CHECK-LABEL: func.func @blocked_matmul
// CHECK: scf.parallel (%{{.*}}, %{{.*}}) = (%c0, %c0) to (%c1024, %c1024) step (%c64, %c256)
// CHECK: scf.for %{{.*}} = %c0 to %c1024 step %c256
// CHECK: scf.for %{{.*}} = %c0 to %c256 step %c32
// CHECK: scf.for %{{.*}} = %c0 to %c64 step %c8
// CHECK: scf.for %[[K:.*]] = %c0 to %c256 step %c1 iter_args(%{{.*}}) -> (vector<8x32xf32>)
// Each k prefetches B's panel row 16 rows ahead, both 64-byte lines of the
// tile's 32 columns; not clamped to the K block's 256 rows (past them it
// reads ahead into the next block's).
// CHECK: %[[ROW:.*]] = arith.addi %[[K]], %c16 : index
// CHECK-NOT: arith.minsi
// CHECK: memref.prefetch %[[B:.*]][%[[ROW]], %[[COL:.*]]], read, locality<3>, data
// CHECK: memref.prefetch %[[B]][%[[ROW]], %{{.*}}], read, locality<3>, data
// CHECK-NOT: memref.prefetch
// CHECK: vector.fma
// CHECK-NOT: linalg.matmul
// NOPF-LABEL: func.func @blocked_matmul
// NOPF-NOT: memref.prefetch
// NOPF: return
func.func @blocked_matmul(%a: memref<1024x1024xf32>, %b: memref<1024x1024xf32>, %c: memref<1024x1024xf32>) {
  linalg.matmul ins(%a, %b : memref<1024x1024xf32>, memref<1024x1024xf32>) outs(%c : memref<1024x1024xf32>)
  return
}

// B's rows 196 floats apart (a 1x1 convolution at 14x14) are no whole
// number of 64-byte lines: a tile's 32 columns of a row start inside a
// line at most rows and span three lines, so each k prefetches the row
// ahead at its first, 17th and last column. Rows of 224 floats (whole
// lines) take two.
// CHECK-LABEL: func.func @straddling_rows
// CHECK: scf.for %[[N:.*]] = %c0 to %c192 step %c32
// CHECK-DAG: %[[C16:.*]] = arith.addi %[[N]], %c16
// CHECK-DAG: %[[C31:.*]] = arith.addi %[[N]], %c31
// CHECK: scf.for %[[K:.*]] = %c0 to %c256 step %c1 iter_args(%{{.*}}) -> (vector<8x32xf32>)
// CHECK: %[[ROW:.*]] = arith.addi %[[K]], %c16 : index
// CHECK: memref.prefetch %[[B:.*]][%[[ROW]], %[[N]]], read, locality<3>, data
// CHECK-NEXT: memref.prefetch %[[B]][%[[ROW]], %[[C16]]], read
// CHECK-NEXT: memref.prefetch %[[B]][%[[ROW]], %[[C31]]], read
// CHECK-NOT: memref.prefetch
// CHECK: vector.fma
// CHECK-LABEL: func.func @whole_line_rows
// CHECK: scf.for %{{.*}} = %c0 to %c256 step %c1 iter_args(%{{.*}}) -> (vector<8x32xf32>)
// CHECK-COUNT-2: memref.prefetch %{{.*}}, read
// CHECK-NOT: memref.prefetch
// CHECK: vector.fma
func.func @straddling_rows(%a: memref<64x256xf32>, %b: memref<256x196xf32>, %c: memref<64x196xf32>) {
  linalg.matmul ins(%a, %b : memref<64x256xf32>, memref<256x196xf32>) outs(%c : memref<64x196xf32>)
  return
}
func.func @whole_line_rows(%a: memref<64x256xf32>, %b: memref<256x224xf32>, %c: memref<64x224xf32>) {
  linalg.matmul ins(%a, %b : memref<64x256xf32>, memref<256x224xf32>) outs(%c : memref<64x224xf32>)
  return
}

// A product of one row (a decoder step's matrix-vector product, here a
// column block of GPT-2's 768 -> 3072) is a stream of B: K blocks of 32
// rows with the column tiles inside, so each K block walks its 32 rows of B
// along N; the column block stays whole. Each k prefetches its row of B
// 64 columns ahead (the lines of the column tile after next, clamped to
// the block's last column), not the row 16 ahead (the next K block's, read
// a sweep later). C's lines are still prefetched for writing in the first
// K block.
// CHECK-LABEL: func.func @matrix_vector
// CHECK: scf.for %[[KB:.*]] = %c0 to %c768 step %c32 {
// CHECK: %[[BLOCK:.*]] = memref.subview %{{.*}}[%[[KB]], 0] [32, 1536] [1, 1]
// CHECK-NEXT: scf.for %[[J:.*]] = %c0 to %c1536 step %c32 {
// CHECK: %[[AHEAD:.*]] = arith.addi %[[J]], %c64 : index
// CHECK: %[[COL:.*]] = arith.minsi %[[AHEAD]], %c1535 : index
// CHECK: %[[AHEAD2:.*]] = arith.addi %[[J]], %c80 : index
// CHECK: %[[COL2:.*]] = arith.minsi %[[AHEAD2]], %c1535 : index
// CHECK: scf.for %[[K:.*]] = %c0 to %c32 step %c1 iter_args(%{{.*}}) -> (vector<1x32xf32>)
// CHECK: memref.prefetch %[[BLOCK]][%[[K]], %[[COL]]], read, locality<3>, data
// CHECK-NEXT: memref.prefetch %[[BLOCK]][%[[K]], %[[COL2]]], read, locality<3>, data
// CHECK-NOT: memref.prefetch
// CHECK: vector.fma
// CHECK-NOT: linalg.matmul
// CHECK: return
// NOPF-LABEL: func.func @matrix_vector
func.func @matrix_vector(%a: memref<1x768xf32>, %b: memref<768x1536xf32, strided<[3072, 1], offset: ?>>, %c: memref<1x1536xf32, strided<[3072, 1], offset: ?>>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<1x1536xf32, strided<[3072, 1], offset: ?>>)
  linalg.matmul ins(%a, %b : memref<1x768xf32>, memref<768x1536xf32, strided<[3072, 1], offset: ?>>) outs(%c : memref<1x1536xf32, strided<[3072, 1], offset: ?>>)
  return
}

// The same product by a weight packed into column panels (WeightPanels.h:
// [panels][K][32], a panel's rows consecutive) reads B as one stream,
// panel after panel. Each k prefetches into L2 (locality 2) the row 32
// rows ahead, 4 KiB further along the stream, both of its lines: the
// address runs on into the next panel near a panel's end. Prefetching
// along the row would touch the row being read (the panel is one tile
// wide). With prefetch-stream=0 the panel row is prefetched as any row of
// a product of few rows, along the row (here: the same row).
// CHECK-LABEL: func.func @panel_stream
// CHECK: %[[PANEL:.*]] = memref.subview %{{.*}}[%{{.*}}, 0, 0] [1, 768, 32]
// CHECK: scf.for %[[K:.*]] = %c0 to %c768 step %c1 iter_args(%{{.*}}) -> (vector<1x32xf32>)
// CHECK: %[[ROW:.*]] = arith.addi %[[K]], %c32 : index
// CHECK: memref.prefetch %[[PANEL]][%[[ROW]], %c0], read, locality<2>, data
// CHECK-NEXT: memref.prefetch %[[PANEL]][%[[ROW]], %c16], read, locality<2>, data
// CHECK-NOT: memref.prefetch
// CHECK: vector.fma
// CHECK: return
// NOSTREAM-LABEL: func.func @panel_stream
// NOSTREAM: scf.for %[[K:.*]] = %c0 to %c768 step %c1
// NOSTREAM: memref.prefetch %{{.*}}[%[[K]], %c31], read, locality<3>, data
// NOSTREAM-NOT: locality<2>
// NOSTREAM: return
func.func @panel_stream(%a: memref<1x768xf32>, %panels: memref<72x768x32xf32>, %c: memref<1x2304xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %c72 = arith.constant 72 : index
  %zero = arith.constant 0.0 : f32
  scf.for %p = %c0 to %c72 step %c1 {
    %col = arith.muli %p, %c32 : index
    %panel = memref.subview %panels[%p, 0, 0] [1, 768, 32] [1, 1, 1] : memref<72x768x32xf32> to memref<768x32xf32, strided<[32, 1], offset: ?>>
    %cp = memref.subview %c[0, %col] [1, 32] [1, 1] : memref<1x2304xf32> to memref<1x32xf32, strided<[2304, 1], offset: ?>>
    linalg.fill ins(%zero : f32) outs(%cp : memref<1x32xf32, strided<[2304, 1], offset: ?>>)
    linalg.matmul ins(%a, %panel : memref<1x768xf32>, memref<768x32xf32, strided<[32, 1], offset: ?>>) outs(%cp : memref<1x32xf32, strided<[2304, 1], offset: ?>>)
  }
  return
}

// A tall product (12-row tiles, BERT's projections) reads the same kind
// of panel, but each panel serves all of its row tiles from L1: with K
// one block (no next block to share out, @tall_block) it keeps the row 16
// ahead with locality 3, not the stream's prefetch into L2.
// CHECK-LABEL: func.func @tall_panel
// CHECK: scf.for %[[K:.*]] = %c0 to %c128 step %c1 iter_args(%{{.*}}) -> (vector<12x32xf32>)
// CHECK: %[[ROW:.*]] = arith.addi %[[K]], %c16 : index
// CHECK: memref.prefetch %{{.*}}[%[[ROW]], %c0], read, locality<3>, data
// CHECK-NOT: locality<2>
// CHECK: return
func.func @tall_panel(%a: memref<128x128xf32>, %panels: memref<72x128x32xf32>, %c: memref<128x2304xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %c72 = arith.constant 72 : index
  %zero = arith.constant 0.0 : f32
  scf.for %p = %c0 to %c72 step %c1 {
    %col = arith.muli %p, %c32 : index
    %panel = memref.subview %panels[%p, 0, 0] [1, 128, 32] [1, 1, 1] : memref<72x128x32xf32> to memref<128x32xf32, strided<[32, 1], offset: ?>>
    %cp = memref.subview %c[0, %col] [128, 32] [1, 1] : memref<128x2304xf32> to memref<128x32xf32, strided<[2304, 1], offset: ?>>
    linalg.fill ins(%zero : f32) outs(%cp : memref<128x32xf32, strided<[2304, 1], offset: ?>>)
    linalg.matmul {autoglm.tall_tiles} ins(%a, %panel : memref<128x128xf32>, memref<128x32xf32, strided<[32, 1], offset: ?>>) outs(%cp : memref<128x32xf32, strided<[2304, 1], offset: ?>>)
  }
  return
}

// The same with panels of 48 columns (a weight of a multiple of 48
// columns, as --autoglm-tile-kernel-regions packs it): 8 x 48 tiles, 16 of
// them over the 128 rows (none peeled), three accumulators of 8 x 16 a
// tile; each k prefetches the three lines of its panel's row 16 ahead,
// loads three vectors of it and broadcasts 8 elements of A for 24 FMAs.
// CHECK-LABEL: func.func @tall_panel_48
// CHECK-NOT: vector<12x
// CHECK: scf.for %{{.*}} = %c0 to %c128 step %c8
// CHECK: scf.for %[[K:.*]] = %c0 to %c128 step %c1 iter_args(%{{.*}}, %{{.*}}, %{{.*}}) -> (vector<8x16xf32>, vector<8x16xf32>, vector<8x16xf32>)
// CHECK: %[[ROW:.*]] = arith.addi %[[K]], %c16 : index
// CHECK-NEXT: memref.prefetch %{{.*}}[%[[ROW]], %c0], read, locality<3>, data
// CHECK-NEXT: memref.prefetch %{{.*}}[%[[ROW]], %c16], read, locality<3>, data
// CHECK-NEXT: memref.prefetch %{{.*}}[%[[ROW]], %c32], read, locality<3>, data
// CHECK-COUNT-24: vector.fma %{{.*}} : vector<16xf32>
// CHECK: scf.yield
// CHECK-NOT: vector<12x
// CHECK: return
func.func @tall_panel_48(%a: memref<128x128xf32>, %panels: memref<48x128x48xf32>, %c: memref<128x2304xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c48 = arith.constant 48 : index
  %zero = arith.constant 0.0 : f32
  scf.for %p = %c0 to %c48 step %c1 {
    %col = arith.muli %p, %c48 : index
    %panel = memref.subview %panels[%p, 0, 0] [1, 128, 48] [1, 1, 1] : memref<48x128x48xf32> to memref<128x48xf32, strided<[48, 1], offset: ?>>
    %cp = memref.subview %c[0, %col] [128, 48] [1, 1] : memref<128x2304xf32> to memref<128x48xf32, strided<[2304, 1], offset: ?>>
    linalg.fill ins(%zero : f32) outs(%cp : memref<128x48xf32, strided<[2304, 1], offset: ?>>)
    linalg.matmul {autoglm.tall_tiles} ins(%a, %panel : memref<128x128xf32>, memref<128x48xf32, strided<[48, 1], offset: ?>>) outs(%cp : memref<128x48xf32, strided<[2304, 1], offset: ?>>)
  }
  return
}

// A block of a product marked for wide tiles (--autoglm-tile-kernel-regions:
// a convolution's, 224 columns cut for two-vector tiles): 8 x 48 register
// tiles over its first 192 columns, three accumulators of 8 x 16 and 24
// FMAs a k, and its last 32 columns in 8 x 32 tiles (two vectors, not
// two one-vector tiles).
// CHECK-LABEL: func.func @wide_block
// CHECK:         memref.subview %arg2[0, 0] [64, 192] [1, 1]
// CHECK:         scf.for %{{.*}} = %c0 to %c192 step %c48
// CHECK:           scf.for %{{.*}} = %c0 to %c64 step %c8
// CHECK:             scf.for %{{.*}} = %c0 to %c256 step %c1 iter_args(%{{.*}}, %{{.*}}, %{{.*}}) -> (vector<8x16xf32>, vector<8x16xf32>, vector<8x16xf32>)
// CHECK-COUNT-24:      vector.fma %{{.*}} : vector<16xf32>
// CHECK:         memref.subview %arg2[0, 192] [64, 32] [1, 1]
// CHECK-NOT:     scf.for %{{.*}} = %c0 to %c32 step %c16
// CHECK:         scf.for %{{.*}} = %c0 to %c64 step %c8
// CHECK:           scf.for %{{.*}} = %c0 to %c256 step %c1 iter_args(%{{.*}}) -> (vector<8x32xf32>)
// CHECK:         return
func.func @wide_block(%a: memref<64x256xf32>, %b: memref<256x224xf32>, %c: memref<64x224xf32>) {
  linalg.matmul {autoglm.wide_tiles} ins(%a, %b : memref<64x256xf32>, memref<256x224xf32>) outs(%c : memref<64x224xf32>)
  return
}

// A K loop of at most 32 steps (twice the prefetch distance; here a 1x1
// convolution of 32 input channels, MobileNetV2's 32 -> 16 at 112x112)
// prefetches along B's row instead: 64 and 80 columns ahead, the column
// tile after next (clamped to the block's last column), not 16 rows down,
// which would leave the first 16 rows of every column tile unprefetched.
// CHECK-LABEL: func.func @short_k
// CHECK: scf.for %[[J:.*]] = %c0 to %c256 step %c32 {
// CHECK: %[[AHEAD:.*]] = arith.addi %[[J]], %c64 : index
// CHECK: %[[COL:.*]] = arith.minsi %[[AHEAD]], %c255 : index
// CHECK: scf.for %[[K:.*]] = %c0 to %c32 step %c1 iter_args(%{{.*}}) -> (vector<8x32xf32>)
// CHECK: memref.prefetch %{{.*}}[%[[K]], %[[COL]]], read, locality<3>, data
// CHECK-NEXT: memref.prefetch %{{.*}}[%[[K]], %{{.*}}], read, locality<3>, data
// CHECK-NOT: memref.prefetch
// CHECK: vector.fma
// CHECK: return
func.func @short_k(%a: memref<16x32xf32>, %b: memref<32x12544xf32>, %c: memref<16x12544xf32>) {
  linalg.matmul ins(%a, %b : memref<16x32xf32>, memref<32x12544xf32>) outs(%c : memref<16x12544xf32>)
  return
}

// Batched (BERT attention scores): the batch and blocks of rows run in
// parallel, one matrix at a time.
// CHECK-LABEL: func.func @attention_scores
// CHECK: scf.parallel (%{{.*}}, %{{.*}}) = (%c0, %c0) to (%c12, %c128) step (%c1, %c64)
// CHECK: iter_args(%{{.*}}) -> (vector<1x8x32xf32>)
// CHECK: vector.fma
// CHECK-NOT: linalg.batch_matmul
func.func @attention_scores(%q: memref<12x128x64xf32>, %k: memref<12x64x128xf32>, %s: memref<12x128x128xf32>) {
  linalg.batch_matmul ins(%q, %k : memref<12x128x64xf32>, memref<12x64x128xf32>) outs(%s : memref<12x128x128xf32>)
  return
}

// i32 products (the widened 8-bit products of int8 precision) get the same
// register tiles, with integer multiply-adds.
// CHECK-LABEL: func.func @integer
// CHECK: scf.for
// CHECK: arith.muli %{{.+}}, %{{.+}} : vector<4xi32>
// CHECK: arith.addi %{{.+}}, %{{.+}} : vector<4xi32>
// CHECK-NOT: linalg.matmul
func.func @integer(%a: memref<4x4xi32>, %c: memref<4x4xi32>) {
  linalg.matmul ins(%a, %a : memref<4x4xi32>, memref<4x4xi32>) outs(%c : memref<4x4xi32>)
  return
}

// An i32 product of 49 columns takes no three-vector tiles (they are built
// of FMAs, and one vector<8x48xi32> would be lowered lane by lane): its
// first 32 columns get two-vector tiles, the other 17 one-vector tiles
// (16 + 1).
// CHECK-LABEL: func.func @integer_seven_by_seven
// CHECK-NOT: vector<8x48xi32>
// CHECK: memref.subview %arg2[0, 0] [64, 32] [1, 1]
// CHECK: iter_args(%{{.*}}) -> (vector<8x32xi32>)
// CHECK: memref.subview %arg2[0, 32] [64, 17] [1, 1]
// CHECK: iter_args(%{{.*}}) -> (vector<8x16xi32>)
// CHECK-NOT: vector<8x48xi32>
// CHECK: return
func.func @integer_seven_by_seven(%a: memref<64x32xi32>, %b: memref<32x49xi32>, %c: memref<64x49xi32>) {
  linalg.matmul ins(%a, %b : memref<64x32xi32>, memref<32x49xi32>) outs(%c : memref<64x49xi32>)
  return
}

// A block narrower than a two-vector tile but wider than a vector (a 5x5
// image's 25 columns) takes one-vector tiles and a narrower remainder
// (16 + 9), not one odd vector<8x25xf32> that LLVM lowers lane by lane
// (25x ONNX Runtime's time measured on a chain of 1x1 convolutions).
// CHECK-LABEL: func.func @five_by_five
// CHECK-NOT: vector<8x25xf32>
// CHECK: memref.subview %arg2[%{{.*}}, 0] [8, 16] [1, 1]
// CHECK: iter_args(%{{.*}}) -> (vector<8x16xf32>)
// CHECK: memref.subview %arg2[%{{.*}}, 16] [8, 9] [1, 1]
// CHECK: iter_args(%{{.*}}) -> (vector<8x9xf32>)
// CHECK-NOT: vector<8x25xf32>
// CHECK: return
func.func @five_by_five(%a: memref<64x32xf32>, %b: memref<32x25xf32>, %c: memref<64x25xf32>) {
  linalg.matmul ins(%a, %b : memref<64x32xf32>, memref<32x25xf32>) outs(%c : memref<64x25xf32>)
  return
}

// 212 columns (6 x 32 + 20; 212 % 48 = 20 leaves three-vector tiles a
// remainder wider than a vector too): the block splits after 192 columns,
// two-vector tiles before, one-vector tiles and a 4-column remainder after,
// instead of one-vector tiles over all of it.
// CHECK-LABEL: func.func @split_rest
// CHECK: memref.subview %arg2[0, 0] [64, 192] [1, 1]
// CHECK: scf.for %{{.*}} = %c0 to %c192 step %c32
// CHECK: iter_args(%{{.*}}) -> (vector<8x32xf32>)
// CHECK: memref.subview %arg2[0, 192] [64, 20] [1, 1]
// CHECK: iter_args(%{{.*}}) -> (vector<8x16xf32>)
// CHECK: scf.for %{{.*}} = %c0 to %c32 step %c8 iter_args
// CHECK-NOT: vector<8x20xf32>
// CHECK: return
func.func @split_rest(%a: memref<64x32xf32>, %b: memref<32x212xf32>, %c: memref<64x212xf32>) {
  linalg.matmul ins(%a, %b : memref<64x32xf32>, memref<32x212xf32>) outs(%c : memref<64x212xf32>)
  return
}

// Products of other integer types and products on tensors are left alone.
// CHECK-LABEL: func.func @untouched
// CHECK: linalg.matmul ins(%{{.*}} : memref<4x4xi16>, memref<4x4xi16>)
// CHECK: linalg.matmul ins(%{{.*}} : tensor<4x4xf32>, tensor<4x4xf32>)
func.func @untouched(%a: memref<4x4xi16>, %c: memref<4x4xi16>, %t: tensor<4x4xf32>) -> tensor<4x4xf32> {
  linalg.matmul ins(%a, %a : memref<4x4xi16>, memref<4x4xi16>) outs(%c : memref<4x4xi16>)
  %r = linalg.matmul ins(%t, %t : tensor<4x4xf32>, tensor<4x4xf32>) outs(%t : tensor<4x4xf32>) -> tensor<4x4xf32>
  return %r : tensor<4x4xf32>
}

// A zero fill of the whole accumulator right before the product (a kernel
// region's block: fill, product, tail): the fill goes and every register
// tile starts from zero in registers. K (64) is one block here, so the
// accumulator is zero from the start: C is never read. Before its K loop,
// a tile prefetches its lines of C for writing (8 rows of two 64-byte
// lines).
// CHECK-LABEL: func.func @zero_start
// CHECK-NOT: linalg.fill
// CHECK: %[[Z:.+]] = arith.constant dense<0.000000e+00> : vector<1x8x32xf32>
// CHECK-NOT: linalg.fill
// CHECK: %[[CT:.+]] = memref.subview %arg2[0, %{{.*}}, %{{.*}}] [1, 8, 32]
// CHECK: memref.prefetch %[[CT]][%c0, %c0, %c0], write, locality<3>, data
// CHECK: memref.prefetch %[[CT]][%c0, %c0, %c16], write
// CHECK-COUNT-14: memref.prefetch %[[CT]][%c0, %{{.*}}, %{{.*}}], write
// CHECK-NOT: memref.prefetch %[[CT]]
// CHECK: scf.for %{{.*}} = %c0 to %c64 step %c1 iter_args(%{{.*}} = %[[Z]]) -> (vector<1x8x32xf32>)
// CHECK-NOT: vector.transfer_read %arg2
// CHECK: vector.transfer_write %{{.*}}, %{{.*}}
// CHECK-NOT: linalg.fill
// NOPF-LABEL: func.func @zero_start
// NOPF-NOT: linalg.fill
// NOPF-LABEL: func.func @zero_start_k_blocks
func.func @zero_start(%a: memref<1x64x64xf32>, %b: memref<1x64x224xf32>, %c: memref<1x64x224xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<1x64x224xf32>)
  linalg.batch_matmul ins(%a, %b : memref<1x64x64xf32>, memref<1x64x224xf32>) outs(%c : memref<1x64x224xf32>)
  return
}

// A zero-start product of 49 columns (a 1x1 convolution at 7x7 after its
// block's fill): each of the three one-vector accumulators of a wide tile
// starts from zero and prefetches its own lines of C (rows 196 bytes
// apart: a 16-float piece spans two lines, its first and last element's);
// the fill goes.
// CHECK-LABEL: func.func @zero_start_wide
// CHECK-NOT: linalg.fill
// CHECK: %[[Z:.+]] = arith.constant dense<0.000000e+00> : vector<1x8x16xf32>
// CHECK: memref.subview %{{.*}}[0, 0, 0] [1, 8, 16]
// CHECK: memref.subview %{{.*}}[0, 0, 16] [1, 8, 16]
// CHECK: memref.subview %{{.*}}[0, 0, 32] [1, 8, 16]
// CHECK: memref.prefetch %{{.*}}[%c0, %c0, %c0], write
// CHECK-NEXT: memref.prefetch %{{.*}}[%c0, %c0, %c15], write
// CHECK-COUNT-46: memref.prefetch %{{.*}}, write
// CHECK-NOT: memref.prefetch %{{.*}}, write
// CHECK: scf.for %{{.*}} = %c0 to %c64 step %c1 iter_args(%{{.*}} = %[[Z]], %{{.*}} = %[[Z]], %{{.*}} = %[[Z]])
// K is one block, so the remainder column's dot products are added to
// zero, not to C:
// CHECK: scf.for %{{.*}} = %c0 to %c64 step %c16
// CHECK: %[[S:.*]] = vector.reduction <add>
// CHECK-NEXT: %[[V:.*]] = arith.addf %[[S]], %{{.*}} : f32
// CHECK-NEXT: memref.store %[[V]]
// CHECK-NOT: linalg.fill
// AVX2-LABEL: func.func @zero_start_wide
// AVX2-NOT: vector<1x6x48xf32>
// AVX2: iter_args(%{{.*}}) -> (vector<1x6x16xf32>)
func.func @zero_start_wide(%a: memref<1x64x64xf32>, %b: memref<1x64x49xf32>, %c: memref<1x64x49xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<1x64x49xf32>)
  linalg.batch_matmul ins(%a, %b : memref<1x64x64xf32>, memref<1x64x49xf32>) outs(%c : memref<1x64x49xf32>)
  return
}

// ResNet-50's 3x3 64 -> 64 block at batch 8 (one image's 4 output rows,
// K = 576 in three blocks of 192): the tiles start from zero in the first
// K block and from what C holds in the others.
// CHECK-LABEL: func.func @zero_start_k_blocks
// CHECK-NOT: linalg.fill
// CHECK: %[[Z:.+]] = arith.constant dense<0.000000e+00> : vector<1x8x32xf32>
// CHECK: scf.for %[[KB:.*]] = %c0 to %c576 step %c192
// CHECK: scf.for %{{.*}} = %c0 to %c224 step %c32
// CHECK: scf.for %{{.*}} = %c0 to %c64 step %c8
// CHECK: %[[FIRST:.+]] = arith.cmpi eq, %[[KB]], %c0 : index
// CHECK: %[[INIT:.+]] = scf.if %[[FIRST]] -> (vector<1x8x32xf32>) {
// CHECK-COUNT-16: memref.prefetch %{{.*}}, write
// CHECK:   scf.yield %[[Z]]
// CHECK: } else {
// CHECK:   vector.transfer_read
// CHECK:   scf.yield
// CHECK: scf.for %{{.*}} = %c0 to %c192 step %c1 iter_args(%{{.*}} = %[[INIT]]) -> (vector<1x8x32xf32>)
func.func @zero_start_k_blocks(%a: memref<1x64x576xf32>, %b: memref<1x576x224xf32>, %c: memref<1x64x224xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<1x64x224xf32>)
  linalg.batch_matmul ins(%a, %b : memref<1x64x576xf32>, memref<1x576x224xf32>) outs(%c : memref<1x64x224xf32>)
  return
}

// The fill stays where the product does not start from it: a fill of
// another value, of -0 (a sum started from -0 keeps a zero's sign), or
// with a write to memory in between.
// CHECK-LABEL: func.func @fill_kept
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%arg2
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%arg3
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%arg4
// CHECK: memref.store
func.func @fill_kept(%a: memref<16x16xf32>, %b: memref<16x32xf32>, %c: memref<16x32xf32>,
                     %d: memref<16x32xf32>, %e: memref<16x32xf32>) {
  %one = arith.constant 1.0 : f32
  %negzero = arith.constant -0.0 : f32
  %zero = arith.constant 0.0 : f32
  %i = arith.constant 0 : index
  linalg.fill ins(%one : f32) outs(%c : memref<16x32xf32>)
  linalg.matmul ins(%a, %b : memref<16x16xf32>, memref<16x32xf32>) outs(%c : memref<16x32xf32>)
  linalg.fill ins(%negzero : f32) outs(%d : memref<16x32xf32>)
  linalg.matmul ins(%a, %b : memref<16x16xf32>, memref<16x32xf32>) outs(%d : memref<16x32xf32>)
  linalg.fill ins(%zero : f32) outs(%e : memref<16x32xf32>)
  memref.store %one, %b[%i, %i] : memref<16x32xf32>
  linalg.matmul ins(%a, %b : memref<16x16xf32>, memref<16x32xf32>) outs(%e : memref<16x32xf32>)
  return
}

// Depthwise: the loops are reordered so that the output row is innermost.
// CHECK-LABEL: func.func @depthwise
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "parallel"]
func.func @depthwise(%i: memref<1x32x114x114xf32>, %w: memref<32x3x3xf32>, %o: memref<1x32x112x112xf32>) {
  linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%i, %w : memref<1x32x114x114xf32>, memref<32x3x3xf32>) outs(%o : memref<1x32x112x112xf32>)
  return
}

// Poolings too (ResNet-50's 3x3 stride-2 MaxPool, an AveragePool's sum):
// (n, c, oh, kh, kw, ow), the window's taps (reductions) outside the output
// row, whose stride-2 reads of the input row LLVM vectorizes.
// CHECK-LABEL: func.func @pooling
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "parallel"]
// CHECK: arith.maximumf
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "parallel"]
// CHECK: arith.addf
func.func @pooling(%i: memref<1x64x114x114xf32>, %w: memref<3x3xf32>, %o: memref<1x64x56x56xf32>,
                   %p: memref<1x64x27x27xf32>) {
  linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
    ins(%i, %w : memref<1x64x114x114xf32>, memref<3x3xf32>) outs(%o : memref<1x64x56x56xf32>)
  linalg.pooling_nchw_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
    ins(%o, %w : memref<1x64x56x56xf32>, memref<3x3xf32>) outs(%p : memref<1x64x27x27xf32>)
  return
}

// Two leftover columns (34 = 32 + 2, 98 = 3 x 32 + 2 of a 14x14 output's
// panel) are dot products along K on AVX-512, both columns in one
// accumulator per row (8 values of k each): per 8 k, B's 8 rows of the
// two columns are read as vector<2>s and shuffled into [column 0 |
// column 1]; each row of A is read as 8 values, repeated twice. AVX2 (8
// lanes, 6 rows) keeps the narrow tile for two columns.
// B's columns are shuffled so once, before the loop of row tiles, into a
// stack buffer that each row tile reads a vector of per 8 k.
// CHECK-LABEL: func.func @two_columns_left
// CHECK: iter_args(%{{.*}}) -> (vector<8x32xf32>)
// CHECK: %[[BUF:.*]] = memref.alloca() {alignment = 64 : i64} : memref<4x1x16xf32>
// CHECK: scf.for %[[S:.*]] = %c0 to %c4 step %c1
// CHECK-COUNT-8: vector.load %arg1[%{{.*}}, %c32] : memref<32x34xf32>, vector<2xf32>
// CHECK: %[[ALL:.*]] = vector.shuffle {{.*}} : vector<8xf32>, vector<8xf32>
// CHECK-NEXT: %[[PS:.*]] = vector.shuffle %[[ALL]], %[[ALL]] [0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15]
// CHECK-NEXT: vector.store %[[PS]], %[[BUF]][%[[S]], %c0, %c0]
// CHECK: scf.for %{{.*}} = %c0 to %c64 step %c8
// CHECK: %[[T:.*]] = memref.subview %arg2[%{{.*}}, 32] [8, 2] [1, 1]
// CHECK: %[[D:.*]]:8 = scf.for %{{.*}} = %c0 to %c32 step %c8 iter_args
// CHECK-NOT: memref<32x34xf32>, vector<2xf32>
// CHECK: %[[P:.*]] = vector.load %[[BUF]][%{{.*}}, %c0, %c0] : memref<4x1x16xf32>, vector<16xf32>
// CHECK-NEXT: %[[A8:.*]] = vector.load %arg0[%{{.*}}, %{{.*}}] : memref<64x32xf32>, vector<8xf32>
// CHECK-NEXT: %[[AA:.*]] = vector.shuffle %[[A8]], %[[A8]] [0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7]
// CHECK-NEXT: vector.fma %[[AA]], %[[P]], %{{.*}} : vector<16xf32>
// CHECK-NEXT: vector.load %arg0
// CHECK: %[[L:.*]] = vector.extract_strided_slice %[[D]]#0 {offsets = [0], sizes = [8], strides = [1]}
// CHECK-NEXT: vector.reduction <add>, %[[L]] : vector<8xf32> into f32
// CHECK: memref.store %{{.*}}, %[[T]][%c0, %c0]
// CHECK: vector.extract_strided_slice %[[D]]#0 {offsets = [8], sizes = [8], strides = [1]}
// CHECK: memref.store %{{.*}}, %[[T]][%c0, %c1]
// CHECK: vector.extract_strided_slice %[[D]]#7 {offsets = [8], sizes = [8], strides = [1]}
// CHECK: memref.store %{{.*}}, %[[T]][%c7, %c1]
// CHECK-NOT: vector<8x2xf32>
// CHECK: return
// AVX2-LABEL: func.func @two_columns_left
// AVX2: iter_args(%{{.*}}) -> (vector<6x2xf32>)
// AVX2-NOT: vector.reduction
// AVX2-LABEL: func.func @four_columns_left
func.func @two_columns_left(%a: memref<64x32xf32>, %b: memref<32x34xf32>, %c: memref<64x34xf32>) {
  linalg.matmul ins(%a, %b : memref<64x32xf32>, memref<32x34xf32>) outs(%c : memref<64x34xf32>)
  return
}

// Four leftover columns (196 = 6 x 32 + 4 of a 14x14 output): on
// AVX-512 two columns share an accumulator, 8 values of k each, so 8 rows
// take 16 accumulators. Per 8 k, B's 8 rows of the four columns are read
// as vector<4>s, joined and shuffled into [column 0 | column 1] and
// [column 2 | column 3]; each row of A is read as 8 values, repeated
// twice, and feeds both. The halves of each accumulator are reduced
// apart. AVX2 keeps the narrow tile (6 x 4).
// CHECK-LABEL: func.func @four_columns_left
// CHECK: iter_args(%{{.*}}) -> (vector<8x32xf32>)
// CHECK: %[[BUF:.*]] = memref.alloca() {alignment = 64 : i64} : memref<4x2x16xf32>
// CHECK: scf.for %[[S:.*]] = %c0 to %c4 step %c1
// CHECK-COUNT-8: vector.load %arg1[%{{.*}}, %c32] : memref<32x36xf32>, vector<4xf32>
// CHECK: %[[ALL:.*]] = vector.shuffle {{.*}} : vector<16xf32>, vector<16xf32>
// CHECK-NEXT: %[[PS0:.*]] = vector.shuffle %[[ALL]], %[[ALL]] [0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21, 25, 29]
// CHECK-NEXT: %[[PS1:.*]] = vector.shuffle %[[ALL]], %[[ALL]] [2, 6, 10, 14, 18, 22, 26, 30, 3, 7, 11, 15, 19, 23, 27, 31]
// CHECK-NEXT: vector.store %[[PS0]], %[[BUF]][%[[S]], %c0, %c0]
// CHECK-NEXT: vector.store %[[PS1]], %[[BUF]][%[[S]], %c1, %c0]
// CHECK: %[[T:.*]] = memref.subview %arg2[%{{.*}}, 32] [8, 4] [1, 1]
// CHECK: %[[D:.*]]:16 = scf.for %{{.*}} = %c0 to %c32 step %c8 iter_args
// CHECK: %[[P0:.*]] = vector.load %[[BUF]][%{{.*}}, %c0, %c0] : memref<4x2x16xf32>, vector<16xf32>
// CHECK-NEXT: %[[P1:.*]] = vector.load %[[BUF]][%{{.*}}, %c1, %c0] : memref<4x2x16xf32>, vector<16xf32>
// CHECK-NEXT: %[[A8:.*]] = vector.load %arg0[%{{.*}}, %{{.*}}] : memref<64x32xf32>, vector<8xf32>
// CHECK-NEXT: %[[AA:.*]] = vector.shuffle %[[A8]], %[[A8]] [0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7]
// CHECK-NEXT: vector.fma %[[AA]], %[[P0]], %{{.*}} : vector<16xf32>
// CHECK-NEXT: vector.fma %[[AA]], %[[P1]], %{{.*}} : vector<16xf32>
// CHECK: %[[L:.*]] = vector.extract_strided_slice %[[D]]#0 {offsets = [0], sizes = [8], strides = [1]}
// CHECK-NEXT: vector.reduction <add>, %[[L]] : vector<8xf32> into f32
// CHECK: memref.store %{{.*}}, %[[T]][%c0, %c0]
// CHECK: vector.extract_strided_slice %[[D]]#0 {offsets = [8], sizes = [8], strides = [1]}
// CHECK: memref.store %{{.*}}, %[[T]][%c0, %c1]
// CHECK: vector.extract_strided_slice %[[D]]#1 {offsets = [0], sizes = [8], strides = [1]}
// CHECK: memref.store %{{.*}}, %[[T]][%c0, %c2]
// CHECK: vector.extract_strided_slice %[[D]]#15 {offsets = [8], sizes = [8], strides = [1]}
// CHECK: memref.store %{{.*}}, %[[T]][%c7, %c3]
// CHECK-NOT: vector<8x4xf32>
// CHECK: return
// AVX2: iter_args(%{{.*}}) -> (vector<6x4xf32>)
// AVX2-NOT: vector.reduction
// AVX2: return
func.func @four_columns_left(%a: memref<64x32xf32>, %b: memref<32x36xf32>, %c: memref<64x36xf32>) {
  linalg.matmul ins(%a, %b : memref<64x32xf32>, memref<32x36xf32>) outs(%c : memref<64x36xf32>)
  return
}

// A block of a tall product (marked by --autoglm-tile-kernel-regions): K
// blocks of 128, column panels of 32, row tiles of 12 (one FMA of two
// vectors a row and k: 24 accumulators) over 120 rows, the last 8 rows
// peeled as an 8 x 32 tile; the block is not cut into 64-row blocks again.
// Each of the 11 row tiles prefetches into L2 its 12 rows of the next K
// block of B (the one at row index r: rows 128 + 12 r to 128 + 12 r + 11
// of the block's view, one row a step, the last one from step 11 on), both
// lines of its 32 columns, and nothing else.
// CHECK-LABEL: func.func @tall_block
// CHECK-NOT:     scf.parallel
// CHECK:         scf.for %{{.*}} = %c0 to %c256 step %c128
// CHECK:           scf.for %[[N:.*]] = %c0 to %c64 step %c32
// CHECK:             scf.for %[[M:.*]] = %c0 to %c120 step %c12
// CHECK:               memref.subview %arg2[%[[M]], %[[N]]] [12, 32] [1, 1]
// CHECK:               %[[R:.*]] = arith.divui %{{.*}}, %c12
// CHECK:               %[[SHARE:.*]] = arith.muli %[[R]], %c12
// CHECK:               %[[FIRST:.*]] = arith.addi %[[SHARE]], %c128
// CHECK:               scf.for %[[K:.*]] = %c0 to %c128 step %c1 iter_args(%{{.*}}) -> (vector<12x32xf32>)
// CHECK:                 %[[STEP:.*]] = arith.minui %[[K]], %c11
// CHECK:                 %[[ROW:.*]] = arith.addi %[[FIRST]], %[[STEP]]
// CHECK:                 memref.prefetch %{{.*}}[%[[ROW]], %[[N]]], read, locality<2>, data
// CHECK:                 memref.prefetch %{{.*}}[%[[ROW]], %{{.*}}], read, locality<2>, data
// CHECK-NOT:             memref.prefetch
// CHECK-COUNT-12:        vector.fma %{{.*}} : vector<32xf32>
// CHECK:             memref.subview %arg2[120, %[[N]]] [8, 32] [1, 1]
// CHECK:             scf.for %[[K8:.*]] = %c0 to %c128 step %c1 iter_args(%{{.*}}) -> (vector<8x32xf32>)
// CHECK:               %[[STEP8:.*]] = arith.minui %[[K8]], %c11
// CHECK:               %[[ROW8:.*]] = arith.addi %[[STEP8]], %c248
// CHECK:               memref.prefetch %{{.*}}[%[[ROW8]], %[[N]]], read, locality<2>, data
// CHECK-NOT:     autoglm.tall_tiles
// CHECK-NOT:     autoglm.next_k_block
// On AVX2 the same block keeps the 6 x 16 tiles and K whole (K blocks of
// 768): column panels of 16, twenty row tiles of 6 and a peeled 8 - 6 = 2.
// AVX2-LABEL: func.func @tall_block
// AVX2-NOT:     step %c128
// AVX2:         scf.for %[[N:.*]] = %c0 to %c64 step %c16
// AVX2:           scf.for %{{.*}} = %c0 to %c126 step %c6
// AVX2:             scf.for %{{.*}} = %c0 to %c256 step %c1 iter_args(%{{.*}}) -> (vector<6x16xf32>)
// AVX2:           scf.for %{{.*}} = %c0 to %c256 step %c1 iter_args(%{{.*}}) -> (vector<2x16xf32>)
// AVX2-LABEL: func.func @tall_long_block
// AVX2:         scf.for %{{.*}} = %c0 to %c1536 step %c768
// AVX2:           scf.for %{{.*}} = %c0 to %c64 step %c16
// AVX2:             scf.for %{{.*}} = %c0 to %c768 step %c1 iter_args(%{{.*}}) -> (vector<6x16xf32>)
func.func @tall_block(%a: memref<128x256xf32>, %b: memref<256x64xf32>, %c: memref<128x64xf32>) {
  linalg.matmul {autoglm.tall_tiles} ins(%a, %b : memref<128x256xf32>, memref<256x64xf32>) outs(%c : memref<128x64xf32>)
  return
}
func.func @tall_long_block(%a: memref<64x1536xf32>, %b: memref<1536x64xf32>, %c: memref<64x64xf32>) {
  linalg.matmul {autoglm.tall_tiles} ins(%a, %b : memref<64x1536xf32>, memref<1536x64xf32>) outs(%c : memref<64x64xf32>)
  return
}

// A kernel region's block: fill, product, tail (a bias per row and ReLU,
// updating the block in place). The tail is cut to the register tiles and
// runs right after each tile's K loop on the accumulators: one store per
// tile, no pass over the block afterwards. The bias is one broadcast a row.
// CHECK-LABEL: func.func @tail_on_tiles
// CHECK-NOT: linalg.generic
// CHECK: %[[B:.*]] = memref.get_global @bias
// CHECK: scf.for %[[N:.*]] = %c0 to %c224 step %c32
// CHECK: scf.for %[[M:.*]] = %c0 to %c64 step %c8
// CHECK: %[[CT:.*]] = memref.subview %{{.*}}[%[[M]], %[[N]]] [8, 32] [1, 1]
// CHECK: %[[ACC:.*]] = scf.for %{{.*}} = %c0 to %c64 step %c1 iter_args
// CHECK: }
// CHECK-NOT: vector.transfer_write
// CHECK-NOT: vector.transfer_read %[[CT]]
// CHECK: vector.load %{{.*}} : memref<8xf32, {{.*}}>, vector<8xf32>
// CHECK-COUNT-8: vector.broadcast %{{.*}} : f32 to vector<32xf32>
// CHECK: arith.addf %[[ACC]], %{{.*}} : vector<8x32xf32>
// CHECK: %[[OUT:.*]] = arith.maximumf %{{.*}} : vector<8x32xf32>
// CHECK-NOT: vector.transfer_read %[[CT]]
// CHECK: vector.transfer_write %[[OUT]], %[[CT]][%c0, %c0]
// CHECK-NOT: vector.transfer_write
// CHECK: return
memref.global "private" constant @bias : memref<64xf32> = dense<0.5>
func.func @tail_on_tiles(%a: memref<64x64xf32>, %b: memref<64x224xf32>, %c: memref<64x224xf32>) {
  %bias = memref.get_global @bias : memref<64xf32>
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<64x224xf32>)
  linalg.matmul ins(%a, %b : memref<64x64xf32>, memref<64x224xf32>) outs(%c : memref<64x224xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%bias : memref<64xf32>) outs(%c : memref<64x224xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %out, %in : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  }
  return
}

// A residual tail reads another buffer at the tile's place; its partial
// tiles (a 3-column remainder) take their piece of the tail too. The
// accumulators are forwarded to the tail, and their first store goes: the
// residual and C are arguments of a public function, a model's entry,
// whose buffers the runtime keeps apart (docs/runtime.md). Before its K
// loop a tile prefetches the residual's lines that its tail will read (8
// rows of three 64-byte lines: rows of 99 floats straddle lines, and 32
// of them span three at most offsets).
// CHECK-LABEL: func.func @residual_tail
// CHECK-NOT: linalg.generic
// CHECK: %[[RT:.*]] = memref.subview %arg3[%{{.*}}, %{{.*}}] [8, 32]
// CHECK: memref.prefetch %[[RT]][%c0, %c0], read, locality<3>, data
// CHECK: memref.prefetch %[[RT]][%c0, %c16], read
// CHECK: memref.prefetch %[[RT]][%c0, %c31], read
// CHECK-COUNT-21: memref.prefetch %[[RT]][%{{.*}}, %{{.*}}], read
// CHECK-NOT: memref.prefetch %[[RT]][
// CHECK: %[[ACC:.*]] = scf.for {{.*}} -> (vector<8x32xf32>)
// CHECK-NOT: vector.transfer_write
// CHECK: %[[R:.*]] = vector.transfer_read %[[RT]][
// CHECK: %[[SUM:.*]] = arith.addf %[[ACC]], %[[R]] : vector<8x32xf32>
// CHECK: vector.transfer_write %[[SUM]], %[[CT:[a-z_0-9]+]][
// CHECK: arith.addf %{{.*}} : vector<8x3xf32>
func.func @residual_tail(%a: memref<64x64xf32>, %b: memref<64x99xf32>, %c: memref<64x99xf32>, %res: memref<64x99xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<64x99xf32>)
  linalg.matmul ins(%a, %b : memref<64x64xf32>, memref<64x99xf32>) outs(%c : memref<64x99xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%res : memref<64x99xf32>) outs(%c : memref<64x99xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %out, %in : f32
    linalg.yield %s : f32
  }
  return
}

// The same tail in a private function: its caller may pass one buffer as
// both the residual and C, so the first store stays.
// CHECK-LABEL: func.func private @residual_tail_private
// CHECK: %[[ACC:.*]] = scf.for {{.*}} -> (vector<8x32xf32>)
// CHECK: vector.transfer_write %[[ACC]], %[[CT:[a-z_0-9]+]][
// CHECK: %[[R:.*]] = vector.transfer_read
// CHECK: %[[SUM:.*]] = arith.addf %[[ACC]], %[[R]] : vector<8x32xf32>
// CHECK: vector.transfer_write %[[SUM]], %[[CT]]
func.func private @residual_tail_private(%a: memref<64x64xf32>, %b: memref<64x99xf32>, %c: memref<64x99xf32>, %res: memref<64x99xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<64x99xf32>)
  linalg.matmul ins(%a, %b : memref<64x64xf32>, memref<64x99xf32>) outs(%c : memref<64x99xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%res : memref<64x99xf32>) outs(%c : memref<64x99xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %out, %in : f32
    linalg.yield %s : f32
  }
  return
}

// Where the tiles' K loop covers one K block of several, their
// accumulators are partial sums: the tail stays after the product.
// CHECK-LABEL: func.func @tail_after_k_blocks
// CHECK: scf.for %{{.*}} = %c0 to %c576 step %c192
// CHECK: linalg.generic
// CHECK: arith.maximumf
func.func @tail_after_k_blocks(%a: memref<64x576xf32>, %b: memref<576x224xf32>, %c: memref<64x224xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<64x224xf32>)
  linalg.matmul ins(%a, %b : memref<64x576xf32>, memref<576x224xf32>) outs(%c : memref<64x224xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} outs(%c : memref<64x224xf32>) {
  ^bb0(%out: f32):
    %r = arith.maximumf %out, %zero : f32
    linalg.yield %r : f32
  }
  return
}

// Between one and two register tiles of rows (8 or 12 on AVX2, whose tiles
// are 6 rows; 12 on AVX-512): K stays whole, no K-block loop around the row
// tiles (LLVM would carry both tiles' accumulators across it, and spill
// them). Each row tile runs all 768 k.
// AVX2-LABEL: func.func @two_row_tiles
// AVX2-NOT: step %c256
// AVX2: scf.for %{{.*}} = %c0 to %c768 step %c1 iter_args(%{{.*}}) -> (vector<6x16xf32>)
// AVX2: scf.for %{{.*}} = %c0 to %c768 step %c1 iter_args(%{{.*}}) -> (vector<2x16xf32>)
// AVX2-LABEL: func.func @twelve_rows
// AVX2-NOT: step %c256
// AVX2: scf.for %{{.*}} = %c0 to %c12 step %c6
// AVX2: scf.for %{{.*}} = %c0 to %c768 step %c1 iter_args(%{{.*}}) -> (vector<6x16xf32>)
// CHECK-LABEL: func.func @twelve_rows
// CHECK-NOT: step %c256
// CHECK: scf.for %{{.*}} = %c0 to %c768 step %c1 iter_args(%{{.*}}) -> (vector<8x32xf32>)
// CHECK: scf.for %{{.*}} = %c0 to %c768 step %c1 iter_args(%{{.*}}) -> (vector<4x32xf32>)
func.func @two_row_tiles(%a: memref<8x768xf32>, %b: memref<768x512xf32>, %c: memref<8x512xf32>) {
  linalg.matmul ins(%a, %b : memref<8x768xf32>, memref<768x512xf32>) outs(%c : memref<8x512xf32>)
  return
}
func.func @twelve_rows(%a: memref<12x768xf32>, %b: memref<768x512xf32>, %c: memref<12x512xf32>) {
  linalg.matmul ins(%a, %b : memref<12x768xf32>, memref<768x512xf32>) outs(%c : memref<12x512xf32>)
  return
}

// AVX2's 6-row tiles divide no power of two: 128 rows are cut into row
// blocks of 64 (a multiple of 8), each 10 tiles of 6 rows and a peeled
// tile of 4, not left as one block of all 128 rows.
// AVX2-LABEL: func.func @avx2_row_blocks
// AVX2: scf.parallel (%{{.*}}) = (%c0) to (%c128) step (%c64)
// AVX2: scf.for %{{.*}} = %c0 to %c60 step %c6
// AVX2: iter_args(%{{.*}}) -> (vector<6x16xf32>)
// AVX2: iter_args(%{{.*}}) -> (vector<4x16xf32>)
func.func @avx2_row_blocks(%a: memref<128x256xf32>, %b: memref<256x128xf32>, %c: memref<128x128xf32>) {
  linalg.matmul ins(%a, %b : memref<128x256xf32>, memref<256x128xf32>) outs(%c : memref<128x128xf32>)
  return
}

// B's rows 49 floats long (a 7 x 7 image): on AVX2 a register tile's 16
// floats of a row span two cache lines at most offsets, so its K blocks are
// 128 rows (256 lines), not 256 (all of a 32 KiB L1), and each column tile
// of B is first copied, row by row, into a 64-byte aligned buffer that its
// row tiles read (no prefetch: it is in L1); the last column the buffer's
// first. AVX-512 keeps K blocks of 256 and reads B in place.
// AVX2-LABEL: func.func @avx2_straddled_rows
// AVX2: scf.for %{{.*}} = %c0 to %c512 step %c128
// AVX2:   %[[BUF:.*]] = memref.alloca() {alignment = 64 : i64} : memref<128x16xf32>
// AVX2:   scf.for %[[J:.*]] = %c0 to %c48 step %c16
// AVX2:     %[[FROM:.*]] = memref.subview %{{.*}}[0, %[[J]]] [128, 16] [1, 1]
// AVX2:     scf.for %[[K:.*]] = %c0 to %c128 step %c1
// AVX2:       %[[ROW:.*]] = vector.load %[[FROM]][%[[K]], %c0] {{.*}} vector<16xf32>
// AVX2:       vector.store %[[ROW]], %[[BUF]][%[[K]], %c0] : memref<128x16xf32>, vector<16xf32>
// AVX2:     scf.for %{{.*}} = %c0 to %c60 step %c6
// AVX2:       iter_args(%{{.*}}) -> (vector<6x16xf32>)
// AVX2-NOT:     memref.prefetch
// AVX2:         memref.subview %[[BUF]][%{{.*}}, 0] [1, 16] [1, 1]
// AVX2:   memref.subview %[[BUF]][0, 0] [128, 1] [1, 1]
// AVX2:   scf.for %{{.*}} = %c0 to %c60 step %c6
// Rows of 64 floats (256 bytes) are whole cache lines, and a column
// tile's pieces of 128 of them fall into 16 of L1's 64 sets, 8 lines each:
// all stay, and B is read in place.
// AVX2-LABEL: func.func @avx2_aligned_rows
// AVX2-NOT: memref.alloca
// AVX2: iter_args(%{{.*}}) -> (vector<6x16xf32>)
// AVX2-NOT: memref.alloca
// AVX2: return
// Rows of 256 floats (1 KiB) put a column tile's pieces into 4 sets, 32
// lines of the 256 rows' at most: its pieces are copied too, K blocks
// staying 256 rows.
// AVX2-LABEL: func.func @avx2_crowded_sets
// AVX2: %[[BUF:.*]] = memref.alloca() {alignment = 64 : i64} : memref<256x16xf32>
// AVX2: scf.for %{{.*}} = %c0 to %c256 step %c16
// AVX2:   scf.for %{{.*}} = %c0 to %c256 step %c1
// AVX2:     vector.store %{{.*}}, %[[BUF]]
// AVX2:   iter_args(%{{.*}}) -> (vector<6x16xf32>)
// AVX2:     memref.subview %[[BUF]]
// AVX2: return
// A K that no block size divides (2053, a prime) stays whole: its column
// tile (2053 x 16 floats, 128 KiB) would be too large a stack buffer, so B
// is read in place.
// AVX2-LABEL: func.func @avx2_straddled_long_k
// AVX2-NOT: memref.alloca
// AVX2: iter_args(%{{.*}}) -> (vector<6x16xf32>)
// AVX2-NOT: memref.alloca
// AVX2: return
// CHECK-LABEL: func.func @avx2_straddled_rows
// CHECK: scf.for %{{.*}} = %c0 to %c512 step %c256
func.func @avx2_straddled_rows(%a: memref<64x512xf32>, %b: memref<512x49xf32>, %c: memref<64x49xf32>) {
  linalg.matmul ins(%a, %b : memref<64x512xf32>, memref<512x49xf32>) outs(%c : memref<64x49xf32>)
  return
}
func.func @avx2_aligned_rows(%a: memref<64x128xf32>, %b: memref<128x64xf32>, %c: memref<64x64xf32>) {
  linalg.matmul ins(%a, %b : memref<64x128xf32>, memref<128x64xf32>) outs(%c : memref<64x64xf32>)
  return
}
// The same in a batched product of two inputs (attention's scores at 512
// tokens: rows of keys 2 KiB apart), one image's matrices at a time; not
// where A is a weight (a convolution's filter over a batch of images,
// measured slower so).
// AVX2-LABEL: func.func @avx2_batched_crowded_sets
// AVX2: scf.parallel
// AVX2: memref.subview %{{.*}}[0, 0, 0] [1, 64, 256] [1, 1, 1] : memref<1x64x256xf32, {{.*}}> to memref<64x256xf32, {{.*}}>
// AVX2: %[[BUF:.*]] = memref.alloca() {alignment = 64 : i64} : memref<64x16xf32>
// AVX2: vector.store %{{.*}}, %[[BUF]]
// AVX2: iter_args(%{{.*}}) -> (vector<6x16xf32>)
// AVX2-LABEL: func.func @avx2_batched_weight
// AVX2-NOT: memref.alloca
// AVX2: iter_args(%{{.*}}) -> (vector<1x6x16xf32>)
// AVX2-NOT: memref.alloca
// AVX2: return
func.func @avx2_crowded_sets(%a: memref<64x256xf32>, %b: memref<256x256xf32>, %c: memref<64x256xf32>) {
  linalg.matmul ins(%a, %b : memref<64x256xf32>, memref<256x256xf32>) outs(%c : memref<64x256xf32>)
  return
}
func.func @avx2_straddled_long_k(%a: memref<64x2053xf32>, %b: memref<2053x49xf32>, %c: memref<64x49xf32>) {
  linalg.matmul ins(%a, %b : memref<64x2053xf32>, memref<2053x49xf32>) outs(%c : memref<64x49xf32>)
  return
}
func.func @avx2_batched_crowded_sets(%a: memref<2x64x64xf32>, %b: memref<2x64x256xf32>, %c: memref<2x64x256xf32>) {
  linalg.batch_matmul ins(%a, %b : memref<2x64x64xf32>, memref<2x64x256xf32>) outs(%c : memref<2x64x256xf32>)
  return
}
memref.global "private" constant @filters : memref<2x64x64xf32> = dense<1.0>
func.func @avx2_batched_weight(%b: memref<2x64x256xf32>, %c: memref<2x64x256xf32>) {
  %a = memref.get_global @filters : memref<2x64x64xf32>
  linalg.batch_matmul ins(%a, %b : memref<2x64x64xf32>, memref<2x64x256xf32>) outs(%c : memref<2x64x256xf32>)
  return
}

// A product whose A is a weight (a 1x1 convolution's filter, read in place
// from a global): each step of a row tile's K loop also prefetches one line
// of the next row tile's A (rows m + 8 ..) at the step's column, on that
// tile's row `k mod 8`, so that the next tile's rows are in cache a K loop
// ahead; a product of two arguments does not.
// CHECK-LABEL: func.func @weight_rows_prefetched
// CHECK: %[[W:.*]] = memref.get_global @conv_weight
// CHECK: scf.for %[[M:.*]] = %c0 to %c64 step %c8
// CHECK: %[[NEXT:.*]] = arith.addi %[[M]], %c8
// CHECK: scf.for %[[K:.*]] = %c0 to %c160 step %c1 iter_args
// CHECK: %[[ROW:.*]] = arith.remui %[[K]], %c8
// CHECK: %[[R:.*]] = arith.addi %[[NEXT]], %[[ROW]]
// CHECK: memref.prefetch %[[W]][%[[R]], %[[K]]], read, locality<3>, data
// CHECK-LABEL: func.func @argument_rows_not_prefetched
// CHECK-NOT: arith.remui
// CHECK: return
// NOPF-LABEL: func.func @weight_rows_prefetched
memref.global "private" constant @conv_weight : memref<64x160xf32> = dense<1.0>
func.func @weight_rows_prefetched(%b: memref<160x49xf32>, %c: memref<64x49xf32>) {
  %a = memref.get_global @conv_weight : memref<64x160xf32>
  linalg.matmul ins(%a, %b : memref<64x160xf32>, memref<160x49xf32>) outs(%c : memref<64x49xf32>)
  return
}
func.func @argument_rows_not_prefetched(%a: memref<64x160xf32>, %b: memref<160x49xf32>, %c: memref<64x49xf32>) {
  linalg.matmul ins(%a, %b : memref<64x160xf32>, memref<160x49xf32>) outs(%c : memref<64x49xf32>)
  return
}
