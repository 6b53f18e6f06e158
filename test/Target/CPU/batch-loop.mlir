// RUN: autoglm-opt %s --split-input-file --autoglm-cpu-batch-loop="min-image-bytes=4096" | FileCheck %s --check-prefixes=CHECK,ONE
// RUN: autoglm-opt %s --split-input-file --autoglm-cpu-batch-loop="min-image-bytes=4096 threads=4" | FileCheck %s --check-prefixes=CHECK,FOUR
// RUN: autoglm-opt %s --split-input-file --autoglm-cpu-batch-loop="min-image-bytes=4096 threads=16" | FileCheck %s --check-prefix=MANY
// RUN: autoglm-opt %s --split-input-file --autoglm-cpu-batch-loop="min-image-bytes=4096 max-loop-weight-bytes=2500" | FileCheck %s --check-prefix=CAP

// A CNN's first kernels at batch 4: a strided convolution with its Clip, a
// depthwise convolution, and a 1x1 convolution with a residual Add run
// image by image in an scf.for over the batch, at 1 x C x H x W (the
// test lowers min-image-bytes to 4 KiB, so that its tensors stay small).
// The last convolution, a kernel over the whole image whose weights (128 x
// 16 x 16 x 16 f32, 2 MiB) are more than 16 times its activations of one
// image (16.5 KiB), keeps the batch and reads the loop's result. Built
// for 4 threads, which divide the batch, the loop deals its images to 4
// lanes (autoglm.batch_lanes); built for one, it has none.
// CHECK-LABEL: func.func @prefix
// CHECK:         %[[EMPTY:.*]] = tensor.empty() : tensor<4x16x16x16xf32>
// CHECK:         %[[LOOP:.*]] = scf.for %[[N:.*]] = %c0 to %c4 step %c1 iter_args(%[[SLOTS:.*]] = %[[EMPTY]]) -> (tensor<4x16x16x16xf32>) {
// CHECK:           %[[IMAGE:.*]] = tensor.extract_slice %arg0[%[[N]], 0, 0, 0] [1, 3, 32, 32] [1, 1, 1, 1] : tensor<4x3x32x32xf32> to tensor<1x3x32x32xf32>
// CHECK:           %[[A:.*]] = autoglm.fused "contraction"(%[[IMAGE]], %{{.*}}, %{{.*}}) : (tensor<1x3x32x32xf32>, tensor<16x3x3x3xf32>, tensor<16xf32>) -> tensor<1x16x16x16xf32>
// CHECK:             ^bb0(%{{.*}}: tensor<1x3x32x32xf32>, %{{.*}}: tensor<16x3x3x3xf32>, %{{.*}}: tensor<16xf32>):
// CHECK:             autoglm.conv {{.*}} -> tensor<1x16x16x16xf32>
// CHECK:             autoglm.clip {{.*}} : tensor<1x16x16x16xf32>
// CHECK:           %[[B:.*]] = autoglm.fused "conv"(%[[A]], {{.*}}) -> tensor<1x16x16x16xf32>
// CHECK:           %[[C:.*]] = autoglm.fused "contraction"(%[[B]], %{{.*}}, %{{.*}}, %[[A]]) {{.*}} -> tensor<1x16x16x16xf32>
// CHECK:             autoglm.add {{.*}} -> tensor<1x16x16x16xf32>
// CHECK:           %[[PUT:.*]] = tensor.insert_slice %[[C]] into %[[SLOTS]][%[[N]], 0, 0, 0] [1, 16, 16, 16] [1, 1, 1, 1] : tensor<1x16x16x16xf32> into tensor<4x16x16x16xf32>
// CHECK:           scf.yield %[[PUT]]
// ONE:           } {autoglm.batch_loop}
// FOUR:          } {autoglm.batch_lanes = 4 : i64, autoglm.batch_loop}
// CHECK:         %[[D:.*]] = autoglm.fused "conv"(%[[LOOP]], {{.*}}) : (tensor<4x16x16x16xf32>, tensor<128x16x16x16xf32>, tensor<128xf32>) -> tensor<4x128x1x1xf32>
// CHECK:         return %[[D]]
// Built for 16 threads, the kernels keep the batch (each would have one
// image's parallel work for all the threads).
// MANY-LABEL: func.func @prefix
// MANY-NOT:     scf.for
// MANY:         autoglm.fused "contraction"({{.*}}) : (tensor<4x3x32x32xf32>,
// MANY-NOT:     scf.for
// MANY:         return
// Where the loop's weights may take 2500 bytes, it ends before the third
// kernel (its weights would make them 3.5 KB), which reads both of the
// loop's results.
// CAP-LABEL: func.func @prefix
// CAP:         %[[LOOP:.*]]:2 = scf.for {{.*}} -> (tensor<4x16x16x16xf32>, tensor<4x16x16x16xf32>) {
// CAP:           autoglm.fused "contraction"({{.*}}) : (tensor<1x3x32x32xf32>,
// CAP:           autoglm.fused "conv"({{.*}}) : (tensor<1x16x16x16xf32>,
// CAP:         } {autoglm.batch_loop}
// CAP:         autoglm.fused "contraction"(%[[LOOP]]#1, %{{.*}}, %{{.*}}, %[[LOOP]]#0) : (tensor<4x16x16x16xf32>,
func.func @prefix(%x: tensor<4x3x32x32xf32>) -> tensor<4x128x1x1xf32> {
  %w0 = autoglm.constant dense<0.1> : tensor<16x3x3x3xf32>
  %b0 = autoglm.constant dense<0.0> : tensor<16xf32>
  %w1 = autoglm.constant dense<0.1> : tensor<16x1x3x3xf32>
  %w2 = autoglm.constant dense<0.1> : tensor<16x16x1x1xf32>
  %w3 = autoglm.constant dense<0.1> : tensor<128x16x16x16xf32>
  %b3 = autoglm.constant dense<0.0> : tensor<128xf32>
  %a = autoglm.fused "contraction"(%x, %w0, %b0) : (tensor<4x3x32x32xf32>, tensor<16x3x3x3xf32>, tensor<16xf32>) -> tensor<4x16x16x16xf32> {
  ^bb0(%i: tensor<4x3x32x32xf32>, %w: tensor<16x3x3x3xf32>, %b: tensor<16xf32>):
    %c = autoglm.conv %i, %w, %b {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<4x3x32x32xf32>, tensor<16x3x3x3xf32>, tensor<16xf32>) -> tensor<4x16x16x16xf32>
    %r = autoglm.clip %c {max = 6.000000e+00 : f64, min = 0.000000e+00 : f64} : tensor<4x16x16x16xf32>
    autoglm.yield %r : tensor<4x16x16x16xf32>
  }
  %bb = autoglm.fused "conv"(%a, %w1, %b0) : (tensor<4x16x16x16xf32>, tensor<16x1x3x3xf32>, tensor<16xf32>) -> tensor<4x16x16x16xf32> {
  ^bb0(%i: tensor<4x16x16x16xf32>, %w: tensor<16x1x3x3xf32>, %b: tensor<16xf32>):
    %c = autoglm.conv %i, %w, %b {dilations = array<i64: 1, 1>, groups = 16 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<4x16x16x16xf32>, tensor<16x1x3x3xf32>, tensor<16xf32>) -> tensor<4x16x16x16xf32>
    autoglm.yield %c : tensor<4x16x16x16xf32>
  }
  %cc = autoglm.fused "contraction"(%bb, %w2, %b0, %a) : (tensor<4x16x16x16xf32>, tensor<16x16x1x1xf32>, tensor<16xf32>, tensor<4x16x16x16xf32>) -> tensor<4x16x16x16xf32> {
  ^bb0(%i: tensor<4x16x16x16xf32>, %w: tensor<16x16x1x1xf32>, %b: tensor<16xf32>, %res: tensor<4x16x16x16xf32>):
    %c = autoglm.conv %i, %w, %b {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<4x16x16x16xf32>, tensor<16x16x1x1xf32>, tensor<16xf32>) -> tensor<4x16x16x16xf32>
    %s = autoglm.add %res, %c : (tensor<4x16x16x16xf32>, tensor<4x16x16x16xf32>) -> tensor<4x16x16x16xf32>
    autoglm.yield %s : tensor<4x16x16x16xf32>
  }
  %d = autoglm.fused "conv"(%cc, %w3, %b3) : (tensor<4x16x16x16xf32>, tensor<128x16x16x16xf32>, tensor<128xf32>) -> tensor<4x128x1x1xf32> {
  ^bb0(%i: tensor<4x16x16x16xf32>, %w: tensor<128x16x16x16xf32>, %b: tensor<128xf32>):
    %c = autoglm.conv %i, %w, %b {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<4x16x16x16xf32>, tensor<128x16x16x16xf32>, tensor<128xf32>) -> tensor<4x128x1x1xf32>
    autoglm.yield %c : tensor<4x128x1x1xf32>
  }
  return %d : tensor<4x128x1x1xf32>
}

// -----

// A kernel with more bytes of weights than of activations of one image
// joins while it has at most 16 times as many: a strided convolution of
// 36 KiB of weights for 32 KiB of activations an image (3x3, 16 -> 64
// channels, 16x16 -> 8x8) runs in the loop after the ReLU. Built for 4
// threads, where a kernel's activations must be 4x its weights, it keeps
// the batch, and the ReLU alone makes no loop.
// CHECK-LABEL: func.func @weights_above_activations
// ONE:           scf.for {{.*}} -> (tensor<4x64x8x8xf32>) {
// ONE:             autoglm.fused "relu"({{.*}}) : (tensor<1x16x16x16xf32>)
// ONE:             autoglm.fused "conv"({{.*}}) : (tensor<1x16x16x16xf32>, tensor<64x16x3x3xf32>, tensor<64xf32>) -> tensor<1x64x8x8xf32>
// ONE:           } {autoglm.batch_loop}
// FOUR-NOT:      scf.for
// FOUR:          autoglm.fused "conv"({{.*}}) : (tensor<4x16x16x16xf32>, tensor<64x16x3x3xf32>, tensor<64xf32>) -> tensor<4x64x8x8xf32>
func.func @weights_above_activations(%x: tensor<4x16x16x16xf32>) -> tensor<4x64x8x8xf32> {
  %w = autoglm.constant dense<0.1> : tensor<64x16x3x3xf32>
  %b = autoglm.constant dense<0.0> : tensor<64xf32>
  %a = autoglm.fused "relu"(%x) : (tensor<4x16x16x16xf32>) -> tensor<4x16x16x16xf32> {
  ^bb0(%i: tensor<4x16x16x16xf32>):
    %r = autoglm.relu %i : tensor<4x16x16x16xf32>
    autoglm.yield %r : tensor<4x16x16x16xf32>
  }
  %c = autoglm.fused "conv"(%a, %w, %b) : (tensor<4x16x16x16xf32>, tensor<64x16x3x3xf32>, tensor<64xf32>) -> tensor<4x64x8x8xf32> {
  ^bb0(%i: tensor<4x16x16x16xf32>, %ww: tensor<64x16x3x3xf32>, %bb: tensor<64xf32>):
    %o = autoglm.conv %i, %ww, %bb {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<4x16x16x16xf32>, tensor<64x16x3x3xf32>, tensor<64xf32>) -> tensor<4x64x8x8xf32>
    autoglm.yield %o : tensor<4x64x8x8xf32>
  }
  return %c : tensor<4x64x8x8xf32>
}

// -----

// Batch 1: nothing to loop over.
// CHECK-LABEL: func.func @one_image
// CHECK-NOT:     scf.for
func.func @one_image(%x: tensor<1x16x16x16xf32>) -> tensor<1x16x16x16xf32> {
  %a = autoglm.fused "relu"(%x) : (tensor<1x16x16x16xf32>) -> tensor<1x16x16x16xf32> {
  ^bb0(%i: tensor<1x16x16x16xf32>):
    %r = autoglm.relu %i : tensor<1x16x16x16xf32>
    autoglm.yield %r : tensor<1x16x16x16xf32>
  }
  %b = autoglm.fused "relu"(%a) : (tensor<1x16x16x16xf32>) -> tensor<1x16x16x16xf32> {
  ^bb0(%i: tensor<1x16x16x16xf32>):
    %r = autoglm.relu %i : tensor<1x16x16x16xf32>
    autoglm.yield %r : tensor<1x16x16x16xf32>
  }
  return %b : tensor<1x16x16x16xf32>
}

// -----

// The prefix ends at the first kernel that mixes images: an Add of a
// constant with one value per image, and then a Concat along the batch
// (neither may run image by image). Before them, a Concat along the
// channels and an Add of a per-channel constant do join: the loop holds
// two kernels and yields both results the later kernels read.
// CHECK-LABEL: func.func @mixing
// CHECK:         %[[LOOP:.*]]:2 = scf.for {{.*}} -> (tensor<2x16x16x16xf32>, tensor<2x32x16x16xf32>) {
// CHECK:           autoglm.concat {{.*}} {axis = 1 : i64} : (tensor<1x16x16x16xf32>, tensor<1x16x16x16xf32>) -> tensor<1x32x16x16xf32>
// CHECK:           autoglm.add {{.*}} : (tensor<1x32x16x16xf32>, tensor<32x1x1xf32>) -> tensor<1x32x16x16xf32>
// CHECK:           scf.yield
// CHECK:         } {{{.*}}autoglm.batch_loop}
// CHECK:         autoglm.fused "add"(%[[LOOP]]#1, %{{.*}}) : (tensor<2x32x16x16xf32>, tensor<2x32x16x16xf32>)
// CHECK:         autoglm.fused "concat"(%[[LOOP]]#0, %{{.*}}) : (tensor<2x16x16x16xf32>, tensor<2x16x16x16xf32>) -> tensor<4x16x16x16xf32>
func.func @mixing(%x: tensor<2x16x16x16xf32>) -> (tensor<2x32x16x16xf32>, tensor<4x16x16x16xf32>) {
  %perChannel = autoglm.constant dense<1.0> : tensor<32x1x1xf32>
  %perImage = autoglm.constant dense<2.0> : tensor<2x32x16x16xf32>
  %a = autoglm.fused "relu"(%x) : (tensor<2x16x16x16xf32>) -> tensor<2x16x16x16xf32> {
  ^bb0(%i: tensor<2x16x16x16xf32>):
    %r = autoglm.relu %i : tensor<2x16x16x16xf32>
    autoglm.yield %r : tensor<2x16x16x16xf32>
  }
  %b = autoglm.fused "concat"(%a, %x, %perChannel) : (tensor<2x16x16x16xf32>, tensor<2x16x16x16xf32>, tensor<32x1x1xf32>) -> tensor<2x32x16x16xf32> {
  ^bb0(%i: tensor<2x16x16x16xf32>, %j: tensor<2x16x16x16xf32>, %c: tensor<32x1x1xf32>):
    %t = autoglm.concat %i, %j {axis = 1 : i64} : (tensor<2x16x16x16xf32>, tensor<2x16x16x16xf32>) -> tensor<2x32x16x16xf32>
    %s = autoglm.add %t, %c : (tensor<2x32x16x16xf32>, tensor<32x1x1xf32>) -> tensor<2x32x16x16xf32>
    autoglm.yield %s : tensor<2x32x16x16xf32>
  }
  %c = autoglm.fused "add"(%b, %perImage) : (tensor<2x32x16x16xf32>, tensor<2x32x16x16xf32>) -> tensor<2x32x16x16xf32> {
  ^bb0(%i: tensor<2x32x16x16xf32>, %j: tensor<2x32x16x16xf32>):
    %s = autoglm.add %i, %j : (tensor<2x32x16x16xf32>, tensor<2x32x16x16xf32>) -> tensor<2x32x16x16xf32>
    autoglm.yield %s : tensor<2x32x16x16xf32>
  }
  %d = autoglm.fused "concat"(%a, %a) : (tensor<2x16x16x16xf32>, tensor<2x16x16x16xf32>) -> tensor<4x16x16x16xf32> {
  ^bb0(%i: tensor<2x16x16x16xf32>, %j: tensor<2x16x16x16xf32>):
    %t = autoglm.concat %i, %j {axis = 0 : i64} : (tensor<2x16x16x16xf32>, tensor<2x16x16x16xf32>) -> tensor<4x16x16x16xf32>
    autoglm.yield %t : tensor<4x16x16x16xf32>
  }
  return %c, %d : tensor<2x32x16x16xf32>, tensor<4x16x16x16xf32>
}

// -----

// A single kernel that pays is left alone (the kernel's own loops already
// run image by image), and so is a prefix cut short by a kernel whose
// weights are more than 16 times its activations of one image (a kernel
// over the whole image: 4 MiB against 17 KiB).
// CHECK-LABEL: func.func @too_short
// CHECK-NOT:     scf.for
func.func @too_short(%x: tensor<2x16x16x16xf32>) -> tensor<2x256x1x1xf32> {
  %w = autoglm.constant dense<0.1> : tensor<256x16x16x16xf32>
  %b = autoglm.constant dense<0.0> : tensor<256xf32>
  %a = autoglm.fused "relu"(%x) : (tensor<2x16x16x16xf32>) -> tensor<2x16x16x16xf32> {
  ^bb0(%i: tensor<2x16x16x16xf32>):
    %r = autoglm.relu %i : tensor<2x16x16x16xf32>
    autoglm.yield %r : tensor<2x16x16x16xf32>
  }
  %c = autoglm.fused "conv"(%a, %w, %b) : (tensor<2x16x16x16xf32>, tensor<256x16x16x16xf32>, tensor<256xf32>) -> tensor<2x256x1x1xf32> {
  ^bb0(%i: tensor<2x16x16x16xf32>, %ww: tensor<256x16x16x16xf32>, %bb: tensor<256xf32>):
    %o = autoglm.conv %i, %ww, %bb {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<2x16x16x16xf32>, tensor<256x16x16x16xf32>, tensor<256xf32>) -> tensor<2x256x1x1xf32>
    autoglm.yield %o : tensor<2x256x1x1xf32>
  }
  return %c : tensor<2x256x1x1xf32>
}
