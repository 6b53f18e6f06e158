//===- PermutedConstant.cpp - a constant's dimensions permuted ------------===//

#include "PermutedConstant.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <cstring>

using namespace mlir;
using namespace mlir::autoglm;

TypedAttr mlir::autoglm::permuteConstant(Attribute attr, ArrayRef<int64_t> perm,
                                         StringRef blobName) {
  auto elements = dyn_cast<ElementsAttr>(attr);
  if (!elements)
    return {};
  auto type = cast<RankedTensorType>(elements.getType());
  SmallVector<int64_t> shape;
  for (int64_t d : perm)
    shape.push_back(type.getDimSize(d));
  auto result = RankedTensorType::get(shape, type.getElementType());
  ArrayRef<char> bytes;
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    if (dense.isSplat())
      return dense.reshape(result);
    bytes = dense.getRawData();
  } else if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return {};
    bytes = blob->getData();
  } else {
    return {};
  }
  int64_t elementBytes = type.getElementTypeBitWidth() / 8;
  if (elementBytes * type.getNumElements() !=
      static_cast<int64_t>(bytes.size()))
    return {};
  // The source's row-major strides, read in the result's dimension order.
  int64_t rank = type.getRank();
  SmallVector<int64_t> sourceStrides(rank, 1);
  for (int64_t d = rank - 2; d >= 0; --d)
    sourceStrides[d] = sourceStrides[d + 1] * type.getDimSize(d + 1);
  std::vector<char> moved(bytes.size());
  SmallVector<int64_t> at(rank, 0); // the result's index
  for (int64_t to = 0, n = type.getNumElements(); to < n; ++to) {
    int64_t from = 0;
    for (int64_t d = 0; d < rank; ++d)
      from += at[d] * sourceStrides[perm[d]];
    std::memcpy(&moved[to * elementBytes], &bytes[from * elementBytes],
                elementBytes);
    for (int64_t d = rank - 1; d >= 0 && ++at[d] == shape[d]; --d)
      at[d] = 0;
  }
  if (isa<DenseElementsAttr>(attr))
    return DenseElementsAttr::getFromRawBuffer(result, moved);
  return DenseResourceElementsAttr::get(
      result, blobName,
      HeapAsmResourceBlob::allocateAndCopyWithAlign(ArrayRef<char>(moved),
                                                    alignof(uint64_t)));
}
