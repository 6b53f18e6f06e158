//===- RotaryEmbeddingConverter.cpp - ONNX RotaryEmbedding (opset 23) -----===//
//
// RotaryEmbedding rotates pairs of each head's first `rotary_embedding_dim`
// channels by a position's angle: (x1, x2) -> (c x1 - s x2, s x1 + c x2).
// The pairs are (2i, 2i+1) when `interleaved`, else (i, i + dim/2). It is
// decomposed into core ops (gather of the cos/sin rows, strided slices,
// multiplications, concatenation), which the elementwise fusion merges into
// one kernel; no dedicated op is needed for a computation this light.
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
/// v[..., begin:end:step] along the last axis; the other axes whole (a
/// dynamic one runs to its run-time end).
Value sliceLastAxis(NodeContext &n, Value v, int64_t begin, int64_t end,
                    int64_t step) {
  auto type = cast<RankedTensorType>(v.getType());
  int64_t rank = type.getRank();
  SmallVector<int64_t> starts(rank, 0), ends, steps(rank, 1);
  for (int64_t size : type.getShape())
    ends.push_back(ShapedType::isDynamic(size)
                       ? std::numeric_limits<int64_t>::max()
                       : size);
  starts.back() = begin;
  ends.back() = end;
  steps.back() = step;
  return n.create<SliceOp>(v, n.b.getDenseI64ArrayAttr(starts),
                           n.b.getDenseI64ArrayAttr(ends),
                           n.b.getDenseI64ArrayAttr(steps));
}

/// Places the interleaved pairs back: real at even, imag at odd channels.
Value interleave(NodeContext &n, Value real, Value imag) {
  int64_t rank = cast<RankedTensorType>(real.getType()).getRank();
  SmallVector<DimSpec> withPair, merged;
  for (int64_t d = 0; d < rank; ++d)
    withPair.push_back(DimSpec::fromInput(d));
  withPair.push_back(DimSpec::literal(1));
  for (int64_t d = 0; d + 1 < rank; ++d)
    merged.push_back(DimSpec::fromInput(d));
  merged.push_back(DimSpec::literal(-1));
  Value r = n.reshapeTo(real, withPair), i = n.reshapeTo(imag, withPair);
  Value pairs =
      r && i ? n.create<ConcatOp>(ValueRange{r, i}, n.b.getI64IntegerAttr(rank))
             : Value();
  return pairs ? n.reshapeTo(pairs, merged) : Value();
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

  Value rotated = dim == headSize ? x : sliceLastAxis(n, x, 0, dim, 1);
  Value x1 = rotated ? (interleaved ? sliceLastAxis(n, rotated, 0, dim, 2)
                                    : sliceLastAxis(n, rotated, 0, half, 1))
                     : Value();
  Value x2 = rotated ? (interleaved ? sliceLastAxis(n, rotated, 1, dim, 2)
                                    : sliceLastAxis(n, rotated, half, dim, 1))
                     : Value();
  if (!x1 || !x2)
    return failure();
  auto mul = [&](Value a, Value b) { return n.create<MulOp>(a, b); };
  Value cx1 = mul(cos, x1), sx2 = mul(sin, x2), sx1 = mul(sin, x1),
        cx2 = mul(cos, x2);
  if (!cx1 || !sx2 || !sx1 || !cx2)
    return failure();
  Value real = n.create<SubOp>(cx1, sx2), imag = n.create<AddOp>(sx1, cx2);
  if (!real || !imag)
    return failure();
  Value result = interleaved ? interleave(n, real, imag)
                             : n.create<ConcatOp>(ValueRange{real, imag},
                                                  n.b.getI64IntegerAttr(3));
  if (result && dim < headSize) {
    Value passed = sliceLastAxis(n, x, dim, headSize, 1);
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
