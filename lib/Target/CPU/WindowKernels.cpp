//===- WindowKernels.cpp - direct depthwise convolutions and poolings ----===//
//
// A depthwise convolution (ONNX Conv with group = channels = outputs; the
// lowering makes it `linalg.depthwise_conv_2d_nchw_chw` on a zero-padded
// input) does KH*KW multiply-adds per output: im2col would only copy, and a
// generic loop nest leaves LLVM a loop it vectorizes badly. Here, on
// tensors, each one becomes a direct kernel vectorized along the output
// row, in NCHW (the layout of its neighbours, so nothing converts):
//
//   scf.forall (n, c) in (N, C)           // one channel per iteration
//     scf.for oh0 = 0 to OH step R        // R output rows at a time
//       acc[r][b] = init                  // R x B vectors of L lanes
//       for kh, kw, r, b:                 // unrolled
//         acc[r][b] += in[n, c, (oh0+r)*sh + kh*dh,
//                         (b*L + lanes)*sw + kw*dw] * w[c, kh, kw]
//       acc = tail(acc)                   // bias, activation, residual
//       out[n, c, oh0 + r, b*L + lanes] = acc
//
// The weight is a scalar broadcast per tap (an embedded-broadcast FMA), so
// it needs no repacking. A strided row is read as S*L contiguous lanes and
// shuffled down to every S-th lane. Reads and writes past the row's end are
// masked (out-of-bounds transfers), so any width works. R and B come from
// the register file: R*B accumulators in about half of it.
//
// The elementwise tail of a fused region (an all-parallel generic updating
// the convolution in place, reading per-channel or same-shape operands) is
// applied to the accumulators before they are stored, so the output is
// written once.
//
// A max or sum pooling (`linalg.pooling_nchw_max`/`_sum`, on an input the
// lowering pads with the pooling's identity) is the same window walk with
// `arith.maximumf` or `arith.addf` in place of the FMA and no weight, its
// taps along a row folded once per input row and shared by the output rows
// that read it; the padding is read as the identity (skipped rows, masked
// and shuffled-in lanes) instead of being copied. An average pooling's
// division by the window counts stays the generic after the sum.
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CPU/Passes.h"

#include "ContractionTiles.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMWINDOWKERNELS
#include "autoglm/Target/CPU/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;

namespace {
/// The largest stride read as one wide vector and shuffled; larger strides
/// keep the generic loop nest.
constexpr int64_t kMaxStride = 4;

/// Whether `tail`, the single user of the convolution `conv`, is an
/// elementwise function of it that the kernel can apply to its vectors:
/// all-parallel over the convolution's shape, reading the convolution once
/// (identity map) as an input or as its init (the in-place tail of a
/// "contraction" region; otherwise the init is not read), other inputs at
/// the same position (identity) or per image/channel (a projection onto
/// d0/d1), and a body of elementwise-mappable scalar ops.
bool isFusableTail(linalg::GenericOp tail, Value conv) {
  if (!tail.hasPureTensorSemantics() || tail.getNumDpsInits() != 1 ||
      tail.getNumResults() != 1 ||
      tail.getResult(0).getType() != conv.getType() ||
      tail.getNumParallelLoops() != tail.getNumLoops() ||
      tail.getNumLoops() != 4 ||
      !tail.getMatchingIndexingMap(tail.getDpsInitOperand(0)).isIdentity())
    return false;
  OpOperand *init = tail.getDpsInitOperand(0);
  if (init->get() != conv && tail.payloadUsesValueFromOperand(init))
    return false;
  int uses = 0;
  for (OpOperand &operand : tail->getOpOperands()) {
    AffineMap map = tail.getMatchingIndexingMap(&operand);
    if (operand.get() == conv) {
      ++uses;
      if (!map.isIdentity())
        return false;
      continue;
    }
    if (map.isIdentity() || &operand == init)
      continue;
    auto t = dyn_cast<RankedTensorType>(operand.get().getType());
    if (!t || !t.hasStaticShape() || !map.isProjectedPermutation())
      return false;
    for (AffineExpr e : map.getResults())
      if (cast<AffineDimExpr>(e).getPosition() > 1)
        return false;
  }
  if (uses != 1)
    return false;
  for (Operation &op : tail.getBody()->without_terminator()) {
    if (op.getNumRegions() != 0 || op.getNumResults() != 1)
      return false;
    if (isa<arith::ConstantOp>(op))
      continue;
    if (!OpTrait::hasElementwiseMappableTraits(&op))
      return false;
    for (Type t : op.getOperandTypes())
      if (!t.isIntOrIndexOrFloat())
        return false;
  }
  return true;
}

/// Whether `pad` pads only the rows and columns of an NCHW tensor, with
/// static sizes and the constant `identity` (zero for a convolution, the
/// pooling's identity for a pooling).
bool isRowColumnPadding(tensor::PadOp pad, Attribute identity) {
  if (pad.getSourceType().getRank() != 4 ||
      !pad.getSourceType().hasStaticShape())
    return false;
  for (int i = 0; i < 2; ++i)
    if (pad.getStaticLow()[i] != 0 || pad.getStaticHigh()[i] != 0)
      return false;
  if (ShapedType::isDynamic(pad.getStaticLow()[2]) ||
      ShapedType::isDynamic(pad.getStaticLow()[3]))
    return false;
  Value value = pad.getConstantPaddingValue();
  Attribute attr;
  return value && matchPattern(value, m_Constant(&attr)) && attr == identity;
}

/// How a window kernel folds an input lane into its accumulator.
enum class Combine { Fma, Max, Add };

/// The shape of one depthwise convolution or pooling and its kernel's
/// blocking. The input is the unpadded one: `pt`/`pl` rows/columns of
/// padding are implied above/left of it (and as many below/right as the
/// output needs).
struct WindowKernel {
  int64_t n, c, h, w, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl;
  Combine combine = Combine::Fma;
  /// What the padding reads as: zero, or the pooling's identity.
  TypedAttr padValue;
  int64_t lanes;       // L
  int64_t rowsPerStep; // R
  int64_t blocks;      // B = ceil(OW / L)
};

class WindowKernelBuilder {
public:
  WindowKernelBuilder(RewriterBase &rewriter, Location loc,
                      const WindowKernel &k, FloatType et)
      : b(rewriter), loc(loc), k(k), et(et),
        vecType(VectorType::get({k.lanes}, et)) {}

  /// Builds the kernel of the convolution of `input` (unpadded) by
  /// `weight` ([C, KH, KW]; null for a pooling) into `outType`,
  /// accumulating from `initValue`, with `tail` (may be null) applied;
  /// returns the result tensor.
  Value build(Value input, Value weight, Value convResult, Value initValue,
              linalg::GenericOp tail) {
    auto outType = cast<RankedTensorType>(convResult.getType());
    this->input = input;
    this->convResult = convResult;
    this->tail = tail;
    Value empty = tensor::EmptyOp::create(b, loc, outType.getShape(), et);
    auto forall = scf::ForallOp::create(
        b, loc, getAsIndexOpFoldResult(b.getContext(), {k.n, k.c}),
        ValueRange{empty}, std::nullopt);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(forall.getBody());
    n = forall.getInductionVar(0);
    c = forall.getInductionVar(1);
    Value shared = forall.getRegionIterArgs()[0];
    SmallVector<OpFoldResult> offsets = {n, c, b.getIndexAttr(0),
                                         b.getIndexAttr(0)};
    SmallVector<OpFoldResult> sizes =
        getAsIndexOpFoldResult(b.getContext(), {1, 1, k.oh, k.ow});
    SmallVector<OpFoldResult> unit(4, b.getIndexAttr(1));
    Value slice =
        tensor::ExtractSliceOp::create(b, loc, shared, offsets, sizes, unit);

    // Per channel: the broadcast weights and the tail's per-channel inputs.
    for (int64_t i = 0; weight && i < k.kh; ++i)
      for (int64_t j = 0; j < k.kw; ++j) {
        Value w = tensor::ExtractOp::create(b, loc, weight,
                                            ValueRange{c, idx(i), idx(j)});
        weights.push_back(vector::BroadcastOp::create(b, loc, vecType, w));
      }
    init = vector::BroadcastOp::create(b, loc, vecType, initValue);
    if (tail)
      for (OpOperand *operand : tail.getDpsInputOperands()) {
        AffineMap map = tail.getMatchingIndexingMap(operand);
        if (map.isIdentity()) { // same-shape or the convolution
          channelInputs.push_back({});
          continue;
        }
        SmallVector<Value> indices;
        for (AffineExpr e : map.getResults())
          indices.push_back(cast<AffineDimExpr>(e).getPosition() == 0 ? n : c);
        Value s = tensor::ExtractOp::create(b, loc, operand->get(), indices);
        channelInputs.push_back(
            vector::BroadcastOp::create(b, loc, vecType, s));
      }

    // Rows whose taps all read inside the input run R at a time in a loop
    // (when it has two steps or more); the rows above and below it, padding
    // rows included, take steps of up to R rows at known positions, with
    // the taps that read padding left out at compile time. A step's rows
    // are independent chains of FMAs: one row a step would leave the FMA
    // units waiting on each other's latency (MobileNetV3's 5x5 depthwise
    // at 7x7 took twice its time so).
    int64_t first = std::min<int64_t>(k.oh, (k.pt + k.sh - 1) / k.sh);
    int64_t last = k.h - 1 - (k.kh - 1) * k.dh + k.pt; // last oh*sh reading in
    int64_t end = last < 0 ? 0 : std::min(k.oh, last / k.sh + 1);
    end = std::max(end, first);
    int64_t steps = (end - first) / k.rowsPerStep;
    int64_t loopBegin = steps > 1 ? first : k.oh;
    int64_t loopEnd = steps > 1 ? first + steps * k.rowsPerStep : k.oh;
    Value t = slice;
    auto emitStaticRows = [&](int64_t from, int64_t to) {
      for (int64_t oh = from; oh < to; oh += k.rowsPerStep)
        t = emitStep(t, idx(oh), oh, std::min(k.rowsPerStep, to - oh));
    };
    emitStaticRows(0, loopBegin);
    if (steps > 1) {
      auto loop = scf::ForOp::create(b, loc, idx(first), idx(loopEnd),
                                     idx(k.rowsPerStep), ValueRange{t});
      {
        OpBuilder::InsertionGuard loopGuard(b);
        b.setInsertionPointToStart(loop.getBody());
        Value next =
            emitStep(loop.getRegionIterArgs()[0], loop.getInductionVar(),
                     std::nullopt, k.rowsPerStep);
        scf::YieldOp::create(b, loc, next);
      }
      t = loop.getResult(0);
      emitStaticRows(loopEnd, k.oh);
    }

    b.setInsertionPointToStart(forall.getTerminator().getBody());
    tensor::ParallelInsertSliceOp::create(b, loc, t, shared, offsets, sizes,
                                          unit);
    forall->setAttr("autoglm.kernel",
                    b.getStringAttr(weight ? "depthwise" : "pooling"));
    return forall.getResult(0);
  }

private:
  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }

  /// A pooling's fold of two vectors: their maximum (NaN if either is,
  /// as the loop nest's) or their sum.
  Value combine(Value a, Value x) {
    if (k.combine == Combine::Max)
      return arith::MaximumFOp::create(b, loc, a, x);
    return arith::AddFOp::create(b, loc, a, x);
  }

  /// Output rows [row0, row0 + count) of the channel into `t`: every input
  /// row the step reads is read once (its KW x B vectors) and added into
  /// every accumulator that uses it. With `staticRow0` (row0's value),
  /// taps reading above or below the input are left out; without, none do.
  Value emitStep(Value t, Value row0, std::optional<int64_t> staticRow0,
                 int64_t count) {
    SmallVector<Value> accs(count * k.blocks, init);
    Value base = arith::MulIOp::create(b, loc, row0, idx(k.sh));
    int64_t span = (count - 1) * k.sh + (k.kh - 1) * k.dh + 1;
    for (int64_t q = 0; q < span; ++q) {
      // Input row q of the step: row0 * sh - pt + q.
      if (staticRow0) {
        int64_t ih = *staticRow0 * k.sh - k.pt + q;
        if (ih < 0 || ih >= k.h)
          continue;
      }
      SmallVector<std::pair<int64_t, int64_t>> users; // (r, kh)
      for (int64_t r = 0; r < count; ++r) {
        int64_t d = q - r * k.sh;
        if (d >= 0 && d % k.dh == 0 && d / k.dh < k.kh)
          users.push_back({r, d / k.dh});
      }
      if (users.empty())
        continue;
      Value ih = arith::AddIOp::create(b, loc, base, idx(q - k.pt));
      for (int64_t blk = 0; blk < k.blocks; ++blk) {
        // A pooling folds the row's KW taps once, then that into each
        // output row that reads the row (separable: for a 5x5 window, 4 +
        // 5 operations an output instead of 24, all rows of a step
        // sharing the first 4); a convolution weighs each tap.
        Value folded;
        for (int64_t j = 0; j < k.kw; ++j) {
          Value x = readRow(ih, blk * k.lanes * k.sw - k.pl + j * k.dw);
          if (!x)
            continue; // all padding
          if (k.combine != Combine::Fma) {
            folded = folded ? combine(folded, x) : x;
            continue;
          }
          for (auto [r, i] : users) {
            Value &a = accs[r * k.blocks + blk];
            a = vector::FMAOp::create(b, loc, x, weights[i * k.kw + j], a);
          }
        }
        if (folded)
          for (auto [r, i] : users) {
            Value &a = accs[r * k.blocks + blk];
            a = combine(a, folded);
          }
      }
    }
    for (int64_t r = 0; r < count; ++r) {
      Value row = r == 0 ? row0 : arith::AddIOp::create(b, loc, row0, idx(r));
      for (int64_t blk = 0; blk < k.blocks; ++blk) {
        Value v = accs[r * k.blocks + blk];
        if (tail)
          v = applyTail(v, {n, c, row, idx(blk * k.lanes)});
        bool inBounds = (blk + 1) * k.lanes <= k.ow;
        t = vector::TransferWriteOp::create(
                b, loc, v, t,
                ValueRange{idx(0), idx(0), row, idx(blk * k.lanes)},
                ArrayRef<bool>{inBounds})
                .getResult();
      }
    }
    return t;
  }

  /// Lane l of the result: input[n, c, ih, col0 + l * sw], the padding
  /// value in the padding. One read of S*L contiguous lanes (masked past
  /// the row's end, which reads the right padding as the padding value)
  /// and, for a stride or a left overhang, a shuffle (with the padding
  /// value for the columns left of the input). Null when every lane is
  /// padding.
  Value readRow(Value ih, int64_t col0) {
    int64_t width = k.lanes * k.sw;
    if (col0 >= k.w || col0 + (k.lanes - 1) * k.sw < 0)
      return {};
    int64_t from = std::max<int64_t>(col0, 0);
    Value pad = arith::ConstantOp::create(b, loc, k.padValue);
    Value wide = vector::TransferReadOp::create(
        b, loc, VectorType::get({width}, et), input,
        ValueRange{n, c, ih, idx(from)}, pad,
        ArrayRef<bool>{from + width <= k.w});
    if (k.sw == 1 && col0 >= 0)
      return wide;
    Value padding = arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(cast<ShapedType>(wide.getType()), k.padValue));
    SmallVector<int64_t> mask;
    for (int64_t l = 0; l < k.lanes; ++l) {
      int64_t col = col0 + l * k.sw - from;
      mask.push_back(col >= 0 ? col : width); // width: padding[0]
    }
    return vector::ShuffleOp::create(b, loc, wide, padding, mask);
  }

  /// The tail's body on vector `v` at output position `at`.
  Value applyTail(Value v, ArrayRef<Value> at) {
    Block *body = tail.getBody();
    IRMapping map;
    for (auto [i, operand] : llvm::enumerate(tail.getDpsInputOperands())) {
      Value x = channelInputs[i];
      if (operand->get() == convResult)
        x = v;
      else if (!x)
        x = vector::TransferReadOp::create(b, loc, vecType, operand->get(), at,
                                           std::nullopt)
                .getResult();
      map.map(body->getArgument(i), x);
    }
    // The init: the convolution (an in-place tail) or not read.
    map.map(body->getArgument(tail.getNumDpsInputs()), v);
    for (Operation &op : body->without_terminator()) {
      auto vectorOf = [&](Type t) { return VectorType::get({k.lanes}, t); };
      if (auto cst = dyn_cast<arith::ConstantOp>(op)) {
        auto attr = DenseElementsAttr::get(vectorOf(cst.getType()),
                                           cast<TypedAttr>(cst.getValue()));
        map.map(cst.getResult(), arith::ConstantOp::create(b, loc, attr));
        continue;
      }
      SmallVector<Value> operands;
      for (Value o : op.getOperands()) {
        Value m = map.lookupOrNull(o);
        // A scalar from outside the body: the same for every lane.
        operands.push_back(
            m ? m
              : vector::BroadcastOp::create(b, loc, vectorOf(o.getType()), o)
                    .getResult());
      }
      OperationState state(loc, op.getName(), operands,
                           {vectorOf(op.getResult(0).getType())},
                           op.getAttrs());
      map.map(op.getResult(0), b.create(state)->getResult(0));
    }
    return map.lookup(body->getTerminator()->getOperand(0));
  }

  RewriterBase &b;
  Location loc;
  const WindowKernel &k;
  FloatType et;
  VectorType vecType;
  Value input, convResult, n, c, init;
  linalg::GenericOp tail;
  SmallVector<Value> weights, channelInputs;
};

/// Rewrites `op`, a `linalg.depthwise_conv_2d_nchw_chw` (its weight
/// [C, KH, KW]) or a `linalg.pooling_nchw_max`/`_sum` (its second input an
/// empty tensor of the window's shape, [KH, KW]), and its fusable tail, as
/// the direct kernel; failure (and no change) where it does not apply.
LogicalResult rewriteWindowOp(RewriterBase &rewriter, linalg::LinalgOp op,
                              unsigned vectorBits) {
  if (!op.hasPureTensorSemantics() || op->getNumResults() != 1)
    return failure();
  bool isConv = isa<linalg::DepthwiseConv2DNchwChwOp>(*op);
  Value weight = isConv ? op.getDpsInputs()[1] : Value();
  // The window's KH x KW are the last two dimensions of either.
  ArrayRef<int64_t> window =
      cast<RankedTensorType>(op.getDpsInputs()[1].getType()).getShape();
  // The named ops' (attributes of the same names on all three).
  auto strides = op->getAttrOfType<DenseIntElementsAttr>("strides");
  auto dilations = op->getAttrOfType<DenseIntElementsAttr>("dilations");
  if (window.size() < 2 || !strides || !dilations)
    return failure();
  Value input = op.getDpsInputs()[0];
  auto inType = cast<RankedTensorType>(input.getType());
  auto outType = cast<RankedTensorType>(op->getResult(0).getType());
  // f32 (or any float) with one element type: mixed precision keeps the
  // generic, which widens.
  auto et = dyn_cast<FloatType>(outType.getElementType());
  if (!et || !inType.hasStaticShape() || !outType.hasStaticShape() ||
      inType.getElementType() != et ||
      (weight && (!cast<RankedTensorType>(weight.getType()).hasStaticShape() ||
                  getElementTypeOrSelf(weight.getType()) != et)))
    return failure();
  // The accumulator starts from a constant fill (zero, or the pooling's
  // identity, from the lowering).
  auto fill = op.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
  if (!fill)
    return failure();
  WindowKernel k;
  k.combine = isConv                               ? Combine::Fma
              : isa<linalg::PoolingNchwMaxOp>(*op) ? Combine::Max
                                                   : Combine::Add;
  // A convolution's padding is zeros, a pooling's its identity (the fill).
  Attribute identity;
  if (weight)
    k.padValue = rewriter.getFloatAttr(et, 0.0);
  else if (matchPattern(fill.getInputs()[0], m_Constant(&identity)))
    k.padValue = dyn_cast<TypedAttr>(identity);
  if (!k.padValue)
    return failure();
  // Padding of the rows and columns (the lowering's tensor.pad) is read by
  // the kernel instead of being copied.
  k.pt = k.pl = 0;
  auto pad = input.getDefiningOp<tensor::PadOp>();
  if (pad && isRowColumnPadding(pad, k.padValue)) {
    k.pt = pad.getStaticLow()[2];
    k.pl = pad.getStaticLow()[3];
    input = pad.getSource();
  } else {
    pad = {};
  }
  auto srcType = cast<RankedTensorType>(input.getType());
  k.n = inType.getDimSize(0);
  k.c = inType.getDimSize(1);
  k.h = srcType.getDimSize(2);
  k.w = srcType.getDimSize(3);
  k.kh = window[window.size() - 2];
  k.kw = window.back();
  k.oh = outType.getDimSize(2);
  k.ow = outType.getDimSize(3);
  k.sh = strides.getValues<int64_t>()[0];
  k.sw = strides.getValues<int64_t>()[1];
  k.dh = dilations.getValues<int64_t>()[0];
  k.dw = dilations.getValues<int64_t>()[1];
  if (k.sw > kMaxStride || k.oh == 0 || k.ow == 0)
    return failure();
  k.lanes = std::max<int64_t>(1, vectorBits / et.getWidth());
  k.blocks = (k.ow + k.lanes - 1) / k.lanes;
  // Accumulators in half the vector registers (32 with AVX-512, 16 with
  // AVX2/NEON); the rest hold the weights and the input rows in flight.
  int64_t budget = vectorBits >= 512 ? 16 : 8;
  k.rowsPerStep = std::clamp<int64_t>(budget / k.blocks, 1, k.oh);

  linalg::GenericOp tail;
  Value result = op->getResult(0);
  if (result.hasOneUse())
    if (auto user = dyn_cast<linalg::GenericOp>(*result.getUsers().begin()))
      if (isFusableTail(user, result))
        tail = user;

  Operation *last = tail ? tail.getOperation() : op.getOperation();
  rewriter.setInsertionPoint(last);
  WindowKernelBuilder builder(rewriter, op.getLoc(), k, et);
  Value kernel =
      builder.build(input, weight, result, fill.getInputs()[0], tail);
  rewriter.replaceOp(last, kernel);
  if (tail)
    rewriter.eraseOp(op);
  if (fill->use_empty())
    rewriter.eraseOp(fill);
  if (pad && pad->use_empty())
    rewriter.eraseOp(pad);
  return success();
}

struct WindowKernelsPass
    : public autoglm::impl::AutoGLMWindowKernelsBase<WindowKernelsPass> {
  using AutoGLMWindowKernelsBase::AutoGLMWindowKernelsBase;

  void runOnOperation() override {
    unsigned bits =
        vectorBits ? unsigned(vectorBits) : autoglm::hostVectorBits();
    SmallVector<linalg::LinalgOp> ops;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (isa<linalg::DepthwiseConv2DNchwChwOp, linalg::PoolingNchwMaxOp,
              linalg::PoolingNchwSumOp>(op))
        ops.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : ops)
      (void)rewriteWindowOp(rewriter, op, bits);
  }
};
} // namespace
