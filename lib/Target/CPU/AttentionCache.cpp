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
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CPU/Passes.h"

#include "autoglm/Dialect/AttentionCache.h"
#include "autoglm/Dialect/AutoGLM.h"

#include "mlir/IR/IRMapping.h"

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

/// Rewrites `region`, whose sole op is `attention`, to take the parts of its
/// keys and values when both come from a cache's concatenation or
/// transpose to heads.
void takeParts(FusedOp region, Operation *attention) {
  Value key = attention->getOperand(1), value = attention->getOperand(2);
  if (!isa<BlockArgument>(key) || !isa<BlockArgument>(value))
    return;
  AttentionCacheSource k = traceAttentionCache(regionInput(region, key));
  AttentionCacheSource v = traceAttentionCache(regionInput(region, value));
  if (!readsCacheParts(k, v))
    return;
  OpBuilder b(region);
  Location loc = region.getLoc();
  SmallVector<Value> keyParts = k.build(b, loc);
  SmallVector<Value> valueParts = v.build(b, loc);

  // The old inputs but the keys and values, then the parts.
  Block &old = region.getBody().front();
  SmallVector<Value> inputs;
  SmallVector<BlockArgument> kept;
  for (BlockArgument arg : old.getArguments())
    if (arg != key && arg != value) {
      inputs.push_back(region.getInputs()[arg.getArgNumber()]);
      kept.push_back(arg);
    }
  int64_t firstPart = inputs.size();
  llvm::append_range(inputs, keyParts);
  llvm::append_range(inputs, valueParts);
  auto fused = FusedOp::create(b, loc, region->getResultTypes(),
                               region.getKindAttr(), inputs);
  Block *body = b.createBlock(&fused.getBody());
  for (Value input : inputs)
    body->addArgument(input.getType(), input.getLoc());
  IRMapping mapping;
  for (auto [n, arg] : llvm::enumerate(kept))
    mapping.map(arg, body->getArgument(n));
  // The whole keys (values) from the parts, as the graph made them.
  auto whole = [&](const AttentionCacheSource &source, int64_t first,
                   int64_t count, Value replaced) {
    SmallVector<Value> parts;
    for (int64_t n = 0; n < count; ++n)
      parts.push_back(body->getArgument(first + n));
    Value joined = parts.front();
    if (parts.size() == 2) {
      auto a = cast<RankedTensorType>(parts[0].getType());
      auto c = cast<RankedTensorType>(parts[1].getType());
      int64_t axis = source.seqMajor ? 1 : 2;
      SmallVector<int64_t> shape(a.getShape());
      shape[axis] += c.getDimSize(axis);
      joined = ConcatOp::create(
          b, loc, RankedTensorType::get(shape, a.getElementType()), parts,
          axis);
    }
    if (source.seqMajor)
      joined =
          TransposeOp::create(b, loc, joined, ArrayRef<int64_t>{0, 2, 1, 3});
    mapping.map(replaced, joined);
  };
  int64_t partsPerOperand = keyParts.size();
  whole(k, firstPart, partsPerOperand, key);
  whole(v, firstPart + partsPerOperand, partsPerOperand, value);
  Operation *copy = b.clone(*attention, mapping);
  YieldOp::create(b, loc, copy->getResults());
  region->replaceAllUsesWith(fused->getResults());
  region->erase();
  eraseUnusedCacheCopies(k, v);
}

struct AttentionCachePass
    : autoglm::impl::AutoGLMCPUAttentionCacheBase<AttentionCachePass> {
  void runOnOperation() override {
    SmallVector<std::pair<FusedOp, Operation *>> found;
    getOperation().walk([&](FusedOp region) {
      Block &body = region.getBody().front();
      if (llvm::hasSingleElement(body.without_terminator()) &&
          isa<TopKAttentionOp>(body.front()))
        found.push_back({region, &body.front()});
    });
    for (auto [region, attention] : found)
      takeParts(region, attention);
  }
};
} // namespace
