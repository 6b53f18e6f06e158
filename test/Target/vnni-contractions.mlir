// RUN: autoglm-opt %s --split-input-file --autoglm-vnni-contractions | FileCheck %s

// A packed uint8 x int8 product on buffers (M = 8, N = 96, K = 16): register
// tiles of 8 rows x 32 columns (the largest of 64/32/16 columns dividing N;
// with 2 column vectors, the largest of 8/4/2/1 rows dividing M) in
// parallel, the column tiles the outer loop, K/4 = 4 steps of 64-byte weight loads, a 4-byte broadcast per
// row and 8 x 2 vpdpbusd, the accumulators read from and written back to C.
// CHECK-LABEL: func.func @product(
// CHECK-SAME:      %[[A:.+]]: memref<8x4x4xi8>, %[[W:.+]]: memref<4x96x4xi8>, %[[C:.+]]: memref<8x96xi32>)
// CHECK-DAG:     %[[A2:.+]] = memref.collapse_shape %[[A]] {{\[}}[0], [1, 2]] : memref<8x4x4xi8> into memref<8x16xi8>
// CHECK-DAG:     %[[W2:.+]] = memref.collapse_shape %[[W]] {{\[}}[0], [1, 2]] : memref<4x96x4xi8> into memref<4x384xi8>
// CHECK:         scf.parallel (%[[J:.+]], %[[I:.+]]) = (%{{.+}}, %{{.+}}) to (%c96, %c8) step (%c32, %c8{{(_[0-9]+)?}})
// CHECK-COUNT-16:  vector.load %[[C]]{{.+}} : memref<8x96xi32>, vector<16xi32>
// CHECK:           scf.for %[[KK:.+]] = %{{.+}} to %c4{{(_[0-9]+)?}} step %{{.+}} iter_args
// CHECK-COUNT-2:     vector.load %[[W2]]{{.+}} : memref<4x384xi8>, vector<64xi8>
// CHECK:             vector.load %[[A2]]{{.+}} : memref<8x16xi8>, vector<4xi8>
// CHECK:             vector.bitcast %{{.+}} : vector<4xi8> to vector<1xi32>
// CHECK:             vector.broadcast %{{.+}} : i32 to vector<16xi32>
// CHECK:             llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%{{.+}}, %{{.+}}, %{{.+}}) : (vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<16xi32>
// CHECK-COUNT-15:    llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// CHECK:           scf.yield
// CHECK-COUNT-16:  vector.store %{{.+}}, %[[C]]
// CHECK-NOT:     linalg.generic
#map = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
#map1 = affine_map<(d0, d1, d2, d3) -> (d2, d1, d3)>
#map2 = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
func.func @product(%a: memref<8x4x4xi8>, %w: memref<4x96x4xi8>, %c: memref<8x96xi32>) {
  linalg.generic {indexing_maps = [#map, #map1, #map2], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%a, %w : memref<8x4x4xi8>, memref<4x96x4xi8>) outs(%c : memref<8x96xi32>) attrs = {autoglm.vnni} {
  ^bb0(%in: i8, %in_0: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    %1 = arith.extsi %in_0 : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %out, %2 : i32
    linalg.yield %3 : i32
  }
  return
}

// -----

// A convolution of --autoglm-pack-int8-convolutions: the broadcast rows are
// the int8 weight (extsi) and the loaded columns the uint8 im2col panel
// (extui), so the columns are vpdpbusd's unsigned (second) operand and the
// broadcast weight its signed (third) one.
// CHECK-LABEL: func.func @convolution(
// CHECK:           scf.for
// CHECK:             %[[COLS:.+]] = vector.load %{{.+}} : memref<4x64xi8>, vector<64xi8>
// CHECK:             %[[ROW:.+]] = vector.bitcast %{{.+}} : vector<16xi32> to vector<64xi8>
// CHECK:             llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%{{.+}}, %[[COLS]], %[[ROW]])
#map = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
#map1 = affine_map<(d0, d1, d2, d3) -> (d2, d1, d3)>
#map2 = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
func.func @convolution(%w: memref<4x4x4xi8>, %col: memref<4x16x4xi8>, %c: memref<4x16xi32>) {
  linalg.generic {indexing_maps = [#map, #map1, #map2], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%w, %col : memref<4x4x4xi8>, memref<4x16x4xi8>) outs(%c : memref<4x16xi32>) attrs = {autoglm.vnni} {
  ^bb0(%in: i8, %in_0: i8, %out: i32):
    %0 = arith.extsi %in : i8 to i32
    %1 = arith.extui %in_0 : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %out, %2 : i32
    linalg.yield %3 : i32
  }
  return
}

// -----

// Packed 2 bytes a lane (AVX2, M = 8, N = 48, K = 6): A zero-extended to
// 16 bits once, into a buffer of its own freed after the loops; register
// tiles of 4 rows x 16 columns (2 vectors of 8 lanes; 4 rows of 4, 2, 1
// dividing M), the column tiles the outer loop, K/2 = 3 steps, each
// loading 16 bytes of Wp per 8 columns and sign-extending them to 16 bits,
// broadcasting 2 widened values of each row as one 32-bit word, then
// vpmaddwd and an add per accumulator (8 of each). No byte of A is
// widened inside the loops.
// CHECK-LABEL: func.func @pairs(
// CHECK-SAME:      %[[A:.+]]: memref<8x3x2xi8>, %[[W:.+]]: memref<3x48x2xi8>, %[[C:.+]]: memref<8x48xi32>)
// CHECK-DAG:     %[[A2:.+]] = memref.collapse_shape %[[A]] {{\[}}[0], [1, 2]] : memref<8x3x2xi8> into memref<8x6xi8>
// CHECK-DAG:     %[[W2:.+]] = memref.collapse_shape %[[W]] {{\[}}[0], [1, 2]] : memref<3x48x2xi8> into memref<3x96xi8>
// CHECK:         %[[A16:.+]] = memref.alloc() {alignment = 64 : i64} : memref<8x6xi16>
// CHECK:         linalg.generic {{.+}} ins(%[[A2]] : memref<8x6xi8>) outs(%[[A16]] : memref<8x6xi16>)
// CHECK:           arith.extui %{{.+}} : i8 to i16
// CHECK:         scf.parallel (%{{.+}}, %{{.+}}) = (%{{.+}}, %{{.+}}) to (%c48, %c8) step (%c16, %c4)
// CHECK-COUNT-8:   vector.load %[[C]]{{.+}} : memref<8x48xi32>, vector<8xi32>
// CHECK:           scf.for %{{.+}} = %{{.+}} to %c3{{(_[0-9]+)?}} step %{{.+}} iter_args
// CHECK:             %[[B:.+]] = vector.load %[[W2]]{{.+}} : memref<3x96xi8>, vector<16xi8>
// CHECK:             %[[BW:.+]] = arith.extsi %[[B]] : vector<16xi8> to vector<16xi16>
// CHECK:             arith.extsi %{{.+}} : vector<16xi8> to vector<16xi16>
// CHECK-NOT:         arith.extui
// CHECK:             %[[PAIR:.+]] = vector.load %[[A16]]{{.+}} : memref<8x6xi16>, vector<2xi16>
// CHECK:             vector.bitcast %[[PAIR]] : vector<2xi16> to vector<1xi32>
// CHECK:             vector.broadcast %{{.+}} : i32 to vector<8xi32>
// CHECK:             %[[ROW:.+]] = vector.bitcast %{{.+}} : vector<8xi32> to vector<16xi16>
// CHECK:             %[[SUMS:.+]] = llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"(%[[ROW]], %[[BW]]) : (vector<16xi16>, vector<16xi16>) -> vector<8xi32>
// CHECK:             arith.addi %{{.+}}, %[[SUMS]] : vector<8xi32>
// CHECK-COUNT-7:     llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"
// CHECK:           scf.yield
// CHECK-COUNT-8:   vector.store %{{.+}}, %[[C]]
// CHECK:         memref.dealloc %[[A16]] : memref<8x6xi16>
// CHECK-NOT:     linalg.generic
#map = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
#map1 = affine_map<(d0, d1, d2, d3) -> (d2, d1, d3)>
#map2 = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
func.func @pairs(%a: memref<8x3x2xi8>, %w: memref<3x48x2xi8>, %c: memref<8x48xi32>) {
  linalg.generic {indexing_maps = [#map, #map1, #map2], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%a, %w : memref<8x3x2xi8>, memref<3x48x2xi8>) outs(%c : memref<8x48xi32>) attrs = {autoglm.vnni} {
  ^bb0(%in: i8, %in_0: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    %1 = arith.extsi %in_0 : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %out, %2 : i32
    linalg.yield %3 : i32
  }
  return
}

// -----

// A convolution packed 2 bytes a lane: the broadcast weight rows are
// sign-extended once before the loops, the loaded columns (the uint8
// panel) zero-extended in the loop.
// CHECK-LABEL: func.func @convolution_pairs(
// CHECK:         %[[W16:.+]] = memref.alloc() {alignment = 64 : i64} : memref<4x8xi16>
// CHECK:         linalg.generic
// CHECK:           arith.extsi %{{.+}} : i8 to i16
// CHECK:           scf.for
// CHECK:             %[[COLS:.+]] = vector.load %{{.+}} : memref<4x32xi8>, vector<16xi8>
// CHECK:             arith.extui %[[COLS]] : vector<16xi8> to vector<16xi16>
// CHECK:             vector.load %[[W16]]{{.+}} : memref<4x8xi16>, vector<2xi16>
// CHECK:             llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"
#map = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
#map1 = affine_map<(d0, d1, d2, d3) -> (d2, d1, d3)>
#map2 = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
func.func @convolution_pairs(%w: memref<4x4x2xi8>, %col: memref<4x16x2xi8>, %c: memref<4x16xi32>) {
  linalg.generic {indexing_maps = [#map, #map1, #map2], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%w, %col : memref<4x4x2xi8>, memref<4x16x2xi8>) outs(%c : memref<4x16xi32>) attrs = {autoglm.vnni} {
  ^bb0(%in: i8, %in_0: i8, %out: i32):
    %0 = arith.extsi %in : i8 to i32
    %1 = arith.extui %in_0 : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %out, %2 : i32
    linalg.yield %3 : i32
  }
  return
}

// -----

// Rows whose 16-bit form would exceed 2 MiB (a 1024 x 1152 weight of a
// convolution, 2.25 MiB widened) are widened in the loop as they are
// read: no buffer of their own, which every column tile would stream from
// memory again.
// CHECK-LABEL: func.func @convolution_pairs_large(
// CHECK-NOT:     memref.alloc
// CHECK:           scf.for
// CHECK:             %[[PAIR:.+]] = vector.load %{{.+}} : memref<1024x1152xi8>, vector<2xi8>
// CHECK:             arith.extsi %[[PAIR]] : vector<2xi8> to vector<2xi16>
// CHECK:             llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"
// CHECK-NOT:     memref.dealloc
#map = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
#map1 = affine_map<(d0, d1, d2, d3) -> (d2, d1, d3)>
#map2 = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
func.func @convolution_pairs_large(%w: memref<1024x576x2xi8>, %col: memref<576x16x2xi8>, %c: memref<1024x16xi32>) {
  linalg.generic {indexing_maps = [#map, #map1, #map2], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%w, %col : memref<1024x576x2xi8>, memref<576x16x2xi8>) outs(%c : memref<1024x16xi32>) attrs = {autoglm.vnni} {
  ^bb0(%in: i8, %in_0: i8, %out: i32):
    %0 = arith.extsi %in : i8 to i32
    %1 = arith.extui %in_0 : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %out, %2 : i32
    linalg.yield %3 : i32
  }
  return
}

// -----

// C zero-filled right before the product: the accumulators start as zero
// vectors instead of loads of C, and the fill goes; C is only stored.
// CHECK-LABEL: func.func @zero_start(
// CHECK-SAME:      %[[C:[a-z0-9]+]]: memref<8x32xi32>)
// CHECK-NOT:       linalg.fill
// CHECK:           scf.parallel
// CHECK:             %[[Z:.+]] = arith.constant dense<0> : vector<16xi32>
// CHECK-NOT:         vector.load %[[C]]
// CHECK:             scf.for %{{.+}} iter_args(%{{.+}} = %[[Z]], %{{.+}} = %[[Z]],
// CHECK:             vector.store %{{.+}}, %[[C]]
// A fill of another value is a start other than zero: it stays, and C
// is read.
// CHECK-LABEL: func.func @ones(
// CHECK:           linalg.fill
// CHECK:           scf.parallel
// CHECK:             vector.load %{{.+}} : memref<8x32xi32>, vector<16xi32>
#map = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
#map1 = affine_map<(d0, d1, d2, d3) -> (d2, d1, d3)>
#map2 = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
func.func @zero_start(%a: memref<8x4x4xi8>, %w: memref<4x32x4xi8>, %c: memref<8x32xi32>) {
  %zero = arith.constant 0 : i32
  linalg.fill ins(%zero : i32) outs(%c : memref<8x32xi32>)
  linalg.generic {indexing_maps = [#map, #map1, #map2], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%a, %w : memref<8x4x4xi8>, memref<4x32x4xi8>) outs(%c : memref<8x32xi32>) attrs = {autoglm.vnni} {
  ^bb0(%in: i8, %in_0: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    %1 = arith.extsi %in_0 : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %out, %2 : i32
    linalg.yield %3 : i32
  }
  return
}
func.func @ones(%a: memref<8x4x4xi8>, %w: memref<4x32x4xi8>, %c: memref<8x32xi32>) {
  %one = arith.constant 1 : i32
  linalg.fill ins(%one : i32) outs(%c : memref<8x32xi32>)
  linalg.generic {indexing_maps = [#map, #map1, #map2], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%a, %w : memref<8x4x4xi8>, memref<4x32x4xi8>) outs(%c : memref<8x32xi32>) attrs = {autoglm.vnni} {
  ^bb0(%in: i8, %in_0: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    %1 = arith.extsi %in_0 : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %out, %2 : i32
    linalg.yield %3 : i32
  }
  return
}

// -----

// An int8 convolution's start, one value per row of C written to every
// column right before the product: each row's accumulators start as that
// row's value broadcast (a load of it, then vector.broadcast) instead of
// loads of C; the broadcast into C goes.
// CHECK-LABEL: func.func @row_start(
// CHECK-SAME:      %[[C:[a-z0-9]+]]: memref<8x32xi32>, %[[S:[a-z0-9]+]]: memref<8xi32>)
// CHECK-NOT:       outs(%[[C]]
// CHECK:           scf.parallel
// CHECK-NOT:         vector.load %[[C]]
// CHECK:             %[[V:.+]] = memref.load %[[S]][%{{.+}}] : memref<8xi32>
// CHECK:             %[[B:.+]] = vector.broadcast %[[V]] : i32 to vector<16xi32>
// CHECK-NOT:         vector.load %[[C]]
// CHECK:             scf.for %{{.+}} iter_args(%{{.+}} = %[[B]], %{{.+}} = %[[B]],
// CHECK:             vector.store %{{.+}}, %[[C]]
#map = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
#map1 = affine_map<(d0, d1, d2, d3) -> (d2, d1, d3)>
#map2 = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
func.func @row_start(%w: memref<8x4x4xi8>, %col: memref<4x32x4xi8>, %c: memref<8x32xi32>, %start: memref<8xi32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%start : memref<8xi32>) outs(%c : memref<8x32xi32>) {
  ^bb0(%in: i32, %out: i32):
    linalg.yield %in : i32
  }
  linalg.generic {indexing_maps = [#map, #map1, #map2], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%w, %col : memref<8x4x4xi8>, memref<4x32x4xi8>) outs(%c : memref<8x32xi32>) attrs = {autoglm.vnni} {
  ^bb0(%in: i8, %in_0: i8, %out: i32):
    %0 = arith.extsi %in : i8 to i32
    %1 = arith.extui %in_0 : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %out, %2 : i32
    linalg.yield %3 : i32
  }
  return
}
