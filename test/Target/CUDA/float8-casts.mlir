// RUN: autoglm-opt %s --split-input-file --autoglm-cuda-native-float8-casts --autoglm-lower-to-linalg | FileCheck %s
// RUN: autoglm-opt %s --split-input-file --autoglm-lower-to-linalg | FileCheck %s --check-prefix=BITS

// For a model built for sm_89 and newer only: a cast to f8E4M3FN (from f32
// or f16) is clamped to E4M3's finite range (NaN stays NaN) and left an
// arith.truncf, bitcast to the i8 it is stored as, for the GPU's own
// conversion; the integer arithmetic on the bits is gone. A cast to
// f8E5M2 is not marked and stays integer arithmetic. Unmarked, every cast
// is integer arithmetic (BITS).
// CHECK-LABEL: func.func @casts
// CHECK:         linalg.generic
// CHECK:           %[[M:.+]] = arith.maximumf %{{.+}}, %{{.+}} : f32
// CHECK:           %[[N:.+]] = arith.minimumf %[[M]], %{{.+}} : f32
// CHECK:           %[[T:.+]] = arith.truncf %[[N]] : f32 to f8E4M3FN
// CHECK:           %[[B:.+]] = arith.bitcast %[[T]] : f8E4M3FN to i8
// CHECK:           linalg.yield %[[B]] : i8
// CHECK:         linalg.generic
// CHECK:           arith.extf %{{.+}} : f16 to f32
// CHECK:           arith.truncf %{{.+}} : f32 to f8E4M3FN
// CHECK:         linalg.generic
// CHECK-NOT:       arith.truncf
// CHECK:           arith.trunci %{{.+}} : i32 to i8
// BITS-LABEL: func.func @casts
// BITS-NOT:      arith.truncf {{.*}} to f8
func.func @casts(%x: tensor<4xf32>, %h: tensor<4xf16>) -> (tensor<4xf8E4M3FN>, tensor<4xf8E4M3FN>, tensor<4xf8E5M2>) {
  %a = autoglm.cast %x : tensor<4xf32> to tensor<4xf8E4M3FN>
  %b = autoglm.cast %h : tensor<4xf16> to tensor<4xf8E4M3FN>
  %c = autoglm.cast %x : tensor<4xf32> to tensor<4xf8E5M2>
  return %a, %b, %c : tensor<4xf8E4M3FN>, tensor<4xf8E4M3FN>, tensor<4xf8E5M2>
}
