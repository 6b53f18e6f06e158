//===- ConvEpilogue.h - a convolution's tail on its product -----*- C++ -*-===//
//
// Internal to lib/Target/CPU: ConvToMatmul.cpp computes an NCHW convolution
// as a matrix product whose [F, OH*OW] (or [N, F, OH*OW]) result is reshaped
// to the output. The in-place tail the lowering of an autoglm.fused
// "contraction" leaves after the convolution is rewritten onto the product
// itself, on tensors, so that the region's root is the tail of a matrix
// product and --autoglm-tile-kernel-regions runs it in the product's cache
// blocks (TileKernelRegions.cpp), like a matmul's tail.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_LIB_TARGET_CPU_CONVEPILOGUE_H
#define AUTOGLM_LIB_TARGET_CPU_CONVEPILOGUE_H

#include "mlir/IR/PatternMatch.h"

namespace mlir::autoglm {
/// The shape of a convolution's product: [F, OH*OW] (one image),
/// [N, F, OH*OW] (several), or [N, F] (a 1x1 output, images as rows).
enum class ProductShape { ChannelsByPixels, Batched, ImagesByChannels };

/// `output` is the convolution's 4-D result, `expand_shape(product)` with
/// `product` of shape `shape`. If its only user is an all-parallel
/// linalg.generic that updates it in place, or that reads it whole and
/// writes a new tensor of its type (a bias alone, as the lowering of an
/// autoglm.fused "conv" leaves it), and whose other operands index the
/// output as a whole, per channel, or by scalars, the generic is rewritten
/// to update `product` in place; nothing changes otherwise.
void moveTailOntoProduct(RewriterBase &rewriter, Value output, Value product,
                         ProductShape shape);
} // namespace mlir::autoglm

#endif // AUTOGLM_LIB_TARGET_CPU_CONVEPILOGUE_H
