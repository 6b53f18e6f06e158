//===- ModelLoader.h - an ONNX model file into a ModelProto -----*- C++ -*-===//
//
// Internal to the importer. Reads binary protobuf (`.onnx`) or ONNX's textual
// syntax (`.onnxtxt`); every failure is a diagnostic at the file's location.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_LIB_IMPORTER_MODELLOADER_H
#define AUTOGLM_LIB_IMPORTER_MODELLOADER_H

#include "mlir/IR/Location.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/StringRef.h"

#include <memory>

namespace onnx {
class ModelProto;
} // namespace onnx

namespace autoglm::importer {
/// Parses the model at `path`; null (after a diagnostic at `fileLoc`) when
/// the file is missing, truncated or not a model.
std::unique_ptr<onnx::ModelProto> loadModel(llvm::StringRef path,
                                            mlir::Location fileLoc);
} // namespace autoglm::importer

#endif // AUTOGLM_LIB_IMPORTER_MODELLOADER_H
