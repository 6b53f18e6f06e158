// RUN: autoglm-opt %s --autoglm-tile-and-vectorize-contractions=vector-bits=512 | FileCheck %s

// The zero fill of a blocked matmul's output and the in-place epilogue the
// lowering of an autoglm.fused "contraction" leaves after it move into the
// matmul's cache blocks: each 64x256 block is filled, accumulated over K and
// finished (bias + ReLU here) while it is in cache.
// CHECK-LABEL: func.func @blocked(
// CHECK:         scf.parallel (%[[I:.+]], %[[J:.+]]) = (%c0, %c0) to (%c128, %c512) step (%c64, %c256)
// CHECK:           %[[C:.+]] = memref.subview %arg3[%[[I]], %[[J]]] [64, 256] [1, 1]
// CHECK-NEXT:      linalg.fill ins(%{{.+}} : f32) outs(%[[C]] : memref<64x256xf32
// CHECK:           scf.for
// CHECK:             vector.fma
// CHECK:           %[[B:.+]] = memref.subview %arg2[%[[J]]] [256] [1]
// CHECK-NEXT:      %[[C2:.+]] = memref.subview %arg3[%[[I]], %[[J]]] [64, 256] [1, 1]
// CHECK-NEXT:      linalg.generic {{.+}} ins(%[[B]] : memref<256xf32{{.*}}>) outs(%[[C2]] : memref<64x256xf32
// CHECK:             arith.addf
// CHECK-NEXT:        arith.maximumf
// CHECK:           scf.reduce
// CHECK-NOT:     linalg.fill
// CHECK-NOT:     linalg.generic
// CHECK:         return
func.func @blocked(%a: memref<128x512xf32>, %b: memref<512x512xf32>, %bias: memref<512xf32>,
                   %c: memref<128x512xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<128x512xf32>)
  linalg.matmul ins(%a, %b : memref<128x512xf32>, memref<512x512xf32>) outs(%c : memref<128x512xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%bias : memref<512xf32>) outs(%c : memref<128x512xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %out, %in : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  }
  return
}

// Not moved: the generic reads the product at other positions (a
// transpose), so a block's epilogue would need other blocks.
// CHECK-LABEL: func.func @reads_other_positions(
// CHECK:         scf.parallel
// CHECK:         scf.reduce
// CHECK:         linalg.generic
// CHECK-SAME:      ins(%arg2 : memref<128x128xf32>) outs(%arg2 : memref<128x128xf32>)
func.func @reads_other_positions(%a: memref<128x512xf32>, %b: memref<512x128xf32>, %c: memref<128x128xf32>) {
  linalg.matmul ins(%a, %b : memref<128x512xf32>, memref<512x128xf32>) outs(%c : memref<128x128xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1, d0)>, affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%c : memref<128x128xf32>) outs(%c : memref<128x128xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %out, %in : f32
    linalg.yield %s : f32
  }
  return
}
