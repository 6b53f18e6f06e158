// --autoglm-assign-precision{precision=fp8}: products on constant weights
// whose K and N are multiples of 16 read float8 E4M3 values (the weight
// per tensor at compile time, the activation per tensor from the
// calibration file) and accumulate in f32, the two scales the product's
// `scale`.
// RUN: autoglm-opt %s --split-input-file --autoglm-assign-precision="precision=fp8 calibration=%S/Inputs/fp8-calibration.json" | FileCheck %s
// RUN: autoglm-opt %s --split-input-file --autoglm-assign-precision="precision=fp8 calibration=%S/Inputs/fp8-calibration.json int8-kernels=cuda narrow-activations=1" | FileCheck %s --check-prefix=CUDA
// RUN: autoglm-opt %s --split-input-file --autoglm-assign-precision="precision=fp8 calibration=%S/Inputs/fp8-calibration.json report=%t.json" -o /dev/null && FileCheck %s --check-prefix=REPORT < %t.json
// RUN: not autoglm-opt %s --split-input-file --autoglm-assign-precision="precision=fp8" 2>&1 | FileCheck %s --check-prefix=NOCAL

// NOCAL: error: precision fp8 needs activation ranges: give --calibration-data=DIR

// x was calibrated to |x| <= 3.5 (minmax): its scale is 3.5 / 448, so x is
// multiplied by 128 and cast to E4M3, which rounds and saturates. The
// weight's largest magnitude is 7: its scale 7 / 448 = 1/64, so 7 -> 448,
// 0.5 -> 32 and -0.125 -> -8, all exact in E4M3 (bytes 0x7E, 0x60, 0xD0;
// 1 -> 64 is 0x68). The product's scale is
// 3.5 / 448 * 7 / 448 = 1.2207e-4; the bias add after it stays f32. The
// f32 weight is gone.
// CHECK-LABEL: func.func @product(
// CHECK-SAME:      %[[X:.+]]: tensor<2x16xf32>)
// CHECK-NOT:     tensor<16x16xf32>
// CHECK:         %[[INV:.+]] = autoglm.constant dense<1.280000e+02> : tensor<f32>
// CHECK:         %[[S:.+]] = autoglm.mul %[[X]], %[[INV]]
// CHECK:         %[[Q:.+]] = autoglm.cast %[[S]] : tensor<2x16xf32> to tensor<2x16xf8E4M3FN>
// CHECK:         %[[W:.+]] = autoglm.constant dense<"0x7E60D068{{(68)+}}"> : tensor<16x16xf8E4M3FN>
// CHECK:         %[[P:.+]] = autoglm.matmul %[[Q]], %[[W]] {accumulator_type = f32, scale = 1.22070313E-4 : f32} : (tensor<2x16xf8E4M3FN>, tensor<16x16xf8E4M3FN>) -> tensor<2x16xf32>
// CHECK:         autoglm.add %[[P]], %{{.+}} : (tensor<2x16xf32>, tensor<16xf32>) -> tensor<2x16xf32>
// On CUDA nothing is rounded to f16: the result goes to no narrow op.
// CUDA-LABEL: func.func @product(
// CUDA-NOT:     f16
func.func @product(%x: tensor<2x16xf32>) -> tensor<2x16xf32> {
  %bias = autoglm.constant dense<0.5> : tensor<16xf32>
  %w = autoglm.constant dense<[[7.0, 0.5, -0.125, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]]> : tensor<16x16xf32>
  %m = autoglm.matmul %x, %w : (tensor<2x16xf32>, tensor<16x16xf32>) -> tensor<2x16xf32> loc("fc")
  %s = autoglm.add %m, %bias : (tensor<2x16xf32>, tensor<16xf32>) -> tensor<2x16xf32>
  %r = autoglm.relu %s : tensor<2x16xf32>
  return %r : tensor<2x16xf32>
}

// -----

// Two products of one activation share its quantization and one weight
// scale, the larger weight's (8 / 448): 8 -> 448 and 2 -> 112; so their
// scales are equal (and the sibling merge can join them). A product whose
// N is not a multiple of 16, and one of two activations, stay f32.
// CHECK-LABEL: func.func @siblings(
// CUDA-LABEL: func.func @siblings(
// CHECK:         %[[Q:.+]] = autoglm.cast %{{.+}} : tensor<4x16xf32> to tensor<4x16xf8E4M3FN>
// CHECK:         autoglm.constant dense<4.480000e+02> : tensor<16x32xf8E4M3FN>
// CHECK:         autoglm.matmul %[[Q]], %{{.+}} {accumulator_type = f32, scale = [[S:.+]] : f32} : (tensor<4x16xf8E4M3FN>, tensor<16x32xf8E4M3FN>) -> tensor<4x32xf32>
// CHECK:         autoglm.constant dense<1.120000e+02> : tensor<16x16xf8E4M3FN>
// CHECK:         autoglm.matmul %[[Q]], %{{.+}} {accumulator_type = f32, scale = [[S]] : f32} : (tensor<4x16xf8E4M3FN>, tensor<16x16xf8E4M3FN>) -> tensor<4x16xf32>
// CHECK:         autoglm.matmul %{{.+}}, %{{.+}} : (tensor<4x16xf32>, tensor<16x8xf32>) -> tensor<4x8xf32>
// CHECK:         autoglm.matmul %{{.+}}, %{{.+}} : (tensor<4x16xf32>, tensor<16x4xf32>) -> tensor<4x4xf32>
func.func @siblings(%x: tensor<4x16xf32>, %y: tensor<4x16xf32>) -> (tensor<4x32xf32>, tensor<4x16xf32>, tensor<4x8xf32>, tensor<4x4xf32>) {
  %w1 = autoglm.constant dense<8.0> : tensor<16x32xf32>
  %w2 = autoglm.constant dense<2.0> : tensor<16x16xf32>
  %w3 = autoglm.constant dense<1.0> : tensor<16x8xf32>
  %a = autoglm.matmul %x, %w1 : (tensor<4x16xf32>, tensor<16x32xf32>) -> tensor<4x32xf32> loc("wide")
  %b = autoglm.matmul %x, %w2 : (tensor<4x16xf32>, tensor<16x16xf32>) -> tensor<4x16xf32> loc("key")
  %c = autoglm.matmul %y, %w3 : (tensor<4x16xf32>, tensor<16x8xf32>) -> tensor<4x8xf32> loc("narrow")
  %yt = autoglm.transpose %y, [1, 0] : (tensor<4x16xf32>) -> tensor<16x4xf32>
  %d = autoglm.matmul %x, %yt : (tensor<4x16xf32>, tensor<16x4xf32>) -> tensor<4x4xf32> loc("scores")
  return %a, %b, %c, %d : tensor<4x32xf32>, tensor<4x16xf32>, tensor<4x8xf32>, tensor<4x4xf32>
}

// -----

// On CUDA, a product's result that reaches the next fp8 product's
// quantization through ops that compute narrow is rounded to f16 where it
// is made: the bias add and ReLU compute in f16, and the quantization's
// multiply stays f32 (its scale, 448 over the threshold, need not be
// finite in f16).
// CUDA-LABEL: func.func @chain(
// CUDA:         %[[P:.+]] = autoglm.matmul {{.*}}scale = 2.49123095E-5 : f32{{.*}} -> tensor<2x16xf32>
// CUDA:         %[[R:.+]] = autoglm.cast %[[P]] : tensor<2x16xf32> to tensor<2x16xf16>
// CUDA:         %[[A:.+]] = autoglm.add %[[R]], %{{.+}} : (tensor<2x16xf16>, tensor<16xf16>) -> tensor<2x16xf16>
// CUDA:         %[[U:.+]] = autoglm.relu %[[A]] : tensor<2x16xf16>
// CUDA:         %[[W:.+]] = autoglm.cast %[[U]] : tensor<2x16xf16> to tensor<2x16xf32>
// CUDA:         %[[S:.+]] = autoglm.mul %[[W]], %{{.+}} : (tensor<2x16xf32>, tensor<f32>) -> tensor<2x16xf32>
// CUDA:         autoglm.cast %[[S]] : tensor<2x16xf32> to tensor<2x16xf8E4M3FN>
// The report (of the last function: each one overwrites it) gives each
// fp8 product's threshold and scales.
// REPORT:       "accumulator": "fp32",
// REPORT-NEXT:  "calibration": "first",
// REPORT-NEXT:  "input_max": 5,
// REPORT-NEXT:  "input_min": -5,
// REPORT-NEXT:  "input_scale": 0.01116071428
// REPORT-NEXT:  "node": "first",
// REPORT-NEXT:  "op": "matmul",
// REPORT-NEXT:  "precision": "fp8",
// REPORT-NEXT:  "weight_scale": 0.00223214285
func.func @chain(%x: tensor<2x16xf32>) -> tensor<2x16xf32> {
  %w = autoglm.constant dense<1.0> : tensor<16x16xf32>
  %bias = autoglm.constant dense<0.5> : tensor<16xf32>
  %m = autoglm.matmul %x, %w : (tensor<2x16xf32>, tensor<16x16xf32>) -> tensor<2x16xf32> loc("first")
  %s = autoglm.add %m, %bias : (tensor<2x16xf32>, tensor<16xf32>) -> tensor<2x16xf32>
  %r = autoglm.relu %s : tensor<2x16xf32>
  %n = autoglm.matmul %r, %w : (tensor<2x16xf32>, tensor<16x16xf32>) -> tensor<2x16xf32> loc("second")
  return %n : tensor<2x16xf32>
}
