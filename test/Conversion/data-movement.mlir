// RUN: autoglm-opt %s --autoglm-lower-to-linalg | FileCheck %s

// Maps of @gather (indices), @expand_tile (broadcast, tile):
// CHECK-DAG:   #[[IDX:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG:   #[[MOD:.+]] = affine_map<(d0, d1) -> (d0 mod 2, d1 mod 3)>
// CHECK-DAG:   #[[BC:.+]] = affine_map<(d0, d1) -> (0, d1)>

// CHECK-LABEL: func.func @constants(
// CHECK:         arith.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
// uint8 payloads keep their bits, as i8 (200 = -56).
// CHECK:         arith.constant dense<[1, -56]> : tensor<2xi8>
// CHECK:         arith.constant dense_resource<blob> : tensor<2xf32>
// shape_of and fill
// CHECK:         arith.constant dense<[3, 4]> : tensor<2xi64>
// (a fill without a shape operand folds to a constant first)
// CHECK:         arith.constant dense<7> : tensor<2x2xi8>
// CHECK:         %[[V:.+]] = arith.constant 9 : i8
// CHECK:         linalg.fill ins(%[[V]] : i8) outs(%{{.+}} : tensor<2x3xi8>)
func.func @constants(%x: tensor<3x4xf32>, %shape: tensor<2xi64>) -> (tensor<2xf32>, tensor<2xui8>, tensor<2xf32>, tensor<2xi64>, tensor<2x2xui8>, tensor<2x3xui8>) {
  %0 = autoglm.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %1 = autoglm.constant dense<[1, 200]> : tensor<2xui8>
  %2 = autoglm.constant dense_resource<blob> : tensor<2xf32>
  %3 = autoglm.shape_of %x : (tensor<3x4xf32>) -> tensor<2xi64>
  %4 = autoglm.fill {value = 7 : ui8} : () -> tensor<2x2xui8>
  %5 = autoglm.fill %shape {value = 9 : ui8} : (tensor<2xi64>) -> tensor<2x3xui8>
  return %0, %1, %2, %3, %4, %5 : tensor<2xf32>, tensor<2xui8>, tensor<2xf32>, tensor<2xi64>, tensor<2x2xui8>, tensor<2x3xui8>
}

// CHECK-LABEL: func.func @reshape_transpose(
// CHECK:         tensor.collapse_shape %arg0 {{\[}}[0, 1], [2]] : tensor<2x3x4xf32> into tensor<6x4xf32>
// No reassociation from 2x3x4 to 4x6: through 1-D.
// CHECK:         tensor.collapse_shape %arg0 {{\[}}[0, 1, 2]] : tensor<2x3x4xf32> into tensor<24xf32>
// CHECK:         tensor.expand_shape %{{.+}} {{\[}}[0, 1]] output_shape [4, 6] : tensor<24xf32> into tensor<4x6xf32>
// CHECK:         linalg.transpose ins(%arg0 : tensor<2x3x4xf32>) outs(%{{.+}} : tensor<4x2x3xf32>) permutation = [2, 0, 1]
func.func @reshape_transpose(%x: tensor<2x3x4xf32>) -> (tensor<6x4xf32>, tensor<4x6xf32>, tensor<4x2x3xf32>) {
  %0 = autoglm.reshape %x : (tensor<2x3x4xf32>) -> tensor<6x4xf32>
  %1 = autoglm.reshape %x : (tensor<2x3x4xf32>) -> tensor<4x6xf32>
  %2 = autoglm.transpose %x, [2, 0, 1] : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
  return %0, %1, %2 : tensor<6x4xf32>, tensor<4x6xf32>, tensor<4x2x3xf32>
}

// CHECK-LABEL: func.func @concat_split(
// CHECK:         %[[E:.+]] = tensor.empty() : tensor<2x5xf32>
// CHECK:         %[[I0:.+]] = tensor.insert_slice %arg0 into %[[E]][0, 0] [2, 2] [1, 1]
// CHECK:         tensor.insert_slice %arg1 into %[[I0]][0, 2] [2, 3] [1, 1]
// CHECK:         tensor.extract_slice %arg1[0, 0] [2, 1] [1, 1] : tensor<2x3xf32> to tensor<2x1xf32>
// CHECK:         tensor.extract_slice %arg1[0, 1] [2, 2] [1, 1] : tensor<2x3xf32> to tensor<2x2xf32>
func.func @concat_split(%a: tensor<2x2xf32>, %b: tensor<2x3xf32>) -> (tensor<2x5xf32>, tensor<2x1xf32>, tensor<2x2xf32>) {
  %0 = autoglm.concat %a, %b {axis = 1 : i64} : (tensor<2x2xf32>, tensor<2x3xf32>) -> tensor<2x5xf32>
  %1:2 = autoglm.split %b {axis = 1 : i64, sizes = array<i64: 1, 2>} : (tensor<2x3xf32>) -> (tensor<2x1xf32>, tensor<2x2xf32>)
  return %0, %1#0, %1#1 : tensor<2x5xf32>, tensor<2x1xf32>, tensor<2x2xf32>
}

// CHECK-LABEL: func.func @slice(
// CHECK:         tensor.extract_slice %arg0[1, 0] [2, 3] [1, 2] : tensor<4x6xf32> to tensor<2x3xf32>
// A backward step reads start + i * step.
// CHECK:         linalg.generic
// CHECK:           %[[I:.+]] = linalg.index 1 : index
// CHECK:           %[[M:.+]] = arith.constant -1 : index
// CHECK:           %[[O:.+]] = arith.muli %[[I]], %[[M]] : index
// CHECK:           %[[S:.+]] = arith.constant 5 : index
// CHECK:           %[[J:.+]] = arith.addi %[[O]], %[[S]] : index
// CHECK:           tensor.extract %arg0[%{{.+}}, %[[J]]] : tensor<4x6xf32>
func.func @slice(%x: tensor<4x6xf32>) -> (tensor<2x3xf32>, tensor<4x6xf32>) {
  %0 = autoglm.slice %x {starts = array<i64: 1, 0>, ends = array<i64: 3, 6>, steps = array<i64: 1, 2>} : (tensor<4x6xf32>) -> tensor<2x3xf32>
  %1 = autoglm.slice %x {starts = array<i64: 0, 5>, ends = array<i64: 4, -1>, steps = array<i64: 1, -1>} : (tensor<4x6xf32>) -> tensor<4x6xf32>
  return %0, %1 : tensor<2x3xf32>, tensor<4x6xf32>
}

// CHECK-LABEL: func.func @gather(
// CHECK:         linalg.generic {indexing_maps = [#[[IDX]], #{{.+}}]{{.+}} ins(%arg1 : tensor<2x2xi64>) outs(%{{.+}} : tensor<2x2x4xf32>)
// CHECK:           arith.index_cast %{{.+}} : i64 to index
// CHECK:           arith.cmpi slt
// CHECK:           arith.select
// CHECK:           tensor.extract %arg0[%{{.+}}, %{{.+}}] : tensor<5x4xf32>
// gather_elements replaces the axis index.
// CHECK:         linalg.generic
// CHECK:           tensor.extract %arg0
func.func @gather(%d: tensor<5x4xf32>, %i: tensor<2x2xi64>, %e: tensor<5x4xi32>) -> (tensor<2x2x4xf32>, tensor<5x4xf32>) {
  %0 = autoglm.gather %d, %i {axis = 0 : i64} : (tensor<5x4xf32>, tensor<2x2xi64>) -> tensor<2x2x4xf32>
  %1 = autoglm.gather_elements %d, %e {axis = 1 : i64} : (tensor<5x4xf32>, tensor<5x4xi32>) -> tensor<5x4xf32>
  return %0, %1 : tensor<2x2x4xf32>, tensor<5x4xf32>
}

// CHECK-LABEL: func.func @pad(
// CHECK:         %[[V:.+]] = arith.constant 1.500000e+00 : f32
// CHECK:         tensor.pad %arg0 low[1, 0] high[0, 2]
// CHECK:           tensor.yield %[[V]] : f32
// Negative pads crop first.
// CHECK:         %[[C:.+]] = tensor.extract_slice %arg0[1, 0] [2, 4] [1, 1] : tensor<3x4xf32> to tensor<2x4xf32>
// CHECK:         tensor.pad %[[C]] low[0, 1] high[0, 0]
// reflect: an index generic
// CHECK:         linalg.generic
// CHECK:           arith.remsi
// CHECK:           arith.minsi
// CHECK:           tensor.extract %arg0
func.func @pad(%x: tensor<3x4xf32>) -> (tensor<4x6xf32>, tensor<2x5xf32>, tensor<5x6xf32>) {
  %0 = autoglm.pad %x {pads = array<i64: 1, 0, 0, 2>, value = 1.5 : f64} : (tensor<3x4xf32>) -> tensor<4x6xf32>
  %1 = autoglm.pad %x {pads = array<i64: -1, 1, 0, 0>} : (tensor<3x4xf32>) -> tensor<2x5xf32>
  %2 = autoglm.pad %x {mode = #autoglm<pad_mode reflect>, pads = array<i64: 1, 1, 1, 1>} : (tensor<3x4xf32>) -> tensor<5x6xf32>
  return %0, %1, %2 : tensor<4x6xf32>, tensor<2x5xf32>, tensor<5x6xf32>
}

// CHECK-LABEL: func.func @expand_tile(
// CHECK:         linalg.generic {indexing_maps = [#[[BC]], #{{.+}}]{{.+}} ins(%arg0 : tensor<1x3xf32>) outs(%{{.+}} : tensor<4x3xf32>)
// CHECK:         linalg.generic {indexing_maps = [#[[MOD]], #{{.+}}]{{.+}} ins(%arg1 : tensor<2x3xf32>) outs(%{{.+}} : tensor<4x9xf32>)
func.func @expand_tile(%x: tensor<1x3xf32>, %y: tensor<2x3xf32>) -> (tensor<4x3xf32>, tensor<4x9xf32>) {
  %0 = autoglm.expand %x : (tensor<1x3xf32>) -> tensor<4x3xf32>
  %1 = autoglm.tile %y {repeats = array<i64: 2, 3>} : (tensor<2x3xf32>) -> tensor<4x9xf32>
  return %0, %1 : tensor<4x3xf32>, tensor<4x9xf32>
}

// CHECK-LABEL: func.func @range_trilu(
// CHECK:         %[[S:.+]] = tensor.extract %arg0[] : tensor<i64>
// CHECK:         %[[D:.+]] = tensor.extract %arg1[] : tensor<i64>
// CHECK:         linalg.generic
// CHECK:           %[[I:.+]] = arith.index_cast %{{.+}} : index to i64
// CHECK:           %[[M:.+]] = arith.muli %[[I]], %[[D]] : i64
// CHECK:           arith.addi %[[S]], %[[M]] : i64
// CHECK:         linalg.generic
// CHECK:           arith.subi
// CHECK:           arith.cmpi sge
// CHECK:           arith.select
func.func @range_trilu(%s: tensor<i64>, %d: tensor<i64>, %l: tensor<i64>, %x: tensor<3x3xf32>) -> (tensor<5xi64>, tensor<3x3xf32>) {
  %0 = autoglm.range %s, %l, %d : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<5xi64>
  %1 = autoglm.trilu %x {upper, diagonal = 1 : i64} : tensor<3x3xf32>
  return %0, %1 : tensor<5xi64>, tensor<3x3xf32>
}

// Nearest by a whole factor (half_pixel, round_prefer_floor: output o
// reads o / 2): each element repeated into [1, 1, 2, 2, 2, 2], collapsed.
// CHECK-LABEL: func.func @resize(
// CHECK:         %[[REP:.+]] = linalg.generic {{.+}} ins(%arg0 : tensor<1x1x2x2xf32>) outs(%{{.+}} : tensor<1x1x2x2x2x2xf32>)
// CHECK-NOT:       tensor.extract
// CHECK:         tensor.collapse_shape %[[REP]] {{\[}}[0], [1], [2, 3], [4, 5]] : tensor<1x1x2x2x2x2xf32> into tensor<1x1x4x4xf32>
// Linear: four corners.
// CHECK:         linalg.generic
// CHECK:           math.floor
// CHECK-COUNT-4:   tensor.extract %arg0
func.func @resize(%x: tensor<1x1x2x2xf32>) -> (tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) {
  %0 = autoglm.resize nearest %x : (tensor<1x1x2x2xf32>) -> tensor<1x1x4x4xf32>
  %1 = autoglm.resize linear %x : (tensor<1x1x2x2xf32>) -> tensor<1x1x4x4xf32>
  return %0, %1 : tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>
}

// Nearest resizes that repeat elements (output o reads o / s) and those
// that do not: asymmetric floor by 3 along H only (repeated; W unchanged
// keeps its dimension), asymmetric round_prefer_floor by 3 (o = 2 reads
// round(2/3) = 1), round_prefer_ceil by 2 (o = 1 reads 1), align_corners
// floor by 2 (o = 2 reads floor(2/3) = 0), 2 -> 5 (not a whole factor) and
// a downsample 4 -> 2: these keep the gather.
// CHECK-LABEL: func.func @resize_nearest_forms(
// CHECK:         %[[REP:.+]] = linalg.generic {{.+}} ins(%arg0 : tensor<1x1x2x2xf32>) outs(%{{.+}} : tensor<1x1x2x3x2xf32>)
// CHECK-NOT:       tensor.extract
// CHECK:         tensor.collapse_shape %[[REP]] {{\[}}[0], [1], [2, 3], [4]] : tensor<1x1x2x3x2xf32> into tensor<1x1x6x2xf32>
// CHECK-COUNT-5: tensor.extract %arg
// CHECK-NOT:     tensor.collapse_shape
// CHECK:         return
func.func @resize_nearest_forms(%x: tensor<1x1x2x2xf32>, %y: tensor<1x1x4x4xf32>)
    -> (tensor<1x1x6x2xf32>, tensor<1x1x6x6xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>,
        tensor<1x1x5x5xf32>, tensor<1x1x2x2xf32>) {
  %0 = autoglm.resize nearest %x {coordinate_transform = #autoglm<coordinate_transform asymmetric>, nearest_rounding = #autoglm<nearest_rounding floor>} : (tensor<1x1x2x2xf32>) -> tensor<1x1x6x2xf32>
  %1 = autoglm.resize nearest %x {coordinate_transform = #autoglm<coordinate_transform asymmetric>, nearest_rounding = #autoglm<nearest_rounding round_prefer_floor>} : (tensor<1x1x2x2xf32>) -> tensor<1x1x6x6xf32>
  %2 = autoglm.resize nearest %x {coordinate_transform = #autoglm<coordinate_transform asymmetric>, nearest_rounding = #autoglm<nearest_rounding round_prefer_ceil>} : (tensor<1x1x2x2xf32>) -> tensor<1x1x4x4xf32>
  %3 = autoglm.resize nearest %x {coordinate_transform = #autoglm<coordinate_transform align_corners>, nearest_rounding = #autoglm<nearest_rounding floor>} : (tensor<1x1x2x2xf32>) -> tensor<1x1x4x4xf32>
  %4 = autoglm.resize nearest %x : (tensor<1x1x2x2xf32>) -> tensor<1x1x5x5xf32>
  %5 = autoglm.resize nearest %y : (tensor<1x1x4x4xf32>) -> tensor<1x1x2x2xf32>
  return %0, %1, %2, %3, %4, %5 : tensor<1x1x6x2xf32>, tensor<1x1x6x6xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>,
      tensor<1x1x5x5xf32>, tensor<1x1x2x2xf32>
}

// topk: ranks by counting, then the element of each rank.
// CHECK-LABEL: func.func @topk(
// CHECK:         %[[R:.+]] = linalg.generic {{.+}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%arg0, %arg0 : tensor<2x5xf32>, tensor<2x5xf32>) outs(%{{.+}} : tensor<2x5xi64>)
// CHECK:           arith.cmpf ogt
// CHECK:         linalg.generic {{.+}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%arg0, %[[R]] : tensor<2x5xf32>, tensor<2x5xi64>) outs(%{{.+}}, %{{.+}} : tensor<2x3xf32>, tensor<2x3xi64>)
func.func @topk(%x: tensor<2x5xf32>) -> (tensor<2x3xf32>, tensor<2x3xi64>) {
  %0:2 = autoglm.topk %x {k = 3 : i64, axis = 1 : i64} : (tensor<2x5xf32>) -> (tensor<2x3xf32>, tensor<2x3xi64>)
  return %0#0, %0#1 : tensor<2x3xf32>, tensor<2x3xi64>
}

{-#
  dialect_resources: {
    builtin: {
      blob: "0x040000000000803F00000040"
    }
  }
#-}
