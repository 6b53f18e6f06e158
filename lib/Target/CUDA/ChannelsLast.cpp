//===- ChannelsLast.cpp - --autoglm-cuda-channels-last --------------------===//
//
// cuDNN's tensor-core convolutions read and write NHWC (channels
// innermost). Given NCHW, cuDNN transposes each input and output itself,
// around every convolution: 0.64 of the 2.89 ms of ResNet-50's kernels at
// batch 32 in f16 on the H200. This pass moves the convolutions, and what
// runs between them, to NHWC instead:
//
//   1. Each `autoglm.dnn_conv` becomes its `channels_last` form, its
//      filters transposed at compile time, between two transposes that
//      keep the rest of the function as it was:
//
//        %y = dnn_conv %x  ==>  %y = T_nchw(dnn_conv channels_last T_nhwc(%x))
//
//   2. A kernel region that computes element by element (or pools) and has
//      one 4-D result takes what reaches it through a T_nchw as NHWC and
//      gives its result in NHWC, when one of its inputs comes through a
//      T_nchw or its result goes into a T_nhwc (a convolution's input).
//      Inside, the transposes are linalg.transpose ops, which
//      --autoglm-cuda-fuse-kernel-regions fuses into the region's one loop:
//      that loop runs over the NHWC result, so that neighbouring threads
//      write neighbouring channels. Outside, the result goes through a
//      T_nchw to whoever still reads it as NCHW.
//
//   3. Transposes that meet their inverse cancel: between two convolutions
//      (conv, bias + ReLU, conv) no transpose is left. The rest (before the
//      first convolution's input, after the last one's result where a
//      global pooling or the model's output reads it) stay, each a kernel.
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CUDA/Passes.h"

#include "../PermutedConstant.h"

#include "autoglm/Dialect/AutoGLM.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMCUDACHANNELSLAST
#include "autoglm/Target/CUDA/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {
/// NCHW -> NHWC, and its inverse; also filters F x C x KH x KW -> F x KH x
/// KW x C.
constexpr int64_t kToChannelsLast[] = {0, 2, 3, 1};
constexpr int64_t kToChannelsFirst[] = {0, 3, 1, 2};

RankedTensorType permuted(RankedTensorType type, ArrayRef<int64_t> perm) {
  SmallVector<int64_t> shape;
  for (int64_t d : perm)
    shape.push_back(type.getDimSize(d));
  return RankedTensorType::get(shape, type.getElementType());
}

linalg::TransposeOp createTranspose(RewriterBase &rewriter, Location loc,
                                    Value value, ArrayRef<int64_t> perm) {
  auto type = permuted(cast<RankedTensorType>(value.getType()), perm);
  Value empty = tensor::EmptyOp::create(rewriter, loc, type.getShape(),
                                        type.getElementType());
  return linalg::TransposeOp::create(rewriter, loc, value, empty, perm);
}

/// The transpose by `perm` that defines `value`, or null.
linalg::TransposeOp transposeBy(Value value, ArrayRef<int64_t> perm) {
  auto transpose = value.getDefiningOp<linalg::TransposeOp>();
  if (transpose && transpose.getPermutation() == perm)
    return transpose;
  return nullptr;
}

/// `value` transposed by `perm`: the source of the inverse transpose that
/// made it, or a new transpose right after its definition.
Value transposed(RewriterBase &rewriter, Value value, ArrayRef<int64_t> perm,
                 ArrayRef<int64_t> inverse) {
  if (linalg::TransposeOp source = transposeBy(value, inverse))
    return source.getInput();
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPointAfterValue(value);
  return createTranspose(rewriter, value.getLoc(), value, perm)->getResult(0);
}

/// Step 1: `conv` in NHWC between two transposes; false when its filters
/// are not a constant.
bool convertConv(RewriterBase &rewriter, DnnConvOp conv) {
  auto filters = conv.getW().getDefiningOp<arith::ConstantOp>();
  TypedAttr moved = filters ? permuteConstant(filters.getValue(),
                                              kToChannelsLast, "channels_last")
                            : nullptr;
  if (!moved)
    return false;
  Location loc = conv.getLoc();
  rewriter.setInsertionPoint(conv);
  Value x =
      transposed(rewriter, conv.getX(), kToChannelsLast, kToChannelsFirst);
  Value w = arith::ConstantOp::create(rewriter, filters.getLoc(), moved);
  // The epilogue's residual is laid out as the result; its bias is a
  // vector of the filters either way.
  Value residual = conv.getResidual();
  if (residual)
    residual =
        transposed(rewriter, residual, kToChannelsLast, kToChannelsFirst);
  auto yType = permuted(cast<RankedTensorType>(conv.getInit().getType()),
                        kToChannelsLast);
  Value init = tensor::EmptyOp::create(rewriter, loc, yType.getShape(),
                                       yType.getElementType());
  auto nhwc = DnnConvOp::create(
      rewriter, loc, yType, x, w, conv.getBias(), residual, init,
      conv.getStrides(), conv.getDilations(), conv.getPadBefore(),
      conv.getPadAfter(), /*channels_last=*/true, conv.getReluUpperAttr());
  rewriter.replaceOp(
      conv, createTranspose(rewriter, loc, nhwc.getResult(), kToChannelsFirst)
                ->getResult(0));
  if (filters->use_empty())
    rewriter.eraseOp(filters);
  return true;
}

/// True when `region` computes element by element or pools (a window per
/// output element), and has one 4-D result: it then computes the same in
/// any order of its output, NHWC included.
bool isConvertible(FusedOp region) {
  if (region->getNumResults() != 1)
    return false;
  auto type = dyn_cast<RankedTensorType>(region->getResult(0).getType());
  if (!type || type.getRank() != 4)
    return false;
  return llvm::all_of(region.getBody().front(), [](Operation &op) {
    if (isa<linalg::PoolingNchwMaxOp, linalg::PoolingNchwSumOp>(op))
      return true;
    if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op))
      return linalgOp.getNumReductionLoops() == 0;
    return isa<tensor::EmptyOp, tensor::PadOp, YieldOp>(op) ||
           op.hasTrait<OpTrait::ConstantLike>();
  });
}

/// `pooling` (NCHW) of an NHWC value through a transpose as a `NhwcOp` of
/// the value, transposed after.
template <typename NhwcOp, typename NchwOp>
bool poolChannelsLast(RewriterBase &rewriter, NchwOp pooling) {
  linalg::TransposeOp source =
      transposeBy(pooling.getInputs()[0], kToChannelsFirst);
  auto fill = pooling.getOutputs()[0].template getDefiningOp<linalg::FillOp>();
  if (!source || !fill || !fill->hasOneUse())
    return false;
  Location loc = pooling.getLoc();
  auto type = permuted(cast<RankedTensorType>(pooling->getResult(0).getType()),
                       kToChannelsLast);
  Value empty = tensor::EmptyOp::create(rewriter, loc, type.getShape(),
                                        type.getElementType());
  Value init = linalg::FillOp::create(rewriter, loc, fill.getInputs()[0], empty)
                   .getResult(0);
  auto nhwc = NhwcOp::create(
      rewriter, loc, TypeRange{type},
      ValueRange{source.getInput(), pooling.getInputs()[1]}, ValueRange{init},
      pooling.getStrides(), pooling.getDilations());
  rewriter.replaceOp(pooling, createTranspose(rewriter, loc, nhwc->getResult(0),
                                              kToChannelsFirst)
                                  ->getResult(0));
  rewriter.eraseOp(fill);
  return true;
}

/// Inside a region that took an NHWC input: a max or sum pooling of that
/// input (and its padding) pools the NHWC value instead, the transpose
/// moving after the pooling, where it meets the region's transpose of its
/// result and cancels. Left to tile-and-fuse, a pad of a transpose is not
/// fused, and the region would become a transpose, a pad and a pooling
/// kernel. False when `op` is none of these.
bool poolChannelsLast(RewriterBase &rewriter, Operation *op) {
  rewriter.setInsertionPoint(op);
  if (auto pad = dyn_cast<tensor::PadOp>(op)) {
    linalg::TransposeOp source = transposeBy(pad.getSource(), kToChannelsFirst);
    Value padding = pad.getConstantPaddingValue();
    if (!source || !padding)
      return false;
    SmallVector<OpFoldResult> low, high;
    for (int64_t d : kToChannelsLast) {
      low.push_back(pad.getMixedLowPad()[d]);
      high.push_back(pad.getMixedHighPad()[d]);
    }
    auto type = permuted(pad.getResultType(), kToChannelsLast);
    Value padded = tensor::PadOp::create(rewriter, pad.getLoc(), type,
                                         source.getInput(), low, high, padding);
    rewriter.replaceOp(
        pad, createTranspose(rewriter, pad.getLoc(), padded, kToChannelsFirst)
                 ->getResult(0));
    return true;
  }
  if (auto pooling = dyn_cast<linalg::PoolingNchwMaxOp>(op))
    return poolChannelsLast<linalg::PoolingNhwcMaxOp>(rewriter, pooling);
  if (auto pooling = dyn_cast<linalg::PoolingNchwSumOp>(op))
    return poolChannelsLast<linalg::PoolingNhwcSumOp>(rewriter, pooling);
  return false;
}

bool isToChannelsLast(Operation *op) {
  auto transpose = dyn_cast<linalg::TransposeOp>(op);
  return transpose &&
         transpose.getPermutation() == ArrayRef<int64_t>(kToChannelsLast);
}

/// Step 2, inputs: `region` takes the NHWC sources of its inputs that come
/// through a T_nchw, transposing them inside. False when none does.
bool takeChannelsLastInputs(RewriterBase &rewriter, FusedOp region) {
  Block &body = region.getBody().front();
  bool taken = false;
  for (auto [index, input] : llvm::enumerate(region.getInputs())) {
    linalg::TransposeOp source = transposeBy(input, kToChannelsFirst);
    if (!source)
      continue;
    Value nhwc = source.getInput();
    BlockArgument arg = body.getArgument(index);
    arg.setType(nhwc.getType());
    rewriter.setInsertionPointToStart(&body);
    linalg::TransposeOp back =
        createTranspose(rewriter, arg.getLoc(), arg, kToChannelsFirst);
    rewriter.replaceAllUsesExcept(arg, back->getResult(0), back);
    unsigned operand = index;
    rewriter.modifyOpInPlace(region,
                             [&] { region->setOperand(operand, nhwc); });
    taken = true;
  }
  if (taken)
    for (Operation &op : llvm::make_early_inc_range(body))
      poolChannelsLast(rewriter, &op);
  return taken;
}

/// True when `region`'s result is better in NHWC: a convolution reads it
/// (through a T_nhwc), or it went NHWC on the way in and only regions that
/// can follow read it. A global pooling or the model's output reading it
/// keeps it NCHW: converting it would only move the transpose into a
/// kernel of its own.
bool wantsChannelsLastResult(FusedOp region, bool tookChannelsLast) {
  auto users = region->getResult(0).getUsers();
  if (llvm::any_of(users, isToChannelsLast))
    return true;
  return tookChannelsLast && llvm::all_of(users, [](Operation *user) {
           auto consumer = dyn_cast<FusedOp>(user);
           return consumer && isConvertible(consumer);
         });
}

/// Step 2, result: `region` gives its result in NHWC, transposing inside;
/// who reads the result gets it through a T_nchw.
void giveChannelsLastResult(RewriterBase &rewriter, FusedOp region) {
  auto yield = cast<YieldOp>(region.getBody().front().getTerminator());
  rewriter.setInsertionPoint(yield);
  Value nhwc = createTranspose(rewriter, yield.getLoc(), yield.getValues()[0],
                               kToChannelsLast)
                   ->getResult(0);
  rewriter.modifyOpInPlace(yield, [&] { yield->setOperand(0, nhwc); });
  Value result = region->getResult(0);
  result.setType(nhwc.getType());
  rewriter.setInsertionPointAfter(region);
  linalg::TransposeOp back =
      createTranspose(rewriter, region.getLoc(), result, kToChannelsFirst);
  rewriter.replaceAllUsesExcept(result, back->getResult(0), back);
}

/// Step 3: a transpose of a transpose by the inverse permutation is the
/// inner one's input. Erases what that leaves unused.
void cancelTransposes(RewriterBase &rewriter, func::FuncOp func) {
  SmallVector<linalg::TransposeOp> transposes;
  func.walk([&](linalg::TransposeOp op) { transposes.push_back(op); });
  for (linalg::TransposeOp outer : transposes) {
    auto inner = outer.getInput().getDefiningOp<linalg::TransposeOp>();
    if (!inner || !outer.hasPureTensorSemantics())
      continue;
    SmallVector<int64_t> composed;
    for (int64_t d : outer.getPermutation())
      composed.push_back(inner.getPermutation()[d]);
    if (llvm::equal(composed, llvm::seq<int64_t>(0, composed.size())))
      rewriter.replaceOp(outer, inner.getInput());
  }
  // Unused transposes and their buffers, users first.
  bool erased = true;
  while (erased) {
    erased = false;
    func.walk([&](Operation *op) {
      if (isa<linalg::TransposeOp, tensor::EmptyOp>(op) && op->use_empty()) {
        rewriter.eraseOp(op);
        erased = true;
      }
    });
  }
}

struct ChannelsLastPass
    : autoglm::impl::AutoGLMCUDAChannelsLastBase<ChannelsLastPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    IRRewriter rewriter(&getContext());
    SmallVector<DnnConvOp> convs;
    func.walk([&](DnnConvOp conv) {
      if (!conv.getChannelsLast() && conv.getResult())
        convs.push_back(conv);
    });
    bool converted = false;
    for (DnnConvOp conv : convs)
      converted |= convertConv(rewriter, conv);
    if (!converted)
      return;
    // Until nothing changes: regions take the NHWC values that reach them,
    // and give NHWC results where that pays. Each region's result changes
    // once, and each input once, so this ends.
    DenseSet<Operation *> tookChannelsLast, gaveChannelsLast;
    bool changed = true;
    while (changed) {
      changed = false;
      cancelTransposes(rewriter, func);
      SmallVector<FusedOp> regions(func.getBody().getOps<FusedOp>());
      for (FusedOp region : regions) {
        if (!isConvertible(region))
          continue;
        if (takeChannelsLastInputs(rewriter, region)) {
          tookChannelsLast.insert(region);
          changed = true;
        }
        if (gaveChannelsLast.contains(region) ||
            !wantsChannelsLastResult(region, tookChannelsLast.contains(region)))
          continue;
        giveChannelsLastResult(rewriter, region);
        gaveChannelsLast.insert(region);
        changed = true;
      }
    }
  }
};
} // namespace
