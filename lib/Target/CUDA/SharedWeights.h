//===- SharedWeights.h - one weights image for several entries --*- C++ -*-===//
//
// Internal to lib/Target/CUDA: the entries of one artifact (--batch-sizes,
// sequence-length buckets) are compiled as models of their own, each with
// its own weights image. They are emitted on one image that keeps each
// constant the entries have in common once, however the rest of their
// images differ (a position table folded per length), and each entry's
// steps are moved to where its constants now are.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_LIB_TARGET_CUDA_SHAREDWEIGHTS_H
#define AUTOGLM_LIB_TARGET_CUDA_SHAREDWEIGHTS_H

#include "StepTable.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <cstdint>
#include <vector>

namespace mlir::autoglm {
/// Bytes [offset, offset + bytes) of a weights image that the steps read
/// as one constant.
struct WeightExtent {
  uint64_t offset = 0;
  uint64_t bytes = 0;
};

/// The constants of `main`'s weights image of `imageBytes` bytes (argument
/// `weightsArg`): each view of it at a constant offset, overlapping views
/// merged, in order. When some use of the argument is not such a view,
/// the whole image as one extent (it is then shared only whole).
std::vector<WeightExtent>
readWeightExtents(func::FuncOp main, unsigned weightsArg, uint64_t imageBytes);

/// Builds one weights image from the entries' images, each byte-identical
/// extent once.
class SharedWeightsBuilder {
public:
  /// Adds an entry's image, cut into `extents`, and moves the WEIGHTS
  /// arguments of its `table` to where its extents are placed. Fails when
  /// a step reads weights outside every extent.
  LogicalResult add(ArrayRef<char> image, ArrayRef<WeightExtent> extents,
                    StepTable &table);

  /// The shared image.
  const std::vector<char> &image() const { return bytes; }

private:
  /// Where a copy of `data` is in the image, placing it at the end when
  /// none is yet.
  uint64_t place(ArrayRef<char> data);

  std::vector<char> bytes;
  /// Placed extents by the hash of their bytes: offsets and sizes.
  llvm::DenseMap<uint64_t, SmallVector<WeightExtent, 1>> placed;
};
} // namespace mlir::autoglm

#endif // AUTOGLM_LIB_TARGET_CUDA_SHAREDWEIGHTS_H
