// RUN: autoglm-opt %s --autoglm-tile-and-vectorize-contractions=vector-bits=512 | FileCheck %s
// RUN: autoglm-opt %s --autoglm-tile-and-vectorize-contractions="vector-bits=512 epilogues=0" | FileCheck %s --check-prefix=OFF

// A product's tail (the generic right after it that updates C in place)
// runs on each register tile's accumulator before the tile's one store,
// and the tail goes (lib/Target/CPU/TileEpilogue.h).

#row = affine_map<(d0, d1) -> (d0)>
#col = affine_map<(d0, d1) -> (d1)>
#id = affine_map<(d0, d1) -> (d0, d1)>
#tr = affine_map<(d0, d1) -> (d1, d0)>

// A 1x1 convolution's bias per filter (a row of C), its residual and ReLU:
// the residual tile's 16 lines are prefetched before the K loop (beside C's
// for writing), the bias is one broadcast element per row, and the sum,
// the residual and the maximum are added to the accumulator after the
// loop; the tile is stored once.
// CHECK-LABEL: func.func @residual
// CHECK: %[[CT:.+]] = memref.subview %arg4[%[[M:.+]], %[[N:.+]]] [8, 32] [1, 1]
// CHECK-COUNT-16: memref.prefetch %[[CT]]{{.*}}, write
// CHECK: %[[BIAS:.+]] = memref.subview %arg2[%[[M]]] [8] [1]
// CHECK: %[[RT:.+]] = memref.subview %arg3[%[[M]], %[[N]]] [8, 32] [1, 1]
// CHECK-COUNT-16: memref.prefetch %[[RT]]{{.*}}, read
// CHECK: %[[ACC:.+]] = scf.for
// CHECK: scf.yield
// CHECK-COUNT-8: memref.load %[[BIAS]]
// CHECK: %[[R:.+]] = vector.transfer_read %[[RT]]
// CHECK: %[[S:.+]] = arith.addf %[[ACC]], %{{.*}} : vector<8x32xf32>
// CHECK: %[[T:.+]] = arith.addf %[[S]], %[[R]] : vector<8x32xf32>
// CHECK: %[[U:.+]] = arith.maximumf %[[T]], %{{.*}} : vector<8x32xf32>
// CHECK: vector.transfer_write %[[U]], %[[CT]]
// CHECK-NOT: vector.transfer_write
// CHECK-NOT: linalg.generic
// CHECK: return
// OFF-LABEL: func.func @residual
// OFF: scf.for
// OFF-NOT: memref.prefetch %{{.*}}, read, locality<3>, data : memref<8x32xf32
// OFF: linalg.generic
func.func @residual(%a: memref<64x64xf32>, %b: memref<64x224xf32>, %bias: memref<64xf32>, %r: memref<64x224xf32>, %c: memref<64x224xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<64x224xf32>)
  linalg.matmul ins(%a, %b : memref<64x64xf32>, memref<64x224xf32>) outs(%c : memref<64x224xf32>)
  linalg.generic {indexing_maps = [#row, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%bias, %r : memref<64xf32>, memref<64x224xf32>) outs(%c : memref<64x224xf32>) {
  ^bb0(%in: f32, %res: f32, %out: f32):
    %0 = arith.addf %out, %in : f32
    %1 = arith.addf %0, %res : f32
    %2 = arith.maximumf %1, %zero : f32
    linalg.yield %2 : f32
  }
  return
}

// K in three blocks of 192: only the last block's store takes the tail (a
// column's bias, then tanh); the others store the partial sum.
// CHECK-LABEL: func.func @k_blocks
// CHECK: scf.for %[[KB:.+]] = %c0 to %c576 step %c192
// CHECK: %[[ACC:.+]] = scf.for
// CHECK: %[[NEXT:.+]] = arith.addi %[[KB]], %c192
// CHECK: %[[LAST:.+]] = arith.cmpi sge, %[[NEXT]], %c576
// CHECK: scf.if %[[LAST]] {
// CHECK:   vector.load %{{.*}} : memref<32xf32, strided<[1], offset: ?>>, vector<32xf32>
// CHECK:   %[[S:.+]] = arith.addf %[[ACC]], %{{.*}} : vector<8x32xf32>
// CHECK:   %[[T:.+]] = math.tanh %[[S]] : vector<8x32xf32>
// CHECK:   vector.transfer_write %[[T]]
// CHECK: } else {
// CHECK:   vector.transfer_write %[[ACC]]
// CHECK: }
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @k_blocks(%a: memref<64x576xf32>, %b: memref<576x224xf32>, %bias: memref<224xf32>, %c: memref<64x224xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<64x224xf32>)
  linalg.matmul ins(%a, %b : memref<64x576xf32>, memref<576x224xf32>) outs(%c : memref<64x224xf32>)
  linalg.generic {indexing_maps = [#col, #id], iterator_types = ["parallel", "parallel"]} ins(%bias : memref<224xf32>) outs(%c : memref<64x224xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.addf %out, %in : f32
    %1 = math.tanh %0 : f32
    linalg.yield %1 : f32
  }
  return
}

// 49 columns: three one-vector tiles take the tail on vectors; the last
// column's dot products store scalars into C, and each of those takes it
// on its scalar (the row's bias loaded beside it).
// CHECK-LABEL: func.func @dot_column
// CHECK-COUNT-3: vector.transfer_write
// CHECK: %[[DOT:.+]] = vector.reduction <add>
// CHECK: %[[SUM:.+]] = arith.addf %{{.*}}, %[[DOT]] : f32
// CHECK: %[[BIAS:.+]] = memref.load %arg2[%{{.*}}] : memref<64xf32>
// CHECK: %[[OUT:.+]] = arith.addf %[[SUM]], %[[BIAS]] : f32
// CHECK: memref.store %[[OUT]]
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @dot_column(%a: memref<64x64xf32>, %b: memref<64x49xf32>, %bias: memref<64xf32>, %c: memref<64x49xf32>) {
  linalg.matmul ins(%a, %b : memref<64x64xf32>, memref<64x49xf32>) outs(%c : memref<64x49xf32>)
  linalg.generic {indexing_maps = [#row, #id], iterator_types = ["parallel", "parallel"]} ins(%bias : memref<64xf32>) outs(%c : memref<64x49xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.addf %out, %in : f32
    linalg.yield %0 : f32
  }
  return
}

// A tail reading its input transposed is left as it is.
// CHECK-LABEL: func.func @transposed
// CHECK: vector.transfer_write
// CHECK: linalg.generic
// CHECK-SAME: ins(%arg2 : memref<64x64xf32>) outs(%arg3 : memref<64x64xf32>)
func.func @transposed(%a: memref<64x64xf32>, %b: memref<64x64xf32>, %r: memref<64x64xf32>, %c: memref<64x64xf32>) {
  linalg.matmul ins(%a, %b : memref<64x64xf32>, memref<64x64xf32>) outs(%c : memref<64x64xf32>)
  linalg.generic {indexing_maps = [#tr, #id], iterator_types = ["parallel", "parallel"]} ins(%r : memref<64x64xf32>) outs(%c : memref<64x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.addf %out, %in : f32
    linalg.yield %0 : f32
  }
  return
}

// The memory plan may give several kernels one buffer value: only the
// stores between the tailed product and its tail take the tail (not the
// first product's, before the copy that reads its result), and the
// generic that reads C after the tail stays.
// CHECK-LABEL: func.func @reused_buffer
// CHECK: %[[FIRST:.+]] = scf.for
// CHECK: vector.transfer_write %[[FIRST]]
// CHECK: linalg.copy
// CHECK: memref.subview %arg2
// CHECK: %[[SECOND:.+]] = scf.for
// CHECK: %[[TAILED:.+]] = arith.addf %[[SECOND]]
// CHECK: vector.transfer_write %[[TAILED]]
// CHECK: linalg.generic
// CHECK-SAME: ins(%arg3 : memref<64x224xf32>) outs(%arg4 : memref<64x224xf32>)
// CHECK: arith.mulf
func.func @reused_buffer(%a: memref<64x64xf32>, %b: memref<64x224xf32>, %bias: memref<64xf32>, %c: memref<64x224xf32>, %d: memref<64x224xf32>) {
  linalg.matmul ins(%a, %b : memref<64x64xf32>, memref<64x224xf32>) outs(%c : memref<64x224xf32>)
  linalg.copy ins(%c : memref<64x224xf32>) outs(%d : memref<64x224xf32>)
  linalg.matmul ins(%a, %b : memref<64x64xf32>, memref<64x224xf32>) outs(%c : memref<64x224xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%bias : memref<64xf32>) outs(%c : memref<64x224xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.addf %out, %in : f32
    linalg.yield %0 : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%c : memref<64x224xf32>) outs(%d : memref<64x224xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.mulf %out, %in : f32
    linalg.yield %0 : f32
  }
  return
}
