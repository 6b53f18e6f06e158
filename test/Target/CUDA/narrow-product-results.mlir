// RUN: autoglm-opt %s --split-input-file --autoglm-cuda-narrow-product-results | FileCheck %s

// BERT's merged query/key/value projection: the f32 product is sliced by
// regions that only pass views on, and each slice is read by a kernel
// whose first step rounds it to f16. The product writes f16, the views
// and the kernels' arguments are f16, and the roundings are gone.
// CHECK-LABEL: func.func @sliced_projection
// CHECK:         %[[ZERO:.*]] = arith.constant 0.000000e+00 : f16
// CHECK:         %[[EMPTY:.*]] = tensor.empty() : tensor<16x24xf16>
// CHECK:         %[[FILL:.*]] = linalg.fill ins(%[[ZERO]] : f16) outs(%[[EMPTY]] : tensor<16x24xf16>)
// CHECK:         %[[P:.*]] = linalg.matmul {autoglm.f32_accumulator} ins(%arg0, %arg1 : tensor<16x8xf16>, tensor<8x24xf16>) outs(%[[FILL]] : tensor<16x24xf16>) -> tensor<16x24xf16>
// CHECK:         %[[E:.*]] = tensor.expand_shape %[[P]] {{.*}} : tensor<16x24xf16> into tensor<2x8x24xf16>
// CHECK:         %[[S:.*]] = autoglm.fused "slice"(%[[E]]) : (tensor<2x8x24xf16>) -> tensor<2x8x8xf16>
// CHECK:           tensor.extract_slice {{.*}} : tensor<2x8x24xf16> to tensor<2x8x8xf16>
// CHECK:         autoglm.fused "elementwise"(%[[S]], %arg2) : (tensor<2x8x8xf16>, tensor<8xf16>) -> tensor<2x8x8xf16>
// CHECK:           ^bb0(%[[IN:.*]]: f16, %[[BIAS:.*]]: f16, %{{.*}}: f16):
// CHECK-NEXT:        arith.addf %[[IN]], %[[BIAS]] : f16
// CHECK-NOT:     arith.truncf
// CHECK:         return
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#bias3 = affine_map<(d0, d1, d2) -> (d2)>
func.func @sliced_projection(%x: tensor<16x8xf16>, %w: tensor<8x24xf16>, %b: tensor<8xf16>) -> tensor<2x8x8xf16> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16x24xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<16x24xf32>) -> tensor<16x24xf32>
  %p = linalg.matmul ins(%x, %w : tensor<16x8xf16>, tensor<8x24xf16>) outs(%f : tensor<16x24xf32>) -> tensor<16x24xf32>
  %p3 = tensor.expand_shape %p [[0, 1], [2]] output_shape [2, 8, 24] : tensor<16x24xf32> into tensor<2x8x24xf32>
  %q = autoglm.fused "slice"(%p3) : (tensor<2x8x24xf32>) -> tensor<2x8x8xf32> {
  ^bb0(%in: tensor<2x8x24xf32>):
    %s = tensor.extract_slice %in[0, 0, 0] [2, 8, 8] [1, 1, 1] : tensor<2x8x24xf32> to tensor<2x8x8xf32>
    autoglm.yield %s : tensor<2x8x8xf32>
  }
  %r = autoglm.fused "elementwise"(%q, %b) : (tensor<2x8x8xf32>, tensor<8xf16>) -> tensor<2x8x8xf16> {
  ^bb0(%in: tensor<2x8x8xf32>, %bias: tensor<8xf16>):
    %o = tensor.empty() : tensor<2x8x8xf16>
    %g = linalg.generic {indexing_maps = [#id3, #bias3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%in, %bias : tensor<2x8x8xf32>, tensor<8xf16>) outs(%o : tensor<2x8x8xf16>) {
    ^bb0(%u: f32, %v: f16, %out: f16):
      %t = arith.truncf %u : f32 to f16
      %a = arith.addf %t, %v : f16
      linalg.yield %a : f16
    } -> tensor<2x8x8xf16>
    autoglm.yield %g : tensor<2x8x8xf16>
  }
  return %r : tensor<2x8x8xf16>
}

// -----

// A residual add in f32 reads the sums unrounded: the result stays f32.
// CHECK-LABEL: func.func @f32_reader
// CHECK:         linalg.matmul ins(%arg0, %arg1 : tensor<16x8xf16>, tensor<8x8xf16>) outs(%{{.*}} : tensor<16x8xf32>)
// CHECK-NOT:     autoglm.f32_accumulator
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @f32_reader(%x: tensor<16x8xf16>, %w: tensor<8x8xf16>, %res: tensor<16x8xf32>) -> tensor<16x8xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16x8xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<16x8xf32>) -> tensor<16x8xf32>
  %p = linalg.matmul ins(%x, %w : tensor<16x8xf16>, tensor<8x8xf16>) outs(%f : tensor<16x8xf32>) -> tensor<16x8xf32>
  %r = autoglm.fused "elementwise"(%p, %res) : (tensor<16x8xf32>, tensor<16x8xf32>) -> tensor<16x8xf32> {
  ^bb0(%in: tensor<16x8xf32>, %other: tensor<16x8xf32>):
    %o = tensor.empty() : tensor<16x8xf32>
    %g = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%in, %other : tensor<16x8xf32>, tensor<16x8xf32>) outs(%o : tensor<16x8xf32>) {
    ^bb0(%u: f32, %v: f32, %out: f32):
      %a = arith.addf %u, %v : f32
      linalg.yield %a : f32
    } -> tensor<16x8xf32>
    autoglm.yield %g : tensor<16x8xf32>
  }
  return %r : tensor<16x8xf32>
}

// -----

// Two readers: one rounds, the other (the function's result) does not.
// CHECK-LABEL: func.func @one_reader_unrounded
// CHECK:         linalg.matmul ins(%arg0, %arg1 : tensor<16x8xf16>, tensor<8x8xf16>) outs(%{{.*}} : tensor<16x8xf32>)
// CHECK-NOT:     autoglm.f32_accumulator
// CHECK:         arith.truncf
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @one_reader_unrounded(%x: tensor<16x8xf16>, %w: tensor<8x8xf16>) -> (tensor<16x8xf16>, tensor<16x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16x8xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<16x8xf32>) -> tensor<16x8xf32>
  %p = linalg.matmul ins(%x, %w : tensor<16x8xf16>, tensor<8x8xf16>) outs(%f : tensor<16x8xf32>) -> tensor<16x8xf32>
  %r = autoglm.fused "cast"(%p) : (tensor<16x8xf32>) -> tensor<16x8xf16> {
  ^bb0(%in: tensor<16x8xf32>):
    %o = tensor.empty() : tensor<16x8xf16>
    %g = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%in : tensor<16x8xf32>) outs(%o : tensor<16x8xf16>) {
    ^bb0(%u: f32, %out: f16):
      %t = arith.truncf %u : f32 to f16
      linalg.yield %t : f16
    } -> tensor<16x8xf16>
    autoglm.yield %g : tensor<16x8xf16>
  }
  return %r, %p : tensor<16x8xf16>, tensor<16x8xf32>
}

// -----

// The rounding is to bf16, the operands are f16: the library would round
// to f16; nothing changes.
// CHECK-LABEL: func.func @other_narrow_type
// CHECK-NOT:     autoglm.f32_accumulator
// CHECK:         arith.truncf %{{.*}} : f32 to bf16
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @other_narrow_type(%x: tensor<16x8xf16>, %w: tensor<8x8xf16>) -> tensor<16x8xbf16> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16x8xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<16x8xf32>) -> tensor<16x8xf32>
  %p = linalg.matmul ins(%x, %w : tensor<16x8xf16>, tensor<8x8xf16>) outs(%f : tensor<16x8xf32>) -> tensor<16x8xf32>
  %r = autoglm.fused "cast"(%p) : (tensor<16x8xf32>) -> tensor<16x8xbf16> {
  ^bb0(%in: tensor<16x8xf32>):
    %o = tensor.empty() : tensor<16x8xbf16>
    %g = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%in : tensor<16x8xf32>) outs(%o : tensor<16x8xbf16>) {
    ^bb0(%u: f32, %out: bf16):
      %t = arith.truncf %u : f32 to bf16
      linalg.yield %t : bf16
    } -> tensor<16x8xbf16>
    autoglm.yield %g : tensor<16x8xbf16>
  }
  return %r : tensor<16x8xbf16>
}

// -----

// A batch of products (attention's scores unfused) whose left operand is a
// slice of another tensor: the library may not read it as a dense buffer,
// so the product stays f32 even though its reader rounds.
// CHECK-LABEL: func.func @sliced_operand
// CHECK-NOT:     autoglm.f32_accumulator
// CHECK:         arith.truncf
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @sliced_operand(%x: tensor<2x16x16xf16>, %w: tensor<2x8x8xf16>) -> tensor<2x16x8xf16> {
  %a = tensor.extract_slice %x[0, 0, 0] [2, 16, 8] [1, 1, 1] : tensor<2x16x16xf16> to tensor<2x16x8xf16>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x16x8xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x16x8xf32>) -> tensor<2x16x8xf32>
  %p = linalg.batch_matmul ins(%a, %w : tensor<2x16x8xf16>, tensor<2x8x8xf16>) outs(%f : tensor<2x16x8xf32>) -> tensor<2x16x8xf32>
  %r = autoglm.fused "cast"(%p) : (tensor<2x16x8xf32>) -> tensor<2x16x8xf16> {
  ^bb0(%in: tensor<2x16x8xf32>):
    %o = tensor.empty() : tensor<2x16x8xf16>
    %g = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%in : tensor<2x16x8xf32>) outs(%o : tensor<2x16x8xf16>) {
    ^bb0(%u: f32, %out: f16):
      %t = arith.truncf %u : f32 to f16
      linalg.yield %t : f16
    } -> tensor<2x16x8xf16>
    autoglm.yield %g : tensor<2x16x8xf16>
  }
  return %r : tensor<2x16x8xf16>
}

// -----

// A batch of products whose every reader rounds: narrowed.
// CHECK-LABEL: func.func @batch
// CHECK:         linalg.batch_matmul {autoglm.f32_accumulator} ins(%arg0, %arg1 : tensor<2x16x8xf16>, tensor<2x8x8xf16>) outs(%{{.*}} : tensor<2x16x8xf16>)
// CHECK-NOT:     arith.truncf
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @batch(%x: tensor<2x16x8xf16>, %w: tensor<2x8x8xf16>) -> tensor<2x16x8xf16> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x16x8xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x16x8xf32>) -> tensor<2x16x8xf32>
  %p = linalg.batch_matmul ins(%x, %w : tensor<2x16x8xf16>, tensor<2x8x8xf16>) outs(%f : tensor<2x16x8xf32>) -> tensor<2x16x8xf32>
  %r = autoglm.fused "cast"(%p) : (tensor<2x16x8xf32>) -> tensor<2x16x8xf16> {
  ^bb0(%in: tensor<2x16x8xf32>):
    %o = tensor.empty() : tensor<2x16x8xf16>
    %g = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%in : tensor<2x16x8xf32>) outs(%o : tensor<2x16x8xf16>) {
    ^bb0(%u: f32, %out: f16):
      %t = arith.truncf %u : f32 to f16
      linalg.yield %t : f16
    } -> tensor<2x16x8xf16>
    autoglm.yield %g : tensor<2x16x8xf16>
  }
  return %r : tensor<2x16x8xf16>
}
