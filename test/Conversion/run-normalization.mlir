// RUN: %lower-and-run | FileCheck %s

// Reductions and normalizations lowered, compiled and run. Expected values:
// numpy (the expression before each print), compared at 2e-5 and pasted.

func.func private @printMemrefF32(memref<*xf32>)
func.func private @printMemrefI64(memref<*xi64>)

func.func @main() {
  %X = autoglm.constant dense<[[1.0, -2.0, 3.0, 0.5, 2.0], [4.0, 4.0, -1.0, 0.0, 4.0]]> : tensor<2x5xf32>
  %X0 = autoglm.constant dense<[1.0, -2.0, 3.0, 0.5, 2.0]> : tensor<5xf32>
  %T = autoglm.constant dense<[[[-2.0, -1.0, 0.0, 1.0], [2.0, 3.0, 4.0, -2.0], [-1.0, 0.0, 1.0, 2.0]], [[3.0, 4.0, -2.0, -1.0], [0.0, 1.0, 2.0, 3.0], [4.0, -2.0, -1.0, 0.0]]]> : tensor<2x3x4xf32>
  %S = autoglm.constant dense<[[1.0, 2.0, 0.5, -1.0], [0.5, 1.0, 1.0, 2.0], [1.0, 1.0, 1.0, 1.0]]> : tensor<3x4xf32>
  %Bb = autoglm.constant dense<[0.0, 1.0, -1.0, 0.5]> : tensor<4xf32>
  %B4 = autoglm.constant dense<[[[[-1.0, 0.0], [1.0, 2.0]], [[3.0, -1.0], [0.0, 1.0]], [[2.0, 3.0], [-1.0, 0.0]]]]> : tensor<1x3x2x2xf32>
  %sc = autoglm.constant dense<[1.0, 2.0, 0.5]> : tensor<3xf32>
  %bi = autoglm.constant dense<[0.0, 1.0, -1.0]> : tensor<3xf32>
  %mu = autoglm.constant dense<[0.5, 1.0, -1.0]> : tensor<3xf32>
  %var = autoglm.constant dense<[1.0, 4.0, 0.25]> : tensor<3xf32>

  // np.mean(T, axis=(0, 2), keepdims=True)
  // CHECK: {{\[\[}}[0.25],
  // CHECK-NEXT: [1.625],
  // CHECK-NEXT: [0.375]]]
  %mean = autoglm.reduce mean %T {axes = array<i64: 0, 2>, keepdims} : (tensor<2x3x4xf32>) -> tensor<1x3x1xf32>
  %m_mean = bufferization.to_buffer %mean : tensor<1x3x1xf32> to memref<1x3x1xf32>
  %u_mean = memref.cast %m_mean : memref<1x3x1xf32> to memref<*xf32>
  call @printMemrefF32(%u_mean) : (memref<*xf32>) -> ()

  // np.max(T, axis=1)
  // CHECK: {{\[\[}}2,   3,   4,   2],
  // CHECK-NEXT: [4,   4,   2,   3]]
  %max = autoglm.reduce max %T {axes = array<i64: 1>} : (tensor<2x3x4xf32>) -> tensor<2x4xf32>
  %m_max = bufferization.to_buffer %max : tensor<2x4xf32> to memref<2x4xf32>
  %u_max = memref.cast %m_max : memref<2x4xf32> to memref<*xf32>
  call @printMemrefF32(%u_max) : (memref<*xf32>) -> ()

  // np.sum(X**2, axis=1)
  // CHECK: [18.25,  49]
  %ssq = autoglm.reduce sum_square %X {axes = array<i64: 1>} : (tensor<2x5xf32>) -> tensor<2xf32>
  %m_ssq = bufferization.to_buffer %ssq : tensor<2xf32> to memref<2xf32>
  %u_ssq = memref.cast %m_ssq : memref<2xf32> to memref<*xf32>
  call @printMemrefF32(%u_ssq) : (memref<*xf32>) -> ()

  // np.log(np.sum(np.exp(X), axis=1))
  // CHECK: [3.46501,  5.10693]
  %lse = autoglm.reduce log_sum_exp %X {axes = array<i64: 1>} : (tensor<2x5xf32>) -> tensor<2xf32>
  %m_lse = bufferization.to_buffer %lse : tensor<2xf32> to memref<2xf32>
  %u_lse = memref.cast %m_lse : memref<2xf32> to memref<*xf32>
  call @printMemrefF32(%u_lse) : (memref<*xf32>) -> ()

  // softmax(X, axis=1)
  // CHECK: {{\[\[}}0.0850076,   0.00423228,   0.628126,   0.0515597,   0.231075],
  // CHECK-NEXT: [0.330573,   0.330573,   0.00222738,   0.00605465,   0.330573]]
  %sm = autoglm.softmax %X {axis = 1 : i64} : tensor<2x5xf32>
  %m_sm = bufferization.to_buffer %sm : tensor<2x5xf32> to memref<2x5xf32>
  %u_sm = memref.cast %m_sm : memref<2x5xf32> to memref<*xf32>
  call @printMemrefF32(%u_sm) : (memref<*xf32>) -> ()

  // log(softmax(X, axis=0))
  // CHECK: {{\[\[}}-3.04859,   -6.00248,   -0.01815,   -0.474077,   -2.12693],
  // CHECK-NEXT: [-0.0485873,   -0.00247565,   -4.01815,   -0.974077,   -0.126928]]
  %lsm = autoglm.softmax %X {axis = 0 : i64, log} : tensor<2x5xf32>
  %m_lsm = bufferization.to_buffer %lsm : tensor<2x5xf32> to memref<2x5xf32>
  %u_lsm = memref.cast %m_lsm : memref<2x5xf32> to memref<*xf32>
  call @printMemrefF32(%u_lsm) : (memref<*xf32>) -> ()

  // layer norm over dims 1, 2; eps 1e-5
  // CHECK: {{\[\[}}[-1.39901,    -0.714913,    -1.15795,    0.274353],
  // CHECK-NEXT: [0.383599,    2.30875,    0.850302,    -2.29802],
  // CHECK-NEXT: [-0.857457,    0.684095,    -0.774354,    1.2672]],
  // CHECK-NEXT: {{\[\[}}0.973861,    3.88263,    -1.6817,    1.39595],
  // CHECK-NEXT: [-0.214249,    1.03895,    -0.493593,    2.44772],
  // CHECK-NEXT: [1.44131,    -0.363405,    -1.89595,    0.0715013]]]
  %ln = autoglm.layer_norm %T, %S, %Bb {axis = 1 : i64} : (tensor<2x3x4xf32>, tensor<3x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  %m_ln = bufferization.to_buffer %ln : tensor<2x3x4xf32> to memref<2x3x4xf32>
  %u_ln = memref.cast %m_ln : memref<2x3x4xf32> to memref<*xf32>
  call @printMemrefF32(%u_ln) : (memref<*xf32>) -> ()

  // RMS norm: X / sqrt(mean(X**2)) * scale
  // CHECK: {{\[\[}}0.523424,   2.0937,   4.71082,   0.130856,   2.0937],
  // CHECK-NEXT: [1.27775,   -2.55551,   -0.958315,   0,   2.55551]]
  %rms = autoglm.layer_norm %X, %X0 {axis = 1 : i64, rms, epsilon = 0.0 : f64} : (tensor<2x5xf32>, tensor<5xf32>) -> tensor<2x5xf32>
  %m_rms = bufferization.to_buffer %rms : tensor<2x5xf32> to memref<2x5xf32>
  %u_rms = memref.cast %m_rms : memref<2x5xf32> to memref<*xf32>
  call @printMemrefF32(%u_rms) : (memref<*xf32>) -> ()

  // (x - mean) / sqrt(var) * scale + bias per channel
  // CHECK: {{\[\[}}{{\[\[}}-1.5,     -0.5],
  // CHECK-NEXT: [0.5,     1.5]],
  // CHECK-NEXT: {{\[\[}}3,     -1],
  // CHECK-NEXT: [0,     1]],
  // CHECK-NEXT: {{\[\[}}2,     3],
  // CHECK-NEXT: [-1,     0]]]]
  %bn = autoglm.batch_norm %B4, %sc, %bi, %mu, %var {epsilon = 0.0 : f64} : (tensor<1x3x2x2xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<1x3x2x2xf32>
  %m_bn = bufferization.to_buffer %bn : tensor<1x3x2x2xf32> to memref<1x3x2x2xf32>
  %u_bn = memref.cast %m_bn : memref<1x3x2x2xf32> to memref<*xf32>
  call @printMemrefF32(%u_bn) : (memref<*xf32>) -> ()

  // np.argmax(X, axis=1): the first of the tied 4s
  // CHECK: [2,  0]
  %am = autoglm.arg_reduce argmax %X {axis = 1 : i64} : (tensor<2x5xf32>) -> tensor<2xi64>
  %m_am = bufferization.to_buffer %am : tensor<2xi64> to memref<2xi64>
  %u_am = memref.cast %m_am : memref<2xi64> to memref<*xi64>
  call @printMemrefI64(%u_am) : (memref<*xi64>) -> ()

  // select_last_index: the last of the tied 4s
  // CHECK: {{\[\[}}2],
  // CHECK-NEXT: [4]]
  %aml = autoglm.arg_reduce argmax %X {axis = 1 : i64, keepdims, select_last_index} : (tensor<2x5xf32>) -> tensor<2x1xi64>
  %m_aml = bufferization.to_buffer %aml : tensor<2x1xi64> to memref<2x1xi64>
  %u_aml = memref.cast %m_aml : memref<2x1xi64> to memref<*xi64>
  call @printMemrefI64(%u_aml) : (memref<*xi64>) -> ()

  // np.argmin(X, axis=0)
  // CHECK: [0,  0,  1,  1,  0]
  %amin = autoglm.arg_reduce argmin %X {axis = 0 : i64} : (tensor<2x5xf32>) -> tensor<5xi64>
  %m_amin = bufferization.to_buffer %amin : tensor<5xi64> to memref<5xi64>
  %u_amin = memref.cast %m_amin : memref<5xi64> to memref<*xi64>
  call @printMemrefI64(%u_amin) : (memref<*xi64>) -> ()

  // np.cumsum(X, axis=1)
  // CHECK: {{\[\[}}1,   -1,   2,   2.5,   4.5],
  // CHECK-NEXT: [4,   8,   7,   7,   11]]
  %cs = autoglm.cumsum %X {axis = 1 : i64} : tensor<2x5xf32>
  %m_cs = bufferization.to_buffer %cs : tensor<2x5xf32> to memref<2x5xf32>
  %u_cs = memref.cast %m_cs : memref<2x5xf32> to memref<*xf32>
  call @printMemrefF32(%u_cs) : (memref<*xf32>) -> ()

  // exclusive reverse cumsum
  // CHECK: {{\[\[}}3.5,   5.5,   2.5,   2,   0],
  // CHECK-NEXT: [7,   3,   4,   4,   0]]
  %csx = autoglm.cumsum %X {axis = 1 : i64, exclusive, reverse} : tensor<2x5xf32>
  %m_csx = bufferization.to_buffer %csx : tensor<2x5xf32> to memref<2x5xf32>
  %u_csx = memref.cast %m_csx : memref<2x5xf32> to memref<*xf32>
  call @printMemrefF32(%u_csx) : (memref<*xf32>) -> ()
  return
}
