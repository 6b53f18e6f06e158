// RUN: autoglm-opt %s --split-input-file --autoglm-amx-contractions | FileCheck %s
// RUN: autoglm-opt %s --split-input-file --autoglm-amx-contractions --autoglm-amx-to-llvm | FileCheck %s --check-prefix=LLVM

// A packed uint8 x int8 product padded to whole tiles (M = 48, K = 128,
// N = 48): blocks of 2 x 2 accumulator tiles, columns outer (M is not
// larger than N); 3 row tiles
// and 3 column tiles end with blocks of one row tile or one column tile
// (scf.if on the block index, 4 variants); K/4 = 32 groups in 2 steps of
// 16, every tile 16 rows x 64 bytes; A (extui) is tdpbusd's unsigned side.
// CHECK-LABEL: func.func @product(
// CHECK-SAME:      %[[A:.+]]: memref<48x32x4xi8>, %[[W:.+]]: memref<32x48x4xi8>, %[[C:.+]]: memref<48x48xi32>)
// CHECK-DAG:     %[[A2:.+]] = memref.collapse_shape %[[A]] {{\[}}[0], [1, 2]] : memref<48x32x4xi8> into memref<48x128xi8>
// CHECK-DAG:     %[[W2:.+]] = memref.collapse_shape %[[W]] {{\[}}[0], [1, 2]] : memref<32x48x4xi8> into memref<32x192xi8>
// CHECK:         scf.parallel (%[[CB:.+]], %[[RB:.+]]) = (%{{.+}}, %{{.+}}) to (%c2, %c2{{(_[0-9]+)?}}) step
// CHECK:           scf.if
// CHECK:             scf.if
// CHECK-COUNT-4:       amx.tile_load %[[C]][{{.+}}] : memref<48x48xi32> into !amx.tile<16x16xi32>
// CHECK:               scf.for %{{.+}} = %{{.+}} to %c32{{(_[0-9]+)?}} step %c16{{(_[0-9]+)?}} iter_args(%{{.+}} = %{{.+}}, %{{.+}} = %{{.+}}, %{{.+}} = %{{.+}}, %{{.+}} = %{{.+}}) -> (!amx.tile<16x16xi32>, !amx.tile<16x16xi32>, !amx.tile<16x16xi32>, !amx.tile<16x16xi32>)
// CHECK-COUNT-2:         amx.tile_load %[[A2]][{{.+}}] : memref<48x128xi8> into !amx.tile<16x64xi8>
// CHECK-COUNT-2:         amx.tile_load %[[W2]][{{.+}}] : memref<32x192xi8> into !amx.tile<16x64xi8>
// CHECK-COUNT-4:         amx.tile_muli %{{.+}} zext, %{{.+}}, %{{.+}} : !amx.tile<16x64xi8>, !amx.tile<16x64xi8>, !amx.tile<16x16xi32>
// CHECK:                 scf.yield
// CHECK-COUNT-4:       amx.tile_store %[[C]]
// CHECK:             } else {
// CHECK-COUNT-2:       amx.tile_load %[[C]]
// CHECK:               scf.for
// CHECK-COUNT-2:         amx.tile_load %[[A2]]
// CHECK-NEXT:            amx.tile_load %[[W2]]
// CHECK-COUNT-2:         amx.tile_muli
// CHECK:           } else {
// CHECK:             scf.if
// CHECK-COUNT-2:       amx.tile_load %[[C]]
// CHECK:               scf.for
// CHECK:                 arith.muli
// CHECK-NEXT:            amx.tile_load %[[A2]]
// CHECK-COUNT-2:         amx.tile_load %[[W2]]
// CHECK:             } else {
// CHECK:               amx.tile_load %[[C]]
// CHECK:               scf.for
// CHECK-COUNT-1:         amx.tile_muli
// CHECK-NOT:     linalg.generic
// LLVM-LABEL: func.func @product(
// LLVM:          scf.for {{.+}} -> (!llvm.x86_amx, !llvm.x86_amx, !llvm.x86_amx, !llvm.x86_amx)
// LLVM:            llvm.call_intrinsic "llvm.x86.tileloadd64.internal"
// LLVM:            llvm.call_intrinsic "llvm.x86.tdpbusd.internal"
// LLVM-NOT:      amx.
#map = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
#map1 = affine_map<(d0, d1, d2, d3) -> (d2, d1, d3)>
#map2 = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
func.func @product(%a: memref<48x32x4xi8>, %w: memref<32x48x4xi8>, %c: memref<48x48xi32>) {
  linalg.generic {indexing_maps = [#map, #map1, #map2], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%a, %w : memref<48x32x4xi8>, memref<32x48x4xi8>) outs(%c : memref<48x48xi32>) attrs = {autoglm.vnni} {
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

// A convolution of --autoglm-pack-int8-convolutions: the rows are the int8
// weight (extsi) and the columns the uint8 im2col panel (extui), so the
// columns are the unsigned side (tdpbsud). One block of 2 x 2 tiles: no
// scf.if.
// CHECK-LABEL: func.func @convolution(
// CHECK-NOT:       scf.if
// CHECK:           amx.tile_muli %{{.+}}, %{{.+}} zext, %{{.+}} :
// LLVM-LABEL: func.func @convolution(
// LLVM:            llvm.call_intrinsic "llvm.x86.tdpbsud.internal"
#map = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
#map1 = affine_map<(d0, d1, d2, d3) -> (d2, d1, d3)>
#map2 = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
func.func @convolution(%w: memref<32x16x4xi8>, %col: memref<16x32x4xi8>, %c: memref<32x32xi32>) {
  linalg.generic {indexing_maps = [#map, #map1, #map2], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%w, %col : memref<32x16x4xi8>, memref<16x32x4xi8>) outs(%c : memref<32x32xi32>) attrs = {autoglm.vnni} {
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

// More rows than columns (M = 64, N = 32): the row blocks are the outer
// loop (2 row blocks, then 1 column block), so that the smaller operand,
// Wp, is the one read again for each outer block.
// CHECK-LABEL: func.func @rows_outer(
// CHECK:         scf.parallel (%{{.+}}, %{{.+}}) = (%{{.+}}, %{{.+}}) to (%c2, %c1) step
#map = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
#map1 = affine_map<(d0, d1, d2, d3) -> (d2, d1, d3)>
#map2 = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
func.func @rows_outer(%a: memref<64x16x4xi8>, %w: memref<16x32x4xi8>, %c: memref<64x32xi32>) {
  linalg.generic {indexing_maps = [#map, #map1, #map2], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%a, %w : memref<64x16x4xi8>, memref<16x32x4xi8>) outs(%c : memref<64x32xi32>) attrs = {autoglm.vnni} {
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

// Not padded to whole tiles (M = 8, K/4 = 4; --autoglm-pack-int8-products
// without `amx`), or packed for AVX2 (2 bytes a lane): left for
// --autoglm-vnni-contractions.
// CHECK-LABEL: func.func @not_whole_tiles(
// CHECK-NOT:       amx.
// CHECK:           linalg.generic
// CHECK-LABEL: func.func @pairs(
// CHECK-NOT:       amx.
// CHECK:           linalg.generic
#map = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
#map1 = affine_map<(d0, d1, d2, d3) -> (d2, d1, d3)>
#map2 = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
func.func @not_whole_tiles(%a: memref<8x4x4xi8>, %w: memref<4x96x4xi8>, %c: memref<8x96xi32>) {
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
func.func @pairs(%a: memref<16x32x2xi8>, %w: memref<32x16x2xi8>, %c: memref<16x16xi32>) {
  linalg.generic {indexing_maps = [#map, #map1, #map2], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%a, %w : memref<16x32x2xi8>, memref<32x16x2xi8>) outs(%c : memref<16x16xi32>) attrs = {autoglm.vnni} {
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

// C zero-filled right before the product (views between touch no memory):
// the accumulator tiles start from zero (amx.tile_zero, LLVM's tilezero)
// instead of being loaded from C, and the fill goes; C is only stored.
// CHECK-LABEL: func.func @zero_start(
// CHECK-SAME:      %[[C:[a-z0-9]+]]: memref<32x32xi32>)
// CHECK-NOT:       linalg.fill
// CHECK-NOT:       amx.tile_load %[[C]]
// CHECK-COUNT-4:   amx.tile_zero : !amx.tile<16x16xi32>
// CHECK:           scf.for
// CHECK-COUNT-4:   amx.tile_store %[[C]]
// LLVM-LABEL: func.func @zero_start(
// LLVM-COUNT-4:    llvm.call_intrinsic "llvm.x86.tilezero.internal"
// A fill that is not right before the product (a copy reads C between)
// stays, and the tiles are loaded from C.
// CHECK-LABEL: func.func @fill_then_copy(
// CHECK:           linalg.fill
// CHECK:           memref.copy
// CHECK-NOT:       amx.tile_zero
// CHECK:           amx.tile_load %{{.+}} : memref<32x32xi32> into !amx.tile<16x16xi32>
#map = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
#map1 = affine_map<(d0, d1, d2, d3) -> (d2, d1, d3)>
#map2 = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
func.func @zero_start(%a: memref<32x64xi8>, %w: memref<16x32x4xi8>, %c: memref<32x32xi32>) {
  %zero = arith.constant 0 : i32
  linalg.fill ins(%zero : i32) outs(%c : memref<32x32xi32>)
  %a3 = memref.expand_shape %a [[0], [1, 2]] output_shape [32, 16, 4] : memref<32x64xi8> into memref<32x16x4xi8>
  linalg.generic {indexing_maps = [#map, #map1, #map2], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%a3, %w : memref<32x16x4xi8>, memref<16x32x4xi8>) outs(%c : memref<32x32xi32>) attrs = {autoglm.vnni} {
  ^bb0(%in: i8, %in_0: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    %1 = arith.extsi %in_0 : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %out, %2 : i32
    linalg.yield %3 : i32
  }
  return
}
func.func @fill_then_copy(%a: memref<32x16x4xi8>, %w: memref<16x32x4xi8>, %c: memref<32x32xi32>, %d: memref<32x32xi32>) {
  %zero = arith.constant 0 : i32
  linalg.fill ins(%zero : i32) outs(%c : memref<32x32xi32>)
  memref.copy %c, %d : memref<32x32xi32> to memref<32x32xi32>
  linalg.generic {indexing_maps = [#map, #map1, #map2], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%a, %w : memref<32x16x4xi8>, memref<16x32x4xi8>) outs(%c : memref<32x32xi32>) attrs = {autoglm.vnni} {
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

// An int8 convolution's start, one value per row of C (its filters) written
// to every column right before the product: the values are spread once
// over a 32 x 16 buffer, from which each block loads its starting tiles
// (16 rows of it), instead of loading C; the broadcast into C goes.
// CHECK-LABEL: func.func @row_start(
// CHECK-SAME:      %[[C:[a-z0-9]+]]: memref<32x64xi32>, %[[S:[a-z0-9]+]]: memref<32xi32>)
// CHECK-NOT:       outs(%[[C]]
// CHECK:           %[[T:.+]] = memref.alloc() {alignment = 64 : i64} : memref<32x16xi32>
// CHECK:           linalg.generic {{.+}} ins(%[[S]] : memref<32xi32>) outs(%[[T]] : memref<32x16xi32>)
// CHECK-NOT:       outs(%[[C]]
// CHECK:           scf.parallel
// CHECK-NOT:         amx.tile_load %[[C]]
// CHECK-COUNT-4:     amx.tile_load %[[T]][%{{.+}}, %{{.+}}] : memref<32x16xi32> into !amx.tile<16x16xi32>
// CHECK:             scf.for
// CHECK-COUNT-4:     amx.tile_store %[[C]]
// CHECK:           memref.dealloc %[[T]]
#map = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
#map1 = affine_map<(d0, d1, d2, d3) -> (d2, d1, d3)>
#map2 = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
func.func @row_start(%w: memref<32x16x4xi8>, %col: memref<16x64x4xi8>, %c: memref<32x64xi32>, %start: memref<32xi32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%start : memref<32xi32>) outs(%c : memref<32x64xi32>) {
  ^bb0(%in: i32, %out: i32):
    linalg.yield %in : i32
  }
  linalg.generic {indexing_maps = [#map, #map1, #map2], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%w, %col : memref<32x16x4xi8>, memref<16x64x4xi8>) outs(%c : memref<32x64xi32>) attrs = {autoglm.vnni} {
  ^bb0(%in: i8, %in_0: i8, %out: i32):
    %0 = arith.extsi %in : i8 to i32
    %1 = arith.extui %in_0 : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %out, %2 : i32
    linalg.yield %3 : i32
  }
  return
}
