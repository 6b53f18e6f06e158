// Page-mode top-k attention that the CUDA kernels cannot hold is an error
// naming the attention node, not a silent fallback: 512 query heads per
// key/value head need 65800 bytes of shared memory for the select kernel's
// score bounds of a chunk of 32 pages (48 KiB are used).
// RUN: not autoglm-opt %s --target=cuda --emit=ptx -o %t.ptx --sparse-attention=on --sparse-attention-granularity=page 2>&1 | FileCheck %s
// CHECK: layers.0/self_attn/Attention{{.*}} error: top-k attention on CUDA needs 65800 bytes of shared memory per block for 512 query heads per key/value head of size 16; at most 49152 are used
// More pages chosen by rank than the lists hold (k = 200 in pages of one
// key) is refused first, naming the node as well.
// RUN: not autoglm-opt %s --target=cuda --emit=ptx -o %t.ptx --sparse-attention=on --sparse-attention-granularity=page --sparse-attention-page-size=1 --sparse-attention-k=200 2>&1 | FileCheck %s --check-prefix=PAGES
// PAGES: layers.0/self_attn/Attention{{.*}} error: top-k attention by pages on CUDA chooses at most 128 pages per query by rank (top_k / page size, rounded up), not 200; lower --sparse-attention-k or raise --sparse-attention-page-size
func.func @main(%q: tensor<1x512x1x16xf32>, %k: tensor<1x1x8192x16xf32>, %v: tensor<1x1x8192x16xf32>) -> tensor<1x512x1x16xf32> {
  %0 = autoglm.attention %q, %k, %v {scale = 0.25 : f64} : (tensor<1x512x1x16xf32>, tensor<1x1x8192x16xf32>, tensor<1x1x8192x16xf32>) -> tensor<1x512x1x16xf32> loc("layers.0/self_attn/Attention")
  return %0 : tensor<1x512x1x16xf32>
}
