//===- NarrowProductResults.cpp - --autoglm-cuda-narrow-product-results ---===//
//
// Under --precision=fp16/bf16 a product of 16-bit operands accumulates in
// f32 and keeps an f32 result, and wherever the next op computes narrow
// the result is rounded to 16 bits first (the precision pass's
// roundProductResult): BERT's query/key/value projections and its FFN's
// first product are read only by kernels whose first step on each element
// is that rounding. cuBLASLt rounds the f32 sums itself when the product's
// result is 16-bit (it accumulates in f32 whatever the result type), so
// such a product writes half the bytes and its readers read half, with
// the same values:
//
//     %p = linalg.matmul ins(%a, %b : f16, f16) outs(%zero : tensor<..xf32>)
//     %r = autoglm.fused(%p) { linalg.generic ins(%p) { truncf %in; ... } }
//   ==>
//     %p = linalg.matmul ins(%a, %b : f16, f16) outs(%zero : tensor<..xf16>)
//            {autoglm.f32_accumulator}
//     %r = autoglm.fused(%p) { linalg.generic ins(%p) { ...; } }
//
// The result is followed through reshapes, slices and regions that only
// pass views on; every element read must be rounded at once, or nothing
// changes. The product is marked: --autoglm-cuda-select-library-calls
// refuses to leave it a generated kernel, whose loop would accumulate in
// 16 bits. Its operands must be dense buffers once bufferized (no slice
// of another tensor), which is what the library reads.
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CUDA/Passes.h"

#include "LibraryProducts.h"

#include "autoglm/Dialect/AutoGLM.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/SetVector.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMCUDANARROWPRODUCTRESULTS
#include "autoglm/Target/CUDA/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {
/// What changes when a product's result becomes narrow: the tensors that
/// carry its elements (views of it, region arguments and results), the
/// scalar arguments of the linalg ops that read it, and the roundings
/// those apply.
struct Readers {
  llvm::SetVector<Value> tensors;
  llvm::SetVector<Value> elements;
  llvm::SetVector<Operation *> roundings;
};

bool isView(Operation *op) {
  return isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp,
             tensor::ExtractSliceOp>(op);
}

/// Follows `value`'s readers into `readers`; false when one of them uses
/// an element other than by rounding it to `narrow` at once.
bool collectReaders(Value value, Type narrow, Readers &readers) {
  for (OpOperand &use : value.getUses()) {
    Operation *user = use.getOwner();
    Value next;
    if (isView(user) && use.getOperandNumber() == 0) {
      next = user->getResult(0);
    } else if (auto region = dyn_cast<FusedOp>(user)) {
      next = region.getBody().getArgument(use.getOperandNumber());
    } else if (isa<YieldOp>(user) && isa<FusedOp>(user->getParentOp())) {
      next = user->getParentOp()->getResult(use.getOperandNumber());
    } else if (auto generic = dyn_cast<linalg::GenericOp>(user);
               generic && generic.isDpsInput(&use)) {
      BlockArgument element = generic.getMatchingBlockArgument(&use);
      for (Operation *reader : element.getUsers()) {
        auto rounding = dyn_cast<arith::TruncFOp>(reader);
        if (!rounding || rounding.getType() != narrow)
          return false;
        readers.roundings.insert(rounding);
      }
      readers.elements.insert(element);
      continue;
    } else {
      return false;
    }
    if (readers.tensors.insert(next) && !collectReaders(next, narrow, readers))
      return false;
  }
  return true;
}

/// True when `operand` is a whole tensor once bufferized (a dense buffer,
/// as the library reads it): a value computed into a buffer of its own, a
/// constant or an argument, possibly reshaped; not a slice of another.
bool isDense(Value operand) {
  while (Operation *def = operand.getDefiningOp()) {
    if (!isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(def))
      return isa<FusedOp, DestinationStyleOpInterface>(def) ||
             def->hasTrait<OpTrait::ConstantLike>();
    operand = def->getOperand(0);
  }
  return true;
}

void setElementType(Value value, Type element) {
  value.setType(cast<RankedTensorType>(value.getType()).clone(element));
}

/// Makes `product` write its result in its operands' 16-bit type when
/// every reader rounds to that type first; an fp8 product
/// (--autoglm-cuda-float8-products: its alpha scales the sums back), in
/// f16.
void narrowResult(OpBuilder &b, linalg::LinalgOp product) {
  // The new product is built with the default maps, or an fp8 one's.
  bool float8 = product->hasAttr(kFloat8OperandsAttrName);
  if (!isLibraryProduct(product) || (readsTransposedB(product) && !float8) ||
      !product.hasPureTensorSemantics())
    return;
  Type narrow =
      float8 ? b.getF16Type() : getElementTypeOrSelf(product.getDpsInputs()[0]);
  if (!(narrow.isF16() || narrow.isBF16()) ||
      (!float8 && getElementTypeOrSelf(product.getDpsInputs()[1]) != narrow) ||
      !getElementTypeOrSelf(product->getResult(0)).isF32() ||
      !llvm::all_of(product.getDpsInputs(), isDense))
    return;
  auto fill = product.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
  if (!fill || !fill->hasOneUse() ||
      !matchPattern(fill.getInputs()[0], m_AnyZeroFloat()))
    return;
  auto empty = fill.getOutputs()[0].getDefiningOp<tensor::EmptyOp>();
  if (!empty || !empty->hasOneUse())
    return;
  Readers readers;
  if (!collectReaders(product->getResult(0), narrow, readers))
    return;

  // The named ops' bodies are built from their types: new ops.
  Location loc = product.getLoc();
  b.setInsertionPoint(product);
  auto type =
      cast<RankedTensorType>(product->getResult(0).getType()).clone(narrow);
  Value zero = arith::ConstantOp::create(b, loc, narrow, b.getZeroAttr(narrow));
  Value empty16 = tensor::EmptyOp::create(b, loc, type.getShape(), narrow);
  Value init = linalg::FillOp::create(b, loc, zero, empty16).getResult(0);
  SmallVector<Value> inputs(product.getDpsInputs());
  Operation *narrowed =
      isa<linalg::MatmulOp>(product)
          ? linalg::MatmulOp::create(b, loc, TypeRange{type}, inputs,
                                     ValueRange{init})
                .getOperation()
          : linalg::BatchMatmulOp::create(b, loc, TypeRange{type}, inputs,
                                          ValueRange{init})
                .getOperation();
  if (float8) {
    cast<linalg::MatmulOp>(narrowed).setIndexingMapsAttr(
        b.getAffineMapArrayAttr(transposedBMaps(b.getContext())));
    narrowed->setAttr(kFloat8OperandsAttrName,
                      product->getAttr(kFloat8OperandsAttrName));
    narrowed->setAttr(kAlphaAttrName, product->getAttr(kAlphaAttrName));
  }
  narrowed->setAttr(kF32AccumulatorAttrName, b.getUnitAttr());
  product->getResult(0).replaceAllUsesWith(narrowed->getResult(0));
  Operation *oldZero = fill.getInputs()[0].getDefiningOp();
  product->erase();
  fill->erase();
  empty->erase();
  if (oldZero && oldZero->use_empty())
    oldZero->erase();
  for (Value v : readers.tensors)
    setElementType(v, narrow);
  for (Value v : readers.elements)
    v.setType(narrow);
  for (Operation *rounding : readers.roundings) {
    rounding->getResult(0).replaceAllUsesWith(rounding->getOperand(0));
    rounding->erase();
  }
}

struct NarrowProductResultsPass
    : autoglm::impl::AutoGLMCUDANarrowProductResultsBase<
          NarrowProductResultsPass> {
  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> products;
    for (Operation &op : getOperation().getBody().front())
      if (isLibraryProduct(&op))
        products.push_back(cast<linalg::LinalgOp>(op));
    OpBuilder b(&getContext());
    for (linalg::LinalgOp product : products)
      narrowResult(b, product);
  }
};
} // namespace
