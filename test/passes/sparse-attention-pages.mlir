// RUN: autoglm-opt %s --split-input-file --autoglm-sparse-attention="page-size=16" | FileCheck %s
// RUN: autoglm-opt %s --mlir-disable-threading --autoglm-sparse-attention="page-size=16" --print-optimization-report -o /dev/null 2>&1 | FileCheck %s --check-prefix=REPORT
// RUN: not autoglm-opt %s --autoglm-sparse-attention="page-size=-1" 2>&1 | FileCheck %s --check-prefix=BAD

// Page granularity: where the rewrite fires, the bounds inputs and outputs
// it adds to the function (the ABI), and where it refuses.

// The report, all functions together:
// REPORT: autoglm-sparse-attention:
// REPORT-NEXT: topk-attention x4: decode; first; second; flat
// REPORT-NEXT: kept-dense-page-misaligned x1: misaligned
// REPORT-NEXT: kept-dense-no-key-cache x1: computed
// REPORT-NEXT: kept-dense-dynamic-shape x1: dynamic

// A decode step with a KV cache (ONNX Attention: the new key follows the
// cache): the bounds of the 8 pages come in as past_key.page_min/max; the
// page of the new key (page 7, keys 112-127) is recomputed from the keys
// (cache rows 112-126 and the new key, sliced where they are rather than
// from their concatenation) and goes out alone as
// past_key.new_page_min/max, the caller's to store beside the new key; the
// kernel scores with the 7 pages before it taken from the input and that
// page.
// CHECK-LABEL: func.func @decode_cache(
// CHECK-SAME:    %[[Q:[^:]+]]: tensor<1x8x1x64xf32>, %[[PAST:[^:]+]]: tensor<1x2x127x64xf32> {autoglm.onnx_name = "past_key"}, %[[NEW:[^:]+]]: tensor<1x2x1x64xf32>, %[[V:[^:]+]]: tensor<1x2x128x64xf32>,
// CHECK-SAME:    %[[MIN:[^:]+]]: tensor<1x2x8x64xf32> {autoglm.onnx_name = "past_key.page_min"},
// CHECK-SAME:    %[[MAX:[^:]+]]: tensor<1x2x8x64xf32> {autoglm.onnx_name = "past_key.page_max"})
// CHECK-SAME:    -> (tensor<1x8x1x64xf32> {autoglm.onnx_name = "y"}, tensor<1x2x1x64xf32> {autoglm.onnx_name = "past_key.new_page_min"}, tensor<1x2x1x64xf32> {autoglm.onnx_name = "past_key.new_page_max"})
// CHECK:         %[[KEY:.+]] = autoglm.concat %[[PAST]], %[[NEW]]
// CHECK:         %[[CACHED:.+]] = autoglm.slice %[[PAST]] {ends = array<i64: 1, 2, 127, 64>, starts = array<i64: 0, 0, 112, 0>, steps = array<i64: 1, 1, 1, 1>}
// CHECK:         %[[TAIL:.+]] = autoglm.concat %[[CACHED]], %[[NEW]] {axis = 2 : i64} : (tensor<1x2x15x64xf32>, tensor<1x2x1x64xf32>) -> tensor<1x2x16x64xf32>
// CHECK:         %[[PAGED:.+]] = autoglm.reshape %[[TAIL]] : (tensor<1x2x16x64xf32>) -> tensor<1x2x1x16x64xf32>
// CHECK:         %[[LO:.+]] = autoglm.reduce min %[[PAGED]] {axes = array<i64: 3>}
// CHECK:         %[[OLDLO:.+]] = autoglm.slice %[[MIN]] {ends = array<i64: 1, 2, 7, 64>, starts = array<i64: 0, 0, 0, 0>
// CHECK:         %[[SCOREDLO:.+]] = autoglm.concat %[[OLDLO]], %[[LO]] {axis = 2 : i64} : (tensor<1x2x7x64xf32>, tensor<1x2x1x64xf32>) -> tensor<1x2x8x64xf32>
// CHECK:         %[[HI:.+]] = autoglm.reduce max %[[PAGED]] {axes = array<i64: 3>}
// CHECK:         %[[OLDHI:.+]] = autoglm.slice %[[MAX]]
// CHECK:         %[[SCOREDHI:.+]] = autoglm.concat %[[OLDHI]], %[[HI]] {axis = 2 : i64}
// CHECK:         %[[OUT:.+]] = autoglm.topk_attention %[[Q]], %[[KEY]], %[[V]] pages(%[[SCOREDLO]], %[[SCOREDHI]]) {causal, page_size = 16 : i64, scale = 1.250000e-01 : f64, sink = 4 : i64, top_k = 64 : i64, window = 16 : i64}
// CHECK:         return %[[OUT]], %[[LO]], %[[HI]]
func.func @decode_cache(%q: tensor<1x8x1x64xf32>, %past: tensor<1x2x127x64xf32> {autoglm.onnx_name = "past_key"}, %new: tensor<1x2x1x64xf32>, %v: tensor<1x2x128x64xf32>) -> (tensor<1x8x1x64xf32> {autoglm.onnx_name = "y"}) {
  %k = autoglm.concat %past, %new {axis = 2 : i64} : (tensor<1x2x127x64xf32>, tensor<1x2x1x64xf32>) -> tensor<1x2x128x64xf32>
  %0 = autoglm.attention %q, %k, %v {causal, scale = 0.125 : f64} : (tensor<1x8x1x64xf32>, tensor<1x2x128x64xf32>, tensor<1x2x128x64xf32>) -> tensor<1x8x1x64xf32> loc("decode")
  return %0 : tensor<1x8x1x64xf32>
}

// -----

// The whole key tensor is an input (the caller appended the new key): the
// bounds are inputs only, nothing in the keys is new. Two attention nodes
// reading the same keys share one pair of bounds.
// CHECK-LABEL: func.func @whole_cache(
// CHECK-SAME:    %[[K:[^:]+]]: tensor<2x4x96x32xf16>,
// CHECK-SAME:    %[[MIN:[^:]+]]: tensor<2x4x6x32xf16> {autoglm.onnx_name = "input1.page_min"}, %[[MAX:[^:]+]]: tensor<2x4x6x32xf16> {autoglm.onnx_name = "input1.page_max"})
// CHECK-SAME:    -> tensor<2x4x2x32xf16>
// CHECK:         autoglm.topk_attention %{{.*}}, %[[K]], %[[K]] pages(%[[MIN]], %[[MAX]]) {page_size = 16 : i64
// CHECK:         autoglm.topk_attention %{{.*}}, %[[K]], %[[K]] pages(%[[MIN]], %[[MAX]]) {page_size = 16 : i64
func.func @whole_cache(%q: tensor<2x4x2x32xf16>, %k: tensor<2x4x96x32xf16>) -> tensor<2x4x2x32xf16> {
  %0 = autoglm.attention %q, %k, %k {scale = 0.5 : f64} : (tensor<2x4x2x32xf16>, tensor<2x4x96x32xf16>, tensor<2x4x96x32xf16>) -> tensor<2x4x2x32xf16> loc("first")
  %1 = autoglm.attention %0, %k, %k {scale = 0.5 : f64} : (tensor<2x4x2x32xf16>, tensor<2x4x96x32xf16>, tensor<2x4x96x32xf16>) -> tensor<2x4x2x32xf16> loc("second")
  return %1 : tensor<2x4x2x32xf16>
}

// -----

// Refusals: a key length the page size does not divide (100 keys), keys
// computed in the step rather than kept in a cache, a dynamic key length.
// Nothing is added to the signature.
// CHECK-LABEL: func.func @refused(
// CHECK-SAME:    %{{[^:]+}}: tensor<1x4x100x32xf32>, %{{[^:]+}}: tensor<1x4x96x32xf32>, %{{[^:]+}}: tensor<1x4x?x32xf32>) -> (tensor<1x4x1x32xf32>, tensor<1x4x1x32xf32>, tensor<1x4x1x32xf32>)
// CHECK-NOT:     autoglm.topk_attention
// CHECK-NOT:     page_min
func.func @refused(%q: tensor<1x4x1x32xf32>, %k100: tensor<1x4x100x32xf32>, %k96: tensor<1x4x96x32xf32>, %kdyn: tensor<1x4x?x32xf32>) -> (tensor<1x4x1x32xf32>, tensor<1x4x1x32xf32>, tensor<1x4x1x32xf32>) {
  %0 = autoglm.attention %q, %k100, %k100 {scale = 1.0 : f64} : (tensor<1x4x1x32xf32>, tensor<1x4x100x32xf32>, tensor<1x4x100x32xf32>) -> tensor<1x4x1x32xf32> loc("misaligned")
  %kc = autoglm.add %k96, %k96 : (tensor<1x4x96x32xf32>, tensor<1x4x96x32xf32>) -> tensor<1x4x96x32xf32>
  %1 = autoglm.attention %q, %kc, %k96 {scale = 1.0 : f64} : (tensor<1x4x1x32xf32>, tensor<1x4x96x32xf32>, tensor<1x4x96x32xf32>) -> tensor<1x4x1x32xf32> loc("computed")
  %2 = autoglm.attention %q, %kdyn, %kdyn {scale = 1.0 : f64} : (tensor<1x4x1x32xf32>, tensor<1x4x?x32xf32>, tensor<1x4x?x32xf32>) -> tensor<1x4x1x32xf32> loc("dynamic")
  return %0, %1, %2 : tensor<1x4x1x32xf32>, tensor<1x4x1x32xf32>, tensor<1x4x1x32xf32>
}

// BAD: page-size >= 0

// -----

// A decoder graph's flat cache (B x S x Hkv·D, split into heads and
// transposed after the new key is appended): the bounds are still per
// head, B x Hkv x pages x D, named after the flat cache input. The new
// key's page is sliced before the reshape to heads and the transpose, from
// the cache and the new key: the transpose of the whole cache is left to
// attention alone (which the CUDA kernels read in place).
// CHECK-LABEL: func.func @flat_cache(
// CHECK-SAME:    %[[PAST:[^:]+]]: tensor<1x95x32xf32> {autoglm.onnx_name = "past_key_0"}, %[[NEW:[^:]+]]: tensor<1x1x32xf32>,
// CHECK-SAME:    tensor<1x2x6x16xf32> {autoglm.onnx_name = "past_key_0.page_min"}
// CHECK-SAME:    tensor<1x2x1x16xf32> {autoglm.onnx_name = "past_key_0.new_page_max"}
// CHECK:         %[[KEY:.+]] = autoglm.transpose
// CHECK:         %[[CACHED:.+]] = autoglm.slice %[[PAST]] {ends = array<i64: 1, 95, 32>, starts = array<i64: 0, 80, 0>
// CHECK:         %[[ROWS:.+]] = autoglm.concat %[[CACHED]], %[[NEW]] {axis = 1 : i64} : (tensor<1x15x32xf32>, tensor<1x1x32xf32>) -> tensor<1x16x32xf32>
// CHECK:         %[[HEADS:.+]] = autoglm.reshape %[[ROWS]] : (tensor<1x16x32xf32>) -> tensor<1x16x2x16xf32>
// CHECK:         %[[TAIL:.+]] = autoglm.transpose %[[HEADS]], [0, 2, 1, 3] : (tensor<1x16x2x16xf32>) -> tensor<1x2x16x16xf32>
// CHECK:         autoglm.reshape %[[TAIL]] : (tensor<1x2x16x16xf32>) -> tensor<1x2x1x16x16xf32>
// CHECK:         autoglm.topk_attention %{{.*}}, %[[KEY]], {{.*}} pages(
func.func @flat_cache(%q: tensor<1x4x1x16xf32>, %past: tensor<1x95x32xf32> {autoglm.onnx_name = "past_key_0"}, %new: tensor<1x1x32xf32>, %v: tensor<1x2x96x16xf32>, %m: tensor<1x96xi1>) -> tensor<1x4x1x16xf32> {
  %0 = autoglm.concat %past, %new {axis = 1 : i64} : (tensor<1x95x32xf32>, tensor<1x1x32xf32>) -> tensor<1x96x32xf32>
  %1 = autoglm.reshape %0 : (tensor<1x96x32xf32>) -> tensor<1x96x2x16xf32>
  %2 = autoglm.transpose %1, [0, 2, 1, 3] : (tensor<1x96x2x16xf32>) -> tensor<1x2x96x16xf32>
  %3 = autoglm.attention %q, %2, %v, %m {scale = 0.25 : f64} : (tensor<1x4x1x16xf32>, tensor<1x2x96x16xf32>, tensor<1x2x96x16xf32>, tensor<1x96xi1>) -> tensor<1x4x1x16xf32> loc("flat")
  return %3 : tensor<1x4x1x16xf32>
}
