//===- OpRegistry.h - ONNX operator type -> converter -----------*- C++ -*-===//
//
// Internal to the importer. Each op family registers its converters from
// its own file; per-opset differences are handled inside a converter, which
// sees the model's default-domain opset through `NodeContext::opset()`.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_LIB_IMPORTER_OPREGISTRY_H
#define AUTOGLM_LIB_IMPORTER_OPREGISTRY_H

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/StringMap.h"

namespace autoglm::importer {
class NodeContext;

/// Converts one node of the default ONNX domain; on failure it has emitted
/// a diagnostic at the node's location.
using ConvertFn = mlir::LogicalResult (*)(NodeContext &);

class OpRegistry {
public:
  /// The registry with every converter of the importer.
  static const OpRegistry &get();

  void add(llvm::StringRef opType, ConvertFn convert);
  /// Null when `opType` is not supported.
  ConvertFn lookup(llvm::StringRef opType) const;

private:
  llvm::StringMap<ConvertFn> converters;
};

// One registration function per converter file.
void registerElementwiseConverters(OpRegistry &registry);
void registerContractionConverters(OpRegistry &registry);
void registerNormalizationConverters(OpRegistry &registry);
void registerReductionConverters(OpRegistry &registry);
void registerReshapeConverters(OpRegistry &registry);
void registerSliceConcatConverters(OpRegistry &registry);
void registerGatherConverters(OpRegistry &registry);
void registerResizeConverters(OpRegistry &registry);
void registerShapeConverters(OpRegistry &registry);
void registerQuantizationConverters(OpRegistry &registry);
void registerAttentionConverter(OpRegistry &registry);
void registerRotaryEmbeddingConverter(OpRegistry &registry);
void registerRecurrentConverters(OpRegistry &registry);
void registerLossConverters(OpRegistry &registry);
void registerScatterConverters(OpRegistry &registry);
void registerEinsumConverter(OpRegistry &registry);
void registerSignalConverters(OpRegistry &registry);
void registerAffineGridDetConverters(OpRegistry &registry);
void registerCol2ImConverter(OpRegistry &registry);
} // namespace autoglm::importer

#endif // AUTOGLM_LIB_IMPORTER_OPREGISTRY_H
