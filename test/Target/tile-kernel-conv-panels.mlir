// RUN: autoglm-opt %s --autoglm-conv-to-matmul --autoglm-tile-kernel-regions=vector-bits=512 | FileCheck %s
// RUN: autoglm-opt %s --autoglm-conv-to-matmul --autoglm-tile-kernel-regions="vector-bits=512 threads=16" | FileCheck %s --check-prefix=T16

// A fused 3x3 convolution (64 -> 64 at 56x56, padded input): its product
// [64, 3136] is cut into blocks of 4 output rows (224 columns, a column
// panel of 576 x 224 floats, 516 KB), run by 2 parallel slots of 7 blocks
// each. A block copies its input rows tap by tap into its slot's panel
// (one loop over the 9 taps, a strided slice each), then zero-fills its
// output block right before the product (which then starts from zero in
// registers, tile-and-vectorize-contractions.mlir) and multiplies; the
// slot's blocks reuse one panel,
// one of the shared [2, 64, 3, 3, 4, 56] buffer. The whole-image im2col
// is gone.
// CHECK-LABEL: func.func @conv3x3_panels(
// CHECK-NOT:     linalg.generic {{.+}} tensor<1x64x3x3x56x56xf32>
// CHECK:         %[[PANELS:.+]] = tensor.empty() : tensor<2x64x3x3x4x56xf32>
// CHECK:         scf.forall (%[[SLOT:.+]]) = (0) to (3136) step (1568) shared_outs(%{{.+}} = %{{.+}}, %[[ALL:.+]] = %[[PANELS]])
// CHECK:           %[[S:.+]] = affine.apply #{{.+}}(%[[SLOT]])
// CHECK:           %[[MINE:.+]] = tensor.extract_slice %[[ALL]][%[[S]], 0, 0, 0, 0, 0] [1, 64, 3, 3, 4, 56]
// CHECK:           scf.for %[[B:.+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args(%{{.+}} = %{{.+}}, %[[PANEL:.+]] = %{{.+}})
// CHECK-NOT:         linalg.fill
// CHECK:             %[[FILLED:.+]] = scf.for %[[T:.+]] = %c0{{.*}} to %c9 step %c1{{.*}} iter_args(%[[P:.+]] = %[[PANEL]])
// CHECK:               %[[Y:.+]] = affine.apply #{{.+}}(%[[T]])
// CHECK:               %[[X:.+]] = affine.apply #{{.+}}(%[[T]])
// CHECK:               %[[TAP:.+]] = tensor.extract_slice %{{.+}}[0, 0, %{{.+}}, %{{.+}}] [1, 64, 4, 56] [1, 1, 1, 1] : tensor<1x64x58x58xf32> to tensor<1x64x4x56xf32>
// CHECK:               %[[P1:.+]] = tensor.insert_slice %[[TAP]] into %[[P]][0, 0, %[[Y]], %[[X]], 0, 0] [1, 64, 1, 1, 4, 56]
// CHECK:               scf.yield %[[P1]]
// CHECK-NOT:         tensor.insert_slice
// CHECK:             %[[COL:.+]] = tensor.collapse_shape %[[FILLED]] {{\[}}[0, 1, 2, 3], [4, 5]] : tensor<1x64x3x3x4x56xf32> into tensor<576x224xf32>
// CHECK-NEXT:        %[[ZERO:.+]] = linalg.fill {{.+}} -> tensor<64x224xf32>
// CHECK-NEXT:        linalg.matmul {autoglm.wide_tiles} ins(%{{.+}}, %[[COL]] : tensor<64x576xf32>, tensor<576x224xf32>) outs(%[[ZERO]] :
// CHECK:             arith.maximumf
// CHECK:             scf.yield %{{.+}}, %{{.+}} : tensor<64x1568xf32>, tensor<1x64x3x3x4x56xf32>
// CHECK:           tensor.parallel_insert_slice %{{.+}} into %{{.+}}[0, %[[SLOT]]] [64, 1568]
// CHECK:           tensor.parallel_insert_slice %{{.+}} into %[[ALL]][%[[S]], 0, 0, 0, 0, 0] [1, 64, 3, 3, 4, 56]
// CHECK:         } {autoglm.kernel = "contraction"}
func.func @conv3x3_panels(%x: tensor<1x64x58x58xf32>, %w: tensor<64x64x3x3xf32>, %b: tensor<64xf32>) -> tensor<1x64x56x56xf32> {
  %r = autoglm.fused "contraction" (%x, %w, %b) : (tensor<1x64x58x58xf32>, tensor<64x64x3x3xf32>, tensor<64xf32>) -> tensor<1x64x56x56xf32> {
  ^bb0(%in: tensor<1x64x58x58xf32>, %wt: tensor<64x64x3x3xf32>, %bias: tensor<64xf32>):
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<1x64x56x56xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32>
    %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
        ins(%in, %wt : tensor<1x64x58x58xf32>, tensor<64x64x3x3xf32>) outs(%f : tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32>
    %t = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d1)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                         iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
        ins(%bias : tensor<64xf32>) outs(%c : tensor<1x64x56x56xf32>) {
    ^bb0(%v: f32, %out: f32):
      %s = arith.addf %out, %v : f32
      %y = arith.maximumf %s, %zero : f32
      linalg.yield %y : f32
    } -> tensor<1x64x56x56xf32>
    autoglm.yield %t : tensor<1x64x56x56xf32>
  }
  return %r : tensor<1x64x56x56xf32>
}

// Eight images (a batched product): 4 parallel slots of 2 images each, an
// image's product [16, 400] cut into 2 blocks of 10 output rows; a slot's
// blocks of both images reuse one panel of the shared [4, 16, 3, 3, 12, 20]
// buffer (10 rows and 2 never read: a row of B, 12 x 20 floats, is whole
// cache lines), in place of the images' whole im2col. The weight, broadcast
// along the batch for the batched product, is a view in each block. Each
// block's zero fill comes right before its product, after the taps' copies
// (the product then starts from zero in registers).
// CHECK-LABEL: func.func @conv3x3_batch8(
// CHECK-NOT:     linalg.generic {{.+}} tensor<8x16x3x3x20x20xf32>
// CHECK-NOT:     linalg.broadcast
// CHECK:         %[[PANELS:.+]] = tensor.empty() : tensor<4x16x3x3x12x20xf32>
// CHECK:         scf.forall (%[[SLOT:.+]]) = (0) to (8) step (2) shared_outs(%{{.+}} = %{{.+}}, %[[ALL:.+]] = %[[PANELS]])
// CHECK:           %[[S:.+]] = affine.apply #{{.+}}(%[[SLOT]])
// CHECK:           %[[MINE:.+]] = tensor.extract_slice %[[ALL]][%[[S]], 0, 0, 0, 0, 0] [1, 16, 3, 3, 12, 20]
// CHECK:           scf.for %[[I:.+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args(%{{.+}} = %{{.+}}, %[[P1:.+]] = %{{.+}})
// CHECK:             scf.for %[[B:.+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args(%{{.+}} = %{{.+}}, %[[PANEL:.+]] = %[[P1]])
// CHECK:               %[[W:.+]] = tensor.expand_shape %{{.+}} {{\[}}[0, 1], [2]] output_shape [1, 16, 144]
// CHECK:               %[[IMAGE:.+]] = affine.apply #{{.+}}(%[[SLOT]], %[[I]])
// CHECK:               %[[FILLED:.+]] = scf.for %[[T:.+]] = %c0{{.*}} to %c9 step %c1{{.*}} iter_args(%[[P:.+]] = %[[PANEL]])
// CHECK:                 %[[TAP:.+]] = tensor.extract_slice %{{.+}}[%[[IMAGE]], 0, %{{.+}}, %{{.+}}] [1, 16, 10, 20] [1, 1, 1, 1] : tensor<8x16x22x22xf32> to tensor<1x16x10x20xf32>
// CHECK:                 tensor.insert_slice %[[TAP]] into %[[P]][0, 0, %{{.+}}, %{{.+}}, 0, 0] [1, 16, 1, 1, 10, 20]
// CHECK:               %[[ALLCOL:.+]] = tensor.collapse_shape %[[FILLED]] {{\[}}[0], [1, 2, 3], [4, 5]] : tensor<1x16x3x3x12x20xf32> into tensor<1x144x240xf32>
// CHECK:               %[[COL:.+]] = tensor.extract_slice %[[ALLCOL]][0, 0, 0] [1, 144, 200] [1, 1, 1] : tensor<1x144x240xf32> to tensor<1x144x200xf32>
// CHECK-NEXT:          %[[ZERO:.+]] = linalg.fill {{.+}} -> tensor<1x16x200xf32>
// CHECK-NEXT:          linalg.batch_matmul ins(%[[W]], %[[COL]] : tensor<1x16x144xf32>, tensor<1x144x200xf32>) outs(%[[ZERO]] :
// CHECK:           tensor.parallel_insert_slice %{{.+}} into %[[ALL]][%[[S]], 0, 0, 0, 0, 0] [1, 16, 3, 3, 12, 20]
// CHECK:         } {autoglm.kernel = "contraction"}
// Built for 16 threads, more than the images: a slot per image and group
// of its blocks (2 groups of one block of 200 columns), 16 panels, the
// slot loop over (image, the group's first column).
// T16-LABEL: func.func @conv3x3_batch8(
// T16:         %[[PANELS:.+]] = tensor.empty() : tensor<16x16x3x3x12x20xf32>
// T16:         scf.forall (%[[IMG:.+]], %[[COL0:.+]]) = (0, 0) to (8, 400) step (1, 200) shared_outs(%{{.+}} = %{{.+}}, %[[ALL:.+]] = %[[PANELS]])
// T16:           %[[S:.+]] = affine.apply #{{.+}}(%[[IMG]], %[[COL0]])
// T16:           tensor.extract_slice %[[ALL]][%[[S]], 0, 0, 0, 0, 0] [1, 16, 3, 3, 12, 20]
// T16:           linalg.batch_matmul ins(%{{.+}}, %{{.+}} : tensor<1x16x144xf32>, tensor<1x144x200xf32>)
// T16:         } {autoglm.kernel = "contraction"}
func.func @conv3x3_batch8(%x: tensor<8x16x22x22xf32>, %w: tensor<16x16x3x3xf32>) -> tensor<8x16x20x20xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x16x20x20xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<8x16x20x20xf32>) -> tensor<8x16x20x20xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<8x16x22x22xf32>, tensor<16x16x3x3xf32>) outs(%f : tensor<8x16x20x20xf32>) -> tensor<8x16x20x20xf32>
  return %c : tensor<8x16x20x20xf32>
}

// Four images of a 1x1 convolution (no im2col): one image per block, the
// weight a view, not broadcast along the batch.
// CHECK-LABEL: func.func @conv1x1_batch4(
// CHECK-NOT:     linalg.broadcast
// CHECK:         scf.forall
// CHECK:           tensor.expand_shape %{{.+}} {{\[}}[0, 1], [2]] output_shape [1, 32, 16]
// CHECK:           linalg.batch_matmul {autoglm.wide_tiles} ins(%{{.+}}, %{{.+}} : tensor<1x32x16xf32>, tensor<1x16x81xf32>)
func.func @conv1x1_batch4(%x: tensor<4x16x9x9xf32>, %w: tensor<32x16x1x1xf32>) -> tensor<4x32x9x9xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x32x9x9xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x32x9x9xf32>) -> tensor<4x32x9x9xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<4x16x9x9xf32>, tensor<32x16x1x1xf32>) outs(%f : tensor<4x32x9x9xf32>) -> tensor<4x32x9x9xf32>
  return %c : tensor<4x32x9x9xf32>
}

// One image at 7x7 (ResNet-50's layer4): blocks of whole rows would be 7
// columns, narrower than a register tile (32 at 512 bits), each reading
// the whole weight; the small whole-image im2col (4.5 x 49 KB here) stays,
// and the product is cut into row blocks of its 64 output channels.
// CHECK-LABEL: func.func @conv3x3_7x7(
// CHECK:         linalg.generic {{.+}} outs(%{{.+}} : tensor<1x128x3x3x7x7xf32>)
// CHECK:         scf.forall (%{{.+}}) = (0) to (128) step (64)
// CHECK:           linalg.matmul {autoglm.wide_tiles} ins(%{{.+}}, %{{.+}} : tensor<64x1152xf32>, tensor<1152x49xf32>)
func.func @conv3x3_7x7(%x: tensor<1x128x9x9xf32>, %w: tensor<128x128x3x3xf32>) -> tensor<1x128x7x7xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x128x7x7xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x128x7x7xf32>) -> tensor<1x128x7x7xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x128x9x9xf32>, tensor<128x128x3x3xf32>) outs(%f : tensor<1x128x7x7xf32>) -> tensor<1x128x7x7xf32>
  return %c : tensor<1x128x7x7xf32>
}

// ResNet-50's stem, 7x7 stride 2 on 3 channels (here 38x38 padded, 16x16
// out): 2 blocks of 8 output rows in one slot. The 49 taps are one loop,
// not 49 copies in the IR (LLVM took seconds to compile those); each tap
// reads every other column (stride 2) from column x of its rows.
// CHECK-LABEL: func.func @conv7x7_stride2(
// CHECK:         scf.forall
// CHECK:           scf.for
// CHECK:             %[[FILLED:.+]] = scf.for %[[T:.+]] = %c0{{.*}} to %c49 step %c1{{.*}} iter_args(%[[P:.+]] = %{{.+}})
// CHECK:               %[[Y:.+]] = affine.apply #{{.+}}(%[[T]])
// CHECK:               %[[X:.+]] = affine.apply #{{.+}}(%[[T]])
// CHECK:               %[[TAP:.+]] = tensor.extract_slice %{{.+}}[0, 0, %{{.+}}, %{{.+}}] [1, 3, 8, 16] [1, 1, 2, 2] : tensor<1x3x38x38xf32> to tensor<1x3x8x16xf32>
// CHECK:               tensor.insert_slice %[[TAP]] into %[[P]][0, 0, %[[Y]], %[[X]], 0, 0] [1, 3, 1, 1, 8, 16]
// CHECK-NOT:           tensor.insert_slice
// CHECK:             tensor.collapse_shape %[[FILLED]] {{\[}}[0, 1, 2, 3], [4, 5]] : tensor<1x3x7x7x8x16xf32> into tensor<147x128xf32>
func.func @conv7x7_stride2(%x: tensor<1x3x38x38xf32>, %w: tensor<8x3x7x7xf32>) -> tensor<1x8x16x16xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x8x16x16xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x8x16x16xf32>) -> tensor<1x8x16x16xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%x, %w : tensor<1x3x38x38xf32>, tensor<8x3x7x7xf32>) outs(%f : tensor<1x8x16x16xf32>) -> tensor<1x8x16x16xf32>
  return %c : tensor<1x8x16x16xf32>
}

// A zero-padded input (the lowering's tensor.pad, 20x20 padded by 1): the
// taps read the unpadded input, not a padded copy of it. Each tap copies
// the rows [rlo, rhi) and columns [jlo, jhi) of its block that lie inside
// the image (dynamic sizes, offsets clamped into the image), then zeroes,
// in place in the panel, the rows above and below them and the columns
// left and right of them. Every panel element is written by each block,
// so the panels are not zeroed on every run (neither all of them nor each
// slot's).
// CHECK-LABEL: func.func @conv3x3_zero_pad(
// CHECK-SAME:      %[[X:.+]]: tensor<1x16x20x20xf32>
// CHECK-NOT:     tensor.pad
// CHECK-NOT:     linalg.fill {{.+}} -> tensor<1x16x3x3x12x20xf32>
// CHECK:         scf.forall
// CHECK:           %[[MINE:.+]] = tensor.extract_slice %{{.+}}[%{{.+}}, 0, 0, 0, 0, 0] [1, 16, 3, 3, 12, 20]
// CHECK-NOT:       linalg.fill {{.+}} tensor<1x16x3x3x12x20xf32>
// CHECK:           scf.for %{{.+}} iter_args(%{{.+}} = %{{.+}}, %{{.+}} = %[[MINE]])
// CHECK:             scf.for %{{.+}} = %c0{{.*}} to %c9 step %c1{{.*}} iter_args(%[[P:.+]] = %{{.+}})
// CHECK:               %[[Y:.+]] = affine.apply #{{.+}}(%{{.+}})
// CHECK:               %[[XT:.+]] = affine.apply #{{.+}}(%{{.+}})
// CHECK:               %[[RLO:.+]] = affine.min
// CHECK:               %[[RHI:.+]] = affine.min
// CHECK:               %[[JLO:.+]] = affine.min
// CHECK:               %[[JHI:.+]] = affine.min
// CHECK:               %[[NR:.+]] = affine.apply #{{.+}}(%[[RLO]], %[[RHI]])
// CHECK:               %[[NC:.+]] = affine.apply #{{.+}}(%[[JLO]], %[[JHI]])
// CHECK:               %[[TAP:.+]] = tensor.extract_slice %[[X]][0, 0, %{{.+}}, %{{.+}}] [1, 16, %[[NR]], %[[NC]]] [1, 1, 1, 1] : tensor<1x16x20x20xf32> to tensor<1x16x?x?xf32>
// CHECK:               %[[P1:.+]] = tensor.insert_slice %[[TAP]] into %[[P]][0, 0, %[[Y]], %[[XT]], %[[RLO]], %[[JLO]]] [1, 16, 1, 1, %[[NR]], %[[NC]]]
// CHECK:               %[[ABOVE:.+]] = tensor.extract_slice %[[P1]][0, 0, %[[Y]], %[[XT]], 0, 0] [1, 16, 1, 1, %[[RLO]], 20]
// CHECK:               linalg.fill {{.+}} outs(%[[ABOVE]] :
// CHECK:               tensor.extract_slice %{{.+}}[0, 0, %[[Y]], %[[XT]], %[[RHI]], 0] [1, 16, 1, 1, %{{.+}}, 20]
// CHECK:               linalg.fill
// CHECK:               tensor.extract_slice %{{.+}}[0, 0, %[[Y]], %[[XT]], %[[RLO]], 0] [1, 16, 1, 1, %[[NR]], %[[JLO]]]
// CHECK:               linalg.fill
// CHECK:               tensor.extract_slice %{{.+}}[0, 0, %[[Y]], %[[XT]], %[[RLO]], %[[JHI]]] [1, 16, 1, 1, %[[NR]], %{{.+}}]
// CHECK:               linalg.fill
// CHECK:             tensor.collapse_shape %{{.+}} {{\[}}[0, 1, 2, 3], [4, 5]] : tensor<1x16x3x3x12x20xf32> into tensor<144x240xf32>
func.func @conv3x3_zero_pad(%x: tensor<1x16x20x20xf32>, %w: tensor<16x16x3x3xf32>) -> tensor<1x16x20x20xf32> {
  %zero = arith.constant 0.0 : f32
  %p = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %zero : f32
  } : tensor<1x16x20x20xf32> to tensor<1x16x22x22xf32>
  %e = tensor.empty() : tensor<1x16x20x20xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x16x20x20xf32>) -> tensor<1x16x20x20xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%p, %w : tensor<1x16x22x22xf32>, tensor<16x16x3x3xf32>) outs(%f : tensor<1x16x20x20xf32>) -> tensor<1x16x20x20xf32>
  return %c : tensor<1x16x20x20xf32>
}
