//===- ONNXImporter.h - ONNX models into the autoglm dialect ----*- C++ -*-===//

#ifndef AUTOGLM_IMPORTER_ONNXIMPORTER_H
#define AUTOGLM_IMPORTER_ONNXIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace autoglm {
struct ImportOptions {
  /// `--input-shape=NAME:1x3x224x224`: replaces the named graph input's shape
  /// (symbolic dimensions included) before shape inference.
  std::vector<std::pair<std::string, std::vector<int64_t>>> inputShapes;
  /// `--input-value=NAME:FILE.pb`: the named graph input becomes a constant
  /// holding the ONNX TensorProto in the file, and leaves the compiled
  /// model's inputs. For structural parameters (axes, pads, sizes, k) that a
  /// model takes as inputs but that are fixed for a deployment.
  std::vector<std::pair<std::string, std::string>> inputValues;
  /// When set, receives the path of every external data file the import
  /// read (the model's directory joined with the tensor's location), sorted:
  /// what a build must watch besides the model (`autoglm-opt --depfile`).
  std::vector<std::string> *externalDataFiles = nullptr;
  /// If and Loop whose condition or trip count is known only at run time
  /// become structured control flow (scf.if, scf.while). Off for targets
  /// that run straight-line steps (CUDA): a run-time If then runs both
  /// branches and selects, and a run-time Loop condition needs a trip count
  /// known at compile time that bounds the unrolled iterations.
  bool runtimeControlFlow = true;
};

/// True when `path` names a file the importer reads (`.onnx`, `.onnxtxt`).
bool isONNXFile(llvm::StringRef path);

/// Parses "NAME:1x3x224x224" into `out` ("?" for a dimension left symbolic:
/// ShapedType::kDynamic); false on a malformed spec.
bool parseInputShapeSpec(llvm::StringRef spec,
                         std::pair<std::string, std::vector<int64_t>> &out);

/// Parses "NAME:FILE" into `out` (split at the last ':' followed by no
/// '/'; names may contain ':'); false on a malformed spec.
bool parseInputValueSpec(llvm::StringRef spec,
                         std::pair<std::string, std::string> &out);

/// Imports the ONNX model at `path` (binary protobuf, or ONNX's textual
/// syntax for `.onnxtxt`) into a module holding `func.func @main`. Errors are
/// reported through `context`'s diagnostic engine, naming the ONNX node or
/// the file; the result is null on any error.
mlir::OwningOpRef<mlir::ModuleOp> importONNXFile(llvm::StringRef path,
                                                 mlir::MLIRContext &context,
                                                 const ImportOptions &options);
} // namespace autoglm

#endif // AUTOGLM_IMPORTER_ONNXIMPORTER_H
