// --autoglm-assign-precision{precision=int8}: products on constant weights
// read int8 (per-channel weights at compile time, per-tensor activations
// from the calibration file), accumulate in i32 and are scaled back to f32.
// RUN: autoglm-opt %s --split-input-file --autoglm-assign-precision="precision=int8 calibration=%S/Inputs/int8-calibration.json" | FileCheck %s
// RUN: autoglm-opt %s --split-input-file --autoglm-assign-precision="precision=int8 calibration=%S/Inputs/int8-calibration.json calibrator=percentile percentile=99" | FileCheck %s --check-prefix=PCT
// RUN: not autoglm-opt %s --split-input-file --autoglm-assign-precision="precision=int8" 2>&1 | FileCheck %s --check-prefix=NOCAL
// RUN: not autoglm-opt %s --split-input-file --autoglm-assign-precision="precision=int8 calibration=%S/Inputs/int8-calibration-bad.json" 2>&1 | FileCheck %s --check-prefix=MALFORMED
// RUN: not autoglm-opt %s --split-input-file --autoglm-assign-precision="precision=int8 calibration=%t.missing.json" 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: not autoglm-opt %s --split-input-file --autoglm-assign-precision="precision=int8 calibration=%S/Inputs/int8-calibration.json calibrator=kl" 2>&1 | FileCheck %s --check-prefix=CALIBRATOR

// NOCAL: error: precision int8 needs activation ranges: give --calibration-data=DIR
// MALFORMED: error: malformed calibration file '{{.*}}int8-calibration-bad.json': entry 'calibration:fc' needs min, max, absmax and histogram
// MISSING: error: cannot read the calibration file '{{.*}}.missing.json'
// CALIBRATOR: error: unknown calibrator 'kl' (expected minmax, percentile or entropy)

// x was calibrated to [-1.5, 2.54] (minmax): uint8 with scale 4.04 / 255
// (x is multiplied by 63.12) and zero point round(1.5 / scale) = 95,
// rounded and clamped to [0, 255]. Column 0 of the weight has max |w| = 1
// (scale 1/127): 1 -> 127, 0.5 -> 63.5 -> 64 (half to even); column 1 has
// max |w| = 4 (scale 4/127): -2 -> -63.5 -> -64, 4 -> 127. The zero
// point's share, 95 times the column sums 191 and 63, is subtracted from
// the i32 product, which is then scaled back by (4.04 / 255) * (1/127,
// 4/127) per column; the bias add after it stays f32. The f32 weight is
// gone.
// CHECK-LABEL: func.func @product(
// CHECK-SAME:      %[[X:.+]]: tensor<3x2xf32>, %[[BIAS:.+]]: tensor<2xf32>)
// CHECK-NOT:     tensor<2x2xf32>
// CHECK:         %[[INV:.+]] = autoglm.constant dense<63.1188126> : tensor<f32>
// CHECK:         %[[S:.+]] = autoglm.mul %[[X]], %[[INV]]
// CHECK:         %[[ZP:.+]] = autoglm.constant dense<9.500000e+01> : tensor<f32>
// CHECK:         %[[SH:.+]] = autoglm.add %[[S]], %[[ZP]]
// CHECK:         %[[R:.+]] = autoglm.round %[[SH]]
// CHECK:         %[[C:.+]] = autoglm.clip %[[R]] {max = 2.550000e+02 : f64, min = 0.000000e+00 : f64}
// CHECK:         %[[Q:.+]] = autoglm.cast %[[C]] : tensor<3x2xf32> to tensor<3x2xui8>
// CHECK:         %[[W:.+]] = autoglm.constant dense<{{\[}}[127, -64], [64, 127]]> : tensor<2x2xi8>
// CHECK:         %[[P:.+]] = autoglm.matmul %[[Q]], %[[W]] : (tensor<3x2xui8>, tensor<2x2xi8>) -> tensor<3x2xi32>
// CHECK:         %[[OFF:.+]] = autoglm.constant dense<[-18145, -5985]> : tensor<2xi32>
// CHECK:         %[[PC:.+]] = autoglm.add %[[P]], %[[OFF]] : (tensor<3x2xi32>, tensor<2xi32>) -> tensor<3x2xi32>
// CHECK:         %[[F:.+]] = autoglm.cast %[[PC]] : tensor<3x2xi32> to tensor<3x2xf32>
// CHECK:         %[[SC:.+]] = autoglm.constant dense<[1.24749116E-4, 4.98996465E-4]> : tensor<2xf32>
// CHECK:         %[[D:.+]] = autoglm.mul %[[F]], %[[SC]]
// CHECK:         %[[OUT:.+]] = autoglm.add %[[D]], %[[BIAS]]
// CHECK:         return %[[OUT]]
// The 99th percentile of x's 11 values is its largest: the same as minmax.
// PCT-LABEL: func.func @product(
// PCT:         autoglm.constant dense<63.1188126> : tensor<f32>
func.func @product(%x: tensor<3x2xf32>, %bias: tensor<2xf32>) -> tensor<3x2xf32> {
  %w = autoglm.constant dense<[[1.0, -2.0], [0.5, 4.0]]> : tensor<2x2xf32>
  %m = autoglm.matmul %x, %w : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32> loc("fc")
  %s = autoglm.add %m, %bias : (tensor<3x2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  return %s : tensor<3x2xf32>
}

// -----

// One activation read by two products (Q and K projections) is quantized
// once, with the range named after the first product. A product of two
// activations (attention scores) and a product of a batched weight stay
// f32.
// CHECK-LABEL: func.func @shared(
// CHECK:         autoglm.constant dense<36.4285698> : tensor<f32>
// CHECK:         %[[Q:.+]] = autoglm.cast %{{.+}} : tensor<2x4xf32> to tensor<2x4xui8>
// CHECK:         autoglm.matmul %[[Q]], %{{.+}} : (tensor<2x4xui8>, tensor<4x4xi8>) -> tensor<2x4xi32>
// CHECK-NOT:     autoglm.round
// CHECK:         autoglm.matmul %[[Q]], %{{.+}} : (tensor<2x4xui8>, tensor<4x4xi8>) -> tensor<2x4xi32>
// CHECK:         autoglm.matmul %{{.+}}, %{{.+}} : (tensor<2x4xf32>, tensor<4x2xf32>) -> tensor<2x2xf32>
// CHECK:         autoglm.matmul %{{.+}}, %{{.+}} : (tensor<3x2x4xf32>, tensor<3x4x4xf32>) -> tensor<3x2x4xf32>
// Its range [-4, 3] gives scale 7 / 255 under minmax. The 99th percentile
// of the histogram [90, 5, 4, 1] of |x| over 4 bins up to absmax 4 ends at
// bin 3: x is clipped to [-3, 3], scale 6 / 255, zero point 127.5 -> 128.
// PCT-LABEL: func.func @shared(
// PCT:         autoglm.constant dense<4.250000e+01> : tensor<f32>
// PCT:         autoglm.constant dense<1.280000e+02> : tensor<f32>
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

// A convolution (one group): x was calibrated to [-0.51, 2.04], scale 0.01
// and zero point 51; its uint8 value less 51, in i32, is convolved with the
// weight quantized per output channel (w[0] = [1, -0.5]: scale 1/127,
// [127, -64]; w[1] = [2, 4]: scale 4/127, [64, 127]) as the dialect's exact
// integer convolution, with its padding (0 in the shifted value, the zero
// point of the uint8 one), then scaled by 0.01 * (1/127, 4/127) per output
// channel (the float32 of 0.01 / 127 and 0.04 / 127) and the float bias
// added along the channels. The depthwise
// convolution (two groups) stays float32.
// CHECK-LABEL: func.func @convolution(
// CHECK-SAME:      %[[X:.+]]: tensor<1x1x3x3xf32>
// CHECK:         %[[Q:.+]] = autoglm.cast %{{.+}} : tensor<1x1x3x3xf32> to tensor<1x1x3x3xui8>
// CHECK:         %[[X32:.+]] = autoglm.cast %[[Q]] : tensor<1x1x3x3xui8> to tensor<1x1x3x3xi32>
// CHECK:         %[[ZP:.+]] = autoglm.constant dense<51> : tensor<i32>
// CHECK:         %[[SH:.+]] = autoglm.sub %[[X32]], %[[ZP]]
// CHECK:         %[[W:.+]] = autoglm.constant dense<{{\[}}{{\[}}{{\[}}[127, -64]]], {{\[}}{{\[}}[64, 127]]]]> : tensor<2x1x1x2xi32>
// CHECK:         %[[C:.+]] = autoglm.conv %[[SH]], %[[W]] {dilations = array<i64: 1, 1>, pads = array<i64: 1, 0, 1, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x3x3xi32>, tensor<2x1x1x2xi32>) -> tensor<1x2x5x2xi32>
// CHECK:         %[[F:.+]] = autoglm.cast %[[C]] : tensor<1x2x5x2xi32> to tensor<1x2x5x2xf32>
// CHECK:         %[[SC:.+]] = autoglm.constant dense<{{\[}}{{\[}}[7.87401586E-5]], {{\[}}[3.14960635E-4]]]> : tensor<2x1x1xf32>
// CHECK:         %[[D:.+]] = autoglm.mul %[[F]], %[[SC]]
// CHECK:         %[[B:.+]] = autoglm.constant dense<{{\[}}{{\[}}[5.000000e-01]], {{\[}}[-1.000000e+00]]]> : tensor<2x1x1xf32>
// CHECK:         %[[Y:.+]] = autoglm.add %[[D]], %[[B]]
// CHECK:         %[[DW:.+]] = autoglm.conv %[[Y]], %{{.+}}, %{{.+}} {{.+}}groups = 2
// CHECK-SAME:        (tensor<1x2x5x2xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x5x2xf32>
// CHECK:         return %[[DW]]
func.func @convolution(%x: tensor<1x1x3x3xf32>) -> tensor<1x2x5x2xf32> {
  %w = autoglm.constant dense<[[[[1.0, -0.5]]], [[[2.0, 4.0]]]]> : tensor<2x1x1x2xf32>
  %b = autoglm.constant dense<[0.5, -1.0]> : tensor<2xf32>
  %c = autoglm.conv %x, %w, %b {dilations = array<i64: 1, 1>, pads = array<i64: 1, 0, 1, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x3x3xf32>, tensor<2x1x1x2xf32>, tensor<2xf32>) -> tensor<1x2x5x2xf32> loc("conv")
  %dw = autoglm.constant dense<[[[[2.0]]], [[[3.0]]]]> : tensor<2x1x1x1xf32>
  %db = autoglm.constant dense<[0.0, 1.0]> : tensor<2xf32>
  %y = autoglm.conv %c, %dw, %db {dilations = array<i64: 1, 1>, groups = 2 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x5x2xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x5x2xf32> loc("depthwise")
  return %y : tensor<1x2x5x2xf32>
}
