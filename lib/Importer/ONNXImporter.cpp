//===- ONNXImporter.cpp - public entry points of the ONNX importer --------===//

#include "autoglm/Importer/ONNXImporter.h"

#include "GraphImporter.h"
#include "ModelLoader.h"

#include "autoglm/Dialect/AutoGLM.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "llvm/Support/Path.h"

#include "onnx/onnx_pb.h"

using namespace mlir;

namespace autoglm {
bool isONNXFile(StringRef path) {
  StringRef extension = llvm::sys::path::extension(path);
  return extension == ".onnx" || extension == ".onnxtxt";
}

bool parseInputShapeSpec(StringRef spec,
                         std::pair<std::string, std::vector<int64_t>> &out) {
  // NAME:1x3x224x224; the name may itself contain ':' (e.g. "input:0"), so
  // split at the last one. A rank-0 input is "NAME:" (no dimensions).
  size_t colon = spec.rfind(':');
  if (colon == StringRef::npos || colon == 0)
    return false;
  StringRef name = spec.take_front(colon), dims = spec.drop_front(colon + 1);
  std::vector<int64_t> shape;
  if (!dims.empty()) {
    SmallVector<StringRef> parts;
    dims.split(parts, 'x');
    for (StringRef part : parts) {
      // "?" leaves a dimension symbolic (the batch of --batch-sizes).
      if (part == "?") {
        shape.push_back(ShapedType::kDynamic);
        continue;
      }
      uint64_t dim;
      if (part.empty() || part.getAsInteger(10, dim) ||
          dim > (uint64_t(1) << 40))
        return false;
      shape.push_back(static_cast<int64_t>(dim));
    }
  }
  out = {name.str(), std::move(shape)};
  return true;
}

bool parseInputValueSpec(StringRef spec,
                         std::pair<std::string, std::string> &out) {
  // Input names may contain ':' ("input:0"), file paths rarely do: split at
  // the last ':' before the path's first '/'.
  size_t slash = spec.find('/');
  size_t colon = spec.take_front(slash).rfind(':');
  if (colon == StringRef::npos || colon == 0 || colon + 1 == spec.size())
    return false;
  out = {spec.take_front(colon).str(), spec.drop_front(colon + 1).str()};
  return true;
}

OwningOpRef<ModuleOp> importONNXFile(StringRef path, MLIRContext &context,
                                     const ImportOptions &options) {
  context.loadDialect<func::FuncDialect, mlir::autoglm::AutoGLMDialect,
                      quant::QuantDialect>();
  Location fileLoc = FileLineColLoc::get(&context, path, 0, 0);
  std::unique_ptr<onnx::ModelProto> model = importer::loadModel(path, fileLoc);
  if (!model)
    return nullptr;
  return importer::importModel(*model, path, context, options);
}
} // namespace autoglm
