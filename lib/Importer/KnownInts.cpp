//===- KnownInts.cpp - integer tensors known at import time ---------------===//

#include "KnownInts.h"

#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;

namespace autoglm::importer {
KnownInts KnownInts::vector(ArrayRef<int64_t> values) {
  KnownInts k;
  k.shape = {static_cast<int64_t>(values.size())};
  k.values.assign(values.begin(), values.end());
  return k;
}

KnownInts KnownInts::scalar(int64_t value) {
  KnownInts k;
  k.values = {value};
  return k;
}

bool KnownInts::isFullyKnown() const {
  return llvm::none_of(values, [](int64_t v) { return v == kUnknown; });
}

bool KnownInts::isAnyKnown() const {
  return llvm::any_of(values, [](int64_t v) { return v != kUnknown; });
}

std::optional<KnownInts> knownFromAttr(ElementsAttr attr) {
  auto type = cast<ShapedType>(attr.getType());
  auto intType = dyn_cast<IntegerType>(type.getElementType());
  if (!intType || intType.getWidth() > 64 || !type.hasStaticShape() ||
      type.getNumElements() > KnownInts::kMaxElements)
    return std::nullopt;
  auto dense = dyn_cast<DenseElementsAttr>(attr);
  if (!dense)
    return std::nullopt;
  KnownInts k;
  k.shape.assign(type.getShape().begin(), type.getShape().end());
  for (const APInt &value : dense.getValues<APInt>())
    k.values.push_back(intType.isUnsigned() || intType.getWidth() == 1
                           ? static_cast<int64_t>(value.getZExtValue())
                           : value.getSExtValue());
  return k;
}

int64_t wrapToType(int64_t value, Type elementType) {
  auto intType = dyn_cast<IntegerType>(elementType);
  if (!intType || intType.getWidth() >= 64 || value == KnownInts::kUnknown)
    return value;
  unsigned width = intType.getWidth();
  if (width == 1)
    return value != 0;
  APInt bits(64, static_cast<uint64_t>(value), /*isSigned=*/true);
  bits = bits.trunc(width);
  return intType.isUnsigned() ? static_cast<int64_t>(bits.getZExtValue())
                              : bits.getSExtValue();
}

DenseElementsAttr knownToAttr(const KnownInts &known, Type elementType) {
  auto type = RankedTensorType::get(known.shape, elementType);
  if (elementType.isInteger(1)) {
    SmallVector<bool> bits;
    for (int64_t v : known.values)
      bits.push_back(v != 0);
    return DenseElementsAttr::get(type, bits);
  }
  auto intType = cast<IntegerType>(elementType);
  SmallVector<APInt> values;
  for (int64_t v : known.values)
    values.push_back(APInt(intType.getWidth(), static_cast<uint64_t>(v),
                           /*isSigned=*/!intType.isUnsigned(),
                           /*implicitTrunc=*/true));
  return DenseElementsAttr::get(type, values);
}

std::optional<KnownInts>
broadcastKnown(ArrayRef<const KnownInts *> operands,
               function_ref<std::optional<int64_t>(ArrayRef<int64_t>)> fn) {
  int64_t rank = 0;
  for (const KnownInts *k : operands)
    rank = std::max(rank, k->rank());
  SmallVector<int64_t> shape(rank, 1);
  for (const KnownInts *k : operands)
    for (int64_t i = 0; i < k->rank(); ++i) {
      int64_t &out = shape[rank - k->rank() + i];
      int64_t dim = k->shape[i];
      if (dim == out || dim == 1)
        continue;
      if (out != 1)
        return std::nullopt;
      out = dim;
    }
  KnownInts result;
  result.shape = shape;
  int64_t count = 1;
  for (int64_t d : shape)
    count *= d;
  if (count > KnownInts::kMaxElements)
    return std::nullopt;
  SmallVector<int64_t> index(rank, 0), args(operands.size());
  for (int64_t linear = 0; linear < count; ++linear) {
    // Decompose the linear index, then pick each operand's (broadcast) entry.
    int64_t rest = linear;
    for (int64_t d = rank - 1; d >= 0; --d) {
      index[d] = rest % shape[d];
      rest /= shape[d];
    }
    bool unknown = false;
    for (auto [i, k] : llvm::enumerate(operands)) {
      int64_t offset = 0;
      for (int64_t d = 0; d < k->rank(); ++d) {
        int64_t dim = k->shape[d];
        offset = offset * dim + (dim == 1 ? 0 : index[rank - k->rank() + d]);
      }
      args[i] = k->values[offset];
      unknown |= args[i] == KnownInts::kUnknown;
    }
    std::optional<int64_t> value = unknown ? std::nullopt : fn(args);
    result.values.push_back(value ? *value : KnownInts::kUnknown);
  }
  return result;
}

KnownInts selectKnown(const KnownInts &known, ArrayRef<int64_t> perm,
                      ArrayRef<SmallVector<int64_t>> positions) {
  int64_t rank = known.rank();
  SmallVector<int64_t> strides(rank, 1);
  for (int64_t d = rank - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * known.shape[d + 1];
  KnownInts result;
  int64_t count = 1;
  for (const SmallVector<int64_t> &p : positions) {
    result.shape.push_back(p.size());
    count *= p.size();
  }
  for (int64_t linear = 0; linear < count; ++linear) {
    int64_t rest = linear, offset = 0;
    for (int64_t d = rank - 1; d >= 0; --d) {
      int64_t size = result.shape[d];
      offset += positions[d][rest % size] * strides[perm[d]];
      rest /= size;
    }
    result.values.push_back(known.values[offset]);
  }
  return result;
}
} // namespace autoglm::importer
