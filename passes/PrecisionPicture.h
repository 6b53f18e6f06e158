//===- PrecisionPicture.h - the precision report as an SVG ------*- C++ -*-===//

#ifndef AUTOGLM_PASSES_PRECISIONPICTURE_H
#define AUTOGLM_PASSES_PRECISIONPICTURE_H

#include "mlir/Support/LLVM.h"
#include "llvm/Support/JSON.h"

namespace mlir::autoglm {
/// The SVG of a precision report `report` (the JSON the pass writes): one
/// row per lowerable layer (matmul, conv, gather of a table) in program
/// order, its box coloured by precision, and, where the accuracy budget
/// measured it, a bar of the output error that layer alone causes (log
/// scale) with the budget's bound drawn across.
std::string drawPrecisionReport(const llvm::json::Object &report);
} // namespace mlir::autoglm

#endif // AUTOGLM_PASSES_PRECISIONPICTURE_H
