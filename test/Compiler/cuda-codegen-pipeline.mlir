// RUN: autoglm-opt %s --autoglm-cuda-codegen-pipeline="weights-file=%t.weights gpu-arch=sm_80,sm_90a" | FileCheck %s

// The CUDA target's code generation from its input, linalg on tensors: the
// host keeps only buffers (inputs, outputs, the weights data, the planned
// workspace) and launches; each computation is a kernel named after its
// ONNX node, in one gpu.module, and the binary holds the PTX of each
// architecture asked for.
// CHECK: module attributes {autoglm.weights = #autoglm.weights<file = "{{.*}}.weights", bytes = 64, fingerprint = {{[0-9]+}}>, autoglm.workspace = #autoglm.workspace<bytes = {{[0-9]+}}>, gpu.container_module}
// CHECK-LABEL: func.func @main(
// CHECK-SAME: %[[IN:[a-z0-9]+]]: memref<4x8xf32>, %[[OUT:[a-z0-9]+]]: memref<8xf32>, %[[W:[a-z0-9]+]]: memref<64xi8>, %[[WS:[a-z0-9]+]]: memref<{{[0-9]+}}xi8>)
// CHECK-NOT: linalg.
// The exponential: 32 elements, 4 consecutive ones (16 bytes) a thread;
// and the column sum's output set to zero, which is independent of it:
// one launch of two 256-thread blocks, one for each loop.
// CHECK: gpu.launch_func  @autoglm_kernels::@k0_exp blocks in (%c2, %c1, %c1) threads in (%c256, %c1, %c1) args(%[[IN]] : memref<4x8xf32>, %{{.*}} : memref<4x8xf32>, %{{.*}} : memref<8xf32>)
// The column sum reduces over dimension 0: its 8 columns are the threads,
// 4 consecutive ones a thread, each a sequential loop over the 4 rows
// (shorter than a row that gets a warp).
// CHECK: gpu.launch_func  @autoglm_kernels::@k1_sum blocks in (%c1, %c1, %c1) threads in (%c2, %c1, %c1)
// The bias comes from the weights; the result is written into the output's
// own buffer (the function's result became that out-parameter), so
// nothing is copied after the last kernel.
// CHECK: %[[BIAS:.*]] = memref.view %[[W]][%{{.*}}][] : memref<64xi8> to memref<8xf32>
// CHECK: gpu.launch_func  @autoglm_kernels::@k2_bias {{.*}} args(%{{.*}} : memref<8xf32>, %[[BIAS]] : memref<8xf32>, %[[OUT]] : memref<8xf32>)
// CHECK-NOT: memref.copy
// CHECK: gpu.binary @autoglm_kernels [#gpu.object<#nvvm.target<O = 3, chip = "sm_80", features = "+ptx80">, {{.*}}assembly = "{{.*}}.target sm_80{{.*}}.visible .entry k0_exp({{.*}}">, #gpu.object<#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">, {{.*}}.target sm_90a{{.*}}">]
// CHECK-NOT: gpu.module
#id = affine_map<(d0, d1) -> (d0, d1)>
#col = affine_map<(d0, d1) -> (d1)>
#vec = affine_map<(d0) -> (d0)>
func.func @main(%a: tensor<4x8xf32>) -> tensor<8xf32> {
  %e = tensor.empty() : tensor<4x8xf32>
  %x = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%a : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = math.exp %in : f32
    linalg.yield %s : f32
  } -> tensor<4x8xf32> loc("exp")
  %zero = arith.constant 0.0 : f32
  %e2 = tensor.empty() : tensor<8xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e2 : tensor<8xf32>) -> tensor<8xf32> loc("sum")
  // Reduction first in iteration order: interchanged so the column is the
  // parallel (thread) dimension.
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>], iterator_types = ["reduction", "parallel"]} ins(%x : tensor<4x8xf32>) outs(%init : tensor<8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %out : f32
    linalg.yield %s : f32
  } -> tensor<8xf32> loc("sum")
  %bias = arith.constant dense<[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]> : tensor<8xf32>
  %e3 = tensor.empty() : tensor<8xf32>
  %y = linalg.generic {indexing_maps = [#vec, #vec, #vec], iterator_types = ["parallel"]} ins(%r, %bias : tensor<8xf32>, tensor<8xf32>) outs(%e3 : tensor<8xf32>) {
  ^bb0(%in: f32, %b: f32, %out: f32):
    %s = arith.addf %in, %b : f32
    linalg.yield %s : f32
  } -> tensor<8xf32> loc("bias")
  return %y : tensor<8xf32>
}
