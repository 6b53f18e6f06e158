// A decode step's attention over its KV cache and the step's new key and
// value: one query, 8 query heads over 2 key/value heads, 255 cached keys
// and the new one (test/Target/CUDA/decode-attention.test).
func.func @main(%q: tensor<1x8x1x32xf32>, %past_key: tensor<1x2x255x32xf32>, %k: tensor<1x2x1x32xf32>, %past_value: tensor<1x2x255x32xf32>, %v: tensor<1x2x1x32xf32>) -> tensor<1x8x1x32xf32> {
  %keys = autoglm.concat %past_key, %k {axis = 2 : i64} : (tensor<1x2x255x32xf32>, tensor<1x2x1x32xf32>) -> tensor<1x2x256x32xf32>
  %values = autoglm.concat %past_value, %v {axis = 2 : i64} : (tensor<1x2x255x32xf32>, tensor<1x2x1x32xf32>) -> tensor<1x2x256x32xf32>
  %0 = autoglm.attention %q, %keys, %values {causal, scale = 0.17677669529663687 : f64} : (tensor<1x8x1x32xf32>, tensor<1x2x256x32xf32>, tensor<1x2x256x32xf32>) -> tensor<1x8x1x32xf32> loc("attention")
  return %0 : tensor<1x8x1x32xf32>
}
