//===- PermutedConstant.cpp - weights rearranged at compile time ----------===//

#include "PermutedConstant.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <algorithm>
#include <cstring>

using namespace mlir;
using namespace mlir::autoglm;

namespace {
/// The bytes of `attr` (a dense constant that is not a splat, or a resource
/// blob), when they hold all of its elements.
std::optional<ArrayRef<char>> bytesOf(ElementsAttr attr) {
  ArrayRef<char> bytes;
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    if (dense.isSplat())
      return std::nullopt;
    bytes = dense.getRawData();
  } else if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return std::nullopt;
    bytes = blob->getData();
  } else {
    return std::nullopt;
  }
  auto type = cast<ShapedType>(attr.getType());
  if (type.getElementTypeBitWidth() / 8 * type.getNumElements() !=
      static_cast<int64_t>(bytes.size()))
    return std::nullopt;
  return bytes;
}

/// A constant of `type` holding `bytes`, of the kind `like` is: dense, or a
/// new blob named `blobName`, aligned to 8 bytes.
TypedAttr constantLike(ElementsAttr like, RankedTensorType type,
                       ArrayRef<char> bytes, StringRef blobName) {
  if (isa<DenseElementsAttr>(like))
    return DenseElementsAttr::getFromRawBuffer(type, bytes);
  return DenseResourceElementsAttr::get(
      type, blobName,
      HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, alignof(uint64_t)));
}
} // namespace

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
  if (auto dense = dyn_cast<DenseElementsAttr>(attr); dense && dense.isSplat())
    return dense.reshape(result);
  std::optional<ArrayRef<char>> bytes = bytesOf(elements);
  if (!bytes)
    return {};
  int64_t elementBytes = type.getElementTypeBitWidth() / 8;
  // The source's row-major strides, read in the result's dimension order.
  int64_t rank = type.getRank();
  SmallVector<int64_t> sourceStrides(rank, 1);
  for (int64_t d = rank - 2; d >= 0; --d)
    sourceStrides[d] = sourceStrides[d + 1] * type.getDimSize(d + 1);
  std::vector<char> moved(bytes->size());
  SmallVector<int64_t> at(rank, 0); // the result's index
  for (int64_t to = 0, n = type.getNumElements(); to < n; ++to) {
    int64_t from = 0;
    for (int64_t d = 0; d < rank; ++d)
      from += at[d] * sourceStrides[perm[d]];
    std::memcpy(&moved[to * elementBytes], &(*bytes)[from * elementBytes],
                elementBytes);
    for (int64_t d = rank - 1; d >= 0 && ++at[d] == shape[d]; --d)
      at[d] = 0;
  }
  return constantLike(elements, result, moved, blobName);
}

TypedAttr mlir::autoglm::scaleConstantColumns(Attribute attr, Attribute scales,
                                              StringRef blobName) {
  auto elements = dyn_cast<ElementsAttr>(attr);
  auto factors = dyn_cast<ElementsAttr>(scales);
  if (!elements || !factors)
    return {};
  auto type = cast<RankedTensorType>(elements.getType());
  auto factorType = cast<ShapedType>(factors.getType());
  if (type.getRank() != 2 || !type.getElementType().isF32() ||
      factorType.getRank() != 1 || !factorType.getElementType().isF32() ||
      factorType.getDimSize(0) != type.getDimSize(1))
    return {};
  int64_t k = type.getDimSize(1);
  SmallVector<float> scale(k);
  if (auto dense = dyn_cast<DenseElementsAttr>(scales);
      dense && dense.isSplat())
    std::fill(scale.begin(), scale.end(), dense.getSplatValue<float>());
  else if (std::optional<ArrayRef<char>> bytes = bytesOf(factors))
    std::memcpy(scale.data(), bytes->data(), bytes->size());
  else
    return {};
  std::vector<float> scaled(type.getNumElements());
  if (auto dense = dyn_cast<DenseElementsAttr>(attr); dense && dense.isSplat())
    std::fill(scaled.begin(), scaled.end(), dense.getSplatValue<float>());
  else if (std::optional<ArrayRef<char>> bytes = bytesOf(elements))
    std::memcpy(scaled.data(), bytes->data(), bytes->size());
  else
    return {};
  for (size_t i = 0; i < scaled.size(); ++i)
    scaled[i] *= scale[i % k];
  return constantLike(
      elements, type,
      ArrayRef<char>(reinterpret_cast<const char *>(scaled.data()),
                     scaled.size() * sizeof(float)),
      blobName);
}

TypedAttr mlir::autoglm::padConstantRows(Attribute attr, int64_t pad,
                                         StringRef blobName) {
  auto elements = dyn_cast<ElementsAttr>(attr);
  if (!elements || cast<ShapedType>(elements.getType()).getRank() < 2)
    return {};
  std::optional<ArrayRef<char>> bytes = bytesOf(elements);
  if (!bytes)
    return {};
  auto type = cast<RankedTensorType>(elements.getType());
  int64_t rows = type.getDimSize(0);
  if (rows == 0)
    return {};
  int64_t columns = type.getNumElements() / rows;
  int64_t elementBytes = type.getElementTypeBitWidth() / 8;
  int64_t rowBytes = columns * elementBytes;
  int64_t paddedBytes = (columns + pad) * elementBytes;
  std::vector<char> padded(rows * paddedBytes, 0);
  for (int64_t r = 0; r < rows; ++r)
    std::memcpy(&padded[r * paddedBytes], &(*bytes)[r * rowBytes], rowBytes);
  return constantLike(
      elements,
      RankedTensorType::get({rows, columns + pad}, type.getElementType()),
      padded, blobName);
}

TypedAttr mlir::autoglm::packColumnPanels(Attribute attr, int64_t blockColumns,
                                          int64_t panelColumns,
                                          StringRef blobName) {
  auto elements = dyn_cast<ElementsAttr>(attr);
  if (!elements || cast<ShapedType>(elements.getType()).getRank() != 2)
    return {};
  auto type = cast<RankedTensorType>(elements.getType());
  int64_t rows = type.getDimSize(0), columns = type.getDimSize(1);
  if (blockColumns <= 0 || panelColumns <= 0 || columns % blockColumns != 0)
    return {};
  std::optional<ArrayRef<char>> bytes = bytesOf(elements);
  if (!bytes)
    return {};
  int64_t elementBytes = type.getElementTypeBitWidth() / 8;
  int64_t perBlock = (blockColumns + panelColumns - 1) / panelColumns;
  int64_t panels = columns / blockColumns * perBlock;
  int64_t panelRowBytes = panelColumns * elementBytes;
  std::vector<char> packed(panels * rows * panelRowBytes, 0);
  for (int64_t panel = 0; panel < panels; ++panel) {
    int64_t first =
        panel / perBlock * blockColumns + panel % perBlock * panelColumns;
    int64_t width =
        std::min(panelColumns, blockColumns - panel % perBlock * panelColumns);
    for (int64_t r = 0; r < rows; ++r)
      std::memcpy(&packed[(panel * rows + r) * panelRowBytes],
                  &(*bytes)[(r * columns + first) * elementBytes],
                  width * elementBytes);
  }
  return constantLike(elements,
                      RankedTensorType::get({panels, rows, panelColumns},
                                            type.getElementType()),
                      packed, blobName);
}
