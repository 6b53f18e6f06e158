// RUN: autoglm-opt %s --split-input-file --autoglm-pack-int8-products=group=2 | FileCheck %s
// RUN: not autoglm-opt %s --split-input-file --autoglm-pack-int8-products=group=3 -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD

// AVX2's packing: each 32-bit lane holds 2 consecutive K values of one
// column, Wp[kk, n, j] = W[2 kk + j, n], A viewed as [M, K/2, 2]. K = 6 (a
// multiple of 2, not of 4) and N = 8 (one AVX2 vector of 8 lanes) are
// packed. W[k, n] = k for n = 0 and -k for n = 1 (0 elsewhere), so
// Wp[0, 0] = [0, 1], Wp[0, 1] = [0, -1], Wp[1, 0] = [2, 3].
// CHECK-LABEL: func.func @pairs(
// CHECK-SAME:      %[[A:.+]]: tensor<2x6xi8>
// CHECK-DAG:     %[[WP:.+]] = arith.constant dense_resource<vnni_packed> : tensor<3x8x2xi8>
// CHECK-DAG:     %[[A3:.+]] = tensor.expand_shape %[[A]] {{\[}}[0], [1, 2]] output_shape [2, 3, 2] : tensor<2x6xi8> into tensor<2x3x2xi8>
// CHECK:         %[[P:.+]] = linalg.generic
// CHECK-SAME:        iterator_types = ["parallel", "parallel", "reduction", "reduction"]
// CHECK-SAME:        ins(%[[A3]], %[[WP]] : tensor<2x3x2xi8>, tensor<3x8x2xi8>)
// CHECK:           arith.extui
// CHECK:           arith.extsi
// CHECK:         } -> tensor<2x8xi32>
// CHECK-NEXT:    return %[[P]]
// CHECK-NOT:     linalg.matmul
// The packed bytes (after the blob's 4-byte alignment header): lanes
// (0, 0) 0001, (0, 1) 00FF, six zero lanes, then (1, 0) 0203, (1, 1) FEFD.
// CHECK:         vnni_packed: "0x01000000000100FF0000000000000000000000000203FEFD
// BAD: group must be 2 or 4, not 3
#map = affine_map<(d0, d1) -> (d0, d1)>
func.func @pairs(%a: tensor<2x6xi8>) -> tensor<2x8xi32> {
  %w = arith.constant dense<[[0, 0, 0, 0, 0, 0, 0, 0], [1, -1, 0, 0, 0, 0, 0, 0], [2, -2, 0, 0, 0, 0, 0, 0], [3, -3, 0, 0, 0, 0, 0, 0], [4, -4, 0, 0, 0, 0, 0, 0], [5, -5, 0, 0, 0, 0, 0, 0]]> : tensor<6x8xi8>
  %e0 = tensor.empty() : tensor<2x6xi32>
  %a32 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%a : tensor<2x6xi8>) outs(%e0 : tensor<2x6xi32>) {
  ^bb0(%in: i8, %out: i32):
    %x = arith.extui %in : i8 to i32
    linalg.yield %x : i32
  } -> tensor<2x6xi32>
  %e1 = tensor.empty() : tensor<6x8xi32>
  %w32 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%w : tensor<6x8xi8>) outs(%e1 : tensor<6x8xi32>) {
  ^bb0(%in: i8, %out: i32):
    %x = arith.extsi %in : i8 to i32
    linalg.yield %x : i32
  } -> tensor<6x8xi32>
  %c0 = arith.constant 0 : i32
  %e2 = tensor.empty() : tensor<2x8xi32>
  %init = linalg.fill ins(%c0 : i32) outs(%e2 : tensor<2x8xi32>) -> tensor<2x8xi32>
  %p = linalg.matmul ins(%a32, %w32 : tensor<2x6xi32>, tensor<6x8xi32>) outs(%init : tensor<2x8xi32>) -> tensor<2x8xi32>
  return %p : tensor<2x8xi32>
}

// -----

// N = 12 is not a multiple of AVX2's 8 lanes: the product stays i32.
// CHECK-LABEL: func.func @narrow(
// CHECK:         linalg.matmul
#map = affine_map<(d0, d1) -> (d0, d1)>
func.func @narrow(%a: tensor<2x6xi8>) -> tensor<2x12xi32> {
  %w = arith.constant dense<1> : tensor<6x12xi8>
  %e0 = tensor.empty() : tensor<2x6xi32>
  %a32 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%a : tensor<2x6xi8>) outs(%e0 : tensor<2x6xi32>) {
  ^bb0(%in: i8, %out: i32):
    %x = arith.extui %in : i8 to i32
    linalg.yield %x : i32
  } -> tensor<2x6xi32>
  %e1 = tensor.empty() : tensor<6x12xi32>
  %w32 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%w : tensor<6x12xi8>) outs(%e1 : tensor<6x12xi32>) {
  ^bb0(%in: i8, %out: i32):
    %x = arith.extsi %in : i8 to i32
    linalg.yield %x : i32
  } -> tensor<6x12xi32>
  %c0 = arith.constant 0 : i32
  %e2 = tensor.empty() : tensor<2x12xi32>
  %init = linalg.fill ins(%c0 : i32) outs(%e2 : tensor<2x12xi32>) -> tensor<2x12xi32>
  %p = linalg.matmul ins(%a32, %w32 : tensor<2x6xi32>, tensor<6x12xi32>) outs(%init : tensor<2x12xi32>) -> tensor<2x12xi32>
  return %p : tensor<2x12xi32>
}
