//===- ModelSignature.h - the inputs and outputs of a model -----*- C++ -*-===//

#ifndef AUTOGLM_TARGET_MODELSIGNATURE_H
#define AUTOGLM_TARGET_MODELSIGNATURE_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Support/LLVM.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlir::autoglm {
/// One graph input or output as the compiled model's C ABI describes it.
struct TensorSignature {
  std::string name;  // the ONNX name
  int32_t dtype = 0; // autoglm_dtype (ONNX TensorProto numbering)
  std::vector<int64_t> shape;
  /// Of a batch-polymorphic model: dimension 0 is the batch (it differs
  /// between the sizes).
  bool batched = false;
  /// Of a model with sequence-length buckets: the dimensions that are the
  /// sequence length (bit d for dimension d), which differ between lengths.
  uint32_t seqDims = 0;
  int64_t byteSize() const;
};

/// A model input whose values a Gather (or GatherElements) node uses as
/// indices into a table of `limit` rows: the runtime checks them before a
/// run (autoglm_index_check).
struct IndexCheck {
  int32_t input = 0;
  int64_t limit = 0;
  std::string node;
};

struct ModelSignature {
  std::string modelName;
  std::vector<TensorSignature> inputs, outputs;
  /// The inputs that index a table, as the graph reads them.
  std::vector<IndexCheck> indexChecks;
  /// A batch-polymorphic model's sizes, ascending (--batch-sizes); empty for
  /// a model of one fixed size. The tensors are then the largest size's.
  std::vector<int64_t> batchSizes;
  /// Sequence-length buckets, ascending (`{64,128}` in --input-shape);
  /// empty when the model has none. The tensors are then the largest
  /// length's. The entries are every (batch size, length) pair, batch-major.
  std::vector<int64_t> seqLengths;
  /// The input whose zeros mark padding positions (--pad-mask), or empty:
  /// then a request must have one of the lengths exactly.
  std::string padMask;

  /// How many entries the artifact has: a batch size or length each, or
  /// every pair of them; 0 for a model of one fixed shape.
  size_t numEntries() const;
  /// Entry `index`'s batch size (0 without --batch-sizes) and length (0
  /// without buckets).
  int64_t entryBatch(size_t index) const;
  int64_t entryLength(size_t index) const;
  /// The entry's part of its symbols: "b4", "s64" or "b4_s64".
  std::string entrySuffix(size_t index) const;
};

/// The signature of a model of several entries (--batch-sizes, sequence
/// lengths or both): `entries[i]` the model at `shell.entryBatch(i)` and
/// `shell.entryLength(i)`. `shell` holds the batch sizes, lengths and pad
/// mask. The result is the last (largest) entry's tensors, batched ones
/// (dimension 0 differs between batch sizes) and sequence dimensions (those
/// that differ between lengths, each equal to the length) marked. Fails
/// with a diagnostic at `loc` when the entries differ in anything else,
/// when a sequence dimension is not the length, when no output changes
/// with the batch, or when the pad mask is not an input with a sequence
/// dimension.
FailureOr<ModelSignature>
combineEntrySignatures(ArrayRef<ModelSignature> entries,
                       const ModelSignature &shell, Location loc);

/// The ONNX data type number of an element type; 0 when it has none.
int32_t onnxDataType(Type elementType);

/// Reads the signature of `func` (names from `autoglm.onnx_name`
/// argument/result attributes, else arg<i>/result<i>); fails with a diagnostic
/// naming the tensor when a shape is not static or an element type has no C ABI
/// form.
FailureOr<ModelSignature> readModelSignature(func::FuncOp func,
                                             StringRef modelName);

/// The C header that declares a compiled model's descriptor and describes
/// its inputs and outputs.
std::string emitModelHeader(const ModelSignature &signature);
} // namespace mlir::autoglm

#endif // AUTOGLM_TARGET_MODELSIGNATURE_H
