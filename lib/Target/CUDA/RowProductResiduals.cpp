//===- RowProductResiduals.cpp - --autoglm-cuda-row-product-residuals -----===//
//
// A decoder layer adds each of its two projections back onto the residual
// stream: x + attended Wo, x + mlp Wdown. On the GPU the add is a kernel
// of its own after the row-product kernel, and at one token a step's time
// follows its kernel count (about 2 us each on the H200), not the bytes the
// add moves. A linalg.matmul accumulates into its init, so the product
// starts from the residual instead of from zero:
//
//   %p = linalg.matmul ins(%a, %wT) outs(%zero)
//   %x = autoglm.fused(%p, %r) { add }     ==>   %x = linalg.matmul
//                                                   ins(%a, %wT) outs(%r)
//
// and the row-product kernel (RowProducts.cpp) adds the element of %r to
// its f32 sum as it stores it. For f32, the result is the same bits: the
// sum is complete before the residual is added, as in the add's kernel.
// Only the row products (at most 8 rows, weights stored N x K) fold so;
// cuBLASLt's products keep the add.
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CUDA/Passes.h"

#include "LibraryProducts.h"
#include "RowProducts.h"

#include "autoglm/Dialect/AutoGLM.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMCUDAROWPRODUCTRESIDUALS
#include "autoglm/Target/CUDA/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {
/// A region that computes only `x + y` of its two inputs, both of one
/// type, maybe viewed in another shape by an `expand_shape` at the end:
///
///   autoglm.fused(%x, %y) {
///     %s = linalg.generic ins(%x[, %y]) outs(%y | %empty) { addf }
///     [%s = tensor.expand_shape %s]
///     autoglm.yield %s
///   }
struct AddRegion {
  tensor::ExpandShapeOp expand; // null when the sum is yielded as it is
};
std::optional<AddRegion> matchAddRegion(FusedOp region) {
  if (region.getInputs().size() != 2 || region.getNumResults() != 1 ||
      region.getInputs()[0].getType() != region.getInputs()[1].getType())
    return std::nullopt;
  Block &body = region.getBody().front();
  SmallVector<Operation *> ops;
  for (Operation &op : body)
    if (!isa<tensor::EmptyOp>(op))
      ops.push_back(&op);
  if (ops.size() < 2 || ops.size() > 3)
    return std::nullopt;
  auto add = dyn_cast<linalg::GenericOp>(ops.front());
  AddRegion found;
  if (ops.size() == 3 &&
      !(found.expand = dyn_cast<tensor::ExpandShapeOp>(ops[1])))
    return std::nullopt;
  Value yielded = cast<YieldOp>(ops.back()).getValues().front();
  if (!add || add->getNumResults() != 1 ||
      yielded != (found.expand ? Value(found.expand.getResult())
                               : Value(add->getResult(0))) ||
      (found.expand && found.expand.getSrc() != add->getResult(0)) ||
      add.getNumReductionLoops() != 0 ||
      add->getResult(0).getType() != region.getInputs()[0].getType() ||
      !llvm::all_of(add.getIndexingMapsArray(),
                    [](AffineMap map) { return map.isIdentity(); }))
    return std::nullopt;
  // The add's two operands, inputs or init, are the region's two inputs.
  Block &scalar = add.getRegion().front();
  auto sum = dyn_cast<arith::AddFOp>(scalar.front());
  if (!sum || !llvm::hasNItems(scalar, 2) ||
      scalar.back().getOperands() != ValueRange(sum))
    return std::nullopt;
  SmallVector<Value> operands;
  for (Value v : sum->getOperands()) {
    auto arg = dyn_cast<BlockArgument>(v);
    if (!arg || arg.getOwner() != &scalar)
      return std::nullopt;
    operands.push_back(add->getOperand(arg.getArgNumber()));
  }
  if (!llvm::is_contained(operands, body.getArgument(0)) ||
      !llvm::is_contained(operands, body.getArgument(1)))
    return std::nullopt;
  return found;
}

/// True when nothing reads `value` (or a reshape of it) after `op`.
bool noReadAfter(Value value, Operation *op) {
  return llvm::all_of(value.getUsers(), [&](Operation *user) {
    if (user == op)
      return true;
    if (isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(user))
      return noReadAfter(user->getResult(0), op);
    return user->getBlock() == op->getBlock() && user->isBeforeInBlock(op);
  });
}

/// The row product that `value` is, when that is its only reader: a
/// zero-filled matmul of at most 8 rows reading its weight N x K.
linalg::MatmulOp asRowProduct(Value value) {
  auto product = value.getDefiningOp<linalg::MatmulOp>();
  if (!product || !value.hasOneUse() || !product.hasPureTensorSemantics() ||
      !readsTransposedB(product))
    return nullptr;
  auto fill = product.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
  if (!fill || !fill->hasOneUse() || !isZeroConstant(fill.getInputs()[0]) ||
      !takesRowProduct(product))
    return nullptr;
  return product;
}

struct RowProductResiduals
    : autoglm::impl::AutoGLMCUDARowProductResidualsBase<RowProductResiduals> {
  void runOnOperation() override {
    SmallVector<std::pair<FusedOp, AddRegion>> adds;
    getOperation().walk([&](FusedOp region) {
      if (std::optional<AddRegion> add = matchAddRegion(region))
        adds.emplace_back(region, *add);
    });
    for (auto [region, add] : adds)
      fold(region, add);
  }

  /// Makes the row product among `region`'s inputs accumulate into the
  /// other input, which no one reads after it (so that the product writes
  /// its buffer in place: a function argument, or a tensor read later,
  /// would cost a copy, a kernel again).
  void fold(FusedOp region, AddRegion add) {
    for (unsigned i = 0; i < 2; ++i) {
      Value residual = region.getInputs()[1 - i];
      linalg::MatmulOp product = asRowProduct(region.getInputs()[i]);
      Value root = reshapeRoot(residual);
      // The kernel's warps read all of the product's input while each
      // writes its columns of the result: they must be different buffers.
      if (!product || isa<BlockArgument>(root) || !noReadAfter(root, region) ||
          llvm::any_of(product.getDpsInputs(),
                       [&](Value input) { return reshapeRoot(input) == root; }))
        continue;
      // The product moves to the region, where the residual is computed.
      product->moveBefore(region);
      Operation *fill = product.getDpsInits()[0].getDefiningOp();
      product.getDpsInitsMutable()[0].assign(residual);
      fill->erase();
      Value sum = product.getResult(0);
      if (add.expand) {
        OpBuilder b(region);
        sum = tensor::ExpandShapeOp::create(
            b, region.getLoc(), region.getResult(0).getType(), sum,
            add.expand.getReassociationIndices());
      }
      region.getResult(0).replaceAllUsesWith(sum);
      region.erase();
      return;
    }
  }
};
} // namespace
