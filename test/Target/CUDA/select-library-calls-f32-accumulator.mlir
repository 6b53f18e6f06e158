// RUN: autoglm-opt %s --split-input-file --autoglm-cuda-select-library-calls --verify-diagnostics | FileCheck %s

// A product marked by --autoglm-cuda-narrow-product-results becomes the
// library call like any other: f16 operands into an f16 result, which
// cuBLASLt accumulates in f32.
// CHECK-LABEL: func.func @marked
// CHECK:         autoglm.gemm %arg0, %arg1 into %arg2 : memref<4x8xf16>, memref<8x16xf16> into memref<4x16xf16>
// CHECK-NOT:     linalg.matmul
func.func @marked(%a: memref<4x8xf16>, %b: memref<8x16xf16>, %d: memref<4x16xf16>) {
  %zero = arith.constant 0.000000e+00 : f16
  linalg.fill ins(%zero : f16) outs(%d : memref<4x16xf16>)
  linalg.matmul {autoglm.f32_accumulator} ins(%a, %b : memref<4x8xf16>, memref<8x16xf16>) outs(%d : memref<4x16xf16>)
  return
}

// -----

// Something reads the result between the fill and the product, so it
// cannot be the library call; left to a generated kernel it would
// accumulate in f16: the compilation fails instead.
func.func @marked_read_between(%a: memref<4x8xf16>, %b: memref<8x16xf16>, %d: memref<4x16xf16>, %e: memref<4x16xf16>) {
  %zero = arith.constant 0.000000e+00 : f16
  linalg.fill ins(%zero : f16) outs(%d : memref<4x16xf16>)
  memref.copy %d, %e : memref<4x16xf16> to memref<4x16xf16>
  // expected-error @below {{accumulates in f32 into a 16-bit result, which only a cuBLASLt call computes, but cannot be one: its result is not zero-filled before it}}
  linalg.matmul {autoglm.f32_accumulator} ins(%a, %b : memref<4x8xf16>, memref<8x16xf16>) outs(%d : memref<4x16xf16>)
  return
}
