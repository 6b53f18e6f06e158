//===- SelectDecodeAttention.cpp - decode attention for the CUDA kernels --===//
//
// The common lowering turns `autoglm.topk_attention` into the CPU's loop
// nest: per (batch, key/value head), one thread walks every key in order.
// On a GPU that is a handful of threads reading the whole KV cache, so the
// CUDA target takes the op out of its region first, as a destination-style
// `autoglm.decode_attention` that the lowering keeps, and gives it kernels
// of its own after bufferization (DecodeAttentionKernels.cpp). Page mode's
// top-k attention passes its page bounds and page size on; when they are
// the caller's bounds with the pages of the step's new keys recomputed
// (SparseAttention.cpp), the op takes the caller's bounds and computes the
// new pages' bounds itself, in the kernel that reads them (its
// `fresh_page`).
//
// Dense decode attention (`autoglm.attention` of at most kMaxDecodeQueries
// queries against at least kMinDecodeKeys keys) goes the same way: its
// products have one query row, which no library product serves well, and
// the generic lowering's loops read the cache with a few threads. It
// becomes a `decode_attention` whose `top_k` is the number of keys (top-k
// attention that keeps every key is dense attention, exactly), which the
// kernels pass gives its split-key (flash-decoding) kernels.
//
// A decoder step attends over `Concat(past, new)` of its cache, usually
// through a reshape to heads and a transpose to B x Hkv x Sk x D, each a
// copy of the whole cache on the way (four per layer, keys and values).
// Decode attention reads its keys and values where they are instead: the
// cache and the step's rows as two parts (new_key, new_value), in the
// B x Sk x Hkv x D order they were written in (seq_major). The copies lose
// their last user and go.
//
// Dense f16 attention of many queries (encoder attention, prefill) whose
// sizes the tensor-core kernel takes goes the same way, for
// EncoderAttentionKernels.cpp: one kernel that keeps the scores on chip,
// instead of two library products with the scores, mask and softmax
// between them in memory.
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CUDA/Passes.h"

#include "DecodeAttention.h"
#include "EncoderAttention.h"

#include "autoglm/Dialect/AttentionCache.h"
#include "autoglm/Dialect/AutoGLM.h"
#include "autoglm/Dialect/SeparateOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"

#include <limits>

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMCUDASELECTDECODEATTENTION
#include "autoglm/Target/CUDA/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {
/// The top-k attention that is the whole of `region`, or null.
TopKAttentionOp soleTopKAttention(FusedOp region) {
  Block &body = region.getBody().front();
  if (!llvm::hasSingleElement(body.without_terminator()))
    return {};
  return dyn_cast<TopKAttentionOp>(body.front());
}

/// The dense attention that is the whole of `region` and is decode
/// attention the dense kernels take, or null.
AttentionOp soleDenseDecodeAttention(FusedOp region) {
  Block &body = region.getBody().front();
  if (!llvm::hasSingleElement(body.without_terminator()))
    return {};
  auto attention = dyn_cast<AttentionOp>(body.front());
  if (!attention)
    return {};
  auto query = cast<RankedTensorType>(attention.getQuery().getType());
  auto key = cast<RankedTensorType>(attention.getKey().getType());
  auto value = cast<RankedTensorType>(attention.getValue().getType());
  Type element = query.getElementType();
  if (!query.hasStaticShape() || !key.hasStaticShape() ||
      !value.hasStaticShape() || query.getRank() != 4 ||
      (!element.isF32() && !element.isF16() && !element.isBF16()))
    return {};
  int64_t queries = query.getDimSize(2), keys = key.getDimSize(2);
  // Many f16 queries: the tensor-core encoder kernel's
  // (EncoderAttentionKernels.cpp).
  if (queries > kMaxDecodeQueries && element.isF16() &&
      takesEncoderAttention(queries, keys, query.getDimSize(3),
                            value.getDimSize(3)))
    return attention;
  if (queries > kMaxDecodeQueries || keys < kMinDecodeKeys)
    return {};
  int64_t rows = query.getDimSize(0) * key.getDimSize(1) * queries;
  int64_t group = query.getDimSize(1) / key.getDimSize(1);
  // Buffers of tensors are contiguous until bufferization says otherwise;
  // reading them an element at a time needs no more of a block.
  unsigned bits = element.getIntOrFloatBitWidth();
  if (!planDenseDecode(
          rows, keys, group, DenseRowReads(query.getDimSize(3), bits, true),
          DenseRowReads(value.getDimSize(3), bits, true), value.getDimSize(3)))
    return {};
  return attention;
}

/// Page mode's update of the bounds its attention scores with, as
/// SparseAttention.cpp's pageBounds builds it: the caller's bounds with the
/// pages from `freshPage` on replaced by `Reduce(Reshape(rows))`, `rows`
/// the attention's key rows of those pages (sliced where the keys are
/// made), each op alone in its kernel region. The decode kernels read
/// those keys anyway: they compute the pages' bounds themselves and write
/// the reduction's result, so these kernels go.
std::optional<PageBoundsParts>
traceBoundsUpdate(Value bounds, Value key, int64_t pageSize, ReduceKind kind) {
  std::optional<PageBoundsParts> parts = tracePageBoundsParts(bounds);
  if (!parts)
    return std::nullopt;
  auto [reduce, reduced] = kernelProducer<ReduceOp>(parts->fresh);
  if (!reduce || reduce.getKind() != kind ||
      reduce.getAxes() != ArrayRef<int64_t>{3} || reduce.getKeepdims())
    return std::nullopt;
  auto [reshape, paged] = kernelProducer<ReshapeOp>(reduced[0]);
  if (!reshape || reshape.getShape())
    return std::nullopt;
  auto type = cast<RankedTensorType>(bounds.getType());
  int64_t keys = cast<RankedTensorType>(key.getType()).getDimSize(2);
  int64_t fromKey = parts->freshPage * pageSize;
  auto rows = cast<RankedTensorType>(paged[0].getType());
  if (keys != type.getDimSize(2) * pageSize || rows.getRank() != 4 ||
      rows.getDimSize(2) != keys - fromKey ||
      !isSliceAtSource(paged[0], key, 2, fromKey, keys))
    return std::nullopt;
  return parts;
}

/// What a decode_attention keeps: `topK`, `sink` and `window`, and with
/// `pageSize` the pages chosen from the bounds `pageMin` and `pageMax`.
/// With `update` (minimum, maximum; traceBoundsUpdate), those are the
/// caller's bounds, and the op computes the new pages' bounds.
struct Budget {
  int64_t topK, sink, window;
  IntegerAttr pageSize = {};
  Value pageMin = {}, pageMax = {};
  SmallVector<PageBoundsParts, 2> update = {};
};

/// Replaces `region`, whose sole op is `attention`, by a decode_attention
/// of its operands with `budget`.
void replaceByDecodeAttention(FusedOp region, Operation *attention, Value query,
                              Value key, Value value, Value mask,
                              FloatAttr scale, UnitAttr causal,
                              const Budget &budget) {
  // Operands of the attention are the region's block arguments: map them
  // to the region's inputs.
  IRMapping inputs;
  inputs.map(region.getBody().front().getArguments(), region.getInputs());
  OpBuilder b(region);
  Location loc = attention->getLoc();
  auto resultType = cast<RankedTensorType>(attention->getResult(0).getType());
  Value init = tensor::EmptyOp::create(b, loc, resultType.getShape(),
                                       resultType.getElementType());
  auto lookup = [&](Value v) { return v ? inputs.lookup(v) : Value(); };
  // Keys and values read where they are when both are found the same way;
  // many queries (the encoder kernel) keep their operands.
  AttentionCacheSource keys, values;
  keys.parts = {lookup(key)};
  values.parts = {lookup(value)};
  if (resultType.getDimSize(2) <= kMaxDecodeQueries) {
    AttentionCacheSource k = traceAttentionCache(keys.parts[0]);
    AttentionCacheSource v = traceAttentionCache(values.parts[0]);
    if (readsCacheParts(k, v)) {
      keys = k;
      values = v;
    }
  }
  SmallVector<Value> keyParts = keys.build(b, loc);
  SmallVector<Value> valueParts = values.build(b, loc);
  auto second = [](ArrayRef<Value> parts) {
    return parts.size() == 2 ? parts[1] : Value();
  };
  SmallVector<Value> inits = {init};
  for (const PageBoundsParts &update : budget.update) {
    auto type = cast<RankedTensorType>(update.fresh.getType());
    inits.push_back(tensor::EmptyOp::create(b, loc, type.getShape(),
                                            type.getElementType()));
  }
  // Both updates start at one page (pageBudget).
  IntegerAttr freshPage =
      budget.update.empty()
          ? IntegerAttr()
          : b.getI64IntegerAttr(budget.update.front().freshPage);
  // The caller's bounds of an update are no operands of the region.
  auto bounds = [&](Value v) { return v ? inputs.lookupOrDefault(v) : v; };
  auto decode = DecodeAttentionOp::create(
      b, loc, ValueRange(inits).getTypes(), lookup(query), keyParts[0],
      valueParts[0], lookup(mask), bounds(budget.pageMin),
      bounds(budget.pageMax), second(keyParts), second(valueParts), inits,
      scale, causal, b.getI64IntegerAttr(budget.topK),
      b.getI64IntegerAttr(budget.sink), b.getI64IntegerAttr(budget.window),
      budget.pageSize, keys.seqMajor ? b.getUnitAttr() : UnitAttr(), freshPage);
  region.getResult(0).replaceAllUsesWith(decode.getResultTensors()[0]);
  region.erase();
  // The copies looked through lose their last reader, and so does the
  // bounds' update the op computes: the concatenation the region read, and
  // the new pages' bounds once their other readers take the op's.
  SmallVector<Operation *> unread;
  for (auto [i, update] : llvm::enumerate(budget.update)) {
    unread.push_back(update.concat);
    Value fresh = update.fresh;
    fresh.replaceAllUsesExcept(decode.getResultTensors()[1 + i], update.concat);
  }
  eraseUnusedCacheCopies(keys, values, unread);
}

/// Page mode's budget with the bounds update absorbed when `attention`
/// (the sole op of `region`) is the only reader of the bounds it scores
/// with and every other reader of the new pages' bounds reads them after
/// it.
Budget pageBudget(FusedOp region, TopKAttentionOp attention, Budget budget) {
  // The region's inputs (what it computes itself, such as a constant it
  // took in, is no update).
  auto input = [&](Value v) {
    auto arg = dyn_cast<BlockArgument>(v);
    return arg ? region.getInputs()[arg.getArgNumber()] : Value();
  };
  Value key = input(attention.getKey());
  Value scoredMin = input(attention.getPageMin()),
        scoredMax = input(attention.getPageMax());
  if (!key || !scoredMin || !scoredMax)
    return budget;
  int64_t pageSize = budget.pageSize.getInt();
  std::optional<PageBoundsParts> lo =
      traceBoundsUpdate(scoredMin, key, pageSize, ReduceKind::min);
  std::optional<PageBoundsParts> hi =
      traceBoundsUpdate(scoredMax, key, pageSize, ReduceKind::max);
  if (!lo || !hi || lo->freshPage != hi->freshPage || lo->fresh == hi->fresh)
    return budget;
  // The concatenations go with the region; the op that replaces the region
  // returns the new pages' bounds: their other readers must come after it.
  for (const PageBoundsParts &update : {*lo, *hi}) {
    if (!update.concat->hasOneUse())
      return budget;
    for (Operation *user : update.fresh.getUsers())
      if (user != update.concat && (user->getBlock() != region->getBlock() ||
                                    !region->isBeforeInBlock(user)))
        return budget;
  }
  budget.pageMin = lo->given;
  budget.pageMax = hi->given;
  budget.update = {*lo, *hi};
  return budget;
}

LogicalResult select(FusedOp region, TopKAttentionOp attention) {
  auto query = cast<RankedTensorType>(attention.getQuery().getType());
  Type element = query.getElementType();
  if (!element.isF32() && !element.isF16() && !element.isBF16())
    return attention.emitError("top-k attention on CUDA needs f32, f16 or "
                               "bf16 operands, not ")
           << element;
  int64_t topK = attention.getTopKAttr().getInt();
  if (IntegerAttr page = attention.getPageSizeAttr()) {
    int64_t keys =
        cast<RankedTensorType>(attention.getKey().getType()).getDimSize(2);
    int64_t chosen = chosenDecodeAttentionPages(
        topK, page.getInt(),
        ShapedType::isDynamic(keys) ? std::numeric_limits<int64_t>::max()
                                    : keys / page.getInt());
    if (chosen > kMaxDecodeAttentionPages)
      return attention.emitError("top-k attention by pages on CUDA chooses "
                                 "at most ")
             << kMaxDecodeAttentionPages
             << " pages per query by rank (top_k / page size, rounded up), "
                "not "
             << chosen
             << "; lower --sparse-attention-k or raise "
                "--sparse-attention-page-size";
  } else if (int64_t budget = topK + attention.getSinkAttr().getInt() +
                              attention.getWindowAttr().getInt();
             budget > kMaxDecodeAttentionBudget) {
    // Token mode's lists hold every kept key.
    return attention.emitError("top-k attention on CUDA keeps at most ")
           << kMaxDecodeAttentionBudget
           << " keys per query (top_k + sink + window), not " << budget
           << "; lower --sparse-attention-k, -sink or -window";
  }
  Budget budget{topK,
                attention.getSinkAttr().getInt(),
                attention.getWindowAttr().getInt(),
                attention.getPageSizeAttr(),
                attention.getPageMin(),
                attention.getPageMax()};
  if (budget.pageSize)
    budget = pageBudget(region, attention, budget);
  replaceByDecodeAttention(region, attention, attention.getQuery(),
                           attention.getKey(), attention.getValue(),
                           attention.getMask(), attention.getScaleAttr(),
                           attention.getCausalAttr(), budget);
  return success();
}

/// Dense decode attention as top-k attention that keeps every key.
void select(FusedOp region, AttentionOp attention) {
  int64_t keys =
      cast<RankedTensorType>(attention.getKey().getType()).getDimSize(2);
  replaceByDecodeAttention(region, attention, attention.getQuery(),
                           attention.getKey(), attention.getValue(),
                           attention.getMask(), attention.getScaleAttr(),
                           attention.getCausalAttr(),
                           Budget{/*topK=*/keys, /*sink=*/0, /*window=*/0});
}

struct SelectDecodeAttentionPass
    : autoglm::impl::AutoGLMCUDASelectDecodeAttentionBase<
          SelectDecodeAttentionPass> {
  void runOnOperation() override {
    SmallVector<std::pair<FusedOp, TopKAttentionOp>> found;
    SmallVector<std::pair<FusedOp, AttentionOp>> dense;
    getOperation().walk([&](FusedOp region) {
      if (TopKAttentionOp attention = soleTopKAttention(region))
        found.push_back({region, attention});
      else if (AttentionOp attention = soleDenseDecodeAttention(region))
        dense.push_back({region, attention});
    });
    for (auto [region, attention] : found)
      if (failed(select(region, attention)))
        return signalPassFailure();
    for (auto [region, attention] : dense)
      select(region, attention);
    // Fusion keeps attention in a region of its own; anything else would
    // be left to the CPU's loop nest, which is no GPU kernel.
    WalkResult left = getOperation().walk([](TopKAttentionOp attention) {
      attention.emitError("top-k attention on CUDA must be a kernel region "
                          "of its own");
      return WalkResult::interrupt();
    });
    if (left.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
