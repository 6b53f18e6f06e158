// RUN: autoglm-opt %s --autoglm-vectorize-rows=vector-bits=512 | FileCheck %s
// RUN: autoglm-opt %s --autoglm-vectorize-rows=vector-bits=256 | FileCheck %s --check-prefix=AVX2

// A row maximum (softmax's first pass): one row per parallel iteration, a
// vector<16> accumulator carried across the row's chunks, one horizontal
// reduction per row into the output.
// CHECK-LABEL: func.func @row_max
// CHECK-NOT: linalg.generic
// CHECK: %[[INIT:.*]] = arith.constant dense<0xFF800000> : vector<16xf32>
// CHECK: scf.parallel (%[[I:.*]], %[[J:.*]]) = (%c0, %c0) to (%c12, %c128) step (%c1, %c1)
// CHECK: %[[ACC:.*]] = scf.for %{{.*}} = %c0 to %c128 step %c16 iter_args(%[[A:.*]] = %[[INIT]]) -> (vector<16xf32>)
// CHECK: %[[X:.*]] = vector.load %{{.*}} : memref<16xf32, {{.*}}>, vector<16xf32>
// CHECK: %[[M:.*]] = arith.maximumf %[[A]], %[[X]] : vector<16xf32>
// CHECK: scf.yield %[[M]] : vector<16xf32>
// CHECK: %[[OLD:.*]] = vector.extract
// CHECK: vector.reduction <maximumf>, %[[ACC]], %[[OLD]] : vector<16xf32> into f32
// CHECK: vector.store
// AVX2-LABEL: func.func @row_max
// AVX2: scf.for %{{.*}} = %c0 to %c128 step %c8 iter_args(%{{.*}}) -> (vector<8xf32>)
// AVX2: vector.reduction <maximumf>, %{{.*}}, %{{.*}} : vector<8xf32> into f32
func.func @row_max(%x: memref<12x128x128xf32>, %out: memref<12x128xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x : memref<12x128x128xf32>) outs(%out : memref<12x128xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %m = arith.maximumf %acc, %in : f32
    linalg.yield %m : f32
  }
  return
}

// A sum of exp(x - max) along rows of 100 (softmax's second pass): six
// chunks of 16 with a vector accumulator, the last 4 elements as one
// vector<4> tile; exp becomes a polynomial on the vector (no math.exp left).
// CHECK-LABEL: func.func @row_sum_exp
// CHECK: scf.parallel (%{{.*}}) = (%c0) to (%c64) step (%c1)
// CHECK: scf.for %{{.*}} = %c0 to %c96 step %c16 iter_args(%{{.*}}) -> (vector<16xf32>)
// CHECK: math.fma {{.*}} : vector<16xf32>
// CHECK: arith.addf %{{.*}}, %{{.*}} : vector<16xf32>
// CHECK: vector.reduction <add>, %{{.*}}, %{{.*}} : vector<16xf32> into f32
// CHECK: vector.load %{{.*}} : memref<4xf32, {{.*}}>, vector<4xf32>
// CHECK: vector.reduction <add>, %{{.*}}, %{{.*}} : vector<4xf32> into f32
// CHECK-NOT: math.exp
// CHECK: return
func.func @row_sum_exp(%x: memref<64x100xf32>, %max: memref<64xf32>, %out: memref<64xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%x, %max : memref<64x100xf32>, memref<64xf32>) outs(%out : memref<64xf32>) {
  ^bb0(%in: f32, %m: f32, %acc: f32):
    %d = arith.subf %in, %m : f32
    %e = math.exp %d : f32
    %s = arith.addf %acc, %e : f32
    linalg.yield %s : f32
  }
  return
}

// GELU's erf with a broadcast bias along the row: loads of x and of the
// bias, erf as one rational function of x clamped to [-4, 4] (11 FMAs and
// a division, no select of coefficients: ErfApproximation.h) and stores,
// all on vector<16>; no math.erf.
// CHECK-LABEL: func.func @bias_erf
// CHECK: scf.parallel (%{{.*}}) = (%c0) to (%c128) step (%c1)
// CHECK: scf.for %{{.*}} = %c0 to %c1536 step %c16 {
// CHECK: vector.load %{{.*}} : memref<16xf32, {{.*}}>, vector<16xf32>
// CHECK: vector.load %{{.*}} : memref<16xf32, {{.*}}>, vector<16xf32>
// CHECK: %[[S:.*]] = arith.addf
// CHECK: %[[LO:.*]] = arith.minimumf %[[S]], %{{.*}} : vector<16xf32>
// CHECK: %[[X:.*]] = arith.maximumf %[[LO]], %{{.*}} : vector<16xf32>
// CHECK: %[[Z:.*]] = arith.mulf %[[X]], %[[X]] : vector<16xf32>
// CHECK-COUNT-6: math.fma %{{.*}}, %[[Z]], %{{.*}} : vector<16xf32>
// CHECK: %[[N:.*]] = arith.mulf %[[X]], %{{.*}} : vector<16xf32>
// CHECK-COUNT-5: math.fma %{{.*}}, %[[Z]], %{{.*}} : vector<16xf32>
// CHECK: %[[E:.*]] = arith.divf %[[N]], %{{.*}} : vector<16xf32>
// CHECK-NOT: arith.select
// CHECK: vector.store %[[E]], %{{.*}} : memref<16xf32, {{.*}}>, vector<16xf32>
// CHECK-NOT: math.erf
// CHECK: return
func.func @bias_erf(%x: memref<128x1536xf32>, %b: memref<1536xf32>, %out: memref<128x1536xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x, %b : memref<128x1536xf32>, memref<1536xf32>) outs(%out : memref<128x1536xf32>) {
  ^bb0(%in: f32, %bias: f32, %o: f32):
    %a = arith.addf %in, %bias : f32
    %e = math.erf %a : f32
    linalg.yield %e : f32
  }
  return
}

// A reduction over the outer dimension (column sums): the row is
// parallel, so each chunk of the output is read, added to and written.
// CHECK-LABEL: func.func @column_sum
// CHECK: scf.for %{{.*}} = %c0 to %c32 step %c1 {
// CHECK: scf.for %{{.*}} = %c0 to %c64 step %c16 {
// CHECK: arith.addf %{{.*}}, %{{.*}} : vector<16xf32>
func.func @column_sum(%x: memref<32x64xf32>, %out: memref<64xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>], iterator_types = ["reduction", "parallel"]} ins(%x : memref<32x64xf32>) outs(%out : memref<64xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %s = arith.addf %acc, %in : f32
    linalg.yield %s : f32
  }
  return
}

// In a kernel's block loop (a contraction's tail), rows are sequential
// scf.for loops: the block loop is the parallel one.
// CHECK-LABEL: func.func @tail_in_block
// CHECK: scf.parallel
// CHECK-NOT: scf.parallel
// CHECK: scf.for %{{.*}} = %c0 to %c8 step %c1 {
// CHECK: arith.maximumf %{{.*}}, %{{.*}} : vector<16xf32>
func.func @tail_in_block(%c: memref<64x64xf32>) {
  %c0 = arith.constant 0 : index
  %c8 = arith.constant 8 : index
  %c64 = arith.constant 64 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%i) = (%c0) to (%c64) step (%c8) {
    %block = memref.subview %c[%i, 0] [8, 64] [1, 1] : memref<64x64xf32> to memref<8x64xf32, strided<[64, 1], offset: ?>>
    linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} outs(%block : memref<8x64xf32, strided<[64, 1], offset: ?>>) {
    ^bb0(%o: f32):
      %r = arith.maximumf %o, %zero : f32
      linalg.yield %r : f32
    }
    scf.reduce
  }
  return
}

// A transpose (attention's K^T): 16x16 tiles of the last two dimensions,
// read as 16 rows, transposed in registers by shuffles, written as rows.
// CHECK-LABEL: func.func @transpose_heads
// CHECK: scf.parallel (%{{.*}}) = (%c0) to (%c12) step (%c1)
// CHECK: scf.for %{{.*}} = %c0 to %c64 step %c16
// CHECK: scf.for %{{.*}} = %c0 to %c128 step %c16
// CHECK: vector.transfer_read %{{.*}} : memref<16x16xf32, {{.*}}>, vector<16x16xf32>
// CHECK-COUNT-64: vector.shuffle
// CHECK: vector.transfer_write %{{.*}} : vector<16x16xf32>, memref<16x16xf32, {{.*}}>
// AVX2-LABEL: func.func @transpose_heads
// AVX2: vector.transfer_read %{{.*}} : memref<8x8xf32, {{.*}}>, vector<8x8xf32>
// AVX2: vector.shuffle
func.func @transpose_heads(%x: memref<1x12x128x64xf32>, %y: memref<1x12x64x128xf32>) {
  linalg.transpose ins(%x : memref<1x12x128x64xf32>) outs(%y : memref<1x12x64x128xf32>) permutation = [0, 1, 3, 2]
  return
}

// A global average pool's sum over [28, 28]: the two reduction dimensions
// join into one row of 784 (49 chunks, one horizontal reduction per
// channel) instead of 28 rows of 28 (a chunk and a 12-lane tail each).
// CHECK-LABEL: func.func @pool_rows
// CHECK: memref.collapse_shape %{{.*}} {{\[}}[0], [1], [2, 3]] : memref<1x120x28x28xf32> into memref<1x120x784xf32>
// CHECK: scf.parallel (%{{.*}}) = (%c0) to (%c120) step (%c1)
// CHECK: scf.for %{{.*}} = %c0 to %c784 step %c16 iter_args(%{{.*}}) -> (vector<16xf32>)
// CHECK: vector.reduction <add>
// CHECK-NOT: vector<12xf32>
func.func @pool_rows(%x: memref<1x120x28x28xf32>, %out: memref<1x120xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%x : memref<1x120x28x28xf32>) outs(%out : memref<1x120xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %s = arith.addf %acc, %in : f32
    linalg.yield %s : f32
  }
  return
}

// Squeeze-excitation's scale per channel, read at (d0, d1, 0, 0): the
// scale is read through a [1, 72] view, and the image's rows join.
// CHECK-LABEL: func.func @channel_scale
// CHECK-DAG: memref.collapse_shape %{{.*}} {{\[}}[0], [1, 2, 3]] : memref<1x72x1x1xf32> into memref<1x72xf32>
// CHECK-DAG: memref.collapse_shape %{{.*}} {{\[}}[0], [1], [2, 3]] : memref<1x72x28x28xf32> into memref<1x72x784xf32>
// CHECK: scf.parallel (%{{.*}}) = (%c0) to (%c72) step (%c1)
// CHECK: scf.for %{{.*}} = %c0 to %c784 step %c16
// CHECK: arith.mulf %{{.*}}, %{{.*}} : vector<16xf32>
func.func @channel_scale(%s: memref<1x72x1x1xf32>, %x: memref<1x72x28x28xf32>, %y: memref<1x72x28x28xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, 0, 0)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%s, %x : memref<1x72x1x1xf32>, memref<1x72x28x28xf32>) outs(%y : memref<1x72x28x28xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    linalg.yield %m : f32
  }
  return
}

// Rows stay as they are where joining would leave fewer than 32 rows for
// the threads ([1, 16, 112, 112]), and where a buffer's rows are not
// contiguous (rows of 28 at a stride of 32).
// CHECK-LABEL: func.func @rows_kept
// CHECK-NOT: memref.collapse_shape
// CHECK: scf.parallel (%{{.*}}, %{{.*}}) = (%c0, %c0) to (%c16, %c112) step (%c1, %c1)
// CHECK: scf.parallel (%{{.*}}, %{{.*}}) = (%c0, %c0) to (%c72, %c28) step (%c1, %c1)
// CHECK-NOT: memref.collapse_shape
// CHECK: return
func.func @rows_kept(%x: memref<1x16x112x112xf32>, %y: memref<1x16x112x112xf32>, %p: memref<1x72x28x28xf32, strided<[100352, 1024, 32, 1]>>, %q: memref<1x72x28x28xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x : memref<1x16x112x112xf32>) outs(%y : memref<1x16x112x112xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.negf %a : f32
    linalg.yield %m : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%p : memref<1x72x28x28xf32, strided<[100352, 1024, 32, 1]>>) outs(%q : memref<1x72x28x28xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.negf %a : f32
    linalg.yield %m : f32
  }
  return
}

// Strided views (Winograd's tile windows, 4 apart): a row of 14 reads each
// view as one masked load of the 53 floats under its lanes (a vector of 64)
// and a shuffle of every 4th, and writes its strided view as a shuffle
// that spreads the lanes 4 apart and a masked store of every 4th lane. A
// view of stride 8 stays scalar.
// CHECK-LABEL: func.func @strided_windows
// CHECK-DAG: %[[EVERY4:.+]] = arith.constant dense<[true, false, false, false, true, false, false, false, true, false, false, false, true, false, false, false, true, false, false, false, true, false, false, false, true, false, false, false, true, false, false, false, true, false, false, false, true, false, false, false, true, false, false, false, true, false, false, false, true, false, false, false, true, false, false, false, false, false, false, false, false, false, false, false]> : vector<64xi1>
// CHECK-DAG: %[[SPAN:.+]] = arith.constant dense<[true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, false, false, false, false, false, false, false, false, false, false, false]> : vector<64xi1>
// CHECK: scf.parallel
// CHECK: %[[W0:.+]] = memref.reinterpret_cast %{{.+}} to offset: [%{{.+}}], sizes: [53], strides: [1] : memref<f32> to memref<53xf32, strided<[1], offset: ?>>
// CHECK: %[[L0:.+]] = vector.maskedload %[[W0]][%{{.+}}], %[[SPAN]], %{{.+}} : memref<53xf32, strided<[1], offset: ?>>, vector<64xi1>, vector<64xf32> into vector<64xf32>
// CHECK: %[[A:.+]] = vector.shuffle %[[L0]], %[[L0]] [0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52] : vector<64xf32>, vector<64xf32>
// CHECK: %[[L5:.+]] = vector.maskedload %{{.+}}[%{{.+}}], %[[SPAN]], %{{.+}} : memref<53xf32, strided<[1], offset: ?>>, vector<64xi1>, vector<64xf32> into vector<64xf32>
// CHECK: %[[B:.+]] = vector.shuffle %[[L5]], %[[L5]] [0, 4, 8,
// CHECK: %[[D:.+]] = arith.subf %[[A]], %[[B]] : vector<14xf32>
// CHECK: %[[S:.+]] = vector.shuffle %[[D]], %[[D]] [0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3,
// CHECK: vector.maskedstore %{{.+}}[%{{.+}}], %[[EVERY4]], %[[S]] : memref<53xf32, strided<[1], offset: ?>>, vector<64xi1>, vector<64xf32>
// CHECK: scf.reduce
// CHECK: linalg.generic
// CHECK-SAME: ins(%{{.*}} : memref<8x7xf32, strided<[58, 8]>>)
func.func @strided_windows(%r: memref<8x58xf32>, %o: memref<8x14x4xf32>, %o8: memref<8x8x8xf32>) {
  %v0 = memref.subview %r[0, 0] [8, 14] [1, 4] : memref<8x58xf32> to memref<8x14xf32, strided<[58, 4]>>
  %v5 = memref.subview %r[0, 5] [8, 14] [1, 4] : memref<8x58xf32> to memref<8x14xf32, strided<[58, 4], offset: 5>>
  %ox = memref.subview %o[0, 0, 1] [8, 14, 1] [1, 1, 1] : memref<8x14x4xf32> to memref<8x14xf32, strided<[56, 4], offset: 1>>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%v0, %v5 : memref<8x14xf32, strided<[58, 4]>>, memref<8x14xf32, strided<[58, 4], offset: 5>>) outs(%ox : memref<8x14xf32, strided<[56, 4], offset: 1>>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %d = arith.subf %a, %b : f32
    linalg.yield %d : f32
  }
  %w8 = memref.subview %r[0, 0] [8, 7] [1, 8] : memref<8x58xf32> to memref<8x7xf32, strided<[58, 8]>>
  %o8x = memref.subview %o8[0, 0, 0] [8, 7, 1] [1, 1, 1] : memref<8x8x8xf32> to memref<8x7xf32, strided<[64, 8]>>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%w8 : memref<8x7xf32, strided<[58, 8]>>) outs(%o8x : memref<8x7xf32, strided<[64, 8]>>) {
  ^bb0(%a: f32, %out: f32):
    %n = arith.negf %a : f32
    linalg.yield %n : f32
  }
  return
}

// What stays scalar: a transpose whose sides are not multiples of the
// vector width, a row of i1 (vectors of i1 are packed bits, the buffer
// holds bytes), a row of two elements, and a product (the contraction
// passes' job).
// CHECK-LABEL: func.func @unchanged
// CHECK: linalg.generic
// CHECK-SAME: ins(%{{.*}} : memref<60x60xf32>) outs(%{{.*}} : memref<60x60xf32>)
// CHECK: linalg.generic
// CHECK-SAME: ins(%{{.*}} : memref<64x64xi1>)
// CHECK: linalg.generic
// CHECK-SAME: memref<64x2xf32>
// CHECK: linalg.matmul
// CHECK-NOT: vector.
func.func @unchanged(%x: memref<64x64xf32>, %x60: memref<60x60xf32>, %t: memref<60x60xf32>, %m: memref<64x64xi1>, %mf: memref<64x64xf32>, %p: memref<64x2xf32>, %c: memref<64x64xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1, d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x60 : memref<60x60xf32>) outs(%t : memref<60x60xf32>) {
  ^bb0(%in: f32, %o: f32):
    linalg.yield %in : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%m : memref<64x64xi1>) outs(%mf : memref<64x64xf32>) {
  ^bb0(%in: i1, %o: f32):
    %f = arith.uitofp %in : i1 to f32
    linalg.yield %f : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} outs(%p : memref<64x2xf32>) {
  ^bb0(%o: f32):
    %n = arith.negf %o : f32
    linalg.yield %n : f32
  }
  linalg.matmul ins(%x, %x : memref<64x64xf32>, memref<64x64xf32>) outs(%c : memref<64x64xf32>)
  return
}
