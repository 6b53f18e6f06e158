// RUN: autoglm-opt %s --split-input-file --autoglm-cpu-batch-loop-in-place | FileCheck %s
// RUN: autoglm-opt %s --split-input-file --autoglm-cpu-batch-loop-in-place --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --autoglm-memref-copy-to-linalg | FileCheck %s --check-prefix=BUF

// An image's 1x1 convolution as its product ([C, H*W]) expanded into the
// image ([1, C, H, W]) and inserted into the loop's carried batch: the
// product's empty destination becomes the slot, an extract_slice of the
// carried tensor collapsed to the product's shape. Bufferized, the product
// writes into a view of the batch's buffer, no buffer of its own is
// allocated in the loop, and the insert's copy (the slot onto itself) goes.
// CHECK-LABEL: func.func @product_into_slot
// CHECK: scf.for %[[N:.*]] = %c0 to %c2 step %c1 iter_args(%[[SLOTS:.*]] = %{{.*}})
// CHECK-NOT: tensor.empty
// CHECK: %[[SLOT:.*]] = tensor.extract_slice %[[SLOTS]][%[[N]], 0, 0, 0] [1, 4, 2, 2] [1, 1, 1, 1]
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %[[SLOT]] {{\[\[}}0, 1], [2, 3]] : tensor<1x4x2x2xf32> into tensor<4x4xf32>
// CHECK: %[[ZERO:.*]] = linalg.fill ins(%{{.*}}) outs(%[[FLAT]] : tensor<4x4xf32>)
// CHECK: linalg.matmul {{.*}} outs(%[[ZERO]] : tensor<4x4xf32>)
// CHECK: tensor.insert_slice %{{.*}} into %[[SLOTS]][%[[N]], 0, 0, 0]
// BUF-LABEL: func.func @product_into_slot
// BUF: scf.for
// BUF-NOT: memref.alloc
// BUF-NOT: memref.copy
// BUF-NOT: linalg.copy
// BUF: linalg.matmul
// BUF-NOT: memref.copy
// BUF-NOT: linalg.copy
// BUF: } {autoglm.batch_loop}
func.func @product_into_slot(%x: tensor<2x8x2x2xf32>, %w: tensor<4x8xf32>) -> tensor<2x4x2x2xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %zero = arith.constant 0.0 : f32
  %batch = tensor.empty() : tensor<2x4x2x2xf32>
  %r = scf.for %n = %c0 to %c2 step %c1 iter_args(%slots = %batch) -> (tensor<2x4x2x2xf32>) {
    %image = tensor.extract_slice %x[%n, 0, 0, 0] [1, 8, 2, 2] [1, 1, 1, 1] : tensor<2x8x2x2xf32> to tensor<1x8x2x2xf32>
    %in = tensor.collapse_shape %image [[0, 1], [2, 3]] : tensor<1x8x2x2xf32> into tensor<8x4xf32>
    %empty = tensor.empty() : tensor<4x4xf32>
    %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<4x4xf32>) -> tensor<4x4xf32>
    %p = linalg.matmul ins(%w, %in : tensor<4x8xf32>, tensor<8x4xf32>) outs(%init : tensor<4x4xf32>) -> tensor<4x4xf32>
    %out = tensor.expand_shape %p [[0, 1], [2, 3]] output_shape [1, 4, 2, 2] : tensor<4x4xf32> into tensor<1x4x2x2xf32>
    %put = tensor.insert_slice %out into %slots[%n, 0, 0, 0] [1, 4, 2, 2] [1, 1, 1, 1] : tensor<1x4x2x2xf32> into tensor<2x4x2x2xf32>
    scf.yield %put : tensor<2x4x2x2xf32>
  } {autoglm.batch_loop}
  return %r : tensor<2x4x2x2xf32>
}

// -----

// The product's value before its tail (the bias) is read by another op
// too: computed in the slot, the tail would overwrite what that op reads,
// so the chain is left as it is. So is a loop without the batch-loop mark.
// CHECK-LABEL: func.func @read_midway
// CHECK: tensor.empty() : tensor<4x4xf32>
// CHECK-NOT: tensor.extract_slice %{{.*}}[%{{.*}}, 0, 0, 0] [1, 4, 2, 2]
// CHECK-LABEL: func.func @unmarked_loop
// CHECK: tensor.empty() : tensor<4x4xf32>
// CHECK-NOT: tensor.extract_slice %{{.*}}[%{{.*}}, 0, 0, 0] [1, 4, 2, 2]
func.func @read_midway(%x: tensor<2x8x2x2xf32>, %w: tensor<4x8xf32>, %b: tensor<4x4xf32>) -> (tensor<2x4x2x2xf32>, tensor<4x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %zero = arith.constant 0.0 : f32
  %batch = tensor.empty() : tensor<2x4x2x2xf32>
  %side0 = tensor.empty() : tensor<4x4xf32>
  %r:2 = scf.for %n = %c0 to %c2 step %c1 iter_args(%slots = %batch, %side = %side0) -> (tensor<2x4x2x2xf32>, tensor<4x4xf32>) {
    %image = tensor.extract_slice %x[%n, 0, 0, 0] [1, 8, 2, 2] [1, 1, 1, 1] : tensor<2x8x2x2xf32> to tensor<1x8x2x2xf32>
    %in = tensor.collapse_shape %image [[0, 1], [2, 3]] : tensor<1x8x2x2xf32> into tensor<8x4xf32>
    %empty = tensor.empty() : tensor<4x4xf32>
    %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<4x4xf32>) -> tensor<4x4xf32>
    %p = linalg.matmul ins(%w, %in : tensor<4x8xf32>, tensor<8x4xf32>) outs(%init : tensor<4x4xf32>) -> tensor<4x4xf32>
    %biased = linalg.add ins(%p, %b : tensor<4x4xf32>, tensor<4x4xf32>) outs(%p : tensor<4x4xf32>) -> tensor<4x4xf32>
    %copy = linalg.copy ins(%p : tensor<4x4xf32>) outs(%side : tensor<4x4xf32>) -> tensor<4x4xf32>
    %out = tensor.expand_shape %biased [[0, 1], [2, 3]] output_shape [1, 4, 2, 2] : tensor<4x4xf32> into tensor<1x4x2x2xf32>
    %put = tensor.insert_slice %out into %slots[%n, 0, 0, 0] [1, 4, 2, 2] [1, 1, 1, 1] : tensor<1x4x2x2xf32> into tensor<2x4x2x2xf32>
    scf.yield %put, %copy : tensor<2x4x2x2xf32>, tensor<4x4xf32>
  } {autoglm.batch_loop}
  return %r#0, %r#1 : tensor<2x4x2x2xf32>, tensor<4x4xf32>
}
func.func @unmarked_loop(%x: tensor<2x8x2x2xf32>, %w: tensor<4x8xf32>) -> tensor<2x4x2x2xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %zero = arith.constant 0.0 : f32
  %batch = tensor.empty() : tensor<2x4x2x2xf32>
  %r = scf.for %n = %c0 to %c2 step %c1 iter_args(%slots = %batch) -> (tensor<2x4x2x2xf32>) {
    %image = tensor.extract_slice %x[%n, 0, 0, 0] [1, 8, 2, 2] [1, 1, 1, 1] : tensor<2x8x2x2xf32> to tensor<1x8x2x2xf32>
    %in = tensor.collapse_shape %image [[0, 1], [2, 3]] : tensor<1x8x2x2xf32> into tensor<8x4xf32>
    %empty = tensor.empty() : tensor<4x4xf32>
    %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<4x4xf32>) -> tensor<4x4xf32>
    %p = linalg.matmul ins(%w, %in : tensor<4x8xf32>, tensor<8x4xf32>) outs(%init : tensor<4x4xf32>) -> tensor<4x4xf32>
    %out = tensor.expand_shape %p [[0, 1], [2, 3]] output_shape [1, 4, 2, 2] : tensor<4x4xf32> into tensor<1x4x2x2xf32>
    %put = tensor.insert_slice %out into %slots[%n, 0, 0, 0] [1, 4, 2, 2] [1, 1, 1, 1] : tensor<1x4x2x2xf32> into tensor<2x4x2x2xf32>
    scf.yield %put : tensor<2x4x2x2xf32>
  }
  return %r : tensor<2x4x2x2xf32>
}
