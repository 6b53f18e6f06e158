// RUN: autoglm-opt %s --split-input-file --autoglm-cpu-attention-cache | FileCheck %s
// RUN: autoglm-opt %s --split-input-file --autoglm-cpu-attention-cache --autoglm-lower-to-linalg | FileCheck %s --check-prefix=LOWERED

// A decoder step's keys and values as an exporter writes them: the cache
// [1, 255, 2 x 16] and the step's row joined along the sequence, split to
// heads and transposed, each a kernel region, read by top-k attention. Its
// region takes the parts (split to heads by reshapes, views) and makes the
// concatenation and transpose in its body; the copies outside go.
// CHECK-LABEL: func.func @cache
// CHECK-NOT:     autoglm.fused "concat"
// CHECK-NOT:     autoglm.fused "transpose"
// CHECK-DAG:     %[[PK:.*]] = autoglm.reshape %arg1 {{.*}} -> tensor<1x255x2x16xf32>
// CHECK-DAG:     %[[NK:.*]] = autoglm.reshape %arg2 {{.*}} -> tensor<1x1x2x16xf32>
// CHECK:         autoglm.fused "topk_attention"(%arg0, %arg5, %[[PK]], %[[NK]], %{{.*}}, %{{.*}})
// CHECK:           %[[K:.*]] = autoglm.concat %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<1x255x2x16xf32>, tensor<1x1x2x16xf32>) -> tensor<1x256x2x16xf32>
// CHECK:           %[[KT:.*]] = autoglm.transpose %[[K]], [0, 2, 1, 3]
// CHECK:           autoglm.topk_attention %{{.*}}, %[[KT]], %{{.*}}, %{{.*}}
// Lowered: each key row read from its part, sequence before heads (a
// branch on the position: the cache's 255 rows, then the new one); no
// concatenation or transpose of the cache is left.
// LOWERED-LABEL: func.func @cache
// LOWERED:       scf.if
// LOWERED:         vector.transfer_read %{{.*}} : tensor<1x1x2x16xf32>, vector<16xf32>
// LOWERED:       } else {
// LOWERED:         vector.transfer_read %{{.*}} : tensor<1x255x2x16xf32>, vector<16xf32>
// LOWERED-NOT:   tensor<1x256x2x16xf32>
// LOWERED:       return
func.func @cache(%q: tensor<1x2x1x16xf32>, %pk: tensor<1x255x32xf32>, %nk: tensor<1x1x32xf32>, %pv: tensor<1x255x32xf32>, %nv: tensor<1x1x32xf32>, %mask: tensor<1x256xi1>) -> tensor<1x2x1x16xf32> {
  %k = autoglm.fused "concat"(%pk, %nk) : (tensor<1x255x32xf32>, tensor<1x1x32xf32>) -> tensor<1x256x32xf32> {
  ^bb0(%a: tensor<1x255x32xf32>, %b: tensor<1x1x32xf32>):
    %c = autoglm.concat %a, %b {axis = 1 : i64} : (tensor<1x255x32xf32>, tensor<1x1x32xf32>) -> tensor<1x256x32xf32>
    autoglm.yield %c : tensor<1x256x32xf32>
  }
  %v = autoglm.fused "concat"(%pv, %nv) : (tensor<1x255x32xf32>, tensor<1x1x32xf32>) -> tensor<1x256x32xf32> {
  ^bb0(%a: tensor<1x255x32xf32>, %b: tensor<1x1x32xf32>):
    %c = autoglm.concat %a, %b {axis = 1 : i64} : (tensor<1x255x32xf32>, tensor<1x1x32xf32>) -> tensor<1x256x32xf32>
    autoglm.yield %c : tensor<1x256x32xf32>
  }
  %k4 = autoglm.reshape %k : (tensor<1x256x32xf32>) -> tensor<1x256x2x16xf32>
  %v4 = autoglm.reshape %v : (tensor<1x256x32xf32>) -> tensor<1x256x2x16xf32>
  %kt = autoglm.fused "transpose"(%k4) : (tensor<1x256x2x16xf32>) -> tensor<1x2x256x16xf32> {
  ^bb0(%a: tensor<1x256x2x16xf32>):
    %t = autoglm.transpose %a, [0, 2, 1, 3] : (tensor<1x256x2x16xf32>) -> tensor<1x2x256x16xf32>
    autoglm.yield %t : tensor<1x2x256x16xf32>
  }
  %vt = autoglm.fused "transpose"(%v4) : (tensor<1x256x2x16xf32>) -> tensor<1x2x256x16xf32> {
  ^bb0(%a: tensor<1x256x2x16xf32>):
    %t = autoglm.transpose %a, [0, 2, 1, 3] : (tensor<1x256x2x16xf32>) -> tensor<1x2x256x16xf32>
    autoglm.yield %t : tensor<1x2x256x16xf32>
  }
  %0 = autoglm.fused "topk_attention"(%q, %kt, %vt, %mask) : (tensor<1x2x1x16xf32>, tensor<1x2x256x16xf32>, tensor<1x2x256x16xf32>, tensor<1x256xi1>) -> tensor<1x2x1x16xf32> {
  ^bb0(%a: tensor<1x2x1x16xf32>, %b: tensor<1x2x256x16xf32>, %c: tensor<1x2x256x16xf32>, %d: tensor<1x256xi1>):
    %1 = autoglm.topk_attention %a, %b, %c, %d {scale = 2.500000e-01 : f64, top_k = 8 : i64, sink = 2 : i64, window = 4 : i64} : (tensor<1x2x1x16xf32>, tensor<1x2x256x16xf32>, tensor<1x2x256x16xf32>, tensor<1x256xi1>) -> tensor<1x2x1x16xf32>
    autoglm.yield %1 : tensor<1x2x1x16xf32>
  }
  return %0 : tensor<1x2x1x16xf32>
}

// -----

// Dense attention keeps its operands (its products over all heads read
// contiguous rows), and so does top-k attention over keys that are one
// tensor computed otherwise.
// CHECK-LABEL: func.func @plain
// CHECK:         autoglm.fused "attention"(%arg0, %[[K:.*]], %[[V:.*]]) :
// CHECK:         autoglm.fused "topk_attention"(%arg0, %arg1, %arg2)
func.func @plain(%q: tensor<1x2x1x16xf32>, %k: tensor<1x2x256x16xf32>, %v: tensor<1x2x256x16xf32>, %pk: tensor<1x2x255x16xf32>, %nk: tensor<1x2x1x16xf32>) -> (tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>) {
  %kk = autoglm.concat %pk, %nk {axis = 2 : i64} : (tensor<1x2x255x16xf32>, tensor<1x2x1x16xf32>) -> tensor<1x2x256x16xf32>
  %vv = autoglm.concat %pk, %nk {axis = 2 : i64} : (tensor<1x2x255x16xf32>, tensor<1x2x1x16xf32>) -> tensor<1x2x256x16xf32>
  %d = autoglm.fused "attention"(%q, %kk, %vv) : (tensor<1x2x1x16xf32>, tensor<1x2x256x16xf32>, tensor<1x2x256x16xf32>) -> tensor<1x2x1x16xf32> {
  ^bb0(%a: tensor<1x2x1x16xf32>, %b: tensor<1x2x256x16xf32>, %c: tensor<1x2x256x16xf32>):
    %1 = autoglm.attention %a, %b, %c {scale = 2.500000e-01 : f64} : (tensor<1x2x1x16xf32>, tensor<1x2x256x16xf32>, tensor<1x2x256x16xf32>) -> tensor<1x2x1x16xf32>
    autoglm.yield %1 : tensor<1x2x1x16xf32>
  }
  %0 = autoglm.fused "topk_attention"(%q, %k, %v) : (tensor<1x2x1x16xf32>, tensor<1x2x256x16xf32>, tensor<1x2x256x16xf32>) -> tensor<1x2x1x16xf32> {
  ^bb0(%a: tensor<1x2x1x16xf32>, %b: tensor<1x2x256x16xf32>, %c: tensor<1x2x256x16xf32>):
    %1 = autoglm.topk_attention %a, %b, %c {scale = 2.500000e-01 : f64, top_k = 8 : i64, sink = 2 : i64, window = 4 : i64} : (tensor<1x2x1x16xf32>, tensor<1x2x256x16xf32>, tensor<1x2x256x16xf32>) -> tensor<1x2x1x16xf32>
    autoglm.yield %1 : tensor<1x2x1x16xf32>
  }
  return %d, %0 : tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>
}
