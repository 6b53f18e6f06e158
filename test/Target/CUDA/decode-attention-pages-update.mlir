// RUN: autoglm-opt %s --autoglm-cuda-select-decode-attention | FileCheck %s --check-prefix=SELECT
// RUN: autoglm-opt %s --autoglm-cuda-select-decode-attention --autoglm-lower-to-linalg --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --autoglm-cuda-decode-attention-kernels | FileCheck %s --check-prefix=KERNELS

// Page mode's bounds update (passes/SparseAttention.cpp), as the kernel
// phase leaves it: the caller's bounds %arg6/%arg7 with the last page, which
// holds the step's new key, recomputed from the keys (the cache's last 15
// rows and the new row, a minimum and a maximum over the page), then
// concatenated after the other 15 pages for the attention; the last page's
// bounds are the function's results. The attention reads the cache and the
// new key where they are, so it takes the caller's bounds, computes the
// last page's itself from those rows (fresh_page = 15) and returns them:
// the slices, reductions and concatenations go.
// SELECT-LABEL: func.func @update
// SELECT-NOT:     autoglm.fused
// SELECT:         %[[MIN:.*]] = tensor.empty() : tensor<1x2x1x16xf32>
// SELECT:         %[[MAX:.*]] = tensor.empty() : tensor<1x2x1x16xf32>
// SELECT:         %[[R:.*]]:3 = autoglm.decode_attention %arg0, %arg4, %arg5 mask %arg3 : tensor<1x1x1x256xf32> pages %arg6, %arg7 : tensor<1x2x16x16xf32>, tensor<1x2x16x16xf32> new %arg1, %arg2 : {{.*}} into %{{.*}}, %[[MIN]], %[[MAX]] {causal, fresh_page = 15 : i64, page_size = 16 : i64
// SELECT-NOT:     autoglm.fused
// SELECT:         return %[[R]]#0, %[[R]]#1, %[[R]]#2

// On buffers, the select kernel (a block per chunk of pages and row) reads
// a page's bounds from the caller's where the page is before the fresh one,
// and from the page's 16 key rows otherwise (the cache's, or the new key's
// past row 255), and the block of the row's first query writes the fresh
// page's, 16 bytes at a time, to the two outputs (page 15 at their page 0):
// no kernel of their own, and the other pages' bounds are not copied.
// KERNELS-LABEL: func.func @update
// KERNELS-SAME:    %arg6: memref<1x2x16x16xf32>, %arg7: memref<1x2x16x16xf32>) -> (memref<1x8x1x16xf32>, memref<1x2x1x16xf32>, memref<1x2x1x16xf32>)
// KERNELS:         %[[NEWMIN:.*]] = memref.alloc() {{.*}} : memref<1x2x1x16xf32>
// KERNELS:         %[[NEWMAX:.*]] = memref.alloc() {{.*}} : memref<1x2x1x16xf32>
// KERNELS:         gpu.launch
// KERNELS:           %[[FRESH:.*]] = arith.cmpi uge, %[[PAGE:.*]], %c15{{.*}} : index
// KERNELS:           scf.if %[[FRESH]] -> (f32, f32, f32, f32, f32, f32, f32, f32) {
// KERNELS:             scf.for
// KERNELS:               arith.cmpi sge, %{{.*}}, %c255
// KERNELS:               arith.minimumf
// KERNELS:               arith.maximumf
// KERNELS:             %[[AT:.*]] = arith.subi %[[PAGE]], %c15
// KERNELS:             scf.if
// KERNELS:               vector.store %{{.*}}, %[[NEWMIN]][%{{.*}}, %{{.*}}, %[[AT]], %{{.*}}] {alignment = 16 : i64}
// KERNELS:               vector.store %{{.*}}, %[[NEWMAX]][%{{.*}}, %{{.*}}, %[[AT]], %{{.*}}] {alignment = 16 : i64}
// KERNELS:           } else {
// KERNELS-NOT:         vector.store
// KERNELS:             vector.load %arg6[{{.*}}] {alignment = 16 : i64} : memref<1x2x16x16xf32>, vector<4xf32>
// KERNELS:             vector.load %arg7[{{.*}}] {alignment = 16 : i64} : memref<1x2x16x16xf32>, vector<4xf32>
// KERNELS:         gpu.launch
// KERNELS-NOT:     gpu.launch
// KERNELS:         return %{{.*}}, %[[NEWMIN]], %[[NEWMAX]]
func.func @update(%arg0: tensor<1x8x1x16xf32>, %arg1: tensor<1x2x1x16xf32>, %arg2: tensor<1x2x1x16xf32>, %arg3: tensor<1x1x1x256xf32>, %arg4: tensor<1x2x255x16xf32>, %arg5: tensor<1x2x255x16xf32>, %arg6: tensor<1x2x16x16xf32>, %arg7: tensor<1x2x16x16xf32>) -> (tensor<1x8x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>) {
  %0 = autoglm.fused "concat"(%arg4, %arg1) : (tensor<1x2x255x16xf32>, tensor<1x2x1x16xf32>) -> tensor<1x2x256x16xf32> {
  ^bb0(%arg8: tensor<1x2x255x16xf32>, %arg9: tensor<1x2x1x16xf32>):
    %12 = autoglm.concat %arg8, %arg9 {axis = 2 : i64} : (tensor<1x2x255x16xf32>, tensor<1x2x1x16xf32>) -> tensor<1x2x256x16xf32>
    autoglm.yield %12 : tensor<1x2x256x16xf32>
  }
  %1 = autoglm.fused "concat"(%arg5, %arg2) : (tensor<1x2x255x16xf32>, tensor<1x2x1x16xf32>) -> tensor<1x2x256x16xf32> {
  ^bb0(%arg8: tensor<1x2x255x16xf32>, %arg9: tensor<1x2x1x16xf32>):
    %12 = autoglm.concat %arg8, %arg9 {axis = 2 : i64} : (tensor<1x2x255x16xf32>, tensor<1x2x1x16xf32>) -> tensor<1x2x256x16xf32>
    autoglm.yield %12 : tensor<1x2x256x16xf32>
  }
  %2 = autoglm.fused "slice"(%arg4) : (tensor<1x2x255x16xf32>) -> tensor<1x2x15x16xf32> {
  ^bb0(%arg8: tensor<1x2x255x16xf32>):
    %12 = autoglm.slice %arg8 {ends = array<i64: 1, 2, 255, 16>, starts = array<i64: 0, 0, 240, 0>, steps = array<i64: 1, 1, 1, 1>} : (tensor<1x2x255x16xf32>) -> tensor<1x2x15x16xf32>
    autoglm.yield %12 : tensor<1x2x15x16xf32>
  }
  %3 = autoglm.fused "concat"(%2, %arg1) : (tensor<1x2x15x16xf32>, tensor<1x2x1x16xf32>) -> tensor<1x2x16x16xf32> {
  ^bb0(%arg8: tensor<1x2x15x16xf32>, %arg9: tensor<1x2x1x16xf32>):
    %12 = autoglm.concat %arg8, %arg9 {axis = 2 : i64} : (tensor<1x2x15x16xf32>, tensor<1x2x1x16xf32>) -> tensor<1x2x16x16xf32>
    autoglm.yield %12 : tensor<1x2x16x16xf32>
  }
  %4 = autoglm.reshape %3 : (tensor<1x2x16x16xf32>) -> tensor<1x2x1x16x16xf32>
  %5 = autoglm.fused "reduce"(%4) : (tensor<1x2x1x16x16xf32>) -> tensor<1x2x1x16xf32> {
  ^bb0(%arg8: tensor<1x2x1x16x16xf32>):
    %12 = autoglm.reduce min %arg8 {axes = array<i64: 3>} : (tensor<1x2x1x16x16xf32>) -> tensor<1x2x1x16xf32>
    autoglm.yield %12 : tensor<1x2x1x16xf32>
  }
  %6 = autoglm.fused "slice"(%arg6) : (tensor<1x2x16x16xf32>) -> tensor<1x2x15x16xf32> {
  ^bb0(%arg8: tensor<1x2x16x16xf32>):
    %12 = autoglm.slice %arg8 {ends = array<i64: 1, 2, 15, 16>, starts = array<i64: 0, 0, 0, 0>, steps = array<i64: 1, 1, 1, 1>} : (tensor<1x2x16x16xf32>) -> tensor<1x2x15x16xf32>
    autoglm.yield %12 : tensor<1x2x15x16xf32>
  }
  %7 = autoglm.fused "concat"(%6, %5) : (tensor<1x2x15x16xf32>, tensor<1x2x1x16xf32>) -> tensor<1x2x16x16xf32> {
  ^bb0(%arg8: tensor<1x2x15x16xf32>, %arg9: tensor<1x2x1x16xf32>):
    %12 = autoglm.concat %arg8, %arg9 {axis = 2 : i64} : (tensor<1x2x15x16xf32>, tensor<1x2x1x16xf32>) -> tensor<1x2x16x16xf32>
    autoglm.yield %12 : tensor<1x2x16x16xf32>
  }
  %8 = autoglm.fused "reduce"(%4) : (tensor<1x2x1x16x16xf32>) -> tensor<1x2x1x16xf32> {
  ^bb0(%arg8: tensor<1x2x1x16x16xf32>):
    %12 = autoglm.reduce max %arg8 {axes = array<i64: 3>} : (tensor<1x2x1x16x16xf32>) -> tensor<1x2x1x16xf32>
    autoglm.yield %12 : tensor<1x2x1x16xf32>
  }
  %9 = autoglm.fused "slice"(%arg7) : (tensor<1x2x16x16xf32>) -> tensor<1x2x15x16xf32> {
  ^bb0(%arg8: tensor<1x2x16x16xf32>):
    %12 = autoglm.slice %arg8 {ends = array<i64: 1, 2, 15, 16>, starts = array<i64: 0, 0, 0, 0>, steps = array<i64: 1, 1, 1, 1>} : (tensor<1x2x16x16xf32>) -> tensor<1x2x15x16xf32>
    autoglm.yield %12 : tensor<1x2x15x16xf32>
  }
  %10 = autoglm.fused "concat"(%9, %8) : (tensor<1x2x15x16xf32>, tensor<1x2x1x16xf32>) -> tensor<1x2x16x16xf32> {
  ^bb0(%arg8: tensor<1x2x15x16xf32>, %arg9: tensor<1x2x1x16xf32>):
    %12 = autoglm.concat %arg8, %arg9 {axis = 2 : i64} : (tensor<1x2x15x16xf32>, tensor<1x2x1x16xf32>) -> tensor<1x2x16x16xf32>
    autoglm.yield %12 : tensor<1x2x16x16xf32>
  }
  %11 = autoglm.fused "topk_attention"(%arg0, %0, %1, %arg3, %7, %10) : (tensor<1x8x1x16xf32>, tensor<1x2x256x16xf32>, tensor<1x2x256x16xf32>, tensor<1x1x1x256xf32>, tensor<1x2x16x16xf32>, tensor<1x2x16x16xf32>) -> tensor<1x8x1x16xf32> {
  ^bb0(%arg8: tensor<1x8x1x16xf32>, %arg9: tensor<1x2x256x16xf32>, %arg10: tensor<1x2x256x16xf32>, %arg11: tensor<1x1x1x256xf32>, %arg12: tensor<1x2x16x16xf32>, %arg13: tensor<1x2x16x16xf32>):
    %12 = autoglm.topk_attention %arg8, %arg9, %arg10, %arg11 pages(%arg12, %arg13) {causal, page_size = 16 : i64, scale = 2.500000e-01 : f64, sink = 2 : i64, top_k = 32 : i64, window = 4 : i64} : (tensor<1x8x1x16xf32>, tensor<1x2x256x16xf32>, tensor<1x2x256x16xf32>, tensor<1x1x1x256xf32>, tensor<1x2x16x16xf32>, tensor<1x2x16x16xf32>) -> tensor<1x8x1x16xf32>
    autoglm.yield %12 : tensor<1x8x1x16xf32>
  }
  return %11, %5, %8 : tensor<1x8x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>
}
