// RUN: autoglm-opt %s --split-input-file --autoglm-cuda-merge-kernel-regions | FileCheck %s

// A bias add, the cast to f16 and a head-splitting transpose (through a
// reshape): one region, the consumer's kind; the reshape moves to the
// region's inputs, so the ops in between are of one shape, and the add and
// the cast become one op.
// CHECK-LABEL: func.func @chain
// CHECK:         %[[R:.*]] = autoglm.fused "transpose"(%arg0, %arg1) : (tensor<8x6xf32>, tensor<6xf32>) -> tensor<2x8x3xf16> {
// CHECK:           tensor.expand_shape %{{.*}} {{\[}}[0], [1, 2]] output_shape [8, 2, 3] : tensor<8x6xf32> into tensor<8x2x3xf32>
// CHECK:           linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<8x2x3xf32>, tensor<2x3xf32>) outs(%{{.*}} : tensor<8x2x3xf16>)
// CHECK:             arith.addf
// CHECK-NEXT:        arith.truncf
// CHECK:           linalg.transpose
// CHECK:         return %[[R]]
// CHECK-NOT:     autoglm.fused
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d1)>
#red = affine_map<(d0, d1) -> (d0)>
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @chain(%x: tensor<8x6xf32>, %b: tensor<6xf32>) -> tensor<2x8x3xf16> {
  %a = autoglm.fused "contraction"(%x, %b) : (tensor<8x6xf32>, tensor<6xf32>) -> tensor<8x6xf32> {
  ^bb0(%in: tensor<8x6xf32>, %bias: tensor<6xf32>):
    %e = tensor.empty() : tensor<8x6xf32>
    %r = linalg.generic {indexing_maps = [#id2, #row, #id2], iterator_types = ["parallel", "parallel"]} ins(%in, %bias : tensor<8x6xf32>, tensor<6xf32>) outs(%e : tensor<8x6xf32>) {
    ^bb0(%u: f32, %v: f32, %o: f32):
      %s = arith.addf %u, %v : f32
      linalg.yield %s : f32
    } -> tensor<8x6xf32>
    autoglm.yield %r : tensor<8x6xf32>
  }
  %c = autoglm.fused "cast"(%a) : (tensor<8x6xf32>) -> tensor<8x6xf16> {
  ^bb0(%in: tensor<8x6xf32>):
    %e = tensor.empty() : tensor<8x6xf16>
    %r = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%in : tensor<8x6xf32>) outs(%e : tensor<8x6xf16>) {
    ^bb0(%u: f32, %o: f16):
      %s = arith.truncf %u : f32 to f16
      linalg.yield %s : f16
    } -> tensor<8x6xf16>
    autoglm.yield %r : tensor<8x6xf16>
  }
  %x3 = tensor.expand_shape %c [[0], [1, 2]] output_shape [8, 2, 3] : tensor<8x6xf16> into tensor<8x2x3xf16>
  %t = autoglm.fused "transpose"(%x3) : (tensor<8x2x3xf16>) -> tensor<2x8x3xf16> {
  ^bb0(%in: tensor<8x2x3xf16>):
    %e = tensor.empty() : tensor<2x8x3xf16>
    %r = linalg.transpose ins(%in : tensor<8x2x3xf16>) outs(%e : tensor<2x8x3xf16>) permutation = [1, 0, 2]
    autoglm.yield %r : tensor<2x8x3xf16>
  }
  return %t : tensor<2x8x3xf16>
}

// -----

// A reducing region followed by a transpose, and an elementwise region
// whose result has two users: nothing merges.
// CHECK-LABEL: func.func @not_merged
// CHECK:         %[[A:.*]] = autoglm.fused "elementwise"(%arg0)
// CHECK:         %[[N:.*]] = autoglm.fused "softmax"(%[[A]])
// CHECK:         autoglm.fused "transpose"(%[[N]])
// CHECK:         %[[E:.*]] = autoglm.fused "elementwise"
// CHECK:         autoglm.fused "cast"(%[[E]])
// CHECK:         return
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#red = affine_map<(d0, d1) -> (d0)>
func.func @not_merged(%x: tensor<4x64xf32>) -> (tensor<64x4xf32>, tensor<4x64xf16>, tensor<4x64xf32>) {
  // An elementwise producer of a reducing region (a residual before a
  // LayerNorm) stays a region of its own too.
  %add = autoglm.fused "elementwise"(%x) : (tensor<4x64xf32>) -> tensor<4x64xf32> {
  ^bb0(%in: tensor<4x64xf32>):
    %e = tensor.empty() : tensor<4x64xf32>
    %r = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%in : tensor<4x64xf32>) outs(%e : tensor<4x64xf32>) {
    ^bb0(%u: f32, %o: f32):
      %a = arith.addf %u, %u : f32
      linalg.yield %a : f32
    } -> tensor<4x64xf32>
    autoglm.yield %r : tensor<4x64xf32>
  }
  %n = autoglm.fused "softmax"(%add) : (tensor<4x64xf32>) -> tensor<4x64xf32> {
  ^bb0(%in: tensor<4x64xf32>):
    %zero = arith.constant 0.0 : f32
    %e1 = tensor.empty() : tensor<4xf32>
    %z = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4xf32>) -> tensor<4xf32>
    %s = linalg.generic {indexing_maps = [#id2, #red], iterator_types = ["parallel", "reduction"]} ins(%in : tensor<4x64xf32>) outs(%z : tensor<4xf32>) {
    ^bb0(%u: f32, %o: f32):
      %a = arith.addf %u, %o : f32
      linalg.yield %a : f32
    } -> tensor<4xf32>
    %e2 = tensor.empty() : tensor<4x64xf32>
    %r = linalg.generic {indexing_maps = [#id2, #red, #id2], iterator_types = ["parallel", "parallel"]} ins(%in, %s : tensor<4x64xf32>, tensor<4xf32>) outs(%e2 : tensor<4x64xf32>) {
    ^bb0(%u: f32, %t: f32, %o: f32):
      %d = arith.divf %u, %t : f32
      linalg.yield %d : f32
    } -> tensor<4x64xf32>
    autoglm.yield %r : tensor<4x64xf32>
  }
  %t = autoglm.fused "transpose"(%n) : (tensor<4x64xf32>) -> tensor<64x4xf32> {
  ^bb0(%in: tensor<4x64xf32>):
    %e = tensor.empty() : tensor<64x4xf32>
    %r = linalg.transpose ins(%in : tensor<4x64xf32>) outs(%e : tensor<64x4xf32>) permutation = [1, 0]
    autoglm.yield %r : tensor<64x4xf32>
  }
  %m = autoglm.fused "elementwise"(%x) : (tensor<4x64xf32>) -> tensor<4x64xf32> {
  ^bb0(%in: tensor<4x64xf32>):
    %e = tensor.empty() : tensor<4x64xf32>
    %r = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%in : tensor<4x64xf32>) outs(%e : tensor<4x64xf32>) {
    ^bb0(%u: f32, %o: f32):
      %a = math.exp %u : f32
      linalg.yield %a : f32
    } -> tensor<4x64xf32>
    autoglm.yield %r : tensor<4x64xf32>
  }
  %c = autoglm.fused "cast"(%m) : (tensor<4x64xf32>) -> tensor<4x64xf16> {
  ^bb0(%in: tensor<4x64xf32>):
    %e = tensor.empty() : tensor<4x64xf16>
    %r = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%in : tensor<4x64xf32>) outs(%e : tensor<4x64xf16>) {
    ^bb0(%u: f32, %o: f16):
      %v = arith.truncf %u : f32 to f16
      linalg.yield %v : f16
    } -> tensor<4x64xf16>
    autoglm.yield %r : tensor<4x64xf16>
  }
  return %t, %c, %m : tensor<64x4xf32>, tensor<4x64xf16>, tensor<4x64xf32>
}

// -----

// A gather that reads each element of its input several times (im2col's
// patches overlap): merged, the bias add would be recomputed for every
// read; it stays a region of its own.
// CHECK-LABEL: func.func @gather_consumer
// CHECK:         %[[B:.*]] = autoglm.fused "elementwise"(%arg0)
// CHECK:         autoglm.fused "contraction"(%[[B]])
#id1 = affine_map<(d0) -> (d0)>
#patch = affine_map<(d0, d1) -> (d0 + d1)>
#out2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @gather_consumer(%x: tensor<10xf32>) -> tensor<8x3xf32> {
  %b = autoglm.fused "elementwise"(%x) : (tensor<10xf32>) -> tensor<10xf32> {
  ^bb0(%in: tensor<10xf32>):
    %e = tensor.empty() : tensor<10xf32>
    %r = linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]} ins(%in : tensor<10xf32>) outs(%e : tensor<10xf32>) {
    ^bb0(%u: f32, %o: f32):
      %a = arith.addf %u, %u : f32
      linalg.yield %a : f32
    } -> tensor<10xf32>
    autoglm.yield %r : tensor<10xf32>
  }
  %p = autoglm.fused "contraction"(%b) : (tensor<10xf32>) -> tensor<8x3xf32> {
  ^bb0(%in: tensor<10xf32>):
    %e = tensor.empty() : tensor<8x3xf32>
    %r = linalg.generic {indexing_maps = [#patch, #out2], iterator_types = ["parallel", "parallel"]} ins(%in : tensor<10xf32>) outs(%e : tensor<8x3xf32>) {
    ^bb0(%u: f32, %o: f32):
      linalg.yield %u : f32
    } -> tensor<8x3xf32>
    autoglm.yield %r : tensor<8x3xf32>
  }
  return %p : tensor<8x3xf32>
}

// -----

// A softmax whose result only the cast to f16 reads (with the identity
// map): the cast joins the softmax's region and its last op, so that the
// row is written in f16 as it is normalized.
// CHECK-LABEL: func.func @reduction_then_cast
// CHECK:         %[[R:.*]] = autoglm.fused "cast"(%arg0) : (tensor<4x64xf32>) -> tensor<4x64xf16> {
// CHECK:           linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK:           linalg.generic {{.*}} outs(%{{.*}} : tensor<4x64xf16>)
// CHECK:             arith.divf
// CHECK-NEXT:        arith.truncf
// CHECK-NOT:       linalg.generic
// CHECK:         return %[[R]]
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#red = affine_map<(d0, d1) -> (d0)>
func.func @reduction_then_cast(%x: tensor<4x64xf32>) -> tensor<4x64xf16> {
  %n = autoglm.fused "softmax"(%x) : (tensor<4x64xf32>) -> tensor<4x64xf32> {
  ^bb0(%in: tensor<4x64xf32>):
    %zero = arith.constant 0.0 : f32
    %e1 = tensor.empty() : tensor<4xf32>
    %z = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4xf32>) -> tensor<4xf32>
    %s = linalg.generic {indexing_maps = [#id2, #red], iterator_types = ["parallel", "reduction"]} ins(%in : tensor<4x64xf32>) outs(%z : tensor<4xf32>) {
    ^bb0(%u: f32, %o: f32):
      %a = arith.addf %u, %o : f32
      linalg.yield %a : f32
    } -> tensor<4xf32>
    %e2 = tensor.empty() : tensor<4x64xf32>
    %r = linalg.generic {indexing_maps = [#id2, #red, #id2], iterator_types = ["parallel", "parallel"]} ins(%in, %s : tensor<4x64xf32>, tensor<4xf32>) outs(%e2 : tensor<4x64xf32>) {
    ^bb0(%u: f32, %t: f32, %o: f32):
      %d = arith.divf %u, %t : f32
      linalg.yield %d : f32
    } -> tensor<4x64xf32>
    autoglm.yield %r : tensor<4x64xf32>
  }
  %c = autoglm.fused "cast"(%n) : (tensor<4x64xf32>) -> tensor<4x64xf16> {
  ^bb0(%in: tensor<4x64xf32>):
    %e = tensor.empty() : tensor<4x64xf16>
    %r = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%in : tensor<4x64xf32>) outs(%e : tensor<4x64xf16>) {
    ^bb0(%u: f32, %o: f16):
      %v = arith.truncf %u : f32 to f16
      linalg.yield %v : f16
    } -> tensor<4x64xf16>
    autoglm.yield %r : tensor<4x64xf16>
  }
  return %c : tensor<4x64xf16>
}
