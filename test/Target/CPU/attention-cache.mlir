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

// -----

// Page mode's bounds as SparseAttention.cpp makes them: the caller's
// bounds (%min, %max, 16 pages) with the last page, which holds the new
// key, replaced by the step's (%newmin, %newmax), a copy of every page's
// bounds each step. The region takes the caller's bounds and the new page
// instead and makes the concatenation in its body; the slices and
// concatenations outside go.
// CHECK-LABEL: func.func @bounds
// CHECK-NOT:     autoglm.fused "concat"
// CHECK-NOT:     autoglm.fused "slice"
// CHECK:         autoglm.fused "topk_attention"(%arg0, %arg1, %arg2, %arg3, %arg4, %arg5, %arg6)
// CHECK:           %[[OLDLO:.*]] = autoglm.slice %{{.*}} {ends = array<i64: 1, 2, 15, 16>
// CHECK:           %[[LO:.*]] = autoglm.concat %[[OLDLO]], %{{.*}} {axis = 2 : i64}
// CHECK:           %[[OLDHI:.*]] = autoglm.slice
// CHECK:           %[[HI:.*]] = autoglm.concat %[[OLDHI]], %{{.*}} {axis = 2 : i64}
// CHECK:           autoglm.topk_attention {{.*}} pages(%[[LO]], %[[HI]])
// Lowered: each page's bound rows read from the caller's bounds below page
// 15 and from the new page's from it on; no 16-page copy is left.
// LOWERED-LABEL: func.func @bounds
// LOWERED:       arith.cmpi sge, %{{.*}}, %c15
// LOWERED:       scf.if
// LOWERED:         vector.transfer_read %{{.*}} : tensor<1x2x1x16xf32>, vector<16xf32>
// LOWERED:       } else {
// LOWERED:         vector.transfer_read %{{.*}} : tensor<1x2x16x16xf32>, vector<16xf32>
// LOWERED-NOT:   linalg.copy
// LOWERED-NOT:   tensor.insert_slice
// LOWERED:       return
func.func @bounds(%q: tensor<1x2x1x16xf32>, %k: tensor<1x2x256x16xf32>, %v: tensor<1x2x256x16xf32>, %min: tensor<1x2x16x16xf32>, %newmin: tensor<1x2x1x16xf32>, %max: tensor<1x2x16x16xf32>, %newmax: tensor<1x2x1x16xf32>) -> tensor<1x2x1x16xf32> {
  %oldmin = autoglm.fused "slice"(%min) : (tensor<1x2x16x16xf32>) -> tensor<1x2x15x16xf32> {
  ^bb0(%a: tensor<1x2x16x16xf32>):
    %s = autoglm.slice %a {ends = array<i64: 1, 2, 15, 16>, starts = array<i64: 0, 0, 0, 0>, steps = array<i64: 1, 1, 1, 1>} : (tensor<1x2x16x16xf32>) -> tensor<1x2x15x16xf32>
    autoglm.yield %s : tensor<1x2x15x16xf32>
  }
  %lo = autoglm.fused "concat"(%oldmin, %newmin) : (tensor<1x2x15x16xf32>, tensor<1x2x1x16xf32>) -> tensor<1x2x16x16xf32> {
  ^bb0(%a: tensor<1x2x15x16xf32>, %b: tensor<1x2x1x16xf32>):
    %c = autoglm.concat %a, %b {axis = 2 : i64} : (tensor<1x2x15x16xf32>, tensor<1x2x1x16xf32>) -> tensor<1x2x16x16xf32>
    autoglm.yield %c : tensor<1x2x16x16xf32>
  }
  %oldmax = autoglm.fused "slice"(%max) : (tensor<1x2x16x16xf32>) -> tensor<1x2x15x16xf32> {
  ^bb0(%a: tensor<1x2x16x16xf32>):
    %s = autoglm.slice %a {ends = array<i64: 1, 2, 15, 16>, starts = array<i64: 0, 0, 0, 0>, steps = array<i64: 1, 1, 1, 1>} : (tensor<1x2x16x16xf32>) -> tensor<1x2x15x16xf32>
    autoglm.yield %s : tensor<1x2x15x16xf32>
  }
  %hi = autoglm.fused "concat"(%oldmax, %newmax) : (tensor<1x2x15x16xf32>, tensor<1x2x1x16xf32>) -> tensor<1x2x16x16xf32> {
  ^bb0(%a: tensor<1x2x15x16xf32>, %b: tensor<1x2x1x16xf32>):
    %c = autoglm.concat %a, %b {axis = 2 : i64} : (tensor<1x2x15x16xf32>, tensor<1x2x1x16xf32>) -> tensor<1x2x16x16xf32>
    autoglm.yield %c : tensor<1x2x16x16xf32>
  }
  %0 = autoglm.fused "topk_attention"(%q, %k, %v, %lo, %hi) : (tensor<1x2x1x16xf32>, tensor<1x2x256x16xf32>, tensor<1x2x256x16xf32>, tensor<1x2x16x16xf32>, tensor<1x2x16x16xf32>) -> tensor<1x2x1x16xf32> {
  ^bb0(%a: tensor<1x2x1x16xf32>, %b: tensor<1x2x256x16xf32>, %c: tensor<1x2x256x16xf32>, %d: tensor<1x2x16x16xf32>, %e: tensor<1x2x16x16xf32>):
    %1 = autoglm.topk_attention %a, %b, %c pages(%d, %e) {page_size = 16 : i64, scale = 2.500000e-01 : f64, top_k = 32 : i64, sink = 2 : i64, window = 4 : i64} : (tensor<1x2x1x16xf32>, tensor<1x2x256x16xf32>, tensor<1x2x256x16xf32>, tensor<1x2x16x16xf32>, tensor<1x2x16x16xf32>) -> tensor<1x2x1x16xf32>
    autoglm.yield %1 : tensor<1x2x1x16xf32>
  }
  return %0 : tensor<1x2x1x16xf32>
}
