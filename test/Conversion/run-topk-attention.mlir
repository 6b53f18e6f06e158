// RUN: %lower-and-run | FileCheck %s

// autoglm.topk_attention lowered (TopKAttention.cpp), compiled and run, on
// the edge cases of its selection. Expected values are worked out by hand
// or are autoglm.attention's own result on the same operands.

func.func private @printMemrefF32(memref<*xf32>)

func.func @print(%t: tensor<1x2x3x2xf32>) {
  %m = bufferization.to_buffer %t : tensor<1x2x3x2xf32> to memref<1x2x3x2xf32>
  %u = memref.cast %m : memref<1x2x3x2xf32> to memref<*xf32>
  call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  return
}

func.func @main() {
  %Q = autoglm.constant dense<[[[[0.27, -0.46, -0.92, -0.97], [0.63, 0.83, 0.21, 0.46], [0.09, 0.87, 0.63, -0.99]], [[0.71, -0.93, 0.46, -0.65], [0.73, 0.08, -0.4, -0.15], [-0.94, -0.75, 0.34, 0.29]]]]> : tensor<1x2x3x4xf32>
  %K = autoglm.constant dense<[[[[0.23, -0.23, 0.99, 0.96], [0.37, 0.3, 0.38, -0.22], [-0.73, 0.44, 0.05, -0.38], [-0.03, 0.78, 0.87, -0.28]]]]> : tensor<1x1x4x4xf32>
  %V = autoglm.constant dense<[[[[0.14, -0.36], [0.19, -0.32], [-0.22, 0.78], [-0.55, 0.25]]]]> : tensor<1x1x4x2xf32>
  // query 0 sees only key 0, query 1 no key at all, query 2 keys 1 and 3
  %M = autoglm.constant dense<[[true, false, false, false], [false, false, false, false], [false, true, false, true]]> : tensor<3x4xi1>

  // top_k >= Sk (two query heads sharing one key/value head, boolean mask,
  // causal): every row is kept whole, so the result is attention's; the
  // fully masked row gives zeros in both.
  // CHECK:      {{\[\[}}{{\[\[}}[[A0:.*]],     [[A1:.*]]],
  // CHECK-NEXT: [0,     0],
  // CHECK-NEXT: {{\[}}[[A2:.*]],     [[A3:.*]]]],
  // CHECK-NEXT: {{\[\[}}[[A4:.*]],     [[A5:.*]]],
  // CHECK-NEXT: [0,     0],
  // CHECK-NEXT: {{\[}}[[A6:.*]],     [[A7:.*]]]]]]
  // CHECK:      {{\[\[}}{{\[\[}}[[A0]],     [[A1]]],
  // CHECK-NEXT: [0,     0],
  // CHECK-NEXT: {{\[}}[[A2]],     [[A3]]]],
  // CHECK-NEXT: {{\[\[}}[[A4]],     [[A5]]],
  // CHECK-NEXT: [0,     0],
  // CHECK-NEXT: {{\[}}[[A6]],     [[A7]]]]]]
  %dense = autoglm.attention %Q, %K, %V, %M {causal, scale = 0.5 : f64} : (tensor<1x2x3x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x2xf32>, tensor<3x4xi1>) -> tensor<1x2x3x2xf32>
  call @print(%dense) : (tensor<1x2x3x2xf32>) -> ()
  %all = autoglm.topk_attention %Q, %K, %V, %M {causal, scale = 0.5 : f64, top_k = 16 : i64, sink = 0 : i64, window = 0 : i64} : (tensor<1x2x3x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x2xf32>, tensor<3x4xi1>) -> tensor<1x2x3x2xf32>
  call @print(%all) : (tensor<1x2x3x2xf32>) -> ()

  // Ties: all keys equal, so every score ties; top_k = 2 keeps the two
  // lowest key indices, whose values average to (0.165, -0.34) for every
  // query (key 2 and 3 would move it).
  // CHECK:      {{\[\[}}{{\[\[}}0.165,     -0.34],
  // CHECK-NEXT: [0.165,     -0.34],
  // CHECK-NEXT: [0.165,     -0.34]],
  // CHECK-NEXT: {{\[\[}}0.165,     -0.34],
  // CHECK-NEXT: [0.165,     -0.34],
  // CHECK-NEXT: [0.165,     -0.34]]]]
  %Keq = autoglm.constant dense<0.5> : tensor<1x1x4x4xf32>
  %ties = autoglm.topk_attention %Q, %Keq, %V {scale = 1.0 : f64, top_k = 2 : i64, sink = 0 : i64, window = 0 : i64} : (tensor<1x2x3x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x2xf32>) -> tensor<1x2x3x2xf32>
  call @print(%ties) : (tensor<1x2x3x2xf32>) -> ()

  // Selection shared by the query heads of a key/value head: top_k = 1, no
  // sink or window, each query keeps the one key with the best score over
  // both heads. Scores (head 0 / head 1) of query 0: keys 0-3 -1.674/0.209,
  // -0.174/0.302, -0.077/-0.658, -0.896/-0.164: key 1 (0.302), although
  // head 0 alone would pick key 2. Queries 1 and 2: key 3 (0.682, 1.501).
  // Both heads then read value row 1, 3, 3.
  // CHECK:      {{\[\[}}{{\[\[}}0.19,     -0.32],
  // CHECK-NEXT: [-0.55,     0.25],
  // CHECK-NEXT: [-0.55,     0.25]],
  // CHECK-NEXT: {{\[\[}}0.19,     -0.32],
  // CHECK-NEXT: [-0.55,     0.25],
  // CHECK-NEXT: [-0.55,     0.25]]]]
  %one = autoglm.topk_attention %Q, %K, %V {scale = 1.0 : f64, top_k = 1 : i64, sink = 0 : i64, window = 0 : i64} : (tensor<1x2x3x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x2xf32>) -> tensor<1x2x3x2xf32>
  call @print(%one) : (tensor<1x2x3x2xf32>) -> ()
  return
}
