//===- Constants.cpp - constant, shape_of, fill, range to arith / linalg --===//
//
// The ops that make a tensor from attributes and scalars. constant, shape_of:
//   arith.constant (uiN payloads re-typed to iN, resources kept as
//   resources). fill: linalg.fill. range: an index generic.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::lowering;

namespace {
/// `attr` with its element type made signless (ui8 payloads are i8 bits).
ElementsAttr signlessAttr(ElementsAttr attr) {
  auto type = cast<RankedTensorType>(attr.getType());
  RankedTensorType newType = signlessTensor(type);
  if (newType == type)
    return attr;
  if (auto dense = dyn_cast<DenseElementsAttr>(attr))
    return dense.bitcast(newType.getElementType());
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr))
    return DenseResourceElementsAttr::get(newType, resource.getRawHandle());
  return {};
}

struct ConstantLowering : OpConversionPattern<ConstantOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ConstantOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ElementsAttr value = signlessAttr(op.getValue());
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, cast<TypedAttr>(value));
    return success();
  }
};

struct ShapeOfLowering : OpConversionPattern<ShapeOfOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ShapeOfOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto t = cast<RankedTensorType>(op.getInput().getType());
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(
        op, DenseIntElementsAttr::get(cast<RankedTensorType>(op.getType()),
                                      t.getShape()));
    return success();
  }
};

struct FillLowering : OpConversionPattern<FillOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(FillOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto rt = signlessTensor(op.getType());
    Type et = rt.getElementType();
    TypedAttr value = cast<TypedAttr>(op.getValue());
    if (auto i = dyn_cast<IntegerAttr>(value))
      value = IntegerAttr::get(et, i.getValue());
    else if (auto f = dyn_cast<FloatAttr>(value); f && isa<IntegerType>(et))
      value = IntegerAttr::get(et, f.getValue().bitcastToAPInt()); // float8
    else if (auto f = dyn_cast<FloatAttr>(value); f && f.getType() != et)
      value = FloatAttr::get(et, f.getValueAsDouble());
    Value scalar = arith::ConstantOp::create(rewriter, op.getLoc(), value);
    rewriter.replaceOp(
        op, filledTensor(rewriter, op.getLoc(), rt.getShape(), scalar));
    return success();
  }
};

struct RangeLowering : OpConversionPattern<RangeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(RangeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto rt = signlessTensor(op.getType());
    Type et = rt.getElementType();
    Value start = tensor::ExtractOp::create(rewriter, loc, adaptor.getStart(),
                                            ValueRange{});
    Value delta = tensor::ExtractOp::create(rewriter, loc, adaptor.getDelta(),
                                            ValueRange{});
    Value r = buildIndexed(
        rewriter, loc, rt, {}, {},
        [&](OpBuilder &b, Location l, ArrayRef<Value> idx, ValueRange) {
          Value i = arith::IndexCastOp::create(b, l, b.getI64Type(), idx[0]);
          Value v = castScalar(b, l, i, b.getI64Type(), et);
          return addScalar(b, l, start, mulScalar(b, l, v, delta));
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};
} // namespace

LogicalResult lowering::checkConstantSupported(Operation *op) {
  if (auto c = dyn_cast<ConstantOp>(op)) {
    ElementsAttr v = c.getValue();
    if (!isa<DenseElementsAttr, DenseResourceElementsAttr>(v))
      return c.emitError(
          "constant lowering supports dense and dense_resource values");
    return success();
  }
  return success();
}

void lowering::populateConstantPatterns(TypeConverter &converter,
                                        RewritePatternSet &patterns) {
  patterns.add<ConstantLowering, ShapeOfLowering, FillLowering, RangeLowering>(
      converter, patterns.getContext());
}
