// RUN: autoglm-opt %s --autoglm-assign-precision="precision=fp16 narrow-activations=true" --split-input-file | FileCheck %s
// RUN: autoglm-opt %s --autoglm-assign-precision="precision=bf16 narrow-activations=true" --split-input-file | FileCheck %s --check-prefix=BF16
// RUN: autoglm-opt %s --autoglm-assign-precision="precision=fp16" --split-input-file | FileCheck %s --check-prefix=WIDE

// A residual block feeding a third product: each product's result is
// rounded to f16 once, and the ReLUs, the residual Add and the Add of a
// constant (converted at compile time) compute in f16; the narrowing casts
// before the second and third products cancel. The mean and the sigmoid
// compute in f32, after one widening. The third product's value reaches
// no other product: it keeps its f32 result.
// CHECK-LABEL: func.func @residual_block(
// CHECK:         %[[X16:.+]] = autoglm.cast %arg0 : tensor<1x4x6x6xf32> to tensor<1x4x6x6xf16>
// CHECK:         %[[C1:.+]] = autoglm.conv %[[X16]], %{{.+}}, %{{.+}} {accumulator_type = f32, {{.*}}} : (tensor<1x4x6x6xf16>, tensor<4x4x3x3xf16>, tensor<4xf32>) -> tensor<1x4x6x6xf32>
// CHECK-NEXT:    %[[C1H:.+]] = autoglm.cast %[[C1]] : tensor<1x4x6x6xf32> to tensor<1x4x6x6xf16>
// CHECK-NEXT:    %[[R1:.+]] = autoglm.relu %[[C1H]] : tensor<1x4x6x6xf16>
// CHECK-NEXT:    %[[C2:.+]] = autoglm.conv %[[R1]], %{{.+}}, %{{.+}} {accumulator_type = f32, {{.*}}} : (tensor<1x4x6x6xf16>, tensor<4x4x3x3xf16>, tensor<4xf32>) -> tensor<1x4x6x6xf32>
// CHECK-NEXT:    %[[C2H:.+]] = autoglm.cast %[[C2]] : tensor<1x4x6x6xf32> to tensor<1x4x6x6xf16>
// CHECK-NEXT:    %[[S:.+]] = autoglm.add %[[C2H]], %[[R1]] : (tensor<1x4x6x6xf16>, tensor<1x4x6x6xf16>) -> tensor<1x4x6x6xf16>
// CHECK-NEXT:    %[[R2:.+]] = autoglm.relu %[[S]] : tensor<1x4x6x6xf16>
// CHECK-NEXT:    %[[T:.+]] = autoglm.add %[[R2]], %{{.+}} : (tensor<1x4x6x6xf16>, tensor<1x4x1x1xf16>) -> tensor<1x4x6x6xf16>
// CHECK-NEXT:    %[[W:.+]] = autoglm.cast %[[T]] : tensor<1x4x6x6xf16> to tensor<1x4x6x6xf32>
// CHECK-NEXT:    %[[M:.+]] = autoglm.reduce mean %[[W]]
// CHECK-NEXT:    %[[G:.+]] = autoglm.sigmoid %[[M]] : tensor<1x4x1x1xf32>
// CHECK-NEXT:    %[[C3:.+]] = autoglm.conv %[[R2]], %{{.+}}, %{{.+}} {accumulator_type = f32, {{.*}}} : (tensor<1x4x6x6xf16>, tensor<4x4x3x3xf16>, tensor<4xf32>) -> tensor<1x4x6x6xf32>
// CHECK-NEXT:    return %[[G]], %[[C3]]
// BF16-LABEL: func.func @residual_block(
// BF16:         autoglm.add %{{.+}}, %{{.+}} : (tensor<1x4x6x6xbf16>, tensor<1x4x6x6xbf16>) -> tensor<1x4x6x6xbf16>
// Without the option the activations stay f32.
// WIDE-LABEL: func.func @residual_block(
// WIDE:         autoglm.relu %{{.+}} : tensor<1x4x6x6xf32>
// WIDE:         autoglm.add %{{.+}}, %{{.+}} : (tensor<1x4x6x6xf32>, tensor<1x4x6x6xf32>) -> tensor<1x4x6x6xf32>
func.func @residual_block(%x: tensor<1x4x6x6xf32>) -> (tensor<1x4x1x1xf32>, tensor<1x4x6x6xf32>) {
  %w1 = autoglm.constant dense<0.25> : tensor<4x4x3x3xf32>
  %b1 = autoglm.constant dense<0.5> : tensor<4xf32>
  %w2 = autoglm.constant dense<-0.125> : tensor<4x4x3x3xf32>
  %b2 = autoglm.constant dense<1.0> : tensor<4xf32>
  %w3 = autoglm.constant dense<0.375> : tensor<4x4x3x3xf32>
  %half = autoglm.constant dense<0.5> : tensor<1x4x1x1xf32>
  %c1 = autoglm.conv %x, %w1, %b1 {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x4x6x6xf32>, tensor<4x4x3x3xf32>, tensor<4xf32>) -> tensor<1x4x6x6xf32>
  %r1 = autoglm.relu %c1 : tensor<1x4x6x6xf32>
  %c2 = autoglm.conv %r1, %w2, %b2 {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x4x6x6xf32>, tensor<4x4x3x3xf32>, tensor<4xf32>) -> tensor<1x4x6x6xf32>
  %s = autoglm.add %c2, %r1 : (tensor<1x4x6x6xf32>, tensor<1x4x6x6xf32>) -> tensor<1x4x6x6xf32>
  %r2 = autoglm.relu %s : tensor<1x4x6x6xf32>
  %t = autoglm.add %r2, %half : (tensor<1x4x6x6xf32>, tensor<1x4x1x1xf32>) -> tensor<1x4x6x6xf32>
  %m = autoglm.reduce mean %t {axes = array<i64: 2, 3>, keepdims} : (tensor<1x4x6x6xf32>) -> tensor<1x4x1x1xf32>
  %g = autoglm.sigmoid %m : tensor<1x4x1x1xf32>
  %c3 = autoglm.conv %r2, %w3, %b1 {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x4x6x6xf32>, tensor<4x4x3x3xf32>, tensor<4xf32>) -> tensor<1x4x6x6xf32>
  return %g, %c3 : tensor<1x4x1x1xf32>, tensor<1x4x6x6xf32>
}

// -----

// A product whose value reaches no other product through ops that compute
// narrow (its bias add feeds a softmax) keeps its f32 result: no rounding
// is added where nothing would read the f16 value.
// CHECK-LABEL: func.func @softmax_reader(
// CHECK:         %[[M:.+]] = autoglm.matmul %{{.+}}, %{{.+}} {accumulator_type = f32} : (tensor<2x8xf16>, tensor<8x4xf16>) -> tensor<2x4xf32>
// CHECK-NEXT:    %[[B:.+]] = autoglm.add %[[M]], %{{.+}} : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
// CHECK-NEXT:    %[[S:.+]] = autoglm.softmax %[[B]]
// CHECK-NEXT:    return %[[S]]
func.func @softmax_reader(%a: tensor<2x8xf32>, %b: tensor<8x4xf32>) -> tensor<2x4xf32> {
  %bias = autoglm.constant dense<0.5> : tensor<4xf32>
  %m = autoglm.matmul %a, %b : (tensor<2x8xf32>, tensor<8x4xf32>) -> tensor<2x4xf32>
  %x = autoglm.add %m, %bias : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %s = autoglm.softmax %x {axis = 1 : i64} : tensor<2x4xf32>
  return %s : tensor<2x4xf32>
}

// -----

// An Add of a narrow value and an f32 value that is not narrow (a graph
// input) computes in f32; the ReLU before it, whose value also feeds a
// second product, computes in f16.
// CHECK-LABEL: func.func @mixed_add(
// CHECK:         %[[M:.+]] = autoglm.matmul
// CHECK:         %[[H:.+]] = autoglm.cast %[[M]] : tensor<2x4xf32> to tensor<2x4xf16>
// CHECK-NEXT:    %[[R:.+]] = autoglm.relu %[[H]] : tensor<2x4xf16>
// CHECK-NEXT:    %[[W:.+]] = autoglm.cast %[[R]] : tensor<2x4xf16> to tensor<2x4xf32>
// CHECK-NEXT:    %[[S:.+]] = autoglm.add %[[W]], %arg2 : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
// CHECK:         autoglm.matmul %[[R]], %{{.+}} {accumulator_type = f32}
func.func @mixed_add(%a: tensor<2x8xf32>, %b: tensor<8x4xf32>, %c: tensor<2x4xf32>, %d: tensor<4x4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>) {
  %m = autoglm.matmul %a, %b : (tensor<2x8xf32>, tensor<8x4xf32>) -> tensor<2x4xf32>
  %r = autoglm.relu %m : tensor<2x4xf32>
  %s = autoglm.add %r, %c : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
  %n = autoglm.matmul %r, %d : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32>
  return %s, %n : tensor<2x4xf32>, tensor<2x4xf32>
}
