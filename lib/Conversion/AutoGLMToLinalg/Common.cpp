//===- Common.cpp - shared helpers of --autoglm-lower-to-linalg -----------===//

#include "Common.h"
#include "Float8.h"

#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"

#include <limits>

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::lowering;

//===----------------------------------------------------------------------===//
// Types
//===----------------------------------------------------------------------===//

/// int4, uint4, int2, uint2: stored one a byte, sign- or zero-extended.
static bool isSubByteInteger(Type t) {
  auto i = dyn_cast<IntegerType>(t);
  return i && i.getWidth() > 1 && i.getWidth() < 8;
}

Type lowering::signless(Type t) {
  if (float8Format(t)) // stored as its bits (Float8.h)
    return IntegerType::get(t.getContext(), 8);
  if (isSubByteInteger(t))
    return IntegerType::get(t.getContext(), 8);
  if (auto q = dyn_cast<quant::QuantizedType>(t))
    return q.getStorageType();
  if (auto i = dyn_cast<IntegerType>(t); i && !i.isSignless())
    return IntegerType::get(t.getContext(), i.getWidth());
  return t;
}

bool lowering::isUnsignedLike(Type t) {
  if (auto q = dyn_cast<quant::QuantizedType>(t))
    return !q.isSigned();
  auto i = dyn_cast<IntegerType>(t);
  return i && (i.isUnsigned() || i.getWidth() == 1);
}

RankedTensorType lowering::signlessTensor(Type type) {
  auto t = cast<RankedTensorType>(type);
  return RankedTensorType::get(t.getShape(), signless(t.getElementType()));
}

AutoGLMTypeConverter::AutoGLMTypeConverter(MLIRContext *ctx) {
  // Callbacks run most recent first.
  addConversion([](Type t) { return t; });
  addConversion([](IntegerType t) { return signless(t); });
  addConversion([](quant::QuantizedType t) { return signless(t); });
  addConversion([](FloatType t) { return signless(t); });
  addConversion([](RankedTensorType t) -> Type {
    return RankedTensorType::get(t.getShape(), signless(t.getElementType()));
  });
  (void)ctx;
}

//===----------------------------------------------------------------------===//
// Scalars
//===----------------------------------------------------------------------===//

Value lowering::floatConst(OpBuilder &b, Location loc, Type type,
                           double value) {
  return arith::ConstantOp::create(b, loc, b.getFloatAttr(type, value));
}
Value lowering::intConst(OpBuilder &b, Location loc, Type type, int64_t value) {
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(type, value));
}
Value lowering::indexConst(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}
Value lowering::numConst(OpBuilder &b, Location loc, Type type, double value) {
  if (isa<FloatType>(type))
    return floatConst(b, loc, type, value);
  return intConst(b, loc, type, static_cast<int64_t>(value));
}

Value lowering::lowestValue(OpBuilder &b, Location loc, Type type,
                            bool isUnsigned) {
  if (auto f = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(
        b, loc,
        b.getFloatAttr(f, APFloat::getInf(f.getFloatSemantics(), true)));
  unsigned w = type.getIntOrFloatBitWidth();
  APInt v = isUnsigned ? APInt::getMinValue(w) : APInt::getSignedMinValue(w);
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(type, v));
}

Value lowering::highestValue(OpBuilder &b, Location loc, Type type,
                             bool isUnsigned) {
  if (auto f = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(
        b, loc,
        b.getFloatAttr(f, APFloat::getInf(f.getFloatSemantics(), false)));
  unsigned w = type.getIntOrFloatBitWidth();
  APInt v = isUnsigned ? APInt::getMaxValue(w) : APInt::getSignedMaxValue(w);
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(type, v));
}

Value lowering::castScalar(OpBuilder &b, Location loc, Value v, Type from,
                           Type to) {
  // float8 (stored as i8, its bits): through f32, which holds every float8
  // value exactly; to float8 saturates (Float8.h).
  std::optional<Float8Format> from8 = float8Format(from),
                              to8 = float8Format(to);
  if (from8 || to8) {
    if (from == to)
      return v;
    Type f32 = b.getF32Type();
    Value wide = from8 ? float8ToF32(b, loc, v, *from8) : v;
    Type wideType = from8 ? f32 : from;
    if (!to8)
      return castScalar(b, loc, wide, wideType, to);
    return f32ToFloat8(b, loc, castScalar(b, loc, wide, wideType, f32), *to8);
  }
  // To int4, uint4, int2, uint2 (stored one a byte): the value modulo
  // 2^width, as ONNX's reference (ml_dtypes) converts, through i32 (floats
  // truncated toward zero), then extended to its byte.
  if (isSubByteInteger(to)) {
    if (from == to)
      return v;
    auto narrow = cast<IntegerType>(to);
    Value wide = castScalar(b, loc, v, from, b.getI32Type());
    Value bits = arith::TruncIOp::create(
        b, loc, b.getIntegerType(narrow.getWidth()), wide);
    if (narrow.isUnsigned())
      return arith::ExtUIOp::create(b, loc, b.getI8Type(), bits);
    return arith::ExtSIOp::create(b, loc, b.getI8Type(), bits);
  }
  Type src = signless(from), dst = signless(to);
  bool srcUnsigned = isUnsignedLike(from), dstUnsigned = isUnsignedLike(to);
  if (src == dst)
    return v;
  auto srcF = dyn_cast<FloatType>(src);
  auto dstF = dyn_cast<FloatType>(dst);
  if (srcF && dstF) {
    if (srcF.getWidth() < dstF.getWidth())
      return arith::ExtFOp::create(b, loc, dst, v);
    if (srcF.getWidth() > dstF.getWidth())
      return arith::TruncFOp::create(b, loc, dst, v);
    // f16 <-> bf16: through f32.
    Value wide = arith::ExtFOp::create(b, loc, b.getF32Type(), v);
    return arith::TruncFOp::create(b, loc, dst, wide);
  }
  if (srcF) {
    if (dst.isInteger(1))
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, v,
                                   floatConst(b, loc, src, 0.0));
    if (dstUnsigned)
      return arith::FPToUIOp::create(b, loc, dst, v);
    return arith::FPToSIOp::create(b, loc, dst, v);
  }
  if (dstF) {
    if (srcUnsigned)
      return arith::UIToFPOp::create(b, loc, dst, v);
    return arith::SIToFPOp::create(b, loc, dst, v);
  }
  unsigned sw = src.getIntOrFloatBitWidth(), dw = dst.getIntOrFloatBitWidth();
  if (dw == 1)
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, v,
                                 intConst(b, loc, src, 0));
  if (sw < dw)
    return srcUnsigned ? Value(arith::ExtUIOp::create(b, loc, dst, v))
                       : Value(arith::ExtSIOp::create(b, loc, dst, v));
  return arith::TruncIOp::create(b, loc, dst, v);
}

Value lowering::maxScalar(OpBuilder &b, Location loc, Value x, Value y,
                          bool isUnsigned) {
  if (isa<FloatType>(x.getType()))
    return arith::MaximumFOp::create(b, loc, x, y);
  if (isUnsigned)
    return arith::MaxUIOp::create(b, loc, x, y);
  return arith::MaxSIOp::create(b, loc, x, y);
}

Value lowering::minScalar(OpBuilder &b, Location loc, Value x, Value y,
                          bool isUnsigned) {
  if (isa<FloatType>(x.getType()))
    return arith::MinimumFOp::create(b, loc, x, y);
  if (isUnsigned)
    return arith::MinUIOp::create(b, loc, x, y);
  return arith::MinSIOp::create(b, loc, x, y);
}

Value lowering::addScalar(OpBuilder &b, Location loc, Value x, Value y) {
  if (isa<FloatType>(x.getType()))
    return arith::AddFOp::create(b, loc, x, y);
  return arith::AddIOp::create(b, loc, x, y);
}

Value lowering::mulScalar(OpBuilder &b, Location loc, Value x, Value y) {
  if (isa<FloatType>(x.getType()))
    return arith::MulFOp::create(b, loc, x, y);
  return arith::MulIOp::create(b, loc, x, y);
}

//===----------------------------------------------------------------------===//
// Tensors and generics
//===----------------------------------------------------------------------===//

Value lowering::emptyTensor(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                            Type elementType) {
  return tensor::EmptyOp::create(b, loc, shape, elementType);
}

Value lowering::filledTensor(OpBuilder &b, Location loc,
                             ArrayRef<int64_t> shape, Value scalar) {
  Value empty = emptyTensor(b, loc, shape, scalar.getType());
  return linalg::FillOp::create(b, loc, ValueRange{scalar}, ValueRange{empty})
      .getResult(0);
}

AffineMap lowering::broadcastMap(MLIRContext *ctx,
                                 ArrayRef<int64_t> operandShape,
                                 ArrayRef<int64_t> resultShape) {
  unsigned n = resultShape.size(), k = operandShape.size();
  SmallVector<AffineExpr> exprs;
  for (unsigned i = 0; i < k; ++i) {
    unsigned j = n - k + i;
    if (operandShape[i] == 1 && resultShape[j] != 1)
      exprs.push_back(getAffineConstantExpr(0, ctx));
    else
      exprs.push_back(getAffineDimExpr(j, ctx));
  }
  return AffineMap::get(n, 0, exprs, ctx);
}

AffineMap lowering::dropDimsMap(MLIRContext *ctx, unsigned rank,
                                ArrayRef<int64_t> dropped) {
  SmallVector<AffineExpr> exprs;
  for (unsigned i = 0; i < rank; ++i)
    if (!llvm::is_contained(dropped, static_cast<int64_t>(i)))
      exprs.push_back(getAffineDimExpr(i, ctx));
  return AffineMap::get(rank, 0, exprs, ctx);
}

SmallVector<utils::IteratorType> lowering::parallelIterators(unsigned n) {
  return SmallVector<utils::IteratorType>(n, utils::IteratorType::parallel);
}

ValueRange lowering::buildGeneric(OpBuilder &b, Location loc, ValueRange inputs,
                                  ValueRange outputs, ArrayRef<AffineMap> maps,
                                  ArrayRef<utils::IteratorType> iterators,
                                  BodyFn body) {
  SmallVector<Type> resultTypes;
  for (Value out : outputs)
    resultTypes.push_back(out.getType());
  auto generic = linalg::GenericOp::create(
      b, loc, resultTypes, inputs, outputs, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        linalg::YieldOp::create(nb, nloc, body(nb, nloc, args));
      });
  return generic.getResults();
}

Value lowering::buildElementwise(
    OpBuilder &b, Location loc, RankedTensorType resultType, ValueRange inputs,
    function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  MLIRContext *ctx = b.getContext();
  ArrayRef<int64_t> shape = resultType.getShape();
  SmallVector<AffineMap> maps;
  for (Value in : inputs)
    maps.push_back(broadcastMap(
        ctx, cast<RankedTensorType>(in.getType()).getShape(), shape));
  maps.push_back(AffineMap::getMultiDimIdentityMap(shape.size(), ctx));
  Value init = emptyTensor(b, loc, shape, resultType.getElementType());
  return buildGeneric(
      b, loc, inputs, init, maps, parallelIterators(shape.size()),
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        return SmallVector<Value>{body(nb, nloc, args.drop_back())};
      })[0];
}

Value lowering::buildReduction(
    OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> axes, Value init,
    function_ref<Value(OpBuilder &, Location, Value, Value)> body) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(input.getType());
  unsigned rank = type.getRank();
  SmallVector<int64_t> outShape;
  SmallVector<utils::IteratorType> iterators;
  for (unsigned i = 0; i < rank; ++i) {
    bool reduced = llvm::is_contained(axes, static_cast<int64_t>(i));
    iterators.push_back(reduced ? utils::IteratorType::reduction
                                : utils::IteratorType::parallel);
    if (!reduced)
      outShape.push_back(type.getDimSize(i));
  }
  Value out = filledTensor(b, loc, outShape, init);
  SmallVector<AffineMap> maps = {AffineMap::getMultiDimIdentityMap(rank, ctx),
                                 dropDimsMap(ctx, rank, axes)};
  return buildGeneric(b, loc, input, out, maps, iterators,
                      [&](OpBuilder &nb, Location nloc, ValueRange args) {
                        return SmallVector<Value>{
                            body(nb, nloc, args[1], args[0])};
                      })[0];
}

Value lowering::buildIndexed(
    OpBuilder &b, Location loc, RankedTensorType resultType, ValueRange inputs,
    ArrayRef<AffineMap> maps,
    function_ref<Value(OpBuilder &, Location, ArrayRef<Value>, ValueRange)>
        body) {
  unsigned rank = resultType.getRank();
  SmallVector<AffineMap> allMaps(maps);
  allMaps.push_back(AffineMap::getMultiDimIdentityMap(rank, b.getContext()));
  Value init =
      emptyTensor(b, loc, resultType.getShape(), resultType.getElementType());
  return buildGeneric(b, loc, inputs, init, allMaps, parallelIterators(rank),
                      [&](OpBuilder &nb, Location nloc, ValueRange args) {
                        SmallVector<Value> idx;
                        for (unsigned i = 0; i < rank; ++i)
                          idx.push_back(linalg::IndexOp::create(nb, nloc, i));
                        return SmallVector<Value>{
                            body(nb, nloc, idx, args.drop_back())};
                      })[0];
}

Value lowering::reshapeTo(OpBuilder &b, Location loc, Value v,
                          ArrayRef<int64_t> shape) {
  auto src = cast<RankedTensorType>(v.getType());
  auto dst = RankedTensorType::get(shape, src.getElementType());
  if (src == dst)
    return v;
  if (src.getRank() > dst.getRank()) {
    if (auto re = getReassociationIndicesForReshape(src, dst))
      return tensor::CollapseShapeOp::create(b, loc, dst, v, *re);
  } else if (src.getRank() < dst.getRank()) {
    if (auto re = getReassociationIndicesForReshape(dst, src))
      return tensor::ExpandShapeOp::create(b, loc, dst, v, *re);
  }
  // General case: through a 1-D (or 0-D) tensor.
  Value flat = v;
  if (src.getRank() > 1) {
    SmallVector<ReassociationIndices> all(1);
    for (int64_t i = 0; i < src.getRank(); ++i)
      all[0].push_back(i);
    flat = tensor::CollapseShapeOp::create(
        b, loc,
        RankedTensorType::get({src.getNumElements()}, src.getElementType()), v,
        all);
  } else if (src.getRank() == 0) {
    flat = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get({1}, src.getElementType()), v,
        ArrayRef<ReassociationIndices>{});
  }
  if (dst.getRank() == 0)
    return tensor::CollapseShapeOp::create(b, loc, dst, flat,
                                           ArrayRef<ReassociationIndices>{});
  if (dst.getRank() == 1)
    return flat; // same element count, so already `dst`
  SmallVector<ReassociationIndices> all(1);
  for (int64_t i = 0; i < dst.getRank(); ++i)
    all[0].push_back(i);
  return tensor::ExpandShapeOp::create(b, loc, dst, flat, all);
}

Value lowering::padConstant(OpBuilder &b, Location loc, Value v,
                            ArrayRef<int64_t> low, ArrayRef<int64_t> high,
                            Value padValue) {
  if (llvm::all_of(low, [](int64_t x) { return x == 0; }) &&
      llvm::all_of(high, [](int64_t x) { return x == 0; }))
    return v;
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> shape;
  SmallVector<OpFoldResult> lo, hi;
  for (int64_t i = 0; i < type.getRank(); ++i) {
    shape.push_back(type.getDimSize(i) + low[i] + high[i]);
    lo.push_back(b.getIndexAttr(low[i]));
    hi.push_back(b.getIndexAttr(high[i]));
  }
  return tensor::PadOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), v, lo, hi,
      padValue);
}

DenseIntElementsAttr lowering::i64Tensor(OpBuilder &b,
                                         ArrayRef<int64_t> values) {
  auto type = RankedTensorType::get({static_cast<int64_t>(values.size())},
                                    b.getI64Type());
  return DenseIntElementsAttr::get(type, values);
}

Value lowering::buildSoftmax(OpBuilder &b, Location loc, Value x, int64_t axis,
                             bool log) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(x.getType());
  Type et = type.getElementType();
  unsigned rank = type.getRank();
  Value max = buildReduction(
      b, loc, x, {axis}, lowestValue(b, loc, et, false),
      [](OpBuilder &nb, Location nloc, Value acc, Value v) {
        return Value(arith::MaximumFOp::create(nb, nloc, acc, v));
      });
  AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
  AffineMap red = dropDimsMap(ctx, rank, {axis});
  // shifted = x - max
  Value shifted = buildGeneric(
      b, loc, {x, max}, emptyTensor(b, loc, type.getShape(), et), {id, red, id},
      parallelIterators(rank), [](OpBuilder &nb, Location nloc, ValueRange a) {
        return SmallVector<Value>{arith::SubFOp::create(nb, nloc, a[0], a[1])};
      })[0];
  Value sum =
      buildReduction(b, loc, shifted, {axis}, floatConst(b, loc, et, 0.0),
                     [](OpBuilder &nb, Location nloc, Value acc, Value v) {
                       Value e = math::ExpOp::create(nb, nloc, v);
                       return Value(arith::AddFOp::create(nb, nloc, acc, e));
                     });
  return buildGeneric(
      b, loc, {shifted, sum}, emptyTensor(b, loc, type.getShape(), et),
      {id, red, id}, parallelIterators(rank),
      [&](OpBuilder &nb, Location nloc, ValueRange a) {
        Value r;
        if (log)
          r = arith::SubFOp::create(nb, nloc, a[0],
                                    math::LogOp::create(nb, nloc, a[1]));
        else
          r = arith::DivFOp::create(nb, nloc,
                                    math::ExpOp::create(nb, nloc, a[0]), a[1]);
        return SmallVector<Value>{r};
      })[0];
}

Value lowering::buildRanks(OpBuilder &b, Location loc, Value x, int64_t axis,
                           bool smallest, bool isUnsigned) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(x.getType());
  unsigned rank = type.getRank();
  // Loop dims: the rank dims of x (j along `axis`) plus one reduction dim j2.
  SmallVector<AffineExpr> other;
  for (unsigned i = 0; i < rank; ++i)
    other.push_back(getAffineDimExpr(i == axis ? rank : i, ctx));
  AffineMap self =
      AffineMap::getMultiDimIdentityMap(rank + 1, ctx).dropResult(rank);
  AffineMap otherMap = AffineMap::get(rank + 1, 0, other, ctx);
  SmallVector<utils::IteratorType> iterators = parallelIterators(rank);
  iterators.push_back(utils::IteratorType::reduction);
  Type i64 = b.getI64Type();
  Value out = filledTensor(b, loc, type.getShape(), intConst(b, loc, i64, 0));
  return buildGeneric(
      b, loc, {x, x}, out, {self, otherMap, self}, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange a) {
        Value v = a[0], w = a[1], acc = a[2];
        Value j = linalg::IndexOp::create(nb, nloc, axis);
        Value j2 = linalg::IndexOp::create(nb, nloc, rank);
        Value better, equal;
        if (isa<FloatType>(v.getType())) {
          better = arith::CmpFOp::create(nb, nloc,
                                         smallest ? arith::CmpFPredicate::OLT
                                                  : arith::CmpFPredicate::OGT,
                                         w, v);
          equal =
              arith::CmpFOp::create(nb, nloc, arith::CmpFPredicate::OEQ, w, v);
        } else {
          arith::CmpIPredicate p =
              smallest ? (isUnsigned ? arith::CmpIPredicate::ult
                                     : arith::CmpIPredicate::slt)
                       : (isUnsigned ? arith::CmpIPredicate::ugt
                                     : arith::CmpIPredicate::sgt);
          better = arith::CmpIOp::create(nb, nloc, p, w, v);
          equal =
              arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::eq, w, v);
        }
        Value earlier =
            arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::ult, j2, j);
        Value before = arith::OrIOp::create(
            nb, nloc, better, arith::AndIOp::create(nb, nloc, equal, earlier));
        Value one = arith::ExtUIOp::create(nb, nloc, nb.getI64Type(), before);
        return SmallVector<Value>{arith::AddIOp::create(nb, nloc, acc, one)};
      })[0];
}
