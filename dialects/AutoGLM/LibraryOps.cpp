//===- LibraryOps.cpp - calls into vendor libraries -----------------------===//

#include "autoglm/Dialect/AutoGLM.h"

using namespace mlir;
using namespace mlir::autoglm;

/// True when one of the two innermost strides of `type` is 1: the matrix is
/// stored by rows or by columns, as a BLAS library reads it.
static bool isBlasMatrix(MemRefType type) {
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)))
    return false;
  size_t rank = strides.size();
  return strides[rank - 1] == 1 || strides[rank - 2] == 1;
}

/// The conditions of an 8-bit product (int8, or fp8's bits in i8) beyond
/// the float ones: those of cuBLASLt's int8 and fp8 tensor-core kernels on
/// column-major layouts, which read their first operand transposed and the
/// second not ("TN"): as the runtime swaps the operands (Dᵀ = Bᵀ · Aᵀ), a
/// and d by rows and b by columns; K, N and every leading dimension
/// multiples of `multiple` (int8: whole 4-byte words; fp8: 16-byte rows).
static std::optional<std::string> whyNotBytes(MemRefType a, MemRefType b,
                                              MemRefType d, StringRef what,
                                              int64_t multiple) {
  if (a.getRank() != 2 || b.getRank() != 2 || d.getRank() != 2)
    return ("an " + what + " product is of matrices, not batches").str();
  auto strides = [](MemRefType type) {
    SmallVector<int64_t> result;
    int64_t offset = 0;
    (void)type.getStridesAndOffset(result, offset);
    return result;
  };
  SmallVector<int64_t> sa = strides(a), sb = strides(b), sd = strides(d);
  if (sa[1] != 1 || sd[1] != 1 || sb[0] != 1)
    return ("an " + what + " product reads a and d by rows and b by columns")
        .str();
  if (b.getDimSize(0) % multiple != 0 || b.getDimSize(1) % multiple != 0 ||
      sa[0] % multiple != 0 || sb[1] % multiple != 0 || sd[0] % multiple != 0)
    return ("an " + what +
            " product's K, N and leading dimensions are multiples of " +
            Twine(multiple))
        .str();
  return std::nullopt;
}

std::optional<std::string> GemmOp::whyNot(MemRefType a, MemRefType b,
                                          MemRefType d, Type float8) {
  for (MemRefType type : {a, b, d}) {
    if (type.getRank() != 2 && type.getRank() != 3)
      return "operands are matrices or batches of matrices";
    if (!type.hasStaticShape())
      return "operands have static shapes";
    if (!isBlasMatrix(type))
      return "an operand is stored neither by rows nor by columns";
  }
  if (d.getRank() == 2 && (a.getRank() == 3 || b.getRank() == 3))
    return "a batched operand needs a batched result";
  auto dim = [](MemRefType type, int fromEnd) {
    return type.getDimSize(type.getRank() - fromEnd);
  };
  int64_t m = dim(d, 2), n = dim(d, 1), k = dim(a, 1);
  if (dim(a, 2) != m || dim(b, 2) != k || dim(b, 1) != n)
    return "shapes do not multiply";
  for (MemRefType type : {a, b})
    if (type.getRank() == 3 && type.getDimSize(0) != d.getDimSize(0))
      return "batch sizes differ";
  Type element = a.getElementType();
  if (float8) {
    if (!isa<Float8E4M3FNType>(float8))
      return "float8_type is f8E4M3FN";
    if (!element.isSignlessInteger(8) ||
        !b.getElementType().isSignlessInteger(8) ||
        !isa<Float32Type, Float16Type, BFloat16Type>(d.getElementType()))
      return "an fp8 product has i8 a and b (the float8 bits) and an f32, "
             "f16 or bf16 d";
    return whyNotBytes(a, b, d, "fp8", 16);
  }
  if (element.isSignlessInteger(8)) {
    if (!b.getElementType().isSignlessInteger(8) ||
        !d.getElementType().isSignlessInteger(32))
      return "an i8 product has i8 a and b and an i32 d";
    return whyNotBytes(a, b, d, "i8", 4);
  }
  if (b.getElementType() != element ||
      !isa<Float32Type, Float16Type, BFloat16Type>(element))
    return "a and b are both f32, f16 or bf16 (or both i8)";
  if (d.getElementType() != element && !d.getElementType().isF32())
    return "d has the element type of a and b, or f32";
  return std::nullopt;
}

LogicalResult GemmOp::verify() {
  Type float8 = getFloat8Type() ? *getFloat8Type() : Type();
  if (std::optional<std::string> reason =
          whyNot(getA().getType(), getB().getType(), getD().getType(), float8))
    return emitOpError(*reason);
  if (getAlpha() && !isa<FloatType>(getD().getType().getElementType()))
    return emitOpError("alpha scales float products only");
  return success();
}

std::optional<std::string>
DnnConvOp::whyNot(ShapedType x, ShapedType w, ShapedType y,
                  ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations,
                  ArrayRef<int64_t> padBefore, ArrayRef<int64_t> padAfter,
                  bool channelsLast) {
  for (ShapedType type : {x, w, y}) {
    if (!type.hasRank() || type.getRank() != 4 || !type.hasStaticShape())
      return "operands have static 4-D shapes";
    if (auto buffer = dyn_cast<MemRefType>(type);
        buffer && !buffer.getLayout().isIdentity())
      return "buffers are dense";
  }
  Type element = x.getElementType();
  if (!isa<Float16Type, BFloat16Type>(element) ||
      w.getElementType() != element || y.getElementType() != element)
    return "x, w and y are all f16 or all bf16";
  if (strides.size() != 2 || dilations.size() != 2 || padBefore.size() != 2 ||
      padAfter.size() != 2)
    return "strides, dilations and paddings have two values (rows, columns)";
  // Where the channels and the rows are: NCHW, or NHWC with channels_last.
  int64_t channelDim = channelsLast ? 3 : 1, rowDim = channelsLast ? 1 : 2;
  // The groups are x's channels / w's, as cuDNN takes them.
  int64_t channels = x.getDimSize(channelDim);
  int64_t groupChannels = w.getDimSize(channelDim);
  if (channels % groupChannels != 0 ||
      w.getDimSize(0) % (channels / groupChannels) != 0)
    return "w's channels divide x's into groups that divide w's filters";
  if (y.getDimSize(0) != x.getDimSize(0) ||
      y.getDimSize(channelDim) != w.getDimSize(0))
    return "y has x's images and w's filters";
  for (int d = 0; d < 2; ++d) {
    if (strides[d] < 1 || dilations[d] < 1 || padBefore[d] < 0 ||
        padAfter[d] < 0)
      return "strides and dilations are positive, paddings not negative";
    int64_t span = (w.getDimSize(rowDim + d) - 1) * dilations[d] + 1;
    int64_t padded = x.getDimSize(rowDim + d) + padBefore[d] + padAfter[d];
    if (padded < span ||
        (padded - span) / strides[d] + 1 != y.getDimSize(rowDim + d))
      return "y's rows and columns follow from x's, w's, the strides, "
             "dilations and paddings";
  }
  return std::nullopt;
}

LogicalResult DnnConvOp::verify() {
  bool tensors = isa<RankedTensorType>(getX().getType()) &&
                 isa<RankedTensorType>(getW().getType()) &&
                 isa<RankedTensorType>(getInit().getType());
  bool buffers = isa<MemRefType>(getX().getType()) &&
                 isa<MemRefType>(getW().getType()) &&
                 isa<MemRefType>(getInit().getType());
  if (!tensors && !buffers)
    return emitOpError("operands are all tensors or all buffers");
  if (tensors != static_cast<bool>(getResult()))
    return emitOpError("returns its result on tensors, nothing on buffers");
  if (getResult() && getResult().getType() != getInit().getType())
    return emitOpError("result has the type of init");
  auto y = cast<ShapedType>(getInit().getType());
  if (std::optional<std::string> reason = whyNot(
          cast<ShapedType>(getX().getType()),
          cast<ShapedType>(getW().getType()), y, getStrides(), getDilations(),
          getPadBefore(), getPadAfter(), getChannelsLast()))
    return emitOpError(*reason);
  for (Value operand : {getBias(), getResidual()})
    if (operand && isa<RankedTensorType>(operand.getType()) != tensors)
      return emitOpError("operands are all tensors or all buffers");
  if (Value bias = getBias()) {
    auto type = cast<ShapedType>(bias.getType());
    int64_t filters = y.getDimSize(getChannelsLast() ? 3 : 1);
    if (!type.hasRank() || type.getShape() != ArrayRef<int64_t>{filters} ||
        (!type.getElementType().isF32() &&
         type.getElementType() != y.getElementType()))
      return emitOpError("bias is a vector of y's filters, f32 or y's type");
  }
  if (Value residual = getResidual())
    if (cast<ShapedType>(residual.getType()).getShape() != y.getShape() ||
        getElementTypeOrSelf(residual.getType()) != y.getElementType())
      return emitOpError("residual has y's shape and element type");
  if (std::optional<APFloat> upper = getReluUpper();
      upper && !(upper->convertToFloat() > 0.0f))
    return emitOpError("relu_upper is positive");
  return success();
}

void DnnConvOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  // On tensors nothing; on buffers it reads x, w, bias and residual and
  // writes init.
  for (OpOperand &operand : getOperation()->getOpOperands())
    if (&operand != &getInitMutable() &&
        isa<MemRefType>(operand.get().getType()))
      effects.emplace_back(MemoryEffects::Read::get(), &operand,
                           SideEffects::DefaultResource::get());
  if (isa<MemRefType>(getInit().getType()))
    effects.emplace_back(MemoryEffects::Write::get(), &getInitMutable(),
                         SideEffects::DefaultResource::get());
}
