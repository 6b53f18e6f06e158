// RUN: autoglm-opt %s --split-input-file --autoglm-winograd-conv="min-channels=32 min-tiles=16" --mlir-elide-elementsattrs-if-larger=100000 | FileCheck %s
// RUN: autoglm-opt %s --split-input-file --autoglm-winograd-conv="min-channels=16 min-tiles=4" --mlir-elide-elementsattrs-if-larger=100000 | FileCheck %s --check-prefix=FEW
// RUN: autoglm-opt %s --split-input-file --autoglm-winograd-conv --mlir-elide-elementsattrs-if-larger=100000 | FileCheck %s --check-prefix=DEFAULT
// RUN: autoglm-opt %s --split-input-file --autoglm-winograd-conv="min-channels=32 min-tiles=16 bf16=false" --mlir-elide-elementsattrs-if-larger=100000 | FileCheck %s --check-prefix=AMX

// The default options take 64 channels and more on each side
// (min-channels), at least 32 blocks of 4x4 outputs (min-tiles) and a
// transformed input of at most 256 MiB (max-transformed-mib); the first
// two cases, of 32 channels and 16 or 32 blocks, are rewritten only with
// the smaller options of the first RUN (CHECK).
// DEFAULT-LABEL: func.func @fires
// DEFAULT-NOT:     linalg.batch_matmul
// DEFAULT-LABEL: func.func @bare_batch2
// DEFAULT-NOT:     linalg.batch_matmul
// DEFAULT-LABEL: func.func @default_128
// DEFAULT:         linalg.batch_matmul
// (@channel_product, @transformed_size and @stays have their DEFAULT
// lines below.)

// A fused 3x3 stride-1 convolution of 32 -> 32 channels at 13x13 outputs
// (the padded input 15x15): 4x4 blocks of 4x4 outputs (the last ones cut),
// so the input's zero pad grows to 18x18 in place of a second pad. The
// weight operand of the region becomes the transformed filter [36, F, C];
// the convolution becomes the input transform (rows, then columns), 36
// products, the output transform (rows and columns in one step, into the
// output's layout), cut to 13x13; the region's bias and Relu follow
// unchanged. Each step of the transforms computes every row of its matrix
// in one generic: six (16) outputs, subviews of one buffer, from values read
// once through views (rows 4 i + k, columns 4 j + k: views of stride 4),
// so that every indexing map is a projected permutation, with the matrix's
// entries as constants and its zeros left out (B^T's first row is
// 4, 0, -5, 0, 1, 0).
// CHECK-LABEL: func.func @fires
// CHECK-NOT:     tensor<32x32x3x3xf32>
// CHECK:         %[[U:.+]] = arith.constant dense<{{.+}}> : tensor<36x32x32xf32>
// CHECK:         autoglm.fused "contraction"(%{{.+}}, %[[U]], %{{.+}}) : (tensor<1x32x13x13xf32>, tensor<36x32x32xf32>, tensor<32xf32>)
// CHECK-NEXT:    ^bb0(%[[X:.+]]: tensor<1x32x13x13xf32>, %[[W:.+]]: tensor<36x32x32xf32>, %{{.+}}: tensor<32xf32>):
// CHECK:           %[[PAD:.+]] = tensor.pad %[[X]] low[0, 0, 1, 1] high[0, 0, 4, 4]
// CHECK:           tensor<1x32x13x13xf32> to tensor<1x32x18x18xf32>
// CHECK-NOT:       tensor.pad
// CHECK:           %[[RBUF:.+]] = memref.alloc() {alignment = 64 : i64} : memref<6x1x32x4x18xf32>
// CHECK:           %[[XB:.+]] = bufferization.to_buffer %[[PAD]] read_only : tensor<1x32x18x18xf32>
// CHECK-COUNT-6:   memref.subview %[[RBUF]][{{[0-5]}}, 0, 0, 0, 0] [1, 1, 32, 4, 18]
// CHECK:           %[[X0:.+]] = memref.subview %[[XB]][0, 0, 0, 0] [1, 32, 4, 18] [1, 1, 4, 1]
// CHECK-COUNT-4:   memref.subview %[[XB]][0, 0, {{[1-4]}}, 0] [1, 32, 4, 18] [1, 1, 4, 1]
// CHECK:           %[[X5:.+]] = memref.subview %[[XB]][0, 0, 5, 0] [1, 32, 4, 18] [1, 1, 4, 1]
// CHECK:           linalg.generic {indexing_maps = [#[[ID4:.+]], #[[ID4]], #[[ID4]], #[[ID4]], #[[ID4]], #[[ID4]], #[[ID4]], {{.+}} ins(%[[X0]], {{.+}}, %[[X5]] : {{.+}}) outs(
// CHECK-NEXT:      ^bb0(%[[X0:[^:]+]]: f32, %[[X1:[^:]+]]: f32, %[[X2:[^:]+]]: f32, %[[X3:[^:]+]]: f32, %[[X4:[^:]+]]: f32, %[[X5:[^:]+]]: f32,
// CHECK-NEXT:        %[[C4:.+]] = arith.constant 4.000000e+00 : f32
// CHECK-NEXT:        %[[T0:.+]] = arith.mulf %[[X0]], %[[C4]] : f32
// CHECK-NEXT:        %[[C5:.+]] = arith.constant -5.000000e+00 : f32
// CHECK-NEXT:        %[[T2:.+]] = arith.mulf %[[X2]], %[[C5]] : f32
// CHECK-NEXT:        %[[S:.+]] = arith.addf %[[T0]], %[[T2]] : f32
// CHECK-NEXT:        %[[R0:.+]] = arith.addf %[[S]], %[[X4]] : f32
// CHECK-NOT:         tensor.extract
// CHECK:             linalg.yield %[[R0]], %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} : f32, f32, f32, f32, f32, f32
// CHECK:           %[[ROWS:.+]] = bufferization.to_tensor %[[RBUF]] restrict writable : memref<6x1x32x4x18xf32>
// CHECK:           %[[VBUF:.+]] = memref.alloc() {alignment = 64 : i64} : memref<6x6x32x1x4x4xf32>
// CHECK:           %[[RB:.+]] = bufferization.to_buffer %[[ROWS]] read_only
// CHECK-COUNT-6:   memref.subview %[[VBUF]][0, {{[0-5]}}, 0, 0, 0, 0] [6, 1, 32, 1, 4, 4]
// CHECK:           %[[R0:.+]] = memref.subview %[[RB]][0, 0, 0, 0, 0] [6, 1, 32, 4, 4] [1, 1, 1, 1, 4] : memref<6x1x32x4x18xf32> to memref<6x1x32x4x4xf32, strided<[2304, 2304, 72, 18, 4]>>
// CHECK-COUNT-4:   memref.subview %[[RB]][0, 0, 0, 0, {{[1-4]}}] [6, 1, 32, 4, 4] [1, 1, 1, 1, 4]
// CHECK:           %[[R5:.+]] = memref.subview %[[RB]][0, 0, 0, 0, 5] [6, 1, 32, 4, 4] [1, 1, 1, 1, 4] : memref<6x1x32x4x18xf32> to memref<6x1x32x4x4xf32, strided<[2304, 2304, 72, 18, 4], offset: 5>>
// CHECK:           linalg.generic {{.+}} ins(%[[R0]], {{.+}}, %[[R5]] : {{.+}}) outs(
// CHECK:             linalg.yield %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} : f32, f32, f32, f32, f32, f32
// CHECK:           %[[V:.+]] = bufferization.to_tensor %[[VBUF]] restrict writable : memref<6x6x32x1x4x4xf32>
// CHECK:           %[[COLS:.+]] = tensor.collapse_shape %[[V]] {{\[}}[0, 1], [2], [3, 4, 5]] : tensor<6x6x32x1x4x4xf32> into tensor<36x32x16xf32>
// CHECK:           %[[FILL:.+]] = linalg.fill {{.+}} -> tensor<36x32x16xf32>
// CHECK:           %[[M:.+]] = linalg.batch_matmul ins(%[[W]], %[[COLS]] : tensor<36x32x32xf32>, tensor<36x32x16xf32>) outs(%[[FILL]] : tensor<36x32x16xf32>)
// The output transform, both directions in one generic: 36 values, each a
// view of the products, 16 outputs (y, x), each a view of stride 4 of the
// output's columns 4 j + x.
// CHECK:           %[[M6:.+]] = tensor.expand_shape %[[M]] {{\[}}[0, 1], [2], [3, 4, 5]] output_shape [6, 6, 32, 1, 4, 4]
// CHECK:           %[[OBUF:.+]] = memref.alloc() {alignment = 64 : i64} : memref<1x32x4x4x4x4xf32>
// CHECK:           %[[MB:.+]] = bufferization.to_buffer %[[M6]] read_only
// CHECK:           %[[O0:.+]] = memref.subview %[[OBUF]][0, 0, 0, 0, 0, 0] [1, 32, 4, 1, 4, 1] [1, 1, 1, 1, 1, 1] : memref<1x32x4x4x4x4xf32> to memref<1x32x4x4xf32, strided<[8192, 256, 64, 4]>>
// CHECK-COUNT-14:  memref.subview %[[OBUF]][0, 0, 0, {{[0-3]}}, 0, {{[0-3]}}] [1, 32, 4, 1, 4, 1]
// CHECK:           %[[O15:.+]] = memref.subview %[[OBUF]][0, 0, 0, 3, 0, 3] [1, 32, 4, 1, 4, 1] [1, 1, 1, 1, 1, 1] : memref<1x32x4x4x4x4xf32> to memref<1x32x4x4xf32, strided<[8192, 256, 64, 4], offset: 51>>
// CHECK:           %[[M0:.+]] = memref.subview %[[MB]][0, 0, 0, 0, 0, 0] [1, 1, 32, 1, 4, 4] [1, 1, 1, 1, 1, 1] : memref<6x6x32x1x4x4xf32> to memref<32x1x4x4xf32, strided<[16, 16, 4, 1]>>
// CHECK-COUNT-34:  memref.subview %[[MB]][{{[0-5]}}, {{[0-5]}}, 0, 0, 0, 0] [1, 1, 32, 1, 4, 4]
// CHECK:           %[[M35:.+]] = memref.subview %[[MB]][5, 5, 0, 0, 0, 0] [1, 1, 32, 1, 4, 4]
// CHECK:           linalg.generic {{.+}} ins(%[[M0]], {{.+}}, %[[M35]] : {{.+}}) outs(%[[O0]], {{.+}}, %[[O15]] : {{.+}})
// CHECK:             linalg.yield %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} : f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32
// CHECK:           %[[OUT:.+]] = bufferization.to_tensor %[[OBUF]] restrict writable : memref<1x32x4x4x4x4xf32>
// CHECK:           %[[FULL:.+]] = tensor.collapse_shape %[[OUT]] {{\[}}[0], [1], [2, 3], [4, 5]] : tensor<1x32x4x4x4x4xf32> into tensor<1x32x16x16xf32>
// CHECK:           %[[CUT:.+]] = tensor.extract_slice %[[FULL]][0, 0, 0, 0] [1, 32, 13, 13] [1, 1, 1, 1]
// CHECK-NOT:       linalg.conv_2d_nchw_fchw
// CHECK:           linalg.generic {{.+}} outs(%[[CUT]] : tensor<1x32x13x13xf32>)
// CHECK:             arith.maximumf
func.func @fires(%x: tensor<1x32x13x13xf32>) -> tensor<1x32x13x13xf32> {
  %w = arith.constant dense<0.5> : tensor<32x32x3x3xf32>
  %b = arith.constant dense<0.25> : tensor<32xf32>
  %r = autoglm.fused "contraction" (%x, %w, %b) : (tensor<1x32x13x13xf32>, tensor<32x32x3x3xf32>, tensor<32xf32>) -> tensor<1x32x13x13xf32> {
  ^bb0(%in: tensor<1x32x13x13xf32>, %wt: tensor<32x32x3x3xf32>, %bias: tensor<32xf32>):
    %zero = arith.constant 0.0 : f32
    %p = tensor.pad %in low[0, 0, 1, 1] high[0, 0, 1, 1] {
    ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
      tensor.yield %zero : f32
    } : tensor<1x32x13x13xf32> to tensor<1x32x15x15xf32>
    %e = tensor.empty() : tensor<1x32x13x13xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x32x13x13xf32>) -> tensor<1x32x13x13xf32>
    %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
        ins(%p, %wt : tensor<1x32x15x15xf32>, tensor<32x32x3x3xf32>) outs(%f : tensor<1x32x13x13xf32>) -> tensor<1x32x13x13xf32>
    %t = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d1)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                         iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
        ins(%bias : tensor<32xf32>) outs(%c : tensor<1x32x13x13xf32>) {
    ^bb0(%v: f32, %out: f32):
      %s = arith.addf %out, %v : f32
      %y = arith.maximumf %s, %zero : f32
      linalg.yield %y : f32
    } -> tensor<1x32x13x13xf32>
    autoglm.yield %t : tensor<1x32x13x13xf32>
  }
  return %r : tensor<1x32x13x13xf32>
}

// -----

// Outside a region, 2 images of 16x16 outputs (whole blocks, no pad or
// cut): the transformed filter is a new constant next to the convolution.
// CHECK-LABEL: func.func @bare_batch2
// CHECK:         %[[U:.+]] = arith.constant dense<{{.+}}> : tensor<36x64x32xf32>
// CHECK-NOT:     tensor.pad
// CHECK:         linalg.batch_matmul ins(%[[U]], %{{.+}} : tensor<36x64x32xf32>, tensor<36x32x32xf32>)
// CHECK:         %[[OUT:.+]] = tensor.collapse_shape %{{.+}} : tensor<2x64x4x4x4x4xf32> into tensor<2x64x16x16xf32>
// CHECK-NOT:     tensor.extract_slice
// CHECK-NOT:     linalg.conv_2d_nchw_fchw
// CHECK:         return %[[OUT]]
func.func @bare_batch2(%x: tensor<2x32x18x18xf32>) -> tensor<2x64x16x16xf32> {
  %w = arith.constant dense<1.0> : tensor<64x32x3x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x64x16x16xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x64x16x16xf32>) -> tensor<2x64x16x16xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<2x32x18x18xf32>, tensor<64x32x3x3xf32>) outs(%f : tensor<2x64x16x16xf32>) -> tensor<2x64x16x16xf32>
  return %c : tensor<2x64x16x16xf32>
}

// -----

// bf16 operands with a float32 result (--precision=bf16): the transforms
// widen them, so the products run in float32 as for a float32 model. The
// bf16 filter's values become the float32 transformed filter, and the
// input's are widened once each where the input transform reads them.
// CHECK-LABEL: func.func @bf16_operands
// CHECK:         %[[U:.+]] = arith.constant dense<{{.+}}> : tensor<36x64x32xf32>
// CHECK:         linalg.generic
// CHECK-SAME:      memref<2x32x4x18xbf16, strided<[10368, 324, 72, 1]>>
// CHECK:           arith.extf %{{.+}} : bf16 to f32
// CHECK:         linalg.batch_matmul ins(%[[U]], %{{.+}} : tensor<36x64x32xf32>, tensor<36x32x32xf32>)
// CHECK-NOT:     linalg.conv_2d_nchw_fchw
// Where bf16 products run on AMX tiles (bf16=false), it stays direct.
// AMX-LABEL:     func.func @bf16_operands
// AMX-NOT:       linalg.batch_matmul
// AMX:           linalg.conv_2d_nchw_fchw
// AMX-NEXT:      return
func.func @bf16_operands(%x: tensor<2x32x18x18xbf16>) -> tensor<2x64x16x16xf32> {
  %w = arith.constant dense<1.5> : tensor<64x32x3x3xbf16>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x64x16x16xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x64x16x16xf32>) -> tensor<2x64x16x16xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<2x32x18x18xbf16>, tensor<64x32x3x3xbf16>) outs(%f : tensor<2x64x16x16xf32>) -> tensor<2x64x16x16xf32>
  return %c : tensor<2x64x16x16xf32>
}

// -----

// 2 images of 128 -> 128 channels at 16x16 outputs (32 blocks): rewritten
// with the default options too.
// CHECK-LABEL: func.func @default_128
// CHECK:         linalg.batch_matmul ins(%{{.+}}, %{{.+}} : tensor<36x128x128xf32>, tensor<36x128x32xf32>)
// CHECK-NOT:     linalg.conv_2d_nchw_fchw
// FEW-LABEL:   func.func @default_128
func.func @default_128(%x: tensor<2x128x18x18xf32>) -> tensor<2x128x16x16xf32> {
  %w = arith.constant dense<1.0> : tensor<128x128x3x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x128x16x16xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x128x16x16xf32>) -> tensor<2x128x16x16xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<2x128x18x18xf32>, tensor<128x128x3x3xf32>) outs(%f : tensor<2x128x16x16xf32>) -> tensor<2x128x16x16xf32>
  return %c : tensor<2x128x16x16xf32>
}

// -----

// Channel counts (default options, 32 blocks each): 256 -> 64 (the DB
// detector's FPN smoothing and head convolutions), 64 -> 256, 64 -> 64 and
// 128 -> 64 are rewritten; 32 -> 512 (32 input channels, below
// min-channels) stays direct.
// CHECK-LABEL: func.func @channel_product
// DEFAULT-LABEL: func.func @channel_product
// DEFAULT:         linalg.batch_matmul ins(%{{.+}}, %{{.+}} : tensor<36x64x256xf32>, tensor<36x256x32xf32>)
// DEFAULT:         linalg.batch_matmul ins(%{{.+}}, %{{.+}} : tensor<36x256x64xf32>, tensor<36x64x32xf32>)
// DEFAULT:         linalg.batch_matmul ins(%{{.+}}, %{{.+}} : tensor<36x64x64xf32>, tensor<36x64x32xf32>)
// DEFAULT:         linalg.batch_matmul ins(%{{.+}}, %{{.+}} : tensor<36x64x128xf32>, tensor<36x128x32xf32>)
// DEFAULT-NOT:     linalg.batch_matmul
// DEFAULT:         linalg.conv_2d_nchw_fchw {{.+}} outs(%{{.+}} : tensor<2x512x16x16xf32>)
// DEFAULT-NOT:     linalg.batch_matmul
// DEFAULT:         return
func.func @channel_product(%x256: tensor<2x256x18x18xf32>, %x64: tensor<2x64x18x18xf32>,
                           %x128: tensor<2x128x18x18xf32>, %x32: tensor<2x32x18x18xf32>)
    -> (tensor<2x64x16x16xf32>, tensor<2x256x16x16xf32>, tensor<2x64x16x16xf32>,
        tensor<2x64x16x16xf32>, tensor<2x512x16x16xf32>) {
  %zero = arith.constant 0.0 : f32
  %e64 = tensor.empty() : tensor<2x64x16x16xf32>
  %f64 = linalg.fill ins(%zero : f32) outs(%e64 : tensor<2x64x16x16xf32>) -> tensor<2x64x16x16xf32>
  %e256 = tensor.empty() : tensor<2x256x16x16xf32>
  %f256 = linalg.fill ins(%zero : f32) outs(%e256 : tensor<2x256x16x16xf32>) -> tensor<2x256x16x16xf32>
  %e512 = tensor.empty() : tensor<2x512x16x16xf32>
  %f512 = linalg.fill ins(%zero : f32) outs(%e512 : tensor<2x512x16x16xf32>) -> tensor<2x512x16x16xf32>
  %w256to64 = arith.constant dense<1.0> : tensor<64x256x3x3xf32>
  %w64to256 = arith.constant dense<1.0> : tensor<256x64x3x3xf32>
  %w64to64 = arith.constant dense<1.0> : tensor<64x64x3x3xf32>
  %w128to64 = arith.constant dense<1.0> : tensor<64x128x3x3xf32>
  %w32to512 = arith.constant dense<1.0> : tensor<512x32x3x3xf32>
  %a = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x256, %w256to64 : tensor<2x256x18x18xf32>, tensor<64x256x3x3xf32>) outs(%f64 : tensor<2x64x16x16xf32>) -> tensor<2x64x16x16xf32>
  %b = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x64, %w64to256 : tensor<2x64x18x18xf32>, tensor<256x64x3x3xf32>) outs(%f256 : tensor<2x256x16x16xf32>) -> tensor<2x256x16x16xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x64, %w64to64 : tensor<2x64x18x18xf32>, tensor<64x64x3x3xf32>) outs(%f64 : tensor<2x64x16x16xf32>) -> tensor<2x64x16x16xf32>
  %d = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x128, %w128to64 : tensor<2x128x18x18xf32>, tensor<64x128x3x3xf32>) outs(%f64 : tensor<2x64x16x16xf32>) -> tensor<2x64x16x16xf32>
  %e = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x32, %w32to512 : tensor<2x32x18x18xf32>, tensor<512x32x3x3xf32>) outs(%f512 : tensor<2x512x16x16xf32>) -> tensor<2x512x16x16xf32>
  return %a, %b, %c, %d, %e
      : tensor<2x64x16x16xf32>, tensor<2x256x16x16xf32>, tensor<2x64x16x16xf32>,
        tensor<2x64x16x16xf32>, tensor<2x512x16x16xf32>
}

// -----

// The DB detector's 256 -> 64 at 80x80 (padded 82x82) for 8 images, 3200
// blocks: its transformed input [36, 256, 3200] takes 112.5 MiB, within
// max-transformed-mib (256), and is rewritten; at 160x160 (12800 blocks,
// 450 MiB) it stays direct.
// CHECK-LABEL: func.func @transformed_size
// DEFAULT-LABEL: func.func @transformed_size
// DEFAULT:         linalg.batch_matmul ins(%{{.+}}, %{{.+}} : tensor<36x64x256xf32>, tensor<36x256x3200xf32>)
// DEFAULT-NOT:     linalg.batch_matmul
// DEFAULT:         linalg.conv_2d_nchw_fchw {{.+}} outs(%{{.+}} : tensor<8x64x160x160xf32>)
// DEFAULT-NOT:     linalg.batch_matmul
// DEFAULT:         return
func.func @transformed_size(%x80: tensor<8x256x82x82xf32>, %x160: tensor<8x256x162x162xf32>)
    -> (tensor<8x64x80x80xf32>, tensor<8x64x160x160xf32>) {
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<1.0> : tensor<64x256x3x3xf32>
  %e80 = tensor.empty() : tensor<8x64x80x80xf32>
  %f80 = linalg.fill ins(%zero : f32) outs(%e80 : tensor<8x64x80x80xf32>) -> tensor<8x64x80x80xf32>
  %e160 = tensor.empty() : tensor<8x64x160x160xf32>
  %f160 = linalg.fill ins(%zero : f32) outs(%e160 : tensor<8x64x160x160xf32>) -> tensor<8x64x160x160xf32>
  %a = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x80, %w : tensor<8x256x82x82xf32>, tensor<64x256x3x3xf32>) outs(%f80 : tensor<8x64x80x80xf32>) -> tensor<8x64x80x80xf32>
  %b = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x160, %w : tensor<8x256x162x162xf32>, tensor<64x256x3x3xf32>) outs(%f160 : tensor<8x64x160x160xf32>) -> tensor<8x64x160x160xf32>
  return %a, %b : tensor<8x64x80x80xf32>, tensor<8x64x160x160xf32>
}

// -----

// Images with fewer than min-tiles blocks of 4x4 outputs but at least
// min-small-tiles (32) of 2x2 take F(2x2, 3x3): one image of 128 -> 128
// channels at 14x14 outputs (ResNet-50's layer3 at batch 1: 16 blocks of
// 4x4, 49 of 2x2). The transformed filter is [16, F, C]; the input
// transform computes the four rows of B^T (its first row 1, 0, -1, 0: a
// difference) from 4x4 tiles 2 apart, the 16 products have 49 columns,
// and the output transform's first step the two rows of A^T. At 7x7
// outputs (16 blocks of 2x2) the convolution stays direct.
// DEFAULT-LABEL: func.func @small_blocks
// DEFAULT:         %[[U:.+]] = arith.constant {{.+}} : tensor<16x128x128xf32>
// DEFAULT-NOT:     tensor.pad
// DEFAULT:         %[[RBUF:.+]] = memref.alloc() {alignment = 64 : i64} : memref<4x1x128x7x16xf32>
// DEFAULT-COUNT-4: memref.subview %[[RBUF]][{{[0-3]}}, 0, 0, 0, 0] [1, 1, 128, 7, 16]
// DEFAULT:         %[[X0:.+]] = memref.subview %[[XB:.+]][0, 0, 0, 0] [1, 128, 7, 16] [1, 1, 2, 1]
// DEFAULT-COUNT-2: memref.subview %[[XB]][0, 0, {{[12]}}, 0] [1, 128, 7, 16] [1, 1, 2, 1]
// DEFAULT:         %[[X3:.+]] = memref.subview %[[XB]][0, 0, 3, 0] [1, 128, 7, 16] [1, 1, 2, 1]
// DEFAULT:         linalg.generic {{.+}} ins(%[[X0]], {{.+}}, %[[X3]] : {{.+}}) outs(
// DEFAULT-NEXT:    ^bb0(%[[X0:[^:]+]]: f32, %[[X1:[^:]+]]: f32, %[[X2:[^:]+]]: f32, %[[X3:[^:]+]]: f32,
// DEFAULT-NEXT:      %[[R0:.+]] = arith.subf %[[X0]], %[[X2]] : f32
// DEFAULT:           linalg.yield %[[R0]], %{{.+}}, %{{.+}}, %{{.+}} : f32, f32, f32, f32
// DEFAULT:         %[[V:.+]] = bufferization.to_tensor %{{.+}} restrict writable : memref<4x4x128x1x7x7xf32>
// DEFAULT:         %[[COLS:.+]] = tensor.collapse_shape %[[V]] {{\[}}[0, 1], [2], [3, 4, 5]] : tensor<4x4x128x1x7x7xf32> into tensor<16x128x49xf32>
// DEFAULT:         linalg.batch_matmul ins(%[[U]], %[[COLS]] : tensor<16x128x128xf32>, tensor<16x128x49xf32>)
// The output's planes of 196 pixels lie 208 floats apart, on cache lines
// (a 1x1 convolution after it reads them as B of its product).
// DEFAULT:         %[[WIDE:.+]] = memref.alloc() {alignment = 64 : i64} : memref<1x128x208xf32>
// DEFAULT-NEXT:    %[[PLANES:.+]] = memref.subview %[[WIDE]][0, 0, 0] [1, 128, 196] [1, 1, 1]
// DEFAULT-NEXT:    %[[OBUF:.+]] = memref.expand_shape %[[PLANES]] {{\[}}[0], [1], [2, 3, 4, 5]] output_shape [1, 128, 7, 2, 7, 2] : memref<1x128x196xf32, strided<[26624, 208, 1]>> into memref<1x128x7x2x7x2xf32, strided<[26624, 208, 28, 14, 2, 1]>>
// DEFAULT-COUNT-4: memref.subview %[[OBUF]][0, 0, 0, {{[01]}}, 0, {{[01]}}] [1, 128, 7, 1, 7, 1] [1, 1, 1, 1, 1, 1] : memref<1x128x7x2x7x2xf32, strided<[26624, 208, 28, 14, 2, 1]>> to memref<1x128x7x7xf32, strided<[26624, 208, 28, 2]{{.*}}>>
// DEFAULT:           linalg.yield %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} : f32, f32, f32, f32
// DEFAULT:         tensor.collapse_shape %{{.+}} {{\[}}[0], [1], [2, 3], [4, 5]] : tensor<1x128x7x2x7x2xf32> into tensor<1x128x14x14xf32>
// DEFAULT-NOT:     linalg.batch_matmul
// DEFAULT:         linalg.conv_2d_nchw_fchw {{.+}} outs(%{{.+}} : tensor<1x128x7x7xf32>)
// DEFAULT-NOT:     linalg.batch_matmul
// DEFAULT:         return
func.func @small_blocks(%x14: tensor<1x128x16x16xf32>, %x7: tensor<1x128x9x9xf32>)
    -> (tensor<1x128x14x14xf32>, tensor<1x128x7x7xf32>) {
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<1.0> : tensor<128x128x3x3xf32>
  %e14 = tensor.empty() : tensor<1x128x14x14xf32>
  %f14 = linalg.fill ins(%zero : f32) outs(%e14 : tensor<1x128x14x14xf32>) -> tensor<1x128x14x14xf32>
  %e7 = tensor.empty() : tensor<1x128x7x7xf32>
  %f7 = linalg.fill ins(%zero : f32) outs(%e7 : tensor<1x128x7x7xf32>) -> tensor<1x128x7x7xf32>
  %a = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x14, %w : tensor<1x128x16x16xf32>, tensor<128x128x3x3xf32>) outs(%f14 : tensor<1x128x14x14xf32>) -> tensor<1x128x14x14xf32>
  %b = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x7, %w : tensor<1x128x9x9xf32>, tensor<128x128x3x3xf32>) outs(%f7 : tensor<1x128x7x7xf32>) -> tensor<1x128x7x7xf32>
  return %a, %b : tensor<1x128x14x14xf32>, tensor<1x128x7x7xf32>
}

// -----

// Where it must not fire, each case otherwise eligible (16x16 outputs, 16
// blocks): stride 2, dilation 2, 16 input channels and 16 output channels
// (below min-channels=32), 7x7 outputs (4 blocks, below min-tiles), a 3x1
// kernel, a weight that is not a constant, a non-zero initial output, f16,
// int8 (grouped convolutions are another op, never matched). With
// min-channels=16 and min-tiles=4 (FEW), the 16-channel and 7x7 ones do.
// DEFAULT-LABEL: func.func @stays
// DEFAULT-NOT:     linalg.batch_matmul
// CHECK-LABEL: func.func @stays
// CHECK-NOT:     linalg.batch_matmul
// CHECK-COUNT-10: linalg.conv_2d_
// CHECK-NOT:     linalg.batch_matmul
// FEW-LABEL:   func.func @stays
// FEW-COUNT-3:   linalg.batch_matmul
// FEW-NOT:       linalg.batch_matmul
func.func @stays(%x: tensor<1x32x18x18xf32>, %x16: tensor<1x16x18x18xf32>,
                 %wa: tensor<32x32x3x3xf32>, %h: tensor<1x32x18x18xf16>,
                 %i: tensor<1x32x18x18xi8>, %small: tensor<1x32x9x9xf32>)
    -> (tensor<1x32x8x8xf32>, tensor<1x32x14x14xf32>, tensor<1x32x16x16xf32>, tensor<1x16x16x16xf32>,
        tensor<1x32x16x18xf32>, tensor<1x32x16x16xf32>, tensor<1x32x16x16xf32>, tensor<1x32x16x16xf16>,
        tensor<1x32x16x16xi32>, tensor<1x32x7x7xf32>) {
  %w = arith.constant dense<1.0> : tensor<32x32x3x3xf32>
  %w16 = arith.constant dense<1.0> : tensor<32x16x3x3xf32>
  %wo16 = arith.constant dense<1.0> : tensor<16x32x3x3xf32>
  %w31 = arith.constant dense<1.0> : tensor<32x32x3x1xf32>
  %wh = arith.constant dense<1.0> : tensor<32x32x3x3xf16>
  %wi = arith.constant dense<1> : tensor<32x32x3x3xi8>
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %zh = arith.constant 0.0 : f16
  %zi = arith.constant 0 : i32
  %e8 = tensor.empty() : tensor<1x32x8x8xf32>
  %f8 = linalg.fill ins(%zero : f32) outs(%e8 : tensor<1x32x8x8xf32>) -> tensor<1x32x8x8xf32>
  %s2 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%x, %w : tensor<1x32x18x18xf32>, tensor<32x32x3x3xf32>) outs(%f8 : tensor<1x32x8x8xf32>) -> tensor<1x32x8x8xf32>
  %e14 = tensor.empty() : tensor<1x32x14x14xf32>
  %f14 = linalg.fill ins(%zero : f32) outs(%e14 : tensor<1x32x14x14xf32>) -> tensor<1x32x14x14xf32>
  %d2 = linalg.conv_2d_nchw_fchw {dilations = dense<2> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x32x18x18xf32>, tensor<32x32x3x3xf32>) outs(%f14 : tensor<1x32x14x14xf32>) -> tensor<1x32x14x14xf32>
  %e16 = tensor.empty() : tensor<1x32x16x16xf32>
  %f16 = linalg.fill ins(%zero : f32) outs(%e16 : tensor<1x32x16x16xf32>) -> tensor<1x32x16x16xf32>
  %c16 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x16, %w16 : tensor<1x16x18x18xf32>, tensor<32x16x3x3xf32>) outs(%f16 : tensor<1x32x16x16xf32>) -> tensor<1x32x16x16xf32>
  %eo = tensor.empty() : tensor<1x16x16x16xf32>
  %fo = linalg.fill ins(%zero : f32) outs(%eo : tensor<1x16x16x16xf32>) -> tensor<1x16x16x16xf32>
  %o16 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %wo16 : tensor<1x32x18x18xf32>, tensor<16x32x3x3xf32>) outs(%fo : tensor<1x16x16x16xf32>) -> tensor<1x16x16x16xf32>
  %e31 = tensor.empty() : tensor<1x32x16x18xf32>
  %f31 = linalg.fill ins(%zero : f32) outs(%e31 : tensor<1x32x16x18xf32>) -> tensor<1x32x16x18xf32>
  %k31 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w31 : tensor<1x32x18x18xf32>, tensor<32x32x3x1xf32>) outs(%f31 : tensor<1x32x16x18xf32>) -> tensor<1x32x16x18xf32>
  %arg = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %wa : tensor<1x32x18x18xf32>, tensor<32x32x3x3xf32>) outs(%f16 : tensor<1x32x16x16xf32>) -> tensor<1x32x16x16xf32>
  %ones = linalg.fill ins(%one : f32) outs(%e16 : tensor<1x32x16x16xf32>) -> tensor<1x32x16x16xf32>
  %acc = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x32x18x18xf32>, tensor<32x32x3x3xf32>) outs(%ones : tensor<1x32x16x16xf32>) -> tensor<1x32x16x16xf32>
  %eh = tensor.empty() : tensor<1x32x16x16xf16>
  %fh = linalg.fill ins(%zh : f16) outs(%eh : tensor<1x32x16x16xf16>) -> tensor<1x32x16x16xf16>
  %half = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%h, %wh : tensor<1x32x18x18xf16>, tensor<32x32x3x3xf16>) outs(%fh : tensor<1x32x16x16xf16>) -> tensor<1x32x16x16xf16>
  %ei = tensor.empty() : tensor<1x32x16x16xi32>
  %fi = linalg.fill ins(%zi : i32) outs(%ei : tensor<1x32x16x16xi32>) -> tensor<1x32x16x16xi32>
  %int = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%i, %wi : tensor<1x32x18x18xi8>, tensor<32x32x3x3xi8>) outs(%fi : tensor<1x32x16x16xi32>) -> tensor<1x32x16x16xi32>
  %e7 = tensor.empty() : tensor<1x32x7x7xf32>
  %f7 = linalg.fill ins(%zero : f32) outs(%e7 : tensor<1x32x7x7xf32>) -> tensor<1x32x7x7xf32>
  %few = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%small, %w : tensor<1x32x9x9xf32>, tensor<32x32x3x3xf32>) outs(%f7 : tensor<1x32x7x7xf32>) -> tensor<1x32x7x7xf32>
  return %s2, %d2, %c16, %o16, %k31, %arg, %acc, %half, %int, %few
      : tensor<1x32x8x8xf32>, tensor<1x32x14x14xf32>, tensor<1x32x16x16xf32>, tensor<1x16x16x16xf32>,
        tensor<1x32x16x18xf32>, tensor<1x32x16x16xf32>, tensor<1x32x16x16xf32>, tensor<1x32x16x16xf16>,
        tensor<1x32x16x16xi32>, tensor<1x32x7x7xf32>
}
