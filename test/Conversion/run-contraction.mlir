// RUN: %lower-and-run | FileCheck %s

// Contractions lowered, compiled and run. Expected values: numpy references
// (np.matmul; direct-loop convolution, grouped convolution, scatter-add
// transposed convolution and pooling written with numpy, ONNX semantics),
// compared at 2e-5 and pasted below.

func.func private @printMemrefF32(memref<*xf32>)

func.func @main() {
  %A = autoglm.constant dense<[[[[-5.0, -4.0, -3.0], [-2.0, -1.0, 0.0]]], [[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]]]> : tensor<2x1x2x3xf32>
  %B = autoglm.constant dense<[[[-3.0, -2.0], [-1.0, 0.0], [1.0, 2.0]], [[3.0, -3.0], [-2.0, -1.0], [0.0, 1.0]], [[2.0, 3.0], [-3.0, -2.0], [-1.0, 0.0]]]> : tensor<3x3x2xf32>
  %X = autoglm.constant dense<[[[[-2.0, -1.0, 0.0, 1.0], [2.0, -2.0, -1.0, 0.0], [1.0, 2.0, -2.0, -1.0], [0.0, 1.0, 2.0, -2.0]], [[-1.0, 0.0, 1.0, 2.0], [-2.0, -1.0, 0.0, 1.0], [2.0, -2.0, -1.0, 0.0], [1.0, 2.0, -2.0, -1.0]]]]> : tensor<1x2x4x4xf32>
  %Wc = autoglm.constant dense<[[[[-3.0, 2.0, 0.0], [-2.0, 3.0, 1.0], [-1.0, -3.0, 2.0]], [[0.0, -2.0, 3.0], [1.0, -1.0, -3.0], [2.0, 0.0, -2.0]]], [[[3.0, 1.0, -1.0], [-3.0, 2.0, 0.0], [-2.0, 3.0, 1.0]], [[-1.0, -3.0, 2.0], [0.0, -2.0, 3.0], [1.0, -1.0, -3.0]]], [[[2.0, 0.0, -2.0], [3.0, 1.0, -1.0], [-3.0, 2.0, 0.0]], [[-2.0, 3.0, 1.0], [-1.0, -3.0, 2.0], [0.0, -2.0, 3.0]]]]> : tensor<3x2x3x3xf32>
  %bias = autoglm.constant dense<[0.5, -1.0, 2.0]> : tensor<3xf32>
  %Xg = autoglm.constant dense<[[[[-1.0, 0.0, 1.0], [2.0, -1.0, 0.0], [1.0, 2.0, -1.0]], [[0.0, 1.0, 2.0], [-1.0, 0.0, 1.0], [2.0, -1.0, 0.0]], [[1.0, 2.0, -1.0], [0.0, 1.0, 2.0], [-1.0, 0.0, 1.0]], [[2.0, -1.0, 0.0], [1.0, 2.0, -1.0], [0.0, 1.0, 2.0]]]]> : tensor<1x4x3x3xf32>
  %Wg = autoglm.constant dense<[[[[-1.0, 0.0], [1.0, -1.0]], [[0.0, 1.0], [-1.0, 0.0]]], [[[1.0, -1.0], [0.0, 1.0]], [[-1.0, 0.0], [1.0, -1.0]]]]> : tensor<2x2x2x2xf32>
  %Xd = autoglm.constant dense<[[[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]], [[9.0, 10.0, 11.0], [12.0, 13.0, 14.0], [15.0, 16.0, 17.0]]]]> : tensor<1x2x3x3xf32>
  %Wd = autoglm.constant dense<[[[[1.0, 0.0], [0.0, -1.0]]], [[[2.0, 1.0], [1.0, 2.0]]]]> : tensor<2x1x2x2xf32>
  %Xt = autoglm.constant dense<[[[[1.0, 2.0], [3.0, 4.0]]]]> : tensor<1x1x2x2xf32>
  %Wt = autoglm.constant dense<[[[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]]]]> : tensor<1x1x3x3xf32>
  %Xp = autoglm.constant dense<[[[[0.0, 7.0, 3.0, 10.0, 6.0], [2.0, 9.0, 5.0, 1.0, 8.0], [4.0, 0.0, 7.0, 3.0, 10.0], [6.0, 2.0, 9.0, 5.0, 1.0], [8.0, 4.0, 0.0, 7.0, 3.0]]]]> : tensor<1x1x5x5xf32>

  // np.matmul(A, B): batch dims 2x1 and 3 broadcast to 2x3
  // CHECK: {{\[\[}}{{\[\[}}16,     4],
  // CHECK-NEXT: [7,     4]],
  // CHECK-NEXT: {{\[\[}}-7,     16],
  // CHECK-NEXT: [-4,     7]],
  // CHECK-NEXT: {{\[\[}}5,     -7],
  // CHECK-NEXT: [-1,     -4]]],
  // CHECK-NEXT: {{\[\[}}[-2,     4],
  // CHECK-NEXT: [-11,     4]],
  // CHECK-NEXT: {{\[\[}}-1,     -2],
  // CHECK-NEXT: [2,     -11]],
  // CHECK-NEXT: {{\[\[}}-7,     -1],
  // CHECK-NEXT: [-13,     2]]]]
  %mm = autoglm.matmul %A, %B : (tensor<2x1x2x3xf32>, tensor<3x3x2xf32>) -> tensor<2x3x2x2xf32>
  %m_mm = bufferization.to_buffer %mm : tensor<2x3x2x2xf32> to memref<2x3x2x2xf32>
  %u_mm = memref.cast %m_mm : memref<2x3x2x2xf32> to memref<*xf32>
  call @printMemrefF32(%u_mm) : (memref<*xf32>) -> ()


  // conv, stride 2, pad 1, bias
  // CHECK: {{\[\[}}{{\[\[}}-13.5,     -2.5],
  // CHECK-NEXT: [12.5,     -9.5]],
  // CHECK-NEXT: {{\[\[}}6,     3],
  // CHECK-NEXT: [-7,     -4]],
  // CHECK-NEXT: {{\[\[}}9,     6],
  // CHECK-NEXT: [-8,     13]]]]
  %conv = autoglm.conv %X, %Wc, %bias {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<3x2x3x3xf32>, tensor<3xf32>) -> tensor<1x3x2x2xf32>
  %m_conv = bufferization.to_buffer %conv : tensor<1x3x2x2xf32> to memref<1x3x2x2xf32>
  %u_conv = memref.cast %m_conv : memref<1x3x2x2xf32> to memref<*xf32>
  call @printMemrefF32(%u_conv) : (memref<*xf32>) -> ()


  // two groups of two channels
  // CHECK: {{\[\[}}{{\[\[}}6,     1],
  // CHECK-NEXT: [-5,     6]],
  // CHECK-NEXT: {{\[\[}}-3,     9],
  // CHECK-NEXT: [-3,     -3]]]]
  %gconv = autoglm.conv %Xg, %Wg {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 2 : i64} : (tensor<1x4x3x3xf32>, tensor<2x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %m_gconv = bufferization.to_buffer %gconv : tensor<1x2x2x2xf32> to memref<1x2x2x2xf32>
  %u_gconv = memref.cast %m_gconv : memref<1x2x2x2xf32> to memref<*xf32>
  call @printMemrefF32(%u_gconv) : (memref<*xf32>) -> ()


  // depthwise
  // CHECK: {{\[\[}}{{\[\[}}-4,     -4],
  // CHECK-NEXT: [-4,     -4]],
  // CHECK-NEXT: {{\[\[}}66,     72],
  // CHECK-NEXT: [84,     90]]]]
  %dconv = autoglm.conv %Xd, %Wd {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 2 : i64} : (tensor<1x2x3x3xf32>, tensor<2x1x2x2xf32>) -> tensor<1x2x2x2xf32>
  %m_dconv = bufferization.to_buffer %dconv : tensor<1x2x2x2xf32> to memref<1x2x2x2xf32>
  %u_dconv = memref.cast %m_dconv : memref<1x2x2x2xf32> to memref<*xf32>
  call @printMemrefF32(%u_dconv) : (memref<*xf32>) -> ()


  // conv_transpose, stride 2, pad 1 (scatter-add reference)
  // CHECK: {{\[\[}}{{\[\[}}4,     11,     8],
  // CHECK-NEXT: [10,     26,     18],
  // CHECK-NEXT: [12,     27,     16]]]]
  %tconv = autoglm.conv_transpose %Xt, %Wt {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, output_padding = array<i64: 0, 0>} : (tensor<1x1x2x2xf32>, tensor<1x1x3x3xf32>) -> tensor<1x1x3x3xf32>
  %m_tconv = bufferization.to_buffer %tconv : tensor<1x1x3x3xf32> to memref<1x1x3x3xf32>
  %u_tconv = memref.cast %m_tconv : memref<1x1x3x3xf32> to memref<*xf32>
  call @printMemrefF32(%u_tconv) : (memref<*xf32>) -> ()


  // same with output_padding 1
  // CHECK: {{\[\[}}{{\[\[}}4,     11,     8,     10],
  // CHECK-NEXT: [10,     26,     18,     24],
  // CHECK-NEXT: [12,     27,     16,     20],
  // CHECK-NEXT: [21,     48,     28,     32]]]]
  %tconv2 = autoglm.conv_transpose %Xt, %Wt {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, output_padding = array<i64: 1, 1>} : (tensor<1x1x2x2xf32>, tensor<1x1x3x3xf32>) -> tensor<1x1x4x4xf32>
  %m_tconv2 = bufferization.to_buffer %tconv2 : tensor<1x1x4x4xf32> to memref<1x1x4x4xf32>
  %u_tconv2 = memref.cast %m_tconv2 : memref<1x1x4x4xf32> to memref<*xf32>
  call @printMemrefF32(%u_tconv2) : (memref<*xf32>) -> ()


  // grouped conv_transpose: output channel g sums input channels 2g, 2g+1,
  // each spreading its value over its own kernel (W[c] = one-hot at c)
  // CHECK: {{\[\[}}{{\[\[}}1,     2],
  // CHECK-NEXT: [0,     0]],
  // CHECK-NEXT: {{\[\[}}0,     0],
  // CHECK-NEXT: [3,     4]]]]
  %Xtg = autoglm.constant dense<[[[[1.0]], [[2.0]], [[3.0]], [[4.0]]]]> : tensor<1x4x1x1xf32>
  %Wtg = autoglm.constant dense<[[[[1.0, 0.0], [0.0, 0.0]]], [[[0.0, 1.0], [0.0, 0.0]]], [[[0.0, 0.0], [1.0, 0.0]]], [[[0.0, 0.0], [0.0, 1.0]]]]> : tensor<4x1x2x2xf32>
  %gtconv = autoglm.conv_transpose %Xtg, %Wtg {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, output_padding = array<i64: 0, 0>, groups = 2 : i64} : (tensor<1x4x1x1xf32>, tensor<4x1x2x2xf32>) -> tensor<1x2x2x2xf32>
  %m_gtconv = bufferization.to_buffer %gtconv : tensor<1x2x2x2xf32> to memref<1x2x2x2xf32>
  %u_gtconv = memref.cast %m_gtconv : memref<1x2x2x2xf32> to memref<*xf32>
  call @printMemrefF32(%u_gtconv) : (memref<*xf32>) -> ()


  // max pool 3x3, stride 2, pad 1
  // CHECK: {{\[\[}}{{\[\[}}9,     10,     10],
  // CHECK-NEXT: [9,     9,     10],
  // CHECK-NEXT: [8,     9,     7]]]]
  %maxp = autoglm.pool max %Xp {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>} : (tensor<1x1x5x5xf32>) -> tensor<1x1x3x3xf32>
  %m_maxp = bufferization.to_buffer %maxp : tensor<1x1x3x3xf32> to memref<1x1x3x3xf32>
  %u_maxp = memref.cast %m_maxp : memref<1x1x3x3xf32> to memref<*xf32>
  call @printMemrefF32(%u_maxp) : (memref<*xf32>) -> ()


  // average pool, padding not counted
  // CHECK: {{\[\[}}{{\[\[}}4.5,     5.83333,     6.25],
  // CHECK-NEXT: [3.83333,     4.55556,     4.66667],
  // CHECK-NEXT: [5,     4.5,     4]]]]
  %avgp = autoglm.pool avg %Xp {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>} : (tensor<1x1x5x5xf32>) -> tensor<1x1x3x3xf32>
  %m_avgp = bufferization.to_buffer %avgp : tensor<1x1x3x3xf32> to memref<1x1x3x3xf32>
  %u_avgp = memref.cast %m_avgp : memref<1x1x3x3xf32> to memref<*xf32>
  call @printMemrefF32(%u_avgp) : (memref<*xf32>) -> ()


  // average pool, count_include_pad (always 9)
  // CHECK: {{\[\[}}{{\[\[}}2,     3.88889,     2.77778],
  // CHECK-NEXT: [2.55556,     4.55556,     3.11111],
  // CHECK-NEXT: [2.22222,     3,     1.77778]]]]
  %avgpi = autoglm.pool avg %Xp {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, count_include_pad} : (tensor<1x1x5x5xf32>) -> tensor<1x1x3x3xf32>
  %m_avgpi = bufferization.to_buffer %avgpi : tensor<1x1x3x3xf32> to memref<1x1x3x3xf32>
  %u_avgpi = memref.cast %m_avgpi : memref<1x1x3x3xf32> to memref<*xf32>
  call @printMemrefF32(%u_avgpi) : (memref<*xf32>) -> ()


  // average pool 2x2 stride 2, ceil_mode: the last windows are partial
  // CHECK: {{\[\[}}{{\[\[}}4.5,     4.75,     7],
  // CHECK-NEXT: [3,     6,     5.5],
  // CHECK-NEXT: [6,     3.5,     3]]]]
  %avgpc = autoglm.pool avg %Xp {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode} : (tensor<1x1x5x5xf32>) -> tensor<1x1x3x3xf32>
  %m_avgpc = bufferization.to_buffer %avgpc : tensor<1x1x3x3xf32> to memref<1x1x3x3xf32>
  %u_avgpc = memref.cast %m_avgpc : memref<1x1x3x3xf32> to memref<*xf32>
  call @printMemrefF32(%u_avgpc) : (memref<*xf32>) -> ()
  return
}
