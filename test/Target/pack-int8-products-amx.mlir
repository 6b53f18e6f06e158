// RUN: autoglm-opt %s --split-input-file --autoglm-pack-int8-products="amx=true" | FileCheck %s
// RUN: autoglm-opt %s --split-input-file --autoglm-pack-int8-products | FileCheck %s --check-prefix=VNNI

// For AMX (--autoglm-amx-contractions) the product is padded to whole
// tiles: M = 5 to 16 and K = 8 to 64, A with zeros (tensor.pad), the
// packed weight with zero weights (16 x 16 x 4: rows 2..15 zero), the
// accumulator to 16 rows, and the result cut back to 5 rows. Without
// `amx` nothing is padded. The accumulator, a zero fill, is a zero fill of
// 16 rows (not a pad of the fill), so that it stays right before the
// product for the kernel to start from zero (tilezero).
// CHECK-LABEL: func.func @padded(
// CHECK-SAME:      %[[A:.+]]: tensor<5x8xi8>
// CHECK-DAG:     %[[WP:.+]] = arith.constant dense_resource<vnni_packed> : tensor<16x16x4xi8>
// CHECK-DAG:     %[[AP:.+]] = tensor.pad %[[A]] low[0, 0] high[11, 56]
// CHECK:         } : tensor<5x8xi8> to tensor<16x64xi8>
// CHECK:         %[[E:.+]] = tensor.empty() : tensor<16x16xi32>
// CHECK:         %[[INIT:.+]] = linalg.fill ins(%{{.+}} : i32) outs(%[[E]] : tensor<16x16xi32>)
// CHECK:         %[[A3:.+]] = tensor.expand_shape %[[AP]] {{\[}}[0], [1, 2]] output_shape [16, 16, 4] : tensor<16x64xi8> into tensor<16x16x4xi8>
// CHECK:         %[[P:.+]] = linalg.generic
// CHECK-SAME:        ins(%[[A3]], %[[WP]] : tensor<16x16x4xi8>, tensor<16x16x4xi8>) outs(%[[INIT]] : tensor<16x16xi32>)
// CHECK:         %[[R:.+]] = tensor.extract_slice %[[P]][0, 0] [5, 16] [1, 1] : tensor<16x16xi32> to tensor<5x16xi32>
// CHECK-NEXT:    return %[[R]]
// CHECK-NOT:     tensor.pad {{.+}} high[11, 0]
// The packed bytes: lanes (0, 0) 01010101, (0, 1) FFFFFFFF, then zeros,
// rows 1 the same, then zeros to the end (16 x 16 x 4 bytes).
// CHECK:         vnni_packed: "0x0100000001010101FFFFFFFF{{(00)+}}01010101FFFFFFFF{{(00)+}}"
// VNNI-LABEL: func.func @padded(
// VNNI-NOT:      tensor.pad
// VNNI:          dense_resource<vnni_packed> : tensor<2x16x4xi8>
// VNNI-NOT:      tensor.extract_slice
#map = affine_map<(d0, d1) -> (d0, d1)>
func.func @padded(%a: tensor<5x8xi8>) -> tensor<5x16xi32> {
  %w = arith.constant dense<[[1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]> : tensor<8x16xi8>
  %e0 = tensor.empty() : tensor<5x8xi32>
  %a32 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%a : tensor<5x8xi8>) outs(%e0 : tensor<5x8xi32>) {
  ^bb0(%in: i8, %out: i32):
    %x = arith.extui %in : i8 to i32
    linalg.yield %x : i32
  } -> tensor<5x8xi32>
  %e1 = tensor.empty() : tensor<8x16xi32>
  %w32 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%w : tensor<8x16xi8>) outs(%e1 : tensor<8x16xi32>) {
  ^bb0(%in: i8, %out: i32):
    %x = arith.extsi %in : i8 to i32
    linalg.yield %x : i32
  } -> tensor<8x16xi32>
  %c0 = arith.constant 0 : i32
  %e2 = tensor.empty() : tensor<5x16xi32>
  %init = linalg.fill ins(%c0 : i32) outs(%e2 : tensor<5x16xi32>) -> tensor<5x16xi32>
  %p = linalg.matmul ins(%a32, %w32 : tensor<5x8xi32>, tensor<8x16xi32>) outs(%init : tensor<5x16xi32>) -> tensor<5x16xi32>
  return %p : tensor<5x16xi32>
}

// -----

// An accumulator that is not a fill (here an argument) is padded with
// zeros to 16 rows.
// CHECK-LABEL: func.func @padded_init(
// CHECK-SAME:      %[[C:[a-z0-9]+]]: tensor<5x16xi32>
// CHECK:         %[[INIT:.+]] = tensor.pad %[[C]] low[0, 0] high[11, 0]
// CHECK:         } : tensor<5x16xi32> to tensor<16x16xi32>
// CHECK:         linalg.generic
// CHECK-SAME:        outs(%[[INIT]] : tensor<16x16xi32>)
#map = affine_map<(d0, d1) -> (d0, d1)>
func.func @padded_init(%a: tensor<5x8xi8>, %c: tensor<5x16xi32>) -> tensor<5x16xi32> {
  %w = arith.constant dense<1> : tensor<8x16xi8>
  %e0 = tensor.empty() : tensor<5x8xi32>
  %a32 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%a : tensor<5x8xi8>) outs(%e0 : tensor<5x8xi32>) {
  ^bb0(%in: i8, %out: i32):
    %x = arith.extui %in : i8 to i32
    linalg.yield %x : i32
  } -> tensor<5x8xi32>
  %e1 = tensor.empty() : tensor<8x16xi32>
  %w32 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%w : tensor<8x16xi8>) outs(%e1 : tensor<8x16xi32>) {
  ^bb0(%in: i8, %out: i32):
    %x = arith.extsi %in : i8 to i32
    linalg.yield %x : i32
  } -> tensor<8x16xi32>
  %p = linalg.matmul ins(%a32, %w32 : tensor<5x8xi32>, tensor<8x16xi32>) outs(%c : tensor<5x16xi32>) -> tensor<5x16xi32>
  return %p : tensor<5x16xi32>
}
