//===- DepthwiseConvKernels.cpp - direct depthwise convolutions -----------===//
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
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CPU/Passes.h"

#include "ContractionTiles.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMDEPTHWISECONVKERNELS
#include "autoglm/Target/CPU/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;

namespace {
/// The largest stride read as one wide vector and shuffled; larger strides
/// keep the generic loop nest.
constexpr int64_t kMaxStride = 4;

/// Whether `tail`, the single user of the convolution `conv`, is an
/// elementwise update of it that the kernel can apply to its vectors:
/// all-parallel, the convolution as its only init (identity map), inputs
/// read at the same position (identity) or per image/channel (a projection
/// onto d0/d1), and a body of elementwise-mappable scalar ops.
bool isFusableTail(linalg::GenericOp tail, Value conv) {
  if (!tail.hasPureTensorSemantics() || tail.getNumDpsInits() != 1 ||
      tail.getDpsInits()[0] != conv || tail.getNumResults() != 1 ||
      tail.getResult(0).getType() != conv.getType() ||
      tail.getNumParallelLoops() != tail.getNumLoops() ||
      tail.getNumLoops() != 4)
    return false;
  for (OpOperand &operand : tail->getOpOperands()) {
    AffineMap map = tail.getMatchingIndexingMap(&operand);
    if (map.isIdentity())
      continue;
    auto t = dyn_cast<RankedTensorType>(operand.get().getType());
    if (!t || !t.hasStaticShape() || !map.isProjectedPermutation())
      return false;
    for (AffineExpr e : map.getResults())
      if (cast<AffineDimExpr>(e).getPosition() > 1)
        return false;
  }
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

/// The shape of one depthwise convolution and its kernel's blocking.
struct DepthwiseKernel {
  int64_t n, c, ih, iw, oh, ow, kh, kw, sh, sw, dh, dw;
  int64_t lanes;       // L
  int64_t rowsPerStep; // R
  int64_t blocks;      // B = ceil(OW / L)
};

class DepthwiseKernelBuilder {
public:
  DepthwiseKernelBuilder(RewriterBase &rewriter, Location loc,
                         const DepthwiseKernel &k, FloatType et)
      : b(rewriter), loc(loc), k(k), et(et),
        vecType(VectorType::get({k.lanes}, et)) {}

  /// Builds the kernel for `conv` (input, weight, init fill value) with
  /// `tail` (may be null) applied; returns the result tensor.
  Value build(linalg::DepthwiseConv2DNchwChwOp conv, Value initValue,
              linalg::GenericOp tail) {
    auto outType = cast<RankedTensorType>(conv.getResult(0).getType());
    Value input = conv.getInputs()[0], weight = conv.getInputs()[1];
    Value empty = tensor::EmptyOp::create(b, loc, outType.getShape(), et);
    auto forall = scf::ForallOp::create(
        b, loc, getAsIndexOpFoldResult(b.getContext(), {k.n, k.c}),
        ValueRange{empty}, std::nullopt);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(forall.getBody());
    Value n = forall.getInductionVar(0), c = forall.getInductionVar(1);
    Value shared = forall.getRegionIterArgs()[0];
    SmallVector<OpFoldResult> offsets = {n, c, b.getIndexAttr(0),
                                         b.getIndexAttr(0)};
    SmallVector<OpFoldResult> sizes = getAsIndexOpFoldResult(
        b.getContext(), {1, 1, k.oh, k.ow});
    SmallVector<OpFoldResult> unit(4, b.getIndexAttr(1));
    Value slice =
        tensor::ExtractSliceOp::create(b, loc, shared, offsets, sizes, unit);

    // Per channel: the broadcast weights and the tail's per-channel inputs.
    SmallVector<Value> weights;
    for (int64_t i = 0; i < k.kh; ++i)
      for (int64_t j = 0; j < k.kw; ++j) {
        Value w = tensor::ExtractOp::create(b, loc, weight,
                                            ValueRange{c, idx(i), idx(j)});
        weights.push_back(vector::BroadcastOp::create(b, loc, vecType, w));
      }
    Value init = vector::BroadcastOp::create(b, loc, vecType, initValue);
    SmallVector<Value> channelInputs; // null for same-shape inputs
    if (tail)
      for (OpOperand *operand : tail.getDpsInputOperands()) {
        AffineMap map = tail.getMatchingIndexingMap(operand);
        if (map.isIdentity()) {
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

    auto loop = scf::ForOp::create(b, loc, idx(0), idx(k.oh),
                                   idx(k.rowsPerStep), ValueRange{slice});
    b.setInsertionPointToStart(loop.getBody());
    Value oh0 = loop.getInductionVar();
    Value acc = loop.getRegionIterArgs()[0];
    SmallVector<Value> rows; // oh0 + r
    for (int64_t r = 0; r < k.rowsPerStep; ++r)
      rows.push_back(r == 0 ? oh0 : arith::AddIOp::create(b, loc, oh0, idx(r)));
    SmallVector<Value> accs(k.rowsPerStep * k.blocks, init);
    for (int64_t i = 0; i < k.kh; ++i)
      for (int64_t r = 0; r < k.rowsPerStep; ++r) {
        // (oh0 + r) * sh + i * dh
        Value ihv = arith::AddIOp::create(
            b, loc, arith::MulIOp::create(b, loc, rows[r], idx(k.sh)),
            idx(i * k.dh));
        for (int64_t j = 0; j < k.kw; ++j)
          for (int64_t blk = 0; blk < k.blocks; ++blk) {
            Value x = readRow(input, n, c, ihv, blk * k.lanes * k.sw + j * k.dw);
            Value &a = accs[r * k.blocks + blk];
            a = vector::FMAOp::create(b, loc, x, weights[i * k.kw + j], a);
          }
      }
    for (int64_t r = 0; r < k.rowsPerStep; ++r)
      for (int64_t blk = 0; blk < k.blocks; ++blk) {
        Value v = accs[r * k.blocks + blk];
        SmallVector<Value> at = {n, c, rows[r], idx(blk * k.lanes)};
        if (tail)
          v = applyTail(tail, v, channelInputs, at);
        bool inBounds = (blk + 1) * k.lanes <= k.ow;
        acc = vector::TransferWriteOp::create(
                  b, loc, v, acc,
                  ValueRange{idx(0), idx(0), rows[r], idx(blk * k.lanes)},
                  ArrayRef<bool>{inBounds})
                  .getResult();
      }
    scf::YieldOp::create(b, loc, acc);

    b.setInsertionPointToStart(forall.getTerminator().getBody());
    tensor::ParallelInsertSliceOp::create(b, loc, loop.getResult(0), shared,
                                          offsets, sizes, unit);
    forall->setAttr("autoglm.kernel", b.getStringAttr("depthwise"));
    return forall.getResult(0);
  }

private:
  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }

  /// L lanes of input row `ih` from column `col0` with the stride: one read
  /// (masked past the row's end) and, for a stride S > 1, a shuffle of S*L
  /// contiguous lanes down to every S-th.
  Value readRow(Value input, Value n, Value c, Value ih, int64_t col0) {
    int64_t width = k.lanes * k.sw;
    bool inBounds = col0 + width <= k.iw;
    Value pad = arith::ConstantOp::create(b, loc, b.getFloatAttr(et, 0.0));
    Value wide = vector::TransferReadOp::create(
        b, loc, VectorType::get({width}, et), input,
        ValueRange{n, c, ih, idx(col0)}, pad, ArrayRef<bool>{inBounds});
    if (k.sw == 1)
      return wide;
    SmallVector<int64_t> mask;
    for (int64_t l = 0; l < k.lanes; ++l)
      mask.push_back(l * k.sw);
    return vector::ShuffleOp::create(b, loc, wide, wide, mask);
  }

  /// The tail's body on vector `v` at output position `at`.
  Value applyTail(linalg::GenericOp tail, Value v, ArrayRef<Value> channel,
                  ArrayRef<Value> at) {
    Block *body = tail.getBody();
    IRMapping map;
    for (auto [i, operand] : llvm::enumerate(tail.getDpsInputOperands())) {
      Value x = channel[i];
      if (!x)
        x = vector::TransferReadOp::create(b, loc, vecType, operand->get(), at,
                                           std::nullopt)
                .getResult();
      map.map(body->getArgument(i), x);
    }
    map.map(body->getArgument(tail.getNumDpsInputs()), v);
    for (Operation &op : body->without_terminator()) {
      auto vectorOf = [&](Type t) { return VectorType::get({k.lanes}, t); };
      if (auto cst = dyn_cast<arith::ConstantOp>(op)) {
        auto attr = DenseElementsAttr::get(
            vectorOf(cst.getType()), cast<TypedAttr>(cst.getValue()));
        map.map(cst.getResult(), arith::ConstantOp::create(b, loc, attr));
        continue;
      }
      SmallVector<Value> operands;
      for (Value o : op.getOperands()) {
        Value m = map.lookupOrNull(o);
        // A scalar from outside the body: the same for every lane.
        operands.push_back(m ? m
                             : vector::BroadcastOp::create(
                                   b, loc, vectorOf(o.getType()), o)
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
  const DepthwiseKernel &k;
  FloatType et;
  VectorType vecType;
};

/// Rewrites `conv` (and its fusable tail) as the direct kernel; failure
/// (and no change) where it does not apply.
LogicalResult rewriteDepthwise(RewriterBase &rewriter,
                               linalg::DepthwiseConv2DNchwChwOp conv,
                               unsigned vectorBits) {
  if (!conv.hasPureTensorSemantics())
    return failure();
  auto inType = cast<RankedTensorType>(conv.getInputs()[0].getType());
  auto wType = cast<RankedTensorType>(conv.getInputs()[1].getType());
  auto outType = cast<RankedTensorType>(conv.getResult(0).getType());
  // f32 (or any float) with one element type: mixed precision keeps the
  // generic, which widens.
  auto et = dyn_cast<FloatType>(outType.getElementType());
  if (!et || !inType.hasStaticShape() || !wType.hasStaticShape() ||
      !outType.hasStaticShape() || inType.getElementType() != et ||
      wType.getElementType() != et)
    return failure();
  // The accumulator starts from a constant fill (zero, from the lowering).
  auto fill = conv.getOutputs()[0].getDefiningOp<linalg::FillOp>();
  if (!fill)
    return failure();
  SmallVector<int64_t> strides(conv.getStrides().getValues<int64_t>());
  SmallVector<int64_t> dilations(conv.getDilations().getValues<int64_t>());
  DepthwiseKernel k;
  k.n = inType.getDimSize(0);
  k.c = inType.getDimSize(1);
  k.ih = inType.getDimSize(2);
  k.iw = inType.getDimSize(3);
  k.kh = wType.getDimSize(1);
  k.kw = wType.getDimSize(2);
  k.oh = outType.getDimSize(2);
  k.ow = outType.getDimSize(3);
  k.sh = strides[0];
  k.sw = strides[1];
  k.dh = dilations[0];
  k.dw = dilations[1];
  if (k.sw > kMaxStride || k.oh == 0 || k.ow == 0)
    return failure();
  k.lanes = std::max<int64_t>(1, vectorBits / et.getWidth());
  k.blocks = llvm::divideCeil(k.ow, k.lanes);
  // Accumulators in about half the vector registers (32 with AVX-512, 16
  // with AVX2/NEON): the rest hold the input rows and the weights.
  int64_t budget = vectorBits >= 512 ? 16 : 8;
  k.rowsPerStep = 1;
  for (int64_t r = std::max<int64_t>(1, budget / k.blocks); r > 1; --r)
    if (k.oh % r == 0) {
      k.rowsPerStep = r;
      break;
    }

  linalg::GenericOp tail;
  Value convResult = conv.getResult(0);
  if (convResult.hasOneUse())
    if (auto user =
            dyn_cast<linalg::GenericOp>(*convResult.getUsers().begin()))
      if (isFusableTail(user, convResult))
        tail = user;

  Operation *last = tail ? tail.getOperation() : conv.getOperation();
  rewriter.setInsertionPoint(last);
  DepthwiseKernelBuilder builder(rewriter, conv.getLoc(), k, et);
  Value result = builder.build(conv, fill.getInputs()[0], tail);
  rewriter.replaceOp(last, result);
  if (tail)
    rewriter.eraseOp(conv);
  if (fill->use_empty())
    rewriter.eraseOp(fill);
  return success();
}

struct DepthwiseConvKernelsPass
    : public autoglm::impl::AutoGLMDepthwiseConvKernelsBase<
          DepthwiseConvKernelsPass> {
  using AutoGLMDepthwiseConvKernelsBase::AutoGLMDepthwiseConvKernelsBase;

  void runOnOperation() override {
    unsigned bits =
        vectorBits ? unsigned(vectorBits) : autoglm::hostVectorBits();
    SmallVector<linalg::DepthwiseConv2DNchwChwOp> convs;
    getOperation().walk(
        [&](linalg::DepthwiseConv2DNchwChwOp conv) { convs.push_back(conv); });
    IRRewriter rewriter(&getContext());
    for (linalg::DepthwiseConv2DNchwChwOp conv : convs)
      (void)rewriteDepthwise(rewriter, conv, bits);
  }
};
} // namespace
