// RUN: autoglm-opt %s --split-input-file --autoglm-pack-int8-convolutions | FileCheck %s

// A convolution of a uint8 value less its zero point 5, padded with 0, by a
// constant int8 weight (F = 2, C = 3, 3x3; w[0] = 1, w[1] = -1): the uint8
// input is padded with 5 (and with a fourth channel), gathered into
// col[9, 16, 4] (kk = (kh, kw, cc), 16 output pixels, 4 channels), and
// multiplied by the weight reordered as W'[2, 9, 4] on an accumulator that
// starts at -5 * sum(w[f]) = [-135, 135]. The widening, the shift and the
// int32 padding are gone.
// CHECK-LABEL: func.func @padded(
// CHECK-SAME:      %[[X:.+]]: tensor<1x3x4x4xi8>
// CHECK-DAG:     %[[W:.+]] = arith.constant dense_resource<vnni_conv_packed> : tensor<2x9x4xi8>
// CHECK-DAG:     %[[OFF:.+]] = arith.constant dense<[-135, 135]> : tensor<2xi32>
// CHECK-DAG:     %[[ZX:.+]] = arith.constant 5 : i8
// CHECK:         %[[PAD:.+]] = tensor.pad %[[X]] low[0, 0, 1, 1] high[0, 1, 1, 1]
// CHECK:           tensor.yield %[[ZX]] : i8
// CHECK:         } : tensor<1x3x4x4xi8> to tensor<1x4x6x6xi8>
// CHECK:         %[[COL:.+]] = tensor.empty() : tensor<9x16x4xi8>
// CHECK:         %[[VIEW:.+]] = tensor.expand_shape %[[COL]] {{\[}}[0, 1, 2], [3, 4], [5]] output_shape [3, 3, 1, 4, 4, 4]
// CHECK:         %[[G:.+]] = linalg.generic
// CHECK-SAME:        ins(%[[PAD]] : tensor<1x4x6x6xi8>) outs(%[[VIEW]] : tensor<3x3x1x4x4x4xi8>)
// CHECK:         %[[GATHERED:.+]] = tensor.collapse_shape %[[G]]
// CHECK:         %[[ACC:.+]] = linalg.generic {{.+}} ins(%[[OFF]] : tensor<2xi32>)
// CHECK:         %[[P:.+]] = linalg.generic
// CHECK-SAME:        iterator_types = ["parallel", "parallel", "reduction", "reduction"]
// CHECK-SAME:        ins(%[[W]], %[[GATHERED]] : tensor<2x9x4xi8>, tensor<9x16x4xi8>) outs(%[[ACC]] : tensor<2x16xi32>)
// CHECK-SAME:        autoglm.vnni
// CHECK:           arith.extsi
// CHECK:           arith.extui
// CHECK:         %[[Y:.+]] = tensor.expand_shape %[[P]] {{\[}}[0, 1], [2, 3]] output_shape [1, 2, 4, 4]
// CHECK-NEXT:    return %[[Y]]
// CHECK-NOT:     tensor<2x3x3x3xi32>
// The reordered weight: W'[0, kk] = [1, 1, 1, 0] (the fourth channel's
// weight is 0), then W'[1, kk] = [-1, -1, -1, 0], after the blob's
// alignment header.
// CHECK:         vnni_conv_packed: "0x0100000001010100{{(01010100)+}}FFFFFF00
#map = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @padded(%x: tensor<1x3x4x4xi8>) -> tensor<1x2x4x4xi32> {
  %w = arith.constant dense<[[[[1, 1, 1], [1, 1, 1], [1, 1, 1]], [[1, 1, 1], [1, 1, 1], [1, 1, 1]], [[1, 1, 1], [1, 1, 1], [1, 1, 1]]], [[[-1, -1, -1], [-1, -1, -1], [-1, -1, -1]], [[-1, -1, -1], [-1, -1, -1], [-1, -1, -1]], [[-1, -1, -1], [-1, -1, -1], [-1, -1, -1]]]]> : tensor<2x3x3x3xi32>
  %e0 = tensor.empty() : tensor<1x3x4x4xi32>
  %x32 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x : tensor<1x3x4x4xi8>) outs(%e0 : tensor<1x3x4x4xi32>) {
  ^bb0(%in: i8, %out: i32):
    %v = arith.extui %in : i8 to i32
    linalg.yield %v : i32
  } -> tensor<1x3x4x4xi32>
  %c5 = arith.constant 5 : i32
  %e1 = tensor.empty() : tensor<1x3x4x4xi32>
  %xs = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x32 : tensor<1x3x4x4xi32>) outs(%e1 : tensor<1x3x4x4xi32>) {
  ^bb0(%in: i32, %out: i32):
    %v = arith.subi %in, %c5 : i32
    linalg.yield %v : i32
  } -> tensor<1x3x4x4xi32>
  %c0 = arith.constant 0 : i32
  %xp = tensor.pad %xs low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %c0 : i32
  } : tensor<1x3x4x4xi32> to tensor<1x3x6x6xi32>
  %e2 = tensor.empty() : tensor<1x2x4x4xi32>
  %init = linalg.fill ins(%c0 : i32) outs(%e2 : tensor<1x2x4x4xi32>) -> tensor<1x2x4x4xi32>
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%xp, %w : tensor<1x3x6x6xi32>, tensor<2x3x3x3xi32>) outs(%init : tensor<1x2x4x4xi32>) -> tensor<1x2x4x4xi32>
  return %y : tensor<1x2x4x4xi32>
}

// -----

// 3x3 output pixels (9, not a multiple of 16): col has 16 columns, the
// gather writes the first 9 and the product's first 9 columns are read
// back. No zero point and no padding: the input is read as it is, and the
// accumulator starts at 0.
// CHECK-LABEL: func.func @columns(
// CHECK-SAME:      %[[X:.+]]: tensor<1x4x5x5xi8>
// CHECK-DAG:     arith.constant dense<0> : tensor<16xi32>
// CHECK-NOT:     tensor.pad
// CHECK:         %[[COL:.+]] = tensor.empty() : tensor<9x16x4xi8>
// CHECK:         %[[FIRST:.+]] = tensor.extract_slice %[[COL]][0, 0, 0] [9, 9, 4] [1, 1, 1]
// CHECK:         tensor.expand_shape %[[FIRST]] {{\[}}[0, 1, 2], [3, 4], [5]] output_shape [3, 3, 1, 3, 3, 4]
// CHECK:         linalg.generic {{.+}} ins(%[[X]] : tensor<1x4x5x5xi8>)
// CHECK:         %[[FULL:.+]] = tensor.insert_slice %{{.+}} into %[[COL]][0, 0, 0] [9, 9, 4] [1, 1, 1]
// CHECK:         %[[P:.+]] = linalg.generic {{.+}} ins(%{{.+}}, %[[FULL]] : tensor<16x9x4xi8>, tensor<9x16x4xi8>)
// CHECK:         %[[USED:.+]] = tensor.extract_slice %[[P]][0, 0] [16, 9] [1, 1] : tensor<16x16xi32> to tensor<16x9xi32>
// CHECK:         tensor.expand_shape %[[USED]] {{\[}}[0, 1], [2, 3]] output_shape [1, 16, 3, 3]
#map = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @columns(%x: tensor<1x4x5x5xi8>) -> tensor<1x16x3x3xi32> {
  %w = arith.constant dense<-128> : tensor<16x4x3x3xi32>
  %e0 = tensor.empty() : tensor<1x4x5x5xi32>
  %x32 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x : tensor<1x4x5x5xi8>) outs(%e0 : tensor<1x4x5x5xi32>) {
  ^bb0(%in: i8, %out: i32):
    %v = arith.extui %in : i8 to i32
    linalg.yield %v : i32
  } -> tensor<1x4x5x5xi32>
  %c0 = arith.constant 0 : i32
  %e2 = tensor.empty() : tensor<1x16x3x3xi32>
  %init = linalg.fill ins(%c0 : i32) outs(%e2 : tensor<1x16x3x3xi32>) -> tensor<1x16x3x3xi32>
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x32, %w : tensor<1x4x5x5xi32>, tensor<16x4x3x3xi32>) outs(%init : tensor<1x16x3x3xi32>) -> tensor<1x16x3x3xi32>
  return %y : tensor<1x16x3x3xi32>
}

// -----

// Left alone: a weight of 128 is not int8, and a zero point of 300 (or a
// value widened with extsi) is not what pads a uint8 value.
// CHECK-LABEL: func.func @left_alone(
// CHECK-COUNT-3: linalg.conv_2d_nchw_fchw
// CHECK-NOT:     autoglm.vnni
#map = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @left_alone(%x: tensor<1x4x5x5xi8>) -> (tensor<1x16x3x3xi32>, tensor<1x16x3x3xi32>, tensor<1x16x3x3xi32>) {
  %wide = arith.constant dense<128> : tensor<16x4x3x3xi32>
  %w = arith.constant dense<1> : tensor<16x4x3x3xi32>
  %e0 = tensor.empty() : tensor<1x4x5x5xi32>
  %x32 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x : tensor<1x4x5x5xi8>) outs(%e0 : tensor<1x4x5x5xi32>) {
  ^bb0(%in: i8, %out: i32):
    %v = arith.extui %in : i8 to i32
    %c300 = arith.constant 300 : i32
    %s = arith.subi %v, %c300 : i32
    linalg.yield %s : i32
  } -> tensor<1x4x5x5xi32>
  %e1 = tensor.empty() : tensor<1x4x5x5xi32>
  %xs = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x : tensor<1x4x5x5xi8>) outs(%e1 : tensor<1x4x5x5xi32>) {
  ^bb0(%in: i8, %out: i32):
    %v = arith.extsi %in : i8 to i32
    linalg.yield %v : i32
  } -> tensor<1x4x5x5xi32>
  %e3 = tensor.empty() : tensor<1x4x5x5xi32>
  %xu = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x : tensor<1x4x5x5xi8>) outs(%e3 : tensor<1x4x5x5xi32>) {
  ^bb0(%in: i8, %out: i32):
    %v = arith.extui %in : i8 to i32
    linalg.yield %v : i32
  } -> tensor<1x4x5x5xi32>
  %c0 = arith.constant 0 : i32
  %e2 = tensor.empty() : tensor<1x16x3x3xi32>
  %init = linalg.fill ins(%c0 : i32) outs(%e2 : tensor<1x16x3x3xi32>) -> tensor<1x16x3x3xi32>
  %a = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%xu, %wide : tensor<1x4x5x5xi32>, tensor<16x4x3x3xi32>) outs(%init : tensor<1x16x3x3xi32>) -> tensor<1x16x3x3xi32>
  %b = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x32, %w : tensor<1x4x5x5xi32>, tensor<16x4x3x3xi32>) outs(%init : tensor<1x16x3x3xi32>) -> tensor<1x16x3x3xi32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%xs, %w : tensor<1x4x5x5xi32>, tensor<16x4x3x3xi32>) outs(%init : tensor<1x16x3x3xi32>) -> tensor<1x16x3x3xi32>
  return %a, %b, %c : tensor<1x16x3x3xi32>, tensor<1x16x3x3xi32>, tensor<1x16x3x3xi32>
}
