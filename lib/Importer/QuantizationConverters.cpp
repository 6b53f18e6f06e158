//===- QuantizationConverters.cpp - QuantizeLinear / DequantizeLinear -----===//
//
// ONNX carries scale and zero point as tensors; with constant ones they
// become a `!quant.uniform` element type (per tensor or per axis). Quantized
// values flow between quantize and dequantize in that type; plain integer
// tensors (quantized weights) are reinterpreted with `quant.scast`.
//
//===----------------------------------------------------------------------===//

#include "Float8Cast.h"
#include "NodeContext.h"
#include "OpRegistry.h"
#include "TensorConversion.h"

#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include "onnx/onnx_pb.h"

#include <cmath>

using namespace mlir;
using namespace mlir::autoglm;

namespace autoglm::importer {
namespace {
/// Builds the uniform quantized element type for `storage` (an ONNX integer
/// element type, `uiN` for unsigned) expressing `expressed`, from the
/// constant scale (input `scaleIndex`) and zero point (`zeroPointIndex`,
/// optional). `rank` and `dims` are those of the quantized tensor.
quant::QuantizedType buildQuantizedType(NodeContext &n, RankedTensorType tensor,
                                        Type storage, Type expressed,
                                        unsigned scaleIndex,
                                        unsigned zeroPointIndex) {
  std::optional<SmallVector<double>> scales = n.constantValues(scaleIndex);
  if (!scales) {
    (void)n.notKnown("the scale (a constant is required)");
    return nullptr;
  }
  SmallVector<int64_t> zeroPoints(scales->size(), 0);
  if (n.hasInput(zeroPointIndex)) {
    std::optional<SmallVector<double>> values =
        n.constantValues(zeroPointIndex);
    if (!values) {
      (void)n.notKnown("the zero point (a constant is required)");
      return nullptr;
    }
    if (values->size() != scales->size()) {
      n.emitError() << "scale and zero point differ in size";
      return nullptr;
    }
    for (auto [i, v] : llvm::enumerate(*values))
      zeroPoints[i] = static_cast<int64_t>(v);
  }
  auto intType = dyn_cast<IntegerType>(storage);
  if (!intType || intType.getWidth() < 2 || intType.getWidth() > 32) {
    n.emitError() << "unsupported quantized storage type " << storage;
    return nullptr;
  }
  unsigned width = intType.getWidth();
  bool isSigned = !intType.isUnsigned();
  Type signless = IntegerType::get(n.ctx, width);
  int64_t min = isSigned ? -(int64_t(1) << (width - 1)) : 0;
  int64_t max =
      isSigned ? (int64_t(1) << (width - 1)) - 1 : (int64_t(1) << width) - 1;
  unsigned flags = isSigned ? quant::QuantizationFlags::Signed : 0;
  auto emitter = [&]() { return n.emitError(); };

  auto scaleType = n.inputType(scaleIndex);
  if (scales->size() == 1 && scaleType.getRank() <= 1)
    return quant::UniformQuantizedType::getChecked(
        emitter, flags, signless, expressed, scales->front(),
        zeroPoints.front(), min, max);
  if (scaleType.getRank() != 1) {
    n.emitError() << "the scale must be a scalar or a 1-D tensor";
    return nullptr;
  }
  FailureOr<int64_t> axis =
      n.normalizeAxis(n.intAttr("axis", 1), tensor.getRank());
  if (failed(axis))
    return nullptr;
  int64_t dim = tensor.getDimSize(*axis);
  if (!ShapedType::isDynamic(dim) &&
      dim != static_cast<int64_t>(scales->size())) {
    n.emitError() << scales->size() << " scales for dimension " << *axis
                  << " of size " << dim;
    return nullptr;
  }
  return quant::UniformQuantizedPerAxisType::getChecked(
      emitter, flags, signless, expressed, *scales, zeroPoints,
      static_cast<int32_t>(*axis), min, max);
}

/// Whether the scale and zero point are run-time values, or blocked (then
/// the arithmetic below replaces the `!quant.uniform` type).
bool runTimeParameters(NodeContext &n) {
  return n.intAttr("block_size", 0) != 0 || !n.constantValues(1) ||
         (n.hasInput(2) && !n.constantValues(2));
}

/// A blocked scale or zero point (x's rank, ceil(D / block_size) entries
/// along `axis`) with each entry repeated over its block, cut to x's shape.
Value blockExpanded(NodeContext &n, Value v, RankedTensorType x,
                    int64_t block) {
  auto type = cast<RankedTensorType>(v.getType());
  FailureOr<int64_t> axis = n.normalizeAxis(n.intAttr("axis", 1), x.getRank());
  if (failed(axis))
    return nullptr;
  if (block < 0 || !type.hasStaticShape() || !x.hasStaticShape() ||
      type.getRank() != x.getRank()) {
    n.emitError() << "a blocked scale must have the input's rank and static "
                     "shapes, and block_size be positive";
    return nullptr;
  }
  int64_t size = x.getDimSize(*axis), blocks = type.getDimSize(*axis);
  for (int64_t d = 0; d < x.getRank(); ++d)
    if (d == *axis ? blocks != (size + block - 1) / block
                   : type.getDimSize(d) != x.getDimSize(d)) {
      n.emitError() << "the blocked scale's shape does not match the input "
                       "and block_size "
                    << block << " along axis " << *axis;
      return nullptr;
    }
  // [.., B, ..] -> [.., B, 1, ..] -> [.., B, block, ..] -> [.., B * block, ..]
  SmallVector<int64_t> unit(type.getShape()), spread(type.getShape()),
      joined(type.getShape());
  unit.insert(unit.begin() + *axis + 1, 1);
  spread.insert(spread.begin() + *axis + 1, block);
  joined[*axis] = blocks * block;
  Value r = n.reshape(v, unit);
  r = r ? n.createTyped<ExpandOp>(type.clone(spread), r, Value()) : Value();
  r = r ? n.reshape(r, joined) : Value();
  if (!r || blocks * block == size)
    return r;
  SmallVector<int64_t> starts(x.getRank(), 0), ends(joined),
      steps(x.getRank(), 1);
  ends[*axis] = size;
  return n.create<SliceOp>(r, n.b.getDenseI64ArrayAttr(starts),
                           n.b.getDenseI64ArrayAttr(ends),
                           n.b.getDenseI64ArrayAttr(steps));
}

/// A scale or zero point of a run-time quantization shaped to broadcast
/// against x: a scalar (or one element) as is, a vector along `axis`, a
/// blocked one repeated over its blocks.
Value alongAxis(NodeContext &n, Value v, RankedTensorType x) {
  if (int64_t block = n.intAttr("block_size", 0))
    return v ? blockExpanded(n, v, x, block) : Value();
  auto type = cast<RankedTensorType>(v.getType());
  if (type.getRank() == 0 ||
      (type.hasStaticShape() && type.getNumElements() == 1))
    return v;
  if (type.getRank() != 1) {
    n.emitError() << "the scale must be a scalar or a 1-D tensor";
    return nullptr;
  }
  FailureOr<int64_t> axis = n.normalizeAxis(n.intAttr("axis", 1), x.getRank());
  if (failed(axis))
    return nullptr;
  SmallVector<DimSpec> spec(x.getRank(), DimSpec::literal(1));
  spec[*axis] = DimSpec::fromInput(0);
  return n.reshapeTo(v, spec);
}

/// The range of an integer storage type.
std::pair<double, double> storageRange(IntegerType type) {
  unsigned width = type.getWidth();
  if (type.isUnsigned())
    return {0.0, std::ldexp(1.0, width) - 1};
  return {-std::ldexp(1.0, width - 1), std::ldexp(1.0, width - 1) - 1};
}

/// QuantizeLinear to a float8 type: x / scale + zero_point, computed in x's
/// type, cast to the float8 type with the node's `saturate` (no rounding to
/// integers: the cast rounds to the nearest float8).
LogicalResult quantizeToFloat8(NodeContext &n, FloatType storage) {
  auto type = n.inputType(0);
  Type element = type.getElementType();
  Value scale = alongAxis(n, n.castTo(n.input(1), element), type);
  Value scaled = scale ? n.create<DivOp>(n.input(0), scale) : Value();
  if (scaled && n.hasInput(2)) {
    Value zeroPoint = alongAxis(n, n.castTo(n.input(2), element), type);
    scaled = zeroPoint ? n.create<AddOp>(scaled, zeroPoint) : Value();
  }
  // float4e2m1 always saturates: it has no infinity or NaN to overflow to.
  bool saturate =
      isa<Float4E2M1FNType>(storage) || n.intAttr("saturate", 1) != 0;
  return n.finish(scaled ? castToFloat8(n, scaled, storage, saturate)
                         : Value());
}

/// QuantizeLinear with a run-time scale or zero point:
/// saturate(round_half_even(x / scale) + zero_point), computed in floats.
LogicalResult quantizeAtRunTime(NodeContext &n, Type storage) {
  auto type = n.inputType(0);
  if (isFloatStorage(storage))
    return quantizeToFloat8(n, cast<FloatType>(storage));
  auto intType = dyn_cast<IntegerType>(storage);
  if (!intType || intType.getWidth() > 32)
    return n.emitError() << "unsupported quantized storage type " << storage;
  Type element = type.getElementType();
  Value scale = alongAxis(n, n.castTo(n.input(1), element), type);
  Value scaled = scale ? n.create<DivOp>(n.input(0), scale) : Value();
  Value rounded = scaled ? n.create<RoundOp>(scaled) : Value();
  if (rounded && n.hasInput(2)) {
    Value zeroPoint = alongAxis(n, n.castTo(n.input(2), element), type);
    rounded = zeroPoint ? n.create<AddOp>(rounded, zeroPoint) : Value();
  }
  auto [min, max] = storageRange(intType);
  Value clipped = rounded ? n.create<ClipOp>(rounded, n.b.getF64FloatAttr(min),
                                             n.b.getF64FloatAttr(max))
                          : Value();
  return n.finish(clipped ? n.castTo(clipped, storage) : Value());
}

/// DequantizeLinear with a run-time scale or zero point:
/// (x - zero_point) * scale in the scale's type.
LogicalResult dequantizeAtRunTime(NodeContext &n) {
  auto type = n.inputType(0);
  if (!isa<IntegerType>(type.getElementType()) &&
      !isFloatStorage(type.getElementType()))
    return n.emitError() << "x must be a plain integer, float8 or float4 "
                            "tensor when "
                            "the scale or zero point is computed at run time";
  Type expressed = n.inputType(1).getElementType();
  Value x = n.castTo(n.input(0), expressed);
  if (x && n.hasInput(2)) {
    Value zeroPoint = alongAxis(n, n.castTo(n.input(2), expressed), type);
    x = zeroPoint ? n.create<SubOp>(x, zeroPoint) : Value();
  }
  Value scale = alongAxis(n, n.input(1), type);
  return n.finish(x && scale ? n.create<MulOp>(x, scale) : Value());
}

LogicalResult convertQuantizeLinear(NodeContext &n) {
  if (failed(n.checkArity(2, 3)))
    return failure();
  auto type = n.inputType(0);
  // The stored type: the zero point's, else output_dtype, else uint8.
  Type storage;
  if (n.hasInput(2)) {
    storage = n.inputType(2).getElementType();
  } else {
    int64_t dtype = n.intAttr("output_dtype", onnx::TensorProto::UINT8);
    storage = convertElementType(
        dtype ? dtype : int64_t(onnx::TensorProto::UINT8), n.ctx);
    if (!storage)
      return n.emitError() << "unsupported output_dtype "
                           << onnxTypeName(dtype);
  }
  // float8 storage has no !quant.uniform form: always the arithmetic.
  if (runTimeParameters(n) || isFloatStorage(storage))
    return quantizeAtRunTime(n, storage);
  quant::QuantizedType element =
      buildQuantizedType(n, type, storage, type.getElementType(), 1, 2);
  if (!element)
    return failure();
  return n.finish(n.createTyped<QuantizeOp>(type.clone(element), n.input(0)));
}

/// `value` (quantized or plain integer) as a tensor of `element`.
Value asQuantized(NodeContext &n, Value value, quant::QuantizedType element) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getElementType() == element)
    return value;
  Type signless =
      IntegerType::get(n.ctx, element.getStorageTypeIntegralWidth());
  if (isa<quant::QuantizedType>(type.getElementType())) {
    // Other parameters than the producer used: reinterpret the storage.
    value =
        quant::StorageCastOp::create(n.b, n.loc, type.clone(signless), value);
  } else if (type.getElementType() != signless) {
    auto intType = dyn_cast<IntegerType>(type.getElementType());
    if (!intType || intType.getWidth() != signless.getIntOrFloatBitWidth()) {
      n.emitError() << "input element type " << type.getElementType()
                    << " does not match the zero point's";
      return nullptr;
    }
    // Unsigned storage: same bits, signless type (quant.scast wants one).
    if (auto constant = n.constantAttr(0)) {
      auto signlessType = type.clone(signless);
      ElementsAttr bits;
      if (auto dense = dyn_cast<DenseElementsAttr>(constant))
        bits = dense.bitcast(signless);
      else if (auto resource = dyn_cast<DenseResourceElementsAttr>(constant))
        bits = DenseResourceElementsAttr::get(signlessType,
                                              resource.getRawHandle());
      value = bits ? n.constant(bits) : n.castTo(value, signless);
    } else {
      value = n.castTo(value, signless);
    }
    if (!value)
      return nullptr;
  }
  return quant::StorageCastOp::create(n.b, n.loc, type.clone(element), value);
}

LogicalResult convertDequantizeLinear(NodeContext &n) {
  if (failed(n.checkArity(2, 3)))
    return failure();
  auto type = n.inputType(0);
  Type storage = type.getElementType();
  if (auto quantized = dyn_cast<quant::QuantizedType>(storage))
    storage = IntegerType::get(n.ctx, quantized.getStorageTypeIntegralWidth(),
                               quantized.isSigned() ? IntegerType::Signless
                                                    : IntegerType::Unsigned);
  if (n.hasInput(2) && !isa<quant::QuantizedType>(type.getElementType()) &&
      n.inputType(2).getElementType() != storage)
    return n.emitError() << "x is " << storage << " but the zero point is "
                         << n.inputType(2).getElementType();
  if (n.hasInput(2))
    storage = n.inputType(2).getElementType();
  Type expressed = n.inputType(1).getElementType();
  if (!isa<FloatType>(expressed))
    return n.emitError() << "the scale must be floating-point";
  // A plain integer computed at run time (an integer product's output,
  // QOperator format) is dequantized by arithmetic: the lowering has no
  // storage cast of a run-time value into a quantized type.
  bool runTimeInteger = isa<IntegerType>(type.getElementType()) &&
                        !n.constantAttr(0) && !isa<BlockArgument>(n.input(0));
  if (runTimeParameters(n) || isFloatStorage(storage) || runTimeInteger)
    return dequantizeAtRunTime(n);
  quant::QuantizedType element =
      buildQuantizedType(n, type, storage, expressed, 1, 2);
  if (!element)
    return failure();
  Value input = asQuantized(n, n.input(0), element);
  if (!input)
    return failure();
  return n.finish(n.createTyped<DequantizeOp>(type.clone(expressed), input));
}
} // namespace

void registerQuantizationConverters(OpRegistry &r) {
  r.add("QuantizeLinear", convertQuantizeLinear);
  r.add("DequantizeLinear", convertDequantizeLinear);
}
} // namespace autoglm::importer
