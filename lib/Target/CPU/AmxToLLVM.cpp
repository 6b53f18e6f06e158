//===- AmxToLLVM.cpp - amx tiles to LLVM's x86_amx ------------------------===//
//
// --autoglm-amx-to-llvm: the `amx` dialect's operations of
// --autoglm-amx-contractions become LLVM's AMX intrinsics, and the tiles
// that scf.for carries from one step of K to the next become
// `!llvm.x86_amx` values. Upstream's convert-vector-to-llvm (enable-amx)
// converts the operations but not the loops' tile arguments, which
// convert-cf-to-llvm then cannot convert either (its type converter knows
// no tile type); here one LLVM type converter does both, before the loops
// become branches. What else the operations use (memrefs, indices) is
// reached through casts that the later conversions resolve. LLVM carries
// the tiles through the loop's phi in registers and writes the tile
// configuration (ldtilecfg) from the constant shapes.
//
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CPU/Passes.h"

#include "mlir/Conversion/LLVMCommon/ConversionTarget.h"
#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Dialect/AMX/AMXDialect.h"
#include "mlir/Dialect/AMX/Transforms.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/SCF/Transforms/Patterns.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMAMXTOLLVM
#include "autoglm/Target/CPU/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;

namespace {
struct AmxToLLVM : autoglm::impl::AutoGLMAmxToLLVMBase<AmxToLLVM> {
  void runOnOperation() override {
    bool hasTiles = false;
    getOperation().walk([&](Operation *op) {
      if (isa<amx::AMXDialect>(op->getDialect()))
        hasTiles = true;
      return hasTiles ? WalkResult::interrupt() : WalkResult::advance();
    });
    if (!hasTiles)
      return;
    MLIRContext *context = &getContext();
    LLVMTypeConverter converter(context);
    RewritePatternSet patterns(context);
    LLVMConversionTarget target(*context);
    populateAMXLegalizeForLLVMExportPatterns(converter, patterns);
    configureAMXLegalizeForExportTarget(target);
    scf::populateSCFStructuralTypeConversionsAndLegality(converter, patterns,
                                                         target);
    // Everything else is converted later; only tiles are illegal here.
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
