// RUN: autoglm-opt %s --split-input-file --autoglm-cuda-int8-products | FileCheck %s

// An int8 product as --precision=int8 makes it for CUDA: both operands
// sign-extended from i8, the activation's batch folded into its rows. The
// product reads the i8 values themselves, the weight transposed at compile
// time (column j of w is row j of the new constant) and read through the
// map (n, k): cuBLASLt's "TN" int8 operands. No widening is left.
// The weight as it was (4 x 8) is gone: a dead constant would still add
// its bytes to the weights.
// CHECK-LABEL: func.func @product
// CHECK-SAME:      %[[A:.+]]: tensor<1x2x4xi8>
// CHECK-NOT:     tensor<4x8xi8>
// CHECK-DAG:     %[[WT:.+]] = arith.constant dense_resource<int8_by_columns> : tensor<8x4xi8>
// CHECK-DAG:     %[[ROWS:.+]] = tensor.collapse_shape %[[A]] {{\[}}[0, 1], [2]] : tensor<1x2x4xi8> into tensor<2x4xi8>
// CHECK:         %[[P:.+]] = linalg.matmul indexing_maps = [#{{.+}}, #{{.+}}, #{{.+}}] ins(%[[ROWS]], %[[WT]] : tensor<2x4xi8>, tensor<8x4xi8>) outs(%{{.+}} : tensor<2x8xi32>)
// CHECK-NOT:     arith.extsi
// CHECK:         return %[[P]]
// The blob (after its 4-byte alignment) holds w by columns: column 0 of w
// is 0, 8, 16, 24, column 1 is 1, 9, 17, 25, ...
// CHECK:         int8_by_columns: "0x{{[0-9A-F]+}}0008101801091119020A121A
func.func @product(%a: tensor<1x2x4xi8>) -> tensor<2x8xi32> {
  %w = arith.constant dense<[[0, 1, 2, 3, 4, 5, 6, 7], [8, 9, 10, 11, 12, 13, 14, 15], [16, 17, 18, 19, 20, 21, 22, 23], [24, 25, 26, 27, 28, 29, 30, 31]]> : tensor<4x8xi8>
  %e = tensor.empty() : tensor<1x2x4xi32>
  %a32 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%a : tensor<1x2x4xi8>) outs(%e : tensor<1x2x4xi32>) {
  ^bb0(%in: i8, %out: i32):
    %x = arith.extsi %in : i8 to i32
    linalg.yield %x : i32
  } -> tensor<1x2x4xi32>
  %ew = tensor.empty() : tensor<4x8xi32>
  %w32 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%w : tensor<4x8xi8>) outs(%ew : tensor<4x8xi32>) {
  ^bb0(%in: i8, %out: i32):
    %x = arith.extsi %in : i8 to i32
    linalg.yield %x : i32
  } -> tensor<4x8xi32>
  %rows = tensor.collapse_shape %a32 [[0, 1], [2]] : tensor<1x2x4xi32> into tensor<2x4xi32>
  %zero = arith.constant 0 : i32
  %init = tensor.empty() : tensor<2x8xi32>
  %fill = linalg.fill ins(%zero : i32) outs(%init : tensor<2x8xi32>) -> tensor<2x8xi32>
  %p = linalg.matmul ins(%rows, %w32 : tensor<2x4xi32>, tensor<4x8xi32>) outs(%fill : tensor<2x8xi32>) -> tensor<2x8xi32>
  return %p : tensor<2x8xi32>
}

// -----

// N = 6 is not a multiple of 4, and a uint8 activation (the CPU's form,
// extui) is not what the kernels multiply: both products stay as they are.
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT:     linalg.matmul indexing_maps
// CHECK:         linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<2x4xi32>, tensor<4x6xi32>)
// CHECK:         linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<2x4xi32>, tensor<4x8xi32>)
func.func @left_alone(%a: tensor<2x4xi8>) -> (tensor<2x6xi32>, tensor<2x8xi32>) {
  %w6 = arith.constant dense<1> : tensor<4x6xi8>
  %w8 = arith.constant dense<1> : tensor<4x8xi8>
  %e = tensor.empty() : tensor<2x4xi32>
  %s32 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%a : tensor<2x4xi8>) outs(%e : tensor<2x4xi32>) {
  ^bb0(%in: i8, %out: i32):
    %x = arith.extsi %in : i8 to i32
    linalg.yield %x : i32
  } -> tensor<2x4xi32>
  %u32 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%a : tensor<2x4xi8>) outs(%e : tensor<2x4xi32>) {
  ^bb0(%in: i8, %out: i32):
    %x = arith.extui %in : i8 to i32
    linalg.yield %x : i32
  } -> tensor<2x4xi32>
  %e6 = tensor.empty() : tensor<4x6xi32>
  %w6_32 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%w6 : tensor<4x6xi8>) outs(%e6 : tensor<4x6xi32>) {
  ^bb0(%in: i8, %out: i32):
    %x = arith.extsi %in : i8 to i32
    linalg.yield %x : i32
  } -> tensor<4x6xi32>
  %e8 = tensor.empty() : tensor<4x8xi32>
  %w8_32 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%w8 : tensor<4x8xi8>) outs(%e8 : tensor<4x8xi32>) {
  ^bb0(%in: i8, %out: i32):
    %x = arith.extsi %in : i8 to i32
    linalg.yield %x : i32
  } -> tensor<4x8xi32>
  %zero = arith.constant 0 : i32
  %i6 = tensor.empty() : tensor<2x6xi32>
  %f6 = linalg.fill ins(%zero : i32) outs(%i6 : tensor<2x6xi32>) -> tensor<2x6xi32>
  %p6 = linalg.matmul ins(%s32, %w6_32 : tensor<2x4xi32>, tensor<4x6xi32>) outs(%f6 : tensor<2x6xi32>) -> tensor<2x6xi32>
  %i8 = tensor.empty() : tensor<2x8xi32>
  %f8 = linalg.fill ins(%zero : i32) outs(%i8 : tensor<2x8xi32>) -> tensor<2x8xi32>
  %p8 = linalg.matmul ins(%u32, %w8_32 : tensor<2x4xi32>, tensor<4x8xi32>) outs(%f8 : tensor<2x8xi32>) -> tensor<2x8xi32>
  return %p6, %p8 : tensor<2x6xi32>, tensor<2x8xi32>
}

// -----

// In a kernel region the weight is the region's argument: the region takes
// the transposed constant instead, its argument retyped.
// CHECK-LABEL: func.func @in_region
// CHECK-NOT:     dense<3> : tensor<4x8xi8>
// CHECK:         %[[WT:.+]] = arith.constant dense_resource<int8_by_columns> : tensor<8x4xi8>
// CHECK:         autoglm.fused "matmul"(%arg0, %[[WT]]) : (tensor<2x4xi8>, tensor<8x4xi8>) -> tensor<2x8xi32>
// CHECK-NEXT:    ^bb0(%[[A:.+]]: tensor<2x4xi8>, %[[W:.+]]: tensor<8x4xi8>):
// CHECK-NOT:       arith.extsi
// CHECK:           linalg.matmul indexing_maps = [#{{.+}}, #{{.+}}, #{{.+}}] ins(%[[A]], %[[W]] : tensor<2x4xi8>, tensor<8x4xi8>)
func.func @in_region(%a: tensor<2x4xi8>) -> tensor<2x8xi32> {
  %w = arith.constant dense<3> : tensor<4x8xi8>
  %r = autoglm.fused "matmul"(%a, %w) : (tensor<2x4xi8>, tensor<4x8xi8>) -> tensor<2x8xi32> {
  ^bb0(%x: tensor<2x4xi8>, %y: tensor<4x8xi8>):
    %e = tensor.empty() : tensor<2x4xi32>
    %x32 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<2x4xi8>) outs(%e : tensor<2x4xi32>) {
    ^bb0(%in: i8, %out: i32):
      %v = arith.extsi %in : i8 to i32
      linalg.yield %v : i32
    } -> tensor<2x4xi32>
    %ew = tensor.empty() : tensor<4x8xi32>
    %y32 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%y : tensor<4x8xi8>) outs(%ew : tensor<4x8xi32>) {
    ^bb0(%in: i8, %out: i32):
      %v = arith.extsi %in : i8 to i32
      linalg.yield %v : i32
    } -> tensor<4x8xi32>
    %zero = arith.constant 0 : i32
    %init = tensor.empty() : tensor<2x8xi32>
    %fill = linalg.fill ins(%zero : i32) outs(%init : tensor<2x8xi32>) -> tensor<2x8xi32>
    %p = linalg.matmul ins(%x32, %y32 : tensor<2x4xi32>, tensor<4x8xi32>) outs(%fill : tensor<2x8xi32>) -> tensor<2x8xi32>
    autoglm.yield %p : tensor<2x8xi32>
  }
  return %r : tensor<2x8xi32>
}
