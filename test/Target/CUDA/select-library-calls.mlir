// RUN: autoglm-opt %s --split-input-file --autoglm-cuda-select-library-calls | FileCheck %s

// A zero-filled product becomes one autoglm.gemm; the fill goes.
// CHECK-LABEL: func.func @matmul
// CHECK-NOT:     linalg.fill
// CHECK:         autoglm.gemm %arg0, %arg1 into %arg2 : memref<4x8xf32>, memref<8x16xf32> into memref<4x16xf32>
// CHECK-NOT:     linalg.matmul
func.func @matmul(%a: memref<4x8xf32>, %b: memref<8x16xf32>, %d: memref<4x16xf32>) {
  %zero = arith.constant 0.000000e+00 : f32
  linalg.fill ins(%zero : f32) outs(%d : memref<4x16xf32>)
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x16xf32>) outs(%d : memref<4x16xf32>)
  return
}

// -----

// A batched product reading a transposed view in place, f16 into f32.
// CHECK-LABEL: func.func @batch_transposed
// CHECK:         %[[T:.*]] = memref.transpose
// CHECK-NEXT:    autoglm.gemm %arg0, %[[T]] into %arg2 : memref<2x8x4xf16>, memref<2x4x8xf16, strided<[32, 1, 4]>> into memref<2x8x8xf32>
func.func @batch_transposed(%q: memref<2x8x4xf16>, %k: memref<2x8x4xf16>, %d: memref<2x8x8xf32>) {
  %zero = arith.constant 0.000000e+00 : f32
  linalg.fill ins(%zero : f32) outs(%d : memref<2x8x8xf32>)
  %kt = memref.transpose %k (d0, d1, d2) -> (d0, d2, d1) : memref<2x8x4xf16> to memref<2x4x8xf16, strided<[32, 1, 4]>>
  linalg.batch_matmul ins(%q, %kt : memref<2x8x4xf16>, memref<2x4x8xf16, strided<[32, 1, 4]>>) outs(%d : memref<2x8x8xf32>)
  return
}

// -----

// Something reads the result buffer between fill and product: it stays.
// CHECK-LABEL: func.func @read_between
// CHECK:         linalg.fill
// CHECK:         memref.copy
// CHECK:         linalg.matmul
// CHECK-NOT:     autoglm.gemm
func.func @read_between(%a: memref<4x8xf32>, %b: memref<8x16xf32>, %d: memref<4x16xf32>, %e: memref<4x16xf32>) {
  %zero = arith.constant 0.000000e+00 : f32
  linalg.fill ins(%zero : f32) outs(%d : memref<4x16xf32>)
  memref.copy %d, %e : memref<4x16xf32> to memref<4x16xf32>
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x16xf32>) outs(%d : memref<4x16xf32>)
  return
}

// -----

// Neither rows nor columns contiguous (every other column): no library
// call.
// CHECK-LABEL: func.func @strided
// CHECK:         linalg.matmul
// CHECK-NOT:     autoglm.gemm
func.func @strided(%a: memref<4x8xf32, strided<[16, 2]>>, %b: memref<8x16xf32>, %d: memref<4x16xf32>) {
  %zero = arith.constant 0.000000e+00 : f32
  linalg.fill ins(%zero : f32) outs(%d : memref<4x16xf32>)
  linalg.matmul ins(%a, %b : memref<4x8xf32, strided<[16, 2]>>, memref<8x16xf32>) outs(%d : memref<4x16xf32>)
  return
}

// -----

// A product whose indexing maps transpose an operand is not what the gemm
// computes as written, even where the shapes would multiply (square): it
// stays linalg (a generated kernel).
// CHECK-LABEL: func.func @transposed_maps
// CHECK:         linalg.fill
// CHECK:         linalg.batch_matmul
// CHECK-NOT:     autoglm.gemm
func.func @transposed_maps(%a: memref<2x4x4xf32>, %b: memref<2x4x4xf32>, %d: memref<2x4x4xf32>) {
  %zero = arith.constant 0.000000e+00 : f32
  linalg.fill ins(%zero : f32) outs(%d : memref<2x4x4xf32>)
  linalg.batch_matmul indexing_maps = [affine_map<(b, m, n, k) -> (b, k, m)>, affine_map<(b, m, n, k) -> (b, k, n)>, affine_map<(b, m, n, k) -> (b, m, n)>]
    ins(%a, %b : memref<2x4x4xf32>, memref<2x4x4xf32>) outs(%d : memref<2x4x4xf32>)
  return
}

// -----

// An int8 product reading its weight stored N x K through the map (n, k):
// the gemm reads a transposed view of it (stored by columns), and the
// zero fill of its i32 result goes too.
// CHECK-LABEL: func.func @int8_by_columns
// CHECK-NOT:     linalg.fill
// CHECK:         %[[T:.*]] = memref.transpose %arg1 (d0, d1) -> (d1, d0) : memref<8x4xi8> to memref<4x8xi8, strided<[1, 4]>>
// CHECK-NEXT:    autoglm.gemm %arg0, %[[T]] into %arg2 : memref<2x4xi8>, memref<4x8xi8, strided<[1, 4]>> into memref<2x8xi32>
// CHECK-NOT:     linalg.matmul
func.func @int8_by_columns(%a: memref<2x4xi8>, %wt: memref<8x4xi8>, %d: memref<2x8xi32>) {
  %zero = arith.constant 0 : i32
  linalg.fill ins(%zero : i32) outs(%d : memref<2x8xi32>)
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%a, %wt : memref<2x4xi8>, memref<8x4xi8>) outs(%d : memref<2x8xi32>)
  return
}

// -----

// An int8 product whose weight is stored K x N is not what cuBLASLt's int8
// kernels read: it stays a linalg product (a generated kernel).
// CHECK-LABEL: func.func @int8_by_rows
// CHECK:         linalg.matmul
// CHECK-NOT:     autoglm.gemm
func.func @int8_by_rows(%a: memref<2x4xi8>, %w: memref<4x8xi8>, %d: memref<2x8xi32>) {
  %zero = arith.constant 0 : i32
  linalg.fill ins(%zero : i32) outs(%d : memref<2x8xi32>)
  linalg.matmul ins(%a, %w : memref<2x4xi8>, memref<4x8xi8>) outs(%d : memref<2x8xi32>)
  return
}
