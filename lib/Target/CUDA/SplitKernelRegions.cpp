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
// into an `autoglm.gemm`. A convolution in f16 or bf16 (of one group, or
// depthwise) leaves the region as an `autoglm.dnn_conv` (cuDNN); any other of
// one group is rewritten into a product of its filters and its input's
// patches first.
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CUDA/Passes.h"

#include "LibraryProducts.h"

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
/// a BLAS library computes: static shapes and the element types
/// autoglm.gemm takes.
linalg::FillOp getLibraryProductFill(Operation *op) {
  if (!isLibraryProduct(op))
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
  MemRefType b = asBuffer(product.getDpsInputs()[1]);
  if (GemmOp::whyNot(asBuffer(product.getDpsInputs()[0]),
                     readsTransposedB(op) ? transposedMatrix(b) : b,
                     asBuffer(product.getDpsInits()[0]), float8OperandsOf(op)))
    return nullptr;
  auto fill = product.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
  if (!fill || !fill->hasOneUse() || !isZeroConstant(fill.getInputs()[0]))
    return nullptr;
  return fill;
}

/// The tensor a convolution reads, with the zero padding of its rows and
/// columns when its input is a zero `tensor.pad` of it (only those two
/// dimensions padded, by static amounts); no padding otherwise.
struct PaddedInput {
  Value source;
  tensor::PadOp pad;
  int64_t rowsBefore = 0, columnsBefore = 0;
  int64_t rowsAfter = 0, columnsAfter = 0;
};
PaddedInput getPaddedInput(Value input) {
  auto pad = input.getDefiningOp<tensor::PadOp>();
  if (!pad)
    return {input, nullptr};
  Value padding = pad.getConstantPaddingValue();
  ArrayRef<int64_t> low = pad.getStaticLow(), high = pad.getStaticHigh();
  if (!padding || !matchPattern(padding, m_AnyZeroFloat()) ||
      llvm::any_of(llvm::concat<const int64_t>(low, high),
                   ShapedType::isDynamic) ||
      low[0] || low[1] || high[0] || high[1])
    return {input, nullptr};
  return {pad.getSource(), pad, low[2], low[3], high[2], high[3]};
}

/// The patches of a convolution's input as `[C, KH, KW, N, HO, WO]`:
/// `patches[c, kh, kw, n, ho, wo] = input[n, c, ho*sh + kh*dh - padRows,
/// wo*sw + kw*dw - padColumns]`, zero where that falls in the padding. One
/// gather, a kernel of its own; reading the unpadded input, so that the
/// padded copy is never written.
Value gatherPatches(RewriterBase &rewriter, Location loc, PaddedInput input,
                    ArrayRef<int64_t> patchesShape, ArrayRef<int64_t> strides,
                    ArrayRef<int64_t> dilations) {
  MLIRContext *context = rewriter.getContext();
  auto sourceType = cast<RankedTensorType>(input.source.getType());
  Type element = sourceType.getElementType();
  Value empty = tensor::EmptyOp::create(rewriter, loc, patchesShape, element);
  auto identity = AffineMap::getMultiDimIdentityMap(6, context);
  SmallVector<utils::IteratorType> parallel(6, utils::IteratorType::parallel);
  auto patchesType = RankedTensorType::get(patchesShape, element);
  if (!input.pad) {
    // Every patch lies inside the input: an affine gather.
    AffineExpr c, kh, kw, n, ho, wo;
    bindDims(context, c, kh, kw, n, ho, wo);
    auto gatherMap = AffineMap::get(6, 0,
                                    {n, c, ho * strides[0] + kh * dilations[0],
                                     wo * strides[1] + kw * dilations[1]},
                                    context);
    return linalg::GenericOp::create(
               rewriter, loc, patchesType, ValueRange{input.source},
               ValueRange{empty}, SmallVector<AffineMap>{gatherMap, identity},
               parallel,
               [](OpBuilder &b, Location at, ValueRange args) {
                 linalg::YieldOp::create(b, at, args[0]);
               })
        .getResult(0);
  }
  // Each coordinate outside the input reads its row or column 0 instead
  // (in bounds) and yields zero.
  return linalg::GenericOp::create(
             rewriter, loc, patchesType, ValueRange{}, ValueRange{empty},
             SmallVector<AffineMap>{identity}, parallel,
             [&](OpBuilder &b, Location at, ValueRange) {
               auto index = [&](int64_t dim) -> Value {
                 return linalg::IndexOp::create(b, at, dim);
               };
               auto constant = [&](int64_t value) -> Value {
                 return arith::ConstantIndexOp::create(b, at, value);
               };
               Value zeroIndex = constant(0);
               Value inBounds;
               SmallVector<Value> coordinates = {index(3), index(0)};
               int64_t before[2] = {input.rowsBefore, input.columnsBefore};
               for (int spatial = 0; spatial < 2; ++spatial) {
                 // output * stride + kernel * dilation - padding before
                 Value coordinate = arith::AddIOp::create(
                     b, at,
                     arith::MulIOp::create(b, at, index(4 + spatial),
                                           constant(strides[spatial])),
                     arith::MulIOp::create(b, at, index(1 + spatial),
                                           constant(dilations[spatial])));
                 coordinate = arith::SubIOp::create(b, at, coordinate,
                                                    constant(before[spatial]));
                 // Unsigned: a coordinate before the input wraps around.
                 Value inside = arith::CmpIOp::create(
                     b, at, arith::CmpIPredicate::ult, coordinate,
                     constant(sourceType.getDimSize(2 + spatial)));
                 coordinates.push_back(arith::SelectOp::create(
                     b, at, inside, coordinate, zeroIndex));
                 inBounds = inBounds
                                ? arith::AndIOp::create(b, at, inBounds, inside)
                                      .getResult()
                                : inside;
               }
               Value value =
                   tensor::ExtractOp::create(b, at, input.source, coordinates);
               Value zero = arith::ConstantOp::create(b, at, element,
                                                      b.getZeroAttr(element));
               linalg::YieldOp::create(
                   b, at,
                   arith::SelectOp::create(b, at, inBounds, value, zero)
                       .getResult());
             })
      .getResult(0);
}

/// True for a 1x1 convolution of stride 1 over one image:
/// its input is already the `[C, H*W]` matrix of a product with its
/// filters, so no data moves around the product.
bool isProductInPlace(linalg::Conv2DNchwFchwOp conv) {
  auto input = cast<RankedTensorType>(conv.getInputs()[0].getType());
  auto filter = cast<RankedTensorType>(conv.getInputs()[1].getType());
  return input.getDimSize(0) == 1 && filter.getDimSize(2) == 1 &&
         filter.getDimSize(3) == 1 &&
         llvm::all_of(conv.getStrides().getValues<int64_t>(),
                      [](int64_t s) { return s == 1; });
}

/// Erases what `conv`'s rewrite left unused: the padded copy of its input,
/// its zero fill and the fill's buffer.
void eraseUnused(RewriterBase &rewriter, PaddedInput padded,
                 linalg::FillOp fill) {
  if (padded.pad && padded.pad->use_empty())
    rewriter.eraseOp(padded.pad);
  if (fill->use_empty()) {
    Operation *buffer = fill.getOutputs()[0].getDefiningOp();
    rewriter.eraseOp(fill);
    if (buffer && buffer->use_empty())
      rewriter.eraseOp(buffer);
  }
}

/// A convolution is a matrix product of its filters, reshaped to
/// `[F, C*KH*KW]`, and its input's patches laid out as columns,
/// `[C*KH*KW, N*HO*WO]` ("im2col"): `out[f, (n, p)] = sum_k w[f, k] *
/// col[k, (n, p)]`. All images are one product: cuBLASLt is several times
/// faster on it than on a batch of one product per image when an image
/// has few pixels (ResNet-50's last stages at batch 32). The patches are
/// one gather (gatherPatches, the input's zero padding folded in); a 1x1
/// convolution of stride 1 over one image needs none, its input already
/// being `[C, H*W]`. The product `[F, N*HO*WO]` goes back to NCHW by a
/// reshape (one image) or a transpose, fused into the kernel after the
/// product. Rewrites `conv` into that (with a zero fill of its own); false
/// when `conv` is not of static shape with a zero-filled result.
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
  PaddedInput padded;
  if (isProductInPlace(conv)) {
    columnsOfPatches = tensor::CollapseShapeOp::create(
        rewriter, loc, conv.getInputs()[0],
        SmallVector<ReassociationIndices>{{0, 1}, {2, 3}});
  } else {
    padded = getPaddedInput(conv.getInputs()[0]);
    Value gathered = gatherPatches(
        rewriter, loc, padded,
        {channels, kernelRows, kernelColumns, images, rows, columns}, strides,
        dilations);
    columnsOfPatches = tensor::CollapseShapeOp::create(
        rewriter, loc, gathered,
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
  eraseUnused(rewriter, padded, fill);
  return true;
}

/// The filters of `conv` as `autoglm.dnn_conv` takes them, `F x (C/G) x KH
/// x KW`; nothing when they cannot be. A depthwise convolution reads ONNX's
/// `C x 1 x KH x KW` filters collapsed to `C x KH x KW`: the uncollapsed
/// tensor is taken (the collapse moves no data).
Value getLibraryFilter(linalg::Conv2DNchwFchwOp conv) {
  return conv.getInputs()[1];
}
Value getLibraryFilter(linalg::DepthwiseConv2DNchwChwOp conv) {
  auto collapse = conv.getInputs()[1].getDefiningOp<tensor::CollapseShapeOp>();
  if (!collapse || collapse.getSrcType().getRank() != 4 ||
      collapse.getSrcType().getDimSize(1) != 1)
    return {};
  return collapse.getSrc();
}

/// A convolution whose input and filters are f16 (or bf16), of one group
/// or depthwise, becomes an `autoglm.dnn_conv`, which cuDNN computes: the
/// input's zero padding is folded into the op, and the result is in the
/// inputs' type, since cuDNN has no engine that writes an f32 result from
/// f16 inputs. Where the convolution accumulated into f32, the result is
/// widened after it, in the kernel of its bias and activation; the sum is
/// then rounded to 16 bits once more than before (the precision pass's f32
/// accumulator), as frameworks that run convolutions in f16 do. A 1x1
/// convolution goes to cuDNN too: --autoglm-cuda-channels-last then makes
/// it read NHWC, where it is cuDNN's product with no transpose. False when
/// `conv` is not of that form.
template <typename ConvOp>
bool rewriteAsLibraryConv(RewriterBase &rewriter, ConvOp conv) {
  Value filter = getLibraryFilter(conv);
  auto output = cast<RankedTensorType>(conv.getOutputs()[0].getType());
  auto fill = conv.getOutputs()[0].template getDefiningOp<linalg::FillOp>();
  if (!filter || !conv.hasPureTensorSemantics() || !fill ||
      !matchPattern(fill.getInputs()[0], m_AnyZeroFloat()))
    return false;
  auto filterType = cast<RankedTensorType>(filter.getType());
  Type element = filterType.getElementType();
  if (output.getElementType() != element && !output.getElementType().isF32())
    return false;
  PaddedInput padded = getPaddedInput(conv.getInputs()[0]);
  SmallVector<int64_t> strides(conv.getStrides().template getValues<int64_t>());
  SmallVector<int64_t> dilations(
      conv.getDilations().template getValues<int64_t>());
  SmallVector<int64_t> before = {padded.rowsBefore, padded.columnsBefore};
  SmallVector<int64_t> after = {padded.rowsAfter, padded.columnsAfter};
  auto resultType = RankedTensorType::get(output.getShape(), element);
  if (DnnConvOp::whyNot(cast<ShapedType>(padded.source.getType()), filterType,
                        resultType, strides, dilations, before, after))
    return false;
  Location loc = conv.getLoc();
  // A depthwise convolution's collapse of its filters, unused after it.
  Operation *collapse = filter != conv.getInputs()[1]
                            ? conv.getInputs()[1].getDefiningOp()
                            : nullptr;
  rewriter.setInsertionPoint(conv);
  Value empty =
      tensor::EmptyOp::create(rewriter, loc, output.getShape(), element);
  Value result =
      DnnConvOp::create(rewriter, loc, resultType, padded.source, filter,
                        /*bias=*/Value(), /*residual=*/Value(), empty, strides,
                        dilations, before, after, /*channels_last=*/false,
                        /*relu_upper=*/FloatAttr())
          .getResult();
  if (element != output.getElementType()) {
    Value wide = tensor::EmptyOp::create(rewriter, loc, output.getShape(),
                                         output.getElementType());
    auto identity = rewriter.getMultiDimIdentityMap(4);
    result =
        linalg::GenericOp::create(
            rewriter, loc, output, ValueRange{result}, ValueRange{wide},
            SmallVector<AffineMap>{identity, identity},
            SmallVector<utils::IteratorType>(4, utils::IteratorType::parallel),
            [&](OpBuilder &b, Location at, ValueRange args) {
              linalg::YieldOp::create(
                  b, at,
                  arith::ExtFOp::create(b, at, output.getElementType(), args[0])
                      .getResult());
            })
            .getResult(0);
  }
  rewriter.replaceOp(conv, result);
  eraseUnused(rewriter, padded, fill);
  if (collapse && collapse->use_empty())
    rewriter.eraseOp(collapse);
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
    SmallVector<Operation *> convolutions;
    for (Operation &op : body)
      if (isa<linalg::Conv2DNchwFchwOp, linalg::DepthwiseConv2DNchwChwOp>(op))
        convolutions.push_back(&op);
    for (Operation *op : convolutions) {
      if (auto conv = dyn_cast<linalg::Conv2DNchwFchwOp>(op)) {
        if (!rewriteAsLibraryConv(rewriter, conv))
          (void)rewriteAsProduct(rewriter, conv);
      } else {
        // A depthwise convolution not in cuDNN stays a generated kernel.
        (void)rewriteAsLibraryConv(rewriter,
                                   cast<linalg::DepthwiseConv2DNchwChwOp>(op));
      }
    }
    // The products and convolutions that leave the region, with their
    // fills and buffers.
    llvm::SmallPtrSet<Operation *, 8> cut;
    for (Operation &op : body) {
      if (auto conv = dyn_cast<DnnConvOp>(op)) {
        cut.insert(&op);
        if (Operation *empty = conv.getInit().getDefiningOp())
          if (isa<tensor::EmptyOp>(empty) && empty->hasOneUse())
            cut.insert(empty);
      }
      if (linalg::FillOp fill = getLibraryProductFill(&op)) {
        cut.insert(&op);
        cut.insert(fill);
        if (Operation *empty = fill.getOutputs()[0].getDefiningOp())
          if (isa<tensor::EmptyOp>(empty) && empty->hasOneUse())
            cut.insert(empty);
      }
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
