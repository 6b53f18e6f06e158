// RUN: autoglm-opt %s --autoglm-infer-shapes | FileCheck %s
// RUN: autoglm-opt %s --autoglm-infer-shapes --autoglm-infer-shapes | FileCheck %s

// --autoglm-infer-shapes re-runs each op's type inference in program order,
// refines `?` wherever inference knows the size, and updates the function's
// result types. The second RUN line checks that the pass is idempotent.

// The arguments were just specialized from `?` to static sizes; every
// inferred result type and the function's result type become static.
// CHECK-LABEL: func.func @mlp(
// CHECK-SAME:  %arg0: tensor<2x8x16xf32>, %arg1: tensor<16x4xf32>, %arg2: tensor<4xf32>) -> tensor<2x4x1xf32> {
// CHECK-NEXT:    %0 = autoglm.matmul %arg0, %arg1 : (tensor<2x8x16xf32>, tensor<16x4xf32>) -> tensor<2x8x4xf32>
// CHECK-NEXT:    %1 = autoglm.add %0, %arg2 : (tensor<2x8x4xf32>, tensor<4xf32>) -> tensor<2x8x4xf32>
// CHECK-NEXT:    %2 = autoglm.gelu %1 : tensor<2x8x4xf32>
// CHECK-NEXT:    %3 = autoglm.transpose %2, [0, 2, 1] : (tensor<2x8x4xf32>) -> tensor<2x4x8xf32>
// CHECK-NEXT:    %4 = autoglm.reduce sum %3 {axes = array<i64: 2>, keepdims} : (tensor<2x4x8xf32>) -> tensor<2x4x1xf32>
// CHECK-NEXT:    return %4 : tensor<2x4x1xf32>
func.func @mlp(%x: tensor<2x8x16xf32>, %w: tensor<16x4xf32>, %b: tensor<4xf32>) -> tensor<?x?x?xf32> {
  %0 = autoglm.matmul %x, %w : (tensor<2x8x16xf32>, tensor<16x4xf32>) -> tensor<?x?x?xf32>
  %1 = autoglm.add %0, %b : (tensor<?x?x?xf32>, tensor<4xf32>) -> tensor<?x?x?xf32>
  %2 = "autoglm.gelu"(%1) : (tensor<?x?x?xf32>) -> tensor<?x?x?xf32>
  %3 = autoglm.transpose %2, [0, 2, 1] : (tensor<?x?x?xf32>) -> tensor<?x?x?xf32>
  %4 = autoglm.reduce sum %3 {axes = array<i64: 2>, keepdims} : (tensor<?x?x?xf32>) -> tensor<?x?x?xf32>
  return %4 : tensor<?x?x?xf32>
}

// CHECK-LABEL: func.func @vision(
// CHECK-SAME:  %arg0: tensor<1x3x32x32xf32>, %arg1: tensor<8x3x3x3xf32>, %arg2: tensor<8xf32>) -> (tensor<1x3x18x18xf32>, tensor<3x3xi64>) {
// CHECK-NEXT:    %0 = autoglm.conv %arg0, %arg1, %arg2 {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x3x32x32xf32>, tensor<8x3x3x3xf32>, tensor<8xf32>) -> tensor<1x8x16x16xf32>
// CHECK-NEXT:    %1 = autoglm.batch_norm %0, %arg2, %arg2, %arg2, %arg2 : (tensor<1x8x16x16xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x8x16x16xf32>
// CHECK-NEXT:    %2 = autoglm.pool max %1 {ceil_mode, dilations = array<i64: 1, 1>, kernel = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x8x16x16xf32>) -> tensor<1x8x8x8xf32>
// CHECK-NEXT:    %3 = autoglm.conv_transpose %2, %arg1 {dilations = array<i64: 1, 1>, output_padding = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x8x8x8xf32>, tensor<8x3x3x3xf32>) -> tensor<1x3x16x16xf32>
// CHECK-NEXT:    %4 = autoglm.pad %3 {pads = array<i64: 0, 0, 1, 0, 0, 0, 1, 2>} : (tensor<1x3x16x16xf32>) -> tensor<1x3x18x18xf32>
// CHECK-NEXT:    %5 = autoglm.arg_reduce argmax %4 {axis = 1 : i64} : (tensor<1x3x18x18xf32>) -> tensor<1x18x18xi64>
// CHECK-NEXT:    %6 = autoglm.slice %5 {ends = array<i64: 1, 10, 12>, starts = array<i64: 0, 2, 0>, steps = array<i64: 1, 3, 4>} : (tensor<1x18x18xi64>) -> tensor<1x3x3xi64>
// CHECK-NEXT:    %7 = autoglm.reduce max %6 {axes = array<i64: 0>} : (tensor<1x3x3xi64>) -> tensor<3x3xi64>
// CHECK-NEXT:    return %4, %7 : tensor<1x3x18x18xf32>, tensor<3x3xi64>
func.func @vision(%x: tensor<1x3x32x32xf32>, %w: tensor<8x3x3x3xf32>, %p: tensor<8xf32>) -> (tensor<?x?x?x?xf32>, tensor<?x?xi64>) {
  %0 = autoglm.conv %x, %w, %p {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x3x32x32xf32>, tensor<8x3x3x3xf32>, tensor<8xf32>) -> tensor<?x?x?x?xf32>
  %1 = autoglm.batch_norm %0, %p, %p, %p, %p : (tensor<?x?x?x?xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x?x?xf32>
  %2 = autoglm.pool max %1 {ceil_mode, dilations = array<i64: 1, 1>, kernel = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32>
  %3 = autoglm.conv_transpose %2, %w {dilations = array<i64: 1, 1>, output_padding = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<?x?x?x?xf32>, tensor<8x3x3x3xf32>) -> tensor<?x?x?x?xf32>
  %4 = autoglm.pad %3 {pads = array<i64: 0, 0, 1, 0, 0, 0, 1, 2>} : (tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32>
  %5 = autoglm.arg_reduce argmax %4 {axis = 1 : i64} : (tensor<?x?x?x?xf32>) -> tensor<?x?x?xi64>
  %6 = autoglm.slice %5 {ends = array<i64: 1, 10, 12>, starts = array<i64: 0, 2, 0>, steps = array<i64: 1, 3, 4>} : (tensor<?x?x?xi64>) -> tensor<?x?x?xi64>
  %7 = autoglm.reduce max %6 {axes = array<i64: 0>} : (tensor<?x?x?xi64>) -> tensor<?x?xi64>
  return %4, %7 : tensor<?x?x?x?xf32>, tensor<?x?xi64>
}

// CHECK-LABEL: func.func @transformer(
// CHECK-SAME:  %arg0: tensor<2x5xi64>, %arg1: tensor<100x64xf16>, %arg2: tensor<64xf16>, %arg3: tensor<5x5xi1>) -> tensor<2x5x4xf16> {
// CHECK-NEXT:    %0 = autoglm.gather %arg1, %arg0 {axis = 0 : i64} : (tensor<100x64xf16>, tensor<2x5xi64>) -> tensor<2x5x64xf16>
// CHECK-NEXT:    %1 = autoglm.layer_norm %0, %arg2 {axis = 2 : i64} : (tensor<2x5x64xf16>, tensor<64xf16>) -> tensor<2x5x64xf16>
// CHECK-NEXT:    %2:3 = autoglm.split %1 {axis = 2 : i64, sizes = array<i64: 32, 16, 16>} : (tensor<2x5x64xf16>) -> (tensor<2x5x32xf16>, tensor<2x5x16xf16>, tensor<2x5x16xf16>)
// CHECK-NEXT:    %3 = autoglm.concat %2#1, %2#2 {axis = 2 : i64} : (tensor<2x5x16xf16>, tensor<2x5x16xf16>) -> tensor<2x5x32xf16>
// CHECK-NEXT:    %4 = autoglm.tile %3 {repeats = array<i64: 1, 1, 1>} : (tensor<2x5x32xf16>) -> tensor<2x5x32xf16>
// CHECK-NEXT:    %5 = autoglm.expand %2#0 : (tensor<2x5x32xf16>) -> tensor<?x?x?x?xf16>
// CHECK-NEXT:    %6 = autoglm.expand %4 : (tensor<2x5x32xf16>) -> tensor<?x?x?x?xf16>
// CHECK-NEXT:    %7 = autoglm.attention %5, %6, %6, %arg3 {causal, scale = 1.250000e-01 : f64} : (tensor<?x?x?x?xf16>, tensor<?x?x?x?xf16>, tensor<?x?x?x?xf16>, tensor<5x5xi1>) -> tensor<?x?x?x?xf16>
// CHECK-NEXT:    %8 = autoglm.softmax %1 {axis = 2 : i64} : tensor<2x5x64xf16>
// CHECK-NEXT:    %values, %indices = autoglm.topk %8 {axis = 2 : i64, k = 4 : i64} : (tensor<2x5x64xf16>) -> (tensor<2x5x4xf16>, tensor<2x5x4xi64>)
// CHECK-NEXT:    return %values : tensor<2x5x4xf16>
func.func @transformer(%ids: tensor<2x5xi64>, %table: tensor<100x64xf16>, %g: tensor<64xf16>, %m: tensor<5x5xi1>) -> tensor<?x?x?xf16> {
  %0 = autoglm.gather %table, %ids {axis = 0 : i64} : (tensor<100x64xf16>, tensor<2x5xi64>) -> tensor<?x?x?xf16>
  %1 = autoglm.layer_norm %0, %g {axis = 2 : i64} : (tensor<?x?x?xf16>, tensor<64xf16>) -> tensor<?x?x?xf16>
  %2:3 = autoglm.split %1 {axis = 2 : i64, sizes = array<i64: 32, 16, 16>} : (tensor<?x?x?xf16>) -> (tensor<?x?x?xf16>, tensor<?x?x?xf16>, tensor<?x?x?xf16>)
  %3 = autoglm.concat %2#1, %2#2 {axis = 2 : i64} : (tensor<?x?x?xf16>, tensor<?x?x?xf16>) -> tensor<?x?x?xf16>
  %4 = autoglm.tile %3 {repeats = array<i64: 1, 1, 1>} : (tensor<?x?x?xf16>) -> tensor<?x?x?xf16>
  %q = autoglm.expand %2#0 : (tensor<?x?x?xf16>) -> tensor<?x?x?x?xf16>
  %k = autoglm.expand %4 : (tensor<?x?x?xf16>) -> tensor<?x?x?x?xf16>
  %5 = autoglm.attention %q, %k, %k, %m {causal, scale = 1.250000e-01 : f64} : (tensor<?x?x?x?xf16>, tensor<?x?x?x?xf16>, tensor<?x?x?x?xf16>, tensor<5x5xi1>) -> tensor<?x?x?x?xf16>
  %6 = autoglm.softmax %1 {axis = 2 : i64} : tensor<?x?x?xf16>
  %values, %indices = autoglm.topk %6 {axis = 2 : i64, k = 4 : i64} : (tensor<?x?x?xf16>) -> (tensor<?x?x?xf16>, tensor<?x?x?xi64>)
  return %values : tensor<?x?x?xf16>
}

// Shapes of other families: comparison and select broadcasting, cumsum,
// trilu, gather_elements, shape_of, 8-bit integer matmul.
// CHECK-LABEL: func.func @misc(
// CHECK-SAME:  %arg0: tensor<3x1xf32>, %arg1: tensor<4xf32>, %arg2: tensor<3x2xi64>, %arg3: tensor<4x8xi8>, %arg4: tensor<8x2xi8>) -> (tensor<3x4xf32>, tensor<3x4xf32>, tensor<3x2xf32>, tensor<2xi64>, tensor<4x2xi32>) {
// CHECK-NEXT:    %0 = autoglm.cmp gt, %arg0, %arg1 : (tensor<3x1xf32>, tensor<4xf32>) -> tensor<3x4xi1>
// CHECK-NEXT:    %1 = autoglm.select %0, %arg0, %arg1 : (tensor<3x4xi1>, tensor<3x1xf32>, tensor<4xf32>) -> tensor<3x4xf32>
// CHECK-NEXT:    %2 = autoglm.cumsum %1 {axis = 1 : i64} : tensor<3x4xf32>
// CHECK-NEXT:    %3 = autoglm.trilu %2 : tensor<3x4xf32>
// CHECK-NEXT:    %4 = autoglm.gather_elements %3, %arg2 {axis = 1 : i64} : (tensor<3x4xf32>, tensor<3x2xi64>) -> tensor<3x2xf32>
// CHECK-NEXT:    %5 = autoglm.shape_of %4 : (tensor<3x2xf32>) -> tensor<2xi64>
// CHECK-NEXT:    %6 = autoglm.matmul %arg3, %arg4 : (tensor<4x8xi8>, tensor<8x2xi8>) -> tensor<4x2xi32>
// CHECK-NEXT:    return %1, %3, %4, %5, %6 : tensor<3x4xf32>, tensor<3x4xf32>, tensor<3x2xf32>, tensor<2xi64>, tensor<4x2xi32>
func.func @misc(%a: tensor<3x1xf32>, %b: tensor<4xf32>, %i: tensor<3x2xi64>, %p: tensor<4x8xi8>, %q: tensor<8x2xi8>) -> (tensor<?x?xf32>, tensor<?x?xf32>, tensor<?x?xf32>, tensor<?xi64>, tensor<?x?xi32>) {
  %0 = autoglm.cmp gt, %a, %b : (tensor<3x1xf32>, tensor<4xf32>) -> tensor<?x?xi1>
  %1 = autoglm.select %0, %a, %b : (tensor<?x?xi1>, tensor<3x1xf32>, tensor<4xf32>) -> tensor<?x?xf32>
  %2 = "autoglm.cumsum"(%1) {axis = 1 : i64} : (tensor<?x?xf32>) -> tensor<?x?xf32>
  %3 = "autoglm.trilu"(%2) : (tensor<?x?xf32>) -> tensor<?x?xf32>
  %4 = autoglm.gather_elements %3, %i {axis = 1 : i64} : (tensor<?x?xf32>, tensor<3x2xi64>) -> tensor<?x?xf32>
  %5 = autoglm.shape_of %4 : (tensor<?x?xf32>) -> tensor<?xi64>
  %6 = autoglm.matmul %p, %q : (tensor<4x8xi8>, tensor<8x2xi8>) -> tensor<?x?xi32>
  return %1, %3, %4, %5, %6 : tensor<?x?xf32>, tensor<?x?xf32>, tensor<?x?xf32>, tensor<?xi64>, tensor<?x?xi32>
}

// Dimensions that stay unknown stay `?`; a declared static size that
// inference cannot derive is kept; ops without type inference keep their
// declared result types while their operands are refined.
// CHECK-LABEL: func.func @partial(
// CHECK-SAME:  %arg0: tensor<?x4xf32>, %arg1: tensor<4xf32>, %arg2: tensor<3xi64>) -> (tensor<?x4xf32>, tensor<3x4xf32>, tensor<?x?x?xf32>, tensor<?xf32>, tensor<?x?xf16>) {
// CHECK-NEXT:    %0 = autoglm.add %arg0, %arg1 : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
// CHECK-NEXT:    %1 = autoglm.mul %arg0, %arg1 : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<3x4xf32>
// CHECK-NEXT:    %2 = autoglm.reshape %0, %arg2 : (tensor<?x4xf32>, tensor<3xi64>) -> tensor<?x?x?xf32>
// CHECK-NEXT:    %3 = autoglm.reshape %1 : (tensor<3x4xf32>) -> tensor<?xf32>
// CHECK-NEXT:    %4 = autoglm.cast %0 : tensor<?x4xf32> to tensor<?x?xf16>
// CHECK-NEXT:    return %0, %1, %2, %3, %4 : tensor<?x4xf32>, tensor<3x4xf32>, tensor<?x?x?xf32>, tensor<?xf32>, tensor<?x?xf16>
func.func @partial(%x: tensor<?x4xf32>, %y: tensor<4xf32>, %s: tensor<3xi64>) -> (tensor<?x?xf32>, tensor<3x?xf32>, tensor<?x?x?xf32>, tensor<?xf32>, tensor<?x?xf16>) {
  %0 = autoglm.add %x, %y : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x?xf32>
  %1 = autoglm.mul %x, %y : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<3x?xf32>
  %2 = autoglm.reshape %0, %s : (tensor<?x?xf32>, tensor<3xi64>) -> tensor<?x?x?xf32>
  %3 = autoglm.reshape %1 : (tensor<3x?xf32>) -> tensor<?xf32>
  %4 = autoglm.cast %0 : tensor<?x?xf32> to tensor<?x?xf16>
  return %0, %1, %2, %3, %4 : tensor<?x?xf32>, tensor<3x?xf32>, tensor<?x?x?xf32>, tensor<?xf32>, tensor<?x?xf16>
}

// Refining the input of a reshape keeps it valid; its result keeps the
// declared type (reshape has no type inference).
// CHECK-LABEL: func.func @reshape_user(
// CHECK-SAME:  %arg0: tensor<12xf32>) -> tensor<?x4xf32> {
// CHECK-NEXT:    %0 = autoglm.add %arg0, %arg0 : (tensor<12xf32>, tensor<12xf32>) -> tensor<12xf32>
// CHECK-NEXT:    %1 = autoglm.reshape %0 : (tensor<12xf32>) -> tensor<?x4xf32>
// CHECK-NEXT:    return %1 : tensor<?x4xf32>
func.func @reshape_user(%a: tensor<12xf32>) -> tensor<?x4xf32> {
  %0 = autoglm.add %a, %a : (tensor<12xf32>, tensor<12xf32>) -> tensor<?xf32>
  %1 = autoglm.reshape %0 : (tensor<?xf32>) -> tensor<?x4xf32>
  return %1 : tensor<?x4xf32>
}

// Declarations have no body to refine.
// CHECK-LABEL: func.func private @external(tensor<?xf32>) -> tensor<?xf32>
func.func private @external(tensor<?xf32>) -> tensor<?xf32>
