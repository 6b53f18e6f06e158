//===- FuseConvEpilogues.cpp - --autoglm-cuda-fuse-conv-epilogues ---------===//
//
// After a cuDNN convolution, the region that reads its result usually adds
// the bias (ONNX Conv's B, or a folded BatchNormalization), sometimes a
// residual (a ResNet block's shortcut), applies a ReLU or ReLU6 and rounds
// to f16 for the next convolution: a kernel that reads and writes the
// whole activation once more. The library can compute such an epilogue on
// the f32 sums before it stores them, so this pass moves it into the op:
//
//   %c = autoglm.dnn_conv %x, %w into %e
//   %y = autoglm.fused(%c, %z) {          // y = f16(max(f32(c) + b + f32(z),
//   0))
//     ... linalg elementwise ops ...
//   }
// ==>
//   %y = autoglm.dnn_conv %x, %w bias %b residual %z into %e' {relu_upper =
//   inf}
//
// The region is read as a scalar expression of its output element: sums
// of the convolution's value, constant vectors indexed by the channel
// (biases, summed here at compile time), and at most one other tensor of
// the result's shape and type (the residual), then at most a ReLU (max
// with 0), an upper clip (min with a positive constant) and the rounding
// to the result's type. Anything else (a second use of the convolution, a
// result of another type, another operation) leaves the region alone.
//
// Which convolutions take it:
//   - A 1x1 convolution of stride 1 without padding is a matrix product in
//     NHWC, and the runtime computes it with its epilogue as one cuBLASLt
//     matmul (bias and ReLU in cuBLASLt's epilogue, the residual as its C
//     matrix). It takes a bias, a residual and a ReLU without an upper
//     clip, always; the bias is stored in the result's type, the only one
//     cuBLASLt reads.
//   - Any other dense convolution only with the option `all`: cuDNN's
//     fused engines, measured no faster on the H200 than the plain
//     convolution plus the region's kernel, and a residual there only with
//     `residuals` too: ResNet-50 at batch 32 with fused convolution + add
//     plans gave outputs off by up to 0.5.
// Depthwise and grouped convolutions keep their region.
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CUDA/Passes.h"

#include "autoglm/Dialect/AutoGLM.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

#include <cmath>
#include <limits>

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMCUDAFUSECONVEPILOGUES
#include "autoglm/Target/CUDA/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {
/// What the region computes for one output element, as far as it has
/// been read.
struct Epilogue {
  /// The region's input that is the convolution's result.
  unsigned convInput = ~0u;
  /// The sum of the constant vectors added, one value per filter.
  SmallVector<float> bias;
  /// The region's input added as a residual, if any.
  std::optional<unsigned> residualInput;
  /// The ReLU's clips, when there is one.
  std::optional<float> reluUpper;
};

/// The values of a constant of `type` (ints or floats are not expected:
/// only float vectors), as floats; nothing when they cannot be read.
std::optional<SmallVector<float>> constantValues(Attribute attr) {
  auto elements = dyn_cast<ElementsAttr>(attr);
  if (!elements || !isa<FloatType>(elements.getElementType()))
    return std::nullopt;
  SmallVector<float> values;
  if (auto dense = dyn_cast<DenseFPElementsAttr>(attr)) {
    for (APFloat value : dense.getValues<APFloat>()) {
      bool lost;
      value.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven, &lost);
      values.push_back(value.convertToFloat());
    }
    return values;
  }
  auto resource = dyn_cast<DenseResourceElementsAttr>(attr);
  AsmResourceBlob *blob =
      resource ? resource.getRawHandle().getBlob() : nullptr;
  if (!blob || !elements.getElementType().isF32() ||
      blob->getData().size() != elements.getNumElements() * sizeof(float))
    return std::nullopt;
  values.resize(elements.getNumElements());
  std::memcpy(values.data(), blob->getData().data(), blob->getData().size());
  return values;
}

/// Reads a fused region's one result as an epilogue of the convolution
/// that is its input `convInput`.
class EpilogueReader {
public:
  EpilogueReader(FusedOp region, unsigned convInput, int64_t filters,
                 bool residuals)
      : region(region), filters(filters), residuals(residuals) {
    epilogue.convInput = convInput;
  }

  std::optional<Epilogue> read() {
    auto yield = cast<YieldOp>(region.getBody().front().getTerminator());
    auto producer = yield.getValues()[0].getDefiningOp<linalg::GenericOp>();
    if (!producer || !isIdentityOutput(producer) ||
        failed(readTop(yieldedBy(producer), producer)) || !sawConv)
      return std::nullopt;
    return epilogue;
  }

private:
  static bool isIdentityOutput(linalg::GenericOp op) {
    return op.getNumDpsInits() == 1 && op.getNumReductionLoops() == 0 &&
           op.getMatchingIndexingMap(op.getDpsInitOperand(0)).isIdentity() &&
           op->getNumResults() == 1;
  }

  static Value yieldedBy(linalg::GenericOp op) {
    return cast<linalg::YieldOp>(op.getBody()->getTerminator()).getValues()[0];
  }

  /// The elementwise op of the region that computes `scalar` of `op`'s
  /// body, when `scalar` is a block argument that `op` reads element for
  /// element from it: then its yielded value and itself; otherwise
  /// `scalar` and `op` unchanged. This walks a chain of linalg ops as one
  /// expression.
  std::pair<Value, linalg::GenericOp> follow(Value scalar,
                                             linalg::GenericOp op) {
    auto arg = dyn_cast<BlockArgument>(scalar);
    if (!arg || arg.getOwner() != op.getBody() ||
        arg.getArgNumber() >= op.getNumDpsInputs())
      return {scalar, op};
    OpOperand *operand = op.getDpsInputOperand(arg.getArgNumber());
    auto producer = operand->get().getDefiningOp<linalg::GenericOp>();
    if (!producer || producer->getParentOp() != region ||
        !producer->hasOneUse() || !isIdentityOutput(producer) ||
        !op.getMatchingIndexingMap(operand).isIdentity())
      return {scalar, op};
    return follow(yieldedBy(producer), producer);
  }

  /// The outer operations: an upper clip, a ReLU, then the sum, with the
  /// rounding to the result's type anywhere between them (max and min
  /// with 0 and a constant commute with a monotone rounding that keeps
  /// both).
  LogicalResult readTop(Value scalar, linalg::GenericOp op) {
    bool rounded = false;
    auto peelRounding = [&]() -> LogicalResult {
      std::tie(scalar, op) = follow(scalar, op);
      auto trunc = scalar.getDefiningOp<arith::TruncFOp>();
      if (!trunc)
        return success();
      if (rounded)
        return failure();
      rounded = true;
      std::tie(scalar, op) = follow(trunc.getIn(), op);
      return success();
    };
    if (failed(peelRounding()))
      return failure();
    float upper = std::numeric_limits<float>::infinity();
    Operation *min = scalar.getDefiningOp();
    if (isa_and_nonnull<arith::MinimumFOp, arith::MinNumFOp>(min)) {
      std::optional<float> clip = positiveConstant(min->getOperand(1));
      if (!clip)
        return failure();
      upper = *clip;
      scalar = min->getOperand(0);
      if (failed(peelRounding()))
        return failure();
    }
    if (Value relu = reluInput(scalar)) {
      epilogue.reluUpper = upper;
      scalar = relu;
      if (failed(peelRounding()))
        return failure();
    } else if (upper != std::numeric_limits<float>::infinity()) {
      return failure();
    }
    return readSum(scalar, op);
  }

  /// The input of a ReLU `max(x, 0)` that computes `scalar`, or null.
  static Value reluInput(Value scalar) {
    Operation *def = scalar.getDefiningOp();
    if (!isa_and_nonnull<arith::MaximumFOp, arith::MaxNumFOp>(def))
      return {};
    if (matchPattern(def->getOperand(1), m_AnyZeroFloat()))
      return def->getOperand(0);
    if (matchPattern(def->getOperand(0), m_AnyZeroFloat()))
      return def->getOperand(1);
    return {};
  }

  static std::optional<float> positiveConstant(Value value) {
    FloatAttr attr;
    if (!matchPattern(value, m_Constant(&attr)))
      return std::nullopt;
    float v = static_cast<float>(attr.getValueAsDouble());
    return v > 0.0f ? std::optional<float>(v) : std::nullopt;
  }

  /// A sum of terms: additions, widenings, roundings, and block arguments
  /// of `op`. A rounding inside the sum (`f16(c + b) + z`, a residual added
  /// in f16) is dropped: cuDNN adds in f32 and rounds once.
  LogicalResult readSum(Value scalar, linalg::GenericOp op) {
    if (auto add = scalar.getDefiningOp<arith::AddFOp>())
      return success(succeeded(readSum(add.getLhs(), op)) &&
                     succeeded(readSum(add.getRhs(), op)));
    if (auto ext = scalar.getDefiningOp<arith::ExtFOp>())
      return readSum(ext.getIn(), op);
    if (auto trunc = scalar.getDefiningOp<arith::TruncFOp>())
      return readSum(trunc.getIn(), op);
    auto arg = dyn_cast<BlockArgument>(scalar);
    if (!arg || arg.getOwner() != op.getBody() ||
        arg.getArgNumber() >= op.getNumDpsInputs())
      return failure();
    OpOperand *operand = op.getDpsInputOperand(arg.getArgNumber());
    return readTerm(operand->get(), op.getMatchingIndexingMap(operand));
  }

  /// One term of the sum: `tensor` read through `map`.
  LogicalResult readTerm(Value tensor, AffineMap map) {
    // An elementwise op of the region read element for element: its own
    // value, a sum in turn.
    if (auto producer = tensor.getDefiningOp<linalg::GenericOp>()) {
      if (map.isIdentity() && isIdentityOutput(producer) &&
          producer->getParentOp() == region && producer->hasOneUse())
        return readSum(yieldedBy(producer), producer);
      return failure();
    }
    // A constant vector of the filters (dimension 1 of the NCHW result).
    if (isChannelVector(map))
      return addBias(tensor);
    auto arg = dyn_cast<BlockArgument>(tensor);
    if (!arg || arg.getOwner() != &region.getBody().front() ||
        !map.isIdentity())
      return failure();
    unsigned input = arg.getArgNumber();
    if (input == epilogue.convInput) {
      // Read once: `c + c` is not an epilogue cuDNN computes.
      if (sawConv)
        return failure();
      sawConv = true;
      return success();
    }
    auto type = cast<RankedTensorType>(arg.getType());
    auto result = cast<RankedTensorType>(region->getResult(0).getType());
    if (!residuals || epilogue.residualInput || type != result)
      return failure();
    epilogue.residualInput = input;
    return success();
  }

  /// True when `map` reads a vector of the filters: its results are d1
  /// once and constant zeros.
  static bool isChannelVector(AffineMap map) {
    if (map.getNumDims() != 4)
      return false;
    int channels = 0;
    for (AffineExpr expr : map.getResults()) {
      if (auto dim = dyn_cast<AffineDimExpr>(expr);
          dim && dim.getPosition() == 1)
        ++channels;
      else if (auto constant = dyn_cast<AffineConstantExpr>(expr);
               !constant || constant.getValue() != 0)
        return false;
    }
    return channels == 1;
  }

  /// Adds the constant vector `tensor` (inside the region or one of its
  /// inputs) to the bias.
  LogicalResult addBias(Value tensor) {
    if (auto arg = dyn_cast<BlockArgument>(tensor);
        arg && arg.getOwner() == &region.getBody().front())
      tensor = region.getInputs()[arg.getArgNumber()];
    Attribute attr;
    if (!matchPattern(tensor, m_Constant(&attr)))
      return failure();
    std::optional<SmallVector<float>> values = constantValues(attr);
    if (!values || static_cast<int64_t>(values->size()) != filters)
      return failure();
    if (epilogue.bias.empty())
      epilogue.bias.assign(filters, 0.0f);
    for (int64_t f = 0; f < filters; ++f)
      epilogue.bias[f] += (*values)[f];
    return success();
  }

  FusedOp region;
  int64_t filters;
  bool residuals;
  Epilogue epilogue;
  bool sawConv = false;
};

/// True when `conv` is a matrix product of its input's pixels (channels
/// innermost, as --autoglm-cuda-channels-last lays them out) and its
/// filters: 1x1 filters over all channels, stride 1, no padding. The
/// runtime computes such a convolution with an epilogue as a cuBLASLt
/// matmul (autoglm/cuda_image.h).
bool isProduct(DnnConvOp conv) {
  auto x = cast<RankedTensorType>(conv.getX().getType());
  auto w = cast<RankedTensorType>(conv.getW().getType());
  auto isOne = [](int64_t v) { return v == 1; };
  auto isZero = [](int64_t v) { return v == 0; };
  return x.getDimSize(1) == w.getDimSize(1) && w.getDimSize(2) == 1 &&
         w.getDimSize(3) == 1 && llvm::all_of(conv.getStrides(), isOne) &&
         llvm::all_of(conv.getDilations(), isOne) &&
         llvm::all_of(conv.getPadBefore(), isZero) &&
         llvm::all_of(conv.getPadAfter(), isZero);
}

/// Fuses the region that reads `conv`'s result into `conv`, when it is an
/// epilogue the library computes. With `all` false, only into a product
/// (isProduct), and only what cuBLASLt's epilogue computes: a bias, a
/// residual (as its C matrix) and a ReLU without an upper clip; the bias
/// is then stored in the result's type, the only type cuBLASLt reads it
/// in. With `all`, into any dense convolution (cuDNN's fused engines), a
/// residual only with `residuals`. False when nothing is fused.
bool fuseEpilogue(RewriterBase &rewriter, DnnConvOp conv, bool all,
                  bool residuals) {
  Value convResult = conv.getResult();
  if (!convResult || conv.hasEpilogue() || conv.getChannelsLast() ||
      !convResult.hasOneUse())
    return false;
  auto x = cast<RankedTensorType>(conv.getX().getType());
  auto w = cast<RankedTensorType>(conv.getW().getType());
  // Dense convolutions only: w has all of x's channels.
  if (x.getDimSize(1) != w.getDimSize(1))
    return false;
  bool product = isProduct(conv);
  if (!all && !product)
    return false;
  OpOperand &use = *convResult.getUses().begin();
  auto region = dyn_cast<FusedOp>(use.getOwner());
  if (!region || region->getNumResults() != 1 ||
      region->getResult(0).getType() != convResult.getType())
    return false;
  int64_t filters = w.getDimSize(0);
  std::optional<Epilogue> epilogue =
      EpilogueReader(region, use.getOperandNumber(), filters,
                     residuals || product)
          .read();
  if (!epilogue)
    return false;
  // cuBLASLt's epilogue has no upper clip; cuDNN's fused engines have one,
  // but are slower than the plain convolution plus a kernel, and wrong
  // with some residuals (docs/decisions.md).
  bool byProduct =
      product && (!epilogue->reluUpper || std::isinf(*epilogue->reluUpper));
  if (!byProduct && (!all || (epilogue->residualInput && !residuals)))
    return false;

  Location loc = region.getLoc();
  rewriter.setInsertionPoint(region);
  Value bias;
  if (!epilogue->bias.empty()) {
    // cuBLASLt reads the bias in the result's type only.
    auto element = byProduct ? getElementTypeOrSelf(convResult.getType())
                             : rewriter.getF32Type();
    auto type = RankedTensorType::get({filters}, element);
    auto values = llvm::map_to_vector(epilogue->bias, [&](float v) {
      APFloat value(v);
      bool lost;
      value.convert(cast<FloatType>(element).getFloatSemantics(),
                    APFloat::rmNearestTiesToEven, &lost);
      return value;
    });
    bias = arith::ConstantOp::create(rewriter, loc,
                                     DenseElementsAttr::get(type, values));
  }
  Value residual;
  if (epilogue->residualInput)
    residual = region.getInputs()[*epilogue->residualInput];
  FloatAttr reluUpper;
  if (epilogue->reluUpper)
    reluUpper = rewriter.getF32FloatAttr(*epilogue->reluUpper);
  auto type = cast<RankedTensorType>(convResult.getType());
  Value init = tensor::EmptyOp::create(rewriter, loc, type.getShape(),
                                       type.getElementType());
  auto fused = DnnConvOp::create(
      rewriter,
      FusedLoc::get(rewriter.getContext(), {conv.getLoc(), region.getLoc()}),
      type, conv.getX(), conv.getW(), bias, residual, init, conv.getStrides(),
      conv.getDilations(), conv.getPadBefore(), conv.getPadAfter(),
      /*channels_last=*/false, reluUpper);
  rewriter.replaceOp(region, fused.getResult());
  Operation *oldInit = conv.getInit().getDefiningOp();
  rewriter.eraseOp(conv);
  if (oldInit && oldInit->use_empty())
    rewriter.eraseOp(oldInit);
  return true;
}

struct FuseConvEpiloguesPass
    : autoglm::impl::AutoGLMCUDAFuseConvEpiloguesBase<FuseConvEpiloguesPass> {
  using AutoGLMCUDAFuseConvEpiloguesBase::AutoGLMCUDAFuseConvEpiloguesBase;

  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<DnnConvOp> convs;
    getOperation().walk([&](DnnConvOp conv) { convs.push_back(conv); });
    for (DnnConvOp conv : convs)
      fuseEpilogue(rewriter, conv, all, residuals);
  }
};
} // namespace
