// RUN: autoglm-opt %s --autoglm-pad-aliased-rows | FileCheck %s

// BERT-base's feed-forward activation: 128 rows of 3072 floats (12 KiB, a
// multiple of 4 KiB), read only as A of the next product past reshapes.
// The region writes it into the first 3072 columns of a tensor 16 floats
// wider, so that its rows lie 12352 bytes apart after bufferization; the
// reader and the result's type are unchanged.
// CHECK-LABEL: func.func @padded(
// CHECK:         autoglm.fused "contraction"
// CHECK:           %[[WIDE:.+]] = bufferization.alloc_tensor() : tensor<128x3088xf32>
// CHECK-NEXT:      %[[VIEW:.+]] = tensor.extract_slice %[[WIDE]][0, 0] [128, 3072] [1, 1] : tensor<128x3088xf32> to tensor<128x3072xf32>
// CHECK-NEXT:      linalg.fill ins(%{{.+}} : f32) outs(%[[VIEW]] : tensor<128x3072xf32>)
// CHECK:           autoglm.yield %{{.+}} : tensor<1x128x3072xf32>
// CHECK:         autoglm.fused "contraction"
// CHECK-NOT:       alloc_tensor
// CHECK:         return
func.func @padded(%a: tensor<128x768xf32>, %w1: tensor<768x3072xf32>, %w2: tensor<3072x768xf32>) -> tensor<128x768xf32> {
  %h = autoglm.fused "contraction" (%a, %w1) : (tensor<128x768xf32>, tensor<768x3072xf32>) -> tensor<1x128x3072xf32> {
  ^bb0(%x: tensor<128x768xf32>, %b: tensor<768x3072xf32>):
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<128x3072xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<128x3072xf32>) -> tensor<128x3072xf32>
    %m = linalg.matmul ins(%x, %b : tensor<128x768xf32>, tensor<768x3072xf32>) outs(%f : tensor<128x3072xf32>) -> tensor<128x3072xf32>
    %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
        outs(%m : tensor<128x3072xf32>) {
    ^bb0(%out: f32):
      %s = arith.maximumf %out, %zero : f32
      linalg.yield %s : f32
    } -> tensor<128x3072xf32>
    %x3 = tensor.expand_shape %r [[0, 1], [2]] output_shape [1, 128, 3072] : tensor<128x3072xf32> into tensor<1x128x3072xf32>
    autoglm.yield %x3 : tensor<1x128x3072xf32>
  }
  %y = autoglm.fused "contraction" (%h, %w2) : (tensor<1x128x3072xf32>, tensor<3072x768xf32>) -> tensor<128x768xf32> {
  ^bb0(%x: tensor<1x128x3072xf32>, %b: tensor<3072x768xf32>):
    %zero = arith.constant 0.0 : f32
    %x2 = tensor.collapse_shape %x [[0, 1], [2]] : tensor<1x128x3072xf32> into tensor<128x3072xf32>
    %e = tensor.empty() : tensor<128x768xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<128x768xf32>) -> tensor<128x768xf32>
    %m = linalg.matmul ins(%x2, %b : tensor<128x3072xf32>, tensor<3072x768xf32>) outs(%f : tensor<128x768xf32>) -> tensor<128x768xf32>
    autoglm.yield %m : tensor<128x768xf32>
  }
  return %y : tensor<128x768xf32>
}

// The same activation read as B of a product (its rows are what a
// register tile reads along, not across): unchanged.
// CHECK-LABEL: func.func @read_as_rhs(
// CHECK-NOT:     alloc_tensor
// CHECK:         return
func.func @read_as_rhs(%a: tensor<128x768xf32>, %w1: tensor<768x1024xf32>, %l: tensor<16x128xf32>) -> tensor<16x1024xf32> {
  %h = autoglm.fused "contraction" (%a, %w1) : (tensor<128x768xf32>, tensor<768x1024xf32>) -> tensor<128x1024xf32> {
  ^bb0(%x: tensor<128x768xf32>, %b: tensor<768x1024xf32>):
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<128x1024xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<128x1024xf32>) -> tensor<128x1024xf32>
    %m = linalg.matmul ins(%x, %b : tensor<128x768xf32>, tensor<768x1024xf32>) outs(%f : tensor<128x1024xf32>) -> tensor<128x1024xf32>
    autoglm.yield %m : tensor<128x1024xf32>
  }
  %y = autoglm.fused "contraction" (%l, %h) : (tensor<16x128xf32>, tensor<128x1024xf32>) -> tensor<16x1024xf32> {
  ^bb0(%x: tensor<16x128xf32>, %b: tensor<128x1024xf32>):
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<16x1024xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<16x1024xf32>) -> tensor<16x1024xf32>
    %m = linalg.matmul ins(%x, %b : tensor<16x128xf32>, tensor<128x1024xf32>) outs(%f : tensor<16x1024xf32>) -> tensor<16x1024xf32>
    autoglm.yield %m : tensor<16x1024xf32>
  }
  return %y : tensor<16x1024xf32>
}

// Read as A but also returned (the caller's buffer is dense): unchanged.
// CHECK-LABEL: func.func @returned(
// CHECK-NOT:     alloc_tensor
// CHECK:         return
func.func @returned(%a: tensor<128x768xf32>, %w1: tensor<768x1024xf32>, %w2: tensor<1024x64xf32>) -> (tensor<128x1024xf32>, tensor<128x64xf32>) {
  %h = autoglm.fused "contraction" (%a, %w1) : (tensor<128x768xf32>, tensor<768x1024xf32>) -> tensor<128x1024xf32> {
  ^bb0(%x: tensor<128x768xf32>, %b: tensor<768x1024xf32>):
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<128x1024xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<128x1024xf32>) -> tensor<128x1024xf32>
    %m = linalg.matmul ins(%x, %b : tensor<128x768xf32>, tensor<768x1024xf32>) outs(%f : tensor<128x1024xf32>) -> tensor<128x1024xf32>
    autoglm.yield %m : tensor<128x1024xf32>
  }
  %y = autoglm.fused "contraction" (%h, %w2) : (tensor<128x1024xf32>, tensor<1024x64xf32>) -> tensor<128x64xf32> {
  ^bb0(%x: tensor<128x1024xf32>, %b: tensor<1024x64xf32>):
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<128x64xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<128x64xf32>) -> tensor<128x64xf32>
    %m = linalg.matmul ins(%x, %b : tensor<128x1024xf32>, tensor<1024x64xf32>) outs(%f : tensor<128x64xf32>) -> tensor<128x64xf32>
    autoglm.yield %m : tensor<128x64xf32>
  }
  return %h, %y : tensor<128x1024xf32>, tensor<128x64xf32>
}

// Rows of 1000 floats (4000 bytes): consecutive rows fall into different
// sets; unchanged.
// CHECK-LABEL: func.func @not_aliased(
// CHECK-NOT:     alloc_tensor
// CHECK:         return
func.func @not_aliased(%a: tensor<128x768xf32>, %w1: tensor<768x1000xf32>, %w2: tensor<1000x64xf32>) -> tensor<128x64xf32> {
  %h = autoglm.fused "contraction" (%a, %w1) : (tensor<128x768xf32>, tensor<768x1000xf32>) -> tensor<128x1000xf32> {
  ^bb0(%x: tensor<128x768xf32>, %b: tensor<768x1000xf32>):
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<128x1000xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<128x1000xf32>) -> tensor<128x1000xf32>
    %m = linalg.matmul ins(%x, %b : tensor<128x768xf32>, tensor<768x1000xf32>) outs(%f : tensor<128x1000xf32>) -> tensor<128x1000xf32>
    autoglm.yield %m : tensor<128x1000xf32>
  }
  %y = autoglm.fused "contraction" (%h, %w2) : (tensor<128x1000xf32>, tensor<1000x64xf32>) -> tensor<128x64xf32> {
  ^bb0(%x: tensor<128x1000xf32>, %b: tensor<1000x64xf32>):
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<128x64xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<128x64xf32>) -> tensor<128x64xf32>
    %m = linalg.matmul ins(%x, %b : tensor<128x1000xf32>, tensor<1000x64xf32>) outs(%f : tensor<128x64xf32>) -> tensor<128x64xf32>
    autoglm.yield %m : tensor<128x64xf32>
  }
  return %y : tensor<128x64xf32>
}

// Rows of no elements (a causal convolution's state at kernel size 1):
// nothing to pad, and no division by the row length.
// CHECK-LABEL: func.func @empty_rows(
// CHECK-NOT:     alloc_tensor
// CHECK:         return
func.func @empty_rows(%a: tensor<8x4xf32>, %w: tensor<4x0xf32>) -> tensor<8x0xf32> {
  %h = autoglm.fused "contraction" (%a, %w) : (tensor<8x4xf32>, tensor<4x0xf32>) -> tensor<8x0xf32> {
  ^bb0(%x: tensor<8x4xf32>, %b: tensor<4x0xf32>):
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<8x0xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<8x0xf32>) -> tensor<8x0xf32>
    %m = linalg.matmul ins(%x, %b : tensor<8x4xf32>, tensor<4x0xf32>) outs(%f : tensor<8x0xf32>) -> tensor<8x0xf32>
    autoglm.yield %m : tensor<8x0xf32>
  }
  return %h : tensor<8x0xf32>
}
