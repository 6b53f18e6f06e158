// RUN: autoglm-opt %s --autoglm-conv-to-matmul --autoglm-tile-kernel-regions=vector-bits=512 | FileCheck %s
// RUN: autoglm-opt %s --autoglm-conv-to-matmul --autoglm-tile-kernel-regions="vector-bits=512 threads=8" | FileCheck %s --check-prefix=MANY
// RUN: autoglm-opt %s --autoglm-conv-to-matmul --autoglm-tile-kernel-regions="vector-bits=512 threads=16" | FileCheck %s --check-prefix=MANY

// 3x3 stride-2 convolutions on per-block panels, each tap a slice of the
// input at stride 2 (ResNet-50's layer2.0.conv2 and layer3.0.conv2 at 16
// channels). To 28x28: blocks of 7 output rows (196 columns = 6 tiles of
// 32 and 4 columns), 2 parallel slots of 2 blocks. Blocks of 4 rows (112
// columns, no narrow remainder) were 0.86 of the time at 1 thread but
// leave 7 blocks, one slot, and took 2.1x the time at 2 threads
// (docs/decisions.md). A panel holds a block's 7 rows and one more, never
// read, so that each row of the product's B (8 x 28 floats, 896 bytes)
// is whole cache lines: B is the first 196 columns of the panel's 224.
// Built for 8 or 16 threads, the same convolution has fewer blocks (4) than
// threads: no panels (in slots of two blocks, 2 of the threads would
// run it), the whole image's im2col, and the product cut for the threads
// in rows and columns (blocks of 8 rows alone would be 2).
// MANY-LABEL: func.func @stride2_28x28(
// MANY-NOT:     x8x28xf32>
// MANY:         linalg.generic {{.+}} outs(%{{.+}} : tensor<1x16x3x3x28x28xf32>)
// MANY:         scf.forall (%{{.+}}, %{{.+}}) = (0, 0) to (16, 784) step (8, 392)
// MANY:           linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<8x144xf32>, tensor<144x392xf32>)
// CHECK-LABEL: func.func @stride2_28x28(
// CHECK:         tensor.empty() : tensor<2x16x3x3x8x28xf32>
// CHECK:         scf.forall (%{{.+}}) = (0) to (784) step (392)
// CHECK:           scf.for %{{.+}} = %{{.+}} to %c392 step %c196 iter_args
// CHECK:             scf.for %{{.+}} = %c0{{.*}} to %c9 step %c1{{.*}} iter_args
// CHECK:               tensor.extract_slice %{{.+}}[0, 0, %{{.+}}, %{{.+}}] [1, 16, 7, 28] [1, 1, 2, 2] : tensor<1x16x57x57xf32> to tensor<1x16x7x28xf32>
// CHECK:             %[[ALL:.+]] = tensor.collapse_shape %{{.+}} {{\[}}[0, 1, 2, 3], [4, 5]] : tensor<1x16x3x3x8x28xf32> into tensor<144x224xf32>
// CHECK:             %[[B:.+]] = tensor.extract_slice %[[ALL]][0, 0] [144, 196] [1, 1] : tensor<144x224xf32> to tensor<144x196xf32>
// CHECK:             linalg.matmul ins(%{{.+}}, %[[B]] : tensor<16x144xf32>, tensor<144x196xf32>)
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

// To 14x14: blocks of 7 rows, 98 columns (3 tiles of 32 and 2 columns,
// which tile-and-vectorize-contractions computes as dot products along K),
// 2 blocks, each in a slot of its own (one slot of both would run the whole
// convolution on one thread).
// CHECK-LABEL: func.func @stride2_14x14(
// CHECK:         tensor.empty() : tensor<2x16x3x3x8x14xf32>
// CHECK:         scf.forall (%{{.+}}) = (0) to (196) step (98)
// CHECK:               tensor.extract_slice %{{.+}}[0, 0, %{{.+}}, %{{.+}}] [1, 16, 7, 14] [1, 1, 2, 2] : tensor<1x16x29x29xf32> to tensor<1x16x7x14xf32>
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

// Four images to 7x7 (ResNet-50's layer4.0.conv2 at 64 channels and batch
// 4): an image is one block of 49 columns. Built for up to 4 threads, a
// slot an image, each with its panel. Built for 8 or 16, a slot an image
// would leave half the threads or more idle: the four images' whole
// im2col, and their product cut for the threads.
// CHECK-LABEL: func.func @stride2_batch4_7x7(
// CHECK-NOT:     linalg.generic
// CHECK:         scf.forall (%{{.+}}) in (4) shared_outs(%{{.+}}, %{{.+}} = %{{.+}}) -> (tensor<4x64x49xf32>, tensor<4x64x3x3x7x7xf32>)
// CHECK:           linalg.batch_matmul {autoglm.wide_tiles} ins(%{{.+}}, %{{.+}} : tensor<1x64x576xf32>, tensor<1x576x49xf32>)
// MANY-LABEL: func.func @stride2_batch4_7x7(
// MANY:         linalg.generic {{.+}} outs(%{{.+}} : tensor<4x64x3x3x7x7xf32>)
// MANY:         scf.forall (%{{.+}}, %{{.+}}) = (0, 0) to (4, 64) step (1, {{16|32}}) shared_outs(%{{.+}} = %{{.+}}) -> (tensor<4x64x49xf32>)
// MANY:           linalg.batch_matmul {autoglm.wide_tiles} ins(%{{.+}}, %{{.+}} : tensor<1x{{16|32}}x576xf32>, tensor<1x576x49xf32>)
func.func @stride2_batch4_7x7(%x: tensor<4x64x15x15xf32>, %w: tensor<64x64x3x3xf32>) -> tensor<4x64x7x7xf32> {
  %r = autoglm.fused "contraction" (%x, %w) : (tensor<4x64x15x15xf32>, tensor<64x64x3x3xf32>) -> tensor<4x64x7x7xf32> {
  ^bb0(%in: tensor<4x64x15x15xf32>, %wt: tensor<64x64x3x3xf32>):
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<4x64x7x7xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x64x7x7xf32>) -> tensor<4x64x7x7xf32>
    %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
        ins(%in, %wt : tensor<4x64x15x15xf32>, tensor<64x64x3x3xf32>) outs(%f : tensor<4x64x7x7xf32>) -> tensor<4x64x7x7xf32>
    autoglm.yield %c : tensor<4x64x7x7xf32>
  }
  return %r : tensor<4x64x7x7xf32>
}
