// RUN: autoglm-opt %s --autoglm-select-constant-bounds | FileCheck %s

// ReLU6 on a vector: the bound against the splat 0 as x < 0 ? 0 : x, the
// one against 6 (the constant first) as x > 6 ? 6 : x; no maximumf or
// minimumf is left.
// CHECK-LABEL: func.func @relu6
// CHECK-SAME: (%[[X:.*]]: vector<16xf32>)
// CHECK-DAG: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<16xf32>
// CHECK-DAG: %[[SIX:.*]] = arith.constant dense<6.000000e+00> : vector<16xf32>
// CHECK: %[[BELOW:.*]] = arith.cmpf olt, %[[X]], %[[ZERO]] : vector<16xf32>
// CHECK: %[[R:.*]] = arith.select %[[BELOW]], %[[ZERO]], %[[X]]
// CHECK: %[[ABOVE:.*]] = arith.cmpf ogt, %[[R]], %[[SIX]] : vector<16xf32>
// CHECK: %[[R6:.*]] = arith.select %[[ABOVE]], %[[SIX]], %[[R]]
// CHECK: return %[[R6]]
func.func @relu6(%x: vector<16xf32>) -> vector<16xf32> {
  %z = arith.constant dense<0.0> : vector<16xf32>
  %s = arith.constant dense<6.0> : vector<16xf32>
  %a = arith.maximumf %x, %z : vector<16xf32>
  %b = arith.minimumf %s, %a : vector<16xf32>
  return %b : vector<16xf32>
}

// A scalar bound (a loop body's ReLU) too.
// CHECK-LABEL: func.func @scalar
// CHECK: arith.cmpf olt
// CHECK: arith.select
// CHECK-NOT: arith.maximumf
func.func @scalar(%x: f32) -> f32 {
  %z = arith.constant 0.0 : f32
  %a = arith.maximumf %x, %z : f32
  return %a : f32
}

// Kept: two variables (MaxPool: either may be NaN) and a NaN bound.
// CHECK-LABEL: func.func @kept
// CHECK: arith.maximumf %{{.*}}, %{{.*}} : f32
// CHECK: arith.maximumf %{{.*}}, %{{.*}} : f32
// CHECK-NOT: arith.select
func.func @kept(%x: f32, %y: f32) -> (f32, f32) {
  %n = arith.constant 0x7FC00000 : f32
  %a = arith.maximumf %x, %y : f32
  %b = arith.maximumf %x, %n : f32
  return %a, %b : f32, f32
}
