// RUN: autoglm-opt %s --autoglm-align-product-rows --split-input-file | FileCheck %s

// A 1x1 convolution's result at 14x14 (256 x 196: rows of 784 bytes, three
// in four starting inside a cache line), read by the next region as B of
// its product past a collapse that keeps the 196 pixels a row. The region
// computes it in the first 196 columns of a 256 x 208 tensor (an
// alloc_tensor, past the product, its fill and the epilogue's expand); the
// dead expand of the product's result does not count as a second reader.
// The readers and the result's type are unchanged.
// CHECK-LABEL: func.func @aligned(
// CHECK:         autoglm.fused "contraction"
// CHECK:           %[[WIDE:.+]] = bufferization.alloc_tensor() : tensor<256x208xf32>
// CHECK-NEXT:      %[[VIEW:.+]] = tensor.extract_slice %[[WIDE]][0, 0] [256, 196] [1, 1] : tensor<256x208xf32> to tensor<256x196xf32>
// CHECK-NEXT:      linalg.fill ins(%{{.+}} : f32) outs(%[[VIEW]] : tensor<256x196xf32>)
// CHECK:           autoglm.yield %{{.+}} : tensor<1x256x14x14xf32>
// CHECK:         autoglm.fused "contraction"
// CHECK-NOT:       alloc_tensor
// CHECK:         return
func.func @aligned(%x: tensor<1x1024x14x14xf32>, %w1: tensor<256x1024xf32>, %w2: tensor<1024x256xf32>) -> tensor<1024x196xf32> {
  %h = autoglm.fused "contraction" (%x, %w1) : (tensor<1x1024x14x14xf32>, tensor<256x1024xf32>) -> tensor<1x256x14x14xf32> {
  ^bb0(%in: tensor<1x1024x14x14xf32>, %w: tensor<256x1024xf32>):
    %zero = arith.constant 0.0 : f32
    %b = tensor.collapse_shape %in [[0, 1], [2, 3]] : tensor<1x1024x14x14xf32> into tensor<1024x196xf32>
    %e = tensor.empty() : tensor<256x196xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<256x196xf32>) -> tensor<256x196xf32>
    %m = linalg.matmul ins(%w, %b : tensor<256x1024xf32>, tensor<1024x196xf32>) outs(%f : tensor<256x196xf32>) -> tensor<256x196xf32>
    %unused = tensor.expand_shape %m [[0, 1], [2, 3]] output_shape [1, 256, 14, 14] : tensor<256x196xf32> into tensor<1x256x14x14xf32>
    %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
        outs(%m : tensor<256x196xf32>) {
    ^bb0(%out: f32):
      %s = arith.maximumf %out, %zero : f32
      linalg.yield %s : f32
    } -> tensor<256x196xf32>
    %y = tensor.expand_shape %r [[0, 1], [2, 3]] output_shape [1, 256, 14, 14] : tensor<256x196xf32> into tensor<1x256x14x14xf32>
    autoglm.yield %y : tensor<1x256x14x14xf32>
  }
  %z = autoglm.fused "contraction" (%h, %w2) : (tensor<1x256x14x14xf32>, tensor<1024x256xf32>) -> tensor<1024x196xf32> {
  ^bb0(%in: tensor<1x256x14x14xf32>, %w: tensor<1024x256xf32>):
    %zero = arith.constant 0.0 : f32
    %b = tensor.collapse_shape %in [[0, 1], [2, 3]] : tensor<1x256x14x14xf32> into tensor<256x196xf32>
    %e = tensor.empty() : tensor<1024x196xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1024x196xf32>) -> tensor<1024x196xf32>
    %m = linalg.matmul ins(%w, %b : tensor<1024x256xf32>, tensor<256x196xf32>) outs(%f : tensor<1024x196xf32>) -> tensor<1024x196xf32>
    autoglm.yield %m : tensor<1024x196xf32>
  }
  return %z : tensor<1024x196xf32>
}

// -----

// A residual block's result: read as B of the next block's first product
// and as an elementwise input (the residual) of its last region. A result
// computed by a 4-d generic gets a 1 x 64 x 208 tensor, its first 196
// elements of each row expanded back to 14 x 14.
// CHECK-LABEL: func.func @residual(
// CHECK:         autoglm.fused "elementwise"
// CHECK:           %[[WIDE:.+]] = bufferization.alloc_tensor() : tensor<1x64x208xf32>
// CHECK-NEXT:      %[[VIEW:.+]] = tensor.extract_slice %[[WIDE]][0, 0, 0] [1, 64, 196] [1, 1, 1] : tensor<1x64x208xf32> to tensor<1x64x196xf32>
// CHECK-NEXT:      %[[PLANES:.+]] = tensor.expand_shape %[[VIEW]] {{\[}}[0], [1], [2, 3]] output_shape [1, 64, 14, 14] : tensor<1x64x196xf32> into tensor<1x64x14x14xf32>
// CHECK-NEXT:      linalg.generic {{.*}} outs(%[[PLANES]] : tensor<1x64x14x14xf32>)
func.func @residual(%x: tensor<1x64x14x14xf32>, %w: tensor<64x64xf32>) -> tensor<64x196xf32> {
  %y = autoglm.fused "elementwise" (%x) : (tensor<1x64x14x14xf32>) -> tensor<1x64x14x14xf32> {
  ^bb0(%in: tensor<1x64x14x14xf32>):
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<1x64x14x14xf32>
    %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
        ins(%in : tensor<1x64x14x14xf32>) outs(%e : tensor<1x64x14x14xf32>) {
    ^bb0(%a: f32, %out: f32):
      %s = arith.maximumf %a, %zero : f32
      linalg.yield %s : f32
    } -> tensor<1x64x14x14xf32>
    autoglm.yield %r : tensor<1x64x14x14xf32>
  }
  %z = autoglm.fused "contraction" (%y, %w) : (tensor<1x64x14x14xf32>, tensor<64x64xf32>) -> tensor<64x196xf32> {
  ^bb0(%in: tensor<1x64x14x14xf32>, %wt: tensor<64x64xf32>):
    %zero = arith.constant 0.0 : f32
    %b = tensor.collapse_shape %in [[0, 1], [2, 3]] : tensor<1x64x14x14xf32> into tensor<64x196xf32>
    %e = tensor.empty() : tensor<64x196xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<64x196xf32>) -> tensor<64x196xf32>
    %m = linalg.matmul ins(%wt, %b : tensor<64x64xf32>, tensor<64x196xf32>) outs(%f : tensor<64x196xf32>) -> tensor<64x196xf32>
    autoglm.yield %m : tensor<64x196xf32>
  }
  %t = autoglm.fused "elementwise" (%z, %y) : (tensor<64x196xf32>, tensor<1x64x14x14xf32>) -> tensor<64x196xf32> {
  ^bb0(%p: tensor<64x196xf32>, %res: tensor<1x64x14x14xf32>):
    %r2 = tensor.collapse_shape %res [[0, 1], [2, 3]] : tensor<1x64x14x14xf32> into tensor<64x196xf32>
    %e = tensor.empty() : tensor<64x196xf32>
    %s = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
        ins(%p, %r2 : tensor<64x196xf32>, tensor<64x196xf32>) outs(%e : tensor<64x196xf32>) {
    ^bb0(%a: f32, %b: f32, %out: f32):
      %sum = arith.addf %a, %b : f32
      linalg.yield %sum : f32
    } -> tensor<64x196xf32>
    autoglm.yield %s : tensor<64x196xf32>
  }
  return %t : tensor<64x196xf32>
}

// -----

// A matrix read directly as B (98 floats a row: 112, a seventh more).
// CHECK-LABEL: func.func @direct(
// CHECK:         bufferization.alloc_tensor() : tensor<64x112xf32>
// CHECK-NEXT:    tensor.extract_slice %{{.+}}[0, 0] [64, 98] [1, 1] : tensor<64x112xf32> to tensor<64x98xf32>
func.func @direct(%x: tensor<64x98xf32>, %w: tensor<64x64xf32>) -> tensor<64x98xf32> {
  %y = autoglm.fused "elementwise" (%x) : (tensor<64x98xf32>) -> tensor<64x98xf32> {
  ^bb0(%in: tensor<64x98xf32>):
    %e = tensor.empty() : tensor<64x98xf32>
    %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
        ins(%in : tensor<64x98xf32>) outs(%e : tensor<64x98xf32>) {
    ^bb0(%v: f32, %out: f32):
      linalg.yield %v : f32
    } -> tensor<64x98xf32>
    autoglm.yield %r : tensor<64x98xf32>
  }
  %z = autoglm.fused "contraction" (%y, %w) : (tensor<64x98xf32>, tensor<64x64xf32>) -> tensor<64x98xf32> {
  ^bb0(%in: tensor<64x98xf32>, %wt: tensor<64x64xf32>):
    %e = tensor.empty() : tensor<64x98xf32>
    %m = linalg.matmul ins(%wt, %in : tensor<64x64xf32>, tensor<64x98xf32>) outs(%e : tensor<64x98xf32>) -> tensor<64x98xf32>
    autoglm.yield %m : tensor<64x98xf32>
  }
  return %z : tensor<64x98xf32>
}

// -----

// Unchanged: a result read as A of a product (its rows are what a tile
// reads across), one the function returns, one whose rows already fill
// whole lines (28 x 28 = 784 floats), one that a 7x7 image's 49 floats
// would pad by more than a quarter, and one that another op reads
// through a map that is no identity (a stride-2 copy).
// CHECK-LABEL: func.func @unchanged(
// CHECK-NOT:     alloc_tensor
// CHECK:         return
func.func @unchanged(%x: tensor<64x196xf32>, %x28: tensor<64x784xf32>, %x7: tensor<64x49xf32>, %w: tensor<64x64xf32>)
    -> (tensor<64x196xf32>, tensor<64x196xf32>, tensor<64x784xf32>, tensor<64x49xf32>, tensor<64x98xf32>) {
  %zero = arith.constant 0.0 : f32
  // Read as A.
  %a = autoglm.fused "elementwise" (%x) : (tensor<64x196xf32>) -> tensor<64x196xf32> {
  ^bb0(%in: tensor<64x196xf32>):
    %e = tensor.empty() : tensor<64x196xf32>
    %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
        ins(%in : tensor<64x196xf32>) outs(%e : tensor<64x196xf32>) {
    ^bb0(%v: f32, %out: f32):
      linalg.yield %v : f32
    } -> tensor<64x196xf32>
    autoglm.yield %r : tensor<64x196xf32>
  }
  %pa = autoglm.fused "contraction" (%a) : (tensor<64x196xf32>) -> tensor<64x196xf32> {
  ^bb0(%in: tensor<64x196xf32>):
    %c = arith.constant dense<1.0> : tensor<196x196xf32>
    %e = tensor.empty() : tensor<64x196xf32>
    %m = linalg.matmul ins(%in, %c : tensor<64x196xf32>, tensor<196x196xf32>) outs(%e : tensor<64x196xf32>) -> tensor<64x196xf32>
    autoglm.yield %m : tensor<64x196xf32>
  }
  // Returned as well as read as B.
  %ret = autoglm.fused "elementwise" (%x) : (tensor<64x196xf32>) -> tensor<64x196xf32> {
  ^bb0(%in: tensor<64x196xf32>):
    %e = tensor.empty() : tensor<64x196xf32>
    %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
        ins(%in : tensor<64x196xf32>) outs(%e : tensor<64x196xf32>) {
    ^bb0(%v: f32, %out: f32):
      linalg.yield %v : f32
    } -> tensor<64x196xf32>
    autoglm.yield %r : tensor<64x196xf32>
  }
  %pret = autoglm.fused "contraction" (%ret, %w) : (tensor<64x196xf32>, tensor<64x64xf32>) -> tensor<64x196xf32> {
  ^bb0(%in: tensor<64x196xf32>, %wt: tensor<64x64xf32>):
    %e = tensor.empty() : tensor<64x196xf32>
    %m = linalg.matmul ins(%wt, %in : tensor<64x64xf32>, tensor<64x196xf32>) outs(%e : tensor<64x196xf32>) -> tensor<64x196xf32>
    autoglm.yield %m : tensor<64x196xf32>
  }
  // Whole lines.
  %l = autoglm.fused "elementwise" (%x28) : (tensor<64x784xf32>) -> tensor<64x784xf32> {
  ^bb0(%in: tensor<64x784xf32>):
    %e = tensor.empty() : tensor<64x784xf32>
    %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
        ins(%in : tensor<64x784xf32>) outs(%e : tensor<64x784xf32>) {
    ^bb0(%v: f32, %out: f32):
      linalg.yield %v : f32
    } -> tensor<64x784xf32>
    autoglm.yield %r : tensor<64x784xf32>
  }
  %pl = autoglm.fused "contraction" (%l, %w) : (tensor<64x784xf32>, tensor<64x64xf32>) -> tensor<64x784xf32> {
  ^bb0(%in: tensor<64x784xf32>, %wt: tensor<64x64xf32>):
    %e = tensor.empty() : tensor<64x784xf32>
    %m = linalg.matmul ins(%wt, %in : tensor<64x64xf32>, tensor<64x784xf32>) outs(%e : tensor<64x784xf32>) -> tensor<64x784xf32>
    autoglm.yield %m : tensor<64x784xf32>
  }
  // 49 floats a row.
  %s = autoglm.fused "elementwise" (%x7) : (tensor<64x49xf32>) -> tensor<64x49xf32> {
  ^bb0(%in: tensor<64x49xf32>):
    %e = tensor.empty() : tensor<64x49xf32>
    %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
        ins(%in : tensor<64x49xf32>) outs(%e : tensor<64x49xf32>) {
    ^bb0(%v: f32, %out: f32):
      linalg.yield %v : f32
    } -> tensor<64x49xf32>
    autoglm.yield %r : tensor<64x49xf32>
  }
  %ps = autoglm.fused "contraction" (%s, %w) : (tensor<64x49xf32>, tensor<64x64xf32>) -> tensor<64x49xf32> {
  ^bb0(%in: tensor<64x49xf32>, %wt: tensor<64x64xf32>):
    %e = tensor.empty() : tensor<64x49xf32>
    %m = linalg.matmul ins(%wt, %in : tensor<64x64xf32>, tensor<64x49xf32>) outs(%e : tensor<64x49xf32>) -> tensor<64x49xf32>
    autoglm.yield %m : tensor<64x49xf32>
  }
  // Read as B and by a stride-2 copy.
  %t = autoglm.fused "elementwise" (%x) : (tensor<64x196xf32>) -> tensor<64x196xf32> {
  ^bb0(%in: tensor<64x196xf32>):
    %e = tensor.empty() : tensor<64x196xf32>
    %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
        ins(%in : tensor<64x196xf32>) outs(%e : tensor<64x196xf32>) {
    ^bb0(%v: f32, %out: f32):
      linalg.yield %v : f32
    } -> tensor<64x196xf32>
    autoglm.yield %r : tensor<64x196xf32>
  }
  %pt = autoglm.fused "contraction" (%t, %w) : (tensor<64x196xf32>, tensor<64x64xf32>) -> tensor<64x196xf32> {
  ^bb0(%in: tensor<64x196xf32>, %wt: tensor<64x64xf32>):
    %e = tensor.empty() : tensor<64x196xf32>
    %m = linalg.matmul ins(%wt, %in : tensor<64x64xf32>, tensor<64x196xf32>) outs(%e : tensor<64x196xf32>) -> tensor<64x196xf32>
    autoglm.yield %m : tensor<64x196xf32>
  }
  %half = autoglm.fused "elementwise" (%t) : (tensor<64x196xf32>) -> tensor<64x98xf32> {
  ^bb0(%in: tensor<64x196xf32>):
    %e = tensor.empty() : tensor<64x98xf32>
    %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1 * 2)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
        ins(%in : tensor<64x196xf32>) outs(%e : tensor<64x98xf32>) {
    ^bb0(%v: f32, %out: f32):
      linalg.yield %v : f32
    } -> tensor<64x98xf32>
    autoglm.yield %r : tensor<64x98xf32>
  }
  return %pa, %ret, %pl, %ps, %half : tensor<64x196xf32>, tensor<64x196xf32>, tensor<64x784xf32>, tensor<64x49xf32>, tensor<64x98xf32>
}
