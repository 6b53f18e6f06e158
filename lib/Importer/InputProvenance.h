//===- InputProvenance.h - which graph input decides a value ----*- C++ -*-===//
//
// Internal to the importer: for diagnostics that say which graph input to
// fix with --input-value when something must be known at import time.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_LIB_IMPORTER_INPUTPROVENANCE_H
#define AUTOGLM_LIB_IMPORTER_INPUTPROVENANCE_H

#include "mlir/IR/ValueRange.h"

#include <string>

namespace autoglm::importer {
/// The ONNX name of the one integer graph input that `values` are computed
/// from, where every graph input they depend on has a static shape: what
/// the importer does not know about them then comes from that input's
/// contents, which --input-value fixes. Empty otherwise (float inputs are
/// data; a symbolic dimension is fixed with --input-shape instead).
std::string integerInputDeciding(mlir::ValueRange values);
} // namespace autoglm::importer

#endif // AUTOGLM_LIB_IMPORTER_INPUTPROVENANCE_H
