// RUN: autoglm-opt %s | autoglm-opt | FileCheck %s
// RUN: autoglm-opt %s --mlir-print-op-generic | autoglm-opt | FileCheck %s

// Round trip of every elementwise op of the autoglm dialect: binary ops with
// numpy broadcasting and dynamic dimensions, comparisons, select, unary ops
// with their optional attributes (defaults are elided when printed), cast.

// CHECK-LABEL: func.func @add(
// CHECK-SAME:  %arg0: tensor<2x?x4xf32>, %arg1: tensor<4xf32>) -> tensor<2x?x4xf32> {
// CHECK-NEXT:    %0 = autoglm.add %arg0, %arg1 : (tensor<2x?x4xf32>, tensor<4xf32>) -> tensor<2x?x4xf32>
// CHECK-NEXT:    return %0 : tensor<2x?x4xf32>
func.func @add(%a: tensor<2x?x4xf32>, %b: tensor<4xf32>) -> tensor<2x?x4xf32> {
  %0 = autoglm.add %a, %b : (tensor<2x?x4xf32>, tensor<4xf32>) -> tensor<2x?x4xf32>
  return %0 : tensor<2x?x4xf32>
}

// CHECK-LABEL: func.func @sub(
// CHECK-SAME:  %arg0: tensor<2x?x4xf32>, %arg1: tensor<4xf32>) -> tensor<2x?x4xf32> {
// CHECK-NEXT:    %0 = autoglm.sub %arg0, %arg1 : (tensor<2x?x4xf32>, tensor<4xf32>) -> tensor<2x?x4xf32>
// CHECK-NEXT:    return %0 : tensor<2x?x4xf32>
func.func @sub(%a: tensor<2x?x4xf32>, %b: tensor<4xf32>) -> tensor<2x?x4xf32> {
  %0 = autoglm.sub %a, %b : (tensor<2x?x4xf32>, tensor<4xf32>) -> tensor<2x?x4xf32>
  return %0 : tensor<2x?x4xf32>
}

// CHECK-LABEL: func.func @mul(
// CHECK-SAME:  %arg0: tensor<2x?x4xf32>, %arg1: tensor<4xf32>) -> tensor<2x?x4xf32> {
// CHECK-NEXT:    %0 = autoglm.mul %arg0, %arg1 : (tensor<2x?x4xf32>, tensor<4xf32>) -> tensor<2x?x4xf32>
// CHECK-NEXT:    return %0 : tensor<2x?x4xf32>
func.func @mul(%a: tensor<2x?x4xf32>, %b: tensor<4xf32>) -> tensor<2x?x4xf32> {
  %0 = autoglm.mul %a, %b : (tensor<2x?x4xf32>, tensor<4xf32>) -> tensor<2x?x4xf32>
  return %0 : tensor<2x?x4xf32>
}

// CHECK-LABEL: func.func @div(
// CHECK-SAME:  %arg0: tensor<2x?x4xf32>, %arg1: tensor<4xf32>) -> tensor<2x?x4xf32> {
// CHECK-NEXT:    %0 = autoglm.div %arg0, %arg1 : (tensor<2x?x4xf32>, tensor<4xf32>) -> tensor<2x?x4xf32>
// CHECK-NEXT:    return %0 : tensor<2x?x4xf32>
func.func @div(%a: tensor<2x?x4xf32>, %b: tensor<4xf32>) -> tensor<2x?x4xf32> {
  %0 = autoglm.div %a, %b : (tensor<2x?x4xf32>, tensor<4xf32>) -> tensor<2x?x4xf32>
  return %0 : tensor<2x?x4xf32>
}

// CHECK-LABEL: func.func @pow(
// CHECK-SAME:  %arg0: tensor<2x?x4xf32>, %arg1: tensor<4xf32>) -> tensor<2x?x4xf32> {
// CHECK-NEXT:    %0 = autoglm.pow %arg0, %arg1 : (tensor<2x?x4xf32>, tensor<4xf32>) -> tensor<2x?x4xf32>
// CHECK-NEXT:    return %0 : tensor<2x?x4xf32>
func.func @pow(%a: tensor<2x?x4xf32>, %b: tensor<4xf32>) -> tensor<2x?x4xf32> {
  %0 = autoglm.pow %a, %b : (tensor<2x?x4xf32>, tensor<4xf32>) -> tensor<2x?x4xf32>
  return %0 : tensor<2x?x4xf32>
}

// CHECK-LABEL: func.func @max(
// CHECK-SAME:  %arg0: tensor<2x?x4xf32>, %arg1: tensor<4xf32>) -> tensor<2x?x4xf32> {
// CHECK-NEXT:    %0 = autoglm.max %arg0, %arg1 : (tensor<2x?x4xf32>, tensor<4xf32>) -> tensor<2x?x4xf32>
// CHECK-NEXT:    return %0 : tensor<2x?x4xf32>
func.func @max(%a: tensor<2x?x4xf32>, %b: tensor<4xf32>) -> tensor<2x?x4xf32> {
  %0 = autoglm.max %a, %b : (tensor<2x?x4xf32>, tensor<4xf32>) -> tensor<2x?x4xf32>
  return %0 : tensor<2x?x4xf32>
}

// CHECK-LABEL: func.func @min(
// CHECK-SAME:  %arg0: tensor<2x?x4xf32>, %arg1: tensor<4xf32>) -> tensor<2x?x4xf32> {
// CHECK-NEXT:    %0 = autoglm.min %arg0, %arg1 : (tensor<2x?x4xf32>, tensor<4xf32>) -> tensor<2x?x4xf32>
// CHECK-NEXT:    return %0 : tensor<2x?x4xf32>
func.func @min(%a: tensor<2x?x4xf32>, %b: tensor<4xf32>) -> tensor<2x?x4xf32> {
  %0 = autoglm.min %a, %b : (tensor<2x?x4xf32>, tensor<4xf32>) -> tensor<2x?x4xf32>
  return %0 : tensor<2x?x4xf32>
}

// CHECK-LABEL: func.func @and(
// CHECK-SAME:  %arg0: tensor<3x1xi1>, %arg1: tensor<1x5xi1>) -> tensor<3x5xi1> {
// CHECK-NEXT:    %0 = autoglm.and %arg0, %arg1 : (tensor<3x1xi1>, tensor<1x5xi1>) -> tensor<3x5xi1>
// CHECK-NEXT:    return %0 : tensor<3x5xi1>
func.func @and(%a: tensor<3x1xi1>, %b: tensor<1x5xi1>) -> tensor<3x5xi1> {
  %0 = autoglm.and %a, %b : (tensor<3x1xi1>, tensor<1x5xi1>) -> tensor<3x5xi1>
  return %0 : tensor<3x5xi1>
}

// CHECK-LABEL: func.func @or(
// CHECK-SAME:  %arg0: tensor<3x1xi1>, %arg1: tensor<1x5xi1>) -> tensor<3x5xi1> {
// CHECK-NEXT:    %0 = autoglm.or %arg0, %arg1 : (tensor<3x1xi1>, tensor<1x5xi1>) -> tensor<3x5xi1>
// CHECK-NEXT:    return %0 : tensor<3x5xi1>
func.func @or(%a: tensor<3x1xi1>, %b: tensor<1x5xi1>) -> tensor<3x5xi1> {
  %0 = autoglm.or %a, %b : (tensor<3x1xi1>, tensor<1x5xi1>) -> tensor<3x5xi1>
  return %0 : tensor<3x5xi1>
}

// CHECK-LABEL: func.func @xor(
// CHECK-SAME:  %arg0: tensor<3x1xi1>, %arg1: tensor<1x5xi1>) -> tensor<3x5xi1> {
// CHECK-NEXT:    %0 = autoglm.xor %arg0, %arg1 : (tensor<3x1xi1>, tensor<1x5xi1>) -> tensor<3x5xi1>
// CHECK-NEXT:    return %0 : tensor<3x5xi1>
func.func @xor(%a: tensor<3x1xi1>, %b: tensor<1x5xi1>) -> tensor<3x5xi1> {
  %0 = autoglm.xor %a, %b : (tensor<3x1xi1>, tensor<1x5xi1>) -> tensor<3x5xi1>
  return %0 : tensor<3x5xi1>
}

// CHECK-LABEL: func.func @neg(
// CHECK-SAME:  %arg0: tensor<?x8xf16>, %arg1: tensor<8xi32>) -> (tensor<?x8xf16>, tensor<8xi32>) {
// CHECK-NEXT:    %0 = autoglm.neg %arg0 : tensor<?x8xf16>
// CHECK-NEXT:    %1 = autoglm.neg %arg1 : tensor<8xi32>
// CHECK-NEXT:    return %0, %1 : tensor<?x8xf16>, tensor<8xi32>
func.func @neg(%a: tensor<?x8xf16>, %b: tensor<8xi32>) -> (tensor<?x8xf16>, tensor<8xi32>) {
  %0 = autoglm.neg %a : tensor<?x8xf16>
  %1 = autoglm.neg %b : tensor<8xi32>
  return %0, %1 : tensor<?x8xf16>, tensor<8xi32>
}

// CHECK-LABEL: func.func @abs(
// CHECK-SAME:  %arg0: tensor<?x8xf16>, %arg1: tensor<8xi32>) -> (tensor<?x8xf16>, tensor<8xi32>) {
// CHECK-NEXT:    %0 = autoglm.abs %arg0 : tensor<?x8xf16>
// CHECK-NEXT:    %1 = autoglm.abs %arg1 : tensor<8xi32>
// CHECK-NEXT:    return %0, %1 : tensor<?x8xf16>, tensor<8xi32>
func.func @abs(%a: tensor<?x8xf16>, %b: tensor<8xi32>) -> (tensor<?x8xf16>, tensor<8xi32>) {
  %0 = autoglm.abs %a : tensor<?x8xf16>
  %1 = autoglm.abs %b : tensor<8xi32>
  return %0, %1 : tensor<?x8xf16>, tensor<8xi32>
}

// CHECK-LABEL: func.func @sign(
// CHECK-SAME:  %arg0: tensor<?x8xf16>, %arg1: tensor<8xi32>) -> (tensor<?x8xf16>, tensor<8xi32>) {
// CHECK-NEXT:    %0 = autoglm.sign %arg0 : tensor<?x8xf16>
// CHECK-NEXT:    %1 = autoglm.sign %arg1 : tensor<8xi32>
// CHECK-NEXT:    return %0, %1 : tensor<?x8xf16>, tensor<8xi32>
func.func @sign(%a: tensor<?x8xf16>, %b: tensor<8xi32>) -> (tensor<?x8xf16>, tensor<8xi32>) {
  %0 = autoglm.sign %a : tensor<?x8xf16>
  %1 = autoglm.sign %b : tensor<8xi32>
  return %0, %1 : tensor<?x8xf16>, tensor<8xi32>
}

// CHECK-LABEL: func.func @relu(
// CHECK-SAME:  %arg0: tensor<?x8xf16>, %arg1: tensor<8xi32>) -> (tensor<?x8xf16>, tensor<8xi32>) {
// CHECK-NEXT:    %0 = autoglm.relu %arg0 : tensor<?x8xf16>
// CHECK-NEXT:    %1 = autoglm.relu %arg1 : tensor<8xi32>
// CHECK-NEXT:    return %0, %1 : tensor<?x8xf16>, tensor<8xi32>
func.func @relu(%a: tensor<?x8xf16>, %b: tensor<8xi32>) -> (tensor<?x8xf16>, tensor<8xi32>) {
  %0 = autoglm.relu %a : tensor<?x8xf16>
  %1 = autoglm.relu %b : tensor<8xi32>
  return %0, %1 : tensor<?x8xf16>, tensor<8xi32>
}

// CHECK-LABEL: func.func @exp(
// CHECK-SAME:  %arg0: tensor<?x8xbf16>, %arg1: tensor<f64>) -> (tensor<?x8xbf16>, tensor<f64>) {
// CHECK-NEXT:    %0 = autoglm.exp %arg0 : tensor<?x8xbf16>
// CHECK-NEXT:    %1 = autoglm.exp %arg1 : tensor<f64>
// CHECK-NEXT:    return %0, %1 : tensor<?x8xbf16>, tensor<f64>
func.func @exp(%a: tensor<?x8xbf16>, %b: tensor<f64>) -> (tensor<?x8xbf16>, tensor<f64>) {
  %0 = autoglm.exp %a : tensor<?x8xbf16>
  %1 = autoglm.exp %b : tensor<f64>
  return %0, %1 : tensor<?x8xbf16>, tensor<f64>
}

// CHECK-LABEL: func.func @log(
// CHECK-SAME:  %arg0: tensor<?x8xbf16>, %arg1: tensor<f64>) -> (tensor<?x8xbf16>, tensor<f64>) {
// CHECK-NEXT:    %0 = autoglm.log %arg0 : tensor<?x8xbf16>
// CHECK-NEXT:    %1 = autoglm.log %arg1 : tensor<f64>
// CHECK-NEXT:    return %0, %1 : tensor<?x8xbf16>, tensor<f64>
func.func @log(%a: tensor<?x8xbf16>, %b: tensor<f64>) -> (tensor<?x8xbf16>, tensor<f64>) {
  %0 = autoglm.log %a : tensor<?x8xbf16>
  %1 = autoglm.log %b : tensor<f64>
  return %0, %1 : tensor<?x8xbf16>, tensor<f64>
}

// CHECK-LABEL: func.func @sqrt(
// CHECK-SAME:  %arg0: tensor<?x8xbf16>, %arg1: tensor<f64>) -> (tensor<?x8xbf16>, tensor<f64>) {
// CHECK-NEXT:    %0 = autoglm.sqrt %arg0 : tensor<?x8xbf16>
// CHECK-NEXT:    %1 = autoglm.sqrt %arg1 : tensor<f64>
// CHECK-NEXT:    return %0, %1 : tensor<?x8xbf16>, tensor<f64>
func.func @sqrt(%a: tensor<?x8xbf16>, %b: tensor<f64>) -> (tensor<?x8xbf16>, tensor<f64>) {
  %0 = autoglm.sqrt %a : tensor<?x8xbf16>
  %1 = autoglm.sqrt %b : tensor<f64>
  return %0, %1 : tensor<?x8xbf16>, tensor<f64>
}

// CHECK-LABEL: func.func @rsqrt(
// CHECK-SAME:  %arg0: tensor<?x8xbf16>, %arg1: tensor<f64>) -> (tensor<?x8xbf16>, tensor<f64>) {
// CHECK-NEXT:    %0 = autoglm.rsqrt %arg0 : tensor<?x8xbf16>
// CHECK-NEXT:    %1 = autoglm.rsqrt %arg1 : tensor<f64>
// CHECK-NEXT:    return %0, %1 : tensor<?x8xbf16>, tensor<f64>
func.func @rsqrt(%a: tensor<?x8xbf16>, %b: tensor<f64>) -> (tensor<?x8xbf16>, tensor<f64>) {
  %0 = autoglm.rsqrt %a : tensor<?x8xbf16>
  %1 = autoglm.rsqrt %b : tensor<f64>
  return %0, %1 : tensor<?x8xbf16>, tensor<f64>
}

// CHECK-LABEL: func.func @reciprocal(
// CHECK-SAME:  %arg0: tensor<?x8xbf16>, %arg1: tensor<f64>) -> (tensor<?x8xbf16>, tensor<f64>) {
// CHECK-NEXT:    %0 = autoglm.reciprocal %arg0 : tensor<?x8xbf16>
// CHECK-NEXT:    %1 = autoglm.reciprocal %arg1 : tensor<f64>
// CHECK-NEXT:    return %0, %1 : tensor<?x8xbf16>, tensor<f64>
func.func @reciprocal(%a: tensor<?x8xbf16>, %b: tensor<f64>) -> (tensor<?x8xbf16>, tensor<f64>) {
  %0 = autoglm.reciprocal %a : tensor<?x8xbf16>
  %1 = autoglm.reciprocal %b : tensor<f64>
  return %0, %1 : tensor<?x8xbf16>, tensor<f64>
}

// CHECK-LABEL: func.func @tanh(
// CHECK-SAME:  %arg0: tensor<?x8xbf16>, %arg1: tensor<f64>) -> (tensor<?x8xbf16>, tensor<f64>) {
// CHECK-NEXT:    %0 = autoglm.tanh %arg0 : tensor<?x8xbf16>
// CHECK-NEXT:    %1 = autoglm.tanh %arg1 : tensor<f64>
// CHECK-NEXT:    return %0, %1 : tensor<?x8xbf16>, tensor<f64>
func.func @tanh(%a: tensor<?x8xbf16>, %b: tensor<f64>) -> (tensor<?x8xbf16>, tensor<f64>) {
  %0 = autoglm.tanh %a : tensor<?x8xbf16>
  %1 = autoglm.tanh %b : tensor<f64>
  return %0, %1 : tensor<?x8xbf16>, tensor<f64>
}

// CHECK-LABEL: func.func @erf(
// CHECK-SAME:  %arg0: tensor<?x8xbf16>, %arg1: tensor<f64>) -> (tensor<?x8xbf16>, tensor<f64>) {
// CHECK-NEXT:    %0 = autoglm.erf %arg0 : tensor<?x8xbf16>
// CHECK-NEXT:    %1 = autoglm.erf %arg1 : tensor<f64>
// CHECK-NEXT:    return %0, %1 : tensor<?x8xbf16>, tensor<f64>
func.func @erf(%a: tensor<?x8xbf16>, %b: tensor<f64>) -> (tensor<?x8xbf16>, tensor<f64>) {
  %0 = autoglm.erf %a : tensor<?x8xbf16>
  %1 = autoglm.erf %b : tensor<f64>
  return %0, %1 : tensor<?x8xbf16>, tensor<f64>
}

// CHECK-LABEL: func.func @sigmoid(
// CHECK-SAME:  %arg0: tensor<?x8xbf16>, %arg1: tensor<f64>) -> (tensor<?x8xbf16>, tensor<f64>) {
// CHECK-NEXT:    %0 = autoglm.sigmoid %arg0 : tensor<?x8xbf16>
// CHECK-NEXT:    %1 = autoglm.sigmoid %arg1 : tensor<f64>
// CHECK-NEXT:    return %0, %1 : tensor<?x8xbf16>, tensor<f64>
func.func @sigmoid(%a: tensor<?x8xbf16>, %b: tensor<f64>) -> (tensor<?x8xbf16>, tensor<f64>) {
  %0 = autoglm.sigmoid %a : tensor<?x8xbf16>
  %1 = autoglm.sigmoid %b : tensor<f64>
  return %0, %1 : tensor<?x8xbf16>, tensor<f64>
}

// CHECK-LABEL: func.func @sin(
// CHECK-SAME:  %arg0: tensor<?x8xbf16>, %arg1: tensor<f64>) -> (tensor<?x8xbf16>, tensor<f64>) {
// CHECK-NEXT:    %0 = autoglm.sin %arg0 : tensor<?x8xbf16>
// CHECK-NEXT:    %1 = autoglm.sin %arg1 : tensor<f64>
// CHECK-NEXT:    return %0, %1 : tensor<?x8xbf16>, tensor<f64>
func.func @sin(%a: tensor<?x8xbf16>, %b: tensor<f64>) -> (tensor<?x8xbf16>, tensor<f64>) {
  %0 = autoglm.sin %a : tensor<?x8xbf16>
  %1 = autoglm.sin %b : tensor<f64>
  return %0, %1 : tensor<?x8xbf16>, tensor<f64>
}

// CHECK-LABEL: func.func @cos(
// CHECK-SAME:  %arg0: tensor<?x8xbf16>, %arg1: tensor<f64>) -> (tensor<?x8xbf16>, tensor<f64>) {
// CHECK-NEXT:    %0 = autoglm.cos %arg0 : tensor<?x8xbf16>
// CHECK-NEXT:    %1 = autoglm.cos %arg1 : tensor<f64>
// CHECK-NEXT:    return %0, %1 : tensor<?x8xbf16>, tensor<f64>
func.func @cos(%a: tensor<?x8xbf16>, %b: tensor<f64>) -> (tensor<?x8xbf16>, tensor<f64>) {
  %0 = autoglm.cos %a : tensor<?x8xbf16>
  %1 = autoglm.cos %b : tensor<f64>
  return %0, %1 : tensor<?x8xbf16>, tensor<f64>
}

// CHECK-LABEL: func.func @floor(
// CHECK-SAME:  %arg0: tensor<?x8xbf16>, %arg1: tensor<f64>) -> (tensor<?x8xbf16>, tensor<f64>) {
// CHECK-NEXT:    %0 = autoglm.floor %arg0 : tensor<?x8xbf16>
// CHECK-NEXT:    %1 = autoglm.floor %arg1 : tensor<f64>
// CHECK-NEXT:    return %0, %1 : tensor<?x8xbf16>, tensor<f64>
func.func @floor(%a: tensor<?x8xbf16>, %b: tensor<f64>) -> (tensor<?x8xbf16>, tensor<f64>) {
  %0 = autoglm.floor %a : tensor<?x8xbf16>
  %1 = autoglm.floor %b : tensor<f64>
  return %0, %1 : tensor<?x8xbf16>, tensor<f64>
}

// CHECK-LABEL: func.func @ceil(
// CHECK-SAME:  %arg0: tensor<?x8xbf16>, %arg1: tensor<f64>) -> (tensor<?x8xbf16>, tensor<f64>) {
// CHECK-NEXT:    %0 = autoglm.ceil %arg0 : tensor<?x8xbf16>
// CHECK-NEXT:    %1 = autoglm.ceil %arg1 : tensor<f64>
// CHECK-NEXT:    return %0, %1 : tensor<?x8xbf16>, tensor<f64>
func.func @ceil(%a: tensor<?x8xbf16>, %b: tensor<f64>) -> (tensor<?x8xbf16>, tensor<f64>) {
  %0 = autoglm.ceil %a : tensor<?x8xbf16>
  %1 = autoglm.ceil %b : tensor<f64>
  return %0, %1 : tensor<?x8xbf16>, tensor<f64>
}

// CHECK-LABEL: func.func @round(
// CHECK-SAME:  %arg0: tensor<?x8xbf16>, %arg1: tensor<f64>) -> (tensor<?x8xbf16>, tensor<f64>) {
// CHECK-NEXT:    %0 = autoglm.round %arg0 : tensor<?x8xbf16>
// CHECK-NEXT:    %1 = autoglm.round %arg1 : tensor<f64>
// CHECK-NEXT:    return %0, %1 : tensor<?x8xbf16>, tensor<f64>
func.func @round(%a: tensor<?x8xbf16>, %b: tensor<f64>) -> (tensor<?x8xbf16>, tensor<f64>) {
  %0 = autoglm.round %a : tensor<?x8xbf16>
  %1 = autoglm.round %b : tensor<f64>
  return %0, %1 : tensor<?x8xbf16>, tensor<f64>
}

// CHECK-LABEL: func.func @softplus(
// CHECK-SAME:  %arg0: tensor<?x8xbf16>, %arg1: tensor<f64>) -> (tensor<?x8xbf16>, tensor<f64>) {
// CHECK-NEXT:    %0 = autoglm.softplus %arg0 : tensor<?x8xbf16>
// CHECK-NEXT:    %1 = autoglm.softplus %arg1 : tensor<f64>
// CHECK-NEXT:    return %0, %1 : tensor<?x8xbf16>, tensor<f64>
func.func @softplus(%a: tensor<?x8xbf16>, %b: tensor<f64>) -> (tensor<?x8xbf16>, tensor<f64>) {
  %0 = autoglm.softplus %a : tensor<?x8xbf16>
  %1 = autoglm.softplus %b : tensor<f64>
  return %0, %1 : tensor<?x8xbf16>, tensor<f64>
}
// CHECK-LABEL: func.func @add_int_dynamic(
// CHECK-SAME:  %arg0: tensor<?x?xi64>, %arg1: tensor<?x1xi64>) -> tensor<?x?xi64> {
// CHECK-NEXT:    %0 = autoglm.add %arg0, %arg1 : (tensor<?x?xi64>, tensor<?x1xi64>) -> tensor<?x?xi64>
// CHECK-NEXT:    return %0 : tensor<?x?xi64>
func.func @add_int_dynamic(%a: tensor<?x?xi64>, %b: tensor<?x1xi64>) -> tensor<?x?xi64> {
  %0 = autoglm.add %a, %b : (tensor<?x?xi64>, tensor<?x1xi64>) -> tensor<?x?xi64>
  return %0 : tensor<?x?xi64>
}

// The declared result may be more static than what inference derives.
// CHECK-LABEL: func.func @add_refined_result(
// CHECK-SAME:  %arg0: tensor<?xf32>, %arg1: tensor<?xf32>) -> tensor<7xf32> {
// CHECK-NEXT:    %0 = autoglm.add %arg0, %arg1 : (tensor<?xf32>, tensor<?xf32>) -> tensor<7xf32>
// CHECK-NEXT:    return %0 : tensor<7xf32>
func.func @add_refined_result(%a: tensor<?xf32>, %b: tensor<?xf32>) -> tensor<7xf32> {
  %0 = autoglm.add %a, %b : (tensor<?xf32>, tensor<?xf32>) -> tensor<7xf32>
  return %0 : tensor<7xf32>
}

// CHECK-LABEL: func.func @rem(
// CHECK-SAME:  %arg0: tensor<4xi32>, %arg1: tensor<4xi32>, %arg2: tensor<4xf32>, %arg3: tensor<f32>) -> (tensor<4xi32>, tensor<4xi32>, tensor<4xf32>) {
// CHECK-NEXT:    %0 = autoglm.rem %arg0, %arg1 : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
// CHECK-NEXT:    %1 = autoglm.rem %arg0, %arg1 {fmod} : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
// CHECK-NEXT:    %2 = autoglm.rem %arg2, %arg3 {fmod} : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
// CHECK-NEXT:    return %0, %1, %2 : tensor<4xi32>, tensor<4xi32>, tensor<4xf32>
func.func @rem(%a: tensor<4xi32>, %b: tensor<4xi32>, %c: tensor<4xf32>, %d: tensor<f32>) -> (tensor<4xi32>, tensor<4xi32>, tensor<4xf32>) {
  %0 = autoglm.rem %a, %b : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  %1 = autoglm.rem %a, %b {fmod} : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  %2 = autoglm.rem %c, %d {fmod} : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return %0, %1, %2 : tensor<4xi32>, tensor<4xi32>, tensor<4xf32>
}

// CHECK-LABEL: func.func @cmp(
// CHECK-SAME:  %arg0: tensor<2x3xf32>, %arg1: tensor<3xf32>, %arg2: tensor<?xui8>) -> (tensor<2x3xi1>, tensor<2x3xi1>, tensor<2x3xi1>, tensor<2x3xi1>, tensor<2x3xi1>, tensor<?xi1>) {
// CHECK-NEXT:    %0 = autoglm.cmp eq, %arg0, %arg1 : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
// CHECK-NEXT:    %1 = autoglm.cmp ne, %arg0, %arg1 : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
// CHECK-NEXT:    %2 = autoglm.cmp lt, %arg0, %arg1 : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
// CHECK-NEXT:    %3 = autoglm.cmp le, %arg0, %arg1 : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
// CHECK-NEXT:    %4 = autoglm.cmp gt, %arg0, %arg1 : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
// CHECK-NEXT:    %5 = autoglm.cmp ge, %arg2, %arg2 : (tensor<?xui8>, tensor<?xui8>) -> tensor<?xi1>
// CHECK-NEXT:    return %0, %1, %2, %3, %4, %5 : tensor<2x3xi1>, tensor<2x3xi1>, tensor<2x3xi1>, tensor<2x3xi1>, tensor<2x3xi1>, tensor<?xi1>
func.func @cmp(%a: tensor<2x3xf32>, %b: tensor<3xf32>, %c: tensor<?xui8>) -> (tensor<2x3xi1>, tensor<2x3xi1>, tensor<2x3xi1>, tensor<2x3xi1>, tensor<2x3xi1>, tensor<?xi1>) {
  %0 = autoglm.cmp eq, %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
  %1 = autoglm.cmp ne, %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
  %2 = autoglm.cmp lt, %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
  %3 = autoglm.cmp le, %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
  %4 = autoglm.cmp gt, %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
  %5 = autoglm.cmp ge, %c, %c : (tensor<?xui8>, tensor<?xui8>) -> tensor<?xi1>
  return %0, %1, %2, %3, %4, %5 : tensor<2x3xi1>, tensor<2x3xi1>, tensor<2x3xi1>, tensor<2x3xi1>, tensor<2x3xi1>, tensor<?xi1>
}

// CHECK-LABEL: func.func @select(
// CHECK-SAME:  %arg0: tensor<?x1xi1>, %arg1: tensor<4xf32>, %arg2: tensor<f32>, %arg3: tensor<2x1x!quant.uniform<i8:f32, 5.000000e-01>>) -> (tensor<?x4xf32>, tensor<2x1x!quant.uniform<i8:f32, 5.000000e-01>>) {
// CHECK-NEXT:    %0 = autoglm.select %arg0, %arg1, %arg2 : (tensor<?x1xi1>, tensor<4xf32>, tensor<f32>) -> tensor<?x4xf32>
// CHECK-NEXT:    %1 = autoglm.select %arg0, %arg3, %arg3 : (tensor<?x1xi1>, tensor<2x1x!quant.uniform<i8:f32, 5.000000e-01>>, tensor<2x1x!quant.uniform<i8:f32, 5.000000e-01>>) -> tensor<2x1x!quant.uniform<i8:f32, 5.000000e-01>>
// CHECK-NEXT:    return %0, %1 : tensor<?x4xf32>, tensor<2x1x!quant.uniform<i8:f32, 5.000000e-01>>
func.func @select(%c: tensor<?x1xi1>, %t: tensor<4xf32>, %f: tensor<f32>, %s: tensor<2x1x!quant.uniform<i8:f32, 0.5>>) -> (tensor<?x4xf32>, tensor<2x1x!quant.uniform<i8:f32, 0.5>>) {
  %0 = autoglm.select %c, %t, %f : (tensor<?x1xi1>, tensor<4xf32>, tensor<f32>) -> tensor<?x4xf32>
  %1 = autoglm.select %c, %s, %s : (tensor<?x1xi1>, tensor<2x1x!quant.uniform<i8:f32, 0.5>>, tensor<2x1x!quant.uniform<i8:f32, 0.5>>) -> tensor<2x1x!quant.uniform<i8:f32, 0.5>>
  return %0, %1 : tensor<?x4xf32>, tensor<2x1x!quant.uniform<i8:f32, 0.5>>
}

// CHECK-LABEL: func.func @not(
// CHECK-SAME:  %arg0: tensor<?xi1>) -> tensor<?xi1> {
// CHECK-NEXT:    %0 = autoglm.not %arg0 : tensor<?xi1>
// CHECK-NEXT:    return %0 : tensor<?xi1>
func.func @not(%a: tensor<?xi1>) -> tensor<?xi1> {
  %0 = autoglm.not %a : tensor<?xi1>
  return %0 : tensor<?xi1>
}

// CHECK-LABEL: func.func @gelu(
// CHECK-SAME:  %arg0: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) {
// CHECK-NEXT:    %0 = autoglm.gelu %arg0 : tensor<8xf32>
// CHECK-NEXT:    %1 = autoglm.gelu %arg0 {approximation = #autoglm<gelu_approximation tanh>} : tensor<8xf32>
// CHECK-NEXT:    %2 = autoglm.gelu %arg0 : tensor<8xf32>
// CHECK-NEXT:    return %0, %1, %2 : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
func.func @gelu(%a: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) {
  %0 = autoglm.gelu %a : tensor<8xf32>
  %1 = autoglm.gelu %a {approximation = #autoglm<gelu_approximation tanh>} : tensor<8xf32>
  // The default is elided when printing.
  %2 = autoglm.gelu %a {approximation = #autoglm<gelu_approximation none>} : tensor<8xf32>
  return %0, %1, %2 : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
}

// CHECK-LABEL: func.func @leaky_relu_elu(
// CHECK-SAME:  %arg0: tensor<8xf16>) -> (tensor<8xf16>, tensor<8xf16>, tensor<8xf16>, tensor<8xf16>) {
// CHECK-NEXT:    %0 = autoglm.leaky_relu %arg0 : tensor<8xf16>
// CHECK-NEXT:    %1 = autoglm.leaky_relu %arg0 {alpha = 2.000000e-01 : f64} : tensor<8xf16>
// CHECK-NEXT:    %2 = autoglm.elu %arg0 : tensor<8xf16>
// CHECK-NEXT:    %3 = autoglm.elu %arg0 {alpha = 5.000000e-01 : f64} : tensor<8xf16>
// CHECK-NEXT:    return %0, %1, %2, %3 : tensor<8xf16>, tensor<8xf16>, tensor<8xf16>, tensor<8xf16>
func.func @leaky_relu_elu(%a: tensor<8xf16>) -> (tensor<8xf16>, tensor<8xf16>, tensor<8xf16>, tensor<8xf16>) {
  %0 = autoglm.leaky_relu %a : tensor<8xf16>
  %1 = autoglm.leaky_relu %a {alpha = 2.000000e-01 : f64} : tensor<8xf16>
  %2 = autoglm.elu %a : tensor<8xf16>
  %3 = autoglm.elu %a {alpha = 5.000000e-01 : f64} : tensor<8xf16>
  return %0, %1, %2, %3 : tensor<8xf16>, tensor<8xf16>, tensor<8xf16>, tensor<8xf16>
}

// CHECK-LABEL: func.func @hard_sigmoid(
// CHECK-SAME:  %arg0: tensor<?xf32>) -> (tensor<?xf32>, tensor<?xf32>) {
// CHECK-NEXT:    %0 = autoglm.hard_sigmoid %arg0 : tensor<?xf32>
// CHECK-NEXT:    %1 = autoglm.hard_sigmoid %arg0 {alpha = 0.16666666666666666 : f64} : tensor<?xf32>
// CHECK-NEXT:    return %0, %1 : tensor<?xf32>, tensor<?xf32>
func.func @hard_sigmoid(%a: tensor<?xf32>) -> (tensor<?xf32>, tensor<?xf32>) {
  %0 = autoglm.hard_sigmoid %a : tensor<?xf32>
  %1 = autoglm.hard_sigmoid %a {alpha = 0.16666666666666666 : f64, beta = 5.000000e-01 : f64} : tensor<?xf32>
  return %0, %1 : tensor<?xf32>, tensor<?xf32>
}

// CHECK-LABEL: func.func @clip(
// CHECK-SAME:  %arg0: tensor<4xf32>, %arg1: tensor<4xi8>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xi8>, tensor<4xf32>) {
// CHECK-NEXT:    %0 = autoglm.clip %arg0 {max = 6.000000e+00 : f64, min = 0.000000e+00 : f64} : tensor<4xf32>
// CHECK-NEXT:    %1 = autoglm.clip %arg0 {min = -1.000000e+00 : f64} : tensor<4xf32>
// CHECK-NEXT:    %2 = autoglm.clip %arg0 {max = 1.000000e+00 : f64} : tensor<4xf32>
// CHECK-NEXT:    %3 = autoglm.clip %arg1 {max = 1.000000e+01 : f64, min = -1.000000e+01 : f64} : tensor<4xi8>
// CHECK-NEXT:    %4 = autoglm.clip %arg0 {max = 2.000000e+00 : f64, min = 2.000000e+00 : f64} : tensor<4xf32>
// CHECK-NEXT:    return %0, %1, %2, %3, %4 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xi8>, tensor<4xf32>
func.func @clip(%a: tensor<4xf32>, %b: tensor<4xi8>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xi8>, tensor<4xf32>) {
  %0 = autoglm.clip %a {max = 6.000000e+00 : f64, min = 0.000000e+00 : f64} : tensor<4xf32>
  %1 = autoglm.clip %a {min = -1.000000e+00 : f64} : tensor<4xf32>
  %2 = autoglm.clip %a {max = 1.000000e+00 : f64} : tensor<4xf32>
  %3 = autoglm.clip %b {max = 1.000000e+01 : f64, min = -1.000000e+01 : f64} : tensor<4xi8>
  // min == max is allowed.
  %4 = autoglm.clip %a {max = 2.000000e+00 : f64, min = 2.000000e+00 : f64} : tensor<4xf32>
  return %0, %1, %2, %3, %4 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xi8>, tensor<4xf32>
}

// CHECK-LABEL: func.func @cast(
// CHECK-SAME:  %arg0: tensor<2x?xf32>, %arg1: tensor<3xi1>) -> (tensor<2x?xi64>, tensor<2x?xi1>, tensor<3xf16>, tensor<2x5xf32>) {
// CHECK-NEXT:    %0 = autoglm.cast %arg0 : tensor<2x?xf32> to tensor<2x?xi64>
// CHECK-NEXT:    %1 = autoglm.cast %arg0 : tensor<2x?xf32> to tensor<2x?xi1>
// CHECK-NEXT:    %2 = autoglm.cast %arg1 : tensor<3xi1> to tensor<3xf16>
// CHECK-NEXT:    %3 = autoglm.cast %arg0 : tensor<2x?xf32> to tensor<2x5xf32>
// CHECK-NEXT:    return %0, %1, %2, %3 : tensor<2x?xi64>, tensor<2x?xi1>, tensor<3xf16>, tensor<2x5xf32>
func.func @cast(%a: tensor<2x?xf32>, %b: tensor<3xi1>) -> (tensor<2x?xi64>, tensor<2x?xi1>, tensor<3xf16>, tensor<2x5xf32>) {
  %0 = autoglm.cast %a : tensor<2x?xf32> to tensor<2x?xi64>
  %1 = autoglm.cast %a : tensor<2x?xf32> to tensor<2x?xi1>
  %2 = autoglm.cast %b : tensor<3xi1> to tensor<3xf16>
  %3 = autoglm.cast %a : tensor<2x?xf32> to tensor<2x5xf32>
  return %0, %1, %2, %3 : tensor<2x?xi64>, tensor<2x?xi1>, tensor<3xf16>, tensor<2x5xf32>
}

// Floating-point remainder with Python semantics (no fmod).
// CHECK-LABEL: func.func @rem_float_python(
// CHECK: autoglm.rem %{{.*}}, %{{.*}} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
func.func @rem_float_python(%a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = autoglm.rem %a, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
