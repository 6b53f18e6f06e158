//===- SharedWeights.cpp - one weights image for several entries ----------===//
//
// Comparing the entries' images whole shares nothing as soon as one
// constant differs: BERT's position table, sliced to the length and folded
// at compile time, made every length of a bucketed BERT-base carry (and
// upload) its own copy of the 110M parameters. Cutting each image into the
// constants its steps read keeps what the entries share once, which is
// what LLVM's constant merging gives the CPU's per-constant globals.
//
//===----------------------------------------------------------------------===//

#include "SharedWeights.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/xxhash.h"

#include <algorithm>
#include <cstring>

using namespace mlir;
using namespace mlir::autoglm;

/// The bytes of a static memref as the weights image lays it out (i1 one
/// byte an element), or nullopt.
static std::optional<uint64_t> imageBytesOf(MemRefType type) {
  if (!type.hasStaticShape() || !type.getLayout().isIdentity())
    return std::nullopt;
  Type element = type.getElementType();
  if (!element.isIntOrFloat())
    return std::nullopt;
  unsigned bits = element.getIntOrFloatBitWidth();
  if (bits != 1 && bits % 8 != 0)
    return std::nullopt;
  return type.getNumElements() * std::max(1u, bits / 8);
}

std::vector<WeightExtent>
mlir::autoglm::readWeightExtents(func::FuncOp main, unsigned weightsArg,
                                 uint64_t imageBytes) {
  std::vector<WeightExtent> whole = {{0, imageBytes}};
  if (weightsArg >= main.getNumArguments())
    return whole;
  std::vector<WeightExtent> views;
  for (Operation *user : main.getArgument(weightsArg).getUsers()) {
    auto view = dyn_cast<memref::ViewOp>(user);
    if (!view)
      return whole;
    std::optional<int64_t> shift = getConstantIntValue(view.getByteShift());
    std::optional<uint64_t> bytes = imageBytesOf(view.getType());
    if (!shift || *shift < 0 || !bytes ||
        static_cast<uint64_t>(*shift) + *bytes > imageBytes)
      return whole;
    if (*bytes)
      views.push_back({static_cast<uint64_t>(*shift), *bytes});
  }
  llvm::sort(views, [](const WeightExtent &a, const WeightExtent &b) {
    return a.offset < b.offset;
  });
  std::vector<WeightExtent> extents;
  for (const WeightExtent &view : views) {
    if (!extents.empty() &&
        view.offset < extents.back().offset + extents.back().bytes) {
      WeightExtent &last = extents.back();
      last.bytes = std::max(last.bytes, view.offset + view.bytes - last.offset);
      continue;
    }
    extents.push_back(view);
  }
  return extents;
}

/// The extent of `extents` (sorted) that holds byte `offset`, or null.
static const WeightExtent *extentHolding(ArrayRef<WeightExtent> extents,
                                         uint64_t offset) {
  auto next = llvm::upper_bound(
      extents, offset,
      [](uint64_t value, const WeightExtent &e) { return value < e.offset; });
  if (next == extents.begin())
    return nullptr;
  const WeightExtent *extent = &*std::prev(next);
  return offset < extent->offset + extent->bytes ? extent : nullptr;
}

LogicalResult SharedWeightsBuilder::add(ArrayRef<char> image,
                                        ArrayRef<WeightExtent> extents,
                                        StepTable &table) {
  for (const Step &step : table.steps)
    for (const StepArg &arg : step.args)
      if (arg.kind == AUTOGLM_CUDA_ARG_WEIGHTS &&
          !extentHolding(extents, arg.value))
        return failure();
  std::vector<uint64_t> moved;
  for (const WeightExtent &extent : extents)
    moved.push_back(place(image.slice(extent.offset, extent.bytes)));
  for (Step &step : table.steps)
    for (StepArg &arg : step.args)
      if (arg.kind == AUTOGLM_CUDA_ARG_WEIGHTS) {
        const WeightExtent *extent = extentHolding(extents, arg.value);
        arg.value =
            moved[extent - extents.data()] + (arg.value - extent->offset);
      }
  return success();
}

uint64_t SharedWeightsBuilder::place(ArrayRef<char> data) {
  // The alignment ExternalizeWeights gives every constant in an image
  // (and the image in device memory has more): what kernels and cuBLASLt
  // may rely on.
  constexpr uint64_t alignment = 64;
  uint64_t hash = llvm::xxh3_64bits(ArrayRef<uint8_t>(
      reinterpret_cast<const uint8_t *>(data.data()), data.size()));
  SmallVector<WeightExtent, 1> &same = placed[hash];
  for (const WeightExtent &copy : same)
    if (copy.bytes == data.size() &&
        std::memcmp(bytes.data() + copy.offset, data.data(), data.size()) == 0)
      return copy.offset;
  uint64_t offset = llvm::alignTo(bytes.size(), alignment);
  bytes.resize(offset);
  llvm::append_range(bytes, data);
  same.push_back({offset, data.size()});
  return offset;
}
