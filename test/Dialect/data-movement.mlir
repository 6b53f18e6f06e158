// RUN: autoglm-opt %s | autoglm-opt | FileCheck %s
// RUN: autoglm-opt %s --mlir-print-op-generic | autoglm-opt | FileCheck %s

// Round trip of the shape and layout ops: constants (dense, splat, empty,
// resource-backed), reshape / expand / fill with and without their run-time
// shape operand, transpose, concat, split, slice (forward and backward),
// gather, gather_elements, pad (every mode, cropping), tile, resize (every
// enum case; defaults elided), topk, shape_of, range, trilu.

// CHECK-LABEL: func.func @constant(
// CHECK-SAME:  ) -> (tensor<2xf32>, tensor<2x2xi64>, tensor<3x4xf16>, tensor<i1>, tensor<0xi64>) {
// CHECK-NEXT:    %0 = autoglm.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK-NEXT:    %1 = autoglm.constant dense<{{\[\[}}1, 2], [3, 4]]> : tensor<2x2xi64>
// CHECK-NEXT:    %2 = autoglm.constant dense<5.000000e-01> : tensor<3x4xf16>
// CHECK-NEXT:    %3 = autoglm.constant dense<true> : tensor<i1>
// CHECK-NEXT:    %4 = autoglm.constant dense<> : tensor<0xi64>
// CHECK-NEXT:    return %0, %1, %2, %3, %4 : tensor<2xf32>, tensor<2x2xi64>, tensor<3x4xf16>, tensor<i1>, tensor<0xi64>
func.func @constant() -> (tensor<2xf32>, tensor<2x2xi64>, tensor<3x4xf16>, tensor<i1>, tensor<0xi64>) {
  %0 = autoglm.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
  %1 = autoglm.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi64>
  %2 = autoglm.constant dense<5.000000e-01> : tensor<3x4xf16>
  %3 = autoglm.constant dense<true> : tensor<i1>
  %4 = autoglm.constant dense<> : tensor<0xi64>
  return %0, %1, %2, %3, %4 : tensor<2xf32>, tensor<2x2xi64>, tensor<3x4xf16>, tensor<i1>, tensor<0xi64>
}

// Large weights are resource-backed.
// CHECK-LABEL: func.func @constant_resource(
// CHECK-SAME:  ) -> tensor<2xf32> {
// CHECK-NEXT:    %0 = autoglm.constant dense_resource<weight> : tensor<2xf32>
// CHECK-NEXT:    return %0 : tensor<2xf32>
func.func @constant_resource() -> tensor<2xf32> {
  %0 = autoglm.constant dense_resource<weight> : tensor<2xf32>
  return %0 : tensor<2xf32>
}

// CHECK-LABEL: func.func @reshape(
// CHECK-SAME:  %arg0: tensor<2x3x4xf32>, %arg1: tensor<?x4xf32>) -> (tensor<6x4xf32>, tensor<24xf32>, tensor<?x2x2xf32>, tensor<?xf32>) {
// CHECK-NEXT:    %0 = autoglm.reshape %arg0 : (tensor<2x3x4xf32>) -> tensor<6x4xf32>
// CHECK-NEXT:    %1 = autoglm.reshape %arg0 : (tensor<2x3x4xf32>) -> tensor<24xf32>
// CHECK-NEXT:    %2 = autoglm.reshape %arg1 : (tensor<?x4xf32>) -> tensor<?x2x2xf32>
// CHECK-NEXT:    %3 = autoglm.reshape %arg0 : (tensor<2x3x4xf32>) -> tensor<?xf32>
// CHECK-NEXT:    return %0, %1, %2, %3 : tensor<6x4xf32>, tensor<24xf32>, tensor<?x2x2xf32>, tensor<?xf32>
func.func @reshape(%x: tensor<2x3x4xf32>, %y: tensor<?x4xf32>) -> (tensor<6x4xf32>, tensor<24xf32>, tensor<?x2x2xf32>, tensor<?xf32>) {
  %0 = autoglm.reshape %x : (tensor<2x3x4xf32>) -> tensor<6x4xf32>
  %1 = autoglm.reshape %x : (tensor<2x3x4xf32>) -> tensor<24xf32>
  %2 = autoglm.reshape %y : (tensor<?x4xf32>) -> tensor<?x2x2xf32>
  // One dynamic dimension is fine for a static input: it is inferred.
  %3 = autoglm.reshape %x : (tensor<2x3x4xf32>) -> tensor<?xf32>
  return %0, %1, %2, %3 : tensor<6x4xf32>, tensor<24xf32>, tensor<?x2x2xf32>, tensor<?xf32>
}

// With a run-time shape operand the result may have any number of `?`.
// CHECK-LABEL: func.func @reshape_shape_operand(
// CHECK-SAME:  %arg0: tensor<2x3x4xf32>, %arg1: tensor<3xi64>, %arg2: tensor<?xi64>) -> (tensor<?x?x?xf32>, tensor<?x?xf32>) {
// CHECK-NEXT:    %0 = autoglm.reshape %arg0, %arg1 : (tensor<2x3x4xf32>, tensor<3xi64>) -> tensor<?x?x?xf32>
// CHECK-NEXT:    %1 = autoglm.reshape %arg0, %arg2 : (tensor<2x3x4xf32>, tensor<?xi64>) -> tensor<?x?xf32>
// CHECK-NEXT:    return %0, %1 : tensor<?x?x?xf32>, tensor<?x?xf32>
func.func @reshape_shape_operand(%x: tensor<2x3x4xf32>, %s: tensor<3xi64>, %d: tensor<?xi64>) -> (tensor<?x?x?xf32>, tensor<?x?xf32>) {
  %0 = autoglm.reshape %x, %s : (tensor<2x3x4xf32>, tensor<3xi64>) -> tensor<?x?x?xf32>
  %1 = autoglm.reshape %x, %d : (tensor<2x3x4xf32>, tensor<?xi64>) -> tensor<?x?xf32>
  return %0, %1 : tensor<?x?x?xf32>, tensor<?x?xf32>
}

// CHECK-LABEL: func.func @transpose(
// CHECK-SAME:  %arg0: tensor<2x?x4xf32>, %arg1: tensor<5xi8>) -> (tensor<4x2x?xf32>, tensor<2x?x4xf32>, tensor<5xi8>) {
// CHECK-NEXT:    %0 = autoglm.transpose %arg0, [2, 0, 1] : (tensor<2x?x4xf32>) -> tensor<4x2x?xf32>
// CHECK-NEXT:    %1 = autoglm.transpose %arg0, [0, 1, 2] : (tensor<2x?x4xf32>) -> tensor<2x?x4xf32>
// CHECK-NEXT:    %2 = autoglm.transpose %arg1, [0] : (tensor<5xi8>) -> tensor<5xi8>
// CHECK-NEXT:    return %0, %1, %2 : tensor<4x2x?xf32>, tensor<2x?x4xf32>, tensor<5xi8>
func.func @transpose(%x: tensor<2x?x4xf32>, %y: tensor<5xi8>) -> (tensor<4x2x?xf32>, tensor<2x?x4xf32>, tensor<5xi8>) {
  %0 = autoglm.transpose %x, [2, 0, 1] : (tensor<2x?x4xf32>) -> tensor<4x2x?xf32>
  %1 = autoglm.transpose %x, [0, 1, 2] : (tensor<2x?x4xf32>) -> tensor<2x?x4xf32>
  %2 = autoglm.transpose %y, [0] : (tensor<5xi8>) -> tensor<5xi8>
  return %0, %1, %2 : tensor<4x2x?xf32>, tensor<2x?x4xf32>, tensor<5xi8>
}

// CHECK-LABEL: func.func @concat(
// CHECK-SAME:  %arg0: tensor<2x3xf32>, %arg1: tensor<2x5xf32>, %arg2: tensor<?x?xf32>) -> (tensor<2x8xf32>, tensor<2x?xf32>, tensor<2x3xf32>, tensor<4x3xf32>) {
// CHECK-NEXT:    %0 = autoglm.concat %arg0, %arg1 {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x5xf32>) -> tensor<2x8xf32>
// CHECK-NEXT:    %1 = autoglm.concat %arg0, %arg2, %arg1 {axis = 1 : i64} : (tensor<2x3xf32>, tensor<?x?xf32>, tensor<2x5xf32>) -> tensor<2x?xf32>
// CHECK-NEXT:    %2 = autoglm.concat %arg0 {axis = 0 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT:    %3 = autoglm.concat %arg0, %arg0 {axis = 0 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
// CHECK-NEXT:    return %0, %1, %2, %3 : tensor<2x8xf32>, tensor<2x?xf32>, tensor<2x3xf32>, tensor<4x3xf32>
func.func @concat(%a: tensor<2x3xf32>, %b: tensor<2x5xf32>, %c: tensor<?x?xf32>) -> (tensor<2x8xf32>, tensor<2x?xf32>, tensor<2x3xf32>, tensor<4x3xf32>) {
  %0 = autoglm.concat %a, %b {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x5xf32>) -> tensor<2x8xf32>
  %1 = autoglm.concat %a, %c, %b {axis = 1 : i64} : (tensor<2x3xf32>, tensor<?x?xf32>, tensor<2x5xf32>) -> tensor<2x?xf32>
  %2 = autoglm.concat %a {axis = 0 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %3 = autoglm.concat %a, %a {axis = 0 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
  return %0, %1, %2, %3 : tensor<2x8xf32>, tensor<2x?xf32>, tensor<2x3xf32>, tensor<4x3xf32>
}

// CHECK-LABEL: func.func @split(
// CHECK-SAME:  %arg0: tensor<4x10xf32>, %arg1: tensor<?x3xi32>) -> (tensor<4x2xf32>, tensor<4x8xf32>, tensor<1x3xi32>, tensor<0x3xi32>, tensor<2x3xi32>) {
// CHECK-NEXT:    %0:2 = autoglm.split %arg0 {axis = 1 : i64, sizes = array<i64: 2, 8>} : (tensor<4x10xf32>) -> (tensor<4x2xf32>, tensor<4x8xf32>)
// CHECK-NEXT:    %1:3 = autoglm.split %arg1 {axis = 0 : i64, sizes = array<i64: 1, 0, 2>} : (tensor<?x3xi32>) -> (tensor<1x3xi32>, tensor<0x3xi32>, tensor<2x3xi32>)
// CHECK-NEXT:    return %0#0, %0#1, %1#0, %1#1, %1#2 : tensor<4x2xf32>, tensor<4x8xf32>, tensor<1x3xi32>, tensor<0x3xi32>, tensor<2x3xi32>
func.func @split(%x: tensor<4x10xf32>, %y: tensor<?x3xi32>) -> (tensor<4x2xf32>, tensor<4x8xf32>, tensor<1x3xi32>, tensor<0x3xi32>, tensor<2x3xi32>) {
  %0:2 = autoglm.split %x {axis = 1 : i64, sizes = array<i64: 2, 8>} : (tensor<4x10xf32>) -> (tensor<4x2xf32>, tensor<4x8xf32>)
  %1:3 = autoglm.split %y {axis = 0 : i64, sizes = array<i64: 1, 0, 2>} : (tensor<?x3xi32>) -> (tensor<1x3xi32>, tensor<0x3xi32>, tensor<2x3xi32>)
  return %0#0, %0#1, %1#0, %1#1, %1#2 : tensor<4x2xf32>, tensor<4x8xf32>, tensor<1x3xi32>, tensor<0x3xi32>, tensor<2x3xi32>
}

// CHECK-LABEL: func.func @slice(
// CHECK-SAME:  %arg0: tensor<10x?x8xf32>) -> (tensor<4x?x8xf32>, tensor<10x2x3xf32>) {
// CHECK-NEXT:    %0 = autoglm.slice %arg0 {ends = array<i64: 9, 5, 8>, starts = array<i64: 1, 0, 0>, steps = array<i64: 2, 1, 1>} : (tensor<10x?x8xf32>) -> tensor<4x?x8xf32>
// CHECK-NEXT:    %1 = autoglm.slice %arg0 {ends = array<i64: -1, 2, 7>, starts = array<i64: 9, 0, 0>, steps = array<i64: -1, 1, 3>} : (tensor<10x?x8xf32>) -> tensor<10x2x3xf32>
// CHECK-NEXT:    return %0, %1 : tensor<4x?x8xf32>, tensor<10x2x3xf32>
func.func @slice(%x: tensor<10x?x8xf32>) -> (tensor<4x?x8xf32>, tensor<10x2x3xf32>) {
  %0 = autoglm.slice %x {ends = array<i64: 9, 5, 8>, starts = array<i64: 1, 0, 0>, steps = array<i64: 2, 1, 1>} : (tensor<10x?x8xf32>) -> tensor<4x?x8xf32>
  // Backward steps; an end of -1 runs to the first element.
  %1 = autoglm.slice %x {ends = array<i64: -1, 2, 7>, starts = array<i64: 9, 0, 0>, steps = array<i64: -1, 1, 3>} : (tensor<10x?x8xf32>) -> tensor<10x2x3xf32>
  return %0, %1 : tensor<4x?x8xf32>, tensor<10x2x3xf32>
}

// CHECK-LABEL: func.func @gather(
// CHECK-SAME:  %arg0: tensor<32000x768xf16>, %arg1: tensor<?x128xi64>, %arg2: tensor<i32>) -> (tensor<?x128x768xf16>, tensor<32000xf16>) {
// CHECK-NEXT:    %0 = autoglm.gather %arg0, %arg1 {axis = 0 : i64} : (tensor<32000x768xf16>, tensor<?x128xi64>) -> tensor<?x128x768xf16>
// CHECK-NEXT:    %1 = autoglm.gather %arg0, %arg2 {axis = 1 : i64} : (tensor<32000x768xf16>, tensor<i32>) -> tensor<32000xf16>
// CHECK-NEXT:    return %0, %1 : tensor<?x128x768xf16>, tensor<32000xf16>
func.func @gather(%table: tensor<32000x768xf16>, %ids: tensor<?x128xi64>, %i: tensor<i32>) -> (tensor<?x128x768xf16>, tensor<32000xf16>) {
  %0 = autoglm.gather %table, %ids {axis = 0 : i64} : (tensor<32000x768xf16>, tensor<?x128xi64>) -> tensor<?x128x768xf16>
  %1 = autoglm.gather %table, %i {axis = 1 : i64} : (tensor<32000x768xf16>, tensor<i32>) -> tensor<32000xf16>
  return %0, %1 : tensor<?x128x768xf16>, tensor<32000xf16>
}

// CHECK-LABEL: func.func @gather_elements(
// CHECK-SAME:  %arg0: tensor<3x4xf32>, %arg1: tensor<3x2xi64>, %arg2: tensor<?x4xi32>) -> (tensor<3x2xf32>, tensor<?x4xf32>) {
// CHECK-NEXT:    %0 = autoglm.gather_elements %arg0, %arg1 {axis = 1 : i64} : (tensor<3x4xf32>, tensor<3x2xi64>) -> tensor<3x2xf32>
// CHECK-NEXT:    %1 = autoglm.gather_elements %arg0, %arg2 {axis = 0 : i64} : (tensor<3x4xf32>, tensor<?x4xi32>) -> tensor<?x4xf32>
// CHECK-NEXT:    return %0, %1 : tensor<3x2xf32>, tensor<?x4xf32>
func.func @gather_elements(%x: tensor<3x4xf32>, %i: tensor<3x2xi64>, %j: tensor<?x4xi32>) -> (tensor<3x2xf32>, tensor<?x4xf32>) {
  %0 = autoglm.gather_elements %x, %i {axis = 1 : i64} : (tensor<3x4xf32>, tensor<3x2xi64>) -> tensor<3x2xf32>
  %1 = autoglm.gather_elements %x, %j {axis = 0 : i64} : (tensor<3x4xf32>, tensor<?x4xi32>) -> tensor<?x4xf32>
  return %0, %1 : tensor<3x2xf32>, tensor<?x4xf32>
}

// CHECK-LABEL: func.func @pad(
// CHECK-SAME:  %arg0: tensor<1x3x8x?xf32>, %arg1: tensor<4xi32>) -> (tensor<1x3x10x?xf32>, tensor<1x3x9x?xf32>, tensor<1x3x10x?xf32>, tensor<1x3x10x?xf32>, tensor<1x3x10x?xf32>, tensor<3xi32>) {
// CHECK-NEXT:    %0 = autoglm.pad %arg0 {pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>} : (tensor<1x3x8x?xf32>) -> tensor<1x3x10x?xf32>
// CHECK-NEXT:    %1 = autoglm.pad %arg0 {pads = array<i64: 0, 0, 2, 0, 0, 0, -1, 0>, value = -1.000000e+00 : f64} : (tensor<1x3x8x?xf32>) -> tensor<1x3x9x?xf32>
// CHECK-NEXT:    %2 = autoglm.pad %arg0 {mode = #autoglm<pad_mode reflect>, pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>} : (tensor<1x3x8x?xf32>) -> tensor<1x3x10x?xf32>
// CHECK-NEXT:    %3 = autoglm.pad %arg0 {mode = #autoglm<pad_mode edge>, pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>} : (tensor<1x3x8x?xf32>) -> tensor<1x3x10x?xf32>
// CHECK-NEXT:    %4 = autoglm.pad %arg0 {mode = #autoglm<pad_mode wrap>, pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>} : (tensor<1x3x8x?xf32>) -> tensor<1x3x10x?xf32>
// CHECK-NEXT:    %5 = autoglm.pad %arg1 {pads = array<i64: 0, -1>} : (tensor<4xi32>) -> tensor<3xi32>
// CHECK-NEXT:    return %0, %1, %2, %3, %4, %5 : tensor<1x3x10x?xf32>, tensor<1x3x9x?xf32>, tensor<1x3x10x?xf32>, tensor<1x3x10x?xf32>, tensor<1x3x10x?xf32>, tensor<3xi32>
func.func @pad(%x: tensor<1x3x8x?xf32>, %y: tensor<4xi32>) -> (tensor<1x3x10x?xf32>, tensor<1x3x9x?xf32>, tensor<1x3x10x?xf32>, tensor<1x3x10x?xf32>, tensor<1x3x10x?xf32>, tensor<3xi32>) {
  %0 = autoglm.pad %x {pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>} : (tensor<1x3x8x?xf32>) -> tensor<1x3x10x?xf32>
  %1 = autoglm.pad %x {pads = array<i64: 0, 0, 2, 0, 0, 0, -1, 0>, value = -1.000000e+00 : f64} : (tensor<1x3x8x?xf32>) -> tensor<1x3x9x?xf32>
  %2 = autoglm.pad %x {mode = #autoglm<pad_mode reflect>, pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>} : (tensor<1x3x8x?xf32>) -> tensor<1x3x10x?xf32>
  %3 = autoglm.pad %x {mode = #autoglm<pad_mode edge>, pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>} : (tensor<1x3x8x?xf32>) -> tensor<1x3x10x?xf32>
  %4 = autoglm.pad %x {mode = #autoglm<pad_mode wrap>, pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>} : (tensor<1x3x8x?xf32>) -> tensor<1x3x10x?xf32>
  %5 = autoglm.pad %y {pads = array<i64: 0, -1>} : (tensor<4xi32>) -> tensor<3xi32>
  return %0, %1, %2, %3, %4, %5 : tensor<1x3x10x?xf32>, tensor<1x3x9x?xf32>, tensor<1x3x10x?xf32>, tensor<1x3x10x?xf32>, tensor<1x3x10x?xf32>, tensor<3xi32>
}

// CHECK-LABEL: func.func @expand(
// CHECK-SAME:  %arg0: tensor<3x1xf32>, %arg1: tensor<3xi64>, %arg2: tensor<?x1xi1>) -> (tensor<2x3x4xf32>, tensor<?x?x?xf32>, tensor<?x5xi1>, tensor<2x3x4xf32>) {
// CHECK-NEXT:    %0 = autoglm.expand %arg0 : (tensor<3x1xf32>) -> tensor<2x3x4xf32>
// CHECK-NEXT:    %1 = autoglm.expand %arg0, %arg1 : (tensor<3x1xf32>, tensor<3xi64>) -> tensor<?x?x?xf32>
// CHECK-NEXT:    %2 = autoglm.expand %arg2 : (tensor<?x1xi1>) -> tensor<?x5xi1>
// CHECK-NEXT:    %3 = autoglm.expand %arg0, %arg1 : (tensor<3x1xf32>, tensor<3xi64>) -> tensor<2x3x4xf32>
// CHECK-NEXT:    return %0, %1, %2, %3 : tensor<2x3x4xf32>, tensor<?x?x?xf32>, tensor<?x5xi1>, tensor<2x3x4xf32>
func.func @expand(%x: tensor<3x1xf32>, %s: tensor<3xi64>, %y: tensor<?x1xi1>) -> (tensor<2x3x4xf32>, tensor<?x?x?xf32>, tensor<?x5xi1>, tensor<2x3x4xf32>) {
  %0 = autoglm.expand %x : (tensor<3x1xf32>) -> tensor<2x3x4xf32>
  %1 = autoglm.expand %x, %s : (tensor<3x1xf32>, tensor<3xi64>) -> tensor<?x?x?xf32>
  %2 = autoglm.expand %y : (tensor<?x1xi1>) -> tensor<?x5xi1>
  %3 = autoglm.expand %x, %s : (tensor<3x1xf32>, tensor<3xi64>) -> tensor<2x3x4xf32>
  return %0, %1, %2, %3 : tensor<2x3x4xf32>, tensor<?x?x?xf32>, tensor<?x5xi1>, tensor<2x3x4xf32>
}

// CHECK-LABEL: func.func @tile(
// CHECK-SAME:  %arg0: tensor<2x?x3xf32>) -> (tensor<4x?x3xf32>, tensor<0x?x9xf32>) {
// CHECK-NEXT:    %0 = autoglm.tile %arg0 {repeats = array<i64: 2, 5, 1>} : (tensor<2x?x3xf32>) -> tensor<4x?x3xf32>
// CHECK-NEXT:    %1 = autoglm.tile %arg0 {repeats = array<i64: 0, 1, 3>} : (tensor<2x?x3xf32>) -> tensor<0x?x9xf32>
// CHECK-NEXT:    return %0, %1 : tensor<4x?x3xf32>, tensor<0x?x9xf32>
func.func @tile(%x: tensor<2x?x3xf32>) -> (tensor<4x?x3xf32>, tensor<0x?x9xf32>) {
  %0 = autoglm.tile %x {repeats = array<i64: 2, 5, 1>} : (tensor<2x?x3xf32>) -> tensor<4x?x3xf32>
  %1 = autoglm.tile %x {repeats = array<i64: 0, 1, 3>} : (tensor<2x?x3xf32>) -> tensor<0x?x9xf32>
  return %0, %1 : tensor<4x?x3xf32>, tensor<0x?x9xf32>
}

// CHECK-LABEL: func.func @resize(
// CHECK-SAME:  %arg0: tensor<1x3x32x32xf32>, %arg1: tensor<?x3x?x?xf16>) -> (tensor<1x3x64x64xf32>, tensor<1x3x16x48xf32>, tensor<?x3x?x?xf16>) {
// CHECK-NEXT:    %0 = autoglm.resize nearest %arg0 : (tensor<1x3x32x32xf32>) -> tensor<1x3x64x64xf32>
// CHECK-NEXT:    %1 = autoglm.resize linear %arg0 {coordinate_transform = #autoglm<coordinate_transform align_corners>} : (tensor<1x3x32x32xf32>) -> tensor<1x3x16x48xf32>
// CHECK-NEXT:    %2 = autoglm.resize cubic %arg1 {coordinate_transform = #autoglm<coordinate_transform asymmetric>, cubic_coeff_a = -5.000000e-01 : f64, exclude_outside, nearest_rounding = #autoglm<nearest_rounding floor>} : (tensor<?x3x?x?xf16>) -> tensor<?x3x?x?xf16>
// CHECK-NEXT:    return %0, %1, %2 : tensor<1x3x64x64xf32>, tensor<1x3x16x48xf32>, tensor<?x3x?x?xf16>
func.func @resize(%x: tensor<1x3x32x32xf32>, %y: tensor<?x3x?x?xf16>) -> (tensor<1x3x64x64xf32>, tensor<1x3x16x48xf32>, tensor<?x3x?x?xf16>) {
  %0 = autoglm.resize nearest %x : (tensor<1x3x32x32xf32>) -> tensor<1x3x64x64xf32>
  %1 = autoglm.resize linear %x {coordinate_transform = #autoglm<coordinate_transform align_corners>} : (tensor<1x3x32x32xf32>) -> tensor<1x3x16x48xf32>
  %2 = autoglm.resize cubic %y {coordinate_transform = #autoglm<coordinate_transform asymmetric>, cubic_coeff_a = -5.000000e-01 : f64, exclude_outside, nearest_rounding = #autoglm<nearest_rounding floor>} : (tensor<?x3x?x?xf16>) -> tensor<?x3x?x?xf16>
  return %0, %1, %2 : tensor<1x3x64x64xf32>, tensor<1x3x16x48xf32>, tensor<?x3x?x?xf16>
}

// The remaining enum cases of resize.
// CHECK-LABEL: func.func @resize_enums(
// CHECK-SAME:  %arg0: tensor<1x1x4x4xf32>) -> (tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>) {
// CHECK-NEXT:    %0 = autoglm.resize nearest %arg0 {coordinate_transform = #autoglm<coordinate_transform pytorch_half_pixel>, nearest_rounding = #autoglm<nearest_rounding round_prefer_ceil>} : (tensor<1x1x4x4xf32>) -> tensor<1x1x8x8xf32>
// CHECK-NEXT:    %1 = autoglm.resize nearest %arg0 {coordinate_transform = #autoglm<coordinate_transform half_pixel_symmetric>, nearest_rounding = #autoglm<nearest_rounding ceil>} : (tensor<1x1x4x4xf32>) -> tensor<1x1x8x8xf32>
// CHECK-NEXT:    %2 = autoglm.resize linear %arg0 {coordinate_transform = #autoglm<coordinate_transform tf_crop_and_resize>} : (tensor<1x1x4x4xf32>) -> tensor<1x1x8x8xf32>
// CHECK-NEXT:    %3 = autoglm.resize nearest %arg0 : (tensor<1x1x4x4xf32>) -> tensor<1x1x8x8xf32>
// CHECK-NEXT:    %4 = autoglm.resize nearest %arg0 {nearest_rounding = #autoglm<nearest_rounding floor>} : (tensor<1x1x4x4xf32>) -> tensor<1x1x8x8xf32>
// CHECK-NEXT:    %5 = autoglm.resize nearest %arg0 {nearest_rounding = #autoglm<nearest_rounding ceil>} : (tensor<1x1x4x4xf32>) -> tensor<1x1x8x8xf32>
// CHECK-NEXT:    return %0, %1, %2, %3, %4, %5 : tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>
func.func @resize_enums(%x: tensor<1x1x4x4xf32>) -> (tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>) {
  %0 = autoglm.resize nearest %x {coordinate_transform = #autoglm<coordinate_transform pytorch_half_pixel>, nearest_rounding = #autoglm<nearest_rounding round_prefer_ceil>} : (tensor<1x1x4x4xf32>) -> tensor<1x1x8x8xf32>
  %1 = autoglm.resize nearest %x {coordinate_transform = #autoglm<coordinate_transform half_pixel_symmetric>, nearest_rounding = #autoglm<nearest_rounding ceil>} : (tensor<1x1x4x4xf32>) -> tensor<1x1x8x8xf32>
  %2 = autoglm.resize linear %x {coordinate_transform = #autoglm<coordinate_transform tf_crop_and_resize>} : (tensor<1x1x4x4xf32>) -> tensor<1x1x8x8xf32>
  // Explicit defaults are elided.
  %3 = autoglm.resize nearest %x {coordinate_transform = #autoglm<coordinate_transform half_pixel>, cubic_coeff_a = -7.500000e-01 : f64, nearest_rounding = #autoglm<nearest_rounding round_prefer_floor>} : (tensor<1x1x4x4xf32>) -> tensor<1x1x8x8xf32>
  %4 = autoglm.resize nearest %x {nearest_rounding = #autoglm<nearest_rounding floor>} : (tensor<1x1x4x4xf32>) -> tensor<1x1x8x8xf32>
  %5 = autoglm.resize nearest %x {nearest_rounding = #autoglm<nearest_rounding ceil>} : (tensor<1x1x4x4xf32>) -> tensor<1x1x8x8xf32>
  return %0, %1, %2, %3, %4, %5 : tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>
}

// CHECK-LABEL: func.func @topk(
// CHECK-SAME:  %arg0: tensor<2x?x10xf32>, %arg1: tensor<5xi32>) -> (tensor<2x?x3xf32>, tensor<2x?x3xi64>, tensor<2x4x10xf32>, tensor<2x4x10xi64>, tensor<5xi32>, tensor<5xi64>) {
// CHECK-NEXT:    %values, %indices = autoglm.topk %arg0 {axis = 2 : i64, k = 3 : i64} : (tensor<2x?x10xf32>) -> (tensor<2x?x3xf32>, tensor<2x?x3xi64>)
// CHECK-NEXT:    %values_0, %indices_1 = autoglm.topk %arg0 {axis = 1 : i64, k = 4 : i64, smallest} : (tensor<2x?x10xf32>) -> (tensor<2x4x10xf32>, tensor<2x4x10xi64>)
// CHECK-NEXT:    %values_2, %indices_3 = autoglm.topk %arg1 {axis = 0 : i64, k = 5 : i64} : (tensor<5xi32>) -> (tensor<5xi32>, tensor<5xi64>)
// CHECK-NEXT:    return %values, %indices, %values_0, %indices_1, %values_2, %indices_3 : tensor<2x?x3xf32>, tensor<2x?x3xi64>, tensor<2x4x10xf32>, tensor<2x4x10xi64>, tensor<5xi32>, tensor<5xi64>
func.func @topk(%x: tensor<2x?x10xf32>, %y: tensor<5xi32>) -> (tensor<2x?x3xf32>, tensor<2x?x3xi64>, tensor<2x4x10xf32>, tensor<2x4x10xi64>, tensor<5xi32>, tensor<5xi64>) {
  %0:2 = autoglm.topk %x {axis = 2 : i64, k = 3 : i64} : (tensor<2x?x10xf32>) -> (tensor<2x?x3xf32>, tensor<2x?x3xi64>)
  %1:2 = autoglm.topk %x {axis = 1 : i64, k = 4 : i64, smallest} : (tensor<2x?x10xf32>) -> (tensor<2x4x10xf32>, tensor<2x4x10xi64>)
  %2:2 = autoglm.topk %y {axis = 0 : i64, k = 5 : i64} : (tensor<5xi32>) -> (tensor<5xi32>, tensor<5xi64>)
  return %0#0, %0#1, %1#0, %1#1, %2#0, %2#1 : tensor<2x?x3xf32>, tensor<2x?x3xi64>, tensor<2x4x10xf32>, tensor<2x4x10xi64>, tensor<5xi32>, tensor<5xi64>
}

// CHECK-LABEL: func.func @shape_of(
// CHECK-SAME:  %arg0: tensor<2x?x4xf32>, %arg1: tensor<f32>) -> (tensor<3xi64>, tensor<0xi64>) {
// CHECK-NEXT:    %0 = autoglm.shape_of %arg0 : (tensor<2x?x4xf32>) -> tensor<3xi64>
// CHECK-NEXT:    %1 = autoglm.shape_of %arg1 : (tensor<f32>) -> tensor<0xi64>
// CHECK-NEXT:    return %0, %1 : tensor<3xi64>, tensor<0xi64>
func.func @shape_of(%x: tensor<2x?x4xf32>, %y: tensor<f32>) -> (tensor<3xi64>, tensor<0xi64>) {
  %0 = autoglm.shape_of %x : (tensor<2x?x4xf32>) -> tensor<3xi64>
  %1 = autoglm.shape_of %y : (tensor<f32>) -> tensor<0xi64>
  return %0, %1 : tensor<3xi64>, tensor<0xi64>
}

// CHECK-LABEL: func.func @fill(
// CHECK-SAME:  %arg0: tensor<2xi64>) -> (tensor<2x3xf32>, tensor<?x?xi64>, tensor<4xi1>, tensor<?x8xf16>) {
// CHECK-NEXT:    %0 = autoglm.fill {value = 1.000000e+00 : f32} : () -> tensor<2x3xf32>
// CHECK-NEXT:    %1 = autoglm.fill %arg0 {value = 0 : i64} : (tensor<2xi64>) -> tensor<?x?xi64>
// CHECK-NEXT:    %2 = autoglm.fill {value = true} : () -> tensor<4xi1>
// CHECK-NEXT:    %3 = autoglm.fill %arg0 {value = -2.500000e+00 : f16} : (tensor<2xi64>) -> tensor<?x8xf16>
// CHECK-NEXT:    return %0, %1, %2, %3 : tensor<2x3xf32>, tensor<?x?xi64>, tensor<4xi1>, tensor<?x8xf16>
func.func @fill(%s: tensor<2xi64>) -> (tensor<2x3xf32>, tensor<?x?xi64>, tensor<4xi1>, tensor<?x8xf16>) {
  %0 = autoglm.fill {value = 1.000000e+00 : f32} : () -> tensor<2x3xf32>
  %1 = autoglm.fill %s {value = 0 : i64} : (tensor<2xi64>) -> tensor<?x?xi64>
  %2 = autoglm.fill {value = true} : () -> tensor<4xi1>
  %3 = autoglm.fill %s {value = -2.500000e+00 : f16} : (tensor<2xi64>) -> tensor<?x8xf16>
  return %0, %1, %2, %3 : tensor<2x3xf32>, tensor<?x?xi64>, tensor<4xi1>, tensor<?x8xf16>
}

// CHECK-LABEL: func.func @range(
// CHECK-SAME:  %arg0: tensor<i64>, %arg1: tensor<i64>, %arg2: tensor<i64>, %arg3: tensor<f32>) -> (tensor<?xi64>, tensor<10xf32>) {
// CHECK-NEXT:    %0 = autoglm.range %arg0, %arg1, %arg2 : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
// CHECK-NEXT:    %1 = autoglm.range %arg3, %arg3, %arg3 : (tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<10xf32>
// CHECK-NEXT:    return %0, %1 : tensor<?xi64>, tensor<10xf32>
func.func @range(%a: tensor<i64>, %b: tensor<i64>, %c: tensor<i64>, %f: tensor<f32>) -> (tensor<?xi64>, tensor<10xf32>) {
  %0 = autoglm.range %a, %b, %c : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  %1 = autoglm.range %f, %f, %f : (tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<10xf32>
  return %0, %1 : tensor<?xi64>, tensor<10xf32>
}

// CHECK-LABEL: func.func @trilu(
// CHECK-SAME:  %arg0: tensor<?x4x4xf32>, %arg1: tensor<3x5xi64>) -> (tensor<?x4x4xf32>, tensor<?x4x4xf32>, tensor<3x5xi64>) {
// CHECK-NEXT:    %0 = autoglm.trilu %arg0 : tensor<?x4x4xf32>
// CHECK-NEXT:    %1 = autoglm.trilu %arg0 {diagonal = 1 : i64, upper} : tensor<?x4x4xf32>
// CHECK-NEXT:    %2 = autoglm.trilu %arg1 {diagonal = -2 : i64} : tensor<3x5xi64>
// CHECK-NEXT:    return %0, %1, %2 : tensor<?x4x4xf32>, tensor<?x4x4xf32>, tensor<3x5xi64>
func.func @trilu(%x: tensor<?x4x4xf32>, %y: tensor<3x5xi64>) -> (tensor<?x4x4xf32>, tensor<?x4x4xf32>, tensor<3x5xi64>) {
  %0 = autoglm.trilu %x : tensor<?x4x4xf32>
  %1 = autoglm.trilu %x {diagonal = 1 : i64, upper} : tensor<?x4x4xf32>
  %2 = autoglm.trilu %y {diagonal = -2 : i64} : tensor<3x5xi64>
  return %0, %1, %2 : tensor<?x4x4xf32>, tensor<?x4x4xf32>, tensor<3x5xi64>
}

// On dynamic dimensions slice bounds keep ONNX's run-time meaning.
// CHECK-LABEL: func.func @slice_dynamic_from_end(
// CHECK: autoglm.slice %{{.*}} {ends = array<i64: 4, 9223372036854775807>, starts = array<i64: 0, -1>, steps = array<i64: 1, 1>} : (tensor<4x?xf32>) -> tensor<4x?xf32>
func.func @slice_dynamic_from_end(%x: tensor<4x?xf32>) -> tensor<4x?xf32> {
  %0 = autoglm.slice %x {ends = array<i64: 4, 9223372036854775807>, starts = array<i64: 0, -1>, steps = array<i64: 1, 1>} : (tensor<4x?xf32>) -> tensor<4x?xf32>
  return %0 : tensor<4x?xf32>
}

// The resource blob survives the round trip.
// CHECK:       dialect_resources: {
// CHECK-NEXT:    builtin: {
// CHECK-NEXT:      weight: "0x040000000000803F00000040"
{-#
  dialect_resources: {
    builtin: {
      weight: "0x040000000000803F00000040"
    }
  }
#-}

