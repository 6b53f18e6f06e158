// RUN: %lower-and-run | FileCheck %s

// Lowered elementwise ops compiled and run. Expected values: numpy
// (np.add / np.multiply with broadcasting, np.exp, np.tanh, scipy-free
// erf via math.erf, GELU = 0.5 x (1 + erf(x / sqrt 2)) and its tanh form,
// np.remainder / np.fmod, uint8 division), printed to 6 digits.

func.func private @printMemrefF32(memref<*xf32>)
func.func private @printMemrefI32(memref<*xi32>)

func.func @main() {
  %a = autoglm.constant dense<[[1.0, -2.0, 3.0], [-4.0, 5.0, -6.0]]> : tensor<2x3xf32>
  %row = autoglm.constant dense<[10.0, 20.0, 30.0]> : tensor<3xf32>
  %col = autoglm.constant dense<[[2.0], [-1.0]]> : tensor<2x1xf32>

  // (a + row) * col
  // CHECK: rank = 2 offset = 0 sizes = [2, 3]
  // CHECK-NEXT: [22,   36,   66]
  // CHECK-NEXT: [-6,   -25,   -24]
  %0 = autoglm.add %a, %row : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %1 = autoglm.mul %0, %col : (tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x3xf32>
  %m1 = bufferization.to_buffer %1 : tensor<2x3xf32> to memref<2x3xf32>
  %u1 = memref.cast %m1 : memref<2x3xf32> to memref<*xf32>
  call @printMemrefF32(%u1) : (memref<*xf32>) -> ()

  %x = autoglm.constant dense<[-2.0, -0.5, 0.0, 0.5, 1.0, 3.0]> : tensor<6xf32>
  // exp: [0.135335, 0.606531, 1, 1.64872, 2.71828, 20.0855]
  // CHECK: [0.135335,  0.606531,  1,  1.64872,  2.71828,  20.0855]
  %2 = autoglm.exp %x : tensor<6xf32>
  %m2 = bufferization.to_buffer %2 : tensor<6xf32> to memref<6xf32>
  %u2 = memref.cast %m2 : memref<6xf32> to memref<*xf32>
  call @printMemrefF32(%u2) : (memref<*xf32>) -> ()

  // tanh
  // CHECK: [-0.964028,  -0.462117,  0,  0.462117,  0.761594,  0.995055]
  %3 = autoglm.tanh %x : tensor<6xf32>
  %m3 = bufferization.to_buffer %3 : tensor<6xf32> to memref<6xf32>
  %u3 = memref.cast %m3 : memref<6xf32> to memref<*xf32>
  call @printMemrefF32(%u3) : (memref<*xf32>) -> ()

  // erf
  // CHECK: [-0.995322,  -0.5205,  0,  0.5205,  0.842701,  0.999978]
  %4 = autoglm.erf %x : tensor<6xf32>
  %m4 = bufferization.to_buffer %4 : tensor<6xf32> to memref<6xf32>
  %u4 = memref.cast %m4 : memref<6xf32> to memref<*xf32>
  call @printMemrefF32(%u4) : (memref<*xf32>) -> ()

  // gelu (erf), gelu (tanh)
  // CHECK: [-0.0455003,  -0.154269,  0,  0.345731,  0.841345,  2.99595]
  // CHECK: [-0.0454023,  -0.154286,  0,  0.345714,  0.841192,  2.99636]
  %5 = autoglm.gelu %x : tensor<6xf32>
  %m5 = bufferization.to_buffer %5 : tensor<6xf32> to memref<6xf32>
  %u5 = memref.cast %m5 : memref<6xf32> to memref<*xf32>
  call @printMemrefF32(%u5) : (memref<*xf32>) -> ()
  %6 = autoglm.gelu %x {approximation = #autoglm<gelu_approximation tanh>} : tensor<6xf32>
  %m6 = bufferization.to_buffer %6 : tensor<6xf32> to memref<6xf32>
  %u6 = memref.cast %m6 : memref<6xf32> to memref<*xf32>
  call @printMemrefF32(%u6) : (memref<*xf32>) -> ()

  // sigmoid, softplus (large x must not overflow: softplus(100) = 100)
  // CHECK: [0.119203,  0.377541,  0.5,  0.622459,  0.731059,  0.952574]
  // CHECK: [0.126928,  0.474077,  0.693147,  0.974077,  1.31326,  100]
  %7 = autoglm.sigmoid %x : tensor<6xf32>
  %m7 = bufferization.to_buffer %7 : tensor<6xf32> to memref<6xf32>
  %u7 = memref.cast %m7 : memref<6xf32> to memref<*xf32>
  call @printMemrefF32(%u7) : (memref<*xf32>) -> ()
  %big = autoglm.constant dense<[-2.0, -0.5, 0.0, 0.5, 1.0, 100.0]> : tensor<6xf32>
  %8 = autoglm.softplus %big : tensor<6xf32>
  %m8 = bufferization.to_buffer %8 : tensor<6xf32> to memref<6xf32>
  %u8 = memref.cast %m8 : memref<6xf32> to memref<*xf32>
  call @printMemrefF32(%u8) : (memref<*xf32>) -> ()

  // Python remainder (sign of the divisor) vs fmod (sign of the dividend)
  %n = autoglm.constant dense<[7, -7, 7, -7]> : tensor<4xi32>
  %d = autoglm.constant dense<[3, 3, -3, -3]> : tensor<4xi32>
  // CHECK: [1,  2,  -2,  -1]
  // CHECK: [1,  -1,  1,  -1]
  %9 = autoglm.rem %n, %d : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  %m9 = bufferization.to_buffer %9 : tensor<4xi32> to memref<4xi32>
  %u9 = memref.cast %m9 : memref<4xi32> to memref<*xi32>
  call @printMemrefI32(%u9) : (memref<*xi32>) -> ()
  %10 = autoglm.rem %n, %d {fmod} : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  %m10 = bufferization.to_buffer %10 : tensor<4xi32> to memref<4xi32>
  %u10 = memref.cast %m10 : memref<4xi32> to memref<*xi32>
  call @printMemrefI32(%u10) : (memref<*xi32>) -> ()

  // uint8: 200 / 3 = 66 (not -56 / 3), 200 > 100, widened without sign.
  %ua = autoglm.constant dense<[200, 10]> : tensor<2xui8>
  %ub = autoglm.constant dense<[3, 100]> : tensor<2xui8>
  // CHECK: [66,  0]
  // CHECK: [1,  0]
  %11 = autoglm.div %ua, %ub : (tensor<2xui8>, tensor<2xui8>) -> tensor<2xui8>
  %12 = autoglm.cast %11 : tensor<2xui8> to tensor<2xi32>
  %m12 = bufferization.to_buffer %12 : tensor<2xi32> to memref<2xi32>
  %u12 = memref.cast %m12 : memref<2xi32> to memref<*xi32>
  call @printMemrefI32(%u12) : (memref<*xi32>) -> ()
  %13 = autoglm.cmp gt, %ua, %ub : (tensor<2xui8>, tensor<2xui8>) -> tensor<2xi1>
  %14 = autoglm.cast %13 : tensor<2xi1> to tensor<2xi32>
  %m14 = bufferization.to_buffer %14 : tensor<2xi32> to memref<2xi32>
  %u14 = memref.cast %m14 : memref<2xi32> to memref<*xi32>
  call @printMemrefI32(%u14) : (memref<*xi32>) -> ()
  return
}
