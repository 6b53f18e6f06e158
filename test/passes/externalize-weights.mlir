// RUN: rm -f %t.weights
// RUN: autoglm-opt -allow-unregistered-dialect %s --autoglm-externalize-weights="file=%t.weights min-bytes=64" | FileCheck %s
// RUN: %python %S/Inputs/read_weights.py %t.weights | FileCheck %s --check-prefix=FILE
// RUN: not autoglm-opt -allow-unregistered-dialect %s --autoglm-externalize-weights 2>&1 | FileCheck %s --check-prefix=NOFILE
// RUN: not autoglm-opt -allow-unregistered-dialect %s --autoglm-externalize-weights="file=%t.weights embed" 2>&1 | FileCheck %s --check-prefix=NOFILE
// RUN: autoglm-opt -allow-unregistered-dialect %s --autoglm-externalize-weights="embed min-bytes=64" | FileCheck %s --check-prefix=EMBED
// RUN: not autoglm-opt -allow-unregistered-dialect %s --autoglm-externalize-weights="file=%t.missing-dir/w.weights min-bytes=64" 2>&1 | FileCheck %s --check-prefix=UNWRITABLE
// RUN: autoglm-opt -allow-unregistered-dialect %s --autoglm-externalize-weights="embed per-weight min-bytes=64" | FileCheck %s --check-prefix=EACH

// Moved: the 24-float matrix (96 bytes) at offset 0, the 20-float splat
// (80 bytes, expanded) at offset 128 (64-byte aligned), the 32 f16 (64
// bytes) at 256, the 128 booleans (one byte each) at 320.
// CHECK: module attributes {autoglm.weights = #autoglm.weights<file = "{{.*}}.weights", bytes = 448, fingerprint = {{[0-9]+}}>}
// CHECK-NOT: memref.global "private" constant @big
// CHECK-NOT: memref.global "private" constant @splat
// CHECK-NOT: memref.global "private" constant @half
// CHECK-NOT: memref.global "private" constant @bits
// Kept: too small, read by another function, mutable.
// CHECK-DAG: memref.global "private" constant @small
// CHECK-DAG: memref.global "private" constant @shared
// CHECK-DAG: memref.global "private" @state
// CHECK-LABEL: func.func @main(
// CHECK-SAME: %[[W:[a-z0-9]+]]: memref<448xi8>)
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C128:.*]] = arith.constant 128 : index
// CHECK-DAG: %[[C256:.*]] = arith.constant 256 : index
// CHECK-DAG: %[[C320:.*]] = arith.constant 320 : index
// CHECK-DAG: memref.view %[[W]][%[[C0]]][] : memref<448xi8> to memref<4x6xf32>
// CHECK-DAG: memref.view %[[W]][%[[C128]]][] : memref<448xi8> to memref<20xf32>
// CHECK-DAG: memref.view %[[W]][%[[C256]]][] : memref<448xi8> to memref<32xf16>
// CHECK-DAG: memref.view %[[W]][%[[C320]]][] : memref<448xi8> to memref<128xi1>
// CHECK-DAG: memref.get_global @small
// CHECK-DAG: memref.get_global @shared
// CHECK-LABEL: func.func @helper(
// CHECK: memref.get_global @shared

// FILE: magic AGLMWTS1 data_bytes 448 size 512
// FILE-NEXT: float32 at 0: 0.0 1.0 2.0 3.0 4.0 5.0 6.0 7.0 8.0 9.0 10.0 11.0 12.0 13.0 14.0 15.0 16.0 17.0 18.0 19.0 20.0 21.0 22.0 23.0
// FILE-NEXT: float32 at 128: 2.5 2.5 2.5 2.5 2.5 2.5 2.5 2.5 2.5 2.5 2.5 2.5 2.5 2.5 2.5 2.5 2.5 2.5 2.5 2.5
// FILE-NEXT: float16 at 256: 0.5 0.5 0.5 0.5 0.5 0.5 0.5 0.5 0.5 0.5 0.5 0.5 0.5 0.5 0.5 0.5 0.5 0.5 0.5 0.5 0.5 0.5 0.5 0.5 0.5 0.5 0.5 0.5 0.5 0.5 0.5 0.5
// FILE-NEXT: bool at 320: 128 of 128 true
// FILE-NEXT: padding zero: True

// NOFILE: error: --autoglm-externalize-weights needs file=PATH or embed, not both

// Embedded: the same layout in one packed global that main reads; main's
// signature and the module's attributes stay as they were. The blob (after
// MLIR's 4-byte alignment prefix, 64) holds 0.0, 1.0, 2.0, ... at 0, the
// splat 2.5 from 128, 0.5 in f16 from 256, the booleans as bytes from 320.
// EMBED: module {
// EMBED-DAG: memref.global "private" constant @__autoglm_weights : memref<448xi8> = dense_resource<__autoglm_weights> {alignment = 64 : i64}
// EMBED-DAG: memref.global "private" constant @small
// EMBED-DAG: memref.global "private" constant @shared
// EMBED-NOT: memref.global "private" constant @big
// EMBED-LABEL: func.func @main(
// EMBED-SAME: %{{[a-z0-9]+}}: memref<4x6xf32>) {
// EMBED: %[[W:.*]] = memref.get_global @__autoglm_weights : memref<448xi8>
// EMBED-DAG: memref.view %[[W]][%{{.*}}][] : memref<448xi8> to memref<4x6xf32>
// EMBED-DAG: memref.view %[[W]][%{{.*}}][] : memref<448xi8> to memref<20xf32>
// EMBED-DAG: memref.view %[[W]][%{{.*}}][] : memref<448xi8> to memref<32xf16>
// EMBED-DAG: memref.view %[[W]][%{{.*}}][] : memref<448xi8> to memref<128xi1>
// EMBED: __autoglm_weights: "0x40000000000000000000803F00000040{{([0-9A-F]{168}0{64}(00002040){20}0{96}(0038){32}(01){128})}}"
// With per-weight, each moved constant is a byte global of its own (its
// bytes rounded up to 64), read through a view at offset 0; no packed
// image.
// EACH-DAG: memref.global "private" constant @__autoglm_weight : memref<128xi8> = dense_resource<{{.*}}> {alignment = 64 : i64}
// EACH-DAG: memref.global "private" constant @__autoglm_weight_0 : memref<128xi8>
// EACH-DAG: memref.global "private" constant @__autoglm_weight_1 : memref<64xi8>
// EACH-DAG: memref.global "private" constant @__autoglm_weight_2 : memref<128xi8>
// EACH-NOT: @__autoglm_weights
// EACH-LABEL: func.func @main(
// EACH-DAG: %[[ZERO:.*]] = arith.constant 0 : index
// EACH-DAG: memref.view %{{.*}}[%{{.*}}][] : memref<128xi8> to memref<4x6xf32>
// EACH-DAG: memref.view %{{.*}}[%{{.*}}][] : memref<128xi8> to memref<20xf32>
// EACH-DAG: memref.view %{{.*}}[%{{.*}}][] : memref<64xi8> to memref<32xf16>
// EACH-DAG: memref.view %{{.*}}[%{{.*}}][] : memref<128xi8> to memref<128xi1>
// UNWRITABLE: error: cannot write the weights file '{{.*}}w.weights': No such file or directory

module {
  memref.global "private" constant @big : memref<4x6xf32> = dense<[[0.0, 1.0, 2.0, 3.0, 4.0, 5.0], [6.0, 7.0, 8.0, 9.0, 10.0, 11.0], [12.0, 13.0, 14.0, 15.0, 16.0, 17.0], [18.0, 19.0, 20.0, 21.0, 22.0, 23.0]]>
  memref.global "private" constant @splat : memref<20xf32> = dense<2.5>
  memref.global "private" constant @half : memref<32xf16> = dense<0.5>
  memref.global "private" constant @small : memref<4xf32> = dense<[1.0, 2.0, 3.0, 4.0]>
  memref.global "private" constant @bits : memref<128xi1> = dense<true>
  memref.global "private" constant @shared : memref<32xf32> = dense<1.0>
  memref.global "private" @state : memref<32xf32> = dense<0.0>
  func.func @main(%out: memref<4x6xf32>) {
    %0 = memref.get_global @big : memref<4x6xf32>
    %1 = memref.get_global @splat : memref<20xf32>
    %2 = memref.get_global @half : memref<32xf16>
    %3 = memref.get_global @small : memref<4xf32>
    %4 = memref.get_global @bits : memref<128xi1>
    %5 = memref.get_global @shared : memref<32xf32>
    %6 = memref.get_global @state : memref<32xf32>
    memref.copy %0, %out : memref<4x6xf32> to memref<4x6xf32>
    "test.use"(%1, %2, %3, %4, %5, %6) : (memref<20xf32>, memref<32xf16>, memref<4xf32>, memref<128xi1>, memref<32xf32>, memref<32xf32>) -> ()
    return
  }
  func.func @helper() -> memref<32xf32> {
    %0 = memref.get_global @shared : memref<32xf32>
    return %0 : memref<32xf32>
  }
}
