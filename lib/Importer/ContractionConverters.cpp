//===- ContractionConverters.cpp - MatMul, Gemm, Conv, pooling ------------===//

#include "NodeContext.h"
#include "OpRegistry.h"

#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"

#include "onnx/onnx_pb.h"

#include <limits>

using namespace mlir;
using namespace mlir::autoglm;

namespace autoglm::importer {
namespace {
//===----------------------------------------------------------------------===//
// MatMul, Gemm, MatMulInteger
//===----------------------------------------------------------------------===//

/// numpy matmul: 1-D operands are promoted to matrices and the added
/// dimension is removed from the result again.
Value buildMatMul(NodeContext &n, Value lhs, Value rhs) {
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  auto rhsType = cast<RankedTensorType>(rhs.getType());
  if (lhsType.getRank() == 0 || rhsType.getRank() == 0) {
    n.emitError() << "operands must have rank 1 or more";
    return nullptr;
  }
  bool lhsVector = lhsType.getRank() == 1, rhsVector = rhsType.getRank() == 1;
  if (lhsVector)
    lhs = n.reshapeTo(lhs, {DimSpec::literal(1), DimSpec::fromInput(0)});
  if (rhsVector)
    rhs = n.reshapeTo(rhs, {DimSpec::fromInput(0), DimSpec::literal(1)});
  if (!lhs || !rhs)
    return nullptr;
  Value product = n.create<MatMulOp>(lhs, rhs);
  if (!product || (!lhsVector && !rhsVector))
    return product;
  int64_t rank = cast<RankedTensorType>(product.getType()).getRank();
  SmallVector<DimSpec> spec;
  for (int64_t d = 0; d < rank; ++d)
    if (!(lhsVector && d == rank - 2) && !(rhsVector && d == rank - 1))
      spec.push_back(DimSpec::fromInput(d));
  return n.reshapeTo(product, spec);
}

LogicalResult convertMatMul(NodeContext &n) {
  if (failed(n.checkArity(2, 2)))
    return failure();
  return n.finish(buildMatMul(n, n.input(0), n.input(1)));
}

LogicalResult convertGemm(NodeContext &n) {
  if (failed(n.checkArity(2, 3)))
    return failure();
  // Y = alpha * op(A) * op(B) + beta * C
  Value a = n.input(0), b = n.input(1);
  if (n.inputType(0).getRank() != 2 || n.inputType(1).getRank() != 2)
    return n.emitError() << "A and B must be matrices (rank 2)";
  if (n.intAttr("transA", 0))
    a = n.transpose(a, {1, 0});
  if (n.intAttr("transB", 0))
    b = n.transpose(b, {1, 0});
  if (!a || !b)
    return failure();
  Value y = n.create<MatMulOp>(a, b);
  if (!y)
    return failure();
  Type element = getElementTypeOrSelf(y.getType());
  double alpha = n.floatAttr("alpha", 1.0), beta = n.floatAttr("beta", 1.0);
  if (alpha != 1.0) {
    Value scale = n.scalar(element, alpha);
    y = scale ? n.create<MulOp>(y, scale) : Value();
  }
  if (y && n.hasInput(2) && beta != 0.0) {
    Value c = n.input(2);
    if (beta != 1.0) {
      Value scale = n.scalar(element, beta);
      c = scale ? n.create<MulOp>(c, scale) : Value();
    }
    y = c ? n.create<AddOp>(y, c) : Value();
  }
  return n.finish(y);
}

/// True when input `i` is absent or a constant of zeros.
bool isAbsentOrZero(NodeContext &n, unsigned i) {
  if (!n.hasInput(i))
    return true;
  std::optional<SmallVector<double>> values = n.constantValues(i);
  return values && llvm::all_of(*values, [](double v) { return v == 0; });
}

/// Zero point input `i` as i32, or null where it is absent or zero. A 1-D
/// zero point is one value per row of the left operand (`perRow`: made a
/// column) or per column of the right one (broadcasts as it is).
FailureOr<Value> zeroPointI32(NodeContext &n, unsigned i, bool perRow) {
  if (isAbsentOrZero(n, i))
    return Value();
  Value z = n.castTo(n.input(i), n.b.getI32Type());
  if (z && perRow && n.inputType(i).getRank() == 1)
    z = n.reshapeTo(z, {DimSpec::fromInput(0), DimSpec::literal(1)});
  if (!z)
    return failure();
  return z;
}

/// `v` as a plain integer tensor. QuantizeLinear with constant parameters
/// imports as a `!quant.uniform` value; an integer contraction reading it
/// (QOperator format: QuantizeLinear -> QLinearMatMul) gets the same
/// quantization as arithmetic, saturate(round(x / scale) + zero_point), in
/// the storage type (uint8 stays unsigned, which a storage cast would lose).
Value asPlainInteger(NodeContext &n, Value v) {
  auto type = cast<RankedTensorType>(v.getType());
  auto element = dyn_cast<quant::UniformQuantizedType>(type.getElementType());
  if (!isa<quant::QuantizedType>(type.getElementType()))
    return v;
  auto quantize = v.getDefiningOp<QuantizeOp>();
  if (!element || !quantize) {
    n.emitError() << "a quantized input must come from a per-tensor "
                     "QuantizeLinear";
    return nullptr;
  }
  Value x = quantize.getInput();
  Type f = getElementTypeOrSelf(x.getType());
  x = n.create<DivOp>(x, n.scalar(f, element.getScale()));
  x = x ? n.create<RoundOp>(x) : Value();
  x = x ? n.create<AddOp>(x, n.scalar(f, element.getZeroPoint())) : Value();
  x = x ? n.create<ClipOp>(x, n.b.getF64FloatAttr(element.getStorageTypeMin()),
                           n.b.getF64FloatAttr(element.getStorageTypeMax()))
        : Value();
  Type storage = IntegerType::get(n.ctx, element.getStorageTypeIntegralWidth(),
                                  element.isSigned() ? IntegerType::Signless
                                                     : IntegerType::Unsigned);
  return x ? n.castTo(x, storage) : Value();
}

/// (A - a0)(B - b0) accumulated in i32, for 8-bit A and B and i32 zero
/// points a0 (per tensor or per row of A) and b0 (per tensor or per column
/// of B), either null for zero. Expanded as
/// AB - a0 * colsum(B) - rowsum(A) * b0 + K * a0 * b0, which keeps the
/// product itself on the 8-bit operands (the VNNI kernel takes uint8 x
/// int8; other pairs widen to i32 tiles).
Value buildIntegerMatMul(NodeContext &n, Value a, Value b, Value a0, Value b0) {
  auto aType = cast<RankedTensorType>(a.getType());
  auto bType = cast<RankedTensorType>(b.getType());
  if (!aType.getElementType().isInteger(8) ||
      !bType.getElementType().isInteger(8)) {
    n.emitError() << "A and B must be 8-bit integers";
    return nullptr;
  }
  if (aType.getRank() < 2 || bType.getRank() < 2) {
    n.emitError() << "operands of rank 1 are not supported";
    return nullptr;
  }
  Value y = n.create<MatMulOp>(a, b);
  if (!y)
    return nullptr;
  Type i32 = n.b.getI32Type();
  auto sumOver = [&](Value v, int64_t axis) -> Value {
    Value wide = n.castTo(v, i32);
    if (!wide)
      return Value();
    int64_t rank = cast<RankedTensorType>(wide.getType()).getRank();
    return n.create<ReduceOp>(ReduceKindAttr::get(n.ctx, ReduceKind::sum), wide,
                              n.b.getDenseI64ArrayAttr({axis + rank}),
                              n.b.getUnitAttr());
  };
  if (a0) {
    Value colsum = sumOver(b, -2);
    Value term = colsum ? n.create<MulOp>(a0, colsum) : Value();
    y = term ? n.create<SubOp>(y, term) : Value();
  }
  if (y && b0) {
    Value rowsum = sumOver(a, -1);
    Value term = rowsum ? n.create<MulOp>(rowsum, b0) : Value();
    y = term ? n.create<SubOp>(y, term) : Value();
  }
  if (y && a0 && b0) {
    int64_t k = aType.getShape().back();
    if (ShapedType::isDynamic(k)) {
      (void)n.notKnown("the contraction size with two zero points");
      return nullptr;
    }
    Value kValue = n.scalar(i32, k);
    Value ab = n.create<MulOp>(a0, b0);
    Value term = ab && kValue ? n.create<MulOp>(ab, kValue) : Value();
    y = term ? n.create<AddOp>(y, term) : Value();
  }
  return y;
}

LogicalResult convertMatMulInteger(NodeContext &n) {
  if (failed(n.checkArity(2, 4)))
    return failure();
  FailureOr<Value> a0 = zeroPointI32(n, 2, /*perRow=*/true);
  FailureOr<Value> b0 = zeroPointI32(n, 3, /*perRow=*/false);
  if (failed(a0) || failed(b0))
    return failure();
  return n.finish(buildIntegerMatMul(n, n.input(0), n.input(1), *a0, *b0));
}

/// The i32 accumulator `acc` requantized to the output's storage type:
/// saturate(round_half_even(acc * scale) + zero_point), with `scale` the
/// f32 product of the input scales over the output scale (ONNX Runtime
/// also rescales in f32).
Value requantize(NodeContext &n, Value acc, Value scale, unsigned zeroPoint) {
  Type f32 = n.b.getF32Type();
  Value x = n.castTo(acc, f32);
  x = x && scale ? n.create<MulOp>(x, scale) : Value();
  x = x ? n.create<RoundOp>(x) : Value();
  Type storage = n.inputType(zeroPoint).getElementType();
  auto intType = dyn_cast<IntegerType>(storage);
  if (!intType || intType.getWidth() != 8) {
    n.emitError() << "the output zero point must be an 8-bit integer";
    return nullptr;
  }
  if (x && !isAbsentOrZero(n, zeroPoint)) {
    Value z = n.castTo(n.input(zeroPoint), f32);
    x = z ? n.create<AddOp>(x, z) : Value();
  }
  double lo = intType.isUnsigned() ? 0 : -128,
         hi = intType.isUnsigned() ? 255 : 127;
  x = x ? n.create<ClipOp>(x, n.b.getF64FloatAttr(lo), n.b.getF64FloatAttr(hi))
        : Value();
  return x ? n.castTo(x, storage) : Value();
}

/// Input `i`, a scale, as f32; a 1-D scale of the left operand is one per
/// row (made a column).
Value scaleF32(NodeContext &n, unsigned i, bool perRow) {
  Value s = n.castTo(n.input(i), n.b.getF32Type());
  if (s && perRow && n.inputType(i).getRank() == 1 &&
      n.inputType(i).getNumElements() != 1)
    s = n.reshapeTo(s, {DimSpec::fromInput(0), DimSpec::literal(1)});
  return s;
}

/// QLinearMatMul(a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp): the
/// integer product of MatMulInteger, rescaled by a_scale * b_scale /
/// y_scale and requantized.
LogicalResult convertQLinearMatMul(NodeContext &n) {
  if (failed(n.checkArity(8, 8)))
    return failure();
  FailureOr<Value> a0 = zeroPointI32(n, 2, /*perRow=*/true);
  FailureOr<Value> b0 = zeroPointI32(n, 5, /*perRow=*/false);
  if (failed(a0) || failed(b0))
    return failure();
  Value a = asPlainInteger(n, n.input(0)), b = asPlainInteger(n, n.input(3));
  if (!a || !b)
    return failure();
  Value acc = buildIntegerMatMul(n, a, b, *a0, *b0);
  Value as = scaleF32(n, 1, true), bs = scaleF32(n, 4, false),
        ys = scaleF32(n, 6, false);
  Value scale = as && bs ? n.create<MulOp>(as, bs) : Value();
  scale = scale && ys ? n.create<DivOp>(scale, ys) : Value();
  return n.finish(acc ? requantize(n, acc, scale, 7) : Value());
}

/// DynamicQuantizeLinear: uint8 with the scale and zero point of x's range
/// widened to hold 0: scale = (max - min) / 255, zero point =
/// saturate(round(-min / scale)), y = saturate(round(x / scale) + zero point).
LogicalResult convertDynamicQuantizeLinear(NodeContext &n) {
  if (failed(n.checkArity(1, 1, 3)))
    return failure();
  Value x = n.input(0);
  auto type = n.inputType(0);
  if (!type.getElementType().isF32())
    return n.emitError() << "x must be float32";
  Type f32 = n.b.getF32Type();
  SmallVector<int64_t> all;
  for (int64_t d = 0; d < type.getRank(); ++d)
    all.push_back(d);
  auto extreme = [&](ReduceKind kind) -> Value {
    if (type.getRank() == 0)
      return x;
    return n.create<ReduceOp>(ReduceKindAttr::get(n.ctx, kind), x,
                              n.b.getDenseI64ArrayAttr(all), UnitAttr());
  };
  Value zero = n.scalar(f32, 0);
  Value lo = extreme(ReduceKind::min), hi = extreme(ReduceKind::max);
  lo = lo ? n.create<MinOp>(lo, zero) : Value();
  hi = hi ? n.create<MaxOp>(hi, zero) : Value();
  Value range = lo && hi ? n.create<SubOp>(hi, lo) : Value();
  Value scale = range ? n.create<DivOp>(range, n.scalar(f32, 255)) : Value();
  Value zp = scale ? n.create<DivOp>(n.create<NegOp>(lo), scale) : Value();
  zp = zp ? n.create<RoundOp>(zp) : Value();
  zp = zp ? n.create<ClipOp>(zp, n.b.getF64FloatAttr(0),
                             n.b.getF64FloatAttr(255))
          : Value();
  Value y = scale ? n.create<DivOp>(x, scale) : Value();
  y = y ? n.create<RoundOp>(y) : Value();
  y = y && zp ? n.create<AddOp>(y, zp) : Value();
  y = y ? n.create<ClipOp>(y, n.b.getF64FloatAttr(0), n.b.getF64FloatAttr(255))
        : Value();
  Type u8 = IntegerType::get(n.ctx, 8, IntegerType::Unsigned);
  Value zpU8 = zp ? n.castTo(zp, u8) : Value();
  y = y ? n.castTo(y, u8) : Value();
  if (!y || !zpU8)
    return failure();
  n.setOutput(1, scale);
  n.setOutput(2, zpU8);
  return n.finish(y);
}

//===----------------------------------------------------------------------===//
// Sliding windows: Conv, ConvTranspose, pooling
//===----------------------------------------------------------------------===//

struct Window {
  SmallVector<int64_t> kernel, strides, pads, dilations;
};

/// Reads strides / dilations / pads / auto_pad for `spatialRank` dimensions
/// with `kernel`; SAME_* padding is resolved against the static input size.
LogicalResult readWindow(NodeContext &n, RankedTensorType input,
                         ArrayRef<int64_t> kernel, Window &w) {
  int64_t spatialRank = input.getRank() - 2;
  w.kernel.assign(kernel.begin(), kernel.end());
  auto readList = [&](StringRef name, int64_t size, int64_t defaultValue,
                      SmallVectorImpl<int64_t> &out) -> LogicalResult {
    std::optional<SmallVector<int64_t>> values = n.intsAttr(name);
    if (!values || values->empty()) {
      out.assign(size, defaultValue);
      return success();
    }
    if (static_cast<int64_t>(values->size()) != size)
      return n.emitError() << name << " has " << values->size()
                           << " entries; expected " << size;
    out.assign(values->begin(), values->end());
    return success();
  };
  if ((int64_t)kernel.size() != spatialRank)
    return n.emitError() << "kernel has " << kernel.size() << " dimensions for "
                         << spatialRank << " spatial dimensions";
  if (failed(readList("strides", spatialRank, 1, w.strides)) ||
      failed(readList("dilations", spatialRank, 1, w.dilations)) ||
      failed(readList("pads", 2 * spatialRank, 0, w.pads)))
    return failure();
  for (int64_t s : w.strides)
    if (s <= 0)
      return n.emitError() << "strides must be positive";
  std::string autoPad = n.stringAttr("auto_pad", "NOTSET");
  if (autoPad == "NOTSET")
    return success();
  if (autoPad == "VALID") {
    w.pads.assign(2 * spatialRank, 0);
    return success();
  }
  if (autoPad != "SAME_UPPER" && autoPad != "SAME_LOWER")
    return n.emitError() << "unknown auto_pad '" << autoPad << "'";
  for (int64_t d = 0; d < spatialRank; ++d) {
    int64_t in = input.getDimSize(d + 2);
    if (ShapedType::isDynamic(in))
      return n.notKnown("the spatial input size (needed to resolve auto_pad " +
                        autoPad + ")");
    int64_t out = (in + w.strides[d] - 1) / w.strides[d];
    int64_t total =
        std::max<int64_t>(0, (out - 1) * w.strides[d] +
                                 (w.kernel[d] - 1) * w.dilations[d] + 1 - in);
    int64_t small = total / 2, large = total - small;
    w.pads[d] = autoPad == "SAME_UPPER" ? small : large;
    w.pads[d + spatialRank] = autoPad == "SAME_UPPER" ? large : small;
  }
  return success();
}

/// The kernel size: the kernel_shape attribute, else the weight's spatial
/// dimensions.
LogicalResult readKernel(NodeContext &n, RankedTensorType weight,
                         SmallVectorImpl<int64_t> &kernel) {
  if (std::optional<SmallVector<int64_t>> attr = n.intsAttr("kernel_shape")) {
    kernel.assign(attr->begin(), attr->end());
    return success();
  }
  for (int64_t d = 2; d < weight.getRank(); ++d) {
    if (weight.isDynamicDim(d))
      return n.notKnown("the kernel size");
    kernel.push_back(weight.getDimSize(d));
  }
  return success();
}

/// Conv's attributes applied to `input`, `weight` and `bias` (may be null).
Value buildConv(NodeContext &n, Value inputValue, Value weightValue,
                Value bias) {
  auto input = cast<RankedTensorType>(inputValue.getType());
  auto weight = cast<RankedTensorType>(weightValue.getType());
  if (input.getRank() < 3 || weight.getRank() != input.getRank()) {
    n.emitError() << "expects input and weight of equal rank >= 3 (got "
                  << input.getRank() << " and " << weight.getRank() << ")";
    return nullptr;
  }
  SmallVector<int64_t> kernel;
  Window w;
  if (failed(readKernel(n, weight, kernel)) ||
      failed(readWindow(n, input, kernel, w)))
    return nullptr;
  return n.create<ConvOp>(
      inputValue, weightValue, bias, n.b.getDenseI64ArrayAttr(w.strides),
      n.b.getDenseI64ArrayAttr(w.pads), n.b.getDenseI64ArrayAttr(w.dilations),
      n.b.getI64IntegerAttr(n.intAttr("group", 1)));
}

LogicalResult convertConv(NodeContext &n) {
  if (failed(n.checkArity(2, 3)))
    return failure();
  return n.finish(buildConv(n, n.input(0), n.input(1), n.input(2)));
}

/// `value` (8-bit) widened to i32 less the zero point input `i`; a 1-D zero
/// point of the weight is one per output channel.
Value lessZeroPoint(NodeContext &n, Value value, unsigned i) {
  auto type = cast<RankedTensorType>(value.getType());
  if (!type.getElementType().isInteger(8)) {
    n.emitError() << "x and w must be 8-bit integers";
    return nullptr;
  }
  Value wide = n.castTo(value, n.b.getI32Type());
  if (!wide || isAbsentOrZero(n, i))
    return wide;
  Value z = n.castTo(n.input(i), n.b.getI32Type());
  if (z && n.inputType(i).getRank() == 1 &&
      n.inputType(i).getNumElements() != 1) {
    SmallVector<DimSpec> spec(type.getRank(), DimSpec::literal(1));
    spec[0] = DimSpec::fromInput(0);
    z = n.reshapeTo(z, spec);
  }
  return z ? n.create<SubOp>(wide, z) : Value();
}

/// An integer convolution: (x - x_zp) * (w - w_zp) in i32. Subtracting
/// the zero points first makes the zero padding the padding by x_zp that
/// ONNX specifies, and keeps the product exact (the i32 convolution).
Value buildIntegerConv(NodeContext &n, unsigned x, unsigned xZp, unsigned w,
                       unsigned wZp, Value bias) {
  Value xv = asPlainInteger(n, n.input(x));
  Value wv = xv ? asPlainInteger(n, n.input(w)) : Value();
  Value xi = wv ? lessZeroPoint(n, xv, xZp) : Value();
  Value wi = xi ? lessZeroPoint(n, wv, wZp) : Value();
  return wi ? buildConv(n, xi, wi, bias) : Value();
}

LogicalResult convertConvInteger(NodeContext &n) {
  if (failed(n.checkArity(2, 4)))
    return failure();
  return n.finish(buildIntegerConv(n, 0, 2, 1, 3, Value()));
}

/// QLinearConv(x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B): the
/// integer convolution plus the i32 bias, rescaled by x_scale * w_scale
/// (per output channel) / y_scale and requantized.
LogicalResult convertQLinearConv(NodeContext &n) {
  if (failed(n.checkArity(8, 9)))
    return failure();
  Value bias = n.hasInput(8) ? n.castTo(n.input(8), n.b.getI32Type()) : Value();
  Value acc = buildIntegerConv(n, 0, 2, 3, 5, bias);
  if (!acc)
    return failure();
  Value ws = n.castTo(n.input(4), n.b.getF32Type());
  int64_t rank = n.inputType(0).getRank();
  if (ws && n.inputType(4).getRank() == 1 &&
      n.inputType(4).getNumElements() != 1) {
    SmallVector<DimSpec> spec(rank - 1, DimSpec::literal(1));
    spec[0] = DimSpec::fromInput(0);
    ws = n.reshapeTo(ws, spec);
  }
  Value xs = n.castTo(n.input(1), n.b.getF32Type());
  Value ys = n.castTo(n.input(6), n.b.getF32Type());
  Value scale = xs && ws ? n.create<MulOp>(xs, ws) : Value();
  scale = scale && ys ? n.create<DivOp>(scale, ys) : Value();
  return n.finish(requantize(n, acc, scale, 7));
}

LogicalResult convertConvTranspose(NodeContext &n) {
  if (failed(n.checkArity(2, 3)))
    return failure();
  auto input = n.inputType(0), weight = n.inputType(1);
  if (input.getRank() < 3 || weight.getRank() != input.getRank())
    return n.emitError() << "expects input and weight of equal rank >= 3";
  int64_t spatialRank = input.getRank() - 2;
  SmallVector<int64_t> kernel;
  if (failed(readKernel(n, weight, kernel)))
    return failure();
  // auto_pad means something else here (the output size is what is fixed),
  // so resolve padding by hand.
  std::string autoPad = n.stringAttr("auto_pad", "NOTSET");
  Window w;
  {
    // Read strides/dilations/pads without the auto_pad handling of conv.
    std::optional<SmallVector<int64_t>> strides = n.intsAttr("strides"),
                                        dilations = n.intsAttr("dilations"),
                                        pads = n.intsAttr("pads");
    w.kernel = kernel;
    w.strides = strides && !strides->empty()
                    ? *strides
                    : SmallVector<int64_t>(spatialRank, 1);
    w.dilations = dilations && !dilations->empty()
                      ? *dilations
                      : SmallVector<int64_t>(spatialRank, 1);
    w.pads = pads && !pads->empty() ? *pads
                                    : SmallVector<int64_t>(2 * spatialRank, 0);
  }
  SmallVector<int64_t> outputPadding(spatialRank, 0);
  if (auto attr = n.intsAttr("output_padding"); attr && !attr->empty())
    outputPadding = *attr;
  if ((int64_t)w.strides.size() != spatialRank ||
      (int64_t)w.dilations.size() != spatialRank ||
      (int64_t)w.pads.size() != 2 * spatialRank ||
      (int64_t)outputPadding.size() != spatialRank ||
      (int64_t)kernel.size() != spatialRank)
    return n.emitError() << "strides, dilations, pads, output_padding or "
                            "kernel_shape do not match "
                         << spatialRank << " spatial dimensions";
  std::optional<SmallVector<int64_t>> outputShape = n.intsAttr("output_shape");
  bool same = autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER";
  if (autoPad == "VALID")
    w.pads.assign(2 * spatialRank, 0);
  if ((outputShape && !outputShape->empty()) || same) {
    for (int64_t d = 0; d < spatialRank; ++d) {
      int64_t in = input.getDimSize(d + 2);
      if (ShapedType::isDynamic(in))
        return n.notKnown("the spatial input size");
      int64_t out;
      if (outputShape && !outputShape->empty()) {
        // output_shape may list all dimensions or only the spatial ones.
        int64_t offset = (int64_t)outputShape->size() == spatialRank ? 0 : 2;
        if ((int64_t)outputShape->size() != spatialRank + offset)
          return n.emitError()
                 << "output_shape has " << outputShape->size() << " entries";
        out = (*outputShape)[d + offset];
      } else {
        out = in * w.strides[d];
      }
      int64_t total = w.strides[d] * (in - 1) + outputPadding[d] +
                      (kernel[d] - 1) * w.dilations[d] + 1 - out;
      if (total < 0) {
        // A larger output than the kernel covers: extra output padding.
        outputPadding[d] -= total;
        total = 0;
      }
      int64_t small = total / 2, large = total - small;
      bool upper = autoPad != "SAME_LOWER";
      w.pads[d] = upper ? small : large;
      w.pads[d + spatialRank] = upper ? large : small;
    }
  }
  return n.finish(n.create<ConvTransposeOp>(
      n.input(0), n.input(1), n.input(2), n.b.getDenseI64ArrayAttr(w.strides),
      n.b.getDenseI64ArrayAttr(w.pads), n.b.getDenseI64ArrayAttr(w.dilations),
      n.b.getDenseI64ArrayAttr(outputPadding),
      n.b.getI64IntegerAttr(n.intAttr("group", 1))));
}

/// MaxPool's Indices output: for each window, the flat index (over the
/// whole input, spatial dimensions row-major, or column-major with
/// storage_order 1) of its first maximum in scan order, as ONNX's reference
/// computes it. Each kernel tap's strided view of the input (padded with
/// -inf) is compared with the pooled maximum, and the taps, last to first,
/// select their index where they match, so the first match wins.
Value maxPoolIndices(NodeContext &n, const Window &w, Value pooled) {
  auto input = n.inputType(0);
  auto output = cast<RankedTensorType>(pooled.getType());
  if (!input.hasStaticShape() || !isa<FloatType>(input.getElementType())) {
    (void)(n.emitError() << "the Indices output needs a floating-point "
                            "input of static shape");
    return nullptr;
  }
  int64_t rank = input.getRank(), spatial = rank - 2;
  int64_t taps = 1;
  for (int64_t k : w.kernel)
    taps *= k;
  constexpr int64_t kMaxTaps = 1024;
  if (taps > kMaxTaps) {
    (void)(n.emitError() << "the Indices output of a window of " << taps
                         << " elements is more than the " << kMaxTaps
                         << " supported");
    return nullptr;
  }
  bool columnMajor = n.intAttr("storage_order", 0) != 0;
  // The stride of each spatial dimension in the flat index of one plane.
  SmallVector<int64_t> flatStride(spatial, 1);
  int64_t plane = 1;
  for (int64_t i = 0; i < spatial; ++i) {
    int64_t d = columnMajor ? i : spatial - 1 - i;
    flatStride[d] = plane;
    plane *= input.getDimSize(2 + d);
  }
  // -inf padding, extended at the end for ceil_mode's last windows.
  SmallVector<int64_t> pads(2 * rank, 0), padded(input.getShape());
  for (int64_t d = 0; d < spatial; ++d) {
    int64_t in = input.getDimSize(2 + d), out = output.getDimSize(2 + d);
    int64_t reach =
        (out - 1) * w.strides[d] + (w.kernel[d] - 1) * w.dilations[d] + 1;
    pads[2 + d] = w.pads[d];
    pads[rank + 2 + d] = std::max(w.pads[spatial + d], reach - in - w.pads[d]);
    padded[2 + d] = in + pads[2 + d] + pads[rank + 2 + d];
  }
  Value x = n.input(0);
  if (llvm::any_of(pads, [](int64_t p) { return p != 0; }))
    x = n.create<PadOp>(
        x, n.b.getDenseI64ArrayAttr(pads),
        PadModeAttr::get(n.ctx, PadMode::constant),
        n.b.getF64FloatAttr(-std::numeric_limits<double>::infinity()));
  // (n * C + c) * plane: the offset of each image and channel.
  SmallVector<int64_t> planes;
  for (int64_t i = 0; i < input.getDimSize(0) * input.getDimSize(1); ++i)
    planes.push_back(i * plane);
  SmallVector<int64_t> planeShape(rank, 1);
  planeShape[0] = input.getDimSize(0);
  planeShape[1] = input.getDimSize(1);
  Value planeOffsets = n.constant(DenseElementsAttr::get(
      RankedTensorType::get(planeShape, n.b.getI64Type()),
      ArrayRef<int64_t>(planes)));
  SmallVector<int64_t> positionShape(rank, 1);
  for (int64_t d = 0; d < spatial; ++d)
    positionShape[2 + d] = output.getDimSize(2 + d);
  auto positionType = RankedTensorType::get(positionShape, n.b.getI64Type());
  int64_t positions = positionType.getNumElements();
  Value result;
  for (int64_t t = taps - 1; x && t >= 0; --t) {
    SmallVector<int64_t> tap(spatial);
    for (int64_t d = spatial - 1, rest = t; d >= 0; --d) {
      tap[d] = rest % w.kernel[d];
      rest /= w.kernel[d];
    }
    // The tap's flat index in its plane at every output position.
    SmallVector<int64_t> flat(positions, 0);
    for (int64_t p = 0; p < positions; ++p)
      for (int64_t d = spatial - 1, rest = p; d >= 0; --d) {
        int64_t o = rest % output.getDimSize(2 + d);
        rest /= output.getDimSize(2 + d);
        flat[p] += (o * w.strides[d] - w.pads[d] + tap[d] * w.dilations[d]) *
                   flatStride[d];
      }
    Value index = n.create<AddOp>(planeOffsets,
                                  n.constant(DenseElementsAttr::get(
                                      positionType, ArrayRef<int64_t>(flat))));
    if (!result) {
      result = index;
      continue;
    }
    SmallVector<int64_t> starts(rank, 0), ends(padded), steps(rank, 1);
    for (int64_t d = 0; d < spatial; ++d) {
      starts[2 + d] = tap[d] * w.dilations[d];
      ends[2 + d] =
          starts[2 + d] + (output.getDimSize(2 + d) - 1) * w.strides[d] + 1;
      steps[2 + d] = w.strides[d];
    }
    Value view = n.create<SliceOp>(x, n.b.getDenseI64ArrayAttr(starts),
                                   n.b.getDenseI64ArrayAttr(ends),
                                   n.b.getDenseI64ArrayAttr(steps));
    Value match =
        view && index
            ? n.create<CmpOp>(CmpPredicateAttr::get(n.ctx, CmpPredicate::eq),
                              view, pooled)
            : Value();
    result = match ? n.create<SelectOp>(match, index, result) : Value();
  }
  return result;
}

LogicalResult convertPool(NodeContext &n, PoolKind kind) {
  if (failed(n.checkArity(1, 1, kind == PoolKind::max ? 2 : 1)))
    return failure();
  auto input = n.inputType(0);
  if (input.getRank() < 3)
    return n.emitError() << "expects an input of rank >= 3";
  std::optional<SmallVector<int64_t>> kernel = n.intsAttr("kernel_shape");
  if (!kernel)
    return n.emitError() << "kernel_shape is required";
  Window w;
  if (failed(readWindow(n, input, *kernel, w)))
    return failure();
  bool ceilMode = n.intAttr("ceil_mode", 0) != 0;
  bool countIncludePad = n.intAttr("count_include_pad", 0) != 0;
  Value pooled = n.create<PoolOp>(
      n.input(0), PoolKindAttr::get(n.ctx, kind),
      n.b.getDenseI64ArrayAttr(w.kernel), n.b.getDenseI64ArrayAttr(w.strides),
      n.b.getDenseI64ArrayAttr(w.pads), n.b.getDenseI64ArrayAttr(w.dilations),
      ceilMode ? n.b.getUnitAttr() : UnitAttr(),
      countIncludePad ? n.b.getUnitAttr() : UnitAttr());
  if (!pooled || !n.hasOutput(1))
    return n.finish(pooled);
  Value indices = maxPoolIndices(n, w, pooled);
  if (!indices)
    return failure();
  n.setOutput(1, indices);
  return n.finish(pooled);
}

/// LpPool: (sum over the window of |x|^p)^(1/p), as an average pool that
/// counts the (zero) padding, times the window size.
LogicalResult convertLpPool(NodeContext &n) {
  if (failed(n.checkArity(1, 1)))
    return failure();
  auto input = n.inputType(0);
  if (input.getRank() < 3 || !isa<FloatType>(input.getElementType()))
    return n.emitError() << "expects a float input of rank >= 3";
  std::optional<SmallVector<int64_t>> kernel = n.intsAttr("kernel_shape");
  if (!kernel)
    return n.emitError() << "kernel_shape is required";
  int64_t p = n.intAttr("p", 2);
  if (p <= 0)
    return n.emitError() << "p must be positive";
  Window w;
  if (failed(readWindow(n, input, *kernel, w)))
    return failure();
  Type element = input.getElementType();
  Value x = n.input(0);
  Value magnitude = n.create<AbsOp>(x);
  Value powered = magnitude;
  if (magnitude && p == 2)
    powered = n.create<MulOp>(magnitude, magnitude);
  else if (magnitude && p > 2)
    powered = n.create<PowOp>(magnitude, n.scalar(element, p));
  if (!powered)
    return failure();
  Value pooled = n.create<PoolOp>(
      powered, PoolKindAttr::get(n.ctx, PoolKind::avg),
      n.b.getDenseI64ArrayAttr(w.kernel), n.b.getDenseI64ArrayAttr(w.strides),
      n.b.getDenseI64ArrayAttr(w.pads), n.b.getDenseI64ArrayAttr(w.dilations),
      n.intAttr("ceil_mode", 0) ? n.b.getUnitAttr() : UnitAttr(),
      n.b.getUnitAttr());
  int64_t windowSize = 1;
  for (int64_t k : w.kernel)
    windowSize *= k;
  Value sum =
      pooled ? n.create<MulOp>(pooled, n.scalar(element, windowSize)) : Value();
  if (!sum || p == 1)
    return n.finish(sum);
  if (p == 2)
    return n.finish(n.create<SqrtOp>(sum));
  return n.finish(n.create<PowOp>(sum, n.scalar(element, 1.0 / p)));
}

/// LRN: x / (bias + alpha / size * (sum of x^2 over `size` neighbouring
/// channels))^beta; the channel sum is an average pool over a [N, 1, C,
/// rest] view that counts the padding, times the window size.
LogicalResult convertLRN(NodeContext &n) {
  if (failed(n.checkArity(1, 1)))
    return failure();
  auto input = n.inputType(0);
  int64_t size = n.intAttr("size", 0);
  if (input.getRank() < 3 || size <= 0 ||
      !isa<FloatType>(input.getElementType()))
    return n.emitError()
           << "expects a float input of rank >= 3 and a positive size";
  double alpha = n.floatAttr("alpha", 1e-4), beta = n.floatAttr("beta", 0.75),
         bias = n.floatAttr("bias", 1.0);
  Type element = input.getElementType();
  Value x = n.input(0);
  Value squared = n.create<MulOp>(x, x);
  Value view =
      squared
          ? n.reshapeTo(squared, {DimSpec::fromInput(0), DimSpec::literal(1),
                                  DimSpec::fromInput(1), DimSpec::literal(-1)})
          : Value();
  if (!view)
    return failure();
  int64_t before = (size - 1) / 2, after = size - 1 - before;
  Value average = n.create<PoolOp>(
      view, PoolKindAttr::get(n.ctx, PoolKind::avg),
      n.b.getDenseI64ArrayAttr({size, 1}), n.b.getDenseI64ArrayAttr({1, 1}),
      n.b.getDenseI64ArrayAttr({before, 0, after, 0}),
      n.b.getDenseI64ArrayAttr({1, 1}), UnitAttr(), n.b.getUnitAttr());
  Value back = average ? n.reshapeLike(average, x) : Value();
  // alpha / size * sum = alpha * average.
  Value scaled =
      back ? n.create<MulOp>(back, n.scalar(element, alpha)) : Value();
  Value shifted =
      scaled ? n.create<AddOp>(scaled, n.scalar(element, bias)) : Value();
  Value denominator =
      shifted ? n.create<PowOp>(shifted, n.scalar(element, beta)) : Value();
  return n.finish(denominator ? n.create<DivOp>(x, denominator) : Value());
}

LogicalResult convertGlobalPool(NodeContext &n, ReduceKind kind) {
  if (failed(n.checkArity(1, 1)))
    return failure();
  int64_t rank = n.inputType(0).getRank();
  if (rank < 3)
    return n.emitError() << "expects an input of rank >= 3";
  SmallVector<int64_t> axes;
  for (int64_t d = 2; d < rank; ++d)
    axes.push_back(d);
  return n.finish(n.create<ReduceOp>(ReduceKindAttr::get(n.ctx, kind),
                                     n.input(0), n.b.getDenseI64ArrayAttr(axes),
                                     n.b.getUnitAttr()));
}
} // namespace

void registerContractionConverters(OpRegistry &r) {
  r.add("MatMul", convertMatMul);
  r.add("Gemm", convertGemm);
  r.add("MatMulInteger", convertMatMulInteger);
  r.add("QLinearMatMul", convertQLinearMatMul);
  r.add("DynamicQuantizeLinear", convertDynamicQuantizeLinear);
  r.add("ConvInteger", convertConvInteger);
  r.add("QLinearConv", convertQLinearConv);
  r.add("Conv", convertConv);
  r.add("ConvTranspose", convertConvTranspose);
  r.add("MaxPool",
        [](NodeContext &n) { return convertPool(n, PoolKind::max); });
  r.add("AveragePool",
        [](NodeContext &n) { return convertPool(n, PoolKind::avg); });
  r.add("LpPool", convertLpPool);
  r.add("LRN", convertLRN);
  r.add("GlobalAveragePool",
        [](NodeContext &n) { return convertGlobalPool(n, ReduceKind::mean); });
  r.add("GlobalMaxPool",
        [](NodeContext &n) { return convertGlobalPool(n, ReduceKind::max); });
}
} // namespace autoglm::importer
