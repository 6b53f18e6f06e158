// RUN: autoglm-opt %s --autoglm-window-kernels=vector-bits=512 --canonicalize --cse | FileCheck %s --check-prefixes=CHECK,AVX512
// RUN: autoglm-opt %s --autoglm-window-kernels=vector-bits=256 --canonicalize --cse | FileCheck %s --check-prefixes=CHECK,AVX2

// A MobileNet-like depthwise 3x3 with its zero padding and its in-place
// tail (bias, Clip(0, 6)): one kernel over (image, channel) reading the
// unpadded input (the pad goes), a vector of the register width per row
// block, the row's left overhang shuffled in with zeros, the row's end
// read and written masked (20 columns: 16 + 4 with AVX-512), and the tail
// applied to the vectors before the only write.
// CHECK-LABEL: func.func @dw_tail(
// CHECK-NOT:     tensor.pad
// CHECK:         scf.forall (%{{.+}}) in (4) shared_outs(
// AVX512:          %[[ROW:.+]] = vector.transfer_read %arg0[%c0, %{{.+}}, %c0, %c0], %{{.+}} {in_bounds = [true]} : tensor<1x4x8x20xf32>, vector<16xf32>
// AVX512:          vector.shuffle %[[ROW]], %{{.+}} [16, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14] : vector<16xf32>, vector<16xf32>
// AVX512:          vector.transfer_read %arg0[%c0, %{{.+}}, %c0, %c15], %{{[^{]+}} : tensor<1x4x8x20xf32>, vector<16xf32>
// AVX2:            vector.transfer_read %arg0[%c0, %{{.+}}, %c0, %c0], %{{.+}} {in_bounds = [true]} : tensor<1x4x8x20xf32>, vector<8xf32>
// AVX512:          vector.fma {{.+}} : vector<16xf32>
// AVX2:            vector.fma {{.+}} : vector<8xf32>
// CHECK:           arith.addf
// CHECK-NEXT:      arith.maximumf
// CHECK-NEXT:      arith.minimumf
// AVX512:          vector.transfer_write %{{.+}}[%c0, %c0, %c0, %c0] {in_bounds = [true]} : vector<16xf32>, tensor<1x1x8x20xf32>
// AVX512:          vector.transfer_write %{{.+}}[%c0, %c0, %c0, %c16] : vector<16xf32>, tensor<1x1x8x20xf32>
// CHECK:           tensor.parallel_insert_slice
// CHECK:         } {autoglm.kernel = "depthwise"}
// CHECK-NOT:     linalg.
func.func @dw_tail(%x: tensor<1x4x8x20xf32>, %w: tensor<4x3x3xf32>, %b: tensor<4xf32>) -> tensor<1x4x8x20xf32> {
  %zero = arith.constant 0.0 : f32
  %six = arith.constant 6.0 : f32
  %p = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %zero : f32
  } : tensor<1x4x8x20xf32> to tensor<1x4x10x22xf32>
  %e = tensor.empty() : tensor<1x4x8x20xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x8x20xf32>) -> tensor<1x4x8x20xf32>
  %c = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%p, %w : tensor<1x4x10x22xf32>, tensor<4x3x3xf32>) outs(%f : tensor<1x4x8x20xf32>) -> tensor<1x4x8x20xf32>
  %t = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d1)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%b : tensor<4xf32>) outs(%c : tensor<1x4x8x20xf32>) {
  ^bb0(%v: f32, %out: f32):
    %s = arith.addf %out, %v : f32
    %y = arith.maximumf %s, %zero : f32
    %z = arith.minimumf %y, %six : f32
    linalg.yield %z : f32
  } -> tensor<1x4x8x20xf32>
  return %t : tensor<1x4x8x20xf32>
}

// Stride 2 without padding, two images: every row is read as twice the
// lanes and shuffled down to the even ones; the rows go R at a time in a
// loop (AVX-512: 2 blocks of 16 for 19 columns, 8 rows a step; AVX2: 3
// blocks of 8, 2 rows), the remainder after it.
// CHECK-LABEL: func.func @dw_stride2(
// CHECK:         scf.forall (%{{.+}}, %{{.+}}) in (2, 3) shared_outs(
// AVX512:          scf.for %{{.+}} = %c0 to %c24 step %c8 iter_args(
// AVX2:            scf.for %{{.+}} = %c0 to %c30 step %c2 iter_args(
// AVX512:            vector.transfer_read {{.+}} : tensor<2x3x64x40xf32>, vector<32xf32>
// AVX512-NEXT:       vector.shuffle %{{.+}}, %{{.+}} [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30] : vector<32xf32>, vector<32xf32>
// AVX2:              vector.transfer_read {{.+}} : tensor<2x3x64x40xf32>, vector<16xf32>
// AVX2-NEXT:         vector.shuffle %{{.+}}, %{{.+}} [0, 2, 4, 6, 8, 10, 12, 14] : vector<16xf32>, vector<16xf32>
// CHECK:             scf.yield
// CHECK:         } {autoglm.kernel = "depthwise"}
func.func @dw_stride2(%x: tensor<2x3x64x40xf32>, %w: tensor<3x3x3xf32>) -> tensor<2x3x31x19xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x3x31x19xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3x31x19xf32>) -> tensor<2x3x31x19xf32>
  %c = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%x, %w : tensor<2x3x64x40xf32>, tensor<3x3x3xf32>) outs(%f : tensor<2x3x31x19xf32>) -> tensor<2x3x31x19xf32>
  return %c : tensor<2x3x31x19xf32>
}

// A small map (MobileNetV3's 5x5 at 7x7, padding 2): no loop, the seven
// rows one step, so the FMAs of the rows interleave instead of waiting on
// each other; the taps that read the padding rows are left out (29 of the
// 35 row taps, 5 columns each: 145 FMAs with AVX-512, where a row is one
// vector), and every row is written after all of them.
// CHECK-LABEL: func.func @dw_small_map(
// CHECK:         scf.forall (%{{.+}}) in (8) shared_outs(
// CHECK-NOT:       scf.for {{.+}} iter_args
// AVX512-COUNT-145: vector.fma
// AVX512-NOT:      vector.fma
// AVX512-COUNT-7:  vector.transfer_write
// AVX512-NOT:      vector.fma
// CHECK:         } {autoglm.kernel = "depthwise"}
func.func @dw_small_map(%x: tensor<1x8x7x7xf32>, %w: tensor<8x5x5xf32>) -> tensor<1x8x7x7xf32> {
  %zero = arith.constant 0.0 : f32
  %p = tensor.pad %x low[0, 0, 2, 2] high[0, 0, 2, 2] {
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %zero : f32
  } : tensor<1x8x7x7xf32> to tensor<1x8x11x11xf32>
  %e = tensor.empty() : tensor<1x8x7x7xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x8x7x7xf32>) -> tensor<1x8x7x7xf32>
  %c = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%p, %w : tensor<1x8x11x11xf32>, tensor<8x5x5xf32>) outs(%f : tensor<1x8x7x7xf32>) -> tensor<1x8x7x7xf32>
  return %c : tensor<1x8x7x7xf32>
}

// Column strides above 4 and accumulators that do not start from a fill
// keep the loop nest.
// CHECK-LABEL: func.func @dw_stride5(
// CHECK-NOT:     scf.forall
// CHECK:         linalg.depthwise_conv_2d_nchw_chw
func.func @dw_stride5(%x: tensor<1x2x21x21xf32>, %w: tensor<2x3x3xf32>) -> tensor<1x2x4x4xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x2x4x4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %c = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<5> : tensor<2xi64>}
      ins(%x, %w : tensor<1x2x21x21xf32>, tensor<2x3x3xf32>) outs(%f : tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %c : tensor<1x2x4x4xf32>
}

// CHECK-LABEL: func.func @dw_no_fill(
// CHECK-NOT:     scf.forall
// CHECK:         linalg.depthwise_conv_2d_nchw_chw
func.func @dw_no_fill(%x: tensor<1x2x8x8xf32>, %w: tensor<2x3x3xf32>, %init: tensor<1x2x6x6xf32>) -> tensor<1x2x6x6xf32> {
  %c = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x2x8x8xf32>, tensor<2x3x3xf32>) outs(%init : tensor<1x2x6x6xf32>) -> tensor<1x2x6x6xf32>
  return %c : tensor<1x2x6x6xf32>
}

// A max pooling (YOLO's SPPF: 5x5, stride 1, padded with -inf by the
// lowering): the same kernel with no weight, each tap a vector maximum
// (arith.maximumf, NaN in NaN out as the loop nest), the padding read as
// -inf (the row's left overhang shuffled in with -inf, its end read
// masked with -inf), no padded copy.
// CHECK-LABEL: func.func @max_pool(
// CHECK-NOT:     tensor.pad
// CHECK:         scf.forall (%{{.+}}) in (3) shared_outs(
// AVX512:          vector.transfer_read %arg0[%c0, %{{.+}}, %{{.+}}, %c0], %[[NEGINF:.+]] {in_bounds = [true]} : tensor<1x3x20x20xf32>, vector<16xf32>
// AVX512:          vector.shuffle %{{.+}}, %{{.+}} [16, 16, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]
// AVX512:          arith.maximumf %{{.+}} : vector<16xf32>
// AVX2:            arith.maximumf %{{.+}} : vector<8xf32>
// CHECK-NOT:       vector.fma
// CHECK:           tensor.parallel_insert_slice
// CHECK:         } {autoglm.kernel = "pooling"}
// CHECK-NOT:     linalg.
func.func @max_pool(%x: tensor<1x3x20x20xf32>) -> tensor<1x3x20x20xf32> {
  %neginf = arith.constant 0xFF800000 : f32
  %p = tensor.pad %x low[0, 0, 2, 2] high[0, 0, 2, 2] {
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %neginf : f32
  } : tensor<1x3x20x20xf32> to tensor<1x3x24x24xf32>
  %e = tensor.empty() : tensor<1x3x20x20xf32>
  %f = linalg.fill ins(%neginf : f32) outs(%e : tensor<1x3x20x20xf32>) -> tensor<1x3x20x20xf32>
  %w = tensor.empty() : tensor<5x5xf32>
  %m = linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%p, %w : tensor<1x3x24x24xf32>, tensor<5x5xf32>) outs(%f : tensor<1x3x20x20xf32>) -> tensor<1x3x20x20xf32>
  return %m : tensor<1x3x20x20xf32>
}

// A sum pooling (an average pooling's sum; the division by the counts
// stays a generic after it), stride 2 with zero padding: vector additions
// of rows read twice as wide and shuffled down to every other lane.
// CHECK-LABEL: func.func @sum_pool_stride2(
// CHECK-NOT:     tensor.pad
// CHECK:         scf.forall
// AVX512:          vector.transfer_read {{.+}} : tensor<1x2x15x15xf32>, vector<32xf32>
// AVX512:          vector.shuffle
// AVX512:          arith.addf %{{.+}} : vector<16xf32>
// CHECK-NOT:       arith.maximumf
// CHECK:         } {autoglm.kernel = "pooling"}
// CHECK:         linalg.generic
// CHECK:           arith.divf
func.func @sum_pool_stride2(%x: tensor<1x2x15x15xf32>, %counts: tensor<8x8xf32>) -> tensor<1x2x8x8xf32> {
  %zero = arith.constant 0.0 : f32
  %p = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %zero : f32
  } : tensor<1x2x15x15xf32> to tensor<1x2x17x17xf32>
  %e = tensor.empty() : tensor<1x2x8x8xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %w = tensor.empty() : tensor<3x3xf32>
  %s = linalg.pooling_nchw_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%p, %w : tensor<1x2x17x17xf32>, tensor<3x3xf32>) outs(%f : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %a = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s, %counts : tensor<1x2x8x8xf32>, tensor<8x8xf32>) outs(%e : tensor<1x2x8x8xf32>) {
  ^bb0(%v: f32, %n: f32, %out: f32):
    %d = arith.divf %v, %n : f32
    linalg.yield %d : f32
  } -> tensor<1x2x8x8xf32>
  return %a : tensor<1x2x8x8xf32>
}

// A max pooling padded with something else than its fill (not what the
// lowering makes) keeps the padded copy: the kernel reads it as its input,
// with no padding of its own.
// CHECK-LABEL: func.func @max_pool_other_padding(
// CHECK:         %[[P:.+]] = tensor.pad
// CHECK:         scf.forall
// CHECK:           vector.transfer_read %[[P]]
// CHECK:         } {autoglm.kernel = "pooling"}
func.func @max_pool_other_padding(%x: tensor<1x3x8x8xf32>) -> tensor<1x3x8x8xf32> {
  %neginf = arith.constant 0xFF800000 : f32
  %zero = arith.constant 0.0 : f32
  %p = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %zero : f32
  } : tensor<1x3x8x8xf32> to tensor<1x3x10x10xf32>
  %e = tensor.empty() : tensor<1x3x8x8xf32>
  %f = linalg.fill ins(%neginf : f32) outs(%e : tensor<1x3x8x8xf32>) -> tensor<1x3x8x8xf32>
  %w = tensor.empty() : tensor<3x3xf32>
  %m = linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%p, %w : tensor<1x3x10x10xf32>, tensor<3x3xf32>) outs(%f : tensor<1x3x8x8xf32>) -> tensor<1x3x8x8xf32>
  return %m : tensor<1x3x8x8xf32>
}
