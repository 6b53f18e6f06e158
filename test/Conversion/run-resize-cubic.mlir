// RUN: %lower-and-run | FileCheck %s

// Cubic resize lowered, compiled and run: [1, 2, 4, 8] to 6 values with
// half_pixel coordinates. Expected values: ONNX's reference implementation
// (onnx.reference), to the 4 digits after the point that match.

func.func private @printMemrefF32(memref<*xf32>)

func.func @main() {
  %x = arith.constant dense<[[[[1.0, 2.0, 4.0, 8.0]]]]> : tensor<1x1x1x4xf32>

  // A = -0.75 (the default); the neighbours past the edges read the edge.
  // CHECK: {{\[\[\[\[}}0.9131{{[0-9]*}},   1.3125,   2.3044{{[0-9]*}},   3.3831{{[0-9]*}},   6.1875,   8.3472{{[0-9]*}}]]]]
  %a = autoglm.resize cubic %x : (tensor<1x1x1x4xf32>) -> tensor<1x1x1x6xf32>
  %m_a = bufferization.to_buffer %a : tensor<1x1x1x6xf32> to memref<1x1x1x6xf32>
  %u_a = memref.cast %m_a : memref<1x1x1x6xf32> to memref<*xf32>
  call @printMemrefF32(%u_a) : (memref<*xf32>) -> ()

  // A = -0.5 with exclude_outside: the neighbours past the edges weigh
  // nothing and the others are renormalized.
  // CHECK: {{\[\[\[\[}}0.9342{{[0-9]*}},   1.3529{{[0-9]*}},   2.2523{{[0-9]*}},   3.5393{{[0-9]*}},   6.2352{{[0-9]*}},   8.2631{{[0-9]*}}]]]]
  %b = autoglm.resize cubic %x {cubic_coeff_a = -5.000000e-01 : f64, exclude_outside} : (tensor<1x1x1x4xf32>) -> tensor<1x1x1x6xf32>
  %m_b = bufferization.to_buffer %b : tensor<1x1x1x6xf32> to memref<1x1x1x6xf32>
  %u_b = memref.cast %m_b : memref<1x1x1x6xf32> to memref<*xf32>
  call @printMemrefF32(%u_b) : (memref<*xf32>) -> ()
  return
}
