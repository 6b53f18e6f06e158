//===- LibraryOps.cpp - calls into vendor libraries, on buffers -----------===//

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

std::optional<std::string> GemmOp::whyNot(MemRefType a, MemRefType b,
                                          MemRefType d) {
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
  if (b.getElementType() != element ||
      !isa<Float32Type, Float16Type, BFloat16Type>(element))
    return "a and b are both f32, f16 or bf16";
  if (d.getElementType() != element && !d.getElementType().isF32())
    return "d has the element type of a and b, or f32";
  return std::nullopt;
}

LogicalResult GemmOp::verify() {
  if (std::optional<std::string> reason =
          whyNot(getA().getType(), getB().getType(), getD().getType()))
    return emitOpError(*reason);
  return success();
}
