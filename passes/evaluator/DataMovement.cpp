//===- DataMovement.cpp - constant evaluation of data movement ------------===//
//
// transpose, slice, concat, split, gather, gather_elements, tile, pad and
// range. Most compute, for every result element, the offset of the input
// element it copies (takeElements); out-of-bounds indices are left to run
// time.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

#include <algorithm>

namespace mlir::autoglm::evaluator {
ConstTensor evalTranspose(const ConstTensor &in, ArrayRef<int64_t> perm,
                          RankedTensorType type) {
  SmallVector<int64_t> inStrides = stridesOf(in.type.getShape());
  std::vector<int64_t> offsets;
  offsets.reserve(type.getNumElements());
  forEachIndex(type.getShape(), [&](ArrayRef<int64_t> index) {
    int64_t offset = 0;
    for (size_t d = 0; d < index.size(); ++d)
      offset += index[d] * inStrides[perm[d]];
    offsets.push_back(offset);
  });
  return takeElements(in, type, offsets);
}

ConstTensor evalSlice(const ConstTensor &in, SliceOp op,
                      RankedTensorType type) {
  SmallVector<int64_t> inStrides = stridesOf(in.type.getShape());
  ArrayRef<int64_t> starts = op.getStarts(), steps = op.getSteps();
  std::vector<int64_t> offsets;
  offsets.reserve(type.getNumElements());
  forEachIndex(type.getShape(), [&](ArrayRef<int64_t> index) {
    int64_t offset = 0;
    for (size_t d = 0; d < index.size(); ++d)
      offset += (starts[d] + index[d] * steps[d]) * inStrides[d];
    offsets.push_back(offset);
  });
  return takeElements(in, type, offsets);
}

/// Concatenation along `axis`: each input contributes contiguous chunks.
ConstTensor evalConcat(ArrayRef<ConstTensor> inputs, int64_t axis,
                       RankedTensorType type) {
  ConstTensor out = ConstTensor::zeros(type);
  int64_t outer = ShapedType::getNumElements(type.getShape().take_front(axis));
  int64_t position = 0;
  for (int64_t o = 0; o < outer; ++o)
    for (const ConstTensor &in : inputs) {
      int64_t chunk =
          ShapedType::getNumElements(in.type.getShape().drop_front(axis));
      for (int64_t k = 0; k < chunk; ++k)
        copyElement(out, position++, in, o * chunk + k);
    }
  return out;
}

void evalSplit(const ConstTensor &in, SplitOp op,
               SmallVectorImpl<ConstTensor> &results) {
  int64_t axis = op.getAxis();
  int64_t outer =
      ShapedType::getNumElements(in.type.getShape().take_front(axis));
  int64_t inner =
      ShapedType::getNumElements(in.type.getShape().drop_front(axis + 1));
  int64_t dim = in.type.getDimSize(axis), begin = 0;
  for (Value result : op.getResults()) {
    auto type = cast<RankedTensorType>(result.getType());
    int64_t size = type.getDimSize(axis);
    std::vector<int64_t> offsets;
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t k = 0; k < size * inner; ++k)
        offsets.push_back((o * dim + begin) * inner + k);
    results.push_back(takeElements(in, type, offsets));
    begin += size;
  }
}

EvalStatus evalGather(const ConstTensor &data, const ConstTensor &indices,
                      int64_t axis, RankedTensorType type, ConstTensor &out) {
  int64_t outer =
      ShapedType::getNumElements(data.type.getShape().take_front(axis));
  int64_t inner =
      ShapedType::getNumElements(data.type.getShape().drop_front(axis + 1));
  int64_t dim = data.type.getDimSize(axis);
  std::vector<int64_t> offsets;
  offsets.reserve(type.getNumElements());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t index : indices.ints) {
      if (index < 0)
        index += dim;
      if (index < 0 || index >= dim)
        return EvalStatus::Undefined;
      for (int64_t k = 0; k < inner; ++k)
        offsets.push_back((o * dim + index) * inner + k);
    }
  out = takeElements(data, type, offsets);
  return EvalStatus::Done;
}

EvalStatus evalGatherElements(const ConstTensor &data,
                              const ConstTensor &indices, int64_t axis,
                              RankedTensorType type, ConstTensor &out) {
  SmallVector<int64_t> strides = stridesOf(data.type.getShape());
  int64_t dim = data.type.getDimSize(axis);
  std::vector<int64_t> offsets;
  bool inBounds = true;
  int64_t i = 0;
  forEachIndex(type.getShape(), [&](ArrayRef<int64_t> index) {
    int64_t at = indices.ints[i++];
    if (at < 0)
      at += dim;
    inBounds &= at >= 0 && at < dim;
    int64_t offset = 0;
    for (size_t d = 0; d < index.size(); ++d)
      offset += ((int64_t)d == axis ? at : index[d]) * strides[d];
    offsets.push_back(offset);
  });
  if (!inBounds)
    return EvalStatus::Undefined;
  out = takeElements(data, type, offsets);
  return EvalStatus::Done;
}

ConstTensor evalTile(const ConstTensor &in, RankedTensorType type) {
  SmallVector<int64_t> inStrides = stridesOf(in.type.getShape());
  ArrayRef<int64_t> inShape = in.type.getShape();
  std::vector<int64_t> offsets;
  forEachIndex(type.getShape(), [&](ArrayRef<int64_t> index) {
    int64_t offset = 0;
    for (size_t d = 0; d < index.size(); ++d)
      offset += (index[d] % inShape[d]) * inStrides[d];
    offsets.push_back(offset);
  });
  return takeElements(in, type, offsets);
}

EvalStatus evalPad(const ConstTensor &in, PadOp op, RankedTensorType type,
                   ConstTensor &out) {
  ArrayRef<int64_t> inShape = in.type.getShape(), pads = op.getPads();
  int64_t rank = inShape.size();
  SmallVector<int64_t> inStrides = stridesOf(inShape);
  PadMode mode = op.getMode();
  for (int64_t dim : inShape)
    if (dim == 0 && mode != PadMode::constant)
      return EvalStatus::Unsupported;
  std::vector<int64_t> offsets;
  forEachIndex(type.getShape(), [&](ArrayRef<int64_t> index) {
    int64_t offset = 0;
    for (int64_t d = 0; d < rank && offset >= 0; ++d) {
      int64_t i = index[d] - pads[d], n = inShape[d];
      if (i < 0 || i >= n) {
        switch (mode) {
        case PadMode::constant:
          offset = -1;
          continue;
        case PadMode::edge:
          i = std::clamp<int64_t>(i, 0, n - 1);
          break;
        case PadMode::wrap:
          i = ((i % n) + n) % n;
          break;
        case PadMode::reflect: {
          int64_t period = 2 * (n - 1);
          if (period == 0) {
            i = 0;
            break;
          }
          i = ((i % period) + period) % period;
          if (i >= n)
            i = period - i;
          break;
        }
        }
      }
      offset += i * inStrides[d];
    }
    offsets.push_back(offset);
  });
  out = takeElements(in, type, offsets);
  double value = op.getValue().convertToDouble();
  for (auto [i, offset] : llvm::enumerate(offsets)) {
    if (offset >= 0)
      continue;
    if (out.isFloat())
      out.floats[i] = value;
    else
      out.ints[i] = wrapInt(uint64_t(int64_t(value)), type.getElementType());
  }
  return EvalStatus::Done;
}

EvalStatus evalRange(const ConstTensor &start, const ConstTensor &delta,
                     RankedTensorType type, ConstTensor &out) {
  out = ConstTensor::zeros(type);
  for (int64_t i = 0; i < out.size(); ++i) {
    if (out.isFloat())
      out.floats[i] = start.floats[0] + i * delta.floats[0];
    else
      out.ints[i] = wrapInt(uint64_t(start.ints[0]) +
                                uint64_t(i) * uint64_t(delta.ints[0]),
                            type.getElementType());
  }
  return EvalStatus::Done;
}
} // namespace mlir::autoglm::evaluator
