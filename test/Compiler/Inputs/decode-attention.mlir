// A decode step's attention: one query, 8 query heads over 2 key/value
// heads, 256 keys of a KV cache (test/Compiler/sparse-attention.test).
func.func @main(%q: tensor<1x8x1x32xf32>, %k: tensor<1x2x256x32xf32>, %v: tensor<1x2x256x32xf32>) -> tensor<1x8x1x32xf32> {
  %0 = autoglm.attention %q, %k, %v {causal, scale = 0.17677669529663687 : f64} : (tensor<1x8x1x32xf32>, tensor<1x2x256x32xf32>, tensor<1x2x256x32xf32>) -> tensor<1x8x1x32xf32> loc("attention")
  return %0 : tensor<1x8x1x32xf32>
}
