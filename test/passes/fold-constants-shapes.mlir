// RUN: autoglm-opt %s --split-input-file --autoglm-fold-constants | FileCheck %s
// RUN: autoglm-opt %s --split-input-file --autoglm-fold-constants="cse=false" | FileCheck %s --check-prefix=NOCSE

// Shape computations fold to static shapes; dead and duplicate ops go.

// Shape -> Gather -> Concat -> Reshape (as exported by PyTorch for a
// flatten): shape_of of a static tensor is a constant, the chain evaluates,
// and the reshape takes its static form. The function's result type was
// already static, so the reshape keeps it.
// CHECK-LABEL: func.func @flatten(
// CHECK-NEXT:   %[[R:.*]] = autoglm.reshape %arg0 : (tensor<2x3x4xf32>) -> tensor<2x12xf32>
// CHECK-NEXT:   return %[[R]]
func.func @flatten(%x: tensor<2x3x4xf32>) -> tensor<2x12xf32> {
  %shape = autoglm.shape_of %x : (tensor<2x3x4xf32>) -> tensor<3xi64>
  %zero = autoglm.constant dense<[0]> : tensor<1xi64>
  %batch = autoglm.gather %shape, %zero {axis = 0 : i64} : (tensor<3xi64>, tensor<1xi64>) -> tensor<1xi64>
  %minus1 = autoglm.constant dense<[-1]> : tensor<1xi64>
  %target = autoglm.concat %batch, %minus1 {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %r = autoglm.reshape %x, %target : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<2x12xf32>
  return %r : tensor<2x12xf32>
}

// -----

// A dynamic result type becomes static where every user is an autoglm op
// (they accept a more static operand); the add's declared type stays until
// --autoglm-infer-shapes refines it. Feeding func.return directly, the
// type must stay as declared, so that reshape keeps its shape operand.
// CHECK-LABEL: func.func @refine(
// CHECK:   %[[R:.*]] = autoglm.reshape %arg0 : (tensor<6xf32>) -> tensor<2x3xf32>
// CHECK:   autoglm.add %[[R]], %[[R]] : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<?x3xf32>
// CHECK:   autoglm.reshape %arg0, %{{.*}} : (tensor<6xf32>, tensor<2xi64>) -> tensor<?x3xf32>
func.func @refine(%x: tensor<6xf32>) -> (tensor<?x3xf32>, tensor<?x3xf32>) {
  %s = autoglm.constant dense<[2, 3]> : tensor<2xi64>
  %r = autoglm.reshape %x, %s : (tensor<6xf32>, tensor<2xi64>) -> tensor<?x3xf32>
  %y = autoglm.add %r, %r : (tensor<?x3xf32>, tensor<?x3xf32>) -> tensor<?x3xf32>
  %r2 = autoglm.reshape %x, %s : (tensor<6xf32>, tensor<2xi64>) -> tensor<?x3xf32>
  return %y, %r2 : tensor<?x3xf32>, tensor<?x3xf32>
}

// -----

// Not folded: shape_of of a dynamic tensor; a reshape whose shape operand
// depends on it.
// CHECK-LABEL: func.func @dynamic(
// CHECK: autoglm.shape_of
// CHECK: autoglm.reshape %arg0, %{{.*}} : (tensor<?x4xf32>, tensor<2xi64>)
func.func @dynamic(%x: tensor<?x4xf32>) -> tensor<?x2xf32> {
  %shape = autoglm.shape_of %x : (tensor<?x4xf32>) -> tensor<2xi64>
  %two = autoglm.constant dense<[1, 2]> : tensor<2xi64>
  %target = autoglm.mul %shape, %two : (tensor<2xi64>, tensor<2xi64>) -> tensor<2xi64>
  %half = autoglm.constant dense<[1, 4]> : tensor<2xi64>
  %t = autoglm.div %target, %half : (tensor<2xi64>, tensor<2xi64>) -> tensor<2xi64>
  %r = autoglm.reshape %x, %t : (tensor<?x4xf32>, tensor<2xi64>) -> tensor<?x2xf32>
  return %r : tensor<?x2xf32>
}

// -----

// Duplicates merge and dead ops go (the unused exp). With cse=false the
// duplicate stays, the dead op still goes.
// CHECK-LABEL: func.func @dedup(
// CHECK:      %[[A:.*]] = autoglm.relu %arg0
// CHECK-NEXT: %[[S:.*]] = autoglm.add %[[A]], %[[A]]
// CHECK-NEXT: return %[[S]]
// NOCSE-LABEL: func.func @dedup(
// NOCSE:      %[[A:.*]] = autoglm.relu %arg0
// NOCSE-NEXT: %[[B:.*]] = autoglm.relu %arg0
// NOCSE-NEXT: autoglm.add %[[A]], %[[B]]
// NOCSE-NOT:  autoglm.exp
func.func @dedup(%x: tensor<4xf32>) -> tensor<4xf32> {
  %a = autoglm.relu %x : tensor<4xf32>
  %b = autoglm.relu %x : tensor<4xf32>
  %dead = autoglm.exp %x : tensor<4xf32>
  %s = autoglm.add %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %s : tensor<4xf32>
}
