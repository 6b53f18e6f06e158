// RUN: autoglm-opt %s --split-input-file --autoglm-fold-constants | FileCheck %s
// RUN: autoglm-opt %s --split-input-file --autoglm-fold-constants="fold-batch-norms=false" | FileCheck %s --check-prefix=OFF

// batch_norm with constant parameters folds into the convolution or matmul
// before it: y = x * scale + shift per channel, scale = gamma / sqrt(var +
// eps), shift = beta - mean * scale; W' = W * scale along the output
// channel, b' = b * scale + shift.
//
// In every case here gamma = [2, 1], beta = [1, 0], mean = [0.5, 1],
// var = [4, 0.25], eps = 0: scale = [1, 2], shift = [0.5, -2].

// Conv with weights [[1, 2], [3, 4]] (2 output channels, 1x1 kernel) and
// bias [0.5, -1]: W' = [[1, 2], [6, 8]], b' = [1, -4].
// CHECK-LABEL: func.func @conv_bias(
// CHECK-DAG:  %[[W:.*]] = autoglm.constant dense<{{\[}}{{\[}}{{\[}}[1.000000e+00]], {{\[}}[2.000000e+00]]], {{\[}}{{\[}}[6.000000e+00]], {{\[}}[8.000000e+00]]]]> : tensor<2x2x1x1xf32>
// CHECK-DAG:  %[[B:.*]] = autoglm.constant dense<[1.000000e+00, -4.000000e+00]> : tensor<2xf32>
// CHECK:      %[[Y:.*]] = autoglm.conv %arg0, %[[W]], %[[B]]
// CHECK-NOT:  autoglm.batch_norm
// CHECK:      return %[[Y]]
// OFF-LABEL: func.func @conv_bias(
// OFF: autoglm.batch_norm
func.func @conv_bias(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = autoglm.constant dense<[[[[1.0]], [[2.0]]], [[[3.0]], [[4.0]]]]> : tensor<2x2x1x1xf32>
  %b = autoglm.constant dense<[0.5, -1.0]> : tensor<2xf32>
  %gamma = autoglm.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %beta = autoglm.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %mean = autoglm.constant dense<[0.5, 1.0]> : tensor<2xf32>
  %var = autoglm.constant dense<[4.0, 0.25]> : tensor<2xf32>
  %c = autoglm.conv %x, %w, %b {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32> loc("conv1")
  %y = autoglm.batch_norm %c, %gamma, %beta, %mean, %var {epsilon = 0.0 : f64} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32> loc("bn1")
  return %y : tensor<1x2x4x4xf32>
}

// -----

// A conv without bias gets one: b' = shift. The weights are transposed
// constants (as an importer may leave them): they fold first.
// CHECK-LABEL: func.func @conv_no_bias(
// CHECK-DAG:  %[[W:.*]] = autoglm.constant dense<{{\[}}{{\[}}{{\[}}[1.000000e+00]], {{\[}}[3.000000e+00]]], {{\[}}{{\[}}[4.000000e+00]], {{\[}}[8.000000e+00]]]]> : tensor<2x2x1x1xf32>
// CHECK-DAG:  %[[B:.*]] = autoglm.constant dense<[5.000000e-01, -2.000000e+00]> : tensor<2xf32>
// CHECK:      autoglm.conv %arg0, %[[W]], %[[B]]
// CHECK-NOT:  autoglm.batch_norm
// CHECK-NOT:  autoglm.transpose
func.func @conv_no_bias(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %wt = autoglm.constant dense<[[[[1.0]], [[2.0]]], [[[3.0]], [[4.0]]]]> : tensor<2x2x1x1xf32>
  %w = autoglm.transpose %wt, [1, 0, 2, 3] : (tensor<2x2x1x1xf32>) -> tensor<2x2x1x1xf32>
  %gamma = autoglm.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %beta = autoglm.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %mean = autoglm.constant dense<[0.5, 1.0]> : tensor<2xf32>
  %var = autoglm.constant dense<[4.0, 0.25]> : tensor<2xf32>
  %c = autoglm.conv %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %y = autoglm.batch_norm %c, %gamma, %beta, %mean, %var {epsilon = 0.0 : f64} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}

// -----

// Not folded: the conv result has a second user (which needs it without
// the norm), and a norm whose mean is not a constant.
// CHECK-LABEL: func.func @conv_second_user(
// CHECK: %[[C:.*]] = autoglm.conv
// CHECK: autoglm.batch_norm %[[C]]
// CHECK: autoglm.relu %[[C]]
// CHECK-LABEL: func.func @variable_mean(
// CHECK: autoglm.conv
// CHECK: autoglm.batch_norm
func.func @conv_second_user(%x: tensor<1x2x4x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %w = autoglm.constant dense<[[[[1.0]], [[2.0]]], [[[3.0]], [[4.0]]]]> : tensor<2x2x1x1xf32>
  %gamma = autoglm.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %beta = autoglm.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %mean = autoglm.constant dense<[0.5, 1.0]> : tensor<2xf32>
  %var = autoglm.constant dense<[4.0, 0.25]> : tensor<2xf32>
  %c = autoglm.conv %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %y = autoglm.batch_norm %c, %gamma, %beta, %mean, %var {epsilon = 0.0 : f64} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %r = autoglm.relu %c : tensor<1x2x4x4xf32>
  return %y, %r : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}
func.func @variable_mean(%x: tensor<1x2x4x4xf32>, %mean: tensor<2xf32>) -> tensor<1x2x4x4xf32> {
  %w = autoglm.constant dense<[[[[1.0]], [[2.0]]], [[[3.0]], [[4.0]]]]> : tensor<2x2x1x1xf32>
  %gamma = autoglm.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %beta = autoglm.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %var = autoglm.constant dense<[4.0, 0.25]> : tensor<2xf32>
  %c = autoglm.conv %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %y = autoglm.batch_norm %c, %gamma, %beta, %mean, %var {epsilon = 0.0 : f64} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}

// -----

// Matmul [M, K] x [K, N] whose columns are the norm's channels: the
// columns of W = [[1, 2], [3, 4]] scale by [1, 2], and a bias add appears
// (shift); with a Gemm-style bias c = [0.5, -1], c' = [1, -4].
// CHECK-LABEL: func.func @matmul(
// CHECK-DAG:  %[[W:.*]] = autoglm.constant dense<{{\[}}[1.000000e+00, 4.000000e+00], [3.000000e+00, 8.000000e+00]]> : tensor<2x2xf32>
// CHECK-DAG:  %[[B:.*]] = autoglm.constant dense<[5.000000e-01, -2.000000e+00]> : tensor<2xf32>
// CHECK:      %[[P:.*]] = autoglm.matmul %arg0, %[[W]]
// CHECK:      %[[Y:.*]] = autoglm.add %[[P]], %[[B]]
// CHECK-NOT:  autoglm.batch_norm
// CHECK:      return %[[Y]]
// CHECK-LABEL: func.func @matmul_bias(
// CHECK-DAG:  %[[W:.*]] = autoglm.constant dense<{{\[}}[1.000000e+00, 4.000000e+00], [3.000000e+00, 8.000000e+00]]> : tensor<2x2xf32>
// CHECK-DAG:  %[[B:.*]] = autoglm.constant dense<[1.000000e+00, -4.000000e+00]> : tensor<2xf32>
// CHECK:      %[[P:.*]] = autoglm.matmul %arg0, %[[W]]
// CHECK:      %[[Y:.*]] = autoglm.add %[[P]], %[[B]]
// CHECK-NOT:  autoglm.batch_norm
// CHECK:      return %[[Y]]
func.func @matmul(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = autoglm.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %gamma = autoglm.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %beta = autoglm.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %mean = autoglm.constant dense<[0.5, 1.0]> : tensor<2xf32>
  %var = autoglm.constant dense<[4.0, 0.25]> : tensor<2xf32>
  %m = autoglm.matmul %x, %w : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
  %y = autoglm.batch_norm %m, %gamma, %beta, %mean, %var {epsilon = 0.0 : f64} : (tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}
func.func @matmul_bias(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = autoglm.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %c = autoglm.constant dense<[0.5, -1.0]> : tensor<2xf32>
  %gamma = autoglm.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %beta = autoglm.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %mean = autoglm.constant dense<[0.5, 1.0]> : tensor<2xf32>
  %var = autoglm.constant dense<[4.0, 0.25]> : tensor<2xf32>
  %m = autoglm.matmul %x, %w : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
  %a = autoglm.add %c, %m : (tensor<2xf32>, tensor<3x2xf32>) -> tensor<3x2xf32>
  %y = autoglm.batch_norm %a, %gamma, %beta, %mean, %var {epsilon = 0.0 : f64} : (tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// Not folded: a batched matmul result [B, M, N] has M, not the matmul's
// output columns, as the norm's channel dimension; a bias that varies per
// row, not per column, cannot move behind the scale.
// CHECK-LABEL: func.func @matmul_rank3(
// CHECK: autoglm.matmul
// CHECK: autoglm.batch_norm
// CHECK-LABEL: func.func @matmul_row_bias(
// CHECK: autoglm.matmul
// CHECK: autoglm.add
// CHECK: autoglm.batch_norm
func.func @matmul_rank3(%x: tensor<1x2x2xf32>) -> tensor<1x2x2xf32> {
  %w = autoglm.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %gamma = autoglm.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %beta = autoglm.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %mean = autoglm.constant dense<[0.5, 1.0]> : tensor<2xf32>
  %var = autoglm.constant dense<[4.0, 0.25]> : tensor<2xf32>
  %m = autoglm.matmul %x, %w : (tensor<1x2x2xf32>, tensor<2x2xf32>) -> tensor<1x2x2xf32>
  %y = autoglm.batch_norm %m, %gamma, %beta, %mean, %var {epsilon = 0.0 : f64} : (tensor<1x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x2xf32>
  return %y : tensor<1x2x2xf32>
}
func.func @matmul_row_bias(%x: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %w = autoglm.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %c = autoglm.constant dense<[[0.5], [-1.0]]> : tensor<2x1xf32>
  %gamma = autoglm.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %beta = autoglm.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %mean = autoglm.constant dense<[0.5, 1.0]> : tensor<2xf32>
  %var = autoglm.constant dense<[4.0, 0.25]> : tensor<2xf32>
  %m = autoglm.matmul %x, %w : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  %a = autoglm.add %m, %c : (tensor<2x2xf32>, tensor<2x1xf32>) -> tensor<2x2xf32>
  %y = autoglm.batch_norm %a, %gamma, %beta, %mean, %var {epsilon = 0.0 : f64} : (tensor<2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}
