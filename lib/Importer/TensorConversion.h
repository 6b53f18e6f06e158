//===- TensorConversion.h - ONNX tensors and types to MLIR ------*- C++ -*-===//
//
// Internal to the importer: element/tensor type conversion and TensorProto
// (initializers, Constant attributes) to ElementsAttr in every ONNX encoding:
// raw_data, the typed repeated fields, and external data files.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_LIB_IMPORTER_TENSORCONVERSION_H
#define AUTOGLM_LIB_IMPORTER_TENSORCONVERSION_H

#include "mlir/IR/BuiltinAttributeInterfaces.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Location.h"
#include "llvm/ADT/StringMap.h"

#include <memory>
#include <string>
#include <vector>

namespace llvm {
class MemoryBuffer;
} // namespace llvm

namespace onnx {
class TensorProto;
class TypeProto;
} // namespace onnx

namespace autoglm::importer {
/// The MLIR element type of an ONNX `TensorProto::DataType`: signed integers
/// are signless `iN`, unsigned ones `uiN`, bool `i1`. Null when unsupported.
mlir::Type convertElementType(int32_t onnxType, mlir::MLIRContext *context);

/// The ONNX spelling of a data type for messages ("float", "int64", ...).
std::string onnxTypeName(int32_t onnxType);

/// A ranked tensor type for an ONNX tensor type; symbolic or missing
/// dimensions become dynamic. Null (after a diagnostic at `loc` naming
/// `what`) when the element type is unsupported or the type has no shape.
mlir::RankedTensorType convertTensorType(const onnx::TypeProto &type,
                                         mlir::MLIRContext *context,
                                         mlir::Location loc,
                                         llvm::StringRef what);

/// Turns TensorProtos into attributes. Keeps external data files mapped for
/// as long as any attribute created from them lives (the blobs hold them).
class TensorConverter {
public:
  /// `modelDir` is where external data locations are resolved; tensors of at
  /// least `resourceThreshold` bytes become DenseResourceElementsAttr blobs.
  TensorConverter(mlir::MLIRContext *context, std::string modelDir,
                  size_t resourceThreshold = 64 * 1024);
  ~TensorConverter();

  /// Converts `tensor` (which may be modified: raw_data payloads are moved
  /// out of it rather than copied). Null after a diagnostic at `loc` that
  /// names the tensor.
  mlir::ElementsAttr convert(onnx::TensorProto &tensor, mlir::Location loc);

  /// The external data files read so far (the model's directory joined with
  /// each location), sorted.
  std::vector<std::string> getExternalFiles() const;

private:
  mlir::ElementsAttr fromBytes(mlir::RankedTensorType type,
                               llvm::StringRef name, llvm::ArrayRef<char> bytes,
                               std::shared_ptr<const void> owner);
  std::shared_ptr<llvm::MemoryBuffer>
  openExternalFile(llvm::StringRef location, llvm::StringRef tensorName,
                   mlir::Location loc);

  mlir::MLIRContext *context;
  std::string modelDir;
  size_t resourceThreshold;
  llvm::StringMap<std::shared_ptr<llvm::MemoryBuffer>> externalFiles;
};
} // namespace autoglm::importer

#endif // AUTOGLM_LIB_IMPORTER_TENSORCONVERSION_H
