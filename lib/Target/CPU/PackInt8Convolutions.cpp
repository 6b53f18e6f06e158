//===- PackInt8Convolutions.cpp - uint8 x int8 convolutions, packed -------===//
//
// --autoglm-pack-int8-convolutions: the integer convolutions of quantized
// models (QLinearConv, ConvInteger, QDQ Conv: passes/IntegerQdqProducts.cpp
// and the importer) reach the CPU target as an exact int32 convolution of
// the shifted activation x - zx and a constant weight:
//
//   %x32 = linalg.generic (extui)  ins(%x : tensor<1xCxHxWxi8>)  // uint8
//   %xs  = linalg.generic (subi zx) ins(%x32)                     // if zx != 0
//   %xp  = tensor.pad %xs low[0, 0, t, l] high[0, 0, b, r] (0)
//   %c   = linalg.conv_2d_nchw_fchw ins(%xp, %w : ..., tensor<FxCxKHxKWxi32>)
//
// With every weight in [-128, 127] this is a uint8 x int8 product that
// AVX-512 VNNI's `vpdpbusd` computes, 4 products per 32-bit lane:
//
//   sum (x - zx) w = sum x w - zx * sum w
//
// where the padding holds x = zx (the shifted padding is 0) and the second
// term is a compile-time constant per output channel. The pass rewrites
// the convolution as
//
//   - the uint8 input padded with zx (and its channels up to a multiple of
//     4 with zx; their weights are 0);
//   - an im2col gather straight into the VNNI layout
//     col[kk, p, j] = x[4 cc + j, oh sh + kh dh, ow sw + kw dw] with
//     kk = (kh KW + kw) CC + cc and p = oh OW + ow, its P columns rounded up
//     to a multiple of 16 (32 past 32 columns; the extra columns are never
//     read back);
//   - the weight reordered at compile time to W'[f, kk, j] in int8;
//   - one `autoglm.vnni` generic C[f, p] += sext(W'[f, kk, j]) *
//     zext(col[kk, p, j]) whose accumulator starts at -zx * sum w[f]
//     (--autoglm-vnni-contractions broadcasts 4 weight bytes and loads 64
//     bytes of col per 16 columns), read back as [1, F, OH, OW].
//
// With `group=2` (AVX2's vpmaddwd) the same holds with 2 channels per lane
// (channels padded to a multiple of 2, 2 weight bytes broadcast, 16 bytes
// of col loaded per 8 columns, P rounded up to 8 or 16).
//
// The result is the same int32 value, bit for bit. A 1x1 convolution takes
// the same path (its gather interleaves 4 channels). Other convolutions
// (batches of more than one image, weights outside int8, an input that is
// not a shifted uint8 value) keep their loop nest; depthwise convolutions
// are other ops and are not touched.
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CPU/Passes.h"

#include "VnniProduct.h"

#include "../Int8Operands.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMPACKINT8CONVOLUTIONS
#include "autoglm/Target/CPU/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;

namespace {
/// A uint8 tensor and the zero point subtracted from it, widened to i32.
struct ShiftedUint8 {
  Value source;
  int64_t zeroPoint = 0;
};

/// An integer constant operand of `op`, or nothing.
std::optional<int64_t> constantInt(Value v) {
  APInt value;
  if (!matchPattern(v, m_ConstantInt(&value)))
    return std::nullopt;
  return value.getSExtValue();
}

/// Looks through the elementwise generics that widen a uint8 value to i32
/// (extui) and subtract constants from it, each with one input and
/// identity maps; nothing when `v` is made any other way.
std::optional<ShiftedUint8> matchShiftedUint8(Value v) {
  ShiftedUint8 result;
  while (auto generic = v.getDefiningOp<linalg::GenericOp>()) {
    if (generic.getNumDpsInputs() != 1 || generic.getNumDpsInits() != 1 ||
        !generic.hasPureTensorSemantics() ||
        !llvm::all_of(generic.getIndexingMapsArray(),
                      [](AffineMap m) { return m.isIdentity(); }))
      return std::nullopt;
    Block &body = generic.getRegion().front();
    Value x = body.getTerminator()->getOperand(0);
    int64_t ops = 0;
    for (Operation &op : body.without_terminator())
      if (!isa<arith::ConstantOp>(op))
        ++ops;
    // Back from the yielded value: subtractions (and additions) of
    // constants, then the block argument itself or its widening.
    int64_t chain = 0;
    while (Operation *def = x.getDefiningOp()) {
      if (isa<arith::SubIOp, arith::AddIOp>(def)) {
        std::optional<int64_t> c = constantInt(def->getOperand(1));
        if (!c)
          return std::nullopt;
        result.zeroPoint += isa<arith::SubIOp>(def) ? *c : -*c;
        x = def->getOperand(0);
        ++chain;
        continue;
      }
      if (auto ext = dyn_cast<arith::ExtUIOp>(def)) {
        if (ext.getIn() != body.getArgument(0) ||
            !ext.getIn().getType().isInteger(8) ||
            !ext.getType().isInteger(32) || chain + 1 != ops)
          return std::nullopt;
        result.source = generic.getDpsInputs()[0];
        return result;
      }
      return std::nullopt;
    }
    if (x != body.getArgument(0) || chain != ops || !x.getType().isInteger(32))
      return std::nullopt;
    v = generic.getDpsInputs()[0];
  }
  return std::nullopt;
}

/// The elements of an i32 constant, dense or a resource blob.
std::optional<SmallVector<int32_t>> readInt32(ElementsAttr attr) {
  if (auto dense = dyn_cast<DenseIntElementsAttr>(attr))
    return llvm::to_vector(dense.getValues<int32_t>());
  if (auto blob = dyn_cast<DenseI32ResourceElementsAttr>(attr))
    if (std::optional<ArrayRef<int32_t>> data = blob.tryGetAsArrayRef())
      return SmallVector<int32_t>(data->begin(), data->end());
  return std::nullopt;
}

/// A zero `linalg.fill` of a fresh tensor: the accumulator of a
/// convolution with nothing added to it.
bool isZeroFill(Value init) {
  auto fill = init.getDefiningOp<linalg::FillOp>();
  if (!fill || !fill.getOutputs()[0].getDefiningOp<tensor::EmptyOp>())
    return false;
  std::optional<int64_t> c = constantInt(fill.getInputs()[0]);
  return c && *c == 0;
}

/// Erases `op` and then the producers it alone kept alive (generics,
/// pads, fills and empties on tensors).
void eraseDeadChain(RewriterBase &rewriter, Operation *op) {
  SmallVector<Operation *> work = {op};
  while (!work.empty()) {
    Operation *dead = work.pop_back_val();
    if (!dead || !dead->use_empty() ||
        !isa<linalg::GenericOp, linalg::FillOp, tensor::PadOp, tensor::EmptyOp>(
            dead))
      continue;
    SmallVector<Value> operands(dead->getOperands());
    rewriter.eraseOp(dead);
    for (Value v : operands)
      work.push_back(v.getDefiningOp());
  }
}

struct PackInt8Convolutions
    : autoglm::impl::AutoGLMPackInt8ConvolutionsBase<PackInt8Convolutions> {
  using AutoGLMPackInt8ConvolutionsBase::AutoGLMPackInt8ConvolutionsBase;

  void runOnOperation() override {
    if (group != 2 && group != 4) {
      getOperation().emitError("--autoglm-pack-int8-convolutions: group must "
                               "be 2 or 4, not ")
          << static_cast<int64_t>(group);
      return signalPassFailure();
    }
    SmallVector<linalg::Conv2DNchwFchwOp> convs;
    getOperation().walk(
        [&](linalg::Conv2DNchwFchwOp conv) { convs.push_back(conv); });
    IRRewriter rewriter(&getContext());
    for (linalg::Conv2DNchwFchwOp conv : convs)
      (void)pack(rewriter, conv);
  }

  LogicalResult pack(IRRewriter &rewriter, linalg::Conv2DNchwFchwOp conv) {
    if (!conv.hasPureTensorSemantics())
      return failure();
    Value input = conv.getInputs()[0];
    auto inType = cast<RankedTensorType>(input.getType());
    auto wType = cast<RankedTensorType>(conv.getInputs()[1].getType());
    auto outType = cast<RankedTensorType>(conv.getOutputs()[0].getType());
    if (!inType.hasStaticShape() || !wType.hasStaticShape() ||
        !outType.hasStaticShape() || !inType.getElementType().isInteger(32) ||
        !wType.getElementType().isInteger(32) ||
        !outType.getElementType().isInteger(32) || inType.getDimSize(0) != 1)
      return failure();

    // The padding (zero in the shifted domain), then the uint8 value.
    SmallVector<int64_t> low(4, 0), high(4, 0);
    Value shifted = input;
    if (auto pad = input.getDefiningOp<tensor::PadOp>()) {
      std::optional<int64_t> padValue;
      if (Value c = pad.getConstantPaddingValue())
        padValue = constantInt(c);
      if (!padValue || *padValue != 0)
        return failure();
      low = llvm::to_vector(pad.getStaticLow());
      high = llvm::to_vector(pad.getStaticHigh());
      if (llvm::any_of(low, ShapedType::isDynamic) ||
          llvm::any_of(high, ShapedType::isDynamic) || low[0] || high[0] ||
          low[1] || high[1])
        return failure();
      shifted = pad.getSource();
    }
    std::optional<ShiftedUint8> x = matchShiftedUint8(shifted);
    // Padding holds zx, which must be a uint8 value.
    if (!x || x->zeroPoint < 0 || x->zeroPoint > 255)
      return failure();

    ElementsAttr weightAttr;
    if (!matchPattern(conv.getInputs()[1], m_Constant(&weightAttr)))
      return failure();
    std::optional<SmallVector<int32_t>> w = readInt32(weightAttr);
    if (!w || llvm::any_of(*w, [](int32_t v) { return v < -128 || v > 127; }))
      return failure();

    MLIRContext *ctx = &getContext();
    Location loc = conv.getLoc();
    Type i8 = rewriter.getIntegerType(8), i32 = rewriter.getI32Type();
    int64_t c = wType.getDimSize(1), f = wType.getDimSize(0),
            kh = wType.getDimSize(2), kw = wType.getDimSize(3);
    int64_t oh = outType.getDimSize(2), ow = outType.getDimSize(3);
    int64_t g = group, lanes = autoglm::packedProductLanes(g);
    int64_t cc = (c + g - 1) / g, kk = kh * kw * cc, p = oh * ow;
    // For AMX, whole tiles: W' has F and KK rounded up to 16 (zero
    // weights) and col KK rows rounded up to 16 (never written: they meet
    // zero weights), so that every tile the kernel loads has one shape.
    int64_t paddedF = amx ? llvm::alignTo(f, 16) : f;
    int64_t paddedKK = amx ? llvm::alignTo(kk, 16) : kk;
    // Columns in vectors of the kernel's lanes (16 with VNNI, 8 with
    // AVX2), in pairs past 2 vectors: the kernel's register tile is then 2
    // vectors wide (4 or 8 rows), not 1.
    int64_t columnStep = p > 2 * lanes ? 2 * lanes : lanes;
    int64_t paddedP = (p + columnStep - 1) / columnStep * columnStep;
    SmallVector<int64_t> strides(conv.getStrides().getValues<int64_t>());
    SmallVector<int64_t> dilations(conv.getDilations().getValues<int64_t>());
    rewriter.setInsertionPoint(conv);

    // W'[f, (kh KW + kw) CC + cc, j] = W[f, G cc + j, kh, kw] (0 past C),
    // and each channel's share of the zero point, -zx * sum w[f].
    SmallVector<int8_t> packed(paddedF * paddedKK * g, 0);
    SmallVector<int32_t> offsets(paddedF, 0);
    for (int64_t o = 0; o < f; ++o)
      for (int64_t ch = 0; ch < c; ++ch)
        for (int64_t y = 0; y < kh; ++y)
          for (int64_t z = 0; z < kw; ++z) {
            int32_t v = (*w)[((o * c + ch) * kh + y) * kw + z];
            int64_t row = (y * kw + z) * cc + ch / g;
            packed[(o * paddedKK + row) * g + ch % g] = static_cast<int8_t>(v);
            offsets[o] -= static_cast<int32_t>(x->zeroPoint) * v;
          }
    auto packedType = RankedTensorType::get({paddedF, paddedKK, g}, i8);
    Value weight = autoglm::createInt8Blob(rewriter, loc, packedType,
                                           "vnni_conv_packed", packed);
    auto offsetType = RankedTensorType::get({paddedF}, i32);
    Value offset = arith::ConstantOp::create(
        rewriter, loc, offsetType,
        DenseIntElementsAttr::get(offsetType, ArrayRef<int32_t>(offsets)));

    // The uint8 input padded with the zero point: the window's border and
    // the channels up to G CC.
    Value source = x->source;
    int64_t padChannels = g * cc - c;
    if (padChannels || llvm::any_of(low, [](int64_t v) { return v != 0; }) ||
        llvm::any_of(high, [](int64_t v) { return v != 0; })) {
      auto srcType = cast<RankedTensorType>(source.getType());
      SmallVector<int64_t> padded = {1, g * cc,
                                     srcType.getDimSize(2) + low[2] + high[2],
                                     srcType.getDimSize(3) + low[3] + high[3]};
      high[1] = padChannels;
      Value zx = arith::ConstantOp::create(
          rewriter, loc, rewriter.getIntegerAttr(i8, x->zeroPoint));
      source = tensor::PadOp::create(rewriter, loc,
                                     RankedTensorType::get(padded, i8), source,
                                     getAsIndexOpFoldResult(ctx, low),
                                     getAsIndexOpFoldResult(ctx, high), zx);
    }

    // col[kk, p, j], written through a [KH, KW, CC, OH, OW, G] view of its
    // first P columns.
    Value colBuffer = tensor::EmptyOp::create(
        rewriter, loc, ArrayRef<int64_t>{paddedKK, paddedP, g}, i8);
    Value colView = sliceColumns(rewriter, loc, colBuffer, kk, p, g);
    auto gatherType = RankedTensorType::get({kh, kw, cc, oh, ow, g}, i8);
    SmallVector<ReassociationIndices> gatherGroups = {{0, 1, 2}, {3, 4}, {5}};
    Value gatherInit = tensor::ExpandShapeOp::create(rewriter, loc, gatherType,
                                                     colView, gatherGroups);
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    // Loops (kh, kw, cc, oh, ow, j).
    AffineMap inMap =
        AffineMap::get(6, 0,
                       {getAffineConstantExpr(0, ctx), d(2) * g + d(5),
                        d(3) * strides[0] + d(0) * dilations[0],
                        d(4) * strides[1] + d(1) * dilations[1]},
                       ctx);
    Value gathered =
        linalg::GenericOp::create(
            rewriter, loc, gatherType, ValueRange{source},
            ValueRange{gatherInit},
            ArrayRef<AffineMap>{inMap,
                                AffineMap::getMultiDimIdentityMap(6, ctx)},
            SmallVector<utils::IteratorType>(6, utils::IteratorType::parallel),
            [](OpBuilder &b, Location nested, ValueRange args) {
              linalg::YieldOp::create(b, nested, args[0]);
            })
            .getResult(0);
    Value col =
        tensor::CollapseShapeOp::create(rewriter, loc, gathered, gatherGroups);
    if (paddedP != p || paddedKK != kk)
      col = tensor::InsertSliceOp::create(
          rewriter, loc, col, colBuffer,
          ArrayRef<OpFoldResult>(
              SmallVector<OpFoldResult>(3, rewriter.getIndexAttr(0))),
          getAsIndexOpFoldResult(ctx, {kk, p, g}),
          getAsIndexOpFoldResult(ctx, {1, 1, 1}));

    // The accumulator starts at the zero point's share.
    Value accEmpty = tensor::EmptyOp::create(
        rewriter, loc, ArrayRef<int64_t>{paddedF, paddedP}, i32);
    Value acc =
        linalg::GenericOp::create(
            rewriter, loc, accEmpty.getType(), ValueRange{offset},
            ValueRange{accEmpty},
            ArrayRef<AffineMap>{AffineMap::get(2, 0, {d(0)}, ctx),
                                AffineMap::getMultiDimIdentityMap(2, ctx)},
            SmallVector<utils::IteratorType>(2, utils::IteratorType::parallel),
            [](OpBuilder &b, Location nested, ValueRange args) {
              linalg::YieldOp::create(b, nested, args[0]);
            })
            .getResult(0);

    // C[f, p] += sext(W'[f, kk, j]) * zext(col[kk, p, j]), loops
    // (f, p, kk, j).
    auto product = autoglm::createVnniProduct(
        rewriter, loc, acc.getType(), weight, col, ValueRange{acc},
        {AffineMap::get(4, 0, {d(0), d(2), d(3)}, ctx),
         AffineMap::get(4, 0, {d(2), d(1), d(3)}, ctx),
         AffineMap::get(4, 0, {d(0), d(1)}, ctx)},
        /*lhsUnsigned=*/false);

    // Back to [1, F, OH, OW], plus what the convolution accumulated into.
    Value result = product.getResult(0);
    result = sliceColumns(rewriter, loc, result, f, p, 0);
    result = tensor::ExpandShapeOp::create(
        rewriter, loc, outType, result,
        ArrayRef<ReassociationIndices>{{0, 1}, {2, 3}});
    Value init = conv.getOutputs()[0];
    if (!isZeroFill(init)) {
      AffineMap id = AffineMap::getMultiDimIdentityMap(4, ctx);
      result = linalg::GenericOp::create(
                   rewriter, loc, outType, ValueRange{result}, ValueRange{init},
                   ArrayRef<AffineMap>{id, id},
                   SmallVector<utils::IteratorType>(
                       4, utils::IteratorType::parallel),
                   [](OpBuilder &b, Location nested, ValueRange args) {
                     linalg::YieldOp::create(b, nested,
                                             ValueRange{arith::AddIOp::create(
                                                 b, nested, args[1], args[0])});
                   })
                   .getResult(0);
    }
    Operation *oldWeight = conv.getInputs()[1].getDefiningOp();
    rewriter.replaceOp(conv, result);
    eraseDeadChain(rewriter, input.getDefiningOp());
    eraseDeadChain(rewriter, init.getDefiningOp());
    // The i32 weight goes too, or the weights file would hold it, 4 bytes
    // a value, beside the packed one.
    if (oldWeight && oldWeight->use_empty())
      rewriter.eraseOp(oldWeight);
    return success();
  }

  /// The first `rows` rows and `cols` columns of the [*, *] or
  /// [*, *, inner] tensor `v` (inner 0: rank 2).
  static Value sliceColumns(OpBuilder &b, Location loc, Value v, int64_t rows,
                            int64_t cols, int64_t inner) {
    auto type = cast<RankedTensorType>(v.getType());
    if (type.getDimSize(0) == rows && type.getDimSize(1) == cols)
      return v;
    SmallVector<int64_t> sizes = {rows, cols};
    if (inner)
      sizes.push_back(inner);
    MLIRContext *ctx = b.getContext();
    SmallVector<OpFoldResult> zeros(sizes.size(), b.getIndexAttr(0)),
        ones(sizes.size(), b.getIndexAttr(1));
    return tensor::ExtractSliceOp::create(
        b, loc, RankedTensorType::get(sizes, type.getElementType()), v, zeros,
        getAsIndexOpFoldResult(ctx, sizes), ones);
  }
};
} // namespace
