// RUN: autoglm-opt %s --split-input-file --autoglm-cpu-accumulate-residuals | FileCheck %s

// A bottleneck's last 1x1 convolution: relu(w * x + b + r), r the block's
// input, read by nothing after. The product starts from r (through the
// region's reshape, now before it) instead of a zero fill; the tail adds
// the bias alone.
// CHECK-LABEL: func.func @residual
// CHECK:         autoglm.fused "contraction"(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}})
// CHECK-NEXT:    ^bb0(%{{.*}}: tensor<1x16x8x8xf32>, %[[W:.*]]: tensor<64x16xf32>, %[[B:.*]]: tensor<64xf32>, %[[R:.*]]: tensor<1x64x8x8xf32>):
// CHECK-NOT:     linalg.fill
// CHECK:         %[[RES:.*]] = tensor.collapse_shape %[[R]]
// CHECK-NEXT:    %[[P:.*]] = linalg.matmul ins(%[[W]], %{{.*}} : tensor<64x16xf32>, tensor<16x64xf32>) outs(%[[RES]] : tensor<64x64xf32>)
// CHECK:         linalg.generic
// CHECK-SAME:      ins(%[[B]] : tensor<64xf32>) outs(%[[P]] : tensor<64x64xf32>)
// CHECK-NEXT:    ^bb0(%[[BIAS:.*]]: f32, %[[OUT:.*]]: f32):
// CHECK-NEXT:      %[[SUM:.*]] = arith.addf %[[OUT]], %[[BIAS]] : f32
// CHECK-NEXT:      %[[RELU:.*]] = arith.maximumf %[[SUM]], %{{.*}} : f32
// CHECK-NEXT:      linalg.yield %[[RELU]]
func.func @residual(%x: tensor<1x64x8x8xf32>, %w1: tensor<16x64xf32>, %b: tensor<64xf32>) -> tensor<1x64x8x8xf32> {
  %w = arith.constant dense<0.5> : tensor<64x16xf32>
  %r = autoglm.fused "contraction"(%x) : (tensor<1x64x8x8xf32>) -> tensor<1x64x8x8xf32> {
  ^bb0(%a: tensor<1x64x8x8xf32>):
    %n = arith.constant 1.0 : f32
    %e = tensor.empty() : tensor<1x64x8x8xf32>
    %m = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%a : tensor<1x64x8x8xf32>) outs(%e : tensor<1x64x8x8xf32>) {
    ^bb0(%in: f32, %out: f32):
      %s = arith.mulf %in, %n : f32
      linalg.yield %s : f32
    } -> tensor<1x64x8x8xf32>
    autoglm.yield %m : tensor<1x64x8x8xf32>
  }
  %h = autoglm.fused "contraction"(%r, %w1) : (tensor<1x64x8x8xf32>, tensor<16x64xf32>) -> tensor<1x16x8x8xf32> {
  ^bb0(%a: tensor<1x64x8x8xf32>, %wa: tensor<16x64xf32>):
    %zero = arith.constant 0.0 : f32
    %flat = tensor.collapse_shape %a [[0, 1], [2, 3]] : tensor<1x64x8x8xf32> into tensor<64x64xf32>
    %e = tensor.empty() : tensor<16x64xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<16x64xf32>) -> tensor<16x64xf32>
    %p = linalg.matmul ins(%wa, %flat : tensor<16x64xf32>, tensor<64x64xf32>) outs(%f : tensor<16x64xf32>) -> tensor<16x64xf32>
    %img = tensor.expand_shape %p [[0, 1], [2, 3]] output_shape [1, 16, 8, 8] : tensor<16x64xf32> into tensor<1x16x8x8xf32>
    autoglm.yield %img : tensor<1x16x8x8xf32>
  }
  %y = autoglm.fused "contraction"(%h, %w, %b, %r) : (tensor<1x16x8x8xf32>, tensor<64x16xf32>, tensor<64xf32>, tensor<1x64x8x8xf32>) -> tensor<1x64x8x8xf32> {
  ^bb0(%a: tensor<1x16x8x8xf32>, %wa: tensor<64x16xf32>, %ba: tensor<64xf32>, %ra: tensor<1x64x8x8xf32>):
    %zero = arith.constant 0.0 : f32
    %flat = tensor.collapse_shape %a [[0, 1], [2, 3]] : tensor<1x16x8x8xf32> into tensor<16x64xf32>
    %e = tensor.empty() : tensor<64x64xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<64x64xf32>) -> tensor<64x64xf32>
    %p = linalg.matmul ins(%wa, %flat : tensor<64x16xf32>, tensor<16x64xf32>) outs(%f : tensor<64x64xf32>) -> tensor<64x64xf32>
    %rf = tensor.collapse_shape %ra [[0, 1], [2, 3]] : tensor<1x64x8x8xf32> into tensor<64x64xf32>
    %t = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%ba, %rf : tensor<64xf32>, tensor<64x64xf32>) outs(%p : tensor<64x64xf32>) {
    ^bb0(%bias: f32, %res: f32, %out: f32):
      %s = arith.addf %out, %bias : f32
      %s2 = arith.addf %s, %res : f32
      %relu = arith.maximumf %s2, %zero : f32
      linalg.yield %relu : f32
    } -> tensor<64x64xf32>
    %img = tensor.expand_shape %t [[0, 1], [2, 3]] output_shape [1, 64, 8, 8] : tensor<64x64xf32> into tensor<1x64x8x8xf32>
    autoglm.yield %img : tensor<1x64x8x8xf32>
  }
  return %y : tensor<1x64x8x8xf32>
}

// -----

// The residual is read again after the region (by the function's second
// result): it stays as it is, and so does the region.
// CHECK-LABEL: func.func @read_after
// CHECK:         linalg.fill
// CHECK:         linalg.matmul
// CHECK:         arith.addf
// CHECK:         arith.addf
func.func @read_after(%h: tensor<16x64xf32>, %x: tensor<64x64xf32>) -> (tensor<64x64xf32>, tensor<64x64xf32>) {
  %w = arith.constant dense<0.5> : tensor<64x16xf32>
  %one = arith.constant 1.0 : f32
  %e0 = tensor.empty() : tensor<64x64xf32>
  %r = linalg.fill ins(%one : f32) outs(%e0 : tensor<64x64xf32>) -> tensor<64x64xf32>
  %y = autoglm.fused "contraction"(%h, %w, %r) : (tensor<16x64xf32>, tensor<64x16xf32>, tensor<64x64xf32>) -> tensor<64x64xf32> {
  ^bb0(%a: tensor<16x64xf32>, %wa: tensor<64x16xf32>, %ra: tensor<64x64xf32>):
    %zero = arith.constant 0.0 : f32
    %c = arith.constant 1.0 : f32
    %e = tensor.empty() : tensor<64x64xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<64x64xf32>) -> tensor<64x64xf32>
    %p = linalg.matmul ins(%wa, %a : tensor<64x16xf32>, tensor<16x64xf32>) outs(%f : tensor<64x64xf32>) -> tensor<64x64xf32>
    %t = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%ra : tensor<64x64xf32>) outs(%p : tensor<64x64xf32>) {
    ^bb0(%res: f32, %out: f32):
      %s = arith.addf %out, %c : f32
      %s2 = arith.addf %s, %res : f32
      linalg.yield %s2 : f32
    } -> tensor<64x64xf32>
    autoglm.yield %t : tensor<64x64xf32>
  }
  return %y, %r : tensor<64x64xf32>, tensor<64x64xf32>
}

// -----

// The residual is multiplied, not added, after the product's sum: no
// addition to move first.
// CHECK-LABEL: func.func @scaled
// CHECK:         linalg.fill
// CHECK:         arith.mulf
func.func @scaled(%h: tensor<16x64xf32>) -> tensor<64x64xf32> {
  %w = arith.constant dense<0.5> : tensor<64x16xf32>
  %one = arith.constant 1.0 : f32
  %e0 = tensor.empty() : tensor<64x64xf32>
  %r = linalg.fill ins(%one : f32) outs(%e0 : tensor<64x64xf32>) -> tensor<64x64xf32>
  %y = autoglm.fused "contraction"(%h, %w, %r) : (tensor<16x64xf32>, tensor<64x16xf32>, tensor<64x64xf32>) -> tensor<64x64xf32> {
  ^bb0(%a: tensor<16x64xf32>, %wa: tensor<64x16xf32>, %ra: tensor<64x64xf32>):
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<64x64xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<64x64xf32>) -> tensor<64x64xf32>
    %p = linalg.matmul ins(%wa, %a : tensor<64x16xf32>, tensor<16x64xf32>) outs(%f : tensor<64x64xf32>) -> tensor<64x64xf32>
    %t = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%ra : tensor<64x64xf32>) outs(%p : tensor<64x64xf32>) {
    ^bb0(%res: f32, %out: f32):
      %s = arith.mulf %out, %res : f32
      linalg.yield %s : f32
    } -> tensor<64x64xf32>
    autoglm.yield %t : tensor<64x64xf32>
  }
  return %y : tensor<64x64xf32>
}

// -----

// The block's input is the function's argument, the caller's buffer: the
// region stays as it is.
// CHECK-LABEL: func.func @argument
// CHECK:         linalg.fill
// CHECK:         arith.addf
func.func @argument(%h: tensor<16x64xf32>, %r: tensor<64x64xf32>) -> tensor<64x64xf32> {
  %w = arith.constant dense<0.5> : tensor<64x16xf32>
  %y = autoglm.fused "contraction"(%h, %w, %r) : (tensor<16x64xf32>, tensor<64x16xf32>, tensor<64x64xf32>) -> tensor<64x64xf32> {
  ^bb0(%a: tensor<16x64xf32>, %wa: tensor<64x16xf32>, %ra: tensor<64x64xf32>):
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<64x64xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<64x64xf32>) -> tensor<64x64xf32>
    %p = linalg.matmul ins(%wa, %a : tensor<64x16xf32>, tensor<16x64xf32>) outs(%f : tensor<64x64xf32>) -> tensor<64x64xf32>
    %t = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%ra : tensor<64x64xf32>) outs(%p : tensor<64x64xf32>) {
    ^bb0(%res: f32, %out: f32):
      %s = arith.addf %out, %res : f32
      linalg.yield %s : f32
    } -> tensor<64x64xf32>
    autoglm.yield %t : tensor<64x64xf32>
  }
  return %y : tensor<64x64xf32>
}

// -----

// A transformer's product, its weight as B (its residual small enough to
// stay in cache, and a LayerNorm after it that amplifies rounding): left
// as it is.
// CHECK-LABEL: func.func @weight_as_b
// CHECK:         linalg.fill
// CHECK:         arith.addf
func.func @weight_as_b(%a: tensor<64x16xf32>) -> tensor<64x64xf32> {
  %w = arith.constant dense<0.5> : tensor<16x64xf32>
  %one = arith.constant 1.0 : f32
  %e0 = tensor.empty() : tensor<64x64xf32>
  %r = linalg.fill ins(%one : f32) outs(%e0 : tensor<64x64xf32>) -> tensor<64x64xf32>
  %y = autoglm.fused "contraction"(%a, %w, %r) : (tensor<64x16xf32>, tensor<16x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32> {
  ^bb0(%x: tensor<64x16xf32>, %wb: tensor<16x64xf32>, %ra: tensor<64x64xf32>):
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<64x64xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<64x64xf32>) -> tensor<64x64xf32>
    %p = linalg.matmul ins(%x, %wb : tensor<64x16xf32>, tensor<16x64xf32>) outs(%f : tensor<64x64xf32>) -> tensor<64x64xf32>
    %t = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%ra : tensor<64x64xf32>) outs(%p : tensor<64x64xf32>) {
    ^bb0(%res: f32, %out: f32):
      %s = arith.addf %out, %res : f32
      linalg.yield %s : f32
    } -> tensor<64x64xf32>
    autoglm.yield %t : tensor<64x64xf32>
  }
  return %y : tensor<64x64xf32>
}

// -----

// The product is computed in rows longer than its result's
// (--autoglm-align-product-rows: 49 columns in rows of 64): it keeps its
// zero-filled buffer and those rows, and the tail adds the residual.
// CHECK-LABEL: func.func @wider_rows
// CHECK:         %[[WIDE:.*]] = bufferization.alloc_tensor() : tensor<64x64xf32>
// CHECK:         %[[VIEW:.*]] = tensor.extract_slice %[[WIDE]][0, 0] [64, 49] [1, 1]
// CHECK:         %[[F:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[VIEW]] : tensor<64x49xf32>)
// CHECK:         %[[P:.*]] = linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<64x16xf32>, tensor<16x49xf32>) outs(%[[F]] : tensor<64x49xf32>)
// CHECK:         linalg.generic
// CHECK-SAME:      outs(%[[P]] : tensor<64x49xf32>)
// CHECK:           arith.addf
// CHECK:           arith.addf
func.func @wider_rows(%h: tensor<16x49xf32>) -> tensor<64x49xf32> {
  %w = arith.constant dense<0.5> : tensor<64x16xf32>
  %one = arith.constant 1.0 : f32
  %e0 = tensor.empty() : tensor<64x49xf32>
  %r = linalg.fill ins(%one : f32) outs(%e0 : tensor<64x49xf32>) -> tensor<64x49xf32>
  %y = autoglm.fused "contraction"(%h, %w, %r) : (tensor<16x49xf32>, tensor<64x16xf32>, tensor<64x49xf32>) -> tensor<64x49xf32> {
  ^bb0(%a: tensor<16x49xf32>, %wa: tensor<64x16xf32>, %ra: tensor<64x49xf32>):
    %zero = arith.constant 0.0 : f32
    %c = arith.constant 1.0 : f32
    %wide = bufferization.alloc_tensor() : tensor<64x64xf32>
    %e = tensor.extract_slice %wide[0, 0] [64, 49] [1, 1] : tensor<64x64xf32> to tensor<64x49xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<64x49xf32>) -> tensor<64x49xf32>
    %p = linalg.matmul ins(%wa, %a : tensor<64x16xf32>, tensor<16x49xf32>) outs(%f : tensor<64x49xf32>) -> tensor<64x49xf32>
    %t = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%ra : tensor<64x49xf32>) outs(%p : tensor<64x49xf32>) {
    ^bb0(%res: f32, %out: f32):
      %s = arith.addf %out, %c : f32
      %s2 = arith.addf %s, %res : f32
      linalg.yield %s2 : f32
    } -> tensor<64x49xf32>
    autoglm.yield %t : tensor<64x49xf32>
  }
  return %y : tensor<64x49xf32>
}
