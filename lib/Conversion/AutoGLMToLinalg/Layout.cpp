//===- Layout.cpp - reshape, transpose, slices, pad to tensor / linalg ----===//
//
// reshape: collapse_shape / expand_shape. transpose: linalg.transpose.
// concat / split / slice (positive steps): tensor.insert_slice /
//   extract_slice; negative steps: a gather generic.
// pad: tensor.pad for constant mode (negative pads crop first), a gather
//   generic for reflect / edge / wrap.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::lowering;

namespace {
struct ReshapeLowering : OpConversionPattern<ReshapeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ReshapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, reshapeTo(rewriter, op.getLoc(), adaptor.getInput(),
                                     signlessTensor(op.getType()).getShape()));
    return success();
  }
};

struct TransposeLowering : OpConversionPattern<TransposeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(TransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto rt = signlessTensor(op.getType());
    Value init =
        emptyTensor(rewriter, op.getLoc(), rt.getShape(), rt.getElementType());
    rewriter.replaceOp(op, linalg::TransposeOp::create(rewriter, op.getLoc(),
                                                       adaptor.getInput(), init,
                                                       op.getPermutation())
                               .getResult()[0]);
    return success();
  }
};

SmallVector<OpFoldResult> indexAttrs(OpBuilder &b, ArrayRef<int64_t> xs) {
  SmallVector<OpFoldResult> r;
  for (int64_t x : xs)
    r.push_back(b.getIndexAttr(x));
  return r;
}

struct ConcatLowering : OpConversionPattern<ConcatOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ConcatOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto rt = signlessTensor(op.getType());
    int64_t axis = op.getAxis();
    Value r = emptyTensor(rewriter, loc, rt.getShape(), rt.getElementType());
    SmallVector<int64_t> offsets(rt.getRank(), 0), ones(rt.getRank(), 1);
    for (Value in : adaptor.getInputs()) {
      auto t = cast<RankedTensorType>(in.getType());
      // An empty operand adds nothing (and may sit at the axis' end, an
      // offset insert_slice's verifier rejects).
      if (t.hasStaticShape() && t.getNumElements() == 0)
        continue;
      r = tensor::InsertSliceOp::create(
          rewriter, loc, in, r, indexAttrs(rewriter, offsets),
          indexAttrs(rewriter, t.getShape()), indexAttrs(rewriter, ones));
      offsets[axis] += t.getDimSize(axis);
    }
    rewriter.replaceOp(op, r);
    return success();
  }
};

struct SplitLowering : OpConversionPattern<SplitOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(SplitOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    int64_t axis = op.getAxis();
    auto it = cast<RankedTensorType>(adaptor.getInput().getType());
    SmallVector<int64_t> offsets(it.getRank(), 0), ones(it.getRank(), 1);
    SmallVector<Value> results;
    for (Value res : op.getResults()) {
      auto t = signlessTensor(res.getType());
      // An empty piece (e.g. the unrotated rest of a RotaryEmbedding over
      // the whole head) starts at the axis' end, an offset extract_slice's
      // verifier rejects; it has no elements to read anyway.
      if (t.hasStaticShape() && t.getNumElements() == 0) {
        results.push_back(
            emptyTensor(rewriter, loc, t.getShape(), t.getElementType()));
        continue;
      }
      results.push_back(tensor::ExtractSliceOp::create(
          rewriter, loc, t, adaptor.getInput(), indexAttrs(rewriter, offsets),
          indexAttrs(rewriter, t.getShape()), indexAttrs(rewriter, ones)));
      offsets[axis] += t.getDimSize(axis);
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

struct SliceLowering : OpConversionPattern<SliceOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(SliceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto rt = signlessTensor(op.getType());
    ArrayRef<int64_t> starts = op.getStarts(), steps = op.getSteps();
    Value input = adaptor.getInput();
    // An empty slice may start at its axis' end (ONNX clamps starts to the
    // dimension), an offset extract_slice's verifier rejects; it has no
    // elements to read anyway.
    if (rt.hasStaticShape() && rt.getNumElements() == 0) {
      rewriter.replaceOp(
          op, emptyTensor(rewriter, loc, rt.getShape(), rt.getElementType()));
      return success();
    }
    if (llvm::all_of(steps, [](int64_t s) { return s > 0; })) {
      rewriter.replaceOpWithNewOp<tensor::ExtractSliceOp>(
          op, rt, input, indexAttrs(rewriter, starts),
          indexAttrs(rewriter, rt.getShape()), indexAttrs(rewriter, steps));
      return success();
    }
    // Backward steps: read input[start + i * step] directly.
    Value r = buildIndexed(
        rewriter, loc, rt, {}, {},
        [&](OpBuilder &b, Location l, ArrayRef<Value> idx, ValueRange) {
          SmallVector<Value> src;
          for (auto [i, x] : llvm::enumerate(idx)) {
            Value off =
                arith::MulIOp::create(b, l, x, indexConst(b, l, steps[i]));
            src.push_back(
                arith::AddIOp::create(b, l, off, indexConst(b, l, starts[i])));
          }
          return Value(tensor::ExtractOp::create(b, l, input, src));
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};

struct PadLowering : OpConversionPattern<PadOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(PadOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    auto rt = signlessTensor(op.getType());
    Type et = rt.getElementType();
    Value input = adaptor.getInput();
    auto it = cast<RankedTensorType>(input.getType());
    int64_t rank = it.getRank();
    ArrayRef<int64_t> pads = op.getPads();
    if (op.getMode() == PadMode::constant) {
      // Crop the negative pads, then pad the positive ones.
      SmallVector<int64_t> offsets, sizes, low, high, ones(rank, 1);
      for (int64_t i = 0; i < rank; ++i) {
        int64_t lo = pads[i], hi = pads[rank + i];
        offsets.push_back(std::max<int64_t>(-lo, 0));
        sizes.push_back(it.getDimSize(i) - std::max<int64_t>(-lo, 0) -
                        std::max<int64_t>(-hi, 0));
        low.push_back(std::max<int64_t>(lo, 0));
        high.push_back(std::max<int64_t>(hi, 0));
      }
      if (ArrayRef<int64_t>(sizes) != it.getShape())
        input = tensor::ExtractSliceOp::create(
            b, loc, RankedTensorType::get(sizes, et), input,
            indexAttrs(b, offsets), indexAttrs(b, sizes), indexAttrs(b, ones));
      double v = op.getValue().convertToDouble();
      rewriter.replaceOp(
          op, padConstant(b, loc, input, low, high, numConst(b, loc, et, v)));
      return success();
    }
    // reflect / edge / wrap: each output position reads a mapped input one.
    PadMode mode = op.getMode();
    Value r = buildIndexed(
        b, loc, rt, {}, {},
        [&](OpBuilder &nb, Location l, ArrayRef<Value> idx, ValueRange) {
          SmallVector<Value> src;
          for (int64_t i = 0; i < rank; ++i) {
            int64_t size = it.getDimSize(i);
            Value p = arith::SubIOp::create(nb, l, idx[i],
                                            indexConst(nb, l, pads[i]));
            Value zero = indexConst(nb, l, 0),
                  last = indexConst(nb, l, size - 1);
            Value s;
            if (mode == PadMode::edge) {
              s = arith::MaxSIOp::create(
                  nb, l, arith::MinSIOp::create(nb, l, p, last), zero);
            } else if (mode == PadMode::wrap) {
              Value n = indexConst(nb, l, size);
              s = arith::RemSIOp::create(
                  nb, l,
                  arith::AddIOp::create(nb, l,
                                        arith::RemSIOp::create(nb, l, p, n), n),
                  n);
            } else {
              // reflect (edge not repeated), periodic with period 2 (size - 1)
              int64_t period = std::max<int64_t>(2 * (size - 1), 1);
              Value per = indexConst(nb, l, period);
              Value m = arith::RemSIOp::create(
                  nb, l,
                  arith::AddIOp::create(
                      nb, l, arith::RemSIOp::create(nb, l, p, per), per),
                  per);
              Value mirrored = arith::SubIOp::create(nb, l, per, m);
              s = arith::MinSIOp::create(nb, l, m, mirrored);
              if (size == 1)
                s = zero;
            }
            src.push_back(s);
          }
          return Value(tensor::ExtractOp::create(nb, l, input, src));
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};
} // namespace

void lowering::populateLayoutPatterns(TypeConverter &converter,
                                      RewritePatternSet &patterns) {
  patterns.add<ReshapeLowering, TransposeLowering, ConcatLowering,
               SplitLowering, SliceLowering, PadLowering>(
      converter, patterns.getContext());
}
