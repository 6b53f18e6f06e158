// RUN: autoglm-opt %s --split-input-file --autoglm-group-int8-epilogues | FileCheck %s --check-prefix=GROUP
// RUN: autoglm-opt %s --split-input-file --autoglm-group-int8-epilogues --autoglm-vnni-contractions | FileCheck %s --check-prefix=VNNI
// RUN: autoglm-opt %s --split-input-file --autoglm-group-int8-epilogues --autoglm-amx-contractions --autoglm-vnni-contractions | FileCheck %s --check-prefix=AMX
// RUN: autoglm-opt %s --split-input-file --autoglm-group-int8-epilogues --autoglm-vnni-contractions=epilogues=false | FileCheck %s --check-prefix=APART

// An int8 product (M = 32, K = 64, N = 32) finished by the requantization
// --precision=int8 writes after it: the zero-point correction added in
// int32, the cast to f32, the per-column scale and bias, Relu, the next
// product's scale and rounding, then the cast to uint8 in a generic of its
// own. The chain reads C only, and C's rows are those of a batch of one
// (expand_shape to 1 x 32 x 32).
//
// The group pass moves the product and its two generics into one
// execute_region (no_inline: canonicalization would undo it) for the
// memory planner.
// GROUP-LABEL: func.func @requantize(
// GROUP:         linalg.fill
// GROUP:         scf.execute_region no_inline {
// GROUP-NEXT:      linalg.generic {{.+}} attrs = {autoglm.vnni}
// GROUP:           linalg.generic {{.+}} ins(%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} : memref<1x32x32xi32>, memref<32xi32>, memref<32xf32>, memref<32xf32>) outs(%{{.+}} : memref<1x32x32xf32>)
// GROUP:           linalg.generic {{.+}} ins(%{{.+}} : memref<1x32x32xf32>) outs(%{{.+}} : memref<1x32x32xi8>)
// GROUP:           scf.yield
// GROUP-NEXT:    } {autoglm.int8_epilogue}
// GROUP-NEXT:    return
//
// With vpdpbusd the whole chain runs on each register tile's accumulators after
// the K loop (vectors of 16 lanes) and stores only the 8-bit result; C is
// not written, the f32 intermediate neither, and no generic is left.
// VNNI-LABEL: func.func @requantize(
// VNNI-SAME:      %[[Q:[^:]+]]: memref<1x32x32xi8>)
// VNNI:           %[[C:.+]] = memref.alloc() {{.+}} : memref<32x32xi32>
// VNNI-NOT:      scf.execute_region
// VNNI:          scf.parallel
// VNNI:            scf.for
// VNNI:              llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// VNNI:            scf.yield
// VNNI-NOT:        vector.store {{.+}}, %[[C]]
// VNNI:            vector.load %{{.+}}[%{{.+}}] : memref<32xi32>, vector<16xi32>
// VNNI:            vector.load %{{.+}}[%{{.+}}] : memref<32xf32>, vector<16xf32>
// VNNI:            vector.load %{{.+}}[%{{.+}}] : memref<32xf32>, vector<16xf32>
// VNNI:            arith.addi %{{.+}}, %{{.+}} : vector<16xi32>
// VNNI-NEXT:       arith.sitofp %{{.+}} : vector<16xi32> to vector<16xf32>
// VNNI-NEXT:       arith.mulf %{{.+}} : vector<16xf32>
// VNNI-NEXT:       arith.addf %{{.+}} : vector<16xf32>
// VNNI:            arith.maximumf %{{.+}} : vector<16xf32>
// VNNI:            math.roundeven %{{.+}} : vector<16xf32>
// VNNI:            arith.minimumf %{{.+}} : vector<16xf32>
// VNNI-NEXT:       arith.fptoui %{{.+}} : vector<16xf32> to vector<16xi8>
// VNNI-NEXT:       vector.store %{{.+}}, %[[Q]][%{{.+}}, %{{.+}}, %{{.+}}] : memref<1x32x32xi8>, vector<16xi8>
// VNNI-NOT:        vector.store {{.+}}, %[[C]]
// VNNI:            scf.reduce
// VNNI-NOT:      linalg.generic
// VNNI:          return
//
// With AMX the tiles of each block are stored to C, and the chain runs on the
// block's rows of C read back (16 int32 values a vector), in the same
// parallel iteration.
// AMX-LABEL: func.func @requantize(
// AMX-SAME:      %[[Q:[^:]+]]: memref<1x32x32xi8>)
// AMX:           %[[C:.+]] = memref.alloc() {{.+}} : memref<32x32xi32>
// AMX:           scf.parallel
// AMX:             amx.tile_muli
// AMX-COUNT-4:     amx.tile_store %[[C]]
// AMX:             scf.for %[[ROW:.+]] = %{{.+}} to %{{.+}} step
// AMX-NEXT:          vector.load %[[C]][%[[ROW]], %{{.+}}] : memref<32x32xi32>, vector<16xi32>
// AMX:               arith.sitofp
// AMX:               arith.fptoui %{{.+}} : vector<16xf32> to vector<16xi8>
// AMX-NEXT:          vector.store %{{.+}}, %[[Q]][%{{.+}}, %[[ROW]], %{{.+}}] : memref<1x32x32xi8>, vector<16xi8>
// AMX:             scf.reduce
// AMX-NOT:       linalg.generic
// AMX:           return
//
// With epilogues=false the kernel writes C and the generics stay.
// APART-LABEL: func.func @requantize(
// APART:         scf.parallel
// APART:           vector.store %{{.+}} : memref<32x32xi32>, vector<16xi32>
// APART:         linalg.generic {{.+}} ins(%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} : memref<1x32x32xi32>
// APART:         linalg.generic {{.+}} ins(%{{.+}} : memref<1x32x32xf32>) outs(%{{.+}} : memref<1x32x32xi8>)
#map = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
#map1 = affine_map<(d0, d1, d2, d3) -> (d2, d1, d3)>
#map2 = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
#id = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#col = affine_map<(d0, d1, d2) -> (d2)>
func.func @requantize(%a: memref<32x16x4xi8>, %w: memref<16x32x4xi8>, %zp: memref<32xi32>, %scale: memref<32xf32>, %bias: memref<32xf32>, %q: memref<1x32x32xi8>) {
  %c = memref.alloc() {alignment = 64 : i64} : memref<32x32xi32>
  %zero = arith.constant 0 : i32
  %f0 = arith.constant 0.0 : f32
  %inv = arith.constant 42.5 : f32
  %max = arith.constant 255.0 : f32
  linalg.fill ins(%zero : i32) outs(%c : memref<32x32xi32>)
  linalg.generic {indexing_maps = [#map, #map1, #map2], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%a, %w : memref<32x16x4xi8>, memref<16x32x4xi8>) outs(%c : memref<32x32xi32>) attrs = {autoglm.vnni} {
  ^bb0(%in: i8, %in_0: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    %1 = arith.extsi %in_0 : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %out, %2 : i32
    linalg.yield %3 : i32
  }
  %c3 = memref.expand_shape %c [[0, 1], [2]] output_shape [1, 32, 32] : memref<32x32xi32> into memref<1x32x32xi32>
  %f = memref.alloc() {alignment = 64 : i64} : memref<1x32x32xf32>
  linalg.generic {indexing_maps = [#id, #col, #col, #col, #id], iterator_types = ["parallel", "parallel", "parallel"]} ins(%c3, %zp, %scale, %bias : memref<1x32x32xi32>, memref<32xi32>, memref<32xf32>, memref<32xf32>) outs(%f : memref<1x32x32xf32>) {
  ^bb0(%in: i32, %z: i32, %s: f32, %b: f32, %out: f32):
    %0 = arith.addi %in, %z : i32
    %1 = arith.sitofp %0 : i32 to f32
    %2 = arith.mulf %1, %s : f32
    %3 = arith.addf %2, %b : f32
    %4 = arith.maximumf %3, %f0 : f32
    %5 = arith.mulf %4, %inv : f32
    %6 = math.roundeven %5 : f32
    %7 = arith.maximumf %6, %f0 : f32
    %8 = arith.minimumf %7, %max : f32
    linalg.yield %8 : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel"]} ins(%f : memref<1x32x32xf32>) outs(%q : memref<1x32x32xi8>) {
  ^bb0(%in: f32, %out: i8):
    %0 = arith.fptoui %in : f32 to i8
    linalg.yield %0 : i8
  }
  return
}

// -----

// After memory planning: the chain's result (one arena view) overlaps the
// product's activation (another), which is dead after the product in the
// graph but still read by other blocks of the kernel while one block
// writes its result. Nothing is moved: the kernel stores C and the generic
// stays.
// VNNI-LABEL: func.func @overlaps_activation(
// VNNI:          scf.parallel
// VNNI:            vector.store %{{.+}} : memref<32x32xi32>, vector<16xi32>
// VNNI:          linalg.generic
// AMX-LABEL: func.func @overlaps_activation(
// AMX:           amx.tile_store
// AMX-NOT:       vector.load
// AMX:           linalg.generic
#map = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
#map1 = affine_map<(d0, d1, d2, d3) -> (d2, d1, d3)>
#map2 = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @overlaps_activation(%arena: memref<8192xi8>, %w: memref<16x32x4xi8>) {
  %c0 = arith.constant 0 : index
  %c4096 = arith.constant 4096 : index
  %a = memref.view %arena[%c0][] : memref<8192xi8> to memref<32x16x4xi8>
  %c = memref.view %arena[%c4096][] : memref<8192xi8> to memref<32x32xi32>
  %f = memref.view %arena[%c0][] : memref<8192xi8> to memref<32x32xf32>
  linalg.generic {indexing_maps = [#map, #map1, #map2], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%a, %w : memref<32x16x4xi8>, memref<16x32x4xi8>) outs(%c : memref<32x32xi32>) attrs = {autoglm.vnni} {
  ^bb0(%in: i8, %in_0: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    %1 = arith.extsi %in_0 : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %out, %2 : i32
    linalg.yield %3 : i32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%c : memref<32x32xi32>) outs(%f : memref<32x32xf32>) {
  ^bb0(%in: i32, %out: f32):
    %0 = arith.sitofp %in : i32 to f32
    linalg.yield %0 : f32
  }
  return
}

// -----

// C read by something other than the chain (a model output of the int32
// result, say): nothing is grouped or moved.
// GROUP-LABEL: func.func @c_read_twice(
// GROUP-NOT:     scf.execute_region
// VNNI-LABEL: func.func @c_read_twice(
// VNNI:          vector.store %{{.+}} : memref<32x32xi32>, vector<16xi32>
// VNNI:          linalg.generic
// VNNI:          memref.copy
#map = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
#map1 = affine_map<(d0, d1, d2, d3) -> (d2, d1, d3)>
#map2 = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @c_read_twice(%a: memref<32x16x4xi8>, %w: memref<16x32x4xi8>, %f: memref<32x32xf32>, %out: memref<32x32xi32>) {
  %c = memref.alloc() : memref<32x32xi32>
  linalg.generic {indexing_maps = [#map, #map1, #map2], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%a, %w : memref<32x16x4xi8>, memref<16x32x4xi8>) outs(%c : memref<32x32xi32>) attrs = {autoglm.vnni} {
  ^bb0(%in: i8, %in_0: i8, %out_0: i32):
    %0 = arith.extui %in : i8 to i32
    %1 = arith.extsi %in_0 : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %out_0, %2 : i32
    linalg.yield %3 : i32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%c : memref<32x32xi32>) outs(%f : memref<32x32xf32>) {
  ^bb0(%in: i32, %o: f32):
    %0 = arith.sitofp %in : i32 to f32
    linalg.yield %0 : f32
  }
  memref.copy %c, %out : memref<32x32xi32> to memref<32x32xi32>
  return
}

// -----

// An int8 convolution (--autoglm-pack-int8-convolutions: C is 32 filters x
// 64 pixels, starting from each filter's zero-point share) whose chain
// reads C as [1, 32, 8, 8], its pixels reshaped to 8 x 8, with a
// per-filter scale ([32, 1, 1], read as (d1, 0, 0)). The chain runs in the
// kernel on C's rows and columns: the buffers it reads along the pixels
// and the one it writes are collapsed to [1, 32, 64] (one vector of 16
// pixels may cross a row of the image), the per-filter scale is one value
// of the row for every lane.
// GROUP-LABEL: func.func @convolution(
// GROUP:         scf.execute_region no_inline {
// GROUP-NEXT:      linalg.generic {{.+}} attrs = {autoglm.vnni}
// GROUP:         } {autoglm.int8_epilogue}
// VNNI-LABEL: func.func @convolution(
// VNNI-SAME:      %[[S:[^:]+]]: memref<32x1x1xf32>, %[[Q:[^:]+]]: memref<1x32x8x8xi8>)
// VNNI:          scf.parallel
// VNNI:            scf.for
// VNNI:              llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// VNNI:            memref.load %[[S]][%{{.+}}, %{{.+}}, %{{.+}}] : memref<32x1x1xf32>
// VNNI:            arith.sitofp %{{.+}} : vector<16xi32> to vector<16xf32>
// VNNI:            arith.fptoui %{{.+}} : vector<16xf32> to vector<16xi8>
// VNNI:            %[[Q2:.+]] = memref.collapse_shape %[[Q]] {{\[}}[0], [1], [2, 3]] : memref<1x32x8x8xi8> into memref<1x32x64xi8>
// VNNI-NEXT:       vector.store %{{.+}}, %[[Q2]][%{{.+}}, %{{.+}}, %{{.+}}] : memref<1x32x64xi8>, vector<16xi8>
// VNNI-NOT:      linalg.generic
// VNNI:          return
// AMX-LABEL: func.func @convolution(
// AMX-SAME:      %[[Q:[^:]+]]: memref<1x32x8x8xi8>)
// AMX:           scf.parallel
// AMX:             amx.tile_muli
// AMX:             scf.for
// AMX:               arith.fptoui %{{.+}} : vector<16xf32> to vector<16xi8>
// AMX:               %[[Q2:.+]] = memref.collapse_shape %[[Q]] {{\[}}[0], [1], [2, 3]]
// AMX-NEXT:          vector.store %{{.+}}, %[[Q2]]
// AMX-NOT:       linalg.generic
// AMX:           return
#map = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
#map1 = affine_map<(d0, d1, d2, d3) -> (d2, d1, d3)>
#map2 = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#chan = affine_map<(d0, d1, d2, d3) -> (d1, 0, 0)>
func.func @convolution(%w: memref<32x16x4xi8>, %col: memref<16x64x4xi8>, %start: memref<32xi32>, %scale: memref<32x1x1xf32>, %q: memref<1x32x8x8xi8>) {
  %c = memref.alloc() {alignment = 64 : i64} : memref<32x64xi32>
  %f0 = arith.constant 0.0 : f32
  %max = arith.constant 255.0 : f32
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
  %c4 = memref.expand_shape %c [[0, 1], [2, 3]] output_shape [1, 32, 8, 8] : memref<32x64xi32> into memref<1x32x8x8xi32>
  %f = memref.alloc() {alignment = 64 : i64} : memref<1x32x8x8xf32>
  linalg.generic {indexing_maps = [#id, #chan, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%c4, %scale : memref<1x32x8x8xi32>, memref<32x1x1xf32>) outs(%f : memref<1x32x8x8xf32>) {
  ^bb0(%in: i32, %s: f32, %out: f32):
    %0 = arith.sitofp %in : i32 to f32
    %1 = arith.mulf %0, %s : f32
    %2 = math.roundeven %1 : f32
    %3 = arith.maximumf %2, %f0 : f32
    %4 = arith.minimumf %3, %max : f32
    linalg.yield %4 : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%f : memref<1x32x8x8xf32>) outs(%q : memref<1x32x8x8xi8>) {
  ^bb0(%in: f32, %out: i8):
    %0 = arith.fptoui %in : f32 to i8
    linalg.yield %0 : i8
  }
  return
}
