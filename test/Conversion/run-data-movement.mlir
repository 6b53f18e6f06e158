// RUN: %lower-and-run | FileCheck %s

// Data-movement ops lowered, compiled and run. Expected values: numpy (the
// expression before each print; np.pad modes reflect / edge / wrap match
// ONNX's), compared at 2e-5 and pasted.

func.func private @printMemrefF32(memref<*xf32>)
func.func private @printMemrefI64(memref<*xi64>)

func.func @main() {
  %X = autoglm.constant dense<[[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0], [8.0, 9.0, 10.0, 11.0]]> : tensor<3x4xf32>
  %Y = autoglm.constant dense<[[100.0, 101.0], [102.0, 103.0], [104.0, 105.0]]> : tensor<3x2xf32>
  %Y0 = autoglm.constant dense<[[100.0, 101.0]]> : tensor<1x2xf32>
  %I = autoglm.constant dense<[[2, -1], [0, 1]]> : tensor<2x2xi64>
  %E = autoglm.constant dense<[[3, 0, -1, 1], [0, 0, 2, 2], [1, 2, 3, 0]]> : tensor<3x4xi64>
  %R = autoglm.constant dense<[[[[1.0, 2.0], [3.0, 4.0]]]]> : tensor<1x1x2x2xf32>
  %V = autoglm.constant dense<[[3.0, 1.0, 4.0, 1.0, 5.0], [9.0, 2.0, 6.0, 5.0, 3.0]]> : tensor<2x5xf32>

  // X.T
  // CHECK: {{\[\[}}0,   4,   8],
  // CHECK-NEXT: [1,   5,   9],
  // CHECK-NEXT: [2,   6,   10],
  // CHECK-NEXT: [3,   7,   11]]
  %tr = autoglm.transpose %X, [1, 0] : (tensor<3x4xf32>) -> tensor<4x3xf32>
  %m_tr = bufferization.to_buffer %tr : tensor<4x3xf32> to memref<4x3xf32>
  %u_tr = memref.cast %m_tr : memref<4x3xf32> to memref<*xf32>
  call @printMemrefF32(%u_tr) : (memref<*xf32>) -> ()

  // np.concatenate([X, Y], axis=1)
  // CHECK: {{\[\[}}0,   1,   2,   3,   100,   101],
  // CHECK-NEXT: [4,   5,   6,   7,   102,   103],
  // CHECK-NEXT: [8,   9,   10,   11,   104,   105]]
  %cat = autoglm.concat %X, %Y {axis = 1 : i64} : (tensor<3x4xf32>, tensor<3x2xf32>) -> tensor<3x6xf32>
  %m_cat = bufferization.to_buffer %cat : tensor<3x6xf32> to memref<3x6xf32>
  %u_cat = memref.cast %m_cat : memref<3x6xf32> to memref<*xf32>
  call @printMemrefF32(%u_cat) : (memref<*xf32>) -> ()

  // X[1:3, 0:4:2]
  // CHECK: {{\[\[}}4,   6],
  // CHECK-NEXT: [8,   10]]
  %sl = autoglm.slice %X {starts = array<i64: 1, 0>, ends = array<i64: 3, 4>, steps = array<i64: 1, 2>} : (tensor<3x4xf32>) -> tensor<2x2xf32>
  %m_sl = bufferization.to_buffer %sl : tensor<2x2xf32> to memref<2x2xf32>
  %u_sl = memref.cast %m_sl : memref<2x2xf32> to memref<*xf32>
  call @printMemrefF32(%u_sl) : (memref<*xf32>) -> ()

  // X[2::-2, 3:0:-1]
  // CHECK: {{\[\[}}11,   10,   9],
  // CHECK-NEXT: [3,   2,   1]]
  %slr = autoglm.slice %X {starts = array<i64: 2, 3>, ends = array<i64: -1, 0>, steps = array<i64: -2, -1>} : (tensor<3x4xf32>) -> tensor<2x3xf32>
  %m_slr = bufferization.to_buffer %slr : tensor<2x3xf32> to memref<2x3xf32>
  %u_slr = memref.cast %m_slr : memref<2x3xf32> to memref<*xf32>
  call @printMemrefF32(%u_slr) : (memref<*xf32>) -> ()

  // np.take(X, I, axis=1), -1 is the last column
  // CHECK: {{\[\[}}[2,    3],
  // CHECK-NEXT: [0,    1]],
  // CHECK-NEXT: {{\[\[}}6,    7],
  // CHECK-NEXT: [4,    5]],
  // CHECK-NEXT: {{\[\[}}10,    11],
  // CHECK-NEXT: [8,    9]]]
  %ga = autoglm.gather %X, %I {axis = 1 : i64} : (tensor<3x4xf32>, tensor<2x2xi64>) -> tensor<3x2x2xf32>
  %m_ga = bufferization.to_buffer %ga : tensor<3x2x2xf32> to memref<3x2x2xf32>
  %u_ga = memref.cast %m_ga : memref<3x2x2xf32> to memref<*xf32>
  call @printMemrefF32(%u_ga) : (memref<*xf32>) -> ()

  // np.take_along_axis(X, E % 4, axis=1)
  // CHECK: {{\[\[}}3,   0,   3,   1],
  // CHECK-NEXT: [4,   4,   6,   6],
  // CHECK-NEXT: [9,   10,   11,   8]]
  %ge = autoglm.gather_elements %X, %E {axis = 1 : i64} : (tensor<3x4xf32>, tensor<3x4xi64>) -> tensor<3x4xf32>
  %m_ge = bufferization.to_buffer %ge : tensor<3x4xf32> to memref<3x4xf32>
  %u_ge = memref.cast %m_ge : memref<3x4xf32> to memref<*xf32>
  call @printMemrefF32(%u_ge) : (memref<*xf32>) -> ()

  // X.reshape(2, 6)
  // CHECK: {{\[\[}}0,   1,   2,   3,   4,   5],
  // CHECK-NEXT: [6,   7,   8,   9,   10,   11]]
  %rs = autoglm.reshape %X : (tensor<3x4xf32>) -> tensor<2x6xf32>
  %m_rs = bufferization.to_buffer %rs : tensor<2x6xf32> to memref<2x6xf32>
  %u_rs = memref.cast %m_rs : memref<2x6xf32> to memref<*xf32>
  call @printMemrefF32(%u_rs) : (memref<*xf32>) -> ()

  // constant pad -1: one row above, crop the first column, two columns right
  // CHECK: {{\[\[}}-1,   -1,   -1,   -1,   -1],
  // CHECK-NEXT: [1,   2,   3,   -1,   -1],
  // CHECK-NEXT: [5,   6,   7,   -1,   -1],
  // CHECK-NEXT: [9,   10,   11,   -1,   -1]]
  %pc = autoglm.pad %X {pads = array<i64: 1, -1, 0, 2>, value = -1.0 : f64} : (tensor<3x4xf32>) -> tensor<4x5xf32>
  %m_pc = bufferization.to_buffer %pc : tensor<4x5xf32> to memref<4x5xf32>
  %u_pc = memref.cast %m_pc : memref<4x5xf32> to memref<*xf32>
  call @printMemrefF32(%u_pc) : (memref<*xf32>) -> ()

  // np.pad(X, ((2, 1), (1, 2)), mode='reflect')
  // CHECK: {{\[\[}}9,   8,   9,   10,   11,   10,   9],
  // CHECK-NEXT: [5,   4,   5,   6,   7,   6,   5],
  // CHECK-NEXT: [1,   0,   1,   2,   3,   2,   1],
  // CHECK-NEXT: [5,   4,   5,   6,   7,   6,   5],
  // CHECK-NEXT: [9,   8,   9,   10,   11,   10,   9],
  // CHECK-NEXT: [5,   4,   5,   6,   7,   6,   5]]
  %pr = autoglm.pad %X {mode = #autoglm<pad_mode reflect>, pads = array<i64: 2, 1, 1, 2>} : (tensor<3x4xf32>) -> tensor<6x7xf32>
  %m_pr = bufferization.to_buffer %pr : tensor<6x7xf32> to memref<6x7xf32>
  %u_pr = memref.cast %m_pr : memref<6x7xf32> to memref<*xf32>
  call @printMemrefF32(%u_pr) : (memref<*xf32>) -> ()

  // np.pad(X, ((1, 0), (0, 2)), mode='edge')
  // CHECK: {{\[\[}}0,   1,   2,   3,   3,   3],
  // CHECK-NEXT: [0,   1,   2,   3,   3,   3],
  // CHECK-NEXT: [4,   5,   6,   7,   7,   7],
  // CHECK-NEXT: [8,   9,   10,   11,   11,   11]]
  %pe = autoglm.pad %X {mode = #autoglm<pad_mode edge>, pads = array<i64: 1, 0, 0, 2>} : (tensor<3x4xf32>) -> tensor<4x6xf32>
  %m_pe = bufferization.to_buffer %pe : tensor<4x6xf32> to memref<4x6xf32>
  %u_pe = memref.cast %m_pe : memref<4x6xf32> to memref<*xf32>
  call @printMemrefF32(%u_pe) : (memref<*xf32>) -> ()

  // np.pad(X, ((0, 1), (1, 2)), mode='wrap')
  // CHECK: {{\[\[}}3,   0,   1,   2,   3,   0,   1],
  // CHECK-NEXT: [7,   4,   5,   6,   7,   4,   5],
  // CHECK-NEXT: [11,   8,   9,   10,   11,   8,   9],
  // CHECK-NEXT: [3,   0,   1,   2,   3,   0,   1]]
  %pw = autoglm.pad %X {mode = #autoglm<pad_mode wrap>, pads = array<i64: 0, 1, 1, 2>} : (tensor<3x4xf32>) -> tensor<4x7xf32>
  %m_pw = bufferization.to_buffer %pw : tensor<4x7xf32> to memref<4x7xf32>
  %u_pw = memref.cast %m_pw : memref<4x7xf32> to memref<*xf32>
  call @printMemrefF32(%u_pw) : (memref<*xf32>) -> ()

  // np.tile(Y, (1, 2))
  // CHECK: {{\[\[}}100,   101,   100,   101],
  // CHECK-NEXT: [102,   103,   102,   103],
  // CHECK-NEXT: [104,   105,   104,   105]]
  %ti = autoglm.tile %Y {repeats = array<i64: 1, 2>} : (tensor<3x2xf32>) -> tensor<3x4xf32>
  %m_ti = bufferization.to_buffer %ti : tensor<3x4xf32> to memref<3x4xf32>
  %u_ti = memref.cast %m_ti : memref<3x4xf32> to memref<*xf32>
  call @printMemrefF32(%u_ti) : (memref<*xf32>) -> ()

  // np.broadcast_to(Y[:1], (3, 2))
  // CHECK: {{\[\[}}100,   101],
  // CHECK-NEXT: [100,   101],
  // CHECK-NEXT: [100,   101]]
  %ex = autoglm.expand %Y0 : (tensor<1x2xf32>) -> tensor<3x2xf32>
  %m_ex = bufferization.to_buffer %ex : tensor<3x2xf32> to memref<3x2xf32>
  %u_ex = memref.cast %m_ex : memref<3x2xf32> to memref<*xf32>
  call @printMemrefF32(%u_ex) : (memref<*xf32>) -> ()

  // np.tril(X, 1)
  // CHECK: {{\[\[}}0,   1,   0,   0],
  // CHECK-NEXT: [4,   5,   6,   0],
  // CHECK-NEXT: [8,   9,   10,   11]]
  %tl = autoglm.trilu %X {diagonal = 1 : i64} : tensor<3x4xf32>
  %m_tl = bufferization.to_buffer %tl : tensor<3x4xf32> to memref<3x4xf32>
  %u_tl = memref.cast %m_tl : memref<3x4xf32> to memref<*xf32>
  call @printMemrefF32(%u_tl) : (memref<*xf32>) -> ()

  // np.triu(X, -1)
  // CHECK: {{\[\[}}0,   1,   2,   3],
  // CHECK-NEXT: [4,   5,   6,   7],
  // CHECK-NEXT: [0,   9,   10,   11]]
  %tu = autoglm.trilu %X {upper, diagonal = -1 : i64} : tensor<3x4xf32>
  %m_tu = bufferization.to_buffer %tu : tensor<3x4xf32> to memref<3x4xf32>
  %u_tu = memref.cast %m_tu : memref<3x4xf32> to memref<*xf32>
  call @printMemrefF32(%u_tu) : (memref<*xf32>) -> ()

  // top 3 per row (stable: ties keep the lower index)
  // CHECK: {{\[\[}}5,   4,   3],
  // CHECK-NEXT: [9,   6,   5]]
  %tkv, %tkv_1 = autoglm.topk %V {k = 3 : i64, axis = 1 : i64} : (tensor<2x5xf32>) -> (tensor<2x3xf32>, tensor<2x3xi64>)
  %m_tkv = bufferization.to_buffer %tkv : tensor<2x3xf32> to memref<2x3xf32>
  %u_tkv = memref.cast %m_tkv : memref<2x3xf32> to memref<*xf32>
  call @printMemrefF32(%u_tkv) : (memref<*xf32>) -> ()

  // their indices
  // CHECK: {{\[\[}}4,   2,   0],
  // CHECK-NEXT: [0,   2,   3]]
  %m_tkv_1 = bufferization.to_buffer %tkv_1 : tensor<2x3xi64> to memref<2x3xi64>
  %u_tkv_1 = memref.cast %m_tkv_1 : memref<2x3xi64> to memref<*xi64>
  call @printMemrefI64(%u_tkv_1) : (memref<*xi64>) -> ()

  // the 2 smallest per row (the two 1s of row 0: index 1 first)
  // CHECK: {{\[\[}}1,   1],
  // CHECK-NEXT: [2,   3]]
  %sk, %sk_1 = autoglm.topk %V {k = 2 : i64, axis = 1 : i64, smallest} : (tensor<2x5xf32>) -> (tensor<2x2xf32>, tensor<2x2xi64>)
  %m_sk = bufferization.to_buffer %sk : tensor<2x2xf32> to memref<2x2xf32>
  %u_sk = memref.cast %m_sk : memref<2x2xf32> to memref<*xf32>
  call @printMemrefF32(%u_sk) : (memref<*xf32>) -> ()

  // their indices
  // CHECK: {{\[\[}}1,   3],
  // CHECK-NEXT: [1,   4]]
  %m_sk_1 = bufferization.to_buffer %sk_1 : tensor<2x2xi64> to memref<2x2xi64>
  %u_sk_1 = memref.cast %m_sk_1 : memref<2x2xi64> to memref<*xi64>
  call @printMemrefI64(%u_sk_1) : (memref<*xi64>) -> ()

  // nearest, asymmetric, floor: np.repeat(np.repeat(R, 2, 2), 2, 3)
  // CHECK: {{\[\[}}{{\[\[}}1,     1,     2,     2],
  // CHECK-NEXT: [1,     1,     2,     2],
  // CHECK-NEXT: [3,     3,     4,     4],
  // CHECK-NEXT: [3,     3,     4,     4]]]]
  %rn = autoglm.resize nearest %R {coordinate_transform = #autoglm<coordinate_transform asymmetric>, nearest_rounding = #autoglm<nearest_rounding floor>} : (tensor<1x1x2x2xf32>) -> tensor<1x1x4x4xf32>
  %m_rn = bufferization.to_buffer %rn : tensor<1x1x4x4xf32> to memref<1x1x4x4xf32>
  %u_rn = memref.cast %m_rn : memref<1x1x4x4xf32> to memref<*xf32>
  call @printMemrefF32(%u_rn) : (memref<*xf32>) -> ()

  // bilinear, half_pixel (source clamped to the edge, as ONNX Runtime)
  // CHECK: {{\[\[}}{{\[\[}}1,     1.25,     1.75,     2],
  // CHECK-NEXT: [1.5,     1.75,     2.25,     2.5],
  // CHECK-NEXT: [2.5,     2.75,     3.25,     3.5],
  // CHECK-NEXT: [3,     3.25,     3.75,     4]]]]
  %rl = autoglm.resize linear %R : (tensor<1x1x2x2xf32>) -> tensor<1x1x4x4xf32>
  %m_rl = bufferization.to_buffer %rl : tensor<1x1x4x4xf32> to memref<1x1x4x4xf32>
  %u_rl = memref.cast %m_rl : memref<1x1x4x4xf32> to memref<*xf32>
  call @printMemrefF32(%u_rl) : (memref<*xf32>) -> ()
  return
}
