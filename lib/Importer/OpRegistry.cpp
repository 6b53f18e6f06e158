//===- OpRegistry.cpp - ONNX operator type -> converter -------------------===//

#include "OpRegistry.h"
#include "VisionConverters.h"

#include "llvm/ADT/Twine.h"

#include <cassert>

namespace autoglm::importer {
const OpRegistry &OpRegistry::get() {
  static const OpRegistry registry = [] {
    OpRegistry r;
    registerElementwiseConverters(r);
    registerContractionConverters(r);
    registerNormalizationConverters(r);
    registerReductionConverters(r);
    registerReshapeConverters(r);
    registerSliceConcatConverters(r);
    registerGatherConverters(r);
    registerResizeConverters(r);
    registerShapeConverters(r);
    registerQuantizationConverters(r);
    registerAttentionConverter(r);
    registerRotaryEmbeddingConverter(r);
    registerRecurrentConverters(r);
    registerLossConverters(r);
    registerScatterConverters(r);
    registerEinsumConverter(r);
    registerSignalConverters(r);
    registerAffineGridDetConverters(r);
    registerCol2ImConverter(r);
    registerCausalConvWithStateConverter(r);
    registerLinearAttentionConverter(r);
    registerControlFlowConverters(r);
    registerGridSampleConverters(r);
    registerRoiAlignConverter(r);
    registerMaxUnpoolConverter(r);
    return r;
  }();
  return registry;
}

void OpRegistry::add(llvm::StringRef opType, ConvertFn convert) {
  bool inserted = converters.try_emplace(opType, convert).second;
  assert(inserted && "operator registered twice");
  (void)inserted;
}

ConvertFn OpRegistry::lookup(llvm::StringRef opType) const {
  return converters.lookup(opType);
}

void OpRegistry::add(llvm::StringRef domain, llvm::StringRef opType,
                     ConvertFn convert) {
  bool inserted =
      domainConverters
          .try_emplace((llvm::Twine(domain) + "::" + opType).str(), convert)
          .second;
  assert(inserted && "operator registered twice");
  (void)inserted;
}

ConvertFn OpRegistry::lookup(llvm::StringRef domain,
                             llvm::StringRef opType) const {
  if (domain.empty() || domain == "ai.onnx")
    return lookup(opType);
  return domainConverters.lookup((llvm::Twine(domain) + "::" + opType).str());
}
} // namespace autoglm::importer
