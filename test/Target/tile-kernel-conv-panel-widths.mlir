// RUN: autoglm-opt %s --autoglm-conv-to-matmul --autoglm-tile-kernel-regions=vector-bits=512 | FileCheck %s

// The width of a convolution's blocks (whole output rows): the widest that
// is a whole number of vectors, if one is at least two register tiles wide.
// A 3x3 stride-2 convolution with a 28x28 output (ResNet-50's
// layer2.0.conv2 at 16 channels): blocks of 4 rows, 112 columns (7 vectors
// of 16 floats), not 7 rows (196 = 12 vectors and 4 columns, which run a
// quarter-filled vector a row); 7 blocks, one slot.
// CHECK-LABEL: func.func @stride2_28x28(
// CHECK:         %[[PANELS:.+]] = tensor.empty() : tensor<1x16x3x3x4x28xf32>
// CHECK:         scf.forall (%{{.+}}) = (0) to (784) step (784)
// CHECK:           scf.for %{{.+}} = %{{.+}} to %{{.+}} step %{{.+}} iter_args
// CHECK:             scf.for %{{.+}} = %c0{{.*}} to %c9 step %c1{{.*}} iter_args
// CHECK:               tensor.extract_slice %{{.+}}[0, 0, %{{.+}}, %{{.+}}] [1, 16, 4, 28] [1, 1, 2, 2] : tensor<1x16x57x57xf32> to tensor<1x16x4x28xf32>
// CHECK:             tensor.collapse_shape %{{.+}} {{\[}}[0, 1, 2, 3], [4, 5]] : tensor<1x16x3x3x4x28xf32> into tensor<144x112xf32>
// CHECK:             linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<16x144xf32>, tensor<144x112xf32>)
func.func @stride2_28x28(%x: tensor<1x16x57x57xf32>, %w: tensor<16x16x3x3xf32>) -> tensor<1x16x28x28xf32> {
  %r = autoglm.fused "contraction" (%x, %w) : (tensor<1x16x57x57xf32>, tensor<16x16x3x3xf32>) -> tensor<1x16x28x28xf32> {
  ^bb0(%in: tensor<1x16x57x57xf32>, %wt: tensor<16x16x3x3xf32>):
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<1x16x28x28xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x16x28x28xf32>) -> tensor<1x16x28x28xf32>
    %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
        ins(%in, %wt : tensor<1x16x57x57xf32>, tensor<16x16x3x3xf32>) outs(%f : tensor<1x16x28x28xf32>) -> tensor<1x16x28x28xf32>
    %t = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                         iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
        outs(%c : tensor<1x16x28x28xf32>) {
    ^bb0(%out: f32):
      %y = arith.maximumf %out, %zero : f32
      linalg.yield %y : f32
    } -> tensor<1x16x28x28xf32>
    autoglm.yield %t : tensor<1x16x28x28xf32>
  }
  return %r : tensor<1x16x28x28xf32>
}

// A 14x14 output has no such width (14, 28 and 98 columns: 98 = 6 vectors
// and 2 columns): the widest that fits stays, 7 rows, 2 blocks.
// CHECK-LABEL: func.func @stride2_14x14(
// CHECK:         tensor.empty() : tensor<1x16x3x3x7x14xf32>
// CHECK:             linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<16x144xf32>, tensor<144x98xf32>)
func.func @stride2_14x14(%x: tensor<1x16x29x29xf32>, %w: tensor<16x16x3x3xf32>) -> tensor<1x16x14x14xf32> {
  %r = autoglm.fused "contraction" (%x, %w) : (tensor<1x16x29x29xf32>, tensor<16x16x3x3xf32>) -> tensor<1x16x14x14xf32> {
  ^bb0(%in: tensor<1x16x29x29xf32>, %wt: tensor<16x16x3x3xf32>):
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<1x16x14x14xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x16x14x14xf32>) -> tensor<1x16x14x14xf32>
    %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
        ins(%in, %wt : tensor<1x16x29x29xf32>, tensor<16x16x3x3xf32>) outs(%f : tensor<1x16x14x14xf32>) -> tensor<1x16x14x14xf32>
    autoglm.yield %c : tensor<1x16x14x14xf32>
  }
  return %r : tensor<1x16x14x14xf32>
}
