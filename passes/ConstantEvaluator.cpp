//===- ConstantEvaluator.cpp - ConstTensor and the evaluator entry point --===//
//
// ConstTensor's reading and writing of dense and dense_resource attributes,
// the index helpers of the op families (evaluator/Kernels.h), and
// `evaluate`, which checks the limits and dispatches each op to its family
// in evaluator/.
//
//===----------------------------------------------------------------------===//

#include "ConstantEvaluator.h"
#include "evaluator/Kernels.h"

#include "autoglm/Dialect/AutoGLM.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cstring>

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::evaluator;

//===----------------------------------------------------------------------===//
// Element encoding
//===----------------------------------------------------------------------===//

namespace {
bool isSupportedFloat(Type type) {
  return type.isF16() || type.isBF16() || type.isF32() || type.isF64();
}

/// Float8 constants (--precision=fp8's weights) are read and written, each
/// value exact in f64; no op is evaluated into float8.
bool isFloat8(Type type) {
  return isa<Float8E4M3FNType, Float8E4M3FNUZType, Float8E5M2Type,
             Float8E5M2FNUZType>(type);
}

/// Bytes per element in dense and resource storage (i1 excluded).
unsigned storageBytes(Type type) {
  return (type.getIntOrFloatBitWidth() + 7) / 8;
}

double readFloat(Type type, const char *data) {
  if (type.isF32()) {
    float value;
    std::memcpy(&value, data, sizeof(value));
    return value;
  }
  if (type.isF64()) {
    double value;
    std::memcpy(&value, data, sizeof(value));
    return value;
  }
  unsigned width = type.getIntOrFloatBitWidth();
  uint16_t bits = 0;
  std::memcpy(&bits, data, storageBytes(type)); // little-endian hosts
  return APFloat(semanticsOf(type), APInt(width, bits)).convertToDouble();
}

int64_t readInt(Type type, const char *data) {
  uint64_t bits = 0;
  std::memcpy(&bits, data, storageBytes(type)); // little-endian hosts
  return wrapInt(bits, type);
}

void writeFloat(Type type, double value, char *data) {
  if (type.isF32()) {
    float narrow = static_cast<float>(value);
    std::memcpy(data, &narrow, sizeof(narrow));
    return;
  }
  if (type.isF64()) {
    std::memcpy(data, &value, sizeof(value));
    return;
  }
  APFloat converted(value);
  bool losesInfo;
  converted.convert(semanticsOf(type), APFloat::rmNearestTiesToEven,
                    &losesInfo);
  uint16_t bits = converted.bitcastToAPInt().getZExtValue();
  std::memcpy(data, &bits, storageBytes(type)); // little-endian hosts
}
} // namespace

double mlir::autoglm::roundToFloatType(double value, Type type) {
  if (type.isF64())
    return value;
  if (type.isF32())
    return static_cast<float>(value);
  APFloat converted(value);
  bool losesInfo;
  converted.convert(semanticsOf(type), APFloat::rmNearestTiesToEven,
                    &losesInfo);
  return converted.convertToDouble();
}

//===----------------------------------------------------------------------===//
// ConstTensor
//===----------------------------------------------------------------------===//

ConstTensor ConstTensor::zeros(RankedTensorType type) {
  ConstTensor tensor{type, {}, {}};
  if (isa<FloatType>(type.getElementType()))
    tensor.floats.assign(type.getNumElements(), 0.0);
  else
    tensor.ints.assign(type.getNumElements(), 0);
  return tensor;
}

double ConstTensor::asDouble(int64_t i) const {
  if (isFloat())
    return floats[i];
  if (isUnsignedInt(type.getElementType()))
    return static_cast<double>(static_cast<uint64_t>(ints[i]));
  return static_cast<double>(ints[i]);
}

std::optional<ConstTensor> ConstTensor::read(ElementsAttr attr) {
  auto type = dyn_cast<RankedTensorType>(attr.getType());
  if (!type || !type.hasStaticShape())
    return std::nullopt;
  Type element = type.getElementType();
  bool isInt = isa<IntegerType>(element);
  if (!isInt && !isSupportedFloat(element) && !isFloat8(element))
    return std::nullopt;
  ConstTensor tensor = zeros(type);
  int64_t count = type.getNumElements();

  ArrayRef<char> raw;
  bool splat = false;
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    if (element.isInteger(1)) { // bit-packed: read through the iterator
      int64_t i = 0;
      for (bool value : dense.getValues<bool>())
        tensor.ints[i++] = value;
      return tensor;
    }
    raw = dense.getRawData();
    splat = dense.isSplat();
  } else if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob) // elided (e.g. printed with --mlir-elide-resource-strings)
      return std::nullopt;
    raw = blob->getData();
  } else {
    return std::nullopt;
  }

  unsigned bytes = storageBytes(element);
  if ((int64_t)raw.size() < (splat ? 1 : count) * bytes)
    return std::nullopt;
  for (int64_t i = 0; i < count; ++i) {
    const char *data = raw.data() + (splat ? 0 : i * bytes);
    if (isInt)
      tensor.ints[i] =
          element.isInteger(1) ? (*data != 0) : readInt(element, data);
    else
      tensor.floats[i] = readFloat(element, data);
  }
  return tensor;
}

ElementsAttr ConstTensor::toAttr(StringRef blobName) const {
  Type element = type.getElementType();
  int64_t count = size();
  if (element.isInteger(1)) {
    SmallVector<bool> values(ints.begin(), ints.end());
    return DenseElementsAttr::get(type, values);
  }
  // Rounded to the element type first, so that the splat test sees what
  // will be stored.
  unsigned bytes = storageBytes(element);
  std::vector<char> raw(count * bytes);
  for (int64_t i = 0; i < count; ++i) {
    char *data = raw.data() + i * bytes;
    if (isFloat())
      writeFloat(element, floats[i], data);
    else
      std::memcpy(data, &ints[i], bytes); // little-endian hosts
  }
  bool splat = count > 0;
  for (int64_t i = 1; i < count && splat; ++i)
    splat = std::memcmp(raw.data(), raw.data() + i * bytes, bytes) == 0;
  if (splat)
    return DenseElementsAttr::getFromRawBuffer(
        type, ArrayRef<char>(raw).take_front(bytes));
  // Like the importer: large tensors as blobs, which are not uniqued (hashed
  // and kept forever) in the context.
  constexpr size_t resourceThreshold = 64 * 1024;
  if (raw.size() < resourceThreshold)
    return DenseElementsAttr::getFromRawBuffer(type, raw);
  AsmResourceBlob blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
      raw, bytes, /*dataIsMutable=*/false);
  return DenseResourceElementsAttr::get(type, blobName, std::move(blob));
}

//===----------------------------------------------------------------------===//
// Index helpers
//===----------------------------------------------------------------------===//

namespace mlir::autoglm::evaluator {
SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t d = (int64_t)shape.size() - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  return strides;
}

/// Calls `fn(index)` for every multi-index of `shape` in row-major order.
void forEachIndex(ArrayRef<int64_t> shape,
                  llvm::function_ref<void(ArrayRef<int64_t>)> fn) {
  for (int64_t dim : shape)
    if (dim == 0)
      return;
  SmallVector<int64_t> index(shape.size(), 0);
  while (true) {
    fn(index);
    int64_t d = (int64_t)shape.size() - 1;
    for (; d >= 0; --d) {
      if (++index[d] < shape[d])
        break;
      index[d] = 0;
    }
    if (d < 0)
      return;
  }
}

/// The linear offset in a tensor of `inShape`, broadcast numpy-style to
/// `outShape`, of every element of `outShape`.
std::vector<int64_t> broadcastOffsets(ArrayRef<int64_t> inShape,
                                      ArrayRef<int64_t> outShape) {
  SmallVector<int64_t> inStrides = stridesOf(inShape);
  int64_t lead = outShape.size() - inShape.size();
  SmallVector<int64_t> strides(outShape.size(), 0);
  for (size_t d = 0; d < inShape.size(); ++d)
    if (inShape[d] != 1 || outShape[lead + d] == 1)
      strides[lead + d] = inStrides[d];
  std::vector<int64_t> offsets;
  offsets.reserve(ShapedType::getNumElements(outShape));
  forEachIndex(outShape, [&](ArrayRef<int64_t> index) {
    int64_t offset = 0;
    for (size_t d = 0; d < index.size(); ++d)
      offset += index[d] * strides[d];
    offsets.push_back(offset);
  });
  return offsets;
}

/// `out[i] = in[offsets[i]]`; an offset of -1 leaves the element as it is.
ConstTensor takeElements(const ConstTensor &in, RankedTensorType type,
                         ArrayRef<int64_t> offsets) {
  ConstTensor out = ConstTensor::zeros(type);
  for (auto [i, offset] : llvm::enumerate(offsets))
    if (offset >= 0)
      copyElement(out, i, in, offset);
  return out;
}
} // namespace mlir::autoglm::evaluator

//===----------------------------------------------------------------------===//
// Entry point
//===----------------------------------------------------------------------===//

EvalStatus mlir::autoglm::evaluate(Operation *op,
                                   ArrayRef<ConstTensor> operands,
                                   const EvalLimits &limits,
                                   SmallVectorImpl<ConstTensor> &results) {
  if (op->getNumResults() == 0)
    return EvalStatus::Unsupported;
  // Every result must have a static shape and an element type we hold.
  int64_t resultElements = 0, largestOperand = 0;
  for (Value result : op->getResults()) {
    auto type = dyn_cast<RankedTensorType>(result.getType());
    if (!type || !type.hasStaticShape())
      return EvalStatus::Unsupported;
    Type element = type.getElementType();
    if (!isa<IntegerType>(element) && !isSupportedFloat(element))
      return EvalStatus::Unsupported;
    resultElements += type.getNumElements();
  }
  for (const ConstTensor &operand : operands)
    largestOperand = std::max(largestOperand, operand.size());
  if (resultElements > limits.maxElements && resultElements > largestOperand)
    return EvalStatus::TooLarge;

  auto type = cast<RankedTensorType>(op->getResult(0).getType());
  ConstTensor out;
  EvalStatus status = EvalStatus::Unsupported;
  auto done = [&](ConstTensor tensor) {
    out = std::move(tensor);
    return EvalStatus::Done;
  };

  if (op->hasTrait<OpTrait::autoglm::Elementwise>() && !isa<CastOp>(op)) {
    if (auto select = dyn_cast<SelectOp>(op))
      status = evalSelect(operands[0], operands[1], operands[2], type, out);
    else if (operands.size() == 2)
      status = evalBinary(op, operands[0], operands[1], type, out);
    else if (operands.size() == 1)
      status = evalUnary(op, operands[0], type, out);
  } else {
    status =
        llvm::TypeSwitch<Operation *, EvalStatus>(op)
            .Case([&](CastOp) { return evalCast(operands[0], type, out); })
            .Case([&](ReshapeOp) {
              ConstTensor reshaped = operands[0];
              reshaped.type = type;
              return done(std::move(reshaped));
            })
            .Case([&](TransposeOp transpose) {
              return done(
                  evalTranspose(operands[0], transpose.getPermutation(), type));
            })
            .Case([&](SliceOp slice) {
              return done(evalSlice(operands[0], slice, type));
            })
            .Case([&](ConcatOp concat) {
              return done(evalConcat(operands, concat.getAxis(), type));
            })
            .Case([&](SplitOp split) {
              evalSplit(operands[0], split, results);
              return EvalStatus::Done;
            })
            .Case([&](GatherOp gather) {
              return evalGather(operands[0], operands[1], gather.getAxis(),
                                type, out);
            })
            .Case([&](GatherElementsOp gather) {
              return evalGatherElements(operands[0], operands[1],
                                        gather.getAxis(), type, out);
            })
            .Case([&](ExpandOp) {
              return done(
                  takeElements(operands[0], type,
                               broadcastOffsets(operands[0].type.getShape(),
                                                type.getShape())));
            })
            .Case([&](TileOp) { return done(evalTile(operands[0], type)); })
            .Case(
                [&](PadOp pad) { return evalPad(operands[0], pad, type, out); })
            .Case([&](RangeOp) {
              return evalRange(operands[0], operands[2], type, out);
            })
            .Case([&](ShapeOfOp) {
              ConstTensor shape = ConstTensor::zeros(type);
              llvm::append_range(shape.ints, operands[0].type.getShape());
              shape.ints.erase(shape.ints.begin(),
                               shape.ints.begin() + type.getNumElements());
              return done(std::move(shape));
            })
            .Case([&](FillOp fill) {
              ConstTensor filled = ConstTensor::zeros(type);
              if (auto value = dyn_cast<FloatAttr>(fill.getValue()))
                filled.floats.assign(filled.size(), value.getValueAsDouble());
              else if (auto value = dyn_cast<IntegerAttr>(fill.getValue()))
                filled.ints.assign(
                    filled.size(),
                    isUnsignedInt(value.getType())
                        ? int64_t(value.getValue().getZExtValue())
                        : value.getValue().getSExtValue());
              else
                return EvalStatus::Unsupported;
              return done(std::move(filled));
            })
            .Case([&](ReduceOp reduce) {
              return evalReduce(operands[0], reduce, type, out);
            })
            .Case([&](ArgReduceOp reduce) {
              return evalArgReduce(operands[0], reduce, type, out);
            })
            .Case([&](MatMulOp) {
              return evalMatMul(operands[0], operands[1], type, limits, out);
            })
            .Default([](Operation *) { return EvalStatus::Unsupported; });
  }
  if (status == EvalStatus::Done && results.empty())
    results.push_back(std::move(out));
  return status;
}
