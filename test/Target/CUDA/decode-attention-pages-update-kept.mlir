// RUN: autoglm-opt %s --split-input-file --autoglm-cuda-select-decode-attention | FileCheck %s

// Page bounds that the decode attention does not update itself: it scores
// with the bounds as given (the update's kernels stay).

// The new page's bounds are also read before the attention (here by a
// Relu), which would then read a result of the op that comes after it.
// CHECK-LABEL: func.func @update_read_before
// CHECK:         autoglm.reduce min
// CHECK:         autoglm.reduce max
// CHECK:         autoglm.decode_attention {{.*}} pages %{{.*}}, %{{.*}} : {{.*}} into %{{[0-9]+}} {causal, page_size = 16 : i64
// CHECK-NOT:       fresh_page

// -----

// The last page's bounds are reduced over the cache of values, not of keys.
// CHECK-LABEL: func.func @update_of_values
// CHECK:         autoglm.fused "slice"(%arg5)
// CHECK:         autoglm.reduce min
// CHECK:         autoglm.decode_attention {{.*}} into %{{[0-9]+}} {causal, page_size = 16 : i64
// CHECK-NOT:       fresh_page
func.func @update_read_before(%arg0: tensor<1x8x1x16xf32>, %arg1: tensor<1x2x1x16xf32>, %arg2: tensor<1x2x1x16xf32>, %arg3: tensor<1x1x1x256xf32>, %arg4: tensor<1x2x255x16xf32>, %arg5: tensor<1x2x255x16xf32>, %arg6: tensor<1x2x16x16xf32>, %arg7: tensor<1x2x16x16xf32>) -> (tensor<1x8x1x16xf32>, tensor<1x2x256x16xf32>, tensor<1x2x256x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>) {
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
  %r = autoglm.fused "relu"(%5) : (tensor<1x2x1x16xf32>) -> tensor<1x2x1x16xf32> {
  ^bb0(%x: tensor<1x2x1x16xf32>):
    %y = autoglm.relu %x : tensor<1x2x1x16xf32>
    autoglm.yield %y : tensor<1x2x1x16xf32>
  }
  %11 = autoglm.fused "topk_attention"(%arg0, %0, %1, %arg3, %7, %10) : (tensor<1x8x1x16xf32>, tensor<1x2x256x16xf32>, tensor<1x2x256x16xf32>, tensor<1x1x1x256xf32>, tensor<1x2x16x16xf32>, tensor<1x2x16x16xf32>) -> tensor<1x8x1x16xf32> {
  ^bb0(%arg8: tensor<1x8x1x16xf32>, %arg9: tensor<1x2x256x16xf32>, %arg10: tensor<1x2x256x16xf32>, %arg11: tensor<1x1x1x256xf32>, %arg12: tensor<1x2x16x16xf32>, %arg13: tensor<1x2x16x16xf32>):
    %12 = autoglm.topk_attention %arg8, %arg9, %arg10, %arg11 pages(%arg12, %arg13) {causal, page_size = 16 : i64, scale = 2.500000e-01 : f64, sink = 2 : i64, top_k = 32 : i64, window = 4 : i64} : (tensor<1x8x1x16xf32>, tensor<1x2x256x16xf32>, tensor<1x2x256x16xf32>, tensor<1x1x1x256xf32>, tensor<1x2x16x16xf32>, tensor<1x2x16x16xf32>) -> tensor<1x8x1x16xf32>
    autoglm.yield %12 : tensor<1x8x1x16xf32>
  }
  return %11, %0, %1, %r, %8 : tensor<1x8x1x16xf32>, tensor<1x2x256x16xf32>, tensor<1x2x256x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>
}
// -----
func.func @update_of_values(%arg0: tensor<1x8x1x16xf32>, %arg1: tensor<1x2x1x16xf32>, %arg2: tensor<1x2x1x16xf32>, %arg3: tensor<1x1x1x256xf32>, %arg4: tensor<1x2x255x16xf32>, %arg5: tensor<1x2x255x16xf32>, %arg6: tensor<1x2x16x16xf32>, %arg7: tensor<1x2x16x16xf32>) -> (tensor<1x8x1x16xf32>, tensor<1x2x256x16xf32>, tensor<1x2x256x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>) {
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
  %2 = autoglm.fused "slice"(%arg5) : (tensor<1x2x255x16xf32>) -> tensor<1x2x15x16xf32> {
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
  return %11, %0, %1, %5, %8 : tensor<1x8x1x16xf32>, tensor<1x2x256x16xf32>, tensor<1x2x256x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>
}
// -----

// The bounds the attention scores with (the concatenation) are also a
// result of the function: they stay, and so does the update.
// CHECK-LABEL: func.func @concat_read_elsewhere
// CHECK:         autoglm.reduce min
// CHECK:         autoglm.decode_attention {{.*}} into %{{[0-9]+}} {causal, page_size = 16 : i64
// CHECK-NOT:       fresh_page
func.func @concat_read_elsewhere(%arg0: tensor<1x8x1x16xf32>, %arg1: tensor<1x2x1x16xf32>, %arg2: tensor<1x2x1x16xf32>, %arg3: tensor<1x1x1x256xf32>, %arg4: tensor<1x2x255x16xf32>, %arg5: tensor<1x2x255x16xf32>, %arg6: tensor<1x2x16x16xf32>, %arg7: tensor<1x2x16x16xf32>) -> (tensor<1x8x1x16xf32>, tensor<1x2x256x16xf32>, tensor<1x2x256x16xf32>, tensor<1x2x16x16xf32>, tensor<1x2x1x16xf32>) {
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
  return %11, %0, %1, %7, %8 : tensor<1x8x1x16xf32>, tensor<1x2x256x16xf32>, tensor<1x2x256x16xf32>, tensor<1x2x16x16xf32>, tensor<1x2x1x16xf32>
}
