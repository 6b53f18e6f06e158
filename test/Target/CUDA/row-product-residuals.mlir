// RUN: autoglm-opt %s --split-input-file --autoglm-cuda-row-product-residuals | FileCheck %s
// RUN: autoglm-opt %s --split-input-file --autoglm-cuda-row-product-residuals --autoglm-cuda-fuse-kernel-regions --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --autoglm-cuda-row-products | FileCheck %s --check-prefix=KERNEL

#id2 = affine_map<(d0, d1) -> (d0, d1)>
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#a = affine_map<(m, n, k) -> (m, k)>
#wt = affine_map<(m, n, k) -> (n, k)>
#c = affine_map<(m, n, k) -> (m, n)>

// A decoder layer's residual add, as fusion and the split around the
// product leave it: the region adds the one-row product (its weight
// stored 4 x 8) to the residual stream %r (collapsed to 1 x 4), the sum
// accumulated into the product's result, and views the sum as 1 x 1 x 4.
// The add is the residual's last reader. The product takes the collapsed
// residual as its init and moves to where the region was; the region goes,
// and so does the zero fill. On buffers the kernel adds the init's
// element, read in place, to the column's sum before it stores it: no
// second kernel.
// CHECK-LABEL: func.func @residual
// CHECK:         %[[R:.*]] = autoglm.fused "elementwise"
// CHECK:         %[[INIT:.*]] = tensor.collapse_shape %[[R]] {{\[}}[0, 1], [2]] : tensor<1x1x4xf32> into tensor<1x4xf32>
// CHECK-NOT:     linalg.fill
// CHECK:         %[[P:.*]] = linalg.matmul indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}] ins(%{{.*}}, %{{.*}} : tensor<1x8xf32>, tensor<4x8xf32>) outs(%[[INIT]] : tensor<1x4xf32>)
// CHECK:         %[[X:.*]] = tensor.expand_shape %[[P]] {{\[}}[0, 1], [2]] output_shape [1, 1, 4]
// CHECK-NOT:     autoglm.fused
// CHECK:         return %[[X]]
// KERNEL-LABEL: func.func @residual
// KERNEL:          gpu.launch
// KERNEL:            gpu.shuffle  xor
// KERNEL:            scf.if
// KERNEL:              %[[OLD:.*]] = memref.load %{{.*}} : memref<1x4xf32
// KERNEL:              %[[SUM:.*]] = arith.addf %{{.*}}, %[[OLD]] : f32
// KERNEL:              memref.store %[[SUM]]
// KERNEL-NOT:      linalg.generic
func.func @residual(%a: tensor<1x8xf32>, %x: tensor<1x1x4xf32>, %wT: tensor<4x8xf32>) -> tensor<1x1x4xf32> {
  %r = autoglm.fused "elementwise"(%x) : (tensor<1x1x4xf32>) -> tensor<1x1x4xf32> {
  ^bb0(%u: tensor<1x1x4xf32>):
    %o = tensor.empty() : tensor<1x1x4xf32>
    %g = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%u : tensor<1x1x4xf32>) outs(%o : tensor<1x1x4xf32>) {
    ^bb0(%i: f32, %unused: f32):
      %n = arith.negf %i : f32
      linalg.yield %n : f32
    } -> tensor<1x1x4xf32>
    autoglm.yield %g : tensor<1x1x4xf32>
  }
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4xf32>) -> tensor<1x4xf32>
  %p = linalg.matmul indexing_maps = [#a, #wt, #c] ins(%a, %wT : tensor<1x8xf32>, tensor<4x8xf32>) outs(%f : tensor<1x4xf32>) -> tensor<1x4xf32>
  %rc = tensor.collapse_shape %r [[0, 1], [2]] : tensor<1x1x4xf32> into tensor<1x4xf32>
  %s = autoglm.fused "contraction"(%rc, %p) : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x1x4xf32> {
  ^bb0(%u: tensor<1x4xf32>, %v: tensor<1x4xf32>):
    %g = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%u : tensor<1x4xf32>) outs(%v : tensor<1x4xf32>) {
    ^bb0(%i: f32, %o: f32):
      %t = arith.addf %i, %o : f32
      linalg.yield %t : f32
    } -> tensor<1x4xf32>
    %ge = tensor.expand_shape %g [[0, 1], [2]] output_shape [1, 1, 4] : tensor<1x4xf32> into tensor<1x1x4xf32>
    autoglm.yield %ge : tensor<1x1x4xf32>
  }
  return %s : tensor<1x1x4xf32>
}

// -----

#id2 = affine_map<(d0, d1) -> (d0, d1)>
#a = affine_map<(m, n, k) -> (m, k)>
#wt = affine_map<(m, n, k) -> (n, k)>
#c = affine_map<(m, n, k) -> (m, n)>

// Left alone: a residual read again after the add (the product would have
// to copy it first), a region that multiplies instead of adding, and a
// product of 9 rows (cuBLASLt's, not the row-product kernel's).
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT:     tensor.collapse_shape
// CHECK:         linalg.fill
// CHECK:         %[[F1:.*]] = linalg.fill
// CHECK:         linalg.matmul {{.*}} outs(%[[F1]] :
// CHECK:         autoglm.fused "elementwise"
// CHECK:         %[[F2:.*]] = linalg.fill
// CHECK:         linalg.matmul {{.*}} outs(%[[F2]] :
// CHECK:         autoglm.fused "elementwise"
// CHECK:         %[[F9:.*]] = linalg.fill
// CHECK:         linalg.matmul {{.*}} outs(%[[F9]] :
// CHECK:         autoglm.fused "elementwise"
// KERNEL-LABEL: func.func @left_alone
// KERNEL-NOT:      memref.load
// KERNEL:          return
func.func @left_alone(%a: tensor<1x8xf32>, %a9: tensor<9x8xf32>, %wT: tensor<4x8xf32>) -> (tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>, tensor<9x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4xf32>
  %e9 = tensor.empty() : tensor<9x4xf32>
  %r = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4xf32>) -> tensor<1x4xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4xf32>) -> tensor<1x4xf32>
  %p1 = linalg.matmul indexing_maps = [#a, #wt, #c] ins(%a, %wT : tensor<1x8xf32>, tensor<4x8xf32>) outs(%f1 : tensor<1x4xf32>) -> tensor<1x4xf32>
  %s1 = autoglm.fused "elementwise"(%p1, %r) : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32> {
  ^bb0(%u: tensor<1x4xf32>, %v: tensor<1x4xf32>):
    %o = tensor.empty() : tensor<1x4xf32>
    %g = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%u, %v : tensor<1x4xf32>, tensor<1x4xf32>) outs(%o : tensor<1x4xf32>) {
    ^bb0(%i: f32, %j: f32, %unused: f32):
      %t = arith.addf %i, %j : f32
      linalg.yield %t : f32
    } -> tensor<1x4xf32>
    autoglm.yield %g : tensor<1x4xf32>
  }
  %f2 = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4xf32>) -> tensor<1x4xf32>
  %p2 = linalg.matmul indexing_maps = [#a, #wt, #c] ins(%a, %wT : tensor<1x8xf32>, tensor<4x8xf32>) outs(%f2 : tensor<1x4xf32>) -> tensor<1x4xf32>
  %s2 = autoglm.fused "elementwise"(%p2, %s1) : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32> {
  ^bb0(%u: tensor<1x4xf32>, %v: tensor<1x4xf32>):
    %o = tensor.empty() : tensor<1x4xf32>
    %g = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%u, %v : tensor<1x4xf32>, tensor<1x4xf32>) outs(%o : tensor<1x4xf32>) {
    ^bb0(%i: f32, %j: f32, %unused: f32):
      %t = arith.mulf %i, %j : f32
      linalg.yield %t : f32
    } -> tensor<1x4xf32>
    autoglm.yield %g : tensor<1x4xf32>
  }
  %f9 = linalg.fill ins(%zero : f32) outs(%e9 : tensor<9x4xf32>) -> tensor<9x4xf32>
  %p9 = linalg.matmul indexing_maps = [#a, #wt, #c] ins(%a9, %wT : tensor<9x8xf32>, tensor<4x8xf32>) outs(%f9 : tensor<9x4xf32>) -> tensor<9x4xf32>
  %r9 = linalg.fill ins(%zero : f32) outs(%e9 : tensor<9x4xf32>) -> tensor<9x4xf32>
  %s9 = autoglm.fused "elementwise"(%p9, %r9) : (tensor<9x4xf32>, tensor<9x4xf32>) -> tensor<9x4xf32> {
  ^bb0(%u: tensor<9x4xf32>, %v: tensor<9x4xf32>):
    %o = tensor.empty() : tensor<9x4xf32>
    %g = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%u, %v : tensor<9x4xf32>, tensor<9x4xf32>) outs(%o : tensor<9x4xf32>) {
    ^bb0(%i: f32, %j: f32, %unused: f32):
      %t = arith.addf %i, %j : f32
      linalg.yield %t : f32
    } -> tensor<9x4xf32>
    autoglm.yield %g : tensor<9x4xf32>
  }
  return %r, %s1, %s2, %s9 : tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>, tensor<9x4xf32>
}
