// RUN: autoglm-opt %s --split-input-file --autoglm-widen-16bit-products=vector-bits=512 | FileCheck %s
// RUN: autoglm-opt %s --split-input-file --autoglm-widen-16bit-products=vector-bits=512 --autoglm-tile-and-vectorize-contractions=vector-bits=512 | FileCheck %s --check-prefix=KERNEL
// RUN: autoglm-opt %s --split-input-file --autoglm-widen-16bit-products="vector-bits=512 bf16-dot=true" | FileCheck %s --check-prefix=DOT
// RUN: autoglm-opt %s --split-input-file --autoglm-widen-16bit-products="vector-bits=512 amx-bf16=true" | FileCheck %s --check-prefix=AMX

// A 16-bit product larger than one cache block: 64x256 blocks of C in
// parallel, each with its f32 panels of A (64 x Kc) and B (Kc x 256),
// allocated once per block; K in blocks of 192 (dividing 384), each
// widening A's and B's block into the panels before an f32 product of the
// panels into C's block.
// CHECK-LABEL: func.func @blocked_f16
// CHECK: scf.parallel (%[[I:.*]], %[[J:.*]]) = (%c0{{.*}}, %c0{{.*}}) to (%c128, %c1536) step (%c64{{.*}}, %c256{{.*}})
// CHECK-DAG: %[[A:.*]] = memref.subview %arg0[%[[I]], 0] [64, 384]
// CHECK-DAG: %[[B:.*]] = memref.subview %arg1[0, %[[J]]] [384, 256]
// CHECK-DAG: %[[C:.*]] = memref.subview %arg2[%[[I]], %[[J]]] [64, 256]
// CHECK: %[[AP:.*]] = memref.alloc() {alignment = 64 : i64} : memref<64x192xf32>
// CHECK: %[[BP:.*]] = memref.alloc() {alignment = 64 : i64} : memref<192x256xf32>
// CHECK: scf.for %[[K:.*]] = %{{.*}} to %c384 step %c192
// CHECK: %[[AK:.*]] = memref.subview %[[A]][0, %[[K]]] [64, 192]
// CHECK: %[[BK:.*]] = memref.subview %[[B]][%[[K]], 0] [192, 256]
// CHECK: linalg.generic {{.*}} ins(%[[AK]] : {{.*}}xf16{{.*}}) outs(%[[AP]] : memref<64x192xf32>)
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: linalg.generic {{.*}} ins(%[[BK]] : {{.*}}xf16{{.*}}) outs(%[[BP]] : memref<192x256xf32>)
// CHECK: linalg.matmul ins(%[[AP]], %[[BP]] : memref<64x192xf32>, memref<192x256xf32>) outs(%[[C]] :
// CHECK: }
// CHECK: memref.dealloc %[[AP]]
// CHECK: memref.dealloc %[[BP]]
// The f32 product of the panels is one cache block of the f32 kernel: no
// further blocking, register tiles of vector FMAs.
// KERNEL-LABEL: func.func @blocked_f16
// KERNEL-NOT: linalg.matmul
// KERNEL: iter_args(%{{.*}}) -> (vector<8x32xf32>)
// KERNEL: vector.fma %{{.*}} : vector<32xf32>
func.func @blocked_f16(%a: memref<128x384xf16>, %b: memref<384x1536xf16>, %c: memref<128x1536xf32>) {
  linalg.matmul ins(%a, %b : memref<128x384xf16>, memref<384x1536xf16>) outs(%c : memref<128x1536xf32>)
  return
}

// -----

// Attention's batched products (bf16): one image of the batch and 64 rows
// per block; K = 64 is one block, so there is no K loop.
// CHECK-LABEL: func.func @batched_bf16
// CHECK: scf.parallel (%{{.*}}, %{{.*}}) = (%c0{{.*}}, %c0{{.*}}) to (%c12, %c128) step (%c1{{.*}}, %c64{{.*}})
// CHECK: %[[AP:.*]] = memref.alloc() {{.*}} : memref<1x64x64xf32>
// CHECK: %[[BP:.*]] = memref.alloc() {{.*}} : memref<1x64x128xf32>
// CHECK-NOT: scf.for
// CHECK: arith.extf %{{.*}} : bf16 to f32
// CHECK: arith.extf %{{.*}} : bf16 to f32
// CHECK: linalg.batch_matmul ins(%[[AP]], %[[BP]] : memref<1x64x64xf32>, memref<1x64x128xf32>)
// CHECK: memref.dealloc %[[AP]]
// KERNEL-LABEL: func.func @batched_bf16
// KERNEL-NOT: linalg.batch_matmul
// KERNEL: vector.fma %{{.*}} : vector<32xf32>
func.func @batched_bf16(%a: memref<12x128x64xbf16>, %b: memref<12x64x128xbf16>, %c: memref<12x128x128xf32>) {
  linalg.batch_matmul ins(%a, %b : memref<12x128x64xbf16>, memref<12x64x128xbf16>) outs(%c : memref<12x128x128xf32>)
  return
}

// -----

// One block already (a block of a kernel region): the panels around the
// product, no loops.
// CHECK-LABEL: func.func @one_block
// CHECK-NOT: scf.
// CHECK: memref.alloc() {{.*}} : memref<8x16xf32>
// CHECK: memref.alloc() {{.*}} : memref<16x32xf32>
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : memref<8x16xf32>, memref<16x32xf32>) outs(%arg2 : memref<8x32xf32>)
func.func @one_block(%a: memref<8x16xf16>, %b: memref<16x32xf16>, %c: memref<8x32xf32>) {
  linalg.matmul ins(%a, %b : memref<8x16xf16>, memref<16x32xf16>) outs(%c : memref<8x32xf32>)
  return
}

// -----

// Not 16-bit products: float32 (the f32 kernel's), mixed f16 x bf16 and a
// 16-bit result are left alone.
// CHECK-LABEL: func.func @others
// CHECK-NOT: memref.alloc
// CHECK: linalg.matmul ins(%arg0, %arg1 : memref<8x16xf32>, memref<16x32xf32>)
// CHECK: linalg.matmul ins(%arg3, %arg4 : memref<8x16xf16>, memref<16x32xbf16>)
// CHECK: linalg.matmul ins(%arg3, %arg6 : memref<8x16xf16>, memref<16x32xf16>) outs(%arg7 : memref<8x32xf16>)
func.func @others(%a: memref<8x16xf32>, %b: memref<16x32xf32>, %c: memref<8x32xf32>,
                  %h: memref<8x16xf16>, %bb: memref<16x32xbf16>, %c2: memref<8x32xf32>,
                  %h2: memref<16x32xf16>, %c3: memref<8x32xf16>) {
  linalg.matmul ins(%a, %b : memref<8x16xf32>, memref<16x32xf32>) outs(%c : memref<8x32xf32>)
  linalg.matmul ins(%h, %bb : memref<8x16xf16>, memref<16x32xbf16>) outs(%c2 : memref<8x32xf32>)
  linalg.matmul ins(%h, %h2 : memref<8x16xf16>, memref<16x32xf16>) outs(%c3 : memref<8x32xf16>)
  return
}

// -----

// With bf16-dot (AVX512_BF16), a bf16 product runs on vdpbf16ps: no A
// panel; per K block (192), B's block packed into a bf16 panel of row pairs
// (96 x 2*256, 16 columns of two rows interleaved per step), then 8x32
// register tiles of C accumulating two f32 vectors per row, one dpbf16ps
// per row and 16 columns for each pair of K.
// DOT-LABEL: func.func @dot_bf16
// DOT: scf.parallel
// DOT-NOT: memref.alloc() {{.*}}xf32>
// DOT: %[[P:.*]] = memref.alloc() {alignment = 64 : i64} : memref<96x512xbf16>
// DOT: scf.for %{{.*}} = %{{.*}} to %c384 step %c192
// DOT: scf.for %[[KK:.*]] = %{{.*}} to %c96
// DOT: scf.for %[[N:.*]] = %{{.*}} to %c256{{.*}} step %c16
// DOT: %[[E:.*]] = vector.load %{{.*}} : memref<192x256xbf16, {{.*}}>, vector<16xbf16>
// DOT: %[[O:.*]] = vector.load %{{.*}} : memref<192x256xbf16, {{.*}}>, vector<16xbf16>
// DOT: vector.shuffle %[[E]], %[[O]] [0, 16, 1, 17,
// DOT: vector.store %{{.*}}, %[[P]][%[[KK]], %{{.*}}] : memref<96x512xbf16>, vector<32xbf16>
// DOT: scf.for %{{.*}} = %{{.*}} to %c256{{.*}} step %c32
// DOT: scf.for %{{.*}} = %{{.*}} to %c64{{.*}} step %c8
// DOT: scf.for %{{.*}} = %{{.*}} to %c96{{.*}} step %c1{{.*}} iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// DOT: vector.load %[[P]]{{.*}} : memref<96x512xbf16>, vector<32xbf16>
// DOT: vector.load %{{.*}} : memref<64x192xbf16, {{.*}}>, vector<2xbf16>
// DOT: vector.bitcast %{{.*}} : vector<2xbf16> to vector<1xi32>
// DOT: vector.broadcast %{{.*}} : i32 to vector<16xi32>
// DOT-COUNT-16: llvm.call_intrinsic "llvm.x86.avx512bf16.dpbf16ps.512"
// DOT: memref.dealloc %[[P]]
// An f16 product is widened as without the option.
// DOT-LABEL: func.func @dot_f16
// DOT: memref.alloc() {{.*}} : memref<64x192xf32>
// DOT: arith.extf %{{.*}} : f16 to f32
// DOT-NOT: dpbf16ps
// With amx-bf16 (AMX-BF16), the same bf16 product, whose blocks (64 x 192
// by 192 x 256) are whole tiles, packs B's block into the same pair panel
// and runs on AMX tiles: column blocks of 32 outside, row blocks of 32
// inside, 2 x 2 f32 accumulator tiles loaded from C, per 32 values of K 2
// tiles of A read where A is (16 x 32 bf16, 64 bytes a row) and 2 of the
// panel, 4 tile_mulf, stored back. The f16 product is widened.
// AMX-LABEL: func.func @dot_bf16
// AMX: %[[P:.*]] = memref.alloc() {alignment = 64 : i64} : memref<96x512xbf16>
// AMX: vector.shuffle
// AMX: scf.for %{{.*}} = %{{.*}} to %c256{{.*}} step %c32
// AMX: scf.for %{{.*}} = %{{.*}} to %c64{{.*}} step %c32
// AMX-COUNT-4: amx.tile_load %{{.*}} : memref<64x256xf32, {{.*}}> into !amx.tile<16x16xf32>
// AMX: scf.for %{{.*}} = %{{.*}} to %c192{{.*}} step %c32{{.*}} iter_args
// AMX-COUNT-2: amx.tile_load %{{.*}} : memref<64x192xbf16, {{.*}}> into !amx.tile<16x32xbf16>
// AMX-COUNT-2: amx.tile_load %[[P]]{{.*}} : memref<96x512xbf16> into !amx.tile<16x32xbf16>
// AMX-COUNT-4: amx.tile_mulf %{{.*}}, %{{.*}}, %{{.*}} : !amx.tile<16x32xbf16>, !amx.tile<16x32xbf16>, !amx.tile<16x16xf32>
// AMX: scf.yield
// AMX-COUNT-4: amx.tile_store
// AMX-NOT: dpbf16ps
// AMX-LABEL: func.func @dot_f16
// AMX-NOT: amx.
// AMX: arith.extf %{{.*}} : f16 to f32
func.func @dot_bf16(%a: memref<128x384xbf16>, %b: memref<384x1536xbf16>, %c: memref<128x1536xf32>) {
  linalg.matmul ins(%a, %b : memref<128x384xbf16>, memref<384x1536xbf16>) outs(%c : memref<128x1536xf32>)
  return
}
func.func @dot_f16(%a: memref<128x384xf16>, %b: memref<384x1536xf16>, %c: memref<128x1536xf32>) {
  linalg.matmul ins(%a, %b : memref<128x384xf16>, memref<384x1536xf16>) outs(%c : memref<128x1536xf32>)
  return
}
