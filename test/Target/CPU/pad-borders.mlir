// RUN: autoglm-opt %s --split-input-file --autoglm-pad-borders | FileCheck %s
// RUN: autoglm-opt %s --split-input-file --autoglm-pad-borders \
// RUN:   --one-shot-bufferize=bufferize-function-boundaries --cse \
// RUN:   --canonicalize --autoglm-memref-copy-to-linalg \
// RUN:   | FileCheck %s --check-prefix=BUF

// A MaxPool's -inf pad, asymmetric (1 low, 2 high in W), on 4 channels:
// plane by plane, each plane's border slabs filled (H's rows over all of W,
// then W's columns over the interior rows only: disjoint) and its interior
// copied once.
// CHECK-LABEL: func.func @maxpool_pad
// CHECK:         %[[NEG:.+]] = arith.constant 0xFF800000 : f32
// CHECK-NOT:     tensor.pad
// CHECK:         %[[E:.+]] = tensor.empty() : tensor<1x4x8x9xf32>
// CHECK:         scf.forall (%[[N:.+]], %[[C:.+]]) in (1, 4) shared_outs(%[[S:.+]] = %[[E]])
// CHECK:           %[[P:.+]] = tensor.extract_slice %[[S]][%[[N]], %[[C]], 0, 0] [1, 1, 8, 9]
// CHECK:           %[[T:.+]] = tensor.extract_slice %[[P]][0, 0, 0, 0] [1, 1, 1, 9]
// CHECK:           %[[TF:.+]] = linalg.fill ins(%[[NEG]] : f32) outs(%[[T]] : tensor<1x1x1x9xf32>)
// CHECK:           %[[P1:.+]] = tensor.insert_slice %[[TF]] into %[[P]][0, 0, 0, 0] [1, 1, 1, 9]
// CHECK:           tensor.extract_slice %[[P1]][0, 0, 7, 0] [1, 1, 1, 9]
// CHECK:           linalg.fill
// CHECK:           tensor.extract_slice %{{.+}}[0, 0, 1, 0] [1, 1, 6, 1]
// CHECK:           linalg.fill
// CHECK:           tensor.extract_slice %{{.+}}[0, 0, 1, 7] [1, 1, 6, 2]
// CHECK:           linalg.fill
// CHECK:           %[[X:.+]] = tensor.extract_slice %arg0[%[[N]], %[[C]], 0, 0] [1, 1, 6, 6]
// CHECK:           %[[R:.+]] = tensor.insert_slice %[[X]] into %{{.+}}[0, 0, 1, 1] [1, 1, 6, 6] [1, 1, 1, 1]
// CHECK:           tensor.parallel_insert_slice %[[R]] into %[[S]][%[[N]], %[[C]], 0, 0] [1, 1, 8, 9]
// After bufferization: in place, four fills of subviews and one copy (the
// interior); the copies of each slice onto itself that bufferization leaves
// fold away, as in the buffer-deallocation pipeline's canonicalization.
// BUF-LABEL: func.func @maxpool_pad
// BUF:         scf.forall
// BUF-COUNT-4: linalg.fill ins(%{{.+}} : f32) outs(%{{.+}} : memref<1x1x{{[0-9]+}}x{{[0-9]+}}xf32, strided<[288, 72, 9, 1]{{.*}}>>)
// BUF-NOT:     linalg.fill
// BUF:         linalg.copy ins(%{{.+}} : memref<1x1x6x6xf32, {{.+}}) outs(%{{.+}} : memref<1x1x6x6xf32, strided<[288, 72, 9, 1], offset: ?>>)
// BUF-NOT:     linalg.copy
// BUF-NOT:     memref.copy
// BUF:         return
func.func @maxpool_pad(%x: tensor<1x4x6x6xf32>) -> tensor<1x4x8x9xf32> {
  %c = arith.constant 0xFF800000 : f32
  %p = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 2] {
  ^bb0(%a: index, %b: index, %e: index, %f: index):
    tensor.yield %c : f32
  } : tensor<1x4x6x6xf32> to tensor<1x4x8x9xf32>
  return %p : tensor<1x4x8x9xf32>
}

// -----

// Pads of the channels (1 before, 2 after) are whole planes, filled before
// the plane loop, which runs over the source's channels only, each at its
// padded position.
// CHECK-LABEL: func.func @channel_pad
// CHECK:         %[[E:.+]] = tensor.empty() : tensor<1x5x4x5xf32>
// CHECK:         %[[A:.+]] = tensor.extract_slice %[[E]][0, 0, 0, 0] [1, 1, 4, 5]
// CHECK:         linalg.fill {{.+}} outs(%[[A]] : tensor<1x1x4x5xf32>)
// CHECK:         tensor.extract_slice %{{.+}}[0, 3, 0, 0] [1, 2, 4, 5]
// CHECK:         linalg.fill
// CHECK:         scf.forall (%[[N:.+]], %[[C:.+]]) in (1, 2)
// CHECK:           %[[PC:.+]] = affine.apply #{{.+}}(%[[C]])
// CHECK:           tensor.extract_slice %{{.+}}[%[[N]], %[[PC]], 0, 0] [1, 1, 4, 5]
// CHECK:           tensor.extract_slice %{{.+}}[0, 0, 3, 0] [1, 1, 1, 5]
// CHECK:           tensor.extract_slice %{{.+}}[0, 0, 0, 0] [1, 1, 3, 1]
// CHECK:           tensor.extract_slice %arg0[%[[N]], %[[C]], 0, 0] [1, 1, 3, 4]
// CHECK:           tensor.insert_slice %{{.+}} into %{{.+}}[0, 0, 0, 1] [1, 1, 3, 4]
// CHECK:           tensor.parallel_insert_slice %{{.+}} into %{{.+}}[%[[N]], %[[PC]], 0, 0] [1, 1, 4, 5]
// BUF-LABEL: func.func @channel_pad
// BUF-NOT:     memref.copy
// BUF:         return
func.func @channel_pad(%x: tensor<1x2x3x4xf32>) -> tensor<1x5x4x5xf32> {
  %c = arith.constant 0.0 : f32
  %p = tensor.pad %x low[0, 1, 0, 1] high[0, 2, 1, 0] {
  ^bb0(%a: index, %b: index, %e: index, %f: index):
    tensor.yield %c : f32
  } : tensor<1x2x3x4xf32> to tensor<1x5x4x5xf32>
  return %p : tensor<1x5x4x5xf32>
}

// -----

// Two dimensions (no plane loop): pads only at the high end of one
// dimension, and wider than the source (5 > 2): one slab.
// CHECK-LABEL: func.func @high_only
// CHECK-NOT:     scf.forall
// CHECK:         tensor.extract_slice %{{.+}}[0, 2] [3, 5]
// CHECK:         linalg.fill
// CHECK-NOT:     linalg.fill
// CHECK:         tensor.insert_slice %arg0 into %{{.+}}[0, 0] [3, 2] [1, 1]
// BUF-LABEL: func.func @high_only
func.func @high_only(%x: tensor<3x2xf32>) -> tensor<3x7xf32> {
  %c = arith.constant 0.0 : f32
  %p = tensor.pad %x low[0, 0] high[0, 5] {
  ^bb0(%a: index, %b: index):
    tensor.yield %c : f32
  } : tensor<3x2xf32> to tensor<3x7xf32>
  return %p : tensor<3x7xf32>
}

// -----

// A padding value that depends on the position is not a fill: left alone.
// CHECK-LABEL: func.func @not_constant
// CHECK:         tensor.pad
// BUF-LABEL: func.func @not_constant
func.func @not_constant(%x: tensor<3x2xf32>) -> tensor<3x4xf32> {
  %p = tensor.pad %x low[0, 1] high[0, 1] {
  ^bb0(%a: index, %b: index):
    %i = arith.index_cast %b : index to i32
    %f = arith.sitofp %i : i32 to f32
    tensor.yield %f : f32
  } : tensor<3x2xf32> to tensor<3x4xf32>
  return %p : tensor<3x4xf32>
}
