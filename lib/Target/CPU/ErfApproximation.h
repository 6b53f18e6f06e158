//===- ErfApproximation.h - erf as one rational function ---*- C++ -*-===//
//
// Internal to lib/Target/CPU (--autoglm-vectorize-rows): GELU's erf on
// vectors, cheaper than upstream's approximation.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_LIB_TARGET_CPU_ERFAPPROXIMATION_H
#define AUTOGLM_LIB_TARGET_CPU_ERFAPPROXIMATION_H

#include "mlir/IR/PatternMatch.h"

namespace mlir::autoglm {
/// `math.erf` on vectors of f32 as x P(x^2) / Q(x^2) with x clamped to
/// [-4, 4]; added with a benefit above upstream's polynomial
/// approximations, which it replaces for that type.
void populateErfApproximationPatterns(RewritePatternSet &patterns);
} // namespace mlir::autoglm

#endif // AUTOGLM_LIB_TARGET_CPU_ERFAPPROXIMATION_H
