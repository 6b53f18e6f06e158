//===- Gather.cpp - index-driven copies and top-k to linalg.generic -------===//
//
// The ops whose every output element is an input element picked by index.
// gather / gather_elements: generics that tensor.extract at the (negative-
//   index-corrected, kept inside the tensor) position. expand: broadcasting
//   copy; tile: a generic reading `i mod size`. trilu: an index generic keeping
//   one side of a diagonal. topk: ranks by counting (buildRanks), then a
//   generic that picks the element of each rank; O(n^2) along the axis.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::lowering;

namespace {
/// An index read from an i32/i64 element: made `index`, negatives counted
/// from the end of a dimension of `size`. An index outside [-size, size)
/// becomes 0, so that the read stays inside the tensor: ONNX leaves such an
/// index undefined (ONNX Runtime refuses the input), and the runtime refuses
/// a model input out of range before the run (the descriptor's index
/// checks); what is left are indices the model computes itself, which must
/// not read past the table whatever they are.
Value normalizeIndex(OpBuilder &b, Location loc, Value i, int64_t size) {
  Value idx = arith::IndexCastOp::create(b, loc, b.getIndexType(), i);
  Value zero = indexConst(b, loc, 0);
  Value neg =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, idx, zero);
  Value wrapped = arith::AddIOp::create(b, loc, idx, indexConst(b, loc, size));
  Value normalized = arith::SelectOp::create(b, loc, neg, wrapped, idx);
  // One unsigned comparison: a negative `normalized` is a huge unsigned.
  Value inside = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                       normalized, indexConst(b, loc, size));
  return arith::SelectOp::create(b, loc, inside, normalized, zero);
}

struct GatherLowering : OpConversionPattern<GatherOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(GatherOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    MLIRContext *ctx = rewriter.getContext();
    auto rt = signlessTensor(op.getType());
    auto dt = cast<RankedTensorType>(adaptor.getData().getType());
    auto idxT = cast<RankedTensorType>(adaptor.getIndices().getType());
    int64_t axis = op.getAxis(), ir = idxT.getRank();
    unsigned rank = rt.getRank();
    SmallVector<AffineExpr> idxExprs;
    for (int64_t i = 0; i < ir; ++i)
      idxExprs.push_back(getAffineDimExpr(axis + i, ctx));
    Value data = adaptor.getData();
    Value r = buildIndexed(
        rewriter, op.getLoc(), rt, adaptor.getIndices(),
        {AffineMap::get(rank, 0, idxExprs, ctx)},
        [&](OpBuilder &b, Location l, ArrayRef<Value> idx, ValueRange a) {
          SmallVector<Value> src(idx.take_front(axis));
          src.push_back(normalizeIndex(b, l, a[0], dt.getDimSize(axis)));
          src.append(idx.begin() + axis + ir, idx.end());
          return Value(tensor::ExtractOp::create(b, l, data, src));
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};

struct GatherElementsLowering : OpConversionPattern<GatherElementsOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(GatherElementsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto rt = signlessTensor(op.getType());
    auto dt = cast<RankedTensorType>(adaptor.getData().getType());
    int64_t axis = op.getAxis();
    Value data = adaptor.getData();
    Value r = buildIndexed(
        rewriter, op.getLoc(), rt, adaptor.getIndices(),
        {AffineMap::getMultiDimIdentityMap(rt.getRank(),
                                           rewriter.getContext())},
        [&](OpBuilder &b, Location l, ArrayRef<Value> idx, ValueRange a) {
          SmallVector<Value> src(idx);
          src[axis] = normalizeIndex(b, l, a[0], dt.getDimSize(axis));
          return Value(tensor::ExtractOp::create(b, l, data, src));
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};

struct ExpandLowering : OpConversionPattern<ExpandOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ExpandOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, buildElementwise(rewriter, op.getLoc(),
                                            signlessTensor(op.getType()),
                                            adaptor.getInput(),
                                            [](OpBuilder &, Location,
                                               ValueRange a) { return a[0]; }));
    return success();
  }
};

struct TileLowering : OpConversionPattern<TileOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(TileOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    MLIRContext *ctx = rewriter.getContext();
    auto rt = signlessTensor(op.getType());
    auto it = cast<RankedTensorType>(adaptor.getInput().getType());
    unsigned rank = rt.getRank();
    SmallVector<AffineExpr> exprs;
    for (unsigned i = 0; i < rank; ++i)
      exprs.push_back(getAffineDimExpr(i, ctx) % it.getDimSize(i));
    Value r = buildGeneric(
        rewriter, op.getLoc(), adaptor.getInput(),
        emptyTensor(rewriter, op.getLoc(), rt.getShape(), rt.getElementType()),
        {AffineMap::get(rank, 0, exprs, ctx),
         AffineMap::getMultiDimIdentityMap(rank, ctx)},
        parallelIterators(rank), [](OpBuilder &, Location, ValueRange a) {
          return SmallVector<Value>{a[0]};
        })[0];
    rewriter.replaceOp(op, r);
    return success();
  }
};

struct TriluLowering : OpConversionPattern<TriluOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(TriluOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto rt = signlessTensor(op.getType());
    unsigned rank = rt.getRank();
    int64_t diagonal = op.getDiagonal();
    bool upper = op.getUpper();
    Value r = buildIndexed(
        rewriter, loc, rt, adaptor.getInput(),
        {AffineMap::getMultiDimIdentityMap(rank, rewriter.getContext())},
        [&](OpBuilder &b, Location l, ArrayRef<Value> idx, ValueRange a) {
          // keep where j - i >= diagonal (upper) or j - i <= diagonal (lower)
          Value i =
              arith::IndexCastOp::create(b, l, b.getI64Type(), idx[rank - 2]);
          Value j =
              arith::IndexCastOp::create(b, l, b.getI64Type(), idx[rank - 1]);
          Value d = arith::SubIOp::create(b, l, j, i);
          Value keep = arith::CmpIOp::create(
              b, l,
              upper ? arith::CmpIPredicate::sge : arith::CmpIPredicate::sle, d,
              intConst(b, l, b.getI64Type(), diagonal));
          return Value(arith::SelectOp::create(
              b, l, keep, a[0], numConst(b, l, rt.getElementType(), 0)));
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};

struct TopKLowering : OpConversionPattern<TopKOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(TopKOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    MLIRContext *ctx = b.getContext();
    Value x = adaptor.getInput();
    auto it = cast<RankedTensorType>(x.getType());
    Type et = it.getElementType();
    bool isUnsigned =
        isUnsignedLike(getElementTypeOrSelf(op.getInput().getType()));
    int64_t axis = op.getAxis();
    unsigned rank = it.getRank();
    Value ranks = buildRanks(b, loc, x, axis, op.getSmallest(), isUnsigned);
    // values[..., r, ...] = the x whose rank is r (exactly one per lane).
    auto vt = signlessTensor(op.getValues().getType());
    SmallVector<AffineExpr> exprs;
    for (unsigned i = 0; i < rank; ++i)
      exprs.push_back(getAffineDimExpr(i == axis ? rank : i, ctx));
    AffineMap in = AffineMap::get(rank + 1, 0, exprs, ctx);
    AffineMap out =
        AffineMap::getMultiDimIdentityMap(rank + 1, ctx).dropResult(rank);
    SmallVector<utils::IteratorType> iterators = parallelIterators(rank);
    iterators.push_back(utils::IteratorType::reduction);
    Type i64 = b.getI64Type();
    ValueRange results = buildGeneric(
        b, loc, {x, ranks},
        {filledTensor(b, loc, vt.getShape(), numConst(b, loc, et, 0)),
         filledTensor(b, loc, vt.getShape(), intConst(b, loc, i64, 0))},
        {in, in, out, out}, iterators,
        [&](OpBuilder &nb, Location l, ValueRange a) {
          Value r = arith::IndexCastOp::create(
              nb, l, i64, linalg::IndexOp::create(nb, l, axis));
          Value j = arith::IndexCastOp::create(
              nb, l, i64, linalg::IndexOp::create(nb, l, rank));
          Value hit =
              arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq, a[1], r);
          return SmallVector<Value>{
              arith::SelectOp::create(nb, l, hit, a[0], a[2]),
              arith::SelectOp::create(nb, l, hit, j, a[3])};
        });
    rewriter.replaceOp(op, results);
    return success();
  }
};
} // namespace

void lowering::populateGatherPatterns(TypeConverter &converter,
                                      RewritePatternSet &patterns) {
  patterns.add<GatherLowering, GatherElementsLowering, ExpandLowering,
               TileLowering, TriluLowering, TopKLowering>(
      converter, patterns.getContext());
}
