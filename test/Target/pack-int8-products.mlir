// RUN: autoglm-opt %s --split-input-file --autoglm-pack-int8-products | FileCheck %s

// A uint8 x int8 product on a constant weight: the weight is packed so that
// each 32-bit lane holds 4 consecutive K values of one column,
// Wp[kk, n, j] = W[4 kk + j, n], and the product becomes one generic over
// (m, n, kk, j) on A viewed as [M, K/4, 4]; the widened copies are gone.
// W is 8 x 16 with W[k, n] = k for n = 0 and -k for n = 1 (0 elsewhere),
// so Wp[0, 0] = [0, 1, 2, 3], Wp[0, 1] = [0, -1, -2, -3], Wp[1, 0] = [4, 5, 6, 7].
// CHECK-LABEL: func.func @packed(
// CHECK-SAME:      %[[A:.+]]: tensor<2x8xi8>
// CHECK-DAG:     %[[WP:.+]] = arith.constant dense_resource<vnni_packed> : tensor<2x16x4xi8>
// CHECK-DAG:     %[[A3:.+]] = tensor.expand_shape %[[A]] {{\[}}[0], [1, 2]] output_shape [2, 2, 4] : tensor<2x8xi8> into tensor<2x2x4xi8>
// CHECK:         %[[P:.+]] = linalg.generic
// CHECK-SAME:        iterator_types = ["parallel", "parallel", "reduction", "reduction"]
// CHECK-SAME:        ins(%[[A3]], %[[WP]] : tensor<2x2x4xi8>, tensor<2x16x4xi8>)
// CHECK:           arith.extui
// CHECK:           arith.extsi
// CHECK:           arith.muli
// CHECK:           arith.addi
// CHECK:         } -> tensor<2x16xi32>
// CHECK-NEXT:    return %[[P]]
// CHECK-NOT:     linalg.matmul
// The packed bytes (little-endian hex): lane (0, 0) 00010203, lane (0, 1)
// 00FFFEFD, zeros, then lanes (1, 0) 04050607 and (1, 1) FCFBFAF9 at byte
// 64 (after the blob's 4-byte alignment header, 01000000).
// CHECK:         vnni_packed: "0x010000000001020300FFFEFD{{0+}}04050607FCFBFAF9
#map = affine_map<(d0, d1) -> (d0, d1)>
func.func @packed(%a: tensor<2x8xi8>) -> tensor<2x16xi32> {
  %w = arith.constant dense<[[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [2, -2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [3, -3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [4, -4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [5, -5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [6, -6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [7, -7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]> : tensor<8x16xi8>
  %e0 = tensor.empty() : tensor<2x8xi32>
  %a32 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%a : tensor<2x8xi8>) outs(%e0 : tensor<2x8xi32>) {
  ^bb0(%in: i8, %out: i32):
    %x = arith.extui %in : i8 to i32
    linalg.yield %x : i32
  } -> tensor<2x8xi32>
  %e1 = tensor.empty() : tensor<8x16xi32>
  %w32 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%w : tensor<8x16xi8>) outs(%e1 : tensor<8x16xi32>) {
  ^bb0(%in: i8, %out: i32):
    %x = arith.extsi %in : i8 to i32
    linalg.yield %x : i32
  } -> tensor<8x16xi32>
  %c0 = arith.constant 0 : i32
  %e2 = tensor.empty() : tensor<2x16xi32>
  %init = linalg.fill ins(%c0 : i32) outs(%e2 : tensor<2x16xi32>) -> tensor<2x16xi32>
  %p = linalg.matmul ins(%a32, %w32 : tensor<2x8xi32>, tensor<8x16xi32>) outs(%init : tensor<2x16xi32>) -> tensor<2x16xi32>
  return %p : tensor<2x16xi32>
}

// -----

// K = 6 is not a multiple of 4, and a weight widened with extui (uint8
// weights) is not what vpdpbusd multiplies: both stay i32 products.
// CHECK-LABEL: func.func @left_alone(
// CHECK:         linalg.matmul
// CHECK:         linalg.matmul
#map = affine_map<(d0, d1) -> (d0, d1)>
func.func @left_alone(%a: tensor<2x6xi8>, %b: tensor<2x8xi8>) -> (tensor<2x16xi32>, tensor<2x16xi32>) {
  %w = arith.constant dense<1> : tensor<6x16xi8>
  %u = arith.constant dense<1> : tensor<8x16xi8>
  %e0 = tensor.empty() : tensor<2x6xi32>
  %a32 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%a : tensor<2x6xi8>) outs(%e0 : tensor<2x6xi32>) {
  ^bb0(%in: i8, %out: i32):
    %x = arith.extui %in : i8 to i32
    linalg.yield %x : i32
  } -> tensor<2x6xi32>
  %e1 = tensor.empty() : tensor<6x16xi32>
  %w32 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%w : tensor<6x16xi8>) outs(%e1 : tensor<6x16xi32>) {
  ^bb0(%in: i8, %out: i32):
    %x = arith.extsi %in : i8 to i32
    linalg.yield %x : i32
  } -> tensor<6x16xi32>
  %c0 = arith.constant 0 : i32
  %e2 = tensor.empty() : tensor<2x16xi32>
  %init = linalg.fill ins(%c0 : i32) outs(%e2 : tensor<2x16xi32>) -> tensor<2x16xi32>
  %p = linalg.matmul ins(%a32, %w32 : tensor<2x6xi32>, tensor<6x16xi32>) outs(%init : tensor<2x16xi32>) -> tensor<2x16xi32>
  %e3 = tensor.empty() : tensor<2x8xi32>
  %b32 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%b : tensor<2x8xi8>) outs(%e3 : tensor<2x8xi32>) {
  ^bb0(%in: i8, %out: i32):
    %x = arith.extui %in : i8 to i32
    linalg.yield %x : i32
  } -> tensor<2x8xi32>
  %e4 = tensor.empty() : tensor<8x16xi32>
  %u32 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%u : tensor<8x16xi8>) outs(%e4 : tensor<8x16xi32>) {
  ^bb0(%in: i8, %out: i32):
    %x = arith.extui %in : i8 to i32
    linalg.yield %x : i32
  } -> tensor<8x16xi32>
  %q = linalg.matmul ins(%b32, %u32 : tensor<2x8xi32>, tensor<8x16xi32>) outs(%init : tensor<2x16xi32>) -> tensor<2x16xi32>
  return %p, %q : tensor<2x16xi32>, tensor<2x16xi32>
}
