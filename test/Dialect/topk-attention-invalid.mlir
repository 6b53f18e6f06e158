// RUN: autoglm-opt %s -split-input-file -verify-diagnostics

func.func @top_k_zero(%q: tensor<1x2x1x8xf32>, %k: tensor<1x2x32x8xf32>) {
  // expected-error @+1 {{'autoglm.topk_attention' op top_k must be positive, got 0}}
  %0 = autoglm.topk_attention %q, %k, %k {scale = 1.0 : f64, top_k = 0 : i64, sink = 0 : i64, window = 0 : i64} : (tensor<1x2x1x8xf32>, tensor<1x2x32x8xf32>, tensor<1x2x32x8xf32>) -> tensor<1x2x1x8xf32>
  return
}

// -----

func.func @negative_top_k(%q: tensor<1x2x1x8xf32>, %k: tensor<1x2x32x8xf32>) {
  // expected-error @+1 {{'autoglm.topk_attention' op top_k must be positive, got -2}}
  %0 = autoglm.topk_attention %q, %k, %k {scale = 1.0 : f64, top_k = -2 : i64, sink = 0 : i64, window = 0 : i64} : (tensor<1x2x1x8xf32>, tensor<1x2x32x8xf32>, tensor<1x2x32x8xf32>) -> tensor<1x2x1x8xf32>
  return
}

// -----

func.func @negative_sink(%q: tensor<1x2x1x8xf32>, %k: tensor<1x2x32x8xf32>) {
  // expected-error @+1 {{'autoglm.topk_attention' op sink must not be negative, got -1}}
  %0 = autoglm.topk_attention %q, %k, %k {scale = 1.0 : f64, top_k = 4 : i64, sink = -1 : i64, window = 0 : i64} : (tensor<1x2x1x8xf32>, tensor<1x2x32x8xf32>, tensor<1x2x32x8xf32>) -> tensor<1x2x1x8xf32>
  return
}

// -----

func.func @negative_window(%q: tensor<1x2x1x8xf32>, %k: tensor<1x2x32x8xf32>) {
  // expected-error @+1 {{'autoglm.topk_attention' op window must not be negative, got -3}}
  %0 = autoglm.topk_attention %q, %k, %k {scale = 1.0 : f64, top_k = 4 : i64, sink = 0 : i64, window = -3 : i64} : (tensor<1x2x1x8xf32>, tensor<1x2x32x8xf32>, tensor<1x2x32x8xf32>) -> tensor<1x2x1x8xf32>
  return
}

// -----

func.func @mask_wider_than_scores(%q: tensor<1x2x1x8xf32>, %k: tensor<1x2x32x8xf32>, %m: tensor<1x2x4x32xi1>) {
  // expected-error @+1 {{'autoglm.topk_attention' op mask does not broadcast to the attention scores}}
  %0 = autoglm.topk_attention %q, %k, %k, %m {scale = 1.0 : f64, top_k = 4 : i64, sink = 0 : i64, window = 0 : i64} : (tensor<1x2x1x8xf32>, tensor<1x2x32x8xf32>, tensor<1x2x32x8xf32>, tensor<1x2x4x32xi1>) -> tensor<1x2x1x8xf32>
  return
}

// -----

func.func @mask_type(%q: tensor<1x2x1x8xf32>, %k: tensor<1x2x32x8xf32>, %m: tensor<1x1x1x32xi8>) {
  // expected-error @+1 {{'autoglm.topk_attention' op mask must be boolean or of the query's element type}}
  %0 = autoglm.topk_attention %q, %k, %k, %m {scale = 1.0 : f64, top_k = 4 : i64, sink = 0 : i64, window = 0 : i64} : (tensor<1x2x1x8xf32>, tensor<1x2x32x8xf32>, tensor<1x2x32x8xf32>, tensor<1x1x1x32xi8>) -> tensor<1x2x1x8xf32>
  return
}

// -----

func.func @grouped_heads(%q: tensor<1x3x1x8xf32>, %k: tensor<1x2x32x8xf32>) {
  // expected-error @+2 {{query heads (3) must be a multiple of key/value heads (2)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.topk_attention %q, %k, %k {scale = 1.0 : f64, top_k = 4 : i64, sink = 0 : i64, window = 0 : i64} : (tensor<1x3x1x8xf32>, tensor<1x2x32x8xf32>, tensor<1x2x32x8xf32>) -> tensor<1x3x1x8xf32>
  return
}

// -----

func.func @page_size_without_bounds(%q: tensor<1x2x1x8xf32>, %k: tensor<1x2x32x8xf32>) {
  // expected-error @+1 {{'autoglm.topk_attention' op page granularity needs page_size, page_min and page_max together}}
  %0 = autoglm.topk_attention %q, %k, %k {scale = 1.0 : f64, top_k = 4 : i64, sink = 0 : i64, window = 0 : i64, page_size = 8 : i64} : (tensor<1x2x1x8xf32>, tensor<1x2x32x8xf32>, tensor<1x2x32x8xf32>) -> tensor<1x2x1x8xf32>
  return
}

// -----

func.func @page_size_not_dividing(%q: tensor<1x2x1x8xf32>, %k: tensor<1x2x32x8xf32>, %b: tensor<1x2x3x8xf32>) {
  // expected-error @+1 {{'autoglm.topk_attention' op page_size 10 does not divide the 32 keys}}
  %0 = autoglm.topk_attention %q, %k, %k pages(%b, %b) {scale = 1.0 : f64, top_k = 4 : i64, sink = 0 : i64, window = 0 : i64, page_size = 10 : i64} : (tensor<1x2x1x8xf32>, tensor<1x2x32x8xf32>, tensor<1x2x32x8xf32>, tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>) -> tensor<1x2x1x8xf32>
  return
}

// -----

func.func @page_bounds_shape(%q: tensor<1x2x1x8xf32>, %k: tensor<1x2x32x8xf32>, %b: tensor<1x2x8x8xf32>) {
  // expected-error @+1 {{'autoglm.topk_attention' op page bounds must be 'tensor<1x2x4x8xf32>' (batch, key/value heads, pages, head size), got 'tensor<1x2x8x8xf32>'}}
  %0 = autoglm.topk_attention %q, %k, %k pages(%b, %b) {scale = 1.0 : f64, top_k = 4 : i64, sink = 0 : i64, window = 0 : i64, page_size = 8 : i64} : (tensor<1x2x1x8xf32>, tensor<1x2x32x8xf32>, tensor<1x2x32x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) -> tensor<1x2x1x8xf32>
  return
}
