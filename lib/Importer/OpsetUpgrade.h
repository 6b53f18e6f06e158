//===- OpsetUpgrade.h - models older than opset 13, upgraded ----*- C++ -*-===//
//
// Internal to the importer. The converters know the default domain's
// semantics from opset 13 on; older models are first rewritten to opset 13
// by ONNX's own version converter (Debian's libonnx), the tool that the ONNX
// project maintains for exactly this.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_LIB_IMPORTER_OPSETUPGRADE_H
#define AUTOGLM_LIB_IMPORTER_OPSETUPGRADE_H

#include "mlir/IR/Location.h"

#include <memory>

namespace onnx {
class ModelProto;
} // namespace onnx

namespace autoglm::importer {
/// Rewrites `model` to the oldest supported opset when it imports an older
/// default-domain opset; leaves other models alone. Fails (after a
/// diagnostic at `fileLoc`) when ONNX's converter cannot upgrade it.
mlir::LogicalResult upgradeOldOpset(std::unique_ptr<onnx::ModelProto> &model,
                                    mlir::Location fileLoc);
} // namespace autoglm::importer

#endif // AUTOGLM_LIB_IMPORTER_OPSETUPGRADE_H
