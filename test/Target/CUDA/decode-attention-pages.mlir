// RUN: autoglm-opt %s --split-input-file --autoglm-cuda-select-decode-attention --verify-diagnostics | FileCheck %s --check-prefix=SELECT
// RUN: autoglm-opt %s --split-input-file --autoglm-cuda-select-decode-attention --verify-diagnostics --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --autoglm-cuda-decode-attention-kernels | FileCheck %s --check-prefix=KERNELS

// Page-mode top-k decode attention (8 query heads over 2 key/value heads of
// 64, 4096 keys in 256 pages of 16, a boolean mask, the causal limit) leaves
// its region as a decode_attention that carries the page bounds.
// SELECT-LABEL: func.func @pages
// SELECT-NOT:     autoglm.fused
// SELECT:         %[[R:.*]] = autoglm.decode_attention %arg0, %arg1, %arg2 mask %arg3 : tensor<1x1x1x4096xi1> pages %arg4, %arg5 : tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16> into %{{.*}} {causal, page_size = 16 : i64
// SELECT-SAME:      top_k = 64 : i64
// SELECT:         return %[[R]]

// On buffers, two kernels. k = 64 is 4 pages, so each chunk of pages keeps
// its best 4; 256 pages make 8 chunks of 32 for each of the 2 rows (batch x
// kv heads x queries), so that about 256 blocks (here 16) rank pages.
// KERNELS-LABEL: func.func @pages
// KERNELS-DAG:     %[[RANKS:.*]] = memref.alloc() : memref<2x8x4xf32>
// KERNELS-DAG:     %[[PAGES:.*]] = memref.alloc() : memref<2x8x4xi32>
// KERNELS-DAG:     %[[COUNTS:.*]] = memref.alloc() : memref<2x8xi32>
// KERNELS-DAG:     %[[SEEN:.*]] = memref.alloc() : memref<2x8xi32>
// 1. Rank and select pages, 256 threads per chunk of 32 pages: the chunk's
// ranks and pages, the count of keys some head sees, the chunk's 4 x 32
// score bounds and its word of the bitmap of pages some head sees in
// shared memory (the query heads' elements are each lane's, in
// registers). The bound rows are read 16 bytes
// at a time (8 f16) by neighbouring lanes, min and max, and summed by
// shuffles that leave each lane one page's sum for one head; then a thread
// per page reads the page's mask entries (its 16 keys) and marks the page,
// and the chunk's best 4 pages are selected by shuffles within a warp (runs
// of 4 sorted, then runs merged in pairs, each keeping the better half:
// partners 4 | 3, 8 | 3 and 16 | 3 entries apart; no barrier).
// KERNELS:         gpu.launch blocks({{.*}}) in ({{.*}} = %c8{{.*}}, {{.*}} = %c2{{.*}}, {{.*}}) threads({{.*}}) in ({{.*}} = %c256
// KERNELS-SAME:      workgroup(%{{.*}} : memref<32xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<32xi32, #gpu.address_space<workgroup>>, %{{.*}} : memref<1xi32, #gpu.address_space<workgroup>>, %{{.*}} : memref<4x32xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<1xi32, #gpu.address_space<workgroup>>)
// KERNELS:           vector.load %arg4[{{.*}}] {alignment = 16 : i64} : memref<1x2x256x64xf16>, vector<8xf16>
// KERNELS:           vector.load %arg5[{{.*}}] {alignment = 16 : i64} : memref<1x2x256x64xf16>, vector<8xf16>
// KERNELS:           arith.maximumf
// KERNELS:           gpu.shuffle  xor
// KERNELS:           memref.load %arg3[{{.*}}] : memref<1x1x1x4096xi1>
// KERNELS:           memref.atomic_rmw addi
// KERNELS:           memref.atomic_rmw ori
// KERNELS:           gpu.barrier
// KERNELS:           memref.store %{{.*}}, %[[SEEN]]
// KERNELS:           gpu.shuffle  xor %{{.*}}, %c19_i32
// KERNELS-NOT:       gpu.barrier
// KERNELS:           gpu.shuffle  xor %{{.*}}, %c1_i32
// KERNELS:           memref.store %{{.*}}, %[[RANKS]]
// KERNELS:           memref.store %{{.*}}, %[[PAGES]]
// KERNELS:           memref.store %{{.*}}, %[[COUNTS]]
// KERNELS-NOT:       memref.load %arg1
// 2. Keep and attend, a block of 256 threads per (row, query head of its
// group): 8 blocks. It loads its query row and attends to the sink page
// and the window from its page's start (marked autoglm.before_wait: this
// needs nothing of kernel 1, so it runs before the kernel waits for it);
// then selects the best 4 of the chunks' sorted lists together (8 x 4
// entries, 32 in shared memory; the pairs of runs merged as in kernel 1)
// and writes the keys of the pages the row keeps (4 pages; or in an exact
// row every other page some head sees, by a prefix sum of the bitmap's
// bits: at most 84 pages, 1344 keys) and their number to shared memory;
// then attends over them as the dense partial kernel does: a key row is
// read at the index the kept list holds (no copy of the selected keys),
// the four indices of a step loaded before the key and value rows, and
// writes the result.
// KERNELS:         gpu.launch blocks({{.*}}) in ({{.*}} = %c1{{.*}}, {{.*}} = %c8{{.*}}, {{.*}}) threads({{.*}}) in ({{.*}} = %c256
// KERNELS-SAME:      workgroup(%{{.*}} : memref<8x1xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<8x1xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<8x1x64xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<32xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<32xi32, #gpu.address_space<workgroup>>, %{{.*}} : memref<1xi32, #gpu.address_space<workgroup>>, %[[KEPT:.*]] : memref<1x1344xi32, #gpu.address_space<workgroup>>, %[[KEPTCOUNT:.*]] : memref<1xi32, #gpu.address_space<workgroup>>, %{{.*}} : memref<8xi32, #gpu.address_space<workgroup>>)
// KERNELS:           memref.load %arg0{{.*}} {autoglm.before_wait}
// KERNELS:           scf.for {{.*}} {
// KERNELS:             vector.load %arg1{{.*}} {alignment = 16 : i64, autoglm.before_wait}
// KERNELS:             vector.load %arg2{{.*}} {alignment = 16 : i64, autoglm.before_wait}
// KERNELS:             memref.load %arg3{{.*}} {autoglm.before_wait}
// KERNELS:           } {autoglm.before_wait}
// KERNELS-NOT:       autoglm.before_wait
// KERNELS:           memref.load %[[RANKS]]
// KERNELS:           gpu.shuffle  xor %{{.*}}, %c19_i32
// KERNELS:           memref.load %[[COUNTS]]
// KERNELS-NOT:       memref.store %{{.*}}, %[[KEPT]]
// KERNELS:           scf.if
// KERNELS:             memref.load %[[SEEN]]
// KERNELS:             arith.muli %{{.*}}, %c16843009_i32
// KERNELS:             gpu.shuffle  up
// KERNELS:             memref.store %{{.*}}, %[[KEPT]]
// KERNELS:           } else {
// KERNELS:             memref.atomic_rmw addi
// KERNELS:             memref.store %{{.*}}, %[[KEPT]]
// KERNELS:           memref.store %{{.*}}, %[[KEPTCOUNT]]
// KERNELS:           gpu.barrier
// KERNELS:           memref.load %[[KEPTCOUNT]]
// KERNELS-NOT:       scf.if
// KERNELS:           scf.for
// KERNELS:             %[[AT:.*]] = memref.load %[[KEPT]]
// KERNELS-NEXT:        %[[J:.*]] = arith.index_cast %[[AT]] : i32 to index
// KERNELS:             memref.load %[[KEPT]]
// KERNELS:             memref.load %[[KEPT]]
// KERNELS:             memref.load %[[KEPT]]
// KERNELS:             vector.load %arg1[%{{.*}}, %{{.*}}, %[[J]], %{{.*}}] {alignment = 16 : i64} : memref<1x2x4096x64xf16>, vector<8xf16>
// KERNELS:             vector.load %arg2[%{{.*}}, %{{.*}}, %[[J]], %{{.*}}] {alignment = 16 : i64} : memref<1x2x4096x64xf16>, vector<8xf16>
// KERNELS:           memref.store %{{.*}}, %{{.*}}[{{.*}}] : memref<1x8x1x64xf16>
// KERNELS-NOT:     gpu.launch
// KERNELS-NOT:     autoglm.decode_attention
func.func @pages(%q: tensor<1x8x1x64xf16>, %k: tensor<1x2x4096x64xf16>, %v: tensor<1x2x4096x64xf16>, %m: tensor<1x1x1x4096xi1>, %lo: tensor<1x2x256x64xf16>, %hi: tensor<1x2x256x64xf16>) -> tensor<1x8x1x64xf16> {
  %0 = autoglm.fused "topk_attention"(%q, %k, %v, %m, %lo, %hi) : (tensor<1x8x1x64xf16>, tensor<1x2x4096x64xf16>, tensor<1x2x4096x64xf16>, tensor<1x1x1x4096xi1>, tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>) -> tensor<1x8x1x64xf16> {
  ^bb0(%a: tensor<1x8x1x64xf16>, %b: tensor<1x2x4096x64xf16>, %c: tensor<1x2x4096x64xf16>, %mm: tensor<1x1x1x4096xi1>, %d: tensor<1x2x256x64xf16>, %e: tensor<1x2x256x64xf16>):
    %1 = autoglm.topk_attention %a, %b, %c, %mm pages(%d, %e) {scale = 1.250000e-01 : f64, causal, top_k = 64 : i64, sink = 4 : i64, window = 16 : i64, page_size = 16 : i64} : (tensor<1x8x1x64xf16>, tensor<1x2x4096x64xf16>, tensor<1x2x4096x64xf16>, tensor<1x1x1x4096xi1>, tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>) -> tensor<1x8x1x64xf16>
    autoglm.yield %1 : tensor<1x8x1x64xf16>
  }
  return %0 : tensor<1x8x1x64xf16>
}

// -----

// Many chunks (1024 pages of 4 in chunks of 32): the select kernel runs 32
// chunks per row, each keeping its best 8 pages (k = 32 is 8 pages of 4),
// and the attention kernel sorts their 256 entries together. Without a mask
// nothing is counted (every visible key is valid); pages are still marked.
// KERNELS-LABEL: func.func @chunks
// KERNELS-DAG:     memref.alloc() : memref<2x32x8xf32>
// KERNELS:         gpu.launch blocks({{.*}}) in ({{.*}} = %c32{{.*}}, {{.*}} = %c2{{.*}}, {{.*}}) threads({{.*}}) in ({{.*}} = %c256
// KERNELS-NOT:       memref.atomic_rmw addi
// KERNELS:           memref.atomic_rmw ori
// KERNELS:         gpu.launch blocks({{.*}}) in ({{.*}} = %c1{{.*}}, {{.*}} = %c2{{.*}}, {{.*}}) threads({{.*}}) in ({{.*}} = %c256
// KERNELS-SAME:      %{{.*}} : memref<256xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<256xi32, #gpu.address_space<workgroup>>
func.func @chunks(%q: tensor<1x2x1x16xf32>, %k: tensor<1x2x4096x16xf32>, %v: tensor<1x2x4096x16xf32>, %lo: tensor<1x2x1024x16xf32>, %hi: tensor<1x2x1024x16xf32>) -> tensor<1x2x1x16xf32> {
  %0 = autoglm.fused "topk_attention"(%q, %k, %v, %lo, %hi) : (tensor<1x2x1x16xf32>, tensor<1x2x4096x16xf32>, tensor<1x2x4096x16xf32>, tensor<1x2x1024x16xf32>, tensor<1x2x1024x16xf32>) -> tensor<1x2x1x16xf32> {
  ^bb0(%a: tensor<1x2x1x16xf32>, %b: tensor<1x2x4096x16xf32>, %c: tensor<1x2x4096x16xf32>, %d: tensor<1x2x1024x16xf32>, %e: tensor<1x2x1024x16xf32>):
    %1 = autoglm.topk_attention %a, %b, %c pages(%d, %e) {scale = 2.500000e-01 : f64, top_k = 32 : i64, sink = 4 : i64, window = 16 : i64, page_size = 4 : i64} : (tensor<1x2x1x16xf32>, tensor<1x2x4096x16xf32>, tensor<1x2x4096x16xf32>, tensor<1x2x1024x16xf32>, tensor<1x2x1024x16xf32>) -> tensor<1x2x1x16xf32>
    autoglm.yield %1 : tensor<1x2x1x16xf32>
  }
  return %0 : tensor<1x2x1x16xf32>
}

// -----

// A budget over token mode's 511 keys (top_k 512 + sink 4 + window 16):
// page mode's lists hold the 32 pages chosen by rank only, in chunks of 64
// of the 512 pages per row so that the attention kernel's 256 threads sort
// the 8 lists' 256 entries together. A row that is not exact keeps at most
// 512 keys of 32 pages after its sink page and window; an exact row's 532
// valid keys may lie in as many pages, so the list has room for all 8192
// keys (32 KiB of shared memory).
// SELECT-LABEL: func.func @many_keys
// SELECT:         autoglm.decode_attention
// SELECT-SAME:      top_k = 512 : i64
// KERNELS-LABEL: func.func @many_keys
// KERNELS-DAG:     memref.alloc() : memref<2x8x32xf32>
// KERNELS-DAG:     memref.alloc() : memref<2x8x32xi32>
// KERNELS:         gpu.launch blocks({{.*}}) in ({{.*}} = %c8{{.*}}, {{.*}} = %c2{{.*}}, {{.*}}) threads({{.*}}) in ({{.*}} = %c256
// KERNELS:         gpu.launch blocks({{.*}}) in ({{.*}} = %c1{{.*}}, {{.*}} = %c2{{.*}}, {{.*}}) threads({{.*}}) in ({{.*}} = %c256
// KERNELS-SAME:      %{{.*}} : memref<256xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<256xi32, #gpu.address_space<workgroup>>, %{{.*}} : memref<1xi32, #gpu.address_space<workgroup>>, %{{.*}} : memref<1x8192xi32, #gpu.address_space<workgroup>>
func.func @many_keys(%q: tensor<1x2x1x16xf32>, %k: tensor<1x2x8192x16xf32>, %v: tensor<1x2x8192x16xf32>, %lo: tensor<1x2x512x16xf32>, %hi: tensor<1x2x512x16xf32>) -> tensor<1x2x1x16xf32> {
  %0 = autoglm.fused "topk_attention"(%q, %k, %v, %lo, %hi) : (tensor<1x2x1x16xf32>, tensor<1x2x8192x16xf32>, tensor<1x2x8192x16xf32>, tensor<1x2x512x16xf32>, tensor<1x2x512x16xf32>) -> tensor<1x2x1x16xf32> {
  ^bb0(%a: tensor<1x2x1x16xf32>, %b: tensor<1x2x8192x16xf32>, %c: tensor<1x2x8192x16xf32>, %d: tensor<1x2x512x16xf32>, %e: tensor<1x2x512x16xf32>):
    %1 = autoglm.topk_attention %a, %b, %c pages(%d, %e) {scale = 2.500000e-01 : f64, top_k = 512 : i64, sink = 4 : i64, window = 16 : i64, page_size = 16 : i64} : (tensor<1x2x1x16xf32>, tensor<1x2x8192x16xf32>, tensor<1x2x8192x16xf32>, tensor<1x2x512x16xf32>, tensor<1x2x512x16xf32>) -> tensor<1x2x1x16xf32>
    autoglm.yield %1 : tensor<1x2x1x16xf32>
  }
  return %0 : tensor<1x2x1x16xf32>
}

// -----

// More pages by rank than the shared-memory lists hold (k = 516 is 129
// pages of 4, of the 2048 there are): an error.
func.func @too_many_pages(%q: tensor<1x2x1x16xf32>, %k: tensor<1x2x8192x16xf32>, %v: tensor<1x2x8192x16xf32>, %lo: tensor<1x2x2048x16xf32>, %hi: tensor<1x2x2048x16xf32>) -> tensor<1x2x1x16xf32> {
  %0 = autoglm.fused "topk_attention"(%q, %k, %v, %lo, %hi) : (tensor<1x2x1x16xf32>, tensor<1x2x8192x16xf32>, tensor<1x2x8192x16xf32>, tensor<1x2x2048x16xf32>, tensor<1x2x2048x16xf32>) -> tensor<1x2x1x16xf32> {
  ^bb0(%a: tensor<1x2x1x16xf32>, %b: tensor<1x2x8192x16xf32>, %c: tensor<1x2x8192x16xf32>, %d: tensor<1x2x2048x16xf32>, %e: tensor<1x2x2048x16xf32>):
    // expected-error @+1 {{top-k attention by pages on CUDA chooses at most 128 pages per query by rank (top_k / page size, rounded up), not 129}}
    %1 = autoglm.topk_attention %a, %b, %c pages(%d, %e) {scale = 2.500000e-01 : f64, top_k = 516 : i64, sink = 4 : i64, window = 16 : i64, page_size = 4 : i64} : (tensor<1x2x1x16xf32>, tensor<1x2x8192x16xf32>, tensor<1x2x8192x16xf32>, tensor<1x2x2048x16xf32>, tensor<1x2x2048x16xf32>) -> tensor<1x2x1x16xf32>
    autoglm.yield %1 : tensor<1x2x1x16xf32>
  }
  return %0 : tensor<1x2x1x16xf32>
}

// -----

// 128 pages by rank (k = 512 in pages of 4) from 2048 pages: 8 chunks of
// 256 give 1024 candidates, more than the attention kernel's 256 threads
// sort at once, so it merges the chunks' lists one after the other (256
// entries in shared memory: two lists).
// KERNELS-LABEL: func.func @merged_lists
// KERNELS-DAG:     memref.alloc() : memref<2x8x128xf32>
// KERNELS:         gpu.launch blocks({{.*}}) in ({{.*}} = %c8{{.*}}, {{.*}} = %c2{{.*}}, {{.*}}) threads({{.*}}) in ({{.*}} = %c256
// KERNELS:         gpu.launch blocks({{.*}}) in ({{.*}} = %c1{{.*}}, {{.*}} = %c2{{.*}}, {{.*}}) threads({{.*}}) in ({{.*}} = %c256
// KERNELS-SAME:      %{{.*}} : memref<256xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<256xi32, #gpu.address_space<workgroup>>
func.func @merged_lists(%q: tensor<1x2x1x16xf32>, %k: tensor<1x2x8192x16xf32>, %v: tensor<1x2x8192x16xf32>, %lo: tensor<1x2x2048x16xf32>, %hi: tensor<1x2x2048x16xf32>) -> tensor<1x2x1x16xf32> {
  %0 = autoglm.fused "topk_attention"(%q, %k, %v, %lo, %hi) : (tensor<1x2x1x16xf32>, tensor<1x2x8192x16xf32>, tensor<1x2x8192x16xf32>, tensor<1x2x2048x16xf32>, tensor<1x2x2048x16xf32>) -> tensor<1x2x1x16xf32> {
  ^bb0(%a: tensor<1x2x1x16xf32>, %b: tensor<1x2x8192x16xf32>, %c: tensor<1x2x8192x16xf32>, %d: tensor<1x2x2048x16xf32>, %e: tensor<1x2x2048x16xf32>):
    %1 = autoglm.topk_attention %a, %b, %c pages(%d, %e) {scale = 2.500000e-01 : f64, top_k = 512 : i64, sink = 4 : i64, window = 16 : i64, page_size = 4 : i64} : (tensor<1x2x1x16xf32>, tensor<1x2x8192x16xf32>, tensor<1x2x8192x16xf32>, tensor<1x2x2048x16xf32>, tensor<1x2x2048x16xf32>) -> tensor<1x2x1x16xf32>
    autoglm.yield %1 : tensor<1x2x1x16xf32>
  }
  return %0 : tensor<1x2x1x16xf32>
}
