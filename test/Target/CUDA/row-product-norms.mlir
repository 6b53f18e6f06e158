// RUN: autoglm-opt %s --split-input-file --autoglm-cuda-row-product-norms | FileCheck %s
// RUN: autoglm-opt %s --split-input-file --autoglm-cuda-row-product-norms --autoglm-cuda-fuse-kernel-regions --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --autoglm-cuda-row-products | FileCheck %s --check-prefix=KERNEL

#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#drop = affine_map<(d0, d1, d2) -> (d0, d1)>
#last = affine_map<(d0, d1, d2) -> (d2)>
#a = affine_map<(m, n, k) -> (m, k)>
#wt = affine_map<(m, n, k) -> (n, k)>
#c = affine_map<(m, n, k) -> (m, n)>

// A decoder layer's RMSNormalization of its one-token residual stream %x
// (K = 4, gamma [1, 2, 3, 4], epsilon 1e-5), as the lowering writes it,
// read by two row products (weights stored 2 x 4 and 3 x 4) through
// collapse_shapes. The region goes; each product reads %x, collapsed,
// against its weight with column k times gamma[k], and carries epsilon.
// CHECK-LABEL: func.func @norm_then_products
// CHECK-NOT:     autoglm.fused
// CHECK-DAG:     %[[W1:.*]] = arith.constant dense<{{\[}}[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00], [2.000000e+00, 4.000000e+00, 6.000000e+00, 8.000000e+00]]> : tensor<2x4xf32>
// CHECK-DAG:     %[[W2:.*]] = arith.constant dense<{{\[}}[-1.000000e+00, -2.000000e+00, -3.000000e+00, -4.000000e+00], [5.000000e-01, 1.000000e+00, 1.500000e+00, 2.000000e+00], [0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00]]> : tensor<3x4xf32>
// CHECK-DAG:     %[[X1:.*]] = tensor.collapse_shape %arg0 {{\[}}[0, 1], [2]] : tensor<1x1x4xf32> into tensor<1x4xf32>
// CHECK-DAG:     %[[X2:.*]] = tensor.collapse_shape %arg0 {{\[}}[0, 1], [2]] : tensor<1x1x4xf32> into tensor<1x4xf32>
// CHECK-DAG:     linalg.matmul indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}] {autoglm.rms_normalized_rows = 9.99999974E-6 : f32} ins(%[[X1]], %[[W1]] : tensor<1x4xf32>, tensor<2x4xf32>)
// CHECK-DAG:     linalg.matmul indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}] {autoglm.rms_normalized_rows = 9.99999974E-6 : f32} ins(%[[X2]], %[[W2]] : tensor<1x4xf32>, tensor<3x4xf32>)
// On buffers: the kernel sums the squares of the row as it loads it beside
// the dot product, and scales the column's sum by rsqrt(mean + eps).
// KERNEL-LABEL: func.func @norm_then_products
// KERNEL:          gpu.launch
// KERNEL:            math.fma %[[E:[^,]*]], %[[E]], %{{.*}} : f32
// KERNEL:            gpu.shuffle  xor
// KERNEL:            %[[MEAN:.*]] = arith.divf %{{.*}}, %cst{{.*}} : f32
// KERNEL:            %[[SHIFTED:.*]] = arith.addf %[[MEAN]], %cst{{.*}} : f32
// KERNEL:            %[[R:.*]] = math.rsqrt %[[SHIFTED]] : f32
// KERNEL:            %[[OUT:.*]] = arith.mulf %{{.*}}, %[[R]] : f32
// KERNEL:            memref.store %[[OUT]]
// KERNEL:          gpu.launch
// KERNEL:            math.rsqrt
// KERNEL-NOT:      linalg.generic
// KERNEL:          return
func.func @norm_then_products(%x: tensor<1x1x4xf32>) -> (tensor<1x2xf32>, tensor<1x3xf32>) {
  %gamma = arith.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %y = autoglm.fused "normalization"(%x, %gamma) : (tensor<1x1x4xf32>, tensor<4xf32>) -> tensor<1x1x4xf32> {
  ^bb0(%u: tensor<1x1x4xf32>, %g: tensor<4xf32>):
    %eps = arith.constant 9.99999974E-6 : f32
    %zero = arith.constant 0.0 : f32
    %k = arith.constant 4.0 : f32
    %e = tensor.empty() : tensor<1x1xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x1xf32>) -> tensor<1x1xf32>
    %s = linalg.generic {indexing_maps = [#id3, #drop], iterator_types = ["parallel", "parallel", "reduction"]} ins(%u : tensor<1x1x4xf32>) outs(%f : tensor<1x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %sq = arith.mulf %in, %in : f32
      %t = arith.addf %out, %sq : f32
      linalg.yield %t : f32
    } -> tensor<1x1xf32>
    %o = tensor.empty() : tensor<1x1x4xf32>
    %n = linalg.generic {indexing_maps = [#id3, #drop, #last, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%u, %s, %g : tensor<1x1x4xf32>, tensor<1x1xf32>, tensor<4xf32>) outs(%o : tensor<1x1x4xf32>) {
    ^bb0(%in: f32, %sum: f32, %gi: f32, %out: f32):
      %mean = arith.divf %sum, %k : f32
      %shifted = arith.addf %mean, %eps : f32
      %r = math.rsqrt %shifted : f32
      %xr = arith.mulf %in, %r : f32
      %yg = arith.mulf %xr, %gi : f32
      linalg.yield %yg : f32
    } -> tensor<1x1x4xf32>
    autoglm.yield %n : tensor<1x1x4xf32>
  }
  %zero = arith.constant 0.0 : f32
  %yc1 = tensor.collapse_shape %y [[0, 1], [2]] : tensor<1x1x4xf32> into tensor<1x4xf32>
  %w1 = arith.constant dense<[[1.0, 1.0, 1.0, 1.0], [2.0, 2.0, 2.0, 2.0]]> : tensor<2x4xf32>
  %e1 = tensor.empty() : tensor<1x2xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<1x2xf32>) -> tensor<1x2xf32>
  %p1 = linalg.matmul indexing_maps = [#a, #wt, #c] ins(%yc1, %w1 : tensor<1x4xf32>, tensor<2x4xf32>) outs(%f1 : tensor<1x2xf32>) -> tensor<1x2xf32>
  %yc2 = tensor.collapse_shape %y [[0, 1], [2]] : tensor<1x1x4xf32> into tensor<1x4xf32>
  %w2 = arith.constant dense<[[-1.0, -1.0, -1.0, -1.0], [0.5, 0.5, 0.5, 0.5], [0.0, 0.0, 0.0, 0.0]]> : tensor<3x4xf32>
  %e2 = tensor.empty() : tensor<1x3xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<1x3xf32>) -> tensor<1x3xf32>
  %p2 = linalg.matmul indexing_maps = [#a, #wt, #c] ins(%yc2, %w2 : tensor<1x4xf32>, tensor<3x4xf32>) outs(%f2 : tensor<1x3xf32>) -> tensor<1x3xf32>
  return %p1, %p2 : tensor<1x2xf32>, tensor<1x3xf32>
}

// -----

#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#drop = affine_map<(d0, d1, d2) -> (d0, d1)>
#last = affine_map<(d0, d1, d2) -> (d2)>
#a = affine_map<(m, n, k) -> (m, k)>
#wt = affine_map<(m, n, k) -> (n, k)>
#c = affine_map<(m, n, k) -> (m, n)>

// Kept: the norm is also a result of the function (a reader that is not a
// row product), so the region stays and the product reads it as before.
// CHECK-LABEL: func.func @norm_read_elsewhere
// CHECK:         %[[Y:.*]] = autoglm.fused "normalization"
// CHECK:         %[[YC:.*]] = tensor.collapse_shape %[[Y]]
// CHECK:         linalg.matmul indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}] ins(%[[YC]], %{{.*}} : tensor<1x4xf32>, tensor<2x4xf32>)
// CHECK-NOT:     rms_normalized_rows
func.func @norm_read_elsewhere(%x: tensor<1x1x4xf32>) -> (tensor<1x2xf32>, tensor<1x1x4xf32>) {
  %gamma = arith.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %y = autoglm.fused "normalization"(%x, %gamma) : (tensor<1x1x4xf32>, tensor<4xf32>) -> tensor<1x1x4xf32> {
  ^bb0(%u: tensor<1x1x4xf32>, %g: tensor<4xf32>):
    %eps = arith.constant 9.99999974E-6 : f32
    %zero = arith.constant 0.0 : f32
    %k = arith.constant 4.0 : f32
    %e = tensor.empty() : tensor<1x1xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x1xf32>) -> tensor<1x1xf32>
    %s = linalg.generic {indexing_maps = [#id3, #drop], iterator_types = ["parallel", "parallel", "reduction"]} ins(%u : tensor<1x1x4xf32>) outs(%f : tensor<1x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %sq = arith.mulf %in, %in : f32
      %t = arith.addf %out, %sq : f32
      linalg.yield %t : f32
    } -> tensor<1x1xf32>
    %o = tensor.empty() : tensor<1x1x4xf32>
    %n = linalg.generic {indexing_maps = [#id3, #drop, #last, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%u, %s, %g : tensor<1x1x4xf32>, tensor<1x1xf32>, tensor<4xf32>) outs(%o : tensor<1x1x4xf32>) {
    ^bb0(%in: f32, %sum: f32, %gi: f32, %out: f32):
      %mean = arith.divf %sum, %k : f32
      %shifted = arith.addf %mean, %eps : f32
      %r = math.rsqrt %shifted : f32
      %xr = arith.mulf %in, %r : f32
      %yg = arith.mulf %xr, %gi : f32
      linalg.yield %yg : f32
    } -> tensor<1x1x4xf32>
    autoglm.yield %n : tensor<1x1x4xf32>
  }
  %zero = arith.constant 0.0 : f32
  %yc = tensor.collapse_shape %y [[0, 1], [2]] : tensor<1x1x4xf32> into tensor<1x4xf32>
  %w = arith.constant dense<[[1.0, 1.0, 1.0, 1.0], [2.0, 2.0, 2.0, 2.0]]> : tensor<2x4xf32>
  %e = tensor.empty() : tensor<1x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2xf32>) -> tensor<1x2xf32>
  %p = linalg.matmul indexing_maps = [#a, #wt, #c] ins(%yc, %w : tensor<1x4xf32>, tensor<2x4xf32>) outs(%f : tensor<1x2xf32>) -> tensor<1x2xf32>
  return %p, %y : tensor<1x2xf32>, tensor<1x1x4xf32>
}

// -----

#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#drop = affine_map<(d0, d1, d2) -> (d0, d1)>
#last = affine_map<(d0, d1, d2) -> (d2)>
#a = affine_map<(m, n, k) -> (m, k)>
#wt = affine_map<(m, n, k) -> (n, k)>
#c = affine_map<(m, n, k) -> (m, n)>

// Kept: not an RMS normalization (the mean is divided by 3, not by K = 4:
// another statistic), and gamma a function argument in the next case.
// CHECK-LABEL: func.func @not_the_mean
// CHECK:         autoglm.fused "normalization"
// CHECK-NOT:     rms_normalized_rows
// CHECK-LABEL: func.func @gamma_not_constant
// CHECK:         autoglm.fused "normalization"
// CHECK-NOT:     rms_normalized_rows
func.func @not_the_mean(%x: tensor<1x1x4xf32>) -> tensor<1x2xf32> {
  %gamma = arith.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %y = autoglm.fused "normalization"(%x, %gamma) : (tensor<1x1x4xf32>, tensor<4xf32>) -> tensor<1x1x4xf32> {
  ^bb0(%u: tensor<1x1x4xf32>, %g: tensor<4xf32>):
    %eps = arith.constant 9.99999974E-6 : f32
    %zero = arith.constant 0.0 : f32
    %k = arith.constant 3.0 : f32
    %e = tensor.empty() : tensor<1x1xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x1xf32>) -> tensor<1x1xf32>
    %s = linalg.generic {indexing_maps = [#id3, #drop], iterator_types = ["parallel", "parallel", "reduction"]} ins(%u : tensor<1x1x4xf32>) outs(%f : tensor<1x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %sq = arith.mulf %in, %in : f32
      %t = arith.addf %out, %sq : f32
      linalg.yield %t : f32
    } -> tensor<1x1xf32>
    %o = tensor.empty() : tensor<1x1x4xf32>
    %n = linalg.generic {indexing_maps = [#id3, #drop, #last, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%u, %s, %g : tensor<1x1x4xf32>, tensor<1x1xf32>, tensor<4xf32>) outs(%o : tensor<1x1x4xf32>) {
    ^bb0(%in: f32, %sum: f32, %gi: f32, %out: f32):
      %mean = arith.divf %sum, %k : f32
      %shifted = arith.addf %mean, %eps : f32
      %r = math.rsqrt %shifted : f32
      %xr = arith.mulf %in, %r : f32
      %yg = arith.mulf %xr, %gi : f32
      linalg.yield %yg : f32
    } -> tensor<1x1x4xf32>
    autoglm.yield %n : tensor<1x1x4xf32>
  }
  %zero = arith.constant 0.0 : f32
  %yc = tensor.collapse_shape %y [[0, 1], [2]] : tensor<1x1x4xf32> into tensor<1x4xf32>
  %w = arith.constant dense<[[1.0, 1.0, 1.0, 1.0], [2.0, 2.0, 2.0, 2.0]]> : tensor<2x4xf32>
  %e = tensor.empty() : tensor<1x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2xf32>) -> tensor<1x2xf32>
  %p = linalg.matmul indexing_maps = [#a, #wt, #c] ins(%yc, %w : tensor<1x4xf32>, tensor<2x4xf32>) outs(%f : tensor<1x2xf32>) -> tensor<1x2xf32>
  return %p : tensor<1x2xf32>
}

func.func @gamma_not_constant(%x: tensor<1x1x4xf32>, %gamma: tensor<4xf32>) -> tensor<1x2xf32> {
  %y = autoglm.fused "normalization"(%x, %gamma) : (tensor<1x1x4xf32>, tensor<4xf32>) -> tensor<1x1x4xf32> {
  ^bb0(%u: tensor<1x1x4xf32>, %g: tensor<4xf32>):
    %eps = arith.constant 9.99999974E-6 : f32
    %zero = arith.constant 0.0 : f32
    %k = arith.constant 4.0 : f32
    %e = tensor.empty() : tensor<1x1xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x1xf32>) -> tensor<1x1xf32>
    %s = linalg.generic {indexing_maps = [#id3, #drop], iterator_types = ["parallel", "parallel", "reduction"]} ins(%u : tensor<1x1x4xf32>) outs(%f : tensor<1x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %sq = arith.mulf %in, %in : f32
      %t = arith.addf %out, %sq : f32
      linalg.yield %t : f32
    } -> tensor<1x1xf32>
    %o = tensor.empty() : tensor<1x1x4xf32>
    %n = linalg.generic {indexing_maps = [#id3, #drop, #last, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%u, %s, %g : tensor<1x1x4xf32>, tensor<1x1xf32>, tensor<4xf32>) outs(%o : tensor<1x1x4xf32>) {
    ^bb0(%in: f32, %sum: f32, %gi: f32, %out: f32):
      %mean = arith.divf %sum, %k : f32
      %shifted = arith.addf %mean, %eps : f32
      %r = math.rsqrt %shifted : f32
      %xr = arith.mulf %in, %r : f32
      %yg = arith.mulf %xr, %gi : f32
      linalg.yield %yg : f32
    } -> tensor<1x1x4xf32>
    autoglm.yield %n : tensor<1x1x4xf32>
  }
  %zero = arith.constant 0.0 : f32
  %yc = tensor.collapse_shape %y [[0, 1], [2]] : tensor<1x1x4xf32> into tensor<1x4xf32>
  %w = arith.constant dense<[[1.0, 1.0, 1.0, 1.0], [2.0, 2.0, 2.0, 2.0]]> : tensor<2x4xf32>
  %e = tensor.empty() : tensor<1x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2xf32>) -> tensor<1x2xf32>
  %p = linalg.matmul indexing_maps = [#a, #wt, #c] ins(%yc, %w : tensor<1x4xf32>, tensor<2x4xf32>) outs(%f : tensor<1x2xf32>) -> tensor<1x2xf32>
  return %p : tensor<1x2xf32>
}

// -----

#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#drop = affine_map<(d0, d1, d2) -> (d0, d1)>
#lastzero = affine_map<(d0, d1, d2) -> (d0, d1, 0)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#a = affine_map<(m, n, k) -> (m, k)>
#wt = affine_map<(m, n, k) -> (n, k)>
#c = affine_map<(m, n, k) -> (m, n)>

// The decomposition exporters write (Pow(x, 2), ReduceMean, Add, Sqrt,
// Reciprocal, Mul by x, Mul by a gamma of 2.0 everywhere, which folding
// made a scalar), as fusion leaves it: one region computes the mean of the
// squares, another the normalize. Both go; the weight is scaled by 2.
// CHECK-LABEL: func.func @decomposed
// CHECK-NOT:     autoglm.fused
// CHECK:         %[[W:.*]] = arith.constant dense<{{\[}}[2.000000e+00, 2.000000e+00, 2.000000e+00, 2.000000e+00], [4.000000e+00, 4.000000e+00, 4.000000e+00, 4.000000e+00]]> : tensor<2x4xf32>
// CHECK:         linalg.matmul indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}] {autoglm.rms_normalized_rows = 9.99999997E-7 : f32} ins(%{{.*}}, %[[W]] : tensor<1x4xf32>, tensor<2x4xf32>)
func.func @decomposed(%x: tensor<1x1x4xf32>) -> tensor<1x2xf32> {
  %m = autoglm.fused "reduction"(%x) : (tensor<1x1x4xf32>) -> tensor<1x1x1xf32> {
  ^bb0(%u: tensor<1x1x4xf32>):
    %two = arith.constant 2.0 : f32
    %k = arith.constant 4.0 : f32
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<1x1xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x1xf32>) -> tensor<1x1xf32>
    %s = linalg.generic {indexing_maps = [#id3, #drop], iterator_types = ["parallel", "parallel", "reduction"]} ins(%u : tensor<1x1x4xf32>) outs(%f : tensor<1x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %sq = math.powf %in, %two : f32
      %t = arith.addf %out, %sq : f32
      linalg.yield %t : f32
    } -> tensor<1x1xf32>
    %e2 = tensor.empty() : tensor<1x1xf32>
    %mean = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%s : tensor<1x1xf32>) outs(%e2 : tensor<1x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %d = arith.divf %in, %k : f32
      linalg.yield %d : f32
    } -> tensor<1x1xf32>
    %me = tensor.expand_shape %mean [[0], [1, 2]] output_shape [1, 1, 1] : tensor<1x1xf32> into tensor<1x1x1xf32>
    autoglm.yield %me : tensor<1x1x1xf32>
  }
  %y = autoglm.fused "elementwise"(%m, %x) : (tensor<1x1x1xf32>, tensor<1x1x4xf32>) -> tensor<1x1x4xf32> {
  ^bb0(%mm: tensor<1x1x1xf32>, %u: tensor<1x1x4xf32>):
    %eps = arith.constant 9.99999997E-7 : f32
    %one = arith.constant 1.0 : f32
    %g = arith.constant 2.0 : f32
    %o = tensor.empty() : tensor<1x1x4xf32>
    %n = linalg.generic {indexing_maps = [#id3, #lastzero, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%u, %mm : tensor<1x1x4xf32>, tensor<1x1x1xf32>) outs(%o : tensor<1x1x4xf32>) {
    ^bb0(%in: f32, %mean: f32, %out: f32):
      %shifted = arith.addf %mean, %eps : f32
      %root = math.sqrt %shifted : f32
      %inv = arith.divf %one, %root : f32
      %xr = arith.mulf %in, %inv : f32
      %yg = arith.mulf %xr, %g : f32
      linalg.yield %yg : f32
    } -> tensor<1x1x4xf32>
    autoglm.yield %n : tensor<1x1x4xf32>
  }
  %zero = arith.constant 0.0 : f32
  %yc = tensor.collapse_shape %y [[0, 1], [2]] : tensor<1x1x4xf32> into tensor<1x4xf32>
  %w = arith.constant dense<[[1.0, 1.0, 1.0, 1.0], [2.0, 2.0, 2.0, 2.0]]> : tensor<2x4xf32>
  %e = tensor.empty() : tensor<1x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2xf32>) -> tensor<1x2xf32>
  %p = linalg.matmul indexing_maps = [#a, #wt, #c] ins(%yc, %w : tensor<1x4xf32>, tensor<2x4xf32>) outs(%f : tensor<1x2xf32>) -> tensor<1x2xf32>
  return %p : tensor<1x2xf32>
}
