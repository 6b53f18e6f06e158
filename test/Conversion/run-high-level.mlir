// RUN: %lower-and-run | FileCheck %s

// attention, sparse_attention and quantize/dequantize lowered, compiled and
// run. Expected values: numpy references (softmax(Q K^T * scale + mask) V with
// grouped heads repeated; top-k by a stable argsort; np.round / np.clip for
// quantization), compared at 2e-5 and pasted.

func.func private @printMemrefF32(memref<*xf32>)
func.func private @printMemrefI64(memref<*xi64>)

func.func @main() {
  %Q = autoglm.constant dense<[[[[0.27, -0.46, -0.92, -0.97], [0.63, 0.83, 0.21, 0.46], [0.09, 0.87, 0.63, -0.99]], [[0.71, -0.93, 0.46, -0.65], [0.73, 0.08, -0.4, -0.15], [-0.94, -0.75, 0.34, 0.29]]]]> : tensor<1x2x3x4xf32>
  %K = autoglm.constant dense<[[[[0.23, -0.23, 0.99, 0.96], [0.37, 0.3, 0.38, -0.22], [-0.73, 0.44, 0.05, -0.38], [-0.03, 0.78, 0.87, -0.28]]]]> : tensor<1x1x4x4xf32>
  %M = autoglm.constant dense<[[true, true, false, true], [true, true, false, true], [true, true, false, true]]> : tensor<3x4xi1>
  %V = autoglm.constant dense<[[[[0.14, -0.36], [0.19, -0.32], [-0.22, 0.78], [-0.55, 0.25]]]]> : tensor<1x1x4x2xf32>
  %Xq = autoglm.constant dense<[-1.3, -0.26, 0.0, 0.24, 0.75, 70.0]> : tensor<6xf32>

  // two query heads share one key/value head; boolean mask hides key 2, causal: query i sees keys <= i + 1
  // CHECK: {{\[\[}}{{\[\[}}0.173958,     -0.332834],
  // CHECK-NEXT: [0.164108,     -0.340714],
  // CHECK-NEXT: [-0.179208,     -0.0496217]],
  // CHECK-NEXT: {{\[\[}}0.165581,     -0.339536],
  // CHECK-NEXT: [0.168512,     -0.337191],
  // CHECK-NEXT: [-0.0440079,     -0.175173]]]]
  %att = autoglm.attention %Q, %K, %V, %M {causal, scale = 0.5 : f64} : (tensor<1x2x3x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x2xf32>, tensor<3x4xi1>) -> tensor<1x2x3x2xf32>
  %m_att = bufferization.to_buffer %att : tensor<1x2x3x2xf32> to memref<1x2x3x2xf32>
  %u_att = memref.cast %m_att : memref<1x2x3x2xf32> to memref<*xf32>
  call @printMemrefF32(%u_att) : (memref<*xf32>) -> ()

  // query 0 sees only key 0, query 1 no key at all (ONNX: a fully masked row
  // gives 0, not NaN), query 2 only key 3
  // CHECK: {{\[\[}}{{\[\[}}0.14,     -0.36],
  // CHECK-NEXT: [0,     0],
  // CHECK-NEXT: [-0.55,     0.25]],
  // CHECK-NEXT: {{\[\[}}0.14,     -0.36],
  // CHECK-NEXT: [0,     0],
  // CHECK-NEXT: [-0.55,     0.25]]]]
  %M1 = autoglm.constant dense<[[true, false, false, false], [false, false, false, false], [false, false, false, true]]> : tensor<3x4xi1>
  %one = autoglm.attention %Q, %K, %V, %M1 {scale = 0.5 : f64} : (tensor<1x2x3x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x2xf32>, tensor<3x4xi1>) -> tensor<1x2x3x2xf32>
  %m_one = bufferization.to_buffer %one : tensor<1x2x3x2xf32> to memref<1x2x3x2xf32>
  %u_one = memref.cast %m_one : memref<1x2x3x2xf32> to memref<*xf32>
  call @printMemrefF32(%u_one) : (memref<*xf32>) -> ()

  // each query keeps its 2 best keys
  // CHECK: {{\[\[}}{{\[\[}}-0.0249756,     0.256764],
  // CHECK-NEXT: [-0.218603,     -0.042974],
  // CHECK-NEXT: [-0.312544,     0.0670946]],
  // CHECK-NEXT: {{\[\[}}0.16616,     -0.339072],
  // CHECK-NEXT: [-0.0997825,     -0.0967891],
  // CHECK-NEXT: [-0.0124707,     0.122824]]]]
  %sp = autoglm.sparse_attention %Q, %K, %V {scale = 1.0 : f64, top_k = 2 : i64} : (tensor<1x2x3x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x2xf32>) -> tensor<1x2x3x2xf32>
  %m_sp = bufferization.to_buffer %sp : tensor<1x2x3x2xf32> to memref<1x2x3x2xf32>
  %u_sp = memref.cast %m_sp : memref<1x2x3x2xf32> to memref<*xf32>
  call @printMemrefF32(%u_sp) : (memref<*xf32>) -> ()

  // quantize (scale 0.5, zero point 3, round half to even, clamp to i8) then dequantize: (q - 3) * 0.5
  // CHECK: [-1.5,  -0.5,  0,  0,  1,  62]
  %q = autoglm.quantize %Xq : tensor<6xf32> to tensor<6x!quant.uniform<i8:f32, 0.5:3>>
  %dq = autoglm.dequantize %q : tensor<6x!quant.uniform<i8:f32, 0.5:3>> to tensor<6xf32>
  %m_dq = bufferization.to_buffer %dq : tensor<6xf32> to memref<6xf32>
  %u_dq = memref.cast %m_dq : memref<6xf32> to memref<*xf32>
  call @printMemrefF32(%u_dq) : (memref<*xf32>) -> ()
  return
}
