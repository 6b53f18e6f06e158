// RUN: autoglm-opt %s --split-input-file --autoglm-cpu-batch-loop="min-image-bytes=4096" | FileCheck %s
// RUN: autoglm-opt %s --split-input-file --autoglm-cpu-batch-loop="min-image-bytes=4096 threads=4" | FileCheck %s
// RUN: autoglm-opt %s --split-input-file --autoglm-cpu-batch-loop="min-image-bytes=4096 threads=16" | FileCheck %s --check-prefix=MANY

// A CNN's first kernels at batch 4: a strided convolution with its Clip, a
// depthwise convolution, and a 1x1 convolution with a residual Add run
// image by image in an scf.for over the batch, at 1 x C x H x W (the
// test lowers min-image-bytes to 4 KiB, so that its tensors stay small).
// The last convolution, whose weights (128 x 16 x 3 x 3 f32, 72 KiB) are
// more than a quarter of its activations of one image (48 KiB), keeps the
// batch and reads the loop's result.
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
// CHECK:         } {autoglm.batch_loop}
// CHECK:         %[[D:.*]] = autoglm.fused "conv"(%[[LOOP]], {{.*}}) : (tensor<4x16x16x16xf32>, tensor<128x16x3x3xf32>, tensor<128xf32>) -> tensor<4x128x8x8xf32>
// CHECK:         return %[[D]]
// Built for 16 threads, the kernels keep the batch (each would have one
// image's parallel work for all the threads).
// MANY-LABEL: func.func @prefix
// MANY-NOT:     scf.for
// MANY:         autoglm.fused "contraction"({{.*}}) : (tensor<4x3x32x32xf32>,
// MANY-NOT:     scf.for
// MANY:         return
func.func @prefix(%x: tensor<4x3x32x32xf32>) -> tensor<4x128x8x8xf32> {
  %w0 = autoglm.constant dense<0.1> : tensor<16x3x3x3xf32>
  %b0 = autoglm.constant dense<0.0> : tensor<16xf32>
  %w1 = autoglm.constant dense<0.1> : tensor<16x1x3x3xf32>
  %w2 = autoglm.constant dense<0.1> : tensor<16x16x1x1xf32>
  %w3 = autoglm.constant dense<0.1> : tensor<128x16x3x3xf32>
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
  %d = autoglm.fused "conv"(%cc, %w3, %b3) : (tensor<4x16x16x16xf32>, tensor<128x16x3x3xf32>, tensor<128xf32>) -> tensor<4x128x8x8xf32> {
  ^bb0(%i: tensor<4x16x16x16xf32>, %w: tensor<128x16x3x3xf32>, %b: tensor<128xf32>):
    %c = autoglm.conv %i, %w, %b {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<4x16x16x16xf32>, tensor<128x16x3x3xf32>, tensor<128xf32>) -> tensor<4x128x8x8xf32>
    autoglm.yield %c : tensor<4x128x8x8xf32>
  }
  return %d : tensor<4x128x8x8xf32>
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
// CHECK:         } {autoglm.batch_loop}
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
// weights outweigh its activations.
// CHECK-LABEL: func.func @too_short
// CHECK-NOT:     scf.for
func.func @too_short(%x: tensor<2x16x16x16xf32>) -> tensor<2x256x16x16xf32> {
  %w = autoglm.constant dense<0.1> : tensor<256x16x3x3xf32>
  %b = autoglm.constant dense<0.0> : tensor<256xf32>
  %a = autoglm.fused "relu"(%x) : (tensor<2x16x16x16xf32>) -> tensor<2x16x16x16xf32> {
  ^bb0(%i: tensor<2x16x16x16xf32>):
    %r = autoglm.relu %i : tensor<2x16x16x16xf32>
    autoglm.yield %r : tensor<2x16x16x16xf32>
  }
  %c = autoglm.fused "conv"(%a, %w, %b) : (tensor<2x16x16x16xf32>, tensor<256x16x3x3xf32>, tensor<256xf32>) -> tensor<2x256x16x16xf32> {
  ^bb0(%i: tensor<2x16x16x16xf32>, %ww: tensor<256x16x3x3xf32>, %bb: tensor<256xf32>):
    %o = autoglm.conv %i, %ww, %bb {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<2x16x16x16xf32>, tensor<256x16x3x3xf32>, tensor<256xf32>) -> tensor<2x256x16x16xf32>
    autoglm.yield %o : tensor<2x256x16x16xf32>
  }
  return %c : tensor<2x256x16x16xf32>
}
