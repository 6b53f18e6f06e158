// RUN: autoglm-opt %s --autoglm-graph-pipeline | FileCheck %s
// RUN: autoglm-opt %s --autoglm-graph-pipeline="disable=fuse" | FileCheck %s --check-prefix=NOFUSE
// RUN: autoglm-opt %s --autoglm-graph-pipeline="disable=fold-constants,fuse" | FileCheck %s --check-prefix=NOFOLD

// The graph phase from its input, the imported autoglm dialect: shapes are
// inferred, constants folded, the matmul's tail fused.
// CHECK-LABEL: func.func @main(%{{.*}}: tensor<2x3xf32>) -> tensor<2x4xf32>
// CHECK-NOT:     autoglm.transpose
// CHECK:         autoglm.fused "contraction"
// CHECK:           autoglm.matmul {{.*}} -> tensor<2x4xf32>
// CHECK:           autoglm.relu
// NOFUSE-LABEL: func.func @main
// NOFUSE-NOT:     autoglm.transpose
// NOFUSE-NOT:     autoglm.fused
// NOFUSE:         autoglm.matmul
// NOFOLD-LABEL: func.func @main
// NOFOLD:         autoglm.transpose
func.func @main(%x: tensor<2x3xf32>) -> tensor<?x?xf32> {
  %w = autoglm.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0], [1.0, 1.0, 1.0]]> : tensor<4x3xf32>
  %wt = autoglm.transpose %w, [1, 0] : (tensor<4x3xf32>) -> tensor<3x4xf32>
  %m = autoglm.matmul %x, %wt : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<?x?xf32>
  %r = autoglm.relu %m : tensor<?x?xf32>
  return %r : tensor<?x?xf32>
}
