//===- autoglm-opt.cpp - the AutoGLM compiler driver ----------------------===//
//
// An mlir-opt-style driver: MLIR input goes through the standard MlirOptMain
// flow (named passes, -verify-diagnostics, ...). ONNX input (.onnx,
// .onnxtxt) is first imported into the autoglm dialect, then runs through
// the same pass pipeline and printing.
//
//===----------------------------------------------------------------------===//

#include "autoglm/Dialect/AutoGLM.h"
#include "autoglm/Importer/ONNXImporter.h"
#include "autoglm/Passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

static llvm::cl::OptionCategory importerCategory("ONNX import options");

static llvm::cl::list<std::string> inputShapes(
    "input-shape",
    llvm::cl::desc("Specialize a graph input's shape, e.g. "
                   "--input-shape=input:1x3x224x224 (repeatable)"),
    llvm::cl::value_desc("NAME:DxDx..."), llvm::cl::cat(importerCategory));

/// Prints diagnostics of ONNX input in the user's terms: the model file and
/// the ONNX node the op came from.
static LogicalResult printONNXDiagnostic(StringRef modelPath, Diagnostic &diag) {
  std::string node;
  diag.getLocation()->walk([&](Location loc) {
    if (auto name = dyn_cast<NameLoc>(loc)) {
      node = name.getName().str();
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  llvm::raw_ostream &os = llvm::errs();
  os << modelPath << ": ";
  if (!node.empty())
    os << "node '" << node << "': ";
  switch (diag.getSeverity()) {
  case DiagnosticSeverity::Error: os << "error: "; break;
  case DiagnosticSeverity::Warning: os << "warning: "; break;
  case DiagnosticSeverity::Note: os << "note: "; break;
  case DiagnosticSeverity::Remark: os << "remark: "; break;
  }
  os << diag << "\n";
  for (Diagnostic &note : diag.getNotes())
    os << modelPath << ": note: " << note << "\n";
  return success();
}

/// Imports an ONNX model, runs the configured pipeline and prints the result.
static LogicalResult runOnONNX(StringRef inputPath, StringRef outputPath,
                               DialectRegistry &registry,
                               const MlirOptMainConfig &config) {
  ::autoglm::ImportOptions options;
  for (const std::string &spec : inputShapes) {
    std::pair<std::string, std::vector<int64_t>> parsed;
    if (!::autoglm::parseInputShapeSpec(spec, parsed)) {
      llvm::errs() << "error: malformed --input-shape='" << spec
                   << "' (expected NAME:DxDx..., e.g. input:1x3x224x224)\n";
      return failure();
    }
    options.inputShapes.push_back(std::move(parsed));
  }

  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    return printONNXDiagnostic(inputPath, diag);
  });

  OwningOpRef<ModuleOp> module =
      ::autoglm::importONNXFile(inputPath, context, options);
  if (!module)
    return failure();

  PassManager pm(&context, ModuleOp::getOperationName(),
                 PassManager::Nesting::Implicit);
  pm.enableVerifier(config.shouldVerifyPasses());
  if (failed(applyPassManagerCLOptions(pm)) ||
      failed(config.setupPassPipeline(pm)) || failed(pm.run(*module)))
    return failure();

  std::string error;
  std::unique_ptr<llvm::ToolOutputFile> output = openOutputFile(outputPath, &error);
  if (!output) {
    llvm::errs() << "error: " << error << "\n";
    return failure();
  }
  module->print(output->os());
  output->os() << "\n";
  output->keep();
  return success();
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);

  registerTransformsPasses(); // canonicalize, cse, inline, symbol-dce, ...
  mlir::autoglm::registerAutoGLMPasses();

  DialectRegistry registry;
  registry.insert<mlir::autoglm::AutoGLMDialect, func::FuncDialect, arith::ArithDialect,
                  tensor::TensorDialect, quant::QuantDialect>();

  auto [inputPath, outputPath] = registerAndParseCLIOptions(
      argc, argv, "AutoGLM compiler driver: ONNX or MLIR in, optimized IR out",
      registry);
  MlirOptMainConfig config = MlirOptMainConfig::createFromCLOptions();

  if (::autoglm::isONNXFile(inputPath))
    return asMainReturnCode(runOnONNX(inputPath, outputPath, registry, config));

  std::string error;
  std::unique_ptr<llvm::MemoryBuffer> input = openInputFile(inputPath, &error);
  if (!input) {
    llvm::errs() << "error: " << error << "\n";
    return 1;
  }
  std::unique_ptr<llvm::ToolOutputFile> output = openOutputFile(outputPath, &error);
  if (!output) {
    llvm::errs() << "error: " << error << "\n";
    return 1;
  }
  if (failed(MlirOptMain(output->os(), std::move(input), registry, config)))
    return 1;
  output->keep();
  return 0;
}
