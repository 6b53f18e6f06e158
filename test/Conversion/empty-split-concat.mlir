// RUN: autoglm-opt %s --autoglm-lower-to-linalg | FileCheck %s

// An empty piece of a split (the unrotated rest of a RotaryEmbedding's
// exporter form over the whole head, `sizes = [8, 0]`) starts at the axis'
// end, where extract_slice / insert_slice reject the offset: it becomes an
// empty tensor, and an empty concat operand is skipped.
// CHECK-LABEL: func.func @empty_piece
// CHECK: %[[A:.*]] = tensor.extract_slice %{{.*}}[0, 0] [2, 8] [1, 1]
// CHECK-NOT: tensor.extract_slice
// CHECK: tensor.empty() : tensor<2x0xf32>
// CHECK: %[[OUT:.*]] = tensor.empty() : tensor<2x8xf32>
// CHECK: %[[R:.*]] = tensor.insert_slice %[[A]] into %[[OUT]][0, 0] [2, 8] [1, 1]
// CHECK-NOT: tensor.insert_slice
// CHECK: return %[[R]]
func.func @empty_piece(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %a:2 = autoglm.split %x {axis = 1 : i64, sizes = array<i64: 8, 0>} : (tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<2x0xf32>)
  %c = autoglm.concat %a#0, %a#1 {axis = 1 : i64} : (tensor<2x8xf32>, tensor<2x0xf32>) -> tensor<2x8xf32>
  return %c : tensor<2x8xf32>
}

// A slice with no elements may start at its axis' end (ONNX clamps a start
// of 1000 to the dimension, 10): it becomes an empty tensor as well.
// CHECK-LABEL: func.func @empty_slice
// CHECK-NOT: tensor.extract_slice
// CHECK: %[[E:.*]] = tensor.empty() : tensor<20x0x5xf32>
// CHECK: return %[[E]]
func.func @empty_slice(%x: tensor<20x10x5xf32>) -> tensor<20x0x5xf32> {
  %0 = autoglm.slice %x {ends = array<i64: 20, 10, 5>, starts = array<i64: 0, 10, 0>, steps = array<i64: 1, 1, 1>} : (tensor<20x10x5xf32>) -> tensor<20x0x5xf32>
  return %0 : tensor<20x0x5xf32>
}
