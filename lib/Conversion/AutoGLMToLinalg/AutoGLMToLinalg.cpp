//===- AutoGLMToLinalg.cpp - --autoglm-lower-to-linalg --------------------===//
//
// The pass: checks that every autoglm op has static shapes, then runs a
// partial conversion with the patterns of the op families (Elementwise.cpp,
// Contraction.cpp, Normalization.cpp, HighLevel.cpp, and for data movement
// Constants.cpp, Layout.cpp, Gather.cpp, Resize.cpp, GridSample.cpp,
// RoiAlign.cpp); the bodies of
// `autoglm.fused` are converted in place and then fused into one loop nest
// each (Fused.cpp); the regions stay, one kernel each. Function signatures go
// through the type converter (uiN -> iN, quantized -> storage).
//
//===----------------------------------------------------------------------===//

#include "autoglm/Conversion/Passes.h"
#include "autoglm/Dialect/SeparateOps.h"

#include "Common.h"
#include "Interpolation.h"

#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_AUTOGLMLOWERTOLINALG
#include "autoglm/Conversion/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::lowering;

namespace {
bool isStatic(Type type) {
  auto t = dyn_cast<RankedTensorType>(type);
  return t && t.hasStaticShape();
}

/// The lowering materializes every shape at compile time; a `?` anywhere is
/// reported in the user's terms. The run-time `shape` operand of
/// reshape/expand/fill is ignored: the static result type already says it.
LogicalResult checkStaticShapes(ModuleOp module) {
  WalkResult result = module.walk([](Operation *op) {
    if (!isa<AutoGLMDialect>(op->getDialect()))
      return WalkResult::advance();
    auto dynamic = [](Type t) { return !isStatic(t); };
    bool bad = llvm::any_of(op->getResultTypes(), dynamic);
    for (OpOperand &operand : op->getOpOperands()) {
      bool isShapeOperand =
          (isa<ReshapeOp>(op) && operand.getOperandNumber() == 1) ||
          (isa<ExpandOp>(op) && operand.getOperandNumber() == 1) ||
          (isa<FillOp>(op) && operand.getOperandNumber() == 0);
      if (!isShapeOperand && dynamic(operand.get().getType()))
        bad = true;
    }
    if (bad) {
      op->emitError() << "'" << op->getName()
                      << "' needs static shapes; specialize the inputs with "
                         "--input-shape";
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  if (result.wasInterrupted())
    return failure();
  // Variants the patterns do not handle, each with its own message.
  result = module.walk([](Operation *op) {
    if (failed(checkContractionSupported(op)) ||
        failed(checkNormalizationSupported(op)) ||
        failed(checkConstantSupported(op)) ||
        failed(checkResizeSupported(op)) || failed(checkHighLevelSupported(op)))
      return WalkResult::interrupt();
    return WalkResult::advance();
  });
  return failure(result.wasInterrupted());
}

/// An op whose results all have no elements (a batch of 0 images) computes
/// nothing: its results become `tensor.empty`, before any pattern builds
/// slices or loops over a zero extent (a convolution's im2col slices an
/// empty batch at offset 0, which the verifier rejects). A fused region is
/// replaced whole. Only where the type converter keeps the result types
/// (no unsigned or quantized elements), so that users need no cast.
void replaceEmptyResults(ModuleOp module, const TypeConverter &converter) {
  auto isEmpty = [&](Type type) {
    auto t = dyn_cast<RankedTensorType>(type);
    return t && t.hasStaticShape() && t.getNumElements() == 0 &&
           converter.convertType(t) == t;
  };
  SmallVector<Operation *> empty;
  module.walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (!isa<AutoGLMDialect>(op->getDialect()) || op->getNumResults() == 0 ||
        isa<ConstantOp, DecodeAttentionOp>(op) || !isMemoryEffectFree(op) ||
        !llvm::all_of(op->getResultTypes(), isEmpty))
      return WalkResult::advance();
    empty.push_back(op);
    return WalkResult::skip();
  });
  IRRewriter rewriter(module.getContext());
  for (Operation *op : empty) {
    rewriter.setInsertionPoint(op);
    SmallVector<Value> results;
    for (Type type : op->getResultTypes()) {
      auto t = cast<RankedTensorType>(type);
      results.push_back(emptyTensor(rewriter, op->getLoc(), t.getShape(),
                                    t.getElementType()));
    }
    rewriter.replaceOp(op, results);
  }
}

struct AutoGLMLowerToLinalgPass
    : mlir::autoglm::impl::AutoGLMLowerToLinalgBase<AutoGLMLowerToLinalgPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    if (failed(checkStaticShapes(module)))
      return signalPassFailure();
    AutoGLMTypeConverter converter(ctx);
    replaceEmptyResults(module, converter);
    // Clusters of --autoglm-fuse keep their region through the conversion
    // and become one loop nest each afterwards (Fused.cpp), still a region.
    inlineClustersWithConvertedTypes(module, converter);
    ConversionTarget target(*ctx);
    target.addIllegalDialect<AutoGLMDialect>();
    target.addDynamicallyLegalOp<FusedOp, YieldOp>(
        [&](Operation *op) { return isLegalCluster(op, converter); });
    // Made before this lowering by a target that computes it itself.
    target.addLegalOp<DecodeAttentionOp>();
    target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                           math::MathDialect, tensor::TensorDialect,
                           scf::SCFDialect, vector::VectorDialect>();
    target.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp op) {
      return converter.isSignatureLegal(op.getFunctionType()) &&
             converter.isLegal(&op.getBody());
    });
    target.addDynamicallyLegalOp<func::ReturnOp>(
        [&](func::ReturnOp op) { return converter.isLegal(op); });
    target.addDynamicallyLegalOp<func::CallOp>(
        [&](func::CallOp op) { return converter.isLegal(op); });
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });

    RewritePatternSet patterns(ctx);
    populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns,
                                                                   converter);
    populateReturnOpTypeConversionPattern(patterns, converter);
    populateCallOpTypeConversionPattern(patterns, converter);
    populateElementwisePatterns(converter, patterns);
    populateContractionPatterns(converter, patterns);
    populateNormalizationPatterns(converter, patterns);
    populateConstantPatterns(converter, patterns);
    populateLayoutPatterns(converter, patterns);
    populateGatherPatterns(converter, patterns);
    populateResizePatterns(converter, patterns);
    populateGridSamplePatterns(converter, patterns);
    populateRoiAlignPatterns(converter, patterns);
    populateHighLevelPatterns(converter, patterns);
    populateTopKAttentionPatterns(converter, patterns);
    populateFusedPatterns(converter, patterns);

    if (failed(applyPartialConversion(module, target, std::move(patterns))))
      return signalPassFailure();
    fuseInClusters(module);
  }
};
} // namespace
