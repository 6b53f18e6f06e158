//===- PermutedConstant.h - weights rearranged at compile time --*- C++ -*-===//
//
// Weights stored the way a library or kernel reads them, rearranged once at
// compile time (CUDA: cuDNN's filters channels-last, a row product's weight
// by columns, a normalization's scale folded into the product after it;
// CPU: a product's weight rows padded apart, a streamed weight in column
// panels).
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_TARGET_PERMUTEDCONSTANT_H
#define AUTOGLM_TARGET_PERMUTEDCONSTANT_H

#include "mlir/IR/BuiltinAttributeInterfaces.h"

namespace mlir::autoglm {
/// `attr`, a dense constant or a resource blob (as the importer's weights),
/// with its dimensions permuted: the result's dimension d is `attr`'s
/// dimension perm[d], its bytes moved. A splat is reshaped, a dense constant
/// stays dense, and a blob's result is a new blob named `blobName`, aligned
/// to 8 bytes (not uniqued in the context). Null when the bytes cannot be
/// read.
TypedAttr permuteConstant(Attribute attr, ArrayRef<int64_t> perm,
                          StringRef blobName);

/// `attr`, an f32 N x K constant (dense or a resource blob), with each of its
/// columns k multiplied by element k of `scales` (an f32 constant of K),
/// in float32; the result a constant of the same kind (a blob's named
/// `blobName`). Null when the types differ or the bytes cannot be read.
TypedAttr scaleConstantColumns(Attribute attr, Attribute scales,
                               StringRef blobName);

/// `attr`, a K x N constant (dense or a resource blob), as a K x (N + pad)
/// one whose extra columns are zeros; a blob's result is a new blob named
/// `blobName`. A constant of more dimensions is read as the K x N matrix of
/// its first dimension by the rest (a convolution's F x C x KH x KW filter
/// as F x C*KH*KW). Null when the bytes cannot be read.
TypedAttr padConstantRows(Attribute attr, int64_t pad, StringRef blobName);

/// `attr`, a K x N constant (dense or a resource blob), in column panels:
/// its blocks of `blockColumns` columns (a divisor of N) each cut into
/// ceil(blockColumns / panelColumns) panels of `panelColumns` columns,
/// every panel K x panelColumns, row-major, one after the other: a
/// [N / blockColumns * panels per block, K, panelColumns] constant, a
/// block's last panel zero past the block's columns; a blob's result is a
/// new blob named `blobName`. Null when the bytes cannot be read.
TypedAttr packColumnPanels(Attribute attr, int64_t blockColumns,
                           int64_t panelColumns, StringRef blobName);
} // namespace mlir::autoglm

#endif // AUTOGLM_TARGET_PERMUTEDCONSTANT_H
