// RUN: autoglm-opt %s --autoglm-cuda-float8-conversions | FileCheck %s

// In a kernel: the truncation to f8E4M3FN becomes the GPU's conversion of
// the value (twice: cvt converts a pair) to E4M3, rounding to nearest even
// and saturating, its low byte kept; the bitcast to the stored i8 folds,
// so no float8 type is left for the conversion to LLVM.
// CHECK-LABEL: gpu.func @quantize
// CHECK:         %[[X:.+]] = memref.load
// CHECK:         %[[P:.+]] = nvvm.convert.f32x2.to.f8x2 %[[X]], %[[X]] {rnd = #nvvm.fp_rnd_mode<rn>, sat = #nvvm.sat_mode<satfinite>} : i16(f8E4M3FN)
// CHECK:         %[[L:.+]] = arith.trunci %[[P]] : i16 to i8
// CHECK:         memref.store %[[L]]
// CHECK-NOT:     f8E4M3FN
gpu.module @kernels {
  gpu.func @quantize(%in: memref<4xf32>, %out: memref<4xi8>) kernel {
    %i = gpu.thread_id x
    %x = memref.load %in[%i] : memref<4xf32>
    %t = arith.truncf %x : f32 to f8E4M3FN
    %b = arith.bitcast %t : f8E4M3FN to i8
    memref.store %b, %out[%i] : memref<4xi8>
    gpu.return
  }
}
