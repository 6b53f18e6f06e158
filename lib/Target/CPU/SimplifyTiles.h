//===- SimplifyTiles.h - canonicalization that makes tiles static -*- C++
//-*-===//
//
// Shared by the CPU passes that tile and peel loops before vectorizing
// (contractions, rows): a vector op needs a static tile.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_TARGET_CPU_SIMPLIFYTILES_H
#define AUTOGLM_TARGET_CPU_SIMPLIFYTILES_H

#include "mlir/IR/Operation.h"

namespace mlir::autoglm {
/// Canonicalization, with the folding of `affine.min` tile sizes in loops
/// whose step divides their range: it makes the peeled tiles static.
LogicalResult simplifyTiles(Operation *root);
} // namespace mlir::autoglm

#endif // AUTOGLM_TARGET_CPU_SIMPLIFYTILES_H
