// RUN: autoglm-opt %s --split-input-file --autoglm-cuda-fuse-pooling-inputs --mlir-print-local-scope | FileCheck %s

// ResNet's stem after --autoglm-cuda-channels-last: a bias + ReLU region
// (NHWC in and out, transposes inside), then a max pooling of its result
// padded with -inf. The pooling region takes the bias + ReLU in and pools
// the convolution's result: each tap is computed at its clamped coordinate
// from the convolution's result and the bias, and is -inf outside the
// image. No padded tensor, no ReLU result.
// CHECK-LABEL: func.func @stem
// CHECK-SAME:      %[[CONV:[^:]+]]: tensor<2x6x6x8xf16>
// CHECK-NOT:     autoglm.fused "elementwise"
// CHECK:         %[[POOL:.*]] = autoglm.fused "pool"(%[[CONV]], %{{.*}}) : (tensor<2x6x6x8xf16>, tensor<8xf32>) -> tensor<2x3x3x8xf16>
// CHECK-NEXT:    ^bb0(%[[X:.*]]: tensor<2x6x6x8xf16>, %[[B:.*]]: tensor<8xf32>):
// CHECK-NOT:       tensor.pad
// CHECK-NOT:       linalg.pooling_nhwc_max
// CHECK:           %[[NINF:.*]] = arith.constant 0xFC00 : f16
// CHECK:           %[[WINDOW:.*]] = tensor.empty() : tensor<3x3xf16>
// CHECK:           %[[INIT:.*]] = linalg.fill ins(%[[NINF]] : f16)
// CHECK:           linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5) -> (d4, d5)>, affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%[[WINDOW]] : tensor<3x3xf16>) outs(%[[INIT]] : tensor<2x3x3x8xf16>)
// CHECK:             %[[N:.*]] = linalg.index 0
// CHECK:             %[[OH:.*]] = linalg.index 1
// CHECK:             %[[OW:.*]] = linalg.index 2
// CHECK:             %[[C:.*]] = linalg.index 3
// CHECK:             %[[KH:.*]] = linalg.index 4
// CHECK:             %[[KW:.*]] = linalg.index 5
// CHECK:             %[[H:.*]] = affine.apply affine_map<(d0, d1, d2, d3, d4, d5) -> (d1 * 2 + d4)>(%[[N]], %[[OH]], %[[OW]], %[[C]], %[[KH]], %[[KW]])
// CHECK:             %[[W:.*]] = affine.apply affine_map<(d0, d1, d2, d3, d4, d5) -> (d2 * 2 + d5)>(%[[N]], %[[OH]], %[[OW]], %[[C]], %[[KH]], %[[KW]])
// CHECK:             %[[HS:.*]] = arith.subi %[[H]], %{{.*}} : index
// CHECK:             %[[HIN:.*]] = arith.cmpi ult, %[[HS]], %{{.*}} : index
// CHECK:             %[[HC:.*]] = arith.select %[[HIN]], %[[HS]], %{{.*}} : index
// CHECK:             %[[WS:.*]] = arith.subi %[[W]], %{{.*}} : index
// CHECK:             %[[WIN:.*]] = arith.cmpi ult, %[[WS]], %{{.*}} : index
// CHECK:             %[[WC:.*]] = arith.select %[[WIN]], %[[WS]], %{{.*}} : index
// CHECK:             %[[INSIDE:.*]] = arith.andi %[[HIN]], %[[WIN]] : i1
// CHECK-DAG:         %[[XV:.*]] = tensor.extract %[[X]][%[[N]], %[[HC]], %[[WC]], %[[C]]] : tensor<2x6x6x8xf16>
// CHECK-DAG:         %[[BV:.*]] = tensor.extract %[[B]][%[[C]]] : tensor<8xf32>
// CHECK:             arith.extf
// CHECK:             arith.addf
// CHECK:             arith.truncf
// CHECK:             %[[RELU:.*]] = arith.maximumf
// CHECK:             %[[TAP:.*]] = arith.select %[[INSIDE]], %[[RELU]], %[[NINF]] : f16
// CHECK:             %[[MAX:.*]] = arith.maximumf %{{.*}}, %[[TAP]] : f16
// CHECK:             linalg.yield %[[MAX]] : f16
// CHECK:         return %[[POOL]]
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#channel = affine_map<(d0, d1, d2, d3) -> (d1)>
func.func @stem(%conv: tensor<2x6x6x8xf16>, %bias: tensor<8xf32>) -> tensor<2x3x3x8xf16> {
  %relu = autoglm.fused "elementwise"(%conv, %bias) : (tensor<2x6x6x8xf16>, tensor<8xf32>) -> tensor<2x6x6x8xf16> {
  ^bb0(%x: tensor<2x6x6x8xf16>, %b: tensor<8xf32>):
    %e0 = tensor.empty() : tensor<2x8x6x6xf16>
    %nchw = linalg.transpose ins(%x : tensor<2x6x6x8xf16>) outs(%e0 : tensor<2x8x6x6xf16>) permutation = [0, 3, 1, 2]
    %zero = arith.constant 0.0 : f16
    %e1 = tensor.empty() : tensor<2x8x6x6xf16>
    %g = linalg.generic {indexing_maps = [#id, #channel, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%nchw, %b : tensor<2x8x6x6xf16>, tensor<8xf32>) outs(%e1 : tensor<2x8x6x6xf16>) {
    ^bb0(%in: f16, %bi: f32, %out: f16):
      %w = arith.extf %in : f16 to f32
      %s = arith.addf %w, %bi : f32
      %t = arith.truncf %s : f32 to f16
      %m = arith.maximumf %t, %zero : f16
      linalg.yield %m : f16
    } -> tensor<2x8x6x6xf16>
    %e2 = tensor.empty() : tensor<2x6x6x8xf16>
    %nhwc = linalg.transpose ins(%g : tensor<2x8x6x6xf16>) outs(%e2 : tensor<2x6x6x8xf16>) permutation = [0, 2, 3, 1]
    autoglm.yield %nhwc : tensor<2x6x6x8xf16>
  }
  %pool = autoglm.fused "pool"(%relu) : (tensor<2x6x6x8xf16>) -> tensor<2x3x3x8xf16> {
  ^bb0(%r: tensor<2x6x6x8xf16>):
    %ninf = arith.constant 0xFC00 : f16
    %padded = tensor.pad %r low[0, 1, 1, 0] high[0, 1, 1, 0] {
    ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
      tensor.yield %ninf : f16
    } : tensor<2x6x6x8xf16> to tensor<2x8x8x8xf16>
    %window = tensor.empty() : tensor<3x3xf16>
    %e = tensor.empty() : tensor<2x3x3x8xf16>
    %init = linalg.fill ins(%ninf : f16) outs(%e : tensor<2x3x3x8xf16>) -> tensor<2x3x3x8xf16>
    %m = linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%padded, %window : tensor<2x8x8x8xf16>, tensor<3x3xf16>) outs(%init : tensor<2x3x3x8xf16>) -> tensor<2x3x3x8xf16>
    autoglm.yield %m : tensor<2x3x3x8xf16>
  }
  return %pool : tensor<2x3x3x8xf16>
}

// -----

// ResNet's tail: the last residual add + ReLU (NHWC inputs, transposed to
// NCHW inside) and the global average pooling, which sums each channel's
// 3x3 pixels through an expand_shape. The pooling takes the residual in
// and reads both NHWC tensors at [n, h, w, c]; the 3x3 reduction that only
// the expanded input indexed is sized by an empty tensor.
// CHECK-LABEL: func.func @global_average
// CHECK-SAME:      %[[A:[^:]+]]: tensor<2x3x3x4xf16>, %[[R:[^:]+]]: tensor<2x3x3x4xf16>
// CHECK-NOT:     autoglm.fused "contraction"
// CHECK:         autoglm.fused "cast"(%[[A]], %[[R]]) : (tensor<2x3x3x4xf16>, tensor<2x3x3x4xf16>) -> tensor<2x4x1x1xf16>
// CHECK-NEXT:    ^bb0(%[[X:.*]]: tensor<2x3x3x4xf16>, %[[Y:.*]]: tensor<2x3x3x4xf16>):
// CHECK-NOT:       linalg.transpose
// CHECK-NOT:       tensor.expand_shape
// CHECK:           %[[TAPS:.*]] = tensor.empty() : tensor<3x3xf32>
// CHECK:           %[[SUM:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5) -> (d4, d5)>, affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%[[TAPS]] : tensor<3x3xf32>)
// CHECK:             %[[N:.*]] = linalg.index 0
// CHECK:             %[[C:.*]] = linalg.index 1
// CHECK:             %[[KH:.*]] = linalg.index 4
// CHECK:             %[[KW:.*]] = linalg.index 5
// CHECK-DAG:         tensor.extract %[[X]][%[[N]], %[[KH]], %[[KW]], %[[C]]] : tensor<2x3x3x4xf16>
// CHECK-DAG:         tensor.extract %[[Y]][%[[N]], %[[KH]], %[[KW]], %[[C]]] : tensor<2x3x3x4xf16>
// CHECK:             arith.maximumf
// CHECK:             arith.addf %{{.*}}, %{{.*}} : f32
// CHECK:             linalg.yield
// CHECK:           linalg.generic {{.*}} ins(%[[SUM]] : tensor<2x4x1x1xf32>)
// CHECK:             arith.divf
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#all6 = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d4, d5)>
#sum6 = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>
func.func @global_average(%a: tensor<2x3x3x4xf16>, %res: tensor<2x3x3x4xf16>) -> tensor<2x4x1x1xf16> {
  %s = autoglm.fused "contraction"(%a, %res) : (tensor<2x3x3x4xf16>, tensor<2x3x3x4xf16>) -> tensor<2x4x3x3xf32> {
  ^bb0(%x: tensor<2x3x3x4xf16>, %y: tensor<2x3x3x4xf16>):
    %e0 = tensor.empty() : tensor<2x4x3x3xf16>
    %tx = linalg.transpose ins(%x : tensor<2x3x3x4xf16>) outs(%e0 : tensor<2x4x3x3xf16>) permutation = [0, 3, 1, 2]
    %e1 = tensor.empty() : tensor<2x4x3x3xf16>
    %ty = linalg.transpose ins(%y : tensor<2x3x3x4xf16>) outs(%e1 : tensor<2x4x3x3xf16>) permutation = [0, 3, 1, 2]
    %zero = arith.constant 0.0 : f32
    %e2 = tensor.empty() : tensor<2x4x3x3xf32>
    %wide = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%tx : tensor<2x4x3x3xf16>) outs(%e2 : tensor<2x4x3x3xf32>) {
    ^bb0(%in: f16, %out: f32):
      %w = arith.extf %in : f16 to f32
      linalg.yield %w : f32
    } -> tensor<2x4x3x3xf32>
    %sum = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%ty : tensor<2x4x3x3xf16>) outs(%wide : tensor<2x4x3x3xf32>) {
    ^bb0(%in: f16, %out: f32):
      %w = arith.extf %in : f16 to f32
      %t = arith.addf %out, %w : f32
      %m = arith.maximumf %t, %zero : f32
      linalg.yield %m : f32
    } -> tensor<2x4x3x3xf32>
    autoglm.yield %sum : tensor<2x4x3x3xf32>
  }
  %p = autoglm.fused "cast"(%s) : (tensor<2x4x3x3xf32>) -> tensor<2x4x1x1xf16> {
  ^bb0(%x: tensor<2x4x3x3xf32>):
    %nine = arith.constant 9.0 : f32
    %zero = arith.constant 0.0 : f32
    %e0 = tensor.empty() : tensor<2x4x1x1xf32>
    %init = linalg.fill ins(%zero : f32) outs(%e0 : tensor<2x4x1x1xf32>) -> tensor<2x4x1x1xf32>
    %expanded = tensor.expand_shape %x [[0], [1, 2, 3], [4], [5]] output_shape [2, 4, 1, 1, 3, 3] : tensor<2x4x3x3xf32> into tensor<2x4x1x1x3x3xf32>
    %sum = linalg.generic {indexing_maps = [#all6, #sum6], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%expanded : tensor<2x4x1x1x3x3xf32>) outs(%init : tensor<2x4x1x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %t = arith.addf %out, %in : f32
      linalg.yield %t : f32
    } -> tensor<2x4x1x1xf32>
    %e1 = tensor.empty() : tensor<2x4x1x1xf16>
    %avg = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%sum : tensor<2x4x1x1xf32>) outs(%e1 : tensor<2x4x1x1xf16>) {
    ^bb0(%in: f32, %out: f16):
      %d = arith.divf %in, %nine : f32
      %t = arith.truncf %d : f32 to f16
      linalg.yield %t : f16
    } -> tensor<2x4x1x1xf16>
    autoglm.yield %avg : tensor<2x4x1x1xf16>
  }
  return %p : tensor<2x4x1x1xf16>
}

// -----

// The ReLU's result is also returned: its region stays, and the pooling
// reads it, computing only its padding (a zero padding of an average
// pooling, as the lowering makes it, collapsed to 3-D by a reshape).
// CHECK-LABEL: func.func @shared_producer
// CHECK:         %[[RELU:.*]] = autoglm.fused "elementwise"
// CHECK:         %[[POOL:.*]] = autoglm.fused "pool"(%[[RELU]]) : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
// CHECK-NEXT:    ^bb0(%[[R:.*]]: tensor<1x2x4x4xf32>):
// CHECK-NOT:       tensor.pad
// CHECK:           linalg.generic
// CHECK:             %[[IN:.*]] = arith.andi
// CHECK:             %[[V:.*]] = tensor.extract %[[R]][
// CHECK:             %[[TAP:.*]] = arith.select %[[IN]], %[[V]], %{{.*}} : f32
// CHECK:             arith.addf %{{.*}}, %[[TAP]] : f32
// CHECK:         return %[[POOL]], %[[RELU]]
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @shared_producer(%x: tensor<1x2x4x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %relu = autoglm.fused "elementwise"(%x) : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  ^bb0(%a: tensor<1x2x4x4xf32>):
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<1x2x4x4xf32>
    %g = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%a : tensor<1x2x4x4xf32>) outs(%e : tensor<1x2x4x4xf32>) {
    ^bb0(%in: f32, %out: f32):
      %m = arith.maximumf %in, %zero : f32
      linalg.yield %m : f32
    } -> tensor<1x2x4x4xf32>
    autoglm.yield %g : tensor<1x2x4x4xf32>
  }
  %pool = autoglm.fused "pool"(%relu) : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  ^bb0(%r: tensor<1x2x4x4xf32>):
    %zero = arith.constant 0.0 : f32
    %padded = tensor.pad %r low[0, 0, 1, 1] high[0, 0, 1, 1] {
    ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
      tensor.yield %zero : f32
    } : tensor<1x2x4x4xf32> to tensor<1x2x6x6xf32>
    %window = tensor.empty() : tensor<3x3xf32>
    %e = tensor.empty() : tensor<1x2x4x4xf32>
    %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
    %s = linalg.pooling_nchw_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%padded, %window : tensor<1x2x6x6xf32>, tensor<3x3xf32>) outs(%init : tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
    autoglm.yield %s : tensor<1x2x4x4xf32>
  }
  return %pool, %relu : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}

// -----

// A reshape between the padding and the pooling: the tap's index in the
// collapsed tensor is spread back over the padded dimensions (1-D pooling
// of a [N, C*H] view of a [N, C, H] padding).
// CHECK-LABEL: func.func @collapsed
// CHECK:         autoglm.fused "pool"
// CHECK-NEXT:    ^bb0(%[[X:.*]]: tensor<2x3x4xf32>):
// CHECK-NOT:     tensor.pad
// CHECK-NOT:     tensor.collapse_shape
// CHECK:         linalg.generic
// CHECK:           %[[N:.*]] = linalg.index 0
// CHECK:           %[[I:.*]] = affine.apply affine_map<(d0, d1, d2) -> (d1 * 2 + d2)>(
// CHECK:           %[[C:.*]] = affine.apply affine_map<(d0, d1) -> (d1 floordiv 6)>(%[[N]], %[[I]])
// CHECK:           %[[H:.*]] = affine.apply affine_map<(d0, d1) -> (d1 mod 6)>(%[[N]], %[[I]])
// CHECK:           %[[HS:.*]] = arith.subi %[[H]], %{{.*}}
// CHECK:           %[[HIN:.*]] = arith.cmpi ult, %[[HS]], %{{.*}}
// CHECK:           %[[HC:.*]] = arith.select %[[HIN]], %[[HS]]
// CHECK:           tensor.extract %[[X]][%[[N]], %[[C]], %[[HC]]] : tensor<2x3x4xf32>
#in = affine_map<(d0, d1, d2) -> (d0, d1 * 2 + d2)>
#win = affine_map<(d0, d1, d2) -> (d2)>
#out = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @collapsed(%x: tensor<2x3x4xf32>) -> tensor<2x8xf32> {
  %pool = autoglm.fused "pool"(%x) : (tensor<2x3x4xf32>) -> tensor<2x8xf32> {
  ^bb0(%a: tensor<2x3x4xf32>):
    %ninf = arith.constant 0xFF800000 : f32
    %padded = tensor.pad %a low[0, 0, 1] high[0, 0, 1] {
    ^bb0(%i0: index, %i1: index, %i2: index):
      tensor.yield %ninf : f32
    } : tensor<2x3x4xf32> to tensor<2x3x6xf32>
    %flat = tensor.collapse_shape %padded [[0], [1, 2]] : tensor<2x3x6xf32> into tensor<2x18xf32>
    %window = tensor.empty() : tensor<3xf32>
    %e = tensor.empty() : tensor<2x8xf32>
    %init = linalg.fill ins(%ninf : f32) outs(%e : tensor<2x8xf32>) -> tensor<2x8xf32>
    %m = linalg.generic {indexing_maps = [#in, #win, #out], iterator_types = ["parallel", "parallel", "reduction"]} ins(%flat, %window : tensor<2x18xf32>, tensor<3xf32>) outs(%init : tensor<2x8xf32>) {
    ^bb0(%v: f32, %w: f32, %acc: f32):
      %r = arith.maximumf %acc, %v : f32
      linalg.yield %r : f32
    } -> tensor<2x8xf32>
    autoglm.yield %m : tensor<2x8xf32>
  }
  return %pool : tensor<2x8xf32>
}

// -----

// Not poolings: a row reduction of 128 elements (a softmax's sum) keeps its
// producer region and input, and so does a product whose result has more
// elements than its transposed operand (each element read once per
// column).
// CHECK-LABEL: func.func @not_pooling
// CHECK:         autoglm.fused "elementwise"
// CHECK:         autoglm.fused "reduction"
// CHECK:           linalg.generic {{.*}} ins(%{{.*}} : tensor<4x128xf32>)
// CHECK-NOT:         tensor.extract
// CHECK:         autoglm.fused "contraction"
// CHECK:           linalg.transpose
// CHECK:           linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<4x16xf32>, tensor<16x64xf32>)
// CHECK-NOT:       tensor.extract
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#b = affine_map<(d0, d1, d2) -> (d2, d1)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @not_pooling(%x: tensor<4x128xf32>, %p: tensor<16x4xf32>, %q: tensor<16x64xf32>) -> (tensor<4xf32>, tensor<4x64xf32>) {
  %exp = autoglm.fused "elementwise"(%x) : (tensor<4x128xf32>) -> tensor<4x128xf32> {
  ^bb0(%a0: tensor<4x128xf32>):
    %e = tensor.empty() : tensor<4x128xf32>
    %g = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%a0 : tensor<4x128xf32>) outs(%e : tensor<4x128xf32>) {
    ^bb0(%in: f32, %out: f32):
      %v = math.exp %in : f32
      linalg.yield %v : f32
    } -> tensor<4x128xf32>
    autoglm.yield %g : tensor<4x128xf32>
  }
  %sum = autoglm.fused "reduction"(%exp) : (tensor<4x128xf32>) -> tensor<4xf32> {
  ^bb0(%a0: tensor<4x128xf32>):
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<4xf32>
    %init = linalg.fill ins(%zero : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
    %s = linalg.generic {indexing_maps = [#id2, #row], iterator_types = ["parallel", "reduction"]} ins(%a0 : tensor<4x128xf32>) outs(%init : tensor<4xf32>) {
    ^bb0(%in: f32, %out: f32):
      %t = arith.addf %out, %in : f32
      linalg.yield %t : f32
    } -> tensor<4xf32>
    autoglm.yield %s : tensor<4xf32>
  }
  %prod = autoglm.fused "contraction"(%p, %q) : (tensor<16x4xf32>, tensor<16x64xf32>) -> tensor<4x64xf32> {
  ^bb0(%p0: tensor<16x4xf32>, %q0: tensor<16x64xf32>):
    %zero = arith.constant 0.0 : f32
    %et = tensor.empty() : tensor<4x16xf32>
    %pt = linalg.transpose ins(%p0 : tensor<16x4xf32>) outs(%et : tensor<4x16xf32>) permutation = [1, 0]
    %e = tensor.empty() : tensor<4x64xf32>
    %init = linalg.fill ins(%zero : f32) outs(%e : tensor<4x64xf32>) -> tensor<4x64xf32>
    %g = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%pt, %q0 : tensor<4x16xf32>, tensor<16x64xf32>) outs(%init : tensor<4x64xf32>) {
    ^bb0(%u: f32, %v: f32, %acc: f32):
      %m = arith.mulf %u, %v : f32
      %t = arith.addf %acc, %m : f32
      linalg.yield %t : f32
    } -> tensor<4x64xf32>
    autoglm.yield %g : tensor<4x64xf32>
  }
  return %sum, %prod : tensor<4xf32>, tensor<4x64xf32>
}
