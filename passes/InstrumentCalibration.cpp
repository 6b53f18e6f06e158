//===- InstrumentCalibration.cpp - return the values int8 calibrates ------===//
//
// --autoglm-instrument-calibration: the float32 model `autoglm-opt
// --precision=int8` builds to measure activation ranges. Every calibration
// point (Calibration.h) becomes one more result of @main, named
// "calibration:<point>", so that running the compiled model
// (`autoglm-run --calibrate`) reports the range of each value a product
// will read in int8. The original results keep their places.
//
//===----------------------------------------------------------------------===//

#include "Calibration.h"
#include "autoglm/Passes/Passes.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_INSTRUMENTCALIBRATION
#include "autoglm/Passes/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {
struct InstrumentCalibration
    : autoglm::impl::InstrumentCalibrationBase<InstrumentCalibration> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto main = module.lookupSymbol<func::FuncOp>("main");
    if (!main || main.getBody().getBlocks().size() != 1) {
      module.emitError("instrument-calibration needs one func.func @main");
      return signalPassFailure();
    }
    llvm::MapVector<Value, std::string> points = findCalibrationPoints(module);
    auto ret = cast<func::ReturnOp>(main.getBody().front().getTerminator());
    SmallVector<Value> results(ret.getOperands());
    for (auto &[value, name] : points)
      results.push_back(value);
    ret->setOperands(results);
    SmallVector<DictionaryAttr> attrs;
    main.getAllResultAttrs(attrs);
    StringAttr onnxName =
        AutoGLMDialect::OnnxNameAttrHelper(&getContext()).getName();
    for (auto &point : points)
      attrs.push_back(DictionaryAttr::get(
          &getContext(),
          {NamedAttribute(onnxName,
                          StringAttr::get(&getContext(), calibrationOutputName(
                                                             point.second)))}));
    main.setFunctionType(
        FunctionType::get(&getContext(), main.getArgumentTypes(),
                          mlir::ValueRange(results).getTypes()));
    main.setAllResultAttrs(attrs);
  }
};
} // namespace
