// RUN: autoglm-opt %s --split-input-file --autoglm-fold-constants | FileCheck %s

// A shape chain whose range bounds only become constant in the graph (a
// cast of a shape entry to f32, as YOLO-style heads compute their anchor
// grids): the range folds to a constant of static length, its users get the
// static types their inference gives, and the whole chain folds.
// CHECK-LABEL: func.func @anchor_grid
// CHECK-NEXT: %[[G:.*]] = autoglm.constant dense<{{\[}}[0.000000e+00, 1.000000e+00, 2.000000e+00], [0.000000e+00, 1.000000e+00, 2.000000e+00]]> : tensor<2x3xf32>
// CHECK-NEXT: %[[Y:.*]] = autoglm.add %arg0, %[[G]] : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT: return %[[Y]]
func.func @anchor_grid(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %shape = autoglm.shape_of %x : (tensor<2x3xf32>) -> tensor<2xi64>
  %w = autoglm.slice %shape {ends = array<i64: 2>, starts = array<i64: 1>, steps = array<i64: 1>} : (tensor<2xi64>) -> tensor<1xi64>
  %w0 = autoglm.reshape %w : (tensor<1xi64>) -> tensor<i64>
  %wf = autoglm.cast %w0 : tensor<i64> to tensor<f32>
  %zero = autoglm.constant dense<0.0> : tensor<f32>
  %one = autoglm.constant dense<1.0> : tensor<f32>
  %r = autoglm.range %zero, %wf, %one : (tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<?xf32>
  %s = autoglm.constant dense<[1, -1]> : tensor<2xi64>
  %r2 = autoglm.reshape %r, %s : (tensor<?xf32>, tensor<2xi64>) -> tensor<1x?xf32>
  %e = autoglm.sigmoid %r2 : tensor<1x?xf32>
  %l = autoglm.log %e : tensor<1x?xf32>
  %n = autoglm.neg %l : tensor<1x?xf32>
  %back = autoglm.softplus %r2 : tensor<1x?xf32>
  %g = autoglm.sub %back, %n : (tensor<1x?xf32>, tensor<1x?xf32>) -> tensor<1x?xf32>
  %gs = autoglm.expand %g, %shape : (tensor<1x?xf32>, tensor<2xi64>) -> tensor<2x3xf32>
  %y = autoglm.add %x, %gs : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// Integer and negative-step ranges, and an empty one, feeding ops with
// static results. A range that the function returns keeps its type (the
// signature is not changed here).
// CHECK-LABEL: func.func @int_ranges
// CHECK-DAG: autoglm.constant dense<[-10, -7, -4, -1]> : tensor<4xi64>
// CHECK-DAG: autoglm.constant dense<> : tensor<0xi32>
// CHECK: %[[KEPT:.*]] = autoglm.range
// CHECK: return %{{.*}}, %{{.*}}, %[[KEPT]]
func.func @int_ranges() -> (tensor<4xi64>, tensor<0xi32>, tensor<?xi64>) {
  %a = autoglm.constant dense<10> : tensor<i64>
  %b = autoglm.constant dense<0> : tensor<i64>
  %c = autoglm.constant dense<-3> : tensor<i64>
  %r = autoglm.range %a, %b, %c : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  %s4 = autoglm.constant dense<[4]> : tensor<1xi64>
  %r4 = autoglm.reshape %r, %s4 : (tensor<?xi64>, tensor<1xi64>) -> tensor<4xi64>
  %n = autoglm.neg %r4 : tensor<4xi64>
  %d = autoglm.constant dense<5> : tensor<i32>
  %e = autoglm.constant dense<1> : tensor<i32>
  %r2 = autoglm.range %d, %d, %e : (tensor<i32>, tensor<i32>, tensor<i32>) -> tensor<?xi32>
  %s0 = autoglm.constant dense<[0]> : tensor<1xi64>
  %r0 = autoglm.reshape %r2, %s0 : (tensor<?xi32>, tensor<1xi64>) -> tensor<0xi32>
  %one64 = autoglm.constant dense<1> : tensor<i64>
  %k = autoglm.range %b, %a, %one64 : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  return %n, %r0, %k : tensor<4xi64>, tensor<0xi32>, tensor<?xi64>
}
