//===- SplitKernelRegions.cpp - --autoglm-cuda-split-kernel-regions -------===//
//
// cuBLASLt computes a matrix product far faster than a generated kernel, so
// a kernel region containing one is cut around it: the product (its zero
// fill and the buffer it fills) leaves the region, and the ops before it
// and after it each become a region of their own, fused into a kernel of
// their own by --autoglm-cuda-fuse-kernel-regions:
//
//     autoglm.fused "contraction" {        %p = linalg.matmul ...
//       %p = linalg.matmul ...       ==>   autoglm.fused "contraction"(%p) {
//       %e = linalg.generic (bias)           %e = linalg.generic (bias)
//     }                                    }
//
// After bufferization --autoglm-cuda-select-library-calls turns the product
// into an `autoglm.gemm`. A convolution is rewritten into such a product
// of its filters and its input's patches first.
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CUDA/Passes.h"

#include "autoglm/Dialect/AutoGLM.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMCUDASPLITKERNELREGIONS
#include "autoglm/Target/CUDA/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {
/// The zero fill of `product`'s result, when `product` is a matrix product
/// a BLAS library computes: static shapes, inputs of one element type among
/// f32, f16 and bf16, the result of that type or f32.
linalg::FillOp getLibraryProductFill(Operation *op) {
  if (!isa<linalg::MatmulOp, linalg::BatchMatmulOp>(op))
    return nullptr;
  auto product = cast<linalg::LinalgOp>(op);
  if (!product.hasPureTensorSemantics())
    return nullptr;
  // What autoglm.gemm accepts once the operands are buffers (shapes and
  // element types; contiguous buffers are stored by rows).
  auto asBuffer = [](Value v) {
    auto type = cast<RankedTensorType>(v.getType());
    return MemRefType::get(type.getShape(), type.getElementType());
  };
  if (GemmOp::whyNot(asBuffer(product.getDpsInputs()[0]),
                     asBuffer(product.getDpsInputs()[1]),
                     asBuffer(product.getDpsInits()[0])))
    return nullptr;
  auto fill = product.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
  if (!fill || !fill->hasOneUse() ||
      !matchPattern(fill.getInputs()[0], m_AnyZeroFloat()))
    return nullptr;
  return fill;
}

/// A convolution is a matrix product of its filters, reshaped to
/// `[F, C*KH*KW]`, and its input's patches laid out as columns,
/// `[C*KH*KW, N*HO*WO]` ("im2col"): `out[f, (n, p)] = sum_k w[f, k] *
/// col[k, (n, p)]`. The patches are one gather (a linalg.generic whose
/// input map is `(c, kh, kw, n, ho, wo) -> (n, c, ho*sh + kh*dh, wo*sw +
/// kw*dw)`), fused into a kernel of its own; a 1x1 convolution of stride 1
/// over one image needs none, its input already being `[C, H*W]`. The
/// product `[F, N*HO*WO]` goes back to NCHW by a reshape (one image) or a
/// transpose, fused into the kernel after the product. Rewrites `conv`
/// into that (with a zero fill of its own); false when `conv` is not of
/// static shape with a zero-filled result.
bool rewriteAsProduct(RewriterBase &rewriter, linalg::Conv2DNchwFchwOp conv) {
  auto input = cast<RankedTensorType>(conv.getInputs()[0].getType());
  auto filter = cast<RankedTensorType>(conv.getInputs()[1].getType());
  auto output = cast<RankedTensorType>(conv.getOutputs()[0].getType());
  auto fill = conv.getOutputs()[0].getDefiningOp<linalg::FillOp>();
  if (!input.hasStaticShape() || !filter.hasStaticShape() ||
      !output.hasStaticShape() || !conv.hasPureTensorSemantics() || !fill ||
      !matchPattern(fill.getInputs()[0], m_AnyZeroFloat()))
    return false;
  SmallVector<int64_t> strides(conv.getStrides().getValues<int64_t>());
  SmallVector<int64_t> dilations(conv.getDilations().getValues<int64_t>());
  int64_t images = output.getDimSize(0), filters = output.getDimSize(1);
  int64_t rows = output.getDimSize(2), columns = output.getDimSize(3);
  int64_t channels = filter.getDimSize(1), kernelRows = filter.getDimSize(2),
          kernelColumns = filter.getDimSize(3);
  int64_t pixels = images * rows * columns;
  Location loc = conv.getLoc();
  rewriter.setInsertionPoint(conv);
  Value columnsOfPatches;
  if (images == 1 && kernelRows == 1 && kernelColumns == 1 &&
      llvm::all_of(strides, [](int64_t s) { return s == 1; })) {
    columnsOfPatches = tensor::CollapseShapeOp::create(
        rewriter, loc, conv.getInputs()[0],
        SmallVector<ReassociationIndices>{{0, 1}, {2, 3}});
  } else {
    MLIRContext *context = rewriter.getContext();
    AffineExpr c, kh, kw, n, ho, wo;
    bindDims(context, c, kh, kw, n, ho, wo);
    auto gatherMap = AffineMap::get(6, 0,
                                    {n, c, ho * strides[0] + kh * dilations[0],
                                     wo * strides[1] + kw * dilations[1]},
                                    context);
    auto patchesType = RankedTensorType::get(
        {channels, kernelRows, kernelColumns, images, rows, columns},
        input.getElementType());
    Value empty = tensor::EmptyOp::create(rewriter, loc, patchesType.getShape(),
                                          input.getElementType());
    auto gather = linalg::GenericOp::create(
        rewriter, loc, patchesType, ValueRange{conv.getInputs()[0]},
        ValueRange{empty},
        SmallVector<AffineMap>{gatherMap,
                               AffineMap::getMultiDimIdentityMap(6, context)},
        SmallVector<utils::IteratorType>(6, utils::IteratorType::parallel),
        [](OpBuilder &b, Location at, ValueRange args) {
          linalg::YieldOp::create(b, at, args[0]);
        });
    columnsOfPatches = tensor::CollapseShapeOp::create(
        rewriter, loc, gather.getResult(0),
        SmallVector<ReassociationIndices>{{0, 1, 2}, {3, 4, 5}});
  }
  Value weights = tensor::CollapseShapeOp::create(
      rewriter, loc, conv.getInputs()[1],
      SmallVector<ReassociationIndices>{{0}, {1, 2, 3}});
  Value empty = tensor::EmptyOp::create(rewriter, loc, {filters, pixels},
                                        output.getElementType());
  Value zero = linalg::FillOp::create(rewriter, loc, fill.getInputs()[0], empty)
                   .getResult(0);
  Value product =
      linalg::MatmulOp::create(rewriter, loc, zero.getType(),
                               ValueRange{weights, columnsOfPatches}, zero)
          .getResult(0);
  if (images == 1) {
    rewriter.replaceOpWithNewOp<tensor::ExpandShapeOp>(
        conv, output, product,
        SmallVector<ReassociationIndices>{{0, 1}, {2, 3}});
  } else {
    Value byFilter = tensor::ExpandShapeOp::create(
        rewriter, loc,
        RankedTensorType::get({filters, images, rows, columns},
                              output.getElementType()),
        product, SmallVector<ReassociationIndices>{{0}, {1, 2, 3}});
    Value nchw = tensor::EmptyOp::create(rewriter, loc, output.getShape(),
                                         output.getElementType());
    rewriter.replaceOpWithNewOp<linalg::TransposeOp>(
        conv, byFilter, nchw, SmallVector<int64_t>{1, 0, 2, 3});
  }
  if (fill->use_empty()) {
    Operation *buffer = fill.getOutputs()[0].getDefiningOp();
    rewriter.eraseOp(fill);
    if (buffer && buffer->use_empty())
      rewriter.eraseOp(buffer);
  }
  return true;
}

/// Ops that move no data and compute nothing: a run of them alone needs no
/// kernel.
bool isFree(Operation *op) {
  return isa<tensor::EmptyOp, tensor::ExpandShapeOp, tensor::CollapseShapeOp>(
             op) ||
         op->hasTrait<OpTrait::ConstantLike>();
}

/// Moves `ops` (consecutive, in order) into a new `autoglm.fused` region of
/// `kind` placed after them: the values they use from elsewhere become its
/// inputs (constants of scalar type are cloned in instead), the values used
/// after them its results.
void wrapInRegion(RewriterBase &rewriter, StringRef kind,
                  ArrayRef<Operation *> ops) {
  llvm::SmallPtrSet<Operation *, 16> members(ops.begin(), ops.end());
  SmallVector<Value> inputs, results;
  SmallVector<Operation *> clonedConstants;
  for (Operation *op : ops) {
    op->walk([&](Operation *nested) {
      for (Value v : nested->getOperands()) {
        // Defined by a member or inside one (a body's block argument).
        Operation *def = v.getDefiningOp();
        Operation *owner =
            def ? def : cast<BlockArgument>(v).getOwner()->getParentOp();
        if (owner && (members.contains(owner) || op->isAncestor(owner)))
          continue;
        if (def && def->hasTrait<OpTrait::ConstantLike>() &&
            !isa<ShapedType>(v.getType())) {
          if (!llvm::is_contained(clonedConstants, def))
            clonedConstants.push_back(def);
          continue;
        }
        if (!llvm::is_contained(inputs, v))
          inputs.push_back(v);
      }
    });
    for (Value r : op->getResults())
      if (llvm::any_of(r.getUsers(), [&](Operation *user) {
            return !members.contains(user);
          }))
        results.push_back(r);
  }
  if (results.empty())
    return;

  rewriter.setInsertionPointAfter(ops.back());
  SmallVector<Location> locs =
      llvm::map_to_vector(ops, [](Operation *op) { return op->getLoc(); });
  SmallVector<Type> resultTypes = llvm::map_to_vector(
      results, [](Value result) { return result.getType(); });
  auto region =
      FusedOp::create(rewriter, rewriter.getFusedLoc(locs), resultTypes,
                      rewriter.getStringAttr(kind), inputs);
  Block *body = rewriter.createBlock(&region.getBody());
  IRMapping mapping;
  for (Value v : inputs)
    mapping.map(v, body->addArgument(v.getType(), v.getLoc()));
  for (Operation *constant : clonedConstants)
    rewriter.clone(*constant, mapping);
  for (Operation *op : ops)
    rewriter.clone(*op, mapping);
  YieldOp::create(
      rewriter, region.getLoc(),
      llvm::map_to_vector(results, [&](Value r) { return mapping.lookup(r); }));
  for (auto [old, replacement] : llvm::zip(results, region.getResults()))
    rewriter.replaceAllUsesWith(old, replacement);
  for (Operation *op : llvm::reverse(ops))
    rewriter.eraseOp(op);
}

struct SplitKernelRegionsPass
    : autoglm::impl::AutoGLMCUDASplitKernelRegionsBase<SplitKernelRegionsPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<FusedOp> regions;
    getOperation().walk([&](FusedOp op) { regions.push_back(op); });
    for (FusedOp region : regions)
      split(rewriter, region);
  }

  static void split(RewriterBase &rewriter, FusedOp region) {
    Block &body = region.getBody().front();
    SmallVector<linalg::Conv2DNchwFchwOp> convolutions;
    for (Operation &op : body)
      if (auto conv = dyn_cast<linalg::Conv2DNchwFchwOp>(op))
        convolutions.push_back(conv);
    for (linalg::Conv2DNchwFchwOp conv : convolutions)
      (void)rewriteAsProduct(rewriter, conv);
    // The products that leave the region, with their fills and buffers.
    llvm::SmallPtrSet<Operation *, 8> cut;
    for (Operation &op : body)
      if (linalg::FillOp fill = getLibraryProductFill(&op)) {
        cut.insert(&op);
        cut.insert(fill);
        if (Operation *empty = fill.getOutputs()[0].getDefiningOp())
          if (isa<tensor::EmptyOp>(empty) && empty->hasOneUse())
            cut.insert(empty);
      }
    if (cut.empty())
      return;

    std::string kind = region.getKind().str();
    SmallVector<Operation *> ops = llvm::map_to_vector(
        body.without_terminator(), [](Operation &op) { return &op; });
    inlineFusedOp(rewriter, region);
    // The runs of ops between products, each with something to compute,
    // become regions; constants stay outside, cloned into each.
    // A reshape of the region's own input (a product's filters) stays
    // outside too: it moves no data.
    llvm::SmallPtrSet<Operation *, 16> members(ops.begin(), ops.end());
    auto reshapesInput = [&](Operation *op) {
      return isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(op) &&
             !members.contains(op->getOperand(0).getDefiningOp());
    };
    SmallVector<SmallVector<Operation *>> runs(1);
    SmallVector<Operation *> constants;
    for (Operation *op : ops) {
      if (cut.contains(op))
        runs.emplace_back();
      else if (op->hasTrait<OpTrait::ConstantLike>())
        constants.push_back(op);
      else if (!reshapesInput(op))
        runs.back().push_back(op);
    }
    for (ArrayRef<Operation *> run : runs)
      if (!llvm::all_of(run, isFree))
        wrapInRegion(rewriter, kind, run);
    for (Operation *constant : constants)
      if (constant->use_empty())
        rewriter.eraseOp(constant);
  }
};
} // namespace
