// RUN: autoglm-opt %s --autoglm-assign-precision=precision=fp16 --split-input-file | FileCheck %s
// RUN: autoglm-opt %s --autoglm-assign-precision=precision=bf16 --split-input-file | FileCheck %s --check-prefix=BF16
// RUN: autoglm-opt %s --split-input-file > %t.unchanged.mlir
// RUN: autoglm-opt %s --autoglm-assign-precision --split-input-file > %t.fp32.mlir
// RUN: diff %t.unchanged.mlir %t.fp32.mlir
// RUN: not autoglm-opt %s --autoglm-assign-precision=precision=int4 --split-input-file 2>&1 | FileCheck %s --check-prefix=BAD

// fp32, the default, changes nothing (the diff above).
// BAD: error: unknown precision 'int4' (expected fp32, fp16, bf16, int8 or fp8)

// Both operands of a product of activations are narrowed where the product
// reads them; the product accumulates in f32 and its result stays f32, so
// the bias add after it computes in f32 (no cast before it).
// CHECK-LABEL: func.func @activations(
// CHECK-SAME:      %[[A:.+]]: tensor<8x16xf32>, %[[B:.+]]: tensor<16x4xf32>, %[[BIAS:.+]]: tensor<4xf32>)
// CHECK-DAG:     %[[A16:.+]] = autoglm.cast %[[A]] : tensor<8x16xf32> to tensor<8x16xf16>
// CHECK-DAG:     %[[B16:.+]] = autoglm.cast %[[B]] : tensor<16x4xf32> to tensor<16x4xf16>
// CHECK:         %[[M:.+]] = autoglm.matmul %[[A16]], %[[B16]] {accumulator_type = f32} : (tensor<8x16xf16>, tensor<16x4xf16>) -> tensor<8x4xf32>
// CHECK-NEXT:    %[[S:.+]] = autoglm.add %[[M]], %[[BIAS]] : (tensor<8x4xf32>, tensor<4xf32>) -> tensor<8x4xf32>
// CHECK-NEXT:    return %[[S]]
// BF16-LABEL: func.func @activations(
// BF16:         autoglm.matmul %{{.+}}, %{{.+}} {accumulator_type = f32} : (tensor<8x16xbf16>, tensor<16x4xbf16>) -> tensor<8x4xf32>
func.func @activations(%a: tensor<8x16xf32>, %b: tensor<16x4xf32>, %bias: tensor<4xf32>) -> tensor<8x4xf32> {
  %m = autoglm.matmul %a, %b : (tensor<8x16xf32>, tensor<16x4xf32>) -> tensor<8x4xf32>
  %s = autoglm.add %m, %bias : (tensor<8x4xf32>, tensor<4xf32>) -> tensor<8x4xf32>
  return %s : tensor<8x4xf32>
}

// -----

// A constant weight is converted at compile time (0.1 rounds to f16's
// 0.0999755859375); the f32 bias stays f32.
// CHECK-LABEL: func.func @weights(
// CHECK-DAG:     %[[W:.+]] = autoglm.constant dense<{{\[}}[9.997550e-02, 2.500000e-01], [5.000000e-01, -1.000000e+00]]> : tensor<2x2xf16>
// CHECK-DAG:     %[[BIAS:.+]] = autoglm.constant dense<[1.000000e-01, 2.000000e-01]> : tensor<2xf32>
// CHECK-DAG:     %[[X:.+]] = autoglm.cast %arg0 : tensor<3x2xf32> to tensor<3x2xf16>
// CHECK:         %[[M:.+]] = autoglm.matmul %[[X]], %[[W]] {accumulator_type = f32}
// CHECK:         autoglm.add %[[M]], %[[BIAS]] : (tensor<3x2xf32>, tensor<2xf32>)
// CHECK-NOT:     tensor<2x2xf32>
// BF16-LABEL: func.func @weights(
// BF16:         autoglm.constant dense<{{\[}}[1.000980e-01, 2.500000e-01], [5.000000e-01, -1.000000e+00]]> : tensor<2x2xbf16>
func.func @weights(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = autoglm.constant dense<[[0.1, 0.25], [0.5, -1.0]]> : tensor<2x2xf32>
  %bias = autoglm.constant dense<[0.1, 0.2]> : tensor<2xf32>
  %m = autoglm.matmul %x, %w : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
  %s = autoglm.add %m, %bias : (tensor<3x2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  return %s : tensor<3x2xf32>
}

// -----

// Fragile ops stay f32: softmax, exp, erf, pow, reductions and layer_norm
// read the f32 products; the only narrowing cast is where the last product
// reads its operand.
// CHECK-LABEL: func.func @fragile(
// CHECK:         %[[M:.+]] = autoglm.matmul {{.+}} {accumulator_type = f32}
// CHECK-NEXT:    %[[SM:.+]] = autoglm.softmax %[[M]] {{.*}}: tensor<4x4xf32>
// CHECK-NEXT:    %[[E:.+]] = autoglm.exp %[[SM]] : tensor<4x4xf32>
// CHECK-NEXT:    %[[ERF:.+]] = autoglm.erf %[[E]] : tensor<4x4xf32>
// CHECK-NEXT:    %[[P:.+]] = autoglm.pow %[[ERF]], %{{.+}} : (tensor<4x4xf32>, tensor<f32>) -> tensor<4x4xf32>
// CHECK-NEXT:    %[[R:.+]] = autoglm.reduce sum %[[P]] {{.*}}: (tensor<4x4xf32>) -> tensor<4xf32>
// CHECK-NEXT:    %[[SUB:.+]] = autoglm.sub %[[P]], %[[R]] : (tensor<4x4xf32>, tensor<4xf32>) -> tensor<4x4xf32>
// CHECK-NEXT:    %[[LN:.+]] = autoglm.layer_norm %[[SUB]], %{{.+}}, %{{.+}} {{.*}}: (tensor<4x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<4x4xf32>
// CHECK-NEXT:    %[[LN16:.+]] = autoglm.cast %[[LN]] : tensor<4x4xf32> to tensor<4x4xf16>
// CHECK-NEXT:    autoglm.matmul %[[LN16]], %{{.+}} {accumulator_type = f32}
// CHECK-NOT:     autoglm.cast
func.func @fragile(%a: tensor<4x4xf32>, %b: tensor<4x4xf32>, %g: tensor<4xf32>, %beta: tensor<4xf32>) -> tensor<4x4xf32> {
  %two = autoglm.constant dense<2.0> : tensor<f32>
  %m = autoglm.matmul %a, %b : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %sm = autoglm.softmax %m {axis = 1 : i64} : tensor<4x4xf32>
  %e = autoglm.exp %sm : tensor<4x4xf32>
  %erf = autoglm.erf %e : tensor<4x4xf32>
  %p = autoglm.pow %erf, %two : (tensor<4x4xf32>, tensor<f32>) -> tensor<4x4xf32>
  %r = autoglm.reduce sum %p {axes = array<i64: 0>} : (tensor<4x4xf32>) -> tensor<4xf32>
  %sub = autoglm.sub %p, %r : (tensor<4x4xf32>, tensor<4xf32>) -> tensor<4x4xf32>
  %ln = autoglm.layer_norm %sub, %g, %beta {axis = 1 : i64, epsilon = 1.0e-5 : f64} : (tensor<4x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<4x4xf32>
  %m2 = autoglm.matmul %ln, %b : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  return %m2 : tensor<4x4xf32>
}

// -----

// The narrowing cast rises through reshape and transpose to the value they
// move (they then move f16), but not through a slice of an activation
// (casting the whole input would be more work than the slice's part).
// CHECK-LABEL: func.func @data_movement(
// CHECK-SAME:      %[[X:.+]]: tensor<2x8xf32>
// CHECK-NEXT:    %[[X16:.+]] = autoglm.cast %[[X]] : tensor<2x8xf32> to tensor<2x8xf16>
// CHECK-NEXT:    %[[R:.+]] = autoglm.reshape %[[X16]] : (tensor<2x8xf16>) -> tensor<2x2x4xf16>
// CHECK-NEXT:    %[[T:.+]] = autoglm.transpose %[[R]], [0, 2, 1] : (tensor<2x2x4xf16>) -> tensor<2x4x2xf16>
// CHECK:         %[[S:.+]] = autoglm.slice %[[X]]{{.*}}-> tensor<2x4xf32>
// CHECK-NEXT:    %[[S16:.+]] = autoglm.cast %[[S]] : tensor<2x4xf32> to tensor<2x4xf16>
func.func @data_movement(%x: tensor<2x8xf32>, %w: tensor<2x2xf32>, %v: tensor<4x4xf32>) -> (tensor<2x4x2xf32>, tensor<2x4xf32>) {
  %r = autoglm.reshape %x : (tensor<2x8xf32>) -> tensor<2x2x4xf32>
  %t = autoglm.transpose %r, [0, 2, 1] : (tensor<2x2x4xf32>) -> tensor<2x4x2xf32>
  %m = autoglm.matmul %t, %w : (tensor<2x4x2xf32>, tensor<2x2xf32>) -> tensor<2x4x2xf32>
  %s = autoglm.slice %x {starts = array<i64: 0, 0>, ends = array<i64: 2, 4>, steps = array<i64: 1, 1>} : (tensor<2x8xf32>) -> tensor<2x4xf32>
  %m2 = autoglm.matmul %s, %v : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32>
  return %m, %m2 : tensor<2x4x2xf32>, tensor<2x4xf32>
}

// -----

// A large constant embedding table (1024 elements or more) is stored in
// f16 and the gathered rows widened; a small one stays f32. The integer
// indices are not touched.
// CHECK-LABEL: func.func @embedding(
// CHECK-DAG:     %[[BIG:.+]] = autoglm.constant dense<1.250000e-01> : tensor<256x4xf16>
// CHECK-DAG:     %[[SMALL:.+]] = autoglm.constant dense<1.250000e-01> : tensor<8x4xf32>
// CHECK:         %[[G:.+]] = autoglm.gather %[[BIG]], %arg0 {axis = 0 : i64} : (tensor<256x4xf16>, tensor<3xi64>) -> tensor<3x4xf16>
// CHECK-NEXT:    %[[G32:.+]] = autoglm.cast %[[G]] : tensor<3x4xf16> to tensor<3x4xf32>
// CHECK:         autoglm.gather %[[SMALL]], %arg0 {axis = 0 : i64} : (tensor<8x4xf32>, tensor<3xi64>) -> tensor<3x4xf32>
func.func @embedding(%ids: tensor<3xi64>) -> (tensor<3x4xf32>, tensor<3x4xf32>) {
  %big = autoglm.constant dense<0.125> : tensor<256x4xf32>
  %small = autoglm.constant dense<0.125> : tensor<8x4xf32>
  %g = autoglm.gather %big, %ids {axis = 0 : i64} : (tensor<256x4xf32>, tensor<3xi64>) -> tensor<3x4xf32>
  %h = autoglm.gather %small, %ids {axis = 0 : i64} : (tensor<8x4xf32>, tensor<3xi64>) -> tensor<3x4xf32>
  return %g, %h : tensor<3x4xf32>, tensor<3x4xf32>
}

// -----

// Cancelling casts: an f16 value widened to f32 for a product is read as
// f16 directly (no f16 -> f32 -> f16 round trip). An embedding gathered in
// f16 and widened feeds the product the same way.
// CHECK-LABEL: func.func @cancelling(
// CHECK-SAME:      %[[X:.+]]: tensor<4x4xf16>, %[[IDS:.+]]: tensor<4xi64>
// CHECK-DAG:     %[[T:.+]] = autoglm.constant {{.*}} : tensor<256x4xf16>
// CHECK-DAG:     %[[G:.+]] = autoglm.gather %[[T]], %[[IDS]]
// CHECK:         autoglm.matmul %[[G]], %[[X]] {accumulator_type = f32} : (tensor<4x4xf16>, tensor<4x4xf16>) -> tensor<4x4xf32>
// CHECK-NOT:     autoglm.cast
func.func @cancelling(%x: tensor<4x4xf16>, %ids: tensor<4xi64>) -> tensor<4x4xf32> {
  %table = autoglm.constant dense<0.5> : tensor<256x4xf32>
  %xf = autoglm.cast %x : tensor<4x4xf16> to tensor<4x4xf32>
  %g = autoglm.gather %table, %ids {axis = 0 : i64} : (tensor<256x4xf32>, tensor<4xi64>) -> tensor<4x4xf32>
  %m = autoglm.matmul %g, %xf : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  return %m : tensor<4x4xf32>
}

// -----

// Convolution: input and weight narrowed, the bias stays f32 (it is added to
// the f32 accumulator).
// CHECK-LABEL: func.func @conv(
// CHECK:         autoglm.conv %{{.+}}, %{{.+}}, %{{.+}} {accumulator_type = f32, {{.*}}} : (tensor<1x3x8x8xf16>, tensor<4x3x3x3xf16>, tensor<4xf32>) -> tensor<1x4x6x6xf32>
func.func @conv(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>) -> tensor<1x4x6x6xf32> {
  %c = autoglm.conv %x, %w, %b {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x6x6xf32>
  return %c : tensor<1x4x6x6xf32>
}

// -----

// Integer products, products already in f16, and shape computations are
// left alone.
// CHECK-LABEL: func.func @untouched(
// CHECK:         autoglm.matmul %arg0, %arg1 : (tensor<4x4xi8>, tensor<4x4xi8>) -> tensor<4x4xi32>
// CHECK:         autoglm.matmul %arg2, %arg2 : (tensor<4x4xf16>, tensor<4x4xf16>) -> tensor<4x4xf16>
// CHECK:         autoglm.reshape %arg3, %arg4 : (tensor<4x4xf32>, tensor<2xi64>) -> tensor<?x?xf32>
// CHECK-NOT:     autoglm.cast
func.func @untouched(%a: tensor<4x4xi8>, %b: tensor<4x4xi8>, %h: tensor<4x4xf16>, %f: tensor<4x4xf32>, %shape: tensor<2xi64>) -> (tensor<4x4xi32>, tensor<4x4xf16>, tensor<?x?xf32>) {
  %i = autoglm.matmul %a, %b : (tensor<4x4xi8>, tensor<4x4xi8>) -> tensor<4x4xi32>
  %m = autoglm.matmul %h, %h : (tensor<4x4xf16>, tensor<4x4xf16>) -> tensor<4x4xf16>
  %r = autoglm.reshape %f, %shape : (tensor<4x4xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return %i, %m, %r : tensor<4x4xi32>, tensor<4x4xf16>, tensor<?x?xf32>
}
