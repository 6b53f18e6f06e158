// RUN: autoglm-opt %s --autoglm-cpu-codegen-pipeline | FileCheck %s
// RUN: autoglm-opt %s --autoglm-cpu-codegen-pipeline="plan-memory=false" | FileCheck %s --check-prefix=NOPLAN

// The CPU's code generation from its input, linalg on tensors: the LLVM
// dialect: main takes the input, the output, the planned workspace (unless
// memory planning is off) and the runtime's execution context.
// CHECK: module attributes {autoglm.workspace = #autoglm.workspace<bytes = {{[0-9]+}}>}
// CHECK: llvm.func @main(%arg0: !llvm.ptr, %arg1: !llvm.ptr, %arg2: !llvm.ptr, %arg3: !llvm.ptr) {
// CHECK-NOT: linalg.
// NOPLAN-NOT: autoglm.workspace
// NOPLAN: llvm.func @main(%arg0: !llvm.ptr, %arg1: !llvm.ptr, %arg2: !llvm.ptr) {
#map = affine_map<(d0, d1) -> (d0, d1)>
func.func @main(%a: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %e = tensor.empty() : tensor<4x4xf32>
  %x = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%a : tensor<4x4xf32>) outs(%e : tensor<4x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = math.exp %in : f32
    linalg.yield %s : f32
  } -> tensor<4x4xf32>
  %e2 = tensor.empty() : tensor<4x4xf32>
  %y = linalg.generic {indexing_maps = [#map, #map, #map], iterator_types = ["parallel", "parallel"]} ins(%x, %a : tensor<4x4xf32>, tensor<4x4xf32>) outs(%e2 : tensor<4x4xf32>) {
  ^bb0(%in: f32, %in2: f32, %out: f32):
    %s = arith.addf %in, %in2 : f32
    linalg.yield %s : f32
  } -> tensor<4x4xf32>
  %e3 = tensor.empty() : tensor<4x4xf32>
  %z = linalg.transpose ins(%y : tensor<4x4xf32>) outs(%e3 : tensor<4x4xf32>) permutation = [1, 0]
  return %z : tensor<4x4xf32>
}
