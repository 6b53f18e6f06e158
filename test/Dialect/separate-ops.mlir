// RUN: autoglm-opt %s | autoglm-opt | FileCheck %s
// RUN: autoglm-opt %s --mlir-print-op-generic | autoglm-opt | FileCheck %s

// The ops of SeparateOps.td round-trip like the others: grid_sample infers
// N x C x grid points; roi_align takes its bins from the result type;
// bitcast keeps the shape.

// CHECK-LABEL: func.func @grid_sample_roi_align(
// CHECK-NEXT:    %0 = autoglm.grid_sample linear %arg0, %arg1 {align_corners, padding = #autoglm<pad_mode reflect>} : (tensor<2x3x8x8xf32>, tensor<2x5x6x2xf32>) -> tensor<2x3x5x6xf32>
// CHECK-NEXT:    %1 = autoglm.grid_sample nearest %arg2, %arg3 {padding = #autoglm<pad_mode constant>} : (tensor<1x2x4x4x4xf16>, tensor<1x3x3x3x3xf32>) -> tensor<1x2x3x3x3xf16>
// CHECK-NEXT:    %2 = autoglm.roi_align max %arg0, %arg4, %arg5 {half_pixel, sampling_ratio = 0 : i64, spatial_scale = 2.500000e-01 : f64} : (tensor<2x3x8x8xf32>, tensor<4x4xf32>, tensor<4xi64>) -> tensor<4x3x2x2xf32>
func.func @grid_sample_roi_align(%x: tensor<2x3x8x8xf32>, %g: tensor<2x5x6x2xf32>, %v: tensor<1x2x4x4x4xf16>, %h: tensor<1x3x3x3x3xf32>, %rois: tensor<4x4xf32>, %b: tensor<4xi64>) -> (tensor<2x3x5x6xf32>, tensor<1x2x3x3x3xf16>, tensor<4x3x2x2xf32>) {
  %0 = autoglm.grid_sample linear %x, %g {align_corners, padding = #autoglm<pad_mode reflect>} : (tensor<2x3x8x8xf32>, tensor<2x5x6x2xf32>) -> tensor<2x3x5x6xf32>
  %1 = autoglm.grid_sample nearest %v, %h {padding = #autoglm<pad_mode constant>} : (tensor<1x2x4x4x4xf16>, tensor<1x3x3x3x3xf32>) -> tensor<1x2x3x3x3xf16>
  %2 = autoglm.roi_align max %x, %rois, %b {half_pixel, sampling_ratio = 0 : i64, spatial_scale = 0.25 : f64} : (tensor<2x3x8x8xf32>, tensor<4x4xf32>, tensor<4xi64>) -> tensor<4x3x2x2xf32>
  return %0, %1, %2 : tensor<2x3x5x6xf32>, tensor<1x2x3x3x3xf16>, tensor<4x3x2x2xf32>
}

// CHECK-LABEL: func.func @bitcast(
// CHECK-NEXT:    %0 = autoglm.bitcast %arg0 : tensor<2x?xf32> to tensor<2x?xi32>
// CHECK-NEXT:    %1 = autoglm.bitcast %arg1 : tensor<3xui16> to tensor<3xbf16>
func.func @bitcast(%a: tensor<2x?xf32>, %b: tensor<3xui16>) -> (tensor<2x?xi32>, tensor<3xbf16>) {
  %0 = autoglm.bitcast %a : tensor<2x?xf32> to tensor<2x?xi32>
  %1 = autoglm.bitcast %b : tensor<3xui16> to tensor<3xbf16>
  return %0, %1 : tensor<2x?xi32>, tensor<3xbf16>
}
