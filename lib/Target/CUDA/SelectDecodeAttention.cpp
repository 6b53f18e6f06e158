//===- SelectDecodeAttention.cpp - decode attention for the CUDA kernels --===//
//
// The common lowering turns `autoglm.topk_attention` into the CPU's loop
// nest: per (batch, key/value head), one thread walks every key in order.
// On a GPU that is a handful of threads reading the whole KV cache, so the
// CUDA target takes the op out of its region first, as a destination-style
// `autoglm.decode_attention` that the lowering keeps, and gives it kernels
// of its own after bufferization (DecodeAttentionKernels.cpp). Page mode's
// top-k attention passes its page bounds and page size on.
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

#include "autoglm/Dialect/AutoGLM.h"
#include "autoglm/Dialect/SeparateOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"

#include "llvm/ADT/SetVector.h"

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

/// The op of type T that computes `v`, on its own or alone in a kernel
/// region, and its operands (for a region, the region's inputs); null when
/// `v` is not so computed.
template <typename T>
std::pair<T, SmallVector<Value>> producer(Value v) {
  Operation *def = v.getDefiningOp();
  if (auto op = dyn_cast_or_null<T>(def))
    return {op, SmallVector<Value>(op->getOperands())};
  auto region = dyn_cast_or_null<FusedOp>(def);
  if (!region || region->getNumResults() != 1)
    return {};
  Block &body = region.getBody().front();
  if (!llvm::hasSingleElement(body.without_terminator()))
    return {};
  auto op = dyn_cast<T>(body.front());
  if (!op)
    return {};
  SmallVector<Value> operands;
  for (Value operand : op->getOperands()) {
    auto arg = dyn_cast<BlockArgument>(operand);
    if (!arg || arg.getOwner() != &body)
      return {};
    operands.push_back(region.getInputs()[arg.getArgNumber()]);
  }
  return {op, operands};
}

/// The kernel region holding `op`, or `op` itself.
Operation *kernelOf(Operation *op) {
  return isa<FusedOp>(op->getParentOp()) ? op->getParentOp() : op;
}

/// Where decode attention reads a key (or value) operand B x Hkv x Sk x D
/// from: `parts` (one, or two along the sequence), in B x Sk x Hkv x D
/// order when `seqMajor`, each reshaped to `heads` first when set (the
/// parts of a [B, S, H*D] concatenation). `passed` are the producers looked
/// through, erased once unused.
struct CacheSource {
  SmallVector<Value> parts;
  bool seqMajor = false;
  RankedTensorType heads;
  SmallVector<Operation *> passed;

  /// The parts, reshaped to heads where needed.
  SmallVector<Value> build(OpBuilder &b, Location loc) const {
    if (!heads)
      return parts;
    SmallVector<Value> built;
    for (Value part : parts) {
      SmallVector<int64_t> shape(heads.getShape());
      shape[1] = cast<RankedTensorType>(part.getType()).getDimSize(1);
      built.push_back(ReshapeOp::create(
          b, loc, RankedTensorType::get(shape, heads.getElementType()), part,
          Value()));
    }
    return built;
  }
};

/// Looks through the transpose to heads, the reshape to heads and the
/// concatenation of two parts along the sequence that compute `operand`.
CacheSource traceCache(Value operand) {
  CacheSource source;
  source.parts = {operand};
  if (auto [transpose, in] = producer<TransposeOp>(operand);
      transpose &&
      transpose.getPermutation() == ArrayRef<int64_t>{0, 2, 1, 3}) {
    source.parts = {in[0]};
    source.seqMajor = true;
    source.passed.push_back(kernelOf(transpose));
  }
  int64_t axis = source.seqMajor ? 1 : 2;
  if (auto [concat, in] = producer<ConcatOp>(source.parts[0]);
      concat && in.size() == 2 && int64_t(concat.getAxis()) == axis) {
    source.passed.push_back(kernelOf(concat));
    source.parts = in;
    return source;
  }
  // [B, S, H*D] concatenated along S, then split to heads [B, S, H, D].
  auto reshape = source.parts[0].getDefiningOp<ReshapeOp>();
  if (!source.seqMajor || !reshape || reshape.getShape())
    return source;
  auto [concat, in] = producer<ConcatOp>(reshape.getInput());
  auto whole = cast<RankedTensorType>(reshape.getInput().getType());
  auto heads = cast<RankedTensorType>(reshape.getType());
  if (!concat || in.size() != 2 || concat.getAxis() != 1 ||
      whole.getRank() != 3 || !whole.hasStaticShape() ||
      heads.getShape().take_front(2) != whole.getShape().take_front(2))
    return source;
  source.passed.append({reshape, kernelOf(concat)});
  source.parts = in;
  source.heads = heads;
  return source;
}

/// What a decode_attention keeps: `topK`, `sink` and `window`, and with
/// `pageSize` the pages chosen from the bounds `pageMin` and `pageMax`.
struct Budget {
  int64_t topK, sink, window;
  IntegerAttr pageSize = {};
  Value pageMin = {}, pageMax = {};
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
  CacheSource keys, values;
  keys.parts = {lookup(key)};
  values.parts = {lookup(value)};
  if (resultType.getDimSize(2) <= kMaxDecodeQueries) {
    CacheSource k = traceCache(keys.parts[0]);
    CacheSource v = traceCache(values.parts[0]);
    if (k.seqMajor == v.seqMajor && k.parts.size() == v.parts.size()) {
      keys = k;
      values = v;
    }
  }
  SmallVector<Value> keyParts = keys.build(b, loc);
  SmallVector<Value> valueParts = values.build(b, loc);
  auto second = [](ArrayRef<Value> parts) {
    return parts.size() == 2 ? parts[1] : Value();
  };
  auto decode = DecodeAttentionOp::create(
      b, loc, resultType, lookup(query), keyParts[0], valueParts[0],
      lookup(mask), lookup(budget.pageMin), lookup(budget.pageMax),
      second(keyParts), second(valueParts), init, scale, causal,
      b.getI64IntegerAttr(budget.topK), b.getI64IntegerAttr(budget.sink),
      b.getI64IntegerAttr(budget.window), budget.pageSize,
      keys.seqMajor ? b.getUnitAttr() : UnitAttr());
  region.getResult(0).replaceAllUsesWith(decode.getResult());
  region.erase();
  // The copies looked through, each after its user (the order they were
  // passed in); keys and values may share them.
  llvm::SetVector<Operation *> passed;
  passed.insert_range(keys.passed);
  passed.insert_range(values.passed);
  for (Operation *op : passed)
    if (op->use_empty())
      op->erase();
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
  replaceByDecodeAttention(
      region, attention, attention.getQuery(), attention.getKey(),
      attention.getValue(), attention.getMask(), attention.getScaleAttr(),
      attention.getCausalAttr(),
      Budget{topK, attention.getSinkAttr().getInt(),
             attention.getWindowAttr().getInt(), attention.getPageSizeAttr(),
             attention.getPageMin(), attention.getPageMax()});
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
