//===- Float8Cast.h - ONNX's casts to the float8 types ----------*- C++ -*-===//
//
// Internal to the importer: Cast, CastLike and QuantizeLinear to
// float8e4m3fn, float8e4m3fnuz, float8e5m2 and float8e5m2fnuz, with ONNX's
// `saturate`.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_LIB_IMPORTER_FLOAT8CAST_H
#define AUTOGLM_LIB_IMPORTER_FLOAT8CAST_H

#include "NodeContext.h"

namespace autoglm::importer {
/// True for the four float8 types above.
bool isFloat8(mlir::Type type);
/// True for the float8 types and float4e2m1: the float storage types of
/// QuantizeLinear / DequantizeLinear, which have no !quant.uniform form.
bool isFloatStorage(mlir::Type type);

/// `x` cast to the float8 type `target`. autoglm.cast saturates (a value
/// past the largest finite one becomes it, as saturate=1 asks); with
/// `saturate` false, the values whose rounding overflows become infinity
/// (float8e5m2, with x's sign) or NaN (the types without infinities).
mlir::Value castToFloat8(NodeContext &n, mlir::Value x, mlir::FloatType target,
                         bool saturate);
} // namespace autoglm::importer

#endif // AUTOGLM_LIB_IMPORTER_FLOAT8CAST_H
