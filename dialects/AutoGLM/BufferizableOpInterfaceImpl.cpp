//===- BufferizableOpInterfaceImpl.cpp - autoglm ops on buffers -----------===//

#include "autoglm/Dialect/BufferizableOpInterfaceImpl.h"

#include "autoglm/Dialect/AutoGLM.h"
#include "autoglm/Dialect/SeparateOps.h"

#include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.h"
#include "mlir/Dialect/Bufferization/IR/DstBufferizableOpInterfaceImpl.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/Verifier.h"

using namespace mlir;
using namespace mlir::autoglm;

namespace {
/// A destination-style op that a target computes with a library or its own
/// kernels (autoglm.dnn_conv, autoglm.decode_attention): it reads every
/// operand but its destinations, which it overwrites and never reads (their
/// buffers need no copy of their contents). On buffers it is
/// the same op with each tensor operand replaced by its buffer, and no
/// result.
template <typename OpTy>
struct TargetOpBufferization
    : bufferization::DstBufferizableOpInterfaceExternalModel<
          TargetOpBufferization<OpTy>, OpTy> {
  bool bufferizesToMemoryRead(Operation *op, OpOperand &operand,
                              const bufferization::AnalysisState &) const {
    return !cast<OpTy>(op).isDpsInit(&operand);
  }

  LogicalResult bufferize(Operation *op, RewriterBase &rewriter,
                          const bufferization::BufferizationOptions &options,
                          bufferization::BufferizationState &state) const {
    auto target = cast<OpTy>(op);
    SmallVector<Value> operands;
    for (Value operand : op->getOperands()) {
      FailureOr<Value> buffer =
          bufferization::getBuffer(rewriter, operand, options, state);
      if (failed(buffer))
        return failure();
      operands.push_back(*buffer);
    }
    SmallVector<Value> inits;
    for (OpOperand &init : target.getDpsInitsMutable())
      inits.push_back(operands[init.getOperandNumber()]);
    rewriter.setInsertionPoint(op);
    OperationState onBuffers(op->getLoc(), op->getName(), operands,
                             /*types=*/{}, op->getAttrs());
    Operation *created = rewriter.create(onBuffers);
    if (failed(mlir::verify(created)))
      return failure();
    bufferization::replaceOpWithBufferizedValues(rewriter, op, inits);
    return success();
  }
};
} // namespace

void mlir::autoglm::registerBufferizableOpInterfaceExternalModels(
    DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *context, AutoGLMDialect *) {
    DnnConvOp::attachInterface<TargetOpBufferization<DnnConvOp>>(*context);
    DecodeAttentionOp::attachInterface<
        TargetOpBufferization<DecodeAttentionOp>>(*context);
  });
}
