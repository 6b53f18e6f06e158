//===- SelectDecodeAttention.cpp - top-k attention for the CUDA kernels ---===//
//
// The common lowering turns `autoglm.topk_attention` into the CPU's loop
// nest: per (batch, key/value head), one thread walks every key in order.
// On a GPU that is a handful of threads reading the whole KV cache, so the
// CUDA target takes the op out of its region first, as a destination-style
// `autoglm.decode_attention` that the lowering keeps, and gives it kernels
// of its own after bufferization (DecodeAttentionKernels.cpp).
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CUDA/Passes.h"

#include "DecodeAttention.h"

#include "autoglm/Dialect/AutoGLM.h"
#include "autoglm/Dialect/SeparateOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"

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

LogicalResult select(FusedOp region, TopKAttentionOp attention) {
  auto query = cast<RankedTensorType>(attention.getQuery().getType());
  Type element = query.getElementType();
  if (!element.isF32() && !element.isF16() && !element.isBF16())
    return attention.emitError("top-k attention on CUDA needs f32, f16 or "
                               "bf16 operands, not ")
           << element;
  int64_t budget = attention.getTopKAttr().getInt() +
                   attention.getSinkAttr().getInt() +
                   attention.getWindowAttr().getInt();
  if (budget > kMaxDecodeAttentionBudget)
    return attention.emitError("top-k attention on CUDA keeps at most ")
           << kMaxDecodeAttentionBudget
           << " keys per query (top_k + sink + window), not " << budget
           << "; lower --sparse-attention-k, -sink or -window";

  // Operands of the attention are the region's block arguments: map them
  // to the region's inputs.
  IRMapping inputs;
  inputs.map(region.getBody().front().getArguments(), region.getInputs());
  OpBuilder b(region);
  Location loc = attention.getLoc();
  auto resultType = cast<RankedTensorType>(attention.getType());
  Value init = tensor::EmptyOp::create(b, loc, resultType.getShape(),
                                       resultType.getElementType());
  Value mask =
      attention.getMask() ? inputs.lookup(attention.getMask()) : Value();
  auto decode = DecodeAttentionOp::create(
      b, loc, resultType, inputs.lookup(attention.getQuery()),
      inputs.lookup(attention.getKey()), inputs.lookup(attention.getValue()),
      mask, init, attention.getScaleAttr(), attention.getCausalAttr(),
      attention.getTopKAttr(), attention.getSinkAttr(),
      attention.getWindowAttr());
  region.getResult(0).replaceAllUsesWith(decode.getResult());
  region.erase();
  return success();
}

struct SelectDecodeAttentionPass
    : autoglm::impl::AutoGLMCUDASelectDecodeAttentionBase<
          SelectDecodeAttentionPass> {
  void runOnOperation() override {
    WalkResult paged = getOperation().walk([](TopKAttentionOp attention) {
      if (!attention.getPageSize())
        return WalkResult::advance();
      attention.emitError("top-k attention by pages has no CUDA kernel; use "
                          "--sparse-attention-granularity=token");
      return WalkResult::interrupt();
    });
    if (paged.wasInterrupted())
      return signalPassFailure();
    SmallVector<std::pair<FusedOp, TopKAttentionOp>> found;
    getOperation().walk([&](FusedOp region) {
      if (TopKAttentionOp attention = soleTopKAttention(region))
        found.push_back({region, attention});
    });
    for (auto [region, attention] : found)
      if (failed(select(region, attention)))
        return signalPassFailure();
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
