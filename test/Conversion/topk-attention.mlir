// RUN: autoglm-opt %s --autoglm-lower-to-linalg | FileCheck %s

// autoglm.topk_attention lowers to one loop nest (TopKAttention.cpp): the
// only tensors it creates are the output and, per (batch, key/value head),
// a buffer of top_k scores and key indices; no score tensor over the 512
// keys. f16 operands are widened to f32 rows, scored with vector dot
// products, and the result narrowed once per output row.

// CHECK-LABEL: func.func @decode(
// CHECK-NOT:     tensor.empty() : tensor<{{.*}}512
// CHECK:         tensor.empty() : tensor<1x4x1x32xf16>
// CHECK-NEXT:    tensor.empty() : tensor<1x2x64xf32>
// CHECK-NEXT:    tensor.empty() : tensor<1x2x64xi32>
// CHECK-NOT:     tensor.empty()
// In parallel over batch and key/value head, each iteration on its slices;
// the queries in order inside.
// CHECK:         scf.forall ({{.*}}) in (1, 2) shared_outs
// CHECK:         tensor.extract_slice {{.*}} to tensor<1x2x1x32xf16>
// CHECK:         tensor.extract_slice {{.*}} to tensor<64xf32>
// CHECK:         tensor.extract_slice {{.*}} to tensor<64xi32>
// CHECK:         scf.for
// 1. select: the key row once, one dot product per query head of the group,
// insertion into the buffer.
// CHECK:         vector.transfer_read %arg1{{.*}} : tensor<1x2x512x32xf16>, vector<32xf16>
// CHECK:         arith.extf {{.*}} : vector<32xf16> to vector<32xf32>
// CHECK:         vector.reduction <add>, {{.*}} fastmath<reassoc> : vector<32xf32> into f32
// CHECK:         vector.reduction <add>, {{.*}} fastmath<reassoc> : vector<32xf32> into f32
// CHECK:         arith.maximumf
// CHECK:         scf.while
// 2. attend: sinks, window, then the buffer's keys, each reading its key
// and value rows; the online softmax state is carried per head.
// CHECK:         scf.for {{.*}} -> (f32, f32, vector<32xf32>, f32, f32, vector<32xf32>)
// CHECK:         vector.transfer_read %arg2
// CHECK:         scf.for {{.*}} -> (f32, f32, vector<32xf32>, f32, f32, vector<32xf32>)
// CHECK:         scf.for {{.*}} -> (f32, f32, vector<32xf32>, f32, f32, vector<32xf32>)
// CHECK:         tensor.extract {{.*}} : tensor<64xi32>
// CHECK-COUNT-2: arith.truncf {{.*}} : vector<32xf32> to vector<32xf16>
// CHECK:         scf.forall.in_parallel
// CHECK-COUNT-3:   tensor.parallel_insert_slice
func.func @decode(%q: tensor<1x4x1x32xf16>, %k: tensor<1x2x512x32xf16>, %v: tensor<1x2x512x32xf16>, %m: tensor<1x1x1x512xf16>) -> tensor<1x4x1x32xf16> {
  %0 = autoglm.topk_attention %q, %k, %v, %m {scale = 0.125 : f64, top_k = 64 : i64, sink = 4 : i64, window = 16 : i64} : (tensor<1x4x1x32xf16>, tensor<1x2x512x32xf16>, tensor<1x2x512x32xf16>, tensor<1x1x1x512xf16>) -> tensor<1x4x1x32xf16>
  return %0 : tensor<1x4x1x32xf16>
}
