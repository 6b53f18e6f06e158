// RUN: autoglm-opt %s -split-input-file -verify-diagnostics

func.func @grid_sample_coordinates(%x: tensor<1x3x8x8xf32>, %g: tensor<1x5x6x3xf32>) {
  // expected-error @+2 {{grid points have 3 coordinates; the input has 2 spatial dimensions}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.grid_sample linear %x, %g {padding = #autoglm<pad_mode constant>} : (tensor<1x3x8x8xf32>, tensor<1x5x6x3xf32>) -> tensor<1x3x5x6xf32>
  return
}

// -----

func.func @grid_sample_wrap(%x: tensor<1x3x8x8xf32>, %g: tensor<1x5x6x2xf32>) {
  // expected-error @+1 {{'autoglm.grid_sample' op padding must be constant (zeros), edge (border) or reflect (reflection)}}
  %0 = autoglm.grid_sample linear %x, %g {padding = #autoglm<pad_mode wrap>} : (tensor<1x3x8x8xf32>, tensor<1x5x6x2xf32>) -> tensor<1x3x5x6xf32>
  return
}

// -----

func.func @roi_align_boxes(%x: tensor<1x3x8x8xf32>, %rois: tensor<4x5xf32>, %b: tensor<4xi64>) {
  // expected-error @+1 {{'autoglm.roi_align' op rois must be R x 4}}
  %0 = autoglm.roi_align avg %x, %rois, %b {sampling_ratio = 2 : i64, spatial_scale = 1.0 : f64} : (tensor<1x3x8x8xf32>, tensor<4x5xf32>, tensor<4xi64>) -> tensor<4x3x2x2xf32>
  return
}

// -----

func.func @roi_align_result(%x: tensor<1x3x8x8xf32>, %rois: tensor<4x4xf32>, %b: tensor<4xi64>) {
  // expected-error @+1 {{'autoglm.roi_align' op result must be R x C x OH x OW with one batch index per box}}
  %0 = autoglm.roi_align avg %x, %rois, %b {sampling_ratio = 2 : i64, spatial_scale = 1.0 : f64} : (tensor<1x3x8x8xf32>, tensor<4x4xf32>, tensor<4xi64>) -> tensor<4x2x2x2xf32>
  return
}

// -----

func.func @bitcast_width(%x: tensor<4xf32>) {
  // expected-error @+1 {{'autoglm.bitcast' op needs element types of one width (not i1), not 'f32' and 'i64'}}
  %0 = autoglm.bitcast %x : tensor<4xf32> to tensor<4xi64>
  return
}
