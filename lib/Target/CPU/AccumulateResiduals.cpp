//===- AccumulateResiduals.cpp - --autoglm-cpu-accumulate-residuals -------===//
//
// A residual block's last convolution adds the block's input to its product
// in its tail (`relu(x * w + b + residual)`): the product fills a new buffer
// from zero, and the tail reads the residual beside it. The residual is
// then read once and the new buffer's lines fetched for writing once more:
// three streams of the activation's size (3.2 MB an image in ResNet-50's
// first stage). Where the region is the residual's last reader, the product
// accumulates onto the residual instead (`x * w + residual`, then `+ b` in
// the tail), and bufferization computes it in the residual's buffer: two
// streams, and one buffer less in the arena. ONNX Runtime's convolutions
// take a residual the same way (their `Sum` input).
//
// Only the order of the additions changes (the residual comes first, the
// bias last), within float32 rounding.
//
//===----------------------------------------------------------------------===//

#include "../KernelRoot.h"
#include "DestinationChain.h"
#include "autoglm/Dialect/AutoGLM.h"
#include "autoglm/Target/CPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMCPUACCUMULATERESIDUALS
#include "autoglm/Target/CPU/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {
/// Whether nothing after `user` in its block reads `value`, nor, through
/// reshapes, what `value` views: a later reader would need the residual as
/// it was, and bufferization would copy it to keep it.
bool lastReadBy(Value value, Operation *user) {
  while (true) {
    for (Operation *other : value.getUsers()) {
      if (other == user)
        continue;
      Operation *inBlock = user->getBlock()->findAncestorOpInBlock(*other);
      if (!inBlock || !inBlock->isBeforeInBlock(user))
        return false;
    }
    Operation *def = value.getDefiningOp();
    if (!isa_and_nonnull<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(def))
      return true;
    value = def->getOperand(0);
  }
}

/// The `arith.addf` of `tail`'s body that adds the input `residual` (a
/// block argument read once) to a sum of the accumulator `out` and other
/// inputs (a chain of `arith.addf` from `out`, each read once): the
/// addition that may move in front of the others. Null if there is none.
arith::AddFOp residualAddition(BlockArgument residual, BlockArgument out) {
  if (!residual.hasOneUse() || !out.hasOneUse())
    return {};
  auto add = dyn_cast<arith::AddFOp>(*residual.getUsers().begin());
  if (!add)
    return {};
  Value sum = add.getLhs() == residual ? add.getRhs() : add.getLhs();
  while (sum != out) {
    auto inner = sum.getDefiningOp<arith::AddFOp>();
    if (!inner || !sum.hasOneUse())
      return {};
    // The chain goes on through the operand that is `out` or a sum, the
    // other one being an input or a constant.
    auto fromOut = [&](Value v) {
      return v == out || v.getDefiningOp<arith::AddFOp>();
    };
    if (fromOut(inner.getLhs()) == fromOut(inner.getRhs()))
      return {};
    sum = fromOut(inner.getLhs()) ? inner.getLhs() : inner.getRhs();
  }
  return add;
}

struct AccumulateResidualsPass
    : autoglm::impl::AutoGLMCPUAccumulateResidualsBase<
          AccumulateResidualsPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<linalg::GenericOp> tails;
    getOperation().walk([&](linalg::GenericOp tail) {
      if (isa<FusedOp>(tail->getParentOp()))
        tails.push_back(tail);
    });
    for (linalg::GenericOp tail : tails)
      (void)accumulateOntoResidual(rewriter, tail);
  }

  /// Rewrites `tail`, a contraction region's tail that adds a residual
  /// (an argument of the region read there alone, at the accumulator's
  /// element, and by nothing after the region) to its product's sum, so
  /// that the product starts from the residual in place of its zero fill
  /// and the tail leaves it out.
  static LogicalResult accumulateOntoResidual(RewriterBase &rewriter,
                                              linalg::GenericOp tail) {
    auto region = cast<FusedOp>(tail->getParentOp());
    if (region.getKind() != "contraction" || tail.getNumDpsInits() != 1 ||
        !tail.hasPureTensorSemantics() ||
        tail.getNumParallelLoops() != tail.getNumLoops())
      return failure();
    OpOperand *init = tail.getDpsInitOperand(0);
    auto product = init->get().getDefiningOp<linalg::LinalgOp>();
    // A convolution's product: its weight is A. A transformer's products
    // (weight as B: their residual is a few hundred KiB that stays in
    // cache) gained nothing, and starting from the residual moved
    // BERT-base's output 6.6x further from ONNX Runtime's (the sums round
    // at the residual's magnitude; docs/decisions.md).
    if (!product || !isa<linalg::MatmulOp, linalg::BatchMatmulOp>(product) ||
        !isConstantWeight(product.getDpsInputs()[0]) ||
        !tail.getMatchingIndexingMap(init).isIdentity())
      return failure();
    // The lowering may leave an unused reshape of the product beside the
    // tail.
    for (Operation *user : llvm::make_early_inc_range(product->getUsers()))
      if (user != tail && isOpTriviallyDead(user))
        rewriter.eraseOp(user);
    if (!product->hasOneUse())
      return failure();
    auto fill = product.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
    if (!fill || !fill->hasOneUse() ||
        !matchPattern(fill.value(), m_AnyZeroFloat()))
      return failure();
    // A product computed in longer rows than its result's
    // (--autoglm-align-product-rows, --autoglm-pad-aliased-rows) keeps
    // them: onto the residual it would write the residual's rows instead,
    // ResNet-50's 14x14 maps in rows of 196 floats (each ending in a
    // narrow register tile, the rows straddling cache lines) where it
    // computes rows of 208. At two threads ResNet-50 took 0.97-0.98 of
    // the time so, at one the same (docs/decisions.md).
    if (isViewOfWiderTensor(fill.getDpsInits()[0]))
      return failure();
    for (OpOperand *input : tail.getDpsInputOperands()) {
      Value residual = input->get();
      if (residual.getType() != init->get().getType() ||
          !tail.getMatchingIndexingMap(input).isIdentity() ||
          !residual.hasOneUse())
        continue;
      // The residual as the region receives it, through its reshapes.
      Value received = residual;
      SmallVector<Operation *> reshapes;
      while (isa_and_nonnull<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(
          received.getDefiningOp())) {
        reshapes.push_back(received.getDefiningOp());
        received = received.getDefiningOp()->getOperand(0);
      }
      auto arg = dyn_cast<BlockArgument>(received);
      if (!arg || arg.getOwner()->getParentOp() != region || !arg.hasOneUse())
        continue;
      Value outer = region->getOperand(arg.getArgNumber());
      // A function's argument is the caller's: bufferization would copy it.
      if (isa<BlockArgument>(outer) || !lastReadBy(outer, region) ||
          llvm::count(region->getOperands(), outer) != 1)
        continue;
      arith::AddFOp add = residualAddition(tail.getMatchingBlockArgument(input),
                                           tail.getMatchingBlockArgument(init));
      if (!add)
        continue;
      Value rest = add.getLhs() == tail.getMatchingBlockArgument(input)
                       ? add.getRhs()
                       : add.getLhs();
      rewriter.replaceAllUsesWith(add.getResult(), rest);
      rewriter.eraseOp(add);
      // The product now reads the residual: its reshapes go before it.
      for (Operation *reshape : llvm::reverse(reshapes))
        rewriter.moveOpBefore(reshape, product);
      rewriter.modifyOpInPlace(
          product, [&] { product.getDpsInitsMutable()[0].set(residual); });
      rewriter.eraseOp(fill);
      dropInput(rewriter, tail, input->getOperandNumber());
      return success();
    }
    return failure();
  }

  /// `tail` without its input `number`, which its body no longer reads.
  static void dropInput(RewriterBase &rewriter, linalg::GenericOp tail,
                        unsigned number) {
    SmallVector<Value> inputs;
    SmallVector<AffineMap> maps;
    for (OpOperand *input : tail.getDpsInputOperands())
      if (input->getOperandNumber() != number) {
        inputs.push_back(input->get());
        maps.push_back(tail.getMatchingIndexingMap(input));
      }
    maps.push_back(tail.getMatchingIndexingMap(tail.getDpsInitOperand(0)));
    rewriter.setInsertionPoint(tail);
    auto lean = linalg::GenericOp::create(
        rewriter, tail.getLoc(), tail->getResultTypes(), inputs,
        tail.getDpsInits(), maps, tail.getIteratorTypesArray());
    rewriter.inlineRegionBefore(tail.getRegion(), lean.getRegion(),
                                lean.getRegion().end());
    lean.getRegion().front().eraseArgument(number);
    rewriter.replaceOp(tail, lean->getResults());
  }
};
} // namespace
