// RUN: autoglm-opt %s --split-input-file --autoglm-cuda-row-product-weights | FileCheck %s --check-prefix=WEIGHTS
// RUN: autoglm-opt %s --split-input-file --autoglm-cuda-row-product-weights --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --autoglm-cuda-row-products=prefetch-weights=true | FileCheck %s --check-prefix=KERNEL

// One row against a constant 8 x 4 weight (a resource blob, as the
// importer's weights): the weight is stored 4 x 8
// (transposed at compile time: w[k][n] = 10 k + n) and read through the
// transposed map; on buffers the product is a kernel with a warp per
// output column (8 columns per block: one block for 4), its lanes reading
// 4 f32 per access (K 8: one access, lanes 2..31 past the row), the sum
// by shuffles, lane 0 storing it. No cuBLASLt call, no fill.
// WEIGHTS-LABEL: func.func @one_row
// WEIGHTS:         %[[WT:.*]] = arith.constant dense_resource<by_columns> : tensor<4x8xf32>
// WEIGHTS:         linalg.matmul indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}] ins(%{{.*}}, %[[WT]] : tensor<1x8xf32>, tensor<4x8xf32>)
// WEIGHTS-NOT:     tensor<8x4xf32>
// WEIGHTS:         by_columns: "0x0800000000000000000020410000A0410000F04100002042000048420000704200008C420000803F
// KERNEL-LABEL: func.func @one_row
// KERNEL-NOT:      linalg.fill
// KERNEL:          gpu.launch blocks({{.*}}) in ({{.*}} = %c1{{.*}}, {{.*}}) threads({{.*}}) in ({{.*}} = %c256
// First, each warp brings its column's weights (32 bytes: one line) into
// the L2 cache, before the kernel waits for the one before it.
// KERNEL:            memref.extract_aligned_pointer_as_index
// KERNEL:            nvvm.prefetch level = L2, %{{.*}} : !llvm.ptr<1>
// KERNEL-NOT:        nvvm.prefetch
// KERNEL:            scf.if
// KERNEL:            scf.for
// KERNEL:              vector.load %{{.*}} : memref<4x8xf32>, vector<4xf32>
// KERNEL:              vector.load %{{.*}} : memref<1x8xf32>, vector<4xf32>
// KERNEL:              math.fma
// KERNEL:            gpu.shuffle  xor
// KERNEL:            memref.store
// KERNEL-NOT:      linalg.matmul
func.func @one_row(%a: tensor<1x8xf32>) -> tensor<1x4xf32> {
  %w = arith.constant dense_resource<weights> : tensor<8x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4xf32>) -> tensor<1x4xf32>
  %c = linalg.matmul ins(%a, %w : tensor<1x8xf32>, tensor<8x4xf32>) outs(%f : tensor<1x4xf32>) -> tensor<1x4xf32>
  return %c : tensor<1x4xf32>
}

{-#
  dialect_resources: {
    builtin: {
      weights: "0x04000000000000000000803F0000004000004040000020410000304100004041000050410000A0410000A8410000B0410000B8410000F0410000F841000000420000044200002042000024420000284200002C420000484200004C42000050420000544200007042000074420000784200007C4200008C4200008E420000904200009242"
    }
  }
#-}

// -----

// More rows than the kernel keeps sums for (9), a weight that is not a
// constant, and a constant something else also reads: all left as they
// are (cuBLASLt computes them).
// WEIGHTS-LABEL: func.func @left_alone
// WEIGHTS-NOT:     dense_resource
// WEIGHTS-COUNT-3: linalg.matmul ins(
// KERNEL-LABEL: func.func @left_alone
// KERNEL-NOT:      gpu.launch
func.func @left_alone(%a9: tensor<9x16xf32>, %a: tensor<1x16xf32>, %w: tensor<16x8xf32>) -> (tensor<9x8xf32>, tensor<1x8xf32>, tensor<1x8xf32>, tensor<16x8xf32>) {
  %c = arith.constant dense<1.0> : tensor<16x8xf32>
  %shared = arith.constant dense<2.0> : tensor<16x8xf32>
  %zero = arith.constant 0.0 : f32
  %e9 = tensor.empty() : tensor<9x8xf32>
  %f9 = linalg.fill ins(%zero : f32) outs(%e9 : tensor<9x8xf32>) -> tensor<9x8xf32>
  %m9 = linalg.matmul ins(%a9, %c : tensor<9x16xf32>, tensor<16x8xf32>) outs(%f9 : tensor<9x8xf32>) -> tensor<9x8xf32>
  %e = tensor.empty() : tensor<1x8xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x8xf32>) -> tensor<1x8xf32>
  %m = linalg.matmul ins(%a, %w : tensor<1x16xf32>, tensor<16x8xf32>) outs(%f : tensor<1x8xf32>) -> tensor<1x8xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e : tensor<1x8xf32>) -> tensor<1x8xf32>
  %s = linalg.matmul ins(%a, %shared : tensor<1x16xf32>, tensor<16x8xf32>) outs(%f2 : tensor<1x8xf32>) -> tensor<1x8xf32>
  return %m9, %m, %s, %shared : tensor<9x8xf32>, tensor<1x8xf32>, tensor<1x8xf32>, tensor<16x8xf32>
}

// -----

// f16 operands (the weight already N x K) summed in f32 into an f16
// result, 2 rows, K 20 (not a multiple of 8 f16: 4 per access, 8 bytes).
// KERNEL-LABEL: func.func @f16_rows
// KERNEL:          gpu.launch
// KERNEL:              vector.load %{{.*}} : memref<8x20xf16>, vector<4xf16>
// KERNEL:              arith.extf
// KERNEL:              math.fma {{.*}} : f32
// KERNEL:            arith.truncf %{{.*}} : f32 to f16
func.func @f16_rows(%a: tensor<2x20xf16>, %b: tensor<8x20xf16>) -> tensor<2x8xf16> {
  %zero = arith.constant 0.0 : f16
  %e = tensor.empty() : tensor<2x8xf16>
  %f = linalg.fill ins(%zero : f16) outs(%e : tensor<2x8xf16>) -> tensor<2x8xf16>
  %c = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%a, %b : tensor<2x20xf16>, tensor<8x20xf16>) outs(%f : tensor<2x8xf16>) -> tensor<2x8xf16>
  return %c : tensor<2x8xf16>
}

