// RUN: autoglm-opt %s --autoglm-conv-to-matmul --autoglm-tile-kernel-regions=vector-bits=512 | FileCheck %s

// A fused convolution (1x1: the input is the column matrix) with its bias
// and ReLU: the conversion to a matrix product moves the tail onto the
// [F, OH*OW] product, and the region becomes one kernel over the product's
// cache blocks, fill, matmul and tail inside; the 4-D result is a reshape
// of the block loop's. From 64 to 512 channels, the product expands a short
// K: blocks of 16 x 256 (ContractionTiles.h, expandsShortK).
// CHECK-LABEL: func.func @conv_region(
// CHECK-NOT:     autoglm.fused
// CHECK:         %[[R:.+]] = scf.forall (%{{.+}}, %{{.+}}) = (0, 0) to (512, 512) step (16, 256)
// CHECK:           linalg.fill {{.+}} -> tensor<16x256xf32>
// CHECK:           linalg.matmul {{.+}} -> tensor<16x256xf32>
// CHECK:           linalg.generic {{.+}} ins(%{{.+}} : tensor<16xf32>)
// CHECK:             arith.addf
// CHECK-NEXT:        arith.maximumf
// CHECK:             tensor.parallel_insert_slice
// CHECK:         } {autoglm.kernel = "contraction"}
// CHECK-NOT:     linalg.
// CHECK:         %[[O:.+]] = tensor.expand_shape %[[R]] {{\[}}[0, 1], [2, 3]]
// CHECK:         return %[[O]]
func.func @conv_region(%x: tensor<1x64x16x32xf32>, %w: tensor<512x64x1x1xf32>, %b: tensor<512xf32>) -> tensor<1x512x16x32xf32> {
  %r = autoglm.fused "contraction" (%x, %w, %b) : (tensor<1x64x16x32xf32>, tensor<512x64x1x1xf32>, tensor<512xf32>) -> tensor<1x512x16x32xf32> {
  ^bb0(%in: tensor<1x64x16x32xf32>, %wt: tensor<512x64x1x1xf32>, %bias: tensor<512xf32>):
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<1x512x16x32xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x512x16x32xf32>) -> tensor<1x512x16x32xf32>
    %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
        ins(%in, %wt : tensor<1x64x16x32xf32>, tensor<512x64x1x1xf32>) outs(%f : tensor<1x512x16x32xf32>) -> tensor<1x512x16x32xf32>
    %t = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d1)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                         iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
        ins(%bias : tensor<512xf32>) outs(%c : tensor<1x512x16x32xf32>) {
    ^bb0(%v: f32, %out: f32):
      %s = arith.addf %out, %v : f32
      %y = arith.maximumf %s, %zero : f32
      linalg.yield %y : f32
    } -> tensor<1x512x16x32xf32>
    autoglm.yield %t : tensor<1x512x16x32xf32>
  }
  return %r : tensor<1x512x16x32xf32>
}
