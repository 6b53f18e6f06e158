//===- ContractionConverters.cpp - MatMul, Gemm, Conv, pooling ------------===//

#include "NodeContext.h"
#include "OpRegistry.h"

#include "onnx/onnx_pb.h"

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

LogicalResult convertMatMulInteger(NodeContext &n) {
  if (failed(n.checkArity(2, 4)))
    return failure();
  Value a = n.input(0), b = n.input(1);
  auto aType = n.inputType(0), bType = n.inputType(1);
  if (!aType.getElementType().isInteger(8) ||
      !bType.getElementType().isInteger(8))
    return n.emitError() << "A and B must be 8-bit integers";
  if (aType.getRank() < 2 || bType.getRank() < 2)
    return n.emitError() << "operands of rank 1 are not supported";
  // (A - a0)(B - b0) = AB - a0 * colsum(B) - rowsum(A) * b0 + K * a0 * b0,
  // which keeps the product itself in 8-bit operands.
  Value y = n.create<MatMulOp>(a, b);
  if (!y)
    return failure();
  Type i32 = n.b.getI32Type();
  bool aZero = isAbsentOrZero(n, 2), bZero = isAbsentOrZero(n, 3);
  Value a0, b0;
  if (!aZero) {
    // a0 is a scalar or one value per row of A: make it a column.
    a0 = n.castTo(n.input(2), i32);
    if (a0 && n.inputType(2).getRank() == 1)
      a0 = n.reshapeTo(a0, {DimSpec::fromInput(0), DimSpec::literal(1)});
  }
  if (!bZero)
    b0 = n.castTo(n.input(3), i32);
  if ((!aZero && !a0) || (!bZero && !b0))
    return failure();
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
    if (ShapedType::isDynamic(k))
      return n.notKnown("the contraction size with two zero points");
    Value kValue = n.scalar(i32, k);
    Value ab = n.create<MulOp>(a0, b0);
    Value term = ab && kValue ? n.create<MulOp>(ab, kValue) : Value();
    y = term ? n.create<AddOp>(y, term) : Value();
  }
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

LogicalResult convertConv(NodeContext &n) {
  if (failed(n.checkArity(2, 3)))
    return failure();
  auto input = n.inputType(0), weight = n.inputType(1);
  if (input.getRank() < 3 || weight.getRank() != input.getRank())
    return n.emitError() << "expects input and weight of equal rank >= 3 (got "
                         << input.getRank() << " and " << weight.getRank()
                         << ")";
  SmallVector<int64_t> kernel;
  Window w;
  if (failed(readKernel(n, weight, kernel)) ||
      failed(readWindow(n, input, kernel, w)))
    return failure();
  return n.finish(n.create<ConvOp>(
      n.input(0), n.input(1), n.input(2), n.b.getDenseI64ArrayAttr(w.strides),
      n.b.getDenseI64ArrayAttr(w.pads), n.b.getDenseI64ArrayAttr(w.dilations),
      n.b.getI64IntegerAttr(n.intAttr("group", 1))));
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

LogicalResult convertPool(NodeContext &n, PoolKind kind) {
  if (failed(n.checkArity(1, 1)))
    return failure();
  auto input = n.inputType(0);
  if (input.getRank() < 3)
    return n.emitError() << "expects an input of rank >= 3";
  std::optional<SmallVector<int64_t>> kernel = n.intsAttr("kernel_shape");
  if (!kernel)
    return n.emitError() << "kernel_shape is required";
  if (n.intAttr("storage_order", 0) != 0)
    return n.emitError() << "storage_order = 1 is not supported";
  Window w;
  if (failed(readWindow(n, input, *kernel, w)))
    return failure();
  bool ceilMode = n.intAttr("ceil_mode", 0) != 0;
  bool countIncludePad = n.intAttr("count_include_pad", 0) != 0;
  return n.finish(n.create<PoolOp>(
      n.input(0), PoolKindAttr::get(n.ctx, kind),
      n.b.getDenseI64ArrayAttr(w.kernel), n.b.getDenseI64ArrayAttr(w.strides),
      n.b.getDenseI64ArrayAttr(w.pads), n.b.getDenseI64ArrayAttr(w.dilations),
      ceilMode ? n.b.getUnitAttr() : UnitAttr(),
      countIncludePad ? n.b.getUnitAttr() : UnitAttr()));
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
