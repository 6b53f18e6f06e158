// RUN: autoglm-opt %s --autoglm-tile-kernel-regions=vector-bits=512 | FileCheck %s

// A 16-bit product (--precision=fp16|bf16: f16 operands, f32 accumulator)
// in a "contraction" region is cut into the cache blocks of an f32 product
// (64x256 of C), its fill and its tail fused into the block loop, as a
// float32 product is; --autoglm-widen-16bit-products widens each block's
// operands after bufferization.
// CHECK-LABEL: func.func @contraction_f16(
// CHECK-NOT:     autoglm.fused
// CHECK:         scf.forall (%{{.+}}, %{{.+}}) = (0, 0) to (128, 512) step (64, 256)
// CHECK:           linalg.fill {{.*}} -> tensor<64x256xf32>
// CHECK:           %[[M:.+]] = linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<64x384xf16>, tensor<384x256xf16>) outs(%{{.+}} : tensor<64x256xf32>)
// CHECK:           linalg.generic {{.+}} ins(%{{.+}} : tensor<256xf32>) outs(%[[M]] : tensor<64x256xf32>)
// CHECK:         } {autoglm.kernel = "contraction"}
// CHECK-NOT:     linalg.matmul
func.func @contraction_f16(%a: tensor<128x384xf16>, %b: tensor<384x512xf16>, %bias: tensor<512xf32>) -> tensor<128x512xf32> {
  %r = autoglm.fused "contraction" (%a, %b, %bias) : (tensor<128x384xf16>, tensor<384x512xf16>, tensor<512xf32>) -> tensor<128x512xf32> {
  ^bb0(%x: tensor<128x384xf16>, %w: tensor<384x512xf16>, %c: tensor<512xf32>):
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<128x512xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<128x512xf32>) -> tensor<128x512xf32>
    %m = linalg.matmul ins(%x, %w : tensor<128x384xf16>, tensor<384x512xf16>) outs(%f : tensor<128x512xf32>) -> tensor<128x512xf32>
    %t = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                         iterator_types = ["parallel", "parallel"]}
        ins(%c : tensor<512xf32>) outs(%m : tensor<128x512xf32>) {
    ^bb0(%in: f32, %out: f32):
      %s = arith.addf %out, %in : f32
      linalg.yield %s : f32
    } -> tensor<128x512xf32>
    autoglm.yield %t : tensor<128x512xf32>
  }
  return %r : tensor<128x512xf32>
}

// A lone batched bf16 product (attention's): one image and 64 rows a block.
// CHECK-LABEL: func.func @lone_batched_bf16(
// CHECK:         scf.forall (%{{.+}}, %{{.+}}) = (0, 0) to (12, 128) step (1, 64)
// CHECK:           linalg.fill
// CHECK:           linalg.batch_matmul ins(%{{.+}}, %{{.+}} : tensor<1x64x64xbf16>, tensor<1x64x128xbf16>) outs(%{{.+}} : tensor<1x64x128xf32>)
// CHECK:         } {autoglm.kernel = "contraction"}
func.func @lone_batched_bf16(%a: tensor<12x128x64xbf16>, %b: tensor<12x64x128xbf16>) -> tensor<12x128x128xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<12x128x128xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<12x128x128xf32>) -> tensor<12x128x128xf32>
  %m = linalg.batch_matmul ins(%a, %b : tensor<12x128x64xbf16>, tensor<12x64x128xbf16>) outs(%f : tensor<12x128x128xf32>) -> tensor<12x128x128xf32>
  return %m : tensor<12x128x128xf32>
}
