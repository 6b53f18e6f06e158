//===- OpsetUpgrade.cpp - bring models older than opset 13 forward --------===//

#include "OpsetUpgrade.h"

#include "NodeContext.h"

#include "mlir/IR/Diagnostics.h"

#include "onnx/checker.h"
#include "onnx/onnx_pb.h"
#include "onnx/version_converter/convert.h"

#include <exception>
#include <set>
#include <string>

using namespace mlir;

namespace autoglm::importer {
/// The converter assumes a well-formed graph and crashes on, e.g., an output
/// nothing produces; ONNX's checker does not catch all of that. Reports the
/// first problem and fails.
static LogicalResult checkConvertible(const onnx::GraphProto &graph,
                                      Location fileLoc, int64_t opset) {
  std::set<std::string> defined;
  for (const onnx::ValueInfoProto &input : graph.input())
    defined.insert(input.name());
  for (const onnx::TensorProto &initializer : graph.initializer())
    defined.insert(initializer.name());
  for (const onnx::NodeProto &node : graph.node()) {
    for (const onnx::AttributeProto &attr : node.attribute())
      if (attr.has_g() || attr.graphs_size())
        return emitError(fileLoc)
               << "the model uses opset " << opset << "; upgrading models with "
               << "subgraphs (node '" << node.name() << "', " << node.op_type()
               << ") to opset " << kMinSupportedOpset << " is not supported";
    for (const std::string &output : node.output())
      defined.insert(output);
  }
  auto undefined = [&](const std::string &name) {
    return !name.empty() && !defined.count(name);
  };
  for (const onnx::NodeProto &node : graph.node())
    for (const std::string &input : node.input())
      if (undefined(input))
        return emitError(fileLoc)
               << "node '" << node.name() << "' (" << node.op_type()
               << ") reads '" << input
               << "', which no node, input or initializer defines";
  for (const onnx::ValueInfoProto &output : graph.output())
    if (undefined(output.name()) || output.name().empty())
      return emitError(fileLoc) << "graph output '" << output.name()
                                << "' is not produced by any node";
  return success();
}

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
  if (failed(checkConvertible(model->graph(), fileLoc, opset)))
    return failure();
  try {
    // The converter trusts its input (a dangling name crashes it), so the
    // model first passes ONNX's own checker, which throws on what is wrong.
    onnx::checker::check_model(*model);
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
