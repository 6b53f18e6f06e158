// RUN: autoglm-opt %s --split-input-file --verify-diagnostics

func.func @shapes(%a: memref<4x8xf32>, %b: memref<7x16xf32>, %d: memref<4x16xf32>) {
  // expected-error @+1 {{shapes do not multiply}}
  autoglm.gemm %a, %b into %d : memref<4x8xf32>, memref<7x16xf32> into memref<4x16xf32>
  return
}

// -----

func.func @batch(%a: memref<3x4x8xf32>, %b: memref<8x16xf32>, %d: memref<2x4x16xf32>) {
  // expected-error @+1 {{batch sizes differ}}
  autoglm.gemm %a, %b into %d : memref<3x4x8xf32>, memref<8x16xf32> into memref<2x4x16xf32>
  return
}

// -----

func.func @types(%a: memref<4x8xf16>, %b: memref<8x16xf32>, %d: memref<4x16xf32>) {
  // expected-error @+1 {{a and b are both f32, f16 or bf16}}
  autoglm.gemm %a, %b into %d : memref<4x8xf16>, memref<8x16xf32> into memref<4x16xf32>
  return
}

// -----

func.func @narrow_result(%a: memref<4x8xf32>, %b: memref<8x16xf32>, %d: memref<4x16xf16>) {
  // expected-error @+1 {{d has the element type of a and b, or f32}}
  autoglm.gemm %a, %b into %d : memref<4x8xf32>, memref<8x16xf32> into memref<4x16xf16>
  return
}

// -----

func.func @layout(%a: memref<4x8xf32, strided<[16, 2]>>, %b: memref<8x16xf32>, %d: memref<4x16xf32>) {
  // expected-error @+1 {{an operand is stored neither by rows nor by columns}}
  autoglm.gemm %a, %b into %d : memref<4x8xf32, strided<[16, 2]>>, memref<8x16xf32> into memref<4x16xf32>
  return
}
