// RUN: %lower-and-run | FileCheck %s

// grid_sample and roi_align lowered, compiled and run. Expected values:
// ONNX's reference implementation (onnx.reference), to the digits that
// float32 arithmetic keeps.

func.func private @printMemrefF32(memref<*xf32>)

func.func @print(%t: tensor<1x1x1x4xf32>) {
  %m = bufferization.to_buffer %t : tensor<1x1x1x4xf32> to memref<1x1x1x4xf32>
  %u = memref.cast %m : memref<1x1x1x4xf32> to memref<*xf32>
  call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  return
}

func.func @main() {
  %x = arith.constant dense<[[[[1.0, 2.0, 4.0], [8.0, 16.0, 32.0]]]]> : tensor<1x1x2x3xf32>
  // Points inside, near and past every border (x first, then y).
  %g = arith.constant dense<[[[[-1.3, -0.2], [0.4, 1.2], [1.7, -1.9], [0.05, 0.6]]]]> : tensor<1x1x4x2xf32>

  // Linear, zeros: taps outside weigh nothing.
  // CHECK: {{\[\[\[\[}}0.155{{[0-9]*}},   7.68{{[0-9]*}},   0,   15.48{{[0-9]*}}]]]]
  %a = autoglm.grid_sample linear %x, %g {padding = #autoglm<pad_mode constant>} : (tensor<1x1x2x3xf32>, tensor<1x1x4x2xf32>) -> tensor<1x1x1x4xf32>
  call @print(%a) : (tensor<1x1x1x4xf32>) -> ()

  // Linear, border: coordinates outside clamped to the edge elements.
  // CHECK: {{\[\[\[\[}}3.1{{[0-9]*}},   25.6{{[0-9]*}},   4,   17.2{{[0-9]*}}]]]]
  %b = autoglm.grid_sample linear %x, %g {padding = #autoglm<pad_mode edge>} : (tensor<1x1x2x3xf32>, tensor<1x1x4x2xf32>) -> tensor<1x1x1x4xf32>
  call @print(%b) : (tensor<1x1x1x4xf32>) -> ()

  // Cubic, reflection, align_corners: coordinates and taps mirrored at the
  // corner elements' centers.
  // CHECK: {{\[\[\[\[}}3.721{{[0-9]*}},   23.63{{[0-9]*}},   10.98{{[0-9]*}},   15.38{{[0-9]*}}]]]]
  %c = autoglm.grid_sample cubic %x, %g {align_corners, padding = #autoglm<pad_mode reflect>} : (tensor<1x1x2x3xf32>, tensor<1x1x4x2xf32>) -> tensor<1x1x1x4xf32>
  call @print(%c) : (tensor<1x1x1x4xf32>) -> ()

  // Cubic, zeros, align_corners.
  // CHECK: {{\[\[\[\[}}2.687{{[0-9]*}},   24.64{{[0-9]*}},   -0.1918{{[0-9]*}},   16.02{{[0-9]*}}]]]]
  %d = autoglm.grid_sample cubic %x, %g {align_corners, padding = #autoglm<pad_mode constant>} : (tensor<1x1x2x3xf32>, tensor<1x1x4x2xf32>) -> tensor<1x1x1x4xf32>
  call @print(%d) : (tensor<1x1x1x4xf32>) -> ()

  // Nearest (half to even), reflection at the outer edges.
  // CHECK: {{\[\[\[\[}}1,   32,   2,   16]]]]
  %e = autoglm.grid_sample nearest %x, %g {padding = #autoglm<pad_mode reflect>} : (tensor<1x1x2x3xf32>, tensor<1x1x4x2xf32>) -> tensor<1x1x1x4xf32>
  call @print(%e) : (tensor<1x1x1x4xf32>) -> ()

  // roi_align over a 4x5 image, two boxes (one partly outside), 2x2 bins,
  // adaptive sampling (ceil(bin size) samples per axis).
  %img = arith.constant dense<[[[[0.0, 0.25, 0.70710677, 1.2990381, 2.0], [2.795085, 3.6742346, 4.630065, 5.656854, 6.75], [7.905694, 9.120718, 10.392304, 11.718041, 13.0958], [14.523687, 16.0, 17.5232, 19.091883, 20.70477]]]]> : tensor<1x1x4x5xf32>
  %rois = arith.constant dense<[[0.5, 0.2, 3.7, 2.9], [-0.8, 1.0, 4.6, 4.4]]> : tensor<2x4xf32>
  %idx = arith.constant dense<[0, 0]> : tensor<2xi64>
  // CHECK: {{\[\[\[\[}}1.452{{[0-9]*}},   2.480{{[0-9]*}}],
  // CHECK-NEXT: {{\[}}7.449{{[0-9]*}},   9.347{{[0-9]*}}]]],
  // CHECK-NEXT: {{\[\[\[}}4.999{{[0-9]*}},   7.577{{[0-9]*}}],
  // CHECK-NEXT: {{\[}}13.75{{[0-9]*}},   17.34{{[0-9]*}}]]]]
  %avg = autoglm.roi_align avg %img, %rois, %idx {half_pixel, sampling_ratio = 0 : i64, spatial_scale = 1.0 : f64} : (tensor<1x1x4x5xf32>, tensor<2x4xf32>, tensor<2xi64>) -> tensor<2x1x2x2xf32>
  %m1 = bufferization.to_buffer %avg : tensor<2x1x2x2xf32> to memref<2x1x2x2xf32>
  %u1 = memref.cast %m1 : memref<2x1x2x2xf32> to memref<*xf32>
  call @printMemrefF32(%u1) : (memref<*xf32>) -> ()
  // Max: the largest weighted neighbour of any sample.
  // CHECK: {{\[\[\[\[}}2.604{{[0-9]*}},   3.118{{[0-9]*}}],
  // CHECK-NEXT: {{\[}}8.1{{[0-9]*}},   7.517{{[0-9]*}}]]],
  // CHECK-NEXT: {{\[\[\[}}5.731{{[0-9]*}},   9.494{{[0-9]*}}],
  // CHECK-NEXT: {{\[}}14.52{{[0-9]*}},   20.70{{[0-9]*}}]]]]
  %max = autoglm.roi_align max %img, %rois, %idx {sampling_ratio = 0 : i64, spatial_scale = 1.0 : f64} : (tensor<1x1x4x5xf32>, tensor<2x4xf32>, tensor<2xi64>) -> tensor<2x1x2x2xf32>
  %m2 = bufferization.to_buffer %max : tensor<2x1x2x2xf32> to memref<2x1x2x2xf32>
  %u2 = memref.cast %m2 : memref<2x1x2x2xf32> to memref<*xf32>
  call @printMemrefF32(%u2) : (memref<*xf32>) -> ()
  return
}
