// RUN: autoglm-opt %s --autoglm-lower-to-linalg | FileCheck %s

// Reductions are generics with reduction iterators over the reduced dims,
// followed by the kind's finish and an expand_shape for keepdims; softmax is
// max / exp(x - max) / sum / divide; layer_norm and batch_norm are
// statistics generics and one elementwise generic.

// batch_norm's per-channel map:
// CHECK-DAG:   #[[CH:.+]] = affine_map<(d0, d1, d2, d3) -> (d1)>

// CHECK-LABEL: func.func @reduce_mean_keepdims(
// CHECK:         %[[Z:.+]] = arith.constant 0.000000e+00 : f32
// CHECK:         %[[F:.+]] = linalg.fill ins(%[[Z]] : f32) outs(%{{.+}} : tensor<2xf32>)
// CHECK:         %[[S:.+]] = linalg.generic {{.+}} iterator_types = ["parallel", "reduction", "reduction"]} ins(%arg0 : tensor<2x3x4xf32>) outs(%[[F]] : tensor<2xf32>)
// CHECK:           arith.addf
// CHECK:         %[[M:.+]] = linalg.generic {{.+}} ins(%[[S]] : tensor<2xf32>)
// CHECK:           %[[N:.+]] = arith.constant 1.200000e+01 : f32
// CHECK:           arith.divf %{{.+}}, %[[N]]
// CHECK:         tensor.expand_shape %[[M]] {{\[}}[0, 1, 2]] output_shape [2, 1, 1] : tensor<2xf32> into tensor<2x1x1xf32>
func.func @reduce_mean_keepdims(%x: tensor<2x3x4xf32>) -> tensor<2x1x1xf32> {
  %0 = autoglm.reduce mean %x {axes = array<i64: 1, 2>, keepdims} : (tensor<2x3x4xf32>) -> tensor<2x1x1xf32>
  return %0 : tensor<2x1x1xf32>
}

// CHECK-LABEL: func.func @reduce_kinds(
// CHECK:         arith.constant 0xFF800000 : f32
// CHECK:         arith.maximumf
// CHECK:         arith.constant 0x7F800000 : f32
// CHECK:         arith.minimumf
// CHECK:         arith.constant 1.000000e+00 : f32
// CHECK:         arith.mulf
// CHECK:         math.absf
// CHECK:         math.sqrt
// CHECK:         math.log
// Stable log-sum-exp: max first, then exp(x - max).
// CHECK:         arith.maximumf
// CHECK:         arith.subf
// CHECK:         math.exp
// CHECK:         math.log
// CHECK:         arith.addf
func.func @reduce_kinds(%x: tensor<2x3xf32>) -> (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) {
  %0 = autoglm.reduce max %x {axes = array<i64: 1>} : (tensor<2x3xf32>) -> tensor<2xf32>
  %1 = autoglm.reduce min %x {axes = array<i64: 1>} : (tensor<2x3xf32>) -> tensor<2xf32>
  %2 = autoglm.reduce prod %x {axes = array<i64: 1>} : (tensor<2x3xf32>) -> tensor<2xf32>
  %3 = autoglm.reduce l1 %x {axes = array<i64: 1>} : (tensor<2x3xf32>) -> tensor<2xf32>
  %4 = autoglm.reduce l2 %x {axes = array<i64: 1>} : (tensor<2x3xf32>) -> tensor<2xf32>
  %5 = autoglm.reduce log_sum %x {axes = array<i64: 1>} : (tensor<2x3xf32>) -> tensor<2xf32>
  %6 = autoglm.reduce log_sum_exp %x {axes = array<i64: 1>} : (tensor<2x3xf32>) -> tensor<2xf32>
  %7 = autoglm.reduce sum_square %x {axes = array<i64: 1>} : (tensor<2x3xf32>) -> tensor<2xf32>
  return %0, %1, %2, %3, %4, %5, %6, %7 : tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
}

// Unsigned max starts at 0 and uses maxui.
// CHECK-LABEL: func.func @reduce_unsigned(
// CHECK:         linalg.fill ins(%c0_i8{{.*}} : i8)
// CHECK:         arith.maxui
func.func @reduce_unsigned(%x: tensor<2x3xui8>) -> tensor<2xui8> {
  %0 = autoglm.reduce max %x {axes = array<i64: 1>} : (tensor<2x3xui8>) -> tensor<2xui8>
  return %0 : tensor<2xui8>
}

// CHECK-LABEL: func.func @arg_reduce(
// CHECK:         linalg.generic {{.+}} iterator_types = ["parallel", "reduction"]} ins(%arg0 : tensor<2x3xf32>) outs(%{{.+}}, %{{.+}} : tensor<2xf32>, tensor<2xi64>)
// CHECK:           arith.cmpf ogt
// CHECK:           linalg.index 1 : index
// CHECK:         tensor.expand_shape {{.+}} : tensor<2xi64> into tensor<2x1xi64>
// select_last_index: ties go to the later element.
// CHECK:           arith.cmpf ole
func.func @arg_reduce(%x: tensor<2x3xf32>) -> (tensor<2x1xi64>, tensor<2xi64>) {
  %0 = autoglm.arg_reduce argmax %x {axis = 1 : i64, keepdims} : (tensor<2x3xf32>) -> tensor<2x1xi64>
  %1 = autoglm.arg_reduce argmin %x {axis = 1 : i64, select_last_index} : (tensor<2x3xf32>) -> tensor<2xi64>
  return %0, %1 : tensor<2x1xi64>, tensor<2xi64>
}

// CHECK-LABEL: func.func @cumsum(
// CHECK:         linalg.generic {{.+}} iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK:           arith.cmpi ule
// CHECK:         linalg.generic
// CHECK:           arith.cmpi ugt
func.func @cumsum(%x: tensor<2x4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>) {
  %0 = autoglm.cumsum %x {axis = 1 : i64} : tensor<2x4xf32>
  %1 = autoglm.cumsum %x {axis = 1 : i64, exclusive, reverse} : tensor<2x4xf32>
  return %0, %1 : tensor<2x4xf32>, tensor<2x4xf32>
}

// CHECK-LABEL: func.func @softmax(
// CHECK:         %[[MAX:.+]] = linalg.generic {{.+}} ins(%arg0 : tensor<2x5xf32>) outs(%{{.+}} : tensor<2xf32>)
// CHECK:           arith.maximumf
// CHECK:         %[[SH:.+]] = linalg.generic {{.+}} ins(%arg0, %[[MAX]] : tensor<2x5xf32>, tensor<2xf32>)
// CHECK:           arith.subf
// CHECK:         %[[SUM:.+]] = linalg.generic {{.+}} ins(%[[SH]] : tensor<2x5xf32>) outs(%{{.+}} : tensor<2xf32>)
// CHECK:           math.exp
// CHECK:           arith.addf
// CHECK:         linalg.generic {{.+}} ins(%[[SH]], %[[SUM]] : tensor<2x5xf32>, tensor<2xf32>)
// CHECK:           math.exp
// CHECK:           arith.divf
// Log-softmax: x - max - log(sum).
// CHECK:           math.log
// CHECK:           arith.subf
func.func @softmax(%x: tensor<2x5xf32>) -> (tensor<2x5xf32>, tensor<2x5xf32>) {
  %0 = autoglm.softmax %x {axis = 1 : i64} : tensor<2x5xf32>
  %1 = autoglm.softmax %x {axis = 1 : i64, log} : tensor<2x5xf32>
  return %0, %1 : tensor<2x5xf32>, tensor<2x5xf32>
}

// CHECK-LABEL: func.func @layer_norm(
// CHECK:         arith.constant 1.200000e+01 : f32
// CHECK:         linalg.generic {{.+}} iterator_types = ["parallel", "reduction", "reduction"]} ins(%arg0 : tensor<2x3x4xf32>) outs(%{{.+}} : tensor<2xf32>)
// CHECK:         linalg.generic {{.+}} iterator_types = ["parallel", "reduction", "reduction"]} ins(%arg0, %{{.+}} : tensor<2x3x4xf32>, tensor<2xf32>)
// CHECK:           arith.subf
// CHECK:           arith.mulf
// CHECK:         linalg.generic {{.+}} ins(%arg0, %{{.+}}, %{{.+}}, %arg1, %arg2 : tensor<2x3x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<3x4xf32>, tensor<4xf32>)
// CHECK:           arith.constant 9.99999974E-6 : f32
// CHECK:           math.rsqrt
func.func @layer_norm(%x: tensor<2x3x4xf32>, %s: tensor<3x4xf32>, %b: tensor<4xf32>) -> tensor<2x3x4xf32> {
  %0 = autoglm.layer_norm %x, %s, %b {axis = 1 : i64} : (tensor<2x3x4xf32>, tensor<3x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// RMS norm: no mean.
// CHECK-LABEL: func.func @rms_norm(
// CHECK:         linalg.generic {{.+}} ins(%arg0 : tensor<2x4xf32>) outs(%{{.+}} : tensor<2xf32>)
// CHECK-NOT:       arith.subf
// CHECK:         linalg.generic {{.+}} ins(%arg0, %{{.+}}, %arg1 : tensor<2x4xf32>, tensor<2xf32>, tensor<4xf32>)
func.func @rms_norm(%x: tensor<2x4xf32>, %s: tensor<4xf32>) -> tensor<2x4xf32> {
  %0 = autoglm.layer_norm %x, %s {axis = 1 : i64, rms} : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// CHECK-LABEL: func.func @batch_norm(
// CHECK:         linalg.generic {indexing_maps = [#{{.+}}, #[[CH]], #[[CH]], #[[CH]], #[[CH]], #{{.+}}]
// CHECK:           math.rsqrt
func.func @batch_norm(%x: tensor<1x3x2x2xf32>, %s: tensor<3xf32>, %b: tensor<3xf32>, %m: tensor<3xf32>, %v: tensor<3xf32>) -> tensor<1x3x2x2xf32> {
  %0 = autoglm.batch_norm %x, %s, %b, %m, %v : (tensor<1x3x2x2xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<1x3x2x2xf32>
  return %0 : tensor<1x3x2x2xf32>
}
