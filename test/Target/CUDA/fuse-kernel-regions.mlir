// RUN: autoglm-opt %s --autoglm-cuda-fuse-kernel-regions | FileCheck %s

// A softmax region: the root divides by a row sum it broadcasts along d1,
// so only the rows are tiled; the row maximum and sum are fused into the
// loop, computed once per row.
// CHECK-LABEL: func.func @softmax
// CHECK-NOT:     autoglm.fused
// CHECK:         scf.forall (%[[ROW:.*]]) in (2) shared_outs
// CHECK:           tensor.extract_slice %{{.*}}[%[[ROW]], 0] [1, 16] [1, 1]
// CHECK:           linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK:             arith.maximumf
// CHECK-NOT:         arith.maximumf
// CHECK:           linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK:             math.exp
// CHECK-NOT:         arith.maximumf
// CHECK:           linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK:             arith.divf
// CHECK:           tensor.parallel_insert_slice %{{.*}} into %{{.*}}[%[[ROW]], 0] [1, 16] [1, 1]
// CHECK-NOT:     linalg.generic
// CHECK:         return
#map = affine_map<(d0, d1) -> (d0, d1)>
#map1 = affine_map<(d0, d1) -> (d0)>
func.func @softmax(%x: tensor<2x16xf32>) -> tensor<2x16xf32> {
  %r = autoglm.fused "softmax"(%x) : (tensor<2x16xf32>) -> tensor<2x16xf32> {
  ^bb0(%arg1: tensor<2x16xf32>):
    %zero = arith.constant 0.000000e+00 : f32
    %ninf = arith.constant 0xFF800000 : f32
    %e0 = tensor.empty() : tensor<2xf32>
    %f0 = linalg.fill ins(%ninf : f32) outs(%e0 : tensor<2xf32>) -> tensor<2xf32>
    %max = linalg.generic {indexing_maps = [#map, #map1], iterator_types = ["parallel", "reduction"]} ins(%arg1 : tensor<2x16xf32>) outs(%f0 : tensor<2xf32>) {
    ^bb0(%in: f32, %out: f32):
      %m = arith.maximumf %out, %in : f32
      linalg.yield %m : f32
    } -> tensor<2xf32>
    %e1 = tensor.empty() : tensor<2xf32>
    %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<2xf32>) -> tensor<2xf32>
    %sum = linalg.generic {indexing_maps = [#map, #map1, #map1], iterator_types = ["parallel", "reduction"]} ins(%arg1, %max : tensor<2x16xf32>, tensor<2xf32>) outs(%f1 : tensor<2xf32>) {
    ^bb0(%in: f32, %mx: f32, %out: f32):
      %d = arith.subf %in, %mx : f32
      %e = math.exp %d : f32
      %s = arith.addf %out, %e : f32
      linalg.yield %s : f32
    } -> tensor<2xf32>
    %e2 = tensor.empty() : tensor<2x16xf32>
    %y = linalg.generic {indexing_maps = [#map, #map1, #map1, #map], iterator_types = ["parallel", "parallel"]} ins(%arg1, %max, %sum : tensor<2x16xf32>, tensor<2xf32>, tensor<2xf32>) outs(%e2 : tensor<2x16xf32>) {
    ^bb0(%in: f32, %mx: f32, %sm: f32, %out: f32):
      %d = arith.subf %in, %mx : f32
      %e = math.exp %d : f32
      %q = arith.divf %e, %sm : f32
      linalg.yield %q : f32
    } -> tensor<2x16xf32>
    autoglm.yield %y : tensor<2x16xf32>
  }
  return %r : tensor<2x16xf32>
}

// A matrix product with its bias: one iteration per output element, the
// fill and the product (its whole K) fused in.
// CHECK-LABEL: func.func @matmul_bias
// CHECK:         scf.forall (%[[I:.*]], %[[J:.*]]) in (4, 8) shared_outs
// CHECK:           linalg.fill {{.*}} -> tensor<1x1xf32>
// CHECK:           linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<1x32xf32>, tensor<32x1xf32>) outs(%{{.*}} : tensor<1x1xf32>)
// CHECK:           linalg.generic
// CHECK:             arith.addf
// CHECK:           tensor.parallel_insert_slice %{{.*}} into %{{.*}}[%[[I]], %[[J]]] [1, 1] [1, 1]
#row = affine_map<(d0, d1) -> (d1)>
func.func @matmul_bias(%a: tensor<4x32xf32>, %b: tensor<32x8xf32>, %bias: tensor<8xf32>) -> tensor<4x8xf32> {
  %r = autoglm.fused "contraction"(%a, %b, %bias) : (tensor<4x32xf32>, tensor<32x8xf32>, tensor<8xf32>) -> tensor<4x8xf32> {
  ^bb0(%x: tensor<4x32xf32>, %w: tensor<32x8xf32>, %c: tensor<8xf32>):
    %zero = arith.constant 0.000000e+00 : f32
    %e = tensor.empty() : tensor<4x8xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
    %p = linalg.matmul ins(%x, %w : tensor<4x32xf32>, tensor<32x8xf32>) outs(%f : tensor<4x8xf32>) -> tensor<4x8xf32>
    %y = linalg.generic {indexing_maps = [#row, #map], iterator_types = ["parallel", "parallel"]} ins(%c : tensor<8xf32>) outs(%p : tensor<4x8xf32>) {
    ^bb0(%in: f32, %out: f32):
      %s = arith.addf %out, %in : f32
      linalg.yield %s : f32
    } -> tensor<4x8xf32>
    autoglm.yield %y : tensor<4x8xf32>
  }
  return %r : tensor<4x8xf32>
}

// A LayerNorm-like row as the importer writes it: the row mean twice, once
// for the variance and once for the normalization. Fused into one loop,
// the two equal sums are computed once per row.
// CHECK-LABEL: func.func @centered_square
// CHECK:         scf.forall
// CHECK-COUNT-2:   iterator_types = ["parallel", "reduction"]
// CHECK-NOT:       iterator_types = ["parallel", "reduction"]
// CHECK:           tensor.parallel_insert_slice
func.func @centered_square(%x: tensor<2x16xf32>) -> tensor<2x16xf32> {
  %r = autoglm.fused "norm"(%x) : (tensor<2x16xf32>) -> tensor<2x16xf32> {
  ^bb0(%arg1: tensor<2x16xf32>):
    %zero = arith.constant 0.000000e+00 : f32
    %e0 = tensor.empty() : tensor<2xf32>
    %f0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<2xf32>) -> tensor<2xf32>
    %sum0 = linalg.generic {indexing_maps = [#map, #map1], iterator_types = ["parallel", "reduction"]} ins(%arg1 : tensor<2x16xf32>) outs(%f0 : tensor<2xf32>) {
    ^bb0(%in: f32, %out: f32):
      %a = arith.addf %out, %in : f32
      linalg.yield %a : f32
    } -> tensor<2xf32>
    %f1 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<2xf32>) -> tensor<2xf32>
    %var = linalg.generic {indexing_maps = [#map, #map1, #map1], iterator_types = ["parallel", "reduction"]} ins(%arg1, %sum0 : tensor<2x16xf32>, tensor<2xf32>) outs(%f1 : tensor<2xf32>) {
    ^bb0(%in: f32, %m: f32, %out: f32):
      %d = arith.subf %in, %m : f32
      %q = arith.mulf %d, %d : f32
      %a = arith.addf %out, %q : f32
      linalg.yield %a : f32
    } -> tensor<2xf32>
    %f2 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<2xf32>) -> tensor<2xf32>
    %sum1 = linalg.generic {indexing_maps = [#map, #map1], iterator_types = ["parallel", "reduction"]} ins(%arg1 : tensor<2x16xf32>) outs(%f2 : tensor<2xf32>) {
    ^bb0(%in: f32, %out: f32):
      %a = arith.addf %out, %in : f32
      linalg.yield %a : f32
    } -> tensor<2xf32>
    %e2 = tensor.empty() : tensor<2x16xf32>
    %y = linalg.generic {indexing_maps = [#map, #map1, #map1, #map], iterator_types = ["parallel", "parallel"]} ins(%arg1, %sum1, %var : tensor<2x16xf32>, tensor<2xf32>, tensor<2xf32>) outs(%e2 : tensor<2x16xf32>) {
    ^bb0(%in: f32, %m: f32, %v: f32, %out: f32):
      %d = arith.subf %in, %m : f32
      %q = arith.divf %d, %v : f32
      linalg.yield %q : f32
    } -> tensor<2x16xf32>
    autoglm.yield %y : tensor<2x16xf32>
  }
  return %r : tensor<2x16xf32>
}
