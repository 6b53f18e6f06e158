//===- OpRegistry.cpp - ONNX operator type -> converter -------------------===//

#include "OpRegistry.h"
#include "VisionConverters.h"

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
} // namespace autoglm::importer
