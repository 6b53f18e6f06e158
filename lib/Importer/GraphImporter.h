//===- GraphImporter.h - an ONNX ModelProto to a func.func ------*- C++ -*-===//
//
// Internal to the importer: checks the model (opset, operators, dangling
// names, cycles), orders the nodes topologically and converts them into
// `func.func @main` of a new module.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_LIB_IMPORTER_GRAPHIMPORTER_H
#define AUTOGLM_LIB_IMPORTER_GRAPHIMPORTER_H

#include "autoglm/Importer/ONNXImporter.h"

namespace onnx {
class ModelProto;
} // namespace onnx

namespace autoglm::importer {
/// Imports `model`, read from `path` (external data is resolved next to
/// it). Null after diagnostics on any error.
mlir::OwningOpRef<mlir::ModuleOp> importModel(onnx::ModelProto &model,
                                              llvm::StringRef path,
                                              mlir::MLIRContext &context,
                                              const ImportOptions &options);
} // namespace autoglm::importer

#endif // AUTOGLM_LIB_IMPORTER_GRAPHIMPORTER_H
