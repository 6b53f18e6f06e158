//===- RotaryEmbeddingConverter.cpp - ONNX RotaryEmbedding (opset 23) -----===//
//
// RotaryEmbedding rotates pairs of each head's first `rotary_embedding_dim`
// channels by a position's angle: (x1, x2) -> (c x1 - s x2, s x1 + c x2).
// The pairs are (2i, 2i+1) when `interleaved`, else (i, i + dim/2). It is
// decomposed into core ops: the rotated channels viewed as pairs along an
// axis of two ([..., dim/2, 2] interleaved, [..., 2, dim/2] half-split),
// the pairs' two members sliced from it (x1, x2: views, each read
// broadcast along the pair axis), and
//
//     x1 * (c, s) + x2 * (-s, c)
//
// with the cos/sin rows stacked along the pair axis (computed once per
// step when layers share their caches and positions). The rotation is then
// one elementwise expression over the pairs, one kernel, where rotating
// each member apart and putting the pairs back took four on CUDA (two
// products, two copies into the concatenation); no dedicated op is needed
// for a computation this light.
//
//===----------------------------------------------------------------------===//

#include "NodeContext.h"
#include "OpRegistry.h"

#include "onnx/onnx_pb.h"

#include <limits>

using namespace mlir;
using namespace mlir::autoglm;

namespace autoglm::importer {
namespace {
/// v[..., begin:end:step] along `axis`; the other axes whole (a dynamic one
/// runs to its run-time end).
Value sliceAxis(NodeContext &n, Value v, int64_t axis, int64_t begin,
                int64_t end, int64_t step) {
  auto type = cast<RankedTensorType>(v.getType());
  int64_t rank = type.getRank();
  SmallVector<int64_t> starts(rank, 0), ends, steps(rank, 1);
  for (int64_t size : type.getShape())
    ends.push_back(ShapedType::isDynamic(size)
                       ? std::numeric_limits<int64_t>::max()
                       : size);
  starts[axis] = begin;
  ends[axis] = end;
  steps[axis] = step;
  return n.create<SliceOp>(v, n.b.getDenseI64ArrayAttr(starts),
                           n.b.getDenseI64ArrayAttr(ends),
                           n.b.getDenseI64ArrayAttr(steps));
}

/// `v` reshaped to its first three axes followed by `last` (literal
/// sizes): the pairs split out of the channel axis, or merged back.
Value withLastAxes(NodeContext &n, Value v, ArrayRef<int64_t> last) {
  SmallVector<DimSpec> spec = {DimSpec::fromInput(0), DimSpec::fromInput(1),
                               DimSpec::fromInput(2)};
  for (int64_t size : last)
    spec.push_back(DimSpec::literal(size));
  return n.reshapeTo(v, spec);
}

/// The rotated pairs of `rotated` ([d0, d1, d2, dim]) by the angles'
/// `cos` and `sin` ([d0 or 1, d1 or 1, d2 or 1, dim/2]), as
/// x1 * (c, s) + x2 * (-s, c) over the pairs (the file comment), back in
/// `rotated`'s shape.
Value rotatePairs(NodeContext &n, Value rotated, Value cos, Value sin,
                  int64_t dim, bool interleaved) {
  int64_t half = dim / 2;
  // The pairs along axis 4 ([..., half, 2]) or 3 ([..., 2, half]).
  int64_t pairAxis = interleaved ? 4 : 3;
  SmallVector<int64_t> pairs = interleaved ? SmallVector<int64_t>{half, 2}
                                           : SmallVector<int64_t>{2, half};
  SmallVector<int64_t> member = interleaved ? SmallVector<int64_t>{half, 1}
                                            : SmallVector<int64_t>{1, half};
  Value paired = withLastAxes(n, rotated, pairs);
  Value c = withLastAxes(n, cos, member), s = withLastAxes(n, sin, member);
  Value negS = s ? n.create<NegOp>(s) : Value();
  if (!paired || !c || !s || !negS)
    return {};
  auto stack = [&](Value first, Value second) {
    return n.create<ConcatOp>(ValueRange{first, second},
                              n.b.getI64IntegerAttr(pairAxis));
  };
  Value first = stack(c, s), second = stack(negS, c);
  Value x1 = sliceAxis(n, paired, pairAxis, 0, 1, 1);
  Value x2 = sliceAxis(n, paired, pairAxis, 1, 2, 1);
  if (!first || !second || !x1 || !x2)
    return {};
  Value a = n.create<MulOp>(x1, first), b = n.create<MulOp>(x2, second);
  Value sum = a && b ? n.create<AddOp>(a, b) : Value();
  return sum ? withLastAxes(n, sum, {dim}) : Value();
}

LogicalResult convertRotaryEmbedding(NodeContext &n) {
  if (failed(n.checkArity(3, 4)))
    return failure();
  Value x = n.input(0);
  RankedTensorType xType = n.inputType(0);
  int64_t rank = xType.getRank();
  if (rank != 3 && rank != 4)
    return n.emitError() << "the input must be 3-D [batch, sequence, hidden] "
                            "or 4-D [batch, heads, sequence, head size], not "
                         << rank << "-D";
  bool interleaved = n.intAttr("interleaved", 0) != 0;
  int64_t heads = n.intAttr("num_heads", 0);

  // Bring the input to [B, S, H, D] (3-D) or keep [B, H, S, D] (4-D); the
  // cos/sin rows [B, S, dim/2] get a head axis of 1 at the matching place.
  if (rank == 3) {
    if (heads <= 0)
      return n.emitError() << "a 3-D input needs the num_heads attribute";
    int64_t hidden = xType.getDimSize(2);
    if (ShapedType::isDynamic(hidden) || hidden % heads != 0)
      return n.emitError() << "the hidden size (" << hidden
                           << ") must be static and a multiple of num_heads ("
                           << heads << ")";
    x = n.reshapeTo(x, {DimSpec::fromInput(0), DimSpec::fromInput(1),
                        DimSpec::literal(heads),
                        DimSpec::literal(hidden / heads)});
    if (!x)
      return failure();
  }
  int64_t headSize = cast<RankedTensorType>(x.getType()).getDimSize(3);
  if (ShapedType::isDynamic(headSize))
    return n.notKnown("the head size");
  int64_t dim = n.intAttr("rotary_embedding_dim", 0);
  if (dim == 0)
    dim = headSize;
  if (dim < 0 || dim > headSize || dim % 2 != 0)
    return n.emitError() << "rotary_embedding_dim (" << dim
                         << ") must be even and at most the head size ("
                         << headSize << ")";
  int64_t half = dim / 2;

  Value cos = n.input(1), sin = n.input(2);
  int64_t cacheRank = n.inputType(1).getRank();
  if (n.inputType(2).getRank() != cacheRank)
    return n.emitError() << "cos_cache and sin_cache must have one rank";
  if (n.hasInput(3)) {
    // position_ids [B, S] pick rows of the [max position + 1, dim/2] caches.
    if (cacheRank != 2 || n.inputType(3).getRank() != 2)
      return n.emitError() << "with position_ids the caches must be 2-D and "
                              "position_ids 2-D [batch, sequence]";
    cos = n.create<GatherOp>(cos, n.input(3), n.b.getI64IntegerAttr(0));
    sin = cos ? n.create<GatherOp>(sin, n.input(3), n.b.getI64IntegerAttr(0))
              : Value();
    if (!cos || !sin)
      return failure();
  } else if (cacheRank != 3) {
    return n.emitError() << "without position_ids the caches must be 3-D "
                            "[batch, sequence, rotary_embedding_dim / 2]";
  }
  int64_t cacheWidth = cast<RankedTensorType>(cos.getType()).getDimSize(2);
  if (cacheWidth != half ||
      cast<RankedTensorType>(sin.getType()).getDimSize(2) != half)
    return n.emitError() << "the last axis of cos_cache and sin_cache must be "
                            "rotary_embedding_dim / 2 = "
                         << half;
  SmallVector<DimSpec> headAxis =
      rank == 3
          ? SmallVector<DimSpec>{DimSpec::fromInput(0), DimSpec::fromInput(1),
                                 DimSpec::literal(1), DimSpec::fromInput(2)}
          : SmallVector<DimSpec>{DimSpec::fromInput(0), DimSpec::literal(1),
                                 DimSpec::fromInput(1), DimSpec::fromInput(2)};
  cos = n.reshapeTo(cos, headAxis);
  sin = cos ? n.reshapeTo(sin, headAxis) : Value();
  if (!cos || !sin)
    return failure();

  Value rotated = dim == headSize ? x : sliceAxis(n, x, 3, 0, dim, 1);
  Value result =
      rotated ? rotatePairs(n, rotated, cos, sin, dim, interleaved) : Value();
  if (result && dim < headSize) {
    Value passed = sliceAxis(n, x, 3, dim, headSize, 1);
    result = passed ? n.create<ConcatOp>(ValueRange{result, passed},
                                         n.b.getI64IntegerAttr(3))
                    : Value();
  }
  if (result && rank == 3)
    result = n.reshapeLike(result, n.input(0));
  return n.finish(result);
}
} // namespace

void registerRotaryEmbeddingConverter(OpRegistry &r) {
  r.add("RotaryEmbedding", convertRotaryEmbedding);
}
} // namespace autoglm::importer
