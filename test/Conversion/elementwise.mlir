// RUN: autoglm-opt %s --autoglm-lower-to-linalg | FileCheck %s

// Elementwise ops become one linalg.generic each: broadcasting through the
// indexing maps (a stretched size-1 dim reads index 0, missing dims are
// dropped), the scalar body picked by float / signed / unsigned elements.

// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.+]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[COL:.+]] = affine_map<(d0, d1) -> (d0, 0)>

// CHECK-LABEL: func.func @add_broadcast(
// CHECK-SAME:    %[[A:.+]]: tensor<2x3xf32>, %[[B:.+]]: tensor<3xf32>, %[[C:.+]]: tensor<2x1xf32>)
// CHECK:         %[[E:.+]] = tensor.empty() : tensor<2x3xf32>
// CHECK:         %[[R:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[A]], %[[B]] : tensor<2x3xf32>, tensor<3xf32>) outs(%[[E]] : tensor<2x3xf32>)
// CHECK:           arith.addf
// CHECK:         linalg.generic {indexing_maps = [#[[ID]], #[[COL]], #[[ID]]]
// CHECK:           arith.mulf
func.func @add_broadcast(%a: tensor<2x3xf32>, %b: tensor<3xf32>, %c: tensor<2x1xf32>) -> tensor<2x3xf32> {
  %0 = autoglm.add %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %1 = autoglm.mul %0, %c : (tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x3xf32>
  return %1 : tensor<2x3xf32>
}

// Unsigned integers are signless in the lowered function; the ops are the
// unsigned ones.
// CHECK-LABEL: func.func @unsigned(
// CHECK-SAME:    %{{.*}}: tensor<4xi8>, %{{.*}}: tensor<4xi8>) -> (tensor<4xi8>, tensor<4xi1>, tensor<4xf32>, tensor<4xi8>, tensor<4xi8>)
// CHECK:         arith.divui
// CHECK:         arith.cmpi ult
// CHECK:         arith.uitofp %{{.*}} : i8 to f32
// CHECK:         arith.maxui
// CHECK:         arith.remui
func.func @unsigned(%a: tensor<4xui8>, %b: tensor<4xui8>) -> (tensor<4xui8>, tensor<4xi1>, tensor<4xf32>, tensor<4xui8>, tensor<4xui8>) {
  %0 = autoglm.div %a, %b : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  %1 = autoglm.cmp lt, %a, %b : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xi1>
  %2 = autoglm.cast %a : tensor<4xui8> to tensor<4xf32>
  %3 = autoglm.max %a, %b : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  %4 = autoglm.rem %a, %b : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  return %0, %1, %2, %3, %4 : tensor<4xui8>, tensor<4xi1>, tensor<4xf32>, tensor<4xui8>, tensor<4xui8>
}

// CHECK-LABEL: func.func @signed(
// CHECK:         arith.divsi
// CHECK:         arith.cmpi sle
// CHECK:         arith.sitofp %{{.*}} : i32 to f32
// CHECK:         arith.maxsi
// Python remainder: remsi, then the divisor's sign.
// CHECK:         arith.remsi
// CHECK:         arith.xori
// CHECK:         arith.select
// CHECK:         arith.remsi
// CHECK-NOT:     arith.xori
// CHECK:         math.powf %{{.*}} : f64
// CHECK:         arith.fptosi %{{.*}} : f64 to i32
func.func @signed(%a: tensor<4xi32>, %b: tensor<4xi32>) -> (tensor<4xi32>, tensor<4xi1>, tensor<4xf32>, tensor<4xi32>, tensor<4xi32>, tensor<4xi32>, tensor<4xi32>) {
  %0 = autoglm.div %a, %b : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  %1 = autoglm.cmp le, %a, %b : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi1>
  %2 = autoglm.cast %a : tensor<4xi32> to tensor<4xf32>
  %3 = autoglm.max %a, %b : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  %4 = autoglm.rem %a, %b : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  %5 = autoglm.rem %a, %b {fmod} : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  %6 = autoglm.pow %a, %b : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  return %0, %1, %2, %3, %4, %5, %6 : tensor<4xi32>, tensor<4xi1>, tensor<4xf32>, tensor<4xi32>, tensor<4xi32>, tensor<4xi32>, tensor<4xi32>
}

// CHECK-LABEL: func.func @float_binary(
// CHECK:         arith.subf
// CHECK:         arith.divf
// CHECK:         math.powf
// CHECK:         arith.minimumf
// CHECK:         arith.remf
// CHECK:         arith.cmpf une
// CHECK:         arith.cmpf oge
// CHECK:         arith.select
func.func @float_binary(%a: tensor<4xf32>, %b: tensor<4xf32>, %m: tensor<4xi1>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xi1>, tensor<4xi1>, tensor<4xf32>) {
  %0 = autoglm.sub %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %1 = autoglm.div %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %2 = autoglm.pow %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %3 = autoglm.min %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %4 = autoglm.rem %a, %b {fmod} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %5 = autoglm.cmp ne, %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
  %6 = autoglm.cmp ge, %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
  %7 = autoglm.select %m, %a, %b : (tensor<4xi1>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0, %1, %2, %3, %4, %5, %6, %7 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xi1>, tensor<4xi1>, tensor<4xf32>
}

// CHECK-LABEL: func.func @logic(
// CHECK:         arith.andi
// CHECK:         arith.ori
// CHECK:         arith.xori
// CHECK:         %[[T:.+]] = arith.constant true
// CHECK:         arith.xori %{{.*}}, %[[T]]
func.func @logic(%a: tensor<4xi1>, %b: tensor<4xi1>) -> (tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>) {
  %0 = autoglm.and %a, %b : (tensor<4xi1>, tensor<4xi1>) -> tensor<4xi1>
  %1 = autoglm.or %a, %b : (tensor<4xi1>, tensor<4xi1>) -> tensor<4xi1>
  %2 = autoglm.xor %a, %b : (tensor<4xi1>, tensor<4xi1>) -> tensor<4xi1>
  %3 = autoglm.not %a : tensor<4xi1>
  return %0, %1, %2, %3 : tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>
}

// CHECK-LABEL: func.func @unary(
// CHECK:         arith.negf
// CHECK:         math.absf
// CHECK:         arith.cmpf ogt
// CHECK:         arith.maximumf
// CHECK:         math.exp
// CHECK:         math.log
// CHECK:         math.sqrt
// CHECK:         math.rsqrt
// CHECK:         arith.divf
// CHECK:         math.tanh
// CHECK:         math.erf
// CHECK:         math.exp
// CHECK:         math.sin
// CHECK:         math.cos
// CHECK:         math.floor
// CHECK:         math.ceil
// CHECK:         math.roundeven
// CHECK:         math.log1p
// CHECK:         math.tanh
// CHECK:         arith.select
// CHECK:         math.expm1
// CHECK:         arith.minimumf
// CHECK:         arith.maximumf
// CHECK:         arith.minimumf
func.func @unary(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %0 = autoglm.neg %x : tensor<4xf32>
  %1 = autoglm.abs %x : tensor<4xf32>
  %2 = autoglm.sign %x : tensor<4xf32>
  %3 = autoglm.relu %x : tensor<4xf32>
  %4 = autoglm.exp %x : tensor<4xf32>
  %5 = autoglm.log %x : tensor<4xf32>
  %6 = autoglm.sqrt %x : tensor<4xf32>
  %7 = autoglm.rsqrt %x : tensor<4xf32>
  %8 = autoglm.reciprocal %x : tensor<4xf32>
  %9 = autoglm.tanh %x : tensor<4xf32>
  %10 = autoglm.erf %x : tensor<4xf32>
  %11 = autoglm.sigmoid %x : tensor<4xf32>
  %12 = autoglm.sin %x : tensor<4xf32>
  %13 = autoglm.cos %x : tensor<4xf32>
  %14 = autoglm.floor %x : tensor<4xf32>
  %15 = autoglm.ceil %x : tensor<4xf32>
  %16 = autoglm.round %x : tensor<4xf32>
  %17 = autoglm.softplus %x : tensor<4xf32>
  %18 = autoglm.gelu %x {approximation = #autoglm<gelu_approximation tanh>} : tensor<4xf32>
  %19 = autoglm.leaky_relu %x {alpha = 0.1 : f64} : tensor<4xf32>
  %20 = autoglm.elu %x : tensor<4xf32>
  %21 = autoglm.hard_sigmoid %x : tensor<4xf32>
  %22 = autoglm.clip %x {min = 0.0 : f64, max = 6.0 : f64} : tensor<4xf32>
  return %0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// CHECK-LABEL: func.func @int_unary(
// CHECK:         arith.subi
// CHECK:         math.absi
// CHECK:         arith.maxsi
// CHECK:         arith.minsi
// CHECK:         arith.extsi %{{.*}} : i8 to i32
// Casting to i1 is `x != 0`, not a truncation.
// CHECK-NOT:     arith.trunci
// CHECK:         arith.cmpi ne, %{{.*}}, %{{.*}} : i8
// CHECK:         arith.fptoui %{{.*}} : f32 to i8
func.func @int_unary(%x: tensor<4xi8>, %f: tensor<4xf32>) -> (tensor<4xi8>, tensor<4xi8>, tensor<4xi8>, tensor<4xi32>, tensor<4xi1>, tensor<4xui8>) {
  %0 = autoglm.neg %x : tensor<4xi8>
  %1 = autoglm.abs %x : tensor<4xi8>
  %2 = autoglm.clip %x {min = -1.5 : f64, max = 3.5 : f64} : tensor<4xi8>
  %3 = autoglm.cast %x : tensor<4xi8> to tensor<4xi32>
  %4 = autoglm.cast %x : tensor<4xi8> to tensor<4xi1>
  %5 = autoglm.cast %f : tensor<4xf32> to tensor<4xui8>
  return %0, %1, %2, %3, %4, %5 : tensor<4xi8>, tensor<4xi8>, tensor<4xi8>, tensor<4xi32>, tensor<4xi1>, tensor<4xui8>
}
