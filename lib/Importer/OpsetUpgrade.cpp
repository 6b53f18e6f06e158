//===- OpsetUpgrade.cpp - bring models older than opset 13 forward --------===//

#include "OpsetUpgrade.h"

#include "NodeContext.h"

#include "mlir/IR/Diagnostics.h"

#include "onnx/onnx_pb.h"
#include "onnx/version_converter/convert.h"

#include <exception>

using namespace mlir;

namespace autoglm::importer {

LogicalResult upgradeOldOpset(std::unique_ptr<onnx::ModelProto> &model,
                              Location fileLoc) {
  int64_t opset = -1;
  for (const onnx::OperatorSetIdProto &entry : model->opset_import())
    if (entry.domain().empty() || entry.domain() == "ai.onnx")
      opset = entry.version();
  // Opsets below 7 predate the broadcasting rules the converter relies on;
  // the graph importer reports them (and missing default domains) itself.
  if (opset < 7 || opset >= kMinSupportedOpset)
    return success();
  try {
    auto upgraded = std::make_unique<onnx::ModelProto>(
        onnx::version_conversion::ConvertVersion(*model, kMinSupportedOpset));
    model = std::move(upgraded);
    return success();
  } catch (const std::exception &error) {
    return emitError(fileLoc) << "the model uses opset " << opset
                              << " of the default domain, and ONNX's version "
                                 "converter could not upgrade it to opset "
                              << kMinSupportedOpset << ": " << error.what();
  }
}

} // namespace autoglm::importer
