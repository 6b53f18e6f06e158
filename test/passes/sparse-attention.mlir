// RUN: autoglm-opt %s --autoglm-sparse-attention | FileCheck %s
// RUN: autoglm-opt %s --autoglm-sparse-attention="k=8 sink=2 window=4 max-queries=32" | FileCheck %s --check-prefix=SMALL
// RUN: autoglm-opt %s --mlir-disable-threading --autoglm-sparse-attention --print-optimization-report -o /dev/null 2>&1 | FileCheck %s --check-prefix=REPORT
// RUN: not autoglm-opt %s --autoglm-sparse-attention="k=0" 2>&1 | FileCheck %s --check-prefix=BAD

// Where the top-k rewrite fires (decode attention: few queries, more keys
// than k + sink + window) and where it must not (prefill, short key sets,
// unknown lengths). The defaults are k = 64, sink = 4, window = 16, at most
// 16 queries.

// Decode with grouped-query heads (8 query heads, 2 key/value heads), a
// boolean padding mask and the causal limit: rewritten, everything kept.
// CHECK-LABEL: func.func @decode_gqa(
// CHECK:         autoglm.topk_attention %arg0, %arg1, %arg2, %arg3 {causal, scale = 1.250000e-01 : f64, sink = 4 : i64, top_k = 64 : i64, window = 16 : i64} : (tensor<1x8x1x64xf32>, tensor<1x2x128x64xf32>, tensor<1x2x128x64xf32>, tensor<1x1x1x128xi1>) -> tensor<1x8x1x64xf32>
// CHECK-NOT:     autoglm.attention
// SMALL-LABEL: func.func @decode_gqa(
// SMALL:         autoglm.topk_attention {{.*}}sink = 2 : i64, top_k = 8 : i64, window = 4 : i64
func.func @decode_gqa(%q: tensor<1x8x1x64xf32>, %k: tensor<1x2x128x64xf32>, %v: tensor<1x2x128x64xf32>, %m: tensor<1x1x1x128xi1>) -> tensor<1x8x1x64xf32> {
  %0 = autoglm.attention %q, %k, %v, %m {causal, scale = 0.125 : f64} : (tensor<1x8x1x64xf32>, tensor<1x2x128x64xf32>, tensor<1x2x128x64xf32>, tensor<1x1x1x128xi1>) -> tensor<1x8x1x64xf32> loc("decode")
  return %0 : tensor<1x8x1x64xf32>
}

// 16 queries (speculative decoding, a few tokens at once) are still decode.
// CHECK-LABEL: func.func @sixteen_queries(
// CHECK:         autoglm.topk_attention
func.func @sixteen_queries(%q: tensor<2x4x16x32xf16>, %k: tensor<2x4x100x32xf16>) -> tensor<2x4x16x32xf16> {
  %0 = autoglm.attention %q, %k, %k {scale = 0.5 : f64} : (tensor<2x4x16x32xf16>, tensor<2x4x100x32xf16>, tensor<2x4x100x32xf16>) -> tensor<2x4x16x32xf16> loc("sixteen")
  return %0 : tensor<2x4x16x32xf16>
}

// Prefill (17 queries and more) stays dense; max-queries=32 admits it.
// CHECK-LABEL: func.func @prefill(
// CHECK:         autoglm.attention
// CHECK-NOT:     autoglm.topk_attention
// SMALL-LABEL: func.func @prefill(
// SMALL:         autoglm.topk_attention
func.func @prefill(%q: tensor<1x4x17x32xf32>, %k: tensor<1x4x128x32xf32>) -> tensor<1x4x17x32xf32> {
  %0 = autoglm.attention %q, %k, %k {causal, scale = 1.0 : f64} : (tensor<1x4x17x32xf32>, tensor<1x4x128x32xf32>, tensor<1x4x128x32xf32>) -> tensor<1x4x17x32xf32> loc("prefill")
  return %0 : tensor<1x4x17x32xf32>
}

// No more keys than the budget (64 + 4 + 16 = 84): every key would be kept.
// CHECK-LABEL: func.func @short_keys(
// CHECK:         autoglm.attention
// CHECK-NOT:     autoglm.topk_attention
// SMALL-LABEL: func.func @short_keys(
// SMALL:         autoglm.topk_attention
func.func @short_keys(%q: tensor<1x4x1x32xf32>, %k: tensor<1x4x84x32xf32>) -> tensor<1x4x1x32xf32> {
  %0 = autoglm.attention %q, %k, %k {scale = 1.0 : f64} : (tensor<1x4x1x32xf32>, tensor<1x4x84x32xf32>, tensor<1x4x84x32xf32>) -> tensor<1x4x1x32xf32> loc("short")
  return %0 : tensor<1x4x1x32xf32>
}

// A key length unknown at compile time stays dense.
// CHECK-LABEL: func.func @dynamic_keys(
// CHECK:         autoglm.attention
// CHECK-NOT:     autoglm.topk_attention
func.func @dynamic_keys(%q: tensor<1x4x1x32xf32>, %k: tensor<1x4x?x32xf32>) -> tensor<1x4x1x32xf32> {
  %0 = autoglm.attention %q, %k, %k {scale = 1.0 : f64} : (tensor<1x4x1x32xf32>, tensor<1x4x?x32xf32>, tensor<1x4x?x32xf32>) -> tensor<1x4x1x32xf32> loc("dynamic")
  return %0 : tensor<1x4x1x32xf32>
}

// (One thread, --mlir-disable-threading: the report names the nodes in the
// order their functions ran.)
// REPORT:      autoglm-sparse-attention: 5 -> 5 ops
// REPORT-DAG:    topk-attention x2: decode; sixteen
// REPORT-DAG:    kept-dense-many-queries x1: prefill
// REPORT-DAG:    kept-dense-short-keys x1: short
// REPORT-DAG:    kept-dense-dynamic-shape x1: dynamic

// BAD: error: --autoglm-sparse-attention needs k >= 1, sink >= 0, window >= 0 and max-queries >= 1 (got k=0, sink=4, window=16, max-queries=16)
