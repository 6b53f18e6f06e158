// RUN: autoglm-opt %s | autoglm-opt | FileCheck %s

// CHECK-LABEL: func.func @gemm
// CHECK: autoglm.gemm %arg0, %arg1 into %arg2 : memref<4x8xbf16>, memref<2x8x16xbf16> into memref<2x4x16xbf16>
func.func @gemm(%a: memref<4x8xbf16>, %b: memref<2x8x16xbf16>, %d: memref<2x4x16xbf16>) {
  autoglm.gemm %a, %b into %d : memref<4x8xbf16>, memref<2x8x16xbf16> into memref<2x4x16xbf16>
  return
}
