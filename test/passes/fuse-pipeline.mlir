// RUN: autoglm-opt %s --emit=mlir | FileCheck %s --check-prefix=ON
// RUN: autoglm-opt %s --emit=mlir --disable-pass=fuse | FileCheck %s --check-prefix=OFF
// RUN: not autoglm-opt %s --emit=mlir --disable-pass=fusion 2>&1 | FileCheck %s --check-prefix=BAD

// --autoglm-fuse is in the default graph pipeline of --emit and can be left out.
// ON-LABEL:  func.func @main(
// ON:          autoglm.fused "contraction"
// ON:            autoglm.matmul
// ON-NEXT:       autoglm.relu
// OFF-LABEL: func.func @main(
// OFF-NOT:     autoglm.fused
// OFF:         autoglm.matmul
// OFF-NEXT:    autoglm.relu
// BAD: error: unknown --disable-pass=fusion (expected {{.*}}fuse{{.*}})
func.func @main(%a: tensor<4x8xf32>, %b: tensor<8x4xf32>) -> tensor<4x4xf32> {
  %m = autoglm.matmul %a, %b : (tensor<4x8xf32>, tensor<8x4xf32>) -> tensor<4x4xf32>
  %r = autoglm.relu %m : tensor<4x4xf32>
  return %r : tensor<4x4xf32>
}
