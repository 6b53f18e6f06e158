// --autoglm-assign-precision{precision=int8 int8-kernels=cuda}: what
// --target=cuda asks for. cuBLASLt's int8 kernels multiply int8 by int8:
// the activations are int8, the uint8 levels less 128 (the same grid, the
// zero point shifted), and only matmuls whose K and N are multiples of 4
// are quantized. Every other product runs in f16 on tensor cores.
// RUN: autoglm-opt %s --split-input-file --autoglm-assign-precision="precision=int8 int8-kernels=cuda calibration=%S/Inputs/int8-calibration.json" | FileCheck %s
// RUN: not autoglm-opt %s --split-input-file --autoglm-assign-precision="precision=int8 int8-kernels=gpu calibration=%S/Inputs/int8-calibration.json" 2>&1 | FileCheck %s --check-prefix=KERNELS

// KERNELS: error: unknown int8 kernels 'gpu' (expected cpu or cuda)

// x's range [-4, 3] gives scale 7 / 255 and the uint8 zero point
// round(4 / scale) = 146: the int8 one is 18, and the rounded values are
// clamped to [-128, 127]. Each weight column (0.5 everywhere) quantizes to
// 127, summing to 508: the zero point's share 18 * 508 is subtracted in
// i32. The two products on x share one product (CSE: their quantized
// weights are equal); their per-column scales differ. The product of two
// activations (attention scores) and the one on a
// batched weight run in f16 with f32 accumulation.
// CHECK-LABEL: func.func @shared(
// CHECK-DAG:     %[[OFF:.+]] = autoglm.constant dense<-9144> : tensor<4xi32>
// CHECK-DAG:     %[[ZP:.+]] = autoglm.constant dense<1.800000e+01> : tensor<f32>
// CHECK-DAG:     %[[INV:.+]] = autoglm.constant dense<36.4285698> : tensor<f32>
// CHECK:         %[[S:.+]] = autoglm.mul %{{.+}}, %[[INV]]
// CHECK:         %[[SH:.+]] = autoglm.add %[[S]], %[[ZP]]
// CHECK:         %[[C:.+]] = autoglm.clip %{{.+}} {max = 1.270000e+02 : f64, min = -1.280000e+02 : f64}
// CHECK:         %[[Q:.+]] = autoglm.cast %[[C]] : tensor<2x4xf32> to tensor<2x4xi8>
// CHECK:         %[[P:.+]] = autoglm.matmul %[[Q]], %{{.+}} : (tensor<2x4xi8>, tensor<4x4xi8>) -> tensor<2x4xi32>
// CHECK:         autoglm.add %[[P]], %[[OFF]]
// CHECK-NOT:     autoglm.matmul %[[Q]], %{{.+}} : (tensor<2x4xi8>, tensor<4x4xi8>) -> tensor<2x4xi32>
// CHECK:         autoglm.matmul %{{.+}}, %{{.+}} {accumulator_type = f32} : (tensor<2x4xf16>, tensor<4x2xf16>) -> tensor<2x2xf32>
// CHECK:         autoglm.matmul %{{.+}}, %{{.+}} {accumulator_type = f32} : (tensor<3x2x4xf16>, tensor<3x4x4xf16>) -> tensor<3x2x4xf32>
func.func @shared(%x: tensor<2x4xf32>, %y: tensor<3x2x4xf32>) -> (tensor<2x2xf32>, tensor<3x2x4xf32>) {
  %wq = autoglm.constant dense<0.5> : tensor<4x4xf32>
  %wk = autoglm.constant dense<0.25> : tensor<4x4xf32>
  %wb = autoglm.constant dense<1.0> : tensor<3x4x4xf32>
  %q = autoglm.matmul %x, %wq : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32> loc("wide")
  %k = autoglm.matmul %x, %wk : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32> loc("key")
  %kt = autoglm.transpose %k, [1, 0] : (tensor<2x4xf32>) -> tensor<4x2xf32>
  %s = autoglm.matmul %q, %kt : (tensor<2x4xf32>, tensor<4x2xf32>) -> tensor<2x2xf32> loc("scores")
  %b = autoglm.matmul %y, %wb : (tensor<3x2x4xf32>, tensor<3x4x4xf32>) -> tensor<3x2x4xf32> loc("batched")
  return %s, %b : tensor<2x2xf32>, tensor<3x2x4xf32>
}

// -----

// K = N = 2: not what the int8 kernels take, so the product runs in f16.
// CHECK-LABEL: func.func @product(
// CHECK-NOT:     i8>
// CHECK:         autoglm.matmul %{{.+}}, %{{.+}} {accumulator_type = f32} : (tensor<3x2xf16>, tensor<2x2xf16>) -> tensor<3x2xf32>
func.func @product(%x: tensor<3x2xf32>, %bias: tensor<2xf32>) -> tensor<3x2xf32> {
  %w = autoglm.constant dense<[[1.0, -2.0], [0.5, 4.0]]> : tensor<2x2xf32>
  %m = autoglm.matmul %x, %w : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32> loc("fc")
  %s = autoglm.add %m, %bias : (tensor<3x2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  return %s : tensor<3x2xf32>
}

// -----

// Convolutions run on cuDNN in f16, not as int8.
// CHECK-LABEL: func.func @convolution(
// CHECK-NOT:     i32>
// CHECK:         autoglm.conv %{{.+}}, %{{.+}}, %{{.+}} {accumulator_type = f32, {{.*}}} : (tensor<1x1x3x3xf16>, tensor<2x1x1x2xf16>, tensor<2xf32>) -> tensor<1x2x5x2xf32>
func.func @convolution(%x: tensor<1x1x3x3xf32>) -> tensor<1x2x5x2xf32> {
  %w = autoglm.constant dense<[[[[1.0, -1.0]]], [[[0.5, 0.25]]]]> : tensor<2x1x1x2xf32>
  %b = autoglm.constant dense<[0.5, -0.5]> : tensor<2xf32>
  %c = autoglm.conv %x, %w, %b {dilations = array<i64: 1, 1>, pads = array<i64: 1, 0, 1, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x3x3xf32>, tensor<2x1x1x2xf32>, tensor<2xf32>) -> tensor<1x2x5x2xf32> loc("conv")
  return %c : tensor<1x2x5x2xf32>
}
