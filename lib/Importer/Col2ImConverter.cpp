//===- Col2ImConverter.cpp - ONNX Col2Im ----------------------------------===//
//
// Col2Im (opset 18) rearranges columns [N, C * prod(block), L] back into an
// image [N, C, image...], summing the entries that overlapping blocks put on
// one pixel. Each block position k contributes its [N, C, L1, ..., Ld] plane
// to the pixels k * dilation - pad_begin + i * stride: the plane is spread
// by the stride (a pad after a unit axis, then a reshape), shifted (slice or
// pad at the front) and cut or padded to the image, and the block positions
// are summed. Only core data movement and adds, and exact.
//
//===----------------------------------------------------------------------===//

#include "NodeContext.h"
#include "OpRegistry.h"

using namespace mlir;
using namespace mlir::autoglm;

namespace autoglm::importer {
namespace {
/// The most block positions expanded into separate terms.
constexpr int64_t kMaxBlockPositions = 1024;

LogicalResult convertCol2Im(NodeContext &n) {
  if (failed(n.checkArity(3, 3)))
    return failure();
  std::optional<SmallVector<int64_t>> image = n.knownValues(1);
  if (!image)
    return n.notKnown("image_shape");
  std::optional<SmallVector<int64_t>> block = n.knownValues(2);
  if (!block)
    return n.notKnown("block_shape");
  int64_t dims = static_cast<int64_t>(image->size());
  if (dims < 1 || static_cast<int64_t>(block->size()) != dims)
    return n.emitError() << "image_shape and block_shape must have the same "
                            "number of entries";
  auto type = n.inputType(0);
  if (type.getRank() != 3 || !type.hasStaticShape())
    return n.emitError() << "the input must be a static [N, C * prod(block), "
                            "L] tensor";
  auto attrOr = [&](StringRef name, int64_t fill, int64_t count) {
    std::optional<SmallVector<int64_t>> given = n.intsAttr(name);
    return given ? *given : SmallVector<int64_t>(count, fill);
  };
  SmallVector<int64_t> dilations = attrOr("dilations", 1, dims);
  SmallVector<int64_t> strides = attrOr("strides", 1, dims);
  SmallVector<int64_t> pads = attrOr("pads", 0, 2 * dims);
  if (static_cast<int64_t>(dilations.size()) != dims ||
      static_cast<int64_t>(strides.size()) != dims ||
      static_cast<int64_t>(pads.size()) != 2 * dims)
    return n.emitError() << "dilations and strides need " << dims
                         << " entries and pads " << 2 * dims;
  int64_t positions = 1, blocks = 1;
  SmallVector<int64_t> counts;
  for (int64_t d = 0; d < dims; ++d) {
    if ((*block)[d] < 1 || (*image)[d] < 1 || dilations[d] < 1 ||
        strides[d] < 1 || pads[d] < 0 || pads[d + dims] < 0)
      return n.emitError() << "image_shape, block_shape, dilations and "
                              "strides must be positive and pads "
                              "non-negative";
    int64_t span = dilations[d] * ((*block)[d] - 1) + 1;
    int64_t count =
        ((*image)[d] + pads[d] + pads[d + dims] - span) / strides[d] + 1;
    if (count < 1)
      return n.emitError() << "the blocks do not fit in the padded image "
                              "along axis "
                           << d;
    counts.push_back(count);
    positions *= (*block)[d];
    blocks *= count;
  }
  if (positions > kMaxBlockPositions)
    return n.emitError() << "blocks of " << positions
                         << " positions are more than the "
                         << kMaxBlockPositions << " supported";
  int64_t batch = type.getDimSize(0);
  if (type.getDimSize(1) % positions != 0)
    return n.emitError() << "the input's dimension 1 (" << type.getDimSize(1)
                         << ") is not a multiple of the block size "
                         << positions;
  if (type.getDimSize(2) != blocks)
    return n.emitError() << "the input has " << type.getDimSize(2)
                         << " blocks; the image and block shapes give "
                         << blocks;
  int64_t channels = type.getDimSize(1) / positions;

  // [N, C, positions, L1, ..., Ld]
  SmallVector<int64_t> split{batch, channels, positions};
  split.append(counts);
  Value columns = n.reshape(n.input(0), split);
  if (!columns)
    return failure();
  SmallVector<int64_t> planeShape{batch, channels};
  planeShape.append(counts);
  Value sum;
  SmallVector<int64_t> offset(dims, 0);
  for (int64_t k = 0; k < positions; ++k) {
    // offset: block position k as a multi-index (row-major).
    for (int64_t d = dims - 1, rest = k; d >= 0; --d) {
      offset[d] = rest % (*block)[d];
      rest /= (*block)[d];
    }
    SmallVector<int64_t> starts(split.size(), 0), ends(split),
        steps(split.size(), 1);
    starts[2] = k;
    ends[2] = k + 1;
    Value plane = n.create<SliceOp>(columns, n.b.getDenseI64ArrayAttr(starts),
                                    n.b.getDenseI64ArrayAttr(ends),
                                    n.b.getDenseI64ArrayAttr(steps));
    plane = plane ? n.reshape(plane, planeShape) : Value();
    // Spread by the strides: [.., Li, 1, ..] padded to [.., Li, si, ..].
    SmallVector<int64_t> spread{batch, channels}, spreadPads,
        spreadShape{batch, channels};
    bool strided = llvm::any_of(strides, [](int64_t s) { return s > 1; });
    if (plane && strided) {
      for (int64_t d = 0; d < dims; ++d) {
        spread.push_back(counts[d]);
        spread.push_back(1);
        spreadShape.push_back(counts[d] * strides[d]);
      }
      SmallVector<int64_t> padding(2 * spread.size(), 0);
      for (int64_t d = 0; d < dims; ++d)
        padding[spread.size() + 2 + 2 * d + 1] = strides[d] - 1;
      plane = n.reshape(plane, spread);
      plane = plane
                  ? n.create<PadOp>(plane, n.b.getDenseI64ArrayAttr(padding),
                                    PadModeAttr::get(n.ctx, PadMode::constant),
                                    n.b.getF64FloatAttr(0.0))
                  : Value();
      plane = plane ? n.reshape(plane, spreadShape) : Value();
    }
    if (!plane)
      return failure();
    // Place entry i of axis d at pixel offset[d] * dilation - pad + i.
    ArrayRef<int64_t> extent =
        cast<RankedTensorType>(plane.getType()).getShape();
    int64_t rank = 2 + dims;
    SmallVector<int64_t> cutStarts(rank, 0), cutEnds(extent), cutSteps(rank, 1),
        padding(2 * rank, 0);
    bool cut = false, padded = false, outside = false;
    for (int64_t d = 0; d < dims; ++d) {
      int64_t shift = offset[d] * dilations[d] - pads[d];
      int64_t first = shift < 0 ? -shift : 0;
      // After the front cut / pad the plane starts at pixel max(shift, 0).
      int64_t begin = std::max<int64_t>(shift, 0);
      int64_t length = extent[2 + d] - first;
      int64_t keep = std::min(length, (*image)[d] - begin);
      // A block position whose entries all fall in the padding adds nothing.
      outside |= keep <= 0;
      cutStarts[2 + d] = first;
      cutEnds[2 + d] = first + keep;
      cut |= first != 0 || keep != extent[2 + d];
      padding[2 + d] = begin;
      padding[rank + 2 + d] = (*image)[d] - begin - keep;
      padded |= padding[2 + d] != 0 || padding[rank + 2 + d] != 0;
    }
    if (outside)
      continue;
    if (cut)
      plane = n.create<SliceOp>(plane, n.b.getDenseI64ArrayAttr(cutStarts),
                                n.b.getDenseI64ArrayAttr(cutEnds),
                                n.b.getDenseI64ArrayAttr(cutSteps));
    if (plane && padded)
      plane = n.create<PadOp>(plane, n.b.getDenseI64ArrayAttr(padding),
                              PadModeAttr::get(n.ctx, PadMode::constant),
                              n.b.getF64FloatAttr(0.0));
    if (!plane)
      return failure();
    sum = sum ? n.create<AddOp>(sum, plane) : plane;
    if (!sum)
      return failure();
  }
  if (!sum)
    return n.emitError() << "every block lies in the padding";
  return n.finish(sum);
}
} // namespace

void registerCol2ImConverter(OpRegistry &r) { r.add("Col2Im", convertCol2Im); }
} // namespace autoglm::importer
