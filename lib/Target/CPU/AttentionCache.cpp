//===- AttentionCache.cpp - --autoglm-cpu-attention-cache -----------------===//
//
// A decoder step attends over `Concat(past, new)` of its KV cache, which an
// exporter's graph also splits to heads and transposes to B x Hkv x Sk x D:
// kernels of their own that copy the whole cache, for keys and values,
// each step. Top-k attention reads only the rows it keeps (and its scoring
// pass each key row once), so before the common lowering its region takes
// the parts instead (the cache and the step's rows, split to heads by
// views) and makes the concatenation and transpose in its own body:
//
//   %k = fused "concat"(%past, %new); %kh = reshape %k;
//   %kt = fused "transpose"(%kh); fused "topk_attention"(%q, %kt, ...)
//
// becomes
//
//   fused "topk_attention"(%q, ..., reshape %past, reshape %new) {
//     %k = concat %a, %b; %kt = transpose %k; topk_attention %q, %kt, ...
//   }
//
// where its lowering (TopKAttention.cpp) finds the parts and reads each
// row from its part in place; the copies inside the region go unread.
// Dense attention keeps the copies: its products over all heads at once
// read contiguous rows (docs/decisions.md).
//
// Page mode's bounds are the caller's with the new keys' pages computed in
// the step, `Concat(Slice(given), fresh)` (SparseAttention.cpp): a copy of
// every page's bounds each step, which the region likewise takes as
// `given` and `fresh` and reads in place.
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CPU/Passes.h"

#include "autoglm/Dialect/AttentionCache.h"
#include "autoglm/Dialect/AutoGLM.h"

#include "mlir/IR/IRMapping.h"

#include <functional>

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMCPUATTENTIONCACHE
#include "autoglm/Target/CPU/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {
/// The region's input that `operand` (a block argument of its body) stands
/// for.
Value regionInput(FusedOp region, Value operand) {
  auto arg = cast<BlockArgument>(operand);
  return region.getInputs()[arg.getArgNumber()];
}

/// An argument of a region's body that the region takes in parts instead:
/// `join` makes the argument's value in the new body from the parts' block
/// arguments.
struct TakenInParts {
  BlockArgument arg;
  SmallVector<Value> parts;
  std::function<Value(OpBuilder &, Location, ValueRange)> join;
};

/// The keys (values) from the parts of `source`, as the graph made them.
Value joinCache(OpBuilder &b, Location loc, const AttentionCacheSource &source,
                ValueRange parts) {
  Value joined = parts.front();
  if (parts.size() == 2) {
    auto a = cast<RankedTensorType>(parts[0].getType());
    auto c = cast<RankedTensorType>(parts[1].getType());
    int64_t axis = source.seqMajor ? 1 : 2;
    SmallVector<int64_t> shape(a.getShape());
    shape[axis] += c.getDimSize(axis);
    joined = ConcatOp::create(
        b, loc, RankedTensorType::get(shape, a.getElementType()), parts, axis);
  }
  if (source.seqMajor)
    joined = TransposeOp::create(b, loc, joined, ArrayRef<int64_t>{0, 2, 1, 3});
  return joined;
}

/// Rewrites `region`, whose sole op is `attention`, to take in parts its
/// keys and values when both come from a cache's concatenation or
/// transpose to heads, and its page bounds when they are the caller's with
/// the new keys' pages replaced.
void takeParts(FusedOp region, TopKAttentionOp attention) {
  SmallVector<TakenInParts> taken;
  AttentionCacheSource k, v;
  auto key = dyn_cast<BlockArgument>(attention.getKey());
  auto value = dyn_cast<BlockArgument>(attention.getValue());
  if (key && value) {
    AttentionCacheSource keyParts =
        traceAttentionCache(regionInput(region, key));
    AttentionCacheSource valueParts =
        traceAttentionCache(regionInput(region, value));
    if (readsCacheParts(keyParts, valueParts)) {
      k = std::move(keyParts);
      v = std::move(valueParts);
    }
  }
  OpBuilder b(region);
  Location loc = region.getLoc();
  auto isTaken = [&](BlockArgument arg) {
    return llvm::any_of(taken,
                        [&](const TakenInParts &t) { return t.arg == arg; });
  };
  if (!k.parts.empty())
    for (const auto &operand : {std::pair(key, &k), std::pair(value, &v)}) {
      const AttentionCacheSource *source = operand.second;
      taken.push_back({operand.first, source->build(b, loc),
                       [source](OpBuilder &nb, Location l, ValueRange parts) {
                         return joinCache(nb, l, *source, parts);
                       }});
    }
  // The bounds the caller keeps, with the new keys' pages computed in the
  // step: read in place rather than copied into one tensor.
  SmallVector<Operation *> boundsCopies;
  for (Value operand : {attention.getPageMin(), attention.getPageMax()}) {
    auto arg = dyn_cast_or_null<BlockArgument>(operand);
    std::optional<PageBoundsParts> bounds =
        arg ? tracePageBoundsParts(regionInput(region, arg)) : std::nullopt;
    if (!bounds || isTaken(arg))
      continue;
    int64_t freshPage = bounds->freshPage;
    taken.push_back(
        {arg,
         {bounds->given, bounds->fresh},
         [freshPage](OpBuilder &nb, Location l, ValueRange parts) -> Value {
           Value old = sliceRows(nb, l, parts[0], 2, 0, freshPage);
           return ConcatOp::create(nb, l, parts[0].getType(),
                                   ValueRange{old, parts[1]}, 2);
         }});
    boundsCopies.push_back(bounds->concat);
  }
  if (taken.empty())
    return;

  // The old inputs but those taken in parts, then the parts.
  Block &old = region.getBody().front();
  SmallVector<Value> inputs;
  SmallVector<BlockArgument> kept;
  for (BlockArgument arg : old.getArguments())
    if (!isTaken(arg)) {
      inputs.push_back(region.getInputs()[arg.getArgNumber()]);
      kept.push_back(arg);
    }
  SmallVector<int64_t> firstPart;
  for (const TakenInParts &t : taken) {
    firstPart.push_back(inputs.size());
    llvm::append_range(inputs, t.parts);
  }
  auto fused = FusedOp::create(b, loc, region->getResultTypes(),
                               region.getKindAttr(), inputs);
  Block *body = b.createBlock(&fused.getBody());
  for (Value input : inputs)
    body->addArgument(input.getType(), input.getLoc());
  IRMapping mapping;
  for (auto [n, arg] : llvm::enumerate(kept))
    mapping.map(arg, body->getArgument(n));
  for (auto [t, first] : llvm::zip(taken, firstPart))
    mapping.map(
        t.arg,
        t.join(b, loc, body->getArguments().slice(first, t.parts.size())));
  Operation *copy = b.clone(*attention, mapping);
  YieldOp::create(b, loc, copy->getResults());
  region->replaceAllUsesWith(fused->getResults());
  region->erase();
  eraseUnusedCacheCopies(k, v, boundsCopies);
}

struct AttentionCachePass
    : autoglm::impl::AutoGLMCPUAttentionCacheBase<AttentionCachePass> {
  void runOnOperation() override {
    SmallVector<std::pair<FusedOp, TopKAttentionOp>> found;
    getOperation().walk([&](FusedOp region) {
      Block &body = region.getBody().front();
      if (llvm::hasSingleElement(body.without_terminator()) &&
          isa<TopKAttentionOp>(body.front()))
        found.push_back({region, cast<TopKAttentionOp>(body.front())});
    });
    for (auto [region, attention] : found)
      takeParts(region, attention);
  }
};
} // namespace
