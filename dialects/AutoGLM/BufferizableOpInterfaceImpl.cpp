//===- BufferizableOpInterfaceImpl.cpp - autoglm ops on buffers -----------===//

#include "autoglm/Dialect/BufferizableOpInterfaceImpl.h"

#include "autoglm/Dialect/AutoGLM.h"

#include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.h"
#include "mlir/Dialect/Bufferization/IR/DstBufferizableOpInterfaceImpl.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/Verifier.h"

using namespace mlir;
using namespace mlir::autoglm;

namespace {
/// autoglm.dnn_conv reads x, w and its epilogue's operands and overwrites
/// its destination, which it never reads: the destination's buffer needs no
/// copy of its contents.
struct ConvOpBufferization
    : bufferization::DstBufferizableOpInterfaceExternalModel<
          ConvOpBufferization, DnnConvOp> {
  bool bufferizesToMemoryRead(Operation *op, OpOperand &operand,
                              const bufferization::AnalysisState &) const {
    return !cast<DnnConvOp>(op).isDpsInit(&operand);
  }

  LogicalResult bufferize(Operation *op, RewriterBase &rewriter,
                          const bufferization::BufferizationOptions &options,
                          bufferization::BufferizationState &state) const {
    auto conv = cast<DnnConvOp>(op);
    FailureOr<Value> x =
        bufferization::getBuffer(rewriter, conv.getX(), options, state);
    FailureOr<Value> w =
        bufferization::getBuffer(rewriter, conv.getW(), options, state);
    FailureOr<Value> init =
        bufferization::getBuffer(rewriter, conv.getInit(), options, state);
    if (failed(x) || failed(w) || failed(init))
      return failure();
    // The epilogue's operands, when it has them.
    Value epilogue[2] = {conv.getBias(), conv.getResidual()};
    for (Value &operand : epilogue) {
      if (!operand)
        continue;
      FailureOr<Value> buffer =
          bufferization::getBuffer(rewriter, operand, options, state);
      if (failed(buffer))
        return failure();
      operand = *buffer;
    }
    rewriter.setInsertionPoint(op);
    auto onBuffers = DnnConvOp::create(
        rewriter, conv.getLoc(), Type(), *x, *w, epilogue[0], epilogue[1],
        *init, conv.getStrides(), conv.getDilations(), conv.getPadBefore(),
        conv.getPadAfter(), conv.getChannelsLast(), conv.getReluUpperAttr());
    if (failed(mlir::verify(onBuffers)))
      return failure();
    bufferization::replaceOpWithBufferizedValues(rewriter, op, *init);
    return success();
  }
};
} // namespace

void mlir::autoglm::registerBufferizableOpInterfaceExternalModels(
    DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *context, AutoGLMDialect *) {
    DnnConvOp::attachInterface<ConvOpBufferization>(*context);
  });
}
