// RUN: autoglm-opt %s --split-input-file --autoglm-cuda-select-decode-attention | FileCheck %s --check-prefix=SELECT
// RUN: autoglm-opt %s --split-input-file --autoglm-cuda-select-decode-attention --autoglm-lower-to-linalg --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --autoglm-cuda-decode-attention-kernels | FileCheck %s --check-prefix=KERNELS

// A decoder step as exporters write it: the cache [1, 4095, 2 x 64] and
// the step's key row joined along the sequence, split to heads and
// transposed to B x Hkv x Sk x D, all to feed attention. Decode attention
// reads the two parts in place, sequence before heads (seq_major): the
// concatenations and transposes go, the reshapes to heads are views.
// SELECT-LABEL: func.func @cache
// SELECT-NOT:     autoglm.fused "concat"
// SELECT-NOT:     autoglm.fused "transpose"
// SELECT-DAG:     %[[PK:.*]] = autoglm.reshape %arg1 {{.*}} -> tensor<1x4095x2x64xf32>
// SELECT-DAG:     %[[NK:.*]] = autoglm.reshape %arg2 {{.*}} -> tensor<1x1x2x64xf32>
// SELECT-DAG:     %[[PV:.*]] = autoglm.reshape %arg3 {{.*}} -> tensor<1x4095x2x64xf32>
// SELECT-DAG:     %[[NV:.*]] = autoglm.reshape %arg4 {{.*}} -> tensor<1x1x2x64xf32>
// SELECT:         autoglm.decode_attention %arg0, %[[PK]], %[[PV]] mask %arg5 : tensor<1x4096xi1> new %[[NK]], %[[NV]] : tensor<1x1x2x64xf32>, tensor<1x1x2x64xf32> into
// SELECT-SAME:      seq_major
// SELECT-SAME:      top_k = 4096
// SELECT-NOT:     autoglm.fused

// On buffers: both parts transposed in place and read through flat views of
// one type; each key row's buffer is a select between them (no branch), at
// an element offset from its part's strides (row stride 128: two heads of
// 64 per position).
// KERNELS-LABEL: func.func @cache
// KERNELS-DAG:     %[[TK:.*]] = memref.transpose %{{.*}} (d0, d1, d2, d3) -> (d0, d2, d1, d3) : memref<1x4095x2x64xf32> to memref<1x2x4095x64xf32, strided<[524160, 64, 128, 1]>>
// KERNELS-DAG:     %[[FK:.*]] = memref.reinterpret_cast %[[TK]] to offset: [0], sizes: [524160], strides: [1]
// KERNELS-DAG:     memref.reinterpret_cast %{{.*}} to offset: [0], sizes: [524160], strides: [1]
// KERNELS:         gpu.launch
// KERNELS:           arith.cmpi sge, %{{.*}}, %c4095
// KERNELS:           arith.select %{{.*}}, %{{.*}}, %{{.*}} : memref<524160xf32>
// KERNELS:           vector.load %{{.*}} : memref<524160xf32>, vector<4xf32>
// KERNELS-NOT:     memref.copy
func.func @cache(%q: tensor<1x8x1x64xf32>, %pk: tensor<1x4095x128xf32>, %nk: tensor<1x1x128xf32>, %pv: tensor<1x4095x128xf32>, %nv: tensor<1x1x128xf32>, %mask: tensor<1x4096xi1>) -> tensor<1x8x1x64xf32> {
  %k = autoglm.fused "concat"(%pk, %nk) : (tensor<1x4095x128xf32>, tensor<1x1x128xf32>) -> tensor<1x4096x128xf32> {
  ^bb0(%a: tensor<1x4095x128xf32>, %b: tensor<1x1x128xf32>):
    %c = autoglm.concat %a, %b {axis = 1 : i64} : (tensor<1x4095x128xf32>, tensor<1x1x128xf32>) -> tensor<1x4096x128xf32>
    autoglm.yield %c : tensor<1x4096x128xf32>
  }
  %v = autoglm.fused "concat"(%pv, %nv) : (tensor<1x4095x128xf32>, tensor<1x1x128xf32>) -> tensor<1x4096x128xf32> {
  ^bb0(%a: tensor<1x4095x128xf32>, %b: tensor<1x1x128xf32>):
    %c = autoglm.concat %a, %b {axis = 1 : i64} : (tensor<1x4095x128xf32>, tensor<1x1x128xf32>) -> tensor<1x4096x128xf32>
    autoglm.yield %c : tensor<1x4096x128xf32>
  }
  %k4 = autoglm.reshape %k : (tensor<1x4096x128xf32>) -> tensor<1x4096x2x64xf32>
  %v4 = autoglm.reshape %v : (tensor<1x4096x128xf32>) -> tensor<1x4096x2x64xf32>
  %kt = autoglm.fused "transpose"(%k4) : (tensor<1x4096x2x64xf32>) -> tensor<1x2x4096x64xf32> {
  ^bb0(%a: tensor<1x4096x2x64xf32>):
    %t = autoglm.transpose %a, [0, 2, 1, 3] : (tensor<1x4096x2x64xf32>) -> tensor<1x2x4096x64xf32>
    autoglm.yield %t : tensor<1x2x4096x64xf32>
  }
  %vt = autoglm.fused "transpose"(%v4) : (tensor<1x4096x2x64xf32>) -> tensor<1x2x4096x64xf32> {
  ^bb0(%a: tensor<1x4096x2x64xf32>):
    %t = autoglm.transpose %a, [0, 2, 1, 3] : (tensor<1x4096x2x64xf32>) -> tensor<1x2x4096x64xf32>
    autoglm.yield %t : tensor<1x2x4096x64xf32>
  }
  %0 = autoglm.fused "attention"(%q, %kt, %vt, %mask) : (tensor<1x8x1x64xf32>, tensor<1x2x4096x64xf32>, tensor<1x2x4096x64xf32>, tensor<1x4096xi1>) -> tensor<1x8x1x64xf32> {
  ^bb0(%a: tensor<1x8x1x64xf32>, %b: tensor<1x2x4096x64xf32>, %c: tensor<1x2x4096x64xf32>, %d: tensor<1x4096xi1>):
    %1 = autoglm.attention %a, %b, %c, %d {scale = 1.250000e-01 : f64} : (tensor<1x8x1x64xf32>, tensor<1x2x4096x64xf32>, tensor<1x2x4096x64xf32>, tensor<1x4096xi1>) -> tensor<1x8x1x64xf32>
    autoglm.yield %1 : tensor<1x8x1x64xf32>
  }
  return %0 : tensor<1x8x1x64xf32>
}

// -----

// A cache in B x Hkv x Sk x D (ONNX Attention's past_key) joined with the
// step's keys along axis 2: the parts are read as they are, not
// seq_major. The concatenation is also a model output (present_key), so it
// stays, but attention no longer waits for it.
// SELECT-LABEL: func.func @head_major
// SELECT:         %[[K:.*]] = autoglm.concat %arg1, %arg2
// SELECT:         autoglm.decode_attention %arg0, %arg1, %arg3 new %arg2, %arg4 : tensor<1x2x1x64xf16>, tensor<1x2x1x64xf16> into
// SELECT-NOT:       seq_major
// SELECT-SAME:      -> tensor<1x8x1x64xf16>
// SELECT:         return %{{.*}}, %[[K]]
// KERNELS-LABEL: func.func @head_major
func.func @head_major(%q: tensor<1x8x1x64xf16>, %pk: tensor<1x2x511x64xf16>, %nk: tensor<1x2x1x64xf16>, %pv: tensor<1x2x511x64xf16>, %nv: tensor<1x2x1x64xf16>) -> (tensor<1x8x1x64xf16>, tensor<1x2x512x64xf16>) {
  %k = autoglm.concat %pk, %nk {axis = 2 : i64} : (tensor<1x2x511x64xf16>, tensor<1x2x1x64xf16>) -> tensor<1x2x512x64xf16>
  %v = autoglm.concat %pv, %nv {axis = 2 : i64} : (tensor<1x2x511x64xf16>, tensor<1x2x1x64xf16>) -> tensor<1x2x512x64xf16>
  %0 = autoglm.fused "attention"(%q, %k, %v) : (tensor<1x8x1x64xf16>, tensor<1x2x512x64xf16>, tensor<1x2x512x64xf16>) -> tensor<1x8x1x64xf16> {
  ^bb0(%a: tensor<1x8x1x64xf16>, %b: tensor<1x2x512x64xf16>, %c: tensor<1x2x512x64xf16>):
    %1 = autoglm.attention %a, %b, %c {scale = 1.250000e-01 : f64} : (tensor<1x8x1x64xf16>, tensor<1x2x512x64xf16>, tensor<1x2x512x64xf16>) -> tensor<1x8x1x64xf16>
    autoglm.yield %1 : tensor<1x8x1x64xf16>
  }
  return %0, %k : tensor<1x8x1x64xf16>, tensor<1x2x512x64xf16>
}

// -----

// Keys joined from two parts but values not (or from three): each operand
// is read as one buffer, as computed.
// SELECT-LABEL: func.func @mismatched
// SELECT:         %[[K:.*]] = autoglm.concat %arg1, %arg2
// SELECT:         %[[V:.*]] = autoglm.concat %arg3, %arg4, %arg5
// SELECT:         autoglm.decode_attention %arg0, %[[K]], %[[V]] into
// SELECT-NOT:       new
// SELECT-SAME:      -> tensor<1x8x1x64xf32>
func.func @mismatched(%q: tensor<1x8x1x64xf32>, %pk: tensor<1x2x511x64xf32>, %nk: tensor<1x2x1x64xf32>, %v0: tensor<1x2x256x64xf32>, %v1: tensor<1x2x255x64xf32>, %v2: tensor<1x2x1x64xf32>) -> tensor<1x8x1x64xf32> {
  %k = autoglm.concat %pk, %nk {axis = 2 : i64} : (tensor<1x2x511x64xf32>, tensor<1x2x1x64xf32>) -> tensor<1x2x512x64xf32>
  %v = autoglm.concat %v0, %v1, %v2 {axis = 2 : i64} : (tensor<1x2x256x64xf32>, tensor<1x2x255x64xf32>, tensor<1x2x1x64xf32>) -> tensor<1x2x512x64xf32>
  %0 = autoglm.fused "attention"(%q, %k, %v) : (tensor<1x8x1x64xf32>, tensor<1x2x512x64xf32>, tensor<1x2x512x64xf32>) -> tensor<1x8x1x64xf32> {
  ^bb0(%a: tensor<1x8x1x64xf32>, %b: tensor<1x2x512x64xf32>, %c: tensor<1x2x512x64xf32>):
    %1 = autoglm.attention %a, %b, %c {scale = 1.250000e-01 : f64} : (tensor<1x8x1x64xf32>, tensor<1x2x512x64xf32>, tensor<1x2x512x64xf32>) -> tensor<1x8x1x64xf32>
    autoglm.yield %1 : tensor<1x8x1x64xf32>
  }
  return %0 : tensor<1x8x1x64xf32>
}
