// RUN: autoglm-opt %s -split-input-file -verify-diagnostics

// The bounds update of autoglm.decode_attention (fresh_page): two more
// inits, the bounds of the pages from fresh_page on, and a page of the key
// set.

func.func @fresh_page_one_init(%q: tensor<1x4x1x8xf32>, %k: tensor<1x2x64x8xf32>, %b: tensor<1x2x4x8xf32>, %o: tensor<1x4x1x8xf32>) {
  // expected-error @+1 {{'autoglm.decode_attention' op needs one init, or three with fresh_page}}
  %0 = autoglm.decode_attention %q, %k, %k pages %b, %b : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> into %o {scale = 1.0 : f64, top_k = 16 : i64, sink = 0 : i64, window = 0 : i64, page_size = 16 : i64, fresh_page = 3 : i64} : tensor<1x4x1x8xf32>, tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32> into tensor<1x4x1x8xf32> -> tensor<1x4x1x8xf32>
  return
}

// -----

func.func @three_inits_no_fresh_page(%q: tensor<1x4x1x8xf32>, %k: tensor<1x2x64x8xf32>, %b: tensor<1x2x4x8xf32>, %o: tensor<1x4x1x8xf32>) {
  // expected-error @+1 {{'autoglm.decode_attention' op needs one init, or three with fresh_page}}
  %0:3 = autoglm.decode_attention %q, %k, %k pages %b, %b : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> into %o, %b, %b {scale = 1.0 : f64, top_k = 16 : i64, sink = 0 : i64, window = 0 : i64, page_size = 16 : i64} : tensor<1x4x1x8xf32>, tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32> into tensor<1x4x1x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x4x1x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>
  return
}

// -----

func.func @fresh_page_past_the_keys(%q: tensor<1x4x1x8xf32>, %k: tensor<1x2x64x8xf32>, %b: tensor<1x2x4x8xf32>, %o: tensor<1x4x1x8xf32>) {
  // expected-error @+1 {{'autoglm.decode_attention' op fresh_page 4 must be one of the 4 pages}}
  %0:3 = autoglm.decode_attention %q, %k, %k pages %b, %b : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> into %o, %b, %b {scale = 1.0 : f64, top_k = 16 : i64, sink = 0 : i64, window = 0 : i64, page_size = 16 : i64, fresh_page = 4 : i64} : tensor<1x4x1x8xf32>, tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32> into tensor<1x4x1x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x4x1x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>
  return
}

// -----

func.func @new_bounds_wrong_shape(%q: tensor<1x4x1x8xf32>, %k: tensor<1x2x64x8xf32>, %b: tensor<1x2x4x8xf32>, %n: tensor<1x2x3x8xf32>, %o: tensor<1x4x1x8xf32>) {
  // expected-error @+1 {{'autoglm.decode_attention' op page bounds must be B x Hkv x (Sk/page_size - fresh_page) x D of the key's element type, not 'tensor<1x2x3x8xf32>'}}
  %0:3 = autoglm.decode_attention %q, %k, %k pages %b, %b : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> into %o, %n, %n {scale = 1.0 : f64, top_k = 16 : i64, sink = 0 : i64, window = 0 : i64, page_size = 16 : i64, fresh_page = 3 : i64} : tensor<1x4x1x8xf32>, tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32> into tensor<1x4x1x8xf32>, tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32> -> tensor<1x4x1x8xf32>, tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>
  return
}

// -----

func.func @fresh_page_without_pages(%q: tensor<1x4x1x8xf32>, %k: tensor<1x2x64x8xf32>, %b: tensor<1x2x4x8xf32>, %o: tensor<1x4x1x8xf32>) {
  // expected-error @+1 {{'autoglm.decode_attention' op page granularity needs page_size, page_min and page_max together}}
  %0:3 = autoglm.decode_attention %q, %k, %k into %o, %b, %b {scale = 1.0 : f64, top_k = 16 : i64, sink = 0 : i64, window = 0 : i64, fresh_page = 3 : i64} : tensor<1x4x1x8xf32>, tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32> into tensor<1x4x1x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x4x1x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>
  return
}

// -----

func.func @results_on_buffers(%q: memref<1x4x1x8xf32>, %k: memref<1x2x64x8xf32>, %b: memref<1x2x4x8xf32>, %o: memref<1x4x1x8xf32>) {
  // expected-error @+1 {{'autoglm.decode_attention' op returns a result per init on tensors and none on buffers}}
  %0 = autoglm.decode_attention %q, %k, %k into %o {scale = 1.0 : f64, top_k = 16 : i64, sink = 0 : i64, window = 0 : i64} : memref<1x4x1x8xf32>, memref<1x2x64x8xf32>, memref<1x2x64x8xf32> into memref<1x4x1x8xf32> -> tensor<1x4x1x8xf32>
  return
}
